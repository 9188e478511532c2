import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { fail } from './core/errors';
import { Shape, T } from './core/shape';

/** Marks HealthProbe objects, also across copies of this package. */
const PROBE_SYMBOL = Symbol.for('cdk8s-istio-traffic.HealthProbe');

/** The largest number of seconds Kubernetes accepts in a probe field (an int32). */
const MAX_SECONDS = 2 ** 31 - 1;

/**
 * Timings and thresholds of a `HealthProbe`, the fields every kind of probe has. Kubernetes counts
 * the timings in whole seconds.
 */
export interface HealthProbeOptions {
  /**
   * Time after the container has started before the first probe.
   * @default - none: the first probe runs as soon as the container has started
   */
  readonly initialDelay?: Duration;
  /**
   * Time between two probes, at least one second.
   * @default Duration.seconds(10)
   */
  readonly period?: Duration;
  /**
   * Time after which a probe that has not answered counts as failed, at least one second.
   * @default Duration.seconds(1)
   */
  readonly timeout?: Duration;
  /**
   * Consecutive failures after which the probe counts as failed (the pod is taken out of the
   * Service for a readiness probe, the container restarted for a liveness or startup probe).
   * @default 3
   */
  readonly failureThreshold?: number;
  /**
   * Consecutive successes after a failure before the probe counts as succeeded again. Kubernetes
   * requires 1 for liveness and startup probes.
   * @default 1
   */
  readonly successThreshold?: number;
}

/** Whether an HTTP probe connects with plain HTTP or with TLS. */
export enum HealthProbeScheme {
  /** Plain HTTP. */
  HTTP = 'HTTP',
  /** HTTPS (the kubelet does not verify the certificate). */
  HTTPS = 'HTTPS',
}

/** Options for `HealthProbe.httpGet()`. */
export interface HttpGetHealthProbeOptions extends HealthProbeOptions {
  /**
   * Port the GET request goes to.
   * @default - the version's container port (the service's `targetPort`)
   */
  readonly port?: number;
  /**
   * Plain HTTP or HTTPS.
   * @default HealthProbeScheme.HTTP
   */
  readonly scheme?: HealthProbeScheme;
  /**
   * Host name to connect to, instead of the pod IP. (For a `Host` header, which is usually what is
   * meant, Kubernetes has `httpHeaders`; this option sets the address the kubelet connects to.)
   * @default - the pod IP
   */
  readonly host?: string;
}

/** Options for `HealthProbe.tcpSocket()`. */
export interface TcpSocketHealthProbeOptions extends HealthProbeOptions {
  /**
   * Port to open a connection to.
   * @default - the version's container port (the service's `targetPort`)
   */
  readonly port?: number;
  /**
   * Host name to connect to, instead of the pod IP.
   * @default - the pod IP
   */
  readonly host?: string;
}

/** Options for `HealthProbe.grpc()`. */
export interface GrpcHealthProbeOptions extends HealthProbeOptions {
  /**
   * Port of the gRPC health service.
   * @default - the version's container port (the service's `targetPort`)
   */
  readonly port?: number;
  /**
   * Service name to put in the gRPC `HealthCheckRequest`.
   * @default - none: the server's overall health
   */
  readonly service?: string;
}

enum ProbeKind { HTTP_GET = 'httpGet', TCP_SOCKET = 'tcpSocket', COMMAND = 'command', GRPC = 'grpc' }

/** The checked options, in the units Kubernetes uses. */
interface Resolved {
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
  readonly successThreshold?: number;
}

/** What a probe checks, by kind. */
interface ProbeAction {
  readonly path?: string;
  readonly scheme?: HealthProbeScheme;
  readonly host?: string;
  readonly command?: string[];
  readonly service?: string;
}

const TIMING_FIELDS = {
  initialDelay: T.optional(T.duration()),
  period: T.optional(T.duration()),
  timeout: T.optional(T.duration()),
  failureThreshold: T.optional(T.any()),
  successThreshold: T.optional(T.any()),
};
const PORT = T.optional(T.any());
const HOST = T.optional(T.string("Pass a host name such as 'localhost', or leave it out for the pod IP"));

