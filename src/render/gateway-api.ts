import { failWith, show } from '../core/errors';
import { quoteRe2 } from '../core/re2';
import { comparePrecedence, gatewayApiCannotSet, refuseInGatewayApi, RoutingApi, USE_ISTIO_API } from '../core/routing-api';
import { HostRouting, VirtualServiceEntry } from '../model/host-routing';
import { MatchBlock, ResolvedRule, WeightedDestination } from '../model/rules';
import { TrafficModel } from '../model/traffic-model';

/**
 * The routing model as Kubernetes Gateway API objects (`gateway.networking.k8s.io/v1`): the rules
 * of one VirtualService entry become the rules of one HTTPRoute (GRPCRoute for gRPC), attached to
 * the Service (GAMMA, mesh traffic) or to Gateway listeners (ingress). Gateway API has no subsets:
 * a version is its own Service, `<service>-<subset>`.
 *
 * What Gateway API cannot say fails with an IstioTrafficError naming the construct that asked for
 * it; nothing is dropped. Rules are tried in Istio's precedence for Gateway API routes of one
 * parent, not in the order written (exact path, then prefix by length, then regex by length, then
 * method, more header matches, more query matches; ties in the order written), so a rule the model
 * orders first but Gateway API would try later, for a request both can match, also fails.
 */

/** The Service of one version of `service` (`reviews-v2`): Gateway API routes name Services, not subsets. */
export function versionServiceName(service: string, subset: string): string {
  return `${service}-${subset}`;
}

/** The HTTP methods a Gateway API match can name. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/** A Gateway API duration: 1 to 4 `<number><unit>` parts, each number of at most 5 digits. */
const GATEWAY_API_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

/** A SectionName (a rule name). */
const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** How a route of the chart reaches Services: the port of each routed host the model knows. */
export interface BackendContext {
  /** The namespace the route lives in (short hosts are resolved in it). */
  readonly namespace: string;
  /** The port of Service `name` in `namespace`, when the chart's model knows it. */
  readonly portOf: (name: string, namespace: string) => number | undefined;
  /** Whether the cluster has the experimental channel (an HTTPRoute rule's `retry`). */
  readonly experimental?: boolean;
}

/** How the routes of a chart's `model` in `namespace` reach Services: the ports its model knows, and its channel. */
export function backendContextOf(model: TrafficModel, namespace: string): BackendContext {
  return { namespace, portOf: (n, ns) => model.servicePort(n, ns), experimental: model.routingApi === RoutingApi.GATEWAY_API_EXPERIMENTAL };
}

/**
 * The `spec.rules` of the route of one VirtualService entry of `routing`: an HTTPRoute's (a
 * GRPCRoute's with `grpc`), or, for an entry of TCP rules, a TCPRoute's (weighted backends only).
 */
export function routeRules(routing: HostRouting, entry: VirtualServiceEntry, ctx: BackendContext, grpc = false): any[] {
  const resolved = routing.resolve(entry);
  if (!entry.http) { return resolved.map(rule => ({ backendRefs: backendRefs(rule, rule.route, ctx) })); }
  const rules = resolved.map(rule => routeRule(rule, ctx, grpc));
  checkPrecedence(resolved, rules);
  checkLimits(entry, rules);
  uniqueNames(rules);
  return rules;
}

/**
 * Gateway API's limits of one route (the HTTPRoute CRD's `maxItems` and CEL rule): 16 rules, 64
 * condition sets and 16 backends per rule, and 128 condition sets in all (the CEL rule's `<= 128`;
 * its message says "less than").
 */
