import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, Yaml } from 'cdk8s';
import { RoutingSimulator } from '../src';
import { defaultWeights, only, synthChecked } from './util';
import { buildBffRecommendation } from '../examples/bff-recommendation/app';
import { buildBookinfo } from '../examples/bookinfo/app';
import { brokenPlainHash, buildFleetman, RELEASE_HEADER, USER_HEADER, VERSION_HEADER } from '../examples/fleetman/app';
import { buildProductCatalogCanary } from '../examples/productcatalog-canary/app';
import { buildRecommendationCanary } from '../examples/recommendation-canary/app';
import '../src/testing/jest';

const EXISTING_PRODUCTCATALOG = [{
  namespace: 'onlineboutique',
  name: 'Deployment/productcatalogservice',
  labels: { app: 'productcatalogservice', version: 'v1' },
}];

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15';

describe('example recommendation-canary (S1 steps 2 to 4)', () => {
  // Built inside each test, so that a mutation of the library is traced to the tests that build it.
  const charts = () => buildRecommendationCanary(Testing.app());

  test.each([
    ['step2-all-v1', { v1: 100 }],
    ['step3-90-10', { v1: 90, v2: 10 }],
    ['step3-75-25', { v1: 75, v2: 25 }],
    ['step3-all-v2', { v2: 100 }],
  ])('%s routes %j', (id, weights) => {
    const chart = charts().find(c => c.node.id === id)!;
    const m = synthChecked(chart);
    expect(defaultWeights(only(m, 'VirtualService', 'recommendation'))).toEqual(weights);
    // Behaviour: a call from a pod in the namespace reaches the versions in these shares, whoever sends it.
    expect(chart).toSplit({ host: 'recommendation', sourceNamespace: 'tutorial' }, weights);
    expect(chart).toSplit({ host: 'recommendation.tutorial.svc.cluster.local', sourceNamespace: 'preference', headers: { 'user-agent': 'Firefox' } }, weights);
    expect(only(m, 'Namespace', 'tutorial').metadata.labels).toEqual({ 'istio-injection': 'enabled' });
    expect(only(m, 'Service', 'recommendation').spec.selector).toEqual({ app: 'recommendation' });
    expect(m).toMatchSnapshot();
  });

  test('ambient-90-10: the same 90/10 release in ambient mode, routed by the namespace\'s waypoint', () => {
    const chart = charts().find(c => c.node.id === 'ambient-90-10')!;
    const m = synthChecked(chart);
    expect(only(m, 'Namespace', 'tutorial').metadata.labels).toEqual({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint', 'istio.io/ingress-use-waypoint': 'true' });
    expect(only(m, 'Gateway', 'waypoint')).toMatchObject({ apiVersion: 'gateway.networking.k8s.io/v1', spec: { gatewayClassName: 'istio-waypoint' } });
    expect(defaultWeights(only(m, 'VirtualService', 'recommendation'))).toEqual({ v1: 90, v2: 10 });
    expect(chart).toSplit({ host: 'recommendation', sourceNamespace: 'tutorial' }, { v1: 90, v2: 10 });
    // Apart from the namespace's labels and the waypoint, the objects are those of the sidecar state.
    const sidecar = synthChecked(charts().find(c => c.node.id === 'step3-90-10')!);
    const rest = (list: any[]) => list.filter(o => o.kind !== 'Namespace' && o.metadata.name !== 'waypoint');
    expect(rest(m)).toEqual(rest(sidecar));
    expect(m).toMatchSnapshot();
  });

  test('customer-gateway: /customer from outside reaches customer, served as /', () => {
    const chart = charts().find(c => c.node.id === 'customer-gateway')!;
    const m = synthChecked(chart);
    expect(only(m, 'Gateway', 'customer-gateway').spec.servers).toEqual([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }]);
    const o = RoutingSimulator.fromChart(chart).route({ gateway: 'tutorial/customer-gateway', host: '203.0.113.10', path: '/customer' });
    expect(o.destinations.map(d => [d.host, d.port])).toEqual([['customer.tutorial.svc.cluster.local', 8080]]);
    expect(o.rewriteUri).toBe('/');
    expect(chart).toRoute({ gateway: 'tutorial/customer-gateway', host: 'localhost', path: '/' }, { status: 404 });
    expect(m).toMatchSnapshot();
  });

  test('step5-spread-by-replicas: no VirtualService; Kubernetes spreads requests by pods, v1 1 of 4, v2 3 of 4, at random', () => {
    const chart = charts().find(c => c.node.id === 'step5-spread-by-replicas')!;
    const m = synthChecked(chart);
    expect(m.map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/tutorial', 'ServiceAccount/recommendation', 'Deployment/recommendation-v1', 'Deployment/recommendation-v2',
      'Service/recommendation', 'DestinationRule/recommendation',
    ]);
    expect(only(m, 'Deployment', 'recommendation-v1').spec.replicas).toBe(1);
    expect(only(m, 'Deployment', 'recommendation-v2').spec.replicas).toBe(3);
    // Nothing routes to a version, so the DestinationRule declares no subset: only the load balancer.
    expect(only(m, 'DestinationRule', 'recommendation').spec).toEqual({ host: 'recommendation', trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } });
    const o = RoutingSimulator.fromChart(chart).route({ host: 'recommendation', sourceNamespace: 'tutorial' });
    expect(o.kind).toBe('kubernetes-default');
    expect(o.versionShares).toEqual({ v1: 25, v2: 75 });
    expect(chart).toSplit({ host: 'recommendation.tutorial.svc.cluster.local', sourceNamespace: 'preference' }, { v1: 25, v2: 75 });
    expect(m).toMatchSnapshot();
  });

  test('step4-firefox-v2: Firefox users reach v2, everyone else v1', () => {
    const chart = charts().find(c => c.node.id === 'step4-firefox-v2')!;
    const m = synthChecked(chart);
    // recommendation is two hops behind the browser: the apps forward the user agent as baggage-user-agent.
    expect(chart).toRoute({ host: 'recommendation', headers: { 'baggage-user-agent': FIREFOX } }, { version: 'v2', rule: 'firefox-users' });
    expect(chart).toRoute({ host: 'recommendation', headers: { 'baggage-user-agent': SAFARI } }, { version: 'v1', rule: 'default' });
    expect(chart).toRoute({ host: 'recommendation' }, { version: 'v1' });
    expect(m).toMatchSnapshot();
  });
});

