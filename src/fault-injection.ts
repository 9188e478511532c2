import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { istioDuration } from './core/duration';
import { fail } from './core/errors';
import { GRPC_STATUS_NAMES } from './core/syntax';
import { ALL_AUDIENCES } from './model/binding';
import { Tier } from './model/rules';
import { RequestCondition, renderConditions } from './request-match';
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
export class FaultAbort {
  /** An HTTP status from 200 to 599, e.g. 500. */
  public static httpStatus(status: number): FaultAbort {
    return new FaultAbort(status, undefined);
  }

  /** A gRPC status, for gRPC services. */
  public static grpcStatus(status: GrpcStatus): FaultAbort {
    return new FaultAbort(undefined, status);
  }

  private constructor(private readonly http?: number, private readonly grpc?: GrpcStatus) {}

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

/**
 * Fault injection: a fixed delay and/or an abort (HTTP or gRPC status) for a percentage of requests,
 * for the whole service or only for requests meeting conditions. Use it to prove that callers cope
 * before production does it for you.
 */
export class FaultInjection extends Construct {
  constructor(scope: Construct, id: string, props: FaultInjectionProps) {
    super(scope, id);
    const routing = routingOf(this, props.service);
    if (props.delay === undefined && props.abort === undefined) {
      fail(this, 'delay', undefined, 'and abort are both unset: the fault does nothing', 'Set a delay, an abort, or both');
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
    routing.addReleaseRule({
      source: this, name: props.name ?? id, match, audiences: ALL_AUDIENCES, options: { fault }, tier: Tier.DECORATION, rank: [],
    });
  }
}

/** Checks an Istio fault percentage: 0, or 0.0001 to 100. */
function percentage(scope: Construct, field: string, v: number | undefined): number {
  const value = v ?? 100;
  if (typeof value !== 'number' || !Number.isFinite(value) || (value !== 0 && (value < 0.0001 || value > 100))) {
    fail(scope, field, value, 'is not a fault percentage', 'Use 0, or a number from 0.0001 to 100');
  }
  return value;
}
