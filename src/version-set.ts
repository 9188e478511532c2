import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { checkDnsLabel, checkLabels, checkPort, checkWholeNumber } from './core/checks';
import { fail } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { T } from './core/shape';
import { isEnvName, isImageReference } from './core/syntax';
import { checkProbe, PROBE, PROBE_FIELDS } from './health-probe';
import { KnownWorkload } from './model/traffic-model';
import { PodDefaults, ServiceVersion } from './service-version';
import { TrafficSplit, VersionWeight } from './traffic-split';
import { MANIFEST_WORKLOAD_KINDS, selectorSelects, showSelector, viewOfWorkload, WorkloadView } from './workload-version';

/**
 * The shape of `DeployedVersionOptions`: the fields' kinds (`T.any()` where the version set checks
 * the value with a better message, against the service).
 */
const DEPLOYED_OPTIONS = T.struct('DeployedVersionOptions', {
  image: T.optional(T.any()),
  replicas: T.optional(T.any()),
  containerPort: T.optional(T.any()),
  env: T.optional(T.any()),
  command: T.optional(T.array(T.string())),
  args: T.optional(T.array(T.string())),
  resources: T.optional(T.any()),
  imagePullPolicy: T.optional(T.any()),
  readiness: T.optional(PROBE),
  liveness: T.optional(PROBE),
  startup: T.optional(PROBE),
  securityContext: T.optional(T.any()),
  podSecurityContext: T.optional(T.any()),
  podLabels: T.optional(T.any()),
  subsetName: T.optional(T.string()),
}, "{ image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2' }");

/** The resolved form of one version. */
export interface VersionInfo {
  readonly version: ServiceVersion;
  readonly subset: string;
  readonly podLabels: { [key: string]: string };
  /** The workload the app built, for a version of `ServiceVersion.fromWorkload`. */
  readonly workload?: WorkloadView;
}

/** What a version set is resolved from. */
export interface VersionSetProps {
  /** The service name (the `app` label). */
  readonly name: string;
  readonly versionLabel: string;
  readonly versions: ServiceVersion[];
  readonly stableVersion?: string;
  readonly canaryVersion?: string;
  readonly traffic?: TrafficSplit;
  /** The port the Service sends to: every deployed version's container exposes it. */
  readonly targetPort: number;
  /**
   * Whether `targetPort` is the pods' port (a CanaryService's), so that a brought workload whose
   * containers declare other ports only is refused. An ExistingService knows its port only.
   * @default true
   */
  readonly targetPortKnown?: boolean;
  /**
   * The service's namespace: brought workloads must run there.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /** Replica counts come from the split: deployed versions must not set them, adopted ones are refused. */
  readonly replicasFromSplit: boolean;
  /**
   * Whether the service can route to the whole Service (`TrafficSplit.wholeService()`).
   * @default false
   */
  readonly wholeServiceRoute?: boolean;
}

/**
 * The versions of a service, checked and resolved: names, pod labels, subsets, the stable and canary
 * version, and the split in effect. Shared by CanaryService and ExistingService.
 */
export class VersionSet {
  public readonly infos: VersionInfo[];
  public readonly stableVersion: string;
  public readonly canaryVersion: string;
  /**
   * The split in effect, one entry per version in declaration order: percentages summing to 100,
   * relative weights for `TrafficSplit.relative()`, or each version's replicas for
   * `TrafficSplit.wholeService()`.
   */
  public readonly split: VersionWeight[];
  /** True when the service routes to the whole Service (`TrafficSplit.wholeService()`), not to versions. */
  public readonly wholeService: boolean;
  /** True when `split` holds relative weights rather than percentages summing to 100. */
  public readonly relativeWeights: boolean;

