import { ApiObject, App, Chart, Duration, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import {
  Analysis, Caller, CanaryService, CircuitBreakerPolicy, DarkRelease, DataPlaneMode, EdgeDestination, ExistingService, FaultAbort,
  FaultInjection, IngressEdge, IngressEdgeProps, JwtAuthentication, MeshNamespace, NamespaceDefaultDeny, OutcomeKind, RequestCondition,
  RetryOn, RoutePolicy, RoutingApi, RoutingApiSetting, RoutingSimulator, ServiceAuthorization, ServiceProtocol, ServiceVersion,
  StringMatch, TlsMode, TrafficMirror, TrafficSplit, UserAgent, VersionAffinity,
} from '../src';
import { only, synthChecked } from './util';
import { mayOverlap, serviceOf } from '../src/render/gateway-api';
import '../src/testing/jest';

/** A chart of an app written with RoutingApi.GATEWAY_API, and a reviews service (v1 80%, v3 20%; v2 declared). */
function gatewayApiChart(traffic = TrafficSplit.weights({ v1: 80, v3: 20 }), app: App = Testing.app()) {
  RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const reviews = new CanaryService(chart, 'reviews', {
    port: 9080,
    targetPort: 8080,
    versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })),
    traffic,
  });
  return { app, chart, reviews };
}

const jason = () => RequestCondition.headerExact('end-user', 'jason');
const kinds = (m: any[]) => m.map(o => `${o.kind} ${o.metadata.name}`);

describe('Gateway API (GAMMA) mesh routing', () => {
  test('a weighted split: a Service per version, an HTTPRoute on the Service, DestinationRules without subsets', () => {
    const { chart } = gatewayApiChart();
    const m = synthChecked(chart);
    expect(m.filter(o => o.kind === 'VirtualService')).toEqual([]);
    for (const v of ['v1', 'v2', 'v3']) {
      const svc = only(m, 'Service', `reviews-${v}`);
      expect(svc.spec.selector).toEqual({ app: 'reviews', version: v });
      expect(svc.spec.ports).toEqual([{ name: 'http', port: 9080, targetPort: 8080, protocol: 'TCP', appProtocol: 'http' }]);
      expect(only(m, 'DestinationRule', `reviews-${v}`).spec).toEqual({ host: `reviews-${v}` });
    }
    const route = only(m, 'HTTPRoute', 'reviews');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews', port: 9080 }]);
    expect(route.spec.rules).toEqual([{
      name: 'default',
      backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 80 }, { name: 'reviews-v3', port: 9080, weight: 20 }],
    }]);
    // Apply order: the Service, the version Services, the DestinationRules, the route.
    const order = kinds(m).filter(k => !k.startsWith('Deployment') && !k.startsWith('ServiceAccount'));
    expect(order.indexOf('Service reviews')).toBeLessThan(order.indexOf('Service reviews-v1'));
    expect(order.indexOf('Service reviews-v3')).toBeLessThan(order.indexOf('DestinationRule reviews-v3'));
    expect(order.indexOf('DestinationRule reviews-v3')).toBeLessThan(order.indexOf('HTTPRoute reviews'));
    expect(m).toMatchSnapshot();
  });

  test('a dark release comes first, as a header match; the catch-all stays last', () => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'jason-to-v2', { service: reviews, version: 'v2', when: [jason()] });
    const rules = only(synthChecked(chart), 'HTTPRoute', 'reviews').spec.rules;
    expect(rules[0]).toEqual({
      name: 'jason-to-v2',
      matches: [{ headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }] }],
      backendRefs: [{ name: 'reviews-v2', port: 9080 }],
    });
    expect(rules[1].matches).toBeUndefined();
  });

  test("a path prefix is Gateway API's PathPrefix (whole segments), written before the catch-all", () => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'api-v2', { service: reviews, version: 'v2', when: [RequestCondition.pathPrefix('/api/v2')] });
    new DarkRelease(chart, 'all-jason', { service: reviews, version: 'v3', when: [RequestCondition.pathPrefix('/'), jason()] });
    const rules = only(synthChecked(chart), 'HTTPRoute', 'reviews').spec.rules;
    expect(rules.map((r: any) => r.name)).toEqual(['api-v2', 'all-jason', 'default']);
    expect(rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/api/v2' } }]);
    expect(rules[1].matches[0].path).toEqual({ type: 'PathPrefix', value: '/' });
  });

  test('methods, query parameters, header regexes and presence', () => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'probe', {
      service: reviews,
      version: 'v2',
      when: [RequestCondition.method('POST'), RequestCondition.queryParam('canary', StringMatch.exact('1')),
        RequestCondition.header('x-team', StringMatch.regex('qa|dev')), RequestCondition.headerPresent('x-debug')],
    });
    expect(only(synthChecked(chart), 'HTTPRoute', 'reviews').spec.rules[0].matches).toEqual([{
      method: 'POST',
      queryParams: [{ name: 'canary', type: 'Exact', value: '1' }],
      headers: [{ name: 'x-team', type: 'RegularExpression', value: 'qa|dev' }, { name: 'x-debug', type: 'RegularExpression', value: '.*' }],
    }]);
  });

  test('a timeout and a mirror become the rule\'s timeouts and a RequestMirror filter', () => {
    const { chart, reviews } = gatewayApiChart();
    new RoutePolicy(chart, 'timeout', { service: reviews, timeout: Duration.seconds(3) });
    new TrafficMirror(chart, 'mirror', { service: reviews, version: 'v2', percentage: 25 });
    const rule = only(synthChecked(chart), 'HTTPRoute', 'reviews').spec.rules[0];
    expect(rule.timeouts).toEqual({ request: '3s' });
    expect(rule.filters).toEqual([{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'reviews-v2', port: 9080 }, percent: 25 } }]);
  });

  test('circuit breakers land on the DestinationRule of each version Service, the version\'s own over the service\'s', () => {
    const { chart, reviews } = gatewayApiChart();
    new CircuitBreakerPolicy(chart, 'all', { service: reviews, connectionPool: { maxConnections: 10 } });
    new CircuitBreakerPolicy(chart, 'v3', { service: reviews, version: 'v3', outlierDetection: { consecutive5xxErrors: 2 } });
    const m = synthChecked(chart);
    expect(only(m, 'DestinationRule', 'reviews').spec).toEqual({ host: 'reviews', trafficPolicy: { connectionPool: { tcp: { maxConnections: 10 } } } });
    expect(only(m, 'DestinationRule', 'reviews-v1').spec.trafficPolicy).toEqual({ connectionPool: { tcp: { maxConnections: 10 } } });
    expect(only(m, 'DestinationRule', 'reviews-v3').spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(2);
    expect(only(m, 'DestinationRule', 'reviews-v3').spec.trafficPolicy.connectionPool).toEqual({ tcp: { maxConnections: 10 } });
  });

  test('a whole-Service release has no route until something adds to it', () => {
    const { chart } = gatewayApiChart(TrafficSplit.wholeService());
    const m = synthChecked(chart);
    expect(m.filter(o => o.kind === 'HTTPRoute')).toEqual([]);
  });

  test('a gRPC service gets a GRPCRoute', () => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const svc = new CanaryService(chart, 'catalog', {
      port: 50051,
      protocol: ServiceProtocol.GRPC,
      versions: [ServiceVersion.deploy('v1', { image: 'c:1' }), ServiceVersion.deploy('v2', { image: 'c:2' })],
      traffic: TrafficSplit.canaryPercent(10),
    });
    new DarkRelease(chart, 'qa', { service: svc, version: 'v2', when: [RequestCondition.headerExact('x-team', 'qa')] });
    const route = only(synthChecked(chart), 'GRPCRoute', 'catalog');
    expect(route.spec.rules[0].matches).toEqual([{ headers: [{ name: 'x-team', type: 'Exact', value: 'qa' }] }]);
    expect(route.spec.rules[1].backendRefs).toEqual([{ name: 'catalog-v1', port: 50051, weight: 90 }, { name: 'catalog-v2', port: 50051, weight: 10 }]);
  });

  test('a TCP service gets a TCPRoute of weighted backends', () => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    new CanaryService(chart, 'db', {
      port: 5432,
      protocol: ServiceProtocol.TCP,
      versions: [ServiceVersion.deploy('v1', { image: 'db:1' }), ServiceVersion.deploy('v2', { image: 'db:2' })],
      traffic: TrafficSplit.canaryPercent(5),
    });
    const route = only(synthChecked(chart), 'TCPRoute', 'db');
    expect(route.spec).toEqual({
      parentRefs: [{ group: '', kind: 'Service', name: 'db', port: 5432 }],
      rules: [{ backendRefs: [{ name: 'db-v1', port: 5432, weight: 95 }, { name: 'db-v2', port: 5432, weight: 5 }] }],
    });
  });
});

