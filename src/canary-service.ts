import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkDnsSubdomain, checkLabels, checkPort, checkWholeNumber } from './core/checks';
import { fail } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { ServiceProtocol } from './core/protocol';
import { checkProps, T } from './core/shape';
import { HealthProbe, PROBE_FIELDS } from './health-probe';
import { HostRouting } from './model/host-routing';
import { WeightedDestination } from './model/rules';
import { ServiceAccountEntry, TrafficModel } from './model/traffic-model';
import { checkServiceIdentity, IRoutableService, registerRoutedService, registerUnroutedService } from './routed-service';
import { DeployedVersionOptions, PodDefaults, ServiceVersion } from './service-version';
import { TRAFFIC_SPLIT } from './shapes';
import { TrafficSplit, VersionWeight } from './traffic-split';
import { checkPodSettings, VersionInfo, VersionSet } from './version-set';

const IDENTITY_SYMBOL = Symbol.for('cdk8s-istio-traffic.ServiceIdentity');

/**
 * The ServiceAccount the created versions of a `CanaryService` run under. Istio gives a workload
 * its mesh identity (the SPIFFE name in its certificate, what an AuthorizationPolicy names) from its
 * ServiceAccount, so services that share an account cannot be told apart by the mesh.
 */
export class ServiceIdentity {
  /**
   * True for a ServiceIdentity, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isServiceIdentity(x: any): x is ServiceIdentity {
    return x !== null && typeof x === 'object' && IDENTITY_SYMBOL in x;
  }

  /**
   * A ServiceAccount of the service's own, created with it (before its Deployments) and used by
   * every version it creates. The service account token is not mounted (Istio does not need it).
   * Two services of one chart cannot both create an account of one name and namespace.
   *
   * @param name the ServiceAccount name (Bookinfo's `bookinfo-reviews`, say), by default the service name
   */
  public static own(name?: string): ServiceIdentity {
    return new ServiceIdentity('own', name);
  }

  /**
   * Run under the existing ServiceAccount `name`: the one another CanaryService of the chart owns,
   * or one installed by other manifests. Nothing is created; every service naming one account shares
   * one mesh identity.
   *
   * @param name the ServiceAccount name
   */
  public static named(name: string): ServiceIdentity {
    return new ServiceIdentity('named', name);
  }

  /**
   * The namespace's `default` ServiceAccount: nothing is created and the pods name no account. Every
   * workload of the namespace that does this shares one mesh identity.
   */
  public static namespaceDefault(): ServiceIdentity {
    return new ServiceIdentity('namespace-default', undefined);
  }

  private constructor(
    /** @internal */
    public readonly _kind: string,
    /** @internal */
    public readonly _name: string | undefined,
  ) {
    Object.defineProperty(this, IDENTITY_SYMBOL, { value: true });
  }
}

/** Where a release's routing applies. */
export enum ReleaseScope {
  /** To requests between workloads in the mesh (the sidecars) and, through an IngressEdge, from outside. */
  MESH_AND_EDGE = 'mesh-and-edge',
  /** Only to requests between workloads in the mesh. Requests through an IngressEdge go to the stable version. */
  MESH = 'mesh',
  /** Only to requests from outside through an IngressEdge. Mesh requests go to the stable version. */
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
   * Service name: also the `app` label, the host of the VirtualService and DestinationRule, and the
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
   * How requests are shared between versions: percentages (`canaryPercent`, `weights` ...),
   * relative weights (`TrafficSplit.relative()`), or the whole Service, shared by the pods
   * (`TrafficSplit.wholeService()`, with no VirtualService until something needs one).
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
   * The pod label that tells versions apart: DestinationRule subsets select on it.
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
   * The ServiceAccount every created version runs under, and so the service's mesh identity:
   * `ServiceIdentity.own()` creates one named after the service, `ServiceIdentity.own(name)` one
   * of that name, `ServiceIdentity.named(name)` shares an existing one, and
   * `ServiceIdentity.namespaceDefault()` uses the namespace's `default` account.
   * @default ServiceIdentity.own() - a ServiceAccount named after the service, when the service
   * creates a version
   */
  readonly serviceIdentity?: ServiceIdentity;
  /**
   * Run every created version under this existing ServiceAccount (another service's, or one that
   * other manifests install) instead of one of the service's own. Nothing is created. The same as
   * `serviceIdentity: ServiceIdentity.named(name)`.
   * @default - see `serviceIdentity`
   */
  readonly serviceAccountName?: string;
  /**
   * Pod and container settings (resources, security contexts, image pull policy) for every version
   * the service creates. A version's own settings win, merged key by key.
   * @default - cdk8s-plus defaults per container: requests 1000m CPU / 512Mi, limits 1500m CPU /
   * 2048Mi, read-only root file system, `runAsNonRoot`, `imagePullPolicy: Always`
   */
  readonly podDefaults?: PodDefaults;
}

