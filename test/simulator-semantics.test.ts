// The routing simulator against Istio's and Envoy's documented behaviour. Every test names the
// document or the source it encodes (istio/api, istio/istio and envoyproxy/envoy paths are in the
// projects' GitHub repositories).
import { Duration } from 'cdk8s';
import {
  FaultAbort, FaultInjection, OutcomeKind, RoutingSimulator, SimulatedDestination, SimulatedWorkload, UpstreamFailure,
} from '../src';
import { webRelease } from './util';
import { deploy, dr, gateway, reviewsSimulator, svc, to, vs } from './util/manifests';
import { appliesToProxy, isCatchAllMatch, MatchInput, matchRequest, parseQuery, regexProblem, stringMatches } from '../src/simulator/match';
import { failureReasons, fault, faultWithoutPercentage, notFound, shares } from '../src/simulator/outcome';
import { bestHostMatch, gatewayResolver, gatewayVirtualHosts, istioOrder, mostSpecificDestinationRule, vsId } from '../src/simulator/virtual-hosts';
import { describeOutcome } from '../src/testing/jest'; // also registers toRoute and toSplit

const reviews = reviewsSimulator;

/** web v1/v2 in namespace default, behind Gateway istio-system/edge serving `serverHosts`. */
function edge(serverHosts: string[], virtualServices: any[]) {
  return RoutingSimulator.fromManifests([
    svc('web'), deploy('web', 'v1'), deploy('web', 'v2'), dr('web', ['v1', 'v2']), gateway('edge', serverHosts), ...virtualServices,
  ]);
}
const atEdge = (host: string, path = '/', headers?: { [k: string]: string }) => ({ gateway: 'istio-system/edge', host, path, headers });

describe('fault injection: a fault without percentage hits no request', () => {
  // istio/api networking/v1alpha3/virtual_service.proto, HTTPFaultInjection.Delay.percentage: "If left
  // unspecified, no request will be delayed"; HTTPFaultInjection.Abort.percentage: "If not specified, no
  // request will be aborted" (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection).
  // istio/istio pilot/pkg/networking/core/route/route.go TranslateFault: a delay without `percentage`
  // takes the deprecated integer `percent` (0 when absent); an abort without it gets no percentage,
  // which Envoy's fault filter reads as 0%.
  test('a delay without percentage: 0%, marked as not given, explained and warned', () => {
    const o = reviews([{ fault: { delay: { fixedDelay: '7s' } }, route: [to('reviews', 'v1')] }]).route({ host: 'reviews' });
    expect(o.fault).toMatchObject({ delay: '7s', delayPercentage: 0, delayPercentageGiven: false });
    expect(o.explanation).toMatch(/its fault delay has no percentage and hits no request$/);
    expect(o.warnings.join('\n')).toMatch(/fault.delay has no percentage, so Istio applies it to no request/);
  });

  test('an abort without percentage: 0%, marked as not given', () => {
    const o = reviews([{ fault: { abort: { httpStatus: 500 } }, route: [to('reviews', 'v1')] }]).route({ host: 'reviews' });
    expect(o.fault).toMatchObject({ abortHttpStatus: 500, abortPercentage: 0, abortPercentageGiven: false });
    expect(o.fault?.delayPercentageGiven).toBeUndefined();
    expect(o.explanation).toMatch(/its fault abort has no percentage and hits no request$/);
  });

  test('an explicit 100 is given and distinct from "not given"; an empty Percent is 0; the deprecated integer percent of a delay counts', () => {
    const all = reviews([{ fault: { delay: { fixedDelay: '1s', percentage: { value: 100 } }, abort: { httpStatus: 503, percentage: { value: 100 } } }, route: [to('reviews', 'v1')] }])
      .route({ host: 'reviews' });
    expect(all.fault).toMatchObject({ delayPercentage: 100, delayPercentageGiven: true, abortPercentage: 100, abortPercentageGiven: true });
    expect(all.warnings).toEqual([]);
    const empty = reviews([{ fault: { abort: { httpStatus: 503, percentage: {} } }, route: [to('reviews', 'v1')] }]).route({ host: 'reviews' });
    expect(empty.fault).toMatchObject({ abortPercentage: 0, abortPercentageGiven: true });
    const legacy = reviews([{ fault: { delay: { fixedDelay: '1s', percent: 30 } }, route: [to('reviews', 'v1')] }]).route({ host: 'reviews' });
    expect(legacy.fault).toMatchObject({ delayPercentage: 30, delayPercentageGiven: true });
  });

  test('the FaultInjection construct always writes the percentage (100 by default), so its faults hit every request', () => {
    // src/fault-injection.ts renders `percentage: { value: delayPercentage ?? 100 }` for delays and aborts.
    const { chart, svc: web } = webRelease();
    new FaultInjection(chart, 'chaos', { service: web, delay: Duration.seconds(2), abort: FaultAbort.httpStatus(500), allTraffic: true });
    const o = RoutingSimulator.fromChart(chart).route({ host: 'web', sourceNamespace: 'shop' });
    expect(o.fault).toMatchObject({ delay: '2s', delayPercentage: 100, delayPercentageGiven: true, abortPercentage: 100, abortPercentageGiven: true });
  });
});

