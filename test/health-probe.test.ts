// HealthProbe: probes an app on any cdk8s-plus version can pass (a cdk8s-plus-33 Probe is not a
// cdk8s-plus-27 Probe, which the library's Deployments use), and what cdk8s-plus-33 values the other
// pod settings take.
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { IConstruct } from 'constructs';
import {
  CanaryService, DeployedVersionOptions, HealthProbe, HealthProbeScheme, IstioTrafficErrors, ServiceVersion, TrafficSplit,
} from '../src';
import { only, synthChecked } from './util';

const IMAGE = 'docker.io/istio/examples-bookinfo-reviews';

function chart(): Chart {
  return new Chart(Testing.app(), 'test', { namespace: 'bookinfo' });
}

/** The container of version `version` of a `reviews` service with these options (port 9080). */
function containerOf(options: Partial<DeployedVersionOptions>, version = 'v1'): any {
  const c = chart();
  new CanaryService(c, 'reviews', { port: 9080, versions: [ServiceVersion.deploy('v1', { image: `${IMAGE}-v1:1.20.2`, ...options })] });
  return only(synthChecked(c), 'Deployment', `reviews-${version}`).spec.template.spec.containers[0];
}

function deploying(options: any): () => void {
  return () => {
    const c = chart();
    new CanaryService(c, 'reviews', { port: 9080, versions: [ServiceVersion.deploy('v1', { image: `${IMAGE}-v1:1.20.2`, ...options })] });
  };
}

describe('an app on cdk8s-plus-33', () => {
  // The app's own objects are cdk8s-plus-33; the probes are the library's HealthProbe.
  const c = chart();
  const config = new kplus33.ConfigMap(c, 'reviews-config', { data: { LOG_LEVEL: 'info' } });
  const svc = new CanaryService(c, 'reviews', {
    port: 9080,
    versions: [
      ServiceVersion.deploy('v1', {
        image: `${IMAGE}-v1:1.20.2`,
        readiness: HealthProbe.httpGet('/healthz', { period: Duration.seconds(5), timeout: Duration.seconds(2), failureThreshold: 2, successThreshold: 2 }),
        liveness: HealthProbe.tcpSocket({ initialDelay: Duration.seconds(15) }),
        // cdk8s-plus-33 values type-check where the library's types are structural.
        resources: { cpu: { request: kplus33.Cpu.millis(100), limit: kplus33.Cpu.millis(500) }, memory: { request: Size.mebibytes(128) } },
        imagePullPolicy: kplus33.ImagePullPolicy.IF_NOT_PRESENT,
        podSecurityContext: { ensureNonRoot: false, fsGroupChangePolicy: kplus33.FsGroupChangePolicy.ON_ROOT_MISMATCH },
        // securityContext: inline, and capabilities from cdk8s-plus-27 (cdk8s-plus-33 has more of them).
        securityContext: { ensureNonRoot: false, capabilities: { drop: [kplus27.Capability.NET_RAW] } },
      }),
      ServiceVersion.deploy('v2', { image: `${IMAGE}-v2:1.20.2`, readiness: HealthProbe.httpGet('/healthz'), startup: HealthProbe.grpc({ failureThreshold: 30 }) }),
    ],
    traffic: TrafficSplit.canaryPercent(10),
  });
  const m = synthChecked(c);
  const v1 = only(m, 'Deployment', 'reviews-v1').spec.template.spec.containers[0];
  const v2 = only(m, 'Deployment', 'reviews-v2').spec.template.spec.containers[0];

  test('the app keeps its own cdk8s-plus-33 objects next to the service', () => {
    expect(config.data).toEqual({ LOG_LEVEL: 'info' });
    expect(svc.deploymentOf('v1')).toBeDefined();
    expect(only(m, 'ConfigMap', config.name).data).toEqual({ LOG_LEVEL: 'info' });
  });

  test('the HTTP readiness probe goes to the container port with its timings', () => {
    expect(v1.ports[0].containerPort).toBe(9080);
    expect(v1.readinessProbe).toEqual({
      httpGet: { path: '/healthz', port: 9080, scheme: 'HTTP' },
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 2,
      successThreshold: 2,
    });
  });

  test('the TCP liveness probe goes to the container port', () => {
    expect(v1.livenessProbe).toEqual({ tcpSocket: { port: 9080 }, initialDelaySeconds: 15, failureThreshold: 3 });
    expect(v1.startupProbe).toBeUndefined();
  });

  test('a gRPC startup probe is written into the container, at the container port', () => {
    expect(v2.startupProbe).toEqual({ grpc: { port: 9080 }, failureThreshold: 30 });
    expect(v2.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 9080, scheme: 'HTTP' });
  });

  test('cdk8s-plus-33 resources, pull policy and pod security context are rendered', () => {
    expect(v1.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m' } });
    expect(v1.imagePullPolicy).toBe('IfNotPresent');
    expect(v1.securityContext).toMatchObject({ runAsNonRoot: false, capabilities: { drop: ['CAP_NET_RAW'] } });
    expect(only(m, 'Deployment', 'reviews-v1').spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: false, fsGroupChangePolicy: 'OnRootMismatch' });
  });
});

