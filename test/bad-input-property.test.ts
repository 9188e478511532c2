/**
 * Random values for every prop of every construct and every argument of every factory: the library
 * either accepts the value or fails with its own error (construct path, field, value, fix). Nothing
 * else may escape: no TypeError, no RangeError, no error of cdk8s or cdk8s-plus about a value the
 * library should have checked.
 */
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import {
  Analysis, CanaryService, CircuitBreakerPolicy, DarkRelease, EdgeDestination, ExistingService, FaultAbort, FaultInjection, HealthProbe, IngressEdge,
  IstioTrafficErrors, LoadBalancer, LoadBalancing, MeshNamespace, RequestCondition, RetryOn, RoutePolicy, RoutingSimulator,
  ServiceVersion, StringMatch, TrafficMirror, TrafficSplit, UserAgent, VersionAffinity,
} from '../src';

/** Values a caller without TypeScript's checks passes: JSON of every shape, plus what JSON cannot say. */
const anyValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, NaN, Infinity, -Infinity, -1, 0, 1.5, 2 ** 31, '', ' ', 'v2', 'canary', '__proto__', 'constructor', {}, [], [null], { __proto__: null }, () => 1, Symbol('x'), Duration.seconds(0), Duration.millis(1.5), new Date(0)) },
);

function base() {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
  const svc = new CanaryService(chart, 'reviews', {
    port: 9080, versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })), traffic: TrafficSplit.canaryPercent(10),
  });
  return { chart, svc };
}