function checkLimits(entry: VirtualServiceEntry, rules: any[]): void {
  const where = `the route of '${entry.host}' (${entry.namespace ?? 'default'}/${entry.name})`;
  const fix = `Route fewer paths or releases on this host, ${USE_ISTIO_API}`;
  if (rules.length > 16) {
    failWith(entry.owner, 'routes', `${where} has ${rules.length} rules (conditions of dark releases and routes, ANDed with those of the releases they follow), and a Gateway API route has at most 16`, fix);
  }
  rules.forEach((r, i) => {
    const name = r.name !== undefined ? `'${r.name}'` : `${i + 1}`;
    if ((r.matches?.length ?? 0) > 64) {
      failWith(entry.owner, 'routes', `${where}: rule ${name} has ${r.matches.length} condition sets, and a Gateway API rule has at most 64`, fix);
    }
    if (r.backendRefs.length > 16) {
      failWith(entry.owner, 'routes', `${where}: rule ${name} sends to ${r.backendRefs.length} backends, and a Gateway API rule has at most 16`,
        `Split the traffic among at most 16 versions, ${USE_ISTIO_API}`);
    }
  });
  const matches = rules.reduce((n, r) => n + (r.matches?.length ?? 0), 0);
  if (matches > 128) {
    failWith(entry.owner, 'routes', `${where} has ${matches} condition sets in all, and a Gateway API route has at most 128`, fix);
  }
}

/** Rule names are unique within a route: a repeated one gets the first free `-<n>`, within 253 characters. */
function uniqueNames(rules: any[]): void {
  const taken = new Set<string>(rules.map(r => r.name).filter((n): n is string => n !== undefined));
  const seen = new Set<string>();
  for (const r of rules) {
    if (r.name === undefined) { continue; }
    if (!seen.has(r.name)) {
      seen.add(r.name);
      continue;
    }
    let n = 2;
    const free = () => `${r.name.slice(0, 253 - `-${n}`.length)}-${n}`;
    while (taken.has(free())) { n++; }
    r.name = free();
    taken.add(r.name);
    seen.add(r.name);
  }
}

function routeRule(rule: ResolvedRule, ctx: BackendContext, grpc: boolean): any {
  const matches = rule.match.map(block => routeMatch(rule, block, grpc));
  if (grpc && rule.options.timeout !== undefined) { refuse(rule, 'timeout', 'sets a timeout on a gRPC service (a GRPCRoute rule has no timeouts)'); }
  if (grpc && rule.options.rewrite !== undefined) { refuse(rule, 'rewrite', 'rewrites a request to a gRPC service (a GRPCRoute has no URLRewrite filter)'); }
  if (grpc && rule.options.retries !== undefined) { refuse(rule, 'retries', 'sets retries on a gRPC service (a GRPCRoute rule has no retry)'); }
  const filters = ruleFilters(rule, ctx);
  const retry = ruleRetry(rule);
  const timeouts = ruleTimeouts(rule);
  return {
    ...(rule.name !== undefined && SECTION_NAME.test(rule.name) && rule.name.length <= 253 ? { name: rule.name } : {}),
    ...(matches.length > 0 ? { matches } : {}),
    ...(filters.length > 0 ? { filters } : {}),
    backendRefs: backendRefs(rule, rule.route, ctx),
    ...(timeouts ? { timeouts } : {}),
    ...(retry ? { retry } : {}),
  };
}

/** The conditions every Gateway API retry of Istio has (pilot adds them to the status codes). */
const CONNECTION_CONDITIONS = ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'];

/**
 * Istio retries as the experimental `retry` of an HTTPRoute rule: the attempts, and the status codes
 * to retry on (`5xx` is 500-599, `gateway-error` 502-504; none given: 503, as Istio's default);
 * Istio always retries connection failures too. Conditions Gateway API has no code for fail, and so
 * do `5xx` and `gateway-error` with a per-try timeout (Envoy retries a timed-out try only for those).
 */
