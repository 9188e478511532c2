import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { HostRouting } from './host-routing';
import { analyzeChart, reportFindings } from '../analysis/analysis';

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

  private validateAll(): string[] {
    this.orderAfterNamespaces();
    // The constructs' own cross checks first: their messages name the construct to change. Only
    // when those pass does the analysis of the synthesized objects run (it would repeat them).
    const own = this.allHosts.flatMap(h => h.validate());
    if (own.length > 0) { return own; }
    return reportFindings(analyzeChart(Chart.of(this)), this.printed);
  }

  /**
   * Apply order: every object of the chart that lives in a namespace this chart creates depends on
   * that Namespace object, so `kubectl apply -f` creates the namespace first. One edge per object,
   * to a leaf, keeps cdk8s' dependency sort linear.
   */
  private orderAfterNamespaces(): void {
    if (this.namespaces.size === 0) { return; }
    const chart = Chart.of(this);
    for (const c of chart.node.findAll()) {
      if (!(c instanceof ApiObject) || Chart.of(c) !== chart) { continue; }
      const ns = c.metadata.namespace;
      const nsObject = ns !== undefined ? this.namespaces.get(ns) : undefined;
      if (nsObject && nsObject !== c && nsObject.node.dependencies.length === 0) {
        c.node.addDependency(nsObject);
      }
    }
  }
}
