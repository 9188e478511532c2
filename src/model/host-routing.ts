import { IConstruct } from 'constructs';
import { ALL_AUDIENCES, Audience, Binding } from './binding';
import {
  andMatches, orderRules, ResolvedRule, RuleOrder, Tier, unreachableRules, WeightedDestination,
} from './rules';
import { failWith, IstioTrafficError, show } from '../core/errors';
import { istioHost } from '../core/hosts';
import { gatewayApiCannotSet, isGatewayApi, refuseInGatewayApi, RoutingApi } from '../core/routing-api';

/** The service behind a host, as registered by the construct that created or adopted it. */
export interface ServiceRegistration {
  readonly source: IConstruct;
  /**
   * Whether Istio routes the service. False for a service whose split is carried out by replica
   * counts: nothing can add Istio routing to it.
   */
  readonly routed: boolean;
  /** Whether HTTP rules apply (http, http2, grpc ports) or only TCP routing. */
  readonly http: boolean;
  /** Whether the port speaks gRPC. */
  readonly grpc: boolean;
  /**
   * The Service port.
   * @default - unknown
   */
  readonly port?: number;
}

/** A rule on the service's own traffic (its release), for one or both audiences. */
export interface ReleaseRule extends RuleOrder {
  readonly audiences: readonly Audience[];
  /** Where matched requests go; unset: wherever the release's catch-all sends them. */
  readonly route?: WeightedDestination[];
  /** Extra `http[]` fields (fault, mirror, request headers ...). */
  readonly options?: { [field: string]: any };
}

/** Where a rule of a VirtualService sends requests: to destinations, or along another host's release. */
export interface FollowRelease {
  /** The host whose release the requests follow. */
  readonly routing: HostRouting;
  readonly audience: Audience;
  /** The destination host as the VirtualService writes it, and the port. */
  readonly host?: string;
  readonly port?: number;
}

/** A rule of one VirtualService. */
export interface VirtualServiceRule extends RuleOrder {
  readonly route?: WeightedDestination[];
  readonly follow?: FollowRelease;
  readonly options?: { [field: string]: any };
}

/** One VirtualService of a host: its binding, its name, and its rules. */
export interface VirtualServiceEntry {
  /** The construct that owns the object. */
  readonly owner: IConstruct;
  readonly name: string;
  readonly namespace?: string;
  /** The host as the VirtualService writes it (`reviews`, `shop.example.com`). */
  readonly host: string;
  /** The bindings, in the order written; the mesh alone is written as no `gateways` field. */
  readonly bindings: readonly Binding[];
  /** Whether the VirtualService carries `http` rules (else `tcp`). */
  readonly http: boolean;
  readonly rules: VirtualServiceRule[];
  /**
   * Renders what the entry becomes and throws an IstioTrafficError for what that cannot say (the
   * rules of a Gateway API route), so that validation reports it before anything is written.
   * @default - nothing to check
   */
  readonly checkRendering?: () => void;
}

/** What a host's DestinationRule says: the host-wide traffic policy and the subsets. */
export interface DestinationRuleContent {
  readonly trafficPolicy: { [field: string]: any };
  readonly subsets: { name: string; labels: { [k: string]: string }; trafficPolicy: { [field: string]: any } }[];
}

interface SubsetEntry {
  readonly source: IConstruct;
  readonly labels: { [key: string]: string };
  readonly trafficPolicy: Map<string, Owned<any>>;
}

interface Owned<T> {
  readonly source: IConstruct;
  readonly value: T;
}

/**
 * Everything the constructs of one chart say about one host: a Kubernetes Service (its subsets,
 * traffic policies and release), and the VirtualServices that route the host, one per binding.
 *
 * Synthesis emits exactly one DestinationRule for the host and one VirtualService per binding,
 * however many constructs contribute. The rules of a VirtualService are emitted in one order (see
 * `orderRules`): specific rules by tier, then rank, then in the order they were added; the
 * catch-all last. Istio evaluates rules top down and the first match wins, so this order makes
 * every specific rule reachable and leaves everyone else on the normal route.
 */
