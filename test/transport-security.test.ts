import { ApiObject, App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  Analysis, CanaryService, CircuitBreakerPolicy, ClientTls, ClientTlsMode, ClientTlsPolicy, ExistingService, LoadBalancer, LoadBalancing,
  MeshNamespace, MtlsMode, PeerAuthenticationPolicy, ServiceVersion, TrafficSplit,
} from '../src';
import { only, synthChecked, validateIstioObjects } from './util';

function setup(namespace = 'shop') {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace });
  const svc = new CanaryService(chart, 'reviews', {
    port: 9080,
    versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })),
    traffic: TrafficSplit.canaryPercent(10),
  });
  return { app, chart, svc };
}
const dr = (m: any[]) => only(m, 'DestinationRule', 'reviews');
const pas = (m: any[]) => m.filter(o => o.kind === 'PeerAuthentication');
const codes = (chart: Chart) => Analysis.findings(chart).map(f => f.code);

// Hand-written manifests.
const peerAuthentication = (name: string, ns: string, spec: any) => ({
  apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec,
});

describe('ClientTlsPolicy', () => {
  test('the whole scenario', () => {
    const { chart, svc } = setup();
    new MeshNamespace(chart, 'shop', { mtls: MtlsMode.STRICT });
    new CircuitBreakerPolicy(chart, 'cb', { service: svc, connectionPool: { maxConnections: 100 } });
    new ClientTlsPolicy(chart, 'tls', { service: svc, tls: ClientTls.istioMutual() });
    new ClientTlsPolicy(chart, 'canary-tls', {
      service: svc, version: 'v2', tls: ClientTls.istioMutual({ subjectAltNames: ['spiffe://cluster.local/ns/shop/sa/reviews'] }),
    });
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT, portModes: { 9090: MtlsMode.PERMISSIVE } });
    expect(synthChecked(chart)).toMatchSnapshot();
  });

  test('tls and the circuit breaker of two constructs land in one trafficPolicy', () => {
    const { chart, svc } = setup();
    new CircuitBreakerPolicy(chart, 'cb', { service: svc, connectionPool: { maxConnections: 100 } });
    new ClientTlsPolicy(chart, 'tls', { service: svc, tls: ClientTls.istioMutual() });
    new LoadBalancing(chart, 'lb', { service: svc, loadBalancer: LoadBalancer.leastRequest() });
    const m = synthChecked(chart);
    expect(m.filter(o => o.kind === 'DestinationRule')).toHaveLength(1);
    expect(dr(m).spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 100 } },
      tls: { mode: 'ISTIO_MUTUAL' },
      loadBalancer: { simple: 'LEAST_REQUEST' },
    });
  });

  test('a version gets its own tls on its subset', () => {
    const { chart, svc } = setup();
    new ClientTlsPolicy(chart, 'tls', { service: svc, version: 'v2', tls: ClientTls.disable() });
    new CircuitBreakerPolicy(chart, 'cb', { service: svc, version: 'v2', outlierDetection: { consecutive5xxErrors: 3 } });
    const spec = dr(synthChecked(chart)).spec;
    expect(spec.trafficPolicy).toBeUndefined();
    expect(spec.subsets[0]).toEqual({ name: 'v1', labels: { version: 'v1' } });
    expect(spec.subsets[1]).toEqual({
      name: 'v2', labels: { version: 'v2' }, trafficPolicy: { tls: { mode: 'DISABLE' }, outlierDetection: { consecutive5xxErrors: 3 } },
    });
  });

  test('SIMPLE and MUTUAL towards a service outside the mesh (ExistingService)', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const partner = new ExistingService(chart, 'partner', { port: 443, versions: [ServiceVersion.adopt('v1')] });
    new ClientTlsPolicy(chart, 'tls', {
      service: partner,
      tls: ClientTls.mutual({
        clientCertificate: '/etc/certs/client.pem',
        privateKey: '/etc/certs/key.pem',
        caCertificates: '/etc/certs/ca.pem',
        sni: 'partner.example.com',
        subjectAltNames: ['partner.example.com'],
      }),
    });
    const legacy = new ExistingService(chart, 'legacy', { versions: [ServiceVersion.adopt('v1')] });
    new ClientTlsPolicy(chart, 'legacy-tls', { service: legacy, tls: ClientTls.simple({ insecureSkipVerify: true }) });
    const vault = new ExistingService(chart, 'vault', { versions: [ServiceVersion.adopt('v1')] });
    new ClientTlsPolicy(chart, 'vault-tls', { service: vault, tls: ClientTls.mutual({ credentialName: 'vault-client', insecureSkipVerify: true }) });
    const m = Testing.synth(chart);
    expect(validateIstioObjects(m)).toEqual([]);
    expect(only(m, 'DestinationRule', 'partner').spec.trafficPolicy).toEqual({
      tls: {
        mode: 'MUTUAL',
        clientCertificate: '/etc/certs/client.pem',
        privateKey: '/etc/certs/key.pem',
        caCertificates: '/etc/certs/ca.pem',
        sni: 'partner.example.com',
        subjectAltNames: ['partner.example.com'],
      },
    });
    expect(only(m, 'DestinationRule', 'legacy').spec.trafficPolicy).toEqual({ tls: { mode: 'SIMPLE', insecureSkipVerify: true } });
    expect(only(m, 'DestinationRule', 'vault').spec.trafficPolicy).toEqual({ tls: { mode: 'MUTUAL', credentialName: 'vault-client', insecureSkipVerify: true } });
    expect(Analysis.findings(chart).filter(f => f.severity === 'error')).toEqual([]);
  });

  test('the mode of a ClientTls', () => {
    expect(ClientTls.istioMutual().mode).toBe(ClientTlsMode.ISTIO_MUTUAL);
    expect(ClientTls.disable().mode).toBe(ClientTlsMode.DISABLE);
    expect(ClientTls.simple().mode).toBe(ClientTlsMode.SIMPLE);
    expect(ClientTls.mutual({ credentialName: 'c' }).mode).toBe(ClientTlsMode.MUTUAL);
    expect(ClientTls.isClientTls(ClientTls.disable())).toBe(true);
    expect(ClientTls.isClientTls({ mode: 'DISABLE' })).toBe(false);
  });

  test('bad input', () => {
    const policy = (tls: any, extra: any = {}) => () => {
      const { chart, svc } = setup();
      new ClientTlsPolicy(chart, 'tls', { service: svc, tls, ...extra });
    };
    expect(policy({ mode: 'DISABLE' })).toThrow(/\[test\/tls\] tls: \{"mode":"DISABLE"\} is not a ClientTls\. Use a ClientTls factory/);
    expect(policy(undefined)).toThrow(/\[test\/tls\] tls: undefined is required\. Use a ClientTls factory/);
    expect(policy(ClientTls.disable(), { version: 'v9' })).toThrow(/\[test\/tls\] version: 'v9' is not a version of service 'reviews'\. Use one of: v1, v2/);
    expect(policy(ClientTls.disable(), { service: {} })).toThrow(/\[test\/tls\] service: \[\] is not a routable service\. Pass a CanaryService/);
    // MUTUAL needs a client certificate, from a secret or both files.
    expect(policy(ClientTls.mutual({}))).toThrow(/\[test\/tls\] tls: 'MUTUAL' has no client certificate.*\. Set credentialName to the secret/);
    expect(policy(ClientTls.mutual({ clientCertificate: '/etc/certs/c.pem' })))
      .toThrow(/\[test\/tls\] tls\.privateKey: undefined is missing while clientCertificate is set.*\. Set privateKey too/);
    expect(policy(ClientTls.mutual({ privateKey: '/etc/certs/k.pem' })))
      .toThrow(/\[test\/tls\] tls\.clientCertificate: undefined is missing while privateKey is set.*\. Set clientCertificate too/);
    // The secret and the files are exclusive.
    expect(policy(ClientTls.mutual({ credentialName: 'cert', clientCertificate: '/c.pem', privateKey: '/k.pem' })))
      .toThrow(/\[test\/tls\] tls\.credentialName: 'cert' is set together with certificate files \(clientCertificate, privateKey\)\. Use either the Kubernetes secret/);
    expect(policy(ClientTls.simple({ credentialName: 'cert', caCertificates: '/ca.pem' }))).toThrow(/tls\.credentialName: 'cert' is set together with certificate files \(caCertificates\)/);
    expect(policy(ClientTls.simple({ credentialName: 'Not_A_Secret' })))
      .toThrow(/\[test\/tls\] tls\.credentialName: 'Not_A_Secret' is not a Kubernetes secret name \(DNS-1123 subdomain\)\. Name the secret/);
    // File paths are absolute paths in the sidecar.
    expect(policy(ClientTls.simple({ caCertificates: 'certs/ca.pem' })))
      .toThrow(/\[test\/tls\] tls\.caCertificates: 'certs\/ca\.pem' is not an absolute file path in the sidecar\. Give the path where the file is mounted/);
    expect(policy(ClientTls.mutual({ clientCertificate: '/etc/certs/', privateKey: '/k.pem' }))).toThrow(/tls\.clientCertificate: '\/etc\/certs\/' is not an absolute file path/);
    // SNI is a DNS name.
    for (const sni of ['*.example.com', '10.0.0.1', 'https://api.example.com', 'api.example.com:443', '']) {
      expect(policy(ClientTls.simple({ sni, insecureSkipVerify: true }))).toThrow(/\[test\/tls\] tls\.sni: .* is not a DNS name .*\. Use the server's host name/);
    }
    // Subject alternative names are non-empty strings.
    expect(policy(ClientTls.simple({ subjectAltNames: [] }))).toThrow(/\[test\/tls\] tls\.subjectAltNames: \[\] is empty\. Leave it out, or list the names/);
    expect(policy(ClientTls.istioMutual({ subjectAltNames: ['ok', ' '] })))
      .toThrow(/\[test\/tls\] tls\.subjectAltNames\[1\]: ' ' is not a name \(empty, or with white space\)\. Use a DNS name or URI/);
    expect(policy(ClientTls.simple({ subjectAltNames: [''] }))).toThrow(/tls\.subjectAltNames\[0\]: '' is not a name/);
    // Skipping verification contradicts what verifies.
    expect(policy(ClientTls.simple({ insecureSkipVerify: true, caCertificates: '/ca.pem' })))
      .toThrow(/\[test\/tls\] tls\.insecureSkipVerify: true contradicts caCertificates, which verify the server certificate\. Remove insecureSkipVerify/);
    expect(policy(ClientTls.simple({ insecureSkipVerify: true, credentialName: 'ca' }))).toThrow(/tls\.insecureSkipVerify: true contradicts credentialName/);
    expect(policy(ClientTls.mutual({ insecureSkipVerify: true, credentialName: 'c', subjectAltNames: ['a'] }))).toThrow(/tls\.insecureSkipVerify: true contradicts subjectAltNames/);
  });

  test('bad options of the factories', () => {
    expect(() => ClientTls.simple({ credentialNme: 'x' } as any))
      .toThrow(/\[ClientTls\.simple\] options\.credentialNme: 'x' is not a field of SimpleTlsOptions\. Use one of: credentialName/);
    expect(() => ClientTls.mutual(null as any)).toThrow(/\[ClientTls\.mutual\] options: null is not a MutualTlsOptions object\. Pass the MutualTlsOptions/);
    expect(() => ClientTls.istioMutual({ subjectAltNames: 'spiffe://x' } as any))
      .toThrow(/\[ClientTls\.istioMutual\] options\.subjectAltNames: 'spiffe:\/\/x' is not a list\. Pass a list/);
    expect(() => ClientTls.simple({ insecureSkipVerify: 'yes' } as any)).toThrow(/\[ClientTls\.simple\] options\.insecureSkipVerify: 'yes' is not true or false\. Pass true or false/);
    expect(() => ClientTls.istioMutual({ clientCertificate: '/c.pem' } as any)).toThrow(/options\.clientCertificate: '\/c\.pem' is not a field of IstioMutualTlsOptions/);
  });

  test('one tls per service or version (as every traffic-policy field)', () => {
    const { chart, svc } = setup();
    new ClientTlsPolicy(chart, 'tls', { service: svc, tls: ClientTls.istioMutual() });
    new ClientTlsPolicy(chart, 'canary-tls', { service: svc, version: 'v2', tls: ClientTls.disable() });
    expect(() => new ClientTlsPolicy(chart, 'again', { service: svc, tls: ClientTls.disable() }))
      .toThrow(/\[test\/again\] tls: host 'reviews' already has a tls from test\/tls .*\. One tls per service or version: change that construct instead/);
  });
});

