import { ApiObject, Chart, Testing } from 'cdk8s';
import { Analysis, OutcomeKind, RoutingSimulator } from '../src';

/**
 * The analysis of hand-written security manifests (plain objects, as `Analysis.analyzeManifests`
 * reads them, no chart): the AuthorizationPolicy checks (IST0127, CIT0020 to CIT0023) and the
 * transport-security checks (CIT0010 to CIT0013), field by field. The same checks on the library's
 * own objects are tested with the constructs (authorization and transport-security tests).
 */

const TD = 'cluster.local';

describe('analysis of hand-written AuthorizationPolicies', () => {
  function findings(objects: any[]) {
    return Analysis.analyzeManifests(objects).filter(f => /^(IST0127|CIT002)/.test(f.code));
  }
  const ns = 'shop';
  const deployment = (name: string, sa?: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { serviceAccountName: sa, containers: [{ name, image: 'x' }] } } },
  });
  const service = (name: string, portName = 'http') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: portName, port: 80 }] } });
  const policy = (name: string, spec: any) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec });
  const strict = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: ns }, spec: { mtls: { mode: 'STRICT' } } };
  const sa = (name: string) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } });

  test('IST0127: a selector that selects no pod', () => {
    const f = findings([deployment('ratings'), strict, policy('p', { selector: { matchLabels: { app: 'ratngs' } }, rules: [{}] })]);
    expect(f.map(x => [x.code, x.severity, x.field])).toEqual([['IST0127', 'warning', 'spec.selector.matchLabels']]);
    expect(f[0].message).toMatch(/selects no pod of any workload in namespace 'shop'/);
  });

  test('CIT0020: a principal that names no ServiceAccount of the app', () => {
    const ok = `${TD}/ns/shop/sa/reviews`;
    const f = findings([deployment('ratings'), deployment('reviews', 'reviews'), sa('other'), strict,
      policy('p', { selector: { matchLabels: { app: 'ratings' } }, rules: [{ from: [{ source: { principals: [ok, `${TD}/ns/shop/sa/reveiws`, `${TD}/ns/shop/sa/other`, `${TD}/ns/shop/sa/default`, `${TD}/ns/x/sa/*`] } }] }] })]);
    expect(f.map(x => [x.code, x.field, x.value])).toEqual([['CIT0020', 'spec.rules[0].from[0].source.principals[1]', JSON.stringify(`${TD}/ns/shop/sa/reveiws`)]]);
    expect(f[0].fix).toMatch(/Caller\.serviceAccount/);
  });

  test('CIT0021: an allow list by identity without STRICT mTLS (warning), or with mTLS disabled (error)', () => {
    const allowList = policy('p', { selector: { matchLabels: { app: 'ratings' } }, rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] });
    const permissive = findings([deployment('ratings'), allowList]);
    expect(permissive.map(x => [x.code, x.severity])).toEqual([['CIT0021', 'warning']]);
    expect(permissive[0].fix).toMatch(/Set STRICT mTLS/);
    const disabled = findings([deployment('ratings'), allowList,
      { ...strict, metadata: { name: 'off', namespace: ns }, spec: { selector: { matchLabels: { app: 'ratings' } }, mtls: { mode: 'DISABLE' } } }]);
    expect(disabled.map(x => [x.code, x.severity])).toEqual([['CIT0021', 'error']]);
    expect(disabled[0].message).toMatch(/PeerAuthentication shop\/off turns mTLS off.*lets nobody in/);
    expect(findings([deployment('ratings'), allowList, strict])).toEqual([]);
    // A rule on paths only names no identity: nothing to say.
    expect(findings([deployment('ratings'), policy('q', { selector: { matchLabels: { app: 'ratings' } }, rules: [{ to: [{ operation: { paths: ['/x'] } }] }] })])).toEqual([]);
  });

  test('CIT0022: HTTP conditions on a TCP-only workload', () => {
    const rule = { to: [{ operation: { methods: ['GET'] } }] };
    const allow = findings([deployment('db'), service('db', 'tcp'), strict, policy('p', { selector: { matchLabels: { app: 'db' } }, rules: [rule] })]);
    expect(allow.map(x => [x.code, x.severity, x.field])).toEqual([['CIT0022', 'error', 'spec.rules[0].to[0].operation.methods']]);
    const deny = findings([deployment('db'), service('db', 'tcp'), strict, policy('p', { selector: { matchLabels: { app: 'db' } }, action: 'DENY', rules: [rule] })]);
    expect(deny.map(x => [x.code, x.severity])).toEqual([['CIT0022', 'warning']]);
    expect(findings([deployment('web'), service('web', 'http'), strict, policy('p', { selector: { matchLabels: { app: 'web' } }, rules: [rule] })])).toEqual([]);
  });

  test('CIT0023: HTTP conditions in a selector policy for workloads in ambient mode (ztunnel enforces it at L4)', () => {
    const rule = { to: [{ operation: { methods: ['GET'] } }] };
    const ambientNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' } } };
    const allow = findings([ambientNs, deployment('web'), service('web', 'http'), strict, policy('p', { selector: { matchLabels: { app: 'web' } }, rules: [rule] })]);
    expect(allow.map(x => [x.code, x.severity, x.field])).toEqual([['CIT0023', 'error', 'spec.rules[0].to[0].operation.methods']]);
    expect(allow[0].message).toMatch(/Deployment\/web in ambient mode\), which ztunnel enforces at L4; it cannot read HTTP, so the rule allows nothing/);
    expect(allow[0].fix).toMatch(/targetRefs/);
    const deny = findings([ambientNs, deployment('web'), service('web', 'http'), strict, policy('p', { selector: { matchLabels: { app: 'web' } }, action: 'DENY', rules: [rule] })]);
    expect(deny.map(x => [x.code, x.severity])).toEqual([['CIT0023', 'warning']]);
    // L4 conditions only, a policy bound to the waypoint, or a sidecar namespace: nothing to say.
    expect(findings([ambientNs, deployment('web'), service('web', 'http'), strict, policy('p', { selector: { matchLabels: { app: 'web' } }, rules: [{ to: [{ operation: { ports: ['8080'] } }] }] })])).toEqual([]);
    expect(findings([ambientNs, deployment('web'), service('web', 'http'), strict, policy('p', { targetRefs: [{ kind: 'Service', group: '', name: 'web' }], rules: [rule] })])).toEqual([]);
    expect(findings([deployment('web'), service('web', 'http'), strict, policy('p', { selector: { matchLabels: { app: 'web' } }, rules: [rule] })])).toEqual([]);
  });

  const selectRatings = { selector: { matchLabels: { app: 'ratings' } } };
  const codes = (objects: any[]) => findings(objects).map(x => [x.code, x.severity, x.field]);

  test('IST0127: a namespace-wide policy in a namespace without workloads; pods, adopted workloads and other kinds count; the root namespace is not checked', () => {
    const wide = findings([policy('p', { rules: [{}] })]);
    expect(wide.map(x => [x.code, x.field, x.value])).toEqual([['IST0127', 'metadata.namespace', '"shop"']]);
    expect(wide[0].message).toBe("applies to every workload of namespace 'shop', and there is none in the app or known to exist");
    expect(wide[0].fix).toBe('Fix the selector (pods carry app: <service>), or deploy (or adopt) the workloads');
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ratings-0', namespace: ns, labels: { app: 'ratings' } }, spec: { containers: [] } };
    expect(findings([pod, strict, policy('p', { ...selectRatings, rules: [{}] })])).toEqual([]);
    for (const kind of ['StatefulSet', 'DaemonSet', 'ReplicaSet']) {
      expect(findings([{ ...deployment('ratings'), kind }, strict, policy('p', { ...selectRatings, rules: [{}] })])).toEqual([]);
    }
    // A Job's pods are not a workload the check knows: the selector selects nothing it can see.
    expect(codes([{ ...deployment('ratings'), kind: 'Job' }, strict, policy('p', { ...selectRatings, rules: [{}] })])).toEqual([['IST0127', 'warning', 'spec.selector.matchLabels']]);
    // Another namespace's pods do not count.
    expect(codes([{ ...deployment('ratings'), metadata: { name: 'ratings', namespace: 'other' } }, strict, policy('p', { ...selectRatings, rules: [{}] })]).map(c => c[0])).toEqual(['IST0127']);
    // Every label of the selector must match.
    expect(codes([deployment('ratings'), strict, policy('p', { selector: { matchLabels: { app: 'ratings', version: 'v1' } }, rules: [{}] })]).map(c => c[0])).toEqual(['IST0127']);
    const inRoot = (spec: any) => ({ ...policy('p', spec), metadata: { name: 'p', namespace: 'istio-system' } });
    expect(findings([inRoot({ selector: { matchLabels: { istio: 'ingressgateway' } }, rules: [{}] })])).toEqual([]);
    expect(findings([inRoot({ rules: [{}] })])).toEqual([]);
    // A policy bound by targetRefs (or targetRef) is the waypoint's: not checked against pods.
    expect(findings([policy('p', { targetRefs: [{ kind: 'Service', group: '', name: 'nothing' }], rules: [{ from: [{ source: { principals: [`${TD}/ns/shop/sa/nobody`] } }] }] })])).toEqual([]);
    expect(findings([policy('p', { targetRef: { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }, rules: [{}] })])).toEqual([]);
    // An empty targetRefs (or a null targetRef) is not set (proto3): the policy selects pods again.
    expect(findings([policy('p', { targetRefs: [], rules: [{}] })]).map(x => x.code)).toEqual(['IST0127']);
    expect(findings([policy('p', { targetRef: null, rules: [{}] })]).map(x => x.code)).toEqual(['IST0127']);
  });

  test('CIT0024: hosts a request escapes by sending the host with a port', () => {
    // Istio compares `hosts` with the Host header as sent, port included
    // (https://istio.io/latest/docs/ops/best-practices/security/#writing-host-match-policies).
    const run = (action: string | undefined, operation: any) => Analysis.analyzeManifests([deployment('web'), strict,
      policy('p', { ...(action ? { action } : {}), rules: [{ to: [{ operation }, { operation: { ports: ['80'] } }] }] })])
      .filter(f => f.code === 'CIT0024');
    const deny = run('DENY', { hosts: ['Admin.example.com', '*.internal', 'ok.example.com', 'ok.example.com:*', 'api.*', 'x.example.com:8080', '*.svc', '*.svc:80'] });
    expect(deny.map(f => [f.code, f.severity, f.field, f.value])).toEqual([
      ['CIT0024', 'warning', 'spec.rules[0].to[0].operation.hosts[0]', '"Admin.example.com"'],
      ['CIT0024', 'warning', 'spec.rules[0].to[0].operation.hosts[1]', '"*.internal"'],
    ]);
    expect(deny[0].message).toBe('is compared with the Host header as sent, port included, so a request to Admin.example.com:443 escapes this DENY rule');
    expect(deny[0].fix).toBe("Add 'Admin.example.com:*' to the list beside it (https://istio.io/latest/docs/ops/best-practices/security/#writing-host-match-policies)");
    expect(deny[1].message).toBe('is compared with the Host header as sent, port included, so a request to shop.internal:443 escapes this DENY rule');
    expect(deny[1].fix).toBe("Name the hosts instead of the pattern (each with '<host>:*' beside it), or add the pattern with each port clients can send ('*.internal:443')");
    // '<host>:*' covers the host in any case (Istio ignores case for hosts); a suffix pattern needs a port number: ':*' after it is a literal.
    expect(run('DENY', { hosts: ['a.example.com', 'A.EXAMPLE.COM:*'] })).toEqual([]);
    expect(run('DENY', { hosts: ['*.internal', '*.internal:*'] }).map(f => f.value)).toEqual(['"*.internal"']);
    expect(run('DENY', { hosts: ['a.example.com', 'a.example.com:80'] }).map(f => f.value)).toEqual(['"a.example.com"']);
    // A suffix pattern is covered by the same pattern with a port number only.
    expect(run('DENY', { hosts: ['*.svc', '*.svc:80x', '*.svc:x80', '99999', 'x*.svc:80'] }).map(f => f.value)).toEqual(['"*.svc"', '"99999"']);
    // Each entry is named by its own index, a repeated one too.
    expect(run('DENY', { hosts: ['a.example.com', 'a.example.com'] }).map(f => f.field)).toEqual(['spec.rules[0].to[0].operation.hosts[0]', 'spec.rules[0].to[0].operation.hosts[1]']);
    // '*' (any host) or a prefix pattern covers the ports too.
    expect(run('DENY', { hosts: ['a.example.com', '*'] })).toEqual([]);
    expect(run('DENY', { hosts: ['a.example.com', 'a.example.*'] })).toEqual([]);
    // CUSTOM sends the matching requests to the external authorizer: escaping it is escaping the check.
    expect(run('CUSTOM', { hosts: ['a.example.com'] }).map(f => f.field)).toEqual(['spec.rules[0].to[0].operation.hosts[0]']);
    // ALLOW: notHosts lets the host with a port in; hosts lets nobody in that the list does not name (fails closed).
    expect(run(undefined, { notHosts: ['admin.example.com'] }).map(f => [f.field, f.message])).toEqual([
      ['spec.rules[0].to[0].operation.notHosts[0]', 'is compared with the Host header as sent, port included, so a request to admin.example.com:443 escapes this ALLOW rule'],
    ]);
    expect(run('ALLOW', { hosts: ['a.example.com'] })).toEqual([]);
    expect(run('DENY', { notHosts: ['a.example.com'] })).toEqual([]);
    expect(run('AUDIT', { hosts: ['a.example.com'] })).toEqual([]);
    // Entries that are not strings are the schema's findings; the check reads the strings.
    expect(run('DENY', { hosts: [7, null, 'b.example.com'] }).map(f => f.field)).toEqual(['spec.rules[0].to[0].operation.hosts[2]']);
    // Policies bound to a gateway or waypoint are checked too.
    const bound = Analysis.analyzeManifests([policy('p', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'edge' }], action: 'DENY', rules: [{ to: [{ operation: { hosts: ['a.example.com'] } }] }] })]);
    expect(bound.filter(f => f.code === 'CIT0024').map(f => f.field)).toEqual(['spec.rules[0].to[0].operation.hosts[0]']);
  });

  test('IST0127 in the root namespace: a selector there selects pods of every namespace', () => {
    const inRoot = { ...policy('p', { ...selectRatings, rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] }), metadata: { name: 'p', namespace: 'istio-system' } };
    // The ratings pods in 'shop' are selected, so the CIT0021 check sees them (no STRICT for them).
    expect(codes([deployment('ratings'), inRoot])).toEqual([['CIT0021', 'warning', 'spec.rules[0].from']]);
  });

  test('CIT0020 on every identity field: principals, notPrincipals, serviceAccounts (short or with namespace), notServiceAccounts', () => {
    const f = findings([deployment('ratings'), deployment('reviews', 'reviews'), strict, policy('p', {
      ...selectRatings,
      rules: [
        { from: [{ source: { notPrincipals: [`${TD}/ns/shop/sa/ghost`] } }, { source: { serviceAccounts: ['ghost2', 'reviews', 'other/ghost3', 'shop/reviews'] } }] },
        { from: [{ source: { notServiceAccounts: ['default', 'other/default', 'ghost4'] } }] },
      ],
    })]);
    expect(f.map(x => [x.code, x.field, x.value])).toEqual([
      ['CIT0020', 'spec.rules[0].from[0].source.notPrincipals[0]', JSON.stringify(`${TD}/ns/shop/sa/ghost`)],
      ['CIT0020', 'spec.rules[0].from[1].source.serviceAccounts[0]', '"ghost2"'],
      ['CIT0020', 'spec.rules[0].from[1].source.serviceAccounts[2]', '"other/ghost3"'],
      ['CIT0020', 'spec.rules[1].from[0].source.notServiceAccounts[2]', '"ghost4"'],
    ]);
    expect(f[1].message).toBe("names ServiceAccount 'ghost2' in namespace 'shop', which is neither in the app nor declared to exist outside it, so no workload has this identity");
    expect(f[2].message).toMatch(/^names ServiceAccount 'ghost3' in namespace 'other',/);
    expect(f[0].severity).toBe('warning');
  });

  test('CIT0020: what is known: the ingress gateway, ServiceAccounts, pod specs (serviceAccountName or the old serviceAccount) of every workload kind; wildcards and other forms are not checked', () => {
    const podWithAccount = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'job-0', namespace: ns, labels: {} }, spec: { serviceAccount: 'batch', containers: [] } };
    const set = { ...deployment('cron', 'cron'), kind: 'StatefulSet' };
    const principals = [
      `${TD}/ns/istio-system/sa/istio-ingressgateway-service-account`, `${TD}/ns/shop/sa/batch`, `${TD}/ns/shop/sa/cron`, `${TD}/ns/shop/sa/declared`,
      `${TD}/ns/shop/sa/*`, '*', 'spiffe-like', `${TD}/ns/shop/sa/a/b`, `${TD}/ns/shop/nope/x`,
    ];
    const objects = [deployment('ratings'), podWithAccount, set, sa('declared'), strict,
      policy('p', { ...selectRatings, rules: [{ from: [{ source: { principals: [...principals, 42, null] } }, null, { source: null }, {}] }] })];
    expect(findings(objects)).toEqual([]);
    // A ReplicaSet's and a DaemonSet's accounts are known too; a Job's are not.
    for (const [kind, known] of [['ReplicaSet', true], ['DaemonSet', true], ['Job', false]] as const) {
      const workload = { ...deployment('batch2', 'batch2'), kind };
      const f = findings([deployment('ratings'), workload, strict, policy('p', { ...selectRatings, rules: [{ from: [{ source: { principals: [`${TD}/ns/shop/sa/batch2`] } }] }] })]);
      expect([kind, f.map(x => x.code)]).toEqual([kind, known ? [] : ['CIT0020']]);
    }
  });

  test('CIT0021: ALLOW only, not for a mesh-wide policy, and each identity field or source.* when key counts', () => {
    const noStrict = (rule: any, extra: any = {}) => codes([deployment('ratings'), policy('p', { ...selectRatings, ...extra, rules: [rule] })]);
    for (const k of ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts']) {
      const value = k.toLowerCase().includes('principals') ? [`${TD}/ns/shop/sa/default`] : k.toLowerCase().includes('serviceaccounts') ? ['default'] : ['shop'];
      expect([k, noStrict({ from: [{ source: { [k]: value } }] })]).toEqual([k, [['CIT0021', 'warning', 'spec.rules[0].from']]]);
    }
    for (const key of ['source.principal', 'source.namespace', 'source.serviceAccount', 'source.trustDomain']) {
      expect([key, noStrict({ when: [{ key, values: ['x'] }] })]).toEqual([key, [['CIT0021', 'warning', 'spec.rules[0].from']]]);
    }
    // Not identity: an empty list, source.ip, another key; and not an ALLOW policy.
    expect(noStrict({ from: [{ source: { principals: [] } }] })).toEqual([]);
    expect(noStrict({ when: [{ key: 'source.ip', values: ['10.0.0.1'] }, { key: 'source.principalX', values: ['x'] }, null] })).toEqual([]);
    expect(noStrict({ from: [{ source: { namespaces: ['shop'] } }] }, { action: 'DENY' })).toEqual([]);
    expect(noStrict({ from: [{ source: { namespaces: ['shop'] } }] }, { action: 'AUDIT' })).toEqual([]);
    // A mesh-wide policy (root namespace, no selector) is not checked per workload.
    const mesh = { ...policy('p', { rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] }), metadata: { name: 'p', namespace: 'istio-system' } };
    expect(codes([deployment('ratings'), mesh])).toEqual([]);
    // PERMISSIVE from a policy is named as such.
    const permissive = { ...strict, metadata: { name: 'open', namespace: ns }, spec: { mtls: { mode: 'PERMISSIVE' } } };
    const f = findings([deployment('ratings'), permissive, policy('p', { ...selectRatings, rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] })]);
    expect(f[0].message).toBe('allows callers by identity, but no STRICT PeerAuthentication covers Deployment/ratings (mode PERMISSIVE from shop/open): '
      + 'callers without a sidecar reach it in plain text, with no principal, and are denied by this allow list');
    expect(f[0].value).toBe(JSON.stringify([{ source: { namespaces: ['shop'] } }]));
  });

  test('CIT0022: the ports the rule names pick the Service ports; appProtocol before the name; an unknown protocol or an HTTP one among them says nothing', () => {
    const db = (ports: any[]) => ({ ...service('db'), spec: { selector: { app: 'db' }, ports } });
    const rule = (ports?: string[]) => ({ to: [{ operation: { paths: ['/x'], ...(ports ? { ports } : {}) } }] });
    const run = (ports: any[], r: any = rule(), action?: string) => codes([deployment('db'), db(ports), strict,
      policy('p', { selector: { matchLabels: { app: 'db' } }, ...(action ? { action } : {}), rules: [r] })]);
    expect(run([{ name: 'tcp', port: 5432 }, { name: 'mysql-x', port: 3306 }])).toEqual([['CIT0022', 'error', 'spec.rules[0].to[0].operation.paths']]);
    expect(findings([deployment('db'), db([{ name: 'tcp', port: 5432 }, { name: 'redis', port: 6379 }]), strict,
      policy('p', { selector: { matchLabels: { app: 'db' } }, rules: [rule()] })])[0].message)
      .toBe('is an HTTP condition, but the selected workloads serve TCP only (tcp, redis); Istio drops such a rule for TCP traffic, so it allows nothing');
    expect(run([{ name: 'http', port: 80, appProtocol: 'TCP' }])).toEqual([['CIT0022', 'error', 'spec.rules[0].to[0].operation.paths']]);
    expect(run([{ name: 'tcp', port: 80, appProtocol: 'kubernetes.io/h2c' }])).toEqual([]);
    expect(run([{ name: 'tcp', port: 80, appProtocol: 'grpc-web' }])).toEqual([]);
    expect(run([{ name: 'tcp', port: 80 }, { name: 'http-web', port: 8080 }])).toEqual([]);
    expect(run([{ name: 'tcp', port: 80 }, { name: 'web', port: 8080 }])).toEqual([]);
    expect(run([{ port: 80 }])).toEqual([]);
    // The rule's ports (container ports) choose: the HTTP port is left out when the rule names the TCP one.
    expect(run([{ name: 'tcp', port: 80, targetPort: 5432 }, { name: 'http', port: 8080 }], rule(['5432']))).toEqual([['CIT0022', 'error', 'spec.rules[0].to[0].operation.paths']]);
    expect(run([{ name: 'tcp', port: 5432 }, { name: 'http', port: 8080 }], rule(['8080']))).toEqual([]);
    expect(run([{ name: 'tcp', port: 5432 }], rule(['9999']))).toEqual([]);
    // Each HTTP condition field counts: methods, hosts, requestPrincipals, request.* keys; not a port or a source.* key.
    for (const [r, field] of [
      [{ to: [{ operation: { notMethods: ['GET'] } }] }, 'spec.rules[0].to[0].operation.notMethods'],
      [{ to: [{ operation: { notPaths: ['/x'] } }] }, 'spec.rules[0].to[0].operation.notPaths'],
      [{ to: [{ operation: { hosts: ['a'] } }] }, 'spec.rules[0].to[0].operation.hosts'],
      [{ to: [{ operation: { notHosts: ['a', 'a:*'] } }] }, 'spec.rules[0].to[0].operation.notHosts'],
      [{ from: [{ source: { requestPrincipals: ['*'] } }] }, 'spec.rules[0].from[0].source.requestPrincipals'],
      [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }, 'spec.rules[0].from[0].source.notRequestPrincipals'],
      [{ when: [{ key: 'source.ip', values: ['1.2.3.4'] }, { key: 'request.headers[x]', values: ['1'] }] }, 'spec.rules[0].when[1].key'],
    ] as const) {
      expect(run([{ name: 'tcp', port: 5432 }], r)).toEqual([['CIT0022', 'error', field]]);
    }
    expect(run([{ name: 'tcp', port: 5432 }], { to: [{ operation: { ports: ['5432'] } }], when: [{ key: 'source.ip', values: ['1.2.3.4'] }] })).toEqual([]);
    // An empty list is a field not set (proto3), not an HTTP condition.
    expect(run([{ name: 'tcp', port: 5432 }], { to: [{ operation: { ports: ['5432'], methods: [], hosts: [] } }], from: [{ source: { requestPrincipals: [] } }] })).toEqual([]);
    // DENY warns; CUSTOM and AUDIT are not checked.
    expect(run([{ name: 'tcp', port: 5432 }], rule(), 'DENY')).toEqual([['CIT0022', 'warning', 'spec.rules[0].to[0].operation.paths']]);
    expect(run([{ name: 'tcp', port: 5432 }], rule(), 'CUSTOM')).toEqual([]);
    expect(run([{ name: 'tcp', port: 5432 }], rule(), 'AUDIT')).toEqual([]);
  });

  test('CIT0022: only the Services that select the policy\'s pods count', () => {
    const other = { ...service('db'), metadata: { name: 'db', namespace: 'other' }, spec: { selector: { app: 'db' }, ports: [{ name: 'tcp', port: 5432 }] } };
    const noSelector = { ...service('db2'), spec: { ports: [{ name: 'tcp', port: 5432 }] } };
    const emptySelector = { ...service('db3'), spec: { selector: {}, ports: [{ name: 'tcp', port: 5432 }] } };
    const wrong = { ...service('db4'), spec: { selector: { app: 'db', tier: 'x' }, ports: [{ name: 'tcp', port: 5432 }] } };
    expect(codes([deployment('db'), other, noSelector, emptySelector, wrong, strict,
      policy('p', { selector: { matchLabels: { app: 'db' } }, rules: [{ to: [{ operation: { paths: ['/x'] } }] }] })])).toEqual([]);
  });

  test('look-alikes of other API groups are not policies, PeerAuthentications, Services, ServiceAccounts or Namespaces', () => {
    const other = (o: any) => ({ ...o, apiVersion: 'example.com/v1' });
    const allowList = policy('p', { ...selectRatings, rules: [{ from: [{ source: { principals: [`${TD}/ns/shop/sa/ghost`] } }], to: [{ operation: { methods: ['GET'] } }] }] });
    // A policy of another group, or of a group that only ends like Istio's, is not checked.
    expect(findings([other(policy('p', { rules: [{}] }))])).toEqual([]);
    expect(findings([{ ...policy('p', { rules: [{}] }), apiVersion: 'example.security.istio.io/v1' }])).toEqual([]);
    expect(findings([{ ...policy('p', { rules: [{}] }), kind: 'RequestAuthentication' }])).toEqual([]);
    // The look-alikes change nothing: the ServiceAccount is still unknown, mTLS still not STRICT, the port still unknown, the namespace still not ambient.
    const ambientNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' } } };
    const base = [deployment('ratings'), allowList];
    const expected = codes(base);
    expect(expected.map(c => c[0])).toEqual(['CIT0020', 'CIT0021']);
    expect(codes([...base, other(strict), other(sa('ghost')), other(service('ratings', 'tcp')), other(ambientNs)])).toEqual(expected);
    // A workload of another kind is not one the checks know.
    expect(codes([{ ...deployment('ratings'), kind: 'CronJob' }, allowList]).map(c => c[0])).toEqual(['IST0127', 'CIT0020']);
  });

  test('entries of the wrong type are skipped', () => {
    const rules = [null, { from: null, to: [null, { operation: { ports: [{ toString: 1 }, 80], methods: ['GET'] } }], when: [null, { key: 5 }] },
      { from: [null, { source: null }, { source: { principals: [7, null, `${TD}/ns/shop/sa/ghost`] } }] }];
    expect(codes([deployment('db'), service('db', 'tcp'), strict, policy('p', { selector: { matchLabels: { app: 'db' } }, rules })]))
      .toEqual([['CIT0022', 'error', 'spec.rules[1].to[1].operation.methods'], ['CIT0020', 'warning', 'spec.rules[2].from[2].source.principals[2]']]);
  });

  test('CIT0023: the message names up to three ambient pods; pods of a sidecar namespace beside them do not count', () => {
    const ambientNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio.io/dataplane-mode': 'ambient' } } };
    const web = (name: string) => ({ ...deployment(name), spec: { ...deployment(name).spec, template: { metadata: { labels: { app: 'web', id: name } }, spec: { containers: [] } } } });
    const f = findings([ambientNs, web('w1'), web('w2'), web('w3'), web('w4'), strict,
      policy('p', { selector: { matchLabels: { app: 'web' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })]);
    expect(f.map(x => x.code)).toEqual(['CIT0023']);
    expect(f[0].message).toBe('is an HTTP condition in a policy that selects workloads by label (Deployment/w1, Deployment/w2, Deployment/w3 in ambient mode), '
      + 'which ztunnel enforces at L4; it cannot read HTTP, so the rule allows nothing');
    expect(f[0].fix).toBe("Bind the policy to the service's waypoint (targetRefs to the Service or the waypoint Gateway instead of a selector), or limit the rule to callers and ports");
    const deny = findings([ambientNs, web('w1'), strict, policy('p', { selector: { matchLabels: { app: 'web' } }, action: 'DENY', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })]);
    expect(deny[0].message).toMatch(/which ztunnel enforces at L4; it drops the HTTP conditions, so the rule denies every connection its other conditions match$/);
    const sidecarNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } };
    expect(findings([sidecarNs, web('w1'), strict, policy('p', { selector: { matchLabels: { app: 'web' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })])).toEqual([]);
  });
});

