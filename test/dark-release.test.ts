import { Chart, Testing } from 'cdk8s';
import {
  CanaryService, DarkRelease, DarkReleaseProps, EdgeDestination, ExistingService, IngressEdge, ReleaseScope, RequestCondition, RoutingMode,
  RoutingSimulator, ServiceVersion, StringMatch, TrafficSplit, UserAgent,
} from '../src';
import '../src/testing/jest';
import { only, synthChecked } from './util';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15';
const IPHONE_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

function setup(traffic = TrafficSplit.stable()) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
  const reviews = new CanaryService(chart, 'reviews', {
    port: 9080,
    versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })),
    traffic,
  });
  return { chart, reviews };
}

function dark(extra: Partial<DarkReleaseProps>, id = 'dark') {
  const { chart, reviews } = setup();
  new DarkRelease(chart, id, { service: reviews, version: 'v2', ...extra } as DarkReleaseProps);
  return chart;
}

describe('DarkRelease with a CanaryService on the same host', () => {
  test('one VirtualService: the dark rule first, then the weighted route', () => {
    const { chart, reviews } = setup(TrafficSplit.weights({ v1: 90, v3: 10 }));
    const release = new DarkRelease(chart, 'jason', { service: reviews, version: 'v2', when: [RequestCondition.headerExact('end-user', 'jason')] });
    const m = synthChecked(chart);
    expect(m.filter(o => o.kind === 'VirtualService')).toHaveLength(1);
    expect(m.filter(o => o.kind === 'DestinationRule')).toHaveLength(1);
    const vs = only(m, 'VirtualService', 'reviews');
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['jason', 'default']);
    expect(vs.spec.http[0]).toEqual({
      name: 'jason',
      match: [{ headers: { 'end-user': { exact: 'jason' } } }],
      route: [{ destination: { host: 'reviews', subset: 'v2' }, weight: 100 }],
    });
    expect(release.headersToForward).toEqual(['end-user']);
    expect(chart).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v2', rule: 'jason' });
    expect(chart).toSplit({ host: 'reviews', headers: { 'end-user': 'alice' } }, { v1: 90, v3: 10 });
    expect(chart).toSplit({ host: 'reviews' }, { v1: 90, v3: 10 });
    expect(m).toMatchSnapshot();
  });

  test('matched requests can be split between the dark and the stable version', () => {
    const chart = dark({ when: [RequestCondition.headerPresent('x-beta')], matchedSplit: TrafficSplit.canaryPercent(25) });
    expect(chart).toSplit({ host: 'reviews', headers: { 'x-beta': '1' } }, { v1: 75, v2: 25 });
    expect(chart).toSplit({ host: 'reviews' }, { v1: 100 });
  });

  test('conditions in one rule are ANDed; several rules are ORed', () => {
    const chart = dark({
      rules: [
        { conditions: [RequestCondition.headerExact('end-user', 'jason'), RequestCondition.pathPrefix('/reviews')] },
        { conditions: [RequestCondition.cookie('beta', 'yes')] },
      ],
    });
    const vs = only(synthChecked(chart), 'VirtualService', 'reviews');
    expect(vs.spec.http[0].match).toEqual([
      { headers: { 'end-user': { exact: 'jason' } }, uri: { prefix: '/reviews' } },
      { headers: { cookie: { regex: '(.*;\\s*)?beta=yes(;.*)?' } } },
    ]);
    expect(chart).toRoute({ host: 'reviews', path: '/reviews/1', headers: { 'end-user': 'jason' } }, { version: 'v2' });
    expect(chart).toRoute({ host: 'reviews', path: '/other', headers: { 'end-user': 'jason' } }, { version: 'v1' });
    expect(chart).toRoute({ host: 'reviews', path: '/other', headers: { cookie: 'session=1; beta=yes' } }, { version: 'v2' });
  });
});

