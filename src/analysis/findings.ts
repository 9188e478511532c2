import { namespaceOf } from '../core/hosts';
import { stringMap } from '../core/manifest-fields';

/** How serious a finding is. */
export enum Severity {
  /** Fails the synth: Kubernetes or Istio would reject the object, or the routing would break. */
  ERROR = 'error',
  /** Printed as a warning: the synth goes on. */
  WARNING = 'warning',
  /** Printed as information: the synth goes on. */
  INFO = 'info',
}

/** One problem the analysis found. */
export interface Finding {
  /** The code: Istio's (`IST0101`, `IST0106` for webhook errors, `IST0133` for webhook warnings) or this library's (`CIT0001` ...). */
  readonly code: string;
  /** The severity after any downgrade. */
  readonly severity: Severity;
  /** The construct path of the object. */
  readonly constructPath: string;
  /** The object's kind. */
  readonly kind: string;
  /** The object's name. */
  readonly name: string;
  /** The object's namespace (`default` when unset). */
  readonly namespace: string;
  /** The field path, e.g. `spec.http[0].route[1].destination.subset`. */
  readonly field: string;
  /**
   * The bad value, as JSON.
   * @default - no single value (e.g. a missing field)
   */
  readonly value?: string;
  /** What is wrong. */
  readonly message: string;
  /** What to do instead. */
  readonly fix: string;
  /**
   * Why the finding was downgraded, if it was.
   * @default - not downgraded
   */
  readonly downgradeReason?: string;
}

/** An object under analysis, with the construct that defines it. */
export interface AnalyzedObject {
  /** The manifest: always an object (the analysis skips entries that are not). */
  readonly json: any;
  readonly path: string;
}

/** The kinds whose pod template the analysis reads as a workload's pods. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];

/** The pods of one workload (or one bare Pod), by the labels they carry. */
export interface WorkloadPods {
  readonly namespace: string;
  /** `<Kind>/<name>`, or the name of a workload known to exist outside the app. */
  readonly name: string;
  readonly labels: { [k: string]: string };
}

/** Whether a selector (its string entries, as `stringMap` gives them) selects pods of these labels; an empty one selects none. */
export function selects(selector: { [k: string]: string }, labels: { [k: string]: string }): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The pods of the app's workloads and bare Pods, and of the workloads known to exist outside it. */
export function workloadPods(app: AnalyzedObject[], known: readonly WorkloadPods[]): WorkloadPods[] {
  return [
    ...app.filter(o => WORKLOAD_KINDS.includes(o.json.kind)).map(o => ({
      namespace: namespaceOf(o.json), name: `${o.json.kind}/${o.json.metadata?.name}`, labels: stringMap(o.json.spec?.template?.metadata?.labels),
    })),
    ...app.filter(o => o.json.kind === 'Pod').map(o => ({ namespace: namespaceOf(o.json), name: `Pod/${o.json.metadata?.name}`, labels: stringMap(o.json.metadata?.labels) })),
    ...known,
  ];
}

/** Renders a finding as one line. */
export function formatFinding(f: Finding): string {
  const value = f.value !== undefined ? `: ${f.value}` : '';
  const downgraded = f.downgradeReason ? ` (downgraded: ${f.downgradeReason})` : '';
  return `[${f.code}] [${f.constructPath}] ${f.kind} ${f.namespace}/${f.name} ${f.field}${value} - ${f.message}. Fix: ${f.fix}${downgraded}`;
}

/** Collects findings for one object. */
export class Reporter {
  public readonly findings: Finding[] = [];

  /** Reports a problem with `obj` at `field`. */
  public report(obj: AnalyzedObject, code: string, severity: Severity, field: string, value: unknown, message: string, fix: string): void {
    this.findings.push({
      code,
      severity,
      constructPath: obj.path,
      kind: obj.json?.kind ?? '?',
      name: obj.json?.metadata?.name ?? '?',
      namespace: obj.json?.metadata?.namespace ?? 'default',
      field,
      value: value === undefined ? undefined : JSON.stringify(value),
      message,
      fix,
    });
  }
}
