import { crossChecks } from '../src/analysis/analyzers';
import { Finding, Reporter, Severity } from '../src/analysis/findings';
import { KnownService, KnownWorkload } from '../src/model/traffic-model';

/**
 * The cross-object analysis on hand-written manifests, check by check, without a chart: references
 * (IST0101, IST0112, IST0174, IST0173, IST0162, IST0132), conflicts inside one chart (IST0109,
 * IST0145, CIT0002, CIT0004, CIT0005), Services (CIT0001, IST0118) and namespaces (IST0123, CIT0003).
 * The same checks on objects the constructs make are tested with the constructs (analysis tests).
 */

const NS = 'shop';
const E = Severity.ERROR;
const W = Severity.WARNING;

interface Outside {
  /** Objects of the app outside the chart under analysis. */
  readonly app?: any[];
  readonly workloads?: KnownWorkload[];
  readonly services?: KnownService[];
}

/** The findings of the cross-object checks for the objects of one chart (paths `chart/<i>`, `app/<i>` for the rest of the app). */
function cross(chart: any[], outside: Outside = {}): Finding[] {
  const inChart = chart.map((json, i) => ({ json, path: `chart/${i}` }));
  const rest = (outside.app ?? []).map((json, i) => ({ json, path: `app/${i}` }));
  const r = new Reporter();
  const app = [...inChart, ...rest];
  crossChecks({ chart: inChart, app, existingWorkloads: outside.workloads ?? [], existingServices: outside.services ?? [] }, r);
  return r.findings;
}

/** The findings of codes matching `codes`, as [code, severity, field, value]. */
function brief(codes: RegExp, chart: any[], outside: Outside = {}): [string, string, string, unknown][] {
  return cross(chart, outside).filter(f => codes.test(f.code))
    .map(f => [f.code, f.severity, f.field, f.value === undefined ? undefined : JSON.parse(f.value)]);
}

const workload = (name: string, labels: Record<string, string> = { app: name }, namespace = NS, kind = 'Deployment') => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, namespace },
  spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'x' }] } } },
});
const pod = (name: string, labels: Record<string, string>, namespace = NS) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name: 'app', image: 'x' }] } });
const service = (name: string, spec: any = {}, namespace = NS, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, labels },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }], ...spec },
});
const istio = (kind: string, name: string, spec: any, namespace = NS, version = 'v1') =>
  ({ apiVersion: `networking.istio.io/${version}`, kind, metadata: { name, namespace }, spec });
const namespace = (name: string, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const known = (name: string, labels: Record<string, string>, namespace_ = NS): KnownWorkload =>
  ({ name, namespace: namespace_, labels, replicas: 1 });

describe('CIT0005: two objects of one kind, namespace and name', () => {
  test('the second one is reported, naming the first and the construct that defines it', () => {
    const f = cross([service('a'), service('b'), service('a'), service('a')]).filter(x => x.code === 'CIT0005');
    expect(f.map(x => [x.severity, x.constructPath, x.field, x.value])).toEqual([[E, 'chart/2', 'metadata.name', '"a"'], [E, 'chart/3', 'metadata.name', '"a"']]);
    expect(f[0].message).toBe('is also the name of Service shop/a defined by chart/0; kubectl apply keeps only one of them');
    expect(f[0].fix).toMatch(/another name \(or namespace\)/);
  });

  test('the key is the API group (not its version), kind, namespace and name', () => {
    const v1 = istio('VirtualService', 'r', { hosts: ['r'] });
    const v1beta1 = istio('VirtualService', 'r', { hosts: ['r'] }, NS, 'v1beta1');
    expect(brief(/CIT0005/, [v1, v1beta1])).toEqual([['CIT0005', E, 'metadata.name', 'r']]);
    const gatewayApi = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: NS }, spec: {} };
    expect(brief(/CIT0005/, [istio('Gateway', 'g', {}), gatewayApi])).toEqual([]);
    expect(brief(/CIT0005/, [service('a'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'a', namespace: NS } }])).toEqual([]);
    expect(brief(/CIT0005/, [service('a'), service('a', {}, 'other')])).toEqual([]);
  });

  test('only objects of the chart are compared: charts may be alternative states of one service', () => {
    expect(brief(/CIT0005/, [service('a')], { app: [service('a')] })).toEqual([]);
  });
});

