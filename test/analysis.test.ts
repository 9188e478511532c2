import { ApiObject, App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Analysis, CanaryService, DarkRelease, ExistingService, Finding, GrpcStatus, RoutingApi, RequestCondition, RoutingApiSetting, ServiceVersion, Severity, TrafficSplit } from '../src';
import { reportFindings } from '../src/analysis/analysis';
import { formatFinding, Reporter, selects, workloadPods } from '../src/analysis/findings';
import { GRPC_STATUS_NAMES } from '../src/core/syntax';

function chartWithReviews() {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
  const reviews = new CanaryService(chart, 'reviews', {
    port: 9080, versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })), traffic: TrafficSplit.canaryPercent(10),
  });
  return { chart, reviews };
}
const obj = (chart: Chart, id: string, kind: string, name: string, spec: any, extra: any = {}) => new ApiObject(chart, id, {
  apiVersion: kind === 'Service' || kind === 'Namespace' ? 'v1' : kind === 'Deployment' ? 'apps/v1' : 'networking.istio.io/v1',
  kind,
  metadata: { name, namespace: kind === 'Namespace' ? undefined : 'shop', ...extra },
  spec,
});
const codes = (findings: Finding[]) => findings.map(f => `${f.code} ${f.field}`);

describe('analysis at synth time', () => {
  test('a hand-written VirtualService for a host a CanaryService routes is a conflict (IST0109), with every part of the finding', () => {
    const { chart } = chartWithReviews();
    obj(chart, 'handwritten', 'VirtualService', 'reviews-extra', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] });
    const [f] = Analysis.findings(chart).filter(x => x.code === 'IST0109');
    expect(f).toEqual({
      code: 'IST0109',
      severity: Severity.ERROR,
      constructPath: 'test/handwritten',
      kind: 'VirtualService',
      name: 'reviews-extra',
      namespace: 'shop',
      field: 'spec.hosts',
      value: '"reviews"',
      message: 'host reviews.shop.svc.cluster.local is also routed by VirtualService shop/reviews (test/reviews/VirtualService) in the mesh; sidecars use only one of them',
      fix: expect.stringMatching(/^Merge the rules into one VirtualService/),
    });
    expect(() => Testing.synth(chart)).toThrow(/\[IST0109\] \[test\/handwritten\] VirtualService shop\/reviews-extra spec.hosts: "reviews" - host reviews.shop.svc.cluster.local is also routed/);
    // The chart's checks fail the synth as its objects are written, and say that the object being written is not the culprit.
    expect(() => Testing.synth(chart)).toThrow("Validation failed with the following errors (found by the analysis of chart 'test' as it was written; "
      + 'each line names the object to fix):\n  [test/IstioTrafficChecks] [IST0109] [test/handwritten] VirtualService shop/reviews-extra');
  });

  test('all findings are reported together, not one at a time', () => {
    const { chart } = chartWithReviews();
    obj(chart, 'vs', 'VirtualService', 'bad', { hosts: ['ratings'], gateways: ['istio-system/nope'], http: [{ route: [{ destination: { host: 'ratings', subset: 'v9' } }], timeout: '0s' }] });
    let message = '';
    try { Testing.synth(chart); } catch (e) { message = (e as Error).message; }
    expect(message).toMatch(/\[IST0106\].*spec.http\[0\].timeout: "0s" - must be at least 1ms/);
    expect(message).toMatch(/\[IST0101\].*spec.gateways\[0\]: "istio-system\/nope" - references Gateway istio-system\/nope, which is not in the app/);
    expect(message).toMatch(/\[IST0101\].*spec.http\[0\].route\[0\].destination.subset: "v9" - subset 'v9' of host ratings.shop.svc.cluster.local is defined by no DestinationRule/);
  });

  test('the synthesized objects of every construct pass the analysis', () => {
    const { chart } = chartWithReviews();
    expect(Analysis.findings(chart)).toEqual([]);
  });

  test('warnings are printed, not thrown', () => {
    const { chart } = chartWithReviews();
    obj(chart, 'gw-ref', 'VirtualService', 'edge', { hosts: ['shop.example.com'], gateways: ['public.istio-system'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] });
    const emit = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      // IST0101 for the gateway is an error: downgrade it to see the warnings through.
      Analysis.downgrade(chart, 'IST0101', 'the public gateway is installed by the platform team');
      expect(() => Testing.synth(chart)).not.toThrow();
      // Node.js prints `[code] type: text`, so the text does not repeat the code.
      const printed = emit.mock.calls.map(c => `[${(c[1] as any).code}] ${(c[1] as any).type}: ${String(c[0])}`);
      expect(printed).toEqual(expect.arrayContaining([
        expect.stringMatching(/^\[IST0133\] IstioTrafficWarning: \[test\/gw-ref\] VirtualService shop\/edge spec.gateways\[0\]: "public.istio-system" - is a legacy dotted gateway reference/),
        expect.stringMatching(/^\[IST0101\] IstioTrafficWarning: \[.*\(downgraded: the public gateway is installed by the platform team\)$/),
      ]));
      expect(printed.filter(p => /^\[(IST|CIT)\d{4}\] \w+: \[(IST|CIT)\d{4}\]/.test(p))).toEqual([]);
    } finally {
      emit.mockRestore();
    }
    const found = Analysis.findings(chart);
    expect(found.find(f => f.code === 'IST0133')).toMatchObject({ severity: Severity.WARNING, field: 'spec.gateways[0]', message: 'is a legacy dotted gateway reference' });
    expect(found.find(f => f.code === 'IST0101')).toMatchObject({ severity: Severity.WARNING, downgradeReason: 'the public gateway is installed by the platform team' });
  });
});