function ruleRetry(rule: ResolvedRule): any | undefined {
  const r = rule.options.retries;
  if (r === undefined) { return undefined; }
  if (!(r.attempts >= 1)) {
    refuse(rule, 'retries.attempts', `${show(r.attempts)} turns retries off (Gateway API retries at least once: attempts is at least 1)`);
  }
  // Without conditions, Istio's default: connection failures and 503 (its retriable status code).
  const conditions: string[] = typeof r.retryOn === 'string' && r.retryOn !== '' ? r.retryOn.split(',') : ['retriable-status-codes', '503'];
  if (r.perTryTimeout !== undefined && conditions.some(c => c === '5xx' || c === 'gateway-error')) {
    refuse(rule, 'retries.retryOn', `retries on '${conditions.find(c => c === '5xx' || c === 'gateway-error')}' with a per-try timeout (Envoy retries a try that timed out `
      + "only for '5xx', 'gateway-error' or 'reset', which a Gateway API retry cannot name: a slow try would end the request)");
  }
  const codes = new Set<number>();
  for (const c of conditions) {
    if (/^[0-9]+$/.test(c) && +c >= 400 && +c <= 599) {
      codes.add(+c);
    } else if (c === '5xx') {
      for (let code = 500; code <= 599; code++) { codes.add(code); }
    } else if (c === 'gateway-error') {
      [502, 503, 504].forEach(code => codes.add(code));
    } else if (!CONNECTION_CONDITIONS.includes(c) && c !== 'retriable-status-codes') {
      refuse(rule, 'retries.retryOn', `retries on '${c}' (a Gateway API retry names HTTP status codes from 400 to 599; connection failures are always retried)`);
    }
  }
  return { attempts: r.attempts, ...(codes.size > 0 ? { codes: [...codes].sort((a, b) => a - b) } : {}) };
}

/** Fails, naming the rule's construct, for something Gateway API cannot say. */
function refuse(rule: ResolvedRule, field: string, what: string): never {
  return refuseInGatewayApi(rule.source, field, what, ` (rule '${rule.name ?? '(unnamed)'}')`);
}


/** Characters of a Gateway API path (RFC 3986 pchar and '/'; '%' only as an escape). */
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;

/** Why Gateway API's CEL rules refuse an exact or prefix path value; undefined when they take it. */
function gatewayApiPathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) { return "does not start with '/'"; }
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) {
    if (value.includes(bad)) { return `contains '${bad}'`; }
  }
  if (value.endsWith('/..') || value.endsWith('/.')) { return "ends with '/.' or '/..'"; }
  if (!PATH_CHARS.test(value)) { return "has characters a URL path cannot have unescaped (Gateway API takes letters, digits, \"-._~!$&'()*+,;=:@/\" and %-escapes)"; }
  return undefined;
}

/** An Istio string match as a Gateway API `type`/`value` pair (a prefix as a regex: Gateway API has no string prefix for headers and query parameters). */
function stringMatch(rule: ResolvedRule, field: string, m: any): { type: string; value: string } {
  if (m?.exact !== undefined) { return { type: 'Exact', value: String(m.exact) }; }
  if (m?.prefix !== undefined) { return { type: 'RegularExpression', value: `${quoteRe2(String(m.prefix))}.*` }; }
  if (m?.regex !== undefined) { return { type: 'RegularExpression', value: String(m.regex) }; }
  // Istio's `{}`: the header is present.
  if (m !== null && typeof m === 'object' && Object.keys(m).length === 0) { return { type: 'RegularExpression', value: '.*' }; }
  return refuse(rule, field, `${show(m)} is a string match`);
}

/**
 * An Istio match block as a Gateway API match. A path prefix is Gateway API's `PathPrefix`, which
 * matches whole path segments (`/api` takes `/api` and `/api/x`, not `/apix`), where Istio's
 * `prefix` is a string prefix: the README says so; a regex would rank below the catch-all in
 * Istio's order of Gateway API rules, so it could never apply.
 */
