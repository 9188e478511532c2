import { Chart, Duration, Testing } from 'cdk8s';
import {
  CanaryService, CircuitBreakerPolicy, DarkRelease, FaultAbort, FaultInjection, GrpcStatus, LoadBalancer, LoadBalancing, RequestCondition,
  ReleaseScope, RetryOn, RoutePolicy, RoutingSimulator, ServiceProtocol, ServiceVersion, TrafficMirror, TrafficSplit, VersionAffinity,
} from '../src';
import '../src/testing/jest';
import { only, synthChecked, webRelease } from './util';

function setup(traffic = TrafficSplit.canaryPercent(10), protocol?: ServiceProtocol) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'default' });
  const svc = new CanaryService(chart, 'ratings', {
    port: 9080,
    protocol,
    versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `ratings:${v}` })),
    traffic,
  });
  return { chart, svc };
}
const dr = (chart: Chart) => only(synthChecked(chart), 'DestinationRule', 'ratings');
const vs = (chart: Chart) => only(synthChecked(chart), 'VirtualService', 'ratings');

describe('CircuitBreakerPolicy', () => {
  test('connection pool and outlier detection merge into the one DestinationRule; subsets keep working', () => {
    const { chart, svc } = setup();
    new CircuitBreakerPolicy(chart, 'cb', {
      service: svc,
      connectionPool: {
        maxConnections: 100,
        connectTimeout: Duration.millis(250),
        tcpKeepalive: { time: Duration.minutes(2), interval: Duration.seconds(30), probes: 3 },
        maxPendingRequests: 10,
        maxRequests: 200,
        maxRequestsPerConnection: 5,
        maxRetries: 2,
        idleTimeout: Duration.hours(1),
      },
      outlierDetection: {
        consecutive5xxErrors: 5,
        consecutiveGatewayErrors: 3,
        interval: Duration.seconds(10),
        baseEjectionTime: Duration.seconds(30),
        maxEjectionPercent: 50,
        minHealthPercent: 20,
      },
    });
    const m = synthChecked(chart);
    expect(m.filter(o => o.kind === 'DestinationRule')).toHaveLength(1);
    expect(only(m, 'DestinationRule', 'ratings').spec).toEqual({
      host: 'ratings',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
      trafficPolicy: {
        connectionPool: {
          tcp: { maxConnections: 100, connectTimeout: '250ms', tcpKeepalive: { time: '2m', interval: '30s', probes: 3 } },
          http: { http1MaxPendingRequests: 10, http2MaxRequests: 200, maxRequestsPerConnection: 5, maxRetries: 2, idleTimeout: '1h' },
        },
        outlierDetection: {
          consecutive5xxErrors: 5, consecutiveGatewayErrors: 3, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50, minHealthPercent: 20,
        },
      },
    });
    expect(chart).toSplit({ host: 'ratings' }, { v1: 90, v2: 10 });
  });

  test('a policy for one version lands on its subset', () => {
    const { chart, svc } = setup();
    new CircuitBreakerPolicy(chart, 'canary-cb', { service: svc, version: 'v2', connectionPool: { maxConnections: 1 } });
    const spec = dr(chart).spec;
    expect(spec.trafficPolicy).toBeUndefined();
    expect(spec.subsets[1]).toEqual({ name: 'v2', labels: { version: 'v2' }, trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 } } } });
  });

  test('bad input', () => {
    const cb = (props: any) => () => { const { chart, svc } = setup(); new CircuitBreakerPolicy(chart, 'cb', { service: svc, ...props }); };
    expect(cb({})).toThrow(/\[test\/cb\] connectionPool: \{\} and outlierDetection set nothing: the policy is empty/);
    expect(cb({ connectionPool: {} })).toThrow(/the policy is empty/);
    expect(cb({ connectionPool: { maxConnections: -1 } })).toThrow(/connectionPool.maxConnections: -1 is not a whole number from 0 to 2147483647/);
    expect(cb({ connectionPool: { maxPendingRequests: 1.5 } })).toThrow(/connectionPool.maxPendingRequests: 1.5 is not a whole number/);
    expect(cb({ outlierDetection: { maxEjectionPercent: 150 } })).toThrow(/outlierDetection.maxEjectionPercent: 150 is not a percentage/);
    expect(cb({ outlierDetection: { interval: Duration.millis(0) } })).toThrow(/outlierDetection.interval: '0ms' is not a whole number of milliseconds of at least 1 ms/);
    expect(cb({ connectionPool: { connectTimeout: Duration.millis(1.5) } })).toThrow(/connectionPool.connectTimeout: '1.5ms' is not a whole number of milliseconds/);
    expect(cb({ version: 'v9', connectionPool: { maxConnections: 1 } })).toThrow(/\[test\/cb\] version: 'v9' is not a version of service 'ratings'/);
    expect(() => {
      const { chart, svc } = setup();
      new CircuitBreakerPolicy(chart, 'a', { service: svc, connectionPool: { maxConnections: 1 } });
      new CircuitBreakerPolicy(chart, 'b', { service: svc, connectionPool: { maxConnections: 2 } });
    }).toThrow(/\[test\/b\] connectionPool: host 'ratings' already has a connectionPool from test\/a/);
  });
});