/**
 * A health check of a version's container (readiness, liveness or startup), for
 * `DeployedVersionOptions`. The library's own type, so that an app on any cdk8s-plus version can
 * pass it (a cdk8s-plus-33 `Probe` is not a cdk8s-plus-27 `Probe`, which the library's Deployment
 * uses). HTTP, TCP and gRPC probes without a `port` go to the container port.
 *
 * @example
 * ServiceVersion.deploy('v2', { image: 'reviews:2', readiness: HealthProbe.httpGet('/healthz'), liveness: HealthProbe.tcpSocket() })
 */
export class HealthProbe {
  /**
   * True for a HealthProbe, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isHealthProbe(x: any): x is HealthProbe {
    return x !== null && typeof x === 'object' && PROBE_SYMBOL in x;
  }

  /**
   * An HTTP GET request to the container: any status from 200 to 399 is a success.
   *
   * @example
   * HealthProbe.httpGet('/healthz', { period: Duration.seconds(5) })
   *
   * @param path the request path, starting with '/'
   * @param options port, scheme, host, timings and thresholds
   */
  public static httpGet(path: string, options: HttpGetHealthProbeOptions = {}): HealthProbe {
    const where = 'HealthProbe.httpGet';
    if (typeof path !== 'string' || path === '') {
      fail(where, 'path', path, 'is not a request path', "Pass the path of the health endpoint, e.g. '/healthz'");
    }
    if (!path.startsWith('/') || /[\s\u0000-\u001f\u007f]/.test(path)) {
      fail(where, 'path', path, "is not a request path (it must start with '/' and contain no spaces or control characters)",
        `Write it as an absolute path, e.g. '/${path.replace(/^\/*/, '').replace(/[\s\u0000-\u001f\u007f]/g, '') || 'healthz'}'`);
    }
    checkOptions(where, 'HttpGetHealthProbeOptions', options, {
      ...TIMING_FIELDS,
      port: PORT,
      scheme: T.optional(T.enumOf(HealthProbeScheme, 'HealthProbeScheme')),
      host: HOST,
    }, '{ port: 8080, period: Duration.seconds(5) }');
    return new HealthProbe(ProbeKind.HTTP_GET, resolve(where, options), options.port, { path, scheme: options.scheme, host: options.host });
  }

  /**
   * A TCP connection to the container: the probe succeeds when the port accepts it.
   *
   * @param options port, host, timings and thresholds
   */
  public static tcpSocket(options: TcpSocketHealthProbeOptions = {}): HealthProbe {
    const where = 'HealthProbe.tcpSocket';
    checkOptions(where, 'TcpSocketHealthProbeOptions', options, { ...TIMING_FIELDS, port: PORT, host: HOST }, '{ port: 8080 }');
    return new HealthProbe(ProbeKind.TCP_SOCKET, resolve(where, options), options.port, { host: options.host });
  }

  /**
   * A command run in the container: exit status 0 is a success.
   *
   * @example
   * HealthProbe.command(['cat', '/tmp/healthy'])
   *
   * @param command the program and its arguments (not run in a shell)
   * @param options timings and thresholds
   */
  public static command(command: string[], options: HealthProbeOptions = {}): HealthProbe {
    const where = 'HealthProbe.command';
    T.array(T.string(), { minLength: 1 }).check(where, 'command', command);
    if (command[0].trim() === '') {
      fail(where, 'command[0]', command[0], 'is empty: it is the program the kubelet runs', "Name the program first, e.g. ['cat', '/tmp/healthy']");
    }
    checkOptions(where, 'HealthProbeOptions', options, TIMING_FIELDS, '{ period: Duration.seconds(5) }');
    return new HealthProbe(ProbeKind.COMMAND, resolve(where, options), undefined, { command: [...command] });
  }