describe('suppressing and downgrading findings', () => {
  const withMisnamedPort = () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const legacy = new Chart(chart, 'legacy', { namespace: 'shop' });
    obj(legacy, 'svc', 'Service', 'legacy', { selector: { app: 'legacy' }, ports: [{ name: 'web', port: 80 }] });
    obj(legacy, 'deploy', 'Deployment', 'legacy', { template: { metadata: { labels: { app: 'legacy' } } } });
    Analysis.enableFor(legacy);
    return legacy;
  };
  test('a finding can be suppressed on one construct with a written reason', () => {
    const legacy = withMisnamedPort();
    expect(codes(Analysis.findings(legacy))).toEqual(['IST0118 spec.ports[0]']);
    Analysis.suppress(legacy.node.findChild('svc'), 'IST0118', 'this port serves raw TCP on purpose');
    expect(Analysis.findings(legacy)).toEqual([]);
  });
  test('a suppression needs a real code and a reason', () => {
    const legacy = withMisnamedPort();
    expect(() => Analysis.suppress(legacy, 'IST18', 'a good reason here')).toThrow(/\[test\/legacy\] code: 'IST18' is not a finding code/);
    expect(() => Analysis.downgrade(legacy, 'IST0118', 'because')).toThrow(/reason: 'because' is not a written reason/);
  });
});