describe('Gateway API: what it cannot say fails the synth', () => {
  /** The message of the synth's failure (cdk8s reports validation errors together, each with its construct path). */
  const refused = (build: (chart: Chart, reviews: CanaryService) => void): string => {
    const { chart, reviews } = gatewayApiChart();
    build(chart, reviews);
    let message: string | undefined;
    try {
      Testing.synth(chart);
    } catch (e) {
      message = String((e as Error).message);
    }
    expect(message).toMatch(/which the Kubernetes Gateway API cannot say|in Gateway API, which orders rules/);
    expect(message).toMatch(/RoutingApi\.ISTIO \(RoutingApiSetting\.use\)/);
    return message!;
  };

  test('fault injection, conditional or not, and retries fail at once, naming the construct', () => {
    const { chart, reviews } = gatewayApiChart();
    expect(() => new FaultInjection(chart, 'slow', { service: reviews, delay: Duration.seconds(2), delayPercentage: 50, allTraffic: true }))
      .toThrow(/^\[shop\/slow\] fault: injects a fault \(delay or abort\) for 'reviews', which the Kubernetes Gateway API cannot say\. Leave it out of this chart, or write this chart with RoutingApi\.ISTIO \(RoutingApiSetting\.use\), which can say it$/);
    expect(() => new FaultInjection(chart, 'abort-jason', { service: reviews, abort: FaultAbort.httpStatus(500), abortPercentage: 100, when: [jason()] }))
      .toThrow(/^\[shop\/abort-jason\] fault: injects a fault/);
    expect(() => new RoutePolicy(chart, 'retry', { service: reviews, retries: { attempts: 3 } }))
      .toThrow(/^\[shop\/retry\] retries: sets retries \(the standard channel of Gateway API v1.6.1 has no 'retry' field; it is experimental, GEP-1731: RoutingApi.GATEWAY_API_EXPERIMENTAL writes it\)/);
    // What is allowed still is: a timeout.
    expect(() => new RoutePolicy(chart, 'timeout', { service: reviews, timeout: Duration.seconds(1) })).not.toThrow();
  });

  test('an excluding header, caller labels and an authority', () => {
    expect(refused((chart, reviews) => new DarkRelease(chart, 'not-bots', {
      service: reviews, version: 'v2', when: [RequestCondition.headerExact('x-team', 'qa'), RequestCondition.headerAbsent('x-bot')],
    }))).toMatch(/\[shop\/not-bots\] match.withoutHeaders: excludes requests by header/);
    expect(refused((chart, reviews) => new DarkRelease(chart, 'from-web', {
      service: reviews, version: 'v2', when: [RequestCondition.callerLabels({ app: 'web' })],
    }))).toMatch(/\[shop\/from-web\] match.sourceLabels: matches the calling workload/);
    expect(refused((chart, reviews) => new DarkRelease(chart, 'host', {
      service: reviews, version: 'v2', when: [RequestCondition.authority(StringMatch.exact('a.example.com'))],
    }))).toMatch(/\[shop\/host\] match.authority: matches on authority/);
  });

  test('rules whose order Gateway API would change, for requests both match', () => {
    const message = refused((chart, reviews) => {
      // Written first: everyone from the qa team; then a path for everyone. Gateway API tries the
      // path first (a path outranks headers), so qa requests to /api would go to v3.
      new DarkRelease(chart, 'qa', { service: reviews, version: 'v2', priority: 1, when: [RequestCondition.headerExact('x-team', 'qa')] });
      new DarkRelease(chart, 'api', { service: reviews, version: 'v3', priority: 2, when: [RequestCondition.uri(StringMatch.exact('/api'))] });
    });
    expect(message).toMatch(/\[shop\/api\] match: rule 'api' .* would be tried before rule 'qa' \(shop\/qa/);
  });

  test('a path regex: Gateway API tries the catch-all (PathPrefix /) first, so the rule would never apply', () => {
    expect(refused((chart, reviews) => new DarkRelease(chart, 'regex', {
      service: reviews, version: 'v2', when: [RequestCondition.uri(StringMatch.regex('/api/v[0-9]+'))],
    }))).toMatch(/\[shop\/reviews\] match: rule 'default' \(\{\}\) would be tried before rule 'regex' \(shop\/regex/);
  });

  test('rules Gateway API reorders but no request meets both are written', () => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'qa', { service: reviews, version: 'v2', priority: 1, when: [RequestCondition.uri(StringMatch.exact('/qa')), RequestCondition.headerExact('x-team', 'qa')] });
    new DarkRelease(chart, 'api', { service: reviews, version: 'v3', priority: 2, when: [RequestCondition.uri(StringMatch.exact('/api/long'))] });
    const rules = only(synthChecked(chart), 'HTTPRoute', 'reviews').spec.rules;
    expect(rules.map((r: any) => r.name)).toEqual(['qa', 'api', 'default']);
  });
});

describe('Gateway API ingress', () => {
  const edge = (chart: Chart, props: Partial<IngressEdgeProps>) => new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], ...props });

  test('a Gateway of class istio with a listener per server and host; an HTTPRoute per host on its listeners', () => {
    const { chart, reviews } = gatewayApiChart();
    edge(chart, {
      hosts: ['shop.example.com', '*.example.org'],
      https: [{ credentialName: 'shop-cert', hosts: ['shop.example.com'] }],
      routes: [{ to: EdgeDestination.release(reviews), when: [RequestCondition.uri(StringMatch.exact('/reviews'))], rewriteUri: '/' }],
    });
    const m = synthChecked(chart);
    expect(only(m, 'Gateway', 'edge')).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'shop' },
      spec: {
        gatewayClassName: 'istio',
        listeners: [
          { name: 'http-shop-example-com', port: 80, protocol: 'HTTP', hostname: 'shop.example.com' },
          { name: 'http-wildcard-example-org', port: 80, protocol: 'HTTP', hostname: '*.example.org' },
          { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'shop-cert' }] } },
        ],
      },
    });
    const route = only(m, 'HTTPRoute', 'edge-shop-example-com');
    expect(route.spec.parentRefs).toEqual([{ name: 'edge', sectionName: 'http-shop-example-com' }, { name: 'edge', sectionName: 'https' }]);
    expect(route.spec.hostnames).toEqual(['shop.example.com']);
    expect(route.spec.rules).toEqual([{
      name: 'route-1',
      matches: [{ path: { type: 'Exact', value: '/reviews' } }],
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/' } } }],
      backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 80 }, { name: 'reviews-v3', port: 9080, weight: 20 }],
    }]);
    expect(m).toMatchSnapshot();
  });

  test('redirectToHttps: the HTTP listeners carry only a redirect route', () => {
    const { chart, reviews } = gatewayApiChart();
    edge(chart, { https: [{ credentialName: 'shop-cert' }], redirectToHttps: true, routes: [{ to: EdgeDestination.release(reviews) }] });
    const m = synthChecked(chart);
    expect(only(m, 'HTTPRoute', 'edge-https-redirect').spec).toEqual({
      parentRefs: [{ name: 'edge', sectionName: 'http' }],
      hostnames: ['shop.example.com'],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    });
    expect(only(m, 'HTTPRoute', 'edge-shop-example-com').spec.parentRefs).toEqual([{ name: 'edge', sectionName: 'https' }]);
  });

  test('a prefix rewrite is ReplacePrefixMatch; of a rule with several condition sets it fails', () => {
    const { chart, reviews } = gatewayApiChart();
    const e = edge(chart, { routes: [{ to: EdgeDestination.release(reviews), when: [RequestCondition.pathPrefix('/reviews/')], rewriteUri: '/' }] });
    const rule = only(synthChecked(chart), 'HTTPRoute', 'edge-shop-example-com').spec.rules[0];
    expect(rule.matches).toEqual([{ path: { type: 'PathPrefix', value: '/reviews/' } }]);
    expect(rule.filters).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }]);
    e.addRoute({
      to: EdgeDestination.release(reviews),
      rules: [{ conditions: [RequestCondition.pathPrefix('/a')] }, { conditions: [RequestCondition.pathPrefix('/b')] }],
      rewriteUri: '/',
    });
    expect(() => Testing.synth(chart)).toThrow(/\[shop\/edge\] rewriteUri: replaces the matched path prefix of a rule with 2 condition sets \(Gateway API replaces a prefix only in a rule of one PathPrefix match\)/);
  });

  test('routes to Services of other namespaces come with a ReferenceGrant there, applied before the route', () => {
    const { chart } = gatewayApiChart();
    const ratings = new CanaryService(chart, 'ratings', {
      namespace: 'backend',
      port: 9080,
      versions: [ServiceVersion.deploy('v1', { image: 'r:1' }), ServiceVersion.deploy('v2', { image: 'r:2' })],
      traffic: TrafficSplit.canaryPercent(10),
    });
    new k8s.KubeService(chart, 'legacy', { metadata: { name: 'legacy', namespace: 'backend' }, spec: { selector: { app: 'legacy' }, ports: [{ port: 8080 }] } });
    edge(chart, {
      routes: [
        { to: EdgeDestination.release(ratings), when: [RequestCondition.uri(StringMatch.exact('/ratings'))] },
        { to: EdgeDestination.service('legacy', 8080, 'backend'), when: [RequestCondition.uri(StringMatch.exact('/legacy'))] },
      ],
    });
    const m = Testing.synth(chart);
    const grant = only(m, 'ReferenceGrant', 'shop-edge');
    expect(grant.metadata.namespace).toBe('backend');
    expect(grant.spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }],
      to: ['legacy', 'ratings', 'ratings-v1', 'ratings-v2'].map(name => ({ group: '', kind: 'Service', name })),
    });
    const route = only(m, 'HTTPRoute', 'edge-shop-example-com');
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'ratings-v1', namespace: 'backend', port: 9080, weight: 90 }, { name: 'ratings-v2', namespace: 'backend', port: 9080, weight: 10 }]);
    expect(m.indexOf(grant)).toBeLessThan(m.indexOf(route));
  });

  test('what the edge cannot be in Gateway API fails at once', () => {
    expect(() => edge(gatewayApiChart().chart, { selector: { istio: 'ingressgateway' } }))
      .toThrow(/\[shop\/edge\] selector: \{"istio":"ingressgateway"\} selects gateway pods, while Istio deploys the pods of a Gateway API Gateway itself/);
    expect(() => edge(gatewayApiChart().chart, { includeMesh: true })).toThrow(/\[shop\/edge\] includeMesh: applies the edge routes to mesh traffic/);
    expect(() => edge(gatewayApiChart().chart, { https: [{ credentialName: 'c', mode: TlsMode.MUTUAL }] })).toThrow(/\[shop\/edge\] https: asks clients for certificates/);
  });
});

