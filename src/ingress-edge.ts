import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { touch } from './analysis/generation';
import type { IRoutableService } from './canary-service';
import { fail } from './errors';
import { ConditionSet, RequestCondition, renderConditions } from './request-match';
import { RenderedGateway, RenderedVirtualService } from './routing/cached-objects';
import { EDGE, HostRouting, HttpRuleContribution, renderRoute, unreachableRules, WeightedDestination } from './routing/host-routing';
import { covers } from './routing/match-analysis';
import { TrafficRegistry } from './routing/registry';
import { routingOf, subsetOfVersion } from './routing/service-routing';
import { checkDnsLabel, checkLabels, checkPort, isDnsLabel } from './validation';

/** TLS mode of an HTTPS server. */
export enum TlsMode {
  /** The gateway terminates TLS with the server certificate from the secret. */
  SIMPLE = 'SIMPLE',
  /** Mutual TLS: clients must present a certificate signed by the CA in the secret (`ca.crt`). */
  MUTUAL = 'MUTUAL',
}

/** An HTTPS server of the gateway. */
export interface HttpsServerOptions {
  /**
   * The Kubernetes TLS secret with the certificate (`tls.crt`, `tls.key`, and `ca.crt` for MUTUAL),
   * in the namespace of the ingress gateway pods (usually `istio-system`).
   */
  readonly credentialName: string;
  /**
   * TLS mode. Always written explicitly: Istio's default for a TLS block is PASSTHROUGH.
   * @default TlsMode.SIMPLE
   */
  readonly mode?: TlsMode;
  /**
   * The hosts this server serves (must be among the edge's hosts).
   * @default - every host of the edge
   */
  readonly hosts?: string[];
  /**
   * Port.
   * @default 443
   */
  readonly port?: number;
  /**
   * Port name, unique across the servers of the gateway.
   * @default 'https' for the first HTTPS server, 'https-2', 'https-3' ... for the others
   */
  readonly portName?: string;
}

/** Props for `IngressEdge`. */
export interface IngressEdgeProps {
  /**
   * Name of the Gateway (a DNS label: no dots). VirtualServices are named after it.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the Gateway and its VirtualServices.
   * @default - the chart's namespace, else `default`
   */
  readonly namespace?: string;
  /**
   * Labels of the ingress gateway pods that serve this Gateway.
   * @default { istio: 'ingressgateway' }
   */
  readonly selector?: { [key: string]: string };
  /**
   * The hosts the edge serves: `*`, `*.example.com` or `shop.example.com` (no short names).
   */
  readonly hosts: string[];
  /**
   * Serve plain HTTP.
   * @default true
   */
  readonly http?: boolean;
  /**
   * Port of the HTTP server.
   * @default 80
   */
  readonly httpPort?: number;
  /**
   * HTTPS servers.
   * @default - none
   */
  readonly https?: HttpsServerOptions[];
  /**
   * The HTTP server answers every request with a redirect to HTTPS.
   * @default false
   */
  readonly redirectToHttps?: boolean;
  /**
   * Also apply the edge's routes to requests that workloads inside the mesh send to these hosts
   * (`gateways: [<gateway>, mesh]`). Not possible for wildcard hosts.
   * @default false
   */
  readonly includeMesh?: boolean;
  /**
   * Routes, as `addRoute` takes them.
   * @default - none
   */
  readonly routes?: EdgeRouteOptions[];
}

enum DestinationKind { RELEASE, VERSION, SERVICE }

/** Where an edge route sends requests. */
export class EdgeDestination {
  /**
   * To a service's release: its weighted split and its dark-release rules apply to edge traffic
   * too (those with a scope that includes the edge).
   */
  public static release(service: IRoutableService): EdgeDestination {
    return new EdgeDestination(DestinationKind.RELEASE, service);
  }

  /** To one version of a service. */
  public static version(service: IRoutableService, version: string): EdgeDestination {
    return new EdgeDestination(DestinationKind.VERSION, service, version);
  }

  /** To a plain Kubernetes Service port (not routed by this library). */
  public static service(name: string, port: number, namespace?: string): EdgeDestination {
    return new EdgeDestination(DestinationKind.SERVICE, undefined, undefined, name, port, namespace);
  }

  private constructor(
    /** @internal */ public readonly _kind: DestinationKind,
    /** @internal */ public readonly _service?: IRoutableService,
    /** @internal */ public readonly _version?: string,
    /** @internal */ public readonly _name?: string,
    /** @internal */ public readonly _port?: number,
    /** @internal */ public readonly _namespace?: string,
  ) {}
}

