// Property-based tests: random valid intents across all constructs always synthesize manifests that
// pass the CRD schemas, the cross-reference checks and the analysis, and route as declared; random
// invalid inputs always fail with a message that names the construct, the field and the fix, and
// write no manifest; the same app always gives byte-identical YAML.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import {
  Analysis, CanaryService, CircuitBreakerPolicy, DarkRelease, EdgeDestination, FaultAbort, FaultInjection, IngressEdge, LoadBalancer, LoadBalancing,
  MeshNamespace, RequestCondition, RoutePolicy, RoutingSimulator, ServiceProtocol, ServiceVersion, Severity, StringMatch, TrafficMirror, TrafficSplit,
  UserAgent,
} from '../src';
import { applyOrderProblems, crossReferenceProblems, validateIstioObjects } from './util';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);

interface ServiceIntent {
  name: string;
  versions: string[];
  seed: number[];
  protocol: ServiceProtocol;
  dark?: { kind: string; header: string; value: string };
  breaker?: { maxConnections: number; consecutive5xxErrors: number; intervalMs: number };
  timeoutMs?: number;
  retries?: number;
  faultPercent?: number;
  mirror: boolean;
  leastRequest: boolean;
}

const serviceArb = (name: string): fc.Arbitrary<ServiceIntent> => fc.record({
  name: fc.constant(name),
  versions: fc.uniqueArray(fc.constantFrom('v1', 'v2', 'v3', 'safe', 'risky', 'canary'), { minLength: 1, maxLength: 3 }),
  seed: fc.array(fc.nat(99), { minLength: 3, maxLength: 3 }),
  protocol: fc.constantFrom(ServiceProtocol.HTTP, ServiceProtocol.HTTP2, ServiceProtocol.GRPC),
  dark: fc.option(fc.record({
    kind: fc.constantFrom('exact', 'prefix', 'regex', 'present', 'cookie', 'firefox', 'path'),
    header: fc.constantFrom('end-user', 'x-beta', 'x-group'),
    value: fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/),
  }), { nil: undefined }),
  breaker: fc.option(fc.record({
    maxConnections: fc.integer({ min: 0, max: 10_000 }),
    consecutive5xxErrors: fc.integer({ min: 0, max: 20 }),
    intervalMs: fc.integer({ min: 1, max: 600_000 }),
  }), { nil: undefined }),
  timeoutMs: fc.option(fc.integer({ min: 1, max: 120_000 }), { nil: undefined }),
  retries: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
  faultPercent: fc.option(fc.oneof(fc.constant(0), fc.double({ min: 0.0001, max: 100, noNaN: true })), { nil: undefined }),
  mirror: fc.boolean(),
  leastRequest: fc.boolean(),
});

const appArb = fc.uniqueArray(fc.constantFrom('reviews', 'ratings', 'web', 'api', 'cart'), { minLength: 1, maxLength: 3 })
  .chain(names => fc.tuple(...names.map(serviceArb)))
  .chain(services => fc.record({ services: fc.constant(services), edge: fc.boolean(), namespace: fc.constantFrom('shop', 'default', 'team-a') }));

/** Integer percentages from the seed, one per version, summing to 100. */
function weights(versions: string[], seed: number[]): { [v: string]: number } {
  const raw = versions.map((_, i) => seed[i] + 1);
  const total = raw.reduce((a, b) => a + b, 0);
  const w = raw.map(x => Math.floor((x * 100) / total));
  w[0] += 100 - w.reduce((a, b) => a + b, 0);
  return Object.fromEntries(versions.map((v, i) => [v, w[i]]));
}

