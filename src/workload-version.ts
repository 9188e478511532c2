import { ApiObject, JsonPatch } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fail } from './core/errors';
import { defaultChildOf, plusWorkloadOf } from './core/tree';

/**
 * A workload the user built (a cdk8s-plus Deployment or StatefulSet of any major version, a
 * `KubeDeployment`, or any ApiObject with a pod template), read through public APIs only: the
 * cdk8s-plus model (`podMetadata`, `matchLabels`, `matchExpressions`, `containers`, `replicas`,
 * `metadata`) for cdk8s-plus workloads, the rendered JSON (`toJson()`) and JSON patches for API
 * objects. Nothing here names a cdk8s-plus class, so every cdk8s-plus major version is read alike.
 */
export interface WorkloadView {
  /** The construct the user passed. */
  readonly construct: IConstruct;
  /** The API object the workload renders as. */
  readonly apiObject: ApiObject;
  /** `Deployment`, `StatefulSet`, ... */
  readonly kind: string;
  /** `metadata.name`. */
  readonly name: string;
  /** `metadata.namespace` (the chart's when the workload sets none); undefined when neither sets one. */
  readonly namespace: string | undefined;
  /** True for a cdk8s-plus workload (read through its model), false for a plain API object. */
  readonly cdk8sPlus: boolean;
  /** `spec.selector.matchLabels`. */
  readonly matchLabels: { [key: string]: string };
  /** `spec.selector.matchExpressions`. */
  readonly matchExpressions: SelectorRequirement[];
  /** The ports the containers declare (an empty list when none declares one). */
  readonly containerPorts: number[];
  /** The replicas the workload runs (the Kubernetes or cdk8s-plus default when unset). */
  readonly replicas: number;
  /** The pod template's labels now. */
  podLabels(): { [key: string]: string };
  /** Adds a label to the pod template. */
  addPodLabel(key: string, value: string): void;
}

/** One `matchExpressions` entry of a label selector. */
export interface SelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: string[];
}

/** The kinds the analysis and the routing simulator read from the manifests as workloads. */
export const MANIFEST_WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];

/** Kinds with a pod template whose pods run to completion and serve no requests. */
const BATCH_KINDS = ['Job', 'CronJob'];

const USE = "Pass a cdk8s-plus Deployment or StatefulSet (any cdk8s-plus version), a KubeDeployment or KubeStatefulSet, or another API object whose 'spec.template' is a pod template";

/**
 * Reads `workload` as a workload, failing with the library's error (at `scope`, field `field`) for
 * anything that is not one: null, a non-construct, a ConfigMap, a Service, a Job.
 */
export function viewOfWorkload(scope: IConstruct, field: string, workload: unknown): WorkloadView {
  if (workload === null || typeof workload !== 'object' || typeof (workload as any).node !== 'object' || (workload as any).node === null) {
    fail(scope, field, workload, 'is not a construct', USE);
  }
  const construct = workload as IConstruct;
  const api = apiObjectOf(construct);
  const described = api ? `${construct.node.path} (a ${api.kind})` : construct.node.path;
  if (!api) {
    fail(scope, field, described, 'is not a Kubernetes object (no ApiObject renders it), so it runs no pods', USE);
  }
  if (BATCH_KINDS.includes(api.kind)) {
    fail(scope, field, described, 'runs pods to completion; they serve no requests, so it cannot be a version of a service', USE);
  }
  // The API object of a cdk8s-plus workload (`ApiObject.of(deployment)`) is read, and labelled, through
  // the workload: the analysis reads a cdk8s-plus workload's pod labels from its model, not its patches.
  const owner = construct === api && api.node.scope && defaultChildOf(api.node.scope) === api ? api.node.scope : undefined;
  const plus = plusWorkloadOf(construct, api) ?? (owner ? plusWorkloadOf(owner, api) : undefined);
  return plus ? plusView(construct, api, plus) : objectView(scope, field, construct, api, described);
}

/** The API object of a construct: itself, or its default child (what `ApiObject.of()` finds), else undefined. */
function apiObjectOf(c: IConstruct): ApiObject | undefined {
  if (ApiObject.isApiObject(c)) { return c; }
  const child = defaultChildOf(c);
  return child !== undefined && ApiObject.isApiObject(child) ? child : undefined;
}