describe('example fleetman (S2)', () => {
  // Built inside each test, so that a mutation of the library is traced to the tests that build it.
  const charts = () => buildFleetman(Testing.app());
  const chart = (id: string) => charts().find(c => c.node.id === id)!;

  test('staff-dark-release: the canary header reaches risky, everything else safe', () => {
    const m = synthChecked(chart('staff-dark-release'));
    expect(chart('staff-dark-release')).toRoute({ host: 'fleetman-staff-service', headers: { [RELEASE_HEADER]: 'canary' } }, { version: 'risky', subset: 'risky-group' });
    expect(chart('staff-dark-release')).toRoute({ host: 'fleetman-staff-service', headers: { [RELEASE_HEADER]: 'canaryx' } }, { version: 'safe' });
    expect(chart('staff-dark-release')).toRoute({ host: 'fleetman-staff-service' }, { version: 'safe', subset: 'safe-group' });
    expect(m).toMatchSnapshot();
  });

  test('staff-canary-90-10: 90/10 between safe-group and risky-group', () => {
    const m = synthChecked(chart('staff-canary-90-10'));
    expect(chart('staff-canary-90-10')).toSplit({ host: 'fleetman-staff-service' }, { safe: 90, risky: 10 });
    expect(m).toMatchSnapshot();
  });

  test('the plain consistent hash with the 90/10 split fails with a diagnostic that points to VersionAffinity', () => {
    expect(() => Testing.synth(brokenPlainHash(Testing.app()))).toThrow(
      /\[staff-sticky-plain-hash\/hash-by-user\] loadBalancer: consistent hashing on host 'fleetman-staff-service' does not keep a user on one version while its requests are split by weight \(safe-group 90% \/ risky-group 10%\).*Add a VersionAffinity/);
  });

  test('staff-sticky-versions: the first request is split 90/10, later ones stay on the version named in the response', () => {
    const c = chart('staff-sticky-versions');
    const m = synthChecked(c);
    const dr = only(m, 'DestinationRule', 'fleetman-staff-service');
    expect(dr.spec.trafficPolicy.loadBalancer).toEqual({ consistentHash: { httpHeaderName: USER_HEADER } });
    const vs = only(m, 'VirtualService', 'fleetman-staff-service');
    expect(vs.spec.http[vs.spec.http.length - 1].route.map((r: any) => r.headers.response.set[VERSION_HEADER])).toEqual(['safe', 'risky']);
    expect(c).toSplit({ host: 'fleetman-staff-service', headers: { [USER_HEADER]: 'alice' } }, { safe: 90, risky: 10 });
    expect(c).toRoute({ host: 'fleetman-staff-service', headers: { [USER_HEADER]: 'alice', [VERSION_HEADER]: 'risky' } }, { version: 'risky' });
    expect(c).toRoute({ host: 'fleetman-staff-service', headers: { [USER_HEADER]: 'bob', [VERSION_HEADER]: 'safe' } }, { version: 'safe' });
    expect(m).toMatchSnapshot();
  });
});

