/**
 * Bad input, class by class: each case fails, before any file is written, with the library's error
 * naming the construct path, the field, the value and what to do instead. Then valid input that
 * looks suspicious (prototype names as keys, hosts whose slugs meet, ...) that must work.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Duration } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import {
  CanaryService, CircuitBreakerPolicy, DarkRelease, DataPlaneMode, EdgeDestination, ExistingService, FaultAbort, FaultInjection, IngressEdge,
  IstioTrafficErrors, LoadBalancer, LoadBalancing, MeshNamespace, ReleaseScope, RequestCondition, RetryOn, RoutePolicy, RoutingMode, ServiceVersion,
  NamespaceDefaultDeny, StringMatch, TlsMode, TrafficMirror, TrafficSplit, UserAgent, VersionAffinity,
} from '../src';

interface Ctx {
  readonly app: App;
  readonly chart: Chart;
  /** reviews: v1 (stable) 90 / v2 10, plus v3 with no traffic. */
  readonly svc: CanaryService;
}

function context(namespace: string | undefined = 'shop'): Ctx {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-')) });
  const chart = new Chart(app, 'test', { namespace });
  const svc = new CanaryService(chart, 'reviews', {
    port: 9080,
    versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })),
    traffic: TrafficSplit.weights({ v1: 90, v2: 10, v3: 0 }),
  });
  return { app, chart, svc };
}

/** What the error must name: the construct path, the field, the value (as shown), and a pattern of the problem. */
interface Expected {
  readonly path: string;
  readonly field: string | RegExp;
  readonly value?: string | RegExp;
  readonly problem: RegExp;
}

type Case = [string, (ctx: Ctx) => void, Expected];

/** Runs `build` and a synth; the library's error must say what `expected` says, and no file may exist. */
function expectRefused(build: (ctx: Ctx) => void, expected: Expected, namespace?: string): void {
  const ctx = context(namespace);
  let error: unknown;
  try {
    build(ctx);
    ctx.app.synth();
  } catch (e) {
    error = e;
  }
  expect(fs.readdirSync(ctx.app.outdir)).toEqual([]);
  expect(error).toBeDefined();
  if (IstioTrafficErrors.isIstioTrafficError(error)) {
    const d = IstioTrafficErrors.detailsOf(error)!;
    expect(d.constructPath).toBe(expected.path);
    if (typeof expected.field === 'string') { expect(d.field).toBe(expected.field); } else { expect(d.field).toMatch(expected.field); }
    if (expected.value !== undefined) {
      if (typeof expected.value === 'string') { expect(d.value).toBe(expected.value); } else { expect(d.value).toMatch(expected.value); }
    }
    expect(`${d.problem}`).toMatch(expected.problem);
    expect(d.fix.length).toBeGreaterThan(10);
    return;
  }
  // A synth-time finding: "[CODE] [path] Kind ns/name field: value - problem. Fix: ..."
  const message = (error as Error).message;
  const line = message.split('\n').find(l => l.includes(`] [${expected.path}`) && expected.problem.test(l));
  expect({ message, line }).toEqual({ message, line: expect.stringContaining(`] [${expected.path}`) });
  expect(line).toMatch(/ - .*\. Fix: .{10,}/);
  expect(line).toContain(typeof expected.field === 'string' ? ` ${expected.field}` : '');
}

const cond = RequestCondition.headerExact('end-user', 'jason');
const anyJs = (x: unknown): any => x;