describe('LoadBalancing', () => {
  test.each([
    [LoadBalancer.roundRobin(), { simple: 'ROUND_ROBIN' }],
    [LoadBalancer.leastRequest(), { simple: 'LEAST_REQUEST' }],
    [LoadBalancer.random(), { simple: 'RANDOM' }],
    [LoadBalancer.passthrough(), { simple: 'PASSTHROUGH' }],
    [LoadBalancer.consistentHashByHeader('X-User'), { consistentHash: { httpHeaderName: 'x-user' } }],
    [LoadBalancer.consistentHashByCookie({ name: 'session', path: '/', ttl: Duration.hours(1) }), { consistentHash: { httpCookie: { name: 'session', path: '/', ttl: '1h' } } }],
    [LoadBalancer.consistentHashBySourceIp(), { consistentHash: { useSourceIp: true } }],
    [LoadBalancer.consistentHashByQueryParameter('user'), { consistentHash: { httpQueryParameterName: 'user' } }],
  ])('%#: renders the algorithm for one version', (lb, expected) => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new LoadBalancing(chart, 'lb', { service: svc, version: 'v1', loadBalancer: lb });
    expect(dr(chart).spec.subsets[0].trafficPolicy).toEqual({ loadBalancer: expected });
  });

  test('consistent hashing with a weighted split fails and points to VersionAffinity (istio/istio#9764)', () => {
    const { chart, svc } = setup(TrafficSplit.canaryPercent(10));
    new LoadBalancing(chart, 'sticky', { service: svc, loadBalancer: LoadBalancer.consistentHashByHeader('x-myval') });
    expect(() => Testing.synth(chart)).toThrow(
      /\[test\/sticky\] loadBalancer: consistent hashing on host 'ratings' does not keep a user on one version while its requests are split by weight \(v1 90% \/ v2 10%\).*istio\/istio#9764\). Add a VersionAffinity for the service/);
  });

  test('consistent hashing without a split is fine', () => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new LoadBalancing(chart, 'sticky', { service: svc, loadBalancer: LoadBalancer.consistentHashBySourceIp() });
    expect(dr(chart).spec.trafficPolicy.loadBalancer).toEqual({ consistentHash: { useSourceIp: true } });
  });

  test('bad input', () => {
    const lb = (l: LoadBalancer) => () => { const { chart, svc } = setup(); new LoadBalancing(chart, 'lb', { service: svc, loadBalancer: l }); };
    expect(lb(LoadBalancer.consistentHashByHeader('x user'))).toThrow(/\[test\/lb\] loadBalancer.header: 'x user' is not a valid HTTP header name/);
    expect(lb(LoadBalancer.consistentHashByCookie({ name: 'a;b' }))).toThrow(/loadBalancer.cookie.name: 'a;b' is not a valid cookie name/);
    expect(lb(LoadBalancer.consistentHashByQueryParameter(''))).toThrow(/loadBalancer.queryParameter: '' is empty/);
  });
});

