/**
 * Authorization: ServiceAuthorization, NamespaceDefaultDeny and Caller (the objects, the eager checks
 * and the analysis), the simulator's Istio authorization semantics, and the toAllow / toDeny matchers.
 *
 * Semantics under test are Istio's (https://istio.io/latest/docs/concepts/security/#authorization-policy-precedence):
 * CUSTOM, then DENY (any matching rule denies), then ALLOW (no ALLOW policy: allowed; otherwise allowed
 * only when some ALLOW rule matches); a policy without rules is an ALLOW policy that matches nothing.
 */
import { ApiObject, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Analysis, AuthorizationAction, CanaryService, Caller, EdgeDestination, ExistingService, IngressEdge, IRoutableService, JwtAuthentication,
  MeshNamespace, MtlsMode, NamespaceDefaultDeny, OutcomeKind, RoutingSimulator, ServiceAuthorization, ServiceIdentity, ServiceProtocol,
  ServiceVersion,
} from '../src';
import { authzPathError } from '../src/service-authorization';
import '../src/testing/jest';

const TD = 'cluster.local';

/** Bookinfo-like shop: productpage → reviews → ratings, plus a TCP database. */
function shop() {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  const productpage = new CanaryService(chart, 'productpage', { port: 9080, stable: { image: 'productpage:1' } });
  const reviews = new CanaryService(chart, 'reviews', { port: 9080, stable: { image: 'reviews:1' }, canary: { image: 'reviews:2' } });
  const ratings = new CanaryService(chart, 'ratings', { port: 9080, stable: { image: 'ratings:1' }, serviceIdentity: ServiceIdentity.own('bookinfo-ratings') });
  const db = new CanaryService(chart, 'db', { port: 5432, protocol: ServiceProtocol.TCP, stable: { image: 'postgres:16' } });
  return { chart, productpage, reviews, ratings, db };
}

function strictMtls(chart: Chart, namespace = 'shop'): void {
  new ApiObject(chart, `strict-${namespace}`, {
    apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace }, spec: { mtls: { mode: 'STRICT' } },
  });
}

function policiesOf(chart: Chart): any[] {
  return Testing.synth(chart).filter(o => o.kind === 'AuthorizationPolicy');
}

describe('ServiceAuthorization', () => {
  test('a whole scenario (snapshot)', () => {
    const { chart, productpage, reviews, ratings } = shop();
    strictMtls(chart);
    new NamespaceDefaultDeny(chart, 'deny-by-default');
    new ServiceAuthorization(chart, 'productpage-access', {
      service: productpage,
      allow: [{ from: [Caller.ingressGateway()], methods: ['GET', 'POST'], paths: ['/productpage', '/static/*', '/api/v1/products*'] }],
    });
    new ServiceAuthorization(chart, 'reviews-access', { service: reviews, allow: [{ from: [Caller.service(productpage)] }] });
    new ServiceAuthorization(chart, 'ratings-access', {
      service: ratings,
      allow: [
        { from: [Caller.service(reviews)], methods: ['GET'], paths: ['/ratings/*'] },
        { from: [Caller.namespace('monitoring'), Caller.serviceAccount('prometheus', 'monitoring')], ports: [9080], paths: ['/metrics'] },
      ],
      deny: [{ from: [Caller.anyone()], methods: ['DELETE'] }],
    });
    expect(policiesOf(chart)).toMatchSnapshot();
  });

  test('fields: names, namespace, selector, action, principals, namespaces and operations', () => {
    const { chart, productpage, ratings } = shop();
    strictMtls(chart);
    const a = new ServiceAuthorization(chart, 'ratings-access', {
      service: ratings,
      allow: [
        { from: [Caller.service(productpage), Caller.namespace('monitoring')], methods: ['GET'], paths: ['/ratings/*', '*.json'], ports: [9080] },
        { from: [Caller.anyAuthenticated()] },
      ],
      deny: [{ from: [Caller.serviceAccount('legacy', 'other')] }],
    });
    expect(a.allowPolicy).toBeDefined();
    expect(a.denyPolicy).toBeDefined();
    expect(a.namespace).toBe('shop');
    const [allow, deny] = policiesOf(chart);
    expect(allow.apiVersion).toBe('security.istio.io/v1');
    expect(allow.metadata).toEqual({ name: 'ratings-allow', namespace: 'shop' });
    expect(allow.spec.selector).toEqual({ matchLabels: { app: 'ratings' } });
    expect(allow.spec.action).toBe('ALLOW');
    expect(allow.spec.rules[0]).toEqual({
      from: [
        { source: { principals: [`${TD}/ns/shop/sa/productpage`] } },
        { source: { namespaces: ['monitoring'] } },
      ],
      to: [{ operation: { methods: ['GET'], paths: ['/ratings/*', '*.json'], ports: ['9080'] } }],
    });
    expect(allow.spec.rules[1]).toEqual({ from: [{ source: { principals: ['*'] } }] });
    expect(deny.metadata.name).toBe('ratings-deny');
    expect(deny.spec).toEqual({ selector: { matchLabels: { app: 'ratings' } }, action: 'DENY', rules: [{ from: [{ source: { principals: [`${TD}/ns/other/sa/legacy`] } }] }] });
  });

  test('principals: own and named accounts, the namespace default, an ExistingService by its account, the gateway, a trust domain', () => {
    const { chart, ratings } = shop();
    strictMtls(chart);
    const shared = new CanaryService(chart, 'shared', { port: 80, stable: { image: 'x:1' }, serviceAccountName: 'bookinfo-ratings' });
    const plain = new CanaryService(chart, 'plain', { port: 80, stable: { image: 'x:1' }, serviceIdentity: ServiceIdentity.namespaceDefault() });
    const legacy = new ExistingService(chart, 'legacy', { port: 80, versions: [ServiceVersion.adopt('v1')] });
    new ServiceAuthorization(chart, 'a', {
      service: ratings,
      trustDomain: 'example.org',
      allow: [{
        from: [Caller.service(ratings), Caller.service(shared), Caller.service(plain), Caller.service(legacy, { serviceAccountName: 'legacy-sa' }),
          Caller.ingressGateway(), Caller.ingressGateway({ serviceAccountName: 'edge', namespace: 'gateways' })],
      }],
    });
    expect(policiesOf(chart)[0].spec.rules[0].from[0].source.principals).toEqual([
      'example.org/ns/shop/sa/bookinfo-ratings',
      'example.org/ns/shop/sa/default',
      'example.org/ns/shop/sa/legacy-sa',
      'example.org/ns/istio-system/sa/istio-ingressgateway-service-account',
      'example.org/ns/gateways/sa/edge',
    ]);
  });

  test('NamespaceDefaultDeny: an empty spec in the namespace', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    const d = new NamespaceDefaultDeny(chart, 'deny');
    new NamespaceDefaultDeny(chart, 'other', { namespace: 'payments', name: 'deny-all' });
    expect(d.namespace).toBe('shop');
    const out = policiesOf(chart);
    expect(out.map(o => [o.metadata.namespace, o.metadata.name])).toEqual([['shop', 'allow-nothing'], ['payments', 'deny-all']]);
    expect(out[0].spec ?? {}).toEqual({});
  });
});

describe('bad input: each class fails at once, naming the path, the field and the fix', () => {
  const cases: [string, (s: ReturnType<typeof shop>) => void, RegExp][] = [
    ['a path with a * in the middle', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, allow: [{ from: [Caller.service(s.reviews)], paths: ['/a/*/b'] }] }),
      /\[shop\/x\] allow\[0\]\.paths\[0\]: '\/a\/\*\/b' has a '\*' in the middle.*Use an exact path/],
    ['a path with a query', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, allow: [{ from: [Caller.service(s.reviews)], paths: ['/a?b=1'] }] }),
      /allow\[0\]\.paths\[0\]: '\/a\?b=1' holds a space, a query string/],
    ['a relative path', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, deny: [{ from: [Caller.anyone()], paths: ['api'] }] }),
      /deny\[0\]\.paths\[0\]: 'api' does not start with '\/'/],
    ['a lower-case method', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, allow: [{ from: [Caller.service(s.reviews)], methods: ['get'] }] }),
      /allow\[0\]\.methods\[0\]: 'get' is not an HTTP method in upper case.*Use e\.g\. 'GET'/],
    ['a port out of range', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, allow: [{ from: [Caller.service(s.reviews)], ports: [70000] }] }),
      /allow\[0\]\.ports\[0\]: 70000 is not a port/],
    ['a path rule on a TCP service', s => new ServiceAuthorization(s.chart, 'x', { service: s.db, allow: [{ from: [Caller.service(s.reviews)], paths: ['/x'] }] }),
      /allow\[0\]\.paths: \["\/x"\] is an HTTP condition, but service 'db' speaks tcp.*Limit the rule by ports only/],
    ['no from', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, allow: [{ from: [] }] }),
      /allow\[0\]\.from: \[\] has fewer than 1 item/],
    ['a plain object as a caller', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, allow: [{ from: [{ service: 'reviews' } as any] }] }),
      /allow\[0\]\.from\[0\]: .* is not a Caller.*Caller\.service/],
    ['neither allow nor deny', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings }),
      /\[shop\/x\] allow: undefined is not given, and neither is deny/],
    ['an empty allow list', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, allow: [] }),
      /allow: \[\] is an empty allow list: an ALLOW policy without rules denies every request/],
    ['anyone next to others', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, deny: [{ from: [Caller.anyone(), Caller.namespace('a')] }] }),
      /deny\[0\]\.from: .* names Caller\.anyone\(\) next to other callers/],
    ['an ExistingService caller without its account', s => {
      const legacy = new ExistingService(s.chart, 'legacy', { port: 80, versions: [ServiceVersion.adopt('v1')] });
      new ServiceAuthorization(s.chart, 'x', { service: s.ratings, allow: [{ from: [Caller.service(legacy)] }] });
    }, /\[shop\/x\] from: 'legacy' is a service whose workloads this library does not create.*serviceAccountName/],
    ['a second construct for one service', s => {
      new ServiceAuthorization(s.chart, 'x', { service: s.ratings, allow: [{ from: [Caller.service(s.reviews)] }] });
      new ServiceAuthorization(s.chart, 'y', { service: s.ratings, allow: [{ from: [Caller.service(s.productpage)] }] });
    }, /\[shop\/y\] service: would create AuthorizationPolicy shop\/ratings-allow, which shop\/x already defines.*Put all rules for the service into one ServiceAuthorization/],
    ['two NamespaceDefaultDeny in one namespace', s => {
      new NamespaceDefaultDeny(s.chart, 'a');
      new NamespaceDefaultDeny(s.chart, 'b');
    }, /\[shop\/b\] name: would create AuthorizationPolicy shop\/allow-nothing, which shop\/a already defines/],
    ['a bad trust domain', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, trustDomain: 'Not A Domain', deny: [{ from: [Caller.anyone()] }] }),
      /trustDomain: 'Not A Domain' is not a valid trust domain/],
    ['a misspelt prop', s => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, alow: [] } as any),
      /alow: \[\] is not a field of ServiceAuthorizationProps/],
    ['a bad namespace caller', () => Caller.namespace('Bad_NS'), /\[Caller\.namespace\] namespace: 'Bad_NS' is not a valid namespace/],
    ['a bad service account caller', () => Caller.serviceAccount('UPPER', 'shop'), /\[Caller\.serviceAccount\] name: 'UPPER' is not a valid ServiceAccount name/],
    ['a bad gateway namespace', () => Caller.ingressGateway({ namespace: 'a.b' }), /\[Caller\.ingressGateway\] options\.namespace: 'a\.b' is not a valid namespace/],
    ['a misspelt gateway option', () => Caller.ingressGateway({ serviceAccount: 'x' } as any), /options\.serviceAccount: 'x' is not a field of IngressGatewayCallerOptions/],
  ];
  test.each(cases)('%s', (_name, build, message) => {
    expect(() => build(shop())).toThrow(message);
  });
});

