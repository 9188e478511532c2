import { createHash } from 'crypto';
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { checkDnsLabel, checkLabels, checkPort } from './core/checks';
import { fail, failWith, show } from './core/errors';
import { DEFAULT_NAMESPACE, hostSlug, serverCovers, serviceHostFrom } from './core/hosts';
import { GATEWAY_API_GROUP, GATEWAY_NAME_LABEL, isGatewayApi, refuseInGatewayApi } from './core/routing-api';
import { checkProps, T } from './core/shape';
import { gatewayHostError, isDnsLabel, isDnsSubdomain } from './core/syntax';
import { Audience, Binding } from './model/binding';
import { HostRouting, VirtualServiceEntry, VirtualServiceRule } from './model/host-routing';
import { specificityRank, Tier } from './model/rules';
import { backendContextOf, routeRules, versionServiceName } from './render/gateway-api';
import { virtualServiceSpec } from './render/istio';
import { newAuthorizationPolicy, newGateway, newGatewayApiGateway, newReferenceGrant, newRoute, newVirtualService } from './render/objects';
import { CONDITION_SETS_SHAPE, CONDITIONS_SHAPE, ConditionSet, renderConditions, RequestCondition } from './request-match';
import { checkExplicitNamespace, IRoutableService, modelOf, routingOf, subsetOfVersion } from './routed-service';

/** TLS mode of an HTTPS server. */
export enum TlsMode {
  /** The gateway terminates TLS with the server certificate from the secret. */
  SIMPLE = 'SIMPLE',
  /** Mutual TLS: clients must present a certificate signed by the CA in the secret (`ca.crt`). */
  MUTUAL = 'MUTUAL',
}

/** An HTTPS server of the gateway. */
export interface HttpsServerOptions {
  /**
   * The Kubernetes TLS secret with the certificate (`tls.crt`, `tls.key`, and `ca.crt` for MUTUAL):
   * with Istio's APIs in the namespace of the ingress gateway pods (usually `istio-system`); with
   * RoutingApi.GATEWAY_API in the edge's namespace (the listener's `certificateRefs`).
   */
  readonly credentialName: string;
  /**
   * TLS mode. Always written explicitly: Istio's default for a TLS block is PASSTHROUGH.
   * @default TlsMode.SIMPLE
   */
  readonly mode?: TlsMode;
  /**
   * The hosts this server serves (must be among the edge's hosts).
   * @default - every host of the edge
   */
  readonly hosts?: string[];
  /**
   * Port of the HTTPS server on the gateway pods.
   * @default 443
   */
  readonly port?: number;
  /**
   * Port name, unique across the servers of the gateway.
   * @default 'https' for the first HTTPS server, 'https-2', 'https-3' ... for the others
   */
  readonly portName?: string;
}

/** Props for `IngressEdge`. */
export interface IngressEdgeProps {
  /**
   * Name of the Gateway (a DNS label: no dots). VirtualServices are named after it.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the Gateway and its VirtualServices.
   * @default - the chart's namespace, else `default`
   */
  readonly namespace?: string;
  /**
   * Labels of the ingress gateway pods that serve this Gateway.
   * @default { istio: 'ingressgateway' }
   */
  readonly selector?: { [key: string]: string };
  /**
   * The hosts the edge serves: `*`, `*.example.com` or `shop.example.com` (no short names).
   */
  readonly hosts: string[];
  /**
   * Serve plain HTTP.
   * @default true
   */
  readonly http?: boolean;
  /**
   * Port of the HTTP server.
   * @default 80
   */
  readonly httpPort?: number;
  /**
   * HTTPS servers.
   * @default - none: the edge serves plain HTTP only
   */
  readonly https?: HttpsServerOptions[];
  /**
   * The HTTP server answers every request with a redirect to HTTPS.
   * @default false
   */
  readonly redirectToHttps?: boolean;
  /**
   * Also apply the edge's routes to requests that workloads inside the mesh send to these hosts
   * (`gateways: [<gateway>, mesh]`). Not possible for wildcard hosts.
   * @default false
   */
  readonly includeMesh?: boolean;
  /**
   * Routes, as `addRoute` takes them.
   * @default - none: add routes with `addRoute`; a host without routes answers 404
   */
  readonly routes?: EdgeRouteOptions[];
}