describe('VersionAffinity: sticky versions with a weighted split', () => {
  test('cookie: the first response sets the version cookie; later requests stay on that version', () => {
    const { chart, svc } = setup(TrafficSplit.canaryPercent(10));
    new LoadBalancing(chart, 'hash', { service: svc, loadBalancer: LoadBalancer.consistentHashByHeader('x-myval') });
    new VersionAffinity(chart, 'sticky', { service: svc, cookie: 'ratings-version', cookieMaxAge: Duration.days(1) });
    const spec = vs(chart).spec;
    expect(spec.http.map((r: any) => r.name)).toEqual(['sticky-v1', 'sticky-v2', 'default']);
    expect(spec.http[2].route.map((r: any) => r.headers.response.add['set-cookie'])).toEqual([
      'ratings-version=v1; Path=/; Max-Age=86400', 'ratings-version=v2; Path=/; Max-Age=86400',
    ]);
    expect(chart).toSplit({ host: 'ratings', headers: { 'x-myval': 'u1' } }, { v1: 90, v2: 10 });
    expect(chart).toRoute({ host: 'ratings', headers: { 'x-myval': 'u1', 'cookie': 'ratings-version=v2' } }, { version: 'v2' });
    expect(chart).toRoute({ host: 'ratings', headers: { cookie: 'a=b; ratings-version=v1' } }, { version: 'v1' });
  });

  test('header: the response names the version; the client sends it back', () => {
    const { chart, svc } = setup(TrafficSplit.canaryPercent(10));
    const affinity = new VersionAffinity(chart, 'sticky', { service: svc, header: 'X-Ratings-Version' });
    const spec = vs(chart).spec;
    expect(affinity.carrier).toBe('x-ratings-version');
    expect(spec.http[0].match).toEqual([{ headers: { 'x-ratings-version': { exact: 'v1' } } }]);
    expect(spec.http[2].route[1].headers).toEqual({ response: { set: { 'x-ratings-version': 'v2' } } });
    expect(chart).toRoute({ host: 'ratings', headers: { 'x-ratings-version': 'v2' } }, { version: 'v2' });
  });

  test('dark releases still win over affinity', () => {
    const { chart, svc } = setup(TrafficSplit.canaryPercent(10));
    new VersionAffinity(chart, 'sticky', { service: svc, cookie: 'v' });
    new DarkRelease(chart, 'jason', { service: svc, version: 'v2', when: [RequestCondition.headerExact('end-user', 'jason')] });
    expect(vs(chart).spec.http.map((r: any) => r.name)).toEqual(['jason', 'sticky-v1', 'sticky-v2', 'default']);
    expect(chart).toRoute({ host: 'ratings', headers: { 'end-user': 'jason', 'cookie': 'v=v1' } }, { version: 'v2' });
  });

  test('a dark release with a high priority number still comes before version affinity', () => {
    const { chart, svc } = webRelease();
    new VersionAffinity(chart, 'pin', { service: svc, cookie: 'ver' });
    new DarkRelease(chart, 'late', { service: svc, version: 'v3', priority: 500, when: [RequestCondition.headerExact('end-user', 'jason')] });
    const names = only(synthChecked(chart), 'VirtualService', 'web').spec.http.map((r: any) => r.name);
    expect(names).toEqual(['late', 'pin-v1', 'pin-v2', 'default']);
    expect(chart).toRoute({ host: 'web', headers: { 'end-user': 'jason', 'cookie': 'ver=v1' } }, { version: 'v3' });
  });

  test('a conditional fault or a method-limited mirror fails: pinned users would skip them', () => {
    const { chart, svc } = webRelease();
    new VersionAffinity(chart, 'pin', { service: svc, cookie: 'ver' });
    new FaultInjection(chart, 'slow-jason', { service: svc, delay: Duration.seconds(2), when: [RequestCondition.headerExact('end-user', 'jason')] });
    new TrafficMirror(chart, 'shadow', { service: svc, version: 'v3', methods: ['GET'] });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/slow-jason\] match: rule 'slow-jason' of host 'web' would not apply to pinned users: the version affinity of test\/pin/);
  });

  test('an all-traffic fault lands on the pinned rules too', () => {
    const { chart, svc } = webRelease();
    new VersionAffinity(chart, 'pin', { service: svc, cookie: 'ver' });
    new FaultInjection(chart, 'chaos', { service: svc, abort: FaultAbort.httpStatus(503), abortPercentage: 1, allTraffic: true });
    const o = RoutingSimulator.fromChart(chart).route({ host: 'web', headers: { cookie: 'ver=v2' } });
    expect(o.ruleName).toBe('pin-v2');
    expect(o.fault).toMatchObject({ abortHttpStatus: 503, abortPercentage: 1 });
  });

  test('after a rollback, users pinned to the canary are back on the split', () => {
    const { chart, svc } = webRelease(TrafficSplit.rollback());
    new VersionAffinity(chart, 'pin', { service: svc, cookie: 'ver' });
    const vsWeb = only(synthChecked(chart), 'VirtualService', 'web');
    expect(vsWeb.spec.http.map((r: any) => r.name)).toEqual(['pin-v1', 'default']);
    expect(chart).toRoute({ host: 'web', headers: { cookie: 'ver=v2' } }, { version: 'v1' });
  });

  test('bad input', () => {
    const aff = (props: any) => () => { const { chart, svc } = setup(); new VersionAffinity(chart, 'a', { service: svc, ...props }); };
    expect(aff({})).toThrow(/\[test\/a\] cookie: undefined and header are both unset/);
    expect(aff({ cookie: 'a', header: 'b' })).toThrow(/cookie: 'a' and header are both set/);
    expect(aff({ header: 'bad header' })).toThrow(/header: 'bad header' is not a valid token/);
    expect(aff({ header: 'x', cookieMaxAge: Duration.days(1) })).toThrow(/cookieMaxAge: '1 day' only applies to a cookie/);
  });
});

