import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { HostRouting } from './host-routing';
import { TransportSecurity } from './transport-security';
import { fail, failWith } from '../core/errors';
import { serviceFqdn } from '../core/hosts';
import { RoutingApi, routingApiAt } from '../core/routing-api';
import { isDnsLabel } from '../core/syntax';
import { INTERNAL_IDS } from '../core/tree';

const MODEL_ID = INTERNAL_IDS.model;
const MODEL_SYMBOL = Symbol.for('cdk8s-istio-traffic.TrafficModel');
const APP_MODELS_ID = INTERNAL_IDS.appModels;
const APP_MODELS_SYMBOL = Symbol.for('cdk8s-istio-traffic.AppModels');

/**
 * The models of every chart of an app, in the order they were made: a construct without API
 * objects, a child of the app (the root of the tree), so that a fact of a namespace declared in one
 * chart reaches the others without walking the whole construct tree for each construct that asks.
 */
class AppModels extends Construct {
  /** The registry of the app `root`, created on first use. */
  public static of(root: IConstruct): AppModels {
    const child = root.node.tryFindChild(APP_MODELS_ID) as any;
    return child !== undefined && APP_MODELS_SYMBOL in child ? child as AppModels : new AppModels(root, APP_MODELS_ID);
  }

  /** The models, in the order the charts first used the library. */
  public readonly models: TrafficModel[] = [];

  private constructor(scope: IConstruct, id: string) {
    super(scope as Construct, id);
    Object.defineProperty(this, APP_MODELS_SYMBOL, { value: true });
  }
}

/** A workload that runs in the cluster but is not in the manifests (an adopted version). */
export interface KnownWorkload {
  readonly name: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
  readonly replicas: number;
}

/** A ServiceAccount of the chart: who creates it, and the workloads to apply after it. */
export interface ServiceAccountEntry {
  /** The construct path of the service that creates it, once one does. */
  owner?: string;
  /** The ServiceAccount construct, once created. */
  account?: IConstruct;
  /** Workloads that run under it, declared before it was created. */
  readonly users: IConstruct[];
}

/** A Service that exists in the cluster but is not in the manifests. */
export interface KnownService {
  readonly namespace: string;
  readonly name: string;
  readonly selector: { [key: string]: string };
  readonly ports: number[];
}

/**
 * The routing model of one chart: every host the chart's constructs route, keyed by FQDN, plus what
 * the chart knows to exist outside its manifests. It is a construct without API objects, a child
 * of the chart, so it lives and dies with the chart it describes. Each chart is an independent
 * unit: two charts may route the same host differently (for example one chart per release state).
 */
export class TrafficModel extends Construct {
  /** The model of the chart `scope` belongs to, created on first use. */
  public static of(scope: IConstruct): TrafficModel {
    const chart = Chart.of(scope);
    return TrafficModel.tryOf(chart) ?? new TrafficModel(chart, MODEL_ID);
  }

  /** The model of `chart`, if any construct of the library is in it. */
  public static tryOf(chart: Chart): TrafficModel | undefined {
    const child = chart.node.tryFindChild(MODEL_ID) as any;
    return child !== undefined && MODEL_SYMBOL in child ? child as TrafficModel : undefined;
  }

  private readonly hosts = new Map<string, HostRouting>();
  private readonly gatewayServers = new Map<string, IConstruct>();
  /** Workloads the chart's constructs adopt: they run, but are not in the manifests. */
  public readonly knownWorkloads: KnownWorkload[] = [];
  /** Services the chart's constructs adopt. */
  public readonly knownServices: KnownService[] = [];
  /**
   * The ServiceAccounts the chart's services create or share, by `<namespace>/<name>`: which
   * construct creates each, and the workloads waiting to be applied after it.
   */
  public readonly serviceAccounts = new Map<string, ServiceAccountEntry>();
  /** The API the chart's routing is written in (RoutingApiSetting), fixed when the model is made. */
  public readonly routingApi: RoutingApi;
  /**
   * The namespaces of the chart in ambient mode with a waypoint (MeshNamespace): their services'
   * authorization policies bind to the Service (`targetRefs`), enforced by the waypoint.
   */
  public readonly waypointNamespaces = new Set<string>();
  /** Namespaces with an allow-nothing policy (NamespaceDefaultDeny), and what waits for one. */
  private readonly defaultDeny = new Set<string>();
  /** What waits for a fact of a namespace (`deny` or `waypoint`) in any chart of the app, by `<fact> <namespace>`. */
  private readonly waiting = new Map<string, (() => void)[]>();
  /** The PeerAuthentications the chart's constructs declare, for the client TLS checks. */
  public readonly transportSecurity = new TransportSecurity();
  /** The security objects the chart's constructs emit, by `<kind> <namespace>/<name>`, and who emits each. */
  private readonly objectNames = new Map<string, IConstruct>();
  /** How many Istio objects the model renders (each runs `rendering()` when it is written). */
  private renderedObjects = 0;
  /** Work armed by the chart's validation, done when the first of its Istio objects is rendered. */
  private beforeRender?: () => void;
  /** While set, rendering does not run the armed work (the analysis itself renders objects). */
  private quiet = false;
  /**
   * While the chart is written: the JSON of its Istio objects as the analysis rendered them, each
   * written from here once instead of being rendered again. Created when the armed analysis starts;
   * dropped when the chart is validated again (the next synthesis renders afresh).
   */
  private rendered?: Map<IConstruct, any>;
  /** While the armed analysis of this chart runs (what it renders of the chart's objects is kept). */
  private collecting = false;
  /** The models of every chart of the app, this one's included (the app's registry, shared). */
  private readonly appModels: TrafficModel[];