/** One route of an edge. */
export interface EdgeRouteOptions {
  /** Where matching requests go. */
  readonly to: EdgeDestination;
  /**
   * The host the route is for; it must be served by the gateway.
   * @default - every host of the edge
   */
  readonly host?: string;
  /**
   * Conditions, ANDed (e.g. `[RequestCondition.pathPrefix('/customer')]`). Use this or `rules`.
   * @default - every request to the host (the host's catch-all route)
   */
  readonly when?: RequestCondition[];
  /**
   * Several condition sets, ORed (e.g. one per path).
   * @default - use `when`
   */
  readonly rules?: ConditionSet[];
  /**
   * Rewrite the path: the matched prefix (or the whole path for an exact match) is replaced, e.g.
   * `/customer` served as `/`.
   * @default - no rewrite
   */
  readonly rewriteUri?: string;
  /**
   * Rewrite the authority (Host header).
   * @default - no rewrite
   */
  readonly rewriteAuthority?: string;
  /**
   * Name of the VirtualService rule.
   * @default - `route-<n>`
   */
  readonly name?: string;
}

interface EdgeRoute {
  readonly options: EdgeRouteOptions;
  readonly blocks: { [key: string]: any }[];
  readonly name: string;
  readonly seq: number;
}

/**
 * The edge of the mesh: an Istio Gateway on the ingress gateway pods, and the VirtualServices bound
 * to it that route requests from outside (a browser) to services. Mesh-only routing does not touch
 * these requests; only a VirtualService bound to the Gateway does.
 *
 * One VirtualService per host: `<name>` for the `*` host, `<name>-<host>` for the others. Routes of
 * a host are ordered most specific first (exact paths, then longer prefixes, then regexes, then
 * other conditions, the catch-all last); a route that an earlier one still shadows fails the synth.
 */
export class IngressEdge extends Construct {
  /** The Gateway name. */
  public readonly name: string;
  /** The namespace of the Gateway and its VirtualServices. */
  public readonly namespace: string;
  /** The reference VirtualServices use: `<namespace>/<name>`. */
  public readonly gatewayRef: string;
  /** The hosts the edge serves. */
  public readonly hosts: string[];
  /** The Gateway object. */
  public readonly gateway: ApiObject;

  private readonly serverHosts: string[];
  /**
   * `<selector>|<port>|<host>` of every server host: two Gateways on the same gateway pods must not
   * serve the same host on the same port (IST0145).
   * @internal
   */
  public readonly _serverKeys: string[];
  private readonly includeMesh: boolean;
  private readonly routes = new Map<string, EdgeRoute[]>();
  private readonly virtualServices = new Map<string, RenderedVirtualService>();
  private readonly targets = new Set<HostRouting>();
  private seq = 0;