export class HostRouting {
  private service?: ServiceRegistration;
  private readonly subsets = new Map<string, SubsetEntry>();
  private readonly trafficPolicy = new Map<string, Owned<any>>();
  private readonly releaseRules: ReleaseRule[] = [];
  private readonly catchAll = new Map<Audience, Owned<WeightedDestination[]>>();
  private readonly releaseOptions = new Map<Audience, Map<string, Owned<any>>>();
  private readonly catchAllHeaders = new Map<Audience, Map<string, { [section: string]: any }>>();
  private affinity?: IConstruct;
  private readonly entries: VirtualServiceEntry[] = [];
  /** Creates the mesh VirtualService's object, until it is needed (then it is called and cleared). */
  private pendingMeshVirtualService?: () => void;
  /** The objects of the host's Service, DestinationRule and mesh VirtualService, for apply order. */
  public objects: { readonly service?: IConstruct; readonly destinationRule?: IConstruct; readonly virtualService?: IConstruct } = {};
  /**
   * The Services of the host's versions (`<service>-<subset>`) in RoutingApi.GATEWAY_API, which
   * Gateway API routes (an edge's among them) send requests to; none with Istio's APIs.
   */
  public versionServices: readonly string[] = [];

  constructor(
    /** The fully qualified host (`reviews.default.svc.cluster.local`, `shop.example.com`). */
    public readonly fqdn: string,
    /** Namespace of the Service (undefined: the namespace kubectl applies to). */
    public readonly namespace: string | undefined,
    /** The host as the Service's own objects write it: the Service name, or the external host. */
    public readonly shortHost: string,
    /** The API the chart is written in (options a Gateway API route cannot carry fail at once). */
    private readonly api: RoutingApi = RoutingApi.ISTIO,
  ) {}

  /** Fails, naming `source`, for a rule option that a Gateway API route cannot carry. */
  private checkOption(source: IConstruct, field: string): void {
    const cannot = isGatewayApi(this.api) ? gatewayApiCannotSet(field, this.api === RoutingApi.GATEWAY_API_EXPERIMENTAL) : undefined;
    if (cannot !== undefined) {
      refuseInGatewayApi(source, field, `${cannot} for '${this.shortHost}'`);
    }
  }

  /** The registered service, if any. */
  public get registeredService(): ServiceRegistration | undefined {
    return this.service;
  }

  /** Records the Service behind the host. Only one construct may own it. */
  public registerService(registration: ServiceRegistration): void {
    if (this.service) {
      failWith(registration.source, 'name',
        `'${this.shortHost}' in namespace '${this.namespace ?? 'default'}' is already defined by ${this.service.source.node.path}`,
        'One host has one Service; give this one another name, or add to the existing construct instead');
    }
    this.service = registration;
  }

  /** Adds a DestinationRule subset. The same subset may be declared twice only with the same labels. */
  public addSubset(source: IConstruct, name: string, labels: { [key: string]: string }): void {
    const existing = this.subsets.get(name);
    if (existing) {
      if (JSON.stringify(existing.labels) !== JSON.stringify(labels)) {
        failWith(source, 'subsetName',
          `subset '${name}' of host '${this.shortHost}' is already declared by ${existing.source.node.path} with labels ${JSON.stringify(existing.labels)}, not ${JSON.stringify(labels)}`,
          'Use another subset name');
      }
      return;
    }
    this.subsets.set(name, { source, labels: { ...labels }, trafficPolicy: new Map() });
  }

  /** Names of the declared subsets, in declaration order. */
  public get subsetNames(): string[] {
    return [...this.subsets.keys()];
  }

  /** Sets the catch-all route of the release for `audience`. Only one construct may own it. */
  public setCatchAll(audience: Audience, source: IConstruct, route: WeightedDestination[]): void {
    const existing = this.catchAll.get(audience);
    if (existing) {
      failWith(source, 'traffic', `host '${this.shortHost}' already has a catch-all route for '${audience}' from ${existing.source.node.path}`,
        'A host has one release split; change the split on that construct instead');
    }
    this.catchAll.set(audience, { source, value: route });
    this.meshReleaseChanged();
  }

  /**
   * Has the object of the mesh VirtualService created (by `create`) once the mesh release needs one:
   * now, or when a construct first adds to the mesh release (a rule, an option, headers, affinity).
   * A release that routes every mesh request to the whole Service, with nothing added, needs none:
   * the Service's pods share the requests as without Istio.
   */
  public emitMeshVirtualServiceWhenNeeded(create: () => void): void {
    this.pendingMeshVirtualService = create;
    this.meshReleaseChanged();
  }