describe('the simulator and the jest matchers read Gateway API as Istio does', () => {
  test('the matchers work on a chart of either form', () => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'jason-to-v2', { service: reviews, version: 'v2', when: [jason()] });
    expect(chart).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v2', rule: 'jason-to-v2' });
    expect(chart).toSplit({ host: 'reviews' }, { v1: 80, v3: 20 });
  });

  test("PathPrefix matches whole segments; rules of several routes on one parent in Istio's precedence", () => {
    const route = (name: string, rules: any[]) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name, namespace: 'shop' },
      spec: { parentRefs: [{ name: 'edge', sectionName: 'http' }], rules },
    });
    const to = (svc: string) => [{ name: svc, port: 80 }];
    const manifests = [
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: 'shop' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
      ...['a', 'b', 'c', 'd'].map(svc => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: svc, namespace: 'shop' }, spec: { selector: { app: svc }, ports: [{ port: 80 }] } })),
      ...['a', 'b', 'c', 'd'].map(svc => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: svc, namespace: 'shop' }, spec: { template: { metadata: { labels: { app: svc, version: svc } } } } })),
      // Written first, but the catch-all (PathPrefix '/') of the older route ranks below any longer prefix.
      route('older', [{ backendRefs: to('a') }, { matches: [{ path: { type: 'RegularExpression', value: '/re/.*' } }], backendRefs: to('d') }]),
      route('newer', [
        { matches: [{ path: { type: 'PathPrefix', value: '/api/' } }], backendRefs: to('b') },
        { matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-team', value: 'qa' }] }], backendRefs: to('c') },
      ]),
    ];
    const sim = RoutingSimulator.fromManifests(manifests);
    const at = (path: string, headers: { [k: string]: string } = {}) => sim.route({ host: 'x.example.com', gateway: 'shop/edge', port: 80, path, headers }).versionShares;
    expect(at('/api')).toEqual({ b: 100 });
    expect(at('/api/orders')).toEqual({ b: 100 });
    expect(at('/apix')).toEqual({ a: 100 });
    // Same prefix length ('/api/' is '/api'): more headers first.
    expect(at('/api/orders', { 'x-team': 'qa' })).toEqual({ c: 100 });
    // A regex ranks below every prefix, the catch-all's '/' included: it never applies here.
    expect(at('/re/x')).toEqual({ a: 100 });
  });
});

describe('ambient mode: authorization at the waypoint', () => {
  const chart = (waypoint: boolean) => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    const web = new CanaryService(c, 'web', { port: 8080, versions: [ServiceVersion.deploy('v1', { image: 'web:1' })] });
    const api = new CanaryService(c, 'api', { port: 8080, versions: [ServiceVersion.deploy('v1', { image: 'api:1' })] });
    new ServiceAuthorization(c, 'api-callers', { service: api, allow: [{ from: [Caller.service(web)], methods: ['GET'] }] });
    // Added after the policy: the namespace's mode still decides how the policy binds.
    new MeshNamespace(c, 'shop', { dataPlane: DataPlaneMode.AMBIENT, waypoint });
    return c;
  };

  test('with a waypoint, a service\'s policy binds to its Service and its version Services (targetRefs), where HTTP conditions hold', () => {
    const policy = only(synthChecked(chart(true)), 'AuthorizationPolicy', 'api-allow');
    // A waypoint enforces the policies of the Service a request is addressed to; routes (an edge's
    // too) address the version Services.
    expect(policy.spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'api' }, { group: '', kind: 'Service', name: 'api-v1' }]);
    expect(policy.spec.selector).toBeUndefined();
    expect(policy.spec.rules[0].to).toEqual([{ operation: { methods: ['GET'] } }]);
  });

  test('without a waypoint, the policy selects the pods, and its HTTP condition fails the synth (CIT0023)', () => {
    expect(() => Testing.synth(chart(false))).toThrow(/CIT0023/);
  });

  test('the simulator evaluates the policies bound to the waypoint with the caller\'s identity and HTTP, then the pods\' at L4 with the waypoint\'s', () => {
    const c = chart(true);
    new NamespaceDefaultDeny(c, 'deny');
    const fromWeb = { host: 'api', sourceNamespace: 'shop', sourceServiceAccount: 'web' };
    expect(c).toAllow({ ...fromWeb, method: 'GET' });
    // The method condition holds at the waypoint (HTTP), where the allow list is.
    expect(c).toDeny({ ...fromWeb, method: 'POST' });
    const outcome = RoutingSimulator.fromChart(c).route({ host: 'api', sourceNamespace: 'shop', sourceServiceAccount: 'intruder', method: 'GET' });
    expect(outcome.authorization?.explanation).toMatch(/^denied \(403\) at shop\/waypoint \(waypoint\): ALLOW policies shop\/api-allow, shop\/allow-nothing-at-waypoint apply and no rule of them matches \(principal cluster.local\/ns\/shop\/sa\/intruder\)/);
    // Without the policy admitting the waypoint at the pods, ztunnel refuses what the waypoint forwards.
    const manifests = Testing.synth(c).filter(o => o.metadata.name !== 'allow-nothing-from-waypoint');
    const withoutAdmission = RoutingSimulator.fromManifests(manifests).route({ ...fromWeb, method: 'GET' });
    expect(withoutAdmission.kind).toBe(OutcomeKind.DENIED);
    expect(withoutAdmission.authorization?.explanation).toMatch(/ALLOW policy shop\/allow-nothing applies and no rule of it matches \(the waypoint shop\/waypoint \(principal cluster.local\/ns\/shop\/sa\/waypoint\)\)/);
  });

  test('without a waypoint, ztunnel evaluates the pods\' policies at L4: an ALLOW rule with HTTP fields matches nothing', () => {
    const manifests = (rule: any) => [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio.io/dataplane-mode': 'ambient' } } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 8080 }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'api' } } } } },
      { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'api' } }, rules: [rule] } },
    ];
    const from = { from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] };
    const request = { host: 'api', sourceNamespace: 'shop', sourceServiceAccount: 'web', method: 'GET' };
    expect(RoutingSimulator.fromManifests(manifests(from)).route(request).kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    // https://istio.io/latest/docs/ambient/usage/l4-policy/: "the presence of a L7 policy ... causes the ztunnel to deny the connection".
    expect(RoutingSimulator.fromManifests(manifests({ ...from, to: [{ operation: { methods: ['GET'] } }] })).route(request).kind).toBe(OutcomeKind.DENIED);
  });

  test('JwtAuthentication binds to the waypoint too, where the token is checked (ztunnel ignores RequestAuthentications)', () => {
    const c = chart(true);
    const api = c.node.findChild('api') as CanaryService;
    new JwtAuthentication(c, 'jwt', { service: api, issuers: [{ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks' }], require: [{}] });
    const m = synthChecked(c);
    const refs = [{ group: '', kind: 'Service', name: 'api' }, { group: '', kind: 'Service', name: 'api-v1' }];
    expect(only(m, 'RequestAuthentication', 'api-jwt').spec.targetRefs).toEqual(refs);
    expect(only(m, 'AuthorizationPolicy', 'api-require-jwt').spec).toMatchObject({ targetRefs: refs, action: 'DENY' });
    const fromWeb = { host: 'api', sourceNamespace: 'shop', sourceServiceAccount: 'web', method: 'GET' };
    expect(c).toDeny(fromWeb);
    expect(c).toAllow({ ...fromWeb, jwtClaims: { iss: 'https://id.example.com', sub: 'alice' } });
    const forged = RoutingSimulator.fromChart(c).route({ ...fromWeb, jwtClaims: { iss: 'https://evil.example.com', sub: 'alice' } });
    expect(forged.authorization).toMatchObject({ allowed: false, status: 401, workload: 'shop/waypoint (waypoint)' });
  });

  test('requests from an edge pass the waypoint when the namespace says so (istio.io/ingress-use-waypoint), else go to the pods', () => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    const api = new CanaryService(c, 'api', { port: 8080, versions: [ServiceVersion.deploy('v1', { image: 'api:1' })] });
    const edge = new IngressEdge(c, 'edge', { hosts: ['api.example.com'], routes: [{ to: EdgeDestination.release(api) }] });
    new ServiceAuthorization(c, 'api-callers', { service: api, allow: [{ from: [Caller.ingressEdge(edge)], methods: ['GET'] }] });
    new MeshNamespace(c, 'shop', { dataPlane: DataPlaneMode.AMBIENT });
    new NamespaceDefaultDeny(c, 'deny');
    const request = { host: 'api.example.com', gateway: 'shop/edge', method: 'GET' };
    expect(c).toAllow(request);
    expect(c).toDeny({ ...request, method: 'DELETE' });
    // Without the label, the edge's request reaches the pods directly: the namespace's allow-nothing refuses it.
    const manifests = Testing.synth(c).map(o => (o.kind === 'Namespace'
      ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, 'istio.io/ingress-use-waypoint': 'false' } } } : o));
    expect(RoutingSimulator.fromManifests(manifests).route(request).kind).toBe(OutcomeKind.DENIED);
  });
});

