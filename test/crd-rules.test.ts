// The CRDs' own rules, evaluated: hand-written Istio objects that break the pinned CRDs'
// openAPIV3Schema (a type, an enum, a required field, an unknown field, list keys) or one of their CEL
// rules (`x-kubernetes-validations`) fail the synth with an IST0106 finding that names the construct,
// the field and what the CRD requires; the library's own objects pass.
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { buildBffRecommendation } from '../examples/bff-recommendation/app';
import { buildBookinfo } from '../examples/bookinfo/app';
import { buildFleetman } from '../examples/fleetman/app';
import { buildProductCatalogCanary } from '../examples/productcatalog-canary/app';
import { buildRecommendationCanary } from '../examples/recommendation-canary/app';
import { Analysis, CanaryService, Finding, Severity, TrafficSplit } from '../src';
import { crdChecks, crdIndex, CrdRules, crdRuleViolations, goRequestUri, RuleNode } from '../src/analysis/crd-rules';
import { Reporter } from '../src/analysis/findings';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require('../scripts/compile-crd-rules.js') as { ruleTree: (schema: any, at: string, where: string, skipped: any[]) => any };

const NETWORKING = 'networking.istio.io/v1';
const SECURITY = 'security.istio.io/v1';

/** A chart with one hand-written object (construct path `test/handwritten`), analysed at synth. */
function chartWith(apiVersion: string, kind: string, spec: any): Chart {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
  Analysis.enableFor(chart);
  new ApiObject(chart, 'handwritten', { apiVersion, kind, metadata: { name: 'x', namespace: 'shop' }, spec });
  return chart;
}

/** The error findings of a chart (a hand-written DestinationRule alone also has an IST0174 warning). */
function errors(chart: Chart): Finding[] {
  return Analysis.findings(chart).filter(f => f.severity === Severity.ERROR);
}

/** The error message of a synth that must fail. */
function synthError(chart: Chart): string {
  try {
    Testing.synth(chart);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the synth did not fail');
}

/**
 * Asserts that the synth fails with exactly one IST0106 finding at `field` on the hand-written object,
 * whose fix is `fix`, and returns it.
 */
function expectRejected(chart: Chart, kind: string, field: string, fix: string): Finding {
  const message = synthError(chart);
  expect(message).toContain(`[IST0106] [test/handwritten] ${kind} shop/x ${field}`);
  expect(message).toContain(`Fix: ${fix}`);
  const at = Analysis.findings(chart).filter(f => f.field === field);
  expect(at).toHaveLength(1);
  expect(at[0]).toMatchObject({ code: 'IST0106', severity: Severity.ERROR, constructPath: 'test/handwritten', kind, name: 'x', namespace: 'shop', fix });
  return at[0];
}

describe("the CRDs' structural schema", () => {
  test('a type: exportTo is a list of strings', () => {
    const chart = chartWith(NETWORKING, 'VirtualService', { hosts: ['reviews'], exportTo: '.', http: [{ route: [{ destination: { host: 'reviews' } }] }] });
    const f = expectRejected(chart, 'VirtualService', 'spec.exportTo', 'What the CRD requires: a list');
    expect(f).toMatchObject({ value: '"."', message: 'is a string, not a list' });
  });

  test('an enum: the simple load balancer', () => {
    const chart = chartWith(NETWORKING, 'DestinationRule', { host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBBIN' } } });
    const f = expectRejected(chart, 'DestinationRule', 'spec.trafficPolicy.loadBalancer.simple',
      'What the CRD requires: one of UNSPECIFIED, LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST');
    expect(f).toMatchObject({ value: '"ROUND_ROBBIN"', message: 'is not one of the values the CRD allows' });
  });

  test('a required field: the name of a ServiceEntry port', () => {
    const chart = chartWith(NETWORKING, 'ServiceEntry', { hosts: ['api.example.com'], ports: [{ number: 443, protocol: 'TLS' }], resolution: 'DNS' });
    const f = expectRejected(chart, 'ServiceEntry', 'spec.ports[0].name', 'What the CRD requires: set name');
    expect(f).toMatchObject({ value: undefined, message: 'is required and missing' });
  });

  test('an unknown field (a misspelt one): rejected, as strict field validation does', () => {
    const chart = chartWith(NETWORKING, 'VirtualService', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subnet: 'v1' } }] }] });
    const f = expectRejected(chart, 'VirtualService', 'spec.http[0].route[0].destination.subnet',
      'What the CRD requires: only the fields its schema defines: remove it, or correct its name');
    expect(f.message).toMatch(/^is not a field of the CRD's schema at spec.http\[0\].route\[0\].destination/);
  });

  test('mutually exclusive fields (oneOf): simple and consistentHash', () => {
    const chart = chartWith(NETWORKING, 'DestinationRule', { host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'RANDOM', consistentHash: { useSourceIp: true } } } });
    // The webhook checks report this one (same field), so the CRD finding is not added twice.
    expect(Analysis.findings(chart).filter(f => f.field === 'spec.trafficPolicy.loadBalancer')).toHaveLength(1);
    // Where the webhook checks say nothing, the oneOf is reported from the schema.
    const hash = chartWith(NETWORKING, 'DestinationRule', { host: 'reviews', trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true, ringHash: {}, maglev: {} } } } });
    const f = expectRejected(hash, 'DestinationRule', 'spec.trafficPolicy.loadBalancer.consistentHash', 'What the CRD requires: at most one of ringHash, maglev');
    expect(f.message).toBe('sets ringHash and maglev, which exclude each other');
  });

  test('a range: an int32 field above 2^31 - 1', () => {
    const chart = chartWith(NETWORKING, 'DestinationRule', { host: 'reviews', trafficPolicy: { connectionPool: { tcp: { maxConnections: 2 ** 31 } } } });
    expectRejected(chart, 'DestinationRule', 'spec.trafficPolicy.connectionPool.tcp.maxConnections', 'What the CRD requires: a number <= 2147483647');
  });

  test('a size: at most two credentials for a Gateway server', () => {
    const chart = chartWith(NETWORKING, 'Gateway', {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialNames: ['rsa', 'ecdsa', 'spare'] } }],
    });
    const f = expectRejected(chart, 'Gateway', 'spec.servers[0].tls.credentialNames', 'What the CRD requires: at most 2 items');
    expect(f.message).toBe('has more than 2 items');
  });

  test('list keys (x-kubernetes-list-type: map): two ServiceEntry ports of one name', () => {
    const chart = chartWith(NETWORKING, 'ServiceEntry', {
      hosts: ['api.example.com'],
      resolution: 'DNS',
      ports: [{ number: 443, name: 'tls', protocol: 'TLS' }, { number: 8443, name: 'tls', protocol: 'TLS' }],
    });
    const f = expectRejected(chart, 'ServiceEntry', 'spec.ports[1]', 'What the CRD requires: one entry per name (the list is a map keyed by name)');
    expect(f.message).toBe('repeats name="tls" of an earlier entry; the list is a map keyed by name');
  });

  test('null fields are absent (the API server prunes them), not type errors', () => {
    const chart = chartWith(NETWORKING, 'DestinationRule', { host: 'reviews', exportTo: null, trafficPolicy: { tls: null, loadBalancer: { simple: 'RANDOM' } } });
    expect(errors(chart)).toEqual([]);
  });
});

