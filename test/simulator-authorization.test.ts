/**
 * Unit tests of src/simulator/authorization.ts: how the destination's sidecar evaluates
 * AuthorizationPolicies and RequestAuthentications, called directly with hand-written manifests and
 * hand-built requests. The expectations encode
 * https://istio.io/latest/docs/reference/config/security/authorization-policy/ (fields, value matching,
 * empty rules), https://istio.io/latest/docs/concepts/security/#authorization-policy-precedence
 * (CUSTOM, DENY, then ALLOW; AUDIT does not decide), https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/
 * (HTTP-only fields on TCP: an ALLOW rule is dropped, a DENY rule matches on the rest),
 * https://istio.io/latest/docs/reference/config/security/conditions/ (when keys) and
 * https://istio.io/latest/docs/reference/config/security/request_authentication/ (issuers, audiences,
 * `<iss>/<sub>` request principals, forwardOriginalToken), plus a few end-to-end checks through RoutingSimulator.
 */
import { OutcomeKind, RoutingSimulator } from '../src';
import {
  authorize, AuthzRequest, checkToken, isAuthorizationPolicy, isRequestAuthentication, peerModeFor, targetsObject, valueMatches,
} from '../src/simulator/authorization';

const NS = 'shop';
const ROOT = 'istio-system';
const CLIENT = 'cluster.local/ns/shop/sa/client';
const ISSUER = 'https://issuer.example.com';
const WEB = { name: 'Deployment/web', namespace: NS, labels: { app: 'web', version: 'v1' } };
const AT = 'shop/Deployment/web';
const NO_ALLOW = 'allowed at shop/Deployment/web: no ALLOW policy applies to it, and no DENY rule matches';

const ap = (name: string, spec: any, namespace = NS, annotations?: { [k: string]: unknown }) => ({
  apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, spec,
});
const ra = (name: string, spec: any, namespace = NS) => ({
  apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name, namespace }, spec,
});
/** A DENY policy whose one empty rule matches every request: it denies whenever it applies. */
const denyAll = (name = 'deny-all', namespace = NS, extra: any = {}) => ap(name, { action: 'DENY', rules: [{}], ...extra }, namespace);

const request = (over: Partial<AuthzRequest> = {}): AuthzRequest => ({
  workload: WEB,
  principal: CLIENT,
  port: 8080,
  http: true,
  method: 'GET',
  path: '/api/items',
  host: 'web.shop.svc.cluster.local',
  headers: new Map<string, string>(),
  ...over,
});

function decide(policies: any[], over: Partial<AuthzRequest> = {}, attached?: (p: any) => boolean) {
  const warnings: string[] = [];
  const decision = authorize(policies, request(over), warnings, attached);
  return { decision, warnings };
}

/** Whether one rule matches, as the only rule of one policy of `action` (ALLOW: allowed iff it matches; DENY: denied iff it does). */
function evaluate(rule: any, over: Partial<AuthzRequest> = {}, action = 'ALLOW'): { matched: boolean; warnings: string[] } {
  const { decision, warnings } = decide([ap('p', { action, rules: [rule] })], over);
  return { matched: action === 'ALLOW' ? decision.allowed : !decision.allowed, warnings };
}

/** Whether the rule matches, asserting it causes no warning. */
function matches(rule: any, over: Partial<AuthzRequest> = {}, action = 'ALLOW'): boolean {
  const { matched, warnings } = evaluate(rule, over, action);
  expect(warnings).toEqual([]);
  return matched;
}

const from = (source: any) => ({ from: [{ source }] });
const to = (operation: any) => ({ to: [{ operation }] });
const when = (...conditions: any[]) => ({ when: conditions });

describe('which policies apply to a sidecar', () => {
  test('a policy applies in the workload namespace and in the root namespace istio-system, not in another namespace', () => {
    expect(decide([denyAll('d', 'other')]).decision.allowed).toBe(true);
    expect(decide([denyAll('d', NS)]).decision).toMatchObject({ allowed: false, policy: 'shop/d' });
    expect(decide([denyAll('d', ROOT)]).decision).toMatchObject({ allowed: false, policy: 'istio-system/d' });
  });

  test('a selector applies the policy to the workloads whose labels include all its matchLabels; no or empty matchLabels: all', () => {
    const sel = (matchLabels: any, namespace = NS) => denyAll('d', namespace, { selector: { matchLabels } });
    expect(decide([sel({ app: 'web' })]).decision.allowed).toBe(false);
    expect(decide([sel({ app: 'web', version: 'v1' })]).decision.allowed).toBe(false);
    expect(decide([sel({ app: 'web', version: 'v2' })]).decision.allowed).toBe(true);
    expect(decide([sel({ app: 'db' })]).decision.allowed).toBe(true);
    expect(decide([sel({})]).decision.allowed).toBe(false);
    expect(decide([denyAll('d', NS, { selector: {} })]).decision.allowed).toBe(false);
    // A root-namespace policy with a selector selects the matching workloads of every namespace.
    expect(decide([sel({ app: 'web' }, ROOT)]).decision.allowed).toBe(false);
    expect(decide([sel({ app: 'db' }, ROOT)]).decision.allowed).toBe(true);
  });

  test('a policy bound with targetRef or targetRefs applies to gateways and waypoints, not to sidecars', () => {
    const gatewayRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' };
    expect(decide([denyAll('d', NS, { targetRef: gatewayRef })]).decision.allowed).toBe(true);
    expect(decide([denyAll('d', NS, { targetRefs: [{ kind: 'Service', name: 'web' }] })]).decision.allowed).toBe(true);
    // An empty targetRefs list is no binding (a proto3 repeated field has no other form): the policy applies to sidecars.
    expect(decide([denyAll('d', NS, { targetRefs: [] })]).decision.allowed).toBe(false);
    expect(decide([denyAll('d', NS, { targetRef: null })]).decision.allowed).toBe(false);
  });

  test('the attached callback replaces selection: only the policies it accepts apply, wherever they are and however bound', () => {
    const bound = denyAll('bound', 'other', { targetRefs: [{ kind: 'Service', name: 'web' }] });
    const attached = (p: any) => p.metadata.name === 'bound';
    expect(decide([bound], {}, attached).decision).toMatchObject({ allowed: false, policy: 'other/bound' });
    expect(decide([denyAll('namespace-wide')], {}, attached).decision.allowed).toBe(true);
  });

  test('a dry-run policy (istio.io/dry-run read as Go reads a bool: 1, t, T, true, True, TRUE) only logs: it is skipped with a warning', () => {
    for (const value of ['true', 'True', 'TRUE', '1', 't', 'T']) {
      const dry = ap('dry', { action: 'DENY', rules: [{}] }, NS, { 'istio.io/dry-run': value });
      expect(decide([dry])).toEqual({
        decision: { workload: AT, principal: CLIENT, allowed: true, explanation: NO_ALLOW },
        warnings: ['AuthorizationPolicy shop/dry is a dry run (istio.io/dry-run): Istio only logs its decision'],
      });
    }
    for (const value of ['false', '0', 'tRuE', 'yes']) {
      const enforced = ap('enforced', { action: 'DENY', rules: [{}] }, NS, { 'istio.io/dry-run': value });
      expect({ value, ...decide([enforced]) }).toMatchObject({ value, decision: { allowed: false }, warnings: [] });
    }
    const other = ap('dry', { action: 'DENY', rules: [{}] }, 'other', { 'istio.io/dry-run': 'true' });
    expect(decide([other]).warnings).toEqual([]);
    // The attached callback selects, the annotation still skips.
    const dryBound = ap('dry', { action: 'DENY', rules: [{}] }, NS, { 'istio.io/dry-run': 'true' });
    expect(decide([dryBound], {}, () => true).decision.allowed).toBe(true);
  });

  test('a policy without metadata is of the default namespace and has no name', () => {
    const bare = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', spec: { action: 'DENY', rules: [{}] } };
    const { decision } = decide([bare], { workload: { name: 'Deployment/web', namespace: 'default', labels: {} } });
    expect(decision).toMatchObject({ allowed: false, policy: 'default/undefined', workload: 'default/Deployment/web' });
  });
});

