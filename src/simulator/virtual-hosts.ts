import { hostMatches, hostSpecificity, istioHost, namespaceOf } from '../core/hosts';

// How the simulator picks the VirtualServices of a request: Istio's order of VirtualServices, their
// hosts as Istio reads them, and the virtual hosts a gateway builds from its servers' hosts and the
// VirtualServices' hosts.

/** A VirtualService of the manifests, with its namespace resolved. */
export interface Candidate {
  readonly vs: any;
  readonly namespace: string;
}

/** The VirtualServices that decide a request, in the order their rules are tried. */
export interface Selection {
  readonly candidates: Candidate[];
  /** At a gateway: the virtual host (domain) Envoy picks for the request. */
  readonly virtualHost?: string;
}

/** `<namespace>/<name>` of a VirtualService. */
export function vsId(c: Candidate): string {
  return `${c.namespace}/${c.vs.metadata?.name}`;
}

/**
 * VirtualServices in Istio's order (`configCompareByCreationTime` in istio/istio
 * pilot/pkg/model/config.go): creation time, then name, then namespace. Manifests rarely carry
 * `metadata.creationTimestamp`; without it on every VirtualService, the manifests' order stands for
 * the creation order (the order `kubectl apply` creates them in).
 */
export function istioOrder(list: Candidate[]): Candidate[] {
  const created = list.map(c => Date.parse(c.vs.metadata?.creationTimestamp ?? ''));
  if (list.length === 0 || created.some(t => Number.isNaN(t))) { return list; }
  const key = new Map(list.map((c, i) => [c, Math.floor(created[i] / 1000)]));
  return [...list].sort((a, b) => (key.get(a)! - key.get(b)!)
    || compareStrings(a.vs.metadata?.name ?? '', b.vs.metadata?.name ?? '')
    || compareStrings(a.namespace, b.namespace));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The hosts of a VirtualService, as Istio reads them (short names in its namespace, lower case). */
function hostsOf(c: Candidate): string[] {
  const hosts: unknown[] = Array.isArray(c.vs.spec?.hosts) ? c.vs.spec.hosts : [];
  return hosts.filter((h): h is string => typeof h === 'string').map(h => istioHost(h, c.namespace).toLowerCase());
}

export function coversHost(c: Candidate, target: string): boolean {
  return hostsOf(c).some(h => hostMatches(h, target));
}

/** How specifically the VirtualService's hosts name `target` (`hostSpecificity`; -1 when none does). */
export function bestHostMatch(c: Candidate, target: string): number {
  return Math.max(-1, ...hostsOf(c).filter(h => hostMatches(h, target)).map(hostSpecificity));
}

/** The host of a Gateway server's `hosts` entry, without its `<namespace>/` part. */
export function serverHostName(h: string): string {
  return h.includes('/') ? h.split('/')[1] : h;
}

/**
 * The virtual host names VirtualService `c` lands on at a gateway: the intersection
 * (`host.Names.Intersection`: of two matching names, the narrower) of the servers' hosts visible to
 * `c`'s namespace (`NamesForNamespace`: a host qualified `<ns>/` only for that namespace, `./` for
 * the Gateway's, `*` and unqualified for every namespace) with `c`'s hosts. Without the Gateway
 * (not in the manifests), the VirtualService's own hosts.
 */
export function gatewayVirtualHosts(c: Candidate, servers: any[] | undefined, gatewayNamespace: string): string[] {
  const vsHosts = hostsOf(c);
  if (servers === undefined) { return vsHosts; }
  const serverHosts = servers.flatMap(s => (Array.isArray(s?.hosts) ? s.hosts : []) as string[])
    .filter(h => typeof h === 'string')
    .flatMap(h => {
      if (!h.includes('/')) { return [h.toLowerCase()]; }
      const [ns, name] = h.split('/', 2);
      const visible = ns === '*' || ns === c.namespace || (ns === '.' && gatewayNamespace === c.namespace);
      return visible ? [name.toLowerCase()] : [];
    });
  const names: string[] = [];
  const add = (h: string) => { if (!names.includes(h)) { names.push(h); } };
  for (const s of serverHosts) {
    for (const v of vsHosts) {
      if (subsetOf(s, v)) { add(s); } else if (subsetOf(v, s)) { add(v); }
    }
  }
  return names;
}

/** Istio's `host.Name.SubsetOf`: every name `n` covers is covered by `o`. */
function subsetOf(n: string, o: string): boolean {
  const nWild = n.startsWith('*');
  const oWild = o.startsWith('*');
  if (nWild) { return oWild && n.length >= o.length && n.slice(1).endsWith(o.slice(1)); }
  if (oWild) { return n.endsWith(o.slice(1)); }
  return n === o;
}

/** At a gateway, the note that several VirtualServices make up the virtual host, for explanations. */
export function mergedNote(selection: Selection, binding: string): string {
  if (selection.candidates.length < 2) { return ''; }
  return ` (virtual host '${selection.virtualHost}' of ${binding} merges ${selection.candidates.map(vsId).join(', ')}, tried in this order, catch-all routes last)`;
}

/**
 * Gateway references of a VirtualService in `namespace`: a bare name is in the same namespace. A
 * reference that is not a string (the schema's finding) names no gateway.
 */
export function gatewayResolver(namespace: string): (ref: string) => string {
  return (ref: unknown) => (typeof ref !== 'string' ? '' : ref.includes('/') ? ref : `${namespace}/${ref}`);
}

/**
 * The DestinationRule Istio applies to `fqdn` for a client in `sourceNamespace`: those of the client's
 * namespace first, then those of the service's namespace, then any other; among the DestinationRules
 * of one step, the most specific host (exact before the longest wildcard before `*`; a tie: the first).
 * For tools built on the simulator (src/cli).
 */
export function mostSpecificDestinationRule(destinationRules: any[], fqdn: string, sourceNamespace: string): any | undefined {
  const hostOf = (dr: any): string => istioHost(dr.spec.host, namespaceOf(dr)).toLowerCase();
  const all = destinationRules.filter(dr => typeof dr?.spec?.host === 'string' && hostMatches(hostOf(dr), fqdn));
  const best = (list: any[]) => list.reduce<any>(
    (a, dr) => (a === undefined || hostSpecificity(hostOf(dr)) > hostSpecificity(hostOf(a)) ? dr : a), undefined);
  const svcNs = fqdn.split('.')[1];
  return best(all.filter(dr => namespaceOf(dr) === sourceNamespace)) ?? best(all.filter(dr => namespaceOf(dr) === svcNs)) ?? best(all);
}