const PROPS = T.struct('CanaryServiceProps', {
  name: T.optional(T.string()),
  namespace: T.optional(T.string()),
  port: T.any(),
  targetPort: T.optional(T.any()),
  protocol: T.optional(T.enumOf(ServiceProtocol, 'ServiceProtocol')),
  versions: T.optional(T.array(T.instance('ServiceVersion', x => ServiceVersion.isServiceVersion(x), "Use ServiceVersion.deploy('v1', { image }), ServiceVersion.adopt('v1') or ServiceVersion.fromWorkload('v1', deployment)"))),
  stable: T.optional(T.any()),
  canary: T.optional(T.any()),
  stableVersion: T.optional(T.string()),
  canaryVersion: T.optional(T.string()),
  traffic: T.optional(TRAFFIC_SPLIT),
  mode: T.optional(T.enumOf(RoutingMode, 'RoutingMode')),
  replicaBudget: T.optional(T.number()),
  versionLabel: T.optional(T.string()),
  releaseScope: T.optional(T.enumOf(ReleaseScope, 'ReleaseScope')),
  serviceExists: T.optional(T.boolean()),
  serviceIdentity: T.optional(T.any()),
  serviceAccountName: T.optional(T.string()),
  podDefaults: T.optional(T.any()),
}, "{ port: 9080, stable: { image: 'reviews:1' }, canary: { image: 'reviews:2' }, traffic: TrafficSplit.canaryPercent(10) }");

