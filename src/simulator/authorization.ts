/**
 * Istio's authorization, evaluated the way the destination's sidecar does it
 * (https://istio.io/latest/docs/concepts/security/#authorization-policy-precedence and
 * https://istio.io/latest/docs/reference/config/security/authorization-policy/):
 *
 * - the policies that apply to a workload are those of its namespace whose selector matches its
 *   labels (no selector: every workload of the namespace) and those of the root namespace
 *   (`istio-system`: without a selector, every workload of the mesh); policies with `targetRef(s)`
 *   apply to gateways and waypoints, not sidecars, and dry-run policies (`istio.io/dry-run`) only log;
 * - CUSTOM policies are delegated to an external authorizer, which is not simulated (a warning);
 *   AUDIT policies do not decide;
 * - if any DENY policy has a matching rule, the request is denied; else if no ALLOW policy applies,
 *   it is allowed; else it is allowed iff a rule of some ALLOW policy matches. A policy without
 *   rules (an empty spec) is an ALLOW policy that matches nothing: it denies everything;
 * - a rule matches when one of its `from` entries, one of its `to` entries and all its `when`
 *   conditions match (a missing `from`/`to`/`when` matches anything); inside a `source` or an
 *   `operation` every field must match, and a list matches when one value does, a `not*` list
 *   when none does; values are exact, `prefix*`, `*suffix`, or `*` (present, not empty);
 * - on TCP traffic a rule's HTTP-only fields cannot be evaluated: Istio drops an ALLOW rule that has
 *   them (it matches nothing) and drops the HTTP-only fields from a DENY rule (it matches on the
 *   rest) (https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/).
 *
 * The same evaluation runs at an ingress gateway's Envoy for a request that enters through a
 * Gateway, before it is routed: the gateway pods are a workload like any other, selected by the
 * policies' `selector` in their namespace or the root namespace
 * (https://istio.io/latest/docs/tasks/security/authorization/authz-ingress/ and
 * https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#end-user-authentication).
 */
import { AuthorizationAction, AuthorizationDecision } from './types';
import { isSet, valueMatches } from '../core/authorization-fields';
import { namespaceOf } from '../core/hosts';
import { peerModeOf, ROOT_NAMESPACE } from '../core/peer-authentication';

/** What the destination's sidecar knows of a request. */
export interface AuthzRequest {
  /** The workload that receives it. */
  readonly workload: { readonly name: string; readonly namespace: string; readonly labels: { [k: string]: string } };
  /** The peer principal (mTLS), undefined for plain text. */
  readonly principal?: string;
  /**
   * Who the caller is, for explanations.
   * @default - the principal, or 'no principal (plain text)'
   */
  readonly caller?: string;
  /** The port the workload receives the request on. */
  readonly port?: number;
  /** Whether the port carries HTTP (else TCP: HTTP-only fields cannot be evaluated). */
  readonly http: boolean;
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** The Host header (`:authority`). */
  readonly host: string;
  /** Lower-case header names. */
  readonly headers: Map<string, string>;
  /** The request principal (`<iss>/<sub>` of a validated JWT), if any. */
  readonly requestPrincipal?: string;
  /** The validated JWT's claims, if any. */
  readonly claims?: { [claim: string]: unknown };
}

/**
 * Whether a policy is bound with `targetRefs` (or `targetRef`) to the object `kind` `name` of
 * `namespace` in `group` (the core group '' for a Service).
 */
export function targetsObject(p: any, group: string, kind: string, name: string, namespace: string): boolean {
  const spec = p?.spec ?? {};
  const refs: any[] = [...(Array.isArray(spec.targetRefs) ? spec.targetRefs : []), ...(spec.targetRef ? [spec.targetRef] : [])];
  return namespaceOf(p) === namespace && refs.some(r => (r?.group ?? '') === group && r?.kind === kind && r?.name === name);
}

/** Every AuthorizationPolicy of the manifests. */
export function isAuthorizationPolicy(m: any): boolean {
  return /^security\.istio\.io\//.test(m?.apiVersion ?? '') && m?.kind === 'AuthorizationPolicy';
}