/** Wrong types: what JavaScript, `as any` and jsii languages pass. */
const wrongTypes: Case[] = [
  ['CanaryService props null', ({ chart }) => new CanaryService(chart, 'x', anyJs(null)), { path: 'test/x', field: 'props', problem: /is not a CanaryServiceProps object/ }],
  ['CanaryService port as string', ({ chart }) => new CanaryService(chart, 'x', anyJs({ port: '8080', stable: { image: 'a:1' } })), { path: 'test/x', field: 'port', value: "'8080'", problem: /port/ }],
  ['CanaryService port NaN', ({ chart }) => new CanaryService(chart, 'x', { port: NaN, stable: { image: 'a:1' } }), { path: 'test/x', field: 'port', value: 'NaN', problem: /port|number/ }],
  ['CanaryService port Infinity', ({ chart }) => new CanaryService(chart, 'x', { port: Infinity, stable: { image: 'a:1' } }), { path: 'test/x', field: 'port', value: 'Infinity', problem: /port|number/ }],
  ['CanaryService mode not a RoutingMode', ({ chart }) => new CanaryService(chart, 'x', anyJs({ port: 80, stable: { image: 'a:1' }, mode: 'canary' })), { path: 'test/x', field: 'mode', value: "'canary'", problem: /RoutingMode/ }],
  ['CanaryService traffic as plain object', ({ chart }) => new CanaryService(chart, 'x', anyJs({ port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: { canary: 10 } })), { path: 'test/x', field: 'traffic', problem: /TrafficSplit/ }],
  ['CanaryService releaseScope unknown', ({ chart }) => new CanaryService(chart, 'x', anyJs({ port: 80, stable: { image: 'a:1' }, releaseScope: 'everywhere' })), { path: 'test/x', field: 'releaseScope', problem: /ReleaseScope/ }],
  ['CanaryService stable null', ({ chart }) => new CanaryService(chart, 'x', anyJs({ port: 80, stable: null, canary: { image: 'a:2' } })), { path: 'test/x', field: /stable/, problem: /null|stable|required/ }],
  ['CanaryService canary only (no stable)', ({ chart }) => new CanaryService(chart, 'x', anyJs({ port: 80, canary: { image: 'a:2' } })), { path: 'test/x', field: /stable|versions/, problem: /./ }],
  ['CanaryService versions not a list', ({ chart }) => new CanaryService(chart, 'x', anyJs({ port: 80, versions: 'v1' })), { path: 'test/x', field: 'versions', problem: /list/ }],
  ['CanaryService versions of plain objects', ({ chart }) => new CanaryService(chart, 'x', anyJs({ port: 80, versions: [{ name: 'v1', image: 'a:1' }] })), { path: 'test/x', field: /versions\[0\]/, problem: /ServiceVersion/ }],
  ['CanaryService misspelt prop', ({ chart }) => new CanaryService(chart, 'x', anyJs({ port: 80, stabel: { image: 'a:1' } })), { path: 'test/x', field: 'stabel', problem: /is not a field of CanaryServiceProps/ }],
  ['DarkRelease props undefined', ({ chart }) => new DarkRelease(chart, 'd', anyJs(undefined)), { path: 'test/d', field: 'props', problem: /DarkReleaseProps/ }],
  ['DarkRelease service missing', ({ chart }) => new DarkRelease(chart, 'd', anyJs({ version: 'v2', when: [cond] })), { path: 'test/d', field: 'service', problem: /required/ }],
  ['DarkRelease service a string', ({ chart }) => new DarkRelease(chart, 'd', anyJs({ service: 'reviews', version: 'v2', when: [cond] })), { path: 'test/d', field: 'service', value: "'reviews'", problem: /./ }],
  ['DarkRelease version a number', ({ chart, svc }) => new DarkRelease(chart, 'd', anyJs({ service: svc, version: 2, when: [cond] })), { path: 'test/d', field: 'version', value: '2', problem: /string/ }],
  ['DarkRelease when a condition, not a list', ({ chart, svc }) => new DarkRelease(chart, 'd', anyJs({ service: svc, version: 'v2', when: cond })), { path: 'test/d', field: 'when', problem: /list/ }],
  ['DarkRelease when of plain objects', ({ chart, svc }) => new DarkRelease(chart, 'd', anyJs({ service: svc, version: 'v2', when: [{ header: 'x' }] })), { path: 'test/d', field: 'when[0]', problem: /RequestCondition/ }],
  ['DarkRelease rules without conditions', ({ chart, svc }) => new DarkRelease(chart, 'd', anyJs({ service: svc, version: 'v2', rules: [{}] })), { path: 'test/d', field: 'rules[0].conditions', problem: /required/ }],
  ['DarkRelease matchedSplit plain object', ({ chart, svc }) => new DarkRelease(chart, 'd', anyJs({ service: svc, version: 'v2', when: [cond], matchedSplit: { v2: 50 } })), { path: 'test/d', field: 'matchedSplit', problem: /TrafficSplit/ }],
  ['DarkRelease priority a string', ({ chart, svc }) => new DarkRelease(chart, 'd', anyJs({ service: svc, version: 'v2', when: [cond], priority: '1' })), { path: 'test/d', field: 'priority', problem: /number/ }],
  ['DarkRelease priority NaN', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [cond], priority: NaN }), { path: 'test/d', field: 'priority', value: 'NaN', problem: /number/ }],
  ['DarkRelease releaseScope unknown', ({ chart, svc }) => new DarkRelease(chart, 'd', anyJs({ service: svc, version: 'v2', when: [cond], releaseScope: 'MESH' })), { path: 'test/d', field: 'releaseScope', value: "'MESH'", problem: /ReleaseScope/ }],
  ['DarkRelease callPath not a list', ({ chart, svc }) => new DarkRelease(chart, 'd', anyJs({ service: svc, version: 'v2', when: [cond], callPath: svc })), { path: 'test/d', field: 'callPath', problem: /list/ }],
  ['CircuitBreakerPolicy connectionPool a number', ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', anyJs({ service: svc, connectionPool: 100 })), { path: 'test/cb', field: 'connectionPool', problem: /ConnectionPoolOptions/ }],
  ['CircuitBreakerPolicy maxConnections a string', ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', anyJs({ service: svc, connectionPool: { maxConnections: '100' } })), { path: 'test/cb', field: 'connectionPool.maxConnections', problem: /number/ }],
  ['CircuitBreakerPolicy interval as seconds number', ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', anyJs({ service: svc, outlierDetection: { interval: 10 } })), { path: 'test/cb', field: 'outlierDetection.interval', problem: /Duration/ }],
  ['CircuitBreakerPolicy interval as Go string', ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', anyJs({ service: svc, outlierDetection: { interval: '10s' } })), { path: 'test/cb', field: 'outlierDetection.interval', value: "'10s'", problem: /Duration/ }],
  ['CircuitBreakerPolicy misspelt option', ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', anyJs({ service: svc, connectionPool: { maxConnection: 10 } })), { path: 'test/cb', field: 'connectionPool.maxConnection', problem: /not a field of ConnectionPoolOptions/ }],
  ['LoadBalancing loadBalancer as string', ({ chart, svc }) => new LoadBalancing(chart, 'lb', anyJs({ service: svc, loadBalancer: 'ROUND_ROBIN' })), { path: 'test/lb', field: 'loadBalancer', value: "'ROUND_ROBIN'", problem: /LoadBalancer/ }],
  ['LoadBalancing loadBalancer missing', ({ chart, svc }) => new LoadBalancing(chart, 'lb', anyJs({ service: svc })), { path: 'test/lb', field: 'loadBalancer', problem: /required/ }],
  ['RoutePolicy timeout as number', ({ chart, svc }) => new RoutePolicy(chart, 'p', anyJs({ service: svc, timeout: 5000 })), { path: 'test/p', field: 'timeout', value: '5000', problem: /Duration/ }],
  ['RoutePolicy retryOn as string', ({ chart, svc }) => new RoutePolicy(chart, 'p', anyJs({ service: svc, retries: { attempts: 3, retryOn: '5xx' } })), { path: 'test/p', field: 'retries.retryOn', problem: /list/ }],
  ['RoutePolicy retryOn of strings', ({ chart, svc }) => new RoutePolicy(chart, 'p', anyJs({ service: svc, retries: { attempts: 3, retryOn: ['5xx'] } })), { path: 'test/p', field: 'retries.retryOn[0]', problem: /RetryOn/ }],
  ['FaultInjection abort as status number', ({ chart, svc }) => new FaultInjection(chart, 'f', anyJs({ service: svc, abort: 503, allTraffic: true })), { path: 'test/f', field: 'abort', value: '503', problem: /FaultAbort/ }],
  ['FaultInjection allTraffic as string', ({ chart, svc }) => new FaultInjection(chart, 'f', anyJs({ service: svc, abort: FaultAbort.httpStatus(503), allTraffic: 'yes' })), { path: 'test/f', field: 'allTraffic', problem: /true or false/ }],
  ['FaultInjection delay as string', ({ chart, svc }) => new FaultInjection(chart, 'f', anyJs({ service: svc, delay: '5s', allTraffic: true })), { path: 'test/f', field: 'delay', problem: /Duration/ }],
  ['TrafficMirror percentage as string', ({ chart, svc }) => new TrafficMirror(chart, 'm', anyJs({ service: svc, version: 'v3', percentage: '10' })), { path: 'test/m', field: 'percentage', problem: /number/ }],
  ['TrafficMirror methods a string', ({ chart, svc }) => new TrafficMirror(chart, 'm', anyJs({ service: svc, version: 'v3', methods: 'GET' })), { path: 'test/m', field: 'methods', problem: /list/ }],
  ['VersionAffinity cookieMaxAge number', ({ chart, svc }) => new VersionAffinity(chart, 'a', anyJs({ service: svc, cookie: 'v', cookieMaxAge: 3600 })), { path: 'test/a', field: 'cookieMaxAge', problem: /Duration/ }],
  ['MeshNamespace labels a list', ({ chart }) => new MeshNamespace(chart, 'ns', anyJs({ labels: ['team=a'] })), { path: 'test/ns', field: 'labels', problem: /map/ }],
  ['MeshNamespace label value a number', ({ chart }) => new MeshNamespace(chart, 'ns', anyJs({ labels: { tier: 1 } })), { path: 'test/ns', field: 'labels.tier', value: '1', problem: /string/ }],
  ['IngressEdge hosts a string', ({ chart }) => new IngressEdge(chart, 'edge', anyJs({ hosts: 'shop.example.com' })), { path: 'test/edge', field: 'hosts', problem: /list/ }],
  ['IngressEdge https an object, not a list', ({ chart }) => new IngressEdge(chart, 'edge', anyJs({ hosts: ['shop.example.com'], https: { credentialName: 'c' } })), { path: 'test/edge', field: 'https', problem: /list/ }],
  ['IngressEdge TLS mode ISTIO_MUTUAL', ({ chart }) => new IngressEdge(chart, 'edge', anyJs({ hosts: ['shop.example.com'], https: [{ credentialName: 'c', mode: 'ISTIO_MUTUAL' }] })), { path: 'test/edge', field: 'https[0].mode', value: "'ISTIO_MUTUAL'", problem: /TlsMode/ }],
  ['IngressEdge route to as plain object', ({ chart }) => new IngressEdge(chart, 'edge', anyJs({ hosts: ['shop.example.com'], routes: [{ to: { service: 'reviews' } }] })), { path: 'test/edge', field: 'routes[0].to', problem: /EdgeDestination/ }],
  ['IngressEdge addRoute(null)', ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'] }).addRoute(anyJs(null)), { path: 'test/edge', field: 'route', problem: /EdgeRouteOptions/ }],
  ['IngressEdge includeMesh as string', ({ chart }) => new IngressEdge(chart, 'edge', anyJs({ hosts: ['shop.example.com'], includeMesh: 'true' })), { path: 'test/edge', field: 'includeMesh', problem: /true or false/ }],
  ['TrafficSplit.weights(null)', () => TrafficSplit.weights(anyJs(null)), { path: 'TrafficSplit.weights', field: 'weights', problem: /map/ }],
  ['TrafficSplit.relative(null)', () => TrafficSplit.relative(anyJs(null)), { path: 'TrafficSplit.relative', field: 'weights', problem: /map/ }],
  ['relative weight as string', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.relative({ v1: anyJs('1'), v2: 1 }) }), { path: 'test/x', field: 'traffic.relative.v1', value: "'1'", problem: /relative weight/ }],
  ['TrafficSplit.weightList of numbers', () => TrafficSplit.weightList(anyJs([10, 90])), { path: 'TrafficSplit.weightList', field: 'weights[0]', problem: /VersionWeight/ }],
  ['TrafficSplit.stepPlan(undefined)', () => TrafficSplit.stepPlan(anyJs(undefined)), { path: 'TrafficSplit.stepPlan', field: 'options', problem: /StepPlanOptions/ }],
  ['step index as string', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.stepPlan({ steps: [10, 50], currentStep: anyJs('1') }) }), { path: 'test/x', field: /currentStep/, value: "'1'", problem: /step index/ }],
  ['step index NaN', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.stepPlan({ steps: [10, 50], currentStep: NaN }) }), { path: 'test/x', field: /currentStep/, value: 'NaN', problem: /step index/ }],
  ['RetryOn.statusCode of a string', () => RetryOn.statusCode(anyJs('503')), { path: 'RetryOn.statusCode', field: 'code', problem: /whole number/ }],
  ['LoadBalancer.consistentHashByCookie(undefined)', () => LoadBalancer.consistentHashByCookie(anyJs(undefined)), { path: 'LoadBalancer.consistentHashByCookie', field: 'options', problem: /HashCookieOptions/ }],
  ['LoadBalancer.consistentHashByCookie ttl number', () => LoadBalancer.consistentHashByCookie(anyJs({ name: 'c', ttl: 10 })), { path: 'LoadBalancer.consistentHashByCookie', field: 'options.ttl', problem: /Duration/ }],
];

