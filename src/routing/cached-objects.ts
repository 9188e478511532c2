import { ApiObject, GroupVersionKind, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DestinationRule, Gateway, VirtualService } from '../../imports/networking.istio.io';
import { currentGeneration, touch } from '../analysis/generation';

/**
 * The objects the library renders from its routing model.
 *
 * - Istio objects are rendered straight from the model's plain JSON (Istio's field names): no
 *   token resolution and no generated-binding mapping, which cost more than the rest of their
 *   synthesis. The output is what `ApiObject.toJson()` gives (keys sorted, JSON patches applied,
 *   apiVersion, kind and metadata first).
 * - cdk8s renders an object twice per synth (for the analysis, then for the file); the last
 *   rendering is kept while nothing it depends on changed. Every change bumps the library's
 *   generation: routing changes, and changes to the object itself (metadata mutators and JSON
 *   patches are wrapped to do so).
 */
function cachedToJson(obj: any, render: () => any): any {
  const key = currentGeneration();
  if (obj._renderCache?.key !== key) {
    obj._renderCache = { key, json: render() };
  }
  return obj._renderCache.json;
}

const METADATA_MUTATORS = ['addLabel', 'addAnnotation', 'addFinalizers', 'addOwnerReference', 'add'];

/** Shared wrappers (one per mutator, not per object): bump the generation, then mutate. */
const WATCHED: { [m: string]: (this: any, ...args: any[]) => any } = {};

const RENDERED = new WeakSet<ApiObject>();

/** Makes every mutation of the object's metadata count as a change. */
function watchMutations(obj: ApiObject): void {
  RENDERED.add(obj);
  const metadata: any = obj.metadata;
  const proto = Object.getPrototypeOf(metadata);
  for (const m of METADATA_MUTATORS) {
    if (typeof proto[m] !== 'function') { continue; }
    WATCHED[m] = WATCHED[m] ?? function (this: any, ...args: any[]) { touch(); return proto[m].apply(this, args); };
    metadata[m] = WATCHED[m];
  }
}

/** cdk8s' sanitizing: drop null and undefined, sort keys (unless CDK8S_DISABLE_SORT is set). */
function sanitize(v: any, sortKeys: boolean): any {
  if (v === null || v === undefined) { return undefined; }
  if (typeof v !== 'object') { return v; }
  if (Array.isArray(v)) { return v.map(x => sanitize(x, sortKeys)); }
  const out: any = {};
  for (const k of sortKeys ? Object.keys(v).sort() : Object.keys(v)) {
    const x = sanitize(v[k], sortKeys);
    if (x !== undefined && x !== null) { out[k] = x; }
  }
  return out;
}

/** Renders an object whose spec is plain JSON, the way ApiObject.toJson() does. */
function renderPlain(obj: ApiObject, gvk: GroupVersionKind, spec: any): any {
  const sortKeys = !process.env.CDK8S_DISABLE_SORT;
  const json = sanitize({ ...gvk, metadata: obj.metadata.toJson(), spec }, sortKeys);
  const patched = JsonPatch.apply(json, ...((obj as any).patches ?? []));
  const result: any = {};
  for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) {
    if (k in patched) { result[k] = patched[k]; }
  }
  return result;
}

/** What a rendered Istio object is built from: its metadata and a producer of its spec (Istio JSON). */
export interface RenderedProps {
  readonly metadata: { name: string; namespace?: string };
  readonly spec: () => any;
}

type ApiObjectClass = new (scope: Construct, id: string, props: any) => ApiObject;

/** The constructor of a rendered Istio object. */
type RenderedClass = new (scope: Construct, id: string, rendered: RenderedProps) => ApiObject;

/** An Istio object class rendered from the routing model, on top of its generated binding class. */
function renderedClass(Base: ApiObjectClass, gvk: GroupVersionKind): RenderedClass {
  return class extends Base {
    constructor(scope: Construct, id: string, public readonly rendered: RenderedProps) {
      super(scope, id, { metadata: rendered.metadata });
      watchMutations(this);
    }

    public override addJsonPatch(...ops: JsonPatch[]): void {
      touch();
      super.addJsonPatch(...ops);
    }

    public override toJson(): any {
      return cachedToJson(this, () => renderPlain(this, gvk, this.rendered.spec()));
    }
  };
}

/** A VirtualService rendered from the routing model. */
export const RenderedVirtualService = renderedClass(VirtualService, VirtualService.GVK);
export type RenderedVirtualService = ApiObject;

/** A DestinationRule rendered from the routing model. */
export const RenderedDestinationRule = renderedClass(DestinationRule, DestinationRule.GVK);
export type RenderedDestinationRule = ApiObject;

/** A Gateway rendered from the edge's servers. */
export const RenderedGateway = renderedClass(Gateway, Gateway.GVK);

/** A Service (its spec fixed at construction) whose rendering is reused while it is unchanged. */
export class RenderedService extends k8s.KubeService {
  constructor(scope: Construct, id: string, props: k8s.KubeServiceProps) {
    super(scope, id, props);
    watchMutations(this);
  }

  public override addJsonPatch(...ops: JsonPatch[]): void {
    touch();
    super.addJsonPatch(...ops);
  }

  public override toJson(): any {
    return cachedToJson(this, () => super.toJson());
  }
}

/** True for an object the library renders from its model. */
export function isRendered(o: ApiObject): boolean {
  // Not `instanceof`: cdk8s answers it for every ApiObject subclass with ApiObject.isApiObject().
  return RENDERED.has(o);
}

/** Library-made objects, with the number of JSON patches the library itself added. */
const LIBRARY_MADE = new WeakMap<ApiObject, number>();

const patchCount = (o: ApiObject): number => ((o as any).patches ?? []).length;

/** Records an object the library creates from checked props (a Deployment, a Namespace), after its own patches. */
export function markLibraryMade(o: ApiObject): void {
  LIBRARY_MADE.set(o, patchCount(o));
}

/**
 * True for an object the library made (rendered or created from checked props) that nobody else
 * patched: such objects are consistent by construction.
 */
export function isLibraryMade(o: ApiObject): boolean {
  if (RENDERED.has(o)) { return patchCount(o) === 0; }
  const own = LIBRARY_MADE.get(o);
  return own !== undefined && patchCount(o) === own;
}