describe('PeerAuthentication', () => {
  test('a service\'s workloads: selector, mode and port-level modes', () => {
    const { chart, svc } = setup();
    const pa = new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT, portModes: { 9090: MtlsMode.PERMISSIVE, 15020: MtlsMode.DISABLE } });
    const m = synthChecked(chart);
    expect(pas(m)).toEqual([{
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'reviews' } },
        mtls: { mode: 'STRICT' },
        portLevelMtls: { 9090: { mode: 'PERMISSIVE' }, 15020: { mode: 'DISABLE' } },
      },
    }]);
    expect(pa.peerAuthentication.kind).toBe('PeerAuthentication');
  });

  test('without port modes, for an ExistingService', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'legacy' });
    const legacy = new ExistingService(chart, 'legacy', { versions: [ServiceVersion.adopt('v1')] });
    new PeerAuthenticationPolicy(chart, 'pa', { service: legacy, mode: MtlsMode.PERMISSIVE });
    const m = Testing.synth(chart);
    expect(validateIstioObjects(m)).toEqual([]);
    expect(only(m, 'PeerAuthentication', 'legacy').spec).toEqual({ selector: { matchLabels: { app: 'legacy' } }, mtls: { mode: 'PERMISSIVE' } });
  });

  test('namespace-wide, from MeshNamespace: named default, no selector, applied after the Namespace', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const ns = new MeshNamespace(chart, 'shop', { mtls: MtlsMode.STRICT });
    new MeshNamespace(chart, 'plain');
    const m = synthChecked(chart);
    expect(pas(m)).toEqual([{
      apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' }, spec: { mtls: { mode: 'STRICT' } },
    }]);
    expect(m.findIndex(o => o.kind === 'Namespace')).toBeLessThan(m.findIndex(o => o.kind === 'PeerAuthentication'));
    expect(ns.peerAuthentication?.metadata.name).toBe('default');
  });

  test('bad input', () => {
    const policy = (props: any) => () => {
      const { chart, svc } = setup();
      new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT, ...props });
    };
    expect(policy({ mode: 'strict' })).toThrow(/\[test\/pa\] mode: 'strict' is not a MtlsMode\. Use one of MtlsMode\.STRICT, MtlsMode\.PERMISSIVE, MtlsMode\.DISABLE/);
    expect(policy({ mode: undefined })).toThrow(/\[test\/pa\] mode: undefined is required\. Use one of MtlsMode\.STRICT/);
    expect(policy({ portModes: { 9090: 'OFF' } })).toThrow(/\[test\/pa\] portModes\["9090"\]: 'OFF' is not a MtlsMode\. Use one of MtlsMode\.STRICT/);
    expect(policy({ portModes: {} })).toThrow(/\[test\/pa\] portModes: \{\} is empty \(the CRD requires at least one port\)\. Leave portModes out/);
    for (const port of ['http', '0', '65536', '-1', '80.5']) {
      expect(policy({ portModes: { [port]: MtlsMode.DISABLE } }))
        .toThrow(new RegExp(`\\[test/pa\\] portModes\\["${port.replace('.', '\\.')}"\\]: '${port.replace('.', '\\.')}' is not a port number\\. Key each mode by the port number the container listens on`));
    }
    expect(policy({ service: { name: 'x' } })).toThrow(/\[test\/pa\] service: \["name"\] is not a routable service\. Pass a CanaryService/);
    expect(policy({ selector: { app: 'x' } })).toThrow(/\[test\/pa\] selector: .* is not a field of PeerAuthenticationPolicyProps\. Use one of: service, mode, portModes/);
    expect(() => new MeshNamespace(new Chart(Testing.app(), 'test'), 'shop', { mtls: 'ON' as any }))
      .toThrow(/\[test\/shop\] mtls: 'ON' is not a MtlsMode\. Use one of MtlsMode\.STRICT/);
  });

  test('one PeerAuthentication per service, one namespace-wide per namespace (the second fails, naming both)', () => {
    const { chart, svc } = setup();
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT });
    expect(() => new PeerAuthenticationPolicy(chart, 'pa2', { service: svc, mode: MtlsMode.PERMISSIVE }))
      .toThrow(/\[test\/pa2\] service: service 'reviews' in namespace 'shop' already has a PeerAuthentication from test\/pa; .*\(CIT0012\)\. Use one PeerAuthenticationPolicy per service/);
    new MeshNamespace(chart, 'shop', { mtls: MtlsMode.STRICT });
    expect(() => new MeshNamespace(chart, 'shop-again', { name: 'shop', mtls: MtlsMode.PERMISSIVE }))
      .toThrow(/\[test\/shop-again\] mtls: namespace 'shop' already has a namespace-wide PeerAuthentication from test\/shop; .*\(CIT0012\)\. Set the mode on one of them only/);
  });
});

