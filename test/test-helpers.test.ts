// The checks every other test relies on (test/util) must be able to fail: each is fed a broken manifest here.
import { applyOrderProblems, crossReferenceProblems, istioSchemaErrors } from './util';

const deployment = (name: string, labels: any, namespace = 'ns') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: { template: { metadata: { labels } } },
});
const service = (name: string, selector: any, namespace = 'ns') => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector, ports: [{ port: 80 }] },
});
const dr = (host: string, subsets: any[], namespace = 'ns') => ({
  apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: host, namespace }, spec: { host, subsets },
});
const vs = (host: string, route: any[], namespace = 'ns') => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: host, namespace }, spec: { hosts: [host], http: [{ route }] },
});

describe('CRD schema validation', () => {
  test('accepts a valid VirtualService', () => {
    expect(istioSchemaErrors(vs('a', [{ destination: { host: 'a', subset: 'v1' }, weight: 100 }]))).toEqual([]);
  });
  test('rejects unknown fields (weight nested in destination, as in seed 002)', () => {
    const bad = vs('a', [{ destination: { host: 'a', subset: 'v1', weight: 10 } }]);
    expect(istioSchemaErrors(bad).join('\n')).toMatch(/additional properties 'weight'/);
  });
  test('rejects the long-removed fault percent field and wrong types', () => {
    const bad: any = vs('a', [{ destination: { host: 'a' } }]);
    bad.spec.http[0].fault = { abort: { percent: 100, httpStatus: 500 } };
    bad.spec.http[0].retries = { attempts: 'three' };
    const errors = istioSchemaErrors(bad).join('\n');
    expect(errors).toMatch(/'percent'/);
    expect(errors).toMatch(/attempts must be integer/);
  });
  test('rejects a missing required field and unknown top-level keys', () => {
    const bad: any = { ...dr('a', [{ labels: { version: 'v1' } }]), extra: 1 };
    const errors = istioSchemaErrors(bad).join('\n');
    expect(errors).toMatch(/must have required property 'name'/);
    expect(errors).toMatch(/'extra'/);
  });
  test('checks Gateway API objects too: the schema with its defaults, the CEL rules, and the IP formats', () => {
    const route = (backendRefs: any[]) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'r', port: 80 }], rules: [{ backendRefs }] },
    });
    expect(istioSchemaErrors(route([{ name: 'r-v1', port: 80 }]))).toEqual([]);
    // kind defaults to Service, and a Service reference needs a port (a CEL rule that reads the default).
    expect(istioSchemaErrors(route([{ name: 'r-v1' }])).join('\n')).toMatch(/Must have port for Service reference/);
    const gateway = (value: string) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'g' },
      spec: { gatewayClassName: 'istio', addresses: [{ type: 'IPAddress', value }], listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    expect(istioSchemaErrors(gateway('10.0.0.1'))).toEqual([]);
    expect(istioSchemaErrors(gateway('10.0.0.256')).join('\n')).toMatch(/must match format "ipv4"/);
  });
  test('rejects a kind the CRD bundle does not define', () => {
    expect(istioSchemaErrors({ apiVersion: 'networking.istio.io/v9', kind: 'VirtualService', metadata: { name: 'x' } }))
      .toEqual(['VirtualService/x: no CRD schema for networking.istio.io/v9 VirtualService']);
  });
});

describe('cross references', () => {
  const good = [
    deployment('r-v1', { app: 'r', version: 'v1' }),
    deployment('r-v2', { app: 'r', version: 'v2' }),
    service('r', { app: 'r' }),
    dr('r', [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]),
    vs('r', [{ destination: { host: 'r', subset: 'v1' }, weight: 90 }, { destination: { host: 'r', subset: 'v2' }, weight: 10 }]),
  ];
  test('a consistent set has no problems', () => {
    expect(crossReferenceProblems(good)).toEqual([]);
  });
  test('a Service that selects only one version', () => {
    const bad = good.map(m => (m.kind === 'Service' ? service('r', { app: 'r', version: 'v1' }) : m));
    expect(crossReferenceProblems(bad)).toContain("DestinationRule ns/r: Service r does not select Deployment/r-v2 of subset 'v2'");
  });
  test('a subset that selects no pods', () => {
    const bad = [...good.slice(0, 3), dr('r', [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v3', labels: { version: 'v3' } }])];
    expect(crossReferenceProblems(bad)).toContain("DestinationRule ns/r: subset 'v3' selects no pod behind Service r");
  });
  test('overlapping subsets', () => {
    const bad = [...good.slice(0, 3), dr('r', [{ name: 'all', labels: { app: 'r' } }, { name: 'v2', labels: { version: 'v2' } }])];
    expect(crossReferenceProblems(bad)).toContain('DestinationRule ns/r: subsets all, v2 overlap on Deployment/r-v2');
  });
  test('a routed subset nobody declared, and a Service without pods', () => {
    const bad = [...good.slice(0, 4), vs('r', [{ destination: { host: 'r', subset: 'v9' } }]), service('lonely', { app: 'lonely' })];
    expect(crossReferenceProblems(bad)).toEqual([
      'Service ns/lonely selects no pods',
      "VirtualService ns/r: subset 'v9' of host 'r' is not declared by a DestinationRule",
    ]);
  });
  test('apply order: VirtualService before its DestinationRule, objects before their Namespace', () => {
    const nsObj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } };
    expect(applyOrderProblems([nsObj, ...good])).toEqual([]);
    expect(applyOrderProblems([good[4], good[3], good[2], nsObj])).toEqual([
      'VirtualService r comes before its Namespace ns',
      'VirtualService r comes before DestinationRule r',
      'DestinationRule r comes before its Namespace ns',
      'DestinationRule r comes before Service r',
      'Service r comes before its Namespace ns',
    ]);
  });
});