describe('conditions', () => {
  const routes = (conditions: RequestCondition[], request: any) => {
    const sim = RoutingSimulator.fromChart(dark({ when: conditions }));
    return sim.route({ host: 'reviews', ...request }).versionShares;
  };

  test('header exact, prefix, regex (RE2, whole value), presence and absence', () => {
    expect(routes([RequestCondition.header('x-group', StringMatch.prefix('qa-'))], { headers: { 'x-group': 'qa-berlin' } })).toEqual({ v2: 100 });
    expect(routes([RequestCondition.header('x-group', StringMatch.prefix('qa-'))], { headers: { 'x-group': 'dev' } })).toEqual({ v1: 100 });
    expect(routes([RequestCondition.header('x-id', StringMatch.regex('[0-9]+'))], { headers: { 'x-id': '42' } })).toEqual({ v2: 100 });
    expect(routes([RequestCondition.header('x-id', StringMatch.regex('[0-9]+'))], { headers: { 'x-id': 'a42' } })).toEqual({ v1: 100 });
    expect(routes([RequestCondition.headerPresent('x-debug')], { headers: { 'x-debug': '' } })).toEqual({ v2: 100 });
    expect(routes([RequestCondition.headerAbsent('x-legacy')], {})).toEqual({ v2: 100 });
    expect(routes([RequestCondition.headerAbsent('x-legacy')], { headers: { 'x-legacy': '1' } })).toEqual({ v1: 100 });
    expect(routes([RequestCondition.headerNot('x-env', StringMatch.exact('prod'))], { headers: { 'x-env': 'staging' } })).toEqual({ v2: 100 });
  });

  test('upper-case header names are emitted in lower case, as Envoy matches them', () => {
    const vs = only(synthChecked(dark({ when: [RequestCondition.headerExact('End-User', 'jason')] })), 'VirtualService', 'reviews');
    expect(vs.spec.http[0].match[0].headers).toEqual({ 'end-user': { exact: 'jason' } });
  });

  test('a cookie matches exactly that cookie', () => {
    const c = [RequestCondition.cookie('user', 'jason')];
    expect(routes(c, { headers: { cookie: 'user=jason' } })).toEqual({ v2: 100 });
    expect(routes(c, { headers: { cookie: 'theme=dark; user=jason; lang=en' } })).toEqual({ v2: 100 });
    expect(routes(c, { headers: { cookie: 'xuser=jason' } })).toEqual({ v1: 100 });
    expect(routes(c, { headers: { cookie: 'user=jasonx' } })).toEqual({ v1: 100 });
    expect(routes(c, {})).toEqual({ v1: 100 });
    // Regex metacharacters in the value are literal.
    expect(routes([RequestCondition.cookie('v', 'a.b')], { headers: { cookie: 'v=axb' } })).toEqual({ v1: 100 });
  });

  test('user agent helpers', () => {
    const ua = (agent: UserAgent, value: string) => routes([RequestCondition.userAgent(agent)], { headers: { 'User-Agent': value } }).v2 === 100;
    expect([FIREFOX, CHROME, SAFARI, IPHONE_SAFARI].map(v => ua(UserAgent.FIREFOX, v))).toEqual([true, false, false, false]);
    expect([FIREFOX, CHROME, SAFARI, IPHONE_SAFARI].map(v => ua(UserAgent.SAFARI, v))).toEqual([false, false, true, true]);
    expect([FIREFOX, CHROME, SAFARI, IPHONE_SAFARI].map(v => ua(UserAgent.CHROME, v))).toEqual([false, true, false, false]);
    expect([FIREFOX, CHROME, SAFARI, IPHONE_SAFARI].map(v => ua(UserAgent.MOBILE, v))).toEqual([false, false, false, true]);
    expect(ua(UserAgent.matching('curl/.*'), 'curl/8.4.0')).toBe(true);
  });

  test('uri, authority, query parameters, method, caller labels and namespace', () => {
    expect(routes([RequestCondition.uri(StringMatch.exact('/canary'))], { path: '/canary' })).toEqual({ v2: 100 });
    expect(routes([RequestCondition.uri(StringMatch.regex('/v[0-9]+/.*'))], { path: '/v2/x' })).toEqual({ v2: 100 });
    expect(routes([RequestCondition.authority(StringMatch.prefix('experimental.'))], { authority: 'experimental.fleetman.com' })).toEqual({ v2: 100 });
    expect(routes([RequestCondition.queryParam('beta', StringMatch.exact('1'))], { path: '/?beta=1' })).toEqual({ v2: 100 });
    expect(routes([RequestCondition.method('POST')], { method: 'POST' })).toEqual({ v2: 100 });
    expect(routes([RequestCondition.method('POST')], { method: 'GET' })).toEqual({ v1: 100 });
    expect(routes([RequestCondition.callerLabels({ app: 'productpage', version: 'v2' })], { sourceLabels: { app: 'productpage', version: 'v2' } })).toEqual({ v2: 100 });
    expect(routes([RequestCondition.callerLabels({ app: 'productpage' })], { sourceLabels: { app: 'ratings' } })).toEqual({ v1: 100 });
    expect(routes([RequestCondition.callerNamespace('qa')], { sourceNamespace: 'qa', host: 'reviews.shop' })).toEqual({ v2: 100 });
    expect(routes([RequestCondition.port(9080)], {})).toEqual({ v2: 100 });
  });
});