/** [rule as the CRD writes it, kind, spec, field, rule message] */
const CEL_CASES: ReadonlyArray<readonly [string, string, string, any, string, string]> = [
  ["duration(self) >= duration('1ms')", NETWORKING, 'DestinationRule',
    { host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST', warmupDurationSecs: '500us' } } },
    'spec.trafficPolicy.loadBalancer.warmupDurationSecs', 'must be a valid duration greater than 1ms'],
  ['self.all(key, !key.contains("*"))', NETWORKING, 'DestinationRule',
    { host: 'reviews', workloadSelector: { matchLabels: { 'app*': 'reviews' } } },
    'spec.workloadSelector.matchLabels', 'wildcard not allowed in label key match'],
  ['self != "*"', NETWORKING, 'ServiceEntry',
    { hosts: ['*'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'DNS' },
    'spec.hosts[0]', 'hostname cannot be wildcard'],
  ['!((has(self.addresses) ? self.addresses : []).exists(k, k.contains("/")) && !((has(self.resolution) ? self.resolution : "NONE") in ["STATIC", "NONE"]))', NETWORKING, 'ServiceEntry',
    { hosts: ['db.example.com'], addresses: ['10.0.0.0/24'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], resolution: 'DNS' },
    'spec', 'CIDR addresses are allowed only for NONE/STATIC resolution types'],
  ['((has(self.resolution) ? self.resolution : "NONE") == "NONE") ? !has(self.endpoints) : true', NETWORKING, 'ServiceEntry',
    { hosts: ['db.example.com'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], endpoints: [{ address: '10.0.0.7' }] },
    'spec', 'NONE mode cannot set endpoints'],
  ['((has(self.resolution) ? self.resolution : "") == "DNS_ROUND_ROBIN") ? ((has(self.endpoints) ? self.endpoints : []).size() <= 1) : true', NETWORKING, 'ServiceEntry',
    { hosts: ['db.example.com'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], resolution: 'DNS_ROUND_ROBIN', endpoints: [{ address: 'a.example.com' }, { address: 'b.example.com' }] },
    'spec', 'DNS_ROUND_ROBIN mode cannot have multiple endpoints'],
  ['self.all(l1, self.exists_one(l2, l1.number == l2.number))', NETWORKING, 'ServiceEntry',
    { hosts: ['api.example.com'], ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }, { number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'DNS' },
    'spec.ports', 'port number cannot be duplicated'],
  ['self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true', NETWORKING, 'WorkloadEntry',
    { address: 'unix://var/run/app.sock' },
    'spec.address', 'UDS must be an absolute path or abstract socket'],
  ['self.all(key, size(key) < 63 && key.matches("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$"))', NETWORKING, 'WorkloadEntry',
    { address: '10.0.0.7', ports: { http_web: 8080 } },
    'spec.ports', 'port name must be valid'],
  ['self.all(key, 0 < int(key) && int(key) <= 65535)', SECURITY, 'PeerAuthentication',
    { selector: { matchLabels: { app: 'reviews' } }, portLevelMtls: { 70000: { mode: 'DISABLE' } } },
    'spec.portLevelMtls', 'port must be between 1-65535'],
  ['has(self.portLevelMtls) ? (((has(self.selector) && has(self.selector.matchLabels)) ? self.selector.matchLabels : {}).size() > 0) : true', SECURITY, 'PeerAuthentication',
    { portLevelMtls: { 8080: { mode: 'DISABLE' } } },
    'spec', 'portLevelMtls requires selector'],
  ['url(self).getScheme() in ["http", "https"]', SECURITY, 'RequestAuthentication',
    { jwtRules: [{ issuer: 'https://issuer.example.com', jwksUri: 'ftp://issuer.example.com/jwks.json' }] },
    'spec.jwtRules[0].jwksUri', 'url must have scheme http:// or https://'],
  ['(has(self.serviceAccounts) || has(self.notServiceAccounts)) ? (!has(self.principals) && !has(self.notPrincipals) && !has(self.namespaces) && !has(self.notNamespaces)) : true', SECURITY, 'AuthorizationPolicy',
    { rules: [{ from: [{ source: { serviceAccounts: ['shop/reviews'], principals: ['cluster.local/ns/shop/sa/reviews'] } }] }] },
    'spec.rules[0].from[0].source', 'Cannot set serviceAccounts with namespaces or principals'],
  ['isURL(self) ? (url(self).getScheme() in ["", "http", "https", "oci", "file"]) : (isURL("http://" + self) && url("http://" + self).getScheme() in ["", "http", "https", "oci", "file"])',
    'extensions.istio.io/v1alpha1', 'WasmPlugin',
    { selector: { matchLabels: { app: 'reviews' } }, url: 'ftp://registry.example.com/filter.wasm' },
    'spec.url', 'url must have schema one of [http, https, file, oci]'],
];

describe("the CRDs' CEL rules (x-kubernetes-validations)", () => {
  test.each(CEL_CASES)('%s', (rule, apiVersion, kind, spec, field, ruleMessage) => {
    const chart = chartWith(apiVersion, kind, spec);
    const f = expectRejected(chart, kind, field, `What the CRD requires: ${ruleMessage}`);
    // The rule as the CRD writes it, on one line.
    expect(f.message).toBe(`${ruleMessage} (the ${kind} CRD's rule \`${rule}\` is false)`);
  });

  test('the same objects without the mistake pass', () => {
    const good: ReadonlyArray<readonly [string, string, any]> = [
      [NETWORKING, 'DestinationRule', { host: 'reviews', workloadSelector: { matchLabels: { app: 'reviews' } }, trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST', warmupDurationSecs: '30s' } } }],
      [NETWORKING, 'ServiceEntry', { hosts: ['db.example.com'], addresses: ['10.0.0.0/24'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }, { number: 5433, name: 'tcp2', protocol: 'TCP' }], resolution: 'STATIC', endpoints: [{ address: '10.0.0.7', ports: { tcp: 5432 } }] }],
      [NETWORKING, 'WorkloadEntry', { address: 'unix:///var/run/app.sock' }],
      [SECURITY, 'PeerAuthentication', { selector: { matchLabels: { app: 'reviews' } }, portLevelMtls: { 8080: { mode: 'DISABLE' } } }],
      [SECURITY, 'RequestAuthentication', { jwtRules: [{ issuer: 'https://issuer.example.com', jwksUri: 'https://issuer.example.com/jwks.json' }] }],
      [SECURITY, 'AuthorizationPolicy', { rules: [{ from: [{ source: { serviceAccounts: ['shop/reviews'] } }] }] }],
      ['extensions.istio.io/v1alpha1', 'WasmPlugin', { selector: { matchLabels: { app: 'reviews' } }, url: 'oci://registry.example.com/filter:v1' }],
    ];
    for (const [apiVersion, kind, spec] of good) {
      expect(errors(chartWith(apiVersion, kind, spec))).toEqual([]);
    }
  });

  test('the value of a rule on a whole spec is the fields the rule reads', () => {
    const [, apiVersion, kind, spec, field] = CEL_CASES[3];
    const f = Analysis.findings(chartWith(apiVersion, kind, spec)).find(x => x.field === field)!;
    expect(f.value).toBe('{"addresses":["10.0.0.0/24"],"resolution":"DNS"}');
  });

  test('a rule that fails to evaluate is reported with the error', () => {
    // int('http') has no value: the API server rejects the object too.
    const chart = chartWith(SECURITY, 'PeerAuthentication', { selector: { matchLabels: { app: 'reviews' } }, portLevelMtls: { http: { mode: 'DISABLE' } } });
    const f = expectRejected(chart, 'PeerAuthentication', 'spec.portLevelMtls', 'What the CRD requires: port must be between 1-65535');
    expect(f.message).toMatch(/^port must be between 1-65535 \(the PeerAuthentication CRD's rule `self.all\(key, 0 < int\(key\) && int\(key\) <= 65535\)` fails: .+\)$/);
  });

  test('a field the webhook checks already report is reported once', () => {
    const chart = chartWith(NETWORKING, 'VirtualService', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }], timeout: '500us' }] });
    const at = Analysis.findings(chart).filter(f => f.field === 'spec.http[0].timeout');
    expect(at).toHaveLength(1);
    expect(at[0].message).toBe('must be at least 1ms and a whole number of milliseconds');
  });

  test('a hand-written object next to the library\'s constructs is checked too; the library\'s objects pass', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    new CanaryService(chart, 'reviews', { port: 9080, stable: { image: 'reviews:v1' }, canary: { image: 'reviews:v2' }, traffic: TrafficSplit.canaryPercent(10) });
    new ApiObject(chart, 'handwritten', {
      apiVersion: NETWORKING,
      kind: 'ServiceEntry',
      metadata: { name: 'x', namespace: 'shop' },
      spec: { hosts: ['*'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'DNS' },
    });
    expectRejected(chart, 'ServiceEntry', 'spec.hosts[0]', 'What the CRD requires: hostname cannot be wildcard');
    expect(errors(chart).map(f => f.constructPath)).toEqual(['test/handwritten']);
  });

  test('every served version of every kind of the bundle is covered, each against its own schema', () => {
    expect(Object.keys(crdIndex().kinds)).toEqual(expect.arrayContaining([
      'networking.istio.io/v1/VirtualService', 'networking.istio.io/v1beta1/VirtualService', 'networking.istio.io/v1alpha3/VirtualService',
      'networking.istio.io/v1/DestinationRule', 'networking.istio.io/v1/Gateway', 'networking.istio.io/v1/ServiceEntry', 'networking.istio.io/v1/Sidecar',
      'networking.istio.io/v1/WorkloadEntry', 'networking.istio.io/v1/WorkloadGroup', 'networking.istio.io/v1alpha3/EnvoyFilter', 'networking.istio.io/v1beta1/ProxyConfig',
      'security.istio.io/v1/AuthorizationPolicy', 'security.istio.io/v1/PeerAuthentication', 'security.istio.io/v1/RequestAuthentication',
      'telemetry.istio.io/v1/Telemetry', 'extensions.istio.io/v1alpha1/WasmPlugin',
    ]));
    // Istio's 33 kind versions, and the 14 of the Gateway API's standard channel.
    expect(Object.keys(crdIndex().kinds).filter(k => /^[a-z]+\.istio\.io\//.test(k))).toHaveLength(33);
    expect(Object.keys(crdIndex().kinds).filter(k => k.startsWith('gateway.networking.k8s.io/')).sort()).toEqual([
      'gateway.networking.k8s.io/v1/BackendTLSPolicy', 'gateway.networking.k8s.io/v1/GRPCRoute', 'gateway.networking.k8s.io/v1/Gateway',
      'gateway.networking.k8s.io/v1/GatewayClass', 'gateway.networking.k8s.io/v1/HTTPRoute', 'gateway.networking.k8s.io/v1/ListenerSet',
      'gateway.networking.k8s.io/v1/ReferenceGrant', 'gateway.networking.k8s.io/v1/TCPRoute', 'gateway.networking.k8s.io/v1/TLSRoute',
      'gateway.networking.k8s.io/v1/UDPRoute', 'gateway.networking.k8s.io/v1beta1/Gateway', 'gateway.networking.k8s.io/v1beta1/GatewayClass',
      'gateway.networking.k8s.io/v1beta1/HTTPRoute', 'gateway.networking.k8s.io/v1beta1/ReferenceGrant',
    ]);
    // And the experimental channel's HTTPRoute (v1, v1beta1), under keys of its own.
    expect(Object.keys(crdIndex().kinds).filter(k => k.startsWith('experimental:')).sort())
      .toEqual(['experimental:gateway.networking.k8s.io/v1/HTTPRoute', 'experimental:gateway.networking.k8s.io/v1beta1/HTTPRoute']);
    expect(Object.keys(crdIndex().kinds)).toHaveLength(49);
    expect(crdIndex().bundles).toEqual(['istio-1.30.3-crd-all.gen.yaml', 'gateway-api-v1.6.1-standard-crds.yaml', 'gateway-api-v1.6.1-experimental-crds.yaml']);
    const chart = chartWith('networking.istio.io/v1beta1', 'Gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], bind: 7 }] });
    expectRejected(chart, 'Gateway', 'spec.servers[0].bind', 'What the CRD requires: a string');
  });
});

describe('transition rules (oldSelf)', () => {
  test('the build leaves them out and lists them as skipped: the bundles have two', () => {
    const skipped: any[] = [];
    const schema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { name: { 'type': 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'name is immutable' }, { rule: 'self.size() < 10', message: 'name is short' }] } },
        },
      },
    };
    const tree = build.ruleTree(schema, '', 'Test example.io/v1', skipped);
    expect(tree).toEqual({ p: { spec: { p: { name: { r: [['self.size() < 10', 'name is short']] } } } } });
    expect(skipped).toEqual([{ crd: 'Test example.io/v1', field: 'spec.name', rule: 'self == oldSelf', message: 'name is immutable' }]);
    // Istio 1.30.3's CRDs have no transition rule; the Gateway API's GatewayClass has one, in both versions.
    expect(crdIndex().skipped).toEqual(['v1', 'v1beta1'].map(v => ({
      crd: `GatewayClass gateway.networking.k8s.io/${v}`, field: 'spec.controllerName', rule: 'self == oldSelf', message: 'Value is immutable',
    })));
  });

  test('the evaluator skips any it is given (oldSelf has no value on create)', () => {
    const tree = { p: { name: { r: [['self == oldSelf', 'name is immutable'], ['self.size() < 3', 'name is short']] as [string, string][] } } };
    expect(crdRuleViolations(tree, { name: 'reviews' })).toEqual([
      { field: 'name', value: 'reviews', rule: 'self.size() < 3', message: 'name is short', failure: 'false' },
    ]);
  });
});

