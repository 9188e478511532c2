/**
 * Host naming, the way Istio and Kubernetes DNS resolve names: short names in a namespace, FQDNs,
 * wildcards.
 */

/** The cluster's DNS suffix for Services. */
export const CLUSTER_SUFFIX = 'svc.cluster.local';

/** The namespace objects without one are applied to by `kubectl apply` without `-n`. */
export const DEFAULT_NAMESPACE = 'default';

/** The namespace of a manifest object: `metadata.namespace`, else `default` (as `kubectl apply` without `-n`). */
export function namespaceOf(obj: any): string {
  return typeof obj?.metadata?.namespace === 'string' ? obj.metadata.namespace : DEFAULT_NAMESPACE;
}

/**
 * Expands a host written in an Istio object of `namespace` the way Istio does
 * (`ResolveShortnameToFQDN`): a name without dots becomes `<name>.<namespace>.svc.cluster.local`;
 * anything with a dot, and `*`, is taken as written.
 */
export function istioHost(host: string, namespace: string): string {
  if (host === '*' || host.includes('.')) { return host.replace(/\.$/, ''); }
  return `${host}.${namespace}.${CLUSTER_SUFFIX}`;
}

/**
 * Expands the host a client calls the way Kubernetes DNS does from a pod in `namespace`:
 * `reviews`, `reviews.ns`, `reviews.ns.svc` and the FQDN all name `reviews.ns.svc.cluster.local`.
 * A name with a trailing dot is absolute: the resolver does not try the search path, so it is taken
 * as written (`reviews.ns.svc.cluster.local.` is the FQDN; `reviews.` names no Service).
 */
export function qualifyHost(host: string, namespace: string): string {
  if (host.startsWith('*')) { return host; }
  if (host.endsWith('.')) { return host.slice(0, -1); }
  const parts = host.split('.');
  if (parts.length === 1) { return `${host}.${namespace}.${CLUSTER_SUFFIX}`; }
  if (parts.length === 2) { return `${host}.${CLUSTER_SUFFIX}`; }
  if (parts.length === 3 && parts[2] === 'svc') { return `${host}.cluster.local`; }
  return host;
}

/** The FQDN of Service `name` in `namespace` (the namespace kubectl applies to when unset). */
export function serviceFqdn(name: string, namespace: string | undefined): string {
  return `${name}.${namespace ?? DEFAULT_NAMESPACE}.${CLUSTER_SUFFIX}`;
}

/** The host an object in `fromNamespace` writes for Service `name` in `namespace`: short when local. */
export function serviceHostFrom(fromNamespace: string | undefined, name: string, namespace: string | undefined): string {
  const ns = namespace ?? DEFAULT_NAMESPACE;
  return ns === (fromNamespace ?? DEFAULT_NAMESPACE) ? name : serviceFqdn(name, ns);
}

/**
 * True when `pattern` (a host, possibly `*` or `*.suffix`) covers `host`. A value that is not a
 * string (a hand-written manifest may hold one) covers nothing and is covered by nothing.
 */
export function hostMatches(pattern: string, host: string): boolean {
  if (typeof pattern !== 'string' || typeof host !== 'string') { return false; }
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

/** True when a Gateway server host (possibly a wildcard) serves every request for `host`. */
export function serverCovers(server: string, host: string): boolean {
  if (server === '*') { return true; }
  if (server.startsWith('*.')) {
    const suffix = server.slice(1);
    return host === server || (host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('*'))
      || (host.startsWith('*.') && host.endsWith(suffix) && host.length > server.length);
  }
  return server === host;
}

/** A host as part of an object name: `all` for `*`, dots to dashes (`shop.example.com` is `shop-example-com`). */
export function hostSlug(host: string): string {
  return host === '*' ? 'all' : host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-');
}