describe('isAuthorizationPolicy and isRequestAuthentication', () => {
  test('recognise the kind in any version of security.istio.io, and nothing else', () => {
    const m = (apiVersion: any, kind: any) => ({ apiVersion, kind });
    for (const v of ['security.istio.io/v1', 'security.istio.io/v1beta1']) {
      expect(isAuthorizationPolicy(m(v, 'AuthorizationPolicy'))).toBe(true);
      expect(isRequestAuthentication(m(v, 'RequestAuthentication'))).toBe(true);
      expect(isAuthorizationPolicy(m(v, 'RequestAuthentication'))).toBe(false);
      expect(isRequestAuthentication(m(v, 'AuthorizationPolicy'))).toBe(false);
      expect(isRequestAuthentication(m(v, 'PeerAuthentication'))).toBe(false);
    }
    for (const v of ['networking.istio.io/v1', 'extensions.security.istio.io/v1', 'security.istio.io', undefined]) {
      expect(isAuthorizationPolicy(m(v, 'AuthorizationPolicy'))).toBe(false);
      expect(isRequestAuthentication(m(v, 'RequestAuthentication'))).toBe(false);
    }
    for (const x of [null, undefined, {}, 'AuthorizationPolicy']) {
      expect(isAuthorizationPolicy(x)).toBe(false);
      expect(isRequestAuthentication(x)).toBe(false);
    }
  });
});

describe('targetsObject', () => {
  const bound = (spec: any, namespace = NS) => ap('b', spec, namespace);
  const GW = 'gateway.networking.k8s.io';

  test('targetRefs and targetRef name the object by group (default the core group), kind and name, in the policy namespace', () => {
    expect(targetsObject(bound({ targetRefs: [{ kind: 'Service', name: 'web' }] }), '', 'Service', 'web', NS)).toBe(true);
    expect(targetsObject(bound({ targetRefs: [{ group: '', kind: 'Service', name: 'web' }] }), '', 'Service', 'web', NS)).toBe(true);
    expect(targetsObject(bound({ targetRef: { group: GW, kind: 'Gateway', name: 'waypoint' } }), GW, 'Gateway', 'waypoint', NS)).toBe(true);
    expect(targetsObject(bound({ targetRef: { kind: 'Service', name: 'web' } }), '', 'Service', 'web', NS)).toBe(true);
    // One of several references is enough; malformed entries are skipped.
    const db = { kind: 'Service', name: 'db' };
    const web = { kind: 'Service', name: 'web' };
    expect(targetsObject(bound({ targetRefs: [null, db, web] }), '', 'Service', 'web', NS)).toBe(true);
    expect(targetsObject(bound({ targetRefs: [db], targetRef: web }), '', 'Service', 'web', NS)).toBe(true);
  });

  test('a different group, kind, name or namespace is not targeted', () => {
    const ref = (r: any, namespace = NS) => bound({ targetRefs: [r] }, namespace);
    expect(targetsObject(ref({ group: GW, kind: 'Service', name: 'web' }), '', 'Service', 'web', NS)).toBe(false);
    expect(targetsObject(ref({ kind: 'Gateway', name: 'waypoint' }), GW, 'Gateway', 'waypoint', NS)).toBe(false);
    expect(targetsObject(ref({ kind: 'Gateway', name: 'web' }), '', 'Service', 'web', NS)).toBe(false);
    expect(targetsObject(ref({ kind: 'Service', name: 'db' }), '', 'Service', 'web', NS)).toBe(false);
    expect(targetsObject(ref({ kind: 'Service', name: 'web' }, 'other'), '', 'Service', 'web', NS)).toBe(false);
    expect(targetsObject(bound({ targetRef: { kind: 'Service', name: 'web' } }, 'other'), '', 'Service', 'web', NS)).toBe(false);
  });

  test('a policy without references, without spec, or no policy at all targets nothing', () => {
    expect(targetsObject(bound({}), '', 'Service', 'web', NS)).toBe(false);
    expect(targetsObject(bound({ selector: { matchLabels: { app: 'web' } } }), '', 'Service', 'web', NS)).toBe(false);
    expect(targetsObject({ metadata: { name: 'b', namespace: NS } }, '', 'Service', 'web', NS)).toBe(false);
    expect(targetsObject(undefined, '', 'Service', 'web', 'default')).toBe(false);
    // Not even an object whose kind and name are missing.
    expect(targetsObject(bound({}), '', undefined as any, undefined as any, NS)).toBe(false);
  });
});