  constructor(private readonly scope: IConstruct, private readonly props: VersionSetProps) {
    // The props shapes of CanaryService and ExistingService (checked first) make `versions` a list of ServiceVersions.
    if (props.versions.length === 0) {
      fail(scope, 'versions', props.versions, 'declares no version',
        "Declare at least one version, e.g. versions: [ServiceVersion.deploy('v1', { image })], or use 'stable' and 'canary'");
    }
    const seen = new Set<string>();
    props.versions.forEach((v, i) => {
      checkDnsLabel(scope, `versions[${i}].name`, v.name);
      if (seen.has(v.name)) {
        fail(scope, `versions[${i}].name`, v.name, 'is declared twice', 'Give every version a distinct name');
      }
      seen.add(v.name);
    });
    this.infos = props.versions.map(v => this.resolve(v));
    this.checkDistinctVersionLabels();
    this.checkWorkloadSelectors();
    const names = this.names;
    this.stableVersion = this.pick('stableVersion', props.stableVersion, names[0]);
    this.canaryVersion = this.pick('canaryVersion', props.canaryVersion, names[names.length - 1]);
    // A TrafficSplit: the constructs' props shapes checked it.
    const traffic = props.traffic ?? TrafficSplit.stable();
    this.wholeService = traffic._wholeService;
    this.relativeWeights = traffic._relativeWeights;
    if (this.wholeService && props.replicasFromSplit) {
      fail(scope, 'traffic', 'TrafficSplit.wholeService()', 'leaves the shares to the replicas, while RoutingMode.REPLICAS sets the replicas from the shares',
        "Use RoutingMode.ISTIO with TrafficSplit.wholeService() and set each version's replicas, or give RoutingMode.REPLICAS a split such as TrafficSplit.relative({ v1: 1, v2: 3 })");
    }
    if (this.wholeService && !props.wholeServiceRoute) {
      fail(scope, 'traffic', 'TrafficSplit.wholeService()', 'is not supported by this service construct',
        'Use a CanaryService, or a split to versions such as TrafficSplit.relative({ v1: 1, v2: 3 })');
    }
    const replicas = Object.fromEntries(this.infos.map(i => [i.version.name,
      i.version._deployed?.replicas ?? i.version._adopted?.replicas ?? i.workload?.replicas ?? 1]));
    this.split = traffic._resolve(scope, 'traffic', names, this.stableVersion, this.canaryVersion, replicas);
  }

  /** Names of the versions, in declaration order. */
  public get names(): string[] {
    return this.infos.map(i => i.version.name);
  }

  /** The resolved version, failing for an undeclared one. */
  public info(version: string, field: string): VersionInfo {
    const found = this.infos.find(i => i.version.name === version);
    if (!found) {
      fail(this.scope, field, version, 'is not a declared version', `Use one of: ${this.names.join(', ')}`);
    }
    return found;
  }

  /**
   * The adopted versions, as workloads known to run in `namespace`; and the brought workloads of a
   * kind the analysis and the routing simulator do not read from the manifests (an Argo Rollout,
   * say), so that they see those pods too.
   */
  public adoptedWorkloads(namespace: string): KnownWorkload[] {
    const adopted = this.infos.filter(i => i.version._adopted).map(i => ({
      name: i.version._adopted!.workloadName ?? `${this.props.name}-${i.version.name}`,
      namespace,
      labels: i.podLabels,
      replicas: i.version._adopted!.replicas ?? 1,
    }));
    const brought = this.infos.filter(i => i.workload && !MANIFEST_WORKLOAD_KINDS.includes(i.workload.kind)).map(i => ({
      name: `${i.workload!.kind}/${i.workload!.name}`,
      namespace: i.workload!.namespace ?? namespace,
      labels: i.podLabels,
      replicas: i.workload!.replicas,
    }));
    return [...adopted, ...brought];
  }

  private resolve(v: ServiceVersion): VersionInfo {
    if (v._deployed) { return this.resolveDeployed(v); }
    return v._brought ? this.resolveWorkload(v) : this.resolveAdopted(v);
  }