describe('the analysis of the library\'s own AuthorizationPolicies', () => {
  test("the library's own objects: known accounts, no findings under STRICT mTLS; a chart without STRICT gets CIT0021 warnings", () => {
    const { chart, productpage, ratings } = shop();
    new ServiceAuthorization(chart, 'a', { service: ratings, allow: [{ from: [Caller.service(productpage), Caller.serviceAccount('prometheus', 'monitoring'), Caller.ingressGateway()] }] });
    const without = Analysis.findings(chart).filter(f => /^(IST0127|CIT002)/.test(f.code));
    expect(without.map(f => [f.code, f.severity])).toEqual([['CIT0021', 'warning']]);
    strictMtls(chart);
    expect(Analysis.findings(chart).filter(f => /^(IST0127|CIT002)/.test(f.code))).toEqual([]);
  });
});

describe('simulator: Istio authorization semantics', () => {
  function scenario(extra: (s: ReturnType<typeof shop>) => void = () => undefined) {
    const s = shop();
    strictMtls(s.chart);
    extra(s);
    return { ...s, sim: RoutingSimulator.fromChart(s.chart) };
  }
  const fromReviews = { host: 'ratings', sourceLabels: { app: 'reviews' } };
  const fromProductpage = { host: 'ratings', sourceLabels: { app: 'productpage' } };

  test('no ALLOW policy: allowed', () => {
    const { sim } = scenario();
    const o = sim.route(fromReviews);
    expect(o.kind).toBe(OutcomeKind.ROUTED);
    expect(o.authorization).toMatchObject({ allowed: true, principal: `${TD}/ns/shop/sa/reviews`, workload: 'shop/Deployment/ratings-v1' });
    expect(o.authorization!.policy).toBeUndefined();
  });

  test('an allow list lets in only the listed callers; the outcome names the policy and rule', () => {
    const { sim } = scenario(s => new ServiceAuthorization(s.chart, 'a', { service: s.ratings, allow: [{ from: [Caller.namespace('other')] }, { from: [Caller.service(s.reviews)] }] }));
    const ok = sim.route(fromReviews);
    expect(ok.authorization).toMatchObject({ allowed: true, action: AuthorizationAction.ALLOW, policy: 'shop/ratings-allow', ruleIndex: 1 });
    expect(ok.versionShares).toEqual({ v1: 100 });
    const no = sim.route(fromProductpage);
    expect(no).toMatchObject({ kind: OutcomeKind.DENIED, status: 403, versionShares: {}, deniedShare: 100 });
    expect(no.authorization).toMatchObject({ allowed: false, policy: 'shop/ratings-allow', principal: `${TD}/ns/shop/sa/productpage` });
    expect(no.explanation).toMatch(/denied \(403\) at shop\/Deployment\/ratings-v1: ALLOW policy shop\/ratings-allow applies and no rule of it matches/);
  });

  test('DENY takes precedence over ALLOW', () => {
    const { sim } = scenario(s => new ServiceAuthorization(s.chart, 'a', {
      service: s.ratings, allow: [{ from: [Caller.service(s.reviews)] }], deny: [{ from: [Caller.anyone()], methods: ['DELETE'] }],
    }));
    expect(sim.route({ ...fromReviews, method: 'GET' }).kind).toBe(OutcomeKind.ROUTED);
    const o = sim.route({ ...fromReviews, method: 'DELETE' });
    expect(o.authorization).toMatchObject({ allowed: false, action: AuthorizationAction.DENY, policy: 'shop/ratings-deny', ruleIndex: 0 });
  });

  test('an empty spec denies all in its namespace; an ALLOW policy still lets its callers in', () => {
    const { sim } = scenario(s => {
      new NamespaceDefaultDeny(s.chart, 'deny');
      new ServiceAuthorization(s.chart, 'a', { service: s.ratings, allow: [{ from: [Caller.service(s.reviews)] }] });
    });
    expect(sim.route({ host: 'reviews', sourceLabels: { app: 'productpage' } }).authorization?.explanation)
      .toMatch(/ALLOW policy shop\/allow-nothing applies and no rule of it matches.*shop\/allow-nothing has no rules and allows nothing/);
    expect(sim.route(fromReviews).authorization).toMatchObject({ allowed: true, policy: 'shop/ratings-allow' });
  });

  test('namespace, principal, method, path (exact, prefix, suffix) and port rules', () => {
    const { sim } = scenario(s => new ServiceAuthorization(s.chart, 'a', {
      service: s.ratings,
      allow: [
        { from: [Caller.namespace('monitoring')], paths: ['/metrics'] },
        { from: [Caller.service(s.reviews)], methods: ['GET'], paths: ['/ratings/*', '*.json'], ports: [9080] },
      ],
    }));
    expect(sim.route({ host: 'ratings.shop', sourceNamespace: 'monitoring', path: '/metrics' }).kind).toBe(OutcomeKind.ROUTED);
    expect(sim.route({ host: 'ratings.shop', sourceNamespace: 'monitoring', path: '/ratings/1' }).kind).toBe(OutcomeKind.DENIED);
    expect(sim.route({ ...fromReviews, path: '/ratings/1?x=2' }).authorization).toMatchObject({ allowed: true, ruleIndex: 1 });
    expect(sim.route({ ...fromReviews, path: '/data.json' }).kind).toBe(OutcomeKind.ROUTED);
    expect(sim.route({ ...fromReviews, path: '/ratings' }).kind).toBe(OutcomeKind.DENIED);
    expect(sim.route({ ...fromReviews, path: '/ratings/1', method: 'POST' }).kind).toBe(OutcomeKind.DENIED);
    expect(sim.route({ ...fromReviews, sourceServiceAccount: 'intruder', path: '/ratings/1' }).kind).toBe(OutcomeKind.DENIED);
  });

  test('a port rule is on the pods\' port (targetPort)', () => {
    const manifests = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'a' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'a' }, spec: { template: { metadata: { labels: { app: 'web' } } } } },
      { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'p', namespace: 'a' }, spec: { rules: [{ to: [{ operation: { ports: ['8080'] } }] }] } },
    ];
    expect(manifests).toAllow({ host: 'web.a', port: 80 }, { policy: 'a/p', rule: 0 });
    const other = [...manifests.slice(0, 2), { ...manifests[2], spec: { rules: [{ to: [{ operation: { ports: ['80'] } }] }] } }];
    expect(other).toDeny({ host: 'web.a', port: 80 });
  });

  test('a plain-text caller has no principal: an allow list by identity denies it; STRICT refuses the connection', () => {
    const permissive = (() => {
      const s = shop();
      new ServiceAuthorization(s.chart, 'a', { service: s.ratings, allow: [{ from: [Caller.service(s.reviews)] }] });
      return RoutingSimulator.fromChart(s.chart);
    })();
    expect(permissive.route(fromReviews).kind).toBe(OutcomeKind.ROUTED);
    const plain = permissive.route({ ...fromReviews, sourceInMesh: false });
    expect(plain.kind).toBe(OutcomeKind.DENIED);
    expect(plain.authorization!.principal).toBeUndefined();
    expect(plain.authorization!.explanation).toMatch(/no principal \(plain text\).*plain text because the caller has no sidecar/);

    const { sim } = scenario();
    const refused = sim.route({ ...fromReviews, sourceInMesh: false });
    expect(refused).toMatchObject({ kind: OutcomeKind.DENIED, status: undefined });
    expect(refused.authorization!.explanation).toMatch(/PeerAuthentication shop\/default requires mTLS \(STRICT\) and the caller connects in plain text/);
  });

  test('PeerAuthentication DISABLE: plain text, so the allow list denies even a listed caller (and the analysis says so)', () => {
    const s = shop();
    new ServiceAuthorization(s.chart, 'a', { service: s.ratings, allow: [{ from: [Caller.service(s.reviews)] }] });
    new ApiObject(s.chart, 'off', {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'ratings-off', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'ratings' } }, mtls: { mode: 'DISABLE' } },
    });
    expect(() => Testing.synth(s.chart)).toThrow(/\[CIT0021\] \[shop\/a\/Allow\] .*PeerAuthentication shop\/ratings-off turns mTLS off.*Fix: Set STRICT mTLS/);
    Analysis.downgrade(s.chart, 'CIT0021', 'the test simulates what the analysis warns about');
    const o = RoutingSimulator.fromChart(s.chart).route(fromReviews);
    expect(o.kind).toBe(OutcomeKind.DENIED);
    expect(o.authorization!.explanation).toMatch(/plain text because PeerAuthentication shop\/ratings-off turns mTLS off/);
  });

  test('through the gateway the caller is the ingress gateway', () => {
    const manifests = [
      { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'shop' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }] } },
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'edge', namespace: 'shop' }, spec: { hosts: ['shop.example.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'web' } }] }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'web' } } } } },
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { selector: { matchLabels: { app: 'web' } }, rules: [{ from: [{ source: { principals: [`${TD}/ns/istio-system/sa/istio-ingressgateway-service-account`] } }] }] },
      },
    ];
    const sim = RoutingSimulator.fromManifests(manifests);
    expect(sim.route({ gateway: 'shop/gw', host: 'shop.example.com' }).authorization).toMatchObject({ allowed: true, principal: `${TD}/ns/istio-system/sa/istio-ingressgateway-service-account` });
    expect(sim.route({ host: 'web.shop', sourceNamespace: 'shop' }).kind).toBe(OutcomeKind.DENIED);
  });

  test('CUSTOM is ignored with a warning, dry-run policies do not decide, `not*` fields and `when` conditions', () => {
    const base = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'a' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'a' }, spec: { template: { metadata: { labels: { app: 'web' } } } } },
    ];
    const pol = (name: string, spec: any, annotations?: any) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'a', annotations }, spec });
    const custom = RoutingSimulator.fromManifests([...base, pol('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] })]).route({ host: 'web.a' });
    expect(custom.kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(custom.warnings.join('\n')).toMatch(/a\/ext is CUSTOM/);
    expect(RoutingSimulator.fromManifests([...base, pol('dry', {}, { 'istio.io/dry-run': 'true' })]).route({ host: 'web.a' }).kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    const notNs = [...base, pol('p', { action: 'DENY', rules: [{ from: [{ source: { notNamespaces: ['a'] } }] }] })];
    expect(notNs).toAllow({ host: 'web.a', sourceNamespace: 'a' });
    expect(notNs).toDeny({ host: 'web.a', sourceNamespace: 'b' }, { policy: 'a/p', rule: 0 });
    const when = [...base, pol('p', { rules: [{ when: [{ key: 'request.headers[x-team]', values: ['pay*'] }, { key: 'source.namespace', notValues: ['evil'] }] }] })];
    expect(when).toAllow({ host: 'web.a', headers: { 'X-Team': 'payments' } });
    expect(when).toDeny({ host: 'web.a', headers: { 'x-team': 'search' } });
    expect(when).toDeny({ host: 'web.a', sourceNamespace: 'evil', headers: { 'x-team': 'payments' } });
  });

  test('TCP: an ALLOW rule with HTTP fields matches nothing; a DENY rule with them denies by its other fields', () => {
    const base = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'a' }, spec: { selector: { app: 'db' }, ports: [{ name: 'tcp', port: 5432 }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'db', namespace: 'a' }, spec: { template: { metadata: { labels: { app: 'db' } } } } },
    ];
    const pol = (spec: any) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'p', namespace: 'a' }, spec });
    expect([...base, pol({ rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })]).toDeny({ host: 'db.a' });
    expect([...base, pol({ action: 'DENY', rules: [{ to: [{ operation: { methods: ['GET'], ports: ['5432'] } }] }] })]).toDeny({ host: 'db.a', method: 'POST' }, { policy: 'a/p' });
  });

  test('JWT: a rule on request principals or claims denies a request without a token', () => {
    const base = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'a' }, spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80 }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'a' }, spec: { template: { metadata: { labels: { app: 'api' } } } } },
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'jwt', namespace: 'a' },
        spec: { rules: [{ from: [{ source: { requestPrincipals: ['https://issuer.example.com/*'] } }], when: [{ key: 'request.auth.claims[groups]', values: ['admins'] }] }] },
      },
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'RequestAuthentication',
        metadata: { name: 'jwt', namespace: 'a' },
        spec: { jwtRules: [{ issuer: 'https://issuer.example.com', jwksUri: 'https://issuer.example.com/jwks', audiences: ['api'] }] },
      },
    ];
    const alice = { iss: 'https://issuer.example.com', sub: 'alice', aud: 'api', groups: ['admins', 'dev'] };
    expect(base).toDeny({ host: 'api.a' });
    expect(base).toAllow({ host: 'api.a', jwtClaims: alice }, { policy: 'a/jwt', rule: 0 });
    expect(base).toDeny({ host: 'api.a', jwtClaims: { ...alice, sub: 'bob', groups: ['dev'] } });
    // A token the RequestAuthentication does not accept: 401.
    const sim = RoutingSimulator.fromManifests(base);
    expect(sim.route({ host: 'api.a', jwtClaims: { ...alice, iss: 'https://other.example.com' } })).toMatchObject({ kind: OutcomeKind.DENIED, status: 401 });
    expect(sim.route({ host: 'api.a', jwtClaims: { ...alice, aud: 'web' } }).authorization!.explanation).toMatch(/the token's audience "web" is none of api/);
    // Without a RequestAuthentication the token is not validated: no request principal.
    const unvalidated = RoutingSimulator.fromManifests(base.slice(0, 3)).route({ host: 'api.a', jwtClaims: alice });
    expect(unvalidated.kind).toBe(OutcomeKind.DENIED);
    expect(unvalidated.warnings.join('\n')).toMatch(/no RequestAuthentication applies to a\/Deployment\/api/);
  });
});