  constructor(scope: Construct, id: string, props: IngressEdgeProps) {
    super(scope, id);
    this.name = props.name ?? id;
    if (this.name.includes('.')) {
      fail(this, 'name', this.name, 'contains dots, which Istio rejects in a Gateway name',
        "Use a DNS label such as 'bookinfo-gateway' (a Gateway name is a single label, unlike other object names)");
    }
    checkDnsLabel(this, 'name', this.name);
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    checkDnsLabel(this, 'namespace', this.namespace);
    this.gatewayRef = `${this.namespace}/${this.name}`;
    this.includeMesh = props.includeMesh === true;
    if (!props.hosts || props.hosts.length === 0) {
      fail(this, 'hosts', props.hosts ?? [], 'is empty', "List the hosts the edge serves, e.g. ['*'] or ['shop.example.com']");
    }
    this.hosts = props.hosts.map((h, i) => checkGatewayHost(this, `hosts[${i}]`, h));
    if (this.includeMesh) {
      this.hosts.forEach((h, i) => {
        if (h.includes('*')) {
          fail(this, `hosts[${i}]`, h, 'is a wildcard host, which a VirtualService that applies to the mesh cannot have',
            'Use exact hosts with includeMesh, or leave includeMesh off');
        }
      });
    }
    const selector = props.selector ?? { istio: 'ingressgateway' };
    checkLabels(this, 'selector', selector);
    if (Object.keys(selector).length === 0) {
      fail(this, 'selector', selector, 'is empty, which selects every pod as a gateway', 'Select the ingress gateway pods, e.g. { istio: "ingressgateway" }');
    }

    const servers = this.buildServers(props);
    this.serverHosts = [...new Set(servers.flatMap(s => s.hosts))];
    const selectorKey = JSON.stringify(Object.entries(selector).sort());
    this._serverKeys = servers.flatMap(s => (s.hosts as string[]).map(h => `${selectorKey}|${s.port.number}|${h}`));
    this.gateway = new RenderedGateway(this, 'Gateway', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: () => ({ selector, servers }),
    });
    this.node.addValidation({ validate: () => this.validateRoutes() });
    TrafficRegistry.of(this).registerEdge(this);
    for (const r of props.routes ?? []) { this.addRoute(r); }
  }

  /** Adds a route. */
  public addRoute(options: EdgeRouteOptions): void {
    touch();
    const seq = this.seq++;
    const name = options.name ?? `route-${seq + 1}`;
    const field = `routes[${name}]`;
    if (options.when !== undefined && options.rules !== undefined) {
      fail(this, `${field}.rules`, `${options.rules.length} condition set(s) and when: ${options.when.length} condition(s)`, "is given together with 'when'", "Use 'when' for one set of conditions or 'rules' for several");
    }
    const blocks = options.rules !== undefined
      ? (options.rules.length === 0
        ? fail(this, `${field}.rules`, [], 'is empty', "Give at least one condition set, or omit 'rules' for a catch-all route")
        : options.rules.map((r, i) => renderConditions(this, `${field}.rules[${i}].conditions`, r.conditions)))
      : options.when !== undefined ? [renderConditions(this, `${field}.when`, options.when)] : [];
    this.checkDestination(`${field}.to`, options.to);
    if (options.rewriteUri !== undefined && (options.rewriteUri === '' || !options.rewriteUri.startsWith('/'))) {
      fail(this, `${field}.rewriteUri`, options.rewriteUri, 'is not a path', "Start it with '/', e.g. '/'");
    }
    const hosts = options.host !== undefined ? [checkGatewayHost(this, `${field}.host`, options.host)] : this.hosts;
    for (const host of hosts) {
      if (!this.serverHosts.some(s => serverCovers(s, host))) {
        fail(this, `${field}.host`, host, `is not served by any server of Gateway ${this.gatewayRef} (hosts: ${this.serverHosts.join(', ')}), so no request for it reaches the route (IST0132)`,
          "Add the host to the edge's hosts, or route a host it serves");
      }
      const list = this.routes.get(host) ?? [];
      if (blocks.length === 0 && list.some(r => r.blocks.length === 0)) {
        fail(this, field, name, `is a second catch-all route for host '${host}'`, "Only one route per host may omit 'when'/'rules'; give this one conditions");
      }
      list.push({ options, blocks, name, seq });
      this.routes.set(host, list);
      this.ensureVirtualService(host, options.to);
    }
  }

  /** The rules of a host's VirtualService in emission order (for the simulator and analysis). */
  private orderedRules(host: string): HttpRuleContribution[] {
    const routes = [...(this.routes.get(host) ?? [])].sort((a, b) => compareRoutes(a, b));
    return routes.flatMap(r => this.expand(r));
  }

  private expand(r: EdgeRoute): HttpRuleContribution[] {
    const { rewriteUri, rewriteAuthority } = r.options;
    const rewriteFields = {
      ...(rewriteUri !== undefined ? { uri: rewriteUri } : {}),
      ...(rewriteAuthority !== undefined ? { authority: rewriteAuthority } : {}),
    };
    const rewrite = Object.keys(rewriteFields).length > 0 ? { rewrite: rewriteFields } : {};
    const to = r.options.to;
    if (to._kind === DestinationKind.SERVICE) {
      const host = to._namespace === undefined || to._namespace === this.namespace ? to._name! : `${to._name}.${to._namespace}.svc.cluster.local`;
      return [{ source: this, name: r.name, match: r.blocks, route: [{ host, port: to._port, weight: 100 }], options: rewrite }];
    }
    const service = to._service!;
    const host = this.hostOf(service);
    if (to._kind === DestinationKind.VERSION) {
      const subset = service.subsetOf(to._version!);
      return [{ source: this, name: r.name, match: r.blocks, route: [{ host, subset, port: service.port, weight: 100 }], options: rewrite }];
    }
    // A release: the service's edge rules (dark releases, then its weighted split), each ANDed with the route's match.
    const routing = routingOf(this, service);
    // Service-wide settings for edge traffic (timeout, retries, an all-traffic fault or mirror).
    const shared = routing.ruleOptions(EDGE);
    return routing.orderedRules(EDGE).flatMap(q => {
      const match = andBlocks(this, r, q);
      // A release rule no request of this route can meet (e.g. another path) does not apply here.
      if (match === undefined) { return []; }
      return [{
        source: q.match.length > 0 ? q.source : this,
        name: q.name === 'default' ? r.name : `${r.name}-${q.name}`,
        match,
        route: q.route.map((d: WeightedDestination) => ({ ...d, host, port: service.port })),
        options: { ...shared, ...(q.options ?? {}), ...rewrite },
      }];
    });
  }

  private hostOf(service: IRoutableService): string {
    const ns = service.namespace ?? 'default';
    return ns === this.namespace ? service.name : `${service.name}.${ns}.svc.cluster.local`;
  }

  private checkDestination(field: string, to: EdgeDestination): void {
    if (!(to instanceof EdgeDestination)) {
      fail(this, field, to, 'is not an EdgeDestination', 'Use EdgeDestination.release(), .version() or .service()');
    }
    if (to._kind === DestinationKind.SERVICE) {
      if (!isDnsLabel(to._name!)) { fail(this, `${field}.name`, to._name, 'is not a Service name', "Use the Service's name, e.g. 'productpage'"); }
      checkPort(this, `${field}.port`, to._port!);
      if (to._namespace !== undefined) { checkDnsLabel(this, `${field}.namespace`, to._namespace); }
      return;
    }
    routingOf(this, to._service!);
    if (to._kind === DestinationKind.VERSION) { subsetOfVersion(this, `${field}.version`, to._service!, to._version!); }
  }

  private ensureVirtualService(host: string, to: EdgeDestination): void {
    let vs = this.virtualServices.get(host);
    if (!vs) {
      const name = host === '*' ? this.name : `${this.name}-${slug(host)}`;
      vs = new RenderedVirtualService(this, `VirtualService-${slug(host)}`, {
        metadata: { name, namespace: this.namespace },
        spec: () => this.renderVirtualService(host),
      });
      this.virtualServices.set(host, vs);
    }
    if (to._service) { this.targets.add(routingOf(this, to._service)); }
  }

  /**
   * Apply order: the Gateway and what the routes reference (DestinationRules, Services) before the
   * VirtualServices bound to the Gateway. Dependency edges are added only where the construct
   * order is wrong (see HostRouting.applyOrder).
   * @internal
   */
  public _applyOrder(position: Map<IConstruct, number>): void {
    const pos = (o: IConstruct | undefined) => (o ? position.get(o) ?? -1 : -1);
    const first = Math.min(...[...this.virtualServices.values()].map(pos));
    const referenced = [this.gateway, ...[...this.targets].flatMap(t => [t.registeredService?.apiObject, t.destinationRuleObject])]
      .filter((o): o is ApiObject => o !== undefined);
    if (referenced.every(o => pos(o) < first)) { return; }
    for (const vs of this.virtualServices.values()) {
      vs.node.addDependency(this.gateway);
      for (const t of this.targets) {
        t.linkChain();
        const target = t.destinationRuleObject ?? t.registeredService?.apiObject;
        if (target) { vs.node.addDependency(target); }
      }
    }
  }

  private renderVirtualService(host: string): any {
    const http = this.orderedRules(host).map(rule => ({
      ...(rule.name ? { name: rule.name } : {}),
      ...(rule.match.length > 0 ? { match: rule.match } : {}),
      route: renderRoute(rule.route),
      ...(rule.options ?? {}),
    }));
    return {
      hosts: [host],
      gateways: this.includeMesh ? [this.gatewayRef, 'mesh'] : [this.gatewayRef],
      http,
    };
  }

  private validateRoutes(): string[] {
    const errors: string[] = [];
    for (const host of this.routes.keys()) {
      try {
        const own = `[${this.node.path}] `;
        // cdk8s prefixes every message with this construct's path already.
        errors.push(...unreachableRules(this.orderedRules(host), `VirtualService ${this.namespace}/${host === '*' ? this.name : `${this.name}-${slug(host)}`}`)
          .map(m => (m.startsWith(own) ? m.slice(own.length) : m)));
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    return errors;
  }

  private buildServers(props: IngressEdgeProps): any[] {
    const servers: any[] = [];
    const https = props.https ?? [];
    const serveHttp = props.http ?? true;
    if (!serveHttp && https.length === 0) {
      fail(this, 'http', false, 'turns off the only server', 'Serve HTTP, or add an HTTPS server');
    }
    if (props.redirectToHttps && https.length === 0) {
      fail(this, 'redirectToHttps', true, 'needs an HTTPS server to redirect to', "Add an entry to 'https' with the certificate's credentialName");
    }
    if (props.redirectToHttps && !serveHttp) {
      fail(this, 'redirectToHttps', true, 'needs the HTTP server that answers with the redirect', 'Leave http on');
    }
    if (serveHttp) {
      const port = props.httpPort ?? 80;
      checkPort(this, 'httpPort', port);
      servers.push({
        port: { number: port, name: 'http', protocol: 'HTTP' },
        hosts: [...this.hosts],
        ...(props.redirectToHttps ? { tls: { httpsRedirect: true } } : {}),
      });
    }
    https.forEach((h, i) => {
      const field = `https[${i}]`;
      if (typeof h.credentialName !== 'string' || h.credentialName === '') {
        fail(this, `${field}.credentialName`, h.credentialName, 'is empty: an HTTPS server needs the TLS secret with its certificate',
          'Create a kubernetes.io/tls Secret in the ingress gateway namespace and name it here');
      }
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(h.credentialName)) {
        fail(this, `${field}.credentialName`, h.credentialName, 'is not a valid Secret name', 'Use the name of a kubernetes.io/tls Secret');
      }
      const port = h.port ?? 443;
      checkPort(this, `${field}.port`, port);
      const hosts = (h.hosts ?? this.hosts).map((x, j) => checkGatewayHost(this, `${field}.hosts[${j}]`, x));
      hosts.forEach((x, j) => {
        if (!this.hosts.some(e => serverCovers(e, x))) {
          fail(this, `${field}.hosts[${j}]`, x, 'is not one of the edge hosts', "Add it to the edge's hosts");
        }
      });
      servers.push({
        port: { number: port, name: h.portName ?? (i === 0 ? 'https' : `https-${i + 1}`), protocol: 'HTTPS' },
        hosts,
        tls: { mode: h.mode ?? TlsMode.SIMPLE, credentialName: h.credentialName },
      });
    });
    const names = new Map<string, number>();
    const protocols = new Map<number, string>();
    servers.forEach((s, i) => {
      if (names.has(s.port.name)) {
        fail(this, 'https', s.port.name, `is the port name of two servers (#${names.get(s.port.name)} and #${i}); Istio requires unique port names across a Gateway's servers`,
          'Give each HTTPS server its own portName');
      }
      names.set(s.port.name, i);
      const other = protocols.get(s.port.number);
      if (other !== undefined && other !== s.port.protocol) {
        fail(this, 'https', s.port.number, `is used by an ${other} and an ${s.port.protocol} server; one of them would lose at run time`,
          'Use different ports for HTTP and HTTPS');
      }
      protocols.set(s.port.number, s.port.protocol);
    });
    return servers;
  }
}

