import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { MatchInput, matchRequest, Re2Cache } from './match';
import {
  OutcomeKind, RoutingOutcome, RoutingSimulatorOptions, SimulatedDestination, SimulatedFault,
  SimulatedMirror, SimulatedRequest, SimulatedRetries, SimulatedWorkload,
} from './types';
import { CLUSTER_SUFFIX, hostMatches, hostSpecificity, istioHost, qualifyHost } from '../core/hosts';
import { TrafficModel } from '../model/traffic-model';

const NETWORKING = /^networking\.istio\.io\//;
const SIMULATOR_SYMBOL = Symbol.for('cdk8s-istio-traffic.RoutingSimulator');

interface PodGroup {
  readonly name: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
  readonly replicas: number;
}

interface Candidate {
  readonly vs: any;
  readonly namespace: string;
}

function nsOf(obj: any): string {
  return obj?.metadata?.namespace ?? 'default';
}

function selects(selector: { [k: string]: string }, labels: { [k: string]: string }): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * Answers "where does this request go?" from synthesized manifests, without a cluster, with
 * Istio's semantics:
 *
 * - the VirtualService for the host and binding (the mesh, or a gateway) is chosen by host,
 *   exact before the longest wildcard before `*`; short hosts are resolved in the
 *   VirtualService's namespace (`reviews` is `reviews.<ns>.svc.cluster.local`);
 * - its `http` rules are tried in order and the first match wins; the conditions inside one match
 *   block are ANDed and several match blocks are ORed; header names are case-insensitive; `exact`,
 *   `prefix` and `regex` (RE2, full string) on uri, scheme, method, authority, headers and query
 *   parameters; `{}` means "header present"; `withoutHeaders`; port, source labels, source
 *   namespace and rule-level `gateways`;
 * - weights are relative (they need not sum to 100); a destination without a subset spreads over
 *   all the Service's pods, a subset over the pods that also carry its labels, each workload in
 *   proportion to its replicas;
 * - no VirtualService for a mesh host: plain Kubernetes load balancing over the Service's pods,
 *   weighted by replica count; nothing matching at a gateway: 404.
 *
 * Works on what this library synthesizes and on any other manifests (objects or YAML).
 */
export class RoutingSimulator {
  /** True for a RoutingSimulator, also one made by another copy of this package. */
  public static isRoutingSimulator(x: any): x is RoutingSimulator {
    return x !== null && typeof x === 'object' && SIMULATOR_SYMBOL in x;
  }

  /** Simulates the objects of one chart; adopted CanaryService versions count as existing workloads. */
  public static fromChart(chart: Chart, options: RoutingSimulatorOptions = {}): RoutingSimulator {
    return new RoutingSimulator(chart.toJson(), withAdopted(chart, options));
  }

  /** Simulates the objects of every chart of an app. */
  public static fromApp(app: App, options: RoutingSimulatorOptions = {}): RoutingSimulator {
    return new RoutingSimulator(app.charts.flatMap(c => c.toJson()), withAdopted(app, options));
  }

  /** Simulates manifests given as (multi-document) YAML text. */
  public static fromYaml(yaml: string, options: RoutingSimulatorOptions = {}): RoutingSimulator {
    const docs = parseAllDocuments(yaml).map(d => {
      if (d.errors.length > 0) { throw new Error(`RoutingSimulator.fromYaml: ${d.errors[0].message}`); }
      return d.toJSON();
    });
    return new RoutingSimulator(docs.filter(d => d !== null && typeof d === 'object'), options);
  }

  /** Simulates manifests given as objects. */
  public static fromManifests(manifests: any[], options: RoutingSimulatorOptions = {}): RoutingSimulator {
    return new RoutingSimulator(manifests, options);
  }

  private readonly virtualServices: Candidate[];
  private readonly destinationRules: any[];
  private readonly gateways: any[];
  private readonly services: any[];
  private readonly pods: PodGroup[];
  private readonly versionLabel: string;
  /** Regexes compiled for this simulator's requests. */
  private readonly re2Cache: Re2Cache = new Map();

