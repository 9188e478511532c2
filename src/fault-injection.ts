import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { istioDuration } from './core/duration';
import { fail } from './core/errors';
import { takesEveryRequest } from './core/match-analysis';
import { checkProps, T } from './core/shape';
import { GRPC_STATUS_NAMES } from './core/syntax';
import { ALL_AUDIENCES } from './model/binding';
import { Tier } from './model/rules';
import { CONDITIONS_SHAPE, renderConditions, RequestCondition } from './request-match';
import { IRoutableService, routingOf } from './routed-service';

/**
 * gRPC status codes for aborts (`FaultAbort.grpcStatus()`), by their names in the gRPC
 * specification; the number is the code the client sees in `grpc-status`.
 */
export enum GrpcStatus {
  /** Code 1: the operation was cancelled, typically by the caller. */
  CANCELLED = 'CANCELLED',
  /** Code 2: an unknown error, e.g. an exception the server did not map to a status. */
  UNKNOWN = 'UNKNOWN',
  /** Code 3: the client sent an invalid argument, whatever the state of the system. */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  /** Code 4: the deadline expired before the operation could complete. */
  DEADLINE_EXCEEDED = 'DEADLINE_EXCEEDED',
  /** Code 5: a requested entity (a file, a record) was not found. */
  NOT_FOUND = 'NOT_FOUND',
  /** Code 6: the entity the client tried to create already exists. */
  ALREADY_EXISTS = 'ALREADY_EXISTS',
  /** Code 7: the caller is known but not allowed to do this. */
  PERMISSION_DENIED = 'PERMISSION_DENIED',
  /** Code 8: a resource is used up, e.g. a per-user quota or the server's memory. */
  RESOURCE_EXHAUSTED = 'RESOURCE_EXHAUSTED',
  /** Code 9: the system is not in the state the operation needs (do not retry until it is). */
  FAILED_PRECONDITION = 'FAILED_PRECONDITION',
  /** Code 10: the operation was aborted, typically by a concurrency conflict such as a failed transaction. */
  ABORTED = 'ABORTED',
  /** Code 11: the operation went past the valid range, e.g. reading past the end of a file. */
  OUT_OF_RANGE = 'OUT_OF_RANGE',
  /** Code 12: the operation is not implemented or not supported by the server. */
  UNIMPLEMENTED = 'UNIMPLEMENTED',
  /** Code 13: an internal error: an invariant the server relies on is broken. */
  INTERNAL = 'INTERNAL',
  /** Code 14: the service is unavailable for now, and a retry (with backoff) may succeed. The usual choice for resilience tests. */
  UNAVAILABLE = 'UNAVAILABLE',
  /** Code 15: unrecoverable data loss or corruption. */
  DATA_LOSS = 'DATA_LOSS',
  /** Code 16: the request has no valid credentials for the operation. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
}

/** Marks FaultAbort objects, also across copies of this package. */
const ABORT_SYMBOL = Symbol.for('cdk8s-istio-traffic.FaultAbort');

/**
 * What an injected abort answers instead of forwarding the request: an HTTP status, or for gRPC
 * services a gRPC status.
 *
 * @example
 * new FaultInjection(chart, 'ratings-503', {
 *   service: ratings,
 *   abort: FaultAbort.httpStatus(503),
 *   abortPercentage: 10,
 *   allTraffic: true,
 * });
 */
export class FaultAbort {
  /**
   * True for a FaultAbort, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isFaultAbort(x: any): x is FaultAbort {
    return x !== null && typeof x === 'object' && ABORT_SYMBOL in x;
  }

  /**
   * Answer with an HTTP status, e.g. 500 or 503.
   *
   * @param status the HTTP status code, a whole number from 200 to 599 (checked when the fault is created)
   */
  public static httpStatus(status: number): FaultAbort {
    return new FaultAbort(status, undefined);
  }

  /**
   * Answer with a gRPC status, for gRPC services (protocol `ServiceProtocol.GRPC` or
   * `ServiceProtocol.GRPC_WEB`); a fault on any other service fails.
   *
   * @param status the gRPC status, e.g. `GrpcStatus.UNAVAILABLE`
   */
  public static grpcStatus(status: GrpcStatus): FaultAbort {
    return new FaultAbort(undefined, status);
  }

  private constructor(private readonly http?: number, private readonly grpc?: GrpcStatus) {
    Object.defineProperty(this, ABORT_SYMBOL, { value: true });
  }