describe('HealthProbe factories', () => {
  test('isHealthProbe', () => {
    expect(HealthProbe.isHealthProbe(HealthProbe.tcpSocket())).toBe(true);
    expect(HealthProbe.isHealthProbe(kplus27.Probe.fromTcpSocket())).toBe(false);
    expect(HealthProbe.isHealthProbe({})).toBe(false);
    expect(HealthProbe.isHealthProbe(null)).toBe(false);
  });

  test('httpGet with port, scheme, host and every timing', () => {
    expect(containerOf({
      readiness: HealthProbe.httpGet('/ready', {
        port: 8081,
        scheme: HealthProbeScheme.HTTPS,
        host: 'localhost',
        initialDelay: Duration.seconds(0),
        period: Duration.minutes(1),
        timeout: Duration.seconds(3),
        failureThreshold: 5,
        successThreshold: 1,
      }),
    }).readinessProbe).toEqual({
      httpGet: { path: '/ready', port: 8081, scheme: 'HTTPS', host: 'localhost' },
      initialDelaySeconds: 0,
      periodSeconds: 60,
      timeoutSeconds: 3,
      failureThreshold: 5,
      successThreshold: 1,
    });
  });

  test('tcpSocket with a port of its own', () => {
    expect(containerOf({ liveness: HealthProbe.tcpSocket({ port: 15021 }) }).livenessProbe)
      .toEqual({ tcpSocket: { port: 15021 }, failureThreshold: 3 });
  });

  test('command', () => {
    expect(containerOf({ liveness: HealthProbe.command(['cat', '/tmp/healthy'], { period: Duration.seconds(20) }) }).livenessProbe)
      .toEqual({ exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 20, failureThreshold: 3 });
  });

  test('grpc with port and service, as readiness and liveness', () => {
    const container = containerOf({
      readiness: HealthProbe.grpc({ port: 3550, service: 'hipstershop.ProductCatalogService', period: Duration.seconds(5), successThreshold: 2 }),
      liveness: HealthProbe.grpc({ timeout: Duration.seconds(2), initialDelay: Duration.seconds(1) }),
    });
    expect(container.readinessProbe).toEqual({ grpc: { port: 3550, service: 'hipstershop.ProductCatalogService' }, periodSeconds: 5, successThreshold: 2, failureThreshold: 3 });
    expect(container.livenessProbe).toEqual({ grpc: { port: 9080 }, timeoutSeconds: 2, initialDelaySeconds: 1, failureThreshold: 3 });
    expect(container.startupProbe).toBeUndefined();
  });

  test('a cdk8s-plus-27 Probe is still accepted, and goes to the container port', () => {
    expect(containerOf({ readiness: kplus27.Probe.fromHttpGet('/healthz') }).readinessProbe)
      .toEqual({ httpGet: { path: '/healthz', port: 9080, scheme: 'HTTP' }, failureThreshold: 3 });
  });

  test('one probe may serve several versions and slots', () => {
    const probe = HealthProbe.httpGet('/healthz');
    const container = containerOf({ readiness: probe, startup: probe });
    expect(container.readinessProbe).toEqual(container.startupProbe);
  });
});

