import { CLUSTER_SUFFIX, hostMatches, istioHost, namespaceOf } from '../core/hosts';
import { gatewayApiAsIstio } from '../simulator/gateway-api';
import { isCatchAllMatch, Re2Cache, rejectedRegexes } from '../simulator/match';
import { shares as podShares, fault as simulatedFault, round } from '../simulator/outcome';
import { RoutingSimulator } from '../simulator/routing-simulator';
import { SimulatedWorkload } from '../simulator/types';
import {
  Candidate, gatewayResolver, gatewayVirtualHosts, istioOrder, mostSpecificDestinationRule, vsId,
} from '../simulator/virtual-hosts';

// The neutral "traffic table" both `explain` and `diff` read: per host and binding (the mesh, or a
// Gateway as `<ns>/<name>`), the rules Istio applies in order, each with its match, its shares per
// version and its policies. It is built from the manifests alone (no request), with the simulator's
// reading of Istio: Istio's order of VirtualServices, one mesh VirtualService per host, the virtual
// hosts a Gateway builds from its servers' hosts (several VirtualServices merged, catch-alls last),
// VirtualServices the webhook rejects left out, relative weights, and each destination resolved as the
// simulator resolves it: the Service's selector, the workloads of the manifests it selects, the
// subset's labels, each version weighted by replicas; 503 for an undefined subset or no pods.

/** The share key of requests Envoy answers itself with 503 (an undefined subset: NC; no pods: UH). */
export const UNAVAILABLE = '(503)';

/** Options of the table. */
export interface TableOptions {
  /** The pod label that names a version (a subset whose labels have it is that version). Default `version`. */
  readonly versionLabel?: string;
}

/** One destination of a rule. */
export interface DestinationShare {
  /** FQDN of the destination host. */
  readonly host: string;
  readonly subset?: string;
  /** The version the destination stands for by its subset: the subset's version label, else its name; else the short host. */
  readonly version: string;
  /** Percentage of the rule's requests. */
  readonly percent: number;
  /**
   * Percentage of the rule's requests per version of the pods the destination reaches (weighted by
   * replicas), `(503)` for requests Envoy cannot forward. Absent when the pods are not known (no Service
   * with a selector that selects a workload of the manifests): then `version` takes the whole percent.
   */
  readonly versions?: { [version: string]: number };
  /** Why Envoy answers 503: `NC` (the subset is not defined), `UH` (no pods). */
  readonly unavailable?: 'NC' | 'UH';
}

/** One rule of a host's routing at one binding. */
export interface RuleTraffic {
  /**
   * The rule's name, else `#<index>` (`tls#<index>`, `tcp#<index>` for TLS and TCP rules); at a Gateway
   * binding always prefixed with `<ns>/<vs> `.
   */
  readonly key: string;
  /** `http`, `tls` or `tcp`: the list of the VirtualService the rule is in. */
  readonly protocol: 'http' | 'tls' | 'tcp';
  /** False when a catch-all rule before it takes every request. */
  readonly reachable: boolean;
  /** Whether the key is the rule's name (else its index, which moves when rules are added before it). */
  readonly named: boolean;
  /** `<namespace>/<name>` of the VirtualService that holds it. */
  readonly virtualService: string;
  /** Index in `spec.http` (`spec.tls`, `spec.tcp`); -1 for the implicit rule of a host without VirtualService. */
  readonly index: number;
  /** The match, readable (`*` for a catch-all): the match blocks joined with ` or `. */
  readonly match: string;
  /** Each match block that applies at this binding, readable (`*` for a catch-all rule). */
  readonly matchBlocks: string[];
  readonly destinations: DestinationShare[];
  /** Percentage of the rule's requests per version (rounded to 0.01; versions with 0% left out; `(503)`: see `UNAVAILABLE`). */
  readonly shares: { [version: string]: number };
  /** The rule's policies (and the DestinationRule's per version), as JSON values; absent ones left out. */
  readonly policies: { [policy: string]: unknown };
  /** Things worth knowing: unreachable rule, undefined subset ... */
  readonly notes: string[];
}