describe('example fleetman (S2): the webapp at the edge', () => {
  // Built inside each test, so that a mutation of the library is traced to the tests that build it.
  const charts = () => buildFleetman(Testing.app());
  const chart = (id: string) => charts().find(c => c.node.id === id)!;
  const browser = (host: string, extra: any = {}) => ({ gateway: 'default/ingress-gateway-configuration', host, ...extra });

  test.each(['webapp-edge-90-10', 'webapp-edge-paths', 'webapp-edge-subdomains', 'webapp-edge-header'])('%s is valid, with the gateway of the article', (id) => {
    const m = synthChecked(chart(id));
    expect(only(m, 'Gateway', 'ingress-gateway-configuration').spec.servers[0].hosts).toEqual(['fleetman.com', '*.fleetman.com']);
    expect(m).toMatchSnapshot();
  });

  test('webapp-edge-90-10: browsers get 90/10 original/experimental', () => {
    expect(chart('webapp-edge-90-10')).toSplit(browser('fleetman.com'), { original: 90, experimental: 10 });
    expect(chart('webapp-edge-90-10')).toSplit(browser('www.fleetman.com'), { original: 90, experimental: 10 });
  });

  test('webapp-edge-paths: /experimental and /canary to experimental, everything else original', () => {
    const c = chart('webapp-edge-paths');
    expect(c).toRoute(browser('fleetman.com', { path: '/experimental' }), { version: 'experimental' });
    expect(c).toRoute(browser('fleetman.com', { path: '/canary/vehicles' }), { version: 'experimental' });
    expect(c).toRoute(browser('fleetman.com', { path: '/' }), { version: 'original' });
    expect(c).toRoute(browser('fleetman.com', { path: '/vehicles' }), { version: 'original' });
  });

  test('webapp-edge-subdomains: experimental.fleetman.com to experimental, fleetman.com to original', () => {
    const c = chart('webapp-edge-subdomains');
    expect(c).toRoute(browser('experimental.fleetman.com'), { version: 'experimental' });
    expect(c).toRoute(browser('fleetman.com'), { version: 'original' });
    expect(c).toRoute(browser('www.fleetman.com'), { status: 404 });
  });

  test('webapp-edge-header: the canary header to experimental at the edge; mesh calls unaffected', () => {
    const c = chart('webapp-edge-header');
    expect(c).toRoute(browser('fleetman.com', { headers: { [RELEASE_HEADER]: 'canary' } }), { version: 'experimental' });
    expect(c).toRoute(browser('fleetman.com', { headers: { [RELEASE_HEADER]: 'other' } }), { version: 'original' });
    expect(c).toRoute(browser('fleetman.com'), { version: 'original' });
    expect(c).toRoute({ host: 'fleetman-webapp', headers: { [RELEASE_HEADER]: 'canary' } }, { version: 'original' });
  });
});

describe('example bff-recommendation (S3)', () => {
  // Built inside each test, so that a mutation of the library is traced to the tests that build it.
  const bff = () => buildBffRecommendation(Testing.app())[0];

  test('recommendation-service v1 10% / v2 90%, every request aborted with HTTP 500', () => {
    const chart = bff();
    const m = synthChecked(chart);
    const rule = only(m, 'VirtualService', 'recommendation-service').spec.http[0];
    // Weight beside destination (not inside it, as on the slide), and percentage instead of percent.
    expect(rule.route).toEqual([
      { destination: { host: 'recommendation-service', subset: 'v1' }, weight: 10 },
      { destination: { host: 'recommendation-service', subset: 'v2' }, weight: 90 },
    ]);
    expect(rule.fault).toEqual({ abort: { httpStatus: 500, percentage: { value: 100 } } });
    const o = RoutingSimulator.fromChart(chart).route({ host: 'recommendation-service', sourceLabels: { app: 'bff' } });
    expect(o.versionShares).toEqual({ v1: 10, v2: 90 });
    expect(o.fault).toMatchObject({ abortHttpStatus: 500, abortPercentage: 100 });
    // bff itself has no fault.
    expect(RoutingSimulator.fromChart(chart).route({ host: 'bff' }).fault).toBeUndefined();
    expect(m).toMatchSnapshot();
  });
});

