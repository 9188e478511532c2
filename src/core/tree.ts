import { App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The ids of the constructs the library adds to a chart or app for its own bookkeeping (the routing
 * model of a chart, the list of an app's models, the checks of a chart): messages that list a
 * scope's children name the user's constructs, not these.
 */
export const INTERNAL_IDS = {
  model: 'IstioTrafficModel',
  appModels: 'IstioTrafficModels',
  checks: 'IstioTrafficChecks',
} as const;

/**
 * Whether a value is a cdk8s App, by its public members (`synth()` and the `charts` list) rather than
 * by class, so that an App of another copy of cdk8s (two in one test run) is one too.
 */
export function isApp(value: unknown): value is App {
  const a = value as any;
  return a !== null && typeof a === 'object' && !Chart.isChart(a) && typeof a.synth === 'function' && Array.isArray(a.charts);
}

/** Whether a construct is one of the library's bookkeeping children (INTERNAL_IDS). */
export function isInternalChild(c: IConstruct): boolean {
  return (Object.values(INTERNAL_IDS) as string[]).includes(c.node.id);
}

/**
 * `node.defaultChild` (the child with id `Resource` or `Default`, what `ApiObject.of` finds: the API
 * object of a cdk8s-plus resource), or undefined when the construct has none, or has both (constructs
 * throws then).
 */
export function defaultChildOf(c: IConstruct): IConstruct | undefined {
  try {
    return c.node.defaultChild;
  } catch {
    return undefined;
  }
}

/**
 * The public model of a cdk8s-plus workload (any major version) rendered by `api`, or undefined when
 * the construct is not one: its `podMetadata` (with `addLabel`, `getLabel` and `toJson`), its
 * `matchLabels` and its `containers`. Recognised by these public members, not by class, so that a
 * cdk8s-plus-33 Deployment is one as much as a cdk8s-plus-27 one. One test for the constructs that
 * label a workload and the analysis that reads it.
 */
export function plusWorkloadOf(c: IConstruct, api: IConstruct): any {
  const w: any = c;
  if (w === api) { return undefined; }
  const md = w.podMetadata;
  const ok = md !== null && typeof md === 'object' && typeof md.addLabel === 'function' && typeof md.getLabel === 'function'
    && typeof md.toJson === 'function' && w.matchLabels !== null && typeof w.matchLabels === 'object' && Array.isArray(w.containers);
  return ok ? w : undefined;
}
