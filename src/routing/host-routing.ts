import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { RenderedDestinationRule, RenderedVirtualService } from './cached-objects';
import { touch } from '../analysis/generation';
import { IstioTrafficError, show } from '../errors';
import { covers, same } from './match-analysis';

/** The binding name Istio uses for sidecar (east-west) traffic. */
export const MESH = 'mesh';

/**
 * A pseudo-binding: the rules of a host that apply to traffic arriving through an ingress edge.
 * It has no VirtualService of its own; an IngressEdge that routes to the service copies them into
 * its gateway-bound VirtualService.
 */
export const EDGE = '~edge';

/** A route destination: a host, optionally a subset and a port. */
export interface Destination {
  readonly host: string;
  readonly subset?: string;
  readonly port?: number;
}

/** A destination with its relative weight. */
export interface WeightedDestination extends Destination {
  readonly weight: number;
  /** Per-destination header manipulation (`route[].headers`). */
  readonly headers?: { [section: string]: any };
}

/**
 * Rule tiers: the order of the specific rules of a host. Dark releases (targeted requests) first,
 * then version affinity (requests pinned to a version they were served by), then decorations of the
 * normal route (conditional faults, method-restricted mirroring), then the catch-all. Inside a tier,
 * rules are ordered by rank (a dark release's priority), then in the order they were added.
 */
export const TIER_DARK = 0;
export const TIER_AFFINITY = 1;
export const TIER_DECORATION = 2;

/**
 * An HTTP rule one construct contributes to a host's VirtualService.
 *
 * `match` and `options` use the Istio JSON field names (they are rendered verbatim into
 * `spec.http[]`); they never appear in public props.
 */
export interface HttpRuleContribution {
  /** Who contributed the rule (named in error messages). */
  readonly source: IConstruct;
  /** Rule name (`http[].name`). */
  readonly name?: string;
  /** Match blocks: ORed with each other, conditions inside one ANDed. Empty means catch-all. */
  readonly match: any[];
  /** Where matched requests go. */
  readonly route: WeightedDestination[];
  /** Extra `http[]` fields (fault, retries, timeout, mirror, rewrite, headers ...). */
  readonly options?: { [field: string]: any };
  /**
   * The tier of the rule (TIER_DARK, TIER_AFFINITY, TIER_DECORATION): tiers never mix.
   * @default TIER_DARK
   */
  readonly tier?: number;
  /**
   * Order inside the tier: lower first. Equal ranks keep the order in which they were added.
   * @default 0
   */
  readonly rank?: number;
}

/** The service behind a host, as registered by the construct that created or adopted it. */
export interface ServiceRegistration {
  readonly source: IConstruct;
  /** Whether HTTP rules apply (http, http2, grpc ports) or only TCP routing. */
  readonly http: boolean;
  /** Whether the port speaks gRPC. */
  readonly grpc?: boolean;
  /** The Service object, when the library created it. */
  readonly apiObject?: ApiObject;
}

interface SubsetEntry {
  readonly source: IConstruct;
  readonly labels: { [key: string]: string };
  trafficPolicy?: { [field: string]: any };
}

interface DefaultRoute {
  readonly source: IConstruct;
  readonly route: WeightedDestination[];
  options: { [field: string]: any };
}

/**
 * Everything the constructs of one chart say about one host (a Kubernetes Service).
 *
 * Synthesis emits exactly one DestinationRule for the host and one VirtualService per binding
 * (`mesh`, or a gateway), however many constructs contribute. HTTP rules are emitted in this order:
 *
 * 1. specific rules (those with a match), by tier (dark releases, version affinity, decorations of
 *    the normal route), then rank, then in the order they were added;
 * 2. the catch-all route (the weighted split of the release), always last.
 *
 * Istio evaluates rules top down and the first match wins, so this order makes every specific rule
 * reachable and leaves everyone else on the release's normal route.
 */
export class HostRouting {
  private service?: ServiceRegistration;
  private readonly subsets = new Map<string, SubsetEntry>();
  private trafficPolicy: { [field: string]: any } = {};
  private readonly rules = new Map<string, HttpRuleContribution[]>();
  private readonly defaults = new Map<string, DefaultRoute>();
  private readonly bindingOptions = new Map<string, Map<string, { source: IConstruct; value: any }>>();
  private readonly defaultHeaders = new Map<string, Map<string, { [section: string]: any }>>();
  private readonly policySources = new Map<string, IConstruct>();
  private affinity?: IConstruct;
  private destinationRule?: RenderedDestinationRule;
  private readonly virtualServices = new Map<string, RenderedVirtualService>();

