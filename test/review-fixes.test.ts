// Cases found in review: each would have routed differently than documented, or passed silently.
import { Chart, Duration, Testing } from 'cdk8s';
import {
  CanaryService, DarkRelease, EdgeDestination, FaultAbort, FaultInjection, IngressEdge, RequestCondition, RoutePolicy, RoutingSimulator,
  ServiceProtocol, ServiceVersion, StringMatch, TrafficMirror, TrafficSplit, VersionAffinity,
  GrpcStatus,
} from '../src';
import '../src/testing/jest';
import { only, synthChecked } from './util';
import { GRPC_STATUS_NAMES } from '../src/core/syntax';

function setup(traffic = TrafficSplit.canaryPercent(10), protocol?: ServiceProtocol) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
  const svc = new CanaryService(chart, 'web', {
    port: 8080,
    protocol,
    traffic,
    versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `web:${v}` })),
    canaryVersion: 'v2',
  });
  return { chart, svc };
}

describe('rule tiers', () => {
  test('a dark release with a high priority number still comes before version affinity', () => {
    const { chart, svc } = setup();
    new VersionAffinity(chart, 'pin', { service: svc, cookie: 'ver' });
    new DarkRelease(chart, 'late', { service: svc, version: 'v3', priority: 500, when: [RequestCondition.headerExact('end-user', 'jason')] });
    const names = only(synthChecked(chart), 'VirtualService', 'web').spec.http.map((r: any) => r.name);
    expect(names).toEqual(['late', 'pin-v1', 'pin-v2', 'default']);
    expect(chart).toRoute({ host: 'web', headers: { 'end-user': 'jason', 'cookie': 'ver=v1' } }, { version: 'v3' });
  });

  test('version affinity with a conditional fault or a method-limited mirror fails: pinned users would skip them', () => {
    const { chart, svc } = setup();
    new VersionAffinity(chart, 'pin', { service: svc, cookie: 'ver' });
    new FaultInjection(chart, 'slow-jason', { service: svc, delay: Duration.seconds(2), when: [RequestCondition.headerExact('end-user', 'jason')] });
    new TrafficMirror(chart, 'shadow', { service: svc, version: 'v3', methods: ['GET'] });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/slow-jason\] match: rule 'slow-jason' of host 'web' would not apply to pinned users: the version affinity of test\/pin/);
  });

  test('with version affinity, an all-traffic fault lands on the pinned rules too', () => {
    const { chart, svc } = setup();
    new VersionAffinity(chart, 'pin', { service: svc, cookie: 'ver' });
    new FaultInjection(chart, 'chaos', { service: svc, abort: FaultAbort.httpStatus(503), abortPercentage: 1, allTraffic: true });
    const o = RoutingSimulator.fromChart(chart).route({ host: 'web', headers: { cookie: 'ver=v2' } });
    expect(o.ruleName).toBe('pin-v2');
    expect(o.fault).toMatchObject({ abortHttpStatus: 503, abortPercentage: 1 });
  });
});

describe('version affinity', () => {
  test('after a rollback, users pinned to the canary are back on the split', () => {
    const { chart, svc } = setup(TrafficSplit.rollback());
    new VersionAffinity(chart, 'pin', { service: svc, cookie: 'ver' });
    const vs = only(synthChecked(chart), 'VirtualService', 'web');
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['pin-v1', 'default']);
    expect(chart).toRoute({ host: 'web', headers: { cookie: 'ver=v2' } }, { version: 'v1' });
  });
});

describe('edge traffic to a release gets the service-wide settings', () => {
  test('version affinity, timeouts, retries and an all-traffic fault apply at the edge too', () => {
    const { chart, svc } = setup();
    new VersionAffinity(chart, 'pin', { service: svc, cookie: 'ver' });
    new RoutePolicy(chart, 'policy', { service: svc, timeout: Duration.seconds(3), retries: { attempts: 2 } });
    new FaultInjection(chart, 'chaos', { service: svc, abort: FaultAbort.httpStatus(503), abortPercentage: 0.5, allTraffic: true });
    new IngressEdge(chart, 'edge', { hosts: ['*'], routes: [{ name: 'web', to: EdgeDestination.release(svc) }] });
    const vs = only(synthChecked(chart), 'VirtualService', 'edge');
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['web-pin-v1', 'web-pin-v2', 'web']);
    for (const rule of vs.spec.http) {
      expect(rule.timeout).toBe('3s');
      expect(rule.retries).toEqual({ attempts: 2 });
      expect(rule.fault).toEqual({ abort: { httpStatus: 503, percentage: { value: 0.5 } } });
    }
    expect(vs.spec.http[2].route.map((r: any) => r.headers.response.add['set-cookie'])).toEqual(['ver=v1; Path=/', 'ver=v2; Path=/']);
    expect(chart).toRoute({ gateway: 'shop/edge', host: 'x.example.com', headers: { cookie: 'ver=v2' } }, { version: 'v2' });
  });

  test('a conditional fault applies to edge traffic to the release', () => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new FaultInjection(chart, 'slow-jason', { service: svc, delay: Duration.seconds(7), when: [RequestCondition.headerExact('end-user', 'jason')] });
    new IngressEdge(chart, 'edge', { hosts: ['*'], routes: [{ name: 'web', to: EdgeDestination.release(svc) }] });
    synthChecked(chart);
    const o = RoutingSimulator.fromChart(chart).route({ gateway: 'shop/edge', host: 'a.example.com', headers: { 'end-user': 'jason' } });
    expect(o.fault).toMatchObject({ delay: '7s' });
  });
});