const idOf = (o: any): string => `${namespaceOf(o)}/${o?.metadata?.name}`;

/** Go's strconv.ParseBool true values, with which Istio reads the `istio.io/dry-run` annotation. */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/**
 * Whether a policy (AuthorizationPolicy, RequestAuthentication) applies to a workload's sidecar: in its
 * namespace or the root namespace, its selector matching (none: all), not bound with `targetRef(s)`.
 */
function selectsWorkload(p: any, workload: AuthzRequest['workload']): boolean {
  const spec = p.spec ?? {};
  const labels: { [k: string]: string } | undefined = spec.selector?.matchLabels;
  const hasSelector = labels !== undefined && Object.keys(labels).length > 0;
  const inScope = namespaceOf(p) === workload.namespace || namespaceOf(p) === ROOT_NAMESPACE;
  if (!inScope || (hasSelector && !Object.entries(labels!).every(([k, v]) => workload.labels[k] === v))) { return false; }
  return !isSet(spec.targetRef) && !isSet(spec.targetRefs);
}

/** The policies that apply to `workload` (or, given `attached`, those it accepts: a waypoint's). */
function applicable(policies: any[], workload: AuthzRequest['workload'], warnings: string[], attached?: (p: any) => boolean): any[] {
  return policies.filter(p => {
    if (!(attached ? attached(p) : selectsWorkload(p, workload))) { return false; }
    if (GO_TRUE.has(String(p.metadata?.annotations?.['istio.io/dry-run']))) {
      warnings.push(`AuthorizationPolicy ${idOf(p)} is a dry run (istio.io/dry-run): Istio only logs its decision`);
      return false;
    }
    return true;
  });
}

/**
 * Decides whether `req` is allowed at its workload: by the policies that select it, or, with
 * `attached`, by those `attached` accepts (a waypoint enforces the policies bound to it or to the
 * Service the request is addressed to with `targetRefs`, and no others).
 */
export function authorize(policies: any[], req: AuthzRequest, warnings: string[], attached?: (p: any) => boolean): AuthorizationDecision {
  const applying = applicable(policies, req.workload, warnings, attached);
  const who = req.caller ?? (req.principal !== undefined ? `principal ${req.principal}` : 'no principal (plain text)');
  const base = { workload: `${req.workload.namespace}/${req.workload.name}`, principal: req.principal };
  for (const p of applying.filter(x => x.spec?.action === 'CUSTOM')) {
    warnings.push(`AuthorizationPolicy ${idOf(p)} is CUSTOM (an external authorizer decides); this simulation does not evaluate it`);
  }
  for (const p of applying.filter(x => x.spec?.action === 'DENY')) {
    const rules: any[] = Array.isArray(p.spec?.rules) ? p.spec.rules : [];
    const index = rules.findIndex(rule => ruleMatches(rule, req, 'DENY', p, warnings));
    if (index >= 0) {
      return {
        ...base,
        allowed: false,
        status: 403,
        action: AuthorizationAction.DENY,
        policy: idOf(p),
        ruleIndex: index,
        explanation: `denied (403) by rule #${index} of DENY policy ${idOf(p)} at ${base.workload} (${who})`,
      };
    }
  }
  const allows = applying.filter(x => (x.spec?.action ?? 'ALLOW') === 'ALLOW');
  if (allows.length === 0) {
    return { ...base, allowed: true, explanation: `allowed at ${base.workload}: no ALLOW policy applies to it, and no DENY rule matches` };
  }
  for (const p of allows) {
    const rules: any[] = Array.isArray(p.spec?.rules) ? p.spec.rules : [];
    const index = rules.findIndex(rule => ruleMatches(rule, req, 'ALLOW', p, warnings));
    if (index >= 0) {
      return {
        ...base,
        allowed: true,
        action: AuthorizationAction.ALLOW,
        policy: idOf(p),
        ruleIndex: index,
        explanation: `allowed by rule #${index} of ALLOW policy ${idOf(p)} at ${base.workload} (${who})`,
      };
    }
  }
  const empty = allows.filter(p => !Array.isArray(p.spec?.rules) || p.spec.rules.length === 0).map(idOf);
  return {
    ...base,
    allowed: false,
    status: 403,
    action: AuthorizationAction.ALLOW,
    policy: allows.map(idOf).join(', '),
    explanation: `denied (403) at ${base.workload}: ${allows.length > 1 ? `ALLOW policies ${allows.map(idOf).join(', ')} apply and no rule of them matches` : `ALLOW policy ${idOf(allows[0])} applies and no rule of it matches`} (${who})`
      + (empty.length > 0 ? `; ${empty.join(', ')} ${empty.length > 1 ? 'have' : 'has'} no rules and allow${empty.length > 1 ? '' : 's'} nothing` : ''),
  };
}

