import { Chart, Duration, Testing } from 'cdk8s';
import {
  CanaryService, CircuitBreakerPolicy, CircuitBreakerPolicyProps, DarkRelease, DarkReleaseProps, FaultAbort, FaultInjection, GrpcStatus,
  RequestCondition, ServiceProtocol, ServiceVersion, StringMatch, TrafficSplit, UserAgent,
} from '../src';

/**
 * Boundary tests for the library's checks: for each check, the value just inside is accepted (and
 * emitted as given) and the value just outside fails with the library's error (construct path,
 * field, value, problem, fix).
 */

/** A RegExp matching exactly `message`. */
function exactly(message: string): RegExp {
  return new RegExp(`^${message.replace(/[\\^$.|?*+()[\]{}]/g, m => `\\${m}`)}$`);
}

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
