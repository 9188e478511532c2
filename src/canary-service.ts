import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkDnsSubdomain, checkLabels, checkPort, checkWholeNumber } from './core/checks';
import { fail } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { ServiceProtocol } from './core/protocol';
import { WeightedDestination } from './model/rules';
import { checkServiceIdentity, IRoutableService, registerRoutedService, registerUnroutedService } from './routed-service';
import { DeployedVersionOptions, ServiceVersion } from './service-version';
import { TrafficSplit, VersionWeight } from './traffic-split';
import { VersionInfo, VersionSet } from './version-set';

/** Where a release's routing applies. */
export enum ReleaseScope {
  /** To requests between workloads in the mesh (the sidecars) and, through an IngressEdge, from outside. */
  MESH_AND_EDGE = 'mesh-and-edge',
  /** Only to requests between workloads in the mesh; requests through an IngressEdge go to the stable version. */
  MESH = 'mesh',
  /** Only to requests from outside through an IngressEdge; mesh requests go to the stable version. */
  EDGE = 'edge',
}

/** How the traffic split is carried out. */
export enum RoutingMode {
  /** Istio DestinationRule subsets and a weighted VirtualService route (exact percentages). */
  ISTIO = 'istio',
  /**
   * No Istio objects: the split is approximated by replica counts behind the one Service, as plain
   * Kubernetes does it (1 pod of 3 gets about 33% of requests).
   */
  REPLICAS = 'replicas',
}

/** Props for `CanaryService`. */
export interface CanaryServiceProps {
  /**
   * Service name; also the `app` label, the host of the VirtualService and DestinationRule, and the
   * prefix of every Deployment (`<name>-<version>`).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /** Service port, e.g. 9080. */
  readonly port: number;
  /**
   * Port the pods listen on.
   * @default - same as `port`
   */
  readonly targetPort?: number;
  /**
   * Application protocol of the port. The Service port is named after it and `appProtocol` is set,
   * so Istio applies HTTP routing to it.
   * @default ServiceProtocol.HTTP
   */
  readonly protocol?: ServiceProtocol;
  /**
   * The versions, in order. The first is the stable version and the last the canary unless
   * `stableVersion` / `canaryVersion` say otherwise. Use this or `stable` + `canary`.
   * @default - `stable` as `v1` and `canary` as `v2`
   */
  readonly versions?: ServiceVersion[];
  /**
   * Shorthand for the usual two versions: the stable version, deployed as `v1`.
   * @default - use `versions`
   */
  readonly stable?: DeployedVersionOptions;
  /**
   * Shorthand for the usual two versions: the canary version, deployed as `v2`.
   * @default - use `versions`
   */
  readonly canary?: DeployedVersionOptions;
  /**
   * Name of the stable version (where `TrafficSplit.stable()` and `rollback()` send traffic).
   * @default - the first version
   */
  readonly stableVersion?: string;
  /**
   * Name of the canary version (where `TrafficSplit.promote()` sends traffic).
   * @default - the last version
   */
  readonly canaryVersion?: string;
  /**
   * How requests are shared between versions.
   * @default TrafficSplit.stable()
   */
  readonly traffic?: TrafficSplit;
  /**
   * Istio routing, or replica-count approximation for clusters without Istio.
   * @default RoutingMode.ISTIO
   */
  readonly mode?: RoutingMode;
  /**
   * Total number of pods across all versions in `RoutingMode.REPLICAS`. It must allow the split
   * exactly (10% needs a multiple of 10 pods).
   * @default - the smallest total that gives the split exactly (90/10: 10 pods, 75/25: 4 pods)
   */
  readonly replicaBudget?: number;
  /**
   * The pod label that tells versions apart; DestinationRule subsets select on it.
   * @default 'version'
   */
  readonly versionLabel?: string;
  /**
   * Where the split applies: inside the mesh, at the edge (requests routed here by an
   * IngressEdge with `EdgeDestination.release()`), or both. Where it does not apply, requests go
   * to the stable version.
   * @default ReleaseScope.MESH_AND_EDGE
   */
  readonly releaseScope?: ReleaseScope;
  /**
   * The Service already exists in the cluster (installed by other manifests): do not create it.
   * Everything else (Deployments of created versions, Istio objects) is emitted as usual.
   * @default false
   */
  readonly serviceExists?: boolean;
  /**
   * Create a ServiceAccount with this name and run every created version under it.
   * @default - no ServiceAccount is created; pods use the namespace's default account
   */
  readonly serviceAccountName?: string;
}

/**
 * A service released in versions: one Deployment per version (or an adopted existing workload),
 * one Service in front of all of them, and the Istio DestinationRule and VirtualService that split
 * requests between the versions as `traffic` says.
 *
 * Objects and names: Deployments `<name>-<version>`, Service, DestinationRule and VirtualService
 * `<name>`, written in apply order (ServiceAccount, Deployments, Service, DestinationRule,
 * VirtualService).
 */