// One test per table (not test.each): the inputs hold characters that do not survive as test names.
describe("Kubernetes' isURL()/url() (Go's url.ParseRequestURI)", () => {
  test('URLs and absolute paths, with the lower-case scheme (empty for a path)', () => {
    const accepted: ReadonlyArray<readonly [string, string]> = [
      ['https://issuer.example.com/jwks.json', 'https'],
      ['HTTP://a.example.com', 'http'],
      ['oci://registry.example.com/filter:v1', 'oci'],
      ['/absolute/path', ''],
      ['file:///opt/filter.wasm', 'file'],
      ['mailto:someone', 'mailto'],
      ['http://a.example.com:8080/x?q=1', 'http'],
      // What Go accepts too: the asterisk form, escapes in the query (not checked), a trailing '?',
      // a path that starts with '//' (no authority without a scheme), user info, IPv6, no path, no host.
      ['*', ''],
      ['/path?q=%zz', ''],
      ['http://a.example.com/x?', 'http'],
      ['//a b.example.com/x', ''],
      ['http://user:pa%20ss@a.example.com/', 'http'],
      ['http://[::1]:8080/x', 'http'],
      ['http://a.example.com', 'http'],
      ['http://:80/', 'http'],
    ];
    for (const [raw, scheme] of accepted) {
      expect([raw, goRequestUri(raw)]).toEqual([raw, { scheme }]);
    }
  });

  test('what Go refuses: relative references, spaces and bad escapes, control characters, bad ports, user info and IPv6 brackets', () => {
    for (const raw of [
      '', 'registry.example.com/filter:v1', 'relative/path', ':no-scheme', ':/abs', 'http://a b.example.com/', 'http://a b.example.com', 'http://a.example.com:80x/',
      'http://a.example.com:80x', 'http://a.example.com/%zz', 'http://a.example.com/%a', 'http://a.example.com/\n', 'http://a.example.com/\x7f', 'http://a.example.com/\t',
      'http://us er@a.example.com/', 'http://user@a b.example.com/', 'http://[::1/x', 'http://[::1]x/', 'http://[::1]:8x/', 'http://a%zz.example.com/', 'http://a{b}.example.com/',
      'http://a.example.com/x%zz?q', 'http://a b.example.com?q',
    ]) {
      expect([raw, goRequestUri(raw)]).toEqual([raw, undefined]);
    }
  });
});

