import { re2 } from '../core/re2';

/** Compiled RE2 patterns of one simulation (compiling is the costly part of matching). */
export type Re2Cache = Map<string, { matches(s: string): boolean } | Error>;

/** Istio's webhook refuses longer regexes (an approximation of Envoy's RE2 program size limit). */
const MAX_REGEX_LENGTH = 1024;

/** Compiles `pattern` once per cache: the compiled regex, or the RE2 error of an invalid pattern. */
function compiled(pattern: string, cache: Re2Cache | undefined): { matches(s: string): boolean } | Error {
  let r = cache?.get(pattern);
  if (r === undefined) {
    try {
      r = re2(pattern);
    } catch (e) {
      r = e instanceof Error ? e : new Error(String(e));
    }
    cache?.set(pattern, r);
  }
  return r;
}

/**
 * Why Istio's validation webhook rejects a StringMatch regex (`validateStringMatchRegexp` in
 * istio/istio pkg/config/validation: empty, longer than 1024 characters, or not RE2 syntax), or
 * undefined when it accepts it.
 */
export function regexProblem(pattern: unknown, cache?: Re2Cache): string | undefined {
  if (typeof pattern !== 'string') { return 'is not a string'; }
  if (pattern === '') { return 'is empty'; }
  if (pattern.length > MAX_REGEX_LENGTH) { return `is longer than ${MAX_REGEX_LENGTH} characters`; }
  const r = compiled(pattern, cache);
  return r instanceof Error ? `is not RE2 syntax (${r.message})` : undefined;
}

/**
 * Evaluates an Istio StringMatch (`exact`, `prefix` or `regex`; regex with RE2 full-string
 * semantics, as Envoy applies it). An empty match object matches any value that is present. A
 * regex RE2 cannot compile matches nothing (the VirtualService holding it is rejected before: see
 * `rejectedRegexes`).
 */
export function stringMatches(m: any, value: string | undefined, ignoreCase = false, cache?: Re2Cache): boolean {
  if (value === undefined) { return false; }
  if (m === null || typeof m !== 'object') { return false; }
  const v = ignoreCase ? value.toLowerCase() : value;
  if (m.exact !== undefined) { return v === (ignoreCase ? String(m.exact).toLowerCase() : m.exact); }
  if (m.prefix !== undefined) { return v.startsWith(ignoreCase ? String(m.prefix).toLowerCase() : m.prefix); }
  // Envoy applies ignore_case to exact and prefix matches only, not to regexes.
  if (m.regex !== undefined) {
    const r = compiled(String(m.regex), cache);
    return !(r instanceof Error) && r.matches(value);
  }
  return true;
}

/**
 * True when Istio turns a header, query parameter, method, authority or scheme StringMatch into an
 * Envoy `present_match` (`canBeConvertedToPresentMatch` in istio/istio
 * pilot/pkg/networking/core/route/route.go): no match type at all (`{}`, or null), or
 * `regex: "*"` ("`*` is NOT a RE2 style regex ... it will be translated as present_match").
 */
export function isPresenceMatch(m: any): boolean {
  if (m === null || m === undefined || typeof m !== 'object') { return true; }
  if (m.regex === '*') { return true; }
  return m.exact === undefined && m.prefix === undefined && m.regex === undefined;
}

/** A header-like condition (`headers`, `queryParams`, `method`, `authority`, `scheme`): present, or matching. */
function presentAndMatches(m: any, value: string | undefined, cache?: Re2Cache): boolean {
  return isPresenceMatch(m) ? value !== undefined : stringMatches(m, value, false, cache);
}

/**
 * A `withoutHeaders` condition holds when the header does not match. Istio inverts the header
 * matcher and, unless it is a presence match, sets Envoy's `treat_missing_header_as_empty`: a missing
 * header is matched as the empty string (so `withoutHeaders: {x: {regex: ".*"}}` fails without `x`).
 */
function withoutHeaderHolds(m: any, value: string | undefined, cache?: Re2Cache): boolean {
  if (isPresenceMatch(m)) { return value === undefined; }
  return !stringMatches(m, value ?? '', false, cache);
}

/**
 * The query parameters of a query string as Envoy's route matching reads them
 * (`Http::Utility::QueryParamsMulti::parseQueryString`): split at `&` and at the first `=`, NOT
 * percent-decoded (`?q=a%20b` has the value `a%20b`), a name without `=` has the value `""`, and a
 * repeated name keeps its first value (`getFirstValue`).
 */
export function parseQuery(query: string | undefined): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of (query ?? '').split('&')) {
    if (part === '') { continue; }
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!params.has(name)) { params.set(name, eq < 0 ? '' : part.slice(eq + 1)); }
  }
  return params;
}

/** The parts of a request the match conditions look at. */
export interface MatchInput {
  readonly path: string;
  /** Query parameters, raw (not percent-decoded), as `parseQuery` reads them. */
  readonly query: Map<string, string>;
  readonly method: string;
  readonly scheme: string;
  readonly authority: string;
  readonly headers: Map<string, string>;
  readonly port?: number;
  readonly sourceLabels: { [key: string]: string };
  readonly sourceNamespace: string;
  /** `mesh`, or the gateway as `<namespace>/<name>`. */
  readonly binding: string;
  /** Resolves a gateway reference written in the VirtualService's namespace to `<ns>/<name>`. */
  readonly resolveGateway: (ref: string) => string;
  /** Compiled regexes, shared by the requests of one simulator. */
  readonly re2Cache?: Re2Cache;
}