describe('input that used to pass silently', () => {
  test('HTTP settings on a TCP service', () => {
    const { chart, svc } = setup(TrafficSplit.stable(), ServiceProtocol.TCP);
    expect(() => new RoutePolicy(chart, 'rp', { service: svc, timeout: Duration.seconds(1) }))
      .toThrow(/\[test\/rp\] timeout: host 'web' serves a non-HTTP protocol, where Istio has no timeout/);
    expect(() => new FaultInjection(chart, 'f', { service: svc, abort: FaultAbort.httpStatus(500), allTraffic: true })).toThrow(/where Istio has no fault/);
  });

  test('two edges serving one host on the same gateway pods (IST0145)', () => {
    const { chart } = setup();
    new IngressEdge(chart, 'a', { hosts: ['*'] });
    expect(() => new IngressEdge(chart, 'b', { hosts: ['*'] }))
      .toThrow(/\[test\/b\] hosts: '\*' on port 80 is already served by IngressEdge test\/a on the same gateway pods \(IST0145/);
    expect(() => new IngressEdge(chart, 'c', { hosts: ['*'], selector: { istio: 'internal-gateway' } })).not.toThrow();
  });

  test('an adopted version whose version label another version already uses', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new CanaryService(chart, 'pc', {
      port: 80,
      versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'pc', version: 'v2' } }), ServiceVersion.deploy('v2', { image: 'pc:2' })],
    })).toThrow(/\[test\/pc\] versions\[v2\].podLabels.version: 'v2' is also the version label of version 'v1', so their subsets would select the same pods/);
  });

  test('the same version twice in a weight list', () => {
    expect(() => setup(TrafficSplit.weightList([{ version: 'v1', weight: 50 }, { version: 'v1', weight: 50 }])))
      .toThrow(/traffic.weights: 'v1' is given twice/);
  });

  test('a call path with conditions that only describe the first request', () => {
    const { chart, svc } = setup();
    const down = new CanaryService(chart, 'api', { port: 80, versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `api:${v}` })) });
    expect(() => new DarkRelease(chart, 'd', {
      service: svc, version: 'v2', callPath: [down], when: [RequestCondition.headerPresent('x-qa'), RequestCondition.pathPrefix('/beta')],
    })).toThrow(/\[test\/d\] when\[1\]: 'uri' describes the first request only/);
    expect(() => new DarkRelease(chart, 'e', {
      service: svc, version: 'v2', callPath: [down], when: [RequestCondition.callerLabels({ app: 'front' })],
    })).toThrow(/when\[0\]: 'sourceLabels' describes the first request only/);
  });

  test('an edge route on a header only, after a route on every path, is shadowed', () => {
    const { chart, svc } = setup();
    const e = new IngressEdge(chart, 'edge', { hosts: ['*'] });
    e.addRoute({ name: 'all-paths', when: [RequestCondition.pathPrefix('/')], to: EdgeDestination.version(svc, 'v1') });
    e.addRoute({ name: 'canary-header', when: [RequestCondition.headerExact('x-canary', 'yes')], to: EdgeDestination.version(svc, 'v2') });
    expect(() => Testing.synth(chart)).toThrow(/rule 'canary-header' \(test\/edge\) of VirtualService shop\/edge never applies.*the earlier rule 'all-paths'/);
  });

  test('exclusions of one header from the route and from a release rule', () => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new DarkRelease(chart, 'not-pro', { service: svc, version: 'v2', when: [RequestCondition.headerNot('x-env', StringMatch.prefix('pro'))] });
    const e = new IngressEdge(chart, 'edge', { hosts: ['*'] });
    e.addRoute({ name: 'r', when: [RequestCondition.headerNot('x-env', StringMatch.exact('prod'))], to: EdgeDestination.release(svc) });
    const vs = only(synthChecked(chart), 'VirtualService', 'edge');
    // Excluding every 'pro...' value also excludes 'prod': the broader exclusion stays.
    expect(vs.spec.http.map((r: any) => r.match)).toEqual([
      [{ withoutHeaders: { 'x-env': { prefix: 'pro' } } }],
      [{ withoutHeaders: { 'x-env': { exact: 'prod' } } }],
    ]);
    expect(chart).toRoute({ gateway: 'shop/edge', host: 'a.b', headers: { 'x-env': 'staging' } }, { version: 'v2' });
    expect(chart).toRoute({ gateway: 'shop/edge', host: 'a.b', headers: { 'x-env': 'prototype' } }, { version: 'v1' });
    const other = setup(TrafficSplit.stable());
    new DarkRelease(other.chart, 'not-prod', { service: other.svc, version: 'v2', when: [RequestCondition.headerNot('x-env', StringMatch.exact('prod'))] });
    new IngressEdge(other.chart, 'edge', { hosts: ['*'], routes: [{ name: 'r', when: [RequestCondition.headerNot('x-env', StringMatch.exact('staging'))], to: EdgeDestination.release(other.svc) }] });
    expect(() => Testing.synth(other.chart)).toThrow(/routes\[r\]: 'withoutHeaders.x-env' of the route and of the release rule 'not-prod' both exclude values of the header/);
  });
});

