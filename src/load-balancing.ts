import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { istioDuration } from './core/duration';
import { fail } from './core/errors';
import { T, checkProps } from './core/shape';
import { cookieRegex, isHttpToken, isSettableHeader } from './core/syntax';
import { ALL_AUDIENCES } from './model/binding';
import { Tier } from './model/rules';
import { IRoutableService, routingOf, subsetOfVersion } from './routed-service';

/** Options for hashing on a cookie. */
export interface HashCookieOptions {
  /** Cookie name. */
  readonly name: string;
  /**
   * Cookie path, set on the cookie Envoy generates (a request path the browser sends it back for).
   * @default - none: the generated cookie has no `Path` attribute
   */
  readonly path?: string;
  /**
   * Lifetime of the cookie Envoy generates when the request has none.
   * @default - a session cookie
   */
  readonly ttl?: Duration;
}

enum LbKind { SIMPLE, HEADER, COOKIE, SOURCE_IP, QUERY }

/** Marks LoadBalancer objects, also across copies of this package. */
const LB_SYMBOL = Symbol.for('cdk8s-istio-traffic.LoadBalancer');

/**
 * How a client sidecar picks a pod among the pods of a destination (the DestinationRule's
 * `loadBalancer`), for `LoadBalancing`.
 *
 * @example
 * new LoadBalancing(chart, 'reviews-lb', { service: reviews, loadBalancer: LoadBalancer.consistentHashByHeader('x-user-id') });
 */
export class LoadBalancer {
  /**
   * True for a LoadBalancer, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isLoadBalancer(x: any): x is LoadBalancer {
    return x !== null && typeof x === 'object' && LB_SYMBOL in x;
  }

  /** Round robin over the pods. */
  public static roundRobin(): LoadBalancer {
    return new LoadBalancer(LbKind.SIMPLE, 'ROUND_ROBIN');
  }

  /** The pod with the fewest active requests (of two picked at random). Istio's default. */
  public static leastRequest(): LoadBalancer {
    return new LoadBalancer(LbKind.SIMPLE, 'LEAST_REQUEST');
  }

  /** A random pod. */
  public static random(): LoadBalancer {
    return new LoadBalancer(LbKind.SIMPLE, 'RANDOM');
  }

  /** The original destination address of the connection (no load balancing). */
  public static passthrough(): LoadBalancer {
    return new LoadBalancer(LbKind.SIMPLE, 'PASSTHROUGH');
  }

  /**
   * Consistent hashing on a request header: requests with the same value reach the same pod.
   *
   * @param header the header name, e.g. `x-user-id` (written in lower case)
   */
  public static consistentHashByHeader(header: string): LoadBalancer {
    return new LoadBalancer(LbKind.HEADER, header);
  }

  /**
   * Consistent hashing on a cookie (Envoy generates it when missing).
   *
   * @param options the cookie name, and the path and lifetime of a generated cookie
   */
  public static consistentHashByCookie(options: HashCookieOptions): LoadBalancer {
    T.struct('HashCookieOptions', { name: T.string(), path: T.optional(T.string()), ttl: T.optional(T.duration()) }, "{ name: 'session' }")
      .check('LoadBalancer.consistentHashByCookie', 'options', options);
    return new LoadBalancer(LbKind.COOKIE, options.name, options);
  }

  /** Consistent hashing on the client's IP address. */
  public static consistentHashBySourceIp(): LoadBalancer {
    return new LoadBalancer(LbKind.SOURCE_IP, '');
  }

  /**
   * Consistent hashing on a query parameter: requests with the same value reach the same pod.
   *
   * @param name the query parameter name, e.g. `user`
   */
  public static consistentHashByQueryParameter(name: string): LoadBalancer {
    return new LoadBalancer(LbKind.QUERY, name);
  }

  private constructor(private readonly kind: LbKind, private readonly value: string, private readonly cookie?: HashCookieOptions) {
    Object.defineProperty(this, LB_SYMBOL, { value: true });
  }

  /** True for the consistent-hash forms. */
  public get isConsistentHash(): boolean {
    return this.kind !== LbKind.SIMPLE;
  }