describe('example bookinfo (S4)', () => {
  // Built inside each test, so that a mutation of the library is traced to the tests that build it.
  const charts = () => buildBookinfo(Testing.app());
  const chart = (id: string) => charts().find(c => c.node.id === id)!;

  test.each(['routing-1-all-v1', 'routing-2-jason-reviews-v2', 'routing-3-reviews-v1-v3'])('%s: the Bookinfo services in namespace default with injection', (id) => {
    const m = synthChecked(chart(id));
    expect(m[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'default', labels: { 'istio-injection': 'enabled' } } });
    for (const svc of ['productpage', 'details', 'ratings', 'reviews']) {
      const versions = svc === 'reviews' ? ['v1', 'v2', 'v3'] : ['v1'];
      // One ServiceAccount per service (only() fails otherwise), used by every version's pods.
      const account = only(m, 'ServiceAccount', `bookinfo-${svc}`).metadata.name;
      expect(versions.map(v => only(m, 'Deployment', `${svc}-${v}`).spec.template.spec.serviceAccountName)).toEqual(versions.map(() => account));
      expect(only(m, 'Service', svc).spec.ports).toEqual([{ name: 'http', appProtocol: 'http', port: 9080, targetPort: 9080, protocol: 'TCP' }]);
      expect(only(m, 'DestinationRule', svc).spec.subsets.map((s: any) => s.name)).toEqual(versions);
    }
    expect(m.filter(o => o.kind === 'Deployment').map(o => o.metadata.name))
      .toEqual(['productpage-v1', 'details-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3']);
    expect(m).toMatchSnapshot();
  });

  test('the bookinfo-gateway sends the tutorial paths to productpage 9080 and answers 404 otherwise', () => {
    const c = chart('routing-1-all-v1');
    const m = synthChecked(c);
    expect(only(m, 'Gateway', 'bookinfo-gateway').spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
    });
    expect(only(m, 'VirtualService', 'bookinfo-gateway').spec.gateways).toEqual(['default/bookinfo-gateway']);
    for (const p of ['/productpage', '/static/jquery.min.js', '/login', '/logout', '/api/v1/products', '/api/v1/products/0/reviews']) {
      const o = RoutingSimulator.fromChart(c).route({ gateway: 'default/bookinfo-gateway', host: 'bookinfo.example.com', path: p, method: 'GET' });
      expect(o.destinations.map(d => [d.host, d.port])).toEqual([['productpage.default.svc.cluster.local', 9080]]);
      expect(o.versionShares).toEqual({ v1: 100 });
    }
    for (const p of ['/', '/productpage/x', '/loginx', '/api/v2/products', '/reviews']) {
      expect(c).toRoute({ gateway: 'default/bookinfo-gateway', host: 'bookinfo.example.com', path: p }, { status: 404 });
    }
  });

  test('routing-1-all-v1: everything on v1', () => {
    for (const host of ['productpage', 'details', 'ratings', 'reviews']) {
      expect(chart('routing-1-all-v1')).toRoute({ host }, { version: 'v1' });
    }
    expect(chart('routing-1-all-v1')).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v1' });
  });

  test('routing-2-jason-reviews-v2: jason reaches reviews v2, all others v1', () => {
    const c = chart('routing-2-jason-reviews-v2');
    expect(c).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v2' });
    expect(c).toRoute({ host: 'reviews', headers: { 'end-user': 'alice' } }, { version: 'v1' });
    expect(c).toRoute({ host: 'reviews' }, { version: 'v1' });
  });

  test.each([
    ['fault-1-ratings-delay-jason', { delay: '7s', delayPercentage: 100 }],
    ['fault-2-ratings-abort-jason', { abortHttpStatus: 500, abortPercentage: 100 }],
  ])('%s: the fault hits jason only; everyone else reaches ratings v1 normally', (id, fault) => {
    const c = chart(id);
    const m = synthChecked(c);
    const sim = RoutingSimulator.fromChart(c);
    const jason = sim.route({ host: 'ratings', headers: { 'end-user': 'jason' }, sourceLabels: { app: 'reviews', version: 'v2' } });
    expect(jason.fault).toMatchObject(fault);
    expect(jason.versionShares).toEqual({ v1: 100 });
    const other = sim.route({ host: 'ratings', headers: { 'end-user': 'alice' } });
    expect(other.fault).toBeUndefined();
    expect(other.versionShares).toEqual({ v1: 100 });
    expect(c).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v2' });
    expect(m).toMatchSnapshot();
  });

  test('security-1-mtls-authz: STRICT mTLS, ISTIO_MUTUAL everywhere, each service callable only by its Bookinfo caller', () => {
    const c = chart('security-1-mtls-authz');
    const m = synthChecked(c);
    expect(only(m, 'PeerAuthentication', 'default').spec).toEqual({ mtls: { mode: 'STRICT' } });
    for (const svc of ['productpage', 'details', 'ratings', 'reviews']) {
      expect(only(m, 'DestinationRule', svc).spec.trafficPolicy).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
      // Each service's pods run under its own ServiceAccount, which is what the policies name.
      expect(only(m, 'ServiceAccount', `bookinfo-${svc}`).metadata.namespace).toBe('default');
    }
    expect(only(m, 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
    const principals = (name: string) => only(m, 'AuthorizationPolicy', `${name}-allow`).spec.rules.flatMap((r: any) => r.from.map((f: any) => f.source.principals));
    expect(principals('productpage')).toEqual([['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']]);
    expect(principals('details')).toEqual([['cluster.local/ns/default/sa/bookinfo-productpage']]);
    expect(principals('reviews')).toEqual([['cluster.local/ns/default/sa/bookinfo-productpage']]);
    expect(principals('ratings')).toEqual([['cluster.local/ns/default/sa/bookinfo-reviews']]);
    // Behaviour: the calls Bookinfo makes are allowed, any other caller or method is denied.
    expect(c).toAllow({ host: 'bookinfo.example.com', path: '/productpage', gateway: 'bookinfo-gateway' }, { policy: 'default/productpage-allow' });
    expect(c).toAllow({ host: 'reviews', sourceLabels: { app: 'productpage', version: 'v1' } }, { policy: 'default/reviews-allow' });
    expect(c).toAllow({ host: 'details', sourceLabels: { app: 'productpage', version: 'v1' } });
    expect(c).toAllow({ host: 'ratings', sourceLabels: { app: 'reviews', version: 'v2' } });
    expect(c).toDeny({ host: 'ratings', sourceLabels: { app: 'details', version: 'v1' } });
    expect(c).toDeny({ host: 'ratings', sourceLabels: { app: 'productpage', version: 'v1' } });
    expect(c).toDeny({ host: 'reviews', method: 'POST', sourceLabels: { app: 'productpage', version: 'v1' } });
    expect(c).toDeny({ host: 'productpage', sourceLabels: { app: 'details', version: 'v1' } });
    // A caller without a sidecar sends plain text, which STRICT refuses.
    expect(c).toDeny({ host: 'details', sourceInMesh: false, sourceNamespace: 'default' });
    expect(m).toMatchSnapshot();
  });

  test('circuit-breaker-httpbin: the scenario limits on the httpbin DestinationRule', () => {
    const m = synthChecked(chart('circuit-breaker-httpbin'));
    expect(only(m, 'DestinationRule', 'httpbin').spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
      outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 },
    });
    expect(only(m, 'Service', 'httpbin').spec.ports[0]).toMatchObject({ port: 8000, targetPort: 80 });
    expect(chart('circuit-breaker-httpbin')).toRoute({ host: 'httpbin' }, { version: 'v1' });
    expect(m).toMatchSnapshot();
  });

  test('routing-3-reviews-v1-v3: reviews 50/50 between v1 and v3', () => {
    expect(chart('routing-3-reviews-v1-v3')).toSplit({ host: 'reviews' }, { v1: 50, v3: 50 });
    expect(chart('routing-3-reviews-v1-v3')).toSplit({ host: 'reviews', headers: { 'end-user': 'jason' } }, { v1: 50, v3: 50 });
  });
});