/** Matches that take every request, and matches that can never match. */
const matches: Case[] = [
  ['dark release on pathPrefix("/")', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.pathPrefix('/')] }), { path: 'test/d', field: 'when', problem: /matches every request/ }],
  ['dark release on uri regex .*', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.uri(StringMatch.regex('.*'))] }), { path: 'test/d', field: 'when', problem: /matches every request/ }],
  ['dark release on uri regex (.*)', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.uri(StringMatch.regex('(.*)'))] }), { path: 'test/d', field: 'when', problem: /matches every request/ }],
  ['dark release on authority regex .*', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.authority(StringMatch.regex('.*'))] }), { path: 'test/d', field: 'when', problem: /matches every request/ }],
  ['dark release on uri regex ^.*$', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.uri(StringMatch.regex('^.*$'))] }), { path: 'test/d', field: 'when', problem: /matches every request/ }],
  ['dark release: one of several rules takes everything', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', rules: [{ conditions: [cond] }, { conditions: [RequestCondition.pathPrefix('/')] }] }), { path: 'test/d', field: 'rules[1].conditions', problem: /matches every request/ }],
  ['dark release: path prefix / and uri regex .* together', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', rules: [{ conditions: [RequestCondition.uri(StringMatch.regex('.*.*'))] }] }), { path: 'test/d', field: 'rules[0].conditions', problem: /matches every request/ }],
  ['conditional fault whose match is every request', ({ chart, svc }) => new FaultInjection(chart, 'f', { service: svc, abort: FaultAbort.httpStatus(503), when: [RequestCondition.pathPrefix('/')] }), { path: 'test/f', field: 'when', problem: /matches every request/ }],
  ['conditional fault on uri regex .*', ({ chart, svc }) => new FaultInjection(chart, 'f', { service: svc, delay: Duration.seconds(1), when: [RequestCondition.uri(StringMatch.regex('.*'))] }), { path: 'test/f', field: 'when', problem: /matches every request/ }],
  ['path prefix without leading /', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.pathPrefix('api')] }), { path: 'test/d', field: 'when[0].uri.prefix', value: "'api'", problem: /does not start with '\/'/ }],
  ['exact path without leading /', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.uri(StringMatch.exact('login'))] }), { path: 'test/d', field: 'when[0].uri.exact', problem: /does not start with '\/'/ }],
  ['edge route path without leading /', ({ chart, svc }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(svc), when: [RequestCondition.pathPrefix('api')] }] }), { path: 'test/edge', field: /uri.prefix/, problem: /does not start with '\/'/ }],
  ['header rule on :authority', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.headerExact(':authority', 'a.example.com')] }), { path: 'test/d', field: /header/, value: "':authority'", problem: /header name/ }],
  ['header rule on :path', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.headerExact(':path', '/a')] }), { path: 'test/d', field: /header/, problem: /header name/ }],
  ['header rule on host', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.headerExact('Host', 'a.example.com')] }), { path: 'test/d', field: /header/, value: "'Host'", problem: /:authority/ }],
  ['header named constructor (cdk8s cannot write it)', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.headerExact('constructor', 'x')] }), { path: 'test/d', field: 'when[0]', value: "'constructor'", problem: /cdk8s cannot write/ }],
  ['header named __proto__ (it would vanish)', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.headerExact('__proto__', 'x')] }), { path: 'test/d', field: 'when[0]', value: "'__proto__'", problem: /cdk8s cannot write/ }],
  ['query parameter named __proto__', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.queryParam('__proto__', StringMatch.exact('1'))] }), { path: 'test/d', field: 'when[0]', problem: /cdk8s cannot write/ }],
  ['caller label constructor', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.callerLabels({ constructor: 'x' } as any)] }), { path: 'test/d', field: /callerLabels/, problem: /cdk8s cannot write/ }],
  ['namespace label constructor', ({ chart }) => new MeshNamespace(chart, 'ns', { labels: { constructor: 'x' } as any }), { path: 'test/ns', field: 'labels key', problem: /cdk8s cannot write/ }],
  ['namespace annotation constructor', ({ chart }) => new MeshNamespace(chart, 'ns', { annotations: { constructor: 'x' } as any }), { path: 'test/ns', field: 'annotations key', problem: /cdk8s cannot write/ }],
  ['edge selector constructor', ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], selector: { constructor: 'x' } as any }), { path: 'test/edge', field: 'selector key', problem: /cdk8s cannot write/ }],
  ['negated user agent along a call path', ({ chart, svc }) => {
    const ratings = new CanaryService(chart, 'ratings', { port: 9080, stable: { image: 'r:1' }, canary: { image: 'r:2' } });
    new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.headerNot('User-Agent', StringMatch.regex('.*Firefox.*'))], callPath: [ratings] });
  }, { path: 'test/d', field: 'when', problem: /only excludes user agents/ }],
  ['step plan steps not a list', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.stepPlan({ steps: anyJs(50), currentStep: 0 }) }),
    { path: 'TrafficSplit.stepPlan', field: 'options.steps', value: '50', problem: /not a list/ }],
  ['header presence on host', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.headerPresent('host')] }), { path: 'test/d', field: /header/, problem: /:authority/ }],
];

