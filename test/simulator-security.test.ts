/**
 * The simulator's transport and authorization semantics where they follow Istio (1.30) in detail:
 * a subset's client TLS, TLS with certificates of one's own, HTTP-only conditions on TCP, the token
 * the ingress gateway removes, the gateway pod's port, and the oldest PeerAuthentication.
 */
import { Chart, Testing } from 'cdk8s';
import {
  Analysis, CanaryService, Caller, ClientTls, ClientTlsPolicy, EdgeDestination, IngressEdge, JwtAuthentication, OutcomeKind,
  RoutingSimulator, ServiceAuthorization, TrafficSplit,
} from '../src';
import { peerModeFor } from '../src/simulator/authorization';

const TD = 'cluster.local';
const ns = 'shop';

const deployment = (name: string, labels: { [k: string]: string } = { app: name }, sa?: string, namespace = ns) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { serviceAccountName: sa, containers: [{ name, image: 'x' }] } } },
});
const service = (name: string, ports: any[] = [{ name: 'http', port: 80 }], namespace = ns, selector: any = { app: name }) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector, ports } });
const policy = (name: string, spec: any, namespace = ns) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace }, spec });
const peer = (name: string, spec: any, namespace = ns) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec });
const destinationRule = (host: string, spec: any) => ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: host, namespace: ns }, spec: { host, ...spec } });
const onlyFrom = (principal: string) => policy('web-allow', { selector: { matchLabels: { app: 'web' } }, rules: [{ from: [{ source: { principals: [principal] } }] }] });
const client = `${TD}/ns/shop/sa/client`;
const fromClient = { host: 'web', sourceServiceAccount: 'client', sourceNamespace: ns };

/**
 * A subset's own trafficPolicy overrides the DestinationRule's top level for traffic to that subset
 * (https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset; `MergeTrafficPolicy`
 * in istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go): subset portLevelSettings, subset
 * tls, top-level portLevelSettings, top-level tls.
 */
describe("client TLS: a subset's trafficPolicy", () => {
  test('ClientTlsPolicy({ version }) DISABLE on v2 of a 50/50 split: half the calls have no principal, an allow list by principal denies them', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: ns });
    const productpage = new CanaryService(chart, 'productpage', { port: 9080, stable: { image: 'productpage:1' } });
    const reviews = new CanaryService(chart, 'reviews', {
      port: 9080, stable: { image: 'reviews:1' }, canary: { image: 'reviews:2' }, traffic: TrafficSplit.canaryPercent(50),
    });
    new ClientTlsPolicy(chart, 'reviews-v2-tls', { service: reviews, version: 'v2', tls: ClientTls.disable() });
    new ServiceAuthorization(chart, 'reviews-access', { service: reviews, allow: [{ from: [Caller.service(productpage)] }] });
    const dr = Testing.synth(chart).find(o => o.kind === 'DestinationRule' && o.metadata.name === 'reviews');
    expect(dr.spec.subsets.find((s: any) => s.name === 'v2').trafficPolicy).toEqual({ tls: { mode: 'DISABLE' } });
    const o = RoutingSimulator.fromChart(chart).route({ host: 'reviews', sourceLabels: { app: 'productpage' } });
    expect(o.kind).toBe(OutcomeKind.ROUTED);
    expect(o.deniedShare).toBe(50);
    expect(o.authorization).toMatchObject({ allowed: false, workload: 'shop/Deployment/reviews-v2', policy: 'shop/reviews-allow' });
    expect(o.authorization!.explanation).toMatch(/plain text because the DestinationRule of reviews\.shop\.svc\.cluster\.local disables TLS/);
    expect(o.warnings.join('\n')).toMatch(/50% of requests are refused/);
  });

  const base = [deployment('web', { app: 'web', version: 'v1' }), service('web'), onlyFrom(client),
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web', namespace: ns }, spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web', subset: 'v1' } }] }] } }];
  const route = (trafficPolicy: any, subsetPolicy: any) => RoutingSimulator.fromManifests([...base,
    destinationRule('web', { trafficPolicy, subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: subsetPolicy }] })]).route(fromClient);
  const port = (mode: string) => ({ portLevelSettings: [{ port: { number: 80 }, tls: { mode } }] });

  test.each([
    ['the subset tls over the top-level tls', { tls: { mode: 'DISABLE' } }, { tls: { mode: 'ISTIO_MUTUAL' } }, true],
    ['the subset tls over the top-level port level', port('DISABLE'), { tls: { mode: 'ISTIO_MUTUAL' } }, true],
    ["the subset's port level over the subset tls", undefined, { tls: { mode: 'ISTIO_MUTUAL' }, ...port('DISABLE') }, false],
    ['the top-level port level over the top-level tls (no subset tls)', { tls: { mode: 'ISTIO_MUTUAL' }, ...port('DISABLE') }, {}, false],
    ['the top level when the subset sets nothing', { tls: { mode: 'DISABLE' } }, undefined, false],
  ])('%s', (_name, top, subset, allowed) => {
    expect(route(top, subset).authorization).toMatchObject({ allowed });
  });
});