/** Checks a Gateway server host: `*`, `*.domain`, or a name with a dot; no partial wildcards. */
function checkGatewayHost(scope: Construct, field: string, host: string): string {
  const h = typeof host === 'string' ? host.toLowerCase() : host;
  const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  const ok = typeof h === 'string' && h.length <= 253 && (h === '*' || (() => {
    const labels = (h.startsWith('*.') ? h.slice(2) : h).split('.');
    return labels.length >= (h.startsWith('*.') ? 1 : 2) && labels.every(l => label.test(l)) && !/^[0-9]+$/.test(labels[labels.length - 1]);
  })());
  if (!ok) {
    fail(scope, field, host, 'is not a host a Gateway can serve',
      "Use '*', a wildcard such as '*.example.com' (the '*' only as the whole first label), or a name with a dot such as 'shop.example.com' (no short names)");
  }
  return h;
}

/** True when a server host (possibly a wildcard) serves every request for `host`. */
function serverCovers(server: string, host: string): boolean {
  if (server === '*') { return true; }
  if (server.startsWith('*.')) {
    const suffix = server.slice(1);
    return host === server || (host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('*'))
      || (host.startsWith('*.') && host.endsWith(suffix) && host.length > server.length);
  }
  return server === host;
}

function slug(host: string): string {
  return host === '*' ? 'all' : host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-');
}