/**
 * Whether Istio puts a match block into the routes of this proxy at all (the port check of
 * `TranslateRoute` and `sourceMatchHTTP` in istio/istio pilot/pkg/networking/core/route/route.go):
 * `port` must be the listener port; with rule-level `gateways`, only they decide ("The gateway
 * match is independent of sourceLabels"); otherwise `sourceLabels` and `sourceNamespace` must fit
 * the proxy (the calling workload, or the gateway's pods).
 */
export function appliesToProxy(m: any, req: MatchInput): boolean {
  if (m.port !== undefined && m.port !== 0 && m.port !== req.port) { return false; }
  if (Array.isArray(m.gateways) && m.gateways.length > 0) {
    return m.gateways.some((g: string) => (g === 'mesh' ? req.binding === 'mesh' : req.resolveGateway(g) === req.binding));
  }
  for (const [k, v] of Object.entries(m.sourceLabels ?? {})) {
    if (req.sourceLabels[k] !== v) { return false; }
  }
  return m.sourceNamespace === undefined || m.sourceNamespace === '' || m.sourceNamespace === req.sourceNamespace;
}

/**
 * Evaluates one HTTPMatchRequest: every condition present must hold (AND). Returns false for any
 * condition that does not hold.
 */
export function matchRequest(m: any, req: MatchInput): boolean {
  if (m === null || typeof m !== 'object') { return true; }
  if (!appliesToProxy(m, req)) { return false; }
  const cache = req.re2Cache;
  if (m.uri && !stringMatches(m.uri, req.path, m.ignoreUriCase === true, cache)) { return false; }
  if (m.scheme && !presentAndMatches(m.scheme, req.scheme, cache)) { return false; }
  if (m.method && !presentAndMatches(m.method, req.method, cache)) { return false; }
  if (m.authority && !presentAndMatches(m.authority, req.authority, cache)) { return false; }
  for (const [name, sm] of Object.entries(m.headers ?? {})) {
    if (!presentAndMatches(sm, req.headers.get(name.toLowerCase()), cache)) { return false; }
  }
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
    if (!withoutHeaderHolds(sm, req.headers.get(name.toLowerCase()), cache)) { return false; }
  }
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) {
    if (!presentAndMatches(sm, req.query.get(name), cache)) { return false; }
  }
  return true;
}

/**
 * True when the Envoy route a match block becomes is a catch-all (`IsCatchAllRoute` in istio/istio
 * pilot/pkg/networking/core/route/route.go): its path is the prefix `/` (no `uri`, or `prefix: /`)
 * or the regex `.*`, and it has no header (`headers`, `withoutHeaders`, `method`, `authority`,
 * `scheme`) and no query parameter condition. A rule without match blocks is one too.
 */
export function isCatchAllMatch(m: any): boolean {
  if (m === null || m === undefined || typeof m !== 'object') { return true; }
  const uri = m.uri;
  const path = uri === undefined || uri === null || uri.prefix === '/' || uri.regex === '.*'
    || (uri.exact === undefined && uri.prefix === undefined && uri.regex === undefined);
  const conditions = [m.headers, m.withoutHeaders, m.queryParams].some(c => c && Object.keys(c).length > 0);
  return path && !conditions && !m.method && !m.authority && !m.scheme;
}

/**
 * The regexes of a VirtualService's match blocks that Istio's validation webhook rejects
 * (`validateHTTPRouteMatchRequest` in istio/istio pkg/config/validation/virtualservice.go), each as
 * `<field path> <regex> <problem>`. `withoutHeaders` may hold `regex: "*"`: the webhook lets it pass,
 * as Istio translates it to "header absent".
 */
export function rejectedRegexes(spec: any, cache?: Re2Cache): string[] {
  const found: string[] = [];
  const check = (where: string, sm: any) => {
    if (sm === null || typeof sm !== 'object' || sm.regex === undefined) { return; }
    const problem = regexProblem(sm.regex, cache);
    if (problem) { found.push(`${where}.regex ${JSON.stringify(sm.regex)} ${problem}`); }
  };
  const http: any[] = Array.isArray(spec?.http) ? spec.http : [];
  http.forEach((rule, i) => {
    const matches: any[] = Array.isArray(rule?.match) ? rule.match : [];
    matches.forEach((m, j) => {
      if (m === null || typeof m !== 'object') { return; }
      const at = `spec.http[${i}].match[${j}]`;
      for (const field of ['uri', 'scheme', 'method', 'authority']) { check(`${at}.${field}`, m[field]); }
      for (const [name, sm] of Object.entries(m.headers ?? {})) { check(`${at}.headers.${name}`, sm); }
      for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
        if ((sm as any)?.regex !== '*') { check(`${at}.withoutHeaders.${name}`, sm); }
      }
      for (const [name, sm] of Object.entries(m.queryParams ?? {})) { check(`${at}.queryParams.${name}`, sm); }
    });
  });
  return found;
}
