import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { istioDuration } from './core/duration';
import { fail } from './core/errors';
import { checkProps, T } from './core/shape';
import { IRoutableService, routingOf, subsetOfVersion } from './routed-service';

const DURATION = T.optional(T.duration());
const NUMBER = T.optional(T.number());
const PROPS = T.struct('CircuitBreakerPolicyProps', {
  service: T.any(),
  version: T.optional(T.string()),
  connectionPool: T.optional(T.struct('ConnectionPoolOptions', {
    connectTimeout: DURATION,
    idleTimeout: DURATION,
    maxConnections: NUMBER,
    maxPendingRequests: NUMBER,
    maxRequests: NUMBER,
    maxRequestsPerConnection: NUMBER,
    maxRetries: NUMBER,
    tcpKeepalive: T.optional(T.struct('TcpKeepalive', { interval: DURATION, probes: NUMBER, time: DURATION }, '{ time: Duration.minutes(5) }')),
  }, '{ maxConnections: 100 }')),
  outlierDetection: T.optional(T.struct('OutlierDetectionOptions', {
    baseEjectionTime: DURATION,
    consecutive5xxErrors: NUMBER,
    consecutiveGatewayErrors: NUMBER,
    interval: DURATION,
    maxEjectionPercent: NUMBER,
    minHealthPercent: NUMBER,
  }, '{ consecutive5xxErrors: 5, interval: Duration.seconds(10) }')),
}, '{ service, connectionPool: { maxConnections: 100 } }');

/** TCP keepalive probing of upstream connections. */
export interface TcpKeepalive {
  /**
   * Idle time before the first probe.
   * @default - the operating system's setting (7200 s on Linux)
   */
  readonly time?: Duration;
  /**
   * Time between probes.
   * @default - the operating system's setting (75 s on Linux)
   */
  readonly interval?: Duration;
  /**
   * Unanswered probes before the connection is dropped.
   * @default - the operating system's setting (9 on Linux)
   */
  readonly probes?: number;
}

/** Connection pool limits: what one client sidecar allows towards the service (or version). */
export interface ConnectionPoolOptions {
  /**
   * TCP: maximum connections to the destination.
   * @default - unlimited (2^32-1)
   */
  readonly maxConnections?: number;
  /**
   * TCP connect timeout.
   * @default 10s
   */
  readonly connectTimeout?: Duration;
  /**
   * TCP keepalive.
   * @default - no keepalive probing
   */
  readonly tcpKeepalive?: TcpKeepalive;
  /**
   * HTTP/1.1: maximum requests queued while waiting for a connection (`http1MaxPendingRequests`).
   * @default - unlimited (2^32-1)
   */
  readonly maxPendingRequests?: number;
  /**
   * Maximum active requests to the destination (`http2MaxRequests`, which applies to HTTP/1.1 too).
   * @default - unlimited (2^32-1)
   */
  readonly maxRequests?: number;
  /**
   * Maximum requests per connection (1 disables keep-alive).
   * @default - unlimited
   */
  readonly maxRequestsPerConnection?: number;
  /**
   * Maximum concurrent retries across all hosts of the destination.
   * @default - unlimited (2^32-1)
   */
  readonly maxRetries?: number;
  /**
   * Idle timeout of an upstream connection without active requests.
   * @default 1h
   */
  readonly idleTimeout?: Duration;
}

/** Outlier detection: eject hosts that keep failing. */
export interface OutlierDetectionOptions {
  /**
   * Consecutive 5xx responses (or connection errors) before a host is ejected.
   * @default 5
   */
  readonly consecutive5xxErrors?: number;
  /**
   * Consecutive 502/503/504 responses before a host is ejected.
   * @default - disabled
   */
  readonly consecutiveGatewayErrors?: number;
  /**
   * Time between ejection sweeps.
   * @default 10s
   */
  readonly interval?: Duration;
  /**
   * Minimum ejection duration (it grows with the number of ejections).
   * @default 30s
   */
  readonly baseEjectionTime?: Duration;
  /**
   * Maximum percentage of hosts that may be ejected.
   * @default 10
   */
  readonly maxEjectionPercent?: number;
  /**
   * Outlier detection stays on while at least this percentage of hosts is healthy.
   * @default 0
   */
  readonly minHealthPercent?: number;
}

/** Props for `CircuitBreakerPolicy`. */
export interface CircuitBreakerPolicyProps {
  /** The service (a CanaryService or ExistingService). */
  readonly service: IRoutableService;
  /**
   * Apply to one version only (its DestinationRule subset).
   * @default - the whole service
   */
  readonly version?: string;
  /**
   * Connection pool limits.
   * @default - none: Istio's defaults (no limit on connections, pending and active requests)
   */
  readonly connectionPool?: ConnectionPoolOptions;
  /**
   * Outlier detection.
   * @default - none: no outlier detection, so failing pods stay in the load-balancing pool
   */
  readonly outlierDetection?: OutlierDetectionOptions;
}