describe('the entry points check what they are given', () => {
  test('Analysis.enableFor and Analysis.findings take a Chart', () => {
    for (const bad of [null, undefined, 'chart', {}, new App()]) {
      expect(() => Analysis.enableFor(bad as any)).toThrow(/^\[Analysis\.enableFor\] chart: .* is not a cdk8s Chart\. Pass the Chart whose objects should be analysed$/);
      expect(() => Analysis.findings(bad as any)).toThrow(/^\[Analysis\.findings\] chart: .* is not a cdk8s Chart\. Pass the Chart to analyse$/);
    }
  });

  test('Analysis.analyzeManifests takes a list and a RoutingApi, and names each object by its index in the list', () => {
    for (const bad of [null, undefined, 'kind: Service', { kind: 'Service' }]) {
      expect(() => Analysis.analyzeManifests(bad as any)).toThrow(/^\[Analysis\.analyzeManifests\] manifests: .* is not a list of manifest objects\. Pass the parsed objects/);
    }
    expect(() => Analysis.analyzeManifests([], 'gamma' as any)).toThrow(/^\[Analysis\.analyzeManifests\] routingApi: 'gamma' is not a RoutingApi\. Use RoutingApi\.ISTIO/);
    const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'a', namespace: 'shop' }, spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }], timeout: '0s' }] } };
    const [f] = Analysis.analyzeManifests([null, 5, 'text', vs]).filter(x => x.field === 'spec.http[0].timeout');
    expect(f.constructPath).toBe('manifest[3]');
  });

  test('suppress and downgrade take a construct, a finding code and a written reason', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    for (const bad of [null, undefined, 'test', {}]) {
      expect(() => Analysis.suppress(bad as any, 'IST0118', 'a good reason here')).toThrow(/^\[Analysis\.suppress\] scope: .* is not a construct\. Pass the construct \(or chart\) whose objects the rule covers$/);
      expect(() => Analysis.downgrade(bad as any, 'IST0118', 'a good reason here')).toThrow(/^\[Analysis\.downgrade\] scope: .* is not a construct/);
    }
    for (const code of [5, null, 'IST118', 'ist0118', 'XYZ0118', ' IST0118', 'IST01180']) {
      expect(() => Analysis.suppress(chart, code as any, 'a good reason here')).toThrow(/^\[test\] code: .* is not a finding code\. Use a code as printed, e\.g\. 'IST0118' or 'CIT0001'$/);
    }
    for (const reason of [5, null, '', '  123456789  ']) {
      expect(() => Analysis.downgrade(chart, 'IST0118', reason as any)).toThrow(/^\[test\] reason: .* is not a written reason\. Say in a sentence why the finding does not apply here$/);
    }
    // Ten characters are a reason; it is kept without the spaces around it.
    Analysis.downgrade(chart, 'CIT0001', '  1234567890  ');
    new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { selector: { app: 'db' }, ports: [{ name: 'tcp', port: 5432 }] } });
    Analysis.enableFor(chart);
    const [f] = Analysis.findings(chart);
    expect([f.code, f.severity, f.downgradeReason]).toEqual(['CIT0001', Severity.WARNING, '1234567890']);
  });

  test('a rule covers its own code only, on its construct and everything below it', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    Analysis.enableFor(chart);
    const service = (id: string) => new ApiObject(chart, id, { apiVersion: 'v1', kind: 'Service', metadata: { name: id, namespace: 'shop' }, spec: { selector: { app: id }, ports: [{ name: 'tcp', port: 5432 }] } });
    Analysis.suppress(service('a'), 'IST0118', 'a rule for another code than the finding');
    service('b');
    expect(Analysis.findings(chart).map(f => `${f.code} ${f.name}`)).toEqual(['CIT0001 a', 'CIT0001 b']);
    Analysis.suppress(chart.node.findChild('a'), 'CIT0001', 'the selector is filled in by the platform');
    expect(Analysis.findings(chart).map(f => `${f.code} ${f.name}`)).toEqual(['CIT0001 b']);
  });

  test("a chart written for the Gateway API's experimental channel is checked against that channel's CRDs", () => {
    const route = { parentRefs: [{ name: 'edge' }], rules: [{ filters: [{ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', http: {}, backendRef: { name: 'authz', port: 8080 } } }] }] };
    const errorsIn = (api?: RoutingApi) => {
      const app = Testing.app();
      if (api) { RoutingApiSetting.use(app, api); }
      const chart = new Chart(app, 'test', { namespace: 'shop' });
      Analysis.enableFor(chart);
      new ApiObject(chart, 'route', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'shop' }, spec: route });
      return Analysis.findings(chart).filter(f => f.code === 'IST0106').map(f => f.field);
    };
    expect(errorsIn(RoutingApi.GATEWAY_API_EXPERIMENTAL)).toEqual([]);
    expect(errorsIn()).toContain('spec.rules[0].filters[0].externalAuth');
    expect(errorsIn(RoutingApi.GATEWAY_API)).toContain('spec.rules[0].filters[0].externalAuth');
  });
});

describe('the objects of a chart the analysis reads', () => {
  const chartOf = () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    Analysis.enableFor(chart);
    new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { selector: { app: 'db' }, ports: [{ name: 'tcp', port: 5432 }] } });
    return chart;
  };
  const found = (chart: Chart) => Analysis.findings(chart).map(f => `${f.code} ${f.kind}/${f.name}`);

  test('Namespaces, bare Pods and ServiceAccounts written by hand', () => {
    let chart = chartOf();
    expect(found(chart)).toEqual(['CIT0001 Service/db']);
    new ApiObject(chart, 'pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-0', namespace: 'shop', labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db' }] } });
    new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' } } });
    expect(found(chart)).toEqual(['IST0123 Namespace/shop']);
    chart = chartOf();
    const policy = { selector: { matchLabels: { app: 'db' } }, rules: [{ from: [{ source: { serviceAccounts: ['shop/reader'] } }] }] };
    new ApiObject(chart, 'allow', { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow', namespace: 'shop' }, spec: policy });
    expect(found(chart)).toContain('CIT0020 AuthorizationPolicy/allow');
    new ApiObject(chart, 'reader', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: 'shop' } });
    expect(found(chart)).not.toContain('CIT0020 AuthorizationPolicy/allow');
  });

  test('workloads and ServiceAccounts of cdk8s-plus, read through their public model', () => {
    const chart = chartOf();
    const policy = { selector: { matchLabels: { app: 'db' } }, rules: [{ from: [{ source: { serviceAccounts: ['shop/reader'] } }] }] };
    new ApiObject(chart, 'allow', { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow', namespace: 'shop' }, spec: policy });
    new kplus.ServiceAccount(chart, 'reader', { metadata: { name: 'reader' } });
    const db = new kplus.StatefulSet(chart, 'db', { containers: [{ image: 'db', portNumber: 5432 }], service: new kplus.Service(chart, 'db-headless', { clusterIP: 'None', ports: [{ port: 5432, name: 'tcp-db' }] }) });
    db.podMetadata.addLabel('app', 'db');
    // The ServiceAccount is known (no CIT0020), the Service selects the StatefulSet's pods (no CIT0001),
    // and the policy now covers those pods, which have no STRICT mTLS (CIT0021).
    const findings = Analysis.findings(chart);
    expect(findings.map(f => `${f.code} ${f.kind}/${f.name}`)).toEqual(['CIT0021 AuthorizationPolicy/allow']);
    expect(findings[0].message).toMatch(/no STRICT PeerAuthentication covers StatefulSet\/test-db-/);
  });
});

describe('what the analysis reports, and how often', () => {
  const vs = (http: any) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'a', namespace: 'shop' }, spec: { hosts: ['a'], http } });

  test('entries of a list that are not objects are skipped, not reported', () => {
    const findings = Analysis.analyzeManifests([null, 5, 'text', vs([{ route: [{ destination: { host: 'a' } }], timeout: '0s' }])]);
    expect(findings.map(f => `${f.constructPath} ${f.code} ${f.field}`)).toEqual(['manifest[3] IST0106 spec.http[0].timeout']);
  });

  test("a field the webhook's checks reject is not reported again by the CRD's rule for it", () => {
    // Both Istio's webhook and the VirtualService CRD's CEL rule refuse a timeout under 1ms: one finding, the webhook's.
    const [f, ...more] = Analysis.analyzeManifests([vs([{ route: [{ destination: { host: 'a' } }], timeout: '0s' }])]);
    expect(more).toEqual([]);
    expect(f.message).toBe('must be at least 1ms and a whole number of milliseconds');
    // A field only the CRD's rules check is reported by them.
    const crd = Analysis.analyzeManifests([vs([{ route: [{ destination: { host: 'a' } }], timeout: '1s', mirrorPercentage: { value: 101 } }])]);
    expect(crd.map(f2 => `${f2.code} ${f2.field}`)).toEqual(['IST0106 spec.http[0].mirrorPercentage.value']);
  });

  test('an object whose identity Kubernetes cannot read is reported once, and read by no other check', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { selector: { app: 'db' }, ports: [{ port: 5432 }] } };
    const lines = (manifests: any[]) => Analysis.analyzeManifests(manifests).map(f => `${f.constructPath} ${f.code} ${f.field} ${f.value} ${f.message}`);
    expect(lines([{ ...service, apiVersion: undefined }])).toEqual(['manifest[0] IST0106 apiVersion undefined is missing, so Kubernetes cannot read the object']);
    expect(lines([{ ...service, kind: null }])).toEqual(['manifest[0] IST0106 kind undefined is missing, so Kubernetes cannot read the object']);
    expect(lines([{ ...service, kind: 7 }])).toEqual(['manifest[0] IST0106 kind 7 is not a string, so Kubernetes cannot read the object']);
    expect(Analysis.analyzeManifests([{ ...service, kind: 7 }])[0].fix).toBe("Give the object's kind as a string");
    // A missing field is not one of the wrong type: the fix says what to write.
    expect(Analysis.analyzeManifests([{ ...service, apiVersion: undefined }])[0].fix).toBe("Give the object its apiVersion (e.g. 'v1' or 'networking.istio.io/v1')");
    expect(Analysis.analyzeManifests([{ ...service, kind: null }])[0].fix).toBe("Give the object its kind (e.g. 'Service')");
  });

  test('the analysis of a chart reports the objects of that chart only, reading the others for references', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'shop' });
    const b = new Chart(app, 'b', { namespace: 'shop' });
    Analysis.enableFor(a);
    Analysis.enableFor(b);
    new ApiObject(a, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { selector: { app: 'db' }, ports: [{ name: 'tcp', port: 5432 }] } });
    new ApiObject(b, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cache', namespace: 'shop' }, spec: { selector: { app: 'cache' }, ports: [{ name: 'tcp', port: 6379 }] } });
    expect(Analysis.findings(a).map(f => `${f.code} ${f.constructPath}`)).toEqual(['CIT0001 a/svc']);
    // The Deployment in b gives a's Service its pods.
    new ApiObject(b, 'db', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'db', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'db' } } } } });
    expect(Analysis.findings(a)).toEqual([]);
    expect(Analysis.findings(b).map(f => `${f.code} ${f.constructPath}`)).toEqual(['CIT0001 b/svc']);
  });

  test('a chart of several services has one set of checks', () => {
    const { chart } = chartWithReviews();
    new CanaryService(chart, 'ratings', { port: 9080, versions: [ServiceVersion.deploy('v1', { image: 'ratings:v1' })] });
    expect(chart.node.children.filter(c => c.node.id === 'IstioTrafficChecks')).toHaveLength(1);
    expect(Analysis.findings(chart)).toEqual([]);
  });

  test("the constructs' own cross checks fail the synth first, alone: their messages name the construct to change", () => {
    const { chart, reviews } = chartWithReviews();
    new DarkRelease(chart, 'all-testers', { service: reviews, version: 'v2', when: [RequestCondition.headerPresent('x-tester')] });
    new DarkRelease(chart, 'tester-jason', { service: reviews, version: 'v1', when: [RequestCondition.headerExact('x-tester', 'yes')] });
    obj(chart, 'handwritten', 'VirtualService', 'reviews-extra', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] });
    let message = '';
    try { Testing.synth(chart); } catch (e) { message = (e as Error).message; }
    expect(message).toMatch(/\[test\/tester-jason\] match: rule 'tester-jason' .* never applies/);
    expect(message).not.toMatch(/IST0109/);
  });

  test('a rule of another kind of metadata is not a suppression, even with a code', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    Analysis.enableFor(chart);
    const svc = new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { selector: { app: 'db' }, ports: [{ name: 'tcp', port: 5432 }] } });
    svc.node.addMetadata('other-tool', { code: 'CIT0001', reason: 'not ours to read', suppress: true });
    expect(Analysis.findings(chart).map(f => f.code)).toEqual(['CIT0001']);
  });

  test('a downgrade makes an error a warning and leaves a warning or an informational finding as it is', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    Analysis.enableFor(chart);
    const svc = new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { selector: { app: 'db' }, ports: [{ name: 'web', port: 80 }] } });
    const before = Analysis.findings(chart).map(f => `${f.code} ${f.severity}`);
    expect(before).toEqual([`CIT0001 ${Severity.WARNING}`, `IST0118 ${Severity.INFO}`]);
    Analysis.downgrade(svc, 'IST0118', 'the port serves raw TCP on purpose');
    Analysis.downgrade(svc, 'CIT0001', 'the pods are deployed by another team');
    expect(Analysis.findings(chart).map(f => `${f.code} ${f.severity} ${f.downgradeReason}`)).toEqual([
      `CIT0001 ${Severity.WARNING} the pods are deployed by another team`,
      `IST0118 ${Severity.INFO} the port serves raw TCP on purpose`,
    ]);
  });

  test('errors are returned to fail the synth, not printed; warnings and information are printed once, with their type', () => {
    const f = (code: string, severity: Severity): Finding => ({ code, severity, constructPath: 'c/x', kind: 'Service', name: 'x', namespace: 'shop', field: 'spec', message: 'm', fix: 'f' });
    const emit = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const printed = new Set<string>();
      const findings = [f('IST0101', Severity.ERROR), f('CIT0001', Severity.WARNING), f('IST0118', Severity.INFO)];
      expect(reportFindings(findings, printed)).toEqual(['[IST0101] [c/x] Service shop/x spec - m. Fix: f']);
      expect(reportFindings(findings, printed)).toHaveLength(1);
      expect(emit.mock.calls).toEqual([
        ['[c/x] Service shop/x spec - m. Fix: f', { code: 'CIT0001', type: 'IstioTrafficWarning' }],
        ['[c/x] Service shop/x spec - m. Fix: f', { code: 'IST0118', type: 'IstioTrafficInfo' }],
      ]);
    } finally {
      emit.mockRestore();
    }
  });
});