function routeMatch(rule: ResolvedRule, block: MatchBlock, grpc: boolean): any {
  const out: any = {};
  for (const [field, value] of Object.entries(block)) {
    const where = `match.${field}`;
    switch (field) {
      case 'uri': {
        if (grpc) { refuse(rule, where, 'a path condition on a gRPC service (GRPCRoute matches services and methods, not paths)'); }
        const v: any = value;
        out.path = v?.prefix !== undefined ? { type: 'PathPrefix', value: String(v.prefix) } : stringMatch(rule, where, v);
        const problem = out.path.type === 'RegularExpression' ? undefined : gatewayApiPathProblem(out.path.value);
        if (problem !== undefined) { refuse(rule, where, `'${out.path.value}' is a path that ${problem}`); }
        break;
      }
      case 'headers':
        out.headers = Object.entries(value as any).map(([name, m]) => ({ name, ...stringMatch(rule, `${where}.${name}`, m) }));
        break;
      case 'queryParams':
        if (grpc) { refuse(rule, where, 'a query parameter condition on a gRPC service'); }
        out.queryParams = Object.entries(value as any).map(([name, m]) => ({ name, ...stringMatch(rule, `${where}.${name}`, m) }));
        break;
      case 'method': {
        const v: any = value;
        if (grpc) { refuse(rule, where, 'an HTTP method condition on a gRPC service'); }
        if (typeof v?.exact !== 'string' || !METHODS.includes(v.exact)) {
          refuse(rule, where, `${show(v)} is a method condition other than one of ${METHODS.join(', ')} exactly`);
        }
        out.method = v.exact;
        break;
      }
      case 'name':
        break; // a match block's name is for Istio's logs only
      case 'withoutHeaders':
        refuse(rule, where, 'excludes requests by header (Gateway API matches only what is present)');
      case 'sourceLabels':
      case 'sourceNamespace':
        refuse(rule, where, 'matches the calling workload');
      default:
        refuse(rule, where, `matches on ${field}`);
    }
  }
  return out;
}

/** A destination host as a Service name and namespace; an external host is not a Service. */
export function serviceOf(rule: ResolvedRule, field: string, host: string, namespace: string): { name: string; namespace: string } {
  const parts = host.split('.');
  if (parts.length === 1) { return { name: host, namespace }; }
  if (parts.length === 2 || (parts.length === 3 && parts[2] === 'svc') || (parts.length === 5 && host.endsWith('.svc.cluster.local'))) {
    return { name: parts[0], namespace: parts[1] };
  }
  return refuse(rule, field, `'${host}' is not a Service of the cluster, and a Gateway API backendRef names a Service`);
}

function backendRef(rule: ResolvedRule, field: string, d: { host: string; subset?: string; port?: number }, ctx: BackendContext): any {
  const svc = serviceOf(rule, field, d.host, ctx.namespace);
  const port = d.port ?? ctx.portOf(svc.name, svc.namespace);
  if (port === undefined) {
    refuse(rule, field, `'${d.host}' has no known port (a Gateway API backendRef to a Service must give one)`);
  }
  return {
    name: d.subset !== undefined ? versionServiceName(svc.name, d.subset) : svc.name,
    ...(svc.namespace !== ctx.namespace ? { namespace: svc.namespace } : {}),
    port,
  };
}

/** Weighted destinations as backendRefs: zero weights dropped unless all are zero; one destination without a weight. */
function backendRefs(rule: ResolvedRule, route: WeightedDestination[], ctx: BackendContext): any[] {
  const live = route.filter(d => d.weight > 0);
  const list = live.length > 0 ? live : route;
  return list.map(d => {
    const filters = d.headers ? headerFilters(d.headers) : [];
    return {
      ...backendRef(rule, 'route', d, ctx),
      ...(list.length === 1 && live.length > 0 ? {} : { weight: d.weight }),
      ...(filters.length > 0 ? { filters } : {}),
    };
  });
}