describe('simulator details', () => {
  const vs = (http: any[]) => RoutingSimulator.fromManifests([
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'r', namespace: 'ns' }, spec: { selector: { app: 'r' }, ports: [{ port: 9080 }] } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'r', namespace: 'ns' }, spec: { template: { metadata: { labels: { app: 'r', version: 'v1' } } } } },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'ns' }, spec: { hosts: ['r'], http } },
  ]);
  const to = { route: [{ destination: { host: 'r' } }] };

  test('ignoreUriCase applies to exact and prefix, not to regex (as in Envoy)', () => {
    const sim = vs([{ match: [{ uri: { regex: '/api/.*' }, ignoreUriCase: true }], ...to }, { match: [{ uri: { prefix: '/API' }, ignoreUriCase: true }], name: 'prefix', ...to }]);
    expect(sim.route({ host: 'r', path: '/api/x' }).ruleIndex).toBe(0);
    expect(sim.route({ host: 'r', path: '/API/x' }).ruleName).toBe('prefix');
  });

  test('the authority carries the port when the request names one', () => {
    const sim = vs([{ match: [{ authority: { exact: 'r' } }], name: 'bare', ...to }, { match: [{ authority: { exact: 'r:9080' } }], name: 'with-port', ...to }]);
    expect(sim.route({ host: 'r', port: 9080 }).ruleName).toBe('with-port');
    expect(sim.route({ host: 'r' }).ruleName).toBe('bare');
  });

  test('an HTTP server with httpsRedirect answers 301', () => {
    const { chart, svc } = setup();
    new IngressEdge(chart, 'edge', {
      hosts: ['shop.example.com'], redirectToHttps: true, https: [{ credentialName: 'cert' }], routes: [{ to: EdgeDestination.release(svc) }],
    });
    const sim = RoutingSimulator.fromChart(chart);
    expect(sim.route({ gateway: 'shop/edge', host: 'shop.example.com', port: 80 })).toMatchObject({ kind: 'redirect', status: 301, redirect: { scheme: 'https' } });
    expect(sim.route({ gateway: 'shop/edge', host: 'shop.example.com', port: 443 }).versionShares).toEqual({ v1: 90, v2: 10 });
  });
});

describe('one source for shared syntax', () => {
  test('every GrpcStatus is a status name the analysis accepts (OK is accepted but not offered)', () => {
    expect([...GRPC_STATUS_NAMES].sort()).toEqual(['OK', ...Object.values(GrpcStatus)].sort());
  });

  test('a conflict names both values', () => {
    const { chart, svc } = setup();
    new RoutePolicy(chart, 'a', { service: svc, timeout: Duration.seconds(1) });
    expect(() => new RoutePolicy(chart, 'b', { service: svc, timeout: Duration.seconds(2) }))
      .toThrow(/\[test\/b\] timeout: host 'web' already has a timeout for all its routes from test\/a \('1s'; this one: '2s'\)/);
  });
});