export class CanaryService extends Construct implements IRoutableService {
  /** The Service name (and host). */
  public readonly name: string;
  /** The namespace, when one is set on the construct or the chart. */
  public readonly namespace?: string;
  /** The Service port. */
  public readonly port: number;
  /** The protocol of the Service port. */
  public readonly protocol: ServiceProtocol;
  /** The routing mode. */
  public readonly mode: RoutingMode;
  /** The pod label that distinguishes versions. */
  public readonly versionLabel: string;
  /** The stable version's name. */
  public readonly stableVersion: string;
  /** The canary version's name. */
  public readonly canaryVersion: string;
  /** The split in effect, one entry per version in declaration order, summing to 100. */
  public readonly split: VersionWeight[];
  /** The Kubernetes Service (undefined when `serviceExists`). */
  public readonly service?: ApiObject;
  /** The DestinationRule (undefined in `RoutingMode.REPLICAS`). */
  public readonly destinationRule?: ApiObject;
  /** The mesh VirtualService (undefined in `RoutingMode.REPLICAS`). */
  public readonly virtualService?: ApiObject;

  private readonly versions: VersionSet;
  private readonly deployments = new Map<string, kplus.Deployment>();

  constructor(scope: Construct, id: string, props: CanaryServiceProps) {
    super(scope, id);
    if (props === null || typeof props !== 'object') {
      fail(this, 'props', props, 'is not a props object', 'Pass the props, e.g. { port: 9080, stable: { image }, canary: { image } }');
    }
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? Chart.of(this).namespace;
    this.port = props.port;
    this.protocol = props.protocol ?? ServiceProtocol.HTTP;
    this.mode = props.mode ?? RoutingMode.ISTIO;
    this.versionLabel = props.versionLabel ?? 'version';

    checkServiceIdentity(this, this.name, props.namespace, this.protocol);
    if (!Object.values(RoutingMode).includes(this.mode)) {
      fail(this, 'mode', this.mode, 'is not a RoutingMode', 'Use RoutingMode.ISTIO or RoutingMode.REPLICAS');
    }
    checkPort(this, 'port', props.port);
    const targetPort = props.targetPort ?? props.port;
    checkPort(this, 'targetPort', targetPort);
    checkLabels(this, 'versionLabel', { [this.versionLabel]: 'x' });
    if (this.versionLabel === 'app') {
      fail(this, 'versionLabel', this.versionLabel, "is the label every version shares (the Service selects on 'app')",
        "Use a label that differs between versions, such as 'version'");
    }

    this.versions = new VersionSet(this, {
      name: this.name,
      versionLabel: this.versionLabel,
      versions: this.declaredVersions(props),
      stableVersion: props.stableVersion,
      canaryVersion: props.canaryVersion,
      traffic: props.traffic,
      targetPort,
      replicasFromSplit: this.mode === RoutingMode.REPLICAS,
    });
    this.stableVersion = this.versions.stableVersion;
    this.canaryVersion = this.versions.canaryVersion;
    this.split = this.versions.split;

    if (this.mode !== RoutingMode.REPLICAS && props.replicaBudget !== undefined) {
      fail(this, 'replicaBudget', props.replicaBudget, 'only applies in RoutingMode.REPLICAS',
        "Remove it, or set mode: RoutingMode.REPLICAS; with Istio each version's replicas are set on the version");
    }
    const replicas = this.mode === RoutingMode.REPLICAS ? this.replicasForSplit(props.replicaBudget) : undefined;

    // Apply order inside the construct: ServiceAccount, Deployments, Service, DestinationRule, VirtualService.
    const serviceAccount = props.serviceAccountName !== undefined ? this.createServiceAccount(props.serviceAccountName) : undefined;
    for (const info of this.versions.infos) {
      const opts = info.version._deployed;
      if (opts) {
        this.deployments.set(info.version.name,
          this.createDeployment(info, opts, targetPort, replicas?.get(info.version.name) ?? opts.replicas ?? 1, serviceAccount));
      }
    }
    this.service = props.serviceExists ? undefined : this.createService(targetPort);

    if (this.mode !== RoutingMode.ISTIO) {
      // Adopted versions are refused in RoutingMode.REPLICAS, so nothing runs outside the manifests.
      registerUnroutedService(this);
      return;
    }
    const applies = props.releaseScope ?? ReleaseScope.MESH_AND_EDGE;
    if (!Object.values(ReleaseScope).includes(applies)) {
      fail(this, 'releaseScope', applies, 'is not a ReleaseScope', 'Use ReleaseScope.MESH_AND_EDGE, ReleaseScope.MESH or ReleaseScope.EDGE');
    }
    const stableOnly = this.weightedRoute(this.split.map(w => ({ version: w.version, weight: w.version === this.stableVersion ? 100 : 0 })));
    const split = this.weightedRoute(this.split);
    const routing = registerRoutedService(this, {
      serviceObject: this.service,
      mesh: applies === ReleaseScope.EDGE ? stableOnly : split,
      edge: applies === ReleaseScope.MESH ? stableOnly : split,
      adoptedWorkloads: this.versions.adoptedWorkloads(this.namespace ?? DEFAULT_NAMESPACE),
      serviceExists: props.serviceExists,
    });
    this.destinationRule = routing.objects.destinationRule as ApiObject;
    this.virtualService = routing.objects.virtualService as ApiObject;
  }