  private constructor(manifests: any[], options: RoutingSimulatorOptions) {
    Object.defineProperty(this, SIMULATOR_SYMBOL, { value: true });
    const objs = manifests.filter(m => m && typeof m === 'object');
    this.virtualServices = objs.filter(m => NETWORKING.test(m.apiVersion ?? '') && m.kind === 'VirtualService')
      .map(vs => ({ vs, namespace: nsOf(vs) }));
    this.destinationRules = objs.filter(m => NETWORKING.test(m.apiVersion ?? '') && m.kind === 'DestinationRule');
    this.gateways = objs.filter(m => NETWORKING.test(m.apiVersion ?? '') && m.kind === 'Gateway');
    this.services = objs.filter(m => m.apiVersion === 'v1' && m.kind === 'Service');
    this.pods = [
      ...objs.filter(m => ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(m.kind)).map(w => ({
        name: `${w.kind}/${w.metadata?.name}`,
        namespace: nsOf(w),
        labels: w.spec?.template?.metadata?.labels ?? {},
        replicas: w.kind === 'DaemonSet' ? 1 : (w.spec?.replicas ?? 1),
      })),
      ...objs.filter(m => m.kind === 'Pod').map(p => ({ name: `Pod/${p.metadata?.name}`, namespace: nsOf(p), labels: p.metadata?.labels ?? {}, replicas: 1 })),
      ...(options.existingWorkloads ?? []).map(w => ({ name: w.name, namespace: w.namespace, labels: w.labels, replicas: w.replicas ?? 1 })),
    ];
    this.versionLabel = options.versionLabel ?? 'version';
  }

  /**
   * Routes one request and tells where it goes: the gateway's server (for a request at a gateway),
   * the VirtualServices of the host for the binding, the first rule that matches (following a
   * delegate), and the destinations it splits the request over.
   */
  public route(request: SimulatedRequest): RoutingOutcome {
    const warnings: string[] = [];
    const req = this.requestFor(request);
    const atGateway = req.gateway ? this.checkGateway(req, warnings) : undefined;
    if (atGateway) { return atGateway; }
    const candidates = this.virtualServicesFor(req.target, req.input.binding);
    if (candidates.length === 0) { return this.withoutVirtualService(req, warnings); }
    if (!req.gateway && candidates.length > 1) {
      warnings.push(`IST0109: ${candidates.length} mesh VirtualServices define host '${req.target}' (${candidates.map(c => `${c.namespace}/${c.vs.metadata.name}`).join(', ')}); sidecars use only one of them. This simulation uses the first`);
    }
    const effective = req.gateway ? candidates : candidates.slice(0, 1);
    for (const c of effective) {
      const matched = this.firstMatchingRule(req, c, warnings);
      if (matched) { return matched; }
    }
    const names = effective.map(c => `${c.namespace}/${c.vs.metadata.name}`).join(', ');
    return notFound(`${req.describe}: no rule of ${names} matches`, warnings);
  }

