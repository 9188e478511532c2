import { ApiObject, Chart, Testing } from 'cdk8s';
import { Analysis, CanaryService, ExistingService, Finding, GrpcStatus, ServiceVersion, Severity, TrafficSplit } from '../src';
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
