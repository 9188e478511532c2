import { createHash } from 'crypto';
import { Chart, Duration, Testing } from 'cdk8s';
import {
  CanaryService, DarkRelease, EdgeDestination, FaultAbort, FaultInjection, IngressEdge, IngressEdgeProps, ReleaseScope, RequestCondition, RoutePolicy,
  RoutingSimulator, ServiceVersion, StringMatch, TlsMode, TrafficSplit, VersionAffinity,
} from '../src';
import '../src/testing/jest';
import { only, synthChecked } from './util';

function setup(namespace: string | null = 'shop', traffic = TrafficSplit.canaryPercent(10), releaseScope?: ReleaseScope) {
  const chart = new Chart(Testing.app(), 'test', { namespace: namespace ?? undefined });
  const web = new CanaryService(chart, 'web', {
    port: 8080,
    releaseScope,
    versions: [ServiceVersion.deploy('original', { image: 'web:1' }), ServiceVersion.deploy('experimental', { image: 'web:2' })],
    traffic,
  });
  return { chart, web };
}
const edge = (chart: Chart, props: Partial<IngressEdgeProps> = {}, id = 'edge') => new IngressEdge(chart, id, { hosts: ['*'], ...props });
const at = (host: string, extra: any = {}) => ({ gateway: 'shop/edge', host, ...extra });

describe('IngressEdge: the Gateway', () => {
  test('HTTP on 80 for the hosts, selecting the default ingress gateway', () => {
    const { chart, web } = setup();
    edge(chart, { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(web) }] });
    const m = synthChecked(chart);
    expect(only(m, 'Gateway', 'edge')).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'shop' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }] },
    });
    const vs = only(m, 'VirtualService', 'edge-shop-example-com');
    expect(vs.spec.gateways).toEqual(['shop/edge']);
    expect(vs.spec.hosts).toEqual(['shop.example.com']);
    // Apply order: the Gateway before the VirtualServices bound to it.
    expect(m.findIndex(o => o.kind === 'Gateway')).toBeLessThan(m.findIndex(o => o.metadata.name === 'edge-shop-example-com'));
    expect(m).toMatchSnapshot();
  });

  test('apply order holds when the edge is declared before the services it routes to', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const e = new IngressEdge(chart, 'edge', { hosts: ['*'] });
    const web = new CanaryService(chart, 'web', {
      port: 8080, versions: [ServiceVersion.deploy('v1', { image: 'web:1' }), ServiceVersion.deploy('v2', { image: 'web:2' })], traffic: TrafficSplit.canaryPercent(5),
    });
    e.addRoute({ to: EdgeDestination.release(web) });
    const m = synthChecked(chart);
    const index = (kind: string, name: string) => m.findIndex(o => o.kind === kind && o.metadata.name === name);
    expect(index('Gateway', 'edge')).toBeLessThan(index('VirtualService', 'edge'));
    expect(index('Service', 'web')).toBeLessThan(index('DestinationRule', 'web'));
    expect(index('DestinationRule', 'web')).toBeLessThan(index('VirtualService', 'edge'));
    expect(index('DestinationRule', 'web')).toBeLessThan(index('VirtualService', 'web'));
  });

  test('HTTPS with SIMPLE and MUTUAL TLS from secrets, and the HTTP-to-HTTPS redirect', () => {
    const { chart, web } = setup();
    edge(chart, {
      hosts: ['shop.example.com', 'partners.example.com'],
      selector: { istio: 'public-gateway' },
      redirectToHttps: true,
      https: [
        { credentialName: 'shop-cert', hosts: ['shop.example.com'] },
        { credentialName: 'partners-cert', mode: TlsMode.MUTUAL, hosts: ['partners.example.com'] },
      ],
      routes: [{ to: EdgeDestination.release(web) }],
    });
    const gw = only(synthChecked(chart), 'Gateway', 'edge');
    expect(gw.spec.selector).toEqual({ istio: 'public-gateway' });
    expect(gw.spec.servers).toEqual([
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com', 'partners.example.com'], tls: { httpsRedirect: true } },
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-cert' } },
      { port: { number: 443, name: 'https-2', protocol: 'HTTPS' }, hosts: ['partners.example.com'], tls: { mode: 'MUTUAL', credentialName: 'partners-cert' } },
    ]);
  });

  test('in a chart without namespace, an edge and its service must name theirs: nothing is left to kubectl -n', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => edge(chart)).toThrow(/\[test\/edge\] namespace: undefined is not set, and neither is the chart's/);
    const web = new CanaryService(chart, 'web', { namespace: 'shop', port: 8080, stable: { image: 'web:1' } });
    edge(chart, { namespace: 'shop', routes: [{ to: EdgeDestination.release(web) }] }, 'edge2');
    const m = synthChecked(chart);
    expect(m.filter(o => o.metadata.namespace !== 'shop')).toEqual([]);
    expect(m.find(o => o.kind === 'VirtualService' && o.spec.gateways).spec.gateways).toEqual(['shop/edge2']);
  });
});