function build(app: App, intent: { services: ServiceIntent[]; edge: boolean; namespace: string }): Chart {
  const chart = new Chart(app, 'prop', { namespace: intent.namespace });
  new MeshNamespace(chart, intent.namespace);
  const edge = intent.edge ? new IngressEdge(chart, 'edge', { hosts: ['*.example.com'] }) : undefined;
  for (const s of intent.services) {
    const svc = new CanaryService(chart, s.name, {
      port: 8080,
      protocol: s.protocol,
      versions: s.versions.map(v => ServiceVersion.deploy(v, { image: `${s.name}:${v}` })),
      traffic: TrafficSplit.weights(weights(s.versions, s.seed)),
    });
    const dark = s.versions[s.versions.length - 1];
    if (s.dark && s.versions.length > 1) {
      const d = s.dark;
      const condition = d.kind === 'exact' ? RequestCondition.headerExact(d.header, d.value)
        : d.kind === 'prefix' ? RequestCondition.header(d.header, StringMatch.prefix(d.value))
          : d.kind === 'regex' ? RequestCondition.header(d.header, StringMatch.regex(`${d.value}.*`))
            : d.kind === 'present' ? RequestCondition.headerPresent(d.header)
              : d.kind === 'cookie' ? RequestCondition.cookie(d.header, d.value)
                : d.kind === 'firefox' ? RequestCondition.userAgent(UserAgent.FIREFOX)
                  : RequestCondition.pathPrefix(`/dark-${d.value}`);
      new DarkRelease(chart, `${s.name}-dark`, { service: svc, version: dark, when: [condition] });
    }
    if (s.breaker) {
      new CircuitBreakerPolicy(chart, `${s.name}-cb`, {
        service: svc,
        connectionPool: { maxConnections: s.breaker.maxConnections },
        outlierDetection: { consecutive5xxErrors: s.breaker.consecutive5xxErrors, interval: Duration.millis(s.breaker.intervalMs) },
      });
    }
    if (s.leastRequest) { new LoadBalancing(chart, `${s.name}-lb`, { service: svc, loadBalancer: LoadBalancer.leastRequest() }); }
    if (s.timeoutMs !== undefined || s.retries !== undefined) {
      new RoutePolicy(chart, `${s.name}-policy`, {
        service: svc,
        timeout: s.timeoutMs !== undefined ? Duration.millis(s.timeoutMs) : undefined,
        retries: s.retries !== undefined ? { attempts: s.retries } : undefined,
      });
    }
    if (s.faultPercent !== undefined) {
      new FaultInjection(chart, `${s.name}-fault`, {
        service: svc, abort: FaultAbort.httpStatus(503), abortPercentage: s.faultPercent, when: [RequestCondition.headerExact('x-fault', 'yes')],
      });
    }
    if (s.mirror && s.versions.length > 1) { new TrafficMirror(chart, `${s.name}-mirror`, { service: svc, version: dark, percentage: 10, methods: ['GET'] }); }
    edge?.addRoute({ name: s.name, when: [RequestCondition.pathPrefix(`/${s.name}`)], to: EdgeDestination.release(svc) });
  }
  return chart;
}