/**
 * SIMPLE and MUTUAL client TLS use certificates of the caller's own, not Istio's: no SPIFFE identity
 * (https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings-TLSmode;
 * https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication-MutualTLS-Mode:
 * STRICT accepts only Istio mutual TLS, DISABLE only plain text), as the library's CIT0010 says.
 */
describe('client TLS with certificates of its own, and ISTIO_MUTUAL towards DISABLE', () => {
  const base = [deployment('web'), service('web')];
  const sim = (...more: any[]) => RoutingSimulator.fromManifests([...base, ...more]);

  test.each(['SIMPLE', 'MUTUAL'])('%s towards a STRICT workload is refused (no Istio mTLS): every call fails', mode => {
    const o = sim(destinationRule('web', { trafficPolicy: { tls: { mode } } }), peer('default', { mtls: { mode: 'STRICT' } })).route(fromClient);
    expect(o).toMatchObject({ kind: OutcomeKind.DENIED, status: undefined, deniedShare: 100 });
    expect(o.authorization!.explanation).toMatch(new RegExp(`refused at shop/Deployment/web: PeerAuthentication shop/default accepts only Istio mutual TLS \\(STRICT\\) and the DestinationRule of web\\.shop\\.svc\\.cluster\\.local sets tls\\.mode ${mode}.*CIT0010`));
  });

  test.each(['SIMPLE', 'MUTUAL'])('%s towards a PERMISSIVE workload carries no principal: principal and namespace rules never match it', mode => {
    const dr = destinationRule('web', { trafficPolicy: { tls: { mode } } });
    const byPrincipal = sim(dr, onlyFrom(client)).route(fromClient);
    expect(byPrincipal).toMatchObject({ kind: OutcomeKind.DENIED, status: 403 });
    expect(byPrincipal.authorization!.principal).toBeUndefined();
    expect(byPrincipal.authorization!.explanation).toMatch(new RegExp(`no principal \\(${mode} TLS with certificates of its own\\).*no principal because the DestinationRule .* sets tls\\.mode ${mode}`));
    const byNamespace = policy('web-allow', { selector: { matchLabels: { app: 'web' } }, rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] });
    expect(sim(dr, byNamespace).route(fromClient).kind).toBe(OutcomeKind.DENIED);
    // Without an identity rule the connection itself is fine.
    const anyone = policy('web-allow', { selector: { matchLabels: { app: 'web' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
    expect(sim(dr, anyone).route(fromClient).authorization).toMatchObject({ allowed: true });
  });

  test('an explicit ISTIO_MUTUAL towards a DISABLE workload fails (its sidecar expects plain text); auto mTLS sends plain text', () => {
    const off = peer('web-off', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'DISABLE' } });
    const o = sim(destinationRule('web', { trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }), off).route(fromClient);
    expect(o).toMatchObject({ kind: OutcomeKind.DENIED, status: undefined });
    expect(o.authorization!.explanation).toMatch(/refused at shop\/Deployment\/web: the DestinationRule of web\.shop\.svc\.cluster\.local sets tls\.mode ISTIO_MUTUAL, but PeerAuthentication shop\/web-off turns mTLS off \(DISABLE\).*CIT0010/);
    // Without tls in the DestinationRule, Istio's auto mTLS detects the DISABLE workload and sends plain text.
    expect(sim(off).route(fromClient).authorization).toMatchObject({ allowed: true, principal: undefined });
  });
});

/**
 * On a TCP port HTTP-only fields cannot be evaluated: Istio drops an ALLOW rule that has them and
 * ignores them in a DENY rule, "effectively resulting in a wider deny" (istio/istio
 * pilot/pkg/security/authz/model, rule.checkError; https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/).
 */
describe('HTTP-only when conditions on TCP', () => {
  const base = [deployment('db'), service('db', [{ name: 'tcp', port: 5432 }])];
  const denyWhen = (when: any[], from?: any[]) => policy('db-deny', { selector: { matchLabels: { app: 'db' } }, action: 'DENY', rules: [{ from, when }] });
  const route = (...more: any[]) => RoutingSimulator.fromManifests([...base, ...more]).route({ host: 'db', sourceServiceAccount: 'client', sourceNamespace: ns });

  test.each([
    ['request.headers[x-user]', { key: 'request.headers[x-user]', values: ['bob'] }],
    ['request.auth.claims[groups]', { key: 'request.auth.claims[groups]', values: ['admins'] }],
    ['request.auth.principal', { key: 'request.auth.principal', values: ['https://issuer/alice'] }],
    ['request.auth.audiences', { key: 'request.auth.audiences', notValues: ['shop'] }],
  ])('a DENY rule with %s denies every TCP connection its other conditions match', (_key, condition) => {
    const o = route(denyWhen([condition]));
    expect(o).toMatchObject({ kind: OutcomeKind.DENIED, status: 403, authorization: { policy: 'shop/db-deny', ruleIndex: 0 } });
    // The rest of the rule still decides: another caller is not denied.
    const narrowed = route(denyWhen([condition, { key: 'source.principal', values: [`${TD}/ns/shop/sa/legacy`] }]));
    expect(narrowed.authorization).toMatchObject({ allowed: true });
  });

  test('an ALLOW rule with an HTTP-only condition is dropped on TCP (it allows nothing)', () => {
    const allow = policy('db-allow', { selector: { matchLabels: { app: 'db' } }, rules: [{ when: [{ key: 'request.headers[x-user]', values: ['bob'] }] }] });
    expect(route(allow)).toMatchObject({ kind: OutcomeKind.DENIED, status: 403 });
  });

  test('CIT0022 counts when keys request.* as HTTP conditions', () => {
    const findings = (action: string) => Analysis.analyzeManifests([...base, peer('default', { mtls: { mode: 'STRICT' } }),
      policy('p', { selector: { matchLabels: { app: 'db' } }, action, rules: [{ when: [{ key: 'source.namespace', values: ['shop'] }, { key: 'request.headers[x-user]', values: ['bob'] }] }] })])
      .filter(f => f.code === 'CIT0022').map(f => [f.code, f.severity, f.field]);
    expect(findings('ALLOW')).toEqual([['CIT0022', 'error', 'spec.rules[0].when[1].key']]);
    expect(findings('DENY')).toEqual([['CIT0022', 'warning', 'spec.rules[0].when[1].key']]);
  });
});

/**
 * The ingress gateway removes a token it verified: RequestAuthentication's `forwardOriginalToken`
 * defaults to false (https://istio.io/latest/docs/reference/config/security/request_authentication/#JWTRule),
 * and Envoy's jwt_authn then removes the token after verifying it, so the backend receives none.
 */
describe('the token behind the ingress gateway', () => {
  const ISSUER = 'https://accounts.example.com';
  const token = { iss: ISSUER, sub: 'alice', aud: 'shop' };
  const at = { gateway: 'shop/edge', host: 'shop.example.com', path: '/api/items', jwtClaims: token };

  function edge(forwardOriginalToken?: boolean) {
    const chart = new Chart(Testing.app(), 'shop', { namespace: ns });
    const productpage = new CanaryService(chart, 'productpage', { port: 9080, stable: { image: 'productpage:1' } });
    new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(productpage) }] });
    const issuers = [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks.json`, audiences: ['shop'], forwardOriginalToken }];
    new JwtAuthentication(chart, 'gateway-jwt', { issuers, require: [{ paths: ['/api/*'] }] });
    new JwtAuthentication(chart, 'backend-jwt', { service: productpage, issuers, require: [{ paths: ['/api/*'] }] });
    return chart;
  }

  test('by default the backend receives no token: its own token requirement denies the request', () => {
    const o = RoutingSimulator.fromChart(edge()).route(at);
    expect(o.gatewayAuthorization).toMatchObject({ allowed: true });
    expect(o).toMatchObject({ kind: OutcomeKind.DENIED, status: 403, authorization: { policy: 'shop/productpage-require-jwt' } });
    expect(o.explanation).toMatch(/verified the token and removed it \(the jwtRule has no forwardOriginalToken: true\), so the backend receives no token/);
  });

  test('with forwardOriginalToken: true the backend sees the token', () => {
    const o = RoutingSimulator.fromChart(edge(true)).route(at);
    expect(o.kind).toBe(OutcomeKind.ROUTED);
    expect(o.authorization).toMatchObject({ allowed: true });
    expect(o.explanation).not.toMatch(/removed it/);
  });
});

/**
 * At the gateway, AuthorizationPolicy `ports` match the port the gateway pod listens on (the gateway
 * Service's targetPort, 8080 for port 80 in Istio's default ingress gateway), not the Gateway server's
 * (istio/istio#28524; https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation).
 */
describe("the gateway pod's port", () => {
  const gwLabels = { istio: 'ingressgateway' };
  const base = [
    deployment('web'), service('web'),
    { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: ns }, spec: { selector: gwLabels, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }] } },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web', namespace: ns }, spec: { hosts: ['shop.example.com'], gateways: ['edge'], http: [{ route: [{ destination: { host: 'web' } }] }] } },
  ];
  const gatewayService = service('istio-ingressgateway', [{ name: 'http2', port: 80, targetPort: 8080 }], 'istio-system', gwLabels);
  const denyPort = (port: string) => policy('gw-deny', { selector: { matchLabels: gwLabels }, action: 'DENY', rules: [{ to: [{ operation: { ports: [port] } }] }] }, 'istio-system');
  const route = (...more: any[]) => RoutingSimulator.fromManifests([...base, ...more]).route({ gateway: 'shop/edge', host: 'shop.example.com' });

  test("with the gateway's Service in the manifests, ports match its targetPort", () => {
    expect(route(gatewayService, denyPort('8080'))).toMatchObject({ kind: OutcomeKind.DENIED, status: 403, gatewayAuthorization: { policy: 'istio-system/gw-deny' } });
    const o = route(gatewayService, denyPort('80'));
    expect(o.kind).toBe(OutcomeKind.ROUTED);
    expect(o.warnings.join('\n')).not.toMatch(/targetPort/);
  });

  test('without it, the server port, with a warning that says so', () => {
    const o = route(denyPort('80'));
    expect(o.kind).toBe(OutcomeKind.DENIED);
    expect(o.warnings.join('\n')).toMatch(/the Service of the gateway pods istio-system\/gateway pods .* is not in the manifests; AuthorizationPolicy ports at the gateway are matched against the Gateway server's port 80/);
  });
});

/**
 * Of several PeerAuthentications for one workload Istio uses only the oldest, and UNSET inherits from
 * the namespace level (`ComposePeerAuthentication` in istio/istio pilot/pkg/security/authn;
 * https://istio.io/latest/docs/reference/config/security/peer_authentication/).
 */
describe('the oldest PeerAuthentication', () => {
  const labels = { app: 'web' };
  const workload = { namespace: ns, labels };
  const selected = (name: string, mode: string) => peer(name, { selector: { matchLabels: labels }, mtls: { mode } });

  test('the oldest workload policy UNSET inherits the namespace mode, even when a newer one sets a mode', () => {
    const pas = [selected('old', 'UNSET'), selected('new', 'STRICT'), peer('default', { mtls: { mode: 'PERMISSIVE' } })];
    expect(peerModeFor(pas, workload, 80)).toEqual({ mode: 'PERMISSIVE', policy: 'shop/default' });
    expect(peerModeFor([selected('old', 'DISABLE'), selected('new', 'STRICT')], workload, 80)).toEqual({ mode: 'DISABLE', policy: 'shop/old' });
    expect(peerModeFor([selected('old', 'UNSET'), selected('new', 'STRICT')], workload, 80)).toEqual({ mode: 'PERMISSIVE' });
  });

  test('in the simulator: a plain-text caller is not refused by the newer STRICT policy', () => {
    const manifests = [deployment('web'), service('web'), selected('old', 'UNSET'), selected('new', 'STRICT')];
    expect(RoutingSimulator.fromManifests(manifests).route({ ...fromClient, sourceInMesh: false }).authorization).toMatchObject({ allowed: true });
    expect(RoutingSimulator.fromManifests([manifests[0], manifests[1], selected('old', 'STRICT'), selected('new', 'PERMISSIVE')])
      .route({ ...fromClient, sourceInMesh: false }).kind).toBe(OutcomeKind.DENIED);
  });
});