describe('VirtualServices', () => {
  const edge = istio('Gateway', 'edge', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }] });

  test('IST0101: a Gateway reference that is not in the app, by name or <namespace>/<name>', () => {
    const vs = istio('VirtualService', 'v', { hosts: ['shop.example.com'], gateways: ['missing', 'mesh', 'edge', 'ingress/edge', `${NS}/edge`], http: [] });
    const f = cross([vs, edge]).filter(x => x.code === 'IST0101');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[E, 'spec.gateways[0]', '"missing"'], [E, 'spec.gateways[3]', '"ingress/edge"']]);
    expect(f[0].message).toBe('references Gateway shop/missing, which is not in the app');
    expect(f[1].message).toBe('references Gateway ingress/edge, which is not in the app');
    // A Gateway in another chart of the app is found; a Kubernetes Gateway API Gateway of that name is not an Istio Gateway.
    expect(brief(/IST0101/, [istio('VirtualService', 'v', { hosts: ['shop.example.com'], gateways: ['edge'] })], { app: [edge] })).toEqual([]);
    const gatewayApi = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: NS }, spec: {} };
    expect(brief(/IST0101/, [istio('VirtualService', 'v', { hosts: ['shop.example.com'], gateways: ['edge'] }), gatewayApi]))
      .toEqual([['IST0101', E, 'spec.gateways[0]', 'edge']]);
    // The older API versions of Istio are Istio objects too.
    expect(brief(/IST0101/, [istio('VirtualService', 'v', { hosts: ['shop.example.com'], gateways: ['edge'] }), { ...edge, apiVersion: 'networking.istio.io/v1beta1' }])).toEqual([]);
  });

  test('IST0132: no host of the VirtualService is served by the Gateway (wildcards both ways, namespace-scoped server hosts)', () => {
    const gw = (hosts: string[], gwNs = NS) => istio('Gateway', 'edge', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }] }, gwNs);
    const vs = (hosts: string[], ref = 'edge') => istio('VirtualService', 'v', { hosts, gateways: [ref] });
    const ist0132 = (objects: any[]) => brief(/IST0132/, objects);
    expect(ist0132([vs(['api.example.com']), gw(['shop.example.com', 'www.example.com'])])).toEqual([['IST0132', W, 'spec.hosts', ['api.example.com']]]);
    expect(cross([vs(['api.example.com']), gw(['shop.example.com', 'www.example.com'])]).find(x => x.code === 'IST0132')?.message)
      .toBe('none of the hosts is served by Gateway edge (shop.example.com, www.example.com)');
    expect(ist0132([vs(['api.example.com', 'shop.example.com']), gw(['shop.example.com'])])).toEqual([]);
    expect(ist0132([vs(['*.example.com']), gw(['shop.example.com'])])).toEqual([]);
    expect(ist0132([vs(['shop.example.com']), gw(['*.example.com'])])).toEqual([]);
    expect(ist0132([vs(['shop.example.com']), gw(['*/shop.example.com'])])).toEqual([]);
    expect(ist0132([vs(['shop.example.com']), gw([`${NS}/shop.example.com`])])).toEqual([]);
    expect(ist0132([vs(['shop.example.com']), gw(['./shop.example.com'])])).toEqual([]);
    // A server host of another namespace, or `.` (the Gateway's own namespace) when the Gateway is elsewhere, serves nothing here.
    expect(ist0132([vs(['shop.example.com']), gw(['other/shop.example.com'])])).toEqual([['IST0132', W, 'spec.hosts', ['shop.example.com']]]);
    expect(ist0132([vs(['shop.example.com'], 'ingress/edge'), gw(['./shop.example.com'], 'ingress')])).toEqual([['IST0132', W, 'spec.hosts', ['shop.example.com']]]);
    expect(ist0132([vs(['shop.example.com'], 'ingress/edge'), gw(['*/shop.example.com'], 'ingress')])).toEqual([]);
    // Servers are all looked at.
    const twoServers = istio('Gateway', 'edge', { servers: [{ port: { number: 80 }, hosts: ['a.example.com'] }, { port: { number: 443 }, hosts: ['shop.example.com'] }] });
    expect(ist0132([vs(['shop.example.com']), twoServers])).toEqual([]);
  });

  test('IST0109: two mesh VirtualServices for one host (short names expanded in their namespace)', () => {
    const a = istio('VirtualService', 'a', { hosts: ['reviews'] });
    const b = istio('VirtualService', 'b', { hosts: ['ratings', 'reviews.shop.svc.cluster.local'] });
    const f = cross([a, b, edge]).filter(x => x.code === 'IST0109');
    expect(f.map(x => [x.severity, x.constructPath, x.field, x.value])).toEqual([[E, 'chart/1', 'spec.hosts', '"reviews.shop.svc.cluster.local"']]);
    expect(f[0].message).toBe('host reviews.shop.svc.cluster.local is also routed by VirtualService shop/a (chart/0) in the mesh; sidecars use only one of them');
    // `mesh` among the gateways is the mesh too; a gateway-only VirtualService is not; the same short name elsewhere is another host.
    expect(brief(/IST0109/, [a, istio('VirtualService', 'b', { hosts: ['reviews'], gateways: ['edge', 'mesh'] }), edge])).toEqual([['IST0109', E, 'spec.hosts', 'reviews']]);
    expect(brief(/IST0109/, [a, istio('VirtualService', 'b', { hosts: ['reviews'], gateways: ['edge'] }), edge])).toEqual([]);
    expect(brief(/IST0109/, [a, istio('VirtualService', 'b', { hosts: ['reviews'] }, 'other')])).toEqual([]);
    expect(brief(/IST0109/, [a], { app: [istio('VirtualService', 'b', { hosts: ['reviews'] })] })).toEqual([]);
  });

  test('IST0101: a subset no DestinationRule of the app defines, on every route, mirror and mirrors destination', () => {
    const dr = istio('DestinationRule', 'reviews', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] });
    const to = (subset?: string, host = 'reviews') => ({ destination: { host, subset } });
    const vs = istio('VirtualService', 'reviews', {
      hosts: ['reviews'],
      http: [{ route: [to('v1'), to('v2')], mirror: { host: 'reviews', subset: 'v3' }, mirrors: [to('v1'), to('v4')] }, { route: [to(), { weight: 1 }] }],
      tcp: [{ route: [to('v5', 'reviews.shop.svc.cluster.local')] }],
      tls: [{ route: [to('v1')] }],
    });
    const f = cross([vs, dr]).filter(x => x.code === 'IST0101');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([
      [E, 'spec.http[0].route[1].destination.subset', '"v2"'],
      [E, 'spec.http[0].mirror.subset', '"v3"'],
      [E, 'spec.http[0].mirrors[1].destination.subset', '"v4"'],
      [E, 'spec.tcp[0].route[0].destination.subset', '"v5"'],
    ]);
    expect(f[0].message).toBe("subset 'v2' of host reviews.shop.svc.cluster.local is defined by no DestinationRule in the app (Envoy answers 503)");
    // The DestinationRule may be in another chart or namespace, for the same FQDN; one of another host does not count.
    const route = (subset: string) => istio('VirtualService', 'reviews', { hosts: ['reviews'], http: [{ route: [to(subset)] }] });
    expect(brief(/IST0101/, [route('v1')], { app: [dr] })).toEqual([]);
    expect(brief(/IST0101/, [route('v1'), istio('DestinationRule', 'r', { host: 'reviews.shop.svc.cluster.local', subsets: [{ name: 'v1' }] }, 'other')])).toEqual([]);
    expect(brief(/IST0101/, [route('v1'), istio('DestinationRule', 'r', { host: 'reviews', subsets: [{ name: 'v1' }] }, 'other')]))
      .toEqual([['IST0101', E, 'spec.http[0].route[0].destination.subset', 'v1']]);
    expect(brief(/IST0101/, [route('v1'), istio('DestinationRule', 'r', { host: 'reviews' })])).toEqual([['IST0101', E, 'spec.http[0].route[0].destination.subset', 'v1']]);
  });

  test('IST0112: a destination without a port, to a Service of the app with several ports', () => {
    const twoPorts = service('reviews', { ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }] });
    const vs = (destination: any) => istio('VirtualService', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination }] }] });
    const f = cross([vs({ host: 'reviews' }), twoPorts]).filter(x => x.code === 'IST0112');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[E, 'spec.http[0].route[0].destination.port', undefined]]);
    expect(f[0].message).toBe('is missing while Service shop/reviews has 2 ports');
    expect(brief(/IST0112/, [vs({ host: 'reviews.shop.svc.cluster.local' }), twoPorts])).toHaveLength(1);
    expect(brief(/IST0112/, [vs({ host: 'reviews', port: { number: 80 } }), twoPorts])).toEqual([]);
    expect(brief(/IST0112/, [vs({ host: 'reviews' }), service('reviews')])).toEqual([]);
    // Only a cluster-local FQDN names a Service; a service known to exist outside the app is not judged.
    expect(brief(/IST0112/, [vs({ host: 'reviews.shop' }), twoPorts])).toEqual([]);
    expect(brief(/IST0112/, [vs({ host: 'reviews' })], { services: [{ namespace: NS, name: 'reviews', selector: { app: 'reviews' }, ports: [80, 9090] }] })).toEqual([]);
  });
});