enum DestinationKind { RELEASE, VERSION, SERVICE }

const DESTINATION_SYMBOL = Symbol.for('cdk8s-istio-traffic.EdgeDestination');

/** Where an edge route sends requests. */
export class EdgeDestination {
  /**
   * True for an EdgeDestination, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isEdgeDestination(x: any): x is EdgeDestination {
    return x !== null && typeof x === 'object' && DESTINATION_SYMBOL in x;
  }

  /**
   * To a service's release: its weighted split and its dark-release rules apply to edge traffic
   * too (those with a scope that includes the edge).
   *
   * @param service the service (a CanaryService or ExistingService)
   */
  public static release(service: IRoutableService): EdgeDestination {
    return new EdgeDestination(DestinationKind.RELEASE, service);
  }

  /**
   * To one version of a service, whatever its split says (e.g. a preview host for the canary).
   *
   * @param service the service (a CanaryService or ExistingService)
   * @param version a version declared on the service
   */
  public static version(service: IRoutableService, version: string): EdgeDestination {
    return new EdgeDestination(DestinationKind.VERSION, service, version);
  }

  /**
   * To a plain Kubernetes Service port (not routed by this library).
   *
   * @example
   * EdgeDestination.service('productpage', 9080)
   *
   * @param name the Service name (a DNS label)
   * @param port the Service port, from 1 to 65535
   * @param namespace the Service's namespace (by default the edge's namespace)
   */
  public static service(name: string, port: number, namespace?: string): EdgeDestination {
    return new EdgeDestination(DestinationKind.SERVICE, undefined, undefined, name, port, namespace);
  }

  private constructor(
    /** @internal */ public readonly _kind: DestinationKind,
    /** @internal */ public readonly _service?: IRoutableService,
    /** @internal */ public readonly _version?: string,
    /** @internal */ public readonly _name?: string,
    /** @internal */ public readonly _port?: number,
    /** @internal */ public readonly _namespace?: string,
  ) {
    Object.defineProperty(this, DESTINATION_SYMBOL, { value: true });
  }
}

/** One route of an edge. */
export interface EdgeRouteOptions {
  /** Where matching requests go. */
  readonly to: EdgeDestination;
  /**
   * The host the route is for. It must be served by the gateway.
   * @default - every host of the edge
   */
  readonly host?: string;
  /**
   * Conditions, ANDed (e.g. `[RequestCondition.pathPrefix('/customer')]`). Use this or `rules`.
   * @default - every request to the host (the host's catch-all route)
   */
  readonly when?: RequestCondition[];
  /**
   * Several condition sets, ORed (e.g. one per path).
   * @default - use `when`
   */
  readonly rules?: ConditionSet[];
  /**
   * Rewrite the path: the matched prefix (or the whole path for an exact match) is replaced, e.g.
   * `/customer` served as `/`.
   * @default - no rewrite: the service sees the path as the client sent it
   */
  readonly rewriteUri?: string;
  /**
   * Rewrite the authority (Host header).
   * @default - no rewrite: the service sees the host the client sent
   */
  readonly rewriteAuthority?: string;
  /**
   * Route to a plain Service (`EdgeDestination.service()`) even though this library routes that
   * service with a weighted split, so that gateway traffic bypasses the split on purpose.
   * @default false - such a route fails, since it usually means the split was forgotten at the edge
   */
  readonly bypassRelease?: boolean;
  /**
   * Name of the VirtualService rule.
   * @default - `route-<n>`
   */
  readonly name?: string;
}

const ROUTE = T.struct('EdgeRouteOptions', {
  to: T.instance('EdgeDestination', x => EdgeDestination.isEdgeDestination(x), 'Use EdgeDestination.release(service), .version(service, v) or .service(name, port)'),
  host: T.optional(T.string()),
  when: T.optional(CONDITIONS_SHAPE),
  rules: T.optional(CONDITION_SETS_SHAPE),
  rewriteUri: T.optional(T.string()),
  rewriteAuthority: T.optional(T.string()),
  name: T.optional(T.string()),
  bypassRelease: T.optional(T.boolean()),
}, '{ to: EdgeDestination.release(service) }');