describe('IngressEdge: routes', () => {
  test('paths: exact, prefix, regex, with rewrite; anything else 404', () => {
    const { chart, web } = setup();
    const e = edge(chart);
    e.addRoute({ name: 'customer', when: [RequestCondition.pathPrefix('/customer')], rewriteUri: '/', to: EdgeDestination.service('customer', 8080) });
    e.addRoute({ name: 'health', when: [RequestCondition.uri(StringMatch.exact('/healthz'))], to: EdgeDestination.service('health', 8081, 'ops') });
    e.addRoute({ name: 'v-api', when: [RequestCondition.uri(StringMatch.regex('/v[0-9]+/.*'))], to: EdgeDestination.version(web, 'experimental') });
    const sim = RoutingSimulator.fromChart(chart);
    const customer = sim.route(at('a.example.com', { path: '/customer/orders' }));
    expect(customer).toMatchObject({ ruleName: 'customer', rewriteUri: '/' });
    expect(customer.destinations[0]).toMatchObject({ host: 'customer.shop.svc.cluster.local', port: 8080 });
    expect(sim.route(at('a.example.com', { path: '/healthz' })).destinations[0]).toMatchObject({ host: 'health.ops.svc.cluster.local', port: 8081 });
    expect(chart).toRoute(at('a.example.com', { path: '/v2/items' }), { version: 'experimental' });
    expect(chart).toRoute(at('a.example.com', { path: '/other' }), { status: 404 });
  });

  test('routes are ordered most specific first, whatever the declaration order', () => {
    const { chart, web } = setup();
    const e = edge(chart);
    e.addRoute({ name: 'all', to: EdgeDestination.version(web, 'original') });
    e.addRoute({ name: 'api', when: [RequestCondition.pathPrefix('/api')], to: EdgeDestination.version(web, 'original') });
    e.addRoute({ name: 'api-v2', when: [RequestCondition.pathPrefix('/api/v2')], to: EdgeDestination.version(web, 'experimental') });
    e.addRoute({ name: 'login', when: [RequestCondition.uri(StringMatch.exact('/api/login'))], to: EdgeDestination.version(web, 'experimental') });
    e.addRoute({ name: 'beta', when: [RequestCondition.headerPresent('x-beta')], to: EdgeDestination.version(web, 'experimental') });
    expect(only(synthChecked(chart), 'VirtualService', 'edge').spec.http.map((r: any) => r.name)).toEqual(['login', 'api-v2', 'api', 'beta', 'all']);
    expect(chart).toRoute(at('x.y', { path: '/api/v2/items' }), { version: 'experimental', rule: 'api-v2' });
    expect(chart).toRoute(at('x.y', { path: '/api/v1/items' }), { version: 'original', rule: 'api' });
  });

  test('host and subdomain routing: one VirtualService per host', () => {
    const { chart, web } = setup();
    const e = edge(chart, { hosts: ['fleetman.com', '*.fleetman.com'] });
    e.addRoute({ host: 'fleetman.com', to: EdgeDestination.version(web, 'original') });
    e.addRoute({ host: 'experimental.fleetman.com', to: EdgeDestination.version(web, 'experimental') });
    const m = synthChecked(chart);
    expect(m.filter(o => o.kind === 'VirtualService' && o.spec.gateways).map(o => [o.metadata.name, o.spec.hosts])).toEqual([
      ['edge-fleetman-com', ['fleetman.com']], ['edge-experimental-fleetman-com', ['experimental.fleetman.com']],
    ]);
    expect(chart).toRoute(at('fleetman.com'), { version: 'original' });
    expect(chart).toRoute(at('experimental.fleetman.com'), { version: 'experimental' });
    expect(chart).toRoute(at('www.fleetman.com'), { status: 404 });
    expect(chart).toRoute(at('example.org'), { status: 404 });
  });

  test('a route to the release carries its weighted split and its dark rules to edge traffic', () => {
    const { chart, web } = setup();
    new DarkRelease(chart, 'testers', { service: web, version: 'experimental', when: [RequestCondition.headerExact('x-release', 'canary')] });
    edge(chart, { routes: [{ name: 'web', to: EdgeDestination.release(web) }] });
    const vs = only(synthChecked(chart), 'VirtualService', 'edge');
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['web-testers', 'web']);
    expect(chart).toSplit(at('x.y'), { original: 90, experimental: 10 });
    expect(chart).toRoute(at('x.y', { headers: { 'x-release': 'canary' } }), { version: 'experimental' });
    // The mesh VirtualService is unchanged and separate.
    expect(chart).toSplit({ host: 'web' }, { original: 90, experimental: 10 });
  });

  test('a release behind a path: the route match is ANDed with each release rule', () => {
    const { chart, web } = setup();
    new DarkRelease(chart, 'testers', { service: web, version: 'experimental', when: [RequestCondition.headerExact('x-release', 'canary')] });
    edge(chart, { routes: [{ name: 'shop', when: [RequestCondition.pathPrefix('/shop')], to: EdgeDestination.release(web) }] });
    const vs = only(synthChecked(chart), 'VirtualService', 'edge');
    expect(vs.spec.http[0].match).toEqual([{ uri: { prefix: '/shop' }, headers: { 'x-release': { exact: 'canary' } } }]);
    expect(chart).toRoute(at('x.y', { path: '/shop/1', headers: { 'x-release': 'canary' } }), { version: 'experimental' });
    expect(chart).toRoute(at('x.y', { path: '/other', headers: { 'x-release': 'canary' } }), { status: 404 });
  });

  test('a release rule that no request of the route can meet does not apply to it', () => {
    const { chart, web } = setup();
    new DarkRelease(chart, 'canary-path', { service: web, version: 'experimental', when: [RequestCondition.pathPrefix('/canary')] });
    const e = edge(chart);
    e.addRoute({ name: 'all', when: [RequestCondition.pathPrefix('/')], to: EdgeDestination.release(web) });
    e.addRoute({ name: 'shop', when: [RequestCondition.pathPrefix('/shop')], to: EdgeDestination.release(web) });
    const vs = only(synthChecked(chart), 'VirtualService', 'edge');
    // Under /shop the /canary rule can never apply, so that route has none; under / it narrows to /canary.
    expect(vs.spec.http.map((r: any) => [r.name, r.match])).toEqual([
      ['shop', [{ uri: { prefix: '/shop' } }]],
      ['all-canary-path', [{ uri: { prefix: '/canary' } }]],
      ['all', [{ uri: { prefix: '/' } }]],
    ]);
    expect(chart).toRoute(at('x.y', { path: '/canary/1' }), { version: 'experimental' });
    expect(chart).toSplit(at('x.y', { path: '/shop/canary' }), { original: 90, experimental: 10 });
  });

  test('where a release applies: edge, mesh or both', () => {
    // The split only at the edge: mesh callers stay on the stable version.
    const edgeOnly = setup('shop', TrafficSplit.canaryPercent(10), ReleaseScope.EDGE);
    edge(edgeOnly.chart, { routes: [{ to: EdgeDestination.release(edgeOnly.web) }] });
    expect(edgeOnly.chart).toSplit(at('x.y'), { original: 90, experimental: 10 });
    expect(edgeOnly.chart).toSplit({ host: 'web' }, { original: 100 });
    // The split only in the mesh: browsers stay on the stable version.
    const meshOnly = setup('shop', TrafficSplit.canaryPercent(10), ReleaseScope.MESH);
    edge(meshOnly.chart, { routes: [{ to: EdgeDestination.release(meshOnly.web) }] });
    expect(meshOnly.chart).toSplit(at('x.y'), { original: 100 });
    expect(meshOnly.chart).toSplit({ host: 'web' }, { original: 90, experimental: 10 });
    // A dark release only at the edge.
    const dark = setup('shop', TrafficSplit.stable());
    new DarkRelease(dark.chart, 'd', { service: dark.web, version: 'experimental', when: [RequestCondition.headerPresent('x-dark')], releaseScope: ReleaseScope.EDGE });
    edge(dark.chart, { routes: [{ to: EdgeDestination.release(dark.web) }] });
    synthChecked(dark.chart);
    expect(dark.chart).toRoute(at('x.y', { headers: { 'x-dark': '1' } }), { version: 'experimental' });
    expect(dark.chart).toRoute({ host: 'web', headers: { 'x-dark': '1' } }, { version: 'original' });
  });

  test('includeMesh binds the routes to mesh callers of the same hosts too', () => {
    const { chart, web } = setup();
    edge(chart, { hosts: ['shop.example.com'], includeMesh: true, routes: [{ to: EdgeDestination.version(web, 'experimental') }] });
    const vs = only(synthChecked(chart), 'VirtualService', 'edge-shop-example-com');
    expect(vs.spec.gateways).toEqual(['shop/edge', 'mesh']);
    expect(RoutingSimulator.fromChart(chart).route({ host: 'shop.example.com', sourceNamespace: 'shop' }).versionShares).toEqual({ experimental: 100 });
  });

  test('a route and a release rule that exclude values of one header: the broader exclusion stays', () => {
    const { chart, web } = setup('shop', TrafficSplit.stable());
    new DarkRelease(chart, 'not-pro', { service: web, version: 'experimental', when: [RequestCondition.headerNot('x-env', StringMatch.prefix('pro'))] });
    const e = edge(chart);
    e.addRoute({ name: 'r', when: [RequestCondition.headerNot('x-env', StringMatch.exact('prod'))], to: EdgeDestination.release(web) });
    const vs = only(synthChecked(chart), 'VirtualService', 'edge');
    // Excluding every 'pro...' value also excludes 'prod': the broader exclusion stays.
    expect(vs.spec.http.map((r: any) => r.match)).toEqual([
      [{ withoutHeaders: { 'x-env': { prefix: 'pro' } } }],
      [{ withoutHeaders: { 'x-env': { exact: 'prod' } } }],
    ]);
    expect(chart).toRoute(at('a.b', { headers: { 'x-env': 'staging' } }), { version: 'experimental' });
    expect(chart).toRoute(at('a.b', { headers: { 'x-env': 'prototype' } }), { version: 'original' });
  });
});