describe('the decision: CUSTOM, DENY, then ALLOW', () => {
  const deny = ap('deny-writes', { action: 'DENY', rules: [to({ paths: ['/admin*'] }), to({ methods: ['POST', 'DELETE'] })] });

  test('no policy: allowed, and the decision says no ALLOW policy applies', () => {
    expect(decide([])).toEqual({
      decision: { workload: AT, principal: CLIENT, allowed: true, explanation: NO_ALLOW },
      warnings: [],
    });
  });

  test('a matching DENY rule denies with 403, naming the policy, the index of the first matching rule and the caller', () => {
    const denied = (caller: string) => `denied (403) by rule #1 of DENY policy shop/deny-writes at shop/Deployment/web (${caller})`;
    const base = { workload: AT, allowed: false, status: 403, action: 'DENY', policy: 'shop/deny-writes', ruleIndex: 1 };
    expect(decide([deny], { method: 'DELETE' }).decision).toEqual({ ...base, principal: CLIENT, explanation: denied(`principal ${CLIENT}`) });
    expect(decide([deny], { method: 'DELETE', principal: undefined }).decision)
      .toEqual({ ...base, explanation: denied('no principal (plain text)') });
    expect(decide([deny], { method: 'POST', caller: 'the caller shop/client' }).decision)
      .toEqual({ ...base, principal: CLIENT, explanation: denied('the caller shop/client') });
    expect(decide([deny], { method: 'POST', path: '/admin/users' }).decision.ruleIndex).toBe(0);
    // DENY wins over a matching ALLOW rule, whatever the order of the policies.
    expect(decide([ap('allow-all', { rules: [{}] }), deny], { method: 'POST' }).decision).toMatchObject({ allowed: false, action: 'DENY' });
  });

  test('without a matching DENY rule nor any ALLOW policy: allowed', () => {
    expect(decide([deny]).decision).toEqual({
      workload: AT, principal: CLIENT, allowed: true, explanation: NO_ALLOW,
    });
  });

  test('a DENY policy without rules denies nothing', () => {
    expect(decide([ap('d', { action: 'DENY' }), ap('e', { action: 'DENY', rules: [] })]).decision.allowed).toBe(true);
  });

  test('a matching ALLOW rule allows, naming the policy and the rule', () => {
    const allow = ap('allow-reads', { rules: [to({ methods: ['POST'] }), to({ methods: ['GET'] })] });
    expect(decide([allow]).decision).toEqual({
      workload: AT,
      principal: CLIENT,
      allowed: true,
      action: 'ALLOW',
      policy: 'shop/allow-reads',
      ruleIndex: 1,
      explanation: `allowed by rule #1 of ALLOW policy shop/allow-reads at shop/Deployment/web (principal ${CLIENT})`,
    });
    // The action defaults to ALLOW; an explicit ALLOW is the same.
    expect(decide([ap('explicit', { action: 'ALLOW', rules: [{}] })]).decision)
      .toMatchObject({ allowed: true, action: 'ALLOW', policy: 'shop/explicit' });
    // Of several ALLOW policies, the first with a matching rule is named.
    const { decision } = decide([ap('a', { rules: [to({ methods: ['POST'] })] }), ap('b', { rules: [{}] })], { principal: undefined });
    expect(decision).toEqual({
      workload: AT,
      allowed: true,
      action: 'ALLOW',
      policy: 'shop/b',
      ruleIndex: 0,
      explanation: 'allowed by rule #0 of ALLOW policy shop/b at shop/Deployment/web (no principal (plain text))',
    });
  });

  test('ALLOW policies apply and none matches: 403, worded for one policy or several', () => {
    const base = { workload: AT, principal: CLIENT, allowed: false, status: 403, action: 'ALLOW' };
    expect(decide([ap('a', { rules: [to({ methods: ['POST'] })] })]).decision).toEqual({
      ...base,
      policy: 'shop/a',
      explanation: `denied (403) at shop/Deployment/web: ALLOW policy shop/a applies and no rule of it matches (principal ${CLIENT})`,
    });
    const two = [ap('a', { rules: [to({ methods: ['POST'] })] }), ap('b', { rules: [to({ paths: ['/x'] })] }, ROOT)];
    expect(decide(two, { caller: 'someone' }).decision).toEqual({
      ...base,
      policy: 'shop/a, istio-system/b',
      explanation: 'denied (403) at shop/Deployment/web: ALLOW policies shop/a, istio-system/b apply and no rule of them matches (someone)',
    });
  });

  test('an ALLOW policy without rules allows nothing, and the denial says which policies have no rules', () => {
    const base = { workload: AT, principal: CLIENT, allowed: false, status: 403, action: 'ALLOW' };
    const bare = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'bare', namespace: NS } };
    expect(decide([bare]).decision).toEqual({
      ...base,
      policy: 'shop/bare',
      explanation: `denied (403) at shop/Deployment/web: ALLOW policy shop/bare applies and no rule of it matches (principal ${CLIENT})`
        + '; shop/bare has no rules and allows nothing',
    });
    const three = [ap('empty', {}), ap('a', { rules: [to({ methods: ['POST'] })] }), ap('none', { rules: [] })];
    expect(decide(three).decision).toEqual({
      ...base,
      policy: 'shop/empty, shop/a, shop/none',
      explanation: 'denied (403) at shop/Deployment/web: ALLOW policies shop/empty, shop/a, shop/none apply and no rule of them matches'
        + ` (principal ${CLIENT})`
        + '; shop/empty, shop/none have no rules and allow nothing',
    });
    expect(decide([ap('a', { rules: [to({ methods: ['POST'] })] }), ap('b', { rules: 'not a list' })]).decision.explanation)
      .toMatch(/apply and no rule of them matches \(principal [^)]+\); shop\/b has no rules and allows nothing$/);
  });

  test('AUDIT policies do not decide, CUSTOM policies are not evaluated (a warning says so)', () => {
    const audit = ap('audit', { action: 'AUDIT', rules: [{}] });
    const custom = ap('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] });
    const unmatched = ap('d', { action: 'DENY', rules: [to({ methods: ['DELETE'] })] });
    expect(decide([audit, custom, unmatched, ap('custom-off', { action: 'CUSTOM', rules: [{}] }, 'other')])).toEqual({
      decision: { workload: AT, principal: CLIENT, allowed: true, explanation: NO_ALLOW },
      warnings: ['AuthorizationPolicy shop/ext is CUSTOM (an external authorizer decides); this simulation does not evaluate it'],
    });
    // With an ALLOW policy, a request its rules do not match is denied; AUDIT and CUSTOM do not count as ALLOW.
    expect(decide([audit, custom, ap('a', { rules: [to({ methods: ['POST'] })] })]).decision).toMatchObject({ allowed: false, policy: 'shop/a' });
  });
});

describe('rules: from, to and when', () => {
  test('a rule that is not an object matches nothing', () => {
    expect(matches(null)).toBe(false);
    expect(decide([ap('p', { rules: [null, 'any', 7, true] })]).decision.allowed).toBe(false);
    expect(decide([ap('p', { action: 'DENY', rules: ['any', null] })]).decision.allowed).toBe(true);
  });

  test('an empty rule, and empty from/to/when lists, match everything', () => {
    expect(matches({})).toBe(true);
    expect(matches({ from: [], to: [], when: [] })).toBe(true);
    // Entries without source / operation, or null entries, set no condition.
    expect(matches({ from: [{}], to: [{}] })).toBe(true);
    expect(matches({ from: [null], to: [null] })).toBe(true);
  });

  test('one from entry, one to entry and every when condition must match', () => {
    const two = { from: [{ source: { namespaces: ['other'] } }, { source: { namespaces: ['shop'] } }] };
    expect(matches(two)).toBe(true);
    expect(matches({ from: [{ source: { namespaces: ['other'] } }, { source: { namespaces: ['default'] } }] })).toBe(false);
    expect(matches({ to: [{ operation: { methods: ['POST'] } }, { operation: { methods: ['GET'] } }] })).toBe(true);
    expect(matches({ to: [{ operation: { methods: ['POST'] } }, { operation: { paths: ['/x'] } }] })).toBe(false);
    const ns = { key: 'source.namespace', values: ['shop'] };
    expect(matches(when(ns, { key: 'destination.port', values: ['8080'] }))).toBe(true);
    expect(matches(when(ns, { key: 'destination.port', values: ['80'] }))).toBe(false);
    expect(matches({ ...from({ namespaces: ['shop'] }), ...to({ methods: ['POST'] }) })).toBe(false);
    expect(matches({ ...from({ namespaces: ['other'] }), ...to({ methods: ['GET'] }) })).toBe(false);
    expect(matches({ ...from({ namespaces: ['shop'] }), ...to({ methods: ['GET'] }), ...when(ns) })).toBe(true);
  });
});

describe('HTTP-only fields on TCP', () => {
  const tcp = { http: false };
  const httpOnly = [
    from({ requestPrincipals: ['*'] }),
    from({ notRequestPrincipals: ['https://evil/*'] }),
    { from: [{ source: { principals: [CLIENT] } }, { source: { requestPrincipals: ['*'] } }] },
    ...['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'].map(k => to({ [k]: ['nothing-matches-this'] })),
    to({ paths: ['/api/*'] }),
    { to: [{ operation: { ports: ['8080'] } }, { operation: { methods: ['GET'] } }] },
    when({ key: 'source.namespace', values: ['shop'] }, { key: 'request.headers[x-user]', notValues: ['nobody'] }),
    when({ key: 'request.auth.claims[groups]', notValues: ['x'] }),
  ];

  test('an ALLOW rule with an HTTP-only field is dropped: it matches no TCP connection', () => {
    for (const rule of httpOnly) {
      expect({ rule, matched: matches(rule, tcp) }).toEqual({ rule, matched: false });
    }
    // Over HTTP, the same rules that can match do.
    expect(matches(to({ paths: ['/api/*'] }))).toBe(true);
    expect(matches(from({ notRequestPrincipals: ['https://evil/*'] }))).toBe(true);
  });

  test('an ALLOW rule with only TCP fields matches on TCP', () => {
    const rules = [{}, from({ principals: [CLIENT] }), to({ ports: ['8080'] }), when({ key: 'source.namespace', values: ['shop'] }),
      { from: [{}], to: [{}] }, { from: [null], to: [null] }, when({ key: 'destination.port', values: ['8080'] })];
    for (const rule of rules) {
      expect({ rule, matched: matches(rule, tcp) }).toEqual({ rule, matched: true });
    }
    expect(matches(to({ ports: ['80'] }), tcp)).toBe(false);
    // Empty HTTP-only lists are fields not set: the rule is not dropped.
    expect(matches({ ...from({ principals: [CLIENT], requestPrincipals: [] }), ...to({ paths: [], hosts: [] }) }, tcp)).toBe(true);
  });

  test('a DENY rule loses its HTTP-only fields on TCP and matches on the rest: a wider deny', () => {
    const deny = (rule: any) => matches(rule, tcp, 'DENY');
    expect(deny(from({ requestPrincipals: ['https://issuer.example.com/*'] }))).toBe(true);
    expect(deny(to({ methods: ['DELETE'] }))).toBe(true);
    expect(deny(to({ ports: ['8080'], paths: ['/admin'] }))).toBe(true);
    expect(deny(to({ ports: ['9090'], paths: ['/api/items'] }))).toBe(false);
    expect(deny(when({ key: 'request.headers[x-user]', values: ['bob'] }))).toBe(true);
    expect(deny(when({ key: 'request.auth.claims[groups]', values: ['admin'] }, { key: 'source.namespace', values: ['other'] }))).toBe(false);
    expect(deny({ ...from({ namespaces: ['other'], requestPrincipals: ['*'] }) })).toBe(false);
    // Over HTTP the same rules are evaluated in full.
    expect(matches(to({ ports: ['8080'], paths: ['/admin'] }), {}, 'DENY')).toBe(false);
    expect(matches(when({ key: 'request.headers[x-user]', values: ['bob'] }), {}, 'DENY')).toBe(false);
  });

  test('a when entry that is not an object is no HTTP-only condition: it matches nothing, with a warning', () => {
    const warning = "AuthorizationPolicy shop/p: the condition on '' cannot be simulated (the simulation knows no IPs or SNI);"
      + ' it is taken not to match';
    expect(evaluate(when(null), tcp)).toEqual({ matched: false, warnings: [warning] });
    expect(evaluate(when(null))).toEqual({ matched: false, warnings: [warning] });
  });
});