/** Runs `make`; passes when it succeeds or throws the library's error, and tells what else it threw. */
function acceptsOrRefuses(make: () => unknown): void {
  try {
    make();
  } catch (e) {
    if (!IstioTrafficErrors.isIstioTrafficError(e)) {
      throw new Error(`escaped: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
    const d = IstioTrafficErrors.detailsOf(e)!;
    expect(d.constructPath).not.toEqual('');
    expect(d.field).not.toEqual('');
    expect(d.fix).not.toEqual('');
  }
}

/** For each prop of `valid`, random values in its place (and random extra props), with `make` building the construct. */
function everyProp(name: string, valid: (ctx: ReturnType<typeof base>) => any, make: (ctx: ReturnType<typeof base>, props: any) => unknown): void {
  const keys = Object.keys(valid(base()));
  test(`${name}: a random value in any prop is accepted or refused with the library's error`, () => {
    fc.assert(fc.property(fc.constantFrom(...keys), anyValue, (key, value) => {
      const ctx = base();
      acceptsOrRefuses(() => make(ctx, { ...valid(ctx), [key]: value }));
    }), { numRuns: 150 });
  });
  test(`${name}: random props objects are refused with the library's error`, () => {
    fc.assert(fc.property(anyValue, (value) => {
      const ctx = base();
      acceptsOrRefuses(() => make(ctx, value));
    }), { numRuns: 60 });
  });
}

describe('constructs', () => {
  everyProp('CanaryService', () => ({
    port: 8080,
    stable: { image: 'a:1' },
    canary: { image: 'a:2' },
    traffic: TrafficSplit.canaryPercent(10),
    name: 'ratings',
    namespace: 'shop',
    versionLabel: 'version',
    stableVersion: 'v1',
    canaryVersion: 'v2',
    targetPort: 8080,
  }), (ctx, props) => new CanaryService(ctx.chart, 'ratings', props));
  everyProp('DeployedVersionOptions', () => ({
    image: 'a:1',
    replicas: 2,
    containerPort: 8080,
    env: { A: 'b' },
    command: ['/app'],
    args: ['--x'],
    resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128) } },
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    readiness: HealthProbe.httpGet('/healthz', { period: Duration.seconds(5) }),
    liveness: HealthProbe.tcpSocket(),
    startup: HealthProbe.grpc({ failureThreshold: 30 }),
    securityContext: { ensureNonRoot: false },
    podSecurityContext: { ensureNonRoot: false },
    podLabels: { team: 'a' },
    subsetName: 'v1',
  }), (ctx, options) => {
    new CanaryService(ctx.chart, 'ratings', { port: 8080, versions: [ServiceVersion.deploy('v1', options)] });
    Testing.synth(ctx.chart);
  });
  everyProp('ExistingService', () => ({ versions: ['v1', 'v2'], port: 8080, name: 'ratings', traffic: TrafficSplit.canaryPercent(10) }),
    (ctx, props) => new ExistingService(ctx.chart, 'ratings', props));
  everyProp('DarkRelease', ctx => ({
    service: ctx.svc,
    version: 'v2',
    when: [RequestCondition.headerExact('x', 'y')],
    priority: 1,
    name: 'dark',
    userAgentHeader: 'user-agent',
    propagatedUserAgentHeader: 'x-ua',
  }), (ctx, props) => new DarkRelease(ctx.chart, 'dark', props));
  everyProp('CircuitBreakerPolicy', ctx => ({
    service: ctx.svc,
    version: 'v2',
    connectionPool: { maxConnections: 10, maxPendingRequests: 5, connectTimeout: Duration.seconds(1) },
    outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
  }), (ctx, props) => new CircuitBreakerPolicy(ctx.chart, 'cb', props));
  everyProp('LoadBalancing', ctx => ({ service: ctx.svc, loadBalancer: LoadBalancer.leastRequest(), version: 'v1' }),
    (ctx, props) => new LoadBalancing(ctx.chart, 'lb', props));
  everyProp('RoutePolicy', ctx => ({ service: ctx.svc, timeout: Duration.seconds(5), retries: { attempts: 3, perTryTimeout: Duration.seconds(1), retryOn: [RetryOn.of('5xx')] } }),
    (ctx, props) => new RoutePolicy(ctx.chart, 'policy', props));
  everyProp('FaultInjection', ctx => ({
    service: ctx.svc,
    delay: Duration.seconds(1),
    delayPercentage: 10,
    abort: FaultAbort.httpStatus(503),
    abortPercentage: 5,
    when: [RequestCondition.headerExact('x', 'y')],
    name: 'fault',
  }), (ctx, props) => new FaultInjection(ctx.chart, 'fault', props));
  everyProp('TrafficMirror', ctx => ({ service: ctx.svc, version: 'v3', percentage: 10, name: 'mirror' }),
    (ctx, props) => new TrafficMirror(ctx.chart, 'mirror', props));
  everyProp('VersionAffinity', ctx => ({ service: ctx.svc, cookie: 'version', cookieMaxAge: Duration.hours(1) }),
    (ctx, props) => new VersionAffinity(ctx.chart, 'affinity', props));
  everyProp('MeshNamespace', () => ({ name: 'shop', labels: { team: 'a' }, annotations: { a: 'b' } }),
    (ctx, props) => new MeshNamespace(ctx.chart, 'ns', props));
  everyProp('IngressEdge', ctx => ({
    hosts: ['shop.example.com'],
    routes: [{ to: EdgeDestination.release(ctx.svc) }],
    name: 'edge',
    namespace: 'shop',
    httpPort: 80,
    https: { credentialName: 'shop-cert', port: 443 },
    redirectToHttps: true,
    includeMesh: false,
    selector: { istio: 'ingressgateway' },
  }), (ctx, props) => new IngressEdge(ctx.chart, 'edge', props));
  everyProp('IngressEdge.addRoute', ctx => ({ to: EdgeDestination.version(ctx.svc, 'v2'), name: 'r', when: [RequestCondition.pathPrefix('/api')], rewriteUri: '/' }),
    (ctx, options) => new IngressEdge(ctx.chart, 'edge', { hosts: ['shop.example.com'] }).addRoute(options));
});