  /**
   * A workload the app built (`ServiceVersion.fromWorkload`): read, checked against the service
   * (chart, namespace, labels, ports, replicas), and labelled `app` and `<versionLabel>` where it
   * is not yet.
   */
  private resolveWorkload(v: ServiceVersion): VersionInfo {
    const i = `versions[${v.name}]`;
    const field = `${i}.workload`;
    const { workload, options } = v._brought!;
    const w = viewOfWorkload(this.scope, field, workload);
    const described = `${w.construct.node.path} (${w.kind} '${w.name}')`;
    const chart = chartOf(w.construct);
    const own = Chart.of(this.scope);
    if (chart !== own) {
      fail(this.scope, field, described, `is ${chart ? `in chart '${chart.node.path}'` : 'in no chart'}, not in the service's chart '${own.node.path}'; the labels, the analysis and the routing simulator of a chart work on that chart's objects`,
        `Create the workload in chart '${own.node.path}', or the service in the workload's chart`);
    }
    const namespace = this.props.namespace ?? own.namespace ?? DEFAULT_NAMESPACE;
    const workloadNamespace = w.namespace ?? DEFAULT_NAMESPACE;
    if (workloadNamespace !== namespace) {
      fail(this.scope, `${field}.metadata.namespace`, workloadNamespace,
        `is not the service's namespace '${namespace}': the Service selects pods of its own namespace only, so ${described} would get no requests`,
        `Create the workload in namespace '${namespace}', or the service in namespace '${workloadNamespace}'`);
    }
    if (this.props.replicasFromSplit) {
      fail(this.scope, i, v.name, `is ${described}, a workload the app builds: its replicas are its own, and RoutingMode.REPLICAS would have to set them from the split`,
        'Use RoutingMode.ISTIO (the workload keeps its replicas), or let the library deploy the version with ServiceVersion.deploy()');
    }
    const targetPort = this.props.targetPort;
    if (this.props.targetPortKnown !== false && w.containerPorts.length > 0 && !w.containerPorts.includes(targetPort)) {
      fail(this.scope, `${field}.spec.template.spec.containers[].ports`, w.containerPorts,
        `are the ports ${described} declares, and the Service's targetPort ${targetPort} is not one of them, so the Service would send this version's requests to a port no container listens on`,
        `Expose port ${targetPort} in the workload's container (cdk8s-plus: portNumber: ${targetPort}), or set targetPort to the port every version listens on`);
    }
    if (Object.keys(w.matchLabels).length === 0 && w.matchExpressions.length === 0) {
      fail(this.scope, `${field}.spec.selector`, {}, `is empty: ${described} would select every pod of the namespace, those of the other versions too`,
        `Select the workload's own pods, e.g. cdk8s-plus: select: true (the default), or matchLabels { app: '${this.props.name}', ${this.props.versionLabel}: '${v.name}' }`);
    }
    const wanted: [string, string][] = [['app', this.props.name], [this.props.versionLabel, v.name]];
    const labels = w.podLabels();
    for (const [key, value] of wanted) {
      const have = labels[key];
      if (have !== undefined && have !== value) {
        fail(this.scope, `${field}.spec.template.metadata.labels.${key}`, have,
          `is the '${key}' label ${described} gives its pods, but version '${v.name}' of service '${this.props.name}' needs ${key}=${value} (${key === 'app' ? 'the Service selects app' : 'its subset selects that label'})`,
          `Label the pod template ${key}=${value}, or ${key === 'app' ? `name the service '${have}'` : `name the version '${have}'`}`);
      }
    }
    for (const [key, value] of wanted) {
      if (labels[key] !== undefined) { continue; }
      if (options.addLabels === false) {
        fail(this.scope, `${field}.spec.template.metadata.labels`, labels, `has no '${key}' label, and addLabels is false, so ${key === 'app' ? 'the Service would not select these pods' : 'no subset could select this version alone'}`,
          `Label the pod template ${key}=${value}, or leave addLabels unset so that the library adds it`);
      }
      w.addPodLabel(key, value);
    }
    const podLabels = w.podLabels();
    if (!selectorSelects(w.matchLabels, w.matchExpressions, podLabels)) {
      fail(this.scope, `${field}.spec.selector`, showSelector(w.matchLabels, w.matchExpressions),
        `does not select the pods of ${described} (labels ${JSON.stringify(podLabels)}), which Kubernetes refuses`,
        "Select labels the pod template carries, e.g. the 'app' and version labels");
    }
    const subset = options.subsetName ?? v.name;
    checkDnsLabel(this.scope, `${i}.subsetName`, subset);
    return { version: v, subset, podLabels, workload: w };
  }