describe('Kubernetes Gateway API objects (the standard channel of v1.6.1)', () => {
  const GATEWAY_API = 'gateway.networking.k8s.io/v1';
  /** A mesh (GAMMA) route: 90/10 between two version Services, attached to the service's Service. */
  const meshRoute = {
    parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
    rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 90 }, { name: 'reviews-v2', port: 9080, weight: 10 }] }],
  };
  const listeners = [
    { name: 'http', port: 80, protocol: 'HTTP', hostname: 'shop.example.com' },
    { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls: { mode: 'Terminate', certificateRefs: [{ name: 'shop-cert' }] } },
  ];

  test('valid routes and gateways pass', () => {
    for (const [kind, spec] of [
      ['HTTPRoute', meshRoute],
      ['HTTPRoute', { parentRefs: [{ name: 'edge', sectionName: 'https' }], hostnames: ['shop.example.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/reviews' } }], backendRefs: [{ name: 'reviews', port: 9080 }] }] }],
      ['Gateway', { gatewayClassName: 'istio', listeners }],
      ['TLSRoute', { parentRefs: [{ name: 'edge' }], hostnames: ['db.example.com'], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] }],
    ] as const) {
      const chart = chartWith(GATEWAY_API, kind, spec);
      expect(errors(chart).filter(f => f.code === 'IST0106')).toEqual([]);
    }
  });

  test("the schema: an Istio field in an HTTPRoute ('hosts' is 'hostnames' there)", () => {
    const chart = chartWith(GATEWAY_API, 'HTTPRoute', { ...meshRoute, hosts: ['reviews'] });
    const f = expectRejected(chart, 'HTTPRoute', 'spec.hosts', 'What the CRD requires: only the fields its schema defines: remove it, or correct its name');
    expect(f.message).toMatch(/^is not a field of the CRD's schema at spec/);
  });

  test('the schema: a weight above the maximum', () => {
    const chart = chartWith(GATEWAY_API, 'HTTPRoute', { ...meshRoute, rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 1_000_001 }] }] });
    expectRejected(chart, 'HTTPRoute', 'spec.rules[0].backendRefs[0].weight', 'What the CRD requires: a number <= 1000000');
  });

  test("the schema's defaults apply before the CEL rules, as in the API server, and stay out of the output", () => {
    // kind defaults to Service and group to '' (the core group): a Service reference needs a port.
    const chart = chartWith(GATEWAY_API, 'HTTPRoute', { ...meshRoute, rules: [{ backendRefs: [{ name: 'reviews-v1' }] }] });
    const f = expectRejected(chart, 'HTTPRoute', 'spec.rules[0].backendRefs[0]', 'What the CRD requires: Must have port for Service reference');
    // The fields the rule reads, as the API server sees them: the defaults that make it apply.
    expect(f.value).toBe('{"group":"","kind":"Service"}');
    // A valid route is written as given: the defaults the check applied are not added to it.
    // (With the Services it refers to, which the analysis also checks: CIT0030, CIT0032.)
    const valid = chartWith(GATEWAY_API, 'HTTPRoute', meshRoute);
    for (const name of ['reviews', 'reviews-v1', 'reviews-v2']) {
      new ApiObject(valid, name, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ name: 'http', port: 9080 }] } });
    }
    expect(Testing.synth(valid).filter(o => o.kind === 'HTTPRoute')).toEqual([{ apiVersion: GATEWAY_API, kind: 'HTTPRoute', metadata: { name: 'x', namespace: 'shop' }, spec: meshRoute }]);
  });

  test('a CEL rule: a path prefix must be an absolute path', () => {
    const chart = chartWith(GATEWAY_API, 'HTTPRoute', { ...meshRoute, rules: [{ ...meshRoute.rules[0], matches: [{ path: { type: 'PathPrefix', value: 'reviews' } }] }] });
    const message = synthError(chart);
    expect(message).toMatch(/\[IST0106\] \[test\/handwritten\] HTTPRoute shop\/x spec\.rules\[0\]\.matches\[0\]\.path/);
    expect(message).toMatch(/must be an absolute path and start with '\/'/);
  });

  test('a CEL rule of a Gateway: tls on an HTTP listener, and HTTPS without certificates', () => {
    let chart = chartWith(GATEWAY_API, 'Gateway', { gatewayClassName: 'istio', listeners: [{ ...listeners[0], tls: listeners[1].tls }] });
    expect(synthError(chart)).toMatch(/tls must not be specified for protocols \['HTTP', 'TCP', 'UDP'\]/);
    chart = chartWith(GATEWAY_API, 'Gateway', { gatewayClassName: 'istio', listeners: [{ ...listeners[1], tls: { mode: 'Terminate' } }] });
    expect(synthError(chart)).toMatch(/certificateRefs or options must be specified when mode is Terminate/);
  });

  test("Kubernetes' isIP(): a TLSRoute hostname may not be an IP address (IPv4 or IPv6)", () => {
    for (const ip of ['10.0.0.1', '::1']) {
      const chart = chartWith(GATEWAY_API, 'TLSRoute', { parentRefs: [{ name: 'edge' }], hostnames: [ip], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] });
      expect(synthError(chart)).toMatch(/spec\.hostnames.*Hostnames cannot contain an IP/);
    }
  });

  test('kinds and versions the bundles do not define, and other groups, are not checked', () => {
    for (const apiVersion of ['gateway.networking.k8s.io/v1alpha9', 'gateway.networking.x-k8s.io/v1alpha1', 'example.com/v1']) {
      const chart = chartWith(apiVersion, 'HTTPRoute', { anything: true });
      expect(errors(chart).filter(f => f.code === 'IST0106')).toEqual([]);
    }
  });
});