describe('the analysis of hand-written transport security', () => {
  const service = (name: string, ns: string, port = 80, targetPort = port) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort }] },
  });
  const deployment = (name: string, ns: string, labels: { [k: string]: string } = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, version: 'v1', ...labels } } } },
  });
  const destinationRule = (host: string, ns: string, trafficPolicy: any, subsets?: any[]) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: host, namespace: ns },
    spec: { host, trafficPolicy, ...(subsets ? { subsets } : {}) },
  });
  const peerAuthentication = (name: string, ns: string, spec: any) => ({
    apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec,
  });
  const namespaceObject = (name: string, labels: { [k: string]: string } = {}) => ({
    apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels },
  });

  const findings = (manifests: any[]) => Analysis.analyzeManifests(manifests).filter(f => /^CIT001/.test(f.code));

  test('CIT0010: per port, per subset, and the mesh-wide default in istio-system', () => {
    const base = [service('ratings', 'shop', 80, 9080), deployment('ratings', 'shop')];
    expect(findings([...base,
      peerAuthentication('ratings', 'shop', { selector: { matchLabels: { app: 'ratings' } }, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { 9080: { mode: 'STRICT' } } }),
      destinationRule('ratings', 'shop', { portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'DISABLE' } }] })])).toEqual([expect.objectContaining({ code: 'CIT0010', field: 'spec.trafficPolicy.portLevelSettings[0].tls.mode', message: expect.stringMatching(/on port 9080 \(STRICT/) })]);
    expect(findings([...base,
      peerAuthentication('default', 'istio-system', { mtls: { mode: 'STRICT' } }),
      destinationRule('ratings', 'shop', undefined, [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'DISABLE' } } }])])).toEqual([expect.objectContaining({ code: 'CIT0010', field: 'spec.subsets[0].trafficPolicy.tls.mode' })]);
    // A subset that selects none of the workloads the PeerAuthentication covers: no finding.
    expect(findings([...base,
      peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } }),
      destinationRule('ratings', 'shop', undefined, [{ name: 'v2', labels: { version: 'v2' }, trafficPolicy: { tls: { mode: 'DISABLE' } } }])])).toEqual([]);
    // UNSET inherits: the namespace's PERMISSIVE.
    expect(findings([...base,
      peerAuthentication('default', 'shop', { mtls: { mode: 'PERMISSIVE' } }),
      peerAuthentication('ratings', 'shop', { selector: { matchLabels: { app: 'ratings' } }, mtls: { mode: 'UNSET' } }),
      destinationRule('ratings', 'shop', { tls: { mode: 'DISABLE' } })])).toEqual([]);
  });

  test('CIT0011: ISTIO_MUTUAL into a namespace without injection, unless the pods opt in', () => {
    const base = [namespaceObject('legacy'), service('old', 'legacy')];
    expect(findings([...base, deployment('old', 'legacy'), destinationRule('old', 'legacy', { tls: { mode: 'ISTIO_MUTUAL' } })]))
      .toEqual([expect.objectContaining({ code: 'CIT0011', constructPath: 'manifest[3]', fix: expect.stringMatching(/istio-injection=enabled/) })]);
    expect(findings([...base, deployment('old', 'legacy', { 'sidecar.istio.io/inject': 'true' }), destinationRule('old', 'legacy', { tls: { mode: 'ISTIO_MUTUAL' } })]))
      .toEqual([]);
    expect(findings([namespaceObject('legacy', { 'istio.io/rev': 'canary' }), service('old', 'legacy'), deployment('old', 'legacy'),
      destinationRule('old', 'legacy', { tls: { mode: 'ISTIO_MUTUAL' } })])).toEqual([]);
  });

  test('CIT0012: two PeerAuthentications for the same workloads or namespace', () => {
    const f = findings([service('a', 'shop'), deployment('a', 'shop'),
      peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } }),
      peerAuthentication('other', 'shop', { mtls: { mode: 'PERMISSIVE' } }),
      peerAuthentication('a', 'shop', { selector: { matchLabels: { app: 'a' } }, mtls: { mode: 'STRICT' } }),
      peerAuthentication('a-v1', 'shop', { selector: { matchLabels: { version: 'v1' } }, mtls: { mode: 'DISABLE' } })]);
    expect(f.map(x => [x.code, x.name, x.field])).toEqual([
      ['CIT0012', 'other', 'spec.selector'],
      ['CIT0012', 'a-v1', 'spec.selector.matchLabels'],
    ]);
    expect(f[0].message).toMatch(/namespace-wide PeerAuthentication shop\/default \(manifest\[2\]\)/);
    expect(f[1].message).toMatch(/selects the same workloads as PeerAuthentication shop\/a \(manifest\[4\]\)/);
  });

  // Istio's ComposePeerAuthentication (pilot/pkg/security/authn): per level only the oldest policy
  // counts, UNSET inherits from the level above even when a newer policy of that level sets a mode,
  // and a policy with a selector in the root namespace applies to no workload.
  test('the oldest namespace-wide policy decides, UNSET included: a newer DISABLE in the namespace does not apply', () => {
    const base = [service('ratings', 'shop'), deployment('ratings', 'shop'), peerAuthentication('default', 'istio-system', { mtls: { mode: 'STRICT' } })];
    const f = findings([...base,
      peerAuthentication('first', 'shop', { mtls: { mode: 'UNSET' } }),
      peerAuthentication('second', 'shop', { mtls: { mode: 'DISABLE' } }),
      destinationRule('ratings', 'shop', { tls: { mode: 'ISTIO_MUTUAL' } })]);
    // Only the duplicate is reported: the workloads accept the mesh's STRICT, which ISTIO_MUTUAL meets.
    expect(f.map(x => [x.code, x.name])).toEqual([['CIT0012', 'second']]);
    // Without the mesh-wide STRICT the namespace's UNSET means PERMISSIVE: DISABLE towards it passes too.
    expect(findings([service('ratings', 'shop'), deployment('ratings', 'shop'),
      peerAuthentication('first', 'shop', { mtls: { mode: 'UNSET' } }), peerAuthentication('second', 'shop', { mtls: { mode: 'STRICT' } }),
      destinationRule('ratings', 'shop', { tls: { mode: 'DISABLE' } })]).map(x => x.code)).toEqual(['CIT0012']);
  });

  test('a policy with a selector in istio-system applies to no workload (the mesh-wide one decides there)', () => {
    const f = findings([service('gw', 'istio-system'), deployment('gw', 'istio-system'),
      peerAuthentication('gw', 'istio-system', { selector: { matchLabels: { app: 'gw' } }, mtls: { mode: 'DISABLE' } }),
      destinationRule('gw', 'istio-system', { tls: { mode: 'ISTIO_MUTUAL' } })]);
    expect(f).toEqual([]);
    // The mesh-wide policy does apply to them.
    expect(findings([service('gw', 'istio-system'), deployment('gw', 'istio-system'),
      peerAuthentication('default', 'istio-system', { mtls: { mode: 'DISABLE' } }),
      destinationRule('gw', 'istio-system', { tls: { mode: 'ISTIO_MUTUAL' } })]).map(x => x.code)).toEqual(['CIT0010']);
  });

  test('the analysis and the simulator read PeerAuthentications alike', () => {
    const manifests = [service('ratings', 'shop'), deployment('ratings', 'shop'),
      peerAuthentication('default', 'istio-system', { mtls: { mode: 'STRICT' } }),
      peerAuthentication('old', 'shop', { selector: { matchLabels: { app: 'ratings' } }, mtls: { mode: 'UNSET' } }),
      peerAuthentication('new', 'shop', { selector: { matchLabels: { app: 'ratings' } }, mtls: { mode: 'DISABLE' } }),
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'ratings', namespace: 'shop' },
        spec: { selector: { matchLabels: { app: 'ratings' } }, rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] },
      }];
    // The workloads accept the mesh's STRICT (the oldest workload policy says UNSET): a caller without
    // a sidecar is refused, a mesh caller of the namespace has its identity and is let in.
    const sim = RoutingSimulator.fromManifests(manifests);
    const plain = sim.route({ host: 'ratings.shop.svc.cluster.local', sourceNamespace: 'shop', sourceInMesh: false });
    expect(plain.kind).toBe(OutcomeKind.DENIED);
    expect(plain.authorization?.explanation).toMatch(/PeerAuthentication istio-system\/default requires mTLS \(STRICT\)/);
    expect(sim.route({ host: 'ratings.shop.svc.cluster.local', sourceNamespace: 'shop' }).authorization?.allowed).toBe(true);
    // The analysis agrees: no warning that the allow list meets plain text, and a client's plain
    // text towards the workloads is refused (CIT0010, naming the mesh-wide policy).
    const all = (extra: any[]) => Analysis.analyzeManifests([...manifests, ...extra]).filter(f => /^CIT00(1|2)/.test(f.code)).map(f => [f.code, f.message.match(/\(STRICT[^)]*\)/)?.[0]]);
    expect(all([])).toEqual([['CIT0012', undefined]]);
    expect(all([destinationRule('ratings', 'shop', { tls: { mode: 'DISABLE' } })]))
      .toEqual([['CIT0010', expect.stringContaining('istio-system/default')], ['CIT0012', undefined]]);
  });

  test('CIT0013: a port-level mode keyed by the Service port instead of the container port', () => {
    const f = findings([service('a', 'shop', 80, 8080), deployment('a', 'shop'),
      peerAuthentication('a', 'shop', { selector: { matchLabels: { app: 'a' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 80: { mode: 'DISABLE' }, 8080: { mode: 'PERMISSIVE' } } })]);
    expect(f).toEqual([expect.objectContaining({
      code: 'CIT0013', field: 'spec.portLevelMtls["80"]', message: expect.stringMatching(/Service port of shop\/a, whose pods listen on 8080/), fix: 'Key the mode by the target port 8080',
    })]);
  });

  const strictIn = (ns: string) => peerAuthentication('default', ns, { mtls: { mode: 'STRICT' } });
  const disableIn = (ns: string) => peerAuthentication('off', ns, { mtls: { mode: 'DISABLE' } });
  const ratings = [service('ratings', 'shop', 80, 9080), deployment('ratings', 'shop')];

  test('CIT0010: every message: plain text or TLS of its own towards STRICT, Istio mTLS towards DISABLE; the default or a policy; on a port or not', () => {
    const one = (objects: any[]) => {
      const f = findings(objects);
      expect(f).toHaveLength(1);
      return f[0];
    };
    const plain = one([...ratings, strictIn('shop'), destinationRule('ratings', 'shop', { tls: { mode: 'DISABLE' } })]);
    expect([plain.code, plain.severity, plain.field, plain.value]).toEqual(['CIT0010', 'error', 'spec.trafficPolicy.tls.mode', '"DISABLE"']);
    expect(plain.message).toBe('sends plain text to Deployment/ratings of Service shop/ratings, which accepts only Istio mutual TLS on port 9080 '
      + '(STRICT, from PeerAuthentication shop/default (manifest[2])): every call fails');
    expect(plain.fix).toBe('Set tls.mode ISTIO_MUTUAL (or remove tls: Istio picks mutual TLS itself), or make the PeerAuthentication PERMISSIVE');
    for (const mode of ['SIMPLE', 'MUTUAL']) {
      expect(one([...ratings, strictIn('shop'), destinationRule('ratings', 'shop', { tls: { mode } })]).message)
        .toBe(`sends ${mode} TLS with certificates of its own to Deployment/ratings of Service shop/ratings, which accepts only Istio mutual TLS on port 9080 `
          + '(STRICT, from PeerAuthentication shop/default (manifest[2])): every call fails');
    }
    const mutual = one([...ratings, disableIn('shop'), destinationRule('ratings', 'shop', { tls: { mode: 'ISTIO_MUTUAL' } })]);
    expect(mutual.message).toBe('sends Istio mutual TLS to Deployment/ratings of Service shop/ratings, which accepts only plain text on port 9080 '
      + '(DISABLE, from PeerAuthentication shop/off (manifest[2])): every call fails');
    expect(mutual.fix).toBe('Set tls.mode DISABLE (or remove tls: Istio detects plain-text servers itself), or make the PeerAuthentication PERMISSIVE or STRICT');
    // Accepted: ISTIO_MUTUAL towards STRICT, anything but ISTIO_MUTUAL towards DISABLE, anything towards PERMISSIVE.
    expect(findings([...ratings, strictIn('shop'), destinationRule('ratings', 'shop', { tls: { mode: 'ISTIO_MUTUAL' } })])).toEqual([]);
    expect(findings([...ratings, disableIn('shop'), destinationRule('ratings', 'shop', { tls: { mode: 'SIMPLE' } })])).toEqual([]);
    // A tls without a mode says nothing.
    expect(findings([...ratings, strictIn('shop'), destinationRule('ratings', 'shop', { tls: { sni: 'x' } })])).toEqual([]);
  });

  test('CIT0010: reported once per setting however many pods and ports refuse; a named target port is not a port number', () => {
    const twoPorts = { ...service('ratings', 'shop'), spec: { selector: { app: 'ratings' }, ports: [{ name: 'http', port: 80, targetPort: 9080 }, { name: 'http-admin', port: 81, targetPort: 'admin' }] } };
    const f = findings([twoPorts, deployment('ratings', 'shop'), deployment('ratings-b', 'shop', { app: 'ratings' }), strictIn('shop'),
      destinationRule('ratings', 'shop', { tls: { mode: 'DISABLE' } })]);
    expect(f.map(x => [x.code, x.field])).toEqual([['CIT0010', 'spec.trafficPolicy.tls.mode']]);
    // The named target port of port 81 counts as "every port" (no port in the message).
    const admin = findings([twoPorts, deployment('ratings', 'shop'), strictIn('shop'),
      destinationRule('ratings', 'shop', { portLevelSettings: [{ port: { number: 81 }, tls: { mode: 'DISABLE' } }] })]);
    expect(admin.map(x => x.field)).toEqual(['spec.trafficPolicy.portLevelSettings[0].tls.mode']);
    expect(admin[0].message).toMatch(/which accepts only Istio mutual TLS \(STRICT, from/);
  });

  test('CIT0010 is about Services of the cluster in the app: other hosts, wildcards, no host, unknown Services, other API groups say nothing', () => {
    const drFor = (host: any, ns = 'shop', apiVersion = 'networking.istio.io/v1') => ({ ...destinationRule('x', ns, { tls: { mode: 'DISABLE' } }), apiVersion, spec: { host, trafficPolicy: { tls: { mode: 'DISABLE' } } } });
    for (const dr of [drFor('ratings.example.com'), drFor('*.shop.svc.cluster.local'), drFor(undefined), drFor(42), drFor('unknown'),
      drFor('ratings', 'shop', 'networking.example.com/v1'), drFor('ratings', 'other')]) {
      expect([dr.spec.host, findings([...ratings, strictIn('shop'), strictIn('other'), dr])]).toEqual([dr.spec.host, []]);
    }
    // The full name of the Service, from another namespace, is the Service's.
    expect(findings([...ratings, strictIn('shop'), drFor('ratings.shop.svc.cluster.local', 'other')]).map(x => x.code)).toEqual(['CIT0010']);
    expect(findings([...ratings, strictIn('shop'), drFor('ratings', 'shop', 'networking.istio.io/v1beta1')]).map(x => x.code)).toEqual(['CIT0010']);
  });

  test('CIT0010: Services without a selector, ports without a number and pods of other Services do not count; Pods do', () => {
    const noSelector = { ...service('ratings', 'shop'), spec: { ports: [{ name: 'http', port: 80 }] } };
    expect(findings([noSelector, deployment('ratings', 'shop'), strictIn('shop'), destinationRule('ratings', 'shop', { tls: { mode: 'DISABLE' } })])).toEqual([]);
    const noNumber = { ...service('ratings', 'shop'), spec: { selector: { app: 'ratings' }, ports: [{ name: 'http', port: '80' }] } };
    // Without a port the Service gives no target: the workload's own mode is read (STRICT), once.
    expect(findings([noNumber, deployment('ratings', 'shop'), strictIn('shop'), destinationRule('ratings', 'shop', { tls: { mode: 'DISABLE' } })])[0].message)
      .toMatch(/which accepts only Istio mutual TLS \(STRICT/);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ratings-0', namespace: 'shop', labels: { app: 'ratings' } } };
    expect(findings([service('ratings', 'shop'), pod, strictIn('shop'), destinationRule('ratings', 'shop', { tls: { mode: 'DISABLE' } })])[0].message)
      .toMatch(/^sends plain text to Pod\/ratings-0 of Service shop\/ratings/);
    expect(findings([service('ratings', 'shop'), deployment('reviews', 'shop'), strictIn('shop'), destinationRule('ratings', 'shop', { tls: { mode: 'DISABLE' } })])).toEqual([]);
  });

  test('without a PeerAuthentication or a client tls setting there is nothing to check; tls in a subset or at a port is a setting', () => {
    expect(findings([...ratings, destinationRule('ratings', 'shop', { loadBalancer: { simple: 'RANDOM' } })])).toEqual([]);
    const legacy = [namespaceObject('legacy'), service('old', 'legacy'), deployment('old', 'legacy')];
    expect(findings([...legacy, destinationRule('old', 'legacy', undefined, [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }])])
      .map(x => [x.code, x.field])).toEqual([['CIT0011', 'spec.subsets[0].trafficPolicy.tls.mode']]);
    expect(findings([...legacy, destinationRule('old', 'legacy', { portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'ISTIO_MUTUAL' } }, { tls: { mode: 'ISTIO_MUTUAL' } }] })])
      .map(x => [x.code, x.field])).toEqual([['CIT0011', 'spec.trafficPolicy.portLevelSettings[0].tls.mode']]);
  });

  test('CIT0011: the message and fix; injection by label or revision (not when disabled), ambient, or every pod opting in', () => {
    const legacy = (labels: { [k: string]: string }, podLabels: { [k: string]: string } = {}, more: any[] = []) => findings([namespaceObject('legacy', labels),
      service('old', 'legacy'), deployment('old', 'legacy', podLabels), ...more, destinationRule('old', 'legacy', { tls: { mode: 'ISTIO_MUTUAL' } })]);
    const f = legacy({});
    expect([f[0].code, f[0].severity, f[0].field, f[0].value]).toEqual(['CIT0011', 'error', 'spec.trafficPolicy.tls.mode', '"ISTIO_MUTUAL"']);
    expect(f[0].message).toBe('sends Istio mutual TLS to host old.legacy.svc.cluster.local, but Namespace legacy (manifest[0]) has no sidecar injection label, '
      + 'so its workloads have no sidecar to answer it: every call fails');
    expect(f[0].fix).toBe('Label Namespace legacy istio-injection=enabled (MeshNamespace does) or istio.io/rev=<revision>, or set tls.mode DISABLE for a service outside the mesh');
    expect(legacy({ 'istio-injection': 'enabled' })).toEqual([]);
    expect(legacy({ 'istio.io/rev': 'canary' })).toEqual([]);
    expect(legacy({ 'istio-injection': 'disabled', 'istio.io/rev': 'canary' }).map(x => x.code)).toEqual(['CIT0011']);
    expect(legacy({ 'istio-injection': 'yes' }).map(x => x.code)).toEqual(['CIT0011']);
    expect(legacy({ 'istio.io/dataplane-mode': 'ambient' })).toEqual([]);
    expect(legacy({}, { 'sidecar.istio.io/inject': 'true' })).toEqual([]);
    expect(legacy({}, { 'sidecar.istio.io/inject': 'false' }).map(x => x.code)).toEqual(['CIT0011']);
    // Every pod behind the Service must opt in, not one of them; pods of other Services do not matter.
    expect(legacy({}, { 'sidecar.istio.io/inject': 'true' }, [deployment('old-b', 'legacy', { app: 'old' })]).map(x => x.code)).toEqual(['CIT0011']);
    expect(legacy({}, { 'sidecar.istio.io/inject': 'true' }, [deployment('other', 'legacy')])).toEqual([]);
    // Another mode, or a namespace that is not in the app, says nothing.
    expect(findings([namespaceObject('legacy'), service('old', 'legacy'), deployment('old', 'legacy'), destinationRule('old', 'legacy', { tls: { mode: 'SIMPLE' } })])).toEqual([]);
    expect(findings([service('old', 'legacy'), deployment('old', 'legacy'), destinationRule('old', 'legacy', { tls: { mode: 'ISTIO_MUTUAL' } })])).toEqual([]);
    const notCore = { ...namespaceObject('legacy'), apiVersion: 'example.com/v1' };
    expect(findings([notCore, service('old', 'legacy'), deployment('old', 'legacy'), destinationRule('old', 'legacy', { tls: { mode: 'ISTIO_MUTUAL' } })])).toEqual([]);
  });

  test('CIT0012: the messages and fixes; the order of selector labels does not matter; two selectors that meet on the same pods collide', () => {
    const f = findings([service('a', 'shop'), deployment('a', 'shop'),
      peerAuthentication('wide', 'shop', { mtls: { mode: 'STRICT' } }),
      peerAuthentication('wide2', 'shop', { mtls: { mode: 'PERMISSIVE' } }),
      peerAuthentication('first', 'shop', { selector: { matchLabels: { app: 'a', version: 'v1' } }, mtls: { mode: 'STRICT' } }),
      peerAuthentication('reordered', 'shop', { selector: { matchLabels: { version: 'v1', app: 'a' } }, mtls: { mode: 'STRICT' } })]);
    expect(f.map(x => [x.code, x.severity, x.name, x.field])).toEqual([
      ['CIT0012', 'error', 'wide2', 'spec.selector'],
      ['CIT0012', 'error', 'reordered', 'spec.selector.matchLabels'],
    ]);
    expect(f[0].message).toBe('is missing, and namespace shop already has the namespace-wide PeerAuthentication shop/wide (manifest[2]); Istio applies only the oldest of the two');
    expect(f[0].fix).toBe('Keep one namespace-wide PeerAuthentication per namespace (MeshNamespace mtls makes it), and select workloads in the others');
    expect(f[1].message).toBe('selects the same workloads as PeerAuthentication shop/first (manifest[4]); Istio applies only the oldest of the two');
    expect(f[1].fix).toBe('Use one PeerAuthentication per workload (one PeerAuthenticationPolicy per service, with portModes for ports that differ)');
    expect(f[1].value).toBe(JSON.stringify({ version: 'v1', app: 'a' }));
    // Namespace-wide policies of two namespaces, and selectors of disjoint pods, do not collide; nor does an empty selector count as one.
    expect(findings([service('a', 'shop'), deployment('a', 'shop'), deployment('b', 'shop'),
      peerAuthentication('wide', 'shop', { mtls: { mode: 'STRICT' } }), peerAuthentication('wide', 'other', { mtls: { mode: 'STRICT' } }),
      peerAuthentication('a', 'shop', { selector: { matchLabels: { app: 'a' } }, mtls: { mode: 'STRICT' } }),
      peerAuthentication('b', 'shop', { selector: { matchLabels: { app: 'b' } }, mtls: { mode: 'STRICT' } }),
      peerAuthentication('none', 'other', { selector: { matchLabels: {} }, mtls: { mode: 'STRICT' } })]).map(x => [x.name, x.field]))
      .toEqual([['none', 'spec.selector']]);
    // Selectors for pods that do not exist collide only when they are the same.
    expect(findings([peerAuthentication('x', 'shop', { selector: { matchLabels: { app: 'x' } }, mtls: { mode: 'STRICT' } }),
      peerAuthentication('y', 'shop', { selector: { matchLabels: { app: 'y' } }, mtls: { mode: 'STRICT' } })])).toEqual([]);
  });

  test('CIT0013: only a port that is a Service port with another target counts; a Service of the selector without pods counts; other Services do not', () => {
    const pa = (ports: { [p: string]: any }, sel: any = { app: 'a' }) => peerAuthentication('a', 'shop', { selector: { matchLabels: sel }, mtls: { mode: 'STRICT' }, portLevelMtls: ports });
    const f = findings([service('a', 'shop', 80, 8080), pa({ 80: { mode: 'DISABLE' } })]);
    expect([f[0].code, f[0].severity, f[0].value, f[0].message]).toEqual(['CIT0013', 'error', '"80"',
      "is the Service port of shop/a, whose pods listen on 8080; Istio matches port-level modes on the workload's port, so this one applies to nothing"]);
    // A port that is no Service port, a Service port equal to its target, the target port itself: nothing.
    expect(findings([service('a', 'shop', 80, 8080), deployment('a', 'shop'), pa({ 9999: { mode: 'DISABLE' }, 8080: { mode: 'DISABLE' } })])).toEqual([]);
    expect(findings([service('a', 'shop', 80, 80), deployment('a', 'shop'), pa({ 80: { mode: 'DISABLE' } })])).toEqual([]);
    // A Service of another namespace or for other pods is not the policy's.
    const elsewhere = { ...service('a', 'other', 80, 8080) };
    expect(findings([elsewhere, deployment('a', 'shop'), pa({ 80: { mode: 'DISABLE' } })])).toEqual([]);
    expect(findings([service('b', 'shop', 80, 8080), deployment('a', 'shop'), deployment('b', 'shop'), pa({ 80: { mode: 'DISABLE' } })])).toEqual([]);
    // When one Service's target is the port, another Service's port of the same number does not count.
    const second = { ...service('a2', 'shop', 8080, 9090), spec: { selector: { app: 'a' }, ports: [{ name: 'http', port: 8080, targetPort: 9090 }] } };
    expect(findings([service('a', 'shop', 80, 8080), second, deployment('a', 'shop'), pa({ 8080: { mode: 'DISABLE' } })])).toEqual([]);
  });

  test('a hand-written PeerAuthentication STRICT and a hand-written DestinationRule DISABLE fail the synth', () => {
    const chart = new Chart(Testing.app(), 'raw');
    Analysis.enableFor(chart);
    new ApiObject(chart, 'ns', namespaceObject('shop', { 'istio-injection': 'enabled' }));
    new ApiObject(chart, 'svc', service('reviews', 'shop', 9080));
    new ApiObject(chart, 'deploy', deployment('reviews', 'shop'));
    new ApiObject(chart, 'pa', peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } }));
    new ApiObject(chart, 'dr', destinationRule('reviews', 'shop', { tls: { mode: 'DISABLE' } }));
    expect(() => Testing.synth(chart)).toThrow(
      /\[CIT0010\] \[raw\/dr\] DestinationRule shop\/reviews spec\.trafficPolicy\.tls\.mode: "DISABLE" - sends plain text to Deployment\/reviews of Service shop\/reviews, which accepts only Istio mutual TLS on port 9080 \(STRICT, from PeerAuthentication shop\/default \(raw\/pa\)\): every call fails\. Fix: Set tls\.mode ISTIO_MUTUAL/);
  });
});