const HTTP_SOURCE = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];

function ruleMatches(rule: any, req: AuthzRequest, action: string, policy: any, warnings: string[]): boolean {
  if (rule === null || typeof rule !== 'object') { return false; }
  const froms: any[] = Array.isArray(rule.from) ? rule.from : [];
  const tos: any[] = Array.isArray(rule.to) ? rule.to : [];
  const whens: any[] = Array.isArray(rule.when) ? rule.when : [];
  if (!req.http) {
    const httpOnly = froms.some(f => HTTP_SOURCE.some(k => isSet(f?.source?.[k])))
      || tos.some(t => HTTP_OPERATION.some(k => isSet(t?.operation?.[k])))
      || whens.some(w => isHttpOnlyKey(w?.key));
    // ALLOW: the rule is dropped for TCP traffic; DENY: its HTTP-only fields are (authz-tcp task).
    if (httpOnly && action === 'ALLOW') { return false; }
  }
  const fromOk = froms.length === 0 || froms.some(f => sourceMatches(f?.source ?? {}, req, policy));
  const toOk = tos.length === 0 || tos.some(t => operationMatches(t?.operation ?? {}, req));
  // On TCP, a DENY rule's HTTP-only conditions are ignored ("effectively resulting in a wider deny",
  // istio/istio pilot/pkg/security/authz/model, rule.checkError): they match (an ALLOW rule with
  // them was dropped above).
  const whenOk = whens.every(w => (!req.http && isHttpOnlyKey(w?.key)) || conditionMatches(w, req, policy, warnings));
  return fromOk && toOk && whenOk;
}

/** A `when` key only HTTP requests have (`request.headers[...]`, `request.auth.*`, any other `request.*`). */
function isHttpOnlyKey(key: unknown): boolean {
  return typeof key === 'string' && key.startsWith('request.');
}

/** Istio's string match (core/authorization-fields.ts), exported here for the simulator's readers. */
export { valueMatches };

/** A positive list (any value matches) and its `not*` list (no value matches); absent lists match. */
function listMatches(values: unknown, notValues: unknown, actual: string | undefined, match = valueMatches): boolean {
  // Entries of other types than strings (and numbers, written for ports) are the schema's findings: they match nothing.
  const texts = (x: unknown[]) => x.filter(v => typeof v === 'string' || typeof v === 'number').map(String);
  const yes = Array.isArray(values) && values.length > 0 ? texts(values) : undefined;
  const no = Array.isArray(notValues) && notValues.length > 0 ? texts(notValues) : undefined;
  if (yes !== undefined && !yes.some(v => match(v, actual))) { return false; }
  if (no !== undefined && no.some(v => match(v, actual))) { return false; }
  return true;
}

/** The namespace and ServiceAccount in a SPIFFE principal `<td>/ns/<ns>/sa/<sa>`. */
function principalParts(principal: string | undefined): { namespace?: string; account?: string; trustDomain?: string } {
  const m = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal ?? '');
  return m ? { trustDomain: m[1], namespace: m[2], account: m[3] } : {};
}