  /**
   * A call to the container's gRPC health service (`grpc.health.v1.Health/Check`; Kubernetes 1.24
   * and later): the probe succeeds when it answers `SERVING`.
   *
   * @param options port, service name, timings and thresholds
   */
  public static grpc(options: GrpcHealthProbeOptions = {}): HealthProbe {
    const where = 'HealthProbe.grpc';
    checkOptions(where, 'GrpcHealthProbeOptions', options, {
      ...TIMING_FIELDS,
      port: PORT,
      service: T.optional(T.string("Pass the service name, e.g. 'hipstershop.ProductCatalogService', or leave it out")),
    }, "{ port: 3550, service: 'hipstershop.ProductCatalogService' }");
    return new HealthProbe(ProbeKind.GRPC, resolve(where, options), options.port, { service: options.service });
  }

  private constructor(
    private readonly kind: ProbeKind,
    private readonly timing: Resolved,
    private readonly port: number | undefined,
    private readonly action: ProbeAction,
  ) {
    Object.defineProperty(this, PROBE_SYMBOL, { value: true });
  }

  /**
   * The consecutive successes the probe needs after a failure (Kubernetes requires 1 for liveness
   * and startup probes).
   * @internal
   */
  public get _successThreshold(): number | undefined {
    return this.timing.successThreshold;
  }

  /**
   * The cdk8s-plus-27 probe for the library's Deployment; undefined for a gRPC probe, which
   * cdk8s-plus-27 cannot express (see `_toManifest`). HTTP and TCP probes without a port are left
   * without one, so that cdk8s-plus sends them to the container's `portNumber`.
   * @internal
   */
  public _toKplus(): kplus.Probe | undefined {
    const t = this.timing;
    const seconds = (s: number | undefined) => (s === undefined ? undefined : Duration.seconds(s));
    const common = {
      failureThreshold: t.failureThreshold,
      successThreshold: t.successThreshold,
      initialDelaySeconds: seconds(t.initialDelaySeconds),
      periodSeconds: seconds(t.periodSeconds),
      timeoutSeconds: seconds(t.timeoutSeconds),
    };
    switch (this.kind) {
      case ProbeKind.HTTP_GET:
        return kplus.Probe.fromHttpGet(this.action.path!, {
          ...common,
          port: this.port,
          scheme: this.action.scheme === undefined ? undefined : (this.action.scheme as string as kplus.ConnectionScheme),
          host: this.action.host,
        });
      case ProbeKind.TCP_SOCKET:
        return kplus.Probe.fromTcpSocket({ ...common, port: this.port, host: this.action.host });
      case ProbeKind.COMMAND:
        return kplus.Probe.fromCommand(this.action.command!, common);
      default:
        return undefined;
    }
  }

  /**
   * The Kubernetes `Probe` of a gRPC probe (the container's `readinessProbe`, say), its port the
   * container port when it has none of its own.
   * @internal
   */
  public _toManifest(containerPort: number): any {
    const t = this.timing;
    return {
      failureThreshold: t.failureThreshold ?? 3,
      grpc: { port: this.port ?? containerPort, ...(this.action.service !== undefined ? { service: this.action.service } : {}) },
      ...(t.initialDelaySeconds !== undefined ? { initialDelaySeconds: t.initialDelaySeconds } : {}),
      ...(t.periodSeconds !== undefined ? { periodSeconds: t.periodSeconds } : {}),
      ...(t.successThreshold !== undefined ? { successThreshold: t.successThreshold } : {}),
      ...(t.timeoutSeconds !== undefined ? { timeoutSeconds: t.timeoutSeconds } : {}),
    };
  }
}

function checkOptions(where: string, name: string, options: unknown, fields: { [field: string]: Shape }, example: string): void {
  if (options === null) {
    fail(where, 'options', options, 'is null', `Leave the options out (undefined) for the defaults, or pass e.g. ${example}`);
  }
  T.struct(name, fields, example).check(where, 'options', options);
}

