import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { istioDuration } from './core/duration';
import { fail } from './core/errors';
import { checkProps, T } from './core/shape';
import { isRetryCondition, RETRY_CONDITIONS } from './core/syntax';
import { ALL_AUDIENCES } from './model/binding';
import { IRoutableService, routingOf } from './routed-service';

/** Marks RetryOn objects, also across copies of this package. */
const RETRY_ON_SYMBOL = Symbol.for('cdk8s-istio-traffic.RetryOn');

/**
 * A condition on which Envoy retries a request (an entry of the VirtualService's `retries.retryOn`).
 *
 * @example
 * new RoutePolicy(chart, 'reviews-retries', {
 *   service: reviews,
 *   retries: { attempts: 3, retryOn: [RetryOn.GATEWAY_ERROR, RetryOn.CONNECT_FAILURE] },
 * });
 */
export class RetryOn {
  /** Any 5xx response, or a connection failure, reset or refused stream. */
  public static readonly FIVE_XX = new RetryOn('5xx');
  /** 502, 503 or 504. */
  public static readonly GATEWAY_ERROR = new RetryOn('gateway-error');
  /** The upstream did not respond (disconnect, reset, read timeout). */
  public static readonly RESET = new RetryOn('reset');
  /** The connection could not be established. */
  public static readonly CONNECT_FAILURE = new RetryOn('connect-failure');
  /** 409 Conflict. */
  public static readonly RETRIABLE_4XX = new RetryOn('retriable-4xx');
  /** The upstream reset the stream with REFUSED_STREAM. */
  public static readonly REFUSED_STREAM = new RetryOn('refused-stream');
  /** gRPC status UNAVAILABLE. */
  public static readonly UNAVAILABLE = new RetryOn('unavailable');
  /** gRPC status CANCELLED. */
  public static readonly CANCELLED = new RetryOn('cancelled');
  /** gRPC status DEADLINE_EXCEEDED. */
  public static readonly DEADLINE_EXCEEDED = new RetryOn('deadline-exceeded');
  /** gRPC status RESOURCE_EXHAUSTED. */
  public static readonly RESOURCE_EXHAUSTED = new RetryOn('resource-exhausted');

  /**
   * True for a RetryOn, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isRetryOn(x: any): x is RetryOn {
    return x !== null && typeof x === 'object' && RETRY_ON_SYMBOL in x;
  }

  /**
   * One HTTP status code, e.g. 503.
   *
   * @param code the HTTP status code to retry on (a whole number)
   */
  public static statusCode(code: number): RetryOn {
    T.number({ integer: true, fix: 'Pass an HTTP status code, e.g. 503' }).check('RetryOn.statusCode', 'code', code);
    return new RetryOn(String(code));
  }

  /**
   * Any condition by its Envoy name, e.g. `reset-before-request`; checked at synth time.
   *
   * @param condition an Envoy `retry_on` condition name (HTTP or gRPC), e.g. `5xx` or `reset-before-request`
   */
  public static of(condition: string): RetryOn {
    return new RetryOn(condition);
  }

  private constructor(/** The Envoy name of the condition. */ public readonly condition: string) {
    Object.defineProperty(this, RETRY_ON_SYMBOL, { value: true });
  }
}

/** Retry policy. */
export interface RetryOptions {
  /**
   * Number of retries. Required whenever any other retry field is set; 0 disables retries.
   * @default - Istio's default (2 retries on connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes)
   */
  readonly attempts?: number;
  /**
   * Timeout of each try.
   * @default - the request timeout
   */
  readonly perTryTimeout?: Duration;
  /**
   * The conditions to retry on.
   * @default - Istio's default conditions
   */
  readonly retryOn?: RetryOn[];
}

/** Props for `RoutePolicy`. */
export interface RoutePolicyProps {
  /** The service whose routes (every rule of its mesh VirtualService) get the policy. */
  readonly service: IRoutableService;
  /**
   * Request timeout: how long the sidecar waits for the whole response (retries included) before
   * answering 504.
   * @default - no timeout: Istio sets none on HTTP routes, so a request can wait indefinitely
   */
  readonly timeout?: Duration;
  /**
   * Retries: how many, on which conditions, and how long each try may take.
   * @default - Istio's default retry policy
   */
  readonly retries?: RetryOptions;
}