describe('Caller.ingressEdge', () => {
  const secured = (api: RoutingApi) => {
    const app = Testing.app();
    RoutingApiSetting.use(app, api);
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    const web = new CanaryService(c, 'web', { port: 8080, versions: [ServiceVersion.deploy('v1', { image: 'web:1' })] });
    const edge = new IngressEdge(c, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(web) }] });
    new ServiceAuthorization(c, 'web-callers', { service: web, allow: [{ from: [Caller.ingressEdge(edge)] }] });
    return { chart: c, edge };
  };

  test("the edge's pods: the shared ingress gateway with Istio's APIs, the Gateway's own pods with Gateway API", () => {
    const principals = (api: RoutingApi) => only(synthChecked(secured(api).chart), 'AuthorizationPolicy', 'web-allow').spec.rules[0].from[0].source.principals;
    expect(principals(RoutingApi.ISTIO)).toEqual(['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
    expect(principals(RoutingApi.GATEWAY_API)).toEqual(['cluster.local/ns/shop/sa/edge-istio']);
  });

  test('requests through the edge are allowed in both forms; others are denied', () => {
    for (const api of [RoutingApi.ISTIO, RoutingApi.GATEWAY_API]) {
      const sim = RoutingSimulator.fromChart(secured(api).chart);
      expect(sim.route({ host: 'shop.example.com', gateway: 'shop/edge', port: 80 }).versionShares).toEqual({ v1: 100 });
      expect(sim.route({ host: 'web', sourceNamespace: 'shop', sourceServiceAccount: 'other' }).kind).toBe(OutcomeKind.DENIED);
    }
  });

  test('bad input', () => {
    expect(() => Caller.ingressEdge({} as any)).toThrow(/\[Caller.ingressEdge\] edge: \[\] is not an IngressEdge/);
    expect(() => Caller.ingressEdge(null as any)).toThrow(/edge: null is not an IngressEdge/);
    const { edge } = secured(RoutingApi.GATEWAY_API);
    expect(() => Caller.ingressEdge(edge, { namespace: 'istio-system' })).toThrow(/options: \{"namespace":"istio-system"\} is where a shared ingress gateway runs, but the edge shop\/edge is a Gateway API Gateway/);
  });
});

describe("the gateway's own pods in a namespace that denies by default", () => {
  test.each([['before', true], ['after', false]])('a NamespaceDefaultDeny made %s the edge: the edge admits every request to its pods', (_when, denyFirst) => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    if (denyFirst) { new NamespaceDefaultDeny(c, 'deny'); }
    const web = new CanaryService(c, 'web', { port: 8080, versions: [ServiceVersion.deploy('v1', { image: 'web:1' })] });
    const edge = new IngressEdge(c, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(web) }] });
    new ServiceAuthorization(c, 'web-callers', { service: web, allow: [{ from: [Caller.ingressEdge(edge)] }] });
    if (!denyFirst) { new NamespaceDefaultDeny(c, 'deny'); }
    const m = synthChecked(c);
    expect(only(m, 'AuthorizationPolicy', 'edge-gateway-pods').spec).toEqual({
      selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'edge' } }, action: 'ALLOW', rules: [{}],
    });
    const sim = RoutingSimulator.fromChart(c);
    expect(sim.route({ host: 'shop.example.com', gateway: 'shop/edge', port: 80 }).versionShares).toEqual({ v1: 100 });
    expect(sim.route({ host: 'web', sourceNamespace: 'shop', sourceServiceAccount: 'other' }).kind).toBe(OutcomeKind.DENIED);
  });

  test('without one, no policy for the gateway pods', () => {
    const { chart, reviews } = gatewayApiChart();
    new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(reviews) }] });
    expect(synthChecked(chart).filter(o => o.kind === 'AuthorizationPolicy')).toEqual([]);
  });
});

describe('ExistingService in Gateway API', () => {
  const existing = (targetPort?: number) => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    new ExistingService(c, 'cart', {
      port: 80, targetPort, versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')], traffic: TrafficSplit.canaryPercent(20),
    });
    return c;
  };

  test("the version Services target the pods' port, the Service port by default", () => {
    const m = Testing.synth(existing(8080));
    expect(only(m, 'Service', 'cart-v2').spec.ports[0]).toEqual({ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', appProtocol: 'http' });
    expect(only(m, 'HTTPRoute', 'cart').spec.rules[0].backendRefs).toEqual([{ name: 'cart-v1', port: 80, weight: 80 }, { name: 'cart-v2', port: 80, weight: 20 }]);
    expect(only(Testing.synth(existing()), 'Service', 'cart-v1').spec.ports[0].targetPort).toBe(80);
    expect(() => existing(0)).toThrow(/\[shop\/cart\] targetPort: 0 /);
  });
});

describe('a hand-written GAMMA route in a namespace outside the mesh', () => {
  test('fails the synth as a mesh VirtualService does (CIT0003)', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'plain' });
    // A construct of the library makes the chart one the analysis reads (every object of it).
    new MeshNamespace(chart, 'meshed');
    new CanaryService(chart, 'api', { namespace: 'meshed', port: 80, versions: [ServiceVersion.deploy('v1', { image: 'api:1' })] });
    new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'plain' } });
    new k8s.KubeService(chart, 'svc', { metadata: { name: 'web', namespace: 'plain' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    new k8s.KubeDeployment(chart, 'dep', {
      metadata: { name: 'web', namespace: 'plain' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
    });
    new ApiObject(chart, 'route', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: 'plain' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 80 }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    });
    expect(() => Testing.synth(chart)).toThrow(/\[CIT0003\].*Namespace plain\/plain metadata.labels.*has routed workloads \(Deployment\/web\) but no sidecar injection label/);
  });
});

describe('Gateway API: the limits and shapes of a route', () => {
  test('a repeated rule name gets the first free number', () => {
    const { chart, reviews } = gatewayApiChart();
    const edge = new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'] });
    for (const [name, path] of [['a', '/one'], ['a', '/two'], ['a-2', '/three']]) {
      edge.addRoute({ name, to: EdgeDestination.version(reviews, 'v1'), when: [RequestCondition.uri(StringMatch.exact(path))] });
    }
    const names = only(synthChecked(chart), 'HTTPRoute', 'edge-shop-example-com').spec.rules.map((r: any) => r.name);
    expect(names).toEqual(['a', 'a-3', 'a-2']);
  });

  test('more than 16 rules fail, naming the construct and the host', () => {
    const { chart, reviews } = gatewayApiChart();
    const edge = new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'] });
    for (let i = 0; i < 17; i++) { edge.addRoute({ to: EdgeDestination.version(reviews, 'v1'), when: [RequestCondition.uri(StringMatch.exact(`/p${i}`))] }); }
    expect(() => Testing.synth(chart)).toThrow(/\[shop\/edge\] routes: the route of 'shop.example.com' \(shop\/edge-shop-example-com\) has 17 rules .* at most 16/);
  });

  test("a path Gateway API's CEL rules refuse fails with the library's message", () => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'odd', { service: reviews, version: 'v2', when: [RequestCondition.pathPrefix('/a//b')] });
    expect(() => Testing.synth(chart)).toThrow(/\[shop\/odd\] match.uri: '\/a\/\/b' is a path that contains '\/\/', which the Kubernetes Gateway API cannot say/);
  });

  test('gRPC: a timeout fails (a GRPCRoute has none)', () => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const svc = new CanaryService(chart, 'catalog', { port: 50051, protocol: ServiceProtocol.GRPC, versions: [ServiceVersion.deploy('v1', { image: 'c:1' })] });
    new RoutePolicy(chart, 'slow', { service: svc, timeout: Duration.seconds(2) });
    expect(() => Testing.synth(chart)).toThrow(/\[shop\/catalog\] timeout: sets a timeout on a gRPC service \(a GRPCRoute rule has no timeouts\)/);
  });

  test('a rewrite of a rule without a path condition fails (Istio would replace the prefix /)', () => {
    const { chart, reviews } = gatewayApiChart();
    new IngressEdge(chart, 'edge', {
      hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(reviews), when: [RequestCondition.headerExact('x-api', '2')], rewriteUri: '/v2' }],
    });
    expect(() => Testing.synth(chart)).toThrow(/\[shop\/edge\] rewriteUri: rewrites the path of a rule without a path condition/);
  });
});

