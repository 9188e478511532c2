import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { CanaryService } from '../canary-service';
import { fail } from '../errors';
import { crossChecks, KnownService, KnownWorkload } from './analyzers';
import { AnalyzedObject, Finding, formatFinding, Reporter, Severity } from './findings';
import { touch } from './generation';
import { webhookChecks } from './webhook';
import { isLibraryMade, isRendered } from '../routing/cached-objects';

interface Rule {
  readonly code: string;
  readonly reason: string;
  readonly suppress: boolean;
}

const RULES = new WeakMap<IConstruct, Rule[]>();
const CODE = /^(IST|CIT)[0-9]{4}$/;

/**
 * The synth-time analysis: every object of a chart that uses this library (and objects written by
 * hand next to them) is checked the way the Kubernetes API server, Istio's validating webhook and
 * `istioctl analyze` would check it. Errors fail the synth, all of them reported together; warnings
 * and infos are printed.
 */
export class Analysis {
  /**
   * Turns on the analysis for a chart that has no construct of this library (only hand-written
   * objects). Charts with one of the library's constructs are analysed anyway.
   */
  public static enableFor(chart: Chart): void {
    // The registry's validation runs the analysis of its chart.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { TrafficRegistry } = require('../routing/registry');
    TrafficRegistry.of(chart);
  }

  /**
   * Suppresses findings with `code` on the objects of `scope` (a construct and everything below
   * it). The reason is required and shows in the code review.
   */
  public static suppress(scope: IConstruct, code: string, reason: string): void {
    Analysis.addRule(scope, code, reason, true);
  }

  /** Turns error findings with `code` on the objects of `scope` into warnings, with a reason. */
  public static downgrade(scope: IConstruct, code: string, reason: string): void {
    Analysis.addRule(scope, code, reason, false);
  }

  /** The findings of a chart, after suppressions and downgrades (for tests and tools). */
  public static findings(chart: Chart): Finding[] {
    return analyzeChart(chart);
  }

  /** The findings of plain manifests (no constructs, so no suppressions). */
  public static analyzeManifests(manifests: any[]): Finding[] {
    const objects = manifests.filter(m => m && typeof m === 'object')
      .map((json, i) => ({ json, path: `manifest[${i}]` }));
    return run(objects, objects, [], []);
  }

  private static addRule(scope: IConstruct, code: string, reason: string, suppress: boolean): void {
    if (!CODE.test(code)) {
      fail(scope, 'code', code, 'is not a finding code', "Use a code as printed, e.g. 'IST0118' or 'CIT0001'");
    }
    if (typeof reason !== 'string' || reason.trim().length < 10) {
      fail(scope, 'reason', reason, 'is not a written reason', 'Say in a sentence why the finding does not apply here');
    }
    RULES.set(scope, [...(RULES.get(scope) ?? []), { code, reason: reason.trim(), suppress }]);
    touch();
  }

  private constructor() {}
}

function run(chart: AnalyzedObject[], app: AnalyzedObject[], workloads: KnownWorkload[], services: KnownService[]): Finding[] {
  const r = new Reporter();
  for (const o of chart) {
    if (!o.trusted) { webhookChecks(o, r); }
  }
  crossChecks({ chart, app, existingWorkloads: workloads, existingServices: services }, r);
  return r.findings;
}

/**
 * True when every object the analysis reads was made by the library from checked props and not
 * patched. Its constructs check everything the analysis would (the property tests run the full
 * analysis on random intents and find nothing), so the synth skips the analysis for such apps.
 */
export function onlyLibraryObjects(constructs: IConstruct[]): boolean {
  return constructs.every(c => !(c instanceof ApiObject) || !analyzed(c) || isLibraryMade(c));
}

/** The kinds the analysis reads (other objects are not rendered for it). */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod']);
function analyzed(o: ApiObject): boolean {
  return /\.istio\.io\//.test(o.apiVersion) || (o.apiVersion === 'v1' && (o.kind === 'Service' || o.kind === 'Namespace' || o.kind === 'Pod'))
    || WORKLOADS.has(o.kind);
}

/**
 * Analyses one chart: its objects, with references resolved across the app. `all` is every
 * construct of the app, when the caller has walked the tree already.
 */
export function analyzeChart(chart: Chart, all: IConstruct[] = App.of(chart).node.findAll()): Finding[] {
  const canaries = all.filter((c): c is CanaryService => c instanceof CanaryService);
  // The Deployments a CanaryService creates are known without rendering them: only their pod labels
  // matter here, and rendering every Deployment twice per synth would double its cost.
  const known = new Map<ApiObject, any>();
  for (const c of canaries) {
    for (const v of c.versionNames) {
      const d = c.deploymentOf(v);
      if (!d) { continue; }
      const o = ApiObject.of(d);
      known.set(o, {
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.name, namespace: o.metadata.namespace },
        spec: { template: { metadata: { labels: c.podLabelsOf(v) } } },
      });
    }
  }
  // Construct paths are computed only for objects that get a finding.
  const objects: AnalyzedObject[] = [];
  const inChart: AnalyzedObject[] = [];
  for (const c of all) {
    if (!(c instanceof ApiObject) || !analyzed(c)) { continue; }
    const o = c;
    const trusted = isRendered(o) && ((o as any).patches ?? []).length === 0;
    const entry: AnalyzedObject = { json: known.get(o) ?? o.toJson(), get path() { return o.node.path; }, trusted };
    objects.push(entry);
    if (Chart.of(o) === chart) { inChart.push(entry); }
  }
  const workloads = canaries.flatMap(c => c._adoptedWorkloads());
  const services = canaries.filter(c => c.service === undefined && c.mode !== 'replicas')
    .map(c => ({ namespace: c.namespace ?? 'default', name: c.name, selector: { app: c.name }, ports: [c.port] }));
  const byPath = new Map(all.map(c => [c.node.path, c]));
  return run(inChart, objects, workloads, services).flatMap(f => applyRules(f, byPath.get(f.constructPath)));
}

function applyRules(f: Finding, construct: IConstruct | undefined): Finding[] {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    const rule = (RULES.get(c) ?? []).find(x => x.code === f.code);
    if (!rule) { continue; }
    if (rule.suppress) { return []; }
    return [{ ...f, severity: f.severity === Severity.ERROR ? Severity.WARNING : f.severity, downgradeReason: rule.reason }];
  }
  return [f];
}

/** Splits findings into the error messages that fail the synth, and prints the rest once. */
export function reportFindings(findings: Finding[], printed: Set<string>): string[] {
  for (const f of findings.filter(x => x.severity !== Severity.ERROR)) {
    const line = formatFinding(f);
    if (!printed.has(line)) {
      printed.add(line);
      process.emitWarning(line, { code: f.code, type: f.severity === Severity.WARNING ? 'IstioTrafficWarning' : 'IstioTrafficInfo' });
    }
  }
  return findings.filter(x => x.severity === Severity.ERROR).map(formatFinding);
}