describe('gateways: VirtualServices that land on one virtual host are merged', () => {
  // https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services: "Pilot will
  // ... merge such virtual services if they are bound to a gateway". istio/istio
  // pilot/pkg/networking/core/gateway.go buildGatewayHTTPRouteConfig: the virtual host names are
  // `serverHosts.Intersection(virtualServiceHosts)` (pkg/config/host/names.go: of two matching names, the
  // narrower), and the routes of every later VirtualService with the same name are appended; the
  // VirtualServices come sorted by creation time, then name, then namespace (pilot/pkg/model/config.go
  // configCompareByCreationTime). Envoy then picks the virtual host by domain: exact name first, then the
  // longest suffix wildcard (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-virtualhost).
  const wild = vs('wild', {
    hosts: ['*.example.com'],
    gateways: ['istio-system/edge'],
    http: [{ name: 'wild-api', match: [{ uri: { prefix: '/api' } }], route: [to('web', 'v2')] }, { name: 'wild-default', route: [to('web', 'v1')] }],
  });
  const shop = vs('shop', {
    hosts: ['shop.example.com'],
    gateways: ['istio-system/edge'],
    http: [{ name: 'shop-cart', match: [{ uri: { prefix: '/cart' } }], route: [to('web', 'v2')] }],
  });

  test('server host shop.example.com: a *.example.com and a shop.example.com VirtualService both serve it, rules tried in manifest order', () => {
    const sim = edge(['shop.example.com'], [wild, shop]);
    expect(sim.route(atEdge('shop.example.com', '/api/x'))).toMatchObject({ virtualService: 'default/wild', ruleName: 'wild-api' });
    expect(sim.route(atEdge('shop.example.com', '/cart'))).toMatchObject({ virtualService: 'default/shop', ruleName: 'shop-cart' });
    const fallback = sim.route(atEdge('shop.example.com', '/'));
    expect(fallback).toMatchObject({ virtualService: 'default/wild', ruleName: 'wild-default' });
    expect(fallback.explanation).toMatch(/virtual host 'shop.example.com' of istio-system\/edge merges default\/wild, default\/shop/);
  });

  test('a catch-all route goes after the specific routes of every VirtualService of the virtual host', () => {
    // istio/istio pilot/pkg/networking/core/route/route.go SortVHostRoutes ("moves the catch all routes
    // alone to the end") and IsCatchAllRoute (prefix "/" or regex ".*", no header or query condition).
    // wild comes first, but its catch-all 'wild-default' must not hide shop's /cart rule.
    const sim = edge(['shop.example.com'], [wild, shop]);
    expect(sim.route(atEdge('shop.example.com', '/cart/1')).ruleName).toBe('shop-cart');
    const prefixSlash = vs('slash', { hosts: ['shop.example.com'], gateways: ['istio-system/edge'], http: [{ name: 'slash', match: [{ uri: { prefix: '/' } }], route: [to('web', 'v1')] }] });
    const header = vs('header', { hosts: ['shop.example.com'], gateways: ['istio-system/edge'], http: [{ name: 'beta', match: [{ headers: { 'x-beta': { exact: '1' } } }], route: [to('web', 'v2')] }] });
    const two = edge(['shop.example.com'], [prefixSlash, header]);
    expect(two.route(atEdge('shop.example.com', '/', { 'x-beta': '1' })).ruleName).toBe('beta');
    expect(two.route(atEdge('shop.example.com', '/')).ruleName).toBe('slash');
  });

  test('server host *.example.com: the VirtualServices make two virtual hosts, and Envoy takes the exact one', () => {
    // Intersection(*.example.com, *.example.com) = *.example.com; Intersection(*.example.com, shop.example.com)
    // = shop.example.com: two virtual hosts, so shop.example.com is served by shop alone.
    const sim = edge(['*.example.com'], [wild, shop]);
    expect(sim.route(atEdge('shop.example.com', '/cart')).ruleName).toBe('shop-cart');
    expect(sim.route(atEdge('shop.example.com', '/api/x'))).toMatchObject({ kind: OutcomeKind.NOT_FOUND, status: 404 });
    expect(sim.route(atEdge('other.example.com', '/api/x')).ruleName).toBe('wild-api');
  });

  test('the order is creation time when every VirtualService has one, then name; otherwise the manifests\' order', () => {
    const a = (name: string, created?: string) => vs(name, {
      hosts: ['shop.example.com'], gateways: ['istio-system/edge'], http: [{ name, match: [{ uri: { prefix: '/x' } }], route: [to('web', 'v1')] }],
    }, 'default', created ? { creationTimestamp: created } : {});
    expect(edge(['shop.example.com'], [a('b'), a('a')]).route(atEdge('shop.example.com', '/x')).ruleName).toBe('b');
    expect(edge(['shop.example.com'], [a('b', '2024-01-02T00:00:00Z'), a('a', '2024-01-03T00:00:00Z')]).route(atEdge('shop.example.com', '/x')).ruleName).toBe('b');
    expect(edge(['shop.example.com'], [a('b', '2024-01-03T00:00:00Z'), a('a', '2024-01-02T00:00:00Z')]).route(atEdge('shop.example.com', '/x')).ruleName).toBe('a');
    // Same second: by name.
    expect(edge(['shop.example.com'], [a('b', '2024-01-02T00:00:00Z'), a('a', '2024-01-02T00:00:00.500Z')]).route(atEdge('shop.example.com', '/x')).ruleName).toBe('a');
  });

  test('a namespace-qualified server host binds only the VirtualServices of that namespace', () => {
    // istio/istio pkg/config/host/names.go NamesForNamespace: "ns1/foo.com" is in namespace ns1 only,
    // "*/foo.com" and "foo.com" in every namespace.
    const inDefault = vs('in-default', { hosts: ['shop.example.com'], gateways: ['istio-system/edge'], http: [{ name: 'default-ns', route: [to('web', 'v1')] }] });
    const inOther = vs('in-other', { hosts: ['shop.example.com'], gateways: ['istio-system/edge'], http: [{ name: 'other-ns', route: [to('web.default.svc.cluster.local', 'v2')] }] }, 'other');
    expect(edge(['other/shop.example.com'], [inDefault, inOther]).route(atEdge('shop.example.com')).ruleName).toBe('other-ns');
    expect(edge(['*/shop.example.com'], [inDefault, inOther]).route(atEdge('shop.example.com')).ruleName).toBe('default-ns');
  });

  test('a VirtualService none of whose rules applies to this gateway adds no virtual host', () => {
    // istio/istio route.go BuildHTTPRoutesForVirtualService returns "no routes matched" when every match
    // block is filtered out (sourceMatchHTTP: rule-level gateways), and gateway.go skips the VirtualService.
    const otherGw = vs('only-other', {
      hosts: ['shop.example.com'],
      gateways: ['istio-system/edge', 'istio-system/other'],
      http: [{ name: 'other-only', match: [{ gateways: ['istio-system/other'] }], route: [to('web', 'v2')] }],
    });
    const sim = edge(['*.example.com'], [otherGw, wild]);
    expect(sim.route(atEdge('shop.example.com', '/')).ruleName).toBe('wild-default');
  });

  test('in the mesh one VirtualService per host: exact before wildcard, and the first of two with IST0109', () => {
    // https://istio.io/latest/docs/reference/config/analysis/ist0109/ (ConflictingMeshGatewayVirtualServiceHosts):
    // sidecars do not merge VirtualServices; only one applies.
    const wildMesh = vs('wild-mesh', { hosts: ['*.default.svc.cluster.local'], http: [{ name: 'wild', route: [to('reviews.default.svc.cluster.local', 'v3')] }] });
    const second = vs('reviews-2', { hosts: ['reviews'], http: [{ name: 'second', route: [to('reviews', 'v2')] }] });
    const exactOnly = reviews([{ name: 'first', route: [to('reviews', 'v1')] }], [wildMesh]).route({ host: 'reviews' });
    expect(exactOnly.ruleName).toBe('first');
    expect(exactOnly.warnings.join()).not.toMatch(/IST0109/);
    const two = reviews([{ name: 'first', match: [{ uri: { prefix: '/only' } }], route: [to('reviews', 'v1')] }], [second]).route({ host: 'reviews', path: '/x' });
    expect(two.kind).toBe(OutcomeKind.NOT_FOUND); // the second VirtualService's rules are not tried
    expect(two.warnings.join()).toMatch(/IST0109: 2 mesh VirtualServices define host 'reviews.default.svc.cluster.local'/);
  });
});