describe('the simulator reads Gateway API routes per host and listener', () => {
  const gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'shop' },
    spec: { gatewayClassName: 'istio', listeners: [{ name: 'a', port: 80, protocol: 'HTTP', hostname: 'a.example.com' }, { name: 'b', port: 80, protocol: 'HTTP', hostname: 'b.example.com' }] },
  };
  const pods = ['x', 'y'].flatMap(svc => [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: svc, namespace: 'shop' }, spec: { selector: { app: svc }, ports: [{ port: 80 }] } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: svc, namespace: 'shop' }, spec: { template: { metadata: { labels: { app: svc, version: svc } } } } },
  ]);
  const route = (name: string, spec: any) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'shop' }, spec });
  const at = (sim: RoutingSimulator, host: string, path = '/') => sim.route({ host, gateway: 'shop/edge', port: 80, path });

  test('routes of one host are merged however their hostnames are listed; without hostnames, a route takes its listeners\'', () => {
    const sim = RoutingSimulator.fromManifests([gateway, ...pods,
      route('both', { parentRefs: [{ name: 'edge' }], hostnames: ['a.example.com', 'b.example.com'], rules: [{ backendRefs: [{ name: 'x', port: 80 }] }] }),
      route('a-api', { parentRefs: [{ name: 'edge', sectionName: 'a' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'y', port: 80 }] }] })]);
    expect(at(sim, 'a.example.com', '/api/1').versionShares).toEqual({ y: 100 });
    expect(at(sim, 'a.example.com', '/').versionShares).toEqual({ x: 100 });
    expect(at(sim, 'b.example.com', '/api/1').versionShares).toEqual({ x: 100 });
  });

  test('a sectionName no listener has attaches the route nowhere', () => {
    const sim = RoutingSimulator.fromManifests([gateway, ...pods,
      route('lost', { parentRefs: [{ name: 'edge', sectionName: 'https' }], rules: [{ backendRefs: [{ name: 'x', port: 80 }] }] })]);
    expect(at(sim, 'a.example.com').status).toBe(404);
  });

  test("a GRPCRoute's method is the path pilot matches: a service alone is its path prefix, ranked above header-only matches", () => {
    const sim = RoutingSimulator.fromManifests([...pods,
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GRPCRoute',
        metadata: { name: 'g', namespace: 'shop' },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'x', port: 80 }],
          rules: [
            { matches: [{ headers: [{ name: 'x-team', value: 'qa' }] }], backendRefs: [{ name: 'x', port: 80 }] },
            { matches: [{ method: { service: 'shop.Catalog' } }], backendRefs: [{ name: 'y', port: 80 }] },
          ],
        },
      }]);
    const call = (path: string, headers: { [k: string]: string } = {}) => sim.route({ host: 'x.shop.svc.cluster.local', path, headers }).versionShares;
    expect(call('/shop.Catalog/List', { 'x-team': 'qa' })).toEqual({ y: 100 });
    expect(call('/shop.Other/List', { 'x-team': 'qa' })).toEqual({ x: 100 });
  });
});

describe('RoutingApi.GATEWAY_API_EXPERIMENTAL: retries as the experimental retry field', () => {
  const experimental = () => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API_EXPERIMENTAL);
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const reviews = new CanaryService(chart, 'reviews', {
      port: 9080, versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })), traffic: TrafficSplit.canaryPercent(10),
    });
    return { chart, reviews };
  };

  test('attempts, status codes and the per-try timeout as timeouts.backendRequest', () => {
    const { chart, reviews } = experimental();
    new RoutePolicy(chart, 'retry', {
      service: reviews,
      timeout: Duration.seconds(6),
      retries: {
        attempts: 3, perTryTimeout: Duration.seconds(2), retryOn: [RetryOn.statusCode(503), RetryOn.statusCode(429), RetryOn.CONNECT_FAILURE],
      },
    });
    // Checked at synth against the experimental channel's HTTPRoute CRD (the standard one has no retry).
    const rule = only(Testing.synth(chart), 'HTTPRoute', 'reviews').spec.rules[0];
    expect(rule.retry).toEqual({ attempts: 3, codes: [429, 503] });
    expect(rule.timeouts).toEqual({ request: '6s', backendRequest: '2s' });
    const outcome = RoutingSimulator.fromChart(chart).route({ host: 'reviews' });
    expect(outcome.retries).toEqual({ attempts: 3, perTryTimeout: '2s', retryOn: 'connect-failure,refused-stream,unavailable,cancelled,429,503' });
    expect(outcome.timeout).toBe('6s');
  });

  test('gateway-error is 502-504', () => {
    const { chart, reviews } = experimental();
    new RoutePolicy(chart, 'retry', { service: reviews, retries: { attempts: 2, retryOn: [RetryOn.GATEWAY_ERROR] } });
    expect(only(Testing.synth(chart), 'HTTPRoute', 'reviews').spec.rules[0].retry).toEqual({ attempts: 2, codes: [502, 503, 504] });
  });

  test('what a Gateway API retry cannot say fails', () => {
    const { chart, reviews } = experimental();
    new RoutePolicy(chart, 'reset', { service: reviews, retries: { attempts: 2, retryOn: [RetryOn.of('reset')] } });
    expect(() => Testing.synth(chart)).toThrow(/\[shop\/reviews\] retries.retryOn: retries on 'reset' \(a Gateway API retry names HTTP status codes from 400 to 599/);
    const off = experimental();
    new RoutePolicy(off.chart, 'off', { service: off.reviews, retries: { attempts: 0 } });
    expect(() => Testing.synth(off.chart)).toThrow(/retries.attempts: 0 turns retries off/);
  });

  test('a hand-written retry is refused by the standard CRDs and taken by the experimental ones', () => {
    const route = (chart: Chart) => new ApiObject(chart, 'hand', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'hand', namespace: 'shop' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080 }], retry: { attempts: 2 } }] },
    });
    const ok = experimental();
    route(ok.chart);
    expect(() => Testing.synth(ok.chart)).not.toThrow();
    const standard = gatewayApiChart();
    route(standard.chart);
    expect(() => Testing.synth(standard.chart)).toThrow(/\[IST0106\] \[shop\/hand\] HTTPRoute shop\/hand spec.rules\[0\].retry/);
  });
});

describe('the second review of the Gateway API output', () => {
  const experimental = () => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API_EXPERIMENTAL);
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const reviews = new CanaryService(chart, 'reviews', { port: 9080, versions: [ServiceVersion.deploy('v1', { image: 'r:1' })] });
    return { chart, reviews };
  };

  test("retries without conditions keep Istio's default status code, 503", () => {
    const { chart, reviews } = experimental();
    new RoutePolicy(chart, 'retry', { service: reviews, retries: { attempts: 3 } });
    expect(only(Testing.synth(chart), 'HTTPRoute', 'reviews').spec.rules[0].retry).toEqual({ attempts: 3, codes: [503] });
  });

  test('5xx with a per-try timeout fails (Envoy retries a timed-out try only for 5xx, gateway-error or reset)', () => {
    const { chart, reviews } = experimental();
    new RoutePolicy(chart, 'retry', { service: reviews, retries: { attempts: 3, perTryTimeout: Duration.seconds(1), retryOn: [RetryOn.FIVE_XX] } });
    expect(() => Testing.synth(chart)).toThrow(/\[shop\/reviews\] retries.retryOn: retries on '5xx' with a per-try timeout/);
  });

  test('Analysis.analyzeManifests checks manifests of the experimental channel against its CRDs', () => {
    const { chart, reviews } = experimental();
    new RoutePolicy(chart, 'retry', { service: reviews, retries: { attempts: 2 } });
    const manifests = Testing.synth(chart);
    const errors = (api?: RoutingApi) => Analysis.analyzeManifests(manifests, api).filter(f => f.code === 'IST0106');
    expect(errors(RoutingApi.GATEWAY_API_EXPERIMENTAL)).toEqual([]);
    expect(errors().map(f => f.field)).toEqual(['spec.rules[0].retry']);
    expect(() => Analysis.analyzeManifests(manifests, 'beta' as any)).toThrow(/\[Analysis.analyzeManifests\] routingApi: 'beta' is not a RoutingApi/);
  });

  test('a NamespaceDefaultDeny in another chart of the app: the edge still admits requests to its pods', () => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
    const shop = new Chart(app, 'shop', { namespace: 'shop' });
    const web = new CanaryService(shop, 'web', { port: 8080, versions: [ServiceVersion.deploy('v1', { image: 'web:1' })] });
    const edge = new IngressEdge(shop, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(web) }] });
    new ServiceAuthorization(shop, 'web-callers', { service: web, allow: [{ from: [Caller.ingressEdge(edge)] }] });
    const policies = new Chart(app, 'policies', { namespace: 'shop' });
    new NamespaceDefaultDeny(policies, 'deny');
    expect(only(Testing.synth(shop), 'AuthorizationPolicy', 'edge-gateway-pods').spec.action).toBe('ALLOW');
    expect(RoutingSimulator.fromApp(app).route({ host: 'shop.example.com', gateway: 'shop/edge', port: 80 }).versionShares).toEqual({ v1: 100 });
  });

  test('the simulator leaves zero durations out, as pilot does', () => {
    const sim = RoutingSimulator.fromManifests([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'shop' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'x', namespace: 'shop' },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'x', port: 80 }], rules: [{ backendRefs: [{ name: 'x', port: 80 }], timeouts: { request: '10s', backendRequest: '0s' } }],
        },
      },
    ]);
    expect(sim.route({ host: 'x.shop.svc.cluster.local' }).timeout).toBe('10s');
  });
});