/** The routing of one host at one binding. */
export interface HostBinding {
  /** FQDN (or the external host / virtual host name a Gateway serves). */
  readonly host: string;
  /** `mesh`, or `<namespace>/<gateway>`. */
  readonly binding: string;
  /** The VirtualServices whose rules apply, in order (none: Kubernetes spreads requests over the pods). */
  readonly virtualServices: string[];
  /** `<namespace>/<name>` of the DestinationRule of the host, if any. */
  readonly destinationRule?: string;
  readonly rules: RuleTraffic[];
  readonly notes: string[];
}

/** The routing of all hosts of a set of manifests, sorted by host, then binding (mesh first). */
export interface TrafficTable {
  readonly versionLabel: string;
  readonly entries: HostBinding[];
}

const NETWORKING = /^networking\.istio\.io\//;
/** The policy keys a DestinationRule contributes, per version. */
const DR_POLICIES = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls', 'portLevelSettings'] as const;

function hostsOf(c: Candidate): string[] {
  const hosts: unknown[] = Array.isArray(c.vs.spec?.hosts) ? c.vs.spec.hosts : [];
  return hosts.filter((h): h is string => typeof h === 'string').map(h => istioHost(h, c.namespace).toLowerCase());
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds the traffic table of the manifests. */
export function trafficTable(manifests: any[], options: TableOptions = {}): TrafficTable {
  return new TableBuilder(manifests, options.versionLabel ?? 'version').build();
}

class TableBuilder {
  private readonly virtualServices: Candidate[];
  private readonly destinationRules: any[];
  private readonly gateways: any[];
  private readonly services: any[];
  private readonly re2Cache: Re2Cache = new Map();
  /** The simulator of the manifests, for the pods behind a Service. */
  private readonly simulator: RoutingSimulator;

  constructor(manifests: any[], private readonly versionLabel: string) {
    const given = manifests.filter(m => m !== null && typeof m === 'object');
    // Kubernetes Gateway API routes and Gateways, as the Istio objects Istio makes of them.
    const objs = [...given, ...gatewayApiAsIstio(given)];
    const istio = (kind: string) => objs.filter(m => NETWORKING.test(String(m.apiVersion ?? '')) && m.kind === kind);
    this.virtualServices = istioOrder(istio('VirtualService').map(vs => ({ vs, namespace: namespaceOf(vs) })));
    this.destinationRules = istio('DestinationRule');
    this.gateways = istio('Gateway');
    this.services = objs.filter(m => m.apiVersion === 'v1' && m.kind === 'Service' && typeof m.metadata?.name === 'string');
    // The simulator takes objects whose apiVersion and kind, when given, are strings.
    const valid = objs.filter(m => !Array.isArray(m) && ['apiVersion', 'kind'].every(k => m[k] === undefined || typeof m[k] === 'string'));
    this.simulator = RoutingSimulator.fromManifests(valid, { versionLabel });
  }

  public build(): TrafficTable {
    const rejected = new Map<Candidate, string[]>();
    const admitted = this.virtualServices.filter(c => {
      const problems = rejectedRegexes(c.vs.spec, this.re2Cache);
      if (problems.length > 0) { rejected.set(c, problems); }
      return problems.length === 0;
    });
    const entries = [...this.mesh(admitted), ...this.atGateways(admitted)];
    // A VirtualService the webhook rejects: a note on each host and binding it names (an entry of its own where there is none).
    for (const [c, problems] of rejected) {
      const note = `VirtualService ${vsId(c)} is not applied: Istio's webhook rejects it (${problems.join('; ')})`;
      for (const binding of bindingsOf(c)) {
        const names = binding === 'mesh' ? hostsOf(c) : this.virtualHostsAt(c, binding);
        for (const host of names.length > 0 ? names : hostsOf(c)) {
          const e = entries.find(x => x.host === host && x.binding === binding);
          if (e) {
            e.notes.push(note);
          } else {
            entries.push({ host, binding, virtualServices: [], rules: [], notes: [note] });
          }
        }
      }
    }
    entries.sort((a, b) => compare(a.host, b.host)
      || (a.binding === 'mesh' ? -1 : b.binding === 'mesh' ? 1 : compare(a.binding, b.binding)));
    return { versionLabel: this.versionLabel, entries };
  }

  /** In the mesh: per host, the first VirtualService (Istio's order) that names it; hosts with a Service or DestinationRule and no VirtualService too. */
  private mesh(admitted: Candidate[]): HostBinding[] {
    const byHost = new Map<string, Candidate[]>();
    for (const c of admitted.filter(x => bindingsOf(x).includes('mesh'))) {
      for (const h of hostsOf(c)) { byHost.set(h, [...(byHost.get(h) ?? []), c]); }
    }
    const result: HostBinding[] = [];
    for (const [host, list] of byHost) {
      const [winner, ...ignored] = list;
      const notes = ignored.length > 0
        ? [`IST0109: ${list.map(vsId).join(', ')} all define this host; sidecars use only ${vsId(winner)}`] : [];
      result.push(this.entry(host, 'mesh', [winner], notes));
    }
    // Hosts without a mesh VirtualService: Kubernetes spreads the requests over the Service's pods.
    const known = new Set<string>([
      ...this.services.map(s => `${s.metadata.name}.${namespaceOf(s)}.${CLUSTER_SUFFIX}`.toLowerCase()),
      ...this.destinationRules.filter(dr => typeof dr.spec?.host === 'string')
        .map(dr => istioHost(dr.spec.host, namespaceOf(dr)).toLowerCase()).filter(h => !h.startsWith('*')),
    ]);
    const meshHosts = [...byHost.keys()];
    for (const host of known) {
      if (meshHosts.some(p => hostMatches(p, host))) { continue; }
      result.push(this.withoutVirtualService(host));
    }
    return result;
  }

  /** The virtual hosts VirtualService `c` lands on at Gateway `binding` (`<ns>/<name>`). */
  private virtualHostsAt(c: Candidate, binding: string): string[] {
    const [gwNs, gwName] = binding.split('/', 2);
    const gw = this.gateways.find(g => g.metadata?.name === gwName && namespaceOf(g) === gwNs);
    const servers: any[] | undefined = gw ? (Array.isArray(gw.spec?.servers) ? gw.spec.servers : []) : undefined;
    return gatewayVirtualHosts(c, servers, gwNs);
  }

  /** At each Gateway a VirtualService binds to: the virtual hosts Istio builds, each with the VirtualServices that land on it. */
  private atGateways(admitted: Candidate[]): HostBinding[] {
    const bindings = [...new Set(admitted.flatMap(bindingsOf).filter(b => b !== 'mesh'))].sort(compare);
    const result: HostBinding[] = [];
    for (const binding of bindings) {
      const [gwNs, gwName] = binding.split('/', 2);
      const gw = this.gateways.find(g => g.metadata?.name === gwName && namespaceOf(g) === gwNs);
      const hosts = new Map<string, Candidate[]>();
      for (const c of admitted.filter(x => bindingsOf(x).includes(binding))) {
        for (const name of this.virtualHostsAt(c, binding)) { hosts.set(name, [...(hosts.get(name) ?? []), c]); }
      }
      for (const [host, list] of hosts) {
        result.push(this.entry(host, binding, list, gw ? [] : [`Gateway ${binding} is not in the manifests; its servers were not checked`]));
      }
    }
    return result;
  }

  private withoutVirtualService(host: string): HostBinding {
    const ns = host.split('.')[1] ?? 'default';
    const notes = this.destinationRuleNotes(host, ns);
    const ruleNotes: string[] = [];
    const dest = this.destination({ host }, 100, ns, host, ns, ruleNotes);
    notes.push(...podsNotes([dest], true));
    return {
      host,
      binding: 'mesh',
      virtualServices: [],
      destinationRule: this.destinationRuleId(host, ns),
      rules: [{
        key: '(no VirtualService)',
        protocol: 'http',
        reachable: true,
        named: true,
        virtualService: '',
        index: -1,
        match: '*',
        matchBlocks: ['*'],
        destinations: [dest],
        shares: sharesOf([dest]),
        policies: this.destinationPolicies([dest], ns),
        notes: ruleNotes,
      }],
      notes,
    };
  }

  private entry(host: string, binding: string, candidates: Candidate[], notes: string[]): HostBinding {
    const merged = candidates.length > 1;
    const sourceNs = binding === 'mesh' ? (host.endsWith(`.${CLUSTER_SUFFIX}`) ? host.split('.')[1] : candidates[0].namespace) : binding.split('/')[0];
    const ordered: RuleTraffic[] = [];
    for (const protocol of PROTOCOLS) {
      const rules: { rule: RuleTraffic; catchAll: boolean }[] = [];
      for (const c of candidates) {
        const list: any[] = Array.isArray(c.vs.spec?.[protocol]) ? c.vs.spec[protocol] : [];
        const resolve = gatewayResolver(c.namespace);
        let catchAllBefore: string | undefined;
        list.forEach((rule, index) => {
          if (rule === null || typeof rule !== 'object') { return; }
          const blocks: any[] = Array.isArray(rule.match) ? rule.match : [];
          // Match blocks limited to other bindings (`gateways` in the match) do not apply here.
          const applying = blocks.filter(m => !(Array.isArray(m?.gateways) && m.gateways.length > 0
            && !m.gateways.some((g: string) => (g === 'mesh' ? 'mesh' : resolve(g)) === binding)));
          if (blocks.length > 0 && applying.length === 0) { return; }
          const catchAll = applying.length === 0 || applying.some(protocol === 'http' ? isCatchAllMatch : isL4CatchAll);
          const named = protocol === 'http' && typeof rule.name === 'string' && rule.name !== '';
          const name = named ? rule.name : `${protocol === 'http' ? '' : protocol}#${index}`;
          // At a Gateway the key always names the VirtualService: adding another one does not rename the rules.
          const key = binding === 'mesh' ? name : `${vsId(c)} ${name}`;
          const built = this.rule(rule, index, key, named, protocol, c, host, applying, sourceNs);
          if (catchAllBefore !== undefined) { built.notes.push(`unreachable: ${catchAllBefore} before it takes every request`); }
          rules.push({ rule: built, catchAll });
          if (catchAll && catchAllBefore === undefined) { catchAllBefore = name; }
        });
      }
      // Where VirtualServices merge on a gateway's virtual host, Istio puts catch-all routes last; the first takes every request.
      const list = merged ? [...rules.filter(r => !r.catchAll), ...rules.filter(r => r.catchAll)] : rules;
      let first: string | undefined;
      for (const { rule, catchAll } of list) {
        if (first !== undefined && !rule.notes.some(n => n.startsWith('unreachable:'))) { rule.notes.push(`unreachable: ${first} before it takes every request`); }
        if (catchAll && first === undefined) { first = rule.key; }
        ordered.push(rule);
      }
    }
    // Keys are unique within an entry (two rules of one name: the later one gets its index).
    const seen = new Set<string>();
    const final = ordered.map(rule => {
      const key = seen.has(rule.key) ? `${rule.key}#${rule.index}` : rule.key;
      seen.add(key);
      const reachable = !rule.notes.some(n => n.startsWith('unreachable:'));
      return { ...rule, key, reachable };
    });
    const ns = host.endsWith(`.${CLUSTER_SUFFIX}`) ? host.split('.')[1] : sourceNs;
    const entryNotes = [...notes, ...podsNotes(final.flatMap(r => r.destinations))];
    return {
      host,
      binding,
      virtualServices: candidates.map(vsId),
      destinationRule: host.endsWith(`.${CLUSTER_SUFFIX}`) ? this.destinationRuleId(host, ns) : undefined,
      rules: final,
      notes: host.endsWith(`.${CLUSTER_SUFFIX}`) ? [...entryNotes, ...this.destinationRuleNotes(host, ns)] : entryNotes,
    };
  }

  private rule(rule: any, index: number, key: string, named: boolean, protocol: RuleTraffic['protocol'], c: Candidate,
    rowHost: string, blocks: any[], sourceNs: string): RuleTraffic {
    const notes: string[] = [];
    const route: any[] = (Array.isArray(rule.route) ? rule.route : []).filter((d: any) => typeof d?.destination?.host === 'string');
    const weights = route.map(d => (route.length === 1 ? 1 : (typeof d.weight === 'number' ? d.weight : 0)));
    const total = weights.reduce((a, b) => a + b, 0);
    const destinations = route.map((d, i) => this.destination(
      { host: istioHost(d.destination.host, c.namespace).toLowerCase(), subset: d.destination.subset },
      total === 0 ? 0 : (weights[i] / total) * 100, sourceNs, rowHost, c.namespace, notes));
    const policies: { [k: string]: unknown } = {};
    const set = (k: string, v: unknown) => { if (v !== undefined && v !== null) { policies[k] = v; } };
    set('timeout', rule.timeout);
    set('retries', rule.retries);
    set('fault', rule.fault ? normalizedFault(rule.fault) : undefined);
    const mirrors = mirrorsOf(rule, c.namespace);
    set('mirror', mirrors.length > 0 ? mirrors : undefined);
    set('rewrite', rule.rewrite);
    set('redirect', rule.redirect);
    set('directResponse', rule.directResponse);
    set('delegate', rule.delegate ? `${rule.delegate.namespace ?? c.namespace}/${rule.delegate.name}` : undefined);
    Object.assign(policies, this.destinationPolicies(destinations, sourceNs));
    return {
      key,
      protocol,
      reachable: true,
      named,
      virtualService: vsId(c),
      index,
      match: blocks.length === 0 ? '*' : blocks.map(readableMatch).join(' or '),
      matchBlocks: blocks.length === 0 ? ['*'] : blocks.map(readableMatch),
      destinations: destinations.map(d => ({
        ...d,
        percent: round(d.percent),
        ...(d.versions ? { versions: Object.fromEntries(Object.entries(d.versions).map(([v, p]) => [v, round(p)])) } : {}),
      })),
      shares: sharesOf(destinations),
      policies,
      notes,
    };
  }

  /**
   * A destination, resolved as the simulator resolves it when its pods are known: a subset the
   * DestinationRule does not define is a 503 (NC); else the Service's pods that carry the subset's
   * labels, each version by the version label, weighted by replicas; none: a 503 (UH). Pods not known
   * (no Service with a selector selecting a workload of the manifests): the subset's version as written.
   */
  private destination(d: { host: string; subset?: string }, percent: number, sourceNs: string, rowHost: string,
    vsNamespace: string, notes: string[]): DestinationShare {
    const dr = this.destinationRuleFor(d.host, sourceNs);
    const subset = d.subset === undefined || !Array.isArray(dr?.spec?.subsets) ? undefined
      : dr.spec.subsets.find((s: any) => s?.name === d.subset);
    const short = shortHost(d.host, vsNamespace);
    const prefix = d.host !== rowHost ? `${short}/` : '';
    let version: string;
    if (typeof d.subset === 'string') {
      const label = subset?.labels?.[this.versionLabel];
      version = `${prefix}${typeof label === 'string' ? label : d.subset}`;
    } else {
      version = short;
    }
    const base: DestinationShare = { host: d.host, subset: d.subset, version, percent };
    const workloads = this.workloadsOf(d.host);
    const what = `${d.host}${d.subset !== undefined ? ` subset '${d.subset}'` : ''}`;
    if (typeof d.subset === 'string' && !subset) {
      if (dr === undefined && workloads === undefined) {
        // Neither the DestinationRules nor the pods of the host are in the manifests: the subset as written.
        if (percent > 0) { notes.push(`subset '${d.subset}' of ${d.host} is not defined by any DestinationRule in the manifests: where none defines it, Envoy answers 503 (NC)`); }
        return base;
      }
      if (percent > 0) { notes.push(`subset '${d.subset}' of ${d.host} is not defined by ${dr ? `DestinationRule ${namespaceOf(dr)}/${dr.metadata?.name}` : 'any DestinationRule'}: Envoy answers 503 (NC)`); }
      return { ...base, versions: { [UNAVAILABLE]: percent }, unavailable: 'NC' };
    }
    if (workloads === undefined) { return base; }
    const labels: { [k: string]: unknown } = subset?.labels && typeof subset.labels === 'object' ? subset.labels : {};
    const selected = workloads.filter(w => Object.entries(labels).every(([k, v]) => w.labels[k] === v));
    const replicas = selected.reduce((a, w) => a + w.replicas, 0);
    if (replicas === 0) {
      if (percent > 0) { notes.push(`${what} has no running pods: Envoy answers 503 no healthy upstream (UH)`); }
      return { ...base, versions: { [UNAVAILABLE]: percent }, unavailable: 'UH' };
    }
    const { versionShares } = podShares([{
      host: d.host,
      subset: d.subset,
      weight: percent,
      share: percent,
      selector: {},
      workloads: selected.map(w => ({ ...w, share: (percent * w.replicas) / replicas })),
    }], this.versionLabel);
    const versions: { [v: string]: number } = {};
    for (const [v, p] of Object.entries(versionShares)) {
      const name = v === 'unversioned' ? short : `${prefix}${v}`;
      versions[name] = (versions[name] ?? 0) + p;
    }
    return { ...base, versions };
  }

  /** The workloads of the manifests behind a Service host (see `RoutingSimulator._serviceWorkloads`); undefined when none is known. */
  private workloadsOf(fqdn: string): SimulatedWorkload[] | undefined {
    const found = this.simulator._serviceWorkloads(fqdn);
    return found !== undefined && found.length > 0 ? found : undefined;
  }

  /** The DestinationRule policies each destination's version gets (the subset's own over the top level's, field by field). */
  private destinationPolicies(destinations: DestinationShare[], sourceNs: string): { [k: string]: unknown } {
    const out: { [k: string]: { [version: string]: unknown } } = {};
    for (const d of destinations) {
      // Versions with no request (0%, or a 503) get no policy.
      const versions = Object.entries(d.versions ?? { [d.version]: d.percent }).filter(([v, p]) => v !== UNAVAILABLE && round(p) > 0).map(([v]) => v);
      if (versions.length === 0) { continue; }
      const spec = this.destinationRuleFor(d.host, sourceNs)?.spec;
      const top = spec?.trafficPolicy;
      const own = d.subset === undefined || !Array.isArray(spec?.subsets) ? undefined
        : spec.subsets.find((s: any) => s?.name === d.subset)?.trafficPolicy;
      for (const k of DR_POLICIES) {
        const v = own?.[k] ?? top?.[k];
        if (v !== undefined && v !== null) { for (const version of versions) { (out[k] ??= {})[version] = v; } }
      }
    }
    return out;
  }

  /** Istio looks for the DestinationRule in the client's namespace, then the service's, then anywhere; in each, the most specific host. */
  private destinationRuleFor(fqdn: string, sourceNs: string): any | undefined {
    return mostSpecificDestinationRule(this.destinationRules, fqdn, sourceNs);
  }

  /** A note when several DestinationRules name the host (Istio uses one per client namespace). */
  private destinationRuleNotes(fqdn: string, sourceNs: string): string[] {
    const all = this.destinationRules.filter(dr => typeof dr.spec?.host === 'string' && istioHost(dr.spec.host, namespaceOf(dr)).toLowerCase() === fqdn);
    if (all.length < 2) { return []; }
    return [`${all.length} DestinationRules define this host (${all.map(dr => `${namespaceOf(dr)}/${dr.metadata?.name}`).join(', ')}); shown: ${this.destinationRuleId(fqdn, sourceNs)}`];
  }

  private destinationRuleId(fqdn: string, sourceNs: string): string | undefined {
    const dr = this.destinationRuleFor(fqdn, sourceNs);
    return dr ? `${namespaceOf(dr)}/${dr.metadata?.name}` : undefined;
  }

}

const PROTOCOLS = ['http', 'tls', 'tcp'] as const;

/** A TLS or TCP match block that takes every connection: no condition but `gateways`. */
function isL4CatchAll(m: any): boolean {
  if (m === null || typeof m !== 'object') { return true; }
  return Object.entries(m).every(([k, v]) => k === 'gateways' || v === undefined || v === null
    || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as object).length === 0));
}