describe('several dark releases on one host', () => {
  test('ordered by priority, then by declaration', () => {
    const { chart, reviews } = setup();
    new DarkRelease(chart, 'testers', { service: reviews, version: 'v3', when: [RequestCondition.headerPresent('x-tester')] });
    new DarkRelease(chart, 'jason', { service: reviews, version: 'v2', when: [RequestCondition.headerExact('end-user', 'jason')] });
    new DarkRelease(chart, 'first', { service: reviews, version: 'v2', when: [RequestCondition.cookie('beta', '1')], priority: -1 });
    const vs = only(synthChecked(chart), 'VirtualService', 'reviews');
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['first', 'testers', 'jason', 'default']);
  });

  test('the same match to different versions is a synth-time error', () => {
    const { chart, reviews } = setup();
    new DarkRelease(chart, 'a', { service: reviews, version: 'v2', when: [RequestCondition.headerExact('end-user', 'jason')] });
    new DarkRelease(chart, 'b', { service: reviews, version: 'v3', when: [RequestCondition.headerExact('End-User', 'jason')] });
    expect(() => Testing.synth(chart)).toThrow(
      /\[test\/b\] match: rules 'a' \(test\/a\) and 'b' \(test\/b\) of host 'reviews' send the same requests \{"headers":\{"end-user":\{"exact":"jason"\}\}\} to different destinations \(v2 100% vs v3 100%\)/);
  });

  test('a rule shadowed by an earlier broader one is a synth-time error; priority fixes it', () => {
    const build = (priority?: number) => {
      const { chart, reviews } = setup();
      new DarkRelease(chart, 'all-testers', { service: reviews, version: 'v3', when: [RequestCondition.headerPresent('x-tester')] });
      new DarkRelease(chart, 'tester-jason', {
        service: reviews,
        version: 'v2',
        priority,
        when: [RequestCondition.headerExact('x-tester', 'yes'), RequestCondition.headerExact('end-user', 'jason')],
      });
      return chart;
    };
    expect(() => Testing.synth(build())).toThrow(
      /\[test\/tester-jason\] match: rule 'tester-jason' \(test\/tester-jason\) of host 'reviews' never applies to .*: the earlier rule 'all-testers' \(test\/all-testers\) with \{"headers":\{"x-tester":\{\}\}\} takes all those requests first \(IST0131\). Put 'tester-jason' \(test\/tester-jason\) first \(a DarkRelease takes a lower priority number/);
    const fixed = build(-1);
    expect(fixed).toRoute({ host: 'reviews', headers: { 'x-tester': 'yes', 'end-user': 'jason' } }, { version: 'v2' });
    expect(fixed).toRoute({ host: 'reviews', headers: { 'x-tester': 'yes' } }, { version: 'v3' });
  });

  test('prefix and regex shadowing are found too', () => {
    const { chart, reviews } = setup();
    new DarkRelease(chart, 'api', { service: reviews, version: 'v2', when: [RequestCondition.pathPrefix('/api')] });
    new DarkRelease(chart, 'api-v2', { service: reviews, version: 'v3', when: [RequestCondition.uri(StringMatch.exact('/api/v2'))] });
    expect(() => Testing.synth(chart)).toThrow(/rule 'api-v2' .* never applies to \{"uri":\{"exact":"\/api\/v2"\}\}: the earlier rule 'api'/);
  });
});

