import { Chart, Testing } from 'cdk8s';
import { applyOrderProblems, crossReferenceProblems, PodGroup } from './cross-references';
import { validateIstioObjects } from './istio-schema';

export * from './cross-references';
export * from './fixtures';
export * from './istio-schema';

/**
 * Synthesizes a chart and checks everything the test suite promises about every synthesized
 * object: Istio objects valid against the pinned CRD schemas, cross references between objects,
 * and apply order. Returns the manifests.
 */
export function synthChecked(chart: Chart, existingPods: PodGroup[] = []): any[] {
  const manifests = Testing.synth(chart);
  expect(validateIstioObjects(manifests)).toEqual([]);
  expect(crossReferenceProblems(manifests, existingPods)).toEqual([]);
  expect(applyOrderProblems(manifests)).toEqual([]);
  return manifests;
}

/** The one object of `kind` named `name` (fails the test when there is not exactly one). */
export function only(manifests: any[], kind: string, name: string): any {
  const found = manifests.filter(m => m.kind === kind && m.metadata?.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}

/** `{ subset: weight }` of the catch-all (last) HTTP route of a VirtualService. */
export function defaultWeights(vs: any): { [subset: string]: number } {
  const http = vs.spec.http ?? vs.spec.tcp;
  const last = http[http.length - 1];
  return Object.fromEntries(last.route.map((r: any) => [r.destination.subset ?? r.destination.host, r.weight]));
}

/** A RegExp matching exactly `message` (the whole text, taken literally), for `toThrow(exactly(...))`. */
export function exactly(message: string): RegExp {
  return new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}
