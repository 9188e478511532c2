import type { RE2JS as RE2JSClass } from 're2js' with { 'resolution-mode': 'import' };

// re2js is an ES module with a CommonJS build; this package is CommonJS, so load the CJS build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RE2JS } = require('re2js') as { RE2JS: typeof RE2JSClass };
type RE2JS = RE2JSClass;

const compiled = new Map<string, RE2JS | Error>();

/**
 * Compiles an RE2 regex once (Istio and Envoy use RE2, not JavaScript regular expressions: no
 * look-around, no back-references). Throws the RE2 syntax error for an invalid pattern.
 */
export function re2(pattern: string): RE2JS {
  let r = compiled.get(pattern);
  if (r === undefined) {
    try {
      r = RE2JS.compile(pattern);
    } catch (e) {
      r = e instanceof Error ? e : new Error(String(e));
    }
    compiled.set(pattern, r);
  }
  if (r instanceof Error) { throw r; }
  return r;
}

/** The RE2 syntax error of a pattern, or undefined when it compiles. */
export function re2Error(pattern: string): string | undefined {
  try {
    re2(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Evaluates an Istio StringMatch (`exact`, `prefix` or `regex`; regex with RE2 full-string
 * semantics, as Envoy applies it). An empty match object matches any value that is present.
 */
export function stringMatches(m: any, value: string | undefined, ignoreCase = false): boolean {
  if (value === undefined) { return false; }
  if (m === null || typeof m !== 'object') { return false; }
  const v = ignoreCase ? value.toLowerCase() : value;
  if (m.exact !== undefined) { return v === (ignoreCase ? String(m.exact).toLowerCase() : m.exact); }
  if (m.prefix !== undefined) { return v.startsWith(ignoreCase ? String(m.prefix).toLowerCase() : m.prefix); }
  // Envoy applies ignore_case to exact and prefix matches only, not to regexes.
  if (m.regex !== undefined) { return re2(m.regex).matches(value); }
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
}

/**
 * Evaluates one HTTPMatchRequest: every condition present must hold (AND). Returns false for any
 * condition that does not hold.
 */
export function matchRequest(m: any, req: MatchInput): boolean {
  if (m.uri && !stringMatches(m.uri, req.path, m.ignoreUriCase === true)) { return false; }
  if (m.scheme && !stringMatches(m.scheme, req.scheme)) { return false; }
  if (m.method && !stringMatches(m.method, req.method)) { return false; }
  if (m.authority && !stringMatches(m.authority, req.authority)) { return false; }
  for (const [name, sm] of Object.entries(m.headers ?? {})) {
    if (!stringMatches(sm, req.headers.get(name.toLowerCase()))) { return false; }
  }
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
    if (stringMatches(sm, req.headers.get(name.toLowerCase()))) { return false; }
  }
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) {
    if (!stringMatches(sm, req.query.get(name))) { return false; }
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

/** True when `pattern` (a host, possibly `*` or `*.suffix`) covers `host`. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === '*') { return true; }
  if (p.startsWith('*')) { return h.endsWith(p.slice(1)) && h.length > p.length - 1; }
  return p === h;
}

/** How specific a matching host pattern is: exact beats the longest wildcard, which beats `*`. */
export function hostSpecificity(pattern: string): number {
  if (pattern === '*') { return 0; }
  if (pattern.startsWith('*')) { return pattern.length; }
  return 100000 + pattern.length;
}