const PROPS = T.struct('IngressEdgeProps', {
  name: T.optional(T.string()),
  namespace: T.optional(T.string()),
  selector: T.optional(T.map()),
  hosts: T.array(T.string()),
  http: T.optional(T.boolean()),
  httpPort: T.optional(T.number()),
  https: T.optional(T.array(T.struct('HttpsServerOptions', {
    credentialName: T.string(),
    mode: T.optional(T.enumOf(TlsMode, 'TlsMode')),
    hosts: T.optional(T.array(T.string())),
    port: T.optional(T.number()),
    portName: T.optional(T.string()),
  }, "{ credentialName: 'shop-cert' }"))),
  redirectToHttps: T.optional(T.boolean()),
  includeMesh: T.optional(T.boolean()),
  routes: T.optional(T.array(ROUTE)),
}, "{ hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(service) }] }");

/**
 * The edge of the mesh: an Istio Gateway on the ingress gateway pods, and the VirtualServices bound
 * to it that route requests from outside (a browser) to services. Mesh-only routing does not touch
 * these requests; only a VirtualService bound to the Gateway does.
 *
 * In a chart written with RoutingApi.GATEWAY_API (RoutingApiSetting), the same edge is a Gateway API
 * `Gateway` of class `istio` with a listener per server and host, and an HTTPRoute per host.
 *
 * One VirtualService per host: `<name>` for the `*` host, `<name>-<host>` for the others. Routes of
 * a host are ordered most specific first (exact paths, then longer prefixes, then regexes, then
 * other conditions, the catch-all last); a route that an earlier one still shadows fails the synth.
 *
 * @example
 * new IngressEdge(chart, 'bookinfo-gateway', {
 *   hosts: ['*'],
 *   routes: [{ to: EdgeDestination.release(productpage), when: [RequestCondition.pathPrefix('/productpage')] }],
 * });
 */
export class IngressEdge extends Construct {
  /** The Gateway name. */
  public readonly name: string;
  /** The namespace of the Gateway and its VirtualServices. */
  public readonly namespace: string;
  /** The reference VirtualServices use: `<namespace>/<name>`. */
  public readonly gatewayRef: string;
  /** The hosts the edge serves. */
  public readonly hosts: string[];
  /** The Gateway object. */
  public readonly gateway: ApiObject;

  private readonly binding: Binding;
  private readonly serverHosts: string[];
  private readonly includeMesh: boolean;
  private routeCount = 0;
  /** The edge's VirtualService objects, and the objects its routes reference (for apply order). */
  private readonly virtualServiceObjects: ApiObject[] = [];
  private readonly targets: ApiObject[] = [];
  private readonly virtualServiceNames = new Set<string>();
  /** RoutingApi.GATEWAY_API: the Gateway's listeners, and whether the HTTP ones only redirect. */
  private listeners?: GatewayListener[];
  private redirecting = false;
  /** RoutingApi.GATEWAY_API: the Services of other namespaces the edge's routes refer to, by namespace. */
  private readonly grants = new Map<string, Set<string>>();