  /** Whether the mesh release routes anything a plain Service would not: anything but the whole Service, unchanged. */
  public get meshNeedsVirtualService(): boolean {
    const catchAll = this.catchAll.get(Audience.MESH)?.value;
    return !isWholeServiceRoute(catchAll)
      || this.releaseRules.some(r => r.audiences.includes(Audience.MESH))
      || (this.releaseOptions.get(Audience.MESH)?.size ?? 0) > 0
      || (this.catchAllHeaders.get(Audience.MESH)?.size ?? 0) > 0
      || this.affinity !== undefined;
  }

  private meshReleaseChanged(): void {
    const create = this.pendingMeshVirtualService;
    if (create && this.meshNeedsVirtualService) {
      this.pendingMeshVirtualService = undefined;
      create();
    }
  }

  /**
   * The subsets of this host that something needs, when the host routes to the whole Service (so
   * its DestinationRule declares only those): the subsets the rules of any VirtualService of the
   * chart (`chartHosts`) route or mirror to. Undefined when every declared subset is written (the
   * release routes to versions).
   */
  public subsetsInUse(chartHosts: () => readonly HostRouting[]): Set<string> | undefined {
    if (![...this.catchAll.values()].some(c => isWholeServiceRoute(c.value))) { return undefined; }
    const used = new Set<string>();
    const all = chartHosts();
    const hosts = all.includes(this) ? all : [this, ...all];
    for (const host of hosts) {
      for (const entry of host.entries) {
        const namespace = entry.namespace ?? 'default';
        const add = (h: unknown, subset: unknown) => {
          if (typeof h === 'string' && typeof subset === 'string' && istioHost(h, namespace) === this.fqdn) { used.add(subset); }
        };
        let rules: ResolvedRule[];
        try {
          rules = host.resolve(entry);
        } catch (e) {
          if (!IstioTrafficError.isIstioTrafficError(e)) { throw e; }
          continue; // reported by validate()
        }
        for (const rule of rules) {
          // As written: destinations of weight 0 are left out unless all are 0 (see renderRoute).
          const live = rule.route.filter(d => d.weight > 0);
          for (const d of live.length > 0 ? live : rule.route) { add(d.host, d.subset); }
          add(rule.options.mirror?.host, rule.options.mirror?.subset);
          for (const m of Array.isArray(rule.options.mirrors) ? rule.options.mirrors : []) { add(m?.destination?.host, m?.destination?.subset); }
        }
      }
    }
    return used;
  }

  /** The catch-all route of the release for `audience`; fails, naming `source`, when the host has none. */
  public catchAllRoute(source: IConstruct, audience: Audience): WeightedDestination[] {
    const route = this.catchAll.get(audience)?.value;
    if (!route) {
      failWith(source, 'service', `'${this.shortHost}' has no normal route to decorate`, 'Route the service with a CanaryService or ExistingService first');
    }
    return route;
  }

  /** Adds a specific (matching) rule to the release. */
  public addReleaseRule(rule: ReleaseRule): void {
    for (const field of Object.keys(rule.options ?? {})) { this.checkOption(rule.source, field); }
    if (rule.route === undefined) {
      for (const a of rule.audiences) { this.catchAllRoute(rule.source, a); }
    }
    this.releaseRules.push(rule);
    this.meshReleaseChanged();
  }

  /**
   * Sets an `http[]` field (fault, timeout, retries, mirror ...) on every rule of the release for
   * `audience` that does not set it itself. One construct per field.
   */
  public setReleaseOption(audience: Audience, source: IConstruct, field: string, value: any): void {
    this.requireHttp(source, field);
    this.checkOption(source, field);
    const options = this.releaseOptions.get(audience) ?? new Map<string, Owned<any>>();
    this.releaseOptions.set(audience, options);
    const existing = options.get(field);
    if (existing) {
      failWith(source, field,
        `host '${this.shortHost}' already has a ${field} for all its routes from ${existing.source.node.path} (${show(existing.value)}; this one: ${show(value)})`,
        `One ${field} per host: change that construct instead`);
    }
    options.set(field, { source, value });
    this.meshReleaseChanged();
  }