describe('DestinationRules', () => {
  const reviews = service('reviews');
  const v1 = workload('reviews-v1', { app: 'reviews', version: 'v1' });
  const v2 = workload('reviews-v2', { app: 'reviews', version: 'v2' });
  const dr = (subsets: any[], name = 'reviews', host = 'reviews', spec: any = {}) => istio('DestinationRule', name, { host, subsets, ...spec });
  const s = (name: string, labels?: Record<string, string>) => ({ name, labels });

  test('CIT0004: two DestinationRules for one host in the chart (without a workload selector)', () => {
    const f = cross([reviews, v1, dr([]), dr([], 'other', 'reviews.shop.svc.cluster.local')]).filter(x => x.code === 'CIT0004');
    expect(f.map(x => [x.severity, x.constructPath, x.field, x.value])).toEqual([[E, 'chart/3', 'spec.host', '"reviews.shop.svc.cluster.local"']]);
    expect(f[0].message).toBe('host reviews.shop.svc.cluster.local already has DestinationRule shop/reviews (chart/2); Istio applies one of them only');
    const selector = { workloadSelector: { matchLabels: { app: 'ratings' } } };
    expect(brief(/CIT0004/, [reviews, v1, dr([]), dr([], 'other', 'reviews', selector)])).toEqual([]);
    expect(brief(/CIT0004/, [reviews, v1, dr([], 'other', 'reviews', selector), dr([])])).toEqual([]);
    expect(brief(/CIT0004/, [reviews, v1, dr([]), dr([], 'reviews', 'reviews', {}), dr([], 'x', 'ratings')]).map(x => x[0])).toEqual(['CIT0004']);
    expect(brief(/CIT0004/, [reviews, v1, dr([])], { app: [dr([])] })).toEqual([]);
    // A host that is not a string is the schema's finding, not a crash.
    expect(brief(/CIT0004|IST0174/, [istio('DestinationRule', 'a', { host: 7 }), istio('DestinationRule', 'b', { host: 7 })])).toEqual([]);
  });

  test('IST0174: a cluster-local host that matches no Service of the app or known to exist', () => {
    const f = cross([dr([], 'ratings', 'ratings')]).filter(x => x.code === 'IST0174');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[W, 'spec.host', '"ratings"']]);
    expect(f[0].message).toBe('matches no Service in the app (ratings.shop.svc.cluster.local)');
    expect(brief(/IST0174/, [dr([], 'x', 'api.example.com')])).toEqual([]);
    expect(brief(/IST0174/, [dr([], 'x', '*.shop.svc.cluster.local')])).toEqual([]);
    expect(brief(/IST0174/, [dr([], 'x', 'ratings')], { services: [{ namespace: NS, name: 'ratings', selector: { app: 'ratings' }, ports: [80] }] })).toEqual([]);
    expect(brief(/IST0174/, [dr([], 'x', 'ratings')], { app: [service('ratings')] })).toEqual([]);
    // A Service of another API group (Knative) is not a Kubernetes Service.
    expect(brief(/IST0174/, [dr([], 'x', 'ratings'), { ...service('ratings'), apiVersion: 'serving.knative.dev/v1' }])).toHaveLength(1);
  });

  test('IST0173: a subset that selects no pod behind the Service', () => {
    const f = cross([reviews, v1, dr([s('v1', { version: 'v1' }), s('v2', { version: 'v2' })])]).filter(x => x.code === 'IST0173');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[E, 'spec.subsets[1].labels', '{"version":"v2"}']]);
    expect(f[0].message).toBe("subset 'v2' selects no pod of Service shop/reviews (Envoy answers 503 UH)");
    const subsets = [s('v1', { version: 'v1' }), s('v2', { version: 'v2' })];
    // Pods of another service or namespace do not count; a workload known to exist, a Pod or any workload kind does.
    expect(brief(/IST0173/, [reviews, v1, workload('ratings-v2', { app: 'ratings', version: 'v2' }), dr(subsets)])).toHaveLength(1);
    expect(brief(/IST0173/, [reviews, v1, workload('reviews-v2', { app: 'reviews', version: 'v2' }, 'other'), dr(subsets)])).toHaveLength(1);
    expect(brief(/IST0173/, [reviews, v1, dr(subsets)], { workloads: [known('Deployment/reviews-v2', { app: 'reviews', version: 'v2' })] })).toEqual([]);
    expect(brief(/IST0173/, [reviews, v1, dr(subsets)], { app: [v2] })).toEqual([]);
    expect(brief(/IST0173/, [reviews, v1, pod('reviews-v2-abc', { app: 'reviews', version: 'v2' }), dr(subsets)])).toEqual([]);
    for (const kind of ['StatefulSet', 'DaemonSet', 'ReplicaSet']) {
      expect(brief(/IST0173/, [reviews, v1, workload('reviews-v2', { app: 'reviews', version: 'v2' }, NS, kind), dr(subsets)])).toEqual([]);
    }
    expect(brief(/IST0173/, [reviews, v1, workload('reviews-v2', { app: 'reviews', version: 'v2' }, NS, 'Job'), dr(subsets)])).toHaveLength(1);
    // A subset without labels takes every pod of the Service.
    expect(brief(/IST0173/, [reviews, v1, dr([s('all')])])).toEqual([]);
  });

  test('CIT0002: subsets that share a pod', () => {
    const subsets = [s('v1', { version: 'v1' }), s('v2', { version: 'v2' }), s('any', { app: 'reviews' })];
    const f = cross([reviews, v1, v2, dr(subsets)]).filter(x => x.code === 'CIT0002');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[E, 'spec.subsets', '["v1","any"]'], [E, 'spec.subsets', '["v2","any"]']]);
    expect(f[0].message).toBe('subsets v1 and any overlap: Deployment/reviews-v1 is in both, so the split between them is not what the weights say');
    expect(brief(/CIT0002/, [reviews, v1, v2, dr(subsets.slice(0, 2))])).toEqual([]);
  });
});

describe('Services', () => {
  test('CIT0001: a selector that selects no workload of the namespace', () => {
    const f = cross([service('ratings')]).filter(x => x.code === 'CIT0001');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[W, 'spec.selector', '{"app":"ratings"}']]);
    expect(f[0].message).toBe('selects no pod of any workload in the app or known to exist');
    expect(brief(/CIT0001/, [service('ratings'), workload('ratings')])).toEqual([]);
    expect(brief(/CIT0001/, [service('ratings')], { app: [workload('ratings')] })).toEqual([]);
    expect(brief(/CIT0001/, [service('ratings')], { workloads: [known('ratings', { app: 'ratings', tier: 'x' })] })).toEqual([]);
    expect(brief(/CIT0001/, [service('ratings'), workload('ratings', { app: 'ratings' }, 'other')])).toHaveLength(1);
    // Every label of the selector must match.
    const two = service('ratings', { selector: { app: 'ratings', version: 'v1' } });
    expect(brief(/CIT0001/, [two, workload('ratings')])).toHaveLength(1);
    expect(brief(/CIT0001/, [two, workload('ratings', { app: 'ratings', version: 'v1' })])).toEqual([]);
    expect(brief(/CIT0001/, [two, workload('ratings', { app: 'other', version: 'v1' })])).toHaveLength(1);
    // No selector (endpoints managed by hand), an empty one, or an ExternalName Service: nothing to select.
    expect(brief(/CIT0001/, [service('ratings', { selector: undefined })])).toEqual([]);
    expect(brief(/CIT0001/, [service('ratings', { selector: {} })])).toEqual([]);
    expect(brief(/CIT0001/, [service('ratings', { type: 'ExternalName', externalName: 'ratings.example.com' })])).toEqual([]);
    // A workload without template labels selects nothing.
    const bare = { ...workload('ratings'), spec: { template: { spec: { containers: [] } } } };
    expect(brief(/CIT0001/, [service('ratings'), bare])).toHaveLength(1);
  });

  test('IST0118: a port named for no protocol and without appProtocol is opaque TCP to Istio', () => {
    const ports = [
      { name: 'http', port: 80 },
      { name: 'web', port: 8080 },
      { name: 'grpc-api', port: 9000 },
      { name: 'HTTP2-x', port: 9001 },
      { name: 'x', appProtocol: 'kubernetes.io/h2c', port: 9002 },
      { name: 'x', appProtocol: 'HTTPS', port: 9003 },
      { name: 'http', appProtocol: 'custom', port: 9004 },
      { name: 'dns', port: 53 },
      { name: 'smtp', port: 25 },
      { name: 'db2', port: 3306 },
      { name: 'db', port: 27017 },
      { name: 'q', protocol: 'UDP', port: 9005 },
      { port: 7000 },
      { name: 'ws', appProtocol: 'kubernetes.io/ws', port: 9006 },
      { name: 'wss', appProtocol: 'kubernetes.io/wss', port: 9007 },
      { name: 'tcp', port: 9008 },
    ];
    const f = cross([service('ratings', { ports }), workload('ratings')]).filter(x => x.code === 'IST0118');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([
      [Severity.INFO, 'spec.ports[1]', '{"name":"web"}'],
      [Severity.INFO, 'spec.ports[6]', '{"name":"http","appProtocol":"custom"}'],
      [Severity.INFO, 'spec.ports[12]', '{}'],
    ]);
    expect(f[0].message).toBe('is not named for its protocol, so Istio treats it as opaque TCP (no HTTP routing)');
    // Istio's own Services (label istio or release=istio) and ExternalName Services are left alone.
    const bad = { ports: [{ name: 'web', port: 8080 }] };
    expect(brief(/IST0118/, [service('istiod', bad, NS, { istio: 'pilot' }), workload('istiod')])).toEqual([]);
    expect(brief(/IST0118/, [service('istiod', bad, NS, { release: 'istio' }), workload('istiod')])).toEqual([]);
    expect(brief(/IST0118/, [service('istiod', bad, NS, { release: 'other' }), workload('istiod')])).toHaveLength(1);
    expect(brief(/IST0118/, [service('ext', { ...bad, type: 'ExternalName', externalName: 'x.example.com' })])).toEqual([]);
  });
});