describe('header propagation along the call path', () => {
  function chain() {
    const chart = new Chart(Testing.app(), 'tutorial', { namespace: 'tutorial' });
    const svc = (name: string, versions: string[]) => new CanaryService(chart, name, {
      port: 8080, versions: versions.map(v => ServiceVersion.deploy(v, { image: `${name}:${v}` })),
    });
    return { chart, customer: svc('customer', ['v1', 'v2']), preference: svc('preference', ['v1', 'v2']), recommendation: svc('recommendation', ['v1', 'v2', 'v3']), partner: svc('partner', ['v1']) };
  }

  test('a flagged request stays dark on every downstream service that has the version', () => {
    const { chart, customer, preference, recommendation, partner } = chain();
    const release = new DarkRelease(chart, 'qa', {
      service: customer, version: 'v2', when: [RequestCondition.headerExact('x-qa', 'true')], callPath: [preference, recommendation, partner],
    });
    synthChecked(chart);
    expect(release.propagatedTo).toEqual(['preference', 'recommendation']);
    expect(release.headersToForward).toEqual(['x-qa']);
    for (const host of ['customer', 'preference', 'recommendation']) {
      expect(chart).toRoute({ host, headers: { 'x-qa': 'true' } }, { version: 'v2' });
      expect(chart).toRoute({ host }, { version: 'v1' });
    }
    // partner has no v2: flagged requests follow its normal route.
    expect(chart).toRoute({ host: 'partner', headers: { 'x-qa': 'true' } }, { version: 'v1' });
  });

  test('the user agent is carried downstream in a propagated header', () => {
    const { chart, customer, preference } = chain();
    const release = new DarkRelease(chart, 'firefox', {
      service: customer, version: 'v2', when: [RequestCondition.userAgent(UserAgent.FIREFOX)], callPath: [preference],
    });
    const m = synthChecked(chart);
    expect(only(m, 'VirtualService', 'customer').spec.http[0].headers).toEqual({ request: { set: { 'baggage-user-agent': '%REQ(user-agent)%' } } });
    expect(only(m, 'VirtualService', 'preference').spec.http[0].match).toEqual([{ headers: { 'baggage-user-agent': { regex: '.*(Firefox|FxiOS)/.*' } } }]);
    expect(release.headersToForward).toEqual(['baggage-user-agent']);
    expect(chart).toRoute({ host: 'customer', headers: { 'user-agent': FIREFOX } }, { version: 'v2' });
    expect(chart).toRoute({ host: 'preference', headers: { 'baggage-user-agent': FIREFOX } }, { version: 'v2' });
    expect(chart).toRoute({ host: 'preference', headers: { 'user-agent': FIREFOX } }, { version: 'v1' });
  });

  test('a service further down reads the user agent from the propagated header', () => {
    const { chart, recommendation } = chain();
    const release = new DarkRelease(chart, 'firefox', {
      service: recommendation, version: 'v2', when: [RequestCondition.userAgent(UserAgent.FIREFOX)], userAgentHeader: 'baggage-user-agent',
    });
    expect(release.headersToForward).toEqual(['baggage-user-agent']);
    expect(chart).toRoute({ host: 'recommendation', headers: { 'baggage-user-agent': FIREFOX } }, { version: 'v2' });
  });
});

describe('DarkRelease on an existing service known by name and labels', () => {
  test('only the DestinationRule and the VirtualService are emitted', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'default' });
    const staff = new ExistingService(chart, 'fleetman-staff-service', {
      port: 8080,
      versions: [ServiceVersion.adopt('safe', { subsetName: 'safe-group' }), ServiceVersion.adopt('risky', { subsetName: 'risky-group' })],
    });
    new DarkRelease(chart, 'canary', { service: staff, version: 'risky', when: [RequestCondition.headerExact('x-release', 'canary')] });
    const m = Testing.synth(chart);
    expect(m.map(o => o.kind)).toEqual(['DestinationRule', 'VirtualService']);
    const existing = [{ name: 'svc', namespace: 'default', labels: {} }];
    const sim = RoutingSimulator.fromManifests([...m, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'fleetman-staff-service', namespace: 'default' },
      spec: { selector: { app: 'fleetman-staff-service' }, ports: [{ port: 8080 }] },
    }], { existingWorkloads: [...existing, ...staff.versionNames.map(v => ({ name: `fleetman-staff-service-${v}`, namespace: 'default', labels: staff.podLabelsOf(v) }))] });
    expect(sim.route({ host: 'fleetman-staff-service', headers: { 'x-release': 'canary' } }).versionShares).toEqual({ risky: 100 });
    expect(sim.route({ host: 'fleetman-staff-service' }).versionShares).toEqual({ safe: 100 });
  });

  test('an ExistingService only adopts', () => {
    expect(() => new ExistingService(new Chart(Testing.app(), 'test', { namespace: 'shop' }), 'x', { versions: [ServiceVersion.deploy('v1', { image: 'x' })] }))
      .toThrow(/\[test\/x\] versions\[0\]: 'v1' is a version the library would deploy, but an ExistingService only adopts/);
  });
});

