import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { CanaryService, EdgeDestination, IngressEdge, OutcomeKind, RoutingSimulator, ServiceVersion, TrafficSplit } from '../src';
import { webRelease } from './util';
import { deploy, dr, reviewsSimulator, svc, to, vs } from './util/manifests';

const BOOKINFO = fs.readFileSync(path.join(__dirname, 'fixtures', 'bookinfo.yaml'), 'utf8');

const reviews = reviewsSimulator;

describe('Bookinfo (SCENARIOS S4) written as plain YAML', () => {
  const sim = RoutingSimulator.fromYaml(BOOKINFO);

  test.each(['/productpage', '/static/css/x.css', '/login', '/logout', '/api/v1/products/1'])('gateway sends %s to productpage', (p) => {
    const o = sim.route({ gateway: 'bookinfo-gateway', host: 'bookinfo.example.com', path: p });
    expect(o.kind).toBe(OutcomeKind.ROUTED);
    expect(o.virtualService).toBe('default/bookinfo');
    expect(o.destinations).toHaveLength(1);
    expect(o.destinations[0]).toMatchObject({ host: 'productpage.default.svc.cluster.local', port: 9080, share: 100 });
    expect(o.versionShares).toEqual({ v1: 100 });
  });

  test.each(['/', '/productpage/extra', '/loginx', '/api/v2/products'])('gateway answers 404 for %s', (p) => {
    const o = sim.route({ gateway: 'default/bookinfo-gateway', host: 'bookinfo.example.com', path: p });
    expect(o.kind).toBe(OutcomeKind.NOT_FOUND);
    expect(o.status).toBe(404);
    expect(o.explanation).toMatch(/no rule of default\/bookinfo matches/);
  });

  test('reviews: jason to v2, everyone else v1', () => {
    expect(sim.route({ host: 'reviews', headers: { 'end-user': 'jason' } }).versionShares).toEqual({ v2: 100 });
    expect(sim.route({ host: 'reviews', headers: { 'end-user': 'alice' } }).versionShares).toEqual({ v1: 100 });
    expect(sim.route({ host: 'reviews' }).versionShares).toEqual({ v1: 100 });
  });

  test('ratings: a 7 s delay for jason only', () => {
    const jason = sim.route({ host: 'ratings', headers: { 'end-user': 'jason' } });
    expect(jason.fault).toEqual({
      delay: '7s', delayPercentage: 100, delayPercentageGiven: true, abortHttpStatus: undefined, abortGrpcStatus: undefined, abortPercentage: undefined, abortPercentageGiven: undefined,
    });
    expect(jason.ruleIndex).toBe(0);
    const other = sim.route({ host: 'ratings', headers: { 'end-user': 'bob' } });
    expect(other.fault).toBeUndefined();
    expect(other.versionShares).toEqual({ v1: 100 });
  });

  test('details has no VirtualService: plain Kubernetes load balancing', () => {
    const o = sim.route({ host: 'details' });
    expect(o.kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(o.versionShares).toEqual({ v1: 100 });
  });

  test('a host nobody knows', () => {
    expect(sim.route({ host: 'nothing-here' }).kind).toBe(OutcomeKind.UNKNOWN_HOST);
  });
});

describe('rule order and match semantics', () => {
  test('rules in order: the first match wins, later rules are not consulted', () => {
    const sim = reviews([
      { match: [{ uri: { prefix: '/a' } }], route: [to('reviews', 'v2')] },
      { match: [{ uri: { prefix: '/a/b' } }], route: [to('reviews', 'v3')] },
      { route: [to('reviews', 'v1')] },
    ]);
    const o = sim.route({ host: 'reviews', path: '/a/b/c' });
    expect(o.ruleIndex).toBe(0);
    expect(o.versionShares).toEqual({ v2: 100 });
    expect(sim.route({ host: 'reviews', path: '/z' }).ruleIndex).toBe(2);
  });

  test('conditions in one match block are ANDed; match blocks are ORed', () => {
    const sim = reviews([
      { match: [{ headers: { 'end-user': { exact: 'jason' } }, uri: { prefix: '/api' } }, { method: { exact: 'DELETE' } }], route: [to('reviews', 'v2')] },
      { route: [to('reviews', 'v1')] },
    ]);
    expect(sim.route({ host: 'reviews', path: '/api/x', headers: { 'end-user': 'jason' } }).versionShares).toEqual({ v2: 100 });
    expect(sim.route({ host: 'reviews', path: '/other', headers: { 'end-user': 'jason' } }).versionShares).toEqual({ v1: 100 });
    expect(sim.route({ host: 'reviews', path: '/api/x' }).versionShares).toEqual({ v1: 100 });
    expect(sim.route({ host: 'reviews', method: 'delete' }).versionShares).toEqual({ v2: 100 });
  });

  test('header names are case-insensitive', () => {
    const sim = reviews([{ match: [{ headers: { 'End-User': { exact: 'jason' } } }], route: [to('reviews', 'v2')] }, { route: [to('reviews', 'v1')] }]);
    expect(sim.route({ host: 'reviews', headers: { 'END-USER': 'jason' } }).versionShares).toEqual({ v2: 100 });
    // ... but values are not.
    expect(sim.route({ host: 'reviews', headers: { 'end-user': 'Jason' } }).versionShares).toEqual({ v1: 100 });
  });

  test('exact, prefix and regex; regex is RE2 over the whole value', () => {
    const sim = reviews([
      { match: [{ headers: { 'user-agent': { regex: 'Firefox' } } }], route: [to('reviews', 'v3')] },
      { match: [{ headers: { 'user-agent': { regex: '.*Firefox.*' } } }], route: [to('reviews', 'v2')] },
      { match: [{ headers: { 'user-agent': { prefix: 'curl/' } } }], route: [to('reviews', 'v3')] },
      { route: [to('reviews', 'v1')] },
    ]);
    // 'Firefox' does not match 'Mozilla/5.0 ... Firefox/120.0': RE2 full match, not a search.
    expect(sim.route({ host: 'reviews', headers: { 'User-Agent': 'Mozilla/5.0 (X11) Gecko/20100101 Firefox/120.0' } }).ruleIndex).toBe(1);
    expect(sim.route({ host: 'reviews', headers: { 'user-agent': 'Firefox' } }).ruleIndex).toBe(0);
    expect(sim.route({ host: 'reviews', headers: { 'user-agent': 'curl/8.0' } }).ruleIndex).toBe(2);
    expect(sim.route({ host: 'reviews', headers: { 'user-agent': 'Safari' } }).ruleIndex).toBe(3);
  });

  test('a regex RE2 cannot compile (look-ahead) is not a silent non-match: the VirtualService is rejected, and a warning says so', () => {
    const sim = reviews([{ match: [{ uri: { regex: '^(?!/admin).*' } }], route: [to('reviews', 'v2')] }]);
    const o = sim.route({ host: 'reviews', path: '/x' });
    expect(o.kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(o.warnings.join('\n')).toMatch(/VirtualService default\/reviews is not applied: Istio's validation webhook rejects it \(spec.http\[0\].match\[0\].uri.regex "\^\(\?!\/admin\)\.\*" is not RE2 syntax \(.*invalid or unsupported Perl syntax/);
  });

  test('header presence ({}) and withoutHeaders', () => {
    const sim = reviews([
      { match: [{ headers: { 'x-canary': {} } }], route: [to('reviews', 'v2')] },
      { match: [{ withoutHeaders: { 'x-session': {} } }], route: [to('reviews', 'v3')] },
      { route: [to('reviews', 'v1')] },
    ]);
    expect(sim.route({ host: 'reviews', headers: { 'x-canary': '' } }).versionShares).toEqual({ v2: 100 });
    expect(sim.route({ host: 'reviews' }).versionShares).toEqual({ v3: 100 });
    expect(sim.route({ host: 'reviews', headers: { 'x-session': 'abc' } }).versionShares).toEqual({ v1: 100 });
  });

  test('uri (exact, ignoreUriCase), authority, method and query parameters', () => {
    const sim = reviews([
      { match: [{ uri: { exact: '/Admin' }, ignoreUriCase: true }], route: [to('reviews', 'v3')] },
      { match: [{ authority: { prefix: 'reviews.canary' } }], route: [to('reviews', 'v2')] },
      { match: [{ method: { exact: 'POST' }, queryParams: { beta: { exact: '1' } } }], route: [to('reviews', 'v2')] },
      { route: [to('reviews', 'v1')] },
    ]);
    expect(sim.route({ host: 'reviews', path: '/ADMIN?x=1' }).ruleIndex).toBe(0);
    expect(sim.route({ host: 'reviews', authority: 'reviews.canary:9080' }).ruleIndex).toBe(1);
    expect(sim.route({ host: 'reviews', method: 'POST', path: '/x?beta=1&y=2' }).ruleIndex).toBe(2);
    expect(sim.route({ host: 'reviews', method: 'POST', path: '/x?beta=2' }).ruleIndex).toBe(3);
    expect(sim.route({ host: 'reviews', method: 'GET', path: '/x?beta=1' }).ruleIndex).toBe(3);
  });

  test('ignoreUriCase applies to exact and prefix, not to regex (as in Envoy)', () => {
    const sim = reviews([
      { match: [{ uri: { regex: '/api/.*' }, ignoreUriCase: true }], route: [to('reviews')] },
      { match: [{ uri: { prefix: '/API' }, ignoreUriCase: true }], name: 'prefix', route: [to('reviews')] },
    ]);
    expect(sim.route({ host: 'reviews', path: '/api/x' }).ruleIndex).toBe(0);
    expect(sim.route({ host: 'reviews', path: '/API/x' }).ruleName).toBe('prefix');
  });

  test('the authority carries the port when the request names one', () => {
    const sim = RoutingSimulator.fromManifests([svc('r', 'default', 9080), deploy('r', 'v1'), vs('r', {
      hosts: ['r'],
      http: [
        { match: [{ authority: { exact: 'r' } }], name: 'bare', route: [to('r')] },
        { match: [{ authority: { exact: 'r:9080' } }], name: 'with-port', route: [to('r')] },
      ],
    })]);
    expect(sim.route({ host: 'r', port: 9080 }).ruleName).toBe('with-port');
    expect(sim.route({ host: 'r' }).ruleName).toBe('bare');
  });

  test('source labels and source namespace', () => {
    const sim = reviews([
      { match: [{ sourceLabels: { app: 'productpage', version: 'v2' } }], route: [to('reviews', 'v2')] },
      { match: [{ sourceNamespace: 'qa' }], route: [to('reviews', 'v3')] },
      { route: [to('reviews', 'v1')] },
    ]);
    expect(sim.route({ host: 'reviews', sourceLabels: { app: 'productpage', version: 'v2', extra: 'x' } }).ruleIndex).toBe(0);
    expect(sim.route({ host: 'reviews', sourceLabels: { app: 'productpage', version: 'v1' } }).ruleIndex).toBe(2);
    expect(sim.route({ host: 'reviews.default', sourceNamespace: 'qa' }).ruleIndex).toBe(1);
  });

  test('port match', () => {
    const sim = reviews([{ match: [{ port: 9443 }], route: [to('reviews', 'v2')] }, { route: [to('reviews', 'v1')] }]);
    expect(sim.route({ host: 'reviews', port: 9443 }).ruleIndex).toBe(0);
    expect(sim.route({ host: 'reviews' }).ruleIndex).toBe(1);
  });

  test('nothing matches in the mesh: 404', () => {
    const sim = reviews([{ match: [{ uri: { prefix: '/api' } }], route: [to('reviews', 'v1')] }]);
    expect(sim.route({ host: 'reviews', path: '/' })).toMatchObject({ kind: OutcomeKind.NOT_FOUND, status: 404 });
  });
});

describe('weights and destinations', () => {
  test('weights are relative: 1 and 3 give 25% and 75%', () => {
    const o = reviews([{ route: [to('reviews', 'v1', 1), to('reviews', 'v3', 3)] }]).route({ host: 'reviews' });
    expect(o.versionShares).toEqual({ v1: 25, v3: 75 });
    expect(o.subsetShares).toEqual({ v1: 25, v3: 75 });
    expect(o.destinations.map(d => d.weight)).toEqual([1, 3]);
  });

  test('a destination without subset spreads over all pods of the Service, by replicas', () => {
    const sim = RoutingSimulator.fromManifests([
      svc('reviews'), deploy('reviews', 'v1', 1), deploy('reviews', 'v2', 3), vs('reviews', { hosts: ['reviews'], http: [{ route: [to('reviews')] }] }),
    ]);
    const o = sim.route({ host: 'reviews' });
    expect(o.versionShares).toEqual({ v1: 25, v2: 75 });
    expect(o.destinations[0].workloads.map(w => [w.name, w.replicas, w.share])).toEqual([['Deployment/reviews-v1', 1, 25], ['Deployment/reviews-v2', 3, 75]]);
  });

  test('no VirtualService: Kubernetes round robin weighted by replicas (S1 step 1: v2 scaled to 2)', () => {
    const sim = RoutingSimulator.fromManifests([svc('recommendation', 'tutorial', 8080), deploy('recommendation', 'v1', 1, 'tutorial'), deploy('recommendation', 'v2', 2, 'tutorial')]);
    const o = sim.route({ host: 'recommendation', sourceNamespace: 'tutorial' });
    expect(o.kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(o.versionShares.v1).toBeCloseTo(100 / 3);
    expect(o.versionShares.v2).toBeCloseTo(200 / 3);
  });

  test('short hosts resolve in the VirtualService namespace; FQDN and name.namespace requests find them', () => {
    const sim = RoutingSimulator.fromManifests([
      svc('reviews', 'prod'), deploy('reviews', 'v1', 1, 'prod'), deploy('reviews', 'v2', 1, 'prod'), dr('reviews', ['v1', 'v2'], 'prod'),
      vs('reviews', { hosts: ['reviews'], http: [{ route: [to('reviews', 'v2')] }] }, 'prod'),
    ]);
    for (const host of ['reviews.prod.svc.cluster.local', 'reviews.prod', 'reviews.prod.svc']) {
      const o = sim.route({ host, sourceNamespace: 'frontend' });
      expect(o.virtualService).toBe('prod/reviews');
      expect(o.destinations[0].host).toBe('reviews.prod.svc.cluster.local');
      expect(o.versionShares).toEqual({ v2: 100 });
    }
    // From namespace frontend, the short name 'reviews' means reviews.frontend: not this service.
    expect(sim.route({ host: 'reviews', sourceNamespace: 'frontend' }).kind).toBe(OutcomeKind.UNKNOWN_HOST);
    // With no source namespace given, a short name resolves to the one namespace that has the Service.
    expect(sim.route({ host: 'reviews' }).virtualService).toBe('prod/reviews');
    // A trailing dot makes a name absolute (no DNS search path): the FQDN with one is found, a short name with one is not.
    expect(sim.route({ host: 'reviews.prod.svc.cluster.local.', sourceNamespace: 'frontend' }).virtualService).toBe('prod/reviews');
    expect(sim.route({ host: 'reviews.', sourceNamespace: 'prod' }).kind).toBe(OutcomeKind.UNKNOWN_HOST);
  });

  test('an undefined subset is a 503, and reported', () => {
    const sim = reviews([{ route: [to('reviews', 'v9')] }]);
    const o = sim.route({ host: 'reviews' });
    expect(o).toMatchObject({ kind: OutcomeKind.SERVICE_UNAVAILABLE, status: 503, versionShares: {}, unavailableShare: 100 });
    expect(o.warnings.join('\n')).toMatch(/subset 'v9' of host 'reviews.default.svc.cluster.local' is not defined/);
  });

  test('fault, mirror, timeout, retries and rewrite of the matched rule', () => {
    const o = reviews([{
      route: [to('reviews', 'v1')],
      fault: { abort: { httpStatus: 500, percentage: { value: 10 } } },
      mirror: { host: 'reviews', subset: 'v2' },
      mirrorPercentage: { value: 25 },
      timeout: '2s',
      retries: { attempts: 3, perTryTimeout: '500ms', retryOn: '5xx' },
      rewrite: { uri: '/v2' },
    }]).route({ host: 'reviews' });
    expect(o.fault).toMatchObject({ abortHttpStatus: 500, abortPercentage: 10 });
    expect(o.mirrors).toEqual([{ host: 'reviews.default.svc.cluster.local', subset: 'v2', percentage: 25 }]);
    expect(o.timeout).toBe('2s');
    expect(o.retries).toEqual({ attempts: 3, perTryTimeout: '500ms', retryOn: '5xx' });
    expect(o.rewriteUri).toBe('/v2');
  });

  test('direct responses and redirects', () => {
    const sim = reviews([
      { match: [{ uri: { exact: '/old' } }], redirect: { uri: '/new' } },
      { directResponse: { status: 503 } },
    ]);
    expect(sim.route({ host: 'reviews', path: '/old' })).toMatchObject({ kind: OutcomeKind.REDIRECT, status: 301, redirect: { uri: '/new' } });
    expect(sim.route({ host: 'reviews' })).toMatchObject({ kind: OutcomeKind.DIRECT_RESPONSE, status: 503 });
  });

  test('two mesh VirtualServices for one host: the first is used and IST0109 is reported', () => {
    const sim = reviews([{ route: [to('reviews', 'v1')] }], [vs('reviews-2', { hosts: ['reviews'], http: [{ route: [to('reviews', 'v2')] }] })]);
    const o = sim.route({ host: 'reviews' });
    expect(o.versionShares).toEqual({ v1: 100 });
    expect(o.warnings.join()).toMatch(/IST0109/);
  });
});

describe('bindings: mesh and gateways', () => {
  const gateway = (name: string, hosts: string[], ns = 'istio-system') => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: ns },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }] },
  });
  const base = [svc('web'), deploy('web', 'original'), deploy('web', 'experimental'), dr('web', ['original', 'experimental'])];

  test('a mesh VirtualService does not apply at the gateway, and a gateway one not in the mesh', () => {
    const sim = RoutingSimulator.fromManifests([...base, gateway('edge', ['*.fleetman.com', 'fleetman.com']),
      vs('web-mesh', { hosts: ['web'], http: [{ route: [to('web', 'experimental')] }] }),
      vs('web-edge', { hosts: ['fleetman.com'], gateways: ['istio-system/edge'], http: [{ route: [to('web', 'original')] }] })]);
    expect(sim.route({ host: 'web' }).versionShares).toEqual({ experimental: 100 });
    expect(sim.route({ host: 'fleetman.com', gateway: 'istio-system/edge' }).versionShares).toEqual({ original: 100 });
  });

  test('wildcard hosts at a gateway; the most specific host wins', () => {
    const sim = RoutingSimulator.fromManifests([...base, gateway('edge', ['*.fleetman.com', 'fleetman.com']),
      vs('wild', { hosts: ['*.fleetman.com'], gateways: ['istio-system/edge'], http: [{ route: [to('web.default.svc.cluster.local', 'experimental')] }] }, 'default'),
      vs('apex', { hosts: ['fleetman.com'], gateways: ['istio-system/edge'], http: [{ route: [to('web', 'original')] }] }, 'default'),
      vs('exp', { hosts: ['beta.fleetman.com'], gateways: ['istio-system/edge'], http: [{ route: [to('web', 'original', 1), to('web', 'experimental', 1)] }] }, 'default')]);
    expect(sim.route({ gateway: 'edge', host: 'experimental.fleetman.com' }).virtualService).toBe('default/wild');
    expect(sim.route({ gateway: 'edge', host: 'fleetman.com' }).virtualService).toBe('default/apex');
    expect(sim.route({ gateway: 'edge', host: 'beta.fleetman.com' }).versionShares).toEqual({ original: 50, experimental: 50 });
    // The gateway does not serve other domains at all.
    expect(sim.route({ gateway: 'edge', host: 'example.org' })).toMatchObject({ kind: OutcomeKind.NOT_FOUND, status: 404 });
    expect(sim.route({ gateway: 'edge', host: 'example.org' }).explanation).toMatch(/has no server for host 'example.org'/);
  });

  test('a bare gateway name in a VirtualService resolves in its own namespace; mesh and gateway in one VirtualService', () => {
    const sim = RoutingSimulator.fromManifests([...base, gateway('edge', ['*'], 'default'),
      vs('web', {
        hosts: ['web', 'shop.example.com'],
        gateways: ['edge', 'mesh'],
        http: [
          { match: [{ gateways: ['edge'] }], route: [to('web', 'original')] },
          { match: [{ gateways: ['mesh'] }], route: [to('web', 'experimental')] },
        ],
      })]);
    expect(sim.route({ gateway: 'default/edge', host: 'shop.example.com' }).versionShares).toEqual({ original: 100 });
    expect(sim.route({ host: 'web' }).versionShares).toEqual({ experimental: 100 });
  });

  test('a VirtualService bound to another gateway is not used; no route means 404', () => {
    const sim = RoutingSimulator.fromManifests([...base, gateway('edge', ['*']), gateway('other', ['*']),
      vs('web', { hosts: ['*'], gateways: ['istio-system/other'], http: [{ route: [to('web', 'original')] }] })]);
    expect(sim.route({ gateway: 'istio-system/edge', host: 'a.b' }).explanation).toMatch(/no VirtualService bound to istio-system\/edge serves host 'a.b'/);
    expect(() => sim.route({ gateway: 'nope', host: 'a.b' })).toThrow(/gateway 'nope' is not in the manifests; give it as '<namespace>\/<name>'/);
  });

  test('a gateway outside the manifests is not checked, and says so', () => {
    const sim = RoutingSimulator.fromManifests([...base, vs('web', { hosts: ['*'], gateways: ['istio-system/ext'], http: [{ route: [to('web.default.svc.cluster.local', 'original')] }] })]);
    const o = sim.route({ gateway: 'istio-system/ext', host: 'x.example.com' });
    expect(o.versionShares).toEqual({ original: 100 });
    expect(o.warnings).toContain('Gateway istio-system/ext is not in the manifests; its servers were not checked');
  });

  test('delegate VirtualServices', () => {
    const sim = RoutingSimulator.fromManifests([...base, gateway('edge', ['*']),
      vs('root', { hosts: ['*'], gateways: ['istio-system/edge'], http: [{ match: [{ uri: { prefix: '/web' } }], delegate: { name: 'web-routes', namespace: 'default' } }] }),
      vs('web-routes', { http: [{ match: [{ uri: { prefix: '/web/beta' } }], route: [to('web', 'experimental')] }, { route: [to('web', 'original')] }] })]);
    expect(sim.route({ gateway: 'istio-system/edge', host: 'a.com', path: '/web/beta' }).versionShares).toEqual({ experimental: 100 });
    expect(sim.route({ gateway: 'istio-system/edge', host: 'a.com', path: '/web' })).toMatchObject({ virtualService: 'default/web-routes', ruleIndex: 1 });
  });
});