/** Checks the port, the timings and the thresholds, and converts the timings to whole seconds. */
function resolve(where: string, o: HealthProbeOptions & { readonly port?: number }): Resolved {
  if (o.port !== undefined && (typeof o.port !== 'number' || !Number.isInteger(o.port) || o.port < 1 || o.port > 65535)) {
    fail(where, 'options.port', o.port, 'is not a port number', 'Use a whole number from 1 to 65535, or leave it out for the container port');
  }
  for (const key of ['failureThreshold', 'successThreshold'] as const) {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_SECONDS)) {
      fail(where, `options.${key}`, v, 'is not a whole number of at least 1, which Kubernetes requires', `Use e.g. ${key === 'failureThreshold' ? 3 : 1}, or leave it out for the default`);
    }
  }
  return {
    initialDelaySeconds: wholeSeconds(where, 'initialDelay', o.initialDelay, 0),
    periodSeconds: wholeSeconds(where, 'period', o.period, 1),
    timeoutSeconds: wholeSeconds(where, 'timeout', o.timeout, 1),
    failureThreshold: o.failureThreshold,
    successThreshold: o.successThreshold,
  };
}

function wholeSeconds(where: string, field: string, d: Duration | undefined, min: number): number | undefined {
  if (d === undefined) { return undefined; }
  const ms = d.toMilliseconds({ integral: false });
  if (!Number.isFinite(ms) || ms % 1000 !== 0 || ms / 1000 < min || ms / 1000 > MAX_SECONDS) {
    fail(where, `options.${field}`, Number.isFinite(ms) && ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`, `is not a whole number of seconds${min > 0 ? ` of at least ${min} s` : ''}, which Kubernetes requires for probes`,
      `Use e.g. Duration.seconds(${min > 0 ? 5 : 10}), or leave it out for the default`);
  }
  return ms / 1000;
}

/** True for a cdk8s-plus-27 `Probe` (also one of another copy of cdk8s-plus-27, recognised by its jsii type name). */
function isKplus27Probe(x: unknown): x is kplus.Probe {
  if (x instanceof kplus.Probe) { return true; }
  const rtti = (x as any)?.constructor?.[Symbol.for('jsii.rtti')];
  return x !== null && typeof x === 'object' && rtti?.fqn === 'cdk8s-plus-27.Probe' && typeof (x as any)._toKube === 'function';
}

/** A probe field of a deployed version, for its options' shape (`checkProbe` checks the value). */
export const PROBE: Shape = {
  what: 'a probe',
  fix: "Use a HealthProbe, e.g. HealthProbe.httpGet('/healthz')",
  check() { /* checkProbe */ },
};

/** The probe fields of a deployed version, and their Kubernetes names. */
export const PROBE_FIELDS = [['readiness', 'readinessProbe'], ['liveness', 'livenessProbe'], ['startup', 'startupProbe']] as const;

/**
 * Fails unless the probe at `field` is a `HealthProbe` or a cdk8s-plus-27 `Probe` (undefined: no
 * probe), and unless a liveness or startup `HealthProbe` has a success threshold of 1.
 */
export function checkProbe(scope: IConstruct, field: string, slot: 'readiness' | 'liveness' | 'startup', value: unknown): void {
  if (value === undefined) { return; }
  if (HealthProbe.isHealthProbe(value)) {
    const s = value._successThreshold;
    if (slot !== 'readiness' && s !== undefined && s !== 1) {
      fail(scope, `${field}.successThreshold`, s, `is not 1, which Kubernetes requires for a ${slot} probe`,
        'Leave successThreshold out (or set it to 1); only a readiness probe may need several successes');
    }
    return;
  }
  if (isKplus27Probe(value)) { return; }
  const plus = (value as any)?.constructor?.[Symbol.for('jsii.rtti')]?.fqn;
  fail(scope, field, typeof plus === 'string' ? `${plus} object` : value,
    typeof plus === 'string' && plus.endsWith('.Probe')
      ? 'is a probe of another cdk8s-plus version than the cdk8s-plus-27 the library deploys with, so it cannot render it'
      : 'is not a probe',
    "Use a HealthProbe, e.g. HealthProbe.httpGet('/healthz') or HealthProbe.tcpSocket() (any cdk8s-plus version), or a cdk8s-plus-27 Probe");
}