  /** Names of the versions, in declaration order. */
  public get versionNames(): string[] {
    return this.versions.names;
  }

  /** The DestinationRule subset of a version. */
  public subsetOf(version: string): string {
    return this.versions.info(version, 'version').subset;
  }

  /** The pod labels of a version (`app`, the version label, and any extra labels). */
  public podLabelsOf(version: string): { [key: string]: string } {
    return { ...this.versions.info(version, 'version').podLabels };
  }

  /** The Deployment of a created version (undefined for adopted versions). */
  public deploymentOf(version: string): kplus.Deployment | undefined {
    this.versions.info(version, 'version');
    return this.deployments.get(version);
  }

  private weightedRoute(split: VersionWeight[]): WeightedDestination[] {
    return split.map(w => ({ host: this.name, subset: this.subsetOf(w.version), weight: w.weight }));
  }

  private declaredVersions(props: CanaryServiceProps): ServiceVersion[] {
    const shorthand = props.stable !== undefined || props.canary !== undefined;
    if (props.versions !== undefined && shorthand) {
      fail(this, 'versions', Array.isArray(props.versions) ? props.versions.map(v => v?.name) : props.versions, "is given together with 'stable'/'canary'",
        "Use either 'versions' or the 'stable' + 'canary' shorthand, not both");
    }
    return props.versions ?? [
      ...(props.stable ? [ServiceVersion.deploy('v1', props.stable)] : []),
      ...(props.canary ? [ServiceVersion.deploy('v2', props.canary)] : []),
    ];
  }

  /** Replica counts that realise the split exactly with plain Kubernetes load balancing. */
  private replicasForSplit(budget: number | undefined): Map<string, number> {
    const live = this.split.filter(w => w.weight > 0);
    const g = live.reduce((a, w) => gcd(a, w.weight), 100);
    const minimum = 100 / g;
    const total = budget ?? minimum;
    const shown = this.split.map(w => `${w.version} ${w.weight}%`).join(' / ');
    if (budget !== undefined) { checkWholeNumber(this, 'replicaBudget', budget, 1); }
    if (total % minimum !== 0) {
      const ratio = live.map(w => w.weight / g).join(':');
      fail(this, 'replicaBudget', budget,
        `cannot give ${shown} with plain Kubernetes load balancing: it needs pods in the ratio ${ratio} (a multiple of ${minimum} pods in all)`,
        `Set replicaBudget to a multiple of ${minimum}, choose a split that ${total} pods can express, or use RoutingMode.ISTIO for exact percentages`);
    }
    const k = total / minimum;
    return new Map(this.split.map(w => [w.version, (w.weight / g) * k]));
  }

  private createServiceAccount(name: string): kplus.ServiceAccount {
    checkDnsSubdomain(this, 'serviceAccountName', name);
    return new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: this.namespace, labels: { app: this.name } },
      automountToken: false,
    });
  }

  private createDeployment(info: VersionInfo, o: DeployedVersionOptions, targetPort: number, replicas: number,
    serviceAccount: kplus.ServiceAccount | undefined): kplus.Deployment {
    const selector = { app: this.name, [this.versionLabel]: info.podLabels[this.versionLabel] };
    const deployment = new kplus.Deployment(this, `Deployment-${info.version.name}`, {
      metadata: { name: `${this.name}-${info.version.name}`, namespace: this.namespace, labels: selector },
      replicas,
      select: false,
      podMetadata: { labels: info.podLabels },
      serviceAccount,
      securityContext: o.podSecurityContext,
      containers: [{
        name: this.name,
        image: o.image,
        ports: [{ number: o.containerPort ?? targetPort, name: this.protocol === ServiceProtocol.GRPC_WEB ? 'grpc-web' : this.protocol }],
        envVariables: Object.fromEntries(Object.entries(o.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
        command: o.command,
        args: o.args,
        resources: o.resources,
        readiness: o.readiness,
        liveness: o.liveness,
        startup: o.startup,
        securityContext: o.securityContext,
      }],
    });
    deployment.select(kplus.LabelSelector.of({ labels: selector }));
    // cdk8s-plus always stamps a hash-valued address label on the pod template; nothing here selects
    // on it, and labels a person did not choose only confuse `kubectl get pods --show-labels`. A JSON
    // patch (public API) removes it from the output.
    ApiObject.of(deployment).addJsonPatch(JsonPatch.remove(`/spec/template/metadata/labels/${ADDRESS_LABEL.replace('/', '~1')}`));
    return deployment;
  }

  private createService(targetPort: number): ApiObject {
    return new kplus.k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace: this.namespace, labels: { app: this.name } },
      spec: {
        selector: { app: this.name },
        ports: [{
          name: this.protocol,
          port: this.port,
          targetPort: kplus.k8s.IntOrString.fromNumber(targetPort),
          protocol: 'TCP',
          appProtocol: this.protocol,
        }],
      },
    });
  }
}

const ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