describe('on charts made by this library', () => {
  test('fromChart and fromApp see CanaryService routing, adopted versions included', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop', { namespace: 'onlineboutique' });
    new CanaryService(chart, 'productcatalogservice', {
      port: 3550,
      versions: [ServiceVersion.adopt('v1', { replicas: 2 }), ServiceVersion.deploy('v2', { image: 'pc:2' })],
      traffic: TrafficSplit.weights({ v1: 75, v2: 25 }),
    });
    const o = RoutingSimulator.fromChart(chart).route({ host: 'productcatalogservice' });
    expect(o.versionShares).toEqual({ v1: 75, v2: 25 });
    expect(o.destinations[0].workloads).toEqual([{
      name: 'productcatalogservice-v1', namespace: 'onlineboutique', labels: { app: 'productcatalogservice', version: 'v1' }, version: 'v1', replicas: 2, share: 75,
    }]);
    expect(RoutingSimulator.fromApp(app).route({ host: 'productcatalogservice.onlineboutique' }).ruleName).toBe('default');
  });

  test('an HTTP server with httpsRedirect answers 301; the HTTPS server routes', () => {
    const { chart, svc: web } = webRelease();
    new IngressEdge(chart, 'edge', {
      hosts: ['shop.example.com'], redirectToHttps: true, https: [{ credentialName: 'cert' }], routes: [{ to: EdgeDestination.release(web) }],
    });
    const sim = RoutingSimulator.fromChart(chart);
    expect(sim.route({ gateway: 'shop/edge', host: 'shop.example.com', port: 80 })).toMatchObject({ kind: 'redirect', status: 301, redirect: { scheme: 'https' } });
    expect(sim.route({ gateway: 'shop/edge', host: 'shop.example.com', port: 443 }).versionShares).toEqual({ v1: 90, v2: 10 });
  });
});