describe('findings, one by one', () => {
  const at = { json: {}, path: 'p' };
  test('an object without kind, name or namespace is reported with ? and the default namespace; a value is JSON', () => {
    const r = new Reporter();
    r.report(at, 'CIT0001', Severity.ERROR, 'spec', undefined, 'm', 'f');
    r.report({ json: null, path: 'q' }, 'CIT0001', Severity.WARNING, 'spec', 'x', 'm', 'f');
    r.report({ json: { kind: 'Service', metadata: { name: 'db', namespace: 'shop' } }, path: 'r' }, 'CIT0001', Severity.INFO, 'spec', { a: [1] }, 'm', 'f');
    expect(r.findings.map(f => [f.kind, f.name, f.namespace, f.value])).toEqual([['?', '?', 'default', undefined], ['?', '?', 'default', '"x"'], ['Service', 'db', 'shop', '{"a":[1]}']]);
  });

  test('a finding as one line: the value and the downgrade only when there is one', () => {
    const f: Finding = { code: 'IST0118', severity: Severity.WARNING, constructPath: 'a/b', kind: 'Service', name: 'db', namespace: 'shop', field: 'spec.ports[0]', message: 'm', fix: 'f' };
    expect(formatFinding(f)).toBe('[IST0118] [a/b] Service shop/db spec.ports[0] - m. Fix: f');
    expect(formatFinding({ ...f, value: '"web"', downgradeReason: 'because of the vendor' })).toBe('[IST0118] [a/b] Service shop/db spec.ports[0]: "web" - m. Fix: f (downgraded: because of the vendor)');
  });

  test('a selector selects pods that carry every one of its labels; an empty one selects none', () => {
    expect(selects({}, { app: 'a' })).toBe(false);
    expect(selects({ app: 'a', version: 'v1' }, { app: 'a' })).toBe(false);
    expect(selects({ app: 'a' }, { app: 'a', version: 'v1' })).toBe(true);
  });

  test('the pods of workloads and bare Pods, read defensively', () => {
    const objects = [
      { json: { kind: 'Deployment' }, path: 'd' },
      { json: { kind: 'StatefulSet', metadata: { name: 's', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 's', n: 1 } } } } }, path: 's' },
      { json: { kind: 'Pod' }, path: 'p' },
      { json: { kind: 'Pod', metadata: { name: 'p', labels: { app: 'p' } } }, path: 'p2' },
      { json: { kind: 'Service', metadata: { name: 'x' } }, path: 'x' },
    ];
    expect(workloadPods(objects, [{ namespace: 'ext', name: 'legacy', labels: { app: 'l' } }])).toEqual([
      { namespace: 'default', name: 'Deployment/undefined', labels: {} },
      { namespace: 'shop', name: 'StatefulSet/s', labels: { app: 's' } },
      { namespace: 'default', name: 'Pod/undefined', labels: {} },
      { namespace: 'default', name: 'Pod/p', labels: { app: 'p' } },
      { namespace: 'ext', name: 'legacy', labels: { app: 'l' } },
    ]);
  });
});