/** Headers a route cannot carry or set. */
const reservedHeaders: Case[] = ['host', ':authority', 'content-length', 'connection', 'transfer-encoding', 'upgrade', 'te', 'keep-alive'].flatMap((h): Case[] => [
  [`version-affinity header '${h}'`, ({ chart, svc }) => new VersionAffinity(chart, 'a', { service: svc, header: h }), { path: 'test/a', field: 'header', problem: /./ }],
  [`propagated user-agent header '${h}'`, ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.userAgent(UserAgent.FIREFOX)], propagatedUserAgentHeader: h }), { path: 'test/d', field: 'propagatedUserAgentHeader', problem: /./ }],
]);

/** Settings that silently do nothing. */
const noOps: Case[] = [
  ['perTryTimeout equal to timeout', ({ chart, svc }) => new RoutePolicy(chart, 'p', { service: svc, timeout: Duration.seconds(2), retries: { attempts: 3, perTryTimeout: Duration.seconds(2) } }), { path: 'test/p', field: 'retries.perTryTimeout', problem: /not shorter than timeout/ }],
  ['perTryTimeout longer than timeout', ({ chart, svc }) => new RoutePolicy(chart, 'p', { service: svc, timeout: Duration.seconds(1), retries: { attempts: 3, perTryTimeout: Duration.seconds(5) } }), { path: 'test/p', field: 'retries.perTryTimeout', problem: /not shorter than timeout/ }],
  ['delay percentage without delay', ({ chart, svc }) => new FaultInjection(chart, 'f', { service: svc, abort: FaultAbort.httpStatus(503), delayPercentage: 10, allTraffic: true }), { path: 'test/f', field: 'delayPercentage', value: '10', problem: /without a delay/ }],
  ['abort percentage without abort', ({ chart, svc }) => new FaultInjection(chart, 'f', { service: svc, delay: Duration.seconds(1), abortPercentage: 10, allTraffic: true }), { path: 'test/f', field: 'abortPercentage', problem: /without a abort|without an abort|without a/ }],
  ['cookie max-age under a second', ({ chart, svc }) => new VersionAffinity(chart, 'a', { service: svc, cookie: 'v', cookieMaxAge: Duration.millis(500) }), { path: 'test/a', field: 'cookieMaxAge', problem: /under one second/ }],
  ['mirroring to the version with all the traffic', ({ chart }) => {
    const s = new CanaryService(chart, 'ratings', { port: 80, stable: { image: 'r:1' }, canary: { image: 'r:2' }, traffic: TrafficSplit.allTo('v2') });
    new TrafficMirror(chart, 'm', { service: s, version: 'v2' });
  }, { path: 'test/m', field: 'version', value: "'v2'", problem: /already gets all/ }],
  ['mirroring to the stable version of an unsplit service', ({ chart }) => {
    const s = new CanaryService(chart, 'ratings', { port: 80, stable: { image: 'r:1' }, canary: { image: 'r:2' }, traffic: TrafficSplit.stable() });
    new TrafficMirror(chart, 'm', { service: s, version: 'v1', percentage: 50 });
  }, { path: 'test/m', field: 'version', problem: /already gets all/ }],
  ['redirect to HTTPS with an HTTPS server for fewer hosts', ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com', 'api.example.com'], https: [{ credentialName: 'shop-cert', hosts: ['shop.example.com'] }], redirectToHttps: true }),
    { path: 'test/edge', field: 'redirectToHttps', problem: /no HTTPS server serves/ }],
  ['edge route to the plain Service of a split service', ({ chart, svc }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], routes: [{ name: 'all', to: EdgeDestination.service(svc.name, 9080) }] }),
    { path: 'test/edge', field: 'routes[all].to', problem: /bypass the split/ }],
];

/** Values Kubernetes or Istio reject. */
const rejected: Case[] = [
  ['timeout beyond Go duration', ({ chart, svc }) => new RoutePolicy(chart, 'p', { service: svc, timeout: Duration.hours(2_600_000) }), { path: 'test/p', field: 'timeout', problem: /Go duration/ }],
  ['outlier interval beyond Go duration', ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', { service: svc, outlierDetection: { interval: Duration.days(200_000) } }), { path: 'test/cb', field: 'outlierDetection.interval', problem: /Go duration/ }],
  ['64-character label in an edge host', ({ chart }) => new IngressEdge(chart, 'edge', { hosts: [`${'a'.repeat(64)}.example.com`] }), { path: 'test/edge', field: 'hosts[0]', problem: /Gateway can serve/ }],
  ['64-character label in an edge route host', ({ chart, svc }) => new IngressEdge(chart, 'edge', { hosts: ['*.example.com'], routes: [{ to: EdgeDestination.release(svc), host: `${'b'.repeat(64)}.example.com` }] }), { path: 'test/edge', field: /host/, problem: /Gateway can serve/ }],
  ['annotation key with a space', ({ chart }) => new MeshNamespace(chart, 'ns', { annotations: { 'my key': 'x' } }), { path: 'test/ns', field: 'annotations key', value: "'my key'", problem: /annotation key/ }],
  ['annotation key with two slashes', ({ chart }) => new MeshNamespace(chart, 'ns', { annotations: { 'a/b/c': 'x' } }), { path: 'test/ns', field: 'annotations key', problem: /annotation key/ }],
  ['Chart namespace not a DNS label', ({ app }) => new CanaryService(new Chart(app, 'bad', { namespace: 'Shop_Prod' }), 'x', { port: 80, stable: { image: 'a:1' } }), { path: 'bad', field: 'namespace', value: "'Shop_Prod'", problem: /Chart's namespace/ }],
  ['Chart namespace too long', ({ app }) => new MeshNamespace(new Chart(app, 'bad', { namespace: 'n'.repeat(64) }), 'ns', {}), { path: 'bad', field: 'namespace', problem: /Chart's namespace/ }],
  ['image reference with a space', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'my image:1' } }), { path: 'test/x', field: 'versions[v1].image', value: "'my image:1'", problem: /image reference/ }],
  ['image reference with upper case', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'Team/App:1' } }), { path: 'test/x', field: 'versions[v1].image', problem: /image reference/ }],
  ['image reference with a bad digest', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'app@sha256:xyz' } }), { path: 'test/x', field: 'versions[v1].image', problem: /image reference/ }],
  ['env name with =', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1', env: { 'A=B': '1' } } }), { path: 'test/x', field: 'versions[v1].env', value: "'A=B'", problem: /environment variable name/ }],
  ['empty env name', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1', env: { '': '1' } } }), { path: 'test/x', field: 'versions[v1].env', value: "''", problem: /environment variable name/ }],
  ['env value a number', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1', env: anyJs({ PORT: 8080 }) } }), { path: 'test/x', field: 'versions[v1].env.PORT', value: '8080', problem: /not a string/ }],
  ['gateway port name empty', ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], https: [{ credentialName: 'c', portName: '' }] }), { path: 'test/edge', field: /portName/, problem: /./ }],
];