describe('DarkRelease: bad input fails at synth time', () => {
  test('a rule with no condition', () => {
    expect(() => dark({ when: [] })).toThrow(/\[test\/dark\] when: \[\] has no condition, so it would match every request/);
    expect(() => dark({ rules: [{ conditions: [] }] })).toThrow(/rules\[0\].conditions: \[\] has no condition/);
    expect(() => dark({})).toThrow(/\[test\/dark\] rules: \[\] has no rule, so no request would go dark/);
    expect(() => dark({ when: [RequestCondition.headerPresent('a')], rules: [] })).toThrow(/is given together with 'when'/);
  });
  test('an invalid RE2 regex, or one over 1024 characters', () => {
    expect(() => dark({ when: [RequestCondition.header('x', StringMatch.regex('^(?!admin).*'))] }))
      .toThrow(/when\[0\].x.regex: '\^\(\?!admin\).\*' is not a valid RE2 regex \(error parsing regexp: invalid or unsupported Perl syntax: `\(\?!`\). Istio uses RE2: no look-ahead/);
    expect(() => dark({ when: [RequestCondition.uri(StringMatch.regex('(a)\\1'))] })).toThrow(/is not a valid RE2 regex/);
    expect(() => dark({ when: [RequestCondition.uri(StringMatch.regex('a'.repeat(1025)))] })).toThrow(/is 1025 characters long; Istio accepts at most 1024/);
    expect(() => dark({ when: [RequestCondition.userAgent(UserAgent.matching('['))] })).toThrow(/when\[0\].userAgent: '\[' is not a valid RE2 regex/);
  });
  test('a header name that is not an HTTP token', () => {
    expect(() => dark({ when: [RequestCondition.headerExact('end user', 'jason')] }))
      .toThrow(/when\[0\].header: 'end user' is not a valid HTTP header name \(an RFC 7230 token\)/);
    expect(() => dark({ when: [RequestCondition.headerPresent(':path')] })).toThrow(/':path' is not a valid HTTP header name.*use the uri, authority or method conditions/);
  });
  test('an empty prefix', () => {
    expect(() => dark({ when: [RequestCondition.pathPrefix('')] })).toThrow(/when\[0\].uri.prefix: '' is an empty prefix/);
    expect(() => dark({ when: [RequestCondition.header('x', StringMatch.prefix(''))] })).toThrow(/when\[0\].x.prefix: '' is an empty prefix/);
  });
  test('a dark version that does not exist', () => {
    expect(() => dark({ version: 'v9', when: [RequestCondition.headerPresent('x')] }))
      .toThrow(/\[test\/dark\] version: 'v9' is not a version of service 'reviews'. Use one of: v1, v2, v3/);
  });
  test('an invalid cookie name or value', () => {
    expect(() => dark({ when: [RequestCondition.cookie('my cookie', 'x')] })).toThrow(/when\[0\].cookie: 'my cookie' is not a valid cookie name/);
    expect(() => dark({ when: [RequestCondition.cookie('c', 'a;b')] })).toThrow(/when\[0\].cookie.c: 'a;b' is not a valid cookie value/);
  });
  test('two conditions on one field of one rule', () => {
    expect(() => dark({ when: [RequestCondition.pathPrefix('/a'), RequestCondition.pathPrefix('/b')] }))
      .toThrow(/when\[1\]: 'uri' is constrained twice in one rule.*give them as separate rules to OR them/);
    expect(() => dark({ when: [RequestCondition.userAgent(UserAgent.FIREFOX), RequestCondition.userAgent(UserAgent.MOBILE)] }))
      .toThrow(/'headers.user-agent' is constrained twice/);
  });
  test('other malformed conditions', () => {
    expect(() => dark({ when: [RequestCondition.method('get')] })).toThrow(/when\[0\].method: 'get' is not an upper-case HTTP method/);
    expect(() => dark({ when: [RequestCondition.queryParam('q', StringMatch.prefix('a'))] })).toThrow(/'prefix' is not supported for query parameters/);
    expect(() => dark({ when: [RequestCondition.callerLabels({})] })).toThrow(/callerLabels: \{\} is empty/);
    expect(() => dark({ when: [RequestCondition.callerNamespace('Bad_NS')] })).toThrow(/callerNamespace: 'Bad_NS' is not a DNS-1123 label/);
    expect(() => dark({ when: [RequestCondition.port(0)] })).toThrow(/when\[0\].port: 0 is not a port number/);
    expect(() => dark({ when: [RequestCondition.headerPresent('x')], priority: 1.5 })).toThrow(/priority: 1.5 is not a whole number/);
    expect(() => dark({ when: [RequestCondition.headerPresent('x')], userAgentHeader: 'bad header' })).toThrow(/userAgentHeader: 'bad header' is not a valid HTTP header name/);
  });
  test('a call path with conditions that only describe the first request', () => {
    const { chart, reviews } = setup();
    const down = new CanaryService(chart, 'api', { port: 80, versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `api:${v}` })) });
    expect(() => new DarkRelease(chart, 'd', {
      service: reviews, version: 'v2', callPath: [down], when: [RequestCondition.headerPresent('x-qa'), RequestCondition.pathPrefix('/beta')],
    })).toThrow(/\[test\/d\] when\[1\]: 'uri' describes the first request only/);
    expect(() => new DarkRelease(chart, 'e', {
      service: reviews, version: 'v2', callPath: [down], when: [RequestCondition.callerLabels({ app: 'front' })],
    })).toThrow(/when\[0\]: 'sourceLabels' describes the first request only/);
  });
  test('a service without Istio routing, and a call path that loops', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const plain = new CanaryService(chart, 'plain', { port: 80, mode: RoutingMode.REPLICAS, stable: { image: 'a' }, canary: { image: 'b' } });
    expect(() => new DarkRelease(chart, 'd', { service: plain, version: 'v2', when: [RequestCondition.headerPresent('x')] }))
      .toThrow(/\[test\/d\] service: 'plain' is not routed by Istio/);
    const { chart: c2, reviews } = setup();
    expect(() => new DarkRelease(c2, 'd', { service: reviews, version: 'v2', when: [RequestCondition.headerPresent('x')], callPath: [reviews] }))
      .toThrow(/callPath\[0\]: 'reviews' is the released service itself/);
  });
});