  constructor(
    /** Namespace of the Service (undefined: the namespace kubectl applies to). */
    public readonly namespace: string | undefined,
    /** Name of the Service; also the short host name used in VirtualService and DestinationRule. */
    public readonly serviceName: string,
  ) {}

  /** The DestinationRule of this host, once some construct added a subset or a policy. */
  public get destinationRuleObject(): ApiObject | undefined {
    return this.destinationRule;
  }

  /** The VirtualService of this host for `binding`, once some construct added a route. */
  public virtualServiceObject(binding: string = MESH): ApiObject | undefined {
    return this.virtualServices.get(binding);
  }

  /** The registered service, if any. */
  public get registeredService(): ServiceRegistration | undefined {
    return this.service;
  }

  /** Records the Service behind the host. Only one construct may own it. */
  public registerService(registration: ServiceRegistration): void {
    touch();
    if (this.service) {
      throw new IstioTrafficError(registration.source.node.path, 'name',
        `'${this.serviceName}' in namespace '${this.namespace ?? 'default'}' is already defined by ${this.service.source.node.path}. `
        + 'One host has one Service; give this one another name, or add to the existing construct instead');
    }
    this.service = registration;
  }

  /** Adds a DestinationRule subset. The same subset may be declared twice only with the same labels. */
  public addSubset(source: IConstruct, name: string, labels: { [key: string]: string }): void {
    touch();
    const existing = this.subsets.get(name);
    if (existing) {
      if (JSON.stringify(existing.labels) !== JSON.stringify(labels)) {
        throw new IstioTrafficError(source.node.path, 'subsetName',
          `subset '${name}' of host '${this.serviceName}' is already declared by ${existing.source.node.path} with labels `
          + `${JSON.stringify(existing.labels)}, not ${JSON.stringify(labels)}. Use another subset name`);
      }
      return;
    }
    this.subsets.set(name, { source, labels: { ...labels } });
    this.ensureDestinationRule(source);
  }

  /** Names of the declared subsets, in declaration order. */
  public get subsetNames(): string[] {
    return [...this.subsets.keys()];
  }

  /** Sets the catch-all route of `binding`. Only one construct may own it. */
  public setDefaultRoute(binding: string, source: IConstruct, route: WeightedDestination[]): void {
    touch();
    const existing = this.defaults.get(binding);
    if (existing) {
      throw new IstioTrafficError(source.node.path, 'traffic',
        `host '${this.serviceName}' already has a catch-all route for '${binding}' from ${existing.source.node.path}. `
        + 'A host has one release split; change the split on that construct instead');
    }
    this.defaults.set(binding, { source, route, options: {} });
    if (binding !== EDGE) { this.ensureVirtualService(source, binding); }
  }

  /** Adds a specific (matching) rule for `binding`. */
  public addRule(binding: string, rule: HttpRuleContribution): void {
    touch();
    if (!this.rules.has(binding)) { this.rules.set(binding, []); }
    this.rules.get(binding)!.push(rule);
    if (binding !== EDGE) { this.ensureVirtualService(rule.source, binding); }
  }

  /** The catch-all route of `binding` (the release's normal route), if set. */
  public defaultRoute(binding: string = MESH): WeightedDestination[] | undefined {
    return this.defaults.get(binding)?.route;
  }

  /**
   * Sets an `http[]` field (fault, timeout, retries, mirror ...) on every rule of `binding` that does
   * not set it itself. One construct per field.
   */
  public setRuleOption(binding: string, source: IConstruct, field: string, value: any): void {
    touch();
    this.requireHttp(source, field);
    if (!this.bindingOptions.has(binding)) { this.bindingOptions.set(binding, new Map()); }
    const options = this.bindingOptions.get(binding)!;
    const existing = options.get(field);
    if (existing) {
      throw new IstioTrafficError(source.node.path, field,
        `host '${this.serviceName}' already has a ${field} for all its routes from ${existing.source.node.path} (${show(existing.value)}; this one: ${show(value)}). `
        + `One ${field} per host: change that construct instead`);
    }
    options.set(field, { source, value });
  }

  /** Fails when the service speaks a non-HTTP protocol, where HTTP route features do not exist. */
  private requireHttp(source: IConstruct, field: string): void {
    if (this.service && !this.service.http) {
      throw new IstioTrafficError(source.node.path, field,
        `host '${this.serviceName}' serves a non-HTTP protocol, where Istio has no ${field} (TCP routes only split connections). `
        + 'Declare the service port as HTTP, HTTP2, GRPC or GRPC_WEB, or remove this construct');
    }
  }