describe('conflicts between client TLS and server mTLS', () => {
  test('DISABLE towards a namespace in STRICT mode fails the synth, naming both constructs', () => {
    const { chart, svc } = setup();
    new MeshNamespace(chart, 'shop', { mtls: MtlsMode.STRICT });
    new ClientTlsPolicy(chart, 'plain', { service: svc, tls: ClientTls.disable() });
    expect(() => Testing.synth(chart)).toThrow(
      /\[test\/plain\] tls\.mode: 'DISABLE' sends plain text to 'reviews', whose workloads accept only Istio mutual TLS \(STRICT, from test\/shop\): every call fails \(CIT0010\)\. Use ClientTls\.istioMutual\(\)/);
  });

  test('in any order: the server side declared after the client', () => {
    const { chart, svc } = setup();
    new ClientTlsPolicy(chart, 'plain', { service: svc, version: 'v2', tls: ClientTls.disable() });
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/plain\] tls\.mode: 'DISABLE' .*\(STRICT, from test\/pa\): every call fails \(CIT0010\)/);
  });

  test('SIMPLE / MUTUAL towards STRICT fail too', () => {
    const { chart, svc } = setup();
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT });
    new ClientTlsPolicy(chart, 'own', { service: svc, tls: ClientTls.simple({ insecureSkipVerify: true }) });
    expect(() => Testing.synth(chart)).toThrow(/tls\.mode: 'SIMPLE' sends SIMPLE TLS with certificates of its own to 'reviews'/);
  });

  test('a port in STRICT mode on a PERMISSIVE workload', () => {
    const { chart, svc } = setup();
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.PERMISSIVE, portModes: { 9080: MtlsMode.STRICT } });
    new ClientTlsPolicy(chart, 'plain', { service: svc, tls: ClientTls.disable() });
    expect(() => Testing.synth(chart)).toThrow(/accept only Istio mutual TLS on container port 9080 \(STRICT, from test\/pa\)/);
  });

  test('ISTIO_MUTUAL towards DISABLE fails', () => {
    const { chart, svc } = setup();
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.DISABLE });
    new ClientTlsPolicy(chart, 'mtls', { service: svc, tls: ClientTls.istioMutual() });
    expect(() => Testing.synth(chart)).toThrow(
      /\[test\/mtls\] tls\.mode: 'ISTIO_MUTUAL' sends Istio mutual TLS to 'reviews', whose workloads accept only plain text \(DISABLE, from test\/pa\).*\. Use ClientTls\.disable\(\)/);
  });

  test('the service\'s own PeerAuthentication overrides its namespace\'s', () => {
    const { chart, svc } = setup();
    new MeshNamespace(chart, 'shop', { mtls: MtlsMode.STRICT });
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.PERMISSIVE });
    new ClientTlsPolicy(chart, 'plain', { service: svc, tls: ClientTls.disable() });
    expect(pas(synthChecked(chart))).toHaveLength(2);
    expect(codes(chart)).not.toContain('CIT0010');
  });

  test('compatible modes pass', () => {
    const { chart, svc } = setup();
    new MeshNamespace(chart, 'shop', { mtls: MtlsMode.STRICT });
    new ClientTlsPolicy(chart, 'mtls', { service: svc, tls: ClientTls.istioMutual() });
    expect(() => synthChecked(chart)).not.toThrow();
    expect(Analysis.findings(chart).filter(f => f.severity === 'error')).toEqual([]);
  });

  test('a hand-written PeerAuthentication against a library ClientTlsPolicy', () => {
    const { chart, svc } = setup();
    new ApiObject(chart, 'pa', peerAuthentication('reviews', 'shop', { selector: { matchLabels: { app: 'reviews' } }, mtls: { mode: 'STRICT' } }));
    new ClientTlsPolicy(chart, 'plain', { service: svc, version: 'v2', tls: ClientTls.disable() });
    expect(() => Testing.synth(chart)).toThrow(/\[CIT0010\] \[test\/reviews\/DestinationRule\] DestinationRule shop\/reviews spec\.subsets\[1\]\.trafficPolicy\.tls\.mode: "DISABLE" - sends plain text to Deployment\/reviews-v2/);
  });

  test('ISTIO_MUTUAL towards a namespace without sidecar injection', () => {
    const { chart, svc } = setup();
    new kplus.Namespace(chart, 'ns', { metadata: { name: 'shop' } });
    new ClientTlsPolicy(chart, 'mtls', { service: svc, tls: ClientTls.istioMutual() });
    expect(() => Testing.synth(chart)).toThrow(
      /\[CIT0011\] \[test\/reviews\/DestinationRule\] DestinationRule shop\/reviews spec\.trafficPolicy\.tls\.mode: "ISTIO_MUTUAL" - sends Istio mutual TLS to host reviews\.shop\.svc\.cluster\.local, but Namespace shop \(test\/ns\/Resource\) has no sidecar injection label.*Fix: Label Namespace shop istio-injection=enabled/);
  });
});