describe('valueMatches: exact, prefix*, *suffix and * (present, not empty)', () => {
  test('each form', () => {
    const cases: [string, string | undefined, boolean][] = [
      ['*', 'x', true], ['*', '', false], ['*', undefined, false], ['abc', undefined, false], ['abc*', undefined, false],
      ['abc*', 'abc', true], ['abc*', 'abcd', true], ['abc*', 'axyz', false], ['abc*', 'xabc', false],
      ['*abc', 'abc', true], ['*abc', 'xabc', true], ['*abc', 'abcx', false], ['*abc', 'xab', false],
      ['abc', 'abc', true], ['abc', 'abd', false], ['abc', 'xbc', false], ['abc', 'abcd', false], ['abc', 'ABC', false], ['', '', true],
      // A leading '*' wins over a trailing one (Istio's StringMatcherWithPrefix, pilot/pkg/security/authz/matcher/string.go):
      // '*abc*' is the suffix 'abc*', and '*.example.com:*' matches no Host header with a real port.
      ['*abc*', 'xabc*', true], ['*abc*', 'abcx', false], ['*abc*', 'xabcx', false],
      ['*.example.com:*', 'a.example.com:80', false], ['*.example.com:*', 'a.example.com:*', true],
    ];
    for (const [pattern, value, expected] of cases) {
      expect({ pattern, value, matches: valueMatches(pattern, value) }).toEqual({ pattern, value, matches: expected });
    }
  });
});

describe('lists and not-lists', () => {
  test('a list matches when one value does, a not-list when none does, absent lists always', () => {
    expect(matches(from({ principals: [CLIENT] }))).toBe(true);
    expect(matches(from({ principals: ['cluster.local/ns/shop/sa/other', CLIENT] }))).toBe(true);
    expect(matches(from({ principals: ['cluster.local/ns/shop/sa/other'] }))).toBe(false);
    expect(matches(from({ principals: ['*/sa/client'] }))).toBe(true);
    expect(matches(from({ principals: ['cluster.local/ns/other/*'] }))).toBe(false);
    expect(matches(from({ notPrincipals: ['cluster.local/ns/shop/sa/other'] }))).toBe(true);
    expect(matches(from({ notPrincipals: [CLIENT] }))).toBe(false);
    expect(matches(from({ notPrincipals: ['cluster.local/ns/shop/sa/other', CLIENT] }))).toBe(false);
    expect(matches(from({ principals: ['cluster.local/*'], notPrincipals: ['*/sa/client'] }))).toBe(false);
    expect(matches(from({}))).toBe(true);
    // An empty list is a field not set (proto3): no condition.
    expect(matches(from({ principals: [] }))).toBe(true);
    expect(matches(from({ notPrincipals: [] }))).toBe(true);
    expect(matches(to({ methods: [], paths: [] }))).toBe(true);
  });

  test('entries that are neither strings nor numbers are ignored; numbers are compared as text', () => {
    expect(matches(from({ principals: [null, {}, CLIENT] }))).toBe(true);
    expect(matches(from({ principals: [[CLIENT]] }))).toBe(false);
    expect(matches(from({ principals: [null] }))).toBe(false);
    expect(matches(from({ notPrincipals: [[CLIENT]] }))).toBe(true);
    expect(matches(to({ ports: [8080] }))).toBe(true);
    expect(matches(to({ notPorts: [8080] }))).toBe(false);
    expect(matches(to({ ports: [80] }))).toBe(false);
  });
});

describe('source', () => {
  const plain = { principal: undefined };

  test('namespaces, serviceAccounts and trustDomains come from a principal <trust domain>/ns/<namespace>/sa/<account>', () => {
    expect(matches(from({ namespaces: ['shop'] }))).toBe(true);
    expect(matches(from({ namespaces: ['sh*'] }))).toBe(true);
    expect(matches(from({ namespaces: ['other'] }))).toBe(false);
    expect(matches(from({ notNamespaces: ['shop'] }))).toBe(false);
    expect(matches(from({ trustDomains: ['cluster.local'] }))).toBe(true);
    expect(matches(from({ trustDomains: ['*.local'] }))).toBe(true);
    expect(matches(from({ trustDomains: ['example.org'] }))).toBe(false);
    expect(matches(from({ notTrustDomains: ['cluster.local'] }))).toBe(false);
    expect(matches(from({ serviceAccounts: ['shop/client'] }))).toBe(true);
    expect(matches(from({ serviceAccounts: ['other/client'] }))).toBe(false);
    expect(matches(from({ serviceAccounts: ['shop/other', 'shop/client'] }))).toBe(true);
    expect(matches(from({ notServiceAccounts: ['shop/client'] }))).toBe(false);
    // Multi-character parts of another principal.
    expect(matches(from({ namespaces: ['payments'], serviceAccounts: ['payments/ledger-writer'], trustDomains: ['prod.example.org'] }),
      { principal: 'prod.example.org/ns/payments/sa/ledger-writer' })).toBe(true);
  });

  test('a service account without namespace is one of the policy namespace', () => {
    expect(matches(from({ serviceAccounts: ['client'] }))).toBe(true);
    expect(matches(from({ notServiceAccounts: ['client'] }))).toBe(false);
    expect(matches(from({ serviceAccounts: ['other'] }))).toBe(false);
    // The same bare name in a root-namespace policy is istio-system/client.
    const root = ap('p', { rules: [from({ serviceAccounts: ['client'] })] }, ROOT);
    expect(decide([root]).decision.allowed).toBe(false);
    expect(decide([root], { principal: 'cluster.local/ns/istio-system/sa/client' }).decision.allowed).toBe(true);
  });

  test('a plain-text caller has no principal: positive lists on identities never match, not-lists always do', () => {
    for (const source of [{ principals: ['*'] }, { namespaces: ['*'] }, { serviceAccounts: ['shop/client'] }, { serviceAccounts: ['client'] },
      { serviceAccounts: ['undefined/undefined'] }, { trustDomains: ['*'] }]) {
      expect({ source, matched: matches(from(source), plain) }).toEqual({ source, matched: false });
    }
    for (const source of [{ notPrincipals: ['*'] }, { notNamespaces: ['*'] }, { notServiceAccounts: ['client'] }, { notTrustDomains: ['*'] }]) {
      expect({ source, matched: matches(from(source), plain) }).toEqual({ source, matched: true });
    }
  });

  test('a principal that is not <trust domain>/ns/<namespace>/sa/<account> gives no namespace, account or trust domain', () => {
    const malformed = ['not-a-spiffe-id', 'evil/cluster.local/ns/shop/sa/client', 'cluster.local/ns/shop/sa/client/extra', 'cluster.local/ns/shop',
      '/ns/shop/sa/client', 'cluster.local/ns//sa/client'];
    for (const principal of malformed) {
      for (const source of [{ namespaces: ['*'] }, { serviceAccounts: ['shop/client'] }, { trustDomains: ['*'] }]) {
        expect({ principal, source, matched: matches(from(source), { principal }) }).toEqual({ principal, source, matched: false });
      }
      // The principal itself is still matched as written.
      expect(matches(from({ principals: [principal] }), { principal })).toBe(true);
    }
  });

  test('requestPrincipals match the request principal of a validated token', () => {
    const withToken = { requestPrincipal: `${ISSUER}/alice` };
    expect(matches(from({ requestPrincipals: [`${ISSUER}/*`] }), withToken)).toBe(true);
    expect(matches(from({ requestPrincipals: [`${ISSUER}/bob`] }), withToken)).toBe(false);
    expect(matches(from({ requestPrincipals: ['*'] }))).toBe(false);
    expect(matches(from({ notRequestPrincipals: ['*'] }))).toBe(true);
    expect(matches(from({ notRequestPrincipals: ['*'] }), withToken)).toBe(false);
  });

  test('ipBlocks and remoteIpBlocks are unknown to the simulation: a source with them matches nothing', () => {
    for (const source of [{ ipBlocks: ['10.0.0.0/8'] }, { remoteIpBlocks: ['203.0.113.0/24'] }, { namespaces: ['shop'], ipBlocks: ['0.0.0.0/0'] }]) {
      expect({ source, allow: matches(from(source)), deny: matches(from(source), {}, 'DENY') }).toEqual({ source, allow: false, deny: false });
    }
    expect(matches(from({ notIpBlocks: ['10.0.0.0/8'], notRemoteIpBlocks: ['10.0.0.0/8'] }))).toBe(true);
    expect(matches(from({ ipBlocks: [], remoteIpBlocks: [] }))).toBe(true);
  });
});