describe('property: random valid intents', () => {
  test('synthesize manifests that pass the CRD schemas, the cross references and the analysis, and route as declared', () => {
    fc.assert(fc.property(appArb, intent => {
      const chart = build(Testing.app(), intent);
      const manifests = Testing.synth(chart);
      expect(validateIstioObjects(manifests)).toEqual([]);
      expect(crossReferenceProblems(manifests)).toEqual([]);
      expect(applyOrderProblems(manifests)).toEqual([]);
      expect(Analysis.findings(chart).filter(f => f.severity === Severity.ERROR)).toEqual([]);
      const sim = RoutingSimulator.fromChart(chart);
      for (const s of intent.services) {
        const expected = Object.fromEntries(Object.entries(weights(s.versions, s.seed)).filter(([, w]) => w > 0));
        const o = sim.route({ host: s.name, path: '/', method: 'POST' });
        expect(Object.keys(o.versionShares).sort()).toEqual(Object.keys(expected).sort());
        for (const [v, w] of Object.entries(expected)) { expect(o.versionShares[v]).toBeCloseTo(w, 6); }
        // A request that meets the dark condition reaches the dark version, in the mesh and at the edge.
        if (s.dark && s.versions.length > 1) {
          const d = s.dark;
          const request: { headers?: { [k: string]: string }; path?: string } = d.kind === 'exact' ? { headers: { [d.header]: d.value } }
            : d.kind === 'prefix' ? { headers: { [d.header]: `${d.value}-more` } }
              : d.kind === 'regex' ? { headers: { [d.header]: `${d.value}zz` } }
                : d.kind === 'present' ? { headers: { [d.header]: '' } }
                  : d.kind === 'cookie' ? { headers: { cookie: `other=1; ${d.header}=${d.value}` } }
                    : d.kind === 'firefox' ? { headers: { 'user-agent': 'Mozilla/5.0 (X11; rv:120.0) Gecko/20100101 Firefox/120.0' } }
                      : { path: `/dark-${d.value}/x` };
          const dark = s.versions[s.versions.length - 1];
          expect(sim.route({ host: s.name, method: 'POST', ...request }).versionShares).toEqual({ [dark]: 100 });
          if (intent.edge && d.kind !== 'path') {
            expect(sim.route({ gateway: `${intent.namespace}/edge`, host: 'app.example.com', path: `/${s.name}/1`, ...request }).versionShares).toEqual({ [dark]: 100 });
          }
        }
      }
    }), { numRuns: RUNS });
  });

  test('synthesizing the same app twice gives byte-identical YAML', () => {
    fc.assert(fc.property(appArb, intent => {
      const yaml = () => { const app = Testing.app(); build(app, intent); return app.synthYaml(); };
      expect(yaml()).toBe(yaml());
    }), { numRuns: Math.ceil(RUNS / 2) });
  });
});

