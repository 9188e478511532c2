/**
 * How Istio reads the string fields of an AuthorizationPolicy (principals, hosts, paths, `when`
 * values): one definition for the analysis and the simulator, which both read policies people wrote.
 */

/** A field as Istio reads the policy (proto3): absent, null and an empty list are a field not set. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

/**
 * Whether `value` matches a policy string as Istio turns it into an Envoy matcher
 * (pilot/pkg/security/authz/matcher/string.go, `StringMatcherWithPrefix`): `*` is any non-empty
 * value; else a leading `*` makes a suffix match, which wins over a trailing `*` (a prefix match), so
 * `*.example.com:*` is the suffix `.example.com:*`; else the value exactly. An absent value matches
 * nothing.
 */
export function valueMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) { return false; }
  if (pattern === '*') { return value.length > 0; }
  if (pattern.startsWith('*')) { return value.endsWith(pattern.slice(1)); }
  if (pattern.endsWith('*')) { return value.startsWith(pattern.slice(0, -1)); }
  return value === pattern;
}

/**
 * The entries of a `hosts` (or `notHosts`) list that a request escapes by sending the same host with
 * a port (`Host: shop.example.com:443`): Istio compares the Host header as sent, port included
 * (https://istio.io/latest/docs/ops/best-practices/security/#writing-host-match-policies). An exact
 * host without a port escapes unless the list also has `<host>:*`; a suffix pattern (`*.example.com`)
 * unless the list names it with a port number too (no pattern covers every port after a leading `*`:
 * `*.example.com:*` is the suffix `.example.com:*`).
 * `*`, prefix patterns (`shop.*`) and entries with a port are not escaped.
 */
export function hostsEscapedWithPort(hosts: readonly unknown[]): string[] {
  const texts = hosts.filter((h): h is string => typeof h === 'string');
  const lower = texts.map(h => h.toLowerCase());
  return texts.filter(host => {
    const h = host.toLowerCase();
    // `*` covers every host; an entry with a port is the user's choice of ports. A prefix pattern
    // (`shop.*`) covers itself with any port, as the last line finds.
    if (h === '*' || h.includes(':')) { return false; }
    if (h.startsWith('*')) { return !lower.some(other => other.startsWith(`${h}:`) && /^\d+$/.test(other.slice(h.length + 1))); }
    return !lower.some(other => valueMatches(other, `${h}:1`));
  });
}