  /** @internal */
  public _render(scope: Construct, grpcService: boolean): any {
    if (this.grpc !== undefined) {
      if (!grpcService) {
        fail(scope, 'abort', this.grpc, 'is a gRPC status, but the service does not speak gRPC',
          'Use FaultAbort.httpStatus(), or declare the service protocol as GRPC');
      }
      if (!GRPC_STATUS_NAMES.includes(this.grpc)) {
        fail(scope, 'abort', this.grpc, 'is not a gRPC status name', 'Use a GrpcStatus value such as GrpcStatus.UNAVAILABLE');
      }
      return { grpcStatus: this.grpc };
    }
    if (!Number.isInteger(this.http) || this.http! < 200 || this.http! > 599) {
      fail(scope, 'abort.httpStatus', this.http, 'is not an HTTP status from 200 to 599', 'Use e.g. 500 or 503');
    }
    return { httpStatus: this.http };
  }
}

/** Props for `FaultInjection`. */
export interface FaultInjectionProps {
  /** The service whose requests get the fault. */
  readonly service: IRoutableService;
  /**
   * A fixed delay before the request is forwarded.
   * @default - no delay
   */
  readonly delay?: Duration;
  /**
   * Percentage of requests delayed: 0, or from 0.0001 to 100.
   * @default 100
   */
  readonly delayPercentage?: number;
  /**
   * An abort: the sidecar answers with an error instead of forwarding.
   * @default - no abort
   */
  readonly abort?: FaultAbort;
  /**
   * Percentage of requests aborted: 0, or from 0.0001 to 100.
   * @default 100
   */
  readonly abortPercentage?: number;
  /**
   * Only requests meeting all these conditions (e.g. `end-user: jason`) get the fault; they follow the
   * service's normal route otherwise.
   * @default - every request, which needs `allTraffic: true`
   */
  readonly when?: RequestCondition[];
  /**
   * Confirms that the fault applies to all of the service's traffic (every rule of its VirtualService).
   * Required when `when` is not given.
   * @default false
   */
  readonly allTraffic?: boolean;
  /**
   * Name of the VirtualService rule (for a fault with `when`).
   * @default - the construct id
   */
  readonly name?: string;
}

const PROPS = T.struct('FaultInjectionProps', {
  service: T.any(),
  delay: T.optional(T.duration()),
  delayPercentage: T.optional(T.number()),
  abort: T.optional(T.instance('FaultAbort', x => FaultAbort.isFaultAbort(x), 'Use FaultAbort.httpStatus(503) or FaultAbort.grpcStatus(GrpcStatus.UNAVAILABLE)')),
  abortPercentage: T.optional(T.number()),
  when: T.optional(CONDITIONS_SHAPE),
  allTraffic: T.optional(T.boolean()),
  name: T.optional(T.string()),
}, '{ service, delay: Duration.seconds(5), delayPercentage: 10 }');

/**
 * Fault injection: a fixed delay and/or an abort (HTTP or gRPC status) for a percentage of requests,
 * for the whole service or only for requests meeting conditions. Use it to prove that callers cope
 * before production does it for you.
 *
 * @example
 * new FaultInjection(chart, 'jason-delay', {
 *   service: ratings,
 *   delay: Duration.seconds(7),
 *   when: [RequestCondition.headerExact('end-user', 'jason')],
 * });
 */
export class FaultInjection extends Construct {
  /**
   * Adds the fault to the service's VirtualService: as a rule of its own before the normal route
   * with `when`, or on every rule with `allTraffic: true`.
   *
   * @param scope the construct this one belongs to (usually the chart of the service)
   * @param id the construct id, also the rule name (with `when`) unless `name` is given
   * @param props the service, the delay and/or abort, and which requests get them
   */
  constructor(scope: Construct, id: string, props: FaultInjectionProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    const routing = routingOf(this, props.service);
    if (props.delay === undefined && props.abort === undefined) {
      fail(this, 'delay', undefined, 'and abort are both unset: the fault does nothing', 'Set a delay, an abort, or both');
    }
    for (const [pct, what] of [['delayPercentage', 'delay'], ['abortPercentage', 'abort']] as const) {
      if (props[pct] !== undefined && props[what] === undefined) {
        fail(this, pct, props[pct], `is set without a ${what}, so it does nothing`, `Set ${what} too, or remove ${pct}`);
      }
    }
    const fault = {
      ...(props.delay !== undefined ? {
        delay: { fixedDelay: istioDuration(this, 'delay', props.delay), percentage: { value: percentage(this, 'delayPercentage', props.delayPercentage) } },
      } : {}),
      ...(props.abort !== undefined ? {
        abort: { ...props.abort._render(this, routing.registeredService?.grpc === true), percentage: { value: percentage(this, 'abortPercentage', props.abortPercentage) } },
      } : {}),
    };
    if (props.when === undefined) {
      if (props.allTraffic !== true) {
        fail(this, 'allTraffic', props.allTraffic, `is not set, but the fault would hit every request to '${props.service.name}'`,
          "Set allTraffic: true to confirm, or limit the fault with 'when' (e.g. RequestCondition.headerExact('end-user', 'jason'))");
      }
      for (const audience of ALL_AUDIENCES) { routing.setReleaseOption(audience, this, 'fault', fault); }
      return;
    }
    if (props.allTraffic === true) {
      fail(this, 'allTraffic', true, "contradicts 'when'", "Remove allTraffic, or remove 'when' to fault every request");
    }
    const match = [renderConditions(this, 'when', props.when)];
    if (takesEveryRequest(match[0])) {
      fail(this, 'when', match[0], `matches every request (each condition is one every request meets), so the fault would hit every request to '${props.service.name}'`,
        "Remove 'when' and set allTraffic: true to fault every request on purpose, or give a condition only some requests meet");
    }
    routing.addReleaseRule({
      source: this, name: props.name ?? id, match, audiences: ALL_AUDIENCES, options: { fault }, tier: Tier.DECORATION, rank: [],
    });
  }
}

/** Checks an Istio fault percentage: 0, or 0.0001 to 100. */
function percentage(scope: Construct, field: string, v: number | undefined): number {
  const value = v ?? 100;
  // The props' shape has made it a finite number.
  if (value !== 0 && (value < 0.0001 || value > 100)) {
    fail(scope, field, value, 'is not a fault percentage', 'Use 0, or a number from 0.0001 to 100');
  }
  return value;
}