  /** The release options of `audience` (fault, timeout, retries, mirror ...). */
  public releaseOptionsOf(audience: Audience): { [field: string]: any } {
    return values(this.releaseOptions.get(audience) ?? new Map<string, Owned<any>>());
  }

  /** Adds header manipulation to one destination (by subset) of the catch-all route of `audience`. */
  public setCatchAllHeaders(audience: Audience, subset: string, headers: { [section: string]: any }): void {
    const map = this.catchAllHeaders.get(audience) ?? new Map<string, { [section: string]: any }>();
    this.catchAllHeaders.set(audience, map);
    map.set(subset, headers);
    this.meshReleaseChanged();
  }

  /** Records that version affinity (sticky versions) is in place for the host. */
  public setAffinity(source: IConstruct): void {
    if (this.affinity) {
      failWith(source, 'service', `host '${this.shortHost}' already has version affinity from ${this.affinity.node.path}`,
        'Use one VersionAffinity per service');
    }
    this.affinity = source;
    this.meshReleaseChanged();
  }

  /**
   * Sets one field (`connectionPool`, `outlierDetection`, `loadBalancer`) of the DestinationRule's
   * traffic policy: for the whole host, or for one subset (a version). One construct per field and
   * level.
   */
  public setPolicy(source: IConstruct, subset: string | undefined, field: string, value: any): void {
    const where = subset === undefined ? `host '${this.shortHost}'` : `subset '${subset}' of host '${this.shortHost}'`;
    const entry = subset === undefined ? undefined : this.subsets.get(subset);
    if (subset !== undefined && !entry) {
      failWith(source, 'version', `subset '${subset}' of host '${this.shortHost}' is not declared`, 'Use a declared version');
    }
    const policy = entry ? entry.trafficPolicy : this.trafficPolicy;
    const existing = policy.get(field);
    if (existing) {
      failWith(source, field, `${where} already has a ${field} from ${existing.source.node.path} (${show(existing.value)}; this one: ${show(value)})`,
        `One ${field} per service or version: change that construct instead`);
    }
    policy.set(field, { source, value });
  }

  /** The DestinationRule's content: host-wide traffic policy and subsets, in declaration order. */
  public get destinationRule(): DestinationRuleContent {
    return {
      trafficPolicy: values(this.trafficPolicy),
      subsets: [...this.subsets.entries()].map(([name, s]) => ({ name, labels: s.labels, trafficPolicy: values(s.trafficPolicy) })),
    };
  }

  /**
   * Adds a VirtualService for this host. One per binding: a second one for a binding the host
   * already has fails, naming both owners (sidecars would use only one of them, IST0109).
   */
  public addVirtualService(entry: VirtualServiceEntry): void {
    for (const b of entry.bindings) {
      const other = this.entryFor(b);
      if (other) {
        // A service routed to the whole Service has its mesh VirtualService only once something needs
        // it, but its release still owns the host's mesh routing (a later DarkRelease adds to it).
        const by = b.isMesh && this.pendingMeshVirtualService !== undefined
          ? `by the release of ${other.owner.node.path} (it routes to the whole Service, so its VirtualService ${other.namespace ?? 'default'}/${other.name} is written once a construct adds to the mesh traffic)`
          : `by VirtualService ${other.namespace ?? 'default'}/${other.name} of ${other.owner.node.path}`;
        failWith(entry.owner, 'hosts',
          `'${entry.host}' is already routed ${b.isMesh ? 'in the mesh' : `at gateway ${b.ref}`} ${by}, and sidecars or gateways use only one VirtualService per host (IST0109)`,
          b.isMesh ? 'Route the host through the existing construct (for a service of this library, point the edge at EdgeDestination.release()), or leave includeMesh off'
            : 'Add the routes to the existing construct instead');
      }
    }
    this.entries.push(entry);
  }

  /** The VirtualService of this host that `binding` uses, if any. */
  public entryFor(binding: Binding): VirtualServiceEntry | undefined {
    return this.entries.find(e => e.bindings.some(b => b.ref === binding.ref));
  }