describe('the analysis of a library chart\'s transport security', () => {
  test('a library chart with a port mode on the Service port fails the synth', () => {
    const app = new App();
    const chart = new Chart(app, 'test', { namespace: 'shop' });
    const svc = new CanaryService(chart, 'web', { port: 80, targetPort: 8080, versions: [ServiceVersion.deploy('v1', { image: 'web:1' })] });
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT, portModes: { 80: MtlsMode.PERMISSIVE } });
    expect(() => Testing.synth(chart)).toThrow(/\[CIT0013\] \[test\/pa\/PeerAuthentication\] PeerAuthentication shop\/web spec\.portLevelMtls\["80"\]: "80" - is the Service port.*Fix: Key the mode by the target port 8080/);
  });
});

test('the synth-time CRD check covers PeerAuthentication (schema and CEL rules)', () => {
  const f = Analysis.analyzeManifests([peerAuthentication('a', 'shop', { mtls: { mode: 'STRICT' }, portLevelMtls: { 0: { mode: 'BAD' } } })]);
  expect(f.map(x => [x.code, x.field])).toEqual(expect.arrayContaining([
    ['IST0106', 'spec.portLevelMtls.0.mode'],
    ['IST0106', 'spec'],
    ['IST0106', 'spec.portLevelMtls'],
  ]));
});