/**
 * A service released in versions: one Deployment per version (or an adopted existing workload),
 * one Service in front of all of them, and the Istio DestinationRule and VirtualService that split
 * requests between the versions as `traffic` says.
 *
 * Objects and names: ServiceAccount `<name>` (see `serviceIdentity`), Deployments
 * `<name>-<version>`, Service, DestinationRule and VirtualService `<name>`, written in apply order
 * (ServiceAccount, Deployments, Service, DestinationRule, VirtualService). With
 * `TrafficSplit.wholeService()` the VirtualService is emitted only once something needs it.
 *
 * @example
 * new CanaryService(chart, 'reviews', {
 *   port: 9080,
 *   stable: { image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2' },
 *   canary: { image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2' },
 *   traffic: TrafficSplit.canaryPercent(10),
 * });
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
  /**
   * The split in effect, one entry per version in declaration order: percentages summing to 100,
   * the relative weights of `TrafficSplit.relative()`, or, for `TrafficSplit.wholeService()`, each
   * version's replicas (the shares Kubernetes gives them).
   */
  public readonly split: VersionWeight[];
  /** The Kubernetes Service (undefined when `serviceExists`). */
  public readonly service?: ApiObject;
  /** The DestinationRule (undefined in `RoutingMode.REPLICAS`). */
  public readonly destinationRule?: ApiObject;
  /**
   * The mesh VirtualService: undefined in `RoutingMode.REPLICAS`, and for
   * `TrafficSplit.wholeService()` until a construct adds to the service's mesh traffic (a
   * DarkRelease, a fault, a mirror, a route policy), as nothing needs one until then.
   */
  public get virtualService(): ApiObject | undefined {
    return this.routing?.objects.virtualService as ApiObject | undefined;
  }
  /**
   * The ServiceAccount the created versions run under: a `kplus.ServiceAccount` the service created
   * (`ServiceIdentity.own()`) or a reference to an existing one (`ServiceIdentity.named()`).
   * Undefined for `ServiceIdentity.namespaceDefault()` and when every version is adopted.
   */
  public readonly serviceAccount?: kplus.IServiceAccount;

  private readonly versions: VersionSet;
  private routing?: HostRouting;
  private readonly deployments = new Map<string, kplus.Deployment>();

  /**
   * Creates the service's objects: its ServiceAccount, a Deployment per created version, the
   * Service, and (in `RoutingMode.ISTIO`) the DestinationRule and VirtualService.
   *
   * @param scope the construct this one belongs to (usually a chart)
   * @param id the construct id, also the service name unless `name` is given
   * @param props the versions, the port and the traffic split
   */
  constructor(scope: Construct, id: string, props: CanaryServiceProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? Chart.of(this).namespace;
    this.port = props.port;
    this.protocol = props.protocol ?? ServiceProtocol.HTTP;
    this.mode = props.mode ?? RoutingMode.ISTIO;
    this.versionLabel = props.versionLabel ?? 'version';

    checkServiceIdentity(this, this.name, props.namespace);
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
      namespace: this.namespace,
      replicasFromSplit: this.mode === RoutingMode.REPLICAS,
      wholeServiceRoute: true,
    });
    this.stableVersion = this.versions.stableVersion;
    this.canaryVersion = this.versions.canaryVersion;
    this.split = this.versions.split;

    if (this.mode !== RoutingMode.REPLICAS && props.replicaBudget !== undefined) {
      fail(this, 'replicaBudget', props.replicaBudget, 'only applies in RoutingMode.REPLICAS',
        "Remove it, or set mode: RoutingMode.REPLICAS; with Istio each version's replicas are set on the version");
    }
    const replicas = this.mode === RoutingMode.REPLICAS ? this.replicasForSplit(props.replicaBudget) : undefined;

    const podDefaults = props.podDefaults === undefined ? {} : props.podDefaults;
    checkPodSettings(this, 'podDefaults', podDefaults);

    // Apply order inside the construct: ServiceAccount, Deployments, Service, DestinationRule, VirtualService.
    const account = this.serviceAccountFor(props);
    this.serviceAccount = account?.account;
    for (const info of this.versions.infos) {
      const opts = info.version._deployed;
      if (opts) {
        const deployment = this.createDeployment(info, withDefaults(opts, podDefaults), targetPort,
          replicas?.get(info.version.name) ?? opts.replicas ?? 1, account?.account);
        account?.use(deployment);
        this.deployments.set(info.version.name, deployment);
      }
    }
    this.service = props.serviceExists ? undefined : this.createService(targetPort);

    if (this.mode !== RoutingMode.ISTIO) {
      // Adopted versions and brought workloads are refused in RoutingMode.REPLICAS, so nothing runs outside the manifests.
      registerUnroutedService(this);
      account?.claim();
      return;
    }
    const applies = props.releaseScope ?? ReleaseScope.MESH_AND_EDGE;
    const stableOnly = this.weightedRoute(this.split.map(w => ({ version: w.version, weight: w.version === this.stableVersion ? 100 : 0 })));
    const split: WeightedDestination[] = this.versions.wholeService
      ? [{ host: this.name, weight: 100, wholeService: true }]
      : this.weightedRoute(this.split);
    const routing = registerRoutedService(this, {
      serviceObject: this.service,
      mesh: applies === ReleaseScope.EDGE ? stableOnly : split,
      edge: applies === ReleaseScope.MESH ? stableOnly : split,
      adoptedWorkloads: this.versions.adoptedWorkloads(this.namespace ?? DEFAULT_NAMESPACE),
      serviceExists: props.serviceExists,
      targetPort,
    });
    account?.claim();
    this.routing = routing;
    this.destinationRule = routing.objects.destinationRule as ApiObject;
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
   * The pod labels of a version (`app`, the version label, and any extra labels).
   *
   * @param version a declared version's name (any other name fails)
   */
  public podLabelsOf(version: string): { [key: string]: string } {
    return { ...this.versions.info(version, 'version').podLabels };
  }

  /**
   * The Deployment of a created version (undefined for adopted versions and for workloads the app
   * builds, whose construct is `ServiceVersion.workload`), e.g. to add a volume
   * or a sidecar container the version options do not cover.
   *
   * @param version a declared version's name (any other name fails)
   */
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
    if (props.versions === undefined && props.canary !== undefined && props.stable === undefined) {
      fail(this, 'stable', props.stable, "is not given while 'canary' is, so the canary would be the only version and take all traffic",
        "Give 'stable' (the version that runs today) next to 'canary', or declare the versions with 'versions'");
    }
    return props.versions ?? [
      ...(props.stable ? [ServiceVersion.deploy('v1', props.stable)] : []),
      ...(props.canary ? [ServiceVersion.deploy('v2', props.canary)] : []),
    ];
  }

  /** Replica counts that realise the split exactly with plain Kubernetes load balancing. */
  private replicasForSplit(budget: number | undefined): Map<string, number> {
    const live = this.split.filter(w => w.weight > 0);
    const sum = this.split.reduce((a, w) => a + w.weight, 0);
    const g = live.reduce((a, w) => gcd(a, w.weight), sum);
    const minimum = sum / g;
    const total = budget ?? minimum;
    const shown = this.split.map(w => (this.versions.relativeWeights ? `${w.version} ${w.weight}/${sum}` : `${w.version} ${w.weight}%`)).join(' / ');
    if (budget !== undefined) { checkWholeNumber(this, 'replicaBudget', budget, 1); }
    if (minimum > 100) {
      // Only relative weights get here (a split in percentages needs at most 100 pods).
      fail(this, 'traffic', Object.fromEntries(this.split.map(w => [w.version, w.weight])),
        `needs ${minimum} pods to give ${shown} with plain Kubernetes load balancing`,
        'Use relative weights of a smaller ratio (e.g. { v1: 1, v2: 3 }), or RoutingMode.ISTIO for exact shares');
    }
    if (total % minimum !== 0) {
      const ratio = live.map(w => w.weight / g).join(':');
      fail(this, 'replicaBudget', budget,
        `cannot give ${shown} with plain Kubernetes load balancing: it needs pods in the ratio ${ratio} (a multiple of ${minimum} pods in all)`,
        `Set replicaBudget to a multiple of ${minimum}, choose a split that ${total} pods can express, or use RoutingMode.ISTIO for exact percentages`);
    }
    const k = total / minimum;
    return new Map(this.split.map(w => [w.version, (w.weight / g) * k]));
  }

  /**
   * The ServiceAccount of the created versions (created here for `ServiceIdentity.own()`); undefined
   * when the pods name no account.
   */
  private serviceAccountFor(props: CanaryServiceProps): ServiceAccountUse | undefined {
    const given = props.serviceIdentity;
    if (given !== undefined && !ServiceIdentity.isServiceIdentity(given)) {
      fail(this, 'serviceIdentity', given, 'is not a ServiceIdentity',
        "Use ServiceIdentity.own(), ServiceIdentity.own('name'), ServiceIdentity.named('name') or ServiceIdentity.namespaceDefault()");
    }
    let identity = given ?? ServiceIdentity.own();
    let field = 'serviceIdentity';
    if (props.serviceAccountName !== undefined) {
      if (given !== undefined) {
        fail(this, 'serviceAccountName', props.serviceAccountName, "is given together with 'serviceIdentity'",
          "Use one of them: serviceAccountName: 'x' is serviceIdentity: ServiceIdentity.named('x')");
      }
      field = 'serviceAccountName';
      identity = ServiceIdentity.named(props.serviceAccountName);
    }
    if (!this.versions.infos.some(i => i.version.isDeployed)) {
      if (given !== undefined || props.serviceAccountName !== undefined) {
        const brought = this.versions.infos.some(i => i.workload !== undefined);
        fail(this, field, given ?? props.serviceAccountName,
          `has nothing to apply to: every version is adopted${brought ? ' or a workload the app builds (ServiceVersion.fromWorkload)' : ''}, and such workloads keep their own ServiceAccount`,
          `Remove '${field}'`);
      }
      return undefined;
    }
    if (identity._kind === 'namespace-default') { return undefined; }

    const named = identity._kind === 'named';
    const name = identity._name ?? this.name;
    const nameField = field === 'serviceAccountName' ? field : `${field}.name`;
    if (identity._name !== undefined || named) { checkDnsSubdomain(this, nameField, identity._name); }
    const namespace = this.namespace ?? DEFAULT_NAMESPACE;
    const entry = accountEntry(this, namespace, name);
    if (named) {
      const account = kplus.ServiceAccount.fromServiceAccountName(this, 'ServiceAccount', name, { namespaceName: namespace });
      // Applied after the account when a service of this chart owns it (now or once it is declared).
      return { account, use: d => (entry.account ? d.node.addDependency(entry.account) : entry.users.push(d)), claim: () => undefined };
    }
    if (name === 'default') {
      fail(this, nameField, name, 'is the ServiceAccount every namespace already has; creating it would take it over for every workload that uses it',
        "Use ServiceIdentity.namespaceDefault() to run under it, or give the service's own account another name");
    }
    const account = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: this.namespace, labels: { app: this.name } },
      automountToken: false,
    });
    const claim = () => {
      if (entry.owner !== undefined) {
        fail(this, nameField, name, `is also the ServiceAccount created by ${entry.owner} in namespace '${namespace}'; two ServiceAccounts of one name and namespace cannot both be applied`,
          `Share that account with serviceAccountName: '${name}', or give this service's account another name with ServiceIdentity.own('other-name')`);
      }
      entry.owner = this.node.path;
      entry.account = account;
      for (const user of entry.users.splice(0)) { user.node.addDependency(account); }
    };
    return { account, use: () => undefined, claim };
  }

  private createDeployment(info: VersionInfo, o: DeployedVersionOptions, targetPort: number, replicas: number,
    serviceAccount: kplus.IServiceAccount | undefined): kplus.Deployment {
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
        // The container's port as cdk8s-plus' `portNumber`: HTTP and TCP probes without a port of
        // their own go to it (cdk8s-plus sends them to port 80 otherwise).
        portNumber: o.containerPort ?? targetPort,
        envVariables: Object.fromEntries(Object.entries(o.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
        command: o.command,
        args: o.args,
        resources: o.resources,
        imagePullPolicy: o.imagePullPolicy,
        // A HealthProbe as the cdk8s-plus-27 probe it stands for (a gRPC one is patched in below).
        readiness: HealthProbe.isHealthProbe(o.readiness) ? o.readiness._toKplus() : o.readiness,
        liveness: HealthProbe.isHealthProbe(o.liveness) ? o.liveness._toKplus() : o.liveness,
        startup: HealthProbe.isHealthProbe(o.startup) ? o.startup._toKplus() : o.startup,
        securityContext: o.securityContext,
      }],
    });
    deployment.select(kplus.LabelSelector.of({ labels: selector }));
    const api = ApiObject.of(deployment);
    // cdk8s-plus always stamps a hash-valued address label on the pod template; nothing here selects
    // on it, and labels a person did not choose only confuse `kubectl get pods --show-labels`. A JSON
    // patch (public API) removes it from the output.
    api.addJsonPatch(JsonPatch.remove(`/spec/template/metadata/labels/${ADDRESS_LABEL.replace('/', '~1')}`));
    // The `portNumber` port has no name in cdk8s-plus (and a second, named port of the same number is
    // refused): the port is named for its protocol in the output.
    api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/ports/0/name', this.protocol === ServiceProtocol.GRPC_WEB ? 'grpc-web' : this.protocol));
    if (o.startup === undefined) {
      // With a `portNumber`, cdk8s-plus adds a TCP startup probe (3 failures, 10 s apart) that kills
      // a container still starting after 30 s; a version has a startup probe only when it says so.
      api.addJsonPatch(JsonPatch.remove('/spec/template/spec/containers/0/startupProbe'));
    }
    for (const [slot, key] of PROBE_FIELDS) {
      // cdk8s-plus-27 has no gRPC probe: a gRPC HealthProbe is written into the container (replacing
      // the TCP startup probe cdk8s-plus adds).
      const probe = o[slot];
      if (HealthProbe.isHealthProbe(probe) && probe._toKplus() === undefined) {
        api.addJsonPatch(JsonPatch.add(`/spec/template/spec/containers/0/${key}`, probe._toManifest(o.containerPort ?? targetPort)));
      }
    }
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