describe('the simulator never throws on malformed Gateway API objects', () => {
  test('nulls and non-lists where lists belong are left out', () => {
    const manifests = [
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: 'shop' }, spec: { gatewayClassName: 'istio', listeners: [null, { name: 'http', port: 80, protocol: 'HTTP' }] } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'r', namespace: 'shop' },
        spec: {
          parentRefs: [null, { name: 'edge' }],
          rules: [null, {
            matches: [null, { headers: [null, { name: 'x', value: '1' }] }],
            filters: [null, { type: 'RequestMirror', requestMirror: {} },
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [null] } }],
            backendRefs: [null, { name: 'x', port: 80 }],
          }],
        },
      },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 's', namespace: 'shop' }, spec: { parentRefs: {}, rules: 'x' } },
    ];
    const sim = RoutingSimulator.fromManifests(manifests);
    expect(() => sim.route({ host: 'a.example.com', gateway: 'shop/edge', port: 80, headers: { x: '1' } })).not.toThrow();
  });
});

describe('mayOverlap: when two match blocks can meet the same request (the precedence check)', () => {
  test.each([
    [{ uri: { exact: '/a' } }, { uri: { exact: '/a' } }, true],
    [{ uri: { exact: '/a' } }, { uri: { exact: '/b' } }, false],
    [{ uri: { exact: '/api/x' } }, { uri: { prefix: '/api' } }, true],
    [{ uri: { prefix: '/api' } }, { uri: { exact: '/web' } }, false],
    [{ uri: { exact: '/web' } }, { uri: { prefix: '/api' } }, false],
    [{ uri: { prefix: '/api' } }, { uri: { prefix: '/api/v2' } }, true],
    [{ uri: { prefix: '/api/v2' } }, { uri: { prefix: '/api' } }, true],
    [{ uri: { prefix: '/a' } }, { uri: { prefix: '/b' } }, false],
    [{ uri: { regex: '/a.*' } }, { uri: { exact: '/b' } }, true],
    [{ method: { exact: 'GET' } }, { method: { exact: 'POST' } }, false],
    [{ headers: { 'X-Team': { exact: 'qa' } } }, { headers: { 'x-team': { exact: 'dev' } } }, false],
    [{ headers: { 'x-team': { exact: 'qa' } } }, { headers: { 'x-other': { exact: 'dev' } } }, true],
    [{ queryParams: { v: { exact: '1' } } }, { queryParams: { v: { exact: '2' } } }, false],
    [{ queryParams: { v: { exact: '1' } } }, { queryParams: { V: { exact: '2' } } }, true],
    [{}, { uri: { exact: '/a' } }, true],
  ])('%j and %j: %s', (a, b, expected) => {
    expect(mayOverlap(a, b)).toBe(expected);
    expect(mayOverlap(b, a)).toBe(expected);
  });
});

