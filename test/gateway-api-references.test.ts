// The references of hand-written Kubernetes Gateway API routes, resolved as the Gateway API controller
// resolves them: backendRefs to Services and ports that exist (CIT0030), across namespaces only with a
// ReferenceGrant (CIT0031), parentRefs to listeners that exist and admit the route, or to Services
// that exist (CIT0032).
import { ApiObject, Chart, Testing } from 'cdk8s';
import { Analysis, CanaryService, ExistingService, Finding, MeshNamespace, ServiceProtocol, ServiceVersion } from '../src';

const V1 = 'gateway.networking.k8s.io/v1';

/** A chart in `shop` with the reviews service (port 9080) and, in `edge`, the Gateway `public` with listeners http and https. */
function shop(): Chart {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'shop' });
  Analysis.enableFor(chart);
  new CanaryService(chart, 'reviews', { port: 9080, stable: { image: 'reviews:1' } });
  new ApiObject(chart, 'public', {
    apiVersion: V1,
    kind: 'Gateway',
    metadata: { name: 'public', namespace: 'edge' },
    spec: {
      gatewayClassName: 'istio',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
        { name: 'internal', port: 8080, protocol: 'HTTP' },
      ],
    },
  });
  return chart;
}

function route(chart: Chart, id: string, spec: any, namespace = 'shop'): void {
  new ApiObject(chart, id, { apiVersion: V1, kind: 'HTTPRoute', metadata: { name: id, namespace }, spec });
}

/** The findings of the Gateway API reference checks, as [code, field, value]. */
function references(chart: Chart): [string, string, string | undefined][] {
  return Analysis.findings(chart).filter((f: Finding) => /^CIT003[0-2]$/.test(f.code)).map(f => [f.code, f.field, f.value]);
}

const toReviews = (extra: any = {}) => ({ rules: [{ backendRefs: [{ name: 'reviews', port: 9080, ...extra }] }] });

describe('backendRefs (CIT0030, CIT0031)', () => {
  test('a Service of the app and its port resolve; a Service declared to exist outside the app too', () => {
    const chart = shop();
    new ExistingService(chart, 'payments', { port: 8443, versions: [ServiceVersion.adopt('v1')] });
    route(chart, 'r', { parentRefs: [{ name: 'public', namespace: 'edge', sectionName: 'http' }], ...toReviews() });
    route(chart, 'p', { parentRefs: [{ name: 'public', namespace: 'edge' }], rules: [{ backendRefs: [{ name: 'payments', port: 8443 }] }] });
    expect(references(chart)).toEqual([]);
  });

  test('an unknown Service, or a port the Service does not have, fails the synth', () => {
    const chart = shop();
    route(chart, 'r', { rules: [{ backendRefs: [{ name: 'reveiws', port: 9080 }, { name: 'reviews', port: 80 }] }] });
    expect(references(chart)).toEqual([
      ['CIT0030', 'spec.rules[0].backendRefs[0].name', '"reveiws"'],
      ['CIT0030', 'spec.rules[0].backendRefs[1].port', '80'],
    ]);
    expect(() => Testing.synth(chart)).toThrow(/\[CIT0030\] \[test\/r\] HTTPRoute shop\/r spec\.rules\[0\]\.backendRefs\[0\]\.name: "reveiws" - refers to Service shop\/reveiws, which is neither in the app nor known to exist; the rule's requests get 500/);
  });

  test('a Service in another namespace needs a ReferenceGrant there, for this kind and namespace', () => {
    const chart = shop();
    // Without a namespace, a backendRef names a Service of the route's namespace.
    route(chart, 'r', toReviews(), 'storefront');
    expect(references(chart)).toEqual([['CIT0030', 'spec.rules[0].backendRefs[0].name', '"reviews"']]);
    const cross = shop();
    route(cross, 'r', toReviews({ namespace: 'shop' }), 'storefront');
    expect(references(cross)).toEqual([['CIT0031', 'spec.rules[0].backendRefs[0].namespace', '"shop"']]);
    route(cross, 'r2', toReviews({ namespace: 'shop' }), 'storefront');
    const grant = (from: any, to: any, id: string) => new ApiObject(cross, id, {
      apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: id, namespace: 'shop' }, spec: { from: [from], to: [to] },
    });
    // A grant for another namespace, or for GRPCRoutes only, does not count; one for HTTPRoutes of storefront does.
    grant({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'other' }, { group: '', kind: 'Service' }, 'g1');
    grant({ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'storefront' }, { group: '', kind: 'Service' }, 'g2');
    expect(references(cross).filter(([code]) => code === 'CIT0031')).toHaveLength(2);
    grant({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'storefront' }, { group: '', kind: 'Service', name: 'reviews' }, 'g3');
    expect(references(cross)).toEqual([]);
  });

  test('backends of other kinds are not judged', () => {
    const chart = shop();
    route(chart, 'r', { rules: [{ backendRefs: [{ group: 'networking.istio.io', kind: 'Hostname', name: 'api.example.com', port: 443 }] }] });
    expect(references(chart)).toEqual([]);
  });
});