  /** The rule options set for every rule of `binding` (fault, timeout, retries, mirror ...). */
  public ruleOptions(binding: string): { [field: string]: any } {
    return Object.fromEntries([...(this.bindingOptions.get(binding) ?? new Map()).entries()].map(([k, v]) => [k, v.value]));
  }

  /** Adds response or request header manipulation to one destination (by subset) of the catch-all route. */
  public setDefaultDestinationHeaders(binding: string, subset: string, headers: { [section: string]: any }): void {
    touch();
    if (!this.defaultHeaders.has(binding)) { this.defaultHeaders.set(binding, new Map()); }
    this.defaultHeaders.get(binding)!.set(subset, headers);
  }

  /** Records that version affinity (sticky versions) is in place for the host. */
  public setAffinity(source: IConstruct): void {
    touch();
    if (this.affinity) {
      throw new IstioTrafficError(source.node.path, 'service',
        `host '${this.serviceName}' already has version affinity from ${this.affinity.node.path}. Use one VersionAffinity per service`);
    }
    this.affinity = source;
  }

  /**
   * Sets one field (`connectionPool`, `outlierDetection`, `loadBalancer`) of the DestinationRule's
   * traffic policy: for the whole host, or for one subset (a version). One construct per field and
   * level.
   */
  public setPolicy(source: IConstruct, subset: string | undefined, field: string, value: any): void {
    touch();
    const key = `${subset ?? ''}/${field}`;
    const existing = this.policySources.get(key);
    const where = subset === undefined ? `host '${this.serviceName}'` : `subset '${subset}' of host '${this.serviceName}'`;
    if (existing) {
      throw new IstioTrafficError(source.node.path, field,
        `${where} already has a ${field} from ${existing.node.path} (${show(this.policyField(subset, field))}; this one: ${show(value)}). `
        + `One ${field} per service or version: change that construct instead`);
    }
    if (subset === undefined) {
      this.trafficPolicy[field] = value;
    } else {
      const entry = this.subsets.get(subset);
      if (!entry) {
        throw new IstioTrafficError(source.node.path, 'version', `subset '${subset}' of host '${this.serviceName}' is not declared. Use a declared version`);
      }
      entry.trafficPolicy = { ...(entry.trafficPolicy ?? {}), [field]: value };
    }
    this.policySources.set(key, source);
    this.ensureDestinationRule(source);
  }

  private policyField(subset: string | undefined, field: string): any {
    return subset === undefined ? this.trafficPolicy[field] : this.subsets.get(subset)?.trafficPolicy?.[field];
  }

  /** The rules of `binding` in emission order (specific rules, then the catch-all). */
  public orderedRules(binding: string = MESH): HttpRuleContribution[] {
    const specific = (this.rules.get(binding) ?? [])
      .map((rule, seq) => ({ rule, seq }))
      .sort((a, b) => ((a.rule.tier ?? TIER_DARK) - (b.rule.tier ?? TIER_DARK)) || ((a.rule.rank ?? 0) - (b.rule.rank ?? 0)) || (a.seq - b.seq))
      .map(x => x.rule);
    const def = this.defaults.get(binding);
    if (!def) { return specific; }
    // Rules that follow the normal route (the catch-all, conditional faults, mirroring) carry the
    // normal route's per-destination headers too (version affinity's Set-Cookie).
    const headers = this.defaultHeaders.get(binding);
    const decorate = (route: WeightedDestination[]) => (headers && route === def.route
      ? route.map(d => (d.subset !== undefined && headers.has(d.subset) ? { ...d, headers: headers.get(d.subset) } : d))
      : route);
    return [
      ...specific.map(r => (r.route === def.route ? { ...r, route: decorate(r.route) } : r)),
      { source: def.source, name: 'default', match: [], route: decorate(def.route), options: def.options },
    ];
  }

  /** The bindings this host has a VirtualService for. */
  public get bindings(): string[] {
    return [...this.virtualServices.keys()];
  }

