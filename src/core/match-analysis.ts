import { re2FullMatch } from './re2';

/**
 * Static analysis of Istio HTTPMatchRequest blocks: does every request that block `b` matches
 * also match block `a`? Used to find rules that can never apply because an earlier rule takes their
 * requests (Istio's IST0130 / IST0131). Conservative: when in doubt it answers false.
 */
export function covers(a: { [key: string]: any }, b: { [key: string]: any }): boolean {
  // A block that is not an object (null in a hand-written list) is the schema's finding: no answer.
  if (!isObject(a) || !isObject(b)) { return false; }
  for (const [field, av] of Object.entries(a)) {
    // A null or undefined field is no condition (the API server prunes nulls, YAML writes `x:` as one).
    if (av === undefined || av === null) { continue; }
    const bv = b[field] ?? undefined;
    switch (field) {
      case 'uri':
      case 'authority':
      case 'method':
      case 'scheme':
        // A condition every request meets (uri prefix '/', a '.*' regex) covers a block without it.
        if (bv === undefined) {
          if (universal(field, av)) { break; }
          return false;
        }
        if (!stringCovers(av, bv) || (field === 'uri' && !universal(field, av) && !!a.ignoreUriCase !== !!b.ignoreUriCase)) { return false; }
        break;
      case 'headers':
      case 'queryParams':
        for (const [k, am] of Object.entries(av)) {
          if (am === undefined || am === null) { continue; }
          const bm = bv?.[k];
          if (bm === undefined || !stringCovers(am, bm)) { return false; }
        }
        break;
      case 'withoutHeaders':
        for (const [k, am] of Object.entries(av)) {
          if (am === undefined || am === null) { continue; }
          const bm = bv?.[k];
          // "b excludes k entirely" or "b excludes k the same way" implies "a excludes it".
          if (bm === undefined || !(isPresence(bm) || same(am, bm))) { return false; }
        }
        break;
      case 'sourceLabels':
        for (const [k, v] of Object.entries(av)) {
          if (bv?.[k] !== v) { return false; }
        }
        break;
      case 'ignoreUriCase':
      case 'name':
        break;
      default:
        if (!same(av, bv)) { return false; }
    }
  }
  return true;
}

/** Structural equality of two JSON values (key order ignored). */
export function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) { return `[${v.map(canonical).join(',')}]`; }
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().map(k => `${JSON.stringify(k)}:${canonical((v as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Values every request has for a field that every request carries (path, host, method, scheme): a
 * regex that full-matches all of them is taken as matching every request. Conservative in the other
 * direction: a regex that misses one of them is not universal.
 */
const PROBES: readonly string[] = ['', '/', '/a/b?c=d', 'GET', 'http', 'example.com:8080', ' ', '\u00e9\u2603', 'Z9_-.~%20'];

/** True for a condition every request meets (uri prefix '/', a regex such as '.*' on a field every request has). */
function universal(field: string, m: any): boolean {
  if (field === 'uri' && m?.prefix === '/') { return true; }
  if (typeof m?.regex !== 'string') { return false; }
  if (m.regex === '.*') { return true; }
  try {
    return PROBES.every(p => re2FullMatch(m.regex, p));
  } catch {
    return false;
  }
}

/**
 * True when match block `block` takes every request: each of its conditions is one every request
 * meets, so the block is the same as no condition at all.
 */
export function takesEveryRequest(block: { [key: string]: any }): boolean {
  return covers(block, {});
}

function isObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isPresence(m: any): boolean {
  return m !== null && typeof m === 'object' && m.exact === undefined && m.prefix === undefined && m.regex === undefined;
}

/** A StringMatch whose exact, prefix and regex (those set) are strings (a hand-written one may hold anything). */
function wellFormed(m: any): boolean {
  return ['exact', 'prefix', 'regex'].every(k => m[k] === undefined || typeof m[k] === 'string');
}

/** Does every value string match `b` accepts also satisfy string match `a`? (Not a StringMatch object: no.) */
function stringCovers(a: any, b: any): boolean {
  if (a === null || typeof a !== 'object' || b === null || typeof b !== 'object') { return false; }
  if (!wellFormed(a) || !wellFormed(b)) { return false; }
  if (isPresence(a)) { return true; }
  if (isPresence(b)) { return false; }
  if (a.exact !== undefined) { return b.exact === a.exact; }
  if (a.prefix !== undefined) {
    if (b.exact !== undefined) { return b.exact.startsWith(a.prefix); }
    if (b.prefix !== undefined) { return b.prefix.startsWith(a.prefix); }
    return false;
  }
  if (a.regex !== undefined) {
    if (b.exact !== undefined) {
      try { return re2FullMatch(a.regex, b.exact); } catch { return false; }
    }
    if (b.regex !== undefined) { return b.regex === a.regex || a.regex === '.*'; }
    if (b.prefix !== undefined) { return a.regex === '.*'; }
  }
  return false;
}