  /**
   * Creates the Gateway, and a VirtualService per host for the routes in `routes` (more can be
   * added with `addRoute`).
   *
   * @param scope the construct this one belongs to (usually a chart)
   * @param id the construct id, also the Gateway name unless `name` is given
   * @param props the hosts, the servers and the routes
   */
  constructor(scope: Construct, id: string, props: IngressEdgeProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    this.name = props.name ?? id;
    if (typeof this.name === 'string' && this.name.includes('.')) {
      fail(this, 'name', this.name, 'contains dots, which Istio rejects in a Gateway name',
        "Use a DNS label such as 'bookinfo-gateway' (a Gateway name is a single label, unlike other object names)");
    }
    checkDnsLabel(this, 'name', this.name);
    checkExplicitNamespace(this, props.namespace);
    this.namespace = props.namespace ?? Chart.of(this).namespace!;
    checkDnsLabel(this, 'namespace', this.namespace);
    this.gatewayRef = `${this.namespace}/${this.name}`;
    this.binding = Binding.gateway(this.namespace, this.name);
    this.includeMesh = props.includeMesh === true;
    if (!Array.isArray(props.hosts) || props.hosts.length === 0) {
      fail(this, 'hosts', props.hosts ?? [], 'is empty', "List the hosts the edge serves, e.g. ['*'] or ['shop.example.com']");
    }
    this.hosts = props.hosts.map((h, i) => checkGatewayHost(this, `hosts[${i}]`, h));
    if (this.includeMesh) {
      this.hosts.forEach((h, i) => {
        if (h.includes('*')) {
          fail(this, `hosts[${i}]`, h, 'is a wildcard host, which a VirtualService that applies to the mesh cannot have',
            'Use exact hosts with includeMesh, or leave includeMesh off');
        }
      });
    }
    const selector = props.selector ?? { istio: 'ingressgateway' };
    checkLabels(this, 'selector', selector);
    if (Object.keys(selector).length === 0) {
      fail(this, 'selector', selector, 'is empty, which selects every pod as a gateway', 'Select the ingress gateway pods, e.g. { istio: "ingressgateway" }');
    }

    const servers = this.buildServers(props);
    this.serverHosts = [...new Set(servers.flatMap(s => s.hosts as string[]))];
    const selectorKey = JSON.stringify(Object.entries(selector).sort());
    modelOf(this).claimServerHosts(this, servers.flatMap(s => (s.hosts as string[]).map(h => `${selectorKey}|${s.port.number}|${h}`)));
    if (isGatewayApi(modelOf(this).routingApi)) {
      this.gateway = this.gatewayApiGateway(props, servers);
    } else {
      this.gateway = newGateway(this, 'Gateway', {
        name: this.name, namespace: this.namespace, spec: () => ({ selector, servers }),
      });
    }
    for (const r of props.routes ?? []) { this.addRoute(r); }
  }

  /**
   * Adds a route to the VirtualService of its host (of every host of the edge without `host`).
   * Fails for a host the gateway does not serve and for a second catch-all route of a host.
   *
   * @example
   * edge.addRoute({ to: EdgeDestination.release(reviews), when: [RequestCondition.pathPrefix('/reviews')] });
   *
   * @param options where the requests go, which requests (`when` / `rules`), and rewrites
   */
  public addRoute(options: EdgeRouteOptions): void {
    ROUTE.check(this, 'route', options);
    this.routeCount++;
    const name = options.name ?? `route-${this.routeCount}`;
    const field = `routes[${name}]`;
    const match = this.routeMatch(field, options);
    this.checkDestination(`${field}.to`, options.to);
    if (this.listeners !== undefined) { this.grantReference(options.to); }
    if (options.rewriteUri !== undefined && (typeof options.rewriteUri !== 'string' || !options.rewriteUri.startsWith('/'))) {
      fail(this, `${field}.rewriteUri`, options.rewriteUri, 'is not a path', "Start it with '/', e.g. '/'");
    }
    const hosts = options.host !== undefined ? [checkGatewayHost(this, `${field}.host`, options.host)] : this.hosts;
    for (const host of hosts) {
      if (!this.serverHosts.some(s => serverCovers(s, host))) {
        fail(this, `${field}.host`, host, `is not served by any server of Gateway ${this.gatewayRef} (hosts: ${this.serverHosts.join(', ')}), so no request for it reaches the route (IST0132)`,
          "Add the host to the edge's hosts, or route a host it serves");
      }
      const entry = this.virtualServiceFor(host);
      if (match.length === 0 && entry.rules.some(r => r.match.length === 0)) {
        fail(this, field, name, `is a second catch-all route for host '${host}'`, "Only one route per host may omit 'when'/'rules'; give this one conditions");
      }
      entry.rules.push(this.rule(name, match, options));
    }
  }

  /** The match blocks of a route: `when` (ANDed) or `rules` (ORed); none for a catch-all. */
  private routeMatch(field: string, options: EdgeRouteOptions): { [key: string]: any }[] {
    if (options.when !== undefined && options.rules !== undefined) {
      fail(this, `${field}.rules`, `${options.rules.length} condition set(s) and when: ${options.when.length} condition(s)`, "is given together with 'when'", "Use 'when' for one set of conditions or 'rules' for several");
    }
    if (options.rules !== undefined) {
      if (!Array.isArray(options.rules) || options.rules.length === 0) {
        fail(this, `${field}.rules`, options.rules, 'is empty', "Give at least one condition set, or omit 'rules' for a catch-all route");
      }
      return options.rules.map((r, i) => renderConditions(this, `${field}.rules[${i}].conditions`, r?.conditions));
    }
    return options.when !== undefined ? [renderConditions(this, `${field}.when`, options.when)] : [];
  }