describe('PeerAuthenticationPolicy: boundaries found by mutation testing', () => {
  const policy = (portModes: any) => () => {
    const { chart, svc } = setup();
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT, portModes });
    return chart;
  };

  test('a port key is decimal digits only: no sign, white space, hex or exponent', () => {
    for (const key of [' 9090', '9090 ', '+80', '0x50', '1e3', '']) {
      expect(policy({ [key]: MtlsMode.DISABLE })).toThrow(new RegExp(`^\\[test/pa\\] portModes\\[${JSON.stringify(key).replace(/[+]/g, '\\+')}\\]: .* is not a port number\\. `
        + 'Key each mode by the port number the container listens on \\(1 to 65535\\), e\\.g\\. \\{ 9090: MtlsMode\\.PERMISSIVE \\}'));
    }
    expect(policy({})).toThrow(/^\[test\/pa\] portModes: \{\} is empty \(the CRD requires at least one port\)\. Leave portModes out, or name a container port/);
  });

  test('port keys are written as numbers (leading zeros dropped), from 1 to 65535', () => {
    const chart = policy({ '09090': MtlsMode.PERMISSIVE, '1': MtlsMode.DISABLE, '65535': MtlsMode.STRICT })();
    expect(pas(Testing.synth(chart))[0].spec.portLevelMtls).toEqual({ 9090: { mode: 'PERMISSIVE' }, 1: { mode: 'DISABLE' }, 65535: { mode: 'STRICT' } });
  });

  test('the port modes reach the client TLS check, keyed by the normalized port', () => {
    const chart = policy({ '09080': MtlsMode.DISABLE })();
    const svc = chart.node.findChild('reviews') as CanaryService;
    new ClientTlsPolicy(chart, 'mtls', { service: svc, tls: ClientTls.istioMutual() });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/mtls\] tls\.mode: 'ISTIO_MUTUAL' sends Istio mutual TLS to 'reviews', whose workloads accept only plain text on container port 9080 \(DISABLE, from test\/pa\)/);
  });
});

