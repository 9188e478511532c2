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

/** gRPC status codes for aborts. */
export enum GrpcStatus {
  CANCELLED = 'CANCELLED',
  UNKNOWN = 'UNKNOWN',
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  DEADLINE_EXCEEDED = 'DEADLINE_EXCEEDED',
  NOT_FOUND = 'NOT_FOUND',
  ALREADY_EXISTS = 'ALREADY_EXISTS',
  PERMISSION_DENIED = 'PERMISSION_DENIED',
  RESOURCE_EXHAUSTED = 'RESOURCE_EXHAUSTED',
  FAILED_PRECONDITION = 'FAILED_PRECONDITION',
  ABORTED = 'ABORTED',
  OUT_OF_RANGE = 'OUT_OF_RANGE',
  UNIMPLEMENTED = 'UNIMPLEMENTED',
  INTERNAL = 'INTERNAL',
  UNAVAILABLE = 'UNAVAILABLE',
  DATA_LOSS = 'DATA_LOSS',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
}

/** What an injected abort answers. */
const ABORT_SYMBOL = Symbol.for('cdk8s-istio-traffic.FaultAbort');

export class FaultAbort {
  /** True for a FaultAbort, also one made by another copy of this package. */
  public static isFaultAbort(x: any): x is FaultAbort {
    return x !== null && typeof x === 'object' && ABORT_SYMBOL in x;
  }

  /** An HTTP status from 200 to 599, e.g. 500. */
  public static httpStatus(status: number): FaultAbort {
    return new FaultAbort(status, undefined);
  }

  /** A gRPC status, for gRPC services. */
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
 */
export class FaultInjection extends Construct {
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