/** Istio `headers` (`request`/`response` with `set`, `add`, `remove`) as Gateway API header modifier filters. */
function headerFilters(headers: { [section: string]: any }): any[] {
  const modifier = (ops: any) => ({
    ...(ops?.set ? { set: Object.entries(ops.set).map(([name, value]) => ({ name, value: String(value) })) } : {}),
    ...(ops?.add ? { add: Object.entries(ops.add).map(([name, value]) => ({ name, value: String(value) })) } : {}),
    ...(Array.isArray(ops?.remove) && ops.remove.length > 0 ? { remove: [...ops.remove] } : {}),
  });
  return [
    ...(headers.request ? [{ type: 'RequestHeaderModifier', requestHeaderModifier: modifier(headers.request) }] : []),
    ...(headers.response ? [{ type: 'ResponseHeaderModifier', responseHeaderModifier: modifier(headers.response) }] : []),
  ];
}

/** A mirror percentage as Gateway API's `percent` (whole) or `fraction`. */
function mirrorShare(percentage: any): any {
  const value = percentage?.value;
  if (typeof value !== 'number' || value >= 100) { return {}; }
  return Number.isInteger(value) ? { percent: value } : { fraction: { numerator: Math.round(value * 10_000), denominator: 1_000_000 } };
}

/** The filters of a rule: header changes, URL rewrites and mirrors; fails for options Gateway API has no field for. */
function ruleFilters(rule: ResolvedRule, ctx: BackendContext): any[] {
  const filters: any[] = [];
  const o = rule.options;
  for (const field of Object.keys(o)) {
    const cannot = gatewayApiCannotSet(field, ctx.experimental === true);
    if (cannot !== undefined) { refuse(rule, field, cannot); }
  }
  if (o.headers) { filters.push(...headerFilters(o.headers)); }
  if (o.rewrite) {
    const { uri, authority, ...rest } = o.rewrite;
    if (Object.keys(rest).length > 0) { refuse(rule, 'rewrite', `rewrites ${Object.keys(rest).join(', ')}`); }
    let path: any;
    if (uri !== undefined) {
      // Istio replaces the matched prefix ('/' without a path condition) and the whole of an exact
      // path; Gateway API replaces the whole path, or the prefix of a rule's one PathPrefix match.
      const prefixes = rule.match.filter(b => b.uri?.prefix !== undefined);
      if (prefixes.length > 0 && rule.match.length > 1) {
        refuse(rule, 'rewriteUri', `replaces the matched path prefix of a rule with ${rule.match.length} condition sets `
          + '(Gateway API replaces a prefix only in a rule of one PathPrefix match)');
      }
      if (prefixes.length === 0 && (rule.match.length === 0 || rule.match.some(b => b.uri?.exact === undefined))) {
        refuse(rule, 'rewriteUri', 'rewrites the path of a rule without a path condition for each of its condition sets (Istio would replace the prefix \'/\' of each path, '
          + 'Gateway API the whole path)');
      }
      path = prefixes.length > 0 ? { type: 'ReplacePrefixMatch', replacePrefixMatch: uri } : { type: 'ReplaceFullPath', replaceFullPath: uri };
    }
    filters.push({ type: 'URLRewrite', urlRewrite: { ...(authority !== undefined ? { hostname: authority } : {}), ...(path ? { path } : {}) } });
  }
  if (o.mirror) {
    filters.push({ type: 'RequestMirror', requestMirror: { backendRef: backendRef(rule, 'mirror', o.mirror, ctx), ...mirrorShare(o.mirrorPercentage) } });
  }
  for (const m of Array.isArray(o.mirrors) ? o.mirrors : []) {
    filters.push({ type: 'RequestMirror', requestMirror: { backendRef: backendRef(rule, 'mirrors', m.destination, ctx), ...mirrorShare(m.percentage) } });
  }
  return filters;
}