function sourceMatches(s: any, req: AuthzRequest, policy: any): boolean {
  const parts = principalParts(req.principal);
  const account = parts.namespace !== undefined ? `${parts.namespace}/${parts.account}` : undefined;
  const accountMatch = (v: string, actual: string | undefined) => actual !== undefined && (v.includes('/') ? v === actual : `${namespaceOf(policy)}/${v}` === actual);
  return listMatches(s.principals, s.notPrincipals, req.principal)
    && listMatches(s.namespaces, s.notNamespaces, parts.namespace)
    && listMatches(s.serviceAccounts, s.notServiceAccounts, account, accountMatch)
    && listMatches(s.trustDomains, s.notTrustDomains, parts.trustDomain)
    && (!req.http || listMatches(s.requestPrincipals, s.notRequestPrincipals, req.requestPrincipal))
    // IP blocks are not known to the simulation: a rule on them matches no request (positive) / every request (negative).
    && !(isSet(s.ipBlocks) || isSet(s.remoteIpBlocks));
}

function operationMatches(o: any, req: AuthzRequest): boolean {
  const port = req.port === undefined ? undefined : String(req.port);
  if (!listMatches(o.ports, o.notPorts, port, (v, a) => a !== undefined && v === a)) { return false; }
  if (!req.http) { return true; }
  // The Host header as sent, port included, ignoring case (Istio's HostMatcherWithRegex): 'example.com'
  // does not match 'example.com:80' (https://istio.io/latest/docs/ops/best-practices/security/#writing-host-match-policies).
  const host = req.host.toLowerCase();
  const hostMatch = (v: string, actual: string | undefined) => valueMatches(v.toLowerCase(), actual);
  return listMatches(o.hosts, o.notHosts, host, hostMatch)
    && listMatches(o.methods, o.notMethods, req.method, (v, a) => v === a)
    && listMatches(o.paths, o.notPaths, req.path, pathMatches);
}