/** A rule's percent per version (pods' versions where known, else the subset's), rounded, 0% left out. */
function sharesOf(destinations: DestinationShare[]): { [version: string]: number } {
  const sum: { [v: string]: number } = {};
  for (const d of destinations) {
    for (const [v, p] of Object.entries(d.versions ?? { [d.version]: d.percent })) { sum[v] = (sum[v] ?? 0) + p; }
  }
  const out: { [v: string]: number } = {};
  for (const [v, p] of Object.entries(sum)) { if (round(p) > 0) { out[v] = round(p); } }
  return out;
}

/** A note per destination host whose pods are not known (shares then come from the weights). */
function podsNotes(destinations: DestinationShare[], implicit = false): string[] {
  const hosts = [...new Set(destinations.filter(d => d.versions === undefined && d.percent > 0).map(d => d.host))];
  const then = implicit ? 'the host is shown as one version' : 'shares are the weights, per subset';
  return hosts.map(h => `pods not known for ${h} (no Service with a selector that selects a workload of the manifests): ${then}`);
}

/** The bindings of a VirtualService: `mesh` when it names no gateway, else each gateway as `<ns>/<name>`. */
function bindingsOf(c: Candidate): string[] {
  const gateways: unknown[] = Array.isArray(c.vs.spec?.gateways) ? c.vs.spec.gateways : [];
  if (gateways.length === 0) { return ['mesh']; }
  const resolve = gatewayResolver(c.namespace);
  return [...new Set(gateways.filter((g): g is string => typeof g === 'string').map(g => (g === 'mesh' ? 'mesh' : resolve(g))))];
}