  /** @internal */
  public _render(scope: Construct): any {
    switch (this.kind) {
      case LbKind.SIMPLE:
        return { simple: this.value };
      case LbKind.HEADER:
        if (!isHttpToken(this.value)) {
          fail(scope, 'loadBalancer.header', this.value, 'is not a valid HTTP header name', "Use e.g. 'x-user-id'");
        }
        return { consistentHash: { httpHeaderName: this.value.toLowerCase() } };
      case LbKind.COOKIE: {
        if (!isHttpToken(this.value)) {
          fail(scope, 'loadBalancer.cookie.name', this.value, 'is not a valid cookie name', "Use e.g. 'session'");
        }
        const c = this.cookie!;
        return {
          consistentHash: {
            httpCookie: {
              name: this.value,
              ...(c.path !== undefined ? { path: c.path } : {}),
              ...(c.ttl !== undefined ? { ttl: istioDuration(scope, 'loadBalancer.cookie.ttl', c.ttl) } : {}),
            },
          },
        };
      }
      case LbKind.SOURCE_IP:
        return { consistentHash: { useSourceIp: true } };
      case LbKind.QUERY:
        if (this.value === '') { fail(scope, 'loadBalancer.queryParameter', this.value, 'is empty', 'Name the query parameter'); }
        return { consistentHash: { httpQueryParameterName: this.value } };
    }
  }
}

/** Props for `LoadBalancing`. */
export interface LoadBalancingProps {
  /** The service. */
  readonly service: IRoutableService;
  /**
   * Apply to one version only.
   * @default - the whole service
   */
  readonly version?: string;
  /** The algorithm. */
  readonly loadBalancer: LoadBalancer;
}

/**
 * The load-balancing algorithm for a service or one version, in the host's one DestinationRule.
 *
 * Consistent hashing keeps a client on one pod *within* a destination. It does not keep a user on
 * one version while the service's requests are split by weight (Envoy picks the weighted subset
 * first): that combination fails the synth unless the service also has a `VersionAffinity`.
 */
export class LoadBalancing extends Construct {
  /**
   * Sets `loadBalancer` on the service's DestinationRule. Fails when another LoadBalancing already
   * set it for the same service or version.
   *
   * @param scope the construct this one belongs to (usually the chart of the service)
   * @param id the construct id
   * @param props the service, the version and the algorithm
   */
  constructor(scope: Construct, id: string, props: LoadBalancingProps) {
    super(scope, id);
    checkProps(this, props, LOAD_BALANCING_PROPS);
    const routing = routingOf(this, props.service);
    const subset = props.version !== undefined ? subsetOfVersion(this, 'version', props.service, props.version) : undefined;
    routing.setPolicy(this, subset, 'loadBalancer', props.loadBalancer._render(this));
  }
}

const LOAD_BALANCING_PROPS = T.struct('LoadBalancingProps', {
  service: T.any(),
  version: T.optional(T.string()),
  loadBalancer: T.instance('LoadBalancer', x => LoadBalancer.isLoadBalancer(x), 'Use a LoadBalancer factory, e.g. LoadBalancer.leastRequest()'),
}, '{ service, loadBalancer: LoadBalancer.leastRequest() }');

const AFFINITY_PROPS = T.struct('VersionAffinityProps', {
  service: T.any(),
  cookie: T.optional(T.string()),
  cookieMaxAge: T.optional(T.duration()),
  header: T.optional(T.string()),
}, "{ service, cookie: 'app-version' }");

/** Props for `VersionAffinity`. */
export interface VersionAffinityProps {
  /** The service. */
  readonly service: IRoutableService;
  /**
   * A cookie naming the version: the sidecar sets it on the first response (`Set-Cookie`), browsers
   * send it back, and later requests are routed to that version. Use this or `header`.
   * @default - use `header`
   */
  readonly cookie?: string;
  /**
   * Lifetime of the cookie.
   * @default - a session cookie
   */
  readonly cookieMaxAge?: Duration;
  /**
   * A request header naming the version: the sidecar returns it on the first response, and the
   * client (or the calling application) must send it on later requests. Use this or `cookie`.
   * @default - use `cookie`
   */
  readonly header?: string;
}

/**
 * Sticky versions with a weighted split: a user's first request is routed by the split. The
 * response names the version that served it (a cookie or header), and every later request that
 * carries it goes to that version, by a rule matched before the weighted route. Combine with
 * consistent hashing to also stay on one pod inside the version.
 *
 * @example
 * new VersionAffinity(chart, 'reviews-affinity', { service: reviews, cookie: 'app-version' });
 */