describe('Gateways', () => {
  const server = (number: number, hosts: string[], bind?: string) => ({ port: { number, name: `p${number}`, protocol: 'HTTP' }, hosts, bind });
  const gateway = (name: string, servers: any[], selector: any = { istio: 'ingressgateway' }) => istio('Gateway', name, { selector, servers });

  test('IST0145: two Gateways of one selector serving one host on one port', () => {
    const a = gateway('a', [server(80, ['a.example.com', 'b.example.com'])]);
    const b = gateway('b', [server(80, ['b.example.com', 'a.example.com'])]);
    const f = cross([a, b]).filter(x => x.code === 'IST0145');
    expect(f.map(x => [x.severity, x.constructPath, x.field, x.value])).toEqual([[E, 'chart/1', 'spec.servers', '{"port":80,"host":"b.example.com"}']]);
    expect(f[0].message).toBe("conflicts with Gateway shop/a: same selector, port 80 and host 'b.example.com'");
    // Selectors compare as label sets; a third Gateway is reported too.
    const c = gateway('c', [server(80, ['a.example.com'])], { istio: 'ingressgateway' });
    expect(brief(/IST0145/, [a, gateway('b', [server(80, ['a.example.com'])], { app: 'x', istio: 'ingressgateway' }), gateway('c', [server(80, ['a.example.com'])], { istio: 'ingressgateway', app: 'x' })]))
      .toHaveLength(1);
    expect(brief(/IST0145/, [a, b, c])).toHaveLength(2);
    // Another port, host, bind address or selector; the same host twice in one Gateway; a Gateway of another chart: no conflict.
    expect(brief(/IST0145/, [a, gateway('b', [server(8080, ['a.example.com'])])])).toEqual([]);
    expect(brief(/IST0145/, [a, gateway('b', [server(80, ['c.example.com'])])])).toEqual([]);
    expect(brief(/IST0145/, [a, gateway('b', [server(80, ['a.example.com'], '10.0.0.1')])])).toEqual([]);
    expect(brief(/IST0145/, [a, gateway('b', [server(80, ['a.example.com'])], { istio: 'other' })])).toEqual([]);
    expect(brief(/IST0145/, [gateway('a', [server(80, ['a.example.com']), server(80, ['a.example.com'])])])).toEqual([]);
    expect(brief(/IST0145/, [a], { app: [b] })).toEqual([]);
  });

  test("IST0162: a server port the gateway's Service in the app does not expose (TCP ports and their target ports)", () => {
    const ingress = service('istio-ingressgateway', {
      selector: { istio: 'ingressgateway' },
      ports: [{ name: 'http2', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 'https' }, { name: 'q', port: 15021, protocol: 'UDP' }],
    });
    const gw = gateway('edge', [server(80, ['a.example.com']), server(8080, ['a.example.com']), server(443, ['a.example.com']), server(15021, ['a.example.com']), server(9999, ['a.example.com'])],
      { istio: 'ingressgateway', app: 'edge' });
    const f = cross([gw], { app: [ingress] }).filter(x => x.code === 'IST0162');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[W, 'spec.servers[3].port.number', '15021'], [W, 'spec.servers[4].port.number', '9999']]);
    expect(f[0].message).toBe('is not a port of the gateway Service (istio-ingressgateway)');
    // Every Gateway of the selector is checked; without a Service in the app that selects the gateway pods, nothing is known.
    expect(brief(/IST0162/, [gw, gateway('edge2', [server(7000, ['b.example.com'])], { app: 'edge', istio: 'ingressgateway' })], { app: [ingress] })).toHaveLength(3);
    expect(brief(/IST0162/, [gw])).toEqual([]);
    expect(brief(/IST0162/, [gw], { app: [service('istio-ingressgateway', { selector: { istio: 'other' } })] })).toEqual([]);
    expect(brief(/IST0162/, [gw], { app: [service('istio-ingressgateway', { selector: {} })] })).toEqual([]);
  });
});