/** The ServiceAccount of a service's created versions. */
interface ServiceAccountUse {
  readonly account: kplus.IServiceAccount;
  /** Makes a Deployment that runs under the account apply after it (when this chart creates it). */
  readonly use: (deployment: kplus.Deployment) => void;
  /**
   * Records the account as created by the service, failing when another service of the chart
   * creates one of the same name and namespace. Called once the service's name is known to be its
   * own (after its registration), so that a repeated service name is reported as such.
   */
  readonly claim: () => void;
}

/** The chart's record of the ServiceAccount `namespace/name` (kept by the chart's routing model). */
function accountEntry(scope: Construct, namespace: string, name: string): ServiceAccountEntry {
  const accounts = TrafficModel.of(scope).serviceAccounts;
  const key = `${namespace}/${name}`;
  let entry = accounts.get(key);
  if (!entry) {
    entry = { users: [] };
    accounts.set(key, entry);
  }
  return entry;
}

/** A version's settings over the service's pod defaults: plain fields replaced, settings objects merged key by key. */
function withDefaults(o: DeployedVersionOptions, d: PodDefaults): DeployedVersionOptions {
  return {
    ...o,
    resources: merged(d.resources, o.resources),
    securityContext: merged(d.securityContext, o.securityContext),
    podSecurityContext: merged(d.podSecurityContext, o.podSecurityContext),
    imagePullPolicy: o.imagePullPolicy ?? d.imagePullPolicy,
  };
}

function merged<T extends object>(base: T | undefined, over: T | undefined): T | undefined {
  if (base === undefined) { return over; }
  if (over === undefined) { return base; }
  return { ...base, ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) } as T;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