/** A host as short as it can be read: `reviews` for a Service of the VirtualService's namespace, `reviews.ns` for another one. */
function shortHost(host: string, namespace: string): string {
  if (!host.endsWith(`.${CLUSTER_SUFFIX}`)) { return host; }
  const [name, ns] = host.split('.');
  return ns === namespace ? name : `${name}.${ns}`;
}

function normalizedFault(f: any): unknown {
  const s = simulatedFault(f);
  if (!s) { return f; }
  const out: { [k: string]: unknown } = {};
  if (s.delay !== undefined || s.delayPercentage !== undefined) { out.delay = { fixedDelay: s.delay, percent: s.delayPercentage }; }
  if (s.abortHttpStatus !== undefined || s.abortGrpcStatus !== undefined || s.abortPercentage !== undefined) {
    out.abort = {
      ...(s.abortHttpStatus !== undefined ? { httpStatus: s.abortHttpStatus } : {}),
      ...(s.abortGrpcStatus !== undefined ? { grpcStatus: s.abortGrpcStatus } : {}),
      percent: s.abortPercentage,
    };
  }
  return out;
}

function mirrorsOf(rule: any, namespace: string): { host: string; subset?: string; percent: number }[] {
  const list: { host: string; subset?: string; percent: number }[] = [];
  const add = (host: string, subset: unknown, percent: unknown) => list.push({
    host: istioHost(host, namespace).toLowerCase(),
    ...(typeof subset === 'string' ? { subset } : {}),
    percent: typeof percent === 'number' ? percent : 100,
  });
  if (typeof rule.mirror?.host === 'string') { add(rule.mirror.host, rule.mirror.subset, rule.mirrorPercentage?.value ?? rule.mirrorPercent); }
  for (const m of Array.isArray(rule.mirrors) ? rule.mirrors : []) {
    if (typeof m?.destination?.host === 'string') { add(m.destination.host, m.destination.subset, m.percentage?.value); }
  }
  return list;
}

