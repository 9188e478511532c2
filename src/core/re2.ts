import type { RE2JS as RE2JSClass } from 're2js' with { 'resolution-mode': 'import' };
import { loadRe2 } from './vendor';

type RE2JS = RE2JSClass;

/** re2js, loaded on first use (an app without regexes never loads it): see ./vendor. */
function re2js(): typeof RE2JSClass {
  return loadRe2().RE2JS;
}

/**
 * Compiles an RE2 regex (Istio and Envoy use RE2, not JavaScript regular expressions: no
 * look-around, no back-references). Throws the RE2 syntax error for an invalid pattern.
 */
export function re2(pattern: string): RE2JS {
  return re2js().compile(pattern);
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

/** RE2 syntax for a literal string (its metacharacters escaped), without loading re2js. */
export function quoteRe2(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, c => `\\${c}`);
}