/** Places the mesh does not reach. */
const unreachable: Case[] = [
  ['routed service named kubernetes in default', ({ app }) => new CanaryService(new Chart(app, 'def', { namespace: 'default' }), 'k', { name: 'kubernetes', port: 443, stable: { image: 'a:1' } }), { path: 'def/k', field: 'name', value: "'kubernetes'", problem: /API server/ }],
  ['routed service named kubernetes in a chart of namespace default', ({ app }) => new CanaryService(new Chart(app, 'def', { namespace: 'default' }), 'kubernetes', { port: 443, stable: { image: 'a:1' } }), { path: 'def/kubernetes', field: 'name', problem: /API server/ }],
  ['routed service named kubernetes given namespace default', ({ chart }) => new CanaryService(chart, 'k', { name: 'kubernetes', namespace: 'default', port: 443, stable: { image: 'a:1' } }), { path: 'test/k', field: 'name', problem: /API server/ }],
  ['a service in a chart without a namespace', ({ app }) => new CanaryService(new Chart(app, 'nons'), 'x', { port: 80, stable: { image: 'a:1' } }), { path: 'nons/x', field: 'namespace', value: 'undefined', problem: /kubectl -n/ }],
  ['an existing service in a chart without a namespace', ({ app }) => new ExistingService(new Chart(app, 'nons'), 'x', { port: 80, versions: [ServiceVersion.adopt('v1')] }), { path: 'nons/x', field: 'namespace', problem: /kubectl -n/ }],
  ['an edge in a chart without a namespace', ({ app }) => new IngressEdge(new Chart(app, 'nons'), 'edge', { hosts: ['shop.example.com'] }), { path: 'nons/edge', field: 'namespace', problem: /kubectl -n/ }],
  ['mesh namespace kube-system', ({ chart }) => new MeshNamespace(chart, 'kube-system', {}), { path: 'test/kube-system', field: 'name', value: "'kube-system'", problem: /sidecar injector and ambient mode both leave out/ }],
  ['mesh namespace kube-public', ({ chart }) => new MeshNamespace(chart, 'ns', { name: 'kube-public' }), { path: 'test/ns', field: 'name', problem: /sidecar injector and ambient mode both leave out/ }],
  ['mesh namespace with the ambient label', ({ chart }) => new MeshNamespace(chart, 'ns', { labels: { 'istio.io/dataplane-mode': 'ambient' } }), { path: 'test/ns', field: 'labels.istio.io/dataplane-mode', problem: /is set by MeshNamespace itself, from dataPlane/ }],
  ['mesh namespace in ambient mode with a revision (its label turns sidecar injection on)', ({ chart }) => new MeshNamespace(chart, 'ns', { dataPlane: DataPlaneMode.AMBIENT, revision: 'canary' }), { path: 'test/ns', field: 'revision', value: "'canary'", problem: /both data planes/ }],
];

/** Names that collide in the output. */
const collisions: Case[] = [
  ['an edge named like a service (one VirtualService name twice)', ({ chart }) => new IngressEdge(chart, 'edge', { name: 'reviews', hosts: ['*'], routes: [{ to: EdgeDestination.service('details', 9080) }] }),
    { path: 'test/edge', field: 'metadata.name', problem: /also the name of VirtualService/ }],
  ['a + version b-c against a-b + version c (one Deployment name twice)', ({ chart }) => {
    new CanaryService(chart, 'a', { port: 80, versions: [ServiceVersion.deploy('v1', { image: 'a:1' }), ServiceVersion.deploy('b-c', { image: 'a:2' })] });
    new CanaryService(chart, 'a-b', { port: 80, versions: [ServiceVersion.deploy('v1', { image: 'a:1' }), ServiceVersion.deploy('c', { image: 'a:2' })] });
  }, { path: 'test/a-b', field: /name/, problem: /also the name of|already/ }],
  ['two edges whose host slugs meet', ({ chart }) => {
    new IngressEdge(chart, 'shop', { hosts: ['api.example.com'], routes: [{ to: EdgeDestination.service('details', 9080) }] });
    new IngressEdge(chart, 'shop-api', { hosts: ['example.com'], routes: [{ to: EdgeDestination.service('details', 9080) }] });
  }, { path: 'test/shop-api', field: 'metadata.name', problem: /also the name of VirtualService/ }],
  ['one Namespace declared twice', ({ chart }) => { new MeshNamespace(chart, 'ns1', { name: 'shop' }); new MeshNamespace(chart, 'ns2', { name: 'shop' }); },
    { path: 'test/ns2', field: /name/, problem: /also the name of|already/ }],
];