describe('Gateway API rules, field by field (render/gateway-api.ts)', () => {
  const route = (chart: Chart, name = 'reviews') => only(synthChecked(chart), 'HTTPRoute', name).spec.rules;
  const edgeRules = (chart: Chart, host = 'shop.example.com') => route(chart, `edge-${host.replace(/\./g, '-')}`);

  test('the limits are inclusive: 16 rules, 64 condition sets in a rule and 128 in all are written', () => {
    const { chart, reviews } = gatewayApiChart();
    const edge = new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'] });
    for (let i = 0; i < 16; i++) { edge.addRoute({ to: EdgeDestination.version(reviews, 'v1'), when: [RequestCondition.uri(StringMatch.exact(`/p${i}`))] }); }
    expect(edgeRules(chart)).toHaveLength(16);

    const sets = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ conditions: [RequestCondition.uri(StringMatch.exact(`/p${from + i}`))] }));
    const withRules = (...sizes: number[]) => {
      const made = gatewayApiChart();
      const e = new IngressEdge(made.chart, 'edge', { hosts: ['shop.example.com'] });
      let from = 0;
      sizes.forEach((n, i) => {
        e.addRoute({ name: `r${i}`, to: EdgeDestination.version(made.reviews, i % 2 === 0 ? 'v1' : 'v3'), rules: sets(from, n) });
        from += n;
      });
      return made.chart;
    };
    expect(edgeRules(withRules(64, 64)).map((r: any) => r.matches.length)).toEqual([64, 64]);
    // The CRD's CEL rule is `<= 128` (its message says "less than 128"): the API server takes 128.
    expect(() => Testing.synth(withRules(64, 64, 1))).toThrow(/\[shop\/edge\] routes: the route of 'shop.example.com' \(shop\/edge-shop-example-com\) has 129 condition sets in all, and a Gateway API route has at most 128\. Route fewer paths or releases on this host, or write this chart with RoutingApi.ISTIO/);
    expect(() => Testing.synth(withRules(65))).toThrow(/routes: the route of 'shop.example.com' \(shop\/edge-shop-example-com\): rule 'r0' has 65 condition sets, and a Gateway API rule has at most 64/);
  });

  test('a rule sends to at most 16 backends', () => {
    const split = (n: number) => {
      const app = Testing.app();
      RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
      const chart = new Chart(app, 'shop', { namespace: 'shop' });
      const versions = Array.from({ length: n }, (_, i) => ServiceVersion.deploy(`v${i + 1}`, { image: `r:${i + 1}` }));
      // 6% each, the rest to the last version.
      const weights = Object.fromEntries(versions.map((v, i) => [v.name, i < n - 1 ? 6 : 100 - 6 * (n - 1)]));
      new CanaryService(chart, 'reviews', { port: 9080, versions, traffic: TrafficSplit.weights(weights) });
      return chart;
    };
    expect(only(Testing.synth(split(16)), 'HTTPRoute', 'reviews').spec.rules[0].backendRefs).toHaveLength(16);
    expect(() => Testing.synth(split(17))).toThrow(/\[shop\/reviews\] routes: the route of 'reviews' \(shop\/reviews\): rule 'default' sends to 17 backends, and a Gateway API rule has at most 16\. Split the traffic among at most 16 versions/);
  });

  test('a rule name that is not a SectionName is left out (the route stays valid)', () => {
    const { chart, reviews } = gatewayApiChart();
    const edge = new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'] });
    edge.addRoute({ name: 'Api_V2', to: EdgeDestination.version(reviews, 'v2'), when: [RequestCondition.uri(StringMatch.exact('/a'))] });
    edge.addRoute({ name: 'ok-name', to: EdgeDestination.version(reviews, 'v1'), when: [RequestCondition.uri(StringMatch.exact('/b'))] });
    const rules = edgeRules(chart);
    expect(rules[0].name).toBeUndefined();
    expect(rules[1].name).toBe('ok-name');
  });

  test('string matches: exact, a prefix as a quoted RE2 regex, a regex; paths as Exact and PathPrefix', () => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'qa', {
      service: reviews,
      version: 'v2',
      when: [RequestCondition.header('x-build', StringMatch.prefix('1.2+')), RequestCondition.queryParam('q', StringMatch.regex('a|b')),
        RequestCondition.uri(StringMatch.exact('/exact/path'))],
    });
    expect(route(chart)[0].matches).toEqual([{
      path: { type: 'Exact', value: '/exact/path' },
      headers: [{ name: 'x-build', type: 'RegularExpression', value: '1\\.2\\+.*' }],
      queryParams: [{ name: 'q', type: 'RegularExpression', value: 'a|b' }],
    }]);
  });

  test.each([
    ['/a/./b', "contains '/./'"],
    ['/a/../b', "contains '/../'"],
    ['/a%2fb', "contains '%2f'"],
    ['/a%2Fb', "contains '%2F'"],
    ['/a#b', "contains '#'"],
    ['/a/.', "ends with '/.' or '/..'"],
    ['/a/..', "ends with '/.' or '/..'"],
    ['/a b', 'has characters a URL path cannot have unescaped'],
    ['/a%zz', 'has characters a URL path cannot have unescaped'],
  ])('the path %s fails: it %s', (path, problem) => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'odd', { service: reviews, version: 'v2', when: [RequestCondition.uri(StringMatch.exact(path))] });
    expect(() => Testing.synth(chart)).toThrow(`match.uri: '${path}' is a path that ${problem}`);
  });

  test.each(['/a%20b', "/a-b_c.d~e!$&'()*+,;=:@/f", '/a.b', '/..a'])('the path %s is written', path => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'odd', { service: reviews, version: 'v2', when: [RequestCondition.uri(StringMatch.exact(path))] });
    expect(route(chart)[0].matches).toEqual([{ path: { type: 'Exact', value: path } }]);
  });

  test('a method Gateway API cannot name fails; each one it names is written', () => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'purge', { service: reviews, version: 'v2', when: [RequestCondition.method('PURGE')] });
    expect(() => Testing.synth(chart)).toThrow(/\[shop\/purge\] match.method: \{"exact":"PURGE"\} is a method condition other than one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH exactly, which the Kubernetes Gateway API cannot say \(rule 'purge'\)\. Leave it out of this chart, or write this chart with RoutingApi.ISTIO/);
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']) {
      const ok = gatewayApiChart();
      new DarkRelease(ok.chart, 'm', { service: ok.reviews, version: 'v2', when: [RequestCondition.method(method)] });
      expect(route(ok.chart)[0].matches).toEqual([{ method }]);
    }
  });

  test('a gRPC service refuses path, query and method conditions, rewrites and retries, naming each', () => {
    const grpc = () => {
      const app = Testing.app();
      RoutingApiSetting.use(app, RoutingApi.GATEWAY_API_EXPERIMENTAL);
      const chart = new Chart(app, 'shop', { namespace: 'shop' });
      const svc = new CanaryService(chart, 'catalog', {
        port: 50051, protocol: ServiceProtocol.GRPC, versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `c:${v}` })), traffic: TrafficSplit.canaryPercent(10),
      });
      return { chart, svc };
    };
    const cases: Array<[(c: Chart, s: CanaryService) => void, RegExp]> = [
      [(c, s) => new DarkRelease(c, 'p', { service: s, version: 'v2', when: [RequestCondition.pathPrefix('/x')] }), /match.uri: a path condition on a gRPC service/],
      [(c, s) => new DarkRelease(c, 'p', { service: s, version: 'v2', when: [RequestCondition.queryParam('a', StringMatch.exact('1'))] }), /match.queryParams: a query parameter condition on a gRPC service/],
      [(c, s) => new DarkRelease(c, 'p', { service: s, version: 'v2', when: [RequestCondition.method('POST')] }), /match.method: an HTTP method condition on a gRPC service/],
      [(c, s) => new RoutePolicy(c, 'p', { service: s, retries: { attempts: 2 } }), /retries: sets retries on a gRPC service \(a GRPCRoute rule has no retry\)/],
    ];
    for (const [make, error] of cases) {
      const { chart, svc } = grpc();
      make(chart, svc);
      expect(() => Testing.synth(chart)).toThrow(error);
    }
    const { chart, svc } = grpc();
    new DarkRelease(chart, 'team', { service: svc, version: 'v2', when: [RequestCondition.headerExact('x-team', 'a')] });
    expect(only(synthChecked(chart), 'GRPCRoute', 'catalog').spec.rules[0].matches).toEqual([{ headers: [{ name: 'x-team', type: 'Exact', value: 'a' }] }]);
  });

  test('backends: a Service of another namespace names its namespace; one of the route\'s namespace does not', () => {
    const { app, chart, reviews } = gatewayApiChart();
    const other = new Chart(app, 'other', { namespace: 'other' });
    const ratings = new CanaryService(other, 'ratings', { port: 9080, versions: [ServiceVersion.deploy('v1', { image: 'ratings:1' })] });
    new IngressEdge(chart, 'edge', {
      hosts: ['shop.example.com'],
      routes: [{ name: 'other', to: EdgeDestination.version(ratings, 'v1'), when: [RequestCondition.pathPrefix('/r')] },
        { name: 'here', to: EdgeDestination.version(reviews, 'v1') }],
    });
    expect(edgeRules(chart).map((r: any) => r.backendRefs)).toEqual([[{ name: 'ratings-v1', namespace: 'other', port: 9080 }], [{ name: 'reviews-v1', port: 9080 }]]);
  });

  test('backends: one live destination has no weight; zero weights are left out unless every weight is zero', () => {
    const { chart } = gatewayApiChart(TrafficSplit.weights({ v1: 100, v3: 0 }));
    expect(route(chart)).toEqual([{ name: 'default', backendRefs: [{ name: 'reviews-v1', port: 9080 }] }]);
  });

  test('mirrors: a whole percentage as percent, a fraction as parts per million, 100 as every request', () => {
    const shares: Array<[number, any]> = [[25, { percent: 25 }], [0.5, { fraction: { numerator: 5000, denominator: 1_000_000 } }], [100, {}]];
    for (const [percentage, share] of shares) {
      const { chart, reviews } = gatewayApiChart();
      new TrafficMirror(chart, 'mirror', { service: reviews, version: 'v2', percentage });
      expect(route(chart)[0].filters).toEqual([{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'reviews-v2', port: 9080 }, ...share } }]);
    }
  });

  test('a rewrite: the authority as the hostname; an exact path replaced whole, a prefix as ReplacePrefixMatch', () => {
    const { chart, reviews } = gatewayApiChart();
    new IngressEdge(chart, 'edge', {
      hosts: ['shop.example.com'],
      routes: [
        { name: 'exact', to: EdgeDestination.version(reviews, 'v1'), when: [RequestCondition.uri(StringMatch.exact('/old'))], rewriteUri: '/new', rewriteAuthority: 'reviews.internal' },
        { name: 'prefix', to: EdgeDestination.version(reviews, 'v1'), when: [RequestCondition.pathPrefix('/v1')], rewriteUri: '/' },
        { name: 'host', to: EdgeDestination.version(reviews, 'v1'), when: [RequestCondition.headerExact('x-a', '1')], rewriteAuthority: 'a.internal' },
      ],
    });
    const filters = Object.fromEntries(edgeRules(chart).map((r: any) => [r.name, r.filters]));
    expect(filters.exact).toEqual([{ type: 'URLRewrite', urlRewrite: { hostname: 'reviews.internal', path: { type: 'ReplaceFullPath', replaceFullPath: '/new' } } }]);
    expect(filters.prefix).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }]);
    expect(filters.host).toEqual([{ type: 'URLRewrite', urlRewrite: { hostname: 'a.internal' } }]);
  });

  test('VersionAffinity: pins as header rules, and the version told to the client as a response header filter per backend', () => {
    const { chart, reviews } = gatewayApiChart();
    new VersionAffinity(chart, 'pin', { service: reviews, header: 'x-version' });
    const rules = route(chart);
    // v2 has no share of the split, so no client is told it and it has no pin.
    expect(rules.map((r: any) => r.name)).toEqual(['pin-v1', 'pin-v3', 'default']);
    expect(rules[1]).toEqual({ name: 'pin-v3', matches: [{ headers: [{ name: 'x-version', type: 'Exact', value: 'v3' }] }], backendRefs: [{ name: 'reviews-v3', port: 9080 }] });
    const told = (v: string) => [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-version', value: v }] } }];
    expect(rules[2].backendRefs).toEqual([
      { name: 'reviews-v1', port: 9080, weight: 80, filters: told('v1') },
      { name: 'reviews-v3', port: 9080, weight: 20, filters: told('v3') },
    ]);
    expect(chart).toRoute({ host: 'reviews', headers: { 'x-version': 'v3' } }, { version: 'v3', rule: 'pin-v3' });
  });

  test('VersionAffinity by cookie: the cookie is added to the response of each backend', () => {
    const { chart, reviews } = gatewayApiChart();
    new VersionAffinity(chart, 'pin', { service: reviews, cookie: 'ver', cookieMaxAge: Duration.hours(1) });
    const rules = route(chart);
    expect(rules[0].matches).toEqual([{ headers: [{ name: 'cookie', type: 'RegularExpression', value: '(.*;\\s*)?ver=v1(;.*)?' }] }]);
    expect(rules[2].backendRefs[0].filters).toEqual([{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'set-cookie', value: 'ver=v1; Path=/; Max-Age=3600' }] } }]);
    expect(chart).toRoute({ host: 'reviews', headers: { cookie: 'a=b; ver=v3' } }, { version: 'v3', rule: 'pin-v3' });
  });

  test('a dark release by user agent down a call path: the user agent copied into the propagated header by a request filter', () => {
    const { chart, reviews } = gatewayApiChart();
    const ratings = new CanaryService(chart, 'ratings', { port: 9080, versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `ratings:${v}` })) });
    new DarkRelease(chart, 'firefox', { service: reviews, version: 'v2', when: [RequestCondition.userAgent(UserAgent.FIREFOX)], callPath: [ratings] });
    const m = synthChecked(chart);
    const first = only(m, 'HTTPRoute', 'reviews').spec.rules[0];
    expect(first.filters).toEqual([{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'baggage-user-agent', value: '%REQ(user-agent)%' }] } }]);
    expect(only(m, 'HTTPRoute', 'ratings').spec.rules[0].matches).toEqual([{ headers: [{ name: 'baggage-user-agent', type: 'RegularExpression', value: '.*(Firefox|FxiOS)/.*' }] }]);
  });

  test('a prefix rewrite of a rule with two condition sets fails, naming the count', () => {
    const { chart, reviews } = gatewayApiChart();
    new IngressEdge(chart, 'edge', {
      hosts: ['shop.example.com'],
      routes: [{ to: EdgeDestination.version(reviews, 'v1'), rules: [{ conditions: [RequestCondition.pathPrefix('/a')] }, { conditions: [RequestCondition.pathPrefix('/b')] }], rewriteUri: '/' }],
    });
    expect(() => Testing.synth(chart)).toThrow(/rewriteUri: replaces the matched path prefix of a rule with 2 condition sets \(Gateway API replaces a prefix only in a rule of one PathPrefix match\)/);
  });

  test('a timeout longer than five digits of one unit fails; five digits are written', () => {
    const { chart, reviews } = gatewayApiChart();
    new RoutePolicy(chart, 'slow', { service: reviews, timeout: Duration.seconds(99999) });
    expect(route(chart)[0].timeouts).toEqual({ request: '99999s' });
    const over = gatewayApiChart();
    new RoutePolicy(over.chart, 'slow', { service: over.reviews, timeout: Duration.seconds(100000) });
    expect(() => Testing.synth(over.chart)).toThrow(/timeout: '100000s' is a duration longer than a Gateway API duration can write \(at most 99999 of one unit\)/);
  });

  test('the precedence conflict names both rules, their conditions and the fix', () => {
    const { chart, reviews } = gatewayApiChart();
    new DarkRelease(chart, 'jason', { service: reviews, version: 'v2', when: [jason()] });
    new DarkRelease(chart, 'api', { service: reviews, version: 'v3', when: [RequestCondition.pathPrefix('/api')] });
    expect(() => Testing.synth(chart)).toThrow(
      "[shop/api] match: rule 'api' ({\"uri\":{\"prefix\":\"/api\"}}) would be tried before rule 'jason' (shop/jason, {\"headers\":{\"end-user\":{\"exact\":\"jason\"}}}) in Gateway API, "
      + 'which orders rules by their matches (exact path, longest prefix, regex, method, most headers, most query parameters), and a request can meet both, '
      + 'so it would go elsewhere than this chart says. Make the conditions of the two rules exclusive (e.g. give the earlier one a condition the later one lacks), or write this chart with RoutingApi.ISTIO (RoutingApiSetting.use), which can say it');
  });
});