describe('toAllow / toDeny', () => {
  function chart() {
    const s = shop();
    strictMtls(s.chart);
    new ServiceAuthorization(s.chart, 'a', { service: s.ratings, allow: [{ from: [Caller.service(s.reviews)] }] });
    return s.chart;
  }

  test('pass on the right decision, with policy and rule', () => {
    const c = chart();
    expect(c).toAllow({ host: 'ratings', sourceLabels: { app: 'reviews' } }, { policy: 'shop/ratings-allow', rule: 0 });
    expect(c).toDeny({ host: 'ratings', sourceLabels: { app: 'productpage' } }, { policy: 'shop/ratings-allow' });
    expect(c).not.toDeny({ host: 'ratings', sourceLabels: { app: 'reviews' } });
    expect(c).not.toAllow({ host: 'ratings', sourceLabels: { app: 'productpage' } });
  });

  test('a failing expectation fails, saying which policy decided', () => {
    const c = chart();
    expect(() => expect(c).toAllow({ host: 'ratings', sourceLabels: { app: 'productpage' } }))
      .toThrow(/expected GET ratings\/ from \{"app":"productpage"\} to be allowed, but it is denied:\n.*matched; v1 100%; denied \(403\) at shop\/Deployment\/ratings-v1: ALLOW policy shop\/ratings-allow applies and no rule of it matches \(principal cluster\.local\/ns\/shop\/sa\/productpage\)/);
    expect(() => expect(c).toDeny({ host: 'ratings', sourceLabels: { app: 'reviews' } }))
      .toThrow(/to be denied, but it is allowed:\n[\s\S]*authorization: allowed by rule #0 of ALLOW policy shop\/ratings-allow/);
    expect(() => expect(c).toAllow({ host: 'ratings', sourceLabels: { app: 'reviews' } }, { rule: 3 }))
      .toThrow(/to be allowed by \{"rule":3\} \(unmet: rule #3\)/);
    expect(() => expect(c).not.toDeny({ host: 'ratings', sourceLabels: { app: 'productpage' } }))
      .toThrow(/not to be denied, but it is/);
    expect(() => expect(c).toAllow({ host: 'nowhere' })).toThrow(/it reaches no workload \(unknown-host\)/);
  });
});

describe('the README example', () => {
  test('runs as written, with the matchers it shows', () => {
    const { chart, productpage, reviews, ratings } = shop();
    new MeshNamespace(chart, 'shop', { mtls: MtlsMode.STRICT });
    new NamespaceDefaultDeny(chart, 'deny');
    new ServiceAuthorization(chart, 'ratings-access', {
      service: ratings,
      allow: [
        { from: [Caller.service(reviews)], methods: ['GET'], paths: ['/ratings/*'] },
        { from: [Caller.namespace('monitoring')], paths: ['/metrics'], ports: [9080] },
      ],
      deny: [{ from: [Caller.anyone()], methods: ['DELETE'] }],
    });
    new ServiceAuthorization(chart, 'productpage-access', { service: productpage, allow: [{ from: [Caller.ingressGateway()] }] });
    expect(Analysis.findings(chart).filter(f => /^(IST0127|CIT002)/.test(f.code))).toEqual([]);
    expect(chart).toAllow({ host: 'ratings', sourceLabels: { app: 'reviews' }, path: '/ratings/1' });
    expect(chart).toDeny({ host: 'ratings', sourceLabels: { app: 'productpage' } }, { policy: 'shop/ratings-allow' });
    expect(chart).toDeny({ host: 'ratings', sourceLabels: { app: 'reviews' }, method: 'DELETE' }, { policy: 'shop/ratings-deny', rule: 0 });
    // reviews has no allow list of its own: the namespace's default deny applies.
    expect(chart).toDeny({ host: 'reviews', sourceLabels: { app: 'productpage' } }, { policy: 'shop/allow-nothing' });
  });
});

describe('JwtAuthentication', () => {
  test('at a service: a RequestAuthentication, and a DENY policy for requests without a valid token or the claims', () => {
    const { chart, productpage } = shop();
    strictMtls(chart);
    const j = new JwtAuthentication(chart, 'jwt', {
      service: productpage,
      issuers: [{ issuer: 'https://accounts.example.com', jwksUri: 'https://accounts.example.com/jwks.json', audiences: ['shop'] }],
      require: [{ paths: ['/api/*'] }, { paths: ['/admin/*'], claims: { groups: ['admins'] } }],
    });
    expect(j.requirePolicy).toBeDefined();
    const out = Testing.synth(chart).filter(o => o.apiVersion === 'security.istio.io/v1' && o.kind !== 'PeerAuthentication');
    expect(out).toMatchSnapshot();
    expect(out[0]).toMatchObject({
      kind: 'RequestAuthentication',
      metadata: { name: 'productpage-jwt', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'productpage' } }, jwtRules: [{ issuer: 'https://accounts.example.com', jwksUri: 'https://accounts.example.com/jwks.json', audiences: ['shop'] }] },
    });
    expect(out[1].spec.rules).toEqual([
      { from: [{ source: { notRequestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/api/*'] } }] },
      { from: [{ source: { notRequestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/admin/*'] } }] },
      { to: [{ operation: { paths: ['/admin/*'] } }], when: [{ key: 'request.auth.claims[groups]', notValues: ['admins'] }] },
    ]);
    const token = { iss: 'https://accounts.example.com', sub: 'alice', aud: 'shop', groups: ['dev'] };
    const from = { host: 'productpage', sourceLabels: { app: 'reviews' } };
    expect(chart).toAllow({ ...from, path: '/' });
    expect(chart).toDeny({ ...from, path: '/api/items' }, { policy: 'shop/productpage-require-jwt', rule: 0 });
    expect(chart).toAllow({ ...from, path: '/api/items', jwtClaims: token });
    expect(chart).toDeny({ ...from, path: '/admin/users', jwtClaims: token }, { rule: 2 });
    expect(chart).toAllow({ ...from, path: '/admin/users', jwtClaims: { ...token, groups: ['admins'] } });
  });

  test('at the ingress gateway by default', () => {
    const chart = new Chart(Testing.app(), 'edge', { namespace: 'shop' });
    new JwtAuthentication(chart, 'jwt', { issuers: [{ issuer: 'https://a.example.com', jwksUri: 'https://a.example.com/jwks' }], require: [{ hosts: ['api.example.com'] }] });
    const out = Testing.synth(chart).filter(o => o.apiVersion === 'security.istio.io/v1');
    expect(out.map(o => [o.kind, o.metadata.namespace, o.metadata.name, o.spec.selector])).toEqual([
      ['RequestAuthentication', 'istio-system', 'ingressgateway-jwt', { matchLabels: { istio: 'ingressgateway' } }],
      ['AuthorizationPolicy', 'istio-system', 'ingressgateway-require-jwt', { matchLabels: { istio: 'ingressgateway' } }],
    ]);
  });

  const issuers = [{ issuer: 'https://a.example.com', jwksUri: 'https://a.example.com/jwks' }];
  const cases: [string, (s: ReturnType<typeof shop>) => void, RegExp][] = [
    ['no issuer', s => new JwtAuthentication(s.chart, 'j', { service: s.productpage, issuers: [] }), /\[shop\/j\] issuers: \[\] has fewer than 1 item/],
    ['a JWKS URI that is not https', s => new JwtAuthentication(s.chart, 'j', { service: s.productpage, issuers: [{ issuer: 'x', jwksUri: 'http://a/jwks' }] }),
      /issuers\[0\]\.jwksUri: 'http:\/\/a\/jwks' is not an https:\/\/ URL/],
    ['an issuer twice', s => new JwtAuthentication(s.chart, 'j', { service: s.productpage, issuers: [...issuers, ...issuers] }), /issuers\[1\]\.issuer: .* is listed twice/],
    ['a bad path', s => new JwtAuthentication(s.chart, 'j', { service: s.productpage, issuers, require: [{ paths: ['/a*b'] }] }), /require\[0\]\.paths\[0\]: '\/a\*b' has a '\*' in the middle/],
    ['a claim without values', s => new JwtAuthentication(s.chart, 'j', { service: s.productpage, issuers, require: [{ claims: { groups: [] } }] }),
      /require\[0\]\.claims\.groups: \[\] accepts no value/],
    ['a TCP service', s => new JwtAuthentication(s.chart, 'j', { service: s.db, issuers }), /service: 'db' speaks tcp, and tokens travel in HTTP requests/],
    ['a service and a gateway selector', s => new JwtAuthentication(s.chart, 'j', { service: s.productpage, gatewaySelector: { istio: 'x' }, issuers }),
      /gatewaySelector: .* is given together with 'service'/],
    ['two for one service', s => {
      new JwtAuthentication(s.chart, 'j', { service: s.productpage, issuers });
      new JwtAuthentication(s.chart, 'k', { service: s.productpage, issuers });
    }, /\[shop\/k\] service: would create RequestAuthentication shop\/productpage-jwt, which shop\/j already defines/],
  ];
  test.each(cases)('bad input: %s', (_name, build, message) => {
    expect(() => build(shop())).toThrow(message);
  });
});

/**
 * Policies on the ingress gateway's pods: Istio evaluates them at the gateway's Envoy before it
 * routes (https://istio.io/latest/docs/tasks/security/authorization/authz-ingress/,
 * https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#end-user-authentication):
 * the RequestAuthentication refuses a token it does not accept (401), then DENY and ALLOW decide
 * (403). The client is outside the mesh: no principal. The destination's sidecar still decides after.
 */
describe('simulator: authorization at the ingress gateway', () => {
  const ISSUER = 'https://accounts.example.com';
  const token = { iss: ISSUER, sub: 'alice', aud: 'shop' };

  function edge() {
    const s = shop();
    new IngressEdge(s.chart, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(s.productpage) }] });
    const jwt = new JwtAuthentication(s.chart, 'jwt', {
      issuers: [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks.json`, audiences: ['shop'] }],
      require: [{ paths: ['/api/*'] }],
    });
    return { ...s, jwt };
  }
  const at = { gateway: 'shop/edge', host: 'shop.example.com' };

  test('a request without a token to a required path is denied at the gateway (403) and not routed', () => {
    const { chart } = edge();
    expect(chart).toDeny({ ...at, path: '/api/items' }, { policy: 'istio-system/ingressgateway-require-jwt', rule: 0 });
    const o = RoutingSimulator.fromChart(chart).route({ ...at, path: '/api/items' });
    expect(o).toMatchObject({ kind: OutcomeKind.DENIED, status: 403, destinations: [], deniedShare: 100 });
    expect(o.gatewayAuthorization).toMatchObject({ allowed: false, action: AuthorizationAction.DENY, workload: 'istio-system/gateway pods {"istio":"ingressgateway"}' });
    expect(o.gatewayAuthorization!.principal).toBeUndefined();
    expect(o.explanation).toMatch(/at gateway shop\/edge: denied \(403\) by rule #0 of DENY policy istio-system\/ingressgateway-require-jwt .*no principal.*the request is not routed/);
    // Paths outside the requirement pass without a token.
    expect(chart).toAllow({ ...at, path: '/' });
  });

  test('with valid claims the request passes the gateway and is routed', () => {
    const { chart } = edge();
    expect(chart).toAllow({ ...at, path: '/api/items', jwtClaims: token });
    const o = RoutingSimulator.fromChart(chart).route({ ...at, path: '/api/items', jwtClaims: token });
    expect(o.kind).toBe(OutcomeKind.ROUTED);
    expect(o.versionShares).toEqual({ v1: 100 });
    expect(o.gatewayAuthorization).toMatchObject({ allowed: true });
  });

  test('a token of another issuer is refused at the gateway with 401', () => {
    const { chart } = edge();
    const o = RoutingSimulator.fromChart(chart).route({ ...at, path: '/', jwtClaims: { ...token, iss: 'https://other.example.com' } });
    expect(o).toMatchObject({ kind: OutcomeKind.DENIED, status: 401, destinations: [] });
    expect(o.explanation).toMatch(/401 Jwt verification fails.*RequestAuthentication istio-system\/ingressgateway-jwt/);
    expect(chart).toDeny({ ...at, path: '/', jwtClaims: { ...token, aud: 'other' } });
  });

  test("a mesh request to the same service is not affected by the gateway's policies", () => {
    const { chart } = edge();
    const o = RoutingSimulator.fromChart(chart).route({ host: 'productpage', path: '/api/items', sourceLabels: { app: 'reviews' } });
    expect(o.kind).toBe(OutcomeKind.ROUTED);
    expect(o.gatewayAuthorization).toBeUndefined();
    expect(chart).toAllow({ host: 'productpage', path: '/api/items', sourceLabels: { app: 'reviews' }, jwtClaims: { ...token, iss: 'https://other.example.com' } });
  });

  test('an AuthorizationPolicy in istio-system selecting the gateway denies a path there; the destination still decides after', () => {
    const { chart, productpage } = edge();
    new ApiObject(chart, 'gw-deny', {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'block-admin', namespace: 'istio-system' },
      spec: { selector: { matchLabels: { istio: 'ingressgateway' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] },
    });
    expect(chart).toDeny({ ...at, path: '/admin/users' }, { policy: 'istio-system/block-admin', rule: 0 });
    expect(chart).toDeny({ ...at, path: '/admin', jwtClaims: token }, { policy: 'istio-system/block-admin' });
    expect(chart).toAllow({ ...at, path: '/about' });
    // A mesh caller of the same path is not stopped by a policy on the gateway pods.
    expect(chart).toAllow({ host: 'productpage', path: '/admin/users', sourceLabels: { app: 'reviews' } });
    // Past the gateway, the destination's sidecar applies its own policies.
    new ServiceAuthorization(chart, 'pp', { service: productpage, allow: [{ from: [Caller.service(productpage)] }] });
    expect(chart).toDeny({ ...at, path: '/about' }, { policy: 'shop/productpage-allow' });
  });

  test('the gateway pods of the manifests: their namespace and labels decide which policies select them', () => {
    const { chart } = edge();
    new ApiObject(chart, 'gw-pods', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ingress', namespace: 'gateways' },
      spec: { template: { metadata: { labels: { istio: 'ingressgateway', app: 'ingress' } } } },
    });
    // JwtAuthentication's policies are in istio-system, the root namespace: they still select the pods.
    expect(chart).toDeny({ ...at, path: '/api/items' }, { policy: 'istio-system/ingressgateway-require-jwt' });
    new ApiObject(chart, 'ns-deny', {
      apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-nothing', namespace: 'gateways' }, spec: {},
    });
    const o = RoutingSimulator.fromChart(chart).route({ ...at, path: '/' });
    expect(o).toMatchObject({ kind: OutcomeKind.DENIED, status: 403, authorization: { workload: 'gateways/Deployment/ingress', policy: 'gateways/allow-nothing' } });
  });
});

describe('Caller: boundaries found by mutation testing', () => {
  /** A construct of the user's own that names its account in a field that is not a ServiceAccount. */
  class OwnService extends Construct implements IRoutableService {
    public readonly name = 'own';
    public readonly namespace = 'shop';
    public readonly port = 80;
    public readonly protocol = ServiceProtocol.HTTP;
    public readonly versionNames = ['v1'];
    public readonly stableVersion = 'v1';
    public readonly versionLabel = 'version';
    public readonly serviceAccount = 'own-sa';
    public subsetOf(version: string): string { return version; }
    public podLabelsOf(version: string): { [key: string]: string } { return { app: 'own', version }; }
  }
  const principalsOf = (chart: Chart) => policiesOf(chart)[0].spec.rules[0].from[0].source.principals;

  test('isCaller: false for null, primitives and plain objects (without throwing), true for each factory', () => {
    expect(Caller.isCaller(null)).toBe(false);
    expect(Caller.isCaller(undefined)).toBe(false);
    expect(Caller.isCaller('anyone')).toBe(false);
    expect(Caller.isCaller(42)).toBe(false);
    expect(Caller.isCaller({})).toBe(false);
    expect(Caller.isCaller({ _resolve: () => ({ anyone: true, describe: 'anyone' }) })).toBe(false);
    for (const c of [Caller.anyone(), Caller.anyAuthenticated(), Caller.namespace('a'), Caller.serviceAccount('sa', 'ns'), Caller.ingressGateway()]) {
      expect(Caller.isCaller(c)).toBe(true);
    }
  });

  test('each factory names itself, the field and the fix', () => {
    const { reviews } = shop();
    expect(() => Caller.service(reviews, { serviceAccount: 'x' } as any))
      .toThrow(/^\[Caller\.service\] options\.serviceAccount: 'x' is not a field of CallerServiceOptions/);
    expect(() => Caller.service(reviews, { serviceAccountName: 'Bad_SA' })).toThrow(
      /^\[Caller\.service\] options\.serviceAccountName: 'Bad_SA' is not a valid ServiceAccount name \(DNS-1123 subdomain\)\. Use lowercase letters, digits, '-' and '\.' \(e\.g\. 'bookinfo-ratings'\)/);
    expect(() => Caller.namespace('Bad_NS'))
      .toThrow(/^\[Caller\.namespace\] namespace: 'Bad_NS' is not a valid namespace \(DNS-1123 label\)\. Use at most 63 lowercase letters, digits and '-' \(e\.g\. 'shop'\)/);
    expect(() => Caller.ingressGateway({ serviceAccount: 'x' } as any))
      .toThrow(/^\[Caller\.ingressGateway\] options\.serviceAccount: 'x' is not a field of IngressGatewayCallerOptions/);
    expect(() => Caller.ingressGateway({ serviceAccountName: 'Bad_SA' }))
      .toThrow(/^\[Caller\.ingressGateway\] options\.serviceAccountName: 'Bad_SA' is not a valid ServiceAccount name \(DNS-1123 subdomain\)\. Use lowercase letters, digits, '-' and '\.'/);
    expect(() => Caller.ingressGateway({ namespace: 'a.b' }))
      .toThrow(/^\[Caller\.ingressGateway\] options\.namespace: 'a\.b' is not a valid namespace \(DNS-1123 label\)\. Use at most 63 lowercase letters, digits and '-' \(e\.g\. 'istio-system'\)/);
    expect(() => Caller.serviceAccount('UPPER', 'shop'))
      .toThrow(/^\[Caller\.serviceAccount\] name: 'UPPER' is not a valid ServiceAccount name \(DNS-1123 subdomain\)\. Use lowercase letters, digits, '-' and '\.' \(e\.g\. 'monitoring'\)/);
    expect(() => Caller.serviceAccount('prometheus', 'Bad_NS'))
      .toThrow(/^\[Caller\.serviceAccount\] namespace: 'Bad_NS' is not a valid namespace \(DNS-1123 label\)\. Use at most 63 lowercase letters, digits and '-' \(e\.g\. 'shop'\)/);
  });

  test('each caller describes itself in a message', () => {
    const s = shop();
    const legacy = new ExistingService(s.chart, 'legacy', { port: 80, versions: [ServiceVersion.adopt('v1')] });
    const from = [Caller.anyone(), Caller.namespace('a'), Caller.serviceAccount('prometheus', 'monitoring'), Caller.ingressGateway(),
      Caller.anyAuthenticated(), Caller.service(s.reviews), Caller.service(legacy, { serviceAccountName: 'legacy-sa' })];
    expect(() => new ServiceAuthorization(s.chart, 'x', { service: s.ratings, deny: [{ from }] })).toThrow(new RegExp('deny\\[0\\]\\.from: '
      + '\\["anyone","namespace a","ServiceAccount monitoring/prometheus","the ingress gateway \\(istio-system/istio-ingressgateway-service-account\\)",'
      + '"any caller with a mesh identity","service reviews","service legacy \\(ServiceAccount legacy-sa\\)"\\] names Caller\\.anyone\\(\\) next to other callers'));
  });

  test("a service's principal is in the service's own namespace, not the chart's", () => {
    const { chart, ratings } = shop();
    const audit = new CanaryService(chart, 'audit', { namespace: 'audit', port: 80, stable: { image: 'audit:1' } });
    new ServiceAuthorization(chart, 'a', { service: ratings, allow: [{ from: [Caller.service(audit), Caller.service(audit, { serviceAccountName: 'auditor' })] }] });
    expect(principalsOf(chart)).toEqual([`${TD}/ns/audit/sa/audit`, `${TD}/ns/audit/sa/auditor`]);
  });

  test('accounts named as existing outside the app (serviceAccountName, a gateway of its own) are known to the analysis', () => {
    const { chart, ratings } = shop();
    strictMtls(chart);
    const legacy = new ExistingService(chart, 'legacy', { port: 80, versions: [ServiceVersion.adopt('v1')] });
    new ServiceAuthorization(chart, 'a', {
      service: ratings, allow: [{ from: [Caller.service(legacy, { serviceAccountName: 'legacy-sa' }), Caller.ingressGateway({ serviceAccountName: 'edge', namespace: 'gateways' })] }],
    });
    expect(Analysis.findings(chart).filter(f => f.code === 'CIT0020')).toEqual([]);
    // The same accounts in a hand-written policy, undeclared, are reported.
    new ApiObject(chart, 'hand-written', {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'hand', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'ratings' } }, rules: [{ from: [{ source: { principals: [`${TD}/ns/gateways/sa/other-edge`] } }] }] },
    });
    expect(Analysis.findings(chart).filter(f => f.code === 'CIT0020').map(f => f.value)).toEqual([JSON.stringify(`${TD}/ns/gateways/sa/other-edge`)]);
  });

  test("the account of a service's created workloads: 'default' once one version is deployed under no account; unknown when all are adopted", () => {
    const { chart, ratings } = shop();
    const mixed = new CanaryService(chart, 'mixed', {
      port: 80, versions: [ServiceVersion.adopt('v1'), ServiceVersion.deploy('v2', { image: 'mixed:2' })], serviceIdentity: ServiceIdentity.namespaceDefault(),
    });
    const adopted = new CanaryService(chart, 'adopted', { port: 80, versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')] });
    new ServiceAuthorization(chart, 'a', { service: ratings, allow: [{ from: [Caller.service(mixed)] }] });
    expect(principalsOf(chart)).toEqual([`${TD}/ns/shop/sa/default`]);
    expect(() => new ServiceAuthorization(chart, 'b', { service: ratings, allow: [{ from: [Caller.service(adopted)] }] }))
      .toThrow(/\[shop\/b\] from: 'adopted' is a service whose workloads this library does not create \(shop\/adopted\), so its ServiceAccount is not known/);
  });

  test('a serviceAccount field that is not a ServiceAccount (no name) does not name the principal', () => {
    const { chart, ratings } = shop();
    const own = new OwnService(chart, 'own');
    expect(() => new ServiceAuthorization(chart, 'a', { service: ratings, allow: [{ from: [Caller.service(own)] }] }))
      .toThrow(/\[shop\/a\] from: 'own' is a service whose workloads this library does not create .*Caller\.service\(own, \{ serviceAccountName: '\.\.\.' \}\), or Caller\.serviceAccount\('\.\.\.', 'shop'\)/);
  });

  test("a service that creates workloads under a serviceAccount that is not a ServiceAccount (no name, or null) runs them under 'default'", () => {
    class Creating extends OwnService {
      public deploymentOf(_version: string): object | undefined { return {}; }
    }
    class CreatingNull extends Creating {
      public readonly serviceAccount = null as any;
    }
    const { chart, ratings } = shop();
    const creating = new Creating(chart, 'own');
    new ServiceAuthorization(chart, 'a', { service: ratings, allow: [{ from: [Caller.service(creating)] }] });
    expect(principalsOf(chart)).toEqual([`${TD}/ns/shop/sa/default`]);
    const other = shop();
    const nulled = new CreatingNull(other.chart, 'own');
    new ServiceAuthorization(other.chart, 'a', { service: other.ratings, allow: [{ from: [Caller.service(nulled)] }] });
    expect(principalsOf(other.chart)).toEqual([`${TD}/ns/shop/sa/default`]);
  });
});

describe('ServiceAuthorization: boundaries found by mutation testing', () => {
  const rulesOf = (chart: Chart, name: string) => policiesOf(chart).find(p => p.metadata.name === name).spec.rules;

  test('messages name the field, the problem and the fix', () => {
    const s = shop();
    const sa = (id: string, props: any) => () => new ServiceAuthorization(s.chart, id, { service: s.ratings, ...props });
    const from = [Caller.service(s.reviews)];
    expect(sa('a', { trustDomain: 'Not A Domain', deny: [{ from }] }))
      .toThrow(/^\[shop\/a\] trustDomain: 'Not A Domain' is not a valid trust domain \(a DNS name\)\. Use the mesh's trust domain, e\.g\. 'cluster\.local'/);
    expect(sa('b', {})).toThrow(/^\[shop\/b\] allow: undefined is not given, and neither is deny, so the construct says nothing about who may call\. Give an allow list/);
    expect(sa('c', { allow: [] })).toThrow(/^\[shop\/c\] allow: \[\] is an empty allow list: .*\. List who may call, or leave allow out; to shut the service off, deny: \[\{ from: \[Caller\.anyone\(\)\] \}\]/);
    expect(sa('d', { deny: [] })).toThrow(/^\[shop\/d\] deny: \[\] is an empty list, which denies nothing\. List the callers to deny, or leave deny out/);
    expect(sa('e', { deny: [{ from: [Caller.anyone(), Caller.namespace('a')] }] }))
      .toThrow(/^\[shop\/e\] deny\[0\]\.from: .* names Caller\.anyone\(\) next to other callers, which adds nothing\. Use Caller\.anyone\(\) alone, or list only the callers/);
    expect(sa('f', { allow: [{ from }, { from, methods: ['GET', 'get'] }] }))
      .toThrow(/^\[shop\/f\] allow\[1\]\.methods\[1\]: 'get' is not an HTTP method in upper case \(Istio compares methods exactly\)\. Use e\.g\. 'GET', 'POST', 'DELETE'/);
    expect(sa('g', { allow: [{ from, paths: ['/a', '/a/*/b'] }] }))
      .toThrow(/^\[shop\/g\] allow\[0\]\.paths\[1\]: '\/a\/\*\/b' has a '\*' in the middle.*\. Use an exact path \('\/api\/v1\/ratings'\), a prefix ending in '\*' \('\/api\/\*'\) or a suffix starting with '\*' \('\*\.png'\)/);
    expect(sa('h', { allow: [{ from, ports: [9080, 0] }] }))
      .toThrow(/^\[shop\/h\] allow\[0\]\.ports\[1\]: 0 is not a port \(a whole number from 1 to 65535\)\. Use the port the pods listen on, e\.g\. 9080/);
    for (const name of ['methods', 'paths', 'ports']) {
      expect(sa(`empty-${name}`, { deny: [{ from, [name]: [] }] }))
        .toThrow(new RegExp(`^\\[shop/empty-${name}\\] deny\\[0\\]\\.${name}: \\[\\] is empty, so the rule would match no request\\. Leave ${name} out to match any, or list some`));
    }
  });

  test('HTTP conditions on a TCP service fail, naming the field given (methods before paths)', () => {
    const s = shop();
    const from = [Caller.service(s.reviews)];
    expect(() => new ServiceAuthorization(s.chart, 'a', { service: s.db, deny: [{ from, methods: ['GET'] }] })).toThrow(
      /^\[shop\/a\] deny\[0\]\.methods: \["GET"\] is an HTTP condition, but service 'db' speaks tcp; for TCP traffic Istio drops the HTTP conditions of a rule .*\. Limit the rule by ports only, or declare the service with an HTTP protocol/);
    expect(() => new ServiceAuthorization(s.chart, 'b', { service: s.db, deny: [{ from, methods: ['GET'], paths: ['/x'] }] })).toThrow(/deny\[0\]\.methods: \["GET"\] is an HTTP condition/);
    // Ports alone are fine on TCP.
    new ServiceAuthorization(s.chart, 'c', { service: s.db, allow: [{ from, ports: [5432] }] });
    expect(rulesOf(s.chart, 'db-allow')).toEqual([{ from: [{ source: { principals: [`${TD}/ns/shop/sa/reviews`] } }], to: [{ operation: { ports: ['5432'] } }] }]);
  });

  test('methods are upper-case letters only; ports whole numbers from 1 to 65535', () => {
    const s = shop();
    const from = [Caller.service(s.reviews)];
    let i = 0;
    const sa = (rule: any) => () => new ServiceAuthorization(s.chart, `x${i++}`, { service: s.ratings, deny: [{ from, ...rule }] });
    for (const m of ['GET1', ' GET', 'GET ', 'xGET', 'GETx', '']) {
      expect(sa({ methods: [m] })).toThrow(/deny\[0\]\.methods\[0\]: .* is not an HTTP method in upper case/);
    }
    for (const p of [0, 65536, 1.5, -1, '80']) {
      expect(sa({ ports: [p] })).toThrow(/deny\[0\]\.ports\[0\]: .* is not a port/);
    }
    const ok = new ServiceAuthorization(s.chart, 'ok', { service: s.ratings, deny: [{ from, methods: ['PATCH'], ports: [1, 65535] }] });
    expect(ok.denyPolicy).toBeDefined();
    expect(rulesOf(s.chart, 'ratings-deny')[0].to).toEqual([{ operation: { methods: ['PATCH'], ports: ['1', '65535'] } }]);
  });

  test('a rule lists each principal, namespace, method, path and port once; Caller.anyone() writes no from', () => {
    const s = shop();
    new ServiceAuthorization(s.chart, 'a', {
      service: s.ratings,
      allow: [{
        from: [Caller.service(s.reviews), Caller.namespace('a'), Caller.service(s.reviews), Caller.namespace('a'), Caller.anyAuthenticated(), Caller.anyAuthenticated()],
        methods: ['GET', 'GET'],
        paths: ['/a', '/a'],
        ports: [9080, 9080],
      }],
      deny: [{ from: [Caller.anyone()] }, { from: [Caller.anyone()], ports: [9080] }, { from: [Caller.namespace('b')] }],
    });
    expect(rulesOf(s.chart, 'ratings-allow')).toEqual([{
      from: [{ source: { principals: [`${TD}/ns/shop/sa/reviews`, '*'] } }, { source: { namespaces: ['a'] } }],
      to: [{ operation: { methods: ['GET'], paths: ['/a'], ports: ['9080'] } }],
    }]);
    expect(rulesOf(s.chart, 'ratings-deny')).toEqual([{}, { to: [{ operation: { ports: ['9080'] } }] }, { from: [{ source: { namespaces: ['b'] } }] }]);
  });

  test('authzPathError: exact paths, prefixes and suffixes pass; everything else is named', () => {
    for (const p of ['*', '/', '/api/v1', '/api/*', '*.png', '*']) {
      expect(authzPathError(p)).toBeUndefined();
    }
    expect(authzPathError(42)).toBe('is not a string');
    expect(authzPathError('')).toBe('is empty');
    for (const p of ['/a b', '/a?x=1', '/a#top', ' /a', '/a\t']) {
      expect(authzPathError(p)).toBe('holds a space, a query string or a fragment (Istio matches the path alone)');
    }
    for (const p of ['/a/{*}', '/a/{**}/b', '/a}', '/{']) {
      expect(authzPathError(p)).toBe('holds a path template ({*} or {**}), which this construct does not write');
    }
    for (const p of ['/a/*/b', '**', '*/a/*', '/*a', 'a*b']) {
      expect(authzPathError(p)).toBe("has a '*' in the middle; Istio knows a '*' only at the start (suffix match) or at the end (prefix match) of a path");
    }
    for (const p of ['api', 'api/*', 'a.png']) {
      expect(authzPathError(p)).toBe("does not start with '/'");
    }
  });

  test("the policies' namespace is the service's own, not the chart's", () => {
    const s = shop();
    const legacy = new ExistingService(s.chart, 'legacy', { namespace: 'legacy', port: 80, versions: [ServiceVersion.adopt('v1')] });
    const a = new ServiceAuthorization(s.chart, 'a', { service: legacy, deny: [{ from: [Caller.anyone()] }] });
    expect(a.namespace).toBe('legacy');
    expect(a.allowPolicy).toBeUndefined();
    expect(policiesOf(s.chart).map(p => [p.metadata.namespace, p.metadata.name])).toEqual([['legacy', 'legacy-deny']]);
    const b = new ServiceAuthorization(s.chart, 'b', { service: s.ratings, allow: [{ from: [Caller.namespace('a')] }] });
    expect(b.namespace).toBe('shop');
    expect(b.denyPolicy).toBeUndefined();
  });

  test('a name clash is an AuthorizationPolicy (security.istio.io) of the same name and namespace, the chart namespace filling in', () => {
    const s = shop();
    const object = (id: string, apiVersion: string, kind: string, name: string, namespace?: string) =>
      new ApiObject(s.chart, id, { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
    object('other-ns', 'security.istio.io/v1', 'AuthorizationPolicy', 'ratings-allow', 'elsewhere');
    object('other-kind', 'security.istio.io/v1', 'PeerAuthentication', 'ratings-allow', 'shop');
    object('other-group', 'example.com/v1', 'AuthorizationPolicy', 'ratings-allow', 'shop');
    object('other-name', 'security.istio.io/v1', 'AuthorizationPolicy', 'ratings-allow-2', 'shop');
    object('config', 'v1', 'ConfigMap', 'ratings-allow', 'shop');
    new ServiceAuthorization(s.chart, 'a', { service: s.ratings, allow: [{ from: [Caller.service(s.reviews)] }] });
    object('clash', 'security.istio.io/v1beta1', 'AuthorizationPolicy', 'reviews-deny');
    // An object written by hand is compared at synth (CIT0005), naming both; the others do not clash.
    new ServiceAuthorization(s.chart, 'b', { service: s.reviews, deny: [{ from: [Caller.anyone()] }] });
    expect(() => Testing.synth(s.chart)).toThrow(/\[CIT0005\] \[shop\/(clash|b\/Deny)\] AuthorizationPolicy shop\/reviews-deny metadata\.name: "reviews-deny" - is also the name of AuthorizationPolicy shop\/reviews-deny defined by shop\/(b\/Deny|clash)/);
    expect(() => Testing.synth(s.chart)).not.toThrow(/ratings-allow/);
  });

  test('an account named before the service that creates it: the service still creates it, applied before its users', () => {
    const s = shop();
    new ServiceAuthorization(s.chart, 'a', { service: s.reviews, allow: [{ from: [Caller.serviceAccount('later-sa', 'shop')] }] });
    new CanaryService(s.chart, 'later', { port: 80, stable: { image: 'x:1' }, serviceIdentity: ServiceIdentity.own('later-sa') });
    const m = Testing.synth(s.chart);
    expect(m.filter(o => o.kind === 'ServiceAccount').map(o => o.metadata.name)).toContain('later-sa');
    expect(Analysis.findings(s.chart).filter(f => f.code === 'CIT0020')).toEqual([]);
  });

  test("naming an account the app creates does not take the account's record over", () => {
    const s = shop();
    new ServiceAuthorization(s.chart, 'a', { service: s.reviews, allow: [{ from: [Caller.serviceAccount('bookinfo-ratings', 'shop')] }] });
    expect(() => new CanaryService(s.chart, 'other', { port: 80, stable: { image: 'x:1' }, serviceIdentity: ServiceIdentity.own('bookinfo-ratings') }))
      .toThrow(/is also the ServiceAccount created by shop\/ratings in namespace 'shop'/);
  });
});

describe('JwtAuthentication: boundaries found by mutation testing', () => {
  const issuers = [{ issuer: 'https://a.example.com', jwksUri: 'https://a.example.com/jwks' }];
  const jwt = (s: ReturnType<typeof shop>, id: string, props: any) =>
    () => new JwtAuthentication(s.chart, id, { service: s.productpage, issuers, ...props });

  test('messages name the field, the problem and the fix', () => {
    const s = shop();
    expect(jwt(s, 'a', { gatewayNamespace: 'gw' }))
      .toThrow(/^\[shop\/a\] gatewayNamespace: 'gw' is given together with 'service'\. Give either a service or the gateway, one JwtAuthentication each/);
    expect(jwt(s, 'b', { gatewaySelector: { istio: 'x' }, gatewayNamespace: 'gw' })).toThrow(/^\[shop\/b\] gatewaySelector: \{"istio":"x"\} is given together with 'service'/);
    expect(jwt(s, 'c', { service: s.db })).toThrow(/^\[shop\/c\] service: 'db' speaks tcp, and tokens travel in HTTP requests\. Authenticate an HTTP service, or the ingress gateway/);
    expect(jwt(s, 'd', { issuers: [{ issuer: ' ', jwksUri: 'https://a/jwks' }] }))
      .toThrow(/^\[shop\/d\] issuers\[0\]\.issuer: ' ' is empty\. Give the tokens' iss, e\.g\. 'https:\/\/accounts\.example\.com'/);
    expect(jwt(s, 'e', { issuers: [...issuers, { issuer: 'https://b', jwksUri: 'https://b/jwks' }, ...issuers] }))
      .toThrow(/^\[shop\/e\] issuers\[2\]\.issuer: 'https:\/\/a\.example\.com' is listed twice\. List each issuer once/);
    expect(jwt(s, 'f', { issuers: [...issuers, { issuer: 'b', jwksUri: 'http://b/jwks' }] }))
      .toThrow(/^\[shop\/f\] issuers\[1\]\.jwksUri: 'http:\/\/b\/jwks' is not an https:\/\/ URL \(Istio fetches the signing keys from it\)\. Use e\.g\. 'https:\/\/accounts\.example\.com\/\.well-known\/jwks\.json'/);
    expect(jwt(s, 'g', { issuers: [{ ...issuers[0], audiences: ['shop', ''] }] }))
      .toThrow(/^\[shop\/g\] issuers\[0\]\.audiences\[1\]: '' is empty\. Give the audience, or leave audiences out/);
    expect(jwt(s, 'h', { require: [{}, { paths: ['/a', '/a*b'] }] }))
      .toThrow(/^\[shop\/h\] require\[1\]\.paths\[1\]: '\/a\*b' has a '\*' in the middle.*\. Use an exact path \('\/api\/v1'\), a prefix ending in '\*' \('\/api\/\*'\) or a suffix starting with '\*' \('\*\.json'\)/);
    expect(jwt(s, 'i', { require: [{ hosts: ['a.example.com', ''] }] }))
      .toThrow(/^\[shop\/i\] require\[0\]\.hosts\[1\]: '' is not a host\. Use e\.g\. 'shop\.example\.com' or '\*\.example\.com'/);
    for (const k of ['paths', 'hosts']) {
      expect(jwt(s, `empty-${k}`, { require: [{ [k]: [] }] }))
        .toThrow(new RegExp(`^\\[shop/empty-${k}\\] require\\[0\\]\\.${k}: \\[\\] is empty, so the requirement applies to no request\\. Leave ${k} out for every request, or list some`));
    }
    expect(jwt(s, 'j', { require: [{ claims: { '': ['x'] } }] }))
      .toThrow(/^\[shop\/j\] require\[0\]\.claims: '' is not a claim name\. Use a top-level claim name, e\.g\. 'groups'/);
    expect(jwt(s, 'k', { require: [{ claims: { groups: [] } }] }))
      .toThrow(/^\[shop\/k\] require\[0\]\.claims\.groups: \[\] accepts no value, so no request could pass\. List the accepted values/);
  });

  test('gateway checks: namespace, empty selector, selector keys', () => {
    const chart = new Chart(Testing.app(), 'edge', { namespace: 'shop' });
    const gw = (id: string, props: any) => () => new JwtAuthentication(chart, id, { issuers, ...props });
    expect(gw('a', { gatewayNamespace: 'Istio_System' }))
      .toThrow(/^\[edge\/a\] gatewayNamespace: 'Istio_System' is not a valid namespace \(DNS-1123 label\)\. Use e\.g\. 'istio-system'/);
    expect(gw('b', { gatewaySelector: {} }))
      .toThrow(/^\[edge\/b\] gatewaySelector: \{\} is empty, so it would select every pod of the namespace\. Give the gateway pods' labels, e\.g\. \{ istio: 'ingressgateway' \}/);
    expect(gw('c', { gatewaySelector: { 'istio': 'x', 'app*': 'y' } }))
      .toThrow(/^\[edge\/c\] gatewaySelector\.app\*: 'app\*' is not a valid label key\. Use a label key such as 'istio' \(an optional DNS prefix/);
    // A gateway of its own: its namespace and labels, a token forwarded, audiences kept.
    new JwtAuthentication(chart, 'own', {
      gatewayNamespace: 'gateways',
      gatewaySelector: { app: 'edge' },
      issuers: [{ ...issuers[0], audiences: ['shop'], forwardOriginalToken: true }],
    });
    const ra = Testing.synth(chart).find(o => o.kind === 'RequestAuthentication');
    expect(ra.metadata).toMatchObject({ name: 'ingressgateway-jwt', namespace: 'gateways' });
    expect(ra.spec).toEqual({
      selector: { matchLabels: { app: 'edge' } },
      jwtRules: [{ issuer: 'https://a.example.com', jwksUri: 'https://a.example.com/jwks', audiences: ['shop'], forwardOriginalToken: true }],
    });
  });

  test('JWKS URIs: https with a host, no spaces', () => {
    const s = shop();
    let i = 0;
    const uri = (jwksUri: string) => jwt(s, `u${i++}`, { issuers: [{ issuer: `https://i${i}`, jwksUri }] });
    for (const bad of ['https://', 'https:///jwks', 'https://a b/jwks', 'https://a/j wks', 'xhttps://a/jwks', 'https:/a/jwks', 'HTTPS://a/jwks', ' https://a/jwks', 'https://?x', 'https://#x']) {
      expect(uri(bad)).toThrow(/jwksUri: .* is not an https:\/\/ URL/);
    }
    for (const good of ['https://a', 'https://a.example.com:8443/keys?x=1']) {
      const t = shop();
      expect(new JwtAuthentication(t.chart, 'j', { service: t.productpage, issuers: [{ issuer: 'https://i', jwksUri: good }] }).requestAuthentication).toBeDefined();
    }
  });

  test('hosts with a space or a slash, claim names with brackets', () => {
    const s = shop();
    expect(jwt(s, 'a', { require: [{ hosts: ['a b'] }] })).toThrow(/require\[0\]\.hosts\[0\]: 'a b' is not a host/);
    expect(jwt(s, 'b', { require: [{ hosts: ['a/b'] }] })).toThrow(/require\[0\]\.hosts\[0\]: 'a\/b' is not a host/);
    expect(jwt(s, 'c', { require: [{ claims: { 'a[b': ['x'] } }] })).toThrow(/require\[0\]\.claims: 'a\[b' is not a claim name/);
    expect(jwt(s, 'd', { require: [{ claims: { 'a]': ['x'] } }] })).toThrow(/require\[0\]\.claims: 'a\]' is not a claim name/);
  });

  test('rules: hosts and paths together, claims without paths; no require or an empty one: no policy', () => {
    const s = shop();
    const j = new JwtAuthentication(s.chart, 'j', {
      service: s.productpage,
      issuers,
      require: [{ paths: ['/api/*'], hosts: ['api.example.com'] }, { claims: { 'groups': ['admins'], 'org.id': ['7'] } }],
    });
    expect(j.requirePolicy).toBeDefined();
    // A Host header with a port does not escape the requirement (Istio matches hosts as sent, port included).
    const from = { host: 'productpage', sourceLabels: { app: 'reviews' }, path: '/api/items' };
    for (const authority of ['api.example.com', 'api.example.com:9080', 'API.example.com:443']) {
      expect(s.chart).toDeny({ ...from, authority }, { policy: 'shop/productpage-require-jwt', rule: 0 });
    }
    expect(s.chart).toDeny({ ...from, authority: 'other.example.com:9080' }, { policy: 'shop/productpage-require-jwt', rule: 1 });
    const policy = policiesOf(s.chart).find(p => p.metadata.name === 'productpage-require-jwt');
    expect(policy.spec).toEqual({
      selector: { matchLabels: { app: 'productpage' } },
      action: 'DENY',
      rules: [
        // The host with any port too: Istio matches the Host header as sent, port included.
        { from: [{ source: { notRequestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/api/*'], hosts: ['api.example.com', 'api.example.com:*'] } }] },
        { from: [{ source: { notRequestPrincipals: ['*'] } }] },
        { when: [{ key: 'request.auth.claims[groups]', notValues: ['admins'] }] },
        { when: [{ key: 'request.auth.claims[org.id]', notValues: ['7'] }] },
      ],
    });
    const none = new JwtAuthentication(s.chart, 'r', { service: s.reviews, issuers });
    const empty = new JwtAuthentication(s.chart, 'q', { service: s.ratings, issuers, require: [] });
    expect(none.requirePolicy).toBeUndefined();
    expect(empty.requirePolicy).toBeUndefined();
    expect(policiesOf(s.chart).map(p => p.metadata.name)).toEqual(['productpage-require-jwt']);
  });

  test('host patterns: a prefix pattern covers the port already, a suffix pattern needs its ports named', () => {
    const s = shop();
    // '*.example.com:*' would be the literal suffix '.example.com:*' (Istio: a leading '*' wins), so
    // 'shop.example.com:443' would escape a requirement on '*.example.com': refused, with the way out.
    expect(jwt(s, 'a', { require: [{ hosts: ['api.example.com', '*.example.com'] }] }))
      .toThrow(/require\[0\]\.hosts\[1\]: '\*\.example\.com' is compared with the Host header as sent, port included, so a request to shop\.example\.com:443 would escape.*Name the hosts \('shop\.example\.com'.*\('\*\.example\.com:443'\)/);
    expect(jwt(s, 'b', { require: [{ hosts: ['*.example.com:*'] }] })).toThrow(/hosts\[0\]: '\*\.example\.com:\*' matches no real Host header: Istio reads a leading '\*' as a suffix match.*Use one '\*' \('\*\.example\.com', with the same pattern and each port/);
    const j = new JwtAuthentication(s.chart, 'j', {
      service: s.productpage, issuers, require: [{ hosts: ['*.example.com', '*.example.com:443', 'api.*', '*'] }],
    });
    expect(j.requirePolicy).toBeDefined();
    const policy = policiesOf(s.chart).find(p => p.metadata.name === 'productpage-require-jwt');
    // Patterns are written as given: no '<pattern>:*' companion, which would match nothing.
    expect(policy.spec.rules[0].to).toEqual([{ operation: { hosts: ['*.example.com', '*.example.com:443', 'api.*', '*'] } }]);
    const from = { host: 'productpage', sourceLabels: { app: 'reviews' }, path: '/' };
    for (const authority of ['shop.example.com', 'shop.example.com:443', 'api.internal:9080']) {
      expect(s.chart).toDeny({ ...from, authority }, { policy: 'shop/productpage-require-jwt', rule: 0 });
    }
  });

  test("at a service in another namespace: the objects go to the service's namespace, not the chart's", () => {
    const s = shop();
    const pay = new CanaryService(s.chart, 'pay', { port: 8080, namespace: 'payments', stable: { image: 'pay:1' } });
    new JwtAuthentication(s.chart, 'j', { service: pay, issuers, require: [{}] });
    const out = Testing.synth(s.chart).filter(o => o.apiVersion === 'security.istio.io/v1');
    expect(out.map(o => [o.kind, o.metadata.namespace, o.metadata.name, o.spec.selector])).toEqual([
      ['RequestAuthentication', 'payments', 'pay-jwt', { matchLabels: { app: 'pay' } }],
      ['AuthorizationPolicy', 'payments', 'pay-require-jwt', { matchLabels: { app: 'pay' } }],
    ]);
  });

  test('the require policy name is checked against the other objects of the namespace', () => {
    const s = shop();
    new NamespaceDefaultDeny(s.chart, 'deny', { name: 'productpage-require-jwt' });
    expect(jwt(s, 'j', { require: [{ paths: ['/api/*'] }] })).toThrow(
      /^\[shop\/j\] service: would create AuthorizationPolicy shop\/productpage-require-jwt, which shop\/deny already defines; kubectl apply keeps only one of them\. Declare one JwtAuthentication per service \(and one for the gateway\), listing all issuers and requirements/);
    // Without require, there is no policy to clash.
    const t = shop();
    new NamespaceDefaultDeny(t.chart, 'deny', { name: 'productpage-require-jwt' });
    expect(new JwtAuthentication(t.chart, 'k', { service: t.productpage, issuers }).requirePolicy).toBeUndefined();
  });
});

describe('NamespaceDefaultDeny: boundaries found by mutation testing', () => {
  test('messages name the field, the problem and the fix', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    expect(() => new NamespaceDefaultDeny(chart, 'a', { namespace: 'Shop' }))
      .toThrow(/^\[c\/a\] namespace: 'Shop' is not a valid namespace \(DNS-1123 label\)\. Use at most 63 lowercase letters, digits and '-' \(e\.g\. 'shop'\)/);
    expect(() => new NamespaceDefaultDeny(chart, 'b', { name: 'Allow_Nothing' }))
      .toThrow(/^\[c\/b\] name: 'Allow_Nothing' is not a valid object name \(DNS-1123 subdomain\)\. Use lowercase letters, digits, '-' and '\.' \(e\.g\. 'allow-nothing'\)/);
    expect(() => new NamespaceDefaultDeny(chart, 'c', { namespace: 'istio-system' }))
      .toThrow(/^\[c\/c\] namespace: 'istio-system' is Istio's root namespace, where a policy without a selector applies to every workload of the mesh \(ingress gateways included\), not to one namespace\. Name the namespace whose workloads should deny by default; for a mesh-wide default deny, write that AuthorizationPolicy on purpose as an ApiObject/);
    const root = new Chart(Testing.app(), 'root', { namespace: 'istio-system' });
    expect(() => new NamespaceDefaultDeny(root, 'd')).toThrow(/^\[root\/d\] namespace: 'istio-system' is Istio's root namespace/);
    new NamespaceDefaultDeny(chart, 'e');
    expect(() => new NamespaceDefaultDeny(chart, 'f')).toThrow(
      /^\[c\/f\] name: would create AuthorizationPolicy shop\/allow-nothing, which c\/e already defines; kubectl apply keeps only one of them\. Declare one NamespaceDefaultDeny per namespace, or give this one another name/);
  });

  test('a chart without a namespace needs one given; a dotted name is a valid object name', () => {
    const chart = new Chart(Testing.app(), 'c');
    expect(() => new NamespaceDefaultDeny(chart, 'a')).toThrow(/^\[c\/a\] namespace: undefined is not set, and neither is the chart's/);
    const d = new NamespaceDefaultDeny(chart, 'b', { namespace: 'payments', name: 'deny.all' });
    expect(d.namespace).toBe('payments');
    expect(policiesOf(chart).map(o => [o.metadata.namespace, o.metadata.name, o.spec ?? {}])).toEqual([['payments', 'deny.all', {}]]);
    // Another namespace or another name does not clash.
    new NamespaceDefaultDeny(chart, 'c', { namespace: 'shop', name: 'deny.all' });
    new NamespaceDefaultDeny(chart, 'd', { namespace: 'payments', name: 'allow-nothing' });
    expect(policiesOf(chart)).toHaveLength(3);
  });
});