/**
 * A circuit breaker: connection pool limits and outlier detection for a service or one version.
 * It lands in the host's one DestinationRule (top level, or the version's subset), next to the
 * canary's subsets.
 */
export class CircuitBreakerPolicy extends Construct {
  /**
   * Sets the limits on the service's DestinationRule. Fails when neither `connectionPool` nor
   * `outlierDetection` sets anything, or when another policy already set them for the same service
   * or version.
   *
   * @param scope the construct this one belongs to (usually the chart of the service)
   * @param id the construct id
   * @param props the service, and the limits to set
   */
  constructor(scope: Construct, id: string, props: CircuitBreakerPolicyProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    const routing = routingOf(this, props.service);
    const subset = props.version !== undefined ? subsetOfVersion(this, 'version', props.service, props.version) : undefined;
    const pool = props.connectionPool ? this.renderPool(props.connectionPool) : undefined;
    const outlier = props.outlierDetection ? this.renderOutlier(props.outlierDetection) : undefined;
    if (!pool && !outlier) {
      fail(this, 'connectionPool', props.connectionPool ?? {}, 'and outlierDetection set nothing: the policy is empty',
        'Set at least one limit (e.g. connectionPool.maxConnections) or outlier detection setting');
    }
    if (pool) { routing.setPolicy(this, subset, 'connectionPool', pool); }
    if (outlier) { routing.setPolicy(this, subset, 'outlierDetection', outlier); }
  }

  private renderPool(p: ConnectionPoolOptions): any | undefined {
    const count = (field: string, v: number | undefined) => nonNegative(this, `connectionPool.${field}`, v);
    const keepalive = p.tcpKeepalive ? compact({
      time: p.tcpKeepalive.time && istioDuration(this, 'connectionPool.tcpKeepalive.time', p.tcpKeepalive.time),
      interval: p.tcpKeepalive.interval && istioDuration(this, 'connectionPool.tcpKeepalive.interval', p.tcpKeepalive.interval),
      probes: count('tcpKeepalive.probes', p.tcpKeepalive.probes),
    }) : undefined;
    const tcp = compact({
      maxConnections: count('maxConnections', p.maxConnections),
      connectTimeout: p.connectTimeout && istioDuration(this, 'connectionPool.connectTimeout', p.connectTimeout),
      tcpKeepalive: keepalive,
    });
    const http = compact({
      http1MaxPendingRequests: count('maxPendingRequests', p.maxPendingRequests),
      http2MaxRequests: count('maxRequests', p.maxRequests),
      maxRequestsPerConnection: count('maxRequestsPerConnection', p.maxRequestsPerConnection),
      maxRetries: count('maxRetries', p.maxRetries),
      idleTimeout: p.idleTimeout && istioDuration(this, 'connectionPool.idleTimeout', p.idleTimeout),
    });
    return compact({ tcp, http });
  }

  private renderOutlier(o: OutlierDetectionOptions): any | undefined {
    const pct = (field: string, v: number | undefined) => {
      if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 100)) {
        fail(this, `outlierDetection.${field}`, v, 'is not a percentage', 'Use a whole number from 0 to 100');
      }
      return v;
    };
    return compact({
      consecutive5xxErrors: nonNegative(this, 'outlierDetection.consecutive5xxErrors', o.consecutive5xxErrors),
      consecutiveGatewayErrors: nonNegative(this, 'outlierDetection.consecutiveGatewayErrors', o.consecutiveGatewayErrors),
      interval: o.interval && istioDuration(this, 'outlierDetection.interval', o.interval),
      baseEjectionTime: o.baseEjectionTime && istioDuration(this, 'outlierDetection.baseEjectionTime', o.baseEjectionTime),
      maxEjectionPercent: pct('maxEjectionPercent', o.maxEjectionPercent),
      minHealthPercent: pct('minHealthPercent', o.minHealthPercent),
    });
  }
}

/** Fails unless `v` is undefined or a whole number from 0 to 2^31-1 (the CRD's int32). */
function nonNegative(scope: Construct, field: string, v: number | undefined): number | undefined {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 2_147_483_647)) {
    fail(scope, field, v, 'is not a whole number from 0 to 2147483647', 'Use a non-negative whole number (omit the field for no limit)');
  }
  return v;
}

/** Drops undefined fields; returns undefined for an object left empty. */
function compact(o: { [k: string]: any }): { [k: string]: any } | undefined {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return Object.keys(out).length > 0 ? out : undefined;
}