describe('cross-object analyzers', () => {
  const svc = (name: string, ports: any[] = [{ name: 'http', port: 80 }], selector: any = { app: name }) => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec: { selector, ports },
  });
  const deploy = (app: string, version: string, namespace = 'ns') => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${app}-${version}`, namespace }, spec: { template: { metadata: { labels: { app, version } } } },
  });
  const dr = (name: string, host: string, subsets: any[], extra: any = {}) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: 'ns' }, spec: { host, subsets, ...extra },
  });
  const vs = (name: string, spec: any) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'ns' }, spec });
  const gw = (name: string, servers: any[], selector: any = { istio: 'ingressgateway' }) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name, namespace: 'ns' }, spec: { selector, servers },
  });
  const http80 = (hosts: string[]) => ({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts });
  const base = [svc('a'), deploy('a', 'v1'), deploy('a', 'v2'), dr('a', 'a', [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }])];
  const found = (manifests: any[]) => Analysis.analyzeManifests(manifests).map(f => `${f.code} ${f.kind}/${f.name} ${f.field}`);

  test('a consistent set has no finding', () => {
    expect(found([...base, vs('a', { hosts: ['a'], http: [{ route: [{ destination: { host: 'a', subset: 'v1' } }] }] })])).toEqual([]);
  });
  test('IST0101: gateway or subset not found', () => {
    expect(found([...base, vs('a', { hosts: ['a.example.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'a', subset: 'v3' } }], mirror: { host: 'a', subset: 'v4' } }] })]))
      .toEqual(['IST0101 VirtualService/a spec.gateways[0]', 'IST0101 VirtualService/a spec.http[0].route[0].destination.subset', 'IST0101 VirtualService/a spec.http[0].mirror.subset']);
  });
  test('IST0109: two mesh VirtualServices for one host (short and FQDN forms)', () => {
    expect(found([...base, vs('a', { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }] }), vs('b', { hosts: ['a.ns.svc.cluster.local'], http: [{ route: [{ destination: { host: 'a' } }] }] })]))
      .toEqual(['IST0109 VirtualService/b spec.hosts']);
  });
  test('IST0112: destination port missing on a multi-port Service', () => {
    const two = [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }];
    expect(found([svc('a', two), deploy('a', 'v1'), vs('a', { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }] })]))
      .toEqual(['IST0112 VirtualService/a spec.http[0].route[0].destination.port']);
  });
  test('IST0118: a Service port not named for its protocol', () => {
    expect(found([svc('a', [{ name: 'web', port: 80 }, { name: 'http-web', port: 81 }, { name: 'x', port: 82, appProtocol: 'grpc' }, { name: 'dns', port: 53 }]), deploy('a', 'v1')]))
      .toEqual(['IST0118 Service/a spec.ports[0]']);
  });
  test('IST0128: DestinationRule TLS without CA', () => {
    expect(found([...base.slice(0, 3), dr('a', 'a', [], { trafficPolicy: { tls: { mode: 'SIMPLE', sni: 'a.example.com' } } })]))
      .toEqual(['IST0128 DestinationRule/a spec.trafficPolicy.tls.caCertificates']);
  });
  test('IST0130 / IST0131: unreachable and shadowed rules', () => {
    expect(found([...base, vs('a', {
      hosts: ['a'],
      http: [
        { match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'a', subset: 'v1' } }] },
        { match: [{ uri: { prefix: '/api' } }], route: [{ destination: { host: 'a', subset: 'v2' } }] },
        { route: [{ destination: { host: 'a', subset: 'v1' } }] },
        { match: [{ uri: { exact: '/x' } }], route: [{ destination: { host: 'a', subset: 'v2' } }] },
      ],
    })])).toEqual(['IST0131 VirtualService/a spec.http[1].match', 'IST0130 VirtualService/a spec.http[3]']);
  });
  test('a match field written without a value (YAML `x:`, null) is no condition, and never an exception', () => {
    const rules = (second: any) => vs('a', {
      hosts: ['a'],
      http: [
        { match: [{ headers: { x: { exact: '1' } } }], route: [{ destination: { host: 'a', subset: 'v1' } }] },
        { match: [second], route: [{ destination: { host: 'a', subset: 'v2' } }] },
      ],
    });
    // x: null in the second rule is no header condition: it is not covered by the first, so not shadowed.
    expect(found([...base, rules({ headers: { x: null } })]).filter(f => /IST013[01]/.test(f))).toEqual([]);
    // With the same condition as the first and a null beside it, which the API server prunes, it is the
    // first rule's match again: a rule whose every match an earlier rule has is unreachable (as in istioctl).
    expect(found([...base, rules({ headers: { x: { exact: '1' }, y: null } })]).filter(f => /IST013[01]/.test(f))).toEqual(['IST0130 VirtualService/a spec.http[1].match']);
    // With a condition more than the first's it takes only requests the first takes (shadowed); with another one, it is not.
    expect(found([...base, rules({ headers: { x: { exact: '1' }, y: { exact: '2' } } })]).filter(f => /IST013[01]/.test(f))).toEqual(['IST0131 VirtualService/a spec.http[1].match']);
    expect(found([...base, rules({ headers: { y: { exact: '2' } } })]).filter(f => /IST013[01]/.test(f))).toEqual([]);
  });
  test('IST0132: VirtualService host not served by its Gateway', () => {
    expect(found([...base, gw('gw', [http80(['foo.example.com'])]), vs('a', { hosts: ['bar.example.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'a' } }] }] })]))
      .toEqual(['IST0132 VirtualService/a spec.hosts']);
  });
  test('IST0145: two Gateways with the same selector, port and host', () => {
    expect(found([gw('one', [http80(['shop.example.com'])]), gw('two', [http80(['shop.example.com', 'x.example.com'])])])).toEqual(['IST0145 Gateway/two spec.servers']);
    expect(found([gw('one', [http80(['shop.example.com'])]), gw('two', [http80(['shop.example.com'])], { istio: 'other' })])).toEqual([]);
  });
  test('IST0162: Gateway port not exposed by the gateway Service in the app', () => {
    const gatewayService = svc('istio-ingressgateway', [{ name: 'http2', port: 80, targetPort: 8080 }], { istio: 'ingressgateway' });
    expect(found([gatewayService, { ...deploy('gw', 'v1'), spec: { template: { metadata: { labels: { istio: 'ingressgateway' } } } } },
      gw('gw', [http80(['*']), { port: { number: 9000, name: 'http-alt', protocol: 'HTTP' }, hosts: ['*'] }])])).toEqual(['IST0162 Gateway/gw spec.servers[1].port.number']);
  });
  test('IST0173: a subset that selects no pods, and IST0174: an unknown host', () => {
    expect(found([...base.slice(0, 3), dr('a', 'a', [{ name: 'v3', labels: { version: 'v3' } }]), dr('b', 'ratings', [])]))
      .toEqual(['IST0173 DestinationRule/a spec.subsets[0].labels', 'IST0174 DestinationRule/b spec.host']);
  });
  test('CIT0001: a Service that selects no pods; CIT0002: overlapping subsets; CIT0004: two DestinationRules for a host', () => {
    expect(found([svc('lonely'), svc('a'), deploy('a', 'v1'), dr('a', 'a', [{ name: 'all', labels: { app: 'a' } }, { name: 'v1', labels: { version: 'v1' } }]), dr('a2', 'a', [])]))
      .toEqual(['CIT0002 DestinationRule/a spec.subsets', 'CIT0004 DestinationRule/a2 spec.host', 'CIT0001 Service/lonely spec.selector']);
  });
  test('CIT0003: a namespace with routed workloads but no injection label; IST0123: two injection labels', () => {
    const namespace = (labels: any) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels } });
    expect(found([namespace({}), ...base])).toEqual(['CIT0003 Namespace/ns metadata.labels']);
    expect(found([namespace({ 'istio-injection': 'enabled' }), ...base])).toEqual([]);
    expect(found([namespace({ 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }), ...base])).toEqual(['IST0123 Namespace/ns metadata.labels']);
  });
  test('adopted workloads and existing services count as known', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    new ExistingService(chart, 'legacy', { versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')] });
    expect(Analysis.findings(chart)).toEqual([]);
  });
});

describe('the analysis and the constructs share one syntax', () => {
  test('every GrpcStatus is a status name the analysis accepts (OK is accepted but not offered)', () => {
    expect([...GRPC_STATUS_NAMES].sort()).toEqual(['OK', ...Object.values(GrpcStatus)].sort());
  });
});