  /** The request as the matchers see it: host, port, path, headers, source and binding resolved. */
  private requestFor(request: SimulatedRequest): ResolvedRequest {
    const gateway = request.gateway !== undefined ? this.resolveGatewayRequest(request.gateway) : undefined;
    const sourceNamespace = request.sourceNamespace ?? gateway?.namespace ?? this.guessNamespace(request.host);
    const binding = gateway ? `${gateway.namespace}/${gateway.name}` : 'mesh';
    const target = gateway ? request.host.toLowerCase() : qualifyHost(request.host.toLowerCase(), sourceNamespace);
    const service = gateway ? undefined : this.serviceFor(target);
    const port = request.port ?? (gateway ? 80 : (service?.spec?.ports?.length === 1 ? service.spec.ports[0].port : undefined));
    const [rawPath, rawQuery] = (request.path ?? '/').split('?', 2);
    const input: MatchInput = {
      path: rawPath,
      query: new Map([...new URLSearchParams(rawQuery ?? '').entries()]),
      method: (request.method ?? 'GET').toUpperCase(),
      scheme: request.scheme ?? 'http',
      authority: request.authority ?? (request.port !== undefined ? `${request.host}:${request.port}` : request.host),
      headers: new Map(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      port,
      sourceLabels: request.sourceLabels ?? gateway?.object?.spec?.selector ?? {},
      sourceNamespace,
      binding,
      resolveGateway: (ref: string) => ref,
      re2Cache: this.re2Cache,
    };
    const describe = `${input.method} ${request.host}${request.path ?? '/'}${gateway ? ` at gateway ${binding}` : ''}`;
    return { host: request.host, gateway, sourceNamespace, target, service, port, input, describe };
  }

  /** At a gateway: a request its servers do not take, or redirect to HTTPS, ends there. */
  private checkGateway(req: ResolvedRequest, warnings: string[]): RoutingOutcome | undefined {
    const gateway = req.gateway!;
    const binding = req.input.binding;
    if (!gateway.object) {
      warnings.push(`Gateway ${binding} is not in the manifests; its servers were not checked`);
      return undefined;
    }
    if (!this.gatewayServes(gateway.object, req.target, req.port)) {
      return notFound(`${req.describe}: Gateway ${binding} has no server for host '${req.host}' on port ${req.port}`, warnings);
    }
    if (this.redirectsToHttps(gateway.object, req.target, req.port)) {
      return {
        kind: OutcomeKind.REDIRECT,
        status: 301,
        redirect: { scheme: 'https' },
        destinations: [],
        versionShares: {},
        subsetShares: {},
        mirrors: [],
        warnings,
        explanation: `${req.describe}: the server of Gateway ${binding} on port ${req.port} redirects every request to HTTPS (tls.httpsRedirect)`,
      };
    }
    return undefined;
  }

  /** No VirtualService for the host: not found at a gateway, Kubernetes' own spreading in the mesh. */
  private withoutVirtualService(req: ResolvedRequest, warnings: string[]): RoutingOutcome {
    if (req.gateway) {
      return notFound(`${req.describe}: no VirtualService bound to ${req.input.binding} serves host '${req.host}'`, warnings);
    }
    const service = req.service;
    if (!service) {
      return {
        kind: OutcomeKind.UNKNOWN_HOST,
        destinations: [],
        versionShares: {},
        subsetShares: {},
        mirrors: [],
        warnings,
        explanation: `${req.describe}: no VirtualService and no Service for host '${req.target}'`,
      };
    }
    const dest = this.destination({ host: req.target }, 100, 100, req.sourceNamespace, warnings);
    return {
      kind: OutcomeKind.KUBERNETES_DEFAULT,
      destinations: [dest],
      ...shares([dest], this.versionLabel),
      mirrors: [],
      warnings,
      explanation: `${req.describe}: no VirtualService for '${req.target}'; Kubernetes spreads requests over the pods of Service ${nsOf(service)}/${service.metadata.name} by replica count`,
    };
  }

  /** The outcome of the first rule of VirtualService `c` that matches (HTTP rules, else TCP), if any. */
  private firstMatchingRule(req: ResolvedRequest, c: Candidate, warnings: string[]): RoutingOutcome | undefined {
    const input = { ...req.input, resolveGateway: gatewayResolver(c.namespace) };
    const rules: any[] = c.vs.spec?.http ?? [];
    const tcp = rules.length === 0 ? (c.vs.spec?.tcp ?? []) : [];
    const index = [...rules, ...tcp].findIndex(rule => ruleMatches(rule, input));
    if (index < 0) { return undefined; }
    const rule = [...rules, ...tcp][index];
    return rule.delegate
      ? this.delegated(req, c, rule, index, warnings)
      : this.outcome(c, rule, index, req.sourceNamespace, req.describe, warnings);
  }

  /** A matching rule that delegates: the first matching rule of the delegate VirtualService decides. */
  private delegated(req: ResolvedRequest, c: Candidate, rule: any, index: number, warnings: string[]): RoutingOutcome {
    const id = `${c.namespace}/${c.vs.metadata.name}`;
    const delegateNs = rule.delegate.namespace ?? c.namespace;
    const delegate = this.virtualServices.find(d => d.vs.metadata.name === rule.delegate.name && d.namespace === delegateNs);
    if (!delegate) {
      warnings.push(`rule #${index} of ${id} delegates to ${delegateNs}/${rule.delegate.name}, which is not in the manifests`);
      return notFound(`${req.describe}: delegate VirtualService missing`, warnings);
    }
    const input = { ...req.input, resolveGateway: gatewayResolver(delegate.namespace) };
    const inner = (delegate.vs.spec?.http ?? []).findIndex((r: any) => ruleMatches(r, input));
    if (inner < 0) {
      return notFound(`${req.describe}: rule #${index} of ${id} delegates to ${delegate.namespace}/${delegate.vs.metadata.name}, where no rule matches`, warnings);
    }
    return this.outcome(delegate, delegate.vs.spec.http[inner], inner, req.sourceNamespace, req.describe, warnings);
  }

  private outcome(c: Candidate, rule: any, index: number, sourceNamespace: string, describe: string, warnings: string[]): RoutingOutcome {
    const id = `${c.namespace}/${c.vs.metadata.name}`;
    const base = {
      virtualService: id,
      ruleIndex: index,
      ruleName: rule.name,
      mirrors: this.mirrors(rule, c.namespace),
      fault: fault(rule.fault),
      timeout: rule.timeout,
      retries: retries(rule.retries),
      rewriteUri: rule.rewrite?.uri,
      rewriteAuthority: rule.rewrite?.authority,
      warnings,
    };
    const which = `rule #${index}${rule.name ? ` '${rule.name}'` : ''} of VirtualService ${id}`;
    if (rule.directResponse) {
      return {
        ...base,
        kind: OutcomeKind.DIRECT_RESPONSE,
        status: rule.directResponse.status,
        destinations: [],
        versionShares: {},
        subsetShares: {},
        explanation: `${describe}: ${which} answers ${rule.directResponse.status} itself`,
      };
    }
    if (rule.redirect) {
      return {
        ...base,
        kind: OutcomeKind.REDIRECT,
        status: rule.redirect.redirectCode ?? 301,
        destinations: [],
        versionShares: {},
        subsetShares: {},
        redirect: Object.fromEntries(Object.entries(rule.redirect).map(([k, v]) => [k, String(v)])),
        explanation: `${describe}: ${which} redirects`,
      };
    }
    const route: any[] = rule.route ?? [];
    const weights = route.map(d => (route.length === 1 ? 1 : (d.weight ?? 0)));
    const total = weights.reduce((a, b) => a + b, 0);
    if (route.length > 1 && total === 0) { warnings.push(`${which}: every destination has weight 0`); }
    const destinations = route.map((d, i) => this.destination(
      { host: istioHost(d.destination.host, c.namespace), subset: d.destination.subset, port: d.destination.port?.number },
      d.weight ?? (route.length === 1 ? 100 : 0),
      total === 0 ? 0 : (weights[i] / total) * 100,
      sourceNamespace, warnings));
    const s = shares(destinations, this.versionLabel);
    const summary = Object.entries(s.subsetShares).map(([k, v]) => `${k} ${round(v)}%`).join(', ');
    return { ...base, kind: OutcomeKind.ROUTED, destinations, ...s, explanation: `${describe}: ${which} matched; ${summary}` };
  }

  private destination(d: { host: string; subset?: string; port?: number }, weight: number, share: number,
    sourceNamespace: string, warnings: string[]): SimulatedDestination {
    const service = this.serviceFor(d.host);
    let selector: { [k: string]: string } | undefined = service?.spec?.selector;
    if (!service) { warnings.push(`no Service for destination host '${d.host}' in the manifests`); }
    if (d.subset !== undefined) {
      const dr = this.destinationRuleFor(d.host, sourceNamespace);
      const subset = dr?.spec?.subsets?.find((s: any) => s.name === d.subset);
      if (!subset) {
        warnings.push(`subset '${d.subset}' of host '${d.host}' is not defined by any DestinationRule (Envoy answers 503)`);
        selector = undefined;
      } else if (selector) {
        selector = { ...selector, ...(subset.labels ?? {}) };
      }
    }
    const svcNs = d.host.split('.')[1];
    const pods = selector ? this.pods.filter(p => p.namespace === svcNs && selects(selector!, p.labels)) : [];
    const replicas = pods.reduce((a, p) => a + p.replicas, 0);
    if (selector && share > 0 && replicas === 0) {
      warnings.push(`destination '${d.host}'${d.subset ? ` subset '${d.subset}'` : ''} has no running pods (Envoy answers 503)`);
    }
    const workloads: SimulatedWorkload[] = pods.map(p => ({
      name: p.name,
      namespace: p.namespace,
      labels: p.labels,
      version: p.labels[this.versionLabel],
      replicas: p.replicas,
      share: replicas === 0 ? 0 : (share * p.replicas) / replicas,
    }));
    return { host: d.host, subset: d.subset, port: d.port, weight, share, selector: selector ?? {}, workloads };
  }

  private mirrors(rule: any, namespace: string): SimulatedMirror[] {
    const list: SimulatedMirror[] = [];
    if (rule.mirror) {
      list.push({ host: istioHost(rule.mirror.host, namespace), subset: rule.mirror.subset, percentage: rule.mirrorPercentage?.value ?? 100 });
    }
    for (const m of rule.mirrors ?? []) {
      list.push({ host: istioHost(m.destination.host, namespace), subset: m.destination.subset, percentage: m.percentage?.value ?? 100 });
    }
    return list;
  }

  private serviceFor(fqdn: string): any | undefined {
    const parts = fqdn.split('.');
    if (parts.length < 3 || !fqdn.endsWith(`.${CLUSTER_SUFFIX}`)) { return undefined; }
    return this.services.find(s => s.metadata?.name === parts[0] && nsOf(s) === parts[1]);
  }

  /** Istio looks for the DestinationRule in the client's namespace, then the service's, then anywhere. */
  private destinationRuleFor(fqdn: string, sourceNamespace: string): any | undefined {
    const all = this.destinationRules.filter(dr => typeof dr.spec?.host === 'string' && hostMatches(istioHost(dr.spec.host, nsOf(dr)), fqdn));
    const svcNs = fqdn.split('.')[1];
    return all.find(dr => nsOf(dr) === sourceNamespace) ?? all.find(dr => nsOf(dr) === svcNs) ?? all[0];
  }

  private virtualServicesFor(target: string, binding: string): Candidate[] {
    const scored = this.virtualServices.flatMap(c => {
      const gateways: string[] = c.vs.spec?.gateways ?? [];
      const bound = binding === 'mesh'
        ? gateways.length === 0 || gateways.includes('mesh')
        : gateways.some(g => g !== 'mesh' && (g.includes('/') ? g : `${c.namespace}/${g}`) === binding);
      if (!bound) { return []; }
      const best = Math.max(-1, ...(c.vs.spec?.hosts ?? [])
        .map((h: string) => istioHost(h, c.namespace))
        .filter((h: string) => hostMatches(h, target))
        .map(hostSpecificity));
      return best < 0 ? [] : [{ c, best }];
    });
    const top = Math.max(-1, ...scored.map(s => s.best));
    return scored.filter(s => s.best === top).map(s => s.c);
  }

  private resolveGatewayRequest(ref: string): { namespace: string; name: string; object?: any } {
    if (ref.includes('/')) {
      const [namespace, name] = ref.split('/', 2);
      return { namespace, name, object: this.gateways.find(g => g.metadata?.name === name && nsOf(g) === namespace) };
    }
    const found = this.gateways.filter(g => g.metadata?.name === ref);
    if (found.length !== 1) {
      throw new Error(`RoutingSimulator: gateway '${ref}' ${found.length === 0 ? 'is not in the manifests' : 'is ambiguous'}; give it as '<namespace>/<name>'`);
    }
    return { namespace: nsOf(found[0]), name: ref, object: found[0] };
  }

  private gatewayServes(gw: any, host: string, port: number | undefined): boolean {
    return (gw.spec?.servers ?? []).some((s: any) => (port === undefined || s.port?.number === port)
      && (s.hosts ?? []).some((h: string) => hostMatches(h.includes('/') ? h.split('/')[1] : h, host)));
  }

  private redirectsToHttps(gw: any, host: string, port: number | undefined): boolean {
    const server = (gw.spec?.servers ?? []).find((s: any) => (port === undefined || s.port?.number === port)
      && (s.hosts ?? []).some((h: string) => hostMatches(h.includes('/') ? h.split('/')[1] : h, host)));
    return server?.tls?.httpsRedirect === true;
  }

  private guessNamespace(host: string): string {
    const first = host.split('.')[0];
    const parts = host.split('.');
    if (parts.length >= 2) { return parts[1]; }
    const namespaces = [...new Set(this.services.filter(s => s.metadata?.name === first).map(nsOf))];
    return namespaces.length === 1 ? namespaces[0] : 'default';
  }
}

function withAdopted(scope: Chart | App, options: RoutingSimulatorOptions): RoutingSimulatorOptions {
  const charts = Chart.isChart(scope) ? [scope] : (scope as App).charts;
  const adopted = charts.flatMap(c => TrafficModel.tryOf(c)?.knownWorkloads ?? []);
  return { ...options, existingWorkloads: [...adopted, ...(options.existingWorkloads ?? [])] };
}

/** A request with everything the routing steps need resolved once. */
interface ResolvedRequest {
  readonly host: string;
  readonly gateway?: { namespace: string; name: string; object?: any };
  readonly sourceNamespace: string;
  /** The host as matched: lower case, and qualified (FQDN) in the mesh. */
  readonly target: string;
  readonly service?: any;
  readonly port?: number;
  readonly input: MatchInput;
  /** "GET host/path at gateway ns/name", the start of every explanation. */
  readonly describe: string;
}

/** Gateway references of a VirtualService in `namespace`: a bare name is in the same namespace. */
function gatewayResolver(namespace: string): (ref: string) => string {
  return (ref: string) => (ref.includes('/') ? ref : `${namespace}/${ref}`);
}

/** A rule without matches takes every request; otherwise one of its match blocks must. */
function ruleMatches(rule: any, input: MatchInput): boolean {
  const matches: any[] = rule.match ?? [];
  return matches.length === 0 || matches.some(m => matchRequest(m, input));
}

function notFound(explanation: string, warnings: string[]): RoutingOutcome {
  return { kind: OutcomeKind.NOT_FOUND, status: 404, destinations: [], versionShares: {}, subsetShares: {}, mirrors: [], explanation, warnings };
}

function shares(destinations: SimulatedDestination[], versionLabel: string) {
  const versionShares: { [v: string]: number } = {};
  const subsetShares: { [s: string]: number } = {};
  const add = (m: { [k: string]: number }, k: string, v: number) => { m[k] = (m[k] ?? 0) + v; };
  for (const d of destinations) {
    add(subsetShares, d.subset ?? '(none)', d.share);
    const total = d.workloads.reduce((a, w) => a + w.share, 0);
    for (const w of d.workloads) { add(versionShares, w.labels[versionLabel] ?? 'unversioned', w.share); }
    if (d.share > 0 && total === 0) { add(versionShares, '(no pods)', d.share); }
  }
  return { versionShares, subsetShares };
}

function fault(f: any): SimulatedFault | undefined {
  if (!f) { return undefined; }
  return {
    delay: f.delay?.fixedDelay,
    delayPercentage: f.delay ? (f.delay.percentage?.value ?? f.delay.percent ?? 100) : undefined,
    abortHttpStatus: f.abort?.httpStatus,
    abortGrpcStatus: f.abort?.grpcStatus,
    abortPercentage: f.abort ? (f.abort.percentage?.value ?? 100) : undefined,
  };
}

function retries(r: any): SimulatedRetries | undefined {
  if (!r) { return undefined; }
  return { attempts: r.attempts ?? 0, perTryTimeout: r.perTryTimeout, retryOn: r.retryOn };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