describe('port-level modes decide the ports they name', () => {
  test('STRICT for the workload but PERMISSIVE on the only port the pods listen on: plain text works there, the synth passes', () => {
    const { chart, svc } = setup();
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT, portModes: { 9080: MtlsMode.PERMISSIVE } });
    new ClientTlsPolicy(chart, 'plain', { service: svc, tls: ClientTls.disable() });
    const m = Testing.synth(chart);
    expect(dr(m).spec.trafficPolicy.tls).toEqual({ mode: 'DISABLE' });
    expect(codes(chart)).not.toContain('CIT0010');
  });

  test('STRICT for the workload with a PERMISSIVE port the pods do not listen on: the analysis finds the STRICT target port', () => {
    const { chart, svc } = setup();
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT, portModes: { 9090: MtlsMode.PERMISSIVE } });
    new ClientTlsPolicy(chart, 'plain', { service: svc, tls: ClientTls.disable() });
    expect(() => Testing.synth(chart)).toThrow(/\[CIT0010\]/);
  });
});

describe('ClientTls: boundaries found by mutation testing', () => {
  const render = (tls: ClientTls) => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const partner = new ExistingService(chart, 'partner', { port: 443, versions: [ServiceVersion.adopt('v1')] });
    new ClientTlsPolicy(chart, 'tls', { service: partner, tls });
    return only(Testing.synth(chart), 'DestinationRule', 'partner').spec.trafficPolicy.tls;
  };

  test('isClientTls: false for null, primitives and plain objects (without throwing)', () => {
    for (const x of [null, undefined, 'DISABLE', 1, {}, { mode: 'SIMPLE', _render: () => ({}) }]) {
      expect(ClientTls.isClientTls(x)).toBe(false);
    }
    for (const tls of [ClientTls.istioMutual(), ClientTls.simple(), ClientTls.mutual({ credentialName: 'c' })]) {
      expect(ClientTls.isClientTls(tls)).toBe(true);
    }
  });

  test('factories refuse options that are not an object, showing an example', () => {
    expect(() => ClientTls.istioMutual(null as any))
      .toThrow(/^\[ClientTls\.istioMutual\] options: null is not an IstioMutualTlsOptions object\. Pass the IstioMutualTlsOptions, e\.g\. \{ sni: 'reviews\.shop' \}$/);
    expect(() => ClientTls.simple(null as any)).toThrow(
      /^\[ClientTls\.simple\] options: null is not a SimpleTlsOptions object\. Pass the SimpleTlsOptions, e\.g\. \{ caCertificates: '\/etc\/certs\/ca\.pem', sni: 'api\.example\.com' \}$/);
    expect(() => ClientTls.mutual(null as any))
      .toThrow(/^\[ClientTls\.mutual\] options: null is not a MutualTlsOptions object\. Pass the MutualTlsOptions, e\.g\. \{ credentialName: 'partner-client-cert' \}$/);
  });

  test('every field given is written, false included; none that is not', () => {
    expect(render(ClientTls.simple({ credentialName: 'partner-ca', sni: 'api.example.com', subjectAltNames: ['a.example.com', 'b'], insecureSkipVerify: false })))
      .toEqual({ mode: 'SIMPLE', credentialName: 'partner-ca', sni: 'api.example.com', subjectAltNames: ['a.example.com', 'b'], insecureSkipVerify: false });
    expect(render(ClientTls.simple({ caCertificates: '/etc/certs/ca.pem' }))).toEqual({ mode: 'SIMPLE', caCertificates: '/etc/certs/ca.pem' });
    expect(render(ClientTls.simple())).toEqual({ mode: 'SIMPLE' });
    expect(render(ClientTls.istioMutual({ sni: 'partner.shop' }))).toEqual({ mode: 'ISTIO_MUTUAL', sni: 'partner.shop' });
    expect(render(ClientTls.mutual({ clientCertificate: '/c.pem', privateKey: '/k.pem' }))).toEqual({ mode: 'MUTUAL', clientCertificate: '/c.pem', privateKey: '/k.pem' });
  });

  test('file paths: absolute, without white space, not ending in /', () => {
    for (const path of ['/etc/my certs/ca.pem', '/etc/certs/ca.pem ', ' /etc/ca.pem', '/a\tb', '/', '/etc/certs/', 'ca.pem', 'x/ca.pem']) {
      expect(() => render(ClientTls.simple({ caCertificates: path }))).toThrow(new RegExp('^\\[test/tls\\] tls\\.caCertificates: .* is not an absolute file path in the sidecar\\. '
        + "Give the path where the file is mounted in the sidecar \\(e\\.g\\. '/etc/certs/client\\.pem', mounted with the sidecar\\.istio\\.io/userVolumeMount annotation\\), or use credentialName"));
    }
    expect(() => render(ClientTls.mutual({ clientCertificate: '/c.pem', privateKey: 'k.pem' }))).toThrow(/tls\.privateKey: 'k\.pem' is not an absolute file path/);
    expect(render(ClientTls.simple({ caCertificates: '/a' }))).toEqual({ mode: 'SIMPLE', caCertificates: '/a' });
  });

  test('credentialName: a secret name; exclusive with the files, which it names', () => {
    expect(() => render(ClientTls.simple({ credentialName: 'Not_A_Secret' }))).toThrow(
      /^\[test\/tls\] tls\.credentialName: 'Not_A_Secret' is not a Kubernetes secret name \(DNS-1123 subdomain\)\. Name the secret with lowercase letters, digits, '-' and '\.', e\.g\. 'partner-client-cert'/);
    expect(() => render(ClientTls.mutual({ credentialName: 'cert', privateKey: '/k.pem' })))
      .toThrow(/^\[test\/tls\] tls\.credentialName: 'cert' is set together with certificate files \(privateKey\)\. Use either the Kubernetes secret \(credentialName\) or the file paths, not both/);
  });

  test('MUTUAL: a secret alone, or both files; each missing file named with its fix', () => {
    expect(render(ClientTls.mutual({ credentialName: 'cert' }))).toEqual({ mode: 'MUTUAL', credentialName: 'cert' });
    expect(() => render(ClientTls.mutual({}))).toThrow(/^\[test\/tls\] tls: 'MUTUAL' has no client certificate: neither credentialName nor clientCertificate and privateKey are set\. /);
    expect(() => render(ClientTls.mutual({ clientCertificate: '/c.pem' })))
      .toThrow(/^\[test\/tls\] tls\.privateKey: undefined is missing while clientCertificate is set: MUTUAL TLS needs both the certificate and its key\. Set privateKey too, or use credentialName instead of the files/);
    expect(() => render(ClientTls.mutual({ privateKey: '/k.pem' })))
      .toThrow(/^\[test\/tls\] tls\.clientCertificate: undefined is missing while privateKey is set: .*\. Set clientCertificate too, or use credentialName instead of the files/);
  });

  test('sni: a DNS name of labels of either case, a trailing dot allowed, at most 253 characters, not all digits', () => {
    const label = 'a'.repeat(63);
    const long253 = [label, label, label, 'b'.repeat(61)].join('.');
    for (const sni of ['API.Example.com', 'api.example.com.', '3com.example', 'web1', 'db.v2', 'a', long253]) {
      expect(render(ClientTls.simple({ sni })).sni).toBe(sni);
    }
    for (const sni of ['.', `${long253}c`, '123', '1.2', 'a..b', '-a.com']) {
      expect(() => render(ClientTls.simple({ sni }))).toThrow(/^\[test\/tls\] tls\.sni: .* is not a DNS name \(SNI carries a host name: no wildcard, IP address, port or scheme\)\. Use the server's host name, e\.g\. 'api\.example\.com'/);
    }
  });

  test('subjectAltNames: a name with white space or NUL inside is refused', () => {
    for (const name of ['api example.com', 'a\tb', 'a\0b']) {
      expect(() => render(ClientTls.simple({ subjectAltNames: ['ok', name] })))
        .toThrow(/^\[test\/tls\] tls\.subjectAltNames\[1\]: .* is not a name \(empty, or with white space\)\. Use a DNS name or URI the certificate holds, e\.g\. 'api\.example\.com' or 'spiffe:\/\/cluster\.local\/ns\/shop\/sa\/reviews'/);
    }
    expect(() => render(ClientTls.simple({ subjectAltNames: [] }))).toThrow(/^\[test\/tls\] tls\.subjectAltNames: \[\] is empty\. Leave it out, or list the names the server certificate must hold/);
  });

  test('insecureSkipVerify: names every verifying field; credentialName verifies only for SIMPLE; false contradicts nothing', () => {
    expect(() => render(ClientTls.simple({ insecureSkipVerify: true, caCertificates: '/ca.pem', subjectAltNames: ['a'] }))).toThrow(
      /^\[test\/tls\] tls\.insecureSkipVerify: true contradicts caCertificates and subjectAltNames, which verify the server certificate\. Remove insecureSkipVerify \(verification is what those fields are for\), or remove them/);
    expect(render(ClientTls.mutual({ insecureSkipVerify: true, credentialName: 'client' }))).toEqual({ mode: 'MUTUAL', credentialName: 'client', insecureSkipVerify: true });
    expect(render(ClientTls.simple({ insecureSkipVerify: false, caCertificates: '/ca.pem' }))).toEqual({ mode: 'SIMPLE', caCertificates: '/ca.pem', insecureSkipVerify: false });
  });

  test('the conflict message names the mode, the port and the fix', () => {
    const { chart, svc } = setup();
    new PeerAuthenticationPolicy(chart, 'pa', { service: svc, mode: MtlsMode.STRICT });
    new ClientTlsPolicy(chart, 'own', { service: svc, tls: ClientTls.mutual({ credentialName: 'c' }) });
    expect(() => Testing.synth(chart)).toThrow(/^ *\[test\/own\] tls\.mode: 'MUTUAL' sends MUTUAL TLS with certificates of its own to 'reviews', whose workloads accept only Istio mutual TLS \(STRICT, from test\/pa\): every call fails \(CIT0010\)\. Use ClientTls\.istioMutual\(\) \(or no ClientTlsPolicy: Istio picks mutual TLS itself\), or make the server side PERMISSIVE$/m);
    const second = setup();
    new PeerAuthenticationPolicy(second.chart, 'pa', { service: second.svc, mode: MtlsMode.PERMISSIVE, portModes: { 9080: MtlsMode.DISABLE } });
    new ClientTlsPolicy(second.chart, 'mtls', { service: second.svc, tls: ClientTls.istioMutual() });
    expect(() => Testing.synth(second.chart)).toThrow(/^ *\[test\/mtls\] tls\.mode: 'ISTIO_MUTUAL' sends Istio mutual TLS to 'reviews', whose workloads accept only plain text on container port 9080 \(DISABLE, from test\/pa\): every call fails \(CIT0010\)\. Use ClientTls\.disable\(\) \(or no ClientTlsPolicy: Istio detects plain-text servers itself\), or make the server side PERMISSIVE or STRICT$/m);
  });
});