  /** The rule of a route: to a Service port, to one version, or along a service's release. */
  private rule(name: string, match: { [key: string]: any }[], options: EdgeRouteOptions): VirtualServiceRule {
    const { rewriteUri, rewriteAuthority } = options;
    const rewriteFields = {
      ...(rewriteUri !== undefined ? { uri: rewriteUri } : {}),
      ...(rewriteAuthority !== undefined ? { authority: rewriteAuthority } : {}),
    };
    const order = {
      source: this,
      name,
      match,
      tier: match.length > 0 ? Tier.ROUTE : Tier.CATCH_ALL,
      rank: match.length > 0 ? specificityRank(match) : [],
      options: Object.keys(rewriteFields).length > 0 ? { rewrite: rewriteFields } : {},
    };
    const to = options.to;
    if (to._kind === DestinationKind.SERVICE) {
      const host = serviceHostFrom(this.namespace, to._name!, to._namespace ?? this.namespace);
      this.checkNotBypassingRelease(name, to, options.bypassRelease === true);
      return { ...order, route: [{ host, port: to._port, weight: 100 }] };
    }
    const service = to._service!;
    const host = serviceHostFrom(this.namespace, service.name, service.namespace);
    const routing = routingOf(this, service);
    this.dependOn(routing);
    if (to._kind === DestinationKind.VERSION) {
      return { ...order, route: [{ host, subset: service.subsetOf(to._version!), port: service.port, weight: 100 }] };
    }
    // A release: the service's edge rules (dark releases, then its weighted split), each ANDed with the route's match.
    return { ...order, follow: { routing, audience: Audience.EDGE, host, port: service.port } };
  }

  /**
   * A route to the plain Service of a service this library routes with a weighted split: requests at
   * the gateway would go to the Service's pods by replica count, bypassing the split (and the dark
   * releases) that mesh traffic gets (Istio's IST0140 family).
   */
  private checkNotBypassingRelease(name: string, to: EdgeDestination, bypass: boolean): void {
    const routing = modelOf(this).tryServiceHost(to._name!, to._namespace ?? this.namespace);
    const live = routing?.release(Audience.EDGE).find(r => r.match.length === 0)?.route.filter(d => d.weight > 0) ?? [];
    if (live.length > 1 && !bypass) {
      fail(this, `routes[${name}].to`, `EdgeDestination.service('${to._name}', ${to._port})`,
        `is the plain Service of '${to._name}', whose release splits requests (${live.map(d => `${d.subset} ${d.weight}%`).join(' / ')}); the gateway would bypass the split`,
        'Use EdgeDestination.release(service) to follow the split, or set bypassRelease: true on the route if bypassing it is what you want');
    }
  }

  /** Checks an EdgeDestination (the route's shape has checked that it is one). */
  private checkDestination(field: string, to: EdgeDestination): void {
    if (to._kind === DestinationKind.SERVICE) {
      if (!isDnsLabel(to._name)) { fail(this, `${field}.name`, to._name, 'is not a Service name', "Use the Service's name, e.g. 'productpage'"); }
      checkPort(this, `${field}.port`, to._port);
      if (to._namespace !== undefined) { checkDnsLabel(this, `${field}.namespace`, to._namespace); }
      return;
    }
    routingOf(this, to._service!);
    if (to._kind === DestinationKind.VERSION) { subsetOfVersion(this, `${field}.version`, to._service!, to._version!); }
  }

  /** The VirtualService of `host` at this edge's Gateway, created on first use. */
  private virtualServiceFor(host: string): VirtualServiceEntry {
    const routing = modelOf(this).externalHost(host);
    const existing = routing.entryFor(this.binding);
    if (existing) { return existing; }
    const entry: VirtualServiceEntry = {
      owner: this,
      name: this.virtualServiceName(host),
      namespace: this.namespace,
      host,
      bindings: this.includeMesh ? [this.binding, Binding.MESH] : [this.binding],
      http: true,
      rules: [],
      ...(this.listeners !== undefined
        ? { checkRendering: () => routeRules(routing, entry, backendContextOf(modelOf(this), this.namespace)) }
        : {}),
    };
    routing.addVirtualService(entry);
    const vs = this.listeners === undefined
      ? newVirtualService(this, `VirtualService-${host}`, {
        name: entry.name, namespace: this.namespace, spec: () => virtualServiceSpec(routing, entry),
      })
      : this.gatewayApiRoute(routing, entry);
    // Apply order: the Gateway, and what the routes reference, before the VirtualServices.
    vs.node.addDependency(this.gateway, ...this.targets);
    this.virtualServiceObjects.push(vs);
    return entry;
  }