/** A manifest of `kind` named shop/x. */
function manifest(apiVersion: string, kind: string, spec: any, extra: any = {}): any {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'shop' }, spec, ...extra };
}

/** The findings of the CRD checks alone for each manifest, in one run (no webhook checks in front of them). */
function crdFindings(manifests: any[], options: { channel?: string; reported?: string[] } = {}): Finding[] {
  const r = new Reporter();
  const rules = new CrdRules(options.channel);
  manifests.forEach((json, i) => crdChecks({ json, path: `manifest[${i}]` }, r, new Set(options.reported ?? []), rules));
  return r.findings;
}

/** The one CRD finding of a manifest, as [field, value, message, fix]. */
function crdFinding(json: any): [string, string | undefined, string, string] {
  const found = crdFindings([json]);
  expect(found).toHaveLength(1);
  expect(found[0]).toMatchObject({ code: 'IST0106', severity: Severity.ERROR, constructPath: 'manifest[0]', kind: json.kind, name: 'x', namespace: 'shop' });
  return [found[0].field, found[0].value, found[0].message, found[0].fix];
}

describe('the CRD checks of one object, field by field (without the webhook checks in front of them)', () => {
  const WORKLOAD_ENTRY = (spec: any, extra: any = {}) => manifest(NETWORKING, 'WorkloadEntry', spec, extra);

  test.each([
    [5, 'is an integer, not a string'],
    [1.5, 'is a number, not a string'],
    [true, 'is a boolean, not a string'],
    [{ a: 1 }, 'is an object, not a string'],
    [['a'], 'is a list, not a string'],
  ])('a value of the wrong type is named in words: %j', (value, message) => {
    expect(crdFinding(manifest(NETWORKING, 'VirtualService', { hosts: ['reviews'], exportTo: [value] })))
      .toEqual(['spec.exportTo[0]', JSON.stringify(value), message, 'What the CRD requires: a string']);
  });

  test.each([
    ['an integer', { host: 'reviews', trafficPolicy: { connectionPool: { tcp: { maxConnections: 'many' } } } }, 'spec.trafficPolicy.connectionPool.tcp.maxConnections'],
    ['a boolean', { host: 'reviews', trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: 'yes' } } } }, 'spec.trafficPolicy.loadBalancer.consistentHash.useSourceIp'],
    ['an object', { host: 'reviews', trafficPolicy: 'fast' }, 'spec.trafficPolicy'],
    ['a list', { host: 'reviews', subsets: 'v1' }, 'spec.subsets'],
  ])('the type the CRD requires is named in words: %s', (type, spec, field) => {
    const [at, , message, fix] = crdFinding(manifest(NETWORKING, 'DestinationRule', spec));
    expect([at, message, fix]).toEqual([field, `is a string, not ${type}`, `What the CRD requires: ${type}`]);
  });

  test('a number field (a double) given a string', () => {
    const [field, , message] = crdFinding(manifest(NETWORKING, 'VirtualService', {
      hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }], fault: { abort: { httpStatus: 503, percentage: { value: 'half' } } } }],
    }));
    expect([field, message]).toEqual(['spec.http[0].fault.abort.percentage.value', 'is a string, not a number']);
  });

  test('a field of the integer-or-string form given a boolean (anyOf)', () => {
    expect(crdFinding(WORKLOAD_ENTRY({ address: '10.0.0.1' }, { status: { observedGeneration: true } }))).toEqual([
      'status.observedGeneration', 'true', 'is a boolean, which is none of the forms the CRD allows here', 'What the CRD requires: an integer or a string',
    ]);
  });

  test('an unknown field at the top level of the object', () => {
    expect(crdFinding(manifest(NETWORKING, 'DestinationRule', { host: 'reviews' }, { specs: { host: 'reviews' } }))).toEqual([
      'specs', '{"host":"reviews"}', "is not a field of the CRD's schema at the top level (the API server rejects unknown fields)",
      'What the CRD requires: only the fields its schema defines: remove it, or correct its name',
    ]);
  });

  test("map keys with '/' and '~' (escaped in the schema error's JSON pointer) are named as written", () => {
    const found = crdFindings([manifest(NETWORKING, 'DestinationRule', { host: 'reviews', workloadSelector: { matchLabels: { 'app.kubernetes.io/name': 5, 'a~b': 6 } } })]);
    expect(found.map(f => [f.field, f.value, f.message])).toEqual([
      ['spec.workloadSelector.matchLabels.app.kubernetes.io/name', '5', 'is an integer, not a string'],
      ['spec.workloadSelector.matchLabels.a~b', '6', 'is an integer, not a string'],
    ]);
  });

  test('a value whose JSON is longer than 300 characters is summarized: a list by its length, an object by its fields', () => {
    const list = Array.from({ length: 40 }, (_, i) => `subset-${i}`);
    expect(crdFinding(manifest(NETWORKING, 'DestinationRule', { host: 'reviews', trafficPolicy: list }))[1]).toBe('"<a list of 40 items>"');
    const big = { first: 'v'.repeat(200), second: 'w'.repeat(200) };
    expect(crdFinding(manifest(NETWORKING, 'DestinationRule', { host: 'reviews', extra: big }))[1]).toBe('"<an object with first, second>"');
    // 300 characters of JSON are shown as they are; 301 are summarized.
    const exactly = ['x'.repeat(296)];
    expect(JSON.stringify(exactly)).toHaveLength(300);
    expect(crdFinding(manifest(NETWORKING, 'DestinationRule', { host: 'reviews', trafficPolicy: exactly }))[1]).toBe(JSON.stringify(exactly));
    expect(crdFinding(manifest(NETWORKING, 'DestinationRule', { host: 'reviews', trafficPolicy: ['x'.repeat(297)] }))[1]).toBe('"<a list of 1 items>"');
  });

  test('a range: the limit and its comparison are named', () => {
    expect(crdFinding(WORKLOAD_ENTRY({ address: '10.0.0.1', weight: -1 }))).toEqual(['spec.weight', '-1', 'is not >= 0', 'What the CRD requires: a number >= 0']);
  });

  test('a pattern and a size of the Gateway API CRDs', () => {
    const route = (spec: any) => manifest('gateway.networking.k8s.io/v1', 'HTTPRoute', spec);
    const [field, value, message, fix] = crdFinding(route({ parentRefs: [{ name: 'edge' }], hostnames: ['Shop.Example.com'] }));
    expect([field, value]).toEqual(['spec.hostnames[0]', '"Shop.Example.com"']);
    expect(message).toMatch(/^does not match the pattern \^/);
    expect(fix).toBe(`What the CRD requires: a value that matches ${message.slice('does not match the pattern '.length)}`);
    expect(crdFinding(route({ parentRefs: [{ name: '' }] }))).toEqual(['spec.parentRefs[0].name', '""', 'has fewer than 1 characters', 'What the CRD requires: at least 1 characters']);
    const [f2, v2, m2, x2] = crdFinding(route({ parentRefs: [{ name: 'edge' }], hostnames: Array.from({ length: 17 }, (_, i) => `host-number-${i}.example.com`) }));
    expect([f2, v2, m2, x2]).toEqual(['spec.hostnames', '"<a list of 17 items>"', 'has more than 16 items', 'What the CRD requires: at most 16 items']);
  });

  test('a list that is a set (x-kubernetes-list-type: set) holds each value once', () => {
    const found = crdFindings([manifest('gateway.networking.k8s.io/v1', 'HTTPRoute', {
      parentRefs: [{ name: 'edge' }],
      rules: [{ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x-debug', 'x-trace', 'x-debug'] } }] }],
    })]);
    expect(found.map(f => [f.field, f.value, f.message, f.fix])).toEqual([[
      'spec.rules[0].filters[0].requestHeaderModifier.remove[2]', '"x-debug"', 'repeats an earlier value of the list, which is a set', 'What the CRD requires: each value once (the list is a set)',
    ]]);
  });

  test('a list that is a map (x-kubernetes-list-type: map) holds one entry per key', () => {
    const found = crdFindings([manifest('gateway.networking.k8s.io/v1', 'HTTPRoute', {
      parentRefs: [{ name: 'edge' }],
      rules: [{ matches: [{ headers: [{ name: 'x-user', value: 'a' }, { name: 'x-group', value: 'b' }, { name: 'x-user', value: 'c' }] }] }],
    })]);
    expect(found.map(f => [f.field, f.message, f.fix])).toEqual([[
      'spec.rules[0].matches[0].headers[2]', 'repeats name="x-user" of an earlier entry; the list is a map keyed by name', 'What the CRD requires: one entry per name (the list is a map keyed by name)',
    ]]);
  });

  test('mutually exclusive fields (oneOf): the ones set are named', () => {
    const dr = (consistentHash: any) => manifest(NETWORKING, 'DestinationRule', { host: 'reviews', trafficPolicy: { loadBalancer: { consistentHash } } });
    expect(crdFindings([dr({ httpHeaderName: 'x-user', useSourceIp: true })]).map(f => [f.field, f.message, f.fix])).toEqual([[
      'spec.trafficPolicy.loadBalancer.consistentHash', 'sets httpHeaderName and useSourceIp, which exclude each other',
      'What the CRD requires: at most one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName',
    ]]);
    expect(crdFindings([dr({ httpHeaderName: 'x-user' })])).toEqual([]);
    // Null fields are pruned before the checks (test/malformed-manifests.test.ts); false is a value.
    expect(crdFindings([dr({ httpHeaderName: 'x-user', useSourceIp: false })]).map(f => f.message)).toEqual(['sets httpHeaderName and useSourceIp, which exclude each other']);
  });

  test('a long string of the wrong type is shown whole', () => {
    const long = 'x'.repeat(400);
    expect(crdFinding(manifest(NETWORKING, 'DestinationRule', { host: 'reviews', trafficPolicy: long })).slice(1, 3)).toEqual([JSON.stringify(long), 'is a string, not an object']);
  });

  test('a rule on the values of a map is evaluated for each value (and not for null ones)', () => {
    const found = crdFindings([WORKLOAD_ENTRY({ address: '10.0.0.1', ports: { http: 70000, grpc: 0, tcp: 80, none: null } })]);
    expect(found.map(f => [f.field, f.value])).toEqual([['spec.ports.http', '70000'], ['spec.ports.grpc', '0']]);
    expect(found[0].message).toBe("port must be between 1-65535 (the WorkloadEntry CRD's rule `0 < self && self <= 65535` is false)");
  });

  test('a rule on an object is shown with the fields it reads, or the whole object when it reads none that are set', () => {
    const [field, value, message] = crdFinding(WORKLOAD_ENTRY({ labels: { app: 'reviews' } }));
    expect([field, value]).toEqual(['spec', '{"labels":{"app":"reviews"}}']);
    expect(message).toBe("Address is required (the WorkloadEntry CRD's rule `has(self.address) || has(self.network)` is false)");
  });

  test('objects are evaluated one by one: a valid and an invalid one in one run, in either order', () => {
    const valid = WORKLOAD_ENTRY({ address: '10.0.0.1' });
    const invalid = WORKLOAD_ENTRY({ labels: { app: 'reviews' } });
    expect(crdFindings([valid, invalid]).map(f => [f.constructPath, f.field])).toEqual([['manifest[1]', 'spec']]);
    expect(crdFindings([invalid, valid]).map(f => [f.constructPath, f.field])).toEqual([['manifest[0]', 'spec']]);
  });

  test('null fields are pruned before the rules read them, as the API server prunes them', () => {
    const entry = (endpoints: any) => manifest(NETWORKING, 'ServiceEntry', {
      hosts: ['db.example.com'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], resolution: 'STATIC', workloadSelector: { labels: { app: 'db' } }, endpoints,
    });
    expect(crdFindings([entry(null)])).toEqual([]);
    expect(crdFindings([entry([{ address: '10.0.0.7' }])]).map(f => f.message))
      .toEqual(["only one of WorkloadSelector or Endpoints can be set (the ServiceEntry CRD's rule `(has(self.workloadSelector) ? 1 : 0) + (has(self.endpoints) ? 1 : 0) <= 1` is false)"]);
    // A null the rule needs is a missing field: the rule fails to evaluate, and the API server rejects the object.
    const telemetry = (value: any) => manifest('telemetry.istio.io/v1', 'Telemetry', { metrics: [{ overrides: [{ tagOverrides: { version: { operation: 'UPSERT', value } } }] }] });
    expect(crdFindings([telemetry('request.headers["x-version"]')])).toEqual([]);
    const [missing] = crdFindings([telemetry(null)]);
    expect(missing.field).toBe('spec.metrics[0].overrides[0].tagOverrides.version');
    expect(missing.message).toMatch(/^value must be set when operation is UPSERT \(the Telemetry CRD's rule `.+` fails: .*\bvalue\b.*\)$/);
  });

  test('a rule that fails to evaluate is reported with the evaluator\'s message (not its error object)', () => {
    const [pa] = crdFindings([manifest(SECURITY, 'PeerAuthentication', { selector: { matchLabels: { app: 'reviews' } }, portLevelMtls: { http: { mode: 'DISABLE' } } })]);
    expect(pa.message).toMatch(/ fails: Cannot convert http to a BigInt\)$/);
  });

  test("Kubernetes' url() and isURL() in the rules of RequestAuthentication and WasmPlugin", () => {
    const jwt = (jwksUri: string) => manifest(SECURITY, 'RequestAuthentication', { jwtRules: [{ issuer: 'https://issuer.example.com', jwksUri }] });
    expect(crdFindings([jwt('https://issuer.example.com/jwks.json')])).toEqual([]);
    expect(crdFindings([jwt('ftp://issuer.example.com/jwks.json')]).map(f => f.message)).toEqual([expect.stringMatching(/^url must have scheme http:\/\/ or https:\/\/ \(the RequestAuthentication CRD's rule `.+` is false\)$/)]);
    expect(crdFindings([jwt('not a url')]).map(f => f.message)).toEqual([expect.stringMatching(/fails: URL parse error during conversion from string: not a url\)$/)]);
    const wasm = (url: string) => manifest('extensions.istio.io/v1alpha1', 'WasmPlugin', { url });
    for (const ok of ['oci://registry.example.com/filter:v1', 'registry.example.com/filter:v1', 'https://example.com/filter.wasm', 'file:///opt/filter.wasm']) {
      expect(crdFindings([wasm(ok)])).toEqual([]);
    }
    expect(crdFindings([wasm('gopher://example.com/filter')]).map(f => f.field)).toEqual(['spec.url']);
  });

  test("the Gateway API's experimental channel: its own HTTPRoute schema, the standard channel's for kinds it does not redefine", () => {
    const route = manifest('gateway.networking.k8s.io/v1', 'HTTPRoute', {
      parentRefs: [{ name: 'edge' }],
      rules: [{ filters: [{ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', http: {}, backendRef: { name: 'authz', port: 8080 } } }] }],
    });
    expect(crdFindings([route], { channel: 'experimental' })).toEqual([]);
    expect(crdFindings([route]).map(f => f.field)).toEqual(expect.arrayContaining(['spec.rules[0].filters[0].externalAuth']));
    const gateway = manifest('gateway.networking.k8s.io/v1', 'Gateway', { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], bogus: 1 });
    expect(crdFindings([gateway], { channel: 'experimental' }).map(f => f.field)).toEqual(['spec.bogus']);
  });

  test('values reach CEL with the types Kubernetes gives them: integer fields as int, number fields as double, objects as maps without null fields', () => {
    const rules = new CrdRules();
    const holds = (rule: string, value: unknown, node: RuleNode = {}) =>
      expect([rule, value, rules.check(rule, value, node)]).toEqual([rule, value, undefined]);
    holds('type(self) == int', 5);
    holds('type(self) == double', 5, { d: 1 });
    holds('type(self) == double', 1.5);
    holds('self.all(x, type(x) == int)', [1, 2], { i: {} });
    holds('self.all(x, type(x) == double)', [1, 2], { i: { d: 1 } });
    holds('type(self) == map && type(self.a) == int && type(self.b) == double && !has(self.c)', { a: 1, b: 2, c: null }, { p: { b: { d: 1 } } });
    holds('self.all(k, type(self[k]) == double)', { a: 1, b: 2 }, { a: { d: 1 } });
    holds('self.all(m, type(m) == map && type(m.n) == int)', [{ n: 1 }], { i: {} });
    // The outcome of a rule for a scalar is kept for the run; for an object it is evaluated each time.
    expect(rules.check('self.size() > 1', 'ab', {})).toBeUndefined();
    expect(rules.check('self.size() > 1', 'a', {})).toBe('false');
    expect(rules.check('has(self.a)', { a: 1 }, {})).toBeUndefined();
    expect(rules.check('has(self.a)', { b: 1 }, {})).toBe('false');
  });

  test('a field already reported (by the webhook checks) is not reported again', () => {
    const json = manifest(NETWORKING, 'VirtualService', { hosts: ['reviews'], exportTo: [5] });
    expect(crdFindings([json], { reported: ['spec.exportTo[0]'] })).toEqual([]);
    expect(crdFindings([json], { reported: ['spec.exportTo'] }).map(f => f.field)).toEqual(['spec.exportTo[0]']);
  });

  test('entries that are not Istio or Gateway API objects of the bundles are not checked (and do not throw)', () => {
    expect(crdFindings([
      null, 'text', {}, { apiVersion: 5, kind: 'VirtualService' },
      // The key under which the validators index the experimental channel is not an apiVersion.
      { apiVersion: 'experimental:gateway.networking.k8s.io/v1', kind: 'HTTPRoute', spec: { hostnames: 5 } }, { apiVersion: NETWORKING, kind: 5, spec: { hosts: 5 } },
      { apiVersion: 'example.com/v1', kind: 'VirtualService', spec: { hosts: 5 } }, { apiVersion: 'apps/v1', kind: 'Deployment', spec: 5 },
    ])).toEqual([]);
  });
});

describe("the library's own objects", () => {
  test.each([
    ['recommendation-canary', buildRecommendationCanary],
    ['fleetman', buildFleetman],
    ['bookinfo', buildBookinfo],
    ['bff-recommendation', buildBffRecommendation],
    ['productcatalog-canary', buildProductCatalogCanary],
  ] as const)('every Istio object of the example %s passes its CRD', (_name, buildExample: (app: App) => Chart[]) => {
    for (const chart of buildExample(Testing.app())) {
      expect(Analysis.findings(chart).filter(f => f.code === 'IST0106')).toEqual([]);
      expect(() => Testing.synth(chart)).not.toThrow();
    }
  });
});
