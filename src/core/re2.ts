import type { RE2JS as RE2JSClass } from 're2js' with { 'resolution-mode': 'import' };

// re2js is an ES module with a CommonJS build; this package is CommonJS, so load the CJS build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RE2JS } = require('re2js') as { RE2JS: typeof RE2JSClass };
type RE2JS = RE2JSClass;

/**
 * Compiles an RE2 regex (Istio and Envoy use RE2, not JavaScript regular expressions: no
 * look-around, no back-references). Throws the RE2 syntax error for an invalid pattern.
 */
export function re2(pattern: string): RE2JS {
  return RE2JS.compile(pattern);
}

/** The RE2 syntax error of a pattern, or undefined when it compiles. */
export function re2Error(pattern: string): string | undefined {
  try {
    re2(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** True when the whole `value` matches the RE2 `pattern` (Envoy's full-match semantics). */
export function re2FullMatch(pattern: string, value: string): boolean {
  return re2(pattern).matches(value);
}