describe('parentRefs (CIT0032)', () => {
  test('a listener that does not exist, by name or by port', () => {
    const chart = shop();
    route(chart, 'r', { parentRefs: [{ name: 'public', namespace: 'edge', sectionName: 'https' }, { name: 'public', namespace: 'edge', port: 443 }], ...toReviews() });
    expect(references(chart)).toEqual([
      ['CIT0032', 'spec.parentRefs[0].sectionName', '"https"'],
      ['CIT0032', 'spec.parentRefs[1].port', '443'],
    ]);
  });

  test("a listener that admits routes of the Gateway's namespace only (the default)", () => {
    const chart = shop();
    route(chart, 'r', { parentRefs: [{ name: 'public', namespace: 'edge', sectionName: 'internal' }], ...toReviews() });
    const f = Analysis.findings(chart).filter(x => x.code === 'CIT0032');
    expect(f.map(x => [x.field, x.severity])).toEqual([['spec.parentRefs[0]', 'error']]);
    expect(f[0].message).toMatch(/their allowedRoutes do not admit HTTPRoutes from namespace 'shop'/);
    // The same route in the Gateway's namespace is admitted.
    const other = shop();
    route(other, 'r', { parentRefs: [{ name: 'public', sectionName: 'internal' }], rules: [{ backendRefs: [{ name: 'reviews', namespace: 'shop', port: 9080 }] }] }, 'edge');
    expect(references(other).filter(([code]) => code === 'CIT0032')).toEqual([]);
  });

  test('a listener that admits routes by namespace labels, or of other kinds only', () => {
    const chart = shop();
    new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { exposed: 'yes' } } });
    new ApiObject(chart, 'sel', {
      apiVersion: V1,
      kind: 'Gateway',
      metadata: { name: 'sel', namespace: 'edge' },
      spec: {
        gatewayClassName: 'istio',
        listeners: [
          { name: 'labelled', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { exposed: 'yes' } } } } },
          { name: 'other', port: 81, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { exposed: 'no' } } } } },
          { name: 'grpc-only', port: 82, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' }, kinds: [{ kind: 'GRPCRoute' }] } },
        ],
      },
    });
    route(chart, 'r', { parentRefs: ['labelled', 'other', 'grpc-only'].map(sectionName => ({ name: 'sel', namespace: 'edge', sectionName })), ...toReviews() });
    expect(references(chart).map(([code, field]) => [code, field])).toEqual([['CIT0032', 'spec.parentRefs[1]'], ['CIT0032', 'spec.parentRefs[2]']]);
  });

  test('a mesh route (GAMMA): the Service and port it attaches to must exist', () => {
    const chart = shop();
    route(chart, 'mesh', { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], ...toReviews() });
    expect(references(chart)).toEqual([]);
    route(chart, 'bad', { parentRefs: [{ group: '', kind: 'Service', name: 'ratings' }, { group: '', kind: 'Service', name: 'reviews', port: 80 }], ...toReviews() });
    expect(references(chart)).toEqual([
      ['CIT0032', 'spec.parentRefs[0].name', '"ratings"'],
      ['CIT0032', 'spec.parentRefs[1].port', '80'],
    ]);
  });

  test('a Gateway outside the app is not judged', () => {
    const chart = shop();
    route(chart, 'r', { parentRefs: [{ name: 'shared', namespace: 'istio-ingress', sectionName: 'whatever' }], ...toReviews() });
    expect(references(chart)).toEqual([]);
  });
});

describe('TCPRoute references', () => {
  test('a TCPRoute backendRef to a missing Service is CIT0030, as for HTTPRoutes', () => {
    const chart = new Chart(Testing.app(), 'tcp', { namespace: 'shop' });
    new MeshNamespace(chart, 'shop');
    new CanaryService(chart, 'db', { port: 5432, protocol: ServiceProtocol.TCP, versions: [ServiceVersion.deploy('v1', { image: 'db:1' })] });
    new ApiObject(chart, 'route', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TCPRoute',
      metadata: { name: 'db', namespace: 'shop' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'db', port: 5432 }], rules: [{ backendRefs: [{ name: 'db-v9', port: 5432 }] }] },
    });
    expect(() => Testing.synth(chart)).toThrow(/\[CIT0030\] \[tcp\/route\] TCPRoute shop\/db spec.rules\[0\].backendRefs\[0\].name: "db-v9" - refers to Service shop\/db-v9/);
  });
});

describe('listener kinds and malformed grants', () => {
  const chartWith = (...objects: any[]) => {
    const chart = new Chart(Testing.app(), 'k', { namespace: 'shop' });
    new MeshNamespace(chart, 'shop');
    new CanaryService(chart, 'db', { port: 5432, protocol: ServiceProtocol.TCP, versions: [ServiceVersion.deploy('v1', { image: 'db:1' })] });
    objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
    return chart;
  };
  const gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'shop' },
    spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }, { name: 'tcp', port: 5432, protocol: 'TCP' }] },
  };
  const tcpRoute = (sectionName: string) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'TCPRoute',
    metadata: { name: `db-${sectionName}`, namespace: 'shop' },
    spec: { parentRefs: [{ name: 'edge', sectionName }], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] },
  });

  test('a TCPRoute on an HTTP listener (which takes HTTPRoutes and GRPCRoutes) is CIT0032; on a TCP listener it is fine', () => {
    expect(() => Testing.synth(chartWith(gateway, tcpRoute('tcp')))).not.toThrow();
    expect(() => Testing.synth(chartWith(gateway, tcpRoute('http')))).toThrow(/\[CIT0032\] .*TCPRoute shop\/db-http spec.parentRefs\[0\]/);
  });

  test('a ReferenceGrant whose from/to are not lists is a CRD error, not a crash', () => {
    const findings = Analysis.analyzeManifests([
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'other' }, spec: { from: {}, to: {} } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'r', namespace: 'shop' },
        spec: { parentRefs: [{ group: '', kind: 'Service', name: 'db', port: 5432 }], rules: [{ backendRefs: [{ name: 'db', namespace: 'other', port: 80 }] }] },
      },
    ]);
    expect(findings.some(f => f.code === 'IST0106' && f.field.startsWith('spec.from'))).toBe(true);
  });
});
