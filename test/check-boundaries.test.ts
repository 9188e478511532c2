import { Chart, Duration, Testing } from 'cdk8s';
import {
  CanaryService, CircuitBreakerPolicy, CircuitBreakerPolicyProps, DarkRelease, DarkReleaseProps, FaultAbort, FaultInjection, GrpcStatus,
  RequestCondition, ServiceProtocol, ServiceVersion, StringMatch, TrafficSplit, UserAgent,
} from '../src';
import { exactly } from './util';

/**
 * Boundary tests for the library's checks: for each check, the value just inside is accepted (and
 * emitted as given) and the value just outside fails with the library's error (construct path,
 * field, value, problem, fix).
 */


function newChart(): Chart {
  return new Chart(Testing.app(), 'test', { namespace: 'shop' });
}

function service(chart: Chart, name: string, versions: string[], extra: { traffic?: TrafficSplit; protocol?: ServiceProtocol } = {}): CanaryService {
  return new CanaryService(chart, name, {
    port: 9080,
    versions: versions.map(v => ServiceVersion.deploy(v, { image: `${name}:${v}` })),
    ...extra,
  });
}

/** The one object of `kind` named `name` in the synthesized chart. */
function find(chart: Chart, kind: string, name: string): any {
  const found = Testing.synth(chart).filter(o => o.kind === kind && o.metadata?.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}

/** `{ subset: weight }` of the last (catch-all) route of a VirtualService. */
function catchAllWeights(vs: any): { [subset: string]: number } {
  const last = vs.spec.http[vs.spec.http.length - 1];
  return Object.fromEntries(last.route.map((r: any) => [r.destination.subset, r.weight]));
}

describe('TrafficSplit.stepPlan', () => {
  const reviews = (traffic: TrafficSplit) => {
    const chart = newChart();
    const svc = service(chart, 'reviews', ['v1', 'v2'], { traffic });
    return { chart, svc };
  };

  test.each([
    [[10, 10, 50], 0, 10],
    [[10, 10, 50], 1, 10],
    [[10, 10, 50], 2, 50],
    [[0, 100], 0, 0],
    [[0, 100], 1, 100],
    [[100, 100], 1, 100],
  ])('steps %j at currentStep %d give the canary %d%%', (steps, currentStep, canary) => {
    const { chart, svc } = reviews(TrafficSplit.stepPlan({ steps, currentStep }));
    expect(svc.split).toEqual([{ version: 'v1', weight: 100 - canary }, { version: 'v2', weight: canary }]);
    // The route leaves out a destination of weight 0.
    const emitted = Object.fromEntries(Object.entries({ v1: 100 - canary, v2: canary }).filter(([, w]) => w > 0));
    expect(catchAllWeights(find(chart, 'VirtualService', 'reviews'))).toEqual(emitted);
  });

  test.each([
    [-1, '-1'],
    [1.5, '1.5'],
    [3, '3'],
    [Number.NaN, 'NaN'],
    ['1', "'1'"],
  ])('currentStep %p is not a step index of [10, 10, 50]', (currentStep, shown) => {
    expect(() => reviews(TrafficSplit.stepPlan({ steps: [10, 10, 50], currentStep: currentStep as number }))).toThrow(exactly(
      `[test/reviews] traffic.stepPlan.currentStep: ${shown} is not a step index of a plan with 3 steps. Use a whole number from 0 to 2`));
  });

  test('a missing currentStep fails when the plan is made', () => {
    expect(() => TrafficSplit.stepPlan({ steps: [10, 50] } as any)).toThrow(exactly(
      '[TrafficSplit.stepPlan] options.currentStep: undefined is required. Pass a value'));
  });

  test.each([
    [[-1, 50], 0, '-1'],
    [[10, 101], 1, '101'],
    [[10, 12.5], 1, '12.5'],
  ])('steps %j: step %d (%s) is not a percentage', (steps, index, shown) => {
    expect(() => reviews(TrafficSplit.stepPlan({ steps, currentStep: 0 }))).toThrow(exactly(
      `[test/reviews] traffic.stepPlan.steps[${index}]: ${shown} is not an integer percentage. Use a whole number from 0 to 100`));
  });

  test('a plan that decreases fails, naming the index', () => {
    expect(() => reviews(TrafficSplit.stepPlan({ steps: [10, 50, 49], currentStep: 0 }))).toThrow(
      /^\[test\/reviews\] traffic\.stepPlan\.steps: \[10,50,49\] decreases at index 2 \(50 then 49\)\. A step plan only moves traffic towards the canary/);
  });

  test('an empty plan fails', () => {
    expect(() => reviews(TrafficSplit.stepPlan({ steps: [], currentStep: 0 }))).toThrow(exactly(
      '[test/reviews] traffic.stepPlan.steps: [] is empty. List the canary percentage of each step, e.g. [10, 25, 50, 100]'));
  });
});

describe('TrafficSplit on a service with one version (stable and canary are the same version)', () => {
  const single = (traffic: TrafficSplit) => {
    const chart = newChart();
    const svc = service(chart, 'reviews', ['v1'], { traffic });
    return { chart, svc };
  };

  test.each([
    ['stable()', TrafficSplit.stable()],
    ['rollback()', TrafficSplit.rollback()],
    ['promote()', TrafficSplit.promote()],
    ['canaryPercent(0)', TrafficSplit.canaryPercent(0)],
    ['canaryPercent(100)', TrafficSplit.canaryPercent(100)],
    ['stepPlan 0 then 100, at 0', TrafficSplit.stepPlan({ steps: [0, 100], currentStep: 0 })],
    ['stepPlan 0 then 100, at 1', TrafficSplit.stepPlan({ steps: [0, 100], currentStep: 1 })],
  ])('%s gives the one version 100%%', (_, traffic) => {
    const { chart, svc } = single(traffic);
    expect(svc.split).toEqual([{ version: 'v1', weight: 100 }]);
    expect(catchAllWeights(find(chart, 'VirtualService', 'reviews'))).toEqual({ v1: 100 });
  });

  test.each([1, 10, 99])('canaryPercent(%d) fails: it would split traffic with one version', pct => {
    expect(() => single(TrafficSplit.canaryPercent(pct))).toThrow(exactly(
      `[test/reviews] traffic.canaryPercent: ${pct} splits traffic, but the stable and canary version are both 'v1'. `
      + 'Declare a second version, or set canaryVersion to a different version'));
  });

  test('a step plan step that splits fails with the step as the field', () => {
    expect(() => single(TrafficSplit.stepPlan({ steps: [0, 10], currentStep: 1 }))).toThrow(exactly(
      "[test/reviews] traffic.stepPlan.steps[1]: 10 splits traffic, but the stable and canary version are both 'v1'. "
      + 'Declare a second version, or set canaryVersion to a different version'));
  });

  test.each([-1, 101, 0.5])('canaryPercent(%d) is not a percentage, also with one version', pct => {
    expect(() => single(TrafficSplit.canaryPercent(pct))).toThrow(exactly(
      `[test/reviews] traffic.canaryPercent: ${pct} is not an integer percentage. Use a whole number from 0 to 100`));
  });
});

describe('StringMatch: regex checks apply to regexes only', () => {
  const darkWhen = (condition: RequestCondition) => {
    const chart = newChart();
    const reviews = service(chart, 'reviews', ['v1', 'v2']);
    new DarkRelease(chart, 'dark', { service: reviews, version: 'v2', when: [condition] });
    return chart;
  };
  const darkMatch = (condition: RequestCondition) => find(darkWhen(condition), 'VirtualService', 'reviews').spec.http[0].match;

  test.each([
    ['header exact', RequestCondition.header('x-test', StringMatch.exact('(')), { headers: { 'x-test': { exact: '(' } } }],
    ['header prefix', RequestCondition.header('x-test', StringMatch.prefix('/a[')), { headers: { 'x-test': { prefix: '/a[' } } }],
    ['path prefix', RequestCondition.pathPrefix('/a['), { uri: { prefix: '/a[' } }],
    ['path exact', RequestCondition.uri(StringMatch.exact('/(')), { uri: { exact: '/(' } }],
    ['authority prefix', RequestCondition.authority(StringMatch.prefix('a[')), { authority: { prefix: 'a[' } }],
    ['query parameter exact', RequestCondition.queryParam('q', StringMatch.exact('(')), { queryParams: { q: { exact: '(' } } }],
    ['header not exact', RequestCondition.headerNot('x-test', StringMatch.exact('(')), { withoutHeaders: { 'x-test': { exact: '(' } } }],
  ])('%s: a literal that is not a valid regex is emitted as is', (_, condition, match) => {
    expect(darkMatch(condition)).toEqual([match]);
  });

  test.each([
    ['header', RequestCondition.header('x-test', StringMatch.regex('(')), 'when[0].x-test.regex'],
    ['uri', RequestCondition.uri(StringMatch.regex('(')), 'when[0].uri.regex'],
    ['authority', RequestCondition.authority(StringMatch.regex('(')), 'when[0].authority.regex'],
    ['query parameter', RequestCondition.queryParam('q', StringMatch.regex('(')), 'when[0].queryParam.q.regex'],
    ['user agent', RequestCondition.userAgent(UserAgent.matching('(')), 'when[0].userAgent'],
  ])('%s: the regex ( is not valid RE2', (_, condition, field) => {
    const re = new RegExp(`^\\[test/dark\\] ${field.replace(/[.[\]]/g, m => `\\${m}`)}: '\\(' is not a valid RE2 regex \\(.+\\)\\. Istio uses RE2: `);
    expect(() => darkWhen(condition)).toThrow(re);
  });

  test.each([
    ['header', RequestCondition.header('x-test', StringMatch.regex('')), 'when[0].x-test.regex'],
    ['uri', RequestCondition.uri(StringMatch.regex('')), 'when[0].uri.regex'],
    ['user agent', RequestCondition.userAgent(UserAgent.matching('')), 'when[0].userAgent'],
  ])('%s: an empty regex fails', (_, condition, field) => {
    expect(() => darkWhen(condition)).toThrow(exactly(
      `[test/dark] ${field}: '' is an empty regex. Give a regular expression, or use a presence condition`));
  });

  test('an empty prefix fails (a prefix is not checked as a regex, but it must not be empty)', () => {
    expect(() => darkWhen(RequestCondition.header('x-test', StringMatch.prefix('')))).toThrow(exactly(
      "[test/dark] when[0].x-test.prefix: '' is an empty prefix, which Envoy rejects (and would match everything). "
      + 'Use a non-empty prefix, or a presence condition for "any value"'));
  });

  test('a regex of exactly 1024 characters is accepted and emitted whole', () => {
    const regex = 'a'.repeat(1024);
    expect(darkMatch(RequestCondition.header('x-test', StringMatch.regex(regex)))).toEqual([{ headers: { 'x-test': { regex } } }]);
  });

  test.each([
    ['header', (r: string) => RequestCondition.header('x-test', StringMatch.regex(r)), 'when[0].x-test.regex'],
    ['user agent', (r: string) => RequestCondition.userAgent(UserAgent.matching(r)), 'when[0].userAgent'],
  ])('%s: a regex of 1025 characters fails', (_, condition, field) => {
    expect(() => darkWhen(condition('a'.repeat(1025)))).toThrow(exactly(
      `[test/dark] ${field}: '${'a'.repeat(40)}...' is 1025 characters long; Istio accepts at most 1024. Shorten the expression`));
  });
});

describe('DarkRelease: a raw User-Agent header condition', () => {
  const FIREFOX_REGEX = '.*Firefox.*';
  const release = (condition: RequestCondition, extra: Partial<DarkReleaseProps> = {}, withRatings = false) => {
    const chart = newChart();
    const reviews = service(chart, 'reviews', ['v1', 'v2']);
    const ratings = withRatings ? service(chart, 'ratings', ['v1', 'v2']) : undefined;
    const dark = new DarkRelease(chart, 'dark', {
      service: reviews, version: 'v2', when: [condition], ...(ratings ? { callPath: [ratings] } : {}), ...extra,
    });
    return { chart, dark };
  };
  const raw = RequestCondition.header('User-Agent', StringMatch.regex(FIREFOX_REGEX));
  const helper = RequestCondition.userAgent(UserAgent.matching(FIREFOX_REGEX));

  test.each([
    ['RequestCondition.header(User-Agent)', raw],
    ['RequestCondition.header(USER-AGENT)', RequestCondition.header('USER-AGENT', StringMatch.regex(FIREFOX_REGEX))],
    ['RequestCondition.userAgent', helper],
  ])('%s: matches user-agent (lower case); nothing to forward without a call path', (_, condition) => {
    const { chart, dark } = release(condition);
    const rule = find(chart, 'VirtualService', 'reviews').spec.http[0];
    expect(rule.match).toEqual([{ headers: { 'user-agent': { regex: FIREFOX_REGEX } } }]);
    expect(rule.headers).toBeUndefined();
    expect(dark.headersToForward).toEqual([]);
  });

  test.each([
    ['RequestCondition.header(User-Agent)', raw],
    ['RequestCondition.userAgent', helper],
  ])('%s with a call path: copied into baggage-user-agent, which downstream matches and apps forward', (_, condition) => {
    const { chart, dark } = release(condition, {}, true);
    const rule = find(chart, 'VirtualService', 'reviews').spec.http[0];
    expect(rule.match).toEqual([{ headers: { 'user-agent': { regex: FIREFOX_REGEX } } }]);
    expect(rule.headers).toEqual({ request: { set: { 'baggage-user-agent': '%REQ(user-agent)%' } } });
    expect(find(chart, 'VirtualService', 'ratings').spec.http[0].match).toEqual([{ headers: { 'baggage-user-agent': { regex: FIREFOX_REGEX } } }]);
    expect(dark.headersToForward).toEqual(['baggage-user-agent']);
    expect(dark.propagatedTo).toEqual(['ratings']);
  });

  test.each([
    ['RequestCondition.header(User-Agent)', raw],
    ['RequestCondition.userAgent', helper],
  ])('%s on a service further down (userAgentHeader): reads and forwards the carrier header', (_, condition) => {
    const { chart, dark } = release(condition, { userAgentHeader: 'baggage-user-agent' });
    expect(find(chart, 'VirtualService', 'reviews').spec.http[0].match).toEqual([{ headers: { 'baggage-user-agent': { regex: FIREFOX_REGEX } } }]);
    expect(dark.headersToForward).toEqual(['baggage-user-agent']);
  });
});

describe('DarkRelease.headersToForward', () => {
  const COOKIE_REGEX = '(.*;\\s*)?session=abc(;.*)?';
  const release = (when: RequestCondition[], withRatings = false) => {
    const chart = newChart();
    const reviews = service(chart, 'reviews', ['v1', 'v2']);
    const ratings = withRatings ? service(chart, 'ratings', ['v1', 'v2']) : undefined;
    const dark = new DarkRelease(chart, 'dark', { service: reviews, version: 'v2', when, ...(ratings ? { callPath: [ratings] } : {}) });
    return { chart, dark };
  };

  test.each([
    ['a cookie', [RequestCondition.cookie('session', 'abc')], ['cookie'], { headers: { cookie: { regex: COOKIE_REGEX } } }],
    ['headerExact(end-user)', [RequestCondition.headerExact('end-user', 'jason')], ['end-user'], { headers: { 'end-user': { exact: 'jason' } } }],
    ['headerExact(End-User), lower-cased', [RequestCondition.headerExact('End-User', 'jason')], ['end-user'], { headers: { 'end-user': { exact: 'jason' } } }],
    ['a header presence', [RequestCondition.headerPresent('x-beta')], ['x-beta'], { headers: { 'x-beta': {} } }],
    ['a path and a header', [RequestCondition.pathPrefix('/beta'), RequestCondition.headerExact('end-user', 'jason')], ['end-user'],
      { uri: { prefix: '/beta' }, headers: { 'end-user': { exact: 'jason' } } }],
    ['a path only', [RequestCondition.pathPrefix('/beta')], [], { uri: { prefix: '/beta' } }],
    ['a cookie and a header, sorted', [RequestCondition.headerExact('x-tester', '1'), RequestCondition.cookie('session', 'abc')], ['cookie', 'x-tester'],
      { headers: { 'x-tester': { exact: '1' }, 'cookie': { regex: COOKIE_REGEX } } }],
  ])('%s, no call path', (_, when, headers, match) => {
    const { chart, dark } = release(when);
    expect(find(chart, 'VirtualService', 'reviews').spec.http[0].match).toEqual([match]);
    expect(dark.headersToForward).toEqual(headers);
    expect(dark.propagatedTo).toEqual([]);
  });

  test.each([
    ['a cookie', [RequestCondition.cookie('session', 'abc')], ['cookie'], { headers: { cookie: { regex: COOKIE_REGEX } } }],
    ['headerExact(end-user)', [RequestCondition.headerExact('end-user', 'jason')], ['end-user'], { headers: { 'end-user': { exact: 'jason' } } }],
    ['a cookie and Firefox', [RequestCondition.cookie('session', 'abc'), RequestCondition.userAgent(UserAgent.FIREFOX)],
      ['baggage-user-agent', 'cookie'], { headers: { 'cookie': { regex: COOKIE_REGEX }, 'baggage-user-agent': { regex: '.*(Firefox|FxiOS)/.*' } } }],
  ])('%s, with a call path: the same match downstream', (_, when, headers, downstreamMatch) => {
    const { chart, dark } = release(when, true);
    expect(dark.headersToForward).toEqual(headers);
    expect(dark.propagatedTo).toEqual(['ratings']);
    const rule = find(chart, 'VirtualService', 'ratings').spec.http[0];
    expect(rule.name).toBe('dark');
    expect(rule.match).toEqual([downstreamMatch]);
    expect(rule.route).toEqual([{ destination: { host: 'ratings', subset: 'v2' }, weight: 100 }]);
  });

  test('a downstream service without the dark version gets nothing, the headers to forward stay', () => {
    const chart = newChart();
    const reviews = service(chart, 'reviews', ['v1', 'v2']);
    const details = service(chart, 'details', ['v1']);
    const dark = new DarkRelease(chart, 'dark', { service: reviews, version: 'v2', when: [RequestCondition.cookie('session', 'abc')], callPath: [details] });
    expect(dark.propagatedTo).toEqual([]);
    expect(dark.headersToForward).toEqual(['cookie']);
    expect(find(chart, 'VirtualService', 'details').spec.http).toHaveLength(1);
  });

  test.each([
    ['a path', RequestCondition.pathPrefix('/beta'), "'uri'"],
    ['a query parameter', RequestCondition.queryParam('beta', StringMatch.exact('1')), "'queryParam beta'"],
    ['the caller namespace', RequestCondition.callerNamespace('web'), "'sourceNamespace'"],
  ])('%s cannot be carried along a call path', (_, condition, shown) => {
    expect(() => release([RequestCondition.cookie('session', 'abc'), condition], true)).toThrow(exactly(
      `[test/dark] when[1]: ${shown} describes the first request only (the caller, path, host, port, method or query of a downstream call are different), `
      + 'so it cannot be carried along the callPath. Match on a header (or a cookie or the user agent) that every service forwards, or remove callPath'));
  });
});

describe('FaultInjection abort statuses', () => {
  const fault = (abort: FaultAbort, protocol?: ServiceProtocol) => {
    const chart = newChart();
    const reviews = service(chart, 'reviews', ['v1', 'v2'], { protocol });
    new FaultInjection(chart, 'fault', { service: reviews, abort, allTraffic: true });
    return chart;
  };

  test.each([200, 599])('HTTP status %d is accepted and emitted', status => {
    expect(find(fault(FaultAbort.httpStatus(status)), 'VirtualService', 'reviews').spec.http[0].fault)
      .toEqual({ abort: { httpStatus: status, percentage: { value: 100 } } });
  });

  test.each([199, 600, 500.5, Number.NaN])('HTTP status %d fails', status => {
    expect(() => fault(FaultAbort.httpStatus(status))).toThrow(exactly(
      `[test/fault] abort.httpStatus: ${status} is not an HTTP status from 200 to 599. Use e.g. 500 or 503`));
  });

  test.each([GrpcStatus.CANCELLED, GrpcStatus.UNAVAILABLE, GrpcStatus.UNAUTHENTICATED])('gRPC status %s on a gRPC service is emitted as grpcStatus', status => {
    expect(find(fault(FaultAbort.grpcStatus(status), ServiceProtocol.GRPC), 'VirtualService', 'reviews').spec.http[0].fault)
      .toEqual({ abort: { grpcStatus: status, percentage: { value: 100 } } });
  });

  test.each(['NOPE', 'unavailable', ''])('%p is not a gRPC status name', name => {
    expect(() => fault(FaultAbort.grpcStatus(name as GrpcStatus), ServiceProtocol.GRPC)).toThrow(exactly(
      `[test/fault] abort: '${name}' is not a gRPC status name. Use a GrpcStatus value such as GrpcStatus.UNAVAILABLE`));
  });

  test('a gRPC status on an HTTP service fails before its name is checked', () => {
    expect(() => fault(FaultAbort.grpcStatus('NOPE' as GrpcStatus))).toThrow(exactly(
      "[test/fault] abort: 'NOPE' is a gRPC status, but the service does not speak gRPC. Use FaultAbort.httpStatus(), or declare the service protocol as GRPC"));
  });
});

describe('CircuitBreakerPolicy bounds', () => {
  type Props = Omit<CircuitBreakerPolicyProps, 'service'>;
  const policy = (props: Props) => {
    const chart = newChart();
    const reviews = service(chart, 'reviews', ['v1', 'v2']);
    new CircuitBreakerPolicy(chart, 'cb', { service: reviews, ...props });
    return chart;
  };
  const trafficPolicy = (props: Props) => find(policy(props), 'DestinationRule', 'reviews').spec.trafficPolicy;

  const POOL_COUNTS: [string, (v: number) => Props, (tp: any) => unknown][] = [
    ['connectionPool.maxConnections', v => ({ connectionPool: { maxConnections: v } }), tp => tp.connectionPool.tcp.maxConnections],
    ['connectionPool.maxPendingRequests', v => ({ connectionPool: { maxPendingRequests: v } }), tp => tp.connectionPool.http.http1MaxPendingRequests],
    ['connectionPool.maxRequests', v => ({ connectionPool: { maxRequests: v } }), tp => tp.connectionPool.http.http2MaxRequests],
    ['connectionPool.maxRequestsPerConnection', v => ({ connectionPool: { maxRequestsPerConnection: v } }), tp => tp.connectionPool.http.maxRequestsPerConnection],
    ['connectionPool.maxRetries', v => ({ connectionPool: { maxRetries: v } }), tp => tp.connectionPool.http.maxRetries],
    ['connectionPool.tcpKeepalive.probes', v => ({ connectionPool: { tcpKeepalive: { probes: v } } }), tp => tp.connectionPool.tcp.tcpKeepalive.probes],
  ];
  const OUTLIER_COUNTS: [string, (v: number) => Props, (tp: any) => unknown][] = [
    ['outlierDetection.consecutive5xxErrors', v => ({ outlierDetection: { consecutive5xxErrors: v } }), tp => tp.outlierDetection.consecutive5xxErrors],
    ['outlierDetection.consecutiveGatewayErrors', v => ({ outlierDetection: { consecutiveGatewayErrors: v } }), tp => tp.outlierDetection.consecutiveGatewayErrors],
  ];
  const COUNTS = [...POOL_COUNTS, ...OUTLIER_COUNTS];

  test.each(COUNTS.flatMap(([field, props, get]) => [0, 2147483647].map(v => [field, v, props, get] as const)))(
    '%s accepts %d', (_, v, props, get) => {
      expect(get(trafficPolicy(props(v)))).toBe(v);
    });

  test.each(COUNTS.flatMap(([field, props]) => [-1, 2147483648, 1.5].map(v => [field, v, props] as const)))(
    '%s rejects %d', (field, v, props) => {
      expect(() => policy(props(v))).toThrow(exactly(
        `[test/cb] ${field}: ${v} is not a whole number from 0 to 2147483647. Use a non-negative whole number (omit the field for no limit)`));
    });

  const PERCENTS: [string, (v: number) => Props][] = [
    ['maxEjectionPercent', v => ({ outlierDetection: { maxEjectionPercent: v } })],
    ['minHealthPercent', v => ({ outlierDetection: { minHealthPercent: v } })],
  ];

  test.each(PERCENTS.flatMap(([field, props]) => [0, 100].map(v => [field, v, props] as const)))(
    'outlierDetection.%s accepts %d', (field, v, props) => {
      expect(trafficPolicy(props(v)).outlierDetection).toEqual({ [field]: v });
    });

  test.each(PERCENTS.flatMap(([field, props]) => [-1, 101, 50.5].map(v => [field, v, props] as const)))(
    'outlierDetection.%s rejects %d', (field, v, props) => {
      expect(() => policy(props(v))).toThrow(exactly(
        `[test/cb] outlierDetection.${field}: ${v} is not a percentage. Use a whole number from 0 to 100`));
    });

  const DURATIONS: [string, (d: Duration) => Props, (tp: any) => unknown][] = [
    ['connectionPool.connectTimeout', d => ({ connectionPool: { connectTimeout: d } }), tp => tp.connectionPool.tcp.connectTimeout],
    ['connectionPool.idleTimeout', d => ({ connectionPool: { idleTimeout: d } }), tp => tp.connectionPool.http.idleTimeout],
    ['connectionPool.tcpKeepalive.time', d => ({ connectionPool: { tcpKeepalive: { time: d } } }), tp => tp.connectionPool.tcp.tcpKeepalive.time],
    ['connectionPool.tcpKeepalive.interval', d => ({ connectionPool: { tcpKeepalive: { interval: d } } }), tp => tp.connectionPool.tcp.tcpKeepalive.interval],
    ['outlierDetection.interval', d => ({ outlierDetection: { interval: d } }), tp => tp.outlierDetection.interval],
    ['outlierDetection.baseEjectionTime', d => ({ outlierDetection: { baseEjectionTime: d } }), tp => tp.outlierDetection.baseEjectionTime],
  ];

  test.each(DURATIONS)('%s accepts Duration.millis(1) as 1ms', (_, props, get) => {
    expect(get(trafficPolicy(props(Duration.millis(1))))).toBe('1ms');
  });

  test.each(DURATIONS)('%s rejects Duration.millis(0.5)', (field, props) => {
    expect(() => policy(props(Duration.millis(0.5)))).toThrow(exactly(
      `[test/cb] ${field}: '0.5ms' is not a whole number of milliseconds of at least 1 ms, which Istio requires. `
      + 'Use e.g. Duration.millis(250), Duration.seconds(7) or Duration.minutes(3); omit the field to disable it'));
  });

  test.each([
    ['Duration.millis(1500)', '1500ms', Duration.millis(1500)],
    ['Duration.seconds(10)', '10s', Duration.seconds(10)],
    ['Duration.minutes(3)', '3m', Duration.minutes(3)],
    ['Duration.minutes(90)', '90m', Duration.minutes(90)],
  ])('outlierDetection.interval %s is emitted as the Go duration %s', (_, go, d) => {
    expect(trafficPolicy({ outlierDetection: { interval: d } }).outlierDetection.interval).toBe(go);
  });
});

describe('request-match survivors', () => {
  const darkWhen = (when: RequestCondition[]) => {
    const chart = newChart();
    const reviews = service(chart, 'reviews', ['v1', 'v2']);
    new DarkRelease(chart, 'dark', { service: reviews, version: 'v2', when });
    return chart;
  };
  const darkMatch = (when: RequestCondition[]) => find(darkWhen(when), 'VirtualService', 'reviews').spec.http[0].match;

  describe('the type guards', () => {
    const guards: Array<[string, (x: any) => boolean, () => unknown]> = [
      ['StringMatch.isStringMatch', x => StringMatch.isStringMatch(x), () => StringMatch.exact('a')],
      ['UserAgent.isUserAgent', x => UserAgent.isUserAgent(x), () => UserAgent.matching('.*a.*')],
      ['RequestCondition.isRequestCondition', x => RequestCondition.isRequestCondition(x), () => RequestCondition.headerPresent('x-a')],
    ];

    test.each(guards)('%s: true for an instance, false for null, undefined, primitives and plain objects', (_, guard, make) => {
      expect(guard(make())).toBe(true);
      expect([null, undefined, 'a', 42, true, {}, []].map(x => guard(x))).toEqual([false, false, false, false, false, false, false]);
    });

    test('the guards do not confuse the three kinds', () => {
      expect(StringMatch.isStringMatch(RequestCondition.headerPresent('x-a'))).toBe(false);
      expect(UserAgent.isUserAgent(StringMatch.exact('a'))).toBe(false);
      expect(RequestCondition.isRequestCondition(UserAgent.FIREFOX)).toBe(false);
    });

    test('a copy from another package version is recognised by its global symbol', () => {
      expect(StringMatch.isStringMatch({ [Symbol.for('cdk8s-istio-traffic.StringMatch')]: true })).toBe(true);
      expect(UserAgent.isUserAgent({ [Symbol.for('cdk8s-istio-traffic.UserAgent')]: true })).toBe(true);
      expect(RequestCondition.isRequestCondition({ [Symbol.for('cdk8s-istio-traffic.RequestCondition')]: true })).toBe(true);
    });
  });

  test('every kind of condition is emitted in its own section of one match block', () => {
    expect(darkMatch([
      RequestCondition.headerExact('X-A', '1'),
      RequestCondition.headerPresent('x-b'),
      RequestCondition.headerAbsent('X-C'),
      RequestCondition.headerNot('x-d', StringMatch.prefix('p')),
      RequestCondition.uri(StringMatch.regex('.*api.*')),
      RequestCondition.authority(StringMatch.exact('shop.example.com')),
      RequestCondition.method('POST'),
      RequestCondition.queryParam('q', StringMatch.regex('[0-9]+')),
      RequestCondition.queryParam('page', StringMatch.exact('2')),
      RequestCondition.callerLabels({ app: 'front', version: 'v1' }),
      RequestCondition.callerNamespace('web'),
      RequestCondition.port(8080),
    ])).toEqual([{
      headers: { 'x-a': { exact: '1' }, 'x-b': {} },
      withoutHeaders: { 'x-c': {}, 'x-d': { prefix: 'p' } },
      uri: { regex: '.*api.*' },
      authority: { exact: 'shop.example.com' },
      method: { exact: 'POST' },
      queryParams: { q: { regex: '[0-9]+' }, page: { exact: '2' } },
      sourceLabels: { app: 'front', version: 'v1' },
      sourceNamespace: 'web',
      port: 8080,
    }]);
  });

  test('the emitted caller labels are a copy of the given ones', () => {
    const labels: { [key: string]: string } = { app: 'front' };
    const chart = darkWhen([RequestCondition.callerLabels(labels)]);
    labels.app = 'changed';
    expect(find(chart, 'VirtualService', 'reviews').spec.http[0].match).toEqual([{ sourceLabels: { app: 'front' } }]);
  });

  test.each([
    ['Chrome', UserAgent.CHROME, '.*(Chrome|CriOS)/.*', '.*(Edg|EdgA|EdgiOS|OPR)/.*'],
    ['Safari', UserAgent.SAFARI, '.*Safari/.*', '.*(Chrome|Chromium|CriOS|FxiOS|Edg|EdgiOS|OPR)/.*'],
  ])('user agent %s: the look-alike browsers are excluded with withoutHeaders', (_, agent, regex, exclude) => {
    expect(darkMatch([RequestCondition.userAgent(agent)])).toEqual([{
      headers: { 'user-agent': { regex } },
      withoutHeaders: { 'user-agent': { regex: exclude } },
    }]);
  });

  test.each([
    ['Edge', UserAgent.EDGE, '.*(Edg|EdgA|EdgiOS)/.*'],
    ['mobile', UserAgent.MOBILE, '.*Mobi.*'],
    ['a custom regex', UserAgent.matching('.*Googlebot.*'), '.*Googlebot.*'],
  ])('user agent %s: one positive regex, no withoutHeaders', (_, agent, regex) => {
    expect(darkMatch([RequestCondition.userAgent(agent)])).toEqual([{ headers: { 'user-agent': { regex } } }]);
  });

  test('a fault injection reads the user agent from user-agent by default', () => {
    const chart = newChart();
    const reviews = service(chart, 'reviews', ['v1', 'v2']);
    new FaultInjection(chart, 'fault', { service: reviews, abort: FaultAbort.httpStatus(503), when: [RequestCondition.userAgent(UserAgent.MOBILE)] });
    expect(find(chart, 'VirtualService', 'reviews').spec.http[0].match).toEqual([{ headers: { 'user-agent': { regex: '.*Mobi.*' } } }]);
  });

  test('a path regex need not start with / (only exact and prefix paths must)', () => {
    expect(darkMatch([RequestCondition.uri(StringMatch.regex('(/v1)?/api/.*'))])).toEqual([{ uri: { regex: '(/v1)?/api/.*' } }]);
    expect(darkMatch([RequestCondition.uri(StringMatch.exact('/'))])).toEqual([{ uri: { exact: '/' } }]);
  });

  test.each([1, 65535])('port %d is accepted and emitted', port => {
    expect(darkMatch([RequestCondition.port(port)])).toEqual([{ port }]);
  });

  test.each([0, 65536, 80.5])('port %d fails with the whole message', port => {
    expect(() => darkWhen([RequestCondition.port(port)])).toThrow(exactly(
      `[test/dark] when[0].port: ${port} is not a port number. Use a whole number from 1 to 65535`));
  });

  describe('the 60 KiB header limit (bytes, not characters)', () => {
    const LIMIT = 60 * 1024;
    const tooLong = (field: string, value: string, bytes: number) => exactly(
      `[test/dark] ${field}: '${value.slice(0, 40)}...' is ${bytes} bytes long, more than Envoy's limit of ${LIMIT} bytes `
      + "for all of a request's headers (max_request_headers_kb, 60 KiB): a request carrying it is refused with 431, so the rule never matches. "
      + 'Match a shorter value (a prefix or a regex), or carry the information in the request body');

    test('a header value of exactly 61440 bytes is accepted and emitted whole', () => {
      const value = 'a'.repeat(LIMIT);
      expect(darkMatch([RequestCondition.headerExact('x-test', value)])).toEqual([{ headers: { 'x-test': { exact: value } } }]);
    });

    test('an exact header value of 61441 bytes fails', () => {
      const value = 'a'.repeat(LIMIT + 1);
      expect(() => darkWhen([RequestCondition.headerExact('x-test', value)])).toThrow(tooLong('when[0].x-test.exact', value, LIMIT + 1));
    });

    test('a prefix is measured too, and the field names the match kind', () => {
      const value = 'b'.repeat(LIMIT + 1);
      expect(() => darkWhen([RequestCondition.header('x-test', StringMatch.prefix(value))])).toThrow(tooLong('when[0].x-test.prefix', value, LIMIT + 1));
    });

    test('multi-byte characters count by their UTF-8 bytes', () => {
      const value = 'é'.repeat(LIMIT / 2 + 1);
      expect(value.length).toBeLessThan(LIMIT);
      expect(() => darkWhen([RequestCondition.headerExact('x-test', value)])).toThrow(tooLong('when[0].x-test.exact', value, LIMIT + 2));
    });
  });

  test('a cookie whose regex grows beyond 1024 characters fails on the regex length', () => {
    const regex = `(.*;\\s*)?c=${'a'.repeat(1010)}(;.*)?`;
    expect(() => darkWhen([RequestCondition.cookie('c', 'a'.repeat(1010))])).toThrow(exactly(
      `[test/dark] when[0].cookie.c: '${regex.slice(0, 40)}...' is ${regex.length} characters long; Istio accepts at most 1024. Shorten the expression`));
  });

  test('a cookie is emitted as a regex anchored on cookie boundaries', () => {
    expect(darkMatch([RequestCondition.cookie('beta', 'yes')])).toEqual([{ headers: { cookie: { regex: '(.*;\\s*)?beta=yes(;.*)?' } } }]);
  });

  test.each<[string, RequestCondition[], string]>([
    ['a value that is not a string', [RequestCondition.header('x-test', StringMatch.exact(42 as any))],
      '[test/dark] when[0].x-test: 42 is not a string. Give the value as a string'],
    ['a method that is not a string', [RequestCondition.method(7 as any)],
      '[test/dark] when[0].method: 7 is not a string. Give the value as a string'],
    ['an invalid cookie name', [RequestCondition.cookie('my cookie', 'x')],
      "[test/dark] when[0].cookie: 'my cookie' is not a valid cookie name (an RFC 6265 token). Use letters, digits and !#$%&'*+-.^_`|~ only, without spaces, '=' or ';'"],
    ['an invalid cookie value', [RequestCondition.cookie('c', 'a;b')],
      "[test/dark] when[0].cookie.c: 'a;b' is not a valid cookie value. Use printable ASCII without spaces, double quotes, commas, semicolons or backslashes"],
    ['a lower-case method', [RequestCondition.method('get')],
      "[test/dark] when[0].method: 'get' is not an upper-case HTTP method. Use e.g. 'GET', 'POST', 'DELETE'"],
    ['an empty query parameter name', [RequestCondition.queryParam('', StringMatch.exact('1'))],
      "[test/dark] when[0].queryParam: '' is an empty parameter name. Name the query parameter"],
    ['a query parameter prefix', [RequestCondition.queryParam('q', StringMatch.prefix('a'))],
      "[test/dark] when[0].queryParam.q: 'prefix' is not supported for query parameters by Istio. Use StringMatch.exact() or StringMatch.regex()"],
    ['a query parameter regex that is not RE2', [RequestCondition.queryParam('q', StringMatch.regex(''))],
      "[test/dark] when[0].queryParam.q.regex: '' is an empty regex. Give a regular expression, or use a presence condition"],
    ['no caller labels', [RequestCondition.callerLabels({})],
      '[test/dark] when[0].callerLabels: {} is empty. Give at least one label of the calling workload'],
    ['a caller namespace that is not a DNS label', [RequestCondition.callerNamespace('Bad_NS')],
      "[test/dark] when[0].callerNamespace: 'Bad_NS' is not a DNS-1123 label. Give the namespace name of the caller"],
    ['a path prefix without a leading /', [RequestCondition.pathPrefix('api')],
      "[test/dark] when[0].uri.prefix: 'api' does not start with '/', so no request path matches it. Start the path with '/', e.g. '/api'"],
    ['an exact path without a leading /', [RequestCondition.uri(StringMatch.exact('login'))],
      "[test/dark] when[0].uri.exact: 'login' does not start with '/', so no request path matches it. Start the path with '/', e.g. '/login'"],
    ['an empty authority prefix', [RequestCondition.authority(StringMatch.prefix(''))],
      '[test/dark] when[0].authority.prefix: \'\' is an empty prefix, which Envoy rejects (and would match everything). Use a non-empty prefix, or a presence condition for "any value"'],
    ['an invalid header name', [RequestCondition.headerPresent('end user')],
      "[test/dark] when[0].header: 'end user' is not a valid HTTP header name (an RFC 7230 token). "
      + "Use letters, digits and !#$%&'*+-.^_`|~ only, e.g. 'end-user'; for the path, host or method use the uri, authority or method conditions"],
    ['the host header (any case)', [RequestCondition.headerAbsent('HOST')],
      "[test/dark] when[0].header: 'HOST' is never seen by a route: Envoy carries the host as the :authority pseudo-header. "
      + 'Use RequestCondition.authority(StringMatch.exact(...)) for the host'],
    ['no condition', [],
      '[test/dark] when: [] has no condition, so it would match every request. '
      + 'Give at least one condition (a header, cookie, user agent, path, host, query parameter, method or caller)'],
    ['a single-value section twice', [RequestCondition.pathPrefix('/a'), RequestCondition.pathPrefix('/b')],
      "[test/dark] when[1]: 'uri' is constrained twice in one rule (the conditions of a rule are ANDed, and Istio keeps one condition per field). "
      + 'Combine them into one condition (e.g. one regex), or give them as separate rules to OR them'],
    ['one header twice, in different case', [RequestCondition.headerExact('X-A', '1'), RequestCondition.headerPresent('x-a')],
      "[test/dark] when[1]: 'headers.x-a' is constrained twice in one rule (the conditions of a rule are ANDed, and Istio keeps one condition per field). "
      + 'Combine them into one condition (e.g. one regex), or give them as separate rules to OR them'],
    ['one query parameter twice', [RequestCondition.queryParam('q', StringMatch.exact('1')), RequestCondition.queryParam('q', StringMatch.exact('2'))],
      "[test/dark] when[1]: 'queryParams.q' is constrained twice in one rule (the conditions of a rule are ANDed, and Istio keeps one condition per field). "
      + 'Combine them into one condition (e.g. one regex), or give them as separate rules to OR them'],
  ])('%s fails with the whole message', (_, when, message) => {
    expect(() => darkWhen(when)).toThrow(exactly(message));
  });

  test.each<[string, RequestCondition[], string[]]>([
    ['header names, lower-cased', [RequestCondition.headerExact('X-Beta', '1'), RequestCondition.headerAbsent('X-Old')], ['x-beta', 'x-old']],
    ['a cookie', [RequestCondition.cookie('Session', 'abc')], ['cookie']],
    ['a path, host, method, query, caller or port (nothing)', [
      RequestCondition.pathPrefix('/a'), RequestCondition.authority(StringMatch.exact('a.example.com')), RequestCondition.method('GET'),
      RequestCondition.queryParam('q', StringMatch.exact('1')), RequestCondition.callerNamespace('web'), RequestCondition.callerLabels({ app: 'a' }),
      RequestCondition.port(80),
    ], []],
    ['an absent User-Agent header (read at the first hop, not forwarded)', [RequestCondition.headerAbsent('User-Agent'), RequestCondition.headerPresent('x-a')], ['x-a']],
    ['a User-Agent header that must not match', [RequestCondition.headerNot('USER-AGENT', StringMatch.regex('.*bot.*')), RequestCondition.headerPresent('x-a')], ['x-a']],
  ])('headersToForward for %s', (_, when, headers) => {
    const chart = newChart();
    const reviews = service(chart, 'reviews', ['v1', 'v2']);
    expect(new DarkRelease(chart, 'dark', { service: reviews, version: 'v2', when }).headersToForward).toEqual(headers);
  });

  test('a header present and the same header absent go to different sections (no conflict)', () => {
    expect(darkMatch([RequestCondition.headerPresent('x-a'), RequestCondition.headerNot('x-a', StringMatch.exact('0'))]))
      .toEqual([{ headers: { 'x-a': {} }, withoutHeaders: { 'x-a': { exact: '0' } } }]);
  });
});