function plusView(construct: IConstruct, api: ApiObject, w: any): WorkloadView {
  const ports = new Set<number>();
  for (const c of w.containers as any[]) {
    if (typeof c?.portNumber === 'number') { ports.add(c.portNumber); }
    for (const p of Array.isArray(c?.ports) ? c.ports : []) {
      if (typeof p?.number === 'number') { ports.add(p.number); }
    }
  }
  // cdk8s-plus renders `replicas ?? 2` for a Deployment and `replicas ?? 1` for a StatefulSet.
  const replicas = typeof w.replicas === 'number' ? w.replicas : (api.kind === 'Deployment' ? 2 : 1);
  return {
    construct,
    apiObject: api,
    kind: api.kind,
    name: api.name,
    namespace: api.metadata.namespace,
    cdk8sPlus: true,
    matchLabels: { ...w.matchLabels },
    matchExpressions: Array.isArray(w.matchExpressions) ? [...w.matchExpressions] : [],
    containerPorts: [...ports],
    replicas,
    podLabels: () => ({ ...(w.podMetadata.toJson().labels ?? {}) }),
    addPodLabel: (key, value) => w.podMetadata.addLabel(key, value),
  };
}

function objectView(scope: IConstruct, field: string, construct: IConstruct, api: ApiObject, described: string): WorkloadView {
  let json: any;
  try {
    json = api.toJson();
  } catch (e) {
    fail(scope, field, described, `cannot be rendered to read its pod template (${(e as Error)?.message ?? String(e)})`,
      'Fix the object so that it renders, or pass a cdk8s-plus workload');
  }
  const template = json?.spec?.template;
  const podSpec = template?.spec;
  if (template === null || typeof template !== 'object' || podSpec === null || typeof podSpec !== 'object' || !Array.isArray(podSpec.containers)) {
    fail(scope, field, described, "has no pod template ('spec.template' with 'spec.containers'), so it runs no pods", USE);
  }
  const selector = json.spec.selector ?? {};
  const ports = new Set<number>();
  for (const c of podSpec.containers as any[]) {
    for (const p of Array.isArray(c?.ports) ? c.ports : []) {
      if (typeof p?.containerPort === 'number') { ports.add(p.containerPort); }
    }
  }
  // Labels added here are written by JSON patches; they are kept to answer `podLabels()`.
  const labels: { [key: string]: string } = { ...(isObject(template.metadata?.labels) ? template.metadata.labels : {}) };
  let hasMetadata = isObject(template.metadata);
  let hasLabels = hasMetadata && isObject(template.metadata.labels);
  return {
    construct,
    apiObject: api,
    kind: api.kind,
    name: api.name,
    namespace: api.metadata.namespace,
    cdk8sPlus: false,
    matchLabels: isObject(selector.matchLabels) ? { ...selector.matchLabels } : {},
    matchExpressions: Array.isArray(selector.matchExpressions) ? [...selector.matchExpressions] : [],
    containerPorts: [...ports],
    replicas: typeof json.spec.replicas === 'number' ? json.spec.replicas : 1,
    podLabels: () => ({ ...labels }),
    addPodLabel: (key, value) => {
      labels[key] = value;
      // An `add` needs the parent object: the template may have no metadata or no labels yet.
      if (!hasMetadata) {
        api.addJsonPatch(JsonPatch.add('/spec/template/metadata', { labels: { [key]: value } }));
      } else if (!hasLabels) {
        api.addJsonPatch(JsonPatch.add('/spec/template/metadata/labels', { [key]: value }));
      } else {
        api.addJsonPatch(JsonPatch.add(`/spec/template/metadata/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, value));
      }
      hasMetadata = true;
      hasLabels = true;
    },
  };
}

function isObject(v: unknown): v is { [key: string]: any } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** True when the label selector (`matchLabels` and `matchExpressions`) selects a pod labelled `labels`. */
export function selectorSelects(matchLabels: { [key: string]: string }, expressions: SelectorRequirement[],
  labels: { [key: string]: string }): boolean {
  for (const [k, v] of Object.entries(matchLabels)) {
    if (labels[k] !== v) { return false; }
  }
  for (const e of expressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) { return false; } break;
      case 'NotIn': if (has && values.includes(labels[e.key])) { return false; } break;
      case 'Exists': if (!has) { return false; } break;
      case 'DoesNotExist': if (has) { return false; } break;
      default: return false;
    }
  }
  return true;
}

/** The selector as shown in messages: `app=reviews, version In (v1, v2)`. */
export function showSelector(matchLabels: { [key: string]: string }, expressions: SelectorRequirement[]): string {
  const parts = [
    ...Object.entries(matchLabels).map(([k, v]) => `${k}=${v}`),
    ...expressions.map(e => `${e.key} ${e.operator}${e.values ? ` (${e.values.join(', ')})` : ''}`),
  ];
  return parts.length === 0 ? '{}' : parts.join(', ');
}