describe('bad input', () => {
  test.each<[string, () => unknown, RegExp]>([
    ['empty path', () => HealthProbe.httpGet(''), /\[HealthProbe\.httpGet\] path: '' is not a request path\. Pass the path of the health endpoint/],
    ['path without a leading /', () => HealthProbe.httpGet('healthz'), /path: 'healthz' is not a request path \(it must start with '\/'.*e\.g\. '\/healthz'/],
    ['path with a space', () => HealthProbe.httpGet('/health z'), /path: '\/health z' is not a request path/],
    ['path not a string', () => HealthProbe.httpGet(42 as any), /path: 42 is not a request path/],
    ['port 0', () => HealthProbe.httpGet('/h', { port: 0 }), /\[HealthProbe\.httpGet\] options\.port: 0 is not a port number\. Use a whole number from 1 to 65535/],
    ['port 65536', () => HealthProbe.tcpSocket({ port: 65536 }), /\[HealthProbe\.tcpSocket\] options\.port: 65536 is not a port number/],
    ['port 1.5', () => HealthProbe.grpc({ port: 1.5 }), /\[HealthProbe\.grpc\] options\.port: 1\.5 is not a port number/],
    ['port as a string', () => HealthProbe.tcpSocket({ port: '80' as any }), /options\.port: '80' is not a port number/],
    ['zero failureThreshold', () => HealthProbe.tcpSocket({ failureThreshold: 0 }), /options\.failureThreshold: 0 is not a whole number of at least 1/],
    ['negative successThreshold', () => HealthProbe.httpGet('/h', { successThreshold: -1 }), /options\.successThreshold: -1 is not a whole number of at least 1/],
    ['fractional failureThreshold', () => HealthProbe.command(['true'], { failureThreshold: 2.5 }), /options\.failureThreshold: 2\.5 is not a whole number/],
    ['a number as a timing', () => HealthProbe.httpGet('/h', { period: 10 as any }), /options\.period: 10 is not a cdk8s Duration\. Pass a cdk8s Duration/],
    ['a string as a timing', () => HealthProbe.tcpSocket({ timeout: '1s' as any }), /options\.timeout: '1s' is not a cdk8s Duration/],
    ['a zero period', () => HealthProbe.tcpSocket({ period: Duration.seconds(0) }), /options\.period: '0s' is not a whole number of seconds of at least 1 s/],
    ['a fractional timeout', () => HealthProbe.tcpSocket({ timeout: Duration.millis(1500) }), /options\.timeout: '1500ms' is not a whole number of seconds/],
    ['a fractional initial delay', () => HealthProbe.grpc({ initialDelay: Duration.millis(0.5) }), /options\.initialDelay: '0\.5ms' is not a whole number of seconds\b/],
    ['empty command', () => HealthProbe.command([]), /\[HealthProbe\.command\] command: \[\] has fewer than 1 item/],
    ['empty program', () => HealthProbe.command(['']), /command\[0\]: '' is empty: it is the program/],
    ['command not a list', () => HealthProbe.command('cat /tmp/x' as any), /command: 'cat \/tmp\/x' is not a list/],
    ['unknown scheme', () => HealthProbe.httpGet('/h', { scheme: 'FTP' as any }), /options\.scheme: 'FTP' is not a HealthProbeScheme\. Use one of HealthProbeScheme\.HTTP, HealthProbeScheme\.HTTPS/],
    ['a misspelt option', () => HealthProbe.tcpSocket({ periodSeconds: Duration.seconds(1) } as any), /options\.periodSeconds: .* is not a field of TcpSocketHealthProbeOptions/],
    ['null options', () => HealthProbe.grpc(null as any), /\[HealthProbe\.grpc\] options: null is null/],
    ['a gRPC service that is not a string', () => HealthProbe.grpc({ service: 1 as any }), /options\.service: 1 is not a string/],
  ])('%s', (_name, make, message) => {
    let error: unknown;
    try { make(); } catch (e) { error = e; }
    expect(IstioTrafficErrors.isIstioTrafficError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  test('a cdk8s-plus-33 Probe in readiness is refused, saying to use HealthProbe', () => {
    expect(deploying({ readiness: kplus33.Probe.fromHttpGet('/healthz') }))
      .toThrow(/\[test\/reviews\] versions\[v1\]\.readiness: 'cdk8s-plus-33\.Probe object' is a probe of another cdk8s-plus version than the cdk8s-plus-27 the library deploys with.*Use a HealthProbe, e\.g\. HealthProbe\.httpGet\('\/healthz'\)/);
  });

  test('a plain object in liveness or startup is refused', () => {
    expect(deploying({ liveness: { httpGet: { path: '/healthz' } } }))
      .toThrow(/versions\[v1\]\.liveness: \{"httpGet":\{"path":"\/healthz"\}\} is not a probe\. Use a HealthProbe/);
    expect(deploying({ startup: '/healthz' })).toThrow(/versions\[v1\]\.startup: '\/healthz' is not a probe/);
    expect(deploying({ readiness: null })).toThrow(/versions\[v1\]\.readiness: null is null\. Leave the field out \(undefined\) for the default, or use a HealthProbe/);
  });

  test('a success threshold other than 1 in a liveness or startup probe is refused', () => {
    expect(deploying({ liveness: HealthProbe.tcpSocket({ successThreshold: 2 }) }))
      .toThrow(/versions\[v1\]\.liveness\.successThreshold: 2 is not 1, which Kubernetes requires for a liveness probe/);
    expect(deploying({ startup: HealthProbe.grpc({ successThreshold: 3 }) }))
      .toThrow(/versions\[v1\]\.startup\.successThreshold: 3 is not 1/);
    expect(deploying({ readiness: HealthProbe.tcpSocket({ successThreshold: 2 }) })).not.toThrow();
  });
});

describe('deployed version options are checked before they reach cdk8s-plus', () => {
  test('options that are not an object are refused when the version is declared', () => {
    expect(() => ServiceVersion.deploy('v1', null as any)).toThrow(/\[ServiceVersion\.deploy\] options: null is not a DeployedVersionOptions object/);
    expect(() => ServiceVersion.deploy('v1', 'reviews:1' as any)).toThrow(/options: 'reviews:1' is not a DeployedVersionOptions object/);
  });

  test('a misspelt option and a command that is not a list of strings are refused', () => {
    expect(deploying({ readinessProbe: HealthProbe.tcpSocket() }))
      .toThrow(/\[test\/reviews\] versions\[v1\]\.readinessProbe: .* is not a field of DeployedVersionOptions\. Use one of: image, .*readiness/);
    expect(deploying({ command: '/app --x' })).toThrow(/versions\[v1\]\.command: '\/app --x' is not a list/);
    expect(deploying({ args: [1] })).toThrow(/versions\[v1\]\.args\[0\]: 1 is not a string/);
  });
});

describe('ServiceVersion.fromWorkload takes any IConstruct', () => {
  test('a workload typed as IConstruct (e.g. from another copy of constructs) is accepted', () => {
    const c = chart();
    const workload: IConstruct = new kplus33.Deployment(c, 'reviews-v1', {
      metadata: { name: 'reviews-v1' },
      containers: [{ image: `${IMAGE}-v1:1.20.2`, portNumber: 9080, securityContext: { ensureNonRoot: false } }],
    });
    const version = ServiceVersion.fromWorkload('v1', workload);
    const workloadOf: IConstruct | undefined = version.workload;
    expect(workloadOf).toBe(workload);
    new CanaryService(c, 'reviews', { port: 9080, versions: [version] });
    expect(only(synthChecked(c), 'Deployment', 'reviews-v1').spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v1' });
  });
});

describe('HealthProbe checks at their boundaries, with the fix each message gives', () => {
  /** The message of the library error `make` throws. */
  function messageOf(make: () => unknown): string {
    try { make(); } catch (e) {
      expect(IstioTrafficErrors.isIstioTrafficError(e)).toBe(true);
      return (e as Error).message;
    }
    throw new Error('expected an error');
  }

  test.each([
    ['healthz', '/healthz'],
    ['ready', '/ready'],
    ['//a b', '/ab'],
    ['x y', '/xy'],
    // A control character in the bad value is shown escaped, so that it is seen and the message stays one line.
    ['x\ty\n', '/xy'],
    ['   ', '/healthz'],
  ])('the path %j is refused with an absolute path as the example: %s', (path, example) => {
    expect(messageOf(() => HealthProbe.httpGet(path))).toBe(`[HealthProbe.httpGet] path: ${JSON.stringify(path).replace(/^"|"$/g, "'")} is not a request path `
      + `(it must start with '/' and contain no spaces or control characters). Write it as an absolute path, e.g. '${example}'`);
  });

  test('ports from 1 to 65535 and thresholds from 1 to 2^31-1 are accepted and written', () => {
    expect(containerOf({ readiness: HealthProbe.httpGet('/h', { port: 1, failureThreshold: 2 ** 31 - 1, successThreshold: 2 ** 31 - 1 }) }).readinessProbe)
      .toEqual({ httpGet: { path: '/h', port: 1, scheme: 'HTTP' }, failureThreshold: 2 ** 31 - 1, successThreshold: 2 ** 31 - 1 });
    expect(containerOf({ liveness: HealthProbe.tcpSocket({ port: 65535, failureThreshold: 1, successThreshold: 1, host: 'localhost' }) }).livenessProbe)
      .toEqual({ tcpSocket: { port: 65535, host: 'localhost' }, failureThreshold: 1, successThreshold: 1 });
  });

  test('a threshold above 2^31-1 is refused; each threshold names its own usual value as the fix', () => {
    expect(messageOf(() => HealthProbe.tcpSocket({ failureThreshold: 2 ** 31 }))).toBe(
      '[HealthProbe.tcpSocket] options.failureThreshold: 2147483648 is not a whole number of at least 1, which Kubernetes requires. Use e.g. 3, or leave it out for the default');
    expect(messageOf(() => HealthProbe.grpc({ successThreshold: 0 }))).toBe(
      '[HealthProbe.grpc] options.successThreshold: 0 is not a whole number of at least 1, which Kubernetes requires. Use e.g. 1, or leave it out for the default');
  });

  test('timings: whole seconds up to 2^31-1, an initial delay from 0, a period and a timeout from 1 s', () => {
    const longest = HealthProbe.tcpSocket({
      period: Duration.seconds(2 ** 31 - 1),
      timeout: Duration.minutes(50),
      initialDelay: Duration.seconds(0),
    });
    expect(containerOf({ readiness: longest }).readinessProbe)
      .toEqual({ tcpSocket: { port: 9080 }, periodSeconds: 2 ** 31 - 1, timeoutSeconds: 3000, initialDelaySeconds: 0, failureThreshold: 3 });
    expect(messageOf(() => HealthProbe.tcpSocket({ period: Duration.seconds(2 ** 31) }))).toBe(
      "[HealthProbe.tcpSocket] options.period: '2147483648s' is not a whole number of seconds of at least 1 s, which Kubernetes requires for probes. "
      + 'Use e.g. Duration.seconds(5), or leave it out for the default');
    expect(messageOf(() => HealthProbe.httpGet('/h', { initialDelay: Duration.millis(500) }))).toBe(
      "[HealthProbe.httpGet] options.initialDelay: '500ms' is not a whole number of seconds, which Kubernetes requires for probes. "
      + 'Use e.g. Duration.seconds(10), or leave it out for the default');
  });

  test('a program of white space only is refused', () => {
    expect(messageOf(() => HealthProbe.command(['  ', 'x']))).toBe(
      "[HealthProbe.command] command[0]: '  ' is empty: it is the program the kubelet runs. Name the program first, e.g. ['cat', '/tmp/healthy']");
  });

  test.each<[string, () => unknown, string]>([
    ['httpGet', () => HealthProbe.httpGet('/h', null as any), '{ port: 8080, period: Duration.seconds(5) }'],
    ['tcpSocket', () => HealthProbe.tcpSocket(null as any), '{ port: 8080 }'],
    ['command', () => HealthProbe.command(['true'], null as any), '{ period: Duration.seconds(5) }'],
    ['grpc', () => HealthProbe.grpc(null as any), "{ port: 3550, service: 'hipstershop.ProductCatalogService' }"],
  ])('null options of %s: leave them out, or pass e.g. its own example', (name, make, example) => {
    expect(messageOf(make)).toBe(`[HealthProbe.${name}] options: null is null. Leave the options out (undefined) for the defaults, or pass e.g. ${example}`);
  });

  test.each<[string, () => unknown, string]>([
    ['httpGet', () => HealthProbe.httpGet('/h', { path: '/x' } as any), 'HttpGetHealthProbeOptions'],
    ['tcpSocket', () => HealthProbe.tcpSocket({ path: '/x' } as any), 'TcpSocketHealthProbeOptions'],
    ['command', () => HealthProbe.command(['true'], { port: 1 } as any), 'HealthProbeOptions'],
    ['grpc', () => HealthProbe.grpc({ host: 'x' } as any), 'GrpcHealthProbeOptions'],
  ])('a field %s does not take is named with its options type', (_name, make, type) => {
    expect(messageOf(make)).toMatch(new RegExp(`^\\[HealthProbe\\.\\w+\\] options\\.\\w+: .* is not a field of ${type}\\.`));
  });

  test('a gRPC service name that is not a string says what to pass', () => {
    expect(messageOf(() => HealthProbe.grpc({ service: 1 as any }))).toMatch(/options\.service: 1 is not a string\. Pass the service name, e\.g\. 'hipstershop\.ProductCatalogService', or leave it out/);
  });

  test('liveness and startup probes need a success threshold of 1; readiness may need more', () => {
    expect(deploying({ readiness: HealthProbe.httpGet('/h', { successThreshold: 3 }), liveness: HealthProbe.tcpSocket(), startup: HealthProbe.tcpSocket({ successThreshold: 1 }) }))
      .not.toThrow();
    expect(messageOf(deploying({ liveness: HealthProbe.command(['true'], { successThreshold: 2 }) }))).toBe(
      '[test/reviews] versions[v1].liveness.successThreshold: 2 is not 1, which Kubernetes requires for a liveness probe. '
      + 'Leave successThreshold out (or set it to 1); only a readiness probe may need several successes');
  });

  test('a cdk8s-plus object that is not a probe is named by its type, not called a probe of another version', () => {
    expect(messageOf(deploying({ readiness: kplus33.Cpu.units(1) }))).toMatch(/versions\[v1\]\.readiness: 'cdk8s-plus-33\.Cpu object' is not a probe\. Use a HealthProbe/);
  });

  test('a cdk8s-plus-27 Probe of another copy of cdk8s-plus-27 is accepted by its jsii type name, a look-alike of another kind is not', () => {
    const real = kplus27.Probe.fromHttpGet('/copy');
    const RTTI = Symbol.for('jsii.rtti');
    class Probe { public _toKube(c: any) { return (real as any)._toKube(c); } }
    (Probe as any)[RTTI] = { fqn: 'cdk8s-plus-27.Probe' };
    expect(containerOf({ readiness: new Probe() as any }).readinessProbe).toEqual({ httpGet: { path: '/copy', port: 9080, scheme: 'HTTP' }, failureThreshold: 3 });
    class NotAProbe {}
    (NotAProbe as any)[RTTI] = { fqn: 'cdk8s-plus-27.Probe' };
    expect(messageOf(deploying({ readiness: new NotAProbe() }))).toMatch(/readiness: 'cdk8s-plus-27\.Probe object' is a probe of another cdk8s-plus version/);
  });
});