describe('rules for other callers', () => {
  // istio/istio pilot/pkg/networking/core/route/route.go: TranslateRoute drops a match block whose `port`
  // is not the listener's, and sourceMatchHTTP one whose rule-level `gateways` do not name this proxy
  // ("The gateway match is independent of sourceLabels") or whose `sourceLabels` / `sourceNamespace` do
  // not fit it; buildSidecarVirtualHostsForVirtualService returns no virtual host for a VirtualService
  // left without routes, so the sidecar keeps the Service's default route.
  test('a mesh VirtualService whose every rule is for other callers leaves plain Kubernetes load balancing', () => {
    const sim = reviews([{ name: 'for-bff', match: [{ sourceLabels: { app: 'bff' } }], route: [to('reviews', 'v2')] }]);
    expect(sim.route({ host: 'reviews', sourceLabels: { app: 'bff' } }).ruleName).toBe('for-bff');
    const other = sim.route({ host: 'reviews', sourceLabels: { app: 'web' } });
    expect(other.kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(other.versionShares).toEqual({ v1: 100 / 3, v2: 100 / 3, v3: 100 / 3 });
    expect(other.warnings.join()).toMatch(/VirtualService default\/reviews has no rule for this caller/);
  });

  test('rule-level gateways override sourceLabels', () => {
    const sim = reviews([
      { name: 'mesh-only', match: [{ gateways: ['mesh'], sourceLabels: { app: 'nobody' } }], route: [to('reviews', 'v2')] },
      { name: 'rest', route: [to('reviews', 'v1')] },
    ]);
    expect(sim.route({ host: 'reviews', sourceLabels: { app: 'web' } }).ruleName).toBe('mesh-only');
  });
});

describe('regexes: route() never throws on configuration', () => {
  // istio/istio pilot/pkg/networking/core/route/route.go canBeConvertedToPresentMatch: "`*` is NOT a RE2
  // style regex, it's a metacharacter. It will be translated as present_match" (istio/istio#20629), for
  // headers, withoutHeaders, method, authority, scheme and query parameters.
  // pkg/config/validation/virtualservice.go validateHTTPRouteMatchRequest: withoutHeaders skips the regex
  // check for "*"; every other regex must compile with Go's regexp (RE2 syntax), or the webhook rejects
  // the VirtualService.
  test('withoutHeaders x: { regex: "*" } is accepted and means "x is absent"', () => {
    const sim = reviews([{ name: 'no-x', match: [{ withoutHeaders: { 'x-debug': { regex: '*' } } }], route: [to('reviews', 'v2')] }, { name: 'rest', route: [to('reviews', 'v1')] }]);
    expect(sim.route({ host: 'reviews' }).ruleName).toBe('no-x');
    expect(sim.route({ host: 'reviews', headers: { 'x-debug': '' } }).ruleName).toBe('rest');
    expect(sim.route({ host: 'reviews', headers: { 'x-debug': 'anything' } }).ruleName).toBe('rest');
    expect(sim.route({ host: 'reviews' }).warnings).toEqual([]);
  });

  test('headers x: { regex: "*" } is rejected by the webhook: the VirtualService is not applied, with a warning', () => {
    const sim = reviews([{ name: 'x', match: [{ headers: { 'x-debug': { regex: '*' } } }], route: [to('reviews', 'v2')] }]);
    const o = sim.route({ host: 'reviews', headers: { 'x-debug': '1' } });
    expect(o.kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(o.warnings.join('\n')).toMatch(/VirtualService default\/reviews is not applied: Istio's validation webhook rejects it \(spec.http\[0\].match\[0\].headers.x-debug.regex "\*" is not RE2 syntax/);
  });

  test.each([
    ['uri', { uri: { regex: '(?<!a)b' } }],
    ['a header', { headers: { 'user-agent': { regex: '(a' } } }],
    ['withoutHeaders', { withoutHeaders: { 'user-agent': { regex: '\\1' } } }],
    ['a query parameter', { queryParams: { q: { regex: '*' } } }],
    ['the authority', { authority: { regex: '[z-a]' } }],
    ['an empty regex', { method: { regex: '' } }],
  ])('a regex RE2 cannot compile in %s: a warning, never an exception', (_what, match) => {
    const sim = reviews([{ match: [match], route: [to('reviews', 'v2')] }]);
    let o: any;
    expect(() => { o = sim.route({ host: 'reviews', path: '/b?q=1', headers: { 'user-agent': 'x' } }); }).not.toThrow();
    expect(o.kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(o.warnings.join('\n')).toMatch(/is not applied: Istio's validation webhook rejects it/);
  });

  test('at a gateway, a rejected VirtualService leaves the others of the virtual host', () => {
    const bad = vs('bad', { hosts: ['shop.example.com'], gateways: ['istio-system/edge'], http: [{ name: 'bad', match: [{ uri: { regex: '(' } }], route: [to('web', 'v2')] }] });
    const good = vs('good', { hosts: ['shop.example.com'], gateways: ['istio-system/edge'], http: [{ name: 'good', route: [to('web', 'v1')] }] });
    const o = edge(['shop.example.com'], [bad, good]).route(atEdge('shop.example.com', '/'));
    expect(o.ruleName).toBe('good');
    expect(o.warnings.join()).toMatch(/VirtualService default\/bad is not applied/);
  });

  test('the other "present" forms: a query parameter and a method written as {}', () => {
    const sim = reviews([{ name: 'present', match: [{ queryParams: { debug: {} }, method: {} }], route: [to('reviews', 'v2')] }, { name: 'rest', route: [to('reviews', 'v1')] }]);
    expect(sim.route({ host: 'reviews', path: '/?debug' }).ruleName).toBe('present');
    expect(sim.route({ host: 'reviews', path: '/?other=1' }).ruleName).toBe('rest');
  });

  test('withoutHeaders with a value match treats a missing header as empty', () => {
    // route.go TranslateRouteMatch sets treat_missing_header_as_empty on inverted matchers that are not
    // presence matches (envoy config.route.v3.HeaderMatcher.treat_missing_header_as_empty: "if the header
    // match rule specified header does not exist, this header value will be treated as empty").
    const sim = reviews([
      { name: 'not-anything', match: [{ withoutHeaders: { 'x-env': { regex: '.*' } } }], route: [to('reviews', 'v3')] },
      { name: 'not-prod', match: [{ withoutHeaders: { 'x-env': { exact: 'prod' } } }], route: [to('reviews', 'v2')] },
      { name: 'rest', route: [to('reviews', 'v1')] },
    ]);
    expect(sim.route({ host: 'reviews' }).ruleName).toBe('not-prod');
    expect(sim.route({ host: 'reviews', headers: { 'x-env': 'prod' } }).ruleName).toBe('rest');
    expect(sim.route({ host: 'reviews', headers: { 'x-env': 'qa' } }).ruleName).toBe('not-prod');
  });
});

describe('query parameters are matched as sent, not percent-decoded', () => {
  // envoyproxy/envoy source/common/http/utility.cc QueryParamsMulti::parseQueryString calls
  // parseParameters(url, start, /*decode_params=*/false) for route matching; a name without "=" has
  // the value ""; config_utility.cc QueryParameterMatcher matches the first value of a name.
  const sim = reviews([
    { name: 'decoded', match: [{ queryParams: { q: { exact: 'a b' } } }], route: [to('reviews', 'v3')] },
    { name: 'raw', match: [{ queryParams: { q: { exact: 'a%20b' } } }], route: [to('reviews', 'v2')] },
    { name: 'plus', match: [{ queryParams: { q: { exact: 'a+b' } } }], route: [to('reviews', 'v2')] },
    { name: 'first', match: [{ queryParams: { v: { exact: '1' } } }], route: [to('reviews', 'v2')] },
    { name: 'flag', match: [{ queryParams: { debug: { exact: '' } } }], route: [to('reviews', 'v2')] },
    { name: 'question', match: [{ queryParams: { next: { exact: '/a?b' } } }], route: [to('reviews', 'v2')] },
    { name: 'rest', route: [to('reviews', 'v1')] },
  ]);

  test('?q=a%20b matches exact "a%20b", not "a b"', () => {
    expect(sim.route({ host: 'reviews', path: '/search?q=a%20b' }).ruleName).toBe('raw');
    expect(sim.route({ host: 'reviews', path: '/search?q=a+b' }).ruleName).toBe('plus');
  });

  test('a repeated name keeps its first value; a name without "=" is ""; "?" inside the query is part of a value', () => {
    expect(sim.route({ host: 'reviews', path: '/?v=1&v=2' }).ruleName).toBe('first');
    expect(sim.route({ host: 'reviews', path: '/?v=2&v=1' }).ruleName).toBe('rest');
    expect(sim.route({ host: 'reviews', path: '/?debug' }).ruleName).toBe('flag');
    expect(sim.route({ host: 'reviews', path: '/login?next=/a?b' }).ruleName).toBe('question');
  });
});

describe('destinations Envoy cannot reach are a 503, not a version', () => {
  // Istio builds one cluster per DestinationRule subset, so a route to an undefined subset names a
  // cluster that does not exist: Envoy answers 503 (route.v3.RouteAction.cluster_not_found_response_code,
  // default SERVICE_UNAVAILABLE), response flag NC "Upstream cluster not found". A cluster without
  // endpoints answers 503 "no healthy upstream", flag UH "No healthy upstream hosts in upstream cluster"
  // (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags).
  test('an undefined subset: SERVICE_UNAVAILABLE, 503, CLUSTER_NOT_FOUND', () => {
    const o = reviews([{ route: [to('reviews', 'v9')] }]).route({ host: 'reviews' });
    expect(o).toMatchObject({ kind: OutcomeKind.SERVICE_UNAVAILABLE, status: 503, versionShares: {}, subsetShares: {}, unavailableShare: 100 });
    expect(o.destinations[0]).toMatchObject({ subset: 'v9', share: 100, failure: UpstreamFailure.CLUSTER_NOT_FOUND, workloads: [] });
    expect(o.explanation).toMatch(/matched, but host 'reviews.default.svc.cluster.local' subset 'v9' is not defined by any DestinationRule: no cluster, Envoy answers 503 \(NC\)/);
  });

  test('a subset that selects no pods: SERVICE_UNAVAILABLE, 503, NO_HEALTHY_UPSTREAM', () => {
    const sim = RoutingSimulator.fromManifests([
      svc('reviews'), deploy('reviews', 'v1'), dr('reviews', ['v1', 'v2']), vs('reviews', { hosts: ['reviews'], http: [{ route: [to('reviews', 'v2')] }] }),
    ]);
    const o = sim.route({ host: 'reviews' });
    expect(o).toMatchObject({ kind: OutcomeKind.SERVICE_UNAVAILABLE, status: 503 });
    expect(o.destinations[0]).toMatchObject({ failure: UpstreamFailure.NO_HEALTHY_UPSTREAM, selector: { app: 'reviews', version: 'v2' } });
    expect(o.warnings.join()).toMatch(/has no running pods: Envoy answers 503 no healthy upstream \(response flag UH\)/);
  });

  test('a split with 10% to an undefined subset: routed, with 10% answered 503', () => {
    const o = reviews([{ route: [to('reviews', 'v1', 90), to('reviews', 'v9', 10)] }]).route({ host: 'reviews' });
    expect(o).toMatchObject({ kind: OutcomeKind.ROUTED, versionShares: { v1: 90 }, subsetShares: { v1: 90 }, unavailableShare: 10 });
    expect(o.status).toBeUndefined();
    expect(o.explanation).toMatch(/v1 90%, 503 10% \(host .* subset 'v9' is not defined/);
  });

  test('of two DestinationRules in one namespace, the one with the most specific host defines the subsets', () => {
    // Istio picks the DestinationRule for a host in the client's namespace, then the service's, and in
    // each the most specific host (an exact host before a wildcard), whatever the order of the manifests.
    const wildcard = { ...dr('*.default.svc.cluster.local', ['v1']), metadata: { name: 'all', namespace: 'default' } };
    const o = RoutingSimulator.fromManifests([
      svc('reviews'), deploy('reviews', 'v1'), deploy('reviews', 'v2'), wildcard, dr('reviews', ['v1', 'v2']),
      vs('reviews', { hosts: ['reviews'], http: [{ route: [to('reviews', 'v2')] }] }),
    ]).route({ host: 'reviews' });
    expect(o).toMatchObject({ kind: OutcomeKind.ROUTED, versionShares: { v2: 100 } });
  });

  test('no VirtualService, and a Service that selects no pods: 503 UH', () => {
    const o = RoutingSimulator.fromManifests([svc('lonely')]).route({ host: 'lonely' });
    expect(o).toMatchObject({ kind: OutcomeKind.SERVICE_UNAVAILABLE, status: 503 });
    expect(o.destinations[0].failure).toBe(UpstreamFailure.NO_HEALTHY_UPSTREAM);
  });

  test('a Service that is not in the manifests is not known: no failure, pods not known', () => {
    const o = RoutingSimulator.fromManifests([dr('elsewhere', ['v1']), vs('x', { hosts: ['elsewhere'], http: [{ route: [to('elsewhere', 'v1')] }] })]).route({ host: 'elsewhere.default' });
    expect(o).toMatchObject({ kind: OutcomeKind.ROUTED, versionShares: { '(pods not known)': 100 }, subsetShares: { v1: 100 } });
    expect(o.destinations[0].failure).toBeUndefined();
  });

  describe('the jest matchers', () => {
    const down = reviews([{ route: [to('reviews', 'v9')] }]);
    const partly = reviews([{ route: [to('reviews', 'v1', 90), to('reviews', 'v9', 10)] }]);

    test('toRoute expecting a version, subset or host fails and says the requests are answered 503', () => {
      expect(() => expect(down).toRoute({ host: 'reviews' }, { version: 'v9' }))
        .toThrow(/\(unmet: version v9 \(100% of requests are answered 503 by Envoy\)\), but instead:\n.*subset 'v9' is not defined by any DestinationRule: no cluster, Envoy answers 503 \(NC\)\n.*answered 503 by Envoy \(no cluster or no pods\): 100%/);
      expect(() => expect(down).toRoute({ host: 'reviews' }, { subset: 'v9' })).toThrow(/unmet: subset v9 \(100% of requests/);
      expect(() => expect(down).toRoute({ host: 'reviews' }, { host: 'reviews' })).toThrow(/unmet: host reviews \(100% of requests/);
      expect(() => expect(partly).toRoute({ host: 'reviews' }, { host: 'reviews' })).toThrow(/unmet: host reviews \(10% of requests/);
    });

    test('toRoute with status 503 passes', () => {
      expect(down).toRoute({ host: 'reviews' }, { status: 503 });
      expect(partly).not.toRoute({ host: 'reviews' }, { status: 503 });
    });

    test('toSplit fails while some requests are answered 503', () => {
      expect(() => expect(partly).toSplit({ host: 'reviews' }, { v1: 90 }))
        .toThrow(/to split \{"v1":90\} \(10% of requests are answered 503 by Envoy, reaching no version\)/);
      expect(() => expect(partly).toSplit({ host: 'reviews' }, { v1: 90, v9: 10 })).toThrow(/v9: expected 10%, got 0%/);
    });

    test('describeOutcome shows the 503 share', () => {
      expect(describeOutcome(partly.route({ host: 'reviews' }))).toMatch(/versions: v1 90%\n {2}answered 503 by Envoy \(no cluster or no pods\): 10%/);
    });
  });
});

// The pieces of Istio's semantics the simulator picks VirtualServices and DestinationRules with, one by one.
describe('the pieces of an outcome (unit by unit)', () => {
  const dest = (host: string, share: number, more: Partial<SimulatedDestination> = {}): SimulatedDestination =>
    ({ host, weight: share, share, selector: {}, workloads: [], ...more });
  const workload = (version: string | undefined, share: number): SimulatedWorkload =>
    ({ name: `Deployment/web-${version}`, namespace: 'shop', labels: version === undefined ? { app: 'web' } : { app: 'web', version }, version, replicas: 1, share } as any);

  test('not found: a 404 that routes nowhere, with the explanation and warnings given', () => {
    expect(notFound('no route', ['w'])).toEqual({ kind: OutcomeKind.NOT_FOUND, status: 404, destinations: [], versionShares: {}, subsetShares: {}, mirrors: [], explanation: 'no route', warnings: ['w'] });
  });

  test('why destinations fail: only those that fail and get requests, each in its words, joined by "; "', () => {
    expect(failureReasons([
      dest('a', 50, { subset: 'v9', failure: UpstreamFailure.CLUSTER_NOT_FOUND }),
      dest('b', 30, { failure: UpstreamFailure.NO_HEALTHY_UPSTREAM }),
      dest('c', 0, { subset: 'v0', failure: UpstreamFailure.NO_HEALTHY_UPSTREAM }),
      dest('d', 20, { subset: 'v1' }),
    ])).toBe("host 'a' subset 'v9' is not defined by any DestinationRule: no cluster, Envoy answers 503 (NC); "
      + "host 'b' has no running pods: Envoy answers 503 no healthy upstream (UH)");
    expect(failureReasons([dest('d', 100)])).toBe('');
  });

  test('shares: by subset and by the version label of the pods; failing destinations are unavailable; pods not known are said so', () => {
    const r = shares([
      dest('web', 60, { subset: 'v1', workloads: [workload('v1', 40), workload(undefined, 20)] }),
      dest('web', 10, { subset: 'v1', workloads: [workload('v1', 10)] }),
      dest('other', 20),
      dest('none', 0),
      dest('web', 10, { subset: 'v9', failure: UpstreamFailure.CLUSTER_NOT_FOUND }),
    ], 'version');
    expect(r).toEqual({
      versionShares: { 'v1': 50, 'unversioned': 20, '(pods not known)': 20 },
      subsetShares: { 'v1': 70, '(none)': 20 },
      unavailableShare: 10,
    });
    // Another version label: the pods' `version` label is then no version.
    expect(shares([dest('web', 100, { workloads: [workload('v1', 100)] })], 'app.kubernetes.io/version').versionShares).toEqual({ unversioned: 100 });
  });

  test("a rule's fault as Istio applies it; anything but an object is no fault, and so is a delay or abort that is not an object", () => {
    for (const f of [null, undefined, 'delay', 5, true]) { expect(fault(f)).toBeUndefined(); }
    expect(fault({})).toEqual({});
    for (const part of ['x', 5, true, null, []]) {
      const f = fault({ delay: part, abort: part });
      const read = Array.isArray(part) ? 0 : undefined;
      expect([part, f?.delayPercentage, f?.abortPercentage]).toEqual([part, read, read]);
    }
    expect(fault({ delay: { fixedDelay: '1s', percentage: { value: 'x' } } })).toEqual({ delay: '1s', delayPercentage: 0, delayPercentageGiven: true });
    expect(fault({ delay: { fixedDelay: '1s', percentage: null, percent: 20 } })).toEqual({ delay: '1s', delayPercentage: 20, delayPercentageGiven: true });
    expect(fault({ delay: { fixedDelay: '1s', percent: '20' } })).toEqual({ delay: '1s', delayPercentage: 0, delayPercentageGiven: false });
    expect(fault({ abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 5 } } })).toEqual({ abortGrpcStatus: 'UNAVAILABLE', abortPercentage: 5, abortPercentageGiven: true });
    expect(fault({ abort: { httpStatus: 500, percentage: null } }))
      .toEqual({ abortHttpStatus: 500, abortPercentage: 0, abortPercentageGiven: false });
  });

  test('a fault part without a percentage: one warning naming each part, and a note for the explanation', () => {
    const warnings: string[] = [];
    expect(faultWithoutPercentage(undefined, 'r', warnings)).toBe('');
    expect(faultWithoutPercentage(fault({ delay: { fixedDelay: '1s', percent: 5 }, abort: { httpStatus: 500, percentage: { value: 1 } } }), 'r', warnings)).toBe('');
    expect(warnings).toEqual([]);
    expect(faultWithoutPercentage(fault({ delay: { fixedDelay: '1s' }, abort: { httpStatus: 500 } }), "VirtualService default/reviews rule 'slow'", warnings))
      .toBe('; its fault delay and abort has no percentage and hits no request');
    expect(faultWithoutPercentage(fault({ abort: { httpStatus: 500 } }), 'r2', warnings)).toBe('; its fault abort has no percentage and hits no request');
    expect(warnings).toEqual([
      "VirtualService default/reviews rule 'slow': fault.delay and fault.abort has no percentage, so Istio applies it to no request (istio/api HTTPFaultInjection); write percentage: { value: 100 } to hit every request",
      'r2: fault.abort has no percentage, so Istio applies it to no request (istio/api HTTPFaultInjection); write percentage: { value: 100 } to hit every request',
    ]);
  });
});

describe('virtual hosts, VirtualService order and DestinationRule choice (Istio semantics, unit by unit)', () => {
  const candidate = (namespace: string, hosts: unknown[], name = 'vs', creationTimestamp?: string) =>
    ({ vs: { metadata: { name, creationTimestamp }, spec: { hosts } }, namespace });
  const servers = (...hosts: string[]) => [{ hosts }];

  test("a gateway's virtual hosts: of a server host and a VirtualService host that match, the narrower (host.Names.Intersection)", () => {
    const cases: ReadonlyArray<readonly [string, string, string[]]> = [
      ['*.example.com', 'shop.example.com', ['shop.example.com']],
      ['shop.example.com', '*.example.com', ['shop.example.com']],
      ['*', '*.example.com', ['*.example.com']],
      ['*.a.example.com', '*.example.com', ['*.a.example.com']],
      ['*.example.com', '*.a.example.com', ['*.a.example.com']],
      ['*.example.com', '*.com', ['*.example.com']],
      ['x.example.com', 'y.example.com', []],
      ['*.example.com', '*.other.com', []],
      ['*.example.com', 'example.com', []],
      ['Shop.Example.com', 'shop.example.com', ['shop.example.com']],
    ];
    for (const [server, host, expected] of cases) {
      expect([server, host, gatewayVirtualHosts(candidate('shop', [host]), servers(server), 'istio-system')]).toEqual([server, host, expected]);
    }
    // Each name once, in the order the servers list them.
    expect(gatewayVirtualHosts(candidate('shop', ['*.example.com', 'a.example.com']), servers('a.example.com', 'b.example.com', 'a.example.com'), 'istio-system'))
      .toEqual(['a.example.com', 'b.example.com']);
  });

  test("a server host qualified by a namespace is visible to that namespace's VirtualServices only ('./' the Gateway's, '*/' every one)", () => {
    const hosts = (vsNamespace: string, server: string, gatewayNamespace = 'istio-system') =>
      gatewayVirtualHosts(candidate(vsNamespace, ['shop.example.com']), servers(server), gatewayNamespace);
    expect(hosts('shop', 'shop/shop.example.com')).toEqual(['shop.example.com']);
    expect(hosts('other', 'shop/shop.example.com')).toEqual([]);
    expect(hosts('shop', './shop.example.com', 'shop')).toEqual(['shop.example.com']);
    expect(hosts('shop', './shop.example.com')).toEqual([]);
    expect(hosts('other', '*/shop.example.com')).toEqual(['shop.example.com']);
  });

  test('without the Gateway in the manifests, the VirtualService\'s own hosts (qualified in its namespace, lower case, strings only)', () => {
    expect(gatewayVirtualHosts(candidate('shop', ['Shop.Example.com', 'reviews', 5]), undefined, 'istio-system'))
      .toEqual(['shop.example.com', 'reviews.shop.svc.cluster.local']);
    expect(gatewayVirtualHosts(candidate('shop', 'reviews' as any), servers('*'), 'istio-system')).toEqual([]);
  });

  test('VirtualServices in Istio\'s order: creation time (to the second), then name, then namespace; without timestamps on all, as given', () => {
    const a = candidate('shop', ['a'], 'b-vs', '2026-01-01T00:00:05Z');
    const b = candidate('shop', ['a'], 'a-vs', '2026-01-01T00:00:05.900Z');
    const c = candidate('default', ['a'], 'a-vs', '2026-01-01T00:00:05Z');
    const d = candidate('shop', ['a'], 'z-vs', '2026-01-01T00:00:01Z');
    expect(istioOrder([a, b, c, d]).map(vsId)).toEqual(['shop/z-vs', 'default/a-vs', 'shop/a-vs', 'shop/b-vs']);
    const undated = candidate('shop', ['a'], 'y-vs');
    expect(istioOrder([a, undated, d]).map(vsId)).toEqual(['shop/b-vs', 'shop/y-vs', 'shop/z-vs']);
    expect(istioOrder([])).toEqual([]);
    expect(vsId({ vs: {}, namespace: 'shop' })).toBe('shop/undefined');
  });

  test('how specifically a VirtualService names a host: -1 when none of its hosts does', () => {
    const target = 'reviews.shop.svc.cluster.local';
    expect(bestHostMatch(candidate('shop', ['ratings']), target)).toBe(-1);
    expect(bestHostMatch(candidate('shop', ['*.shop.svc.cluster.local', 'reviews']), target)).toBeGreaterThan(bestHostMatch(candidate('shop', ['*.shop.svc.cluster.local']), target));
    expect(bestHostMatch(candidate('shop', ['*']), target)).toBeGreaterThanOrEqual(0);
  });

  test("the DestinationRule for a host: the client's namespace first, then the service's, then any; the most specific host of a step", () => {
    const rule = (namespace: string, host: string, name = `${namespace}-${host}`) => ({ metadata: { name, namespace }, spec: { host } });
    const fqdn = 'reviews.shop.svc.cluster.local';
    const inShop = rule('shop', 'reviews');
    const wildShop = rule('shop', '*.shop.svc.cluster.local');
    const inClient = rule('client', 'reviews.shop.svc.cluster.local');
    const elsewhere = rule('other', 'reviews.shop.svc.cluster.local');
    const name = (chosen: any) => chosen?.metadata.name;
    expect(name(mostSpecificDestinationRule([wildShop, inShop, inClient, elsewhere], fqdn, 'client'))).toBe(inClient.metadata.name);
    expect(name(mostSpecificDestinationRule([wildShop, inShop, inClient, elsewhere], fqdn, 'shop'))).toBe(inShop.metadata.name);
    expect(name(mostSpecificDestinationRule([inShop, wildShop], fqdn, 'shop'))).toBe(inShop.metadata.name);
    expect(name(mostSpecificDestinationRule([wildShop, elsewhere], fqdn, 'nowhere'))).toBe(wildShop.metadata.name);
    expect(name(mostSpecificDestinationRule([elsewhere, rule('x', 'ratings')], fqdn, 'nowhere'))).toBe(elsewhere.metadata.name);
    // A tie keeps the first; a host that is not a string, or another host, is not a candidate.
    const twin = rule('shop', 'reviews', 'twin');
    expect(name(mostSpecificDestinationRule([inShop, twin], fqdn, 'shop'))).toBe(inShop.metadata.name);
    expect(mostSpecificDestinationRule([null, { spec: { host: 5 } }, rule('shop', 'ratings')], fqdn, 'shop')).toBeUndefined();
  });

  test('gateway references: a bare name is in the VirtualService\'s namespace; a reference that is not a string names none', () => {
    const resolve = gatewayResolver('shop');
    expect([resolve('edge'), resolve('istio-system/edge'), resolve(5 as any)]).toEqual(['shop/edge', 'istio-system/edge', '']);
  });
});

describe('match conditions (Envoy and Istio semantics, unit by unit)', () => {
  const input = (over: Partial<MatchInput> = {}): MatchInput => ({
    path: '/',
    query: new Map(),
    method: 'GET',
    scheme: 'http',
    authority: 'shop',
    headers: new Map(),
    port: 80,
    sourceLabels: {},
    sourceNamespace: 'shop',
    binding: 'mesh',
    resolveGateway: gatewayResolver('shop'),
    ...over,
  });

  test("query strings as Envoy reads them: split at '&' and the first '=', not decoded, empty parts skipped, the first value kept", () => {
    expect([...parseQuery('a=1&&b&c=x=y&a=2&=v&d=%20')]).toEqual([['a', '1'], ['b', ''], ['c', 'x=y'], ['', 'v'], ['d', '%20']]);
    expect([...parseQuery(undefined)]).toEqual([]);
    expect([...parseQuery('')]).toEqual([]);
  });

  test('a match block applies to the proxy by port, by its gateways alone when it has some, else by source labels and namespace', () => {
    expect(appliesToProxy({ port: 80 }, input())).toBe(true);
    expect(appliesToProxy({ port: 0 }, input({ port: 8080 }))).toBe(true);
    expect(appliesToProxy({ port: 8080 }, input())).toBe(false);
    expect(appliesToProxy({ gateways: ['mesh'] }, input())).toBe(true);
    expect(appliesToProxy({ gateways: ['edge'] }, input())).toBe(false);
    expect(appliesToProxy({ gateways: ['mesh', 'edge'] }, input({ binding: 'shop/edge' }))).toBe(true);
    expect(appliesToProxy({ gateways: ['istio-system/edge'] }, input({ binding: 'shop/edge' }))).toBe(false);
    // "The gateway match is independent of sourceLabels".
    expect(appliesToProxy({ gateways: ['mesh'], sourceLabels: { app: 'x' }, sourceNamespace: 'other' }, input())).toBe(true);
    expect(appliesToProxy({ gateways: [], sourceLabels: { app: 'x' } }, input())).toBe(false);
    expect(appliesToProxy({ sourceLabels: { app: 'x' } }, input({ sourceLabels: { app: 'x', version: 'v1' } }))).toBe(true);
    expect(appliesToProxy({ sourceNamespace: 'other' }, input())).toBe(false);
    expect(appliesToProxy({ sourceNamespace: '' }, input())).toBe(true);
    expect(appliesToProxy({ sourceNamespace: 'shop' }, input())).toBe(true);
  });

  test('the URI (with ignoreUriCase), the scheme (present and matching) and string matches', () => {
    expect(matchRequest({ uri: { prefix: '/API' }, ignoreUriCase: true }, input({ path: '/api/x' }))).toBe(true);
    expect(matchRequest({ uri: { prefix: '/API' } }, input({ path: '/api/x' }))).toBe(false);
    expect(matchRequest({ scheme: { exact: 'https' } }, input())).toBe(false);
    expect(matchRequest({ scheme: { exact: 'http' } }, input())).toBe(true);
    expect(matchRequest({ port: 8080 }, input())).toBe(false);
    expect(matchRequest(null, input())).toBe(true);
    expect(stringMatches({ exact: 'a' }, undefined)).toBe(false);
    expect(stringMatches(null, 'a')).toBe(false);
    expect(stringMatches('a', 'a')).toBe(false);
    expect(stringMatches({}, 'anything')).toBe(true);
  });

  test('a header that must be absent: a presence match holds only without the header, a value match only without that value', () => {
    const without = (sm: any, headers: [string, string][]) => matchRequest({ withoutHeaders: { 'x-debug': sm } }, input({ headers: new Map(headers) }));
    expect(without({}, [])).toBe(true);
    expect(without({}, [['x-debug', '1']])).toBe(false);
    expect(without({ exact: '1' }, [['x-debug', '1']])).toBe(false);
    expect(without({ exact: '1' }, [['x-debug', '2']])).toBe(true);
  });

  test('a regex longer than Envoy takes, or not RE2, is a problem; its text is said', () => {
    expect(regexProblem('a'.repeat(1024))).toBeUndefined();
    expect(regexProblem('a'.repeat(1025))).toBe('is longer than 1024 characters');
    expect(regexProblem(5)).toBe('is not a string');
    expect(regexProblem('(?=x)')).toMatch(/^is not RE2 syntax \(.*`\(\?=`\)$/);
  });

  test('a catch-all match: no URI condition or one that takes every path, and no header or query condition', () => {
    expect(isCatchAllMatch(undefined)).toBe(true);
    expect(isCatchAllMatch(null)).toBe(true);
    expect(isCatchAllMatch('x')).toBe(true);
    expect(isCatchAllMatch({ uri: { prefix: '/' } })).toBe(true);
    expect(isCatchAllMatch({ uri: { regex: '.*' } })).toBe(true);
    expect(isCatchAllMatch({ uri: {} })).toBe(true);
    expect(isCatchAllMatch({ uri: null })).toBe(true);
    expect(isCatchAllMatch({ uri: { prefix: '/api' } })).toBe(false);
    expect(isCatchAllMatch({ uri: { exact: '/' } })).toBe(false);
    expect(isCatchAllMatch({ headers: {} })).toBe(true);
    expect(isCatchAllMatch({ headers: { x: {} } })).toBe(false);
    expect(isCatchAllMatch({ queryParams: { q: { exact: '1' } } })).toBe(false);
    expect(isCatchAllMatch({ withoutHeaders: { x: {} } })).toBe(false);
  });
});