  /**
   * The release for `audience` in emission order: its specific rules, then the catch-all. Rules that
   * follow the catch-all route (the catch-all itself, conditional faults, mirroring) carry its
   * per-destination headers too (version affinity's Set-Cookie).
   */
  public release(audience: Audience): ResolvedRule[] {
    const catchAll = this.catchAll.get(audience);
    const headers = this.catchAllHeaders.get(audience);
    const withHeaders = (d: WeightedDestination) => (d.subset !== undefined && headers?.has(d.subset) ? { ...d, headers: headers.get(d.subset) } : d);
    const normal = catchAll ? catchAll.value.map(withHeaders) : [];
    const specific = orderRules(this.releaseRules.filter(r => r.audiences.includes(audience))).map(r => ({
      source: r.source, name: r.name, match: r.match, route: r.route ?? normal, options: r.options ?? {},
    }));
    return catchAll
      ? [...specific, { source: catchAll.source, name: 'default', match: [], route: normal, options: {} }]
      : specific;
  }

  /** The rules of a VirtualService of this host, as emitted: ordered, releases expanded. */
  public resolve(entry: VirtualServiceEntry): ResolvedRule[] {
    return orderRules(entry.rules).flatMap(rule => (rule.follow ? expand(rule, rule.follow) : [{
      source: rule.source, name: rule.name, match: rule.match, route: rule.route ?? [], options: rule.options ?? {},
    }]));
  }

  /**
   * Checks the cross references inside the host: every routed subset is declared, every rule has a
   * destination and can apply. Returns error messages (empty when fine).
   */
  public validate(chartHosts: () => readonly HostRouting[] = () => [this]): string[] {
    const errors: string[] = [];
    const http = this.service?.http ?? true;
    for (const audience of ALL_AUDIENCES) {
      for (const rule of this.release(audience)) {
        if (!http && rule.match.length > 0) {
          errors.push(`[${rule.source.node.path}] match: host '${this.shortHost}' serves a non-HTTP protocol, so HTTP match rules never apply. `
            + 'Declare the service port as HTTP, HTTP2, GRPC or GRPC_WEB, or remove the rule');
        }
        if (rule.route.length === 0) {
          errors.push(`[${rule.source.node.path}] route: rule '${rule.name ?? '(unnamed)'}' of host '${this.shortHost}' has no destination. Route it to at least one version`);
        }
        for (const d of rule.route) {
          if (d.subset !== undefined && d.host === this.shortHost && !this.subsets.has(d.subset)) {
            errors.push(`[${rule.source.node.path}] route: subset '${d.subset}' of host '${this.shortHost}' is not declared `
              + `(declared: ${this.subsetNames.join(', ') || 'none'}). Declare the version on the service, or route to a declared one (IST0101)`);
          }
        }
      }
    }
    for (const entry of this.entries) {
      try {
        const what = entry.bindings.length === 1 && entry.bindings[0].isMesh ? `host '${this.shortHost}'` : `VirtualService ${entry.namespace ?? 'default'}/${entry.name}`;
        errors.push(...unreachableRules(this.resolve(entry), what));
        entry.checkRendering?.();
      } catch (e) {
        if (!IstioTrafficError.isIstioTrafficError(e)) { throw e; }
        errors.push(e.message);
      }
    }
    if (this.affinity) {
      for (const rule of this.releaseRules.filter(r => r.tier === Tier.DECORATION && r.audiences.includes(Audience.MESH))) {
        errors.push(`[${rule.source.node.path}] match: rule '${rule.name}' of host '${this.shortHost}' would not apply to pinned users: `
          + `the version affinity of ${this.affinity.node.path} routes every request that names a version before it. `
          + "Apply the fault or mirror to all of the service's traffic (it then lands on every rule, pinned ones included), or drop the VersionAffinity");
      }
    }
    errors.push(...this.hashWithWeightedSplit());
    errors.push(...this.unusedVersionPolicies(chartHosts));
    return errors;
  }