describe('operation', () => {
  test('ports are compared as text with the port the workload receives on', () => {
    expect(matches(to({ ports: ['8080'] }))).toBe(true);
    expect(matches(to({ ports: ['80', '8080'] }))).toBe(true);
    expect(matches(to({ ports: ['80'] }))).toBe(false);
    expect(matches(to({ ports: ['80*'] }))).toBe(false);
    expect(matches(to({ notPorts: ['8080'] }))).toBe(false);
    expect(matches(to({ notPorts: ['80'] }))).toBe(true);
    // Without a known port, no ports entry matches (not even the text 'undefined') and every notPorts entry passes.
    expect(matches(to({ ports: ['8080'] }), { port: undefined })).toBe(false);
    expect(matches(to({ ports: ['undefined'] }), { port: undefined })).toBe(false);
    expect(matches(to({ notPorts: ['8080'] }), { port: undefined })).toBe(true);
  });

  test('hosts are matched case-insensitively against the Host header', () => {
    expect(matches(to({ hosts: ['web.shop.svc.cluster.local'] }))).toBe(true);
    expect(matches(to({ hosts: ['WEB.Shop.svc.cluster.local'] }))).toBe(true);
    expect(matches(to({ hosts: ['web.shop.svc.cluster.local'] }), { host: 'Web.Shop.svc.cluster.local' })).toBe(true);
    expect(matches(to({ hosts: ['*.shop.svc.cluster.local'] }))).toBe(true);
    expect(matches(to({ hosts: ['db.shop.svc.cluster.local'] }))).toBe(false);
    expect(matches(to({ notHosts: ['web.*'] }))).toBe(false);
    expect(matches(to({ notHosts: ['db.*'] }))).toBe(true);
    // A Host header with a port: the forms the best-practices page recommends.
    const withPort = { host: 'web.shop.svc.cluster.local:8080' };
    expect(matches(to({ hosts: ['web.shop.svc.cluster.local:*'] }), withPort)).toBe(true);
    expect(matches(to({ hosts: ['WEB.shop.svc.cluster.local:8080'] }), withPort)).toBe(true);
    expect(matches(to({ hosts: ['web.shop.svc.cluster.local:9090'] }), withPort)).toBe(false);
    // A host without a port does not match a Host header with one (Istio's HostMatcherWithRegex; the
    // best-practices page, "Writing Host Match Policies": a DENY on 'example.com' lets 'example.com:80' through).
    expect(matches(to({ hosts: ['web.shop.svc.cluster.local'] }), withPort)).toBe(false);
    expect(matches(to({ hosts: ['web.shop.svc.cluster.local'] }), withPort, 'DENY')).toBe(false);
    expect(matches(to({ notHosts: ['web.shop.svc.cluster.local'] }), withPort)).toBe(true);
  });

  test('methods are exact and case-sensitive', () => {
    expect(matches(to({ methods: ['GET'] }))).toBe(true);
    expect(matches(to({ methods: ['POST', 'GET'] }))).toBe(true);
    expect(matches(to({ methods: ['get'] }))).toBe(false);
    expect(matches(to({ methods: ['G*'] }))).toBe(false);
    expect(matches(to({ notMethods: ['GET'] }))).toBe(false);
    expect(matches(to({ notMethods: ['POST'] }))).toBe(true);
  });

  test('paths: exact, prefix, suffix and presence', () => {
    expect(matches(to({ paths: ['/api/items'] }))).toBe(true);
    expect(matches(to({ paths: ['/api/*'] }))).toBe(true);
    expect(matches(to({ paths: ['*/items'] }))).toBe(true);
    expect(matches(to({ paths: ['*'] }))).toBe(true);
    expect(matches(to({ paths: ['/api'] }))).toBe(false);
    expect(matches(to({ paths: ['/admin*'] }))).toBe(false);
    expect(matches(to({ notPaths: ['/api/*'] }))).toBe(false);
    expect(matches(to({ notPaths: ['/admin/*'] }))).toBe(true);
  });

  test('path templates: {*} is one segment, {**} any rest, and the literal segments are literal (. + ( ) $ included)', () => {
    const cases: [string, string, boolean][] = [
      ['/api/{*}', '/api/items', true], ['/api/{*}', '/api/items/1', false], ['/api/{*}', '/api/', false], ['/api/{*}', '/apix/items', false],
      ['/api/{*}/reviews', '/api/7/reviews', true], ['/api/{*}/reviews', '/api/7/8/reviews', false], ['/api/{*}/reviews', '/api/7/ratings', false],
      ['/api/{**}', '/api/items/1/edit', true], ['/api/{**}', '/api/items', true], ['/api/{**}', '/shop/api/items', false],
      ['/{*}/items/{**}', '/api/items/1/2', true], ['/{*}/items/{**}', '/a/b/items/1', false],
      ['/v1.0/{*}', '/v1.0/items', true], ['/v1.0/{*}', '/v1x0/items', false],
      ['/a+b/{**}', '/a+b/x', true], ['/a+b/{**}', '/aab/x', false], ['/(x)/{*}', '/(x)/1', true], ['/(x)/{*}', '/x/1', false],
      ['/price$/{*}', '/price$/1', true], ['/price$/{*}', '/price/1', false],
    ];
    for (const [pattern, path, expected] of cases) {
      expect({ pattern, path, matched: matches(to({ paths: [pattern] }), { path }) }).toEqual({ pattern, path, matched: expected });
    }
    expect(matches(to({ notPaths: ['/api/{*}'] }))).toBe(false);
  });

  test('a request without a path matches no paths entry, not even a template', () => {
    for (const pattern of ['*', '/api/*', '{*}', '{**}', '/undefined']) {
      expect({ pattern, matched: matches(to({ paths: [pattern] }), { path: undefined as any }) }).toEqual({ pattern, matched: false });
    }
  });

  test('every field of an operation must match', () => {
    const op = { hosts: ['web.shop.svc.cluster.local'], methods: ['GET'], paths: ['/api/*'], ports: ['8080'] };
    expect(matches(to(op))).toBe(true);
    expect(matches(to({ ...op, hosts: ['db'] }))).toBe(false);
    expect(matches(to({ ...op, methods: ['POST'] }))).toBe(false);
    expect(matches(to({ ...op, paths: ['/admin'] }))).toBe(false);
    expect(matches(to({ ...op, ports: ['80'] }))).toBe(false);
  });
});

