import { ApiObject, App, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { IstioTrafficError } from '../errors';
import { HostRouting } from './host-routing';
import { analyzeChart, onlyLibraryObjects, reportFindings } from '../analysis/analysis';
import { Finding } from '../analysis/findings';
import { currentGeneration } from '../analysis/generation';
import type { IngressEdge } from '../ingress-edge';

const REGISTRY_ID = 'IstioTrafficRegistry';

/**
 * The per-chart collection of routing intents, keyed by host (`<namespace>/<service>`).
 *
 * It is a construct without API objects; its validation runs at synth time and reports every
 * cross-construct problem of the chart at once. Each chart is an independent unit: two charts may
 * route the same host differently (for example one chart per release state).
 */
export class TrafficRegistry extends Construct {
  /** The registry of the chart `scope` belongs to, created on first use. */
  public static of(scope: IConstruct): TrafficRegistry {
    const chart = Chart.of(scope);
    return (chart.node.tryFindChild(REGISTRY_ID) as TrafficRegistry | undefined) ?? new TrafficRegistry(chart, REGISTRY_ID);
  }

  private readonly hosts = new Map<string, HostRouting>();
  private readonly namespaces = new Map<string, ApiObject>();
  private readonly printed = new Set<string>();
  private readonly edges: IngressEdge[] = [];
  private cache?: { key: string; findings: Finding[] };
  private own?: { generation: number; errors: string[] };
  private orderKey?: string;

  private constructor(scope: Chart, id: string) {
    super(scope, id);
    this.node.addValidation({ validate: () => this.validateAll() });
  }

  /** The routing of one host, created on first use. */
  public host(namespace: string | undefined, serviceName: string): HostRouting {
    const key = `${namespace ?? ''}/${serviceName}`;
    let h = this.hosts.get(key);
    if (!h) {
      h = new HostRouting(namespace, serviceName);
      this.hosts.set(key, h);
    }
    return h;
  }

  /** The routing of one host if any construct has declared it. */
  public tryHost(namespace: string | undefined, serviceName: string): HostRouting | undefined {
    return this.hosts.get(`${namespace ?? ''}/${serviceName}`);
  }

  /** All hosts, in the order they were first declared. */
  public get allHosts(): HostRouting[] {
    return [...this.hosts.values()];
  }

  /** Records a Namespace object so that everything in that namespace is applied after it. */
  public registerNamespace(name: string, namespaceObject: ApiObject): void {
    this.namespaces.set(name, namespaceObject);
  }

  /** Records an edge, so that its VirtualServices are written after what they reference. */
  public registerEdge(edge: IngressEdge): void {
    for (const other of this.edges) {
      const clash = edge._serverKeys.find(k => other._serverKeys.includes(k));
      if (clash !== undefined) {
        const [, port, host] = clash.split('|');
        throw new IstioTrafficError(edge.node.path, 'hosts',
          `'${host}' on port ${port} is already served by IngressEdge ${other.node.path} on the same gateway pods (IST0145: one of the two Gateways would lose). `
          + 'Route the host through one edge (add routes to it), or select other gateway pods');
      }
    }
    this.edges.push(edge);
  }

  /**
   * Apply order: a plain `kubectl apply -f` must create what is referenced before what references
   * it. cdk8s writes objects in construct order unless they have dependencies; the library adds
   * dependency edges only where that order is wrong (few or none when the namespace is declared
   * first, as the examples do), so that cdk8s' dependency sort stays cheap.
   */
  private applyOrder(chartConstructs: IConstruct[]): void {
    const chart = Chart.of(this);
    const position = new Map<IConstruct, number>();
    const inbound = new Set<IConstruct>();
    for (const c of chartConstructs) {
      if (c instanceof ApiObject) { position.set(c, position.size); }
      for (const d of c.node.dependencies) { inbound.add(d); }
    }
    for (const [name, nsObject] of this.namespaces) {
      if (nsObject.node.dependencies.length > 0) { continue; }
      const at = position.get(nsObject) ?? -1;
      for (const [o, p] of position) {
        if (p < at && o !== nsObject && (o as ApiObject).metadata.namespace === name && Chart.of(o) === chart) { o.node.addDependency(nsObject); }
      }
    }
    for (const h of this.allHosts) { h.applyOrder(position, inbound); }
    for (const e of this.edges) { e._applyOrder(position); }
  }

  private validateAll(): string[] {
    // One walk of the tree per validation (cdk8s validates the app once per synthesized chart):
    // apply order and analysis are redone only when the tree, its dependencies or the routing
    // changed since the last validation.
    const app = App.of(this);
    const all = app.node.findAll();
    const chart = Chart.of(this);
    const charts = app.node.children.filter(c => c instanceof Chart);
    const chartConstructs = charts.length === 1 && charts[0] === chart && app.node.children.length === 1 ? all.slice(1) : chart.node.findAll();
    let dependencies = 0;
    for (const c of chartConstructs) { dependencies += c.node.dependencies.length; }
    const key = `${all.length}:${dependencies}:${currentGeneration()}`;
    if (this.orderKey !== key) {
      this.applyOrder(chartConstructs);
      this.orderKey = key;
    }
    // The constructs' own cross checks first: their messages name the construct to change. Only
    // when those pass does the analysis of the synthesized objects run (it would repeat them).
    const generation = currentGeneration();
    if (this.own?.generation !== generation) {
      this.own = { generation, errors: this.allHosts.flatMap(h => h.validate()) };
    }
    if (this.own.errors.length > 0) { return this.own.errors; }
    return reportFindings(this.findings(all), this.printed);
  }

  /**
   * The analysis of this chart. cdk8s validates the whole app once per synthesized chart; the
   * findings are reused while nothing changed (same constructs, no routing change since).
   */
  private findings(all: IConstruct[]): Finding[] {
    const key = `${all.length}:${currentGeneration()}`;
    if (this.cache?.key !== key) {
      this.cache = { key, findings: onlyLibraryObjects(all) ? [] : analyzeChart(Chart.of(this), all) };
    }
    return this.cache.findings;
  }
}