export class VersionAffinity extends Construct {
  /** The cookie or header that names the version. */
  public readonly carrier: string;

  /**
   * Adds the affinity rules to the service's VirtualService: one rule (`<id>-<version>`) per version
   * the split sends requests to, matched before the weighted route, whose responses set the cookie
   * or header. Fails for a service routed with `TrafficSplit.wholeService()`.
   *
   * @param scope the construct this one belongs to (usually the chart of the service)
   * @param id the construct id
   * @param props the service, and the cookie or header that names the version
   */
  constructor(scope: Construct, id: string, props: VersionAffinityProps) {
    super(scope, id);
    checkProps(this, props, AFFINITY_PROPS);
    if ((props.cookie === undefined) === (props.header === undefined)) {
      fail(this, 'cookie', props.cookie, props.cookie === undefined ? 'and header are both unset' : 'and header are both set',
        'Name the version in exactly one of them: a cookie for browsers, a header for API clients');
    }
    const routing = routingOf(this, props.service);
    const name = (props.cookie ?? props.header)!;
    if (!isHttpToken(name)) {
      fail(this, props.cookie !== undefined ? 'cookie' : 'header', name, 'is not a valid token', "Use letters, digits and '-', e.g. 'app-version'");
    }
    if (props.header !== undefined && !isSettableHeader(props.header)) {
      fail(this, 'header', props.header, 'is a header proxies own (host, pseudo-headers, content-length, hop-by-hop headers): it cannot name the version',
        "Use a header of your own, e.g. 'x-app-version'");
    }
    if (props.cookieMaxAge !== undefined && props.cookieMaxAge.toSeconds({ integral: false }) < 1) {
      fail(this, 'cookieMaxAge', props.cookieMaxAge.toHumanString(), 'is under one second: the cookie is written with Max-Age=0, which browsers drop at once, so it pins nobody',
        'Use at least Duration.seconds(1), or omit it for a session cookie');
    }
    this.carrier = props.cookie ?? props.header!.toLowerCase();
    const maxAge = props.cookieMaxAge ? `; Max-Age=${Math.floor(props.cookieMaxAge.toSeconds({ integral: false }))}` : '';
    if (props.cookieMaxAge && props.header !== undefined) {
      fail(this, 'cookieMaxAge', props.cookieMaxAge.toHumanString(), 'only applies to a cookie', 'Remove it, or use cookie');
    }
    if (ALL_AUDIENCES.some(audience => routing.catchAllRoute(this, audience).some(d => d.wholeService === true))) {
      fail(this, 'service', props.service.name, 'routes to the whole Service (TrafficSplit.wholeService()), where Kubernetes picks the pod: there is no version route to pin users to',
        'Give the service a split by version (percentages or TrafficSplit.relative()) to pin users to a version, or use LoadBalancing with LoadBalancer.consistentHashByCookie() (or ByHeader) to keep a user on one pod');
    }
    routing.setAffinity(this);
    // For mesh traffic and for edge traffic to the service's release; only versions the normal route
    // sends requests to can be pinned (after a rollback, a pinned canary user is back on the split).
    for (const audience of ALL_AUDIENCES) {
      const live = new Set(routing.catchAllRoute(this, audience).filter(d => d.weight > 0).map(d => d.subset));
      for (const version of props.service.versionNames) {
        const subset = props.service.subsetOf(version);
        if (!live.has(subset)) { continue; }
        const match = props.cookie !== undefined
          ? { headers: { cookie: { regex: cookieRegex(props.cookie, version) } } }
          : { headers: { [this.carrier]: { exact: version } } };
        routing.addReleaseRule({
          source: this,
          name: `${id}-${version}`,
          match: [match],
          audiences: [audience],
          tier: Tier.AFFINITY,
          rank: [],
          route: [{ host: props.service.name, subset, weight: 100 }],
        });
        routing.setCatchAllHeaders(audience, subset, props.cookie !== undefined
          ? { response: { add: { 'set-cookie': `${props.cookie}=${version}; Path=/${maxAge}` } } }
          : { response: { set: { [this.carrier]: version } } });
      }
    }
  }
}