/** A path pattern: the string match, or a template with `{*}` (one segment) and `{**}` (any rest). */
function pathMatches(pattern: string, path: string | undefined): boolean {
  if (path === undefined) { return false; }
  if (!pattern.includes('{')) { return valueMatches(pattern, path); }
  const source = pattern.split(/(\{\*\*\}|\{\*\})/).map(part => (part === '{**}' ? '.*' : part === '{*}' ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`).test(path);
}

/** A `when` condition; keys the simulation cannot know (IPs, SNI) match nothing, with a warning. */
function conditionMatches(w: any, req: AuthzRequest, policy: any, warnings: string[]): boolean {
  const key: string = typeof w?.key === 'string' ? w.key : '';
  const parts = principalParts(req.principal);
  let actual: string[] | undefined;
  const header = /^request\.headers\[(.+)\]$/.exec(key);
  const claim = /^request\.auth\.claims((?:\[[^\]]+\])+)$/.exec(key);
  if (header) {
    const v = req.headers.get(header[1].toLowerCase());
    actual = v === undefined ? [] : [v];
  } else if (claim) {
    let v: unknown = req.claims;
    for (const name of claim[1].slice(1, -1).split('][')) { v = v !== null && typeof v === 'object' ? (v as any)[name] : undefined; }
    actual = v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
  } else {
    const simple: { [k: string]: string | undefined } = {
      'source.principal': req.principal,
      'source.namespace': parts.namespace,
      'source.serviceAccount': parts.namespace !== undefined ? `${parts.namespace}/${parts.account}` : undefined,
      'source.trustDomain': parts.trustDomain,
      'destination.port': req.port === undefined ? undefined : String(req.port),
      'request.auth.principal': req.requestPrincipal,
      'request.auth.presenter': typeof req.claims?.azp === 'string' ? req.claims.azp : undefined,
    };
    if (key === 'request.auth.audiences') {
      const aud = req.claims?.aud;
      actual = aud === undefined ? [] : Array.isArray(aud) ? aud.map(String) : [String(aud)];
    } else if (Object.prototype.hasOwnProperty.call(simple, key)) {
      actual = simple[key] === undefined ? [] : [simple[key]!];
    } else {
      warnings.push(`AuthorizationPolicy ${idOf(policy)}: the condition on '${key}' cannot be simulated (the simulation knows no IPs or SNI); it is taken not to match`);
      return false;
    }
  }
  // A service account without a namespace is one of the policy's namespace, as in `source.serviceAccounts`.
  const value = (v: unknown) => (key === 'source.serviceAccount' && !String(v).includes('/') ? `${namespaceOf(policy)}/${v}` : String(v));
  const values: string[] | undefined = Array.isArray(w.values) ? w.values.map(value) : undefined;
  const notValues: string[] | undefined = Array.isArray(w.notValues) ? w.notValues.map(value) : undefined;
  if (values !== undefined && !values.some(v => actual!.some(a => valueMatches(v, a)))) { return false; }
  if (notValues !== undefined && notValues.some(v => actual!.some(a => valueMatches(v, a)))) { return false; }
  return true;
}

/**
 * The mTLS mode the workload's sidecar accepts on `port`, and the `<namespace>/<name>` of the
 * PeerAuthentication that decides it (core/peer-authentication.ts: Istio's precedence).
 */
export function peerModeFor(peerAuthentications: any[], workload: { namespace: string; labels: { [k: string]: string } },
  port: number | undefined): { mode: string; policy?: string } {
  const { mode, policy } = peerModeOf(peerAuthentications, workload, port);
  return policy === undefined ? { mode } : { mode, policy: idOf(policy) };
}

/** Every RequestAuthentication of the manifests. */
export function isRequestAuthentication(m: any): boolean {
  return /^security\.istio\.io\//.test(m?.apiVersion ?? '') && m?.kind === 'RequestAuthentication';
}

/** What the workload's sidecar makes of the request's token. */
export interface TokenCheck {
  /** `<iss>/<sub>` of a valid token. */
  readonly requestPrincipal?: string;
  /** The valid token's claims. */
  readonly claims?: { [claim: string]: unknown };
  /** Why the token is refused (401), if it is. */
  readonly invalid?: string;
  /** Why the token is ignored, if it is. */
  readonly ignored?: string;
  /**
   * For a valid token: whether the jwtRule that accepted it keeps it for the upstream request
   * (`forwardOriginalToken`, default false: Envoy removes the token after verifying it).
   */
  readonly forwarded?: boolean;
}

/**
 * The token as the sidecar sees it (https://istio.io/latest/docs/reference/config/security/request_authentication/):
 * the RequestAuthentications that apply to the workload list the accepted issuers; a token of
 * another issuer, or without an accepted audience, is refused with 401; with no RequestAuthentication
 * the token is not validated and gives no request principal. A request without a token passes
 * (only an authorization rule can require one).
 */
export function checkToken(requestAuthentications: any[], workload: AuthzRequest['workload'],
  claims: { [claim: string]: unknown } | undefined, attached?: (p: any) => boolean): TokenCheck {
  if (claims === undefined) { return {}; }
  const applying = requestAuthentications.filter(ra => (attached ? attached(ra) : selectsWorkload(ra, workload)));
  const rules = applying.flatMap(ra => (Array.isArray(ra.spec?.jwtRules) ? ra.spec.jwtRules : []).map((r: any) => ({ ra, r })));
  const where = `${workload.namespace}/${workload.name}`;
  if (rules.length === 0) {
    return { ignored: `no RequestAuthentication applies to ${where}, so the request's token is not validated and gives no request principal` };
  }
  const match = rules.find(x => x.r?.issuer === claims.iss);
  if (!match) {
    return { invalid: `the token's issuer ${JSON.stringify(claims.iss)} is not one RequestAuthentication ${[...new Set(applying.map(idOf))].join(', ')} accepts` };
  }
  const audiences: unknown[] = Array.isArray(match.r.audiences) ? match.r.audiences : [];
  const tokenAud = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
  if (audiences.length > 0 && !tokenAud.some(a => audiences.includes(String(a)))) {
    return { invalid: `the token's audience ${JSON.stringify(claims.aud)} is none of ${audiences.join(', ')} (RequestAuthentication ${idOf(match.ra)})` };
  }
  const requestPrincipal = typeof claims.iss === 'string' && typeof claims.sub === 'string' ? `${claims.iss}/${claims.sub}` : undefined;
  return { requestPrincipal, claims, forwarded: match.r.forwardOriginalToken === true };
}