describe('example productcatalog-canary (S5)', () => {
  // Built inside each test, so that a mutation of the library is traced to the tests that build it.
  const charts = () => buildProductCatalogCanary(Testing.app());

  test.each([
    ['1-all-v1', { v1: 100 }],
    ['2-split-75-25', { v1: 75, v2: 25 }],
    ['3-rolled-out-v2', { v2: 100 }],
    ['4-rolled-back-v1', { v1: 100 }],
  ])('%s routes %j', (id, weights) => {
    const chart = charts().find(c => c.node.id === id)!;
    const m = synthChecked(chart, EXISTING_PRODUCTCATALOG);
    expect(defaultWeights(only(m, 'VirtualService', 'productcatalogservice'))).toEqual(weights);
    // Behaviour: the adopted v1 pods count as workloads, so the shares reach real pods.
    expect(chart).toSplit({ host: 'productcatalogservice', port: 3550 }, weights);
    // v1 is adopted: only v2 is created, with the scenario's settings.
    expect(m.filter(o => o.kind === 'Deployment').map(o => o.metadata.name)).toEqual(['productcatalogservice-v2']);
    const c = only(m, 'Deployment', 'productcatalogservice-v2').spec.template.spec.containers[0];
    expect(c.env).toEqual([{ name: 'PORT', value: '3550' }, { name: 'EXTRA_LATENCY', value: '3s' }]);
    expect(c.ports).toEqual([{ containerPort: 3550, name: 'grpc' }]);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    expect(c.readinessProbe.exec.command).toEqual(['/bin/grpc_health_probe', '-addr=:3550']);
    expect(only(m, 'Service', 'productcatalogservice').spec.ports).toEqual([
      { name: 'grpc', appProtocol: 'grpc', port: 3550, targetPort: 3550, protocol: 'TCP' },
    ]);
    expect(m).toMatchSnapshot();
  });
});