const PROPS = T.struct('RoutePolicyProps', {
  service: T.any(),
  timeout: T.optional(T.duration()),
  retries: T.optional(T.struct('RetryOptions', {
    attempts: T.optional(T.number()),
    perTryTimeout: T.optional(T.duration()),
    retryOn: T.optional(T.array(T.instance('RetryOn', x => RetryOn.isRetryOn(x), "Use RetryOn.of('5xx') or RetryOn.statusCode(503)"))),
  }, "{ attempts: 3, retryOn: [RetryOn.of('5xx')] }")),
}, '{ service, timeout: Duration.seconds(5) }');

/** Request timeout and retries for every route of a service. *
 * @example
 * new RoutePolicy(chart, 'ratings-policy', {
 *   service: ratings,
 *   timeout: Duration.seconds(5),
 *   retries: { attempts: 3, perTryTimeout: Duration.seconds(2) },
 * });
 */
export class RoutePolicy extends Construct {
  /**
   * Sets the timeout and retries on every rule of the service's VirtualService (mesh traffic, and
   * edge traffic an IngressEdge routes to the service's release). Fails when neither is set.
   *
   * @param scope the construct this one belongs to (usually the chart of the service)
   * @param id the construct id
   * @param props the service, the timeout and the retries
   */
  constructor(scope: Construct, id: string, props: RoutePolicyProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    const routing = routingOf(this, props.service);
    if (props.timeout === undefined && props.retries === undefined) {
      fail(this, 'timeout', undefined, 'and retries are both unset: the policy is empty', 'Set a timeout, retries, or both');
    }
    // Mesh traffic, and edge traffic an IngressEdge routes to the service's release.
    const timeout = props.timeout !== undefined ? istioDuration(this, 'timeout', props.timeout) : undefined;
    const retries = props.retries !== undefined ? renderRetries(this, props.retries) : undefined;
    const perTry = props.retries?.perTryTimeout;
    const ms = (d: Duration) => d.toMilliseconds({ integral: false });
    if (props.timeout !== undefined && perTry !== undefined && ms(perTry) >= ms(props.timeout)) {
      fail(this, 'retries.perTryTimeout', perTry.toHumanString(), `is not shorter than timeout (${props.timeout.toHumanString()}): the request times out before a retry can start`,
        'Make perTryTimeout shorter than timeout (e.g. a third of it), or remove one of them');
    }
    for (const audience of ALL_AUDIENCES) {
      if (timeout !== undefined) { routing.setReleaseOption(audience, this, 'timeout', timeout); }
      if (retries !== undefined) { routing.setReleaseOption(audience, this, 'retries', retries); }
    }
  }
}

/** Checks and renders an Istio HTTPRetry. */
function renderRetries(scope: Construct, r: RetryOptions): any {
  const others = r.perTryTimeout !== undefined || (r.retryOn !== undefined && r.retryOn.length > 0);
  if (r.attempts === undefined || r.attempts === 0) {
    if (others) {
      fail(scope, 'retries.attempts', r.attempts, 'is unset (or 0, which disables retries) while perTryTimeout or retryOn is set, which Istio rejects',
        'Set attempts to the number of retries (e.g. 3), or remove the other retry fields');
    }
    if (r.attempts === undefined) {
      fail(scope, 'retries', r, 'is empty', 'Set attempts (and optionally perTryTimeout and retryOn), or remove retries');
    }
  }
  if (!Number.isInteger(r.attempts) || r.attempts! < 0 || r.attempts! > 2_147_483_647) {
    fail(scope, 'retries.attempts', r.attempts, 'is not a whole number of retries', 'Use a whole number such as 3; 0 disables retries');
  }
  const conditions = (r.retryOn ?? []).map((c, i) => {
    const name = c.condition;
    const numeric = /^[0-9]+$/.test(name);
    if (!isRetryCondition(name)) {
      fail(scope, `retries.retryOn[${i}]`, name, numeric ? 'is not an HTTP status code Istio knows' : "is not one of Envoy's retry conditions",
        `Use one of ${RETRY_CONDITIONS.join(', ')}, or a standard HTTP status code (exact spelling, lower case, no spaces)`);
    }
    return name;
  });
  return {
    attempts: r.attempts,
    ...(r.perTryTimeout !== undefined ? { perTryTimeout: istioDuration(scope, 'retries.perTryTimeout', r.perTryTimeout) } : {}),
    ...(conditions.length > 0 ? { retryOn: [...new Set(conditions)].join(',') } : {}),
  };
}