/** The rule's timeout, and the per-try timeout of its retries (`backendRequest`, which Istio makes the per-try timeout of a retry). */
function ruleTimeouts(rule: ResolvedRule): any | undefined {
  const timeout = rule.options.timeout;
  const perTry = rule.options.retries?.perTryTimeout;
  if (timeout === undefined && perTry === undefined) { return undefined; }
  for (const [field, d] of [['timeout', timeout], ['retries.perTryTimeout', perTry]]) {
    if (d !== undefined && (typeof d !== 'string' || !GATEWAY_API_DURATION.test(d))) {
      refuse(rule, field, `${show(d)} is a duration longer than a Gateway API duration can write (at most 99999 of one unit)`);
    }
  }
  return { ...(timeout !== undefined ? { request: timeout } : {}), ...(perTry !== undefined ? { backendRequest: perTry } : {}) };
}

/**
 * Fails when Gateway API's precedence would try a later rule's match before an earlier rule's and a
 * request can meet both (so it would go elsewhere than the model says). A catch-all is PathPrefix
 * '/' there, tried before any regex path: a rule on a path regex never applies.
 */
function checkPrecedence(resolved: ResolvedRule[], rules: any[]): void {
  // A rule without matches is one of PathPrefix '/' once the API server has defaulted it.
  const items = rules.flatMap((r, i) => (r.matches ?? [{}]).map((m: any, j: number) => ({ rule: i, match: m, block: resolved[i].match[j] ?? {} })));
  const sorted = items.map((x, seq) => ({ ...x, seq })).sort((a, b) => comparePrecedence(a.match, b.match) || (a.seq - b.seq));
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const first = sorted[i];
      const later = sorted[j];
      if (first.rule <= later.rule || !mayOverlap(first.block, later.block)) { continue; }
      const a = resolved[later.rule];
      const b = resolved[first.rule];
      failWith(b.source, 'match',
        `rule '${b.name ?? '(unnamed)'}' (${JSON.stringify(first.block)}) would be tried before rule '${a.name ?? '(unnamed)'}' (${a.source.node.path}, ${JSON.stringify(later.block)}) `
        + 'in Gateway API, which orders rules by their matches (exact path, longest prefix, regex, method, most headers, most query parameters), '
        + 'and a request can meet both, so it would go elsewhere than this chart says',
        `Make the conditions of the two rules exclusive (e.g. give the earlier one a condition the later one lacks), ${USE_ISTIO_API}`);
    }
  }
}

/** False when no request can meet both match blocks (a literal condition on one field that differs); true otherwise (conservatively). */
export function mayOverlap(a: MatchBlock, b: MatchBlock): boolean {
  const literal = (m: any): { exact?: string; prefix?: string } | undefined =>
    (m?.exact !== undefined ? { exact: String(m.exact) } : m?.prefix !== undefined ? { prefix: String(m.prefix) } : undefined);
  const disjoint = (x: any, y: any): boolean => {
    const p = literal(x);
    const q = literal(y);
    if (!p || !q) { return false; }
    if (p.exact !== undefined && q.exact !== undefined) { return p.exact !== q.exact; }
    if (p.exact !== undefined) { return !p.exact.startsWith(q.prefix!); }
    if (q.exact !== undefined) { return !q.exact.startsWith(p.prefix!); }
    return !p.prefix!.startsWith(q.prefix!) && !q.prefix!.startsWith(p.prefix!);
  };
  for (const field of ['uri', 'method', 'scheme', 'authority']) {
    if (a[field] !== undefined && b[field] !== undefined && disjoint(a[field], b[field])) { return false; }
  }
  for (const field of ['headers', 'queryParams']) {
    const x = a[field] ?? {};
    const y = b[field] ?? {};
    for (const name of Object.keys(x)) {
      const other = Object.keys(y).find(k => (field === 'headers' ? k.toLowerCase() === name.toLowerCase() : k === name));
      if (other !== undefined && disjoint(x[name], y[other])) { return false; }
    }
  }
  return true;
}