/** Values out of range or of the wrong syntax, field by field (the same class of mistake in each place it can be made). */
const badNames = ['Reviews', 'a_b', '-a', 'a'.repeat(64)];
const outOfRange: Case[] = [
  ...badNames.map((n): Case => [`CanaryService name '${n.slice(0, 10)}'`, ({ chart }) => new CanaryService(chart, 'x', { name: n, port: 80, stable: { image: 'a:1' } }), { path: 'test/x', field: 'name', value: `'${n}'`, problem: /Service name/ }]),
  ...badNames.map((n): Case => [`ExistingService name '${n.slice(0, 10)}'`, ({ chart }) => new ExistingService(chart, 'x', { name: n, port: 80, versions: [ServiceVersion.adopt('v1')] }), { path: 'test/x', field: 'name', value: `'${n}'`, problem: /Service name/ }]),
  ...badNames.map((n): Case => [`MeshNamespace name '${n.slice(0, 10)}'`, ({ chart }) => new MeshNamespace(chart, 'ns', { name: n }), { path: 'test/ns', field: 'name', value: `'${n}'`, problem: /DNS-1123 label/ }]),
  ...badNames.map((n): Case => [`IngressEdge name '${n.slice(0, 10)}'`, ({ chart }) => new IngressEdge(chart, 'edge', { name: n, hosts: ['shop.example.com'] }), { path: 'test/edge', field: 'name', value: `'${n}'`, problem: /DNS-1123 label/ }]),
  ...badNames.map((n): Case => [`IngressEdge namespace '${n.slice(0, 10)}'`, ({ chart }) => new IngressEdge(chart, 'edge', { namespace: n, hosts: ['shop.example.com'] }), { path: 'test/edge', field: 'namespace', value: `'${n}'`, problem: /DNS-1123 label/ }]),
  ...['v9', 'V2', ''].flatMap((v): Case[] => [
    [`DarkRelease version '${v}'`, ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: v, when: [cond] }), { path: 'test/d', field: 'version', value: `'${v}'`, problem: /./ }],
    [`CircuitBreakerPolicy version '${v}'`, ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', { service: svc, version: v, connectionPool: { maxConnections: 1 } }), { path: 'test/cb', field: 'version', value: `'${v}'`, problem: /./ }],
    [`LoadBalancing version '${v}'`, ({ chart, svc }) => new LoadBalancing(chart, 'lb', { service: svc, version: v, loadBalancer: LoadBalancer.random() }), { path: 'test/lb', field: 'version', value: `'${v}'`, problem: /./ }],
    [`TrafficMirror version '${v}'`, ({ chart, svc }) => new TrafficMirror(chart, 'm', { service: svc, version: v }), { path: 'test/m', field: 'version', value: `'${v}'`, problem: /./ }],
  ]),
  ...[0, 65536, 1.5, -80].map((p): Case => [`CanaryService port ${p}`, ({ chart }) => new CanaryService(chart, 'x', { port: p, stable: { image: 'a:1' } }), { path: 'test/x', field: 'port', value: String(p), problem: /port/ }]),
  ...[0, 70000].map((p): Case => [`IngressEdge httpPort ${p}`, ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], httpPort: p }), { path: 'test/edge', field: 'httpPort', value: String(p), problem: /port/ }]),
  ...[0, 70000].map((p): Case => [`IngressEdge https port ${p}`, ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], https: [{ credentialName: 'c', port: p }] }), { path: 'test/edge', field: 'https[0].port', value: String(p), problem: /port/ }]),
  ...[0, 99999].map((p): Case => [`EdgeDestination.service port ${p}`, ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], routes: [{ name: 'r', to: EdgeDestination.service('details', p) }] }), { path: 'test/edge', field: 'routes[r].to.port', value: String(p), problem: /port/ }]),
  ...[-1, 1.5, 2 ** 31].map((w): Case => [`relative weight ${w}`, ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.relative({ v1: w, v2: 1 }) }), { path: 'test/x', field: 'traffic.relative.v1', value: String(w), problem: /not a relative weight/ }]),
  ['relative weights all 0', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.relative({ v1: 0, v2: 0 }) }), { path: 'test/x', field: 'traffic.relative', problem: /no version a positive weight/ }],
  ['relative weight of an undeclared version', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.relative({ v1: 1, v3: 1 }) }), { path: 'test/x', field: 'traffic.relative', value: "'v3'", problem: /not a declared version/ }],
  ['wholeService in RoutingMode.REPLICAS', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, mode: RoutingMode.REPLICAS, traffic: TrafficSplit.wholeService() }), { path: 'test/x', field: 'traffic', problem: /RoutingMode.REPLICAS sets the replicas/ }],
  ['wholeService as a matchedSplit', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [cond], matchedSplit: TrafficSplit.wholeService() }), { path: 'test/d', field: 'matchedSplit', problem: /does not name versions/ }],
  ...[-1, 101, 12.5].map((p): Case => [`canaryPercent ${p}`, ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.canaryPercent(p) }), { path: 'test/x', field: /traffic/, value: String(p), problem: /./ }]),
  ...[-1, 101, 0.00001].map((p): Case => [`fault delayPercentage ${p}`, ({ chart, svc }) => new FaultInjection(chart, 'f', { service: svc, delay: Duration.seconds(1), delayPercentage: p, allTraffic: true }), { path: 'test/f', field: 'delayPercentage', value: String(p), problem: /fault percentage/ }]),
  ...[-5, 150].map((p): Case => [`mirror percentage ${p}`, ({ chart, svc }) => new TrafficMirror(chart, 'm', { service: svc, version: 'v3', percentage: p }), { path: 'test/m', field: 'percentage', value: String(p), problem: /percentage/ }]),
  ...[-1, 101, 50.5].map((p): Case => [`outlier maxEjectionPercent ${p}`, ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', { service: svc, outlierDetection: { maxEjectionPercent: p } }), { path: 'test/cb', field: 'outlierDetection.maxEjectionPercent', value: String(p), problem: /percentage/ }]),
  ...[-1, 2 ** 31, 1.5].map((n): Case => [`pool maxConnections ${n}`, ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', { service: svc, connectionPool: { maxConnections: n } }), { path: 'test/cb', field: 'connectionPool.maxConnections', value: String(n), problem: /whole number/ }]),
  ...[-1, 2 ** 31].map((n): Case => [`pool maxPendingRequests ${n}`, ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', { service: svc, connectionPool: { maxPendingRequests: n } }), { path: 'test/cb', field: 'connectionPool.maxPendingRequests', value: String(n), problem: /whole number/ }]),
  ...[-1, 0.5].map((n): Case => [`outlier consecutive5xxErrors ${n}`, ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', { service: svc, outlierDetection: { consecutive5xxErrors: n } }), { path: 'test/cb', field: 'outlierDetection.consecutive5xxErrors', value: String(n), problem: /whole number/ }]),
  ...['(', '(?=a)', '', 'a'.repeat(1025)].map((r): Case => [`header regex '${r.slice(0, 8)}'`, ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.header('x-a', StringMatch.regex(r))] }), { path: 'test/d', field: /when\[0\]/, problem: /regex|characters/ }]),
  ...[
    ['header exact', RequestCondition.headerExact('x-a', 'a'.repeat(61441)), /when\[0\]\.x-a\.exact/],
    ['header exact (multi-byte)', RequestCondition.headerExact('x-a', 'é'.repeat(30721)), /when\[0\]\.x-a\.exact/],
    ['uri prefix', RequestCondition.pathPrefix(`/${'a'.repeat(61440)}`), /when\[0\].*prefix/],
    ['query exact', RequestCondition.queryParam('q', StringMatch.exact('a'.repeat(61441))), /when\[0\]\.queryParam\.q\.exact/],
  ].map(([what, c, field]): Case => [`${what} value over Envoy's 60 KiB header limit`, ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [c as RequestCondition] }),
    { path: 'test/d', field: field as RegExp, problem: /bytes long, more than Envoy's limit of 61440 bytes/ }]),
  ['version affinity on a whole-service route', ({ chart }) => {
    const svc = new CanaryService(chart, 'spread', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.wholeService() });
    new VersionAffinity(chart, 'va', { service: svc, cookie: 'spread-version' });
  }, { path: 'test/va', field: 'service', value: "'spread'", problem: /whole Service/ }],
  ['default deny in the root namespace istio-system', ({ chart }) => new NamespaceDefaultDeny(chart, 'deny', { namespace: 'istio-system' }),
    { path: 'test/deny', field: 'namespace', value: "'istio-system'", problem: /root namespace.*every workload of the mesh/ }],
  ['cookie value too long for a regex', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.cookie('beta', 'a'.repeat(1100))] }),
    { path: 'test/d', field: /when\[0\]\.cookie\.beta/, problem: /characters long; Istio accepts at most 1024/ }],
  ...[199, 600, 0].map((c): Case => [`abort HTTP status ${c}`, ({ chart, svc }) => new FaultInjection(chart, 'f', { service: svc, abort: FaultAbort.httpStatus(c), allTraffic: true }), { path: 'test/f', field: /abort/, value: String(c), problem: /./ }]),
  ...[-1, 1.5].map((n): Case => [`retry attempts ${n}`, ({ chart, svc }) => new RoutePolicy(chart, 'p', { service: svc, retries: { attempts: n } }), { path: 'test/p', field: 'retries.attempts', value: String(n), problem: /whole number/ }]),
  ...['5XX', 'gateway error'].map((c): Case => [`retryOn '${c}'`, ({ chart, svc }) => new RoutePolicy(chart, 'p', { service: svc, retries: { attempts: 2, retryOn: [RetryOn.of(c)] } }), { path: 'test/p', field: 'retries.retryOn[0]', value: `'${c}'`, problem: /retry conditions/ }]),
  ...[Duration.millis(0), Duration.millis(1.5)].map((d): Case => [`timeout ${d.toMilliseconds({ integral: false })} ms`, ({ chart, svc }) => new RoutePolicy(chart, 'p', { service: svc, timeout: d }), { path: 'test/p', field: 'timeout', problem: /at least 1 ms/ }]),
  ...['shop', '*shop.example.com', 'shop..example.com', 'shop.example.123'].map((h): Case => [`edge host '${h}'`, ({ chart }) => new IngressEdge(chart, 'edge', { hosts: [h] }), { path: 'test/edge', field: 'hosts[0]', value: `'${h}'`, problem: /Gateway can serve/ }]),
];

describe('bad input fails before anything is written, naming path, field, value and fix', () => {
  describe('wrong types', () => { test.each(wrongTypes)('%s', (_n, build, expected) => expectRefused(build, expected)); });
  describe('matches that take everything or nothing', () => { test.each(matches)('%s', (_n, build, expected) => expectRefused(build, expected)); });
  describe('headers a route cannot carry', () => { test.each(reservedHeaders)('%s', (_n, build, expected) => expectRefused(build, expected)); });
  describe('settings that do nothing', () => { test.each(noOps)('%s', (_n, build, expected) => expectRefused(build, expected)); });
  describe('values Kubernetes or Istio reject', () => { test.each(rejected)('%s', (_n, build, expected) => expectRefused(build, expected)); });
  describe('places the mesh does not reach', () => { test.each(unreachable)('%s', (_n, build, expected) => expectRefused(build, expected)); });
  describe('names that collide', () => { test.each(collisions)('%s', (_n, build, expected) => expectRefused(build, expected)); });
  describe('values out of range or of the wrong syntax', () => { test.each(outOfRange)('%s', (_n, build, expected) => expectRefused(build, expected)); });

  test('the suite has at least 150 bad cases', () => {
    const all = [wrongTypes, matches, reservedHeaders, noOps, rejected, unreachable, collisions, outOfRange];
    expect(all.reduce((n, list) => n + list.length, 0)).toBeGreaterThanOrEqual(150);
  });
});

/** Valid input that looks suspicious: each must synthesize. */
const tricky: Array<[string, (ctx: Ctx) => void, (manifests: any[]) => void]> = [
  ['a header value of exactly 60 KiB (Envoy accepts a request carrying it alone)', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.headerExact('x-a', 'a'.repeat(61440))] }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].headers['x-a'].exact).toHaveLength(61440)],
  ['header named toString', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.headerExact('toString', 'x')] }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].headers).toEqual({ tostring: { exact: 'x' } })],
  ['headers named valueOf and hasOwnProperty together', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.headerExact('valueOf', 'a'), RequestCondition.headerExact('hasOwnProperty', 'b')] }),
    m => expect(Object.keys(vs(m, 'reviews').spec.http[0].match[0].headers).sort()).toEqual(['hasownproperty', 'valueof'])],
  ['query parameter named toString', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.queryParam('toString', StringMatch.exact('1'))] }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].queryParams).toEqual({ toString: { exact: '1' } })],
  ['caller label isPrototypeOf', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.callerLabels({ isPrototypeOf: 'x' })] }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].sourceLabels).toEqual({ isPrototypeOf: 'x' })],
  ['namespace label toString', ({ chart }) => new MeshNamespace(chart, 'ns', { name: 'tricky', labels: { toString: 'yes' } }),
    m => expect(m.find(o => o.kind === 'Namespace').metadata.labels.toString).toBe('yes')],
  ['namespace label valueOf', ({ chart }) => new MeshNamespace(chart, 'ns', { name: 'tricky', labels: { valueOf: 'yes' } }),
    m => expect(m.find(o => o.kind === 'Namespace').metadata.labels.valueOf).toBe('yes')],
  ['edge hosts whose slugs meet both work', ({ chart, svc }) => new IngressEdge(chart, 'edge', { hosts: ['a-b.example.com', 'a.b.example.com'], routes: [{ to: EdgeDestination.release(svc) }] }),
    m => expect(m.filter(o => o.kind === 'VirtualService' && o.spec.gateways).map(o => o.spec.hosts[0]).sort()).toEqual(['a-b.example.com', 'a.b.example.com'])],
  ['dark release on a header regex .* (header present, not every request)', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.header('x-beta', StringMatch.regex('.*'))] }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].headers['x-beta']).toEqual({ regex: '.*' })],
  ['dark release on path prefix /api', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.pathPrefix('/api')] }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].uri).toEqual({ prefix: '/api' })],
  ['dark release on uri regex /.* (a regex that needs a slash)', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.uri(StringMatch.regex('/v2/.*'))] }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].uri).toEqual({ regex: '/v2/.*' })],
  ['dark release on method GET and a header', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.method('GET'), cond] }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].method).toEqual({ exact: 'GET' })],
  ['fault on every request with allTraffic', ({ chart, svc }) => new FaultInjection(chart, 'f', { service: svc, abort: FaultAbort.httpStatus(503), abortPercentage: 1, allTraffic: true }),
    m => expect(vs(m, 'reviews').spec.http.at(-1).fault.abort).toEqual({ httpStatus: 503, percentage: { value: 1 } })],
  ['perTryTimeout shorter than timeout', ({ chart, svc }) => new RoutePolicy(chart, 'p', { service: svc, timeout: Duration.seconds(3), retries: { attempts: 2, perTryTimeout: Duration.seconds(1) } }),
    m => expect(vs(m, 'reviews').spec.http.at(-1).retries).toEqual({ attempts: 2, perTryTimeout: '1s' })],
  ['perTryTimeout without timeout', ({ chart, svc }) => new RoutePolicy(chart, 'p', { service: svc, retries: { attempts: 2, perTryTimeout: Duration.seconds(10) } }),
    m => expect(vs(m, 'reviews').spec.http.at(-1).retries.perTryTimeout).toBe('10s')],
  ['cookie max-age of exactly one second', ({ chart, svc }) => new VersionAffinity(chart, 'a', { service: svc, cookie: 'v', cookieMaxAge: Duration.seconds(1) }),
    m => expect(JSON.stringify(vs(m, 'reviews'))).toContain('Max-Age=1')],
  ['affinity header x-host (not the host header)', ({ chart, svc }) => new VersionAffinity(chart, 'a', { service: svc, header: 'x-host' }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].headers['x-host']).toEqual({ exact: 'v1' })],
  ['mirroring to a version with no traffic', ({ chart, svc }) => new TrafficMirror(chart, 'm', { service: svc, version: 'v3', percentage: 5 }),
    m => expect(vs(m, 'reviews').spec.http.at(-1).mirror).toEqual({ host: 'reviews', subset: 'v3' })],
  ['mirroring to the canary that gets 10%', ({ chart, svc }) => new TrafficMirror(chart, 'm', { service: svc, version: 'v2', percentage: 5 }),
    m => expect(vs(m, 'reviews').spec.http.at(-1).mirrorPercentage).toEqual({ value: 5 })],
  ['redirect to HTTPS with an HTTPS server for every host', ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com', 'api.example.com'], https: [{ credentialName: 'c' }], redirectToHttps: true }),
    m => expect(m.find(o => o.kind === 'Gateway').spec.servers[0].tls).toEqual({ httpsRedirect: true })],
  ['redirect to HTTPS covered by a wildcard HTTPS host', ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], https: [{ credentialName: 'c', hosts: ['shop.example.com'] }], redirectToHttps: true }),
    m => expect(m.find(o => o.kind === 'Gateway').spec.servers).toHaveLength(2)],
  ['edge to the plain Service of a split service, on purpose', ({ chart, svc }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.service(svc.name, 9080), bypassRelease: true }] }),
    m => expect(m.find(o => o.kind === 'VirtualService' && o.spec.gateways).spec.http[0].route).toEqual([{ destination: { host: 'reviews', port: { number: 9080 } }, weight: 100 }])],
  ['edge to the plain Service of an unrouted service', ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.service('details', 9080) }] }),
    m => expect(m.find(o => o.kind === 'VirtualService' && o.spec.gateways).spec.http[0].route[0].destination.host).toBe('details')],
  ['a service named kubernetes outside default', ({ chart }) => new CanaryService(chart, 'k', { name: 'kubernetes', port: 443, stable: { image: 'a:1' } }),
    m => expect(m.filter(o => o.metadata?.name === 'kubernetes' && o.kind === 'Service')).toHaveLength(1)],
  ['a mesh namespace named kube-systems (not the system one)', ({ chart }) => new MeshNamespace(chart, 'ns', { name: 'kube-systems' }),
    m => expect(m.find(o => o.kind === 'Namespace').metadata.name).toBe('kube-systems')],
  ['annotation with a DNS prefix', ({ chart }) => new MeshNamespace(chart, 'ns', { name: 'tricky', annotations: { 'example.com/owner': 'team-a' } }),
    m => expect(m.find(o => o.kind === 'Namespace').metadata.annotations).toEqual({ 'example.com/owner': 'team-a' })],
  ['a one-minute timeout written as 60 s', ({ chart, svc }) => new RoutePolicy(chart, 'p', { service: svc, timeout: Duration.seconds(60) }),
    m => expect(vs(m, 'reviews').spec.http.at(-1).timeout).toBe('1m')],
  ['the longest timeout Go accepts in hours', ({ chart, svc }) => new RoutePolicy(chart, 'p', { service: svc, timeout: Duration.hours(2_562_047) }),
    m => expect(vs(m, 'reviews').spec.http.at(-1).timeout).toBe('2562047h')],
  ['a 63-character label in an edge host', ({ chart, svc }) => new IngressEdge(chart, 'edge', { hosts: [`${'a'.repeat(63)}.example.com`], routes: [{ to: EdgeDestination.release(svc) }] }),
    m => expect(m.find(o => o.kind === 'Gateway').spec.servers[0].hosts).toEqual([`${'a'.repeat(63)}.example.com`])],
  ['a chart without a namespace whose constructs all name theirs', ({ app }) => {
    const c = new Chart(app, 'nons');
    const s2 = new CanaryService(c, 'x', { namespace: 'shop', port: 80, stable: { image: 'a:1' } });
    new IngressEdge(c, 'edge', { namespace: 'shop', hosts: ['x.example.com'], routes: [{ to: EdgeDestination.release(s2) }] });
  }, m => expect(m.filter(o => o.kind !== 'Namespace' && o.metadata.namespace === undefined)).toEqual([])],
  ['optional props given as undefined', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [cond], priority: undefined, name: undefined, matchedSplit: undefined }),
    m => expect(vs(m, 'reviews').spec.http[0].name).toBe('d')],
  ['props object of a class (valid TypeScript)', ({ chart, svc }) => {
    class Props { public readonly service = svc; public readonly version = 'v2'; public readonly when = [cond]; }
    new DarkRelease(chart, 'd', new Props());
  }, m => expect(vs(m, 'reviews').spec.http[0].route[0].destination.subset).toBe('v2')],
  ['release scope given as its string value (what jsii languages pass)', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [cond], releaseScope: anyJs(String(ReleaseScope.MESH)) }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].headers['end-user']).toEqual({ exact: 'jason' })],
  ['TLS mode MUTUAL with a credential', ({ chart }) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], https: [{ credentialName: 'c', mode: TlsMode.MUTUAL }] }),
    m => expect(m.find(o => o.kind === 'Gateway').spec.servers[1].tls).toEqual({ mode: 'MUTUAL', credentialName: 'c' })],
  ['weights given as a map with a zero', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.weights({ v1: 100, v2: 0 }) }),
    m => expect(vs(m, 'x').spec.http.at(-1).route).toEqual([{ destination: { host: 'x', subset: 'v1' }, weight: 100 }])],
  ['relative weights that do not sum to 100', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.relative({ v1: 550, v2: 500 }) }),
    m => expect(vs(m, 'x').spec.http.at(-1).route.map((r: any) => r.weight)).toEqual([550, 500])],
  ['a whole-Service route with a DarkRelease', ({ chart }) => new DarkRelease(chart, 'd', { service: new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.wholeService() }), version: 'v2', when: [cond] }),
    m => expect(vs(m, 'x').spec.http.at(-1).route).toEqual([{ destination: { host: 'x' } }])],
  ['a step plan with equal steps', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1' }, canary: { image: 'a:2' }, traffic: TrafficSplit.stepPlan({ steps: [10, 10, 50], currentStep: 1 }) }),
    m => expect(vs(m, 'x').spec.http.at(-1).route.map((r: any) => r.weight)).toEqual([90, 10])],
  ['ExistingService with a version named like a keyword', ({ chart }) => new ExistingService(chart, 'e', { name: 'legacy', port: 80, versions: [ServiceVersion.adopt('constructor'), ServiceVersion.adopt('v2')] }),
    m => expect(m.find(o => o.kind === 'DestinationRule' && o.metadata.name === 'legacy').spec.subsets.map((s: any) => s.name)).toEqual(['constructor', 'v2'])],
  ['hosts given in upper case', ({ chart, svc }) => new IngressEdge(chart, 'edge', { hosts: ['Shop.Example.com'], routes: [{ to: EdgeDestination.release(svc) }] }),
    m => expect(m.find(o => o.kind === 'Gateway').spec.servers[0].hosts).toEqual(['shop.example.com'])],
  ['a header regex of exactly 1024 characters', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.header('x-a', StringMatch.regex('a'.repeat(1024)))] }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].headers['x-a'].regex).toHaveLength(1024)],
  ['abort status 200 (the lower bound)', ({ chart, svc }) => new FaultInjection(chart, 'f', { service: svc, abort: FaultAbort.httpStatus(200), allTraffic: true }),
    m => expect(vs(m, 'reviews').spec.http.at(-1).fault.abort.httpStatus).toBe(200)],
  ['abort status 599 (the upper bound)', ({ chart, svc }) => new FaultInjection(chart, 'f', { service: svc, abort: FaultAbort.httpStatus(599), allTraffic: true }),
    m => expect(vs(m, 'reviews').spec.http.at(-1).fault.abort.httpStatus).toBe(599)],
  ['a dark release for Firefox users', ({ chart, svc }) => new DarkRelease(chart, 'd', { service: svc, version: 'v2', when: [RequestCondition.userAgent(UserAgent.FIREFOX)] }),
    m => expect(vs(m, 'reviews').spec.http[0].match[0].headers['user-agent'].regex).toContain('Firefox')],
  ['env variables named constructor, __proto__ and toString', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: 'a:1', env: JSON.parse('{"constructor":"1","__proto__":"2","toString":"3"}') } }),
    m => expect(m.find(o => o.kind === 'Deployment' && o.metadata.name === 'x-v1').spec.template.spec.containers[0].env.map((e: any) => e.name).sort()).toEqual(['__proto__', 'constructor', 'toString'])],
  ['an image pinned by registry port, tag and digest', ({ chart }) => new CanaryService(chart, 'x', { port: 80, stable: { image: `registry.example.com:5000/team/app:1.2@sha256:${'a'.repeat(64)}` } }),
    m => expect(m.find(o => o.kind === 'Deployment' && o.metadata.name === 'x-v1').spec.template.spec.containers[0].image).toMatch(/^registry\.example\.com:5000\/team\/app:1\.2@sha256:a{64}$/)],
  ['a service on port 65535', ({ chart }) => new CanaryService(chart, 'x', { port: 65535, stable: { image: 'a:1' } }),
    m => expect(m.find(o => o.kind === 'Service' && o.metadata.name === 'x').spec.ports[0].port).toBe(65535)],
  ['circuit breaker with the int32 maximum pool', ({ chart, svc }) => new CircuitBreakerPolicy(chart, 'cb', { service: svc, connectionPool: { maxConnections: 2_147_483_647 } }),
    m => expect(m.find(o => o.kind === 'DestinationRule').spec.trafficPolicy.connectionPool.tcp.maxConnections).toBe(2_147_483_647)],
];

function vs(manifests: any[], name: string): any {
  return manifests.find(o => o.kind === 'VirtualService' && o.metadata.name === name);
}

describe('valid input that looks suspicious works', () => {
  test.each(tricky)('%s', (_n, build, check) => {
    const ctx = context();
    build(ctx);
    ctx.app.synth();
    const files = fs.readdirSync(ctx.app.outdir);
    const manifests = files.flatMap(f => parseAllDocuments(fs.readFileSync(path.join(ctx.app.outdir, f), 'utf8')).map((d: any) => d.toJSON()));
    check(manifests);
  });

  test('the suite has at least 40 valid-but-tricky cases', () => {
    expect(tricky.length).toBeGreaterThanOrEqual(40);
  });
});

test('a bad prop of a construct in a second chart is reported against that chart', () => {
  expectRefused(({ app }) => new ApiObject(new Chart(app, 'other'), 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }) && new CanaryService(new Chart(app, 'b', { namespace: 'b' }), 's', anyJs({ port: -1, stable: { image: 'a:1' } })),
    { path: 'b/s', field: 'port', value: '-1', problem: /port/ });
});

