// Text helpers shared by `explain` and `diff`: shares, policies, tables.

/** JSON with object keys sorted, so that equal values have equal text. */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) { return value.map(sortKeys); }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map(k => [k, sortKeys((value as any)[k])]));
  }
  return value;
}

/** `v1 90%, v2 10%` (versions in the order given; `(503)`: requests Envoy answers with 503); `-` for none. */
export function formatShares(shares: { [version: string]: number } | null | undefined): string {
  if (shares === null || shares === undefined) { return '-'; }
  const entries = Object.entries(shares);
  return entries.length === 0 ? '(no destination)' : entries.map(([v, p]) => `${v} ${p}%`).join(', ');
}

/** An object as `a.b=1 c=x`; a scalar as itself. */
function flat(value: unknown, prefix = ''): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length === 0) { return prefix ? [`${prefix}={}`] : ['{}']; }
    return entries.flatMap(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k));
  }
  const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
  return [prefix ? `${prefix}=${text}` : text];
}

function formatOne(policy: string, value: any): string {
  switch (policy) {
    case 'timeout':
    case 'delegate':
      return String(value);
    case 'reachable':
      return value === true ? 'reachable' : 'unreachable';
    case 'order':
      return `#${String(value)}`;
    case 'retries': {
      if (value === null || typeof value !== 'object') { return String(value); }
      const parts = [`${value.attempts ?? 0} attempts`];
      if (value.perTryTimeout !== undefined) { parts.push(`${value.perTryTimeout} each`); }
      if (value.retryOn !== undefined) { parts.push(`on ${value.retryOn}`); }
      return parts.join(' ');
    }
    case 'fault': {
      const parts: string[] = [];
      if (value?.delay) { parts.push(`delay ${value.delay.fixedDelay ?? '?'} for ${value.delay.percent}%`); }
      if (value?.abort) { parts.push(`abort ${value.abort.httpStatus ?? value.abort.grpcStatus ?? '?'} for ${value.abort.percent}%`); }
      return parts.length > 0 ? parts.join(', ') : flat(value).join(' ');
    }
    case 'mirror':
      return Array.isArray(value)
        ? value.map((m: any) => `${m.host}${m.subset !== undefined ? `/${m.subset}` : ''} ${m.percent}%`).join(', ')
        : flat(value).join(' ');
    case 'loadBalancer':
    case 'tls':
      if (value !== null && typeof value === 'object') {
        const only = Object.keys(value);
        if (only.length === 1 && (only[0] === 'simple' || only[0] === 'mode')) { return String(value[only[0]]); }
      }
      return flat(value).join(' ');
    default:
      return flat(value).join(' ');
  }
}

/** The policies whose value is per version (from DestinationRules). */
export const PER_VERSION = new Set(['loadBalancer', 'connectionPool', 'outlierDetection', 'tls', 'portLevelSettings']);

/** A policy value, readable: `10s`, `3 attempts 2s each on 5xx`, `loadBalancer v1: RANDOM; v2: LEAST_REQUEST` ... */
export function formatPolicyValue(policy: string, value: unknown): string {
  if (value === null || value === undefined) { return '(none)'; }
  if (PER_VERSION.has(policy) && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as object);
    const texts = entries.map(([v, p]) => [v, formatOne(policy, p)]);
    if (texts.length > 0 && texts.every(([, t]) => t === texts[0][1])) { return texts[0][1]; }
    return texts.map(([v, t]) => `${v}: ${t}`).join('; ');
  }
  return formatOne(policy, value);
}

/** All policies of a rule, one `name value` each. */
export function formatPolicies(policies: { [policy: string]: unknown }): string[] {
  return Object.entries(policies).map(([k, v]) => `${k} ${formatPolicyValue(k, v)}`);
}

/** A plain-text table: columns padded to their widest cell; cells may hold several lines. */
export function textTable(header: string[], rows: string[][][], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => Math.max(0, ...(r[i] ?? []).map(l => l.length)))));
  const line = (cells: string[]) => `${indent}${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}`.trimEnd();
  const out = [line(header), line(widths.map(w => '-'.repeat(w)))];
  for (const row of rows) {
    const height = Math.max(1, ...row.map(c => c.length));
    for (let i = 0; i < height; i++) { out.push(line(header.map((_, j) => row[j]?.[i] ?? ''))); }
  }
  return out;
}

/** A Markdown table cell: `|` escaped, newlines as `<br>`. */
export function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
}