describe('RoutePolicy: retries and timeouts', () => {
  test('apply to every route of the service, dark rules included', () => {
    const { chart, svc } = setup();
    new DarkRelease(chart, 'jason', { service: svc, version: 'v2', when: [RequestCondition.headerExact('end-user', 'jason')] });
    new RoutePolicy(chart, 'policy', {
      service: svc,
      timeout: Duration.seconds(10),
      retries: { attempts: 3, perTryTimeout: Duration.seconds(2), retryOn: [RetryOn.GATEWAY_ERROR, RetryOn.CONNECT_FAILURE, RetryOn.statusCode(503), RetryOn.of('reset-before-request')] },
    });
    for (const rule of vs(chart).spec.http) {
      expect(rule.timeout).toBe('10s');
      expect(rule.retries).toEqual({ attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,503,reset-before-request' });
    }
    const o = RoutingSimulator.fromChart(chart).route({ host: 'ratings', headers: { 'end-user': 'jason' } });
    expect(o.timeout).toBe('10s');
    expect(o.retries).toEqual({ attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,503,reset-before-request' });
  });

  test('attempts 0 disables retries', () => {
    const { chart, svc } = setup();
    new RoutePolicy(chart, 'policy', { service: svc, retries: { attempts: 0 } });
    expect(vs(chart).spec.http[0].retries).toEqual({ attempts: 0 });
  });

  test('bad input', () => {
    const rp = (props: any) => () => { const { chart, svc } = setup(); new RoutePolicy(chart, 'rp', { service: svc, ...props }); };
    expect(rp({})).toThrow(/\[test\/rp\] timeout: undefined and retries are both unset: the policy is empty/);
    expect(rp({ timeout: Duration.millis(0) })).toThrow(/\[test\/rp\] timeout: '0ms' is not a whole number of milliseconds of at least 1 ms/);
    expect(rp({ retries: { perTryTimeout: Duration.seconds(1) } }))
      .toThrow(/retries.attempts: undefined is unset \(or 0, which disables retries\) while perTryTimeout or retryOn is set, which Istio rejects/);
    expect(rp({ retries: { attempts: 0, retryOn: [RetryOn.FIVE_XX] } })).toThrow(/retries.attempts: 0 is unset \(or 0/);
    expect(rp({ retries: {} })).toThrow(/retries: \{\} is empty/);
    expect(rp({ retries: { attempts: -1 } })).toThrow(/retries.attempts: -1 is not a whole number of retries/);
    expect(rp({ retries: { attempts: 2, retryOn: [RetryOn.of('5XX')] } })).toThrow(/retries.retryOn\[0\]: '5XX' is not one of Envoy's retry conditions/);
    expect(rp({ retries: { attempts: 2, retryOn: [RetryOn.of('retry-all')] } })).toThrow(/'retry-all' is not one of Envoy's retry conditions/);
    expect(rp({ retries: { attempts: 2, retryOn: [RetryOn.statusCode(599)] } })).toThrow(/retries.retryOn\[0\]: '599' is not an HTTP status code Istio knows/);
    expect(() => {
      const { chart, svc } = setup();
      new RoutePolicy(chart, 'a', { service: svc, timeout: Duration.seconds(1) });
      new RoutePolicy(chart, 'b', { service: svc, timeout: Duration.seconds(2) });
    }).toThrow(/\[test\/b\] timeout: host 'ratings' already has a timeout for all its routes from test\/a \('1s'; this one: '2s'\)/);
  });
});

describe('FaultInjection', () => {
  test('only for requests matching a condition: the rule keeps the normal route', () => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new FaultInjection(chart, 'jason-delay', { service: svc, delay: Duration.seconds(7), when: [RequestCondition.headerExact('end-user', 'jason')] });
    const spec = vs(chart).spec;
    expect(spec.http[0]).toEqual({
      name: 'jason-delay',
      match: [{ headers: { 'end-user': { exact: 'jason' } } }],
      route: [{ destination: { host: 'ratings', subset: 'v1' }, weight: 100 }],
      fault: { delay: { fixedDelay: '7s', percentage: { value: 100 } } },
    });
    const sim = RoutingSimulator.fromChart(chart);
    expect(sim.route({ host: 'ratings', headers: { 'end-user': 'jason' } }).fault).toMatchObject({ delay: '7s', delayPercentage: 100 });
    expect(sim.route({ host: 'ratings', headers: { 'end-user': 'jason' } }).versionShares).toEqual({ v1: 100 });
    expect(sim.route({ host: 'ratings' }).fault).toBeUndefined();
  });

  test('all traffic, with the explicit opt-in: every rule gets the fault', () => {
    const { chart, svc } = setup(TrafficSplit.weights({ v1: 10, v2: 90 }));
    new DarkRelease(chart, 'jason', { service: svc, version: 'v2', when: [RequestCondition.headerExact('end-user', 'jason')] });
    new FaultInjection(chart, 'abort', { service: svc, abort: FaultAbort.httpStatus(500), abortPercentage: 100, allTraffic: true });
    for (const rule of vs(chart).spec.http) {
      expect(rule.fault).toEqual({ abort: { httpStatus: 500, percentage: { value: 100 } } });
    }
    const o = RoutingSimulator.fromChart(chart).route({ host: 'ratings' });
    expect(o.fault).toMatchObject({ abortHttpStatus: 500, abortPercentage: 100 });
    expect(o.versionShares).toEqual({ v1: 10, v2: 90 });
  });

  test('delay and abort together, partial percentages, gRPC status for a gRPC service', () => {
    const { chart, svc } = setup(TrafficSplit.stable(), ServiceProtocol.GRPC);
    new FaultInjection(chart, 'chaos', {
      service: svc,
      allTraffic: true,
      delay: Duration.millis(1500),
      delayPercentage: 0.5,
      abort: FaultAbort.grpcStatus(GrpcStatus.UNAVAILABLE),
      abortPercentage: 0.0001,
    });
    expect(vs(chart).spec.http[0].fault).toEqual({
      delay: { fixedDelay: '1500ms', percentage: { value: 0.5 } },
      abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 0.0001 } },
    });
  });

  test('a conditional fault that a dark release makes unreachable fails the synth', () => {
    const { chart, svc } = setup();
    new DarkRelease(chart, 'jason', { service: svc, version: 'v2', when: [RequestCondition.headerExact('end-user', 'jason')] });
    new FaultInjection(chart, 'fault', { service: svc, delay: Duration.seconds(1), when: [RequestCondition.headerExact('end-user', 'jason')] });
    expect(() => Testing.synth(chart)).toThrow(/rules 'jason' \(test\/jason\) and 'fault' \(test\/fault\) of host 'ratings' send the same requests/);
  });

  test('bad input', () => {
    const fi = (props: any, protocol?: ServiceProtocol) => () => {
      const { chart, svc } = setup(undefined, protocol);
      new FaultInjection(chart, 'f', { service: svc, allTraffic: true, ...props });
    };
    expect(fi({})).toThrow(/\[test\/f\] delay: undefined and abort are both unset: the fault does nothing/);
    expect(fi({ delay: Duration.seconds(1), allTraffic: undefined }))
      .toThrow(/\[test\/f\] allTraffic: undefined is not set, but the fault would hit every request to 'ratings'. Set allTraffic: true to confirm, or limit the fault with 'when'/);
    expect(fi({ delay: Duration.seconds(1), when: [RequestCondition.headerPresent('x')] })).toThrow(/allTraffic: true contradicts 'when'/);
    expect(fi({ delay: Duration.seconds(1), delayPercentage: 0.00001 })).toThrow(/delayPercentage: 0.00001 is not a fault percentage. Use 0, or a number from 0.0001 to 100/);
    expect(fi({ abort: FaultAbort.httpStatus(500), abortPercentage: 101 })).toThrow(/abortPercentage: 101 is not a fault percentage/);
    expect(fi({ abort: FaultAbort.httpStatus(500), abortPercentage: -1 })).toThrow(/abortPercentage: -1 is not a fault percentage/);
    expect(fi({ abort: FaultAbort.httpStatus(600) })).toThrow(/abort.httpStatus: 600 is not an HTTP status from 200 to 599/);
    expect(fi({ abort: FaultAbort.httpStatus(100) })).toThrow(/abort.httpStatus: 100 is not an HTTP status from 200 to 599/);
    expect(fi({ abort: FaultAbort.grpcStatus(GrpcStatus.UNAVAILABLE) })).toThrow(/abort: 'UNAVAILABLE' is a gRPC status, but the service does not speak gRPC/);
    expect(fi({ delay: Duration.millis(0.5) })).toThrow(/delay: '0.5ms' is not a whole number of milliseconds of at least 1 ms/);
    expect(fi({ delay: Duration.seconds(1), when: [], allTraffic: undefined })).toThrow(/when: \[\] has no condition/);
  });
});

describe('TrafficMirror', () => {
  test('copies a percentage of every request to another version', () => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new TrafficMirror(chart, 'shadow', { service: svc, version: 'v2', percentage: 25 });
    const rule = vs(chart).spec.http[0];
    expect(rule.mirror).toEqual({ host: 'ratings', subset: 'v2' });
    expect(rule.mirrorPercentage).toEqual({ value: 25 });
    const o = RoutingSimulator.fromChart(chart).route({ host: 'ratings', method: 'POST' });
    expect(o.mirrors).toEqual([{ host: 'ratings.default.svc.cluster.local', subset: 'v2', percentage: 25 }]);
    expect(o.versionShares).toEqual({ v1: 100 });
  });

  test('only chosen methods, so writes are not performed twice', () => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new TrafficMirror(chart, 'shadow-reads', { service: svc, version: 'v2', methods: ['GET', 'HEAD'] });
    const sim = RoutingSimulator.fromChart(chart);
    expect(sim.route({ host: 'ratings', method: 'GET' }).mirrors).toHaveLength(1);
    expect(sim.route({ host: 'ratings', method: 'HEAD' }).mirrors).toHaveLength(1);
    expect(sim.route({ host: 'ratings', method: 'POST' }).mirrors).toEqual([]);
    expect(sim.route({ host: 'ratings', method: 'POST' }).versionShares).toEqual({ v1: 100 });
  });

  test('bad input', () => {
    const tm = (props: any) => () => { const { chart, svc } = setup(); new TrafficMirror(chart, 'm', { service: svc, version: 'v2', ...props }); };
    expect(tm({ percentage: 150 })).toThrow(/\[test\/m\] percentage: 150 is not a percentage/);
    expect(tm({ version: 'v3' })).toThrow(/version: 'v3' is not a version of service 'ratings'/);
    expect(tm({ methods: [] })).toThrow(/methods: \[\] is empty, so nothing would be mirrored/);
    expect(tm({ methods: ['get'] })).toThrow(/methods\[0\]: 'get' is not an upper-case HTTP method/);
  });
});

describe('HTTP-only settings on a non-HTTP service', () => {
  test('a timeout or a fault on a TCP service fails instead of being dropped', () => {
    const { chart, svc } = setup(TrafficSplit.stable(), ServiceProtocol.TCP);
    expect(() => new RoutePolicy(chart, 'rp', { service: svc, timeout: Duration.seconds(1) }))
      .toThrow(/\[test\/rp\] timeout: host 'ratings' serves a non-HTTP protocol, where Istio has no timeout/);
    expect(() => new FaultInjection(chart, 'f', { service: svc, abort: FaultAbort.httpStatus(500), allTraffic: true })).toThrow(/where Istio has no fault/);
  });
});

describe('everything on one host', () => {
  test('one VirtualService and one DestinationRule, valid against the CRDs', () => {
    const { chart, svc } = setup();
    new DarkRelease(chart, 'jason', { service: svc, version: 'v2', when: [RequestCondition.headerExact('end-user', 'jason')] });
    new CircuitBreakerPolicy(chart, 'cb', { service: svc, connectionPool: { maxConnections: 10 } });
    new LoadBalancing(chart, 'lb', { service: svc, version: 'v1', loadBalancer: LoadBalancer.leastRequest() });
    new RoutePolicy(chart, 'rp', { service: svc, timeout: Duration.seconds(3) });
    new FaultInjection(chart, 'slow-testers', { service: svc, delay: Duration.seconds(2), when: [RequestCondition.headerPresent('x-test-slow')] });
    new TrafficMirror(chart, 'shadow', { service: svc, version: 'v2', percentage: 5, methods: ['GET'] });
    const m = synthChecked(chart);
    expect(m.filter(o => o.kind === 'VirtualService')).toHaveLength(1);
    expect(m.filter(o => o.kind === 'DestinationRule')).toHaveLength(1);
    expect(only(m, 'VirtualService', 'ratings').spec.http.map((r: any) => r.name)).toEqual(['jason', 'slow-testers', 'shadow', 'default']);
    expect(m).toMatchSnapshot();
  });
});

describe('LoadBalancer and VersionAffinity: details of the output and of the errors', () => {
  test('isLoadBalancer is true for a LoadBalancer only, never throwing', () => {
    expect(LoadBalancer.isLoadBalancer(LoadBalancer.random())).toBe(true);
    expect(LoadBalancer.isLoadBalancer({ [Symbol.for('cdk8s-istio-traffic.LoadBalancer')]: true })).toBe(true);
    expect(LoadBalancer.isLoadBalancer(null)).toBe(false);
    expect(LoadBalancer.isLoadBalancer(undefined)).toBe(false);
    expect(LoadBalancer.isLoadBalancer('ROUND_ROBIN')).toBe(false);
    expect(LoadBalancer.isLoadBalancer({ simple: 'ROUND_ROBIN' })).toBe(false);
  });

  test('isConsistentHash is false for the simple algorithms and true for the hashing ones', () => {
    expect([LoadBalancer.roundRobin(), LoadBalancer.leastRequest(), LoadBalancer.random(), LoadBalancer.passthrough()].map(l => l.isConsistentHash))
      .toEqual([false, false, false, false]);
    expect([
      LoadBalancer.consistentHashByHeader('x-user'), LoadBalancer.consistentHashByCookie({ name: 'session' }),
      LoadBalancer.consistentHashBySourceIp(), LoadBalancer.consistentHashByQueryParameter('user'),
    ].map(l => l.isConsistentHash)).toEqual([true, true, true, true]);
  });

  test('the simple algorithms render their Istio names', () => {
    const made: Array<[() => LoadBalancer, string]> = [
      [() => LoadBalancer.roundRobin(), 'ROUND_ROBIN'], [() => LoadBalancer.leastRequest(), 'LEAST_REQUEST'],
      [() => LoadBalancer.random(), 'RANDOM'], [() => LoadBalancer.passthrough(), 'PASSTHROUGH'],
    ];
    for (const [make, simple] of made) {
      const { chart, svc } = setup(TrafficSplit.stable());
      new LoadBalancing(chart, 'lb', { service: svc, loadBalancer: make() });
      expect(dr(chart).spec.trafficPolicy.loadBalancer).toEqual({ simple });
    }
  });

  test('a hash cookie without path or ttl renders its name only', () => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new LoadBalancing(chart, 'lb', { service: svc, loadBalancer: LoadBalancer.consistentHashByCookie({ name: 'session' }) });
    const cookie = dr(chart).spec.trafficPolicy.loadBalancer.consistentHash.httpCookie;
    expect(Object.keys(cookie)).toEqual(['name']);
    expect(cookie).toStrictEqual({ name: 'session' });
  });

  test('a hash cookie with a path and no ttl renders no ttl', () => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new LoadBalancing(chart, 'lb', { service: svc, loadBalancer: LoadBalancer.consistentHashByCookie({ name: 'session', path: '/app' }) });
    expect(dr(chart).spec.trafficPolicy.loadBalancer.consistentHash.httpCookie).toStrictEqual({ name: 'session', path: '/app' });
  });

  test('the errors name the field and say what to use instead', () => {
    const lb = (l: LoadBalancer) => () => { const { chart, svc } = setup(); new LoadBalancing(chart, 'lb', { service: svc, loadBalancer: l }); };
    expect(lb(LoadBalancer.consistentHashByHeader('x user'))).toThrow(/is not a valid HTTP header name\. Use e\.g\. 'x-user-id'$/);
    expect(lb(LoadBalancer.consistentHashByCookie({ name: 'a;b' }))).toThrow(/is not a valid cookie name\. Use e\.g\. 'session'$/);
    expect(lb(LoadBalancer.consistentHashByQueryParameter(''))).toThrow(/is empty\. Name the query parameter$/);
    expect(lb(LoadBalancer.consistentHashByCookie({ name: 'session', ttl: Duration.millis(0.5) })))
      .toThrow(/^\[test\/lb\] loadBalancer\.cookie\.ttl: '0\.5ms' /);
    expect(() => LoadBalancer.consistentHashByCookie(undefined as any)).toThrow(/Pass the HashCookieOptions, e\.g\. \{ name: 'session' \}/);
  });

  test('VersionAffinity errors name the field and say what to use instead', () => {
    const aff = (props: any) => () => { const { chart, svc } = setup(); new VersionAffinity(chart, 'a', { service: svc, ...props }); };
    expect(aff({})).toThrow(/both unset\. Name the version in exactly one of them: a cookie for browsers, a header for API clients$/);
    expect(aff({ cookie: 'bad cookie' })).toThrow(/^\[test\/a\] cookie: 'bad cookie' is not a valid token\. Use letters, digits and '-', e\.g\. 'app-version'$/);
    expect(aff({ header: 'x', cookieMaxAge: Duration.days(1) })).toThrow(/only applies to a cookie\. Remove it, or use cookie$/);
  });

  test('a cookie without a max-age is a session cookie', () => {
    const { chart, svc } = setup(TrafficSplit.canaryPercent(10));
    new VersionAffinity(chart, 'sticky', { service: svc, cookie: 'ratings-version' });
    expect(vs(chart).spec.http[2].route.map((r: any) => r.headers.response.add['set-cookie'])).toEqual([
      'ratings-version=v1; Path=/', 'ratings-version=v2; Path=/',
    ]);
  });

  test('a max-age that is not a whole number of seconds is rounded down', () => {
    const { chart, svc } = setup(TrafficSplit.canaryPercent(10));
    new VersionAffinity(chart, 'sticky', { service: svc, cookie: 'v', cookieMaxAge: Duration.millis(1500) });
    expect(vs(chart).spec.http[2].route[0].headers.response.add['set-cookie']).toBe('v=v1; Path=/; Max-Age=1');
  });

  test.each([ReleaseScope.MESH, ReleaseScope.EDGE])('fails on a whole-Service route for one audience only (release scope %s)', (releaseScope) => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'default' });
    const svc = new CanaryService(chart, 'ratings', {
      port: 9080,
      releaseScope,
      versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `ratings:${v}` })),
      traffic: TrafficSplit.wholeService(),
    });
    expect(() => new VersionAffinity(chart, 'a', { service: svc, cookie: 'v' }))
      .toThrow(/^\[test\/a\] service: 'ratings' routes to the whole Service \(TrafficSplit\.wholeService\(\)\)/);
  });
});