  /**
   * Per-version policies of a host routed to the whole Service that no route sends a request to:
   * Istio applies a subset's policy only to traffic a route sends to that subset (DestinationRule
   * reference: "Policies specified for subsets will not take effect until a route rule explicitly
   * sends traffic to this subset").
   */
  private unusedVersionPolicies(chartHosts: () => readonly HostRouting[]): string[] {
    const inUse = this.subsetsInUse(chartHosts);
    if (inUse === undefined) { return []; }
    return [...this.subsets.entries()].filter(([name]) => !inUse.has(name)).flatMap(([name, subset]) =>
      [...subset.trafficPolicy.entries()].map(([field, owned]) => `[${owned.source.node.path}] version: the ${field} of version '${name}' of host '${this.shortHost}' `
        + 'applies to no request: the service routes to the whole Service (TrafficSplit.wholeService()), and Istio applies a version\'s (subset\'s) policy only to '
        + "requests a route sends to that version. Set it for the whole service (leave out 'version'), or route requests to the version (a DarkRelease, or a split by version)"));
  }

  /** Fails when the service speaks a non-HTTP protocol, where HTTP route features do not exist. */
  private requireHttp(source: IConstruct, field: string): void {
    if (this.service && !this.service.http) {
      failWith(source, field, `host '${this.shortHost}' serves a non-HTTP protocol, where Istio has no ${field} (TCP routes only split connections)`,
        'Declare the service port as HTTP, HTTP2, GRPC or GRPC_WEB, or remove this construct');
    }
  }

  /**
   * Consistent hashing with a weighted split does not keep a user on one version: Envoy picks the
   * weighted destination (the subset) first and hashes only inside it (istio/istio#9764).
   */
  private hashWithWeightedSplit(): string[] {
    if (this.affinity) { return []; }
    const hashed = [
      this.trafficPolicy.get('loadBalancer'),
      ...[...this.subsets.values()].map(e => e.trafficPolicy.get('loadBalancer')),
    ].filter((x): x is Owned<any> => x !== undefined && x.value?.consistentHash !== undefined).map(x => x.source);
    if (hashed.length === 0) { return []; }
    const split = [...this.catchAll.values()].find(d => d.value.filter(r => r.weight > 0).length > 1);
    if (!split) { return []; }
    const live = split.value.filter(r => r.weight > 0);
    const total = live.reduce((a, r) => a + r.weight, 0);
    const shares = live.map(r => `${r.subset} ${+((r.weight * 100) / total).toFixed(2)}%`).join(' / ');
    return hashed.map(src => `[${src.node.path}] loadBalancer: consistent hashing on host '${this.shortHost}' does not keep a user on one version `
      + `while its requests are split by weight (${shares}): Envoy picks the weighted subset first and hashes only inside it (istio/istio#9764). `
      + 'Add a VersionAffinity for the service (a cookie or header naming the version, matched before the weighted route), '
      + 'or route all traffic to one version');
  }
}

/** True for a route to the whole Service: one destination, without a subset. */
function isWholeServiceRoute(route: WeightedDestination[] | undefined): boolean {
  return route !== undefined && route.length === 1 && route[0].wholeService === true;
}

/** The values of a map of owned fields, as an object (`{ connectionPool: ..., loadBalancer: ... }`). */
function values(m: Map<string, Owned<any>>): { [field: string]: any } {
  return Object.fromEntries([...m.entries()].map(([k, v]) => [k, v.value]));
}

/**
 * A rule that follows a release: one rule per rule of the release, each matching what both match.
 * A release rule that no request of this rule can meet (e.g. another path) does not apply here.
 */
function expand(rule: VirtualServiceRule, follow: FollowRelease): ResolvedRule[] {
  const shared = follow.routing.releaseOptionsOf(follow.audience);
  return follow.routing.release(follow.audience).flatMap(q => {
    const match = andMatches(rule, { ...q, tier: Tier.DARK, rank: [] });
    if (match === undefined) { return []; }
    const name = rule.name === undefined || q.name === undefined ? (rule.name ?? q.name)
      : (q.match.length === 0 && q.name === 'default' ? rule.name : `${rule.name}-${q.name}`);
    return [{
      source: q.match.length > 0 ? q.source : rule.source,
      name,
      match,
      route: q.route.map(d => ({
        ...d,
        ...(follow.host !== undefined ? { host: follow.host } : {}),
        ...(follow.port !== undefined ? { port: follow.port } : {}),
      })),
      options: { ...shared, ...q.options, ...(rule.options ?? {}) },
    }];
  });
}

