import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { checkLabels, checkPort } from './core/checks';
import { fail } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { ServiceProtocol } from './core/protocol';
import { checkProps, T } from './core/shape';
import { checkServiceIdentity, IRoutableService, registerRoutedService } from './routed-service';
import { ServiceVersion } from './service-version';
import { TRAFFIC_SPLIT } from './shapes';
import { TrafficSplit, VersionWeight } from './traffic-split';
import { VersionSet } from './version-set';

/** Props for `ExistingService`. */
export interface ExistingServiceProps {
  /**
   * Name of the existing Kubernetes Service (its pods carry `app=<name>`).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the Service.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Port of the Service.
   * @default 80
   */
  readonly port?: number;
  /**
   * The port the pods listen on, where it differs from the Service port. Only the Services per
   * version that a chart written with RoutingApi.GATEWAY_API creates use it (they target it).
   * @default - the Service port
   */
  readonly targetPort?: number;
  /**
   * Application protocol of the port (HTTP rules only apply to HTTP-family protocols).
   * @default ServiceProtocol.HTTP
   */
  readonly protocol?: ServiceProtocol;
  /**
   * The versions that run, each `ServiceVersion.adopt(name, { podLabels })`, or a workload of the
   * chart, `ServiceVersion.fromWorkload(name, deployment)` (labelled for the existing Service).
   */
  readonly versions: ServiceVersion[];
  /**
   * The stable version (normal traffic goes there).
   * @default - the first version
   */
  readonly stableVersion?: string;
  /**
   * The canary version.
   * @default - the last version
   */
  readonly canaryVersion?: string;
  /**
   * How normal requests are shared between versions.
   * @default TrafficSplit.stable()
   */
  readonly traffic?: TrafficSplit;
  /**
   * The pod label that tells versions apart.
   * @default 'version'
   */
  readonly versionLabel?: string;
}

const PROPS = T.struct('ExistingServiceProps', {
  name: T.optional(T.string()),
  namespace: T.optional(T.string()),
  port: T.optional(T.any()),
  targetPort: T.optional(T.any()),
  protocol: T.optional(T.enumOf(ServiceProtocol, 'ServiceProtocol')),
  versions: T.array(T.instance('ServiceVersion', x => ServiceVersion.isServiceVersion(x), "Use ServiceVersion.adopt('v1') or ServiceVersion.fromWorkload('v1', deployment)")),
  stableVersion: T.optional(T.string()),
  canaryVersion: T.optional(T.string()),
  traffic: T.optional(TRAFFIC_SPLIT),
  versionLabel: T.optional(T.string()),
}, "{ port: 9080, versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')] }");

/**
 * A service that already runs in the cluster, known by name and version labels: the library creates
 * no Service and no Deployment for it, only the DestinationRule (one subset per version) and the
 * VirtualService that dark releases, faults and policies add to.
 *
 * @example
 * new ExistingService(chart, 'ratings', {
 *   port: 9080,
 *   versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')],
 * });
 */
export class ExistingService extends Construct implements IRoutableService {
  /** The Service name (and host). */
  public readonly name: string;
  /** The namespace, when one is set on the construct or the chart. */
  public readonly namespace?: string;
  /** The Service port. */
  public readonly port: number;
  /** The protocol of the Service port. */
  public readonly protocol: ServiceProtocol;
  /** The pod label that distinguishes versions. */
  public readonly versionLabel: string;
  /** The stable version's name. */
  public readonly stableVersion: string;
  /** The canary version's name. */
  public readonly canaryVersion: string;
  /** The split in effect, one entry per version in declaration order, summing to 100. */
  public readonly split: VersionWeight[];
  /** The DestinationRule. */
  public readonly destinationRule: ApiObject;
  /** The mesh VirtualService. */
  public readonly virtualService: ApiObject;

  private readonly versions: VersionSet;

  /**
   * Creates the DestinationRule and VirtualService of the service; the Service and its workloads are
   * left as they are.
   *
   * @param scope the construct this one belongs to (usually a chart)
   * @param id the construct id, also the Service name unless `name` is given
   * @param props the versions that run, the port and the traffic split
   */
  constructor(scope: Construct, id: string, props: ExistingServiceProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? Chart.of(this).namespace;
    this.port = props.port ?? 80;
    this.protocol = props.protocol ?? ServiceProtocol.HTTP;
    this.versionLabel = props.versionLabel ?? 'version';
    checkServiceIdentity(this, this.name, props.namespace);
    checkPort(this, 'port', this.port);
    if (props.targetPort !== undefined) { checkPort(this, 'targetPort', props.targetPort); }
    checkLabels(this, 'versionLabel', { [this.versionLabel]: 'x' });
    (Array.isArray(props.versions) ? props.versions : []).forEach((v, i) => {
      if (ServiceVersion.isServiceVersion(v) && v.isDeployed) {
        fail(this, `versions[${i}]`, v.name, 'is a version the library would deploy, but an ExistingService only adopts',
          'Use ServiceVersion.adopt(), or a CanaryService to deploy new versions');
      }
    });
    this.versions = new VersionSet(this, {
      name: this.name,
      versionLabel: this.versionLabel,
      versions: props.versions,
      stableVersion: props.stableVersion,
      canaryVersion: props.canaryVersion,
      traffic: props.traffic,
      targetPort: this.port,
      // The Service's port only is known here, not the pods' (its targetPort).
      targetPortKnown: false,
      namespace: this.namespace,
      replicasFromSplit: false,
    });
    this.stableVersion = this.versions.stableVersion;
    this.canaryVersion = this.versions.canaryVersion;
    this.split = this.versions.split;
    const split = this.split.map(w => ({ host: this.name, subset: this.subsetOf(w.version), weight: w.weight }));
    const routing = registerRoutedService(this, {
      mesh: split,
      edge: split,
      adoptedWorkloads: this.versions.adoptedWorkloads(this.namespace ?? DEFAULT_NAMESPACE),
      serviceExists: true,
      targetPort: props.targetPort,
    });
    this.destinationRule = routing.objects.destinationRule as ApiObject;
    this.virtualService = routing.objects.virtualService as ApiObject;
  }

  /** Names of the versions, in declaration order. */
  public get versionNames(): string[] {
    return this.versions.names;
  }

  /**
   * The DestinationRule subset of a version: the version name, unless the version sets `subsetName`.
   *
   * @param version a declared version's name (any other name fails)
   */
  public subsetOf(version: string): string {
    return this.versions.info(version, 'version').subset;
  }

  /**
   * The pod labels of a version, as given to `ServiceVersion.adopt()` (they include the version label).
   *
   * @param version a declared version's name (any other name fails)
   */
  public podLabelsOf(version: string): { [key: string]: string } {
    return { ...this.versions.info(version, 'version').podLabels };
  }
}