/** Orders routes most specific first: exact paths, longer prefixes, regexes, other conditions, catch-all. */
function compareRoutes(a: EdgeRoute, b: EdgeRoute): number {
  return (rank(a) - rank(b)) || (prefixLength(b) - prefixLength(a)) || (conditions(b) - conditions(a)) || (a.seq - b.seq);
}

function rank(r: EdgeRoute): number {
  if (r.blocks.length === 0) { return 9; }
  return Math.min(...r.blocks.map(b => (b.uri?.exact !== undefined ? 0 : b.uri?.prefix !== undefined ? 1 : b.uri?.regex !== undefined ? 2 : 3)));
}

function prefixLength(r: EdgeRoute): number {
  return Math.max(0, ...r.blocks.map(b => (b.uri?.prefix ?? '').length));
}

function conditions(r: EdgeRoute): number {
  return Math.max(0, ...r.blocks.map(b => Object.values(b).reduce((n: number, v: any) => n + (v && typeof v === 'object' && !('exact' in v || 'prefix' in v || 'regex' in v) ? Object.keys(v).length : 1), 0)));
}

/**
 * The match of a release rule ANDed with the edge route's match (blocks ORed on both sides).
 * Undefined when no request can meet both.
 */
function andBlocks(scope: Construct, r: EdgeRoute, q: HttpRuleContribution): { [key: string]: any }[] | undefined {
  if (r.blocks.length === 0) { return q.match; }
  if (q.match.length === 0) { return r.blocks; }
  const blocks = r.blocks.flatMap(a => q.match.map(b => andBlock(scope, r.name, q.name ?? '', a, b)))
    .filter((b): b is { [key: string]: any } => b !== undefined);
  return blocks.length > 0 ? blocks : undefined;
}

