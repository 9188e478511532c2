import { re2 } from '../core/re2';

/** Compiled RE2 patterns of one simulation (compiling is the costly part of matching). */
export type Re2Cache = Map<string, { matches(s: string): boolean } | Error>;

/** Compiles `pattern` once per cache; throws the RE2 error of an invalid pattern. */
function compiled(pattern: string, cache: Re2Cache | undefined): { matches(s: string): boolean } {
  let r = cache?.get(pattern);
  if (r === undefined) {
    try {
      r = re2(pattern);
    } catch (e) {
      r = e instanceof Error ? e : new Error(String(e));
    }
    cache?.set(pattern, r);
  }
  if (r instanceof Error) { throw r; }
  return r;
}

/**
 * Evaluates an Istio StringMatch (`exact`, `prefix` or `regex`; regex with RE2 full-string
 * semantics, as Envoy applies it). An empty match object matches any value that is present.
 */
export function stringMatches(m: any, value: string | undefined, ignoreCase = false, cache?: Re2Cache): boolean {
  if (value === undefined) { return false; }
  if (m === null || typeof m !== 'object') { return false; }
  const v = ignoreCase ? value.toLowerCase() : value;
  if (m.exact !== undefined) { return v === (ignoreCase ? String(m.exact).toLowerCase() : m.exact); }
  if (m.prefix !== undefined) { return v.startsWith(ignoreCase ? String(m.prefix).toLowerCase() : m.prefix); }
  // Envoy applies ignore_case to exact and prefix matches only, not to regexes.
  if (m.regex !== undefined) { return compiled(m.regex, cache).matches(value); }
  return true;
}

/** The parts of a request the match conditions look at. */
export interface MatchInput {
  readonly path: string;
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
 * Evaluates one HTTPMatchRequest: every condition present must hold (AND). Returns false for any
 * condition that does not hold.
 */
export function matchRequest(m: any, req: MatchInput): boolean {
  if (m.uri && !stringMatches(m.uri, req.path, m.ignoreUriCase === true, req.re2Cache)) { return false; }
  if (m.scheme && !stringMatches(m.scheme, req.scheme, false, req.re2Cache)) { return false; }
  if (m.method && !stringMatches(m.method, req.method, false, req.re2Cache)) { return false; }
  if (m.authority && !stringMatches(m.authority, req.authority, false, req.re2Cache)) { return false; }
  for (const [name, sm] of Object.entries(m.headers ?? {})) {
    if (!stringMatches(sm, req.headers.get(name.toLowerCase()), false, req.re2Cache)) { return false; }
  }
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
    if (stringMatches(sm, req.headers.get(name.toLowerCase()), false, req.re2Cache)) { return false; }
  }
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) {
    if (!stringMatches(sm, req.query.get(name), false, req.re2Cache)) { return false; }
  }
  if (m.port !== undefined && m.port !== 0 && m.port !== req.port) { return false; }
  for (const [k, v] of Object.entries(m.sourceLabels ?? {})) {
    if (req.sourceLabels[k] !== v) { return false; }
  }
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== req.sourceNamespace) { return false; }
  if (Array.isArray(m.gateways) && m.gateways.length > 0
    && !m.gateways.some((g: string) => (g === 'mesh' ? req.binding === 'mesh' : req.resolveGateway(g) === req.binding))) {
    return false;
  }
  return true;
}