  private constructor(scope: Chart, id: string) {
    super(scope, id);
    Object.defineProperty(this, MODEL_SYMBOL, { value: true });
    this.routingApi = routingApiAt(scope);
    // Every object of the library in this chart takes the chart's namespace unless given one.
    if (scope.namespace !== undefined && !isDnsLabel(scope.namespace)) {
      fail(scope, 'namespace', scope.namespace, "is the Chart's namespace, and not a DNS-1123 label, so Kubernetes rejects every object in it",
        "Give the Chart a namespace of at most 63 lowercase letters, digits and '-' (e.g. new Chart(app, 'shop', { namespace: 'shop' }))");
    }
    this.appModels = AppModels.of(this.node.root).models;
    this.appModels.push(this);
  }

  /** The routing of Service `name` in `namespace`, created on first use. */
  public serviceHost(name: string, namespace: string | undefined): HostRouting {
    return this.host(serviceFqdn(name, namespace), namespace, name);
  }

  /** The routing of Service `name` in `namespace`, if any construct has declared it. */
  public tryServiceHost(name: string, namespace: string | undefined): HostRouting | undefined {
    return this.hosts.get(serviceFqdn(name, namespace));
  }

  /** The port of Service `name` in `namespace`, when a construct of the chart registered or adopted it. */
  public servicePort(name: string, namespace: string): number | undefined {
    return this.tryServiceHost(name, namespace)?.registeredService?.port
      ?? this.knownServices.find(s => s.name === name && s.namespace === namespace)?.ports[0];
  }

  /** The routing of an external host (`shop.example.com`), created on first use. */
  public externalHost(host: string): HostRouting {
    return this.host(host, undefined, host);
  }

  /** All hosts, in the order they were first declared. */
  public get allHosts(): HostRouting[] {
    return [...this.hosts.values()];
  }

  /**
   * Records the server hosts of a Gateway (`<selector>|<port>|<host>`): two Gateways on the same
   * gateway pods must not serve the same host on the same port (IST0145).
   */
  public claimServerHosts(source: IConstruct, keys: string[]): void {
    for (const k of keys) {
      const other = this.gatewayServers.get(k);
      if (other !== undefined && other !== source) {
        const [, port, host] = k.split('|');
        failWith(source, 'hosts',
          `'${host}' on port ${port} is already served by IngressEdge ${other.node.path} on the same gateway pods (IST0145: one of the two Gateways would lose)`,
          'Route the host through one edge (add routes to it), or select other gateway pods');
      }
    }
    for (const k of keys) { this.gatewayServers.set(k, source); }
  }

  /**
   * Records that `owner` emits object `kind` `namespace/name`, and returns the construct that already
   * does, if any (two objects of one kind, namespace and name overwrite each other). Objects written
   * by hand are compared at synth by the analysis (CIT0005).
   */
  public claimObjectName(kind: string, namespace: string, name: string, owner: IConstruct): IConstruct | undefined {
    const key = `${kind} ${namespace}/${name}`;
    const other = this.objectNames.get(key);
    if (other === undefined) { this.objectNames.set(key, owner); }
    return other;
  }

  /**
   * Records that `namespace` denies by default, and runs what waited for that in any chart of the
   * app, once (a namespace is the cluster's, not one chart's).
   */
  public denyByDefault(namespace: string): void {
    this.defaultDeny.add(namespace);
    this.release('deny', namespace);
  }