  /**
   * Checks the cross references inside the host: every routed subset is declared, every rule has a
   * destination. Returns error messages (empty when fine).
   */
  public validate(): string[] {
    const errors: string[] = [];
    const http = this.service?.http ?? true;
    for (const binding of this.bindings) {
      for (const rule of this.orderedRules(binding)) {
        if (!http && rule.match.length > 0) {
          errors.push(`[${rule.source.node.path}] match: host '${this.serviceName}' serves a non-HTTP protocol, so HTTP match rules never apply. `
            + 'Declare the service port as HTTP, HTTP2, GRPC or GRPC_WEB, or remove the rule');
        }
        if (rule.route.length === 0) {
          errors.push(`[${rule.source.node.path}] route: rule '${rule.name ?? '(unnamed)'}' of host '${this.serviceName}' has no destination. Route it to at least one version`);
        }
        for (const d of rule.route) {
          if (d.subset !== undefined && d.host === this.serviceName && !this.subsets.has(d.subset)) {
            errors.push(`[${rule.source.node.path}] route: subset '${d.subset}' of host '${this.serviceName}' is not declared `
              + `(declared: ${this.subsetNames.join(', ') || 'none'}). Declare the version on the service, or route to a declared one (IST0101)`);
          }
        }
      }
    }
    for (const binding of this.bindings) {
      errors.push(...this.unreachableRules(binding));
    }
    if (this.affinity) {
      for (const rule of (this.rules.get(MESH) ?? []).filter(r => r.tier === TIER_DECORATION)) {
        errors.push(`[${rule.source.node.path}] match: rule '${rule.name}' of host '${this.serviceName}' would not apply to pinned users: `
          + `the version affinity of ${this.affinity.node.path} routes every request that names a version before it. `
          + "Apply the fault or mirror to all of the service's traffic (it then lands on every rule, pinned ones included), or drop the VersionAffinity");
      }
    }
    errors.push(...this.hashWithWeightedSplit());
    return errors;
  }

  /**
   * Consistent hashing with a weighted split does not keep a user on one version: Envoy picks the
   * weighted destination (the subset) first and hashes only inside it (istio/istio#9764).
   */
  private hashWithWeightedSplit(): string[] {
    if (this.affinity) { return []; }
    const hashed = [
      ...(this.trafficPolicy.loadBalancer?.consistentHash ? [this.policySources.get('/loadBalancer')] : []),
      ...[...this.subsets.entries()].filter(([, e]) => e.trafficPolicy?.loadBalancer?.consistentHash)
        .map(([name]) => this.policySources.get(`${name}/loadBalancer`)),
    ].filter((x): x is IConstruct => x !== undefined);
    if (hashed.length === 0) { return []; }
    const split = [...this.defaults.entries()].find(([, d]) => d.route.filter(r => r.weight > 0).length > 1);
    if (!split) { return []; }
    const shares = split[1].route.filter(r => r.weight > 0).map(r => `${r.subset} ${r.weight}%`).join(' / ');
    return hashed.map(src => `[${src.node.path}] loadBalancer: consistent hashing on host '${this.serviceName}' does not keep a user on one version `
      + `while its requests are split by weight (${shares}): Envoy picks the weighted subset first and hashes only inside it (istio/istio#9764). `
      + 'Add a VersionAffinity for the service (a cookie or header naming the version, matched before the weighted route), '
      + 'or route all traffic to one version');
  }

  private unreachableRules(binding: string): string[] {
    return unreachableRules(this.orderedRules(binding), `host '${this.serviceName}'`);
  }

  private ensureDestinationRule(scope: IConstruct): void {
    if (this.destinationRule) { return; }
    this.destinationRule = new RenderedDestinationRule(scope as any, 'DestinationRule', {
      metadata: { name: this.serviceName, namespace: this.namespace },
      spec: () => this.renderDestinationRule(),
    });
  }

  private ensureVirtualService(scope: IConstruct, binding: string): void {
    if (this.virtualServices.has(binding)) { return; }
    const name = binding === MESH ? this.serviceName : `${this.serviceName}-${binding.split('/').pop()}`;
    const vs = new RenderedVirtualService(scope as any, binding === MESH ? 'VirtualService' : `VirtualService-${name}`, {
      metadata: { name, namespace: this.namespace },
      spec: () => this.renderVirtualService(binding),
    });
    this.virtualServices.set(binding, vs);
  }

  /**
   * Apply order: the Service before the DestinationRule before the VirtualServices. The objects are
   * usually created in that order in one construct, and cdk8s writes objects in construct order
   * when nothing depends on them; dependency edges are added only where that order is wrong (cdk8s
   * writes an object that something depends on when it writes its dependant, so then the whole
   * chain is linked). `position` is the construct order of the chart's objects, `inbound` the
   * constructs something depends on.
   */
  public applyOrder(position: Map<IConstruct, number>, inbound: Set<IConstruct>): void {
    const chain = [this.service?.apiObject, this.destinationRule, ...this.virtualServices.values()]
      .filter((o): o is ApiObject => o !== undefined);
    const pos = (o: ApiObject) => position.get(o) ?? -1;
    const inOrder = chain.every((o, i) => i === 0 || pos(chain[i - 1]) < pos(o));
    // An object something depends on leaves the construct order: then the chain must be explicit.
    if (inOrder && !chain.some(o => inbound.has(o))) { return; }
    this.linkChain();
  }