  /**
   * Fails when a brought workload's selector also selects the pods of another version: its
   * controller and the other version's would fight over those pods (each scaling the other's away).
   */
  private checkWorkloadSelectors(): void {
    for (const info of this.infos) {
      const w = info.workload;
      if (!w) { continue; }
      for (const other of this.infos) {
        if (other === info || !selectorSelects(w.matchLabels, w.matchExpressions, other.podLabels)) { continue; }
        fail(this.scope, `versions[${info.version.name}].workload.spec.selector`, showSelector(w.matchLabels, w.matchExpressions),
          `also selects the pods of version '${other.version.name}' (labels ${JSON.stringify(other.podLabels)}): the ${w.kind} '${w.name}' and the workload of '${other.version.name}' would fight over those pods`,
          `Add ${this.props.versionLabel}: '${info.version.name}' to the workload's selector (cdk8s-plus: select(LabelSelector.of({ labels: { ${this.props.versionLabel}: '${info.version.name}' } }))); a selector cannot change once applied, so a running ${w.kind} must be replaced`);
      }
    }
  }

  private resolveDeployed(v: ServiceVersion): VersionInfo {
    const i = `versions[${v.name}]`;
    const base = { app: this.props.name, [this.props.versionLabel]: v.name };
    const o = v._deployed!;
    DEPLOYED_OPTIONS.check(this.scope, i, o);
    if (typeof o.image !== 'string' || o.image.trim() === '') {
      fail(this.scope, `${i}.image`, o.image, 'is empty: a created workload needs a container image',
        "Set 'image', or use ServiceVersion.adopt() for a workload that already exists");
    }
    if (!isImageReference(o.image)) {
      fail(this.scope, `${i}.image`, o.image, 'is not a container image reference (spaces, upper case in the path, or a malformed tag or digest), so the kubelet cannot pull it',
        "Write it as [registry/]path[:tag][@digest], e.g. 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2'");
    }
    if (o.env !== undefined) {
      if (o.env === null || typeof o.env !== 'object' || Array.isArray(o.env)) {
        fail(this.scope, `${i}.env`, o.env, 'is not a map of variable names to values', "Pass an object such as { LOG_LEVEL: 'debug' }");
      }
      for (const [name, value] of Object.entries(o.env)) {
        if (!isEnvName(name)) {
          fail(this.scope, `${i}.env`, name, "is not an environment variable name Kubernetes accepts (empty, '=', spaces or non-ASCII)",
            "Use letters, digits and '_' (e.g. 'LOG_LEVEL')");
        }
        if (typeof value !== 'string') {
          fail(this.scope, `${i}.env.${name}`, value, 'is not a string', `Quote the value, e.g. '${String(value)}'`);
        }
      }
    }
    if (o.replicas !== undefined) {
      if (this.props.replicasFromSplit) {
        fail(this.scope, `${i}.replicas`, o.replicas, 'is computed from the split in RoutingMode.REPLICAS',
          "Remove it; set the total with 'replicaBudget'");
      }
      checkWholeNumber(this.scope, `${i}.replicas`, o.replicas, 0);
    }
    checkPodSettings(this.scope, i, o);
    for (const [slot] of PROBE_FIELDS) { checkProbe(this.scope, `${i}.${slot}`, slot, o[slot]); }
    checkPort(this.scope, `${i}.containerPort`, o.containerPort ?? this.props.targetPort);
    if (o.containerPort !== undefined && o.containerPort !== this.props.targetPort) {
      // The one container port is the one the Service sends to: any other leaves the version unreachable.
      fail(this.scope, `${i}.containerPort`, o.containerPort,
        `is not the Service's targetPort ${this.props.targetPort}, so the Service would send this version's requests to a port its container does not expose`,
        `Set targetPort: ${o.containerPort} on the service if every version listens there, or remove containerPort (the container then listens on ${this.props.targetPort})`);
    }
    const extra = o.podLabels ?? {};
    checkLabels(this.scope, `${i}.podLabels`, extra);
    for (const k of Object.keys(base)) {
      if (Object.prototype.hasOwnProperty.call(extra, k)) {
        fail(this.scope, `${i}.podLabels.${k}`, extra[k], 'is set by the service construct itself', `Remove '${k}' from podLabels`);
      }
    }
    const subset = o.subsetName ?? v.name;
    checkDnsLabel(this.scope, `${i}.subsetName`, subset);
    return { version: v, subset, podLabels: { ...base, ...extra } };
  }