describe('Namespaces', () => {
  const routing = (namespace_: string) => istio('DestinationRule', 'reviews', { host: 'reviews' }, namespace_);
  const inNs = (name: string, namespace_ = 'shop') => workload(name, { app: name }, namespace_);

  test('IST0123: more than one injection label', () => {
    const f = cross([namespace(NS, { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' })]).filter(x => x.code === 'IST0123');
    expect(f.map(x => [x.severity, x.field])).toEqual([[W, 'metadata.labels']]);
    expect(brief(/IST0123/, [namespace(NS, { 'istio-injection': 'disabled', 'istio.io/dataplane-mode': 'ambient' })])).toHaveLength(1);
    expect(brief(/IST0123/, [namespace(NS, { 'istio.io/rev': 'canary' })])).toEqual([]);
    expect(brief(/IST0123/, [namespace(NS, { 'istio-injection': 'enabled' })])).toEqual([]);
    expect(brief(/IST0123/, [namespace(NS, { 'istio.io/rev': 'canary', 'istio.io/dataplane-mode': 'ambient' })])).toEqual([]);
  });

  test('CIT0003: routed workloads in a namespace without injection (the first three named)', () => {
    const objects = [namespace(NS), routing(NS), inNs('a'), inNs('b'), inNs('c'), inNs('d')];
    const f = cross(objects).filter(x => x.code === 'CIT0003');
    expect(f.map(x => [x.severity, x.constructPath, x.field])).toEqual([[E, 'chart/0', 'metadata.labels']]);
    expect(f[0].message).toBe('has routed workloads (Deployment/a, Deployment/b, Deployment/c) but no sidecar injection label, so none of the routing applies to them');
    expect(brief(/CIT0003/, [namespace(NS, { 'istio-injection': 'disabled' }), routing(NS), inNs('a')])).toHaveLength(1);
    expect(brief(/CIT0003/, [namespace(NS, { 'istio-injection': 'enabled' }), routing(NS), inNs('a')])).toEqual([]);
    expect(brief(/CIT0003/, [namespace(NS, { 'istio.io/rev': 'canary' }), routing(NS), inNs('a')])).toEqual([]);
    // Not routed in the chart, no workloads, or workloads elsewhere: nothing to say.
    expect(brief(/CIT0003/, [namespace(NS), inNs('a')])).toEqual([]);
    expect(brief(/CIT0003/, [namespace(NS), routing(NS)])).toEqual([]);
    expect(brief(/CIT0003/, [namespace(NS), routing(NS), inNs('a', 'other')])).toEqual([]);
    expect(brief(/CIT0003/, [namespace(NS), routing('other'), inNs('a')])).toEqual([]);
    expect(brief(/CIT0003/, [namespace(NS), inNs('a')], { app: [routing(NS)] })).toEqual([]);
    // The namespace and the workloads may be in other charts of the app; a workload known to exist counts.
    expect(brief(/CIT0003/, [routing(NS)], { app: [namespace(NS), inNs('a')] })).toHaveLength(1);
    expect(brief(/CIT0003/, [namespace(NS), routing(NS)], { workloads: [known('Deployment/a', { app: 'a' })] })).toHaveLength(1);
  });

  test('CIT0003: what routes a namespace (mesh VirtualServices, DestinationRules, mesh routes of the Gateway API)', () => {
    const base = [namespace(NS), inNs('a')];
    const vs = (gateways?: string[]) => istio('VirtualService', 'v', { hosts: ['a'], gateways });
    const httpRoute = (parentRefs: any[], kind = 'HTTPRoute') => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: { name: 'r', namespace: NS }, spec: { parentRefs } });
    expect(brief(/CIT0003/, [...base, vs()])).toHaveLength(1);
    expect(brief(/CIT0003/, [...base, vs([])])).toHaveLength(1);
    expect(brief(/CIT0003/, [...base, vs(['edge'])])).toEqual([]);
    expect(brief(/CIT0003/, [...base, httpRoute([{ kind: 'Service', group: '', name: 'a' }])])).toHaveLength(1);
    expect(brief(/CIT0003/, [...base, httpRoute([{ kind: 'Service', name: 'a' }])])).toHaveLength(1);
    expect(brief(/CIT0003/, [...base, httpRoute([{ kind: 'Service', name: 'a' }], 'GRPCRoute')])).toHaveLength(1);
    expect(brief(/CIT0003/, [...base, httpRoute([{ kind: 'Service', name: 'a' }], 'TCPRoute')])).toHaveLength(1);
    expect(brief(/CIT0003/, [...base, httpRoute([{ kind: 'Service', name: 'a' }], 'TLSRoute')])).toEqual([]);
    expect(brief(/CIT0003/, [...base, httpRoute([{ name: 'edge' }])])).toEqual([]);
    expect(brief(/CIT0003/, [...base, httpRoute([{ kind: 'Service', group: 'x.io', name: 'a' }])])).toEqual([]);
    expect(brief(/CIT0003/, [...base, { ...httpRoute([]), spec: { parentRefs: { kind: 'Service', name: 'a' } } }])).toEqual([]);
  });

  test('CIT0003: ambient mode without a waypoint carries traffic at L4 only', () => {
    const ambient = (labels: Record<string, string> = {}) => namespace(NS, { 'istio.io/dataplane-mode': 'ambient', ...labels });
    const f = cross([ambient(), routing(NS), inNs('a')]).filter(x => x.code === 'CIT0003');
    expect(f.map(x => [x.severity, x.field])).toEqual([[E, 'metadata.labels']]);
    expect(f[0].message).toMatch(/^is in ambient mode without a waypoint .*\(Deployment\/a\)$/);
    expect(brief(/CIT0003/, [ambient({ 'istio.io/use-waypoint': 'waypoint' }), routing(NS), inNs('a')])).toEqual([]);
    expect(brief(/CIT0003/, [ambient({ 'istio.io/use-waypoint': 'none' }), routing(NS), inNs('a')])).toHaveLength(1);
    // A Service of the namespace bound to a waypoint of its own: the namespace is left alone; one of another namespace does not count.
    const bound = (namespace_: string) => service('a', {}, namespace_, { 'istio.io/use-waypoint': 'a-waypoint' });
    expect(brief(/CIT0003/, [ambient(), routing(NS), inNs('a'), bound(NS)])).toEqual([]);
    expect(brief(/CIT0003/, [ambient(), routing(NS), inNs('a')], { app: [bound(NS)] })).toEqual([]);
    expect(brief(/CIT0003/, [ambient(), routing(NS), inNs('a'), bound('other')])).toHaveLength(1);
  });
});

describe('references of Kubernetes Gateway API routes (CIT0030, CIT0031, CIT0032)', () => {
  const GW = 'gateway.networking.k8s.io';
  const route = (spec: any, kind = 'HTTPRoute', namespace_ = NS) => ({ apiVersion: `${GW}/v1`, kind, metadata: { name: 'r', namespace: namespace_ }, spec });
  const toBackend = (backendRef: any, kind = 'HTTPRoute') => route({ rules: [{ backendRefs: [backendRef] }] }, kind);
  const grant = (from: any[], to: any[], namespace_ = 'data') => ({ apiVersion: `${GW}/v1beta1`, kind: 'ReferenceGrant', metadata: { name: 'g', namespace: namespace_ }, spec: { from, to } });
  const gateway = (listeners: any[], namespace_ = 'edge') => ({ apiVersion: `${GW}/v1`, kind: 'Gateway', metadata: { name: 'public', namespace: namespace_ }, spec: { gatewayClassName: 'istio', listeners } });
  const refs = (chart: any[], outside: Outside = {}) => brief(/^CIT003[0-2]$/, chart, outside);
  const reviews = service('reviews', { ports: [{ name: 'http', port: 9080 }, { name: 'grpc', port: 9090 }] });
  const db = service('db', { ports: [{ name: 'tcp', port: 5432 }] }, 'data');

  test('CIT0030: a backendRef to a Service that is not in the app nor known, or to a port it does not have', () => {
    const f = cross([toBackend({ name: 'reveiws', port: 9080 }), reviews]).filter(x => x.code === 'CIT0030');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[E, 'spec.rules[0].backendRefs[0].name', '"reveiws"']]);
    expect(f[0].message).toBe("refers to Service shop/reveiws, which is neither in the app nor known to exist; the rule's requests get 500");
    const port = cross([toBackend({ name: 'reviews', port: 80 }), reviews]).filter(x => x.code === 'CIT0030');
    expect(port.map(x => [x.field, x.value, x.message])).toEqual([['spec.rules[0].backendRefs[0].port', '80', "is not a port of Service shop/reviews (9080, 9090); the rule's requests get 500"]]);
    expect(refs([toBackend({ name: 'reviews', port: 9090 }), reviews])).toEqual([]);
    expect(refs([toBackend({ name: 'reviews' }), reviews])).toEqual([]);
    expect(refs([toBackend({ name: 'reviews', port: 9080 })], { app: [reviews] })).toEqual([]);
    expect(refs([toBackend({ name: 'reviews', port: 9080 })], { services: [{ namespace: NS, name: 'reviews', selector: {}, ports: [9080] }] })).toEqual([]);
    expect(refs([toBackend({ name: 'reviews', port: 80 })], { services: [{ namespace: NS, name: 'reviews', selector: {}, ports: [9080] }] }))
      .toEqual([['CIT0030', E, 'spec.rules[0].backendRefs[0].port', 80]]);
    // A Service whose ports are not a list has none; every rule and backendRef is looked at, of GRPCRoutes and TCPRoutes too.
    expect(refs([toBackend({ name: 'reviews', port: 9080 }), service('reviews', { ports: 'x' })])).toEqual([['CIT0030', E, 'spec.rules[0].backendRefs[0].port', 9080]]);
    const two = route({ rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }, { backendRefs: [{ name: 'a' }, { name: 'b' }] }] });
    expect(refs([two, reviews]).map(x => x[2])).toEqual(['spec.rules[1].backendRefs[0].name', 'spec.rules[1].backendRefs[1].name']);
    for (const kind of ['GRPCRoute', 'TCPRoute']) {
      expect(refs([toBackend({ name: 'x' }, kind)])).toEqual([['CIT0030', E, 'spec.rules[0].backendRefs[0].name', 'x']]);
    }
    // Backends of other kinds or groups, and routes of other kinds, are not judged; a Service of another API group is not a Service.
    expect(refs([toBackend({ name: 'x', kind: 'ServiceImport', group: 'multicluster.x-k8s.io' })])).toEqual([]);
    expect(refs([toBackend({ name: 'x', kind: 'Bucket' })])).toEqual([]);
    expect(refs([toBackend({ name: 'x', group: 'serving.knative.dev' })])).toEqual([]);
    expect(refs([toBackend({ name: 7 }), toBackend({ name: 'x' }, 'UDPRoute')])).toEqual([]);
    expect(refs([toBackend({ name: 'reviews', port: 9080 }), { ...reviews, apiVersion: 'serving.knative.dev/v1' }])).toHaveLength(1);
    expect(refs([{ ...toBackend({ name: 'x' }), apiVersion: 'example.com/v1' }])).toEqual([]);
    // Rules and backendRefs that are not lists are the schema's findings, not a crash.
    expect(refs([route({ rules: { backendRefs: [{ name: 'x' }] } }), route({ rules: [{ backendRefs: { name: 'x' } }, null] }), route(undefined)])).toEqual([]);
  });

  test('CIT0031: a backendRef to another namespace needs a ReferenceGrant there, from this kind and namespace, to that Service', () => {
    const toDb = toBackend({ name: 'db', namespace: 'data', port: 5432 });
    const f = cross([toDb, db]).filter(x => x.code === 'CIT0031');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[E, 'spec.rules[0].backendRefs[0].namespace', '"data"']]);
    expect(f[0].message).toBe("refers to Service data/db in another namespace, and no ReferenceGrant in 'data' allows HTTPRoutes of 'shop' to; the reference is refused and the rule's requests get 500");
    expect(f[0].fix).toBe("Add a ReferenceGrant in 'data' from HTTPRoute in 'shop' to Service db, or route to a Service of the route's namespace");
    const from = { group: GW, kind: 'HTTPRoute', namespace: NS };
    expect(refs([toDb, db, grant([from], [{ group: '', kind: 'Service' }])])).toEqual([]);
    expect(refs([toDb, db, grant([from], [{ kind: 'Service', name: 'db' }])])).toEqual([]);
    expect(refs([toDb, db], { app: [grant([{ group: 'x', kind: 'y', namespace: 'z' }, from], [{ kind: 'Secret' }, { group: '', kind: 'Service' }])] })).toEqual([]);
    const refused = [['CIT0031', E, 'spec.rules[0].backendRefs[0].namespace', 'data']];
    expect(refs([toDb, db, grant([from], [{ group: '', kind: 'Service', name: 'cache' }])])).toEqual(refused);
    expect(refs([toDb, db, grant([from], [{ group: 'x.io', kind: 'Service' }])])).toEqual(refused);
    expect(refs([toDb, db, grant([from], [{ group: '', kind: 'Secret' }])])).toEqual(refused);
    expect(refs([toDb, db, grant([{ ...from, kind: 'GRPCRoute' }], [{ kind: 'Service' }])])).toEqual(refused);
    expect(refs([toDb, db, grant([{ ...from, namespace: 'other' }], [{ kind: 'Service' }])])).toEqual(refused);
    expect(refs([toDb, db, grant([{ ...from, group: 'x.io' }], [{ kind: 'Service' }])])).toEqual(refused);
    expect(refs([toDb, db, grant([from], [{ kind: 'Service' }], NS)])).toEqual(refused);
    expect(refs([toDb, db, grant(from as any, { kind: 'Service' } as any)])).toEqual(refused);
    // The route's own namespace, written out, needs no grant; a missing Service in another namespace is both findings.
    expect(refs([toBackend({ name: 'reviews', namespace: NS, port: 9080 }), reviews])).toEqual([]);
    expect(refs([toBackend({ name: 'nope', namespace: 'data' })]).map(x => x[0])).toEqual(['CIT0030', 'CIT0031']);
  });

  test('CIT0032: a parentRef to a Service (a mesh route) that is not in the app, or to a port it does not have', () => {
    const mesh = (parentRef: any) => route({ parentRefs: [parentRef] });
    const f = cross([mesh({ group: '', kind: 'Service', name: 'ratings' }), reviews]).filter(x => x.code === 'CIT0032');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[E, 'spec.parentRefs[0].name', '"ratings"']]);
    expect(f[0].message).toBe('attaches the route to Service shop/ratings (a mesh route), which is neither in the app nor known to exist, so none of its rules apply');
    const port = cross([mesh({ group: '', kind: 'Service', name: 'reviews', port: 80 }), reviews]).filter(x => x.code === 'CIT0032');
    expect(port.map(x => [x.field, x.value, x.message])).toEqual([['spec.parentRefs[0].port', '80', "is not a port of Service shop/reviews (9080, 9090), so none of the route's rules apply"]]);
    expect(refs([mesh({ group: '', kind: 'Service', name: 'reviews', port: 9090 }), reviews])).toEqual([]);
    expect(refs([mesh({ group: '', kind: 'Service', name: 'reviews' }), reviews])).toEqual([]);
    expect(refs([mesh({ group: '', kind: 'Service', name: 'db', namespace: 'data' }), db])).toEqual([]);
    expect(refs([mesh({ group: '', kind: 'Service', name: 'db' }), db])).toHaveLength(1);
    expect(refs([mesh({ group: '', kind: 'Service', name: 'ratings' })], { services: [{ namespace: NS, name: 'ratings', selector: {}, ports: [80] }] })).toEqual([]);
    // A Service parentRef needs the core group written out (the default group is the Gateway API's).
    expect(refs([mesh({ kind: 'Service', name: 'ratings' })])).toEqual([]);
    expect(refs([mesh({ group: '', kind: 'Service', name: 7 }), route({ parentRefs: 'x' })])).toEqual([]);
  });

  test('CIT0032: a parentRef to a Gateway of the app must name a listener it has', () => {
    const listeners = [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }, { name: 'https', port: 443, protocol: 'HTTPS', allowedRoutes: { namespaces: { from: 'All' } } }];
    const parent = (p: any) => route({ parentRefs: [{ name: 'public', namespace: 'edge', ...p }] });
    const f = cross([parent({ sectionName: 'admin' }), gateway(listeners)]).filter(x => x.code === 'CIT0032');
    expect(f.map(x => [x.severity, x.field, x.value])).toEqual([[E, 'spec.parentRefs[0].sectionName', '"admin"']]);
    expect(f[0].message).toBe("names no listener of Gateway edge/public (none named 'admin'), so the route is not attached there");
    expect(cross([parent({ port: 8080 }), gateway(listeners)]).filter(x => x.code === 'CIT0032').map(x => [x.field, x.value, x.message]))
      .toEqual([['spec.parentRefs[0].port', '8080', 'names no listener of Gateway edge/public (none on port 8080), so the route is not attached there']]);
    expect(cross([parent({ sectionName: 'http', port: 443 }), gateway(listeners)]).filter(x => x.code === 'CIT0032').map(x => [x.field, x.message]))
      .toEqual([['spec.parentRefs[0].sectionName', "names no listener of Gateway edge/public (none named 'http' and on port 443), so the route is not attached there"]]);
    expect(refs([parent({ sectionName: 'https', port: 443 }), gateway(listeners)])).toEqual([]);
    expect(refs([parent({ sectionName: 'https' }), gateway(listeners)])).toEqual([]);
    expect(refs([parent({ port: 80 }), gateway(listeners)])).toEqual([]);
    expect(refs([parent({})], { app: [gateway(listeners)] })).toEqual([]);
    // A Gateway outside the app, of another group or kind, or a Gateway without listeners as a list, is not judged (or has none).
    expect(refs([parent({ sectionName: 'admin' })])).toEqual([]);
    expect(refs([parent({ sectionName: 'admin', group: 'networking.istio.io' }), gateway(listeners)])).toEqual([]);
    expect(refs([parent({ sectionName: 'admin', kind: 'ListenerSet' }), gateway(listeners)])).toEqual([]);
    expect(refs([parent({ sectionName: 'admin', namespace: NS }), gateway(listeners)])).toEqual([]);
    expect(refs([parent({}), { ...gateway([]), spec: { listeners: 'x' } }]).map(x => x[2])).toEqual(['spec.parentRefs[0].port']);
  });

  test("CIT0032: the listeners must admit the route's kind and namespace (allowedRoutes)", () => {
    const parent = (kind = 'HTTPRoute', namespace_ = NS) => route({ parentRefs: [{ name: 'public', namespace: 'edge' }] }, kind, namespace_);
    const listener = (allowedRoutes?: any, protocol = 'HTTP') => ({ name: 'l', port: 80, protocol, allowedRoutes });
    const refused = [['CIT0032', E, 'spec.parentRefs[0]', { name: 'public', namespace: 'edge' }]];
    const f = cross([parent(), gateway([listener()])]).filter(x => x.code === 'CIT0032');
    expect(f.map(x => [x.field, x.value])).toEqual([['spec.parentRefs[0]', '{"name":"public","namespace":"edge"}']]);
    expect(f[0].message).toBe("is refused by the listeners of Gateway edge/public: their allowedRoutes do not admit HTTPRoutes from namespace 'shop' (only the Gateway's own namespace by default)");
    // Same (the default) admits the Gateway's namespace; All admits every namespace; an unknown value admits none.
    expect(refs([parent('HTTPRoute', 'edge'), gateway([listener()])])).toEqual([]);
    expect(refs([parent('HTTPRoute', 'edge'), gateway([listener({ namespaces: { from: 'Same' } })])])).toEqual([]);
    expect(refs([parent(), gateway([listener({ namespaces: { from: 'Same' } })])])).toEqual(refused);
    expect(refs([parent(), gateway([listener({ namespaces: { from: 'All' } })])])).toEqual([]);
    expect(refs([parent('HTTPRoute', 'edge'), gateway([listener({ namespaces: { from: 'Everywhere' } })])])).toEqual(refused);
    // Selector: the labels of a namespace of the app must match; a namespace outside the app is given the benefit of the doubt.
    const selector = { namespaces: { from: 'Selector', selector: { matchLabels: { shared: 'true', tier: 'web' } } } };
    expect(refs([parent(), gateway([listener(selector)])])).toEqual([]);
    expect(refs([parent(), gateway([listener(selector)]), namespace(NS, { shared: 'true', tier: 'web', x: 'y' })])).toEqual([]);
    expect(refs([parent(), gateway([listener(selector)]), namespace(NS, { shared: 'true' })])).toEqual(refused);
    expect(refs([parent(), gateway([listener(selector)]), namespace(NS)])).toEqual(refused);
    expect(refs([parent(), gateway([listener({ namespaces: { from: 'Selector' } })]), namespace(NS)])).toEqual([]);
    // Kinds: listed kinds (of the Gateway API group unless another is named), else the kinds of the listener's protocol.
    const all = { namespaces: { from: 'All' } };
    expect(refs([parent(), gateway([listener({ ...all, kinds: [{ kind: 'GRPCRoute' }, { kind: 'HTTPRoute' }] })])])).toEqual([]);
    expect(refs([parent(), gateway([listener({ ...all, kinds: [{ kind: 'HTTPRoute', group: GW }] })])])).toEqual([]);
    expect(refs([parent(), gateway([listener({ ...all, kinds: [{ kind: 'HTTPRoute', group: 'x.io' }] })])])).toEqual(refused);
    expect(refs([parent(), gateway([listener({ ...all, kinds: [{ kind: 'GRPCRoute' }] })])])).toEqual(refused);
    expect(refs([parent(), gateway([listener({ ...all, kinds: [] })])])).toEqual([]);
    const byProtocol: [string, string, boolean][] = [
      ['HTTP', 'HTTPRoute', true], ['HTTP', 'GRPCRoute', true], ['HTTP', 'TCPRoute', false],
      ['HTTPS', 'HTTPRoute', true], ['HTTPS', 'GRPCRoute', true], ['HTTPS', 'TCPRoute', false],
      ['TLS', 'TCPRoute', true], ['TLS', 'HTTPRoute', false], ['TCP', 'TCPRoute', true], ['TCP', 'GRPCRoute', false],
      ['UDP', 'TCPRoute', false], ['HBONE', 'HTTPRoute', true], ['HBONE', 'GRPCRoute', true], ['HBONE', 'TCPRoute', true], ['SCTP', 'HTTPRoute', false],
    ];
    for (const [protocol, kind, admitted] of byProtocol) {
      const found = refs([parent(kind), gateway([listener(all, protocol)])]);
      expect([protocol, kind, found.length === 0]).toEqual([protocol, kind, admitted]);
    }
    // One admitting listener is enough.
    expect(refs([parent(), gateway([listener(), { ...listener(all), name: 'm' }])])).toEqual([]);
  });
});

