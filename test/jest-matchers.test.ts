import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing, Yaml } from 'cdk8s';
import { CanaryService, RoutingSimulator, ServiceVersion, TrafficSplit } from '../src';
import '../src/testing/jest';

const BOOKINFO = fs.readFileSync(path.join(__dirname, 'fixtures', 'bookinfo.yaml'), 'utf8');

function reviewsChart(traffic: TrafficSplit): Chart {
  const chart = new Chart(Testing.app(), 'bookinfo', { namespace: 'default' });
  new CanaryService(chart, 'reviews', {
    port: 9080,
    versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2` })),
    traffic,
  });
  return chart;
}

describe('toRoute', () => {
  test('passes when every request reaches the expected version, subset, host and rule', () => {
    const chart = reviewsChart(TrafficSplit.allTo('v3'));
    expect(chart).toRoute({ host: 'reviews' }, { version: 'v3', subset: 'v3', host: 'reviews', rule: 'default' });
    expect(chart).not.toRoute({ host: 'reviews' }, { version: 'v1' });
  });

  test('fails with what matched instead', () => {
    const chart = reviewsChart(TrafficSplit.canaryPercent(10));
    expect(() => expect(chart).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v2' }))
      .toThrow(/expected GET reviews\/ with end-user: jason to reach \{"version":"v2"\} \(unmet: version v2\), but instead:\n.*rule #0 'default' of VirtualService default\/reviews matched; v1 90%, v3 10%\n.*versions: v1 90%, v3 10%/);
    expect(() => expect(chart).not.toRoute({ host: 'reviews' }, { host: 'reviews' }))
      .toThrow(/not to reach \{"host":"reviews"\}, but it does/);
  });

  test('works on YAML text, manifest objects and a simulator, and checks statuses', () => {
    expect(BOOKINFO).toRoute({ gateway: 'bookinfo-gateway', host: 'x', path: '/nope' }, { status: 404 });
    expect(Yaml.load(path.join(__dirname, 'fixtures', 'bookinfo.yaml'))).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v2' });
    expect(RoutingSimulator.fromYaml(BOOKINFO)).toRoute({ gateway: 'bookinfo-gateway', host: 'x', path: '/productpage' }, { host: 'productpage' });
    expect(() => expect(BOOKINFO).toRoute({ gateway: 'bookinfo-gateway', host: 'x', path: '/productpage' }, { status: 404 }))
      .toThrow(/unmet: status 404/);
  });

  test('rejects what it cannot simulate', () => {
    expect(() => expect(42).toRoute({ host: 'x' }, {})).toThrow(/received: 42 is not a Chart, an App, a RoutingSimulator, manifest objects or YAML text/);
  });

  test('an expectation without any field fails, naming the fields: it would assert nothing', () => {
    const chart = reviewsChart(TrafficSplit.stable());
    const fields = /asserts nothing: give at least one of the fields version, subset, host, status, rule/;
    expect(() => expect(chart).toRoute({ host: 'reviews' }, {})).toThrow(fields);
    expect(() => expect(chart).toRoute({ host: 'reviews' }, { version: undefined, rule: undefined })).toThrow(/the expectation \{\} is empty and asserts nothing/);
    expect(() => expect(chart).toRoute({ host: 'reviews' }, undefined as any)).toThrow(/the expectation undefined is empty/);
    expect(() => expect(chart).toRoute({ host: 'reviews' }, null as any)).toThrow(/the expectation null is empty/);
    // A field this matcher does not know is no expectation either.
    expect(() => expect(chart).toRoute({ host: 'reviews' }, { versoin: 'v1' } as any)).toThrow(fields);
  });

  test('with .not, an expectation without any field is an error too, not a pass', () => {
    const chart = reviewsChart(TrafficSplit.stable());
    expect(() => expect(chart).not.toRoute({ host: 'reviews' }, {})).toThrow(/asserts nothing/);
    expect(() => expect(chart).not.toRoute({ host: 'reviews' }, undefined as any)).toThrow(/asserts nothing/);
  });
});

describe('toSplit', () => {
  test('passes on the exact shares and fails on others, listing the differences', () => {
    const chart = reviewsChart(TrafficSplit.weights({ v1: 50, v3: 50 }));
    expect(chart).toSplit({ host: 'reviews' }, { v1: 50, v3: 50 });
    expect(chart).toSplit({ host: 'reviews' }, { v1: 50, v2: 0, v3: 50 });
    expect(() => expect(chart).toSplit({ host: 'reviews' }, { v1: 90, v2: 10 }))
      .toThrow(/to split \{"v1":90,"v2":10\} \(v1: expected 90%, got 50%; v2: expected 10%, got 0%; v3: expected 0%, got 50%\)/);
    expect(chart).not.toSplit({ host: 'reviews' }, { v1: 100 });
  });

  test('no shares, or a share that is not a finite number, fails instead of asserting nothing', () => {
    const chart = reviewsChart(TrafficSplit.weights({ v1: 50, v3: 50 }));
    expect(() => expect(chart).toSplit({ host: 'reviews' }, {})).toThrow(/toSplit: the shares \{\} are empty and assert nothing/);
    expect(() => expect(chart).toSplit({ host: 'reviews' }, undefined as any)).toThrow(/the shares undefined are empty/);
    expect(() => expect(chart).toSplit({ host: 'reviews' }, null as any)).toThrow(/the shares null are empty/);
    expect(() => expect(chart).toSplit({ host: 'reviews' }, { v1: 50, v3: NaN })).toThrow(/every share must be a finite number of percent; not: v3: NaN/);
    expect(() => expect(chart).toSplit({ host: 'reviews' }, { v1: Infinity })).toThrow(/not: v1: Infinity/);
    expect(() => expect(chart).toSplit({ host: 'reviews' }, { v1: '50', v3: 50 } as any)).toThrow(/not: v1: 50/);
  });

  test('with .not, unusable shares are an error too, not a pass', () => {
    const chart = reviewsChart(TrafficSplit.weights({ v1: 50, v3: 50 }));
    expect(() => expect(chart).not.toSplit({ host: 'reviews' }, {})).toThrow(/assert nothing/);
    expect(() => expect(chart).not.toSplit({ host: 'reviews' }, { v1: NaN })).toThrow(/finite number/);
  });
});

/**
 * The authorization matchers and the failure messages, on hand-written manifests (no chart): ratings
 * v1 and v2 in namespace shop, an ALLOW policy for the reviews account, a DENY policy on v2's pods for
 * DELETE, and an ingress Gateway whose pods deny paths under /admin.
 */
describe('toAllow and toDeny', () => {
  const NS = 'shop';
  const HOST = 'ratings.shop.svc.cluster.local';
  const meta = (name: string, namespace = NS) => ({ name, namespace });
  const deployment = (name: string, labels: { [k: string]: string }, namespace = NS, account = name) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, namespace),
    spec: { template: { metadata: { labels }, spec: { serviceAccountName: account, containers: [] } } },
  });
  const policy = (name: string, spec: any, namespace = NS) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: meta(name, namespace), spec });
  const manifests = (http: any[] = [{ route: [{ destination: { host: HOST, subset: 'v1' }, weight: 50 }, { destination: { host: HOST, subset: 'v2' }, weight: 50 }] }]) => [
    { apiVersion: 'v1', kind: 'Service', metadata: meta('ratings'), spec: { selector: { app: 'ratings' }, ports: [{ name: 'http', port: 9080 }] } },
    deployment('ratings-v1', { app: 'ratings', version: 'v1' }, NS, 'ratings'),
    deployment('ratings-v2', { app: 'ratings', version: 'v2' }, NS, 'ratings'),
    deployment('reviews', { app: 'reviews' }),
    deployment('ingressgateway', { istio: 'ingressgateway' }, 'istio-system', 'istio-ingressgateway-service-account'),
    { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: meta('ratings'), spec: { host: HOST, subsets: ['v1', 'v2', 'v9'].map(v => ({ name: v, labels: { version: v } })) } },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta('ratings'), spec: { hosts: [HOST], gateways: ['mesh', 'istio-system/edge'], http } },
    { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: meta('edge', 'istio-system'), spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [HOST] }] } },
    policy('ratings-allow', { selector: { matchLabels: { app: 'ratings' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/nobody'] } }] }, { from: [{ source: { principals: ['cluster.local/ns/shop/sa/reviews', 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }] }] }),
    policy('v2-no-delete', { selector: { matchLabels: { app: 'ratings', version: 'v2' } }, action: 'DENY', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] }),
    policy('edge-no-admin', { selector: { matchLabels: { istio: 'ingressgateway' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] }, 'istio-system'),
  ];
  const fromReviews = { host: HOST, sourceNamespace: NS, sourceLabels: { app: 'reviews' } };
  const fromCurl = { host: HOST, sourceNamespace: NS, sourceServiceAccount: 'curl' };

  test('toAllow: allowed at every destination, by the policy and rule given', () => {
    const m = manifests();
    expect(m).toAllow(fromReviews);
    expect(m).toAllow(fromReviews, { policy: 'shop/ratings-allow', rule: 1 });
    expect(m).not.toAllow(fromCurl);
    expect(() => expect(m).not.toAllow(fromReviews, { policy: 'shop/ratings-allow' }))
      .toThrow(/^expected GET ratings\.shop\.svc\.cluster\.local\/ from shop \{"app":"reviews"\} not to be allowed by \{"policy":"shop\/ratings-allow"\}, but it is:\n {2}/);
    expect(() => expect(m).not.toAllow(fromReviews)).toThrow(/from shop \{"app":"reviews"\} not to be allowed, but it is/);
  });

  test('toAllow fails naming why: denied, denied for a share, another decision, no workload', () => {
    const m = manifests();
    expect(() => expect(m).toAllow(fromCurl)).toThrow(/from shop \(ServiceAccount curl\) to be allowed, but it is denied:\n {2}/);
    // Half the requests go to v2, whose pods refuse DELETE.
    expect(() => expect(m).toAllow({ ...fromReviews, method: 'DELETE' })).toThrow(/^expected DELETE ratings.* to be allowed, but 50% of requests are denied:/);
    expect(() => expect(m).toAllow(fromReviews, { policy: 'shop/ratings-allow', rule: 0 }))
      .toThrow(/to be allowed by \{"policy":"shop\/ratings-allow","rule":0\} \(unmet: rule #0\), but another decision allows it/);
    expect(() => expect(m).toAllow(fromReviews, { policy: 'shop/other' })).toThrow(/\(unmet: policy shop\/other\), but another decision allows it/);
    expect(() => expect(m).toAllow({ ...fromReviews, host: 'nowhere.shop.svc.cluster.local' })).toThrow(/to be allowed, but it reaches no workload \(unknown-host\)/);
    // A denial is not reported as unmet policy or rule: the decision itself is wrong.
    expect(() => expect(m).toAllow(fromCurl, { policy: 'shop/other' })).toThrow(/to be allowed by \{"policy":"shop\/other"\}, but it is denied/);
  });

  test('toDeny: denied, by the policy and rule given, at the destination or at the gateway', () => {
    const m = manifests();
    expect(m).toDeny(fromCurl);
    // Denied because no ALLOW rule matches: the deciding policy is one of the ALLOW policies.
    expect(m).toDeny(fromCurl, { policy: 'shop/ratings-allow' });
    expect(m).not.toDeny(fromReviews);
    // Through the Gateway: its pods' DENY policy decides, and the expectation may name either decision.
    const viaEdge = { host: HOST, gateway: 'istio-system/edge', path: '/admin/users' };
    expect(m).toDeny(viaEdge, { policy: 'istio-system/edge-no-admin', rule: 0 });
    expect(() => expect(m).toDeny(viaEdge, { policy: 'istio-system/edge-no-admin', rule: 1 })).toThrow(/\(unmet: rule #1\), but another decision denies it/);
    expect(() => expect(m).not.toDeny(viaEdge, { policy: 'istio-system/edge-no-admin' }))
      .toThrow(/^expected GET ratings\.shop\.svc\.cluster\.local\/admin\/users via gateway istio-system\/edge not to be denied by \{"policy":"istio-system\/edge-no-admin"\}, but it is:/);
  });

  test('toDeny fails naming why: allowed, denied for a share only, no workload', () => {
    const m = manifests();
    expect(() => expect(m).toDeny(fromReviews)).toThrow(/to be denied, but it is allowed:/);
    expect(() => expect(m).toDeny({ ...fromReviews, method: 'DELETE' }, { policy: 'shop/v2-no-delete' })).toThrow(/to be denied by \{"policy":"shop\/v2-no-delete"\}, but only 50% of requests are denied/);
    expect(() => expect(m).toDeny({ ...fromReviews, host: 'nowhere.shop.svc.cluster.local' })).toThrow(/to be denied, but it reaches no workload \(unknown-host\)/);
    expect(() => expect(m).toDeny(fromCurl, { policy: 'shop/v2-no-delete' })).toThrow(/\(unmet: policy shop\/v2-no-delete\), but another decision denies it/);
  });

  test('the request is described with every part given', () => {
    const m = manifests();
    const request = {
      host: HOST,
      method: 'POST',
      path: '/x',
      gateway: 'istio-system/edge',
      headers: { 'x-a': '1', 'x-b': '2' },
      sourceNamespace: 'shop',
      sourceLabels: { app: 'reviews' },
      sourceServiceAccount: 'reviews',
      sourceInMesh: false,
      jwtClaims: { iss: 'i', sub: 's' },
    };
    expect(() => expect(m).toRoute(request, { status: 599 })).toThrow(
      'expected POST ratings.shop.svc.cluster.local/x via gateway istio-system/edge with x-a: 1, x-b: 2 from shop {"app":"reviews"} (ServiceAccount reviews) without a sidecar with a JWT {"iss":"i","sub":"s"} to reach {"status":599}');
    // Empty headers say nothing; a caller in the mesh is not described as such.
    expect(() => expect(m).toDeny({ ...fromReviews, headers: {}, sourceInMesh: true })).toThrow(/^expected GET ratings\.shop\.svc\.cluster\.local\/ from shop \{"app":"reviews"\} to be denied/);
  });

  test('the outcome lists the 503 share, both decisions and the warnings', () => {
    // v9 is a subset without pods: Envoy answers 503 for its share.
    const m = manifests([{ route: [{ destination: { host: HOST, subset: 'v1' }, weight: 75 }, { destination: { host: HOST, subset: 'v9' }, weight: 25 }] }]);
    expect(() => expect(m).toRoute(fromReviews, { host: 'ratings' })).toThrow(/unmet: host ratings \(25% of requests are answered 503 by Envoy\)[\s\S]*\n {2}answered 503 by Envoy \(no cluster or no pods\): 25%/);
    expect(() => expect(m).toRoute(fromReviews, { version: 'v1' })).toThrow(/unmet: version v1 \(25% of requests are answered 503 by Envoy\)/);
    expect(() => expect(m).toRoute(fromReviews, { subset: 'v1' })).toThrow(/unmet: subset v1 \(25% of requests are answered 503 by Envoy\)/);
    expect(() => expect(m).toSplit(fromReviews, { v1: 75 })).toThrow(/to split \{"v1":75\} \(25% of requests are answered 503 by Envoy, reaching no version\)/);
    // Through the gateway, both decisions are shown when they differ.
    expect(() => expect(manifests()).toDeny({ host: HOST, gateway: 'istio-system/edge', path: '/' }))
      .toThrow(/\n {2}gateway authorization: at gateway istio-system\/edge: allowed at istio-system\/Deployment\/ingressgateway: no ALLOW policy applies to it[^\n]*\n {2}authorization: allowed by rule #1 of ALLOW policy shop\/ratings-allow/);
    // A warning of the simulator is shown.
    const dryRun = [...manifests(), { ...policy('dry', { action: 'DENY', rules: [{}] }), metadata: { name: 'dry', namespace: NS, annotations: { 'istio.io/dry-run': 'true' } } }];
    expect(() => expect(dryRun).toDeny(fromReviews)).toThrow(/\n {2}warning: [^\n]*dry-run/);
  });

  test('toRoute by host: every destination that gets requests, by short name or full name', () => {
    const m = manifests();
    expect(m).toRoute(fromReviews, { host: 'ratings' });
    expect(m).toRoute(fromReviews, { host: HOST });
    expect(m).not.toRoute(fromReviews, { host: 'rat' });
    expect(m).toRoute(fromReviews, { host: 'ratings.shop' });
    expect(m).not.toRoute(fromReviews, { host: 'ratings.sho' });
    // A destination with weight 0 does not count; no destination at all is no host.
    const zero = manifests([{ route: [{ destination: { host: HOST, subset: 'v1' }, weight: 100 }, { destination: { host: 'other.shop.svc.cluster.local' }, weight: 0 }] }]);
    expect(zero).toRoute(fromReviews, { host: 'ratings' });
    const direct = manifests([{ directResponse: { status: 418 } }]);
    expect(direct).not.toRoute(fromReviews, { host: 'ratings' });
    expect(direct).toRoute(fromReviews, { status: 418 });
    expect(direct).toRoute({ ...fromReviews, host: HOST }, { status: 418, rule: undefined as any });
  });

  test('unmet rule names, negated splits, expectations naming neither policy nor rule, and a gateway expectation neither decision meets', () => {
    const m = manifests([{ name: 'split', route: [{ destination: { host: HOST, subset: 'v1' }, weight: 50 }, { destination: { host: HOST, subset: 'v2' }, weight: 50 }] }]);
    expect(m).toRoute(fromReviews, { rule: 'split' });
    expect(() => expect(m).toRoute(fromReviews, { rule: 'other' })).toThrow(/\(unmet: rule 'other'\)/);
    expect(() => expect(m).not.toSplit(fromReviews, { v1: 50, v2: 50 })).toThrow(/not to split \{"v1":50,"v2":50\}, but it does:\n {2}/);
    expect(() => expect(m).toAllow(fromCurl, {})).toThrow(/from shop \(ServiceAccount curl\) to be allowed, but it is denied/);
    expect(() => expect(m).toDeny({ host: HOST, gateway: 'istio-system/edge', path: '/admin' }, { policy: 'shop/nothing' }))
      .toThrow(/to be denied by \{"policy":"shop\/nothing"\} \(unmet: policy shop\/nothing\), but another decision denies it/);
  });

  test('the outcome lines that do not apply are left out; a status, a host or a policy is checked only where the expectation names it', () => {
    const direct = manifests([{ name: 'teapot', directResponse: { status: 418 } }]);
    // A direct response has no versions line; no 503 share, no gateway, no warning: no such lines.
    expect(direct).toRoute(fromReviews, { rule: 'teapot' });
    let message = '';
    try { expect(direct).toRoute(fromReviews, { rule: 'other' }); } catch (e) { message = String(e); }
    expect(message).toMatch(/unmet: rule 'other'/);
    expect(message).not.toMatch(/versions:|answered 503|gateway authorization:|warning:/);
    // Routed: the versions line is there.
    expect(() => expect(manifests()).toRoute(fromReviews, { rule: 'other' })).toThrow(/\n {2}versions: v1 50%, v2 50%/);
    // Half the requests to another host: not every destination is ratings.
    const mixed = manifests([{ route: [{ destination: { host: HOST, subset: 'v1' }, weight: 50 }, { destination: { host: 'other.shop.svc.cluster.local' }, weight: 50 }] }]);
    expect(mixed).not.toRoute(fromReviews, { host: 'ratings' });
    // Through the gateway, an expectation may name the gateway's deciding policy or the destination's.
    const edgeAllow = policy('edge-allow', { selector: { matchLabels: { istio: 'ingressgateway' } }, rules: [{ to: [{ operation: { paths: ['/*'] } }] }] }, 'istio-system');
    const gated = [...manifests(), edgeAllow];
    const viaEdge = { host: HOST, gateway: 'istio-system/edge', path: '/ratings' };
    expect(gated).toAllow(viaEdge, { policy: 'istio-system/edge-allow', rule: 0 });
    expect(gated).toAllow(viaEdge, { policy: 'shop/ratings-allow', rule: 1 });
    expect(() => expect(gated).toAllow(viaEdge, { policy: 'istio-system/edge-allow', rule: 1 })).toThrow(/\(unmet: policy istio-system\/edge-allow\), but another decision allows it/);
  });

  test('an App and a non-target: the App is simulated, anything else fails naming the matcher and the value', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'default' });
    new CanaryService(chart, 'reviews', { port: 9080, versions: [ServiceVersion.deploy('v1', { image: 'r:1' })] });
    expect(app).toRoute({ host: 'reviews' }, { version: 'v1' });
    for (const [value, shown] of [[42, '42'], [{ charts: [] }, '{"charts":[]}'], [null, 'null']] as const) {
      expect(() => expect(value).toRoute({ host: 'x' }, { version: 'v1' })).toThrow(
        `[expect(received).toRoute] received: ${shown} is not a Chart, an App, a RoutingSimulator, manifest objects or YAML text. Pass the Chart or App under test, its synthesized manifests (objects or YAML text) or a RoutingSimulator`);
    }
    expect(() => expect(7).toSplit({ host: 'x' }, { v1: 100 })).toThrow(/\[expect\(received\)\.toSplit\] received: 7 is not/);
    expect(() => expect(7).toAllow({ host: 'x' })).toThrow(/\[expect\(received\)\.toAllow\] received: 7 is not/);
    expect(() => expect(7).toDeny({ host: 'x' })).toThrow(/\[expect\(received\)\.toDeny\] received: 7 is not/);
  });
});