const DISJOINT = Symbol('disjoint');

function andBlock(scope: Construct, route: string, rule: string, a: any, b: any): any | undefined {
  const out: any = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (out[k] === undefined) { out[k] = v; continue; }
    if (['headers', 'withoutHeaders', 'queryParams', 'sourceLabels'].includes(k)) {
      out[k] = { ...out[k] };
      for (const [kk, vv] of Object.entries(v as any)) {
        if (out[k][kk] === undefined || JSON.stringify(out[k][kk]) === JSON.stringify(vv)) { out[k][kk] = vv; continue; }
        const cover = (x: any, y: any) => covers({ headers: { h: x } }, { headers: { h: y } });
        const both = k === 'sourceLabels' ? DISJOINT
          : k === 'withoutHeaders' ? broaderExclusion(scope, route, rule, `${k}.${kk}`, out[k][kk], vv, cover)
            : narrower(scope, route, rule, `${k}.${kk}`, out[k][kk], vv, (x: any, y: any) => covers({ [k]: { [kk]: x } }, { [k]: { [kk]: y } }));
        if (both === DISJOINT) { return undefined; }
        out[k][kk] = both;
      }
      continue;
    }
    const both = narrower(scope, route, rule, k, out[k], v, (x: any, y: any) => covers({ [k]: x }, { [k]: y }));
    if (both === DISJOINT) { return undefined; }
    out[k] = both;
  }
  return out;
}

/**
 * Two exclusions of one header ANDed: excluding the broader match excludes the narrower one too;
 * two unrelated exclusions cannot be written in one block.
 */
function broaderExclusion(scope: Construct, route: string, rule: string, field: string, x: any, y: any, coversFn: (x: any, y: any) => boolean): any {
  if (coversFn(x, y)) { return x; }
  if (coversFn(y, x)) { return y; }
  return fail(scope, `routes[${route}]`, field, `of the route and of the release rule '${rule}' both exclude values of the header (${JSON.stringify(x)} and ${JSON.stringify(y)}) and one match block cannot express both`,
    'Combine the exclusions into one regex, or route this path to a version instead of the release');
}

/** The narrower of two string matches, DISJOINT when no value meets both, or an error when unknown. */
function narrower(scope: Construct, route: string, rule: string, field: string, x: any, y: any, coversFn: (x: any, y: any) => boolean): any {
  if (coversFn(x, y)) { return y; }
  if (coversFn(y, x)) { return x; }
  const literal = (m: any) => m?.exact ?? m?.prefix;
  if (x?.regex === undefined && y?.regex === undefined && literal(x) !== undefined && literal(y) !== undefined) {
    // Two literals where neither covers the other: no value meets both.
    return DISJOINT;
  }
  return fail(scope, `routes[${route}]`, field, `of the route and of the release rule '${rule}' both constrain ${field} (${JSON.stringify(x)} and ${JSON.stringify(y)}) and one match block cannot express both`,
    'Route the release at a path the rule does not constrain, or route this path to a version instead of the release');
}