/** Each invalid input: what to break, and the field the message must name. */
const INVALID: [string, fc.Arbitrary<(chart: Chart) => void>, RegExp][] = [
  ['weights that do not sum to 100', fc.integer({ min: 1, max: 99 }).filter(x => x !== 50).map(x => (chart: Chart) => {
    new CanaryService(chart, 'svc', { port: 80, stable: { image: 'a' }, canary: { image: 'b' }, traffic: TrafficSplit.weights({ v1: x, v2: 50 }) });
  }), /traffic\.weights/],
  ['a version name that is not a DNS label', fc.stringMatching(/^[A-Z_.][a-zA-Z0-9_.]{0,6}$/).map(name => (chart: Chart) => {
    new CanaryService(chart, 'svc', { port: 80, versions: [ServiceVersion.deploy(name, { image: 'a' })] });
  }), /versions\[0\]\.name/],
  ['a port outside 1..65535', fc.oneof(fc.integer({ min: -100000, max: 0 }), fc.integer({ min: 65536, max: 10_000_000 })).map(port => (chart: Chart) => {
    new CanaryService(chart, 'svc', { port, stable: { image: 'a' } });
  }), /\] port: /],
  ['an invalid RE2 regex', fc.constantFrom('(?=x)', '(?!a)b', '(a)\\1', '[', '(?<=a)b', 'a{2,1}').map(re => (chart: Chart) => {
    const svc = new CanaryService(chart, 'svc', { port: 80, stable: { image: 'a' }, canary: { image: 'b' } });
    new DarkRelease(chart, 'dark', { service: svc, version: 'v2', when: [RequestCondition.header('x-a', StringMatch.regex(re))] });
  }), /when\[0\]\.x-a\.regex/],
  ['a negative pool limit', fc.integer({ min: -1_000_000, max: -1 }).map(n => (chart: Chart) => {
    const svc = new CanaryService(chart, 'svc', { port: 80, stable: { image: 'a' } });
    new CircuitBreakerPolicy(chart, 'cb', { service: svc, connectionPool: { maxPendingRequests: n } });
  }), /connectionPool\.maxPendingRequests/],
  ['a fault percentage outside 0.0001..100', fc.oneof(fc.double({ min: 100.001, max: 1e6, noNaN: true }), fc.double({ min: 1e-12, max: 0.00009, noNaN: true }), fc.double({ min: -1e6, max: -0.001, noNaN: true }))
    .map(p => (chart: Chart) => {
      const svc = new CanaryService(chart, 'svc', { port: 80, stable: { image: 'a' } });
      new FaultInjection(chart, 'f', { service: svc, abort: FaultAbort.httpStatus(500), abortPercentage: p, allTraffic: true });
    }), /abortPercentage/],
  ['an HTTP status outside 200..599', fc.oneof(fc.integer({ min: 0, max: 199 }), fc.integer({ min: 600, max: 10000 })).map(s => (chart: Chart) => {
    const svc = new CanaryService(chart, 'svc', { port: 80, stable: { image: 'a' } });
    new FaultInjection(chart, 'f', { service: svc, abort: FaultAbort.httpStatus(s), allTraffic: true });
  }), /abort\.httpStatus/],
  ['a duration under 1 ms or not whole milliseconds', fc.oneof(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 1.001, max: 1000, noNaN: true }).filter(x => !Number.isInteger(x)))
    .map(ms => (chart: Chart) => {
      const svc = new CanaryService(chart, 'svc', { port: 80, stable: { image: 'a' } });
      new RoutePolicy(chart, 'rp', { service: svc, timeout: Duration.millis(ms) });
    }), /\] timeout: /],
  ['a step index out of range', fc.integer({ min: 4, max: 1000 }).map(step => (chart: Chart) => {
    new CanaryService(chart, 'svc', { port: 80, stable: { image: 'a' }, canary: { image: 'b' }, traffic: TrafficSplit.stepPlan({ steps: [10, 25, 50, 100], currentStep: step }) });
  }), /stepPlan\.currentStep/],
  ['a rule shadowed by an earlier broader one', fc.stringMatching(/^[a-z]{1,6}$/).map(v => (chart: Chart) => {
    const svc = new CanaryService(chart, 'svc', { port: 80, versions: ['v1', 'v2', 'v3'].map(x => ServiceVersion.deploy(x, { image: x })) });
    new DarkRelease(chart, 'broad', { service: svc, version: 'v2', when: [RequestCondition.headerPresent('x-a')] });
    new DarkRelease(chart, 'narrow', { service: svc, version: 'v3', when: [RequestCondition.headerExact('x-a', v)] });
  }), /\] match: rule 'narrow'/],
];

describe('property: random invalid inputs', () => {
  test.each(INVALID)('%s fails with a clear error and emits nothing', (_name, arb, field) => {
    fc.assert(fc.property(arb, breakIt => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'prop-'));
      const app = new App({ outdir });
      let message = '';
      try {
        breakIt(new Chart(app, 'bad', { namespace: 'shop' }));
        app.synth();
      } catch (e) {
        message = (e as Error).message;
      }
      // [construct path] field: value problem. fix
      expect(message).toMatch(/\[bad\/[^\]]+\] [^:]+: .+\. \S.+/);
      expect(message).toMatch(field);
      expect(fs.readdirSync(outdir).filter(f => f.endsWith('.yaml'))).toEqual([]);
      fs.rmSync(outdir, { recursive: true, force: true });
    }), { numRuns: Math.ceil(RUNS / 4) });
  });
});

test('every example app synthesizes to byte-identical YAML twice', () => {
  const examples = path.join(__dirname, '..', 'examples');
  for (const dir of fs.readdirSync(examples).filter(d => fs.existsSync(path.join(examples, d, 'app.ts')))) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(examples, dir, 'app.ts'));
    const buildExample = Object.entries(mod).find(([k]) => k.startsWith('build'))![1] as (app: App) => Chart[];
    const yaml = () => { const app = Testing.app(); buildExample(app); return app.synthYaml(); };
    const first = yaml();
    expect(first.length).toBeGreaterThan(1000);
    expect(yaml()).toBe(first);
  }
});