/** A StringMatch, readable: `exact "jason"`, `prefix /api`, `regex "v[0-9]"`, `present`. */
function stringMatch(m: any, quote: boolean): string {
  const q = (v: unknown) => (quote || /\s/.test(String(v)) || String(v) === '' ? JSON.stringify(String(v)) : String(v));
  if (m === null || typeof m !== 'object' || (m.exact === undefined && m.prefix === undefined && m.regex === undefined) || m.regex === '*') {
    return 'present';
  }
  if (m.exact !== undefined) { return `exact ${q(m.exact)}`; }
  if (m.prefix !== undefined) { return `prefix ${q(m.prefix)}`; }
  return `regex ${JSON.stringify(String(m.regex))}`;
}

/** A match block, readable: its conditions joined with `and`; `*` when it has none. */
export function readableMatch(m: any): string {
  if (m === null || typeof m !== 'object') { return '*'; }
  const parts: string[] = [];
  if (m.uri !== undefined) { parts.push(`uri ${stringMatch(m.uri, false)}${m.ignoreUriCase ? ' (any case)' : ''}`); }
  for (const field of ['scheme', 'method', 'authority']) {
    if (m[field] !== undefined) { parts.push(`${field} ${stringMatch(m[field], false)}`); }
  }
  for (const [name, sm] of Object.entries(m.headers ?? {}).sort(([a], [b]) => compare(a, b))) { parts.push(`headers[${name}] ${stringMatch(sm, true)}`); }
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {}).sort(([a], [b]) => compare(a, b))) {
    const s = stringMatch(sm, true);
    parts.push(s === 'present' ? `headers[${name}] absent` : `headers[${name}] not ${s}`);
  }
  for (const [name, sm] of Object.entries(m.queryParams ?? {}).sort(([a], [b]) => compare(a, b))) { parts.push(`query[${name}] ${stringMatch(sm, true)}`); }
  if (Array.isArray(m.sniHosts) && m.sniHosts.length > 0) { parts.push(`sni ${m.sniHosts.join(',')}`); }
  if (Array.isArray(m.destinationSubnets) && m.destinationSubnets.length > 0) { parts.push(`destinationSubnets ${m.destinationSubnets.join(',')}`); }
  if (m.port !== undefined) { parts.push(`port ${m.port}`); }
  if (m.sourceLabels && Object.keys(m.sourceLabels).length > 0) {
    parts.push(`sourceLabels ${Object.entries(m.sourceLabels).map(([k, v]) => `${k}=${v}`).sort(compare).join(',')}`);
  }
  if (m.sourceNamespace !== undefined) { parts.push(`sourceNamespace ${m.sourceNamespace}`); }
  if (Array.isArray(m.gateways) && m.gateways.length > 0) { parts.push(`gateways ${m.gateways.join(',')}`); }
  return parts.length === 0 ? '*' : parts.join(' and ');
}