describe('Gateway API references: look-alikes and malformed entries', () => {
  const GW = 'gateway.networking.k8s.io';
  const route = (spec: any) => ({ apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { name: 'r', namespace: NS }, spec });
  const refs = (chart: any[]) => brief(/^CIT003[0-2]$/, chart);
  const gateway = (listeners: any[]) => ({ apiVersion: `${GW}/v1`, kind: 'Gateway', metadata: { name: 'public', namespace: 'edge' }, spec: { gatewayClassName: 'istio', listeners } });

  test('objects of other API groups are not Services, grants, Gateways or Namespaces', () => {
    const other = (o: any) => ({ ...o, apiVersion: 'example.com/v1' });
    const toDb = route({ rules: [{ backendRefs: [{ name: 'db', namespace: 'data', port: 5432 }] }] });
    const grant = {
      apiVersion: `${GW}/v1beta1`,
      kind: 'ReferenceGrant',
      metadata: { name: 'g', namespace: 'data' },
      spec: { from: [{ group: GW, kind: 'HTTPRoute', namespace: NS }], to: [{ group: '', kind: 'Service' }] },
    };
    const db = service('db', { ports: [{ name: 'tcp', port: 5432 }] }, 'data');
    expect(refs([toDb, db, grant])).toEqual([]);
    expect(refs([toDb, other(db), grant]).map(x => x[0])).toEqual(['CIT0030']);
    expect(refs([toDb, db, other(grant)]).map(x => x[0])).toEqual(['CIT0031']);
    const selector = { namespaces: { from: 'Selector', selector: { matchLabels: { shared: 'yes' } } } };
    const toGateway = route({ parentRefs: [{ name: 'public', namespace: 'edge' }] });
    expect(refs([toGateway, gateway([{ name: 'l', port: 80, protocol: 'HTTP', allowedRoutes: selector }]), namespace(NS)]).map(x => x[0])).toEqual(['CIT0032']);
    expect(refs([toGateway, gateway([{ name: 'l', port: 80, protocol: 'HTTP', allowedRoutes: selector }]), other(namespace(NS))])).toEqual([]);
    expect(refs([route({ parentRefs: [{ name: 'public', namespace: 'edge', sectionName: 'x' }] }), other(gateway([]))])).toEqual([]);
    // Without routes there is nothing to check, whatever else the app holds.
    expect(refs([db, grant, gateway([])])).toEqual([]);
  });

  test('the fixes say what to do', () => {
    const reviews = service('reviews', { ports: [{ name: 'http', port: 9080 }] });
    const listeners = [{ name: 'l', port: 80, protocol: 'HTTP' }];
    const fixes = (spec: any) => cross([route(spec), reviews, gateway(listeners)]).filter(f => /^CIT003/.test(f.code)).map(f => f.fix);
    expect(fixes({ rules: [{ backendRefs: [{ name: 'x' }] }] })).toEqual([expect.stringMatching(/^Fix the name \(or namespace\), or declare the service/)]);
    expect(fixes({ rules: [{ backendRefs: [{ name: 'reviews', port: 1 }] }] })).toEqual(['Use a port the Service exposes']);
    expect(fixes({ parentRefs: [{ group: '', kind: 'Service', name: 'x' }] })).toEqual([expect.stringMatching(/^Fix the name \(or namespace\), or declare the service/)]);
    expect(fixes({ parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 1 }] })).toEqual(['Use a port the Service exposes, or leave port out for all of them']);
    expect(fixes({ parentRefs: [{ name: 'public', namespace: 'edge', sectionName: 'x' }] })).toEqual(['Name a listener the Gateway has']);
    expect(fixes({ parentRefs: [{ name: 'public', namespace: 'edge' }] })).toEqual([expect.stringMatching(/^Set the listener's allowedRoutes\.namespaces\.from to All/)]);
  });

  test('null entries are skipped', () => {
    const grant = {
      apiVersion: `${GW}/v1beta1`,
      kind: 'ReferenceGrant',
      metadata: { name: 'g', namespace: 'data' },
      spec: { from: [null, { group: GW, kind: 'HTTPRoute', namespace: NS }], to: [null, { group: '', kind: 'Service' }] },
    };
    const db = service('db', { ports: [null, { name: 'tcp', port: 5432 }] }, 'data');
    const listeners = [null, { name: 'l', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' }, kinds: [null, { kind: 'HTTPRoute' }] } }];
    const r = route({ parentRefs: [null, { name: 'public', namespace: 'edge' }], rules: [null, { backendRefs: [null, { name: 'db', namespace: 'data', port: 5432 }] }] });
    expect(refs([r, db, grant, gateway(listeners)])).toEqual([]);
    expect(refs([route({ parentRefs: [{ name: 'public', namespace: 'edge', port: 81 }] }), gateway(listeners)])).toEqual([['CIT0032', E, 'spec.parentRefs[0].port', 81]]);
    expect(refs([route({ parentRefs: [{ name: 'public', namespace: 'edge' }] }), gateway([null, { name: 'l', port: 80 }])])).toEqual([['CIT0032', E, 'spec.parentRefs[0]', { name: 'public', namespace: 'edge' }]]);
  });
});

describe('objects the checks must leave alone', () => {
  test('look-alikes of other kinds and API groups carry the fields the checks read, and give no finding', () => {
    const spec = {
      hosts: ['reviews'],
      gateways: ['missing'],
      http: [{ route: [{ destination: { host: 'reviews', subset: 'v9' } }] }],
      host: 'nothing',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'all', labels: {} }],
      selector: { app: 'nothing' },
      ports: [{ name: 'web', port: 8080 }],
      servers: [{ port: { number: 80 }, hosts: ['a.example.com'] }],
      parentRefs: [{ kind: 'Service', group: '', name: 'missing' }],
      rules: [{ backendRefs: [{ name: 'missing' }] }],
    };
    const twice = (o: any) => [o, { ...o }];
    const lookAlikes = [
      ...twice({ apiVersion: 'example.com/v1', kind: 'VirtualService', metadata: { name: 'a', namespace: NS }, spec }),
      ...twice({ apiVersion: 'example.com/v1', kind: 'DestinationRule', metadata: { name: 'b', namespace: NS }, spec }),
      ...twice({ apiVersion: 'example.com/v1', kind: 'Gateway', metadata: { name: 'c', namespace: NS }, spec }),
      { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'd', namespace: NS }, spec },
      { apiVersion: 'example.com/v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'example.com/v1', kind: 'HTTPRoute', metadata: { name: 'e', namespace: NS }, spec },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f', namespace: NS }, spec },
    ];
    // The duplicates of other groups are CIT0005 (the same kind, namespace and name twice in one group): nothing else.
    expect(cross(lookAlikes).map(f => f.code)).toEqual(['CIT0005', 'CIT0005', 'CIT0005']);
    // Next to a routed namespace with a workload, the look-alike Namespace does not count.
    expect(brief(/CIT0003/, [istio('DestinationRule', 'reviews', { host: 'reviews' }), workload('reviews'), ...lookAlikes])).toEqual([]);
  });

  test('entries that are null, and fields left out, are skipped', () => {
    const vs = istio('VirtualService', 'v', { hosts: ['reviews'], http: [null, { route: [null, { weight: 5 }], mirrors: [null, {}] }], tcp: [{}], tls: null });
    const dr = istio('DestinationRule', 'd', { host: 'reviews', subsets: [null, { name: 'v1' }] });
    const gw = istio('Gateway', 'g', { servers: [null, { port: null, hosts: ['a.example.com'] }, { hosts: null }] });
    const svc = service('reviews', { ports: [null, { port: 80 }] });
    expect(brief(/./, [vs, dr, gw, svc, workload('reviews'), istio('Gateway', 'h', {}), istio('VirtualService', 'w', {}), istio('DestinationRule', 'e', { host: 'ratings' })]).sort())
      .toEqual([
        // The null subset selects every pod, as does v1: both take the one pod.
        ['CIT0002', E, 'spec.subsets', [null, 'v1']],
        ['IST0118', Severity.INFO, 'spec.ports[1]', {}],
        ['IST0174', W, 'spec.host', 'ratings'],
      ].sort() as any);
  });
});