describe('Gateway API retries, status code by status code (experimental channel)', () => {
  const retryOf = (retryOn: RetryOn[] | undefined, perTryTimeout?: Duration) => {
    const app = Testing.app();
    RoutingApiSetting.use(app, RoutingApi.GATEWAY_API_EXPERIMENTAL);
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const reviews = new CanaryService(chart, 'reviews', { port: 9080, versions: [ServiceVersion.deploy('v1', { image: 'r:1' })] });
    new RoutePolicy(chart, 'retry', { service: reviews, retries: { attempts: 2, retryOn, perTryTimeout } });
    return () => only(Testing.synth(chart), 'HTTPRoute', 'reviews').spec.rules[0];
  };

  test('status codes from 400 are retried, 3xx fail; connection conditions add no code', () => {
    expect(retryOf([RetryOn.statusCode(400), RetryOn.statusCode(511), RetryOn.CONNECT_FAILURE, RetryOn.of('refused-stream'), RetryOn.of('retriable-status-codes')])().retry)
      .toEqual({ attempts: 2, codes: [400, 511] });
    expect(retryOf([RetryOn.statusCode(308)])).toThrow(/retries.retryOn: retries on '308' \(a Gateway API retry names HTTP status codes from 400 to 599/);
    expect(retryOf([RetryOn.CONNECT_FAILURE])().retry).toEqual({ attempts: 2 });
  });

  test('5xx is every code from 500 to 599', () => {
    expect(retryOf([RetryOn.FIVE_XX])().retry).toEqual({ attempts: 2, codes: Array.from({ length: 100 }, (_, i) => 500 + i) });
  });

  test('gateway-error with a per-try timeout fails, naming the condition; a status code with one is written', () => {
    expect(retryOf([RetryOn.GATEWAY_ERROR], Duration.seconds(1))).toThrow(/retries.retryOn: retries on 'gateway-error' with a per-try timeout/);
    expect(retryOf([RetryOn.statusCode(503)], Duration.seconds(1))()).toMatchObject({ retry: { attempts: 2, codes: [503] }, timeouts: { backendRequest: '1s' } });
  });
});

describe('Gateway API rules: the cases a mutation run found untested', () => {
  const route = (chart: Chart, name = 'reviews') => only(synthChecked(chart), 'HTTPRoute', name).spec.rules;
  const edgeRules = (chart: Chart) => route(chart, 'edge-shop-example-com');

  test.each([
    ['reviews', { name: 'reviews', namespace: 'shop' }],
    ['ratings.other', { name: 'ratings', namespace: 'other' }],
    ['ratings.other.svc', { name: 'ratings', namespace: 'other' }],
    ['ratings.other.svc.cluster.local', { name: 'ratings', namespace: 'other' }],
  ])('the host %s is Service %j', (host, service) => {
    const rule: any = { source: new Chart(Testing.app(), 'c'), name: 'r' };
    expect(serviceOf(rule, 'route', host, 'shop')).toEqual(service);
  });

  test.each(['ratings.other.cluster', 'ratings.other.svc.cluster', 'api.example.com', 'a.b.svc.example.com', 'a.b.c.svc.cluster.local'])('the host %s is not a Service', host => {
    const rule: any = { source: new Chart(Testing.app(), 'c'), name: 'r' };
    expect(() => serviceOf(rule, 'route', host, 'shop')).toThrow(`[c] route: '${host}' is not a Service of the cluster, and a Gateway API backendRef names a Service, which the Kubernetes Gateway API cannot say (rule 'r')`);
  });

  test('one attempt is a retry; a per-try timeout longer than a Gateway API duration fails', () => {
    const experimental = (perTryTimeout?: Duration) => {
      const app = Testing.app();
      RoutingApiSetting.use(app, RoutingApi.GATEWAY_API_EXPERIMENTAL);
      const chart = new Chart(app, 'shop', { namespace: 'shop' });
      const reviews = new CanaryService(chart, 'reviews', { port: 9080, versions: [ServiceVersion.deploy('v1', { image: 'r:1' })] });
      new RoutePolicy(chart, 'retry', { service: reviews, retries: { attempts: 1, perTryTimeout, retryOn: [RetryOn.statusCode(503)] } });
      return chart;
    };
    expect(only(Testing.synth(experimental()), 'HTTPRoute', 'reviews').spec.rules[0].retry).toEqual({ attempts: 1, codes: [503] });
    expect(() => Testing.synth(experimental(Duration.seconds(100000))))
      .toThrow(/retries.perTryTimeout: '100000s' is a duration longer than a Gateway API duration can write/);
  });

  test('a rewrite of a rule whose condition sets are all exact paths replaces the whole path; one without a path fails', () => {
    const { chart, reviews } = gatewayApiChart();
    new IngressEdge(chart, 'edge', {
      hosts: ['shop.example.com'],
      routes: [{ name: 'two', to: EdgeDestination.version(reviews, 'v1'), rules: [{ conditions: [RequestCondition.uri(StringMatch.exact('/a'))] }, { conditions: [RequestCondition.uri(StringMatch.exact('/b'))] }], rewriteUri: '/c' }],
    });
    expect(edgeRules(chart)[0].filters).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/c' } } }]);
    const mixed = gatewayApiChart();
    new IngressEdge(mixed.chart, 'edge', {
      hosts: ['shop.example.com'],
      routes: [{ to: EdgeDestination.version(mixed.reviews, 'v1'), rules: [{ conditions: [RequestCondition.uri(StringMatch.exact('/a'))] }, { conditions: [RequestCondition.headerExact('x', '1')] }], rewriteUri: '/c' }],
    });
    expect(() => Testing.synth(mixed.chart)).toThrow(/rewriteUri: rewrites the path of a rule without a path condition for each of its condition sets/);
  });

  test('the condition sets of one rule may be reordered by Gateway API: they go to the same place', () => {
    const { chart, reviews } = gatewayApiChart();
    new IngressEdge(chart, 'edge', {
      hosts: ['shop.example.com'],
      routes: [{ name: 'either', to: EdgeDestination.version(reviews, 'v3'), rules: [{ conditions: [RequestCondition.headerExact('x', '1')] }, { conditions: [RequestCondition.pathPrefix('/api')] }] }],
    });
    expect(edgeRules(chart)[0].matches).toEqual([{ headers: [{ name: 'x', type: 'Exact', value: '1' }] }, { path: { type: 'PathPrefix', value: '/api' } }]);
  });
});