  /**
   * RoutingApi.GATEWAY_API: a Gateway of class `istio` (Istio deploys its pods) with a listener per
   * server and host, and, with redirectToHttps, an HTTPRoute on the HTTP listeners that answers
   * every request with a redirect to HTTPS.
   */
  private gatewayApiGateway(props: IngressEdgeProps, servers: any[]): ApiObject {
    if (props.selector !== undefined) {
      refuseInGatewayApi(this, 'selector', `${show(props.selector)} selects gateway pods, while Istio deploys the pods of a Gateway API Gateway itself (class 'istio')`, '', 'Change it');
    }
    if (this.includeMesh) {
      refuseInGatewayApi(this, 'includeMesh', 'applies the edge routes to mesh traffic to external hosts (a Gateway API mesh route attaches to a Service)', '', 'Change it');
    }
    const listeners: GatewayListener[] = servers.flatMap(server => (server.hosts as string[]).map(host => {
      if (server.tls?.mode === TlsMode.MUTUAL) {
        refuseInGatewayApi(this, 'https', 'asks clients for certificates (TlsMode.MUTUAL; client certificate validation of Gateway listeners is not in the standard channel)', '', 'Change it');
      }
      return {
        host,
        http: server.port.protocol === 'HTTP',
        listener: {
          name: server.hosts.length === 1 ? server.port.name : `${server.port.name}-${hostSlug(host)}`,
          port: server.port.number,
          protocol: server.port.protocol,
          ...(host === '*' ? {} : { hostname: host }),
          ...(server.tls?.credentialName !== undefined
            ? { tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: server.tls.credentialName }] } }
            : {}),
        },
      };
    }));
    this.listeners = listeners;
    const gateway = newGatewayApiGateway(this, 'Gateway', {
      name: this.name, namespace: this.namespace, spec: () => ({ gatewayClassName: 'istio', listeners: listeners.map(l => l.listener) }),
    });
    this.admitOutsideWorld(gateway);
    if (props.redirectToHttps) {
      this.redirecting = true;
      const http = listeners.filter(l => l.http);
      const hostnames = [...new Set(http.map(l => l.host))].filter(h => h !== '*');
      const redirect = newRoute(this, 'HTTPRoute', {
        name: `${this.name}-https-redirect`,
        namespace: this.namespace,
        spec: () => ({
          parentRefs: http.map(l => ({ name: this.name, sectionName: l.listener.name })),
          ...(hostnames.length > 0 && !http.some(l => l.host === '*') ? { hostnames } : {}),
          rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
        }),
      }, 'HTTPRoute-https-redirect');
      redirect.node.addDependency(gateway);
    }
    return gateway;
  }

  /**
   * RoutingApi.GATEWAY_API: a route to Services of another namespace needs a ReferenceGrant there
   * (else the reference is refused and the requests get 500). One per namespace, naming the Services
   * this edge's HTTPRoutes may refer to.
   */
  private grantReference(to: EdgeDestination): void {
    const service = to._service;
    const namespace = to._kind === DestinationKind.SERVICE ? (to._namespace ?? this.namespace) : (service!.namespace ?? DEFAULT_NAMESPACE);
    if (namespace === this.namespace) { return; }
    const names = to._kind === DestinationKind.SERVICE ? [to._name!]
      : to._kind === DestinationKind.VERSION ? [versionServiceName(service!.name, service!.subsetOf(to._version!))]
        : [service!.name, ...service!.versionNames.map(v => versionServiceName(service!.name, service!.subsetOf(v)))];
    let grant = this.grants.get(namespace);
    if (grant === undefined) {
      const granted = new Set<string>();
      grant = granted;
      this.grants.set(namespace, granted);
      const obj = newReferenceGrant(this, `ReferenceGrant-${namespace}`, {
        name: `${this.namespace}-${this.name}`.slice(0, 253),
        namespace,
        spec: () => ({
          from: [{ group: GATEWAY_API_GROUP, kind: 'HTTPRoute', namespace: this.namespace }],
          to: [...granted].sort().map(name => ({ group: '', kind: 'Service', name })),
        }),
      });
      // Apply order: the grant before the routes that need it.
      this.targets.push(obj);
      for (const route of this.virtualServiceObjects) { route.node.addDependency(obj); }
    }
    for (const n of names) { grant.add(n); }
  }

  /**
   * RoutingApi.GATEWAY_API: Istio runs the Gateway on pods of its own in the edge's namespace
   * (Deployment `<edge>-istio`, labelled `gateway.networking.k8s.io/gateway-name`), known to the
   * analysis and the simulator. An allow-nothing policy of that namespace (NamespaceDefaultDeny)
   * denies them every request too; then the edge adds an ALLOW policy for its pods that admits every
   * request, as an ingress gateway must (DENY policies still apply).
   */
  private admitOutsideWorld(gateway: ApiObject): void {
    const model = modelOf(this);
    const labels = { [GATEWAY_NAME_LABEL]: this.name };
    model.knownWorkloads.push({ name: `Deployment/${this.name}-istio`, namespace: this.namespace, labels, replicas: 1 });
    model.whenDeniedByDefault(this.namespace, () => {
      const name = `${this.name}-gateway-pods`;
      const other = model.claimObjectName('AuthorizationPolicy', this.namespace, name, this);
      if (other !== undefined) {
        failWith(this, 'name', `would create AuthorizationPolicy ${this.namespace}/${name} (admitting requests to the gateway's pods), which ${other.node.path} already defines`,
          'Give the edge or the other object another name');
      }
      const allow = newAuthorizationPolicy(this, 'GatewayPodsAllow', {
        name, namespace: this.namespace, spec: () => ({ selector: { matchLabels: labels }, action: 'ALLOW', rules: [{}] }),
      });
      allow.node.addDependency(gateway);
    });
  }

  /** RoutingApi.GATEWAY_API: the HTTPRoute of one host, on the listeners that serve it. */
  private gatewayApiRoute(routing: HostRouting, entry: VirtualServiceEntry): ApiObject {
    const host = entry.host;
    const listeners = this.listeners!.filter(l => serverCovers(l.host, host) && !(l.http && this.redirecting));
    return newRoute(this, 'HTTPRoute', {
      name: entry.name,
      namespace: this.namespace,
      spec: () => ({
        parentRefs: listeners.map(l => ({ name: this.name, sectionName: l.listener.name })),
        ...(host === '*' ? {} : { hostnames: [host] }),
        rules: routeRules(routing, entry, backendContextOf(modelOf(this), this.namespace)),
      }),
    }, `HTTPRoute-${host}`);
  }

  /**
   * The VirtualService name of `host`: the edge name and the host's slug (`shop-api-example-com`).
   * Distinct hosts can share a slug (`a-b.example.com`, `a.b.example.com`); the later one gets a
   * short hash of the host so that both work.
   */
  private virtualServiceName(host: string): string {
    const base = host === '*' ? this.name : `${this.name}-${hostSlug(host)}`;
    const name = this.virtualServiceNames.has(base) ? `${base.slice(0, 244)}-${shortHash(host)}` : base;
    this.virtualServiceNames.add(name);
    return name;
  }

  /** Apply order: what a route references (the service's DestinationRule, or its Service) before the edge's VirtualServices. */
  private dependOn(routing: HostRouting): void {
    const target = routing.objects.destinationRule ?? routing.objects.service;
    if (!target || !ApiObject.isApiObject(target) || this.targets.includes(target)) { return; }
    this.targets.push(target);
    for (const vs of this.virtualServiceObjects) { vs.node.addDependency(target); }
  }

  private buildServers(props: IngressEdgeProps): any[] {
    const servers: any[] = [];
    const https = props.https ?? [];
    const serveHttp = props.http ?? true;
    if (!serveHttp && https.length === 0) {
      fail(this, 'http', false, 'turns off the only server', 'Serve HTTP, or add an HTTPS server');
    }
    if (props.redirectToHttps && https.length === 0) {
      fail(this, 'redirectToHttps', true, 'needs an HTTPS server to redirect to', "Add an entry to 'https' with the certificate's credentialName");
    }
    if (props.redirectToHttps && !serveHttp) {
      fail(this, 'redirectToHttps', true, 'needs the HTTP server that answers with the redirect', 'Leave http on');
    }
    if (serveHttp) {
      const port = props.httpPort ?? 80;
      checkPort(this, 'httpPort', port);
      servers.push({
        port: { number: port, name: 'http', protocol: 'HTTP' },
        hosts: [...this.hosts],
        ...(props.redirectToHttps ? { tls: { httpsRedirect: true } } : {}),
      });
    }
    https.forEach((h, i) => {
      const field = `https[${i}]`;
      if (typeof h.credentialName !== 'string' || h.credentialName === '') {
        fail(this, `${field}.credentialName`, h.credentialName, 'is empty: an HTTPS server needs the TLS secret with its certificate',
          'Create a kubernetes.io/tls Secret in the ingress gateway namespace and name it here');
      }
      if (!isDnsSubdomain(h.credentialName)) {
        fail(this, `${field}.credentialName`, h.credentialName, 'is not a valid Secret name', 'Use the name of a kubernetes.io/tls Secret');
      }
      const port = h.port ?? 443;
      checkPort(this, `${field}.port`, port);
      const hosts = (h.hosts ?? this.hosts).map((x, j) => checkGatewayHost(this, `${field}.hosts[${j}]`, x));
      hosts.forEach((x, j) => {
        if (!this.hosts.some(e => serverCovers(e, x))) {
          fail(this, `${field}.hosts[${j}]`, x, 'is not one of the edge hosts', "Add it to the edge's hosts");
        }
      });
      servers.push({
        port: { number: port, name: h.portName ?? (i === 0 ? 'https' : `https-${i + 1}`), protocol: 'HTTPS' },
        hosts,
        tls: { mode: h.mode ?? TlsMode.SIMPLE, credentialName: h.credentialName },
      });
    });
    if (props.redirectToHttps) {
      const secure = servers.filter(x => x.port.protocol === 'HTTPS').flatMap(x => x.hosts as string[]);
      const uncovered = this.hosts.filter(hh => !secure.some(x => serverCovers(x, hh)));
      if (uncovered.length > 0) {
        fail(this, 'redirectToHttps', uncovered, 'redirects hosts to HTTPS that no HTTPS server serves, so browsers are sent to a host the gateway refuses',
          "Add those hosts to an HTTPS server's hosts (or leave its hosts unset to serve all), or turn off redirectToHttps");
      }
    }
    const names = new Map<string, number>();
    const protocols = new Map<number, string>();
    servers.forEach((s, i) => {
      if (names.has(s.port.name)) {
        fail(this, 'https', s.port.name, `is the port name of two servers (#${names.get(s.port.name)} and #${i}); Istio requires unique port names across a Gateway's servers`,
          'Give each HTTPS server its own portName');
      }
      names.set(s.port.name, i);
      const other = protocols.get(s.port.number);
      if (other !== undefined && other !== s.port.protocol) {
        fail(this, 'https', s.port.number, `is used by an ${other} and an ${s.port.protocol} server; one of them would lose at run time`,
          'Use different ports for HTTP and HTTPS');
      }
      protocols.set(s.port.number, s.port.protocol);
    });
    return servers;
  }
}

/** A listener of a Gateway API Gateway, with the host it serves and whether it is plain HTTP. */
interface GatewayListener {
  readonly host: string;
  readonly http: boolean;
  readonly listener: { name: string; port: number; protocol: string; hostname?: string; tls?: any };
}

/** Checks a Gateway server host: `*`, `*.domain`, or a name with a dot; no partial wildcards. */
function checkGatewayHost(scope: Construct, field: string, host: string): string {
  const h = typeof host === 'string' ? host.toLowerCase() : host;
  if (gatewayHostError(h) !== undefined) {
    fail(scope, field, host, 'is not a host a Gateway can serve',
      "Use '*', a wildcard such as '*.example.com' (the '*' only as the whole first label), or a name with a dot such as 'shop.example.com' (no short names)");
  }
  return h;
}

/** Eight hex digits of the SHA-256 of `s`, to tell apart names that would otherwise meet. */
function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}