describe('more of the cross references', () => {
  test('every DestinationRule of a host counts for its subsets (IST0101), though two of them are CIT0004', () => {
    const to = (subset: string) => ({ destination: { host: 'reviews', subset } });
    const vs = istio('VirtualService', 'v', { hosts: ['reviews'], http: [{ route: [to('v1'), to('v2')] }] });
    const a = istio('DestinationRule', 'a', { host: 'reviews', subsets: [{ name: 'v1' }] });
    const b = istio('DestinationRule', 'b', { host: 'reviews', subsets: [{ name: 'v2' }] });
    expect(brief(/IST0101|CIT0004/, [vs, a, b]).map(x => x[0])).toEqual(['CIT0004']);
  });

  test('the fixes say what to do', () => {
    const fixes = new Map(cross([
      istio('VirtualService', 'v', { hosts: ['x.example.com'], gateways: ['missing', 'edge'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v9' } }] }] }),
      istio('VirtualService', 'w', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }),
      istio('VirtualService', 'w2', { hosts: ['reviews'] }),
      istio('Gateway', 'edge', { selector: { istio: 'in' }, servers: [{ port: { number: 81 }, hosts: ['a.example.com'] }] }),
      istio('Gateway', 'edge2', { selector: { istio: 'in' }, servers: [{ port: { number: 81 }, hosts: ['a.example.com'] }] }),
      service('in', { selector: { istio: 'in' }, ports: [{ name: 'http', port: 80 }] }),
      istio('DestinationRule', 'reviews', { host: 'reviews', subsets: [{ name: 'a', labels: { v: '1' } }, { name: 'b', labels: {} }, { name: 'c', labels: { v: '9' } }] }),
      istio('DestinationRule', 'reviews2', { host: 'reviews' }),
      istio('DestinationRule', 'ratings', { host: 'ratings' }),
      service('reviews', { ports: [{ name: 'web', port: 80 }, { name: 'grpc', port: 90 }] }),
      workload('reviews', { app: 'reviews', v: '1' }),
      service('nothing'),
      namespace(NS, { 'istio-injection': 'enabled', 'istio.io/rev': 'x' }),
      namespace('other'), istio('DestinationRule', 'o', { host: 'reviews' }, 'other'), workload('o', { app: 'o' }, 'other'),
      namespace('amb', { 'istio.io/dataplane-mode': 'ambient' }), istio('DestinationRule', 'o', { host: 'reviews' }, 'amb'), workload('o', { app: 'o' }, 'amb'),
      service('nothing'),
    ]).map(f => [`${f.code} ${f.message.slice(0, 12)}`, f.fix]));
    const expected: [RegExp, RegExp][] = [
      [/^IST0101 references/, /Create the Gateway/], [/^IST0101 subset/, /Declare the subset in the DestinationRule/],
      [/^IST0132/, /Add the host to a server of the Gateway/], [/^IST0109/, /Merge the rules into one VirtualService/],
      [/^IST0112/, /Set destination\.port\.number/], [/^CIT0004/, /Merge them into one DestinationRule/],
      [/^IST0174/, /Fix the host, or declare the service/], [/^IST0173/, /Fix the labels, or deploy \(or adopt\) the version/],
      [/^CIT0002/, /distinct value of the version label/], [/^CIT0001/, /Fix the selector, or deploy/],
      [/^IST0118/, /Name the port 'http', 'grpc'/], [/^IST0145/, /Serve each host and port from one Gateway/],
      [/^IST0162/, /Use a port the ingress gateway Service exposes/], [/^IST0123/, /Keep istio-injection=enabled or istio\.io\/rev, not both/],
      [/^CIT0003 has routed/, /Label it istio-injection=enabled/], [/^CIT0003 is in ambien/, /Give it a waypoint/],
      [/^CIT0005/, /Give one of the two constructs another name/],
    ];
    for (const [code, fix] of expected) {
      const found = [...fixes].filter(([k]) => code.test(k)).map(([, v]) => v);
      expect([code.source, found.length > 0 && found.every(f => fix.test(f)), found]).toEqual([code.source, true, found]);
    }
  });
});