  /** Links Service <- DestinationRule <- VirtualServices with dependencies. */
  public linkChain(): void {
    const svc = this.service?.apiObject;
    if (this.destinationRule && svc) { this.destinationRule.node.addDependency(svc); }
    for (const vs of this.virtualServices.values()) {
      if (this.destinationRule) { vs.node.addDependency(this.destinationRule); } else if (svc) { vs.node.addDependency(svc); }
    }
  }

  private renderDestinationRule(): any {
    const subsets = [...this.subsets.entries()].map(([name, s]) => ({
      name,
      labels: s.labels,
      ...(s.trafficPolicy && Object.keys(s.trafficPolicy).length > 0 ? { trafficPolicy: s.trafficPolicy } : {}),
    }));
    return {
      host: this.serviceName,
      ...(Object.keys(this.trafficPolicy).length > 0 ? { trafficPolicy: this.trafficPolicy } : {}),
      ...(subsets.length > 0 ? { subsets } : {}),
    };
  }

  private renderVirtualService(binding: string): any {
    const shared = this.ruleOptions(binding);
    const routes = this.orderedRules(binding).map(rule => ({
      ...(rule.name ? { name: rule.name } : {}),
      ...(rule.match.length > 0 ? { match: rule.match } : {}),
      route: renderRoute(rule.route),
      ...shared,
      ...(rule.options ?? {}),
    }));
    const http = this.service?.http ?? true;
    return {
      hosts: [this.serviceName],
      ...(binding === MESH ? {} : { gateways: [binding] }),
      ...(http ? { http: routes } : { tcp: routes.map(r => ({ route: r.route })) }),
    };
  }
}

/**
 * Specific rules that can never apply: every request one of their match blocks selects is taken by
 * an earlier rule (IST0130 / IST0131), or two rules send identical matches to different places.
 * `ordered` are the rules in emission order; `what` names the VirtualService for the messages.
 */
export function unreachableRules(ordered: HttpRuleContribution[], what: string): string[] {
  const errors: string[] = [];
  const rules = ordered.filter(r => r.match.length > 0);
  const where = (r: HttpRuleContribution) => `'${r.name ?? '(unnamed)'}' (${r.source.node.path})`;
  rules.forEach((later, j) => {
    for (const b of later.match) {
      for (const earlier of rules.slice(0, j)) {
        const a = earlier.match.find(m => covers(m, b));
        if (!a) { continue; }
        if (same(a, b) && !same(earlier.route, later.route)) {
          errors.push(`[${later.source.node.path}] match: rules ${where(earlier)} and ${where(later)} of ${what} `
            + `send the same requests ${JSON.stringify(b)} to different destinations (${describeRoute(earlier.route)} vs ${describeRoute(later.route)}). `
            + 'Keep one of them, or make their conditions differ');
        } else {
          errors.push(`[${later.source.node.path}] match: rule ${where(later)} of ${what} never applies to ${JSON.stringify(b)}: `
            + `the earlier rule ${where(earlier)} with ${JSON.stringify(a)} takes all those requests first (IST0131). `
            + `Put ${where(later)} first (a DarkRelease takes a lower priority number than the broader rule), or narrow ${where(earlier)}`);
        }
        break;
      }
    }
  });
  return errors;
}

function describeRoute(route: WeightedDestination[]): string {
  return route.filter(d => d.weight > 0).map(d => `${d.subset ?? d.host} ${d.weight}%`).join(', ');
}

/** Renders route destinations: zero weights dropped (unless all are zero), a single destination at 100. */
export function renderRoute(route: WeightedDestination[]): any[] {
  const live = route.filter(d => d.weight > 0);
  const list = live.length > 0 ? live : route;
  return list.map(d => ({
    destination: {
      host: d.host,
      ...(d.subset !== undefined ? { subset: d.subset } : {}),
      ...(d.port !== undefined ? { port: { number: d.port } } : {}),
    },
    weight: list.length === 1 ? 100 : d.weight,
    ...(d.headers ? { headers: d.headers } : {}),
  }));
}