describe('IngressEdge: edge traffic to a release gets the service-wide settings', () => {
  test('version affinity, timeouts, retries and an all-traffic fault apply at the edge too', () => {
    const { chart, web } = setup();
    new VersionAffinity(chart, 'pin', { service: web, cookie: 'ver' });
    new RoutePolicy(chart, 'policy', { service: web, timeout: Duration.seconds(3), retries: { attempts: 2 } });
    new FaultInjection(chart, 'chaos', { service: web, abort: FaultAbort.httpStatus(503), abortPercentage: 0.5, allTraffic: true });
    edge(chart, { routes: [{ name: 'web', to: EdgeDestination.release(web) }] });
    const vs = only(synthChecked(chart), 'VirtualService', 'edge');
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['web-pin-original', 'web-pin-experimental', 'web']);
    for (const rule of vs.spec.http) {
      expect(rule.timeout).toBe('3s');
      expect(rule.retries).toEqual({ attempts: 2 });
      expect(rule.fault).toEqual({ abort: { httpStatus: 503, percentage: { value: 0.5 } } });
    }
    expect(vs.spec.http[2].route.map((r: any) => r.headers.response.add['set-cookie'])).toEqual(['ver=original; Path=/', 'ver=experimental; Path=/']);
    expect(chart).toRoute(at('x.example.com', { headers: { cookie: 'ver=experimental' } }), { version: 'experimental' });
  });

  test('a conditional fault applies to edge traffic to the release', () => {
    const { chart, web } = setup('shop', TrafficSplit.stable());
    new FaultInjection(chart, 'slow-jason', { service: web, delay: Duration.seconds(7), when: [RequestCondition.headerExact('end-user', 'jason')] });
    edge(chart, { routes: [{ name: 'web', to: EdgeDestination.release(web) }] });
    synthChecked(chart);
    const o = RoutingSimulator.fromChart(chart).route(at('a.example.com', { headers: { 'end-user': 'jason' } }));
    expect(o.fault).toMatchObject({ delay: '7s' });
  });
});