describe('factories and methods', () => {
  const cases: Array<[string, number, (...args: any[]) => unknown]> = [
    ['TrafficSplit.canaryPercent', 1, p => TrafficSplit.canaryPercent(p)],
    ['TrafficSplit.allTo', 1, v => TrafficSplit.allTo(v)],
    ['TrafficSplit.weights', 1, w => TrafficSplit.weights(w)],
    ['TrafficSplit.weightList', 1, w => TrafficSplit.weightList(w)],
    ['TrafficSplit.stepPlan', 1, o => TrafficSplit.stepPlan(o)],
    ['ServiceVersion.deploy', 2, (n, o) => ServiceVersion.deploy(n, o)],
    ['ServiceVersion.adopt', 2, (n, o) => ServiceVersion.adopt(n, o)],
    ['HealthProbe.httpGet', 2, (p, o) => HealthProbe.httpGet(p, o)],
    ['HealthProbe.tcpSocket', 1, o => HealthProbe.tcpSocket(o)],
    ['HealthProbe.command', 2, (c, o) => HealthProbe.command(c, o)],
    ['HealthProbe.grpc', 1, o => HealthProbe.grpc(o)],
    ['HealthProbe.httpGet in a deployed version', 2, (p, o) => {
      const { chart } = base();
      new CanaryService(chart, 'ratings', { port: 8080, versions: [ServiceVersion.deploy('v1', { image: 'a:1', readiness: HealthProbe.httpGet(p, o), liveness: HealthProbe.tcpSocket(o) })] });
      Testing.synth(chart);
    }],
    ['StringMatch.exact', 1, v => StringMatch.exact(v)],
    ['StringMatch.prefix', 1, v => StringMatch.prefix(v)],
    ['StringMatch.regex', 1, v => StringMatch.regex(v)],
    ['UserAgent.matching', 1, v => UserAgent.matching(v)],
    ['RequestCondition.header', 2, (n, m) => RequestCondition.header(n, m)],
    ['RequestCondition.headerExact', 2, (n, v) => RequestCondition.headerExact(n, v)],
    ['RequestCondition.headerNot', 2, (n, m) => RequestCondition.headerNot(n, m)],
    ['RequestCondition.cookie', 2, (n, v) => RequestCondition.cookie(n, v)],
    ['RequestCondition.queryParam', 2, (n, m) => RequestCondition.queryParam(n, m)],
    ['RequestCondition.pathPrefix', 1, p => RequestCondition.pathPrefix(p)],
    ['RequestCondition.uri', 1, m => RequestCondition.uri(m)],
    ['RequestCondition.method', 1, m => RequestCondition.method(m)],
    ['RequestCondition.authority', 1, m => RequestCondition.authority(m)],
    ['RequestCondition.port', 1, p => RequestCondition.port(p)],
    ['RequestCondition.callerLabels', 1, l => RequestCondition.callerLabels(l)],
    ['RequestCondition.callerNamespace', 1, n => RequestCondition.callerNamespace(n)],
    ['RequestCondition.userAgent', 1, a => RequestCondition.userAgent(a)],
    ['LoadBalancer.consistentHashByHeader', 1, h => LoadBalancer.consistentHashByHeader(h)],
    ['LoadBalancer.consistentHashByCookie', 1, o => LoadBalancer.consistentHashByCookie(o)],
    ['LoadBalancer.consistentHashByQueryParameter', 1, n => LoadBalancer.consistentHashByQueryParameter(n)],
    ['RetryOn.of', 1, c => RetryOn.of(c)],
    ['RetryOn.statusCode', 1, c => RetryOn.statusCode(c)],
    ['FaultAbort.httpStatus', 1, s => FaultAbort.httpStatus(s)],
    ['FaultAbort.grpcStatus', 1, s => FaultAbort.grpcStatus(s)],
    ['EdgeDestination.service', 3, (n, p, ns) => EdgeDestination.service(n, p, ns)],
    ['EdgeDestination.release', 1, s => EdgeDestination.release(s)],
    ['RoutingSimulator.fromManifests', 2, (m, o) => RoutingSimulator.fromManifests(m, o)],
    ['RoutingSimulator.fromYaml', 2, (y, o) => RoutingSimulator.fromYaml(y, o)],
    ['RoutingSimulator.route', 1, r => RoutingSimulator.fromManifests([]).route(r)],
    ['Analysis.enableFor', 1, c => Analysis.enableFor(c)],
    ['Analysis.findings', 1, c => Analysis.findings(c)],
    ['Analysis.analyzeManifests', 1, m => Analysis.analyzeManifests(m)],
    ['Analysis.analyzeManifests of random objects', 1, m => Analysis.analyzeManifests([{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'x' }, spec: m }])],
    ['Analysis.suppress', 3, (s, c, r) => Analysis.suppress(s, c, r)],
    ['Analysis.downgrade', 3, (s, c, r) => Analysis.downgrade(s, c, r)],
  ];
  test.each(cases)('%s: random arguments are accepted or refused with the library error', (_name, arity, call) => {
    fc.assert(fc.property(fc.array(anyValue, { minLength: arity, maxLength: arity }), (args) => {
      acceptsOrRefuses(() => call(...args));
    }), { numRuns: 100 });
  });

  test('a construct made with a valid factory result and random values elsewhere synthesizes or fails with the library error', () => {
    fc.assert(fc.property(anyValue, anyValue, (a, b) => {
      const { chart, svc } = base();
      acceptsOrRefuses(() => {
        new DarkRelease(chart, 'dark', { service: svc, version: 'v2', when: [RequestCondition.header(a as any, StringMatch.exact(b as any))] });
        Testing.synth(chart);
      });
    }), { numRuns: 100 });
  });
});