  private resolveAdopted(v: ServiceVersion): VersionInfo {
    const i = `versions[${v.name}]`;
    const o = v._adopted!;
    const base = { app: this.props.name, [this.props.versionLabel]: v.name };
    if (this.props.replicasFromSplit) {
      fail(this.scope, i, v.name, 'is an adopted workload, whose replicas the library cannot set in RoutingMode.REPLICAS',
        'Use RoutingMode.ISTIO, or let the library deploy the version');
    }
    if (o.replicas !== undefined) { checkWholeNumber(this.scope, `${i}.replicas`, o.replicas, 0); }
    const podLabels = o.podLabels ?? base;
    checkLabels(this.scope, `${i}.podLabels`, podLabels);
    if (podLabels.app !== this.props.name) {
      fail(this.scope, `${i}.podLabels.app`, podLabels.app, `does not match the Service selector app=${this.props.name}, so the Service would not reach these pods`,
        `Add app: '${this.props.name}' to the adopted pods' labels`);
    }
    if (podLabels[this.props.versionLabel] === undefined) {
      fail(this.scope, `${i}.podLabels`, podLabels, `has no '${this.props.versionLabel}' label, so no subset can select this version alone`,
        `Label the existing pod template ${this.props.versionLabel}=${v.name} and list it in podLabels`);
    }
    const subset = o.subsetName ?? v.name;
    checkDnsLabel(this.scope, `${i}.subsetName`, subset);
    return { version: v, subset, podLabels: { ...podLabels } };
  }

  private checkDistinctVersionLabels(): void {
    const label = this.props.versionLabel;
    const byLabel = new Map<string, string>();
    for (const info of this.infos) {
      const value = info.podLabels[label];
      const other = byLabel.get(value);
      if (other !== undefined) {
        fail(this.scope, `versions[${info.version.name}].podLabels.${label}`, value, `is also the ${label} label of version '${other}', so their subsets would select the same pods`,
          `Give every version its own ${label} label value`);
      }
      byLabel.set(value, info.version.name);
    }
  }

  private pick(field: string, given: string | undefined, fallback: string): string {
    if (given === undefined) { return fallback; }
    if (!this.names.includes(given)) {
      fail(this.scope, field, given, 'is not a declared version', `Use one of: ${this.names.join(', ')}`);
    }
    return given;
  }
}

/**
 * Fails unless the pod settings at `field` (a service's `podDefaults`, or a deployed version's
 * options) are of the right kind: settings objects, and an `ImagePullPolicy`.
 */
export function checkPodSettings(scope: IConstruct, field: string, settings: PodDefaults): void {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    fail(scope, field, settings, 'is not a settings object', 'Pass an object such as { resources: { cpu: { request: kplus.Cpu.millis(100) } } }');
  }
  const examples: { [key: string]: string } = {
    resources: '{ cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128) } }',
    securityContext: '{ readOnlyRootFilesystem: false }',
    podSecurityContext: '{ ensureNonRoot: false }',
  };
  for (const [key, example] of Object.entries(examples)) {
    const value = (settings as any)[key];
    if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      fail(scope, `${field}.${key}`, value, 'is not a settings object', `Pass an object such as ${example}, or leave it out`);
    }
  }
  const pull = settings.imagePullPolicy;
  if (pull !== undefined && !Object.values(kplus.ImagePullPolicy).includes(pull)) {
    fail(scope, `${field}.imagePullPolicy`, pull, 'is not an ImagePullPolicy',
      `Use one of ${Object.keys(kplus.ImagePullPolicy).map(k => `kplus.ImagePullPolicy.${k}`).join(', ')}`);
  }
}

/** The chart of a construct, or undefined when it is in none. */
function chartOf(c: IConstruct): Chart | undefined {
  for (let s: IConstruct | undefined = c; s; s = s.node.scope) {
    if (Chart.isChart(s)) { return s; }
  }
  return undefined;
}