describe('when conditions', () => {
  const warning = (key: string) =>
    `AuthorizationPolicy shop/p: the condition on '${key}' cannot be simulated (the simulation knows no IPs or SNI); it is taken not to match`;
  const claims = {
    iss: ISSUER,
    sub: 'alice',
    azp: 'web-app',
    aud: ['shop', 'billing'],
    groups: ['dev', 'admin'],
    name: 'Alice',
    nothing: null,
    org: { team: 'payments', size: 12 },
  };
  const withToken = { requestPrincipal: `${ISSUER}/alice`, claims };
  const cond = (key: string, values?: string[], notValues?: string[]) =>
    when({ key, ...(values ? { values } : {}), ...(notValues ? { notValues } : {}) });

  test('request.headers[name] looks the header up by its lower-case name', () => {
    const headers = { headers: new Map([['x-user', 'bob']]) };
    expect(matches(cond('request.headers[X-User]', ['bob']), headers)).toBe(true);
    expect(matches(cond('request.headers[x-user]', ['b*']), headers)).toBe(true);
    expect(matches(cond('request.headers[x-user]', ['alice']), headers)).toBe(false);
    expect(matches(cond('request.headers[x-user]', undefined, ['bob']), headers)).toBe(false);
    expect(matches(cond('request.headers[x-user]', undefined, ['alice']), headers)).toBe(true);
    // An absent header: no value matches, not even '*'; every notValues entry passes.
    expect(matches(cond('request.headers[x-user]', ['*']))).toBe(false);
    expect(matches(cond('request.headers[x-user]', undefined, ['*']))).toBe(true);
    expect(matches(cond('request.headers[x]', ['*']), { headers: new Map([['x', 'y']]) })).toBe(true);
  });

  test('request.auth.claims[a][b] follows nested claims, and a list claim matches when one element does', () => {
    expect(matches(cond('request.auth.claims[groups]', ['admin']), withToken)).toBe(true);
    expect(matches(cond('request.auth.claims[groups]', ['ops']), withToken)).toBe(false);
    expect(matches(cond('request.auth.claims[groups]', ['ops', 'dev']), withToken)).toBe(true);
    expect(matches(cond('request.auth.claims[groups]', undefined, ['admin']), withToken)).toBe(false);
    expect(matches(cond('request.auth.claims[groups]', undefined, ['ops', 'admin']), withToken)).toBe(false);
    expect(matches(cond('request.auth.claims[groups]', undefined, ['ops']), withToken)).toBe(true);
    expect(matches(cond('request.auth.claims[org][team]', ['payments']), withToken)).toBe(true);
    expect(matches(cond('request.auth.claims[org][team]', ['pay*']), withToken)).toBe(true);
    expect(matches(cond('request.auth.claims[org][size]', ['12']), withToken)).toBe(true);
    expect(matches(cond('request.auth.claims[name]', ['Alice']), withToken)).toBe(true);
    expect(matches(cond('request.auth.claims[o]', ['*']), { claims: { o: 'x' } })).toBe(true);
  });

  test('a missing claim, or a path through null or a string, finds nothing', () => {
    for (const key of ['request.auth.claims[missing]', 'request.auth.claims[nothing][x]',
      'request.auth.claims[name][length]', 'request.auth.claims[org][team][x]', 'request.auth.claims[groups][x]']) {
      expect({ key, matched: matches(cond(key, ['*']), withToken) }).toEqual({ key, matched: false });
      expect({ key, matched: matches(cond(key, undefined, ['*']), withToken) }).toEqual({ key, matched: true });
    }
    expect(matches(cond('request.auth.claims[groups]', ['*']))).toBe(false);
  });

  test('identity keys: source.principal, source.namespace, source.serviceAccount, source.trustDomain', () => {
    expect(matches(cond('source.principal', [CLIENT]))).toBe(true);
    expect(matches(cond('source.principal', ['*/sa/other']))).toBe(false);
    expect(matches(cond('source.namespace', ['shop']))).toBe(true);
    expect(matches(cond('source.namespace', ['other']))).toBe(false);
    expect(matches(cond('source.serviceAccount', ['shop/client']))).toBe(true);
    expect(matches(cond('source.serviceAccount', ['shop/other']))).toBe(false);
    // A service account without a namespace is one of the policy's namespace (shop here), as in source.serviceAccounts.
    expect(matches(cond('source.serviceAccount', ['client']))).toBe(true);
    expect(matches(cond('source.serviceAccount', ['other']))).toBe(false);
    expect(matches(cond('source.serviceAccount', undefined, ['client']))).toBe(false);
    expect(matches(cond('source.trustDomain', ['cluster.local']))).toBe(true);
    expect(matches(cond('source.trustDomain', ['example.org']))).toBe(false);
    for (const key of ['source.principal', 'source.namespace', 'source.serviceAccount', 'source.trustDomain']) {
      expect({ key, matched: matches(cond(key, ['*']), { principal: undefined }) }).toEqual({ key, matched: false });
      expect({ key, matched: matches(cond(key, undefined, ['*']), { principal: undefined }) }).toEqual({ key, matched: true });
    }
  });

  test('destination.port is the port the workload receives on', () => {
    expect(matches(cond('destination.port', ['8080']))).toBe(true);
    expect(matches(cond('destination.port', ['80']))).toBe(false);
    expect(matches(cond('destination.port', undefined, ['8080']))).toBe(false);
    expect(matches(cond('destination.port', ['*']), { port: undefined })).toBe(false);
    expect(matches(cond('destination.port', undefined, ['*']), { port: undefined })).toBe(true);
  });

  test('request.auth.principal, request.auth.presenter (azp) and request.auth.audiences (aud) come from the validated token', () => {
    expect(matches(cond('request.auth.principal', [`${ISSUER}/*`]), withToken)).toBe(true);
    expect(matches(cond('request.auth.principal', [`${ISSUER}/bob`]), withToken)).toBe(false);
    expect(matches(cond('request.auth.principal', ['*']))).toBe(false);
    expect(matches(cond('request.auth.presenter', ['web-app']), withToken)).toBe(true);
    expect(matches(cond('request.auth.presenter', ['other']), withToken)).toBe(false);
    expect(matches(cond('request.auth.presenter', ['*']), { claims: { azp: 5 } })).toBe(false);
    expect(matches(cond('request.auth.presenter', ['*']))).toBe(false);
    expect(matches(cond('request.auth.audiences', ['billing']), withToken)).toBe(true);
    expect(matches(cond('request.auth.audiences', ['other']), withToken)).toBe(false);
    expect(matches(cond('request.auth.audiences', undefined, ['billing']), withToken)).toBe(false);
    expect(matches(cond('request.auth.audiences', ['shop'], ['billing']), withToken)).toBe(false);
    expect(matches(cond('request.auth.audiences', ['shop']), { claims: { aud: 'shop' } })).toBe(true);
    expect(matches(cond('request.auth.audiences', ['42']), { claims: { aud: 42 } })).toBe(true);
    expect(matches(cond('request.auth.audiences', ['*']), { claims: { iss: ISSUER } })).toBe(false);
    expect(matches(cond('request.auth.audiences', ['*']))).toBe(false);
    expect(matches(cond('request.auth.audiences', undefined, ['*']))).toBe(true);
  });

  test('values and notValues: either, both, or neither', () => {
    expect(matches(cond('source.namespace'))).toBe(true);
    expect(matches(cond('source.namespace', undefined, ['other']))).toBe(true);
    expect(matches(cond('source.namespace', undefined, ['other', 'shop']))).toBe(false);
    expect(matches(cond('source.namespace', ['shop'], ['other']))).toBe(true);
    expect(matches(cond('source.namespace', ['sh*'], ['shop']))).toBe(false);
    expect(matches(when({ key: 'destination.port', values: [8080] }))).toBe(true);
  });

  test('keys the simulation cannot evaluate match nothing, with a warning naming the key', () => {
    const keys = ['source.ip', 'remote.ip', 'destination.ip', 'connection.sni', 'experimental.envoy.filters.a.b[c]', 'request.headers',
      'request.headers[]', 'request.auth.claims', 'request.auth.claims[]', 'request.headers[x-user]x', 'x.request.headers[x-user]',
      'request.auth.claims[groups]x', 'x.request.auth.claims[groups]', 'request.auth.audience', 'source.Namespace'];
    const headers = new Map([['x-user', 'bob']]);
    for (const key of keys) {
      expect({ key, ...evaluate(cond(key, ['*']), { headers, ...withToken }) }).toEqual({ key, matched: false, warnings: [warning(key)] });
      expect({ key, ...evaluate(cond(key, undefined, ['nothing-has-this']), { headers, ...withToken }) })
        .toEqual({ key, matched: false, warnings: [warning(key)] });
    }
  });

  test('a condition without a string key is taken as the empty key', () => {
    for (const condition of [{ values: ['x'] }, { key: 42, values: ['42'] }, { key: null, notValues: ['x'] }]) {
      expect({ condition, ...evaluate(when(condition)) }).toEqual({ condition, matched: false, warnings: [warning('')] });
    }
  });

  test('a DENY rule with a condition the simulation cannot evaluate does not deny, and warns', () => {
    expect(evaluate(cond('source.ip', ['10.0.0.1']), {}, 'DENY')).toEqual({ matched: false, warnings: [warning('source.ip')] });
  });
});