describe('RoutePolicy and RetryOn: details of the output and of the errors', () => {
  const rp = (props: any) => () => { const { chart, svc } = setup(); new RoutePolicy(chart, 'rp', { service: svc, ...props }); };

  test('isRetryOn is true for a RetryOn only, never throwing', () => {
    expect(RetryOn.isRetryOn(RetryOn.FIVE_XX)).toBe(true);
    expect(RetryOn.isRetryOn(RetryOn.statusCode(503))).toBe(true);
    expect(RetryOn.isRetryOn({ [Symbol.for('cdk8s-istio-traffic.RetryOn')]: true })).toBe(true);
    expect(RetryOn.isRetryOn(null)).toBe(false);
    expect(RetryOn.isRetryOn(undefined)).toBe(false);
    expect(RetryOn.isRetryOn('5xx')).toBe(false);
    expect(RetryOn.isRetryOn({ condition: '5xx' })).toBe(false);
  });

  test('RetryOn names the Envoy condition', () => {
    expect(RetryOn.statusCode(503).condition).toBe('503');
    expect(RetryOn.of('reset-before-request').condition).toBe('reset-before-request');
    expect(() => RetryOn.statusCode(503.5)).toThrow(/^\[RetryOn\.statusCode\] code: 503\.5 .*Pass an HTTP status code, e\.g\. 503$/);
  });

  test('only a timeout: no retries on the routes', () => {
    const { chart, svc } = setup();
    new RoutePolicy(chart, 'rp', { service: svc, timeout: Duration.seconds(5) });
    const rule = vs(chart).spec.http[0];
    expect(rule.timeout).toBe('5s');
    expect('retries' in rule).toBe(false);
  });

  test('only retries: no timeout on the routes, and only the retry fields given', () => {
    const { chart, svc } = setup();
    new RoutePolicy(chart, 'rp', { service: svc, retries: { attempts: 3 } });
    const rule = vs(chart).spec.http[0];
    expect('timeout' in rule).toBe(false);
    expect(rule.retries).toStrictEqual({ attempts: 3 });
  });

  test('an empty retryOn list renders no retryOn', () => {
    const { chart, svc } = setup();
    new RoutePolicy(chart, 'rp', { service: svc, retries: { attempts: 2, retryOn: [] } });
    expect(vs(chart).spec.http[0].retries).toStrictEqual({ attempts: 2 });
  });

  test('a condition listed twice is rendered once, in the order given', () => {
    const { chart, svc } = setup();
    new RoutePolicy(chart, 'rp', { service: svc, retries: { attempts: 2, retryOn: [RetryOn.RESET, RetryOn.FIVE_XX, RetryOn.RESET, RetryOn.statusCode(503)] } });
    expect(vs(chart).spec.http[0].retries.retryOn).toBe('reset,5xx,503');
  });

  test('attempts: the int32 maximum is accepted, one more is refused', () => {
    const { chart, svc } = setup();
    new RoutePolicy(chart, 'rp', { service: svc, retries: { attempts: 2_147_483_647 } });
    expect(vs(chart).spec.http[0].retries.attempts).toBe(2_147_483_647);
    expect(rp({ retries: { attempts: 2_147_483_648 } })).toThrow(/^\[test\/rp\] retries\.attempts: 2147483648 is not a whole number of retries\. Use a whole number such as 3; 0 disables retries$/);
  });

  test('a timeout from one RoutePolicy and retries from another both apply', () => {
    const { chart, svc } = setup();
    new RoutePolicy(chart, 'timeouts', { service: svc, timeout: Duration.seconds(5) });
    new RoutePolicy(chart, 'retries', { service: svc, retries: { attempts: 2 } });
    const rule = vs(chart).spec.http[0];
    expect(rule.timeout).toBe('5s');
    expect(rule.retries).toEqual({ attempts: 2 });
  });

  test('a condition with digits that is not a number is reported as an unknown condition', () => {
    expect(rp({ retries: { attempts: 2, retryOn: [RetryOn.of('x503')] } })).toThrow(/retries\.retryOn\[0\]: 'x503' is not one of Envoy's retry conditions/);
  });

  test('a perTryTimeout just shorter than the timeout is accepted', () => {
    const { chart, svc } = setup();
    new RoutePolicy(chart, 'rp', { service: svc, timeout: Duration.seconds(2), retries: { attempts: 2, perTryTimeout: Duration.millis(1999) } });
    expect(vs(chart).spec.http[0].retries).toEqual({ attempts: 2, perTryTimeout: '1999ms' });
  });

  test('the errors name the field and say what to use instead', () => {
    expect(rp({})).toThrow(/the policy is empty\. Set a timeout, retries, or both$/);
    expect(rp({ timeout: Duration.seconds(2), retries: { attempts: 3, perTryTimeout: Duration.seconds(2) } }))
      .toThrow(/^\[test\/rp\] retries\.perTryTimeout: '2 seconds' is not shorter than timeout \(2 seconds\): the request times out before a retry can start\. Make perTryTimeout shorter than timeout/);
    expect(rp({ retries: { attempts: 2, perTryTimeout: Duration.millis(0.5) } })).toThrow(/^\[test\/rp\] retries\.perTryTimeout: '0\.5ms' /);
    expect(rp({ retries: { retryOn: [RetryOn.FIVE_XX] } })).toThrow(/which Istio rejects\. Set attempts to the number of retries \(e\.g\. 3\), or remove the other retry fields$/);
    expect(rp({ retries: { retryOn: [] } })).toThrow(/^\[test\/rp\] retries: \{"retryOn":\[\]\} is empty\. Set attempts \(and optionally perTryTimeout and retryOn\), or remove retries$/);
    expect(rp({ retries: { attempts: 0, retryOn: [] } })).not.toThrow();
    expect(rp({ retries: { attempts: 2, retryOn: [RetryOn.FIVE_XX, RetryOn.of('bogus')] } }))
      .toThrow(/^\[test\/rp\] retries\.retryOn\[1\]: 'bogus' is not one of Envoy's retry conditions\. Use one of 5xx, gateway-error, .*, or a standard HTTP status code \(exact spelling, lower case, no spaces\)$/);
  });
});

describe('TrafficMirror: details of the output and of the errors', () => {
  const tm = (props: any) => () => { const { chart, svc } = setup(); new TrafficMirror(chart, 'm', { service: svc, version: 'v2', ...props }); };

  test('without a percentage every request is copied', () => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new TrafficMirror(chart, 'shadow', { service: svc, version: 'v2' });
    expect(vs(chart).spec.http[0].mirrorPercentage).toEqual({ value: 100 });
  });

  test.each([0, 100])('percentage %d is accepted and emitted as given', (percentage) => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new TrafficMirror(chart, 'shadow', { service: svc, version: 'v2', percentage });
    expect(vs(chart).spec.http[0].mirrorPercentage).toEqual({ value: percentage });
  });

  test.each([-0.5, 100.5])('percentage %d is refused', (percentage) => {
    expect(tm({ percentage })).toThrow(new RegExp(`^\\[test/m\\] percentage: ${percentage} is not a percentage\\. Use a number from 0 to 100$`));
  });

  test.each([NaN, Infinity])('percentage %d is refused as not a finite number', (percentage) => {
    expect(tm({ percentage })).toThrow(/^\[test\/m\] percentage: .* is not a finite number/);
  });

  test('with methods: a rule of its own, named by name, with the mirror and the percentage', () => {
    const { chart, svc } = setup(TrafficSplit.stable());
    new TrafficMirror(chart, 'shadow', { service: svc, version: 'v2', methods: ['GET', 'HEAD'], percentage: 20, name: 'mirror-reads' });
    const rule = vs(chart).spec.http[0];
    expect(rule.name).toBe('mirror-reads');
    expect(rule.match).toEqual([{ method: { exact: 'GET' } }, { method: { exact: 'HEAD' } }]);
    expect(rule.mirror).toEqual({ host: 'ratings', subset: 'v2' });
    expect(rule.mirrorPercentage).toEqual({ value: 20 });
    expect(rule.route).toEqual([{ destination: { host: 'ratings', subset: 'v1' }, weight: 100 }]);
  });

  test('methods must be upper-case letters only', () => {
    expect(tm({ methods: ['GET', 'gET'] })).toThrow(/^\[test\/m\] methods\[1\]: 'gET' is not an upper-case HTTP method\. Use e\.g\. 'GET'$/);
    expect(tm({ methods: ['GEt'] })).toThrow(/^\[test\/m\] methods\[0\]: 'GEt' is not an upper-case HTTP method/);
    expect(tm({ methods: [] })).toThrow(/is empty, so nothing would be mirrored\. List the methods to mirror, e\.g\. \['GET', 'HEAD'\], or omit it$/);
  });

  test('a version with all the live traffic (the others at weight 0) is refused', () => {
    const { chart, svc } = setup(TrafficSplit.weights({ v1: 100, v2: 0 }));
    expect(() => new TrafficMirror(chart, 'm', { service: svc, version: 'v1' }))
      .toThrow(/^\[test\/m\] version: 'v1' already gets all of the service's traffic, so mirroring to it doubles its load and shows nothing new\. Mirror to a version that gets no live traffic \(the new one\), or change the traffic split first$/);
  });

  test('a version that gets all the edge traffic is refused, naming the edge', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'default' });
    const svc = new CanaryService(chart, 'ratings', {
      port: 9080,
      releaseScope: ReleaseScope.MESH,
      versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `ratings:${v}` })),
      traffic: TrafficSplit.canaryPercent(10),
    });
    expect(() => new TrafficMirror(chart, 'm', { service: svc, version: 'v1' }))
      .toThrow(/^\[test\/m\] version: 'v1' already gets all of the service's traffic at the edge, so mirroring/);
  });
});