describe('DarkRelease: exact messages, header options and scopes', () => {
  /** A RegExp matching exactly `message`. */
  const exactly = (message: string) => new RegExp(`^${message.replace(/[\\^$.|?*+()[\]{}]/g, m => `\\${m}`)}$`);
  const cond = RequestCondition.headerExact('end-user', 'jason');
  function withDownstream() {
    const { chart, reviews } = setup();
    const ratings = new CanaryService(chart, 'ratings', { port: 9080, versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `ratings:${v}` })) });
    return { chart, reviews, ratings };
  }
  const rulesOf = (chart: Chart, name: string) => only(Testing.synth(chart), 'VirtualService', name).spec.http;

  test('whole-number priority, when together with rules, and no rule at all', () => {
    expect(() => dark({ when: [cond], priority: 1.5 })).toThrow(exactly('[test/dark] priority: 1.5 is not a whole number. Use a whole number; lower comes first'));
    expect(() => dark({ when: [cond], rules: [{ conditions: [cond] }, { conditions: [cond] }] })).toThrow(exactly(
      "[test/dark] rules: '2 rule(s) and when: 1 condition(s)' is given together with 'when'. Use 'when' for one rule or 'rules' for several, not both"));
    expect(() => dark({ rules: [] })).toThrow(exactly(
      "[test/dark] rules: [] has no rule, so no request would go dark. Give the conditions in 'when', or several rules in 'rules'"));
    expect(() => dark({})).toThrow(exactly(
      "[test/dark] rules: [] has no rule, so no request would go dark. Give the conditions in 'when', or several rules in 'rules'"));
  });

  test('a rule that matches every request names its rule', () => {
    const fix = "Give a condition only the chosen requests meet (a tester's header, a user's cookie); to move all traffic, change the service's traffic split";
    const problem = 'matches every request (each condition is one every request meets), so the dark release would take all traffic';
    expect(() => dark({ when: [RequestCondition.pathPrefix('/')] })).toThrow(exactly(`[test/dark] when: {"uri":{"prefix":"/"}} ${problem}. ${fix}`));
    expect(() => dark({ rules: [{ conditions: [cond] }, { conditions: [RequestCondition.pathPrefix('/')] }] }))
      .toThrow(exactly(`[test/dark] rules[1].conditions: {"uri":{"prefix":"/"}} ${problem}. ${fix}`));
  });

  test('user-agent header names: checked, and lower-cased', () => {
    expect(() => dark({ when: [cond], propagatedUserAgentHeader: 'bad header' }))
      .toThrow(exactly("[test/dark] propagatedUserAgentHeader: 'bad header' is not a valid HTTP header name. Use e.g. 'baggage-user-agent'"));
    expect(() => dark({ when: [cond], userAgentHeader: 'Host' })).toThrow(exactly(
      "[test/dark] userAgentHeader: 'Host' is a header proxies own (host, pseudo-headers, content-length, hop-by-hop headers): it cannot carry the user agent. "
      + "Use a header of your own that the applications forward, e.g. 'baggage-user-agent'"));
    const { chart, reviews } = setup();
    const release = new DarkRelease(chart, 'ff', {
      service: reviews, version: 'v2', when: [RequestCondition.userAgent(UserAgent.FIREFOX)], userAgentHeader: 'Baggage-User-Agent',
    });
    expect(rulesOf(chart, 'reviews')[0].match).toEqual([{ headers: { 'baggage-user-agent': { regex: '.*(Firefox|FxiOS)/.*' } } }]);
    expect(release.headersToForward).toEqual(['baggage-user-agent']);
  });

  test('a propagated user-agent header of its own name (lower-cased) is set here and matched downstream', () => {
    const { chart, reviews, ratings } = withDownstream();
    const release = new DarkRelease(chart, 'ff', {
      service: reviews, version: 'v2', when: [RequestCondition.userAgent(UserAgent.FIREFOX)], callPath: [ratings], propagatedUserAgentHeader: 'X-Browser',
    });
    expect(rulesOf(chart, 'reviews')[0].headers).toEqual({ request: { set: { 'x-browser': '%REQ(user-agent)%' } } });
    expect(rulesOf(chart, 'ratings')[0].match).toEqual([{ headers: { 'x-browser': { regex: '.*(Firefox|FxiOS)/.*' } } }]);
    expect(release.headersToForward).toEqual(['x-browser']);
  });

  test('the user agent is copied only when this service reads the real User-Agent, into another header, with a call path', () => {
    // A cookie along a call path: nothing to copy.
    let s = withDownstream();
    new DarkRelease(s.chart, 'c', { service: s.reviews, version: 'v2', when: [RequestCondition.cookie('beta', '1')], callPath: [s.ratings] });
    expect(rulesOf(s.chart, 'reviews')[0].headers).toBeUndefined();
    // This service reads the user agent from a header the apps already forward: nothing to copy.
    s = withDownstream();
    const fromHeader = new DarkRelease(s.chart, 'h', {
      service: s.reviews, version: 'v2', when: [RequestCondition.userAgent(UserAgent.FIREFOX)], callPath: [s.ratings], userAgentHeader: 'x-ua',
    });
    expect(rulesOf(s.chart, 'reviews')[0].headers).toBeUndefined();
    expect(rulesOf(s.chart, 'reviews')[0].match).toEqual([{ headers: { 'x-ua': { regex: '.*(Firefox|FxiOS)/.*' } } }]);
    expect(fromHeader.headersToForward).toEqual(['baggage-user-agent', 'x-ua']);
    // The downstream services read the User-Agent itself: nothing to copy.
    s = withDownstream();
    const same = new DarkRelease(s.chart, 'u', {
      service: s.reviews, version: 'v2', when: [RequestCondition.userAgent(UserAgent.FIREFOX)], callPath: [s.ratings], propagatedUserAgentHeader: 'user-agent',
    });
    expect(rulesOf(s.chart, 'reviews')[0].headers).toBeUndefined();
    expect(rulesOf(s.chart, 'ratings')[0].match).toEqual([{ headers: { 'user-agent': { regex: '.*(Firefox|FxiOS)/.*' } } }]);
    expect(same.headersToForward).toEqual(['user-agent']);
  });

  test('one rule of several reading the user agent is enough to copy it', () => {
    const { chart, reviews, ratings } = withDownstream();
    const release = new DarkRelease(chart, 'mixed', {
      service: reviews,
      version: 'v2',
      callPath: [ratings],
      rules: [{ conditions: [RequestCondition.cookie('beta', '1')] }, { conditions: [RequestCondition.userAgent(UserAgent.FIREFOX)] }],
    });
    expect(rulesOf(chart, 'reviews')[0].headers).toEqual({ request: { set: { 'baggage-user-agent': '%REQ(user-agent)%' } } });
    expect(release.headersToForward).toEqual(['baggage-user-agent', 'cookie']);
  });

  test('excluding user agents along a call path: only without a positive match', () => {
    const fix = 'Match the user agents that go dark (a positive regex, e.g. UserAgent.matching(...)), or remove callPath';
    const problem = 'only excludes user agents, and downstream services see the user agent only on requests that went dark, so their copy of the rule would take every other request';
    const notFirefox = RequestCondition.headerNot('User-Agent', StringMatch.regex('.*Firefox.*'));
    let s = withDownstream();
    expect(() => new DarkRelease(s.chart, 'd', { service: s.reviews, version: 'v2', callPath: [s.ratings], when: [notFirefox] }))
      .toThrow(exactly(`[test/d] when: {"regex":".*Firefox.*"} ${problem}. ${fix}`));
    s = withDownstream();
    expect(() => new DarkRelease(s.chart, 'd', { service: s.reviews, version: 'v2', callPath: [s.ratings], rules: [{ conditions: [cond] }, { conditions: [notFirefox] }] }))
      .toThrow(exactly(`[test/d] rules[1].conditions: {"regex":".*Firefox.*"} ${problem}. ${fix}`));
    // Without a call path the exclusion is fine.
    s = withDownstream();
    new DarkRelease(s.chart, 'd', { service: s.reviews, version: 'v2', when: [notFirefox] });
    expect(rulesOf(s.chart, 'reviews')[0].match).toEqual([{ withoutHeaders: { 'user-agent': { regex: '.*Firefox.*' } } }]);
    // Chrome matches a positive regex and excludes Edge and Opera: it can be carried along.
    s = withDownstream();
    const chrome = new DarkRelease(s.chart, 'd', { service: s.reviews, version: 'v2', callPath: [s.ratings], when: [RequestCondition.userAgent(UserAgent.CHROME)] });
    expect(chrome.propagatedTo).toEqual(['ratings']);
    expect(rulesOf(s.chart, 'ratings')[0].match).toEqual([{
      headers: { 'baggage-user-agent': { regex: '.*(Chrome|CriOS)/.*' } },
      withoutHeaders: { 'baggage-user-agent': { regex: '.*(Edg|EdgA|EdgiOS|OPR)/.*' } },
    }]);
  });

  test('a service that reads the user agent from a forwarded header may exclude values along a call path', () => {
    const { chart, reviews, ratings } = withDownstream();
    const release = new DarkRelease(chart, 'd', {
      service: reviews,
      version: 'v2',
      callPath: [ratings],
      userAgentHeader: 'baggage-user-agent',
      when: [RequestCondition.headerNot('baggage-user-agent', StringMatch.regex('.*Firefox.*'))],
    });
    expect(release.propagatedTo).toEqual(['ratings']);
    expect(rulesOf(chart, 'ratings')[0].match).toEqual([{ withoutHeaders: { 'baggage-user-agent': { regex: '.*Firefox.*' } } }]);
  });

  test('a condition of a later rule that only describes the first request is named', () => {
    const { chart, reviews, ratings } = withDownstream();
    expect(() => new DarkRelease(chart, 'd', {
      service: reviews, version: 'v2', callPath: [ratings], rules: [{ conditions: [cond] }, { conditions: [cond, RequestCondition.method('POST')] }],
    })).toThrow(exactly('[test/d] rules[1].conditions[1]: \'method\' describes the first request only (the caller, path, host, port, method or query of a downstream call are different), '
      + 'so it cannot be carried along the callPath. Match on a header (or a cookie or the user agent) that every service forwards, or remove callPath'));
  });

  test('a service of the same name in another namespace is a different service on the call path', () => {
    const { chart, reviews } = setup();
    const other = new CanaryService(chart, 'reviews-qa', {
      name: 'reviews', namespace: 'qa', port: 9080, versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })),
    });
    expect(other.name).toBe('reviews');
    const release = new DarkRelease(chart, 'd', { service: reviews, version: 'v2', when: [cond], callPath: [other] });
    expect(release.propagatedTo).toEqual(['reviews']);
  });

  test('the released service described by another construct (same name and namespace) is still itself on the call path', () => {
    const { chart, reviews } = setup();
    const twin = new CanaryService(new Chart(Testing.app(), 'other', { namespace: 'shop' }), 'reviews', {
      port: 9080, versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })),
    });
    expect(() => new DarkRelease(chart, 'd', { service: reviews, version: 'v2', when: [cond], callPath: [twin] })).toThrow(exactly(
      "[test/d] callPath[0]: 'reviews' is the released service itself. List only the services it calls, directly or further down"));
  });

  test('downstream rules keep the priority order', () => {
    const { chart, reviews, ratings } = withDownstream();
    new DarkRelease(chart, 'later', { service: reviews, version: 'v2', when: [RequestCondition.headerPresent('x-a')], callPath: [ratings] });
    new DarkRelease(chart, 'sooner', { service: reviews, version: 'v2', when: [RequestCondition.headerPresent('x-b')], callPath: [ratings], priority: -1 });
    expect(rulesOf(chart, 'reviews').map((r: any) => r.name)).toEqual(['sooner', 'later', 'default']);
    expect(rulesOf(chart, 'ratings').map((r: any) => r.name)).toEqual(['sooner', 'later', 'default']);
  });

  test('releaseScope: mesh only, edge only, or both', () => {
    const build = (releaseScope?: ReleaseScope) => {
      const { chart, reviews } = setup();
      new DarkRelease(chart, 'd', { service: reviews, version: 'v2', when: [cond], releaseScope });
      new IngressEdge(chart, 'edge', { hosts: ['*'], routes: [{ to: EdgeDestination.release(reviews) }] });
      return chart;
    };
    const edgeRequest = { gateway: 'shop/edge', host: 'shop.example.com', headers: { 'end-user': 'jason' } };
    const meshRequest = { host: 'reviews', headers: { 'end-user': 'jason' } };
    const mesh = build(ReleaseScope.MESH);
    expect(mesh).toRoute(meshRequest, { version: 'v2' });
    expect(mesh).toRoute(edgeRequest, { version: 'v1' });
    const edge = build(ReleaseScope.EDGE);
    expect(edge).toRoute(meshRequest, { version: 'v1' });
    expect(edge).toRoute(edgeRequest, { version: 'v2' });
    const both = build();
    expect(both).toRoute(meshRequest, { version: 'v2' });
    expect(both).toRoute(edgeRequest, { version: 'v2' });
  });
});