describe('peerModeFor', () => {
  const pa = (name: string, spec: any, namespace = NS) =>
    ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec });
  const workload = { namespace: NS, labels: { app: 'web' } };

  test('no PeerAuthentication: PERMISSIVE and no policy', () => {
    expect(peerModeFor([], workload, 8080)).toStrictEqual({ mode: 'PERMISSIVE' });
    expect(peerModeFor([pa('unset', { mtls: { mode: 'UNSET' } })], workload, 8080)).toStrictEqual({ mode: 'PERMISSIVE' });
  });

  test('the deciding policy is named <namespace>/<name>: workload port level, workload, namespace, mesh', () => {
    const mesh = pa('mesh', { mtls: { mode: 'STRICT' } }, ROOT);
    const namespace = pa('ns', { mtls: { mode: 'DISABLE' } });
    const selected = pa('web', {
      selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { 9090: { mode: 'DISABLE' } },
    });
    expect(peerModeFor([mesh], workload, 8080)).toStrictEqual({ mode: 'STRICT', policy: 'istio-system/mesh' });
    expect(peerModeFor([mesh, namespace], workload, 8080)).toStrictEqual({ mode: 'DISABLE', policy: 'shop/ns' });
    expect(peerModeFor([mesh, namespace, selected], workload, 8080)).toStrictEqual({ mode: 'PERMISSIVE', policy: 'shop/web' });
    expect(peerModeFor([mesh, namespace, selected], workload, 9090)).toStrictEqual({ mode: 'DISABLE', policy: 'shop/web' });
    expect(peerModeFor([mesh, namespace, selected], workload, undefined)).toStrictEqual({ mode: 'PERMISSIVE', policy: 'shop/web' });
  });
});

describe('checkToken', () => {
  const rule = (extra: any = {}) => ({ issuer: ISSUER, jwksUri: `${ISSUER}/jwks.json`, ...extra });
  const claims = { iss: ISSUER, sub: 'alice', aud: 'shop' };
  const ignored = 'no RequestAuthentication applies to shop/Deployment/web, so the request\'s token is not validated and gives no request principal';

  test('a request without a token passes untouched', () => {
    expect(checkToken([ra('jwt', { jwtRules: [rule()] })], WEB, undefined)).toStrictEqual({});
  });

  test('no RequestAuthentication with jwtRules applies: the token is ignored', () => {
    const notApplying = [
      ra('other-ns', { jwtRules: [rule()] }, 'other'),
      ra('other-app', { selector: { matchLabels: { app: 'db' } }, jwtRules: [rule()] }),
      ra('bound', { targetRefs: [{ kind: 'Service', name: 'web' }], jwtRules: [rule()] }),
      ra('no-rules', {}),
      ra('empty-rules', { jwtRules: [] }),
      ra('not-a-list', { jwtRules: rule() }),
      { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'no-spec', namespace: NS } },
    ];
    expect(checkToken([], WEB, claims)).toStrictEqual({ ignored });
    expect(checkToken(notApplying, WEB, claims)).toStrictEqual({ ignored });
    expect(checkToken(notApplying, WEB, {})).toStrictEqual({ ignored });
  });

  test('a token of an accepted issuer gives the request principal <iss>/<sub> and its claims', () => {
    expect(checkToken([ra('jwt', { jwtRules: [rule()] })], WEB, claims))
      .toStrictEqual({ requestPrincipal: `${ISSUER}/alice`, claims, forwarded: false });
    // Also from the root namespace, and by a selector that matches the workload.
    expect(checkToken([ra('mesh', { jwtRules: [rule()] }, ROOT)], WEB, claims)).toMatchObject({ requestPrincipal: `${ISSUER}/alice` });
    const selected = ra('web', { selector: { matchLabels: { app: 'web' } }, jwtRules: [rule()] });
    expect(checkToken([selected], WEB, claims)).toMatchObject({ requestPrincipal: `${ISSUER}/alice` });
  });

  test('the first jwtRule of the token issuer decides; malformed rules are skipped', () => {
    const other = rule({ issuer: 'https://other.example.com', audiences: ['nobody'] });
    const ras = [ra('jwt', { jwtRules: [null, other, rule({ forwardOriginalToken: true }), rule({ audiences: ['nobody'] })] })];
    expect(checkToken(ras, WEB, claims)).toStrictEqual({ requestPrincipal: `${ISSUER}/alice`, claims, forwarded: true });
  });

  test('without both iss and sub as strings there is no request principal', () => {
    const ras = [ra('jwt', { jwtRules: [rule()] })];
    const noSub = { iss: ISSUER, aud: 'shop' };
    expect(checkToken(ras, WEB, noSub)).toStrictEqual({ requestPrincipal: undefined, claims: noSub, forwarded: false });
    const numericSub = { iss: ISSUER, sub: 7 };
    expect(checkToken(ras, WEB, numericSub)).toStrictEqual({ requestPrincipal: undefined, claims: numericSub, forwarded: false });
    // A malformed, numeric issuer matches only itself, and gives no request principal either.
    const numericIss = { iss: 5, sub: 'alice' };
    expect(checkToken([ra('odd', { jwtRules: [{ issuer: 5 }] })], WEB, numericIss))
      .toStrictEqual({ requestPrincipal: undefined, claims: numericIss, forwarded: false });
  });

  test('forwarded only with forwardOriginalToken: true', () => {
    const forwarded = (value: unknown) => checkToken([ra('jwt', { jwtRules: [rule({ forwardOriginalToken: value })] })], WEB, claims).forwarded;
    expect(forwarded(true)).toBe(true);
    expect(forwarded(false)).toBe(false);
    expect(forwarded('true')).toBe(false);
    expect(forwarded(undefined)).toBe(false);
  });

  test('a token of an issuer no applying RequestAuthentication accepts is invalid; the message lists them once each', () => {
    const jwt = ra('jwt', { jwtRules: [rule(), rule({ issuer: 'https://b.example.com' })] });
    const mesh = ra('mesh-jwt', { jwtRules: [rule({ issuer: 'https://c.example.com' })] }, ROOT);
    const evil = { iss: 'https://evil.example.com', sub: 'mallory' };
    expect(checkToken([jwt, mesh, jwt, ra('elsewhere', { jwtRules: [rule()] }, 'other')], WEB, evil)).toStrictEqual({
      invalid: 'the token\'s issuer "https://evil.example.com" is not one RequestAuthentication shop/jwt, istio-system/mesh-jwt accepts',
    });
    expect(checkToken([jwt], WEB, { sub: 'x' }))
      .toStrictEqual({ invalid: 'the token\'s issuer undefined is not one RequestAuthentication shop/jwt accepts' });
  });

  test('audiences: the token must carry one of them (a string or a list aud); none configured accepts any', () => {
    const ras = (audiences?: unknown) => [ra('jwt', { jwtRules: [rule(audiences === undefined ? {} : { audiences })] })];
    const token = (aud: unknown) => ({ iss: ISSUER, sub: 'alice', ...(aud === undefined ? {} : { aud }) });
    expect(checkToken(ras(['shop']), WEB, token('shop'))).toMatchObject({ requestPrincipal: `${ISSUER}/alice` });
    expect(checkToken(ras(['shop']), WEB, token(['billing', 'shop']))).toMatchObject({ requestPrincipal: `${ISSUER}/alice` });
    expect(checkToken(ras(['42']), WEB, token(42))).toMatchObject({ requestPrincipal: `${ISSUER}/alice` });
    expect(checkToken(ras(), WEB, token('anything'))).toMatchObject({ requestPrincipal: `${ISSUER}/alice` });
    expect(checkToken(ras([]), WEB, token(undefined))).toMatchObject({ requestPrincipal: `${ISSUER}/alice` });
    expect(checkToken(ras(['shop']), WEB, token('billing')))
      .toStrictEqual({ invalid: 'the token\'s audience "billing" is none of shop (RequestAuthentication shop/jwt)' });
    expect(checkToken(ras(['shop', 'web']), WEB, token(['a', 'b'])))
      .toStrictEqual({ invalid: 'the token\'s audience ["a","b"] is none of shop, web (RequestAuthentication shop/jwt)' });
    expect(checkToken(ras(['shop']), WEB, token(undefined)))
      .toStrictEqual({ invalid: 'the token\'s audience undefined is none of shop (RequestAuthentication shop/jwt)' });
  });

  test('the attached callback replaces selection (a waypoint checks the RequestAuthentications bound to it)', () => {
    const waypoint = { name: 'waypoint (waypoint)', namespace: NS, labels: {} };
    const bound = ra('bound', { targetRefs: [{ kind: 'Service', name: 'web' }], jwtRules: [rule({ issuer: 'https://bound.example.com' })] });
    const wide = ra('wide', { jwtRules: [rule()] });
    const attached = (p: any) => p.metadata.name === 'bound';
    expect(checkToken([wide, bound], waypoint, claims, attached))
      .toStrictEqual({ invalid: 'the token\'s issuer "https://issuer.example.com" is not one RequestAuthentication shop/bound accepts' });
    expect(checkToken([wide], waypoint, claims, attached))
      .toStrictEqual({
        ignored: 'no RequestAuthentication applies to shop/waypoint (waypoint),'
          + ' so the request\'s token is not validated and gives no request principal',
      });
  });
});