describe('IngressEdge: bad input', () => {
  const make = (props: Partial<IngressEdgeProps>, id = 'edge') => () => { const { chart } = setup(); new IngressEdge(chart, id, { hosts: ['*'], ...props }); };
  test('a route host no server of the gateway serves', () => {
    const { chart, web } = setup();
    const e = edge(chart, { hosts: ['*.fleetman.com'] });
    expect(() => e.addRoute({ host: 'fleetman.org', to: EdgeDestination.release(web) }))
      .toThrow(/\[test\/edge\] routes\[route-1\].host: 'fleetman.org' is not served by any server of Gateway shop\/edge \(hosts: \*.fleetman.com\), so no request for it reaches the route \(IST0132\)/);
    expect(() => e.addRoute({ host: 'fleetman.com', to: EdgeDestination.release(web) })).toThrow(/'fleetman.com' is not served by any server/);
  });
  test('HTTPS without a credential', () => {
    expect(make({ https: [{ credentialName: '' }] }))
      .toThrow(/\[test\/edge\] https\[0\].credentialName: '' is empty: an HTTPS server needs the TLS secret with its certificate/);
    expect(make({ redirectToHttps: true })).toThrow(/redirectToHttps: true needs an HTTPS server to redirect to/);
  });
  test('duplicate server port names', () => {
    expect(make({ https: [{ credentialName: 'a', portName: 'tls' }, { credentialName: 'b', portName: 'tls' }] }))
      .toThrow(/https: 'tls' is the port name of two servers \(#1 and #2\); Istio requires unique port names/);
    expect(make({ httpPort: 443, https: [{ credentialName: 'a' }] })).toThrow(/https: 443 is used by an HTTP and an HTTPS server/);
  });
  test('a wildcard host on a VirtualService that applies to the mesh', () => {
    expect(make({ hosts: ['*.example.com'], includeMesh: true }))
      .toThrow(/hosts\[0\]: '\*.example.com' is a wildcard host, which a VirtualService that applies to the mesh cannot have/);
  });
  test('a Gateway name with dots', () => {
    expect(make({}, 'public.gateway')).toThrow(/\[test\/public.gateway\] name: 'public.gateway' contains dots, which Istio rejects in a Gateway name/);
    expect(make({ name: 'Public_GW' })).toThrow(/name: 'Public_GW' is not a DNS-1123 label/);
  });
  test('hosts a Gateway cannot serve', () => {
    expect(make({ hosts: [] })).toThrow(/hosts: \[\] is empty/);
    expect(make({ hosts: ['reviews'] })).toThrow(/hosts\[0\]: 'reviews' is not a host a Gateway can serve.*no short names/);
    expect(make({ hosts: ['*foo.com'] })).toThrow(/'\*foo.com' is not a host a Gateway can serve/);
    expect(make({ hosts: ['foo.*.com'] })).toThrow(/'foo.\*.com' is not a host a Gateway can serve/);
    expect(make({ selector: {} })).toThrow(/selector: \{\} is empty/);
    expect(make({ http: false })).toThrow(/http: false turns off the only server/);
  });
  test('malformed routes', () => {
    const { chart, web } = setup();
    const e = edge(chart);
    e.addRoute({ to: EdgeDestination.release(web) });
    expect(() => e.addRoute({ name: 'again', to: EdgeDestination.version(web, 'original') })).toThrow(/routes\[again\]: 'again' is a second catch-all route for host '\*'/);
    expect(() => e.addRoute({ name: 'x', when: [RequestCondition.pathPrefix('/x')], rewriteUri: 'x', to: EdgeDestination.release(web) })).toThrow(/routes\[x\].rewriteUri: 'x' is not a path/);
    expect(() => e.addRoute({ name: 'v', when: [RequestCondition.pathPrefix('/v')], to: EdgeDestination.version(web, 'v9') })).toThrow(/routes\[v\].to.version: 'v9' is not a version of service 'web'/);
    expect(() => e.addRoute({ name: 's', when: [RequestCondition.pathPrefix('/s')], to: EdgeDestination.service('svc', 0) })).toThrow(/routes\[s\].to.port: 0 is not a port number/);
    expect(() => e.addRoute({ name: 'e', rules: [], to: EdgeDestination.release(web) })).toThrow(/routes\[e\].rules: \[\] is empty/);
  });
  test('two routes for the same requests to different places fail the synth', () => {
    const { chart, web } = setup();
    const e = edge(chart);
    e.addRoute({ name: 'a', when: [RequestCondition.pathPrefix('/a')], to: EdgeDestination.version(web, 'original') });
    e.addRoute({ name: 'b', when: [RequestCondition.pathPrefix('/a')], to: EdgeDestination.version(web, 'experimental') });
    expect(() => Testing.synth(chart)).toThrow(/rules 'a' \(test\/edge\) and 'b' \(test\/edge\) of VirtualService shop\/edge send the same requests \{"uri":\{"prefix":"\/a"\}\}/);
  });
  test('a release rule that cannot be combined with the route', () => {
    const { chart, web } = setup();
    new DarkRelease(chart, 'canary-path', { service: web, version: 'experimental', when: [RequestCondition.uri(StringMatch.regex('/shop/v[0-9]+/.*'))] });
    edge(chart, { routes: [{ name: 'shop', when: [RequestCondition.pathPrefix('/shop')], to: EdgeDestination.release(web) }] });
    expect(() => Testing.synth(chart)).toThrow(/routes\[shop\]: 'uri' of the route and of the release rule 'canary-path' both constrain uri/);
  });
  test('a route and a release rule that exclude different values of one header', () => {
    const { chart, web } = setup('shop', TrafficSplit.stable());
    new DarkRelease(chart, 'not-prod', { service: web, version: 'experimental', when: [RequestCondition.headerNot('x-env', StringMatch.exact('prod'))] });
    edge(chart, { routes: [{ name: 'r', when: [RequestCondition.headerNot('x-env', StringMatch.exact('staging'))], to: EdgeDestination.release(web) }] });
    expect(() => Testing.synth(chart)).toThrow(/routes\[r\]: 'withoutHeaders.x-env' of the route and of the release rule 'not-prod' both exclude values of the header/);
  });
  test('an edge route on a header only, after a route on every path, is shadowed', () => {
    const { chart, web } = setup();
    const e = edge(chart);
    e.addRoute({ name: 'all-paths', when: [RequestCondition.pathPrefix('/')], to: EdgeDestination.version(web, 'original') });
    e.addRoute({ name: 'canary-header', when: [RequestCondition.headerExact('x-canary', 'yes')], to: EdgeDestination.version(web, 'experimental') });
    expect(() => Testing.synth(chart)).toThrow(/rule 'canary-header' \(test\/edge\) of VirtualService shop\/edge never applies.*the earlier rule 'all-paths'/);
  });
  test('two edges serving one host on the same gateway pods (IST0145); other gateway pods may serve it', () => {
    const { chart } = setup();
    edge(chart, {}, 'a');
    expect(() => edge(chart, {}, 'b'))
      .toThrow(/\[test\/b\] hosts: '\*' on port 80 is already served by IngressEdge test\/a on the same gateway pods \(IST0145/);
    expect(() => edge(chart, { selector: { istio: 'internal-gateway' } }, 'c')).not.toThrow();
  });
});

describe('IngressEdge: exact messages, servers, names and destinations', () => {
  /** A RegExp matching exactly `message`. */
  const exactly = (message: string) => new RegExp(`^${message.replace(/[\\^$.|?*+()[\]{}]/g, m => `\\${m}`)}$`);
  const make = (props: Partial<IngressEdgeProps>, id = 'edge') => () => { const { chart } = setup(); return new IngressEdge(chart, id, { hosts: ['*'], ...props }); };
  const gatewayOf = (e: IngressEdge) => only(Testing.synth(Chart.of(e)), 'Gateway', e.name);
  const httpOf = (chart: Chart, name: string) => only(Testing.synth(chart), 'VirtualService', name).spec.http;

  test('names, hosts and selector', () => {
    expect(make({}, 'public.gateway')).toThrow(exactly("[test/public.gateway] name: 'public.gateway' contains dots, which Istio rejects in a Gateway name. "
      + "Use a DNS label such as 'bookinfo-gateway' (a Gateway name is a single label, unlike other object names)"));
    expect(make({ hosts: [] })).toThrow(exactly("[test/edge] hosts: [] is empty. List the hosts the edge serves, e.g. ['*'] or ['shop.example.com']"));
    expect(make({ hosts: ['shop.example.com', 'reviews'] })).toThrow(exactly("[test/edge] hosts[1]: 'reviews' is not a host a Gateway can serve. Use '*', a wildcard such as "
      + "'*.example.com' (the '*' only as the whole first label), or a name with a dot such as 'shop.example.com' (no short names)"));
    expect(make({ hosts: ['shop.example.com', '*'], includeMesh: true })).toThrow(exactly("[test/edge] hosts[1]: '*' is a wildcard host, which a VirtualService "
      + 'that applies to the mesh cannot have. Use exact hosts with includeMesh, or leave includeMesh off'));
    expect(make({ selector: {} })).toThrow(exactly('[test/edge] selector: {} is empty, which selects every pod as a gateway. Select the ingress gateway pods, e.g. { istio: "ingressgateway" }'));
    const e = make({ hosts: ['Shop.Example.COM'], name: 'public' })();
    expect(e.name).toBe('public');
    expect(e.gatewayRef).toBe('shop/public');
    expect(e.hosts).toEqual(['shop.example.com']);
    expect(gatewayOf(e).spec.servers).toEqual([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }]);
  });

  test('server switches: HTTP off, ports, port names, redirects', () => {
    expect(make({ http: false })).toThrow(exactly('[test/edge] http: false turns off the only server. Serve HTTP, or add an HTTPS server'));
    expect(make({ redirectToHttps: true })).toThrow(exactly(
      "[test/edge] redirectToHttps: true needs an HTTPS server to redirect to. Add an entry to 'https' with the certificate's credentialName"));
    expect(make({ http: false, redirectToHttps: true, https: [{ credentialName: 'c' }] })).toThrow(exactly(
      '[test/edge] redirectToHttps: true needs the HTTP server that answers with the redirect. Leave http on'));
    const httpsOnly = make({ hosts: ['shop.example.com'], http: false, https: [{ credentialName: 'c', port: 8443, portName: 'tls' }] })();
    expect(gatewayOf(httpsOnly).spec.servers).toEqual([
      { port: { number: 8443, name: 'tls', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'c' } },
    ]);
    const both = make({ hosts: ['shop.example.com'], httpPort: 8080, https: [{ credentialName: 'c' }] })();
    expect(gatewayOf(both).spec.servers).toEqual([
      { port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] },
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'c' } },
    ]);
    // A redirect is covered by a wildcard HTTPS host.
    const wild = make({ hosts: ['*.example.com', 'shop.example.com'], redirectToHttps: true, https: [{ credentialName: 'c', hosts: ['*.example.com'] }] })();
    expect(gatewayOf(wild).spec.servers[0].tls).toEqual({ httpsRedirect: true });
    expect(make({ hosts: ['shop.example.com', 'api.example.com'], redirectToHttps: true, https: [{ credentialName: 'c', hosts: ['shop.example.com'] }] })).toThrow(exactly(
      '[test/edge] redirectToHttps: ["api.example.com"] redirects hosts to HTTPS that no HTTPS server serves, so browsers are sent to a host the gateway refuses. '
      + "Add those hosts to an HTTPS server's hosts (or leave its hosts unset to serve all), or turn off redirectToHttps"));
  });

  test('HTTPS server credentials and hosts', () => {
    expect(make({ https: [{ credentialName: '' }] })).toThrow(exactly("[test/edge] https[0].credentialName: '' is empty: an HTTPS server needs the TLS secret with its certificate. "
      + 'Create a kubernetes.io/tls Secret in the ingress gateway namespace and name it here'));
    expect(make({ https: [{ credentialName: 'ok' }, { credentialName: 'Bad_Cert' }] })).toThrow(exactly(
      "[test/edge] https[1].credentialName: 'Bad_Cert' is not a valid Secret name. Use the name of a kubernetes.io/tls Secret"));
    expect(make({ hosts: ['shop.example.com'], https: [{ credentialName: 'c', hosts: ['shop.example.com', 'api.example.com'] }] })).toThrow(exactly(
      "[test/edge] https[0].hosts[1]: 'api.example.com' is not one of the edge hosts. Add it to the edge's hosts"));
    expect(make({ hosts: ['shop.example.com'], https: [{ credentialName: 'c', hosts: ['shop'] }] })).toThrow(/^\[test\/edge\] https\[0\].hosts\[0\]: 'shop' is not a host a Gateway can serve/);
    const e = make({ hosts: ['*.example.com'], https: [{ credentialName: 'c', hosts: ['Shop.Example.com'] }] })();
    expect(gatewayOf(e).spec.servers[1].hosts).toEqual(['shop.example.com']);
  });

  test('port names and ports shared by servers', () => {
    expect(make({ https: [{ credentialName: 'a', portName: 'tls' }, { credentialName: 'b', portName: 'tls' }] })).toThrow(exactly(
      "[test/edge] https: 'tls' is the port name of two servers (#1 and #2); Istio requires unique port names across a Gateway's servers. Give each HTTPS server its own portName"));
    expect(make({ https: [{ credentialName: 'a', portName: 'http' }] })).toThrow(/^\[test\/edge\] https: 'http' is the port name of two servers \(#0 and #1\)/);
    expect(make({ httpPort: 443, https: [{ credentialName: 'a' }] })).toThrow(exactly(
      '[test/edge] https: 443 is used by an HTTP and an HTTPS server; one of them would lose at run time. Use different ports for HTTP and HTTPS'));
    expect(make({ https: [{ credentialName: 'a', port: 8443 }, { credentialName: 'b', port: 80 }] })).toThrow(/^\[test\/edge\] https: 80 is used by an HTTP and an HTTPS server/);
  });

  test('gateway pods are told apart by their whole selector and by port', () => {
    const { chart } = setup();
    edge(chart, { selector: { app: 'gw', istio: 'public' } }, 'a');
    expect(() => edge(chart, { selector: { istio: 'public', app: 'gw' } }, 'b')).toThrow(/^\[test\/b\] hosts: '\*' on port 80 is already served by IngressEdge test\/a/);
    expect(() => edge(chart, { selector: { app: 'gw' } }, 'c')).not.toThrow();
    expect(() => edge(chart, { selector: { app: 'gw', istio: 'public' }, httpPort: 8080 }, 'd')).not.toThrow();
    expect(() => edge(chart, { selector: { app: 'gw', istio: 'public' }, http: false, https: [{ credentialName: 'c' }] }, 'e')).not.toThrow();
  });

  test('route names, catch-all routes and hosts', () => {
    const { chart, web } = setup();
    const e = edge(chart, { hosts: ['shop.example.com', 'api.example.com'] });
    e.addRoute({ to: EdgeDestination.version(web, 'original') });
    // A route with conditions after the catch-all is fine.
    e.addRoute({ when: [RequestCondition.pathPrefix('/x')], to: EdgeDestination.version(web, 'experimental') });
    e.addRoute({ host: 'API.example.com', when: [RequestCondition.pathPrefix('/y')], to: EdgeDestination.version(web, 'experimental') });
    expect(() => e.addRoute({ name: 'again', to: EdgeDestination.version(web, 'experimental') })).toThrow(exactly(
      "[test/edge] routes[again]: 'again' is a second catch-all route for host 'shop.example.com'. Only one route per host may omit 'when'/'rules'; give this one conditions"));
    expect(httpOf(chart, 'edge-shop-example-com').map((r: any) => r.name)).toEqual(['route-2', 'route-1']);
    expect(httpOf(chart, 'edge-api-example-com').map((r: any) => r.name)).toEqual(['route-2', 'route-3', 'route-1']);
    expect(() => e.addRoute({ host: 'www.example.com', to: EdgeDestination.version(web, 'original') })).toThrow(exactly(
      "[test/edge] routes[route-5].host: 'www.example.com' is not served by any server of Gateway shop/edge (hosts: shop.example.com, api.example.com), "
      + "so no request for it reaches the route (IST0132). Add the host to the edge's hosts, or route a host it serves"));
  });

  test('when, rules and rewrites', () => {
    const { chart, web } = setup();
    const e = edge(chart);
    const to = EdgeDestination.version(web, 'experimental');
    expect(() => e.addRoute({ name: 'r', to, when: [RequestCondition.pathPrefix('/a')], rules: [{ conditions: [RequestCondition.pathPrefix('/b')] }] })).toThrow(exactly(
      "[test/edge] routes[r].rules: '1 condition set(s) and when: 1 condition(s)' is given together with 'when'. Use 'when' for one set of conditions or 'rules' for several"));
    expect(() => e.addRoute({ name: 'r', to, rules: [] })).toThrow(exactly(
      "[test/edge] routes[r].rules: [] is empty. Give at least one condition set, or omit 'rules' for a catch-all route"));
    expect(() => e.addRoute({ name: 'r', to, rules: [{ conditions: [RequestCondition.pathPrefix('/x')] }, { conditions: [RequestCondition.pathPrefix('')] }] }))
      .toThrow(/^\[test\/edge\] routes\[r\].rules\[1\].conditions\[0\].uri.prefix: '' is an empty prefix/);
    expect(() => e.addRoute({ name: 'r', to, when: [RequestCondition.pathPrefix('')] })).toThrow(/^\[test\/edge\] routes\[r\].when\[0\].uri.prefix: '' is an empty prefix/);
    expect(() => e.addRoute({ name: 'r', to, when: [RequestCondition.pathPrefix('/r')], rewriteUri: 'r' })).toThrow(exactly(
      "[test/edge] routes[r].rewriteUri: 'r' is not a path. Start it with '/', e.g. '/'"));
    e.addRoute({ name: 'ab', to, rules: [{ conditions: [RequestCondition.pathPrefix('/a')] }, { conditions: [RequestCondition.pathPrefix('/b')] }] });
    e.addRoute({ name: 'host', to, when: [RequestCondition.pathPrefix('/h')], rewriteAuthority: 'internal.example.com' });
    e.addRoute({ name: 'both', to, when: [RequestCondition.pathPrefix('/both')], rewriteUri: '/', rewriteAuthority: 'internal.example.com' });
    const http = httpOf(chart, 'edge');
    const rule = (name: string) => http.find((r: any) => r.name === name);
    expect(rule('ab').match).toEqual([{ uri: { prefix: '/a' } }, { uri: { prefix: '/b' } }]);
    expect(rule('ab').rewrite).toBeUndefined();
    expect(rule('host').rewrite).toEqual({ authority: 'internal.example.com' });
    expect(rule('both').rewrite).toEqual({ uri: '/', authority: 'internal.example.com' });
  });

  test('destinations: a Service port, a version, with their ports', () => {
    const { chart, web } = setup();
    const e = edge(chart);
    e.addRoute({ name: 'svc', when: [RequestCondition.pathPrefix('/s')], to: EdgeDestination.service('customer', 8081) });
    e.addRoute({ name: 'ver', when: [RequestCondition.pathPrefix('/v')], to: EdgeDestination.version(web, 'experimental') });
    const http = httpOf(chart, 'edge');
    expect(http.find((r: any) => r.name === 'svc').route).toEqual([{ destination: { host: 'customer', port: { number: 8081 } }, weight: 100 }]);
    expect(http.find((r: any) => r.name === 'ver').route).toEqual([{ destination: { host: 'web', subset: 'experimental', port: { number: 8080 } }, weight: 100 }]);
    expect(() => e.addRoute({ name: 'n', when: [RequestCondition.pathPrefix('/n')], to: EdgeDestination.service('Bad_Name', 80) })).toThrow(exactly(
      "[test/edge] routes[n].to.name: 'Bad_Name' is not a Service name. Use the Service's name, e.g. 'productpage'"));
    expect(() => e.addRoute({ name: 'ns', when: [RequestCondition.pathPrefix('/ns')], to: EdgeDestination.service('svc', 80, 'Bad_NS') }))
      .toThrow(/^\[test\/edge\] routes\[ns\].to.namespace: 'Bad_NS' is not a DNS-1123 label/);
  });

  test('a route to the plain Service of a split service: refused unless bypassRelease', () => {
    const message = "[test/edge] routes[r].to: 'EdgeDestination.service('web', 8080)' is the plain Service of 'web', whose release splits requests (original 90% / experimental 10%); "
      + 'the gateway would bypass the split. Use EdgeDestination.release(service) to follow the split, or set bypassRelease: true on the route if bypassing it is what you want';
    const route = (to: EdgeDestination, bypassRelease?: boolean, traffic = TrafficSplit.canaryPercent(10)) => () => {
      const { chart } = setup('shop', traffic);
      edge(chart).addRoute({ name: 'r', to, bypassRelease });
      return httpOf(chart, 'edge');
    };
    expect(route(EdgeDestination.service('web', 8080))).toThrow(exactly(message));
    expect(route(EdgeDestination.service('web', 8080, 'shop'))).toThrow(exactly(message));
    expect(route(EdgeDestination.service('web', 8080), false)).toThrow(exactly(message));
    expect(route(EdgeDestination.service('web', 8080), true)()).toEqual([{ name: 'r', route: [{ destination: { host: 'web', port: { number: 8080 } }, weight: 100 }] }]);
    // Another namespace's 'web', and a service whose release sends everything to one version, are fine.
    expect(route(EdgeDestination.service('web', 8080, 'other'))()[0].route).toEqual([{ destination: { host: 'web.other.svc.cluster.local', port: { number: 8080 } }, weight: 100 }]);
    expect(route(EdgeDestination.service('web', 8080), undefined, TrafficSplit.stable())()[0].route).toEqual([{ destination: { host: 'web', port: { number: 8080 } }, weight: 100 }]);
  });

  test('VirtualService names: the edge name for *, the host slug otherwise, a hash when slugs meet', () => {
    const { chart, web } = setup();
    edge(chart, { hosts: ['a-b.example.com', 'a.b.example.com', '*.example.com'], routes: [{ to: EdgeDestination.release(web) }] });
    const names = Testing.synth(chart).filter(o => o.kind === 'VirtualService' && o.spec.gateways).map(o => [o.metadata.name, o.spec.hosts[0]]);
    const hash = createHash('sha256').update('a.b.example.com').digest('hex').slice(0, 8);
    expect(names).toEqual([
      ['edge-a-b-example-com', 'a-b.example.com'],
      [`edge-a-b-example-com-${hash}`, 'a.b.example.com'],
      ['edge-wildcard-example-com', '*.example.com'],
    ]);
  });
});