  /**
   * Runs `work` once `namespace` denies by default (a NamespaceDefaultDeny of any chart of the app):
   * now if it does, or when a construct makes it so.
   */
  public whenDeniedByDefault(namespace: string, work: () => void): void {
    this.when('deny', namespace, m => m.defaultDeny.has(namespace), work);
  }

  /** Records that `namespace` is in ambient mode with a waypoint, and runs what waited for that in any chart of the app, once. */
  public addWaypoint(namespace: string): void {
    this.waypointNamespaces.add(namespace);
    this.release('waypoint', namespace);
  }

  /** Whether `namespace` has a waypoint (a MeshNamespace of any chart of the app). */
  public hasWaypoint(namespace: string): boolean {
    return this.waypointNamespaces.has(namespace) || this.appModels.some(m => m.waypointNamespaces.has(namespace));
  }

  /** Runs `work` once `namespace` has a waypoint (a MeshNamespace of any chart of the app): now if it has, or when a construct adds one. */
  public whenWaypoint(namespace: string, work: () => void): void {
    this.when('waypoint', namespace, m => m.waypointNamespaces.has(namespace), work);
  }

  private when(fact: string, namespace: string, holds: (m: TrafficModel) => boolean, work: () => void): void {
    if (holds(this) || this.appModels.some(holds)) {
      work();
      return;
    }
    const key = `${fact} ${namespace}`;
    this.waiting.set(key, [...(this.waiting.get(key) ?? []), work]);
  }

  private release(fact: string, namespace: string): void {
    const key = `${fact} ${namespace}`;
    for (const model of this.appModels) {
      const waiting = model.waiting.get(key) ?? [];
      model.waiting.delete(key);
      for (const w of waiting) { w(); }
    }
  }

  /** Records that an Istio object of this chart is rendered from the model. */
  public addRenderedObject(): void {
    this.renderedObjects++;
  }

  /** Whether the chart has Istio objects rendered from the model (so `rendering()` will be called). */
  public get rendersObjects(): boolean {
    return this.renderedObjects > 0;
  }

  /**
   * Arms `work` to run once, when the next of the chart's Istio objects is rendered. cdk8s always
   * validates a chart before it writes it, so work armed at validation runs exactly once per
   * synthesis of the chart, on the tree as it is written. A later validation re-arms it.
   */
  public armBeforeRender(work: () => void): void {
    this.beforeRender = work;
    this.rendered = undefined;
  }

  /** Called by each Istio object of the chart as it is rendered: runs the armed work, once. */
  public rendering(): void {
    const work = this.beforeRender;
    if (work === undefined || this.quiet) { return; }
    this.beforeRender = undefined;
    this.rendered = new Map();
    this.collecting = true;
    try {
      work();
    } catch (e) {
      this.rendered = undefined;
      throw e;
    } finally {
      this.collecting = false;
    }
  }

  /**
   * Records the JSON of one of the chart's Istio objects as the armed analysis rendered it, for the
   * output of the same synthesis. An object rendered for output (not by the analysis) keeps
   * nothing, and forgets what the analysis kept of it (the object whose rendering started the
   * analysis is rendered by both).
   */
  public keepRendered(obj: IConstruct, json: any): void {
    if (this.rendered === undefined) { return; }
    if (this.collecting && this.quiet) { this.rendered.set(obj, json); } else { this.rendered.delete(obj); }
  }

  /** The JSON the analysis rendered of `obj` in this synthesis, taken once; undefined if none. */
  public takeRendered(obj: IConstruct): any | undefined {
    if (this.quiet || this.rendered === undefined) { return undefined; }
    const json = this.rendered.get(obj);
    this.rendered.delete(obj);
    return json;
  }

  /**
   * Whether rendering runs the armed work. The analysis turns it off while it renders objects
   * itself, and back on when done.
   */
  public setRenderWorkEnabled(enabled: boolean): void {
    this.quiet = !enabled;
  }

  /** The cross-construct problems of the chart's routing, as error messages. */
  public validate(): string[] {
    const hosts = this.allHosts;
    return hosts.flatMap(h => h.validate(() => hosts));
  }

  private host(fqdn: string, namespace: string | undefined, shortHost: string): HostRouting {
    let h = this.hosts.get(fqdn);
    if (!h) {
      h = new HostRouting(fqdn, namespace, shortHost, this.routingApi);
      this.hosts.set(fqdn, h);
    }
    return h;
  }
}