describe('end to end through RoutingSimulator', () => {
  const deployment = (name: string, sa: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { serviceAccountName: sa, containers: [{ name, image: 'x' }] } },
    },
  });
  const service = (name: string, port: any) =>
    ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: name }, ports: [port] } });
  const web = [deployment('web', 'web'), service('web', { name: 'http', port: 80, targetPort: 8080 })];

  test('a root-namespace DENY policy on a header denies the requests that carry it, at the workload targetPort', () => {
    const rule = { to: [{ operation: { ports: ['8080'] } }], when: [{ key: 'request.headers[X-Debug]', values: ['on'] }] };
    const deny = ap('no-debug', { action: 'DENY', rules: [rule] }, ROOT);
    const sim = RoutingSimulator.fromManifests([...web, deny]);
    const caller = { host: 'web', sourceNamespace: NS, sourceServiceAccount: 'client' };
    const o = sim.route({ ...caller, headers: { 'x-debug': 'on' } });
    expect(o).toMatchObject({ kind: OutcomeKind.DENIED, status: 403 });
    expect(o.authorization).toEqual({
      allowed: false,
      status: 403,
      action: 'DENY',
      policy: 'istio-system/no-debug',
      ruleIndex: 0,
      workload: 'shop/Deployment/web',
      principal: CLIENT,
      explanation: expect.stringMatching(/^denied \(403\) by rule #0 of DENY policy istio-system\/no-debug at shop\/Deployment\/web \(/),
    });
    expect(sim.route(caller).kind).not.toBe(OutcomeKind.DENIED);
  });

  test('on a TCP port, an ALLOW rule on methods is dropped and a DENY rule on methods matches on the rest', () => {
    const db = [deployment('db', 'db'), service('db', { name: 'tcp-postgres', port: 5432 })];
    const caller = { host: 'db', port: 5432, sourceNamespace: NS, sourceServiceAccount: 'client' };
    const selector = { matchLabels: { app: 'db' } };
    const allowGet = ap('db-allow', { selector, rules: [{ ...from({ principals: [CLIENT] }), ...to({ methods: ['GET'] }) }] });
    const allowed = RoutingSimulator.fromManifests([...db, allowGet]).route(caller);
    expect(allowed).toMatchObject({ kind: OutcomeKind.DENIED, authorization: { allowed: false, action: 'ALLOW', policy: 'shop/db-allow' } });
    const denyPost = ap('db-deny', { selector, action: 'DENY', rules: [to({ methods: ['POST'] })] });
    expect(RoutingSimulator.fromManifests([...db, denyPost]).route(caller))
      .toMatchObject({ kind: OutcomeKind.DENIED, authorization: { allowed: false, action: 'DENY', policy: 'shop/db-deny', ruleIndex: 0 } });
  });

  test('a RequestAuthentication validates the token an ALLOW rule on requestPrincipals requires; an unknown issuer gets 401', () => {
    const jwt = ra('web-jwt', { selector: { matchLabels: { app: 'web' } }, jwtRules: [{ issuer: ISSUER, audiences: ['shop'] }] });
    const allow = ap('web-allow', { selector: { matchLabels: { app: 'web' } }, rules: [from({ requestPrincipals: [`${ISSUER}/*`] })] });
    const sim = RoutingSimulator.fromManifests([...web, jwt, allow]);
    const caller = { host: 'web', sourceNamespace: NS, sourceServiceAccount: 'client' };
    expect(sim.route({ ...caller, jwtClaims: { iss: ISSUER, sub: 'alice', aud: 'shop' } }).authorization)
      .toMatchObject({ allowed: true, action: 'ALLOW', policy: 'shop/web-allow', ruleIndex: 0 });
    expect(sim.route(caller)).toMatchObject({ kind: OutcomeKind.DENIED, status: 403, authorization: { policy: 'shop/web-allow' } });
    const evil = sim.route({ ...caller, jwtClaims: { iss: 'https://evil.example.com', sub: 'mallory' } });
    expect(evil).toMatchObject({ kind: OutcomeKind.DENIED, status: 401 });
    expect(evil.authorization!.explanation)
      .toBe('refused (401 Jwt verification fails) at shop/Deployment/web:'
        + ' the token\'s issuer "https://evil.example.com" is not one RequestAuthentication shop/web-jwt accepts');
  });
});