describe('every example synthesizes with the cdk8s CLI', () => {
  // The script behind `npm run synth` (the README's quick start), writing to a temporary folder.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { exampleNames, synthExamples } = require('../scripts/synth-examples.js');

  test('the examples folder holds the expected apps', () => {
    expect(exampleNames()).toEqual(['bff-recommendation', 'bookinfo', 'fleetman', 'productcatalog-canary', 'recommendation-canary']);
  });

  test('npm run synth writes every chart of every example', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'examples-'));
    const written = synthExamples(out);
    // Each example, and the Gateway API form of those that have one (bff-recommendation's only state injects a fault).
    const forms = exampleNames().flatMap((n: string) => (n === 'bff-recommendation' ? [n] : [n, `${n}-gateway-api`]));
    expect(Object.keys(written)).toEqual(forms);
    for (const [name, files] of Object.entries(written) as [string, string[]][]) {
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const docs = Yaml.load(path.join(out, name, f));
        if (name.endsWith('-gateway-api')) {
          // Gateway API: no VirtualService; a route, or DestinationRules alone where nothing needs one.
          expect(docs.filter((d: any) => d.kind === 'VirtualService')).toEqual([]);
          expect(docs.some((d: any) => ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'DestinationRule'].includes(d.kind))).toBe(true);
          continue;
        }
        // Every state routes with Istio: a VirtualService, or a DestinationRule alone where nothing needs one.
        expect(docs.some((d: any) => d.kind === 'VirtualService' || d.kind === 'DestinationRule')).toBe(true);
      }
    }
    // The states Gateway API cannot say are left out: bookinfo's faults.
    expect(written['bookinfo-gateway-api']).toEqual(written.bookinfo.filter((f: string) => !f.startsWith('fault-')));
    expect(written['fleetman-gateway-api']).toEqual(written.fleetman);
    expect(written['recommendation-canary']).toEqual([
      'ambient-90-10.k8s.yaml', 'customer-gateway.k8s.yaml', 'step2-all-v1.k8s.yaml', 'step3-75-25.k8s.yaml', 'step3-90-10.k8s.yaml', 'step3-all-v2.k8s.yaml', 'step4-firefox-v2.k8s.yaml',
      'step5-spread-by-replicas.k8s.yaml',
    ]);
  }, 300_000);
});
