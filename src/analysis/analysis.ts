import { ApiObject, App, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { crossChecks } from './analyzers';
import { crdChecks, CrdRules } from './crd-rules';
import { AnalyzedObject, Finding, formatFinding, Reporter, Severity } from './findings';
import { webhookChecks } from './webhook';
import { fail } from '../core/errors';
import { identityError, withoutNullFields } from '../core/manifest-fields';
import { GATEWAY_API_GROUP, isRoutingApi, RoutingApi, routingApiAt } from '../core/routing-api';
import { defaultChildOf, INTERNAL_IDS, plusWorkloadOf } from '../core/tree';
import { KnownService, KnownWorkload, TrafficModel } from '../model/traffic-model';

/** The construct metadata type under which suppressions and downgrades are recorded. */
const RULE_METADATA = 'cdk8s-istio-traffic:analysis-rule';
const CODE = /^(IST|CIT)[0-9]{4}$/;
const CHECKS_ID = INTERNAL_IDS.checks;
const CHECKS_SYMBOL = Symbol.for('cdk8s-istio-traffic.ChartChecks');

interface Rule {
  readonly code: string;
  readonly reason: string;
  readonly suppress: boolean;
}

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
   *
   * @param chart the chart whose objects are checked at synth
   */
  public static enableFor(chart: Chart): void {
    if (!Chart.isChart(chart)) {
      fail('Analysis.enableFor', 'chart', chart, 'is not a cdk8s Chart', 'Pass the Chart whose objects should be analysed');
    }
    ChartChecks.of(chart);
  }

  /**
   * Suppresses findings with `code` on the objects of `scope` (a construct and everything below
   * it). The reason is required and shows in the code review.
   *
   * @example
   * Analysis.suppress(legacy, 'IST0118', 'The port name is fixed by the vendor chart; the protocol is set with appProtocol');
   *
   * @param scope the construct (or chart) whose objects the suppression covers, with everything below it
   * @param code the finding code as printed, e.g. `IST0118` (an `istioctl analyze` code) or `CIT0001` (a check of this library)
   * @param reason why the finding does not apply here, in a sentence (at least 10 characters)
   */
  public static suppress(scope: IConstruct, code: string, reason: string): void {
    Analysis.addRule(scope, code, reason, true);
  }

  /**
   * Turns error findings with `code` on the objects of `scope` into warnings, with a reason: the
   * synth no longer fails on them, but they are still printed.
   *
   * @param scope the construct (or chart) whose objects the downgrade covers, with everything below it
   * @param code the finding code as printed, e.g. `IST0118` or `CIT0001`
   * @param reason why the error is acceptable here, in a sentence (at least 10 characters)
   */
  public static downgrade(scope: IConstruct, code: string, reason: string): void {
    Analysis.addRule(scope, code, reason, false);
  }

  /**
   * The findings of a chart, after suppressions and downgrades (for tests and tools). The chart is
   * analysed on the spot; nothing is thrown for errors.
   *
   * @param chart the chart to analyse
   */
  public static findings(chart: Chart): Finding[] {
    if (!Chart.isChart(chart)) {
      fail('Analysis.findings', 'chart', chart, 'is not a cdk8s Chart', 'Pass the Chart to analyse');
    }
    return analyzeChart(chart);
  }

  /**
   * The findings of plain manifests (no constructs, so no suppressions).
   *
   * @param manifests the parsed Kubernetes objects, e.g. from `YAML.parseAllDocuments` (entries that are not objects are skipped)
   * @param routingApi the API the manifests are written for: with RoutingApi.GATEWAY_API_EXPERIMENTAL, HTTPRoutes are checked against the Gateway API's experimental channel (default: its standard channel)
   */
  public static analyzeManifests(manifests: any[], routingApi: RoutingApi = RoutingApi.ISTIO): Finding[] {
    if (!Array.isArray(manifests)) {
      fail('Analysis.analyzeManifests', 'manifests', manifests, 'is not a list of manifest objects', 'Pass the parsed objects, e.g. from YAML.parseAllDocuments');
    }
    if (!isRoutingApi(routingApi)) {
      fail('Analysis.analyzeManifests', 'routingApi', routingApi, 'is not a RoutingApi', 'Use RoutingApi.ISTIO, RoutingApi.GATEWAY_API or RoutingApi.GATEWAY_API_EXPERIMENTAL');
    }
    // Each object is named by its index in the list given (entries that are not objects are skipped).
    const objects = manifests.map((json, i) => ({ json, path: `manifest[${i}]` })).filter(o => o.json && typeof o.json === 'object');
    return run(objects, objects, [], [], [], channelOf(routingApi));
  }

  private static addRule(scope: IConstruct, code: string, reason: string, suppress: boolean): void {
    if (scope === null || typeof scope !== 'object' || (scope as any).node === undefined) {
      fail(`Analysis.${suppress ? 'suppress' : 'downgrade'}`, 'scope', scope, 'is not a construct', 'Pass the construct (or chart) whose objects the rule covers');
    }
    if (typeof code !== 'string' || !CODE.test(code)) {
      fail(scope, 'code', code, 'is not a finding code', "Use a code as printed, e.g. 'IST0118' or 'CIT0001'");
    }
    if (typeof reason !== 'string' || reason.trim().length < 10) {
      fail(scope, 'reason', reason, 'is not a written reason', 'Say in a sentence why the finding does not apply here');
    }
    const rule: Rule = { code, reason: reason.trim(), suppress };
    scope.node.addMetadata(RULE_METADATA, rule);
  }

  private constructor() {}
}

/**
 * The synth-time checks of one chart, a construct without API objects under the chart. At every
 * validation it reports the cross-construct problems of the chart's routing model. The analysis of
 * every object then runs once per synthesis of the chart, on the tree as it is written:
 *
 * - for a chart with Istio objects of the library, the validation arms it and the first of those
 *   objects to be rendered runs it (cdk8s validates the whole app before writing each chart, and
 *   `App.synth()` validates twice, so analysing at validation would analyse every object two or
 *   more times per synth); errors then fail the synth from inside the chart's rendering;
 * - for a chart without them (only hand-written objects, or services with `RoutingMode.REPLICAS`),
 *   the validation runs it.
 *
 * Nothing is cached: each run renders what it reads, and the tree is never changed.
 */
export class ChartChecks extends Construct {
  /** The checks of the chart `scope` belongs to, created on first use. */
  public static of(scope: IConstruct): ChartChecks {
    const chart = Chart.of(scope);
    const existing = chart.node.tryFindChild(CHECKS_ID) as any;
    return existing !== undefined && CHECKS_SYMBOL in existing ? existing : new ChartChecks(chart, CHECKS_ID);
  }

  /** Warnings already printed, so that a warning is printed once however often the chart is synthesized. */
  private readonly printed = new Set<string>();

  private constructor(scope: Chart, id: string) {
    super(scope, id);
    Object.defineProperty(this, CHECKS_SYMBOL, { value: true });
    this.node.addValidation({ validate: () => this.check() });
  }

  private check(): string[] {
    const chart = Chart.of(this);
    const model = TrafficModel.tryOf(chart);
    // The constructs' own cross checks first: their messages name the construct to change.
    const own = model?.validate() ?? [];
    if (own.length > 0) { return own; }
    if (model?.rendersObjects) {
      model.armBeforeRender(() => this.analyseForOutput(chart));
      return [];
    }
    return reportFindings(analyzeChart(chart), this.printed);
  }

  /** The analysis at the rendering of the chart: errors fail the synth in the format of a validation. */
  private analyseForOutput(chart: Chart): void {
    const errors = reportFindings(analyzeChart(chart), this.printed);
    if (errors.length > 0) {
      // cdk8s prefixes this with the object being written when the analysis ran; say that it is not the culprit.
      throw new Error(`Validation failed with the following errors (found by the analysis of chart '${chart.node.path}' as it was written; `
        + `each line names the object to fix):\n  ${errors.map(e => `[${this.node.path}] ${e}`).join('\n  ')}`);
    }
  }
}

/** The Gateway API channel whose CRDs check the objects of a chart written in `api`, when not the standard one. */
function channelOf(api: RoutingApi): string | undefined {
  return api === RoutingApi.GATEWAY_API_EXPERIMENTAL ? 'experimental' : undefined;
}

function run(chart: AnalyzedObject[], app: AnalyzedObject[], workloads: KnownWorkload[], services: KnownService[],
  accounts: string[] = [], channel?: string): Finding[] {
  const r = new Reporter();
  const rules = new CrdRules(channel);
  // The API server removes null fields before its validation and Istio's webhook see an object: the
  // schema, CEL and cross-object checks read objects as stored. The webhook checks read them as written,
  // so that a null the API server would silently drop (a header condition written `x-user:`) is reported.
  const stored = new Map<AnalyzedObject, AnalyzedObject>();
  const asStored = (o: AnalyzedObject): AnalyzedObject => {
    let s = stored.get(o);
    if (s === undefined) {
      const json = withoutNullFields(o.json);
      s = json === o.json ? o : { json, get path() { return o.path; } };
      stored.set(o, s);
    }
    return s;
  };
  // An object whose identity Kubernetes cannot read is rejected whole: reported once, and read by no other check.
  const unreadable = new Set<AnalyzedObject>();
  for (const o of chart) {
    const bad = identityError(asStored(o).json);
    if (bad) {
      unreadable.add(o);
      const missing = bad.value === undefined;
      r.report(o, 'IST0106', Severity.ERROR, bad.field, bad.value, `${missing ? 'is missing' : 'is not a string'}, so Kubernetes cannot read the object`,
        missing ? `Give the object its ${bad.field} (e.g. ${bad.field === 'kind' ? "'Service'" : "'v1' or 'networking.istio.io/v1'"})` : `Give the object's ${bad.field} as a string`);
    }
  }
  // (The unreadable objects of the chart are among those of the app whose identity is not readable.)
  const inApp = app.map(asStored).filter(o => identityError(o.json) === undefined);
  const inChart: AnalyzedObject[] = [];
  for (const o of chart.filter(x => !unreadable.has(x))) {
    const before = r.findings.length;
    const s = asStored(o);
    inChart.push(s);
    webhookChecks(s, r, o.json);
    // The CRD's schema and CEL rules; a field the webhook checks already reported is not reported twice.
    crdChecks(s, r, new Set(r.findings.slice(before).filter(f => f.severity === Severity.ERROR).map(f => f.field)), rules);
  }
  crossChecks({ chart: inChart, app: inApp, existingWorkloads: workloads, existingServices: services, existingServiceAccounts: accounts }, r);
  return r.findings;
}

/** The kinds the analysis reads (other objects are not rendered for it). */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod']);
function analyzed(o: ApiObject): boolean {
  return /\.istio\.io\//.test(o.apiVersion) || o.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`) || (o.apiVersion === 'v1' && (o.kind === 'Service' || o.kind === 'Namespace' || o.kind === 'Pod' || o.kind === 'ServiceAccount'))
    || WORKLOADS.has(o.kind);
}

/**
 * The manifest of an object as the analysis reads it. A ServiceAccount is read by its metadata (the
 * analysis reads only its name and namespace). A cdk8s-plus workload is read through cdk8s-plus's
 * public model (its object's metadata and its pods' metadata, the same calls cdk8s-plus
 * renders them with) instead of rendering its whole pod spec: the analysis reads nothing else of a
 * workload, and rendering pod specs is most of the cost of a synth.
 */
function manifestOf(o: ApiObject): any {
  if (o.apiVersion === 'v1' && o.kind === 'ServiceAccount') {
    // The analysis reads a ServiceAccount's name and namespace only (principals, duplicate names).
    return { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata.toJson() };
  }
  // A cdk8s-plus workload's object is its default child (what `ApiObject.of` finds), and its public
  // `podMetadata` is what it renders the pod template's metadata from.
  const owner: any = o.node.scope;
  if (WORKLOADS.has(o.kind) && o.kind !== 'Pod' && owner && defaultChildOf(owner) === o && plusWorkloadOf(owner, o) !== undefined) {
    return { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata.toJson(), spec: { template: { metadata: owner.podMetadata.toJson() } } };
  }
  return o.toJson();
}

/**
 * Analyses one chart: its objects, with references resolved across the app, and the workloads and
 * services the charts' routing models know to exist outside the manifests.
 */
export function analyzeChart(chart: Chart): Finding[] {
  const app = App.of(chart);
  const objects: AnalyzedObject[] = [];
  const inChart: AnalyzedObject[] = [];
  const workloads: KnownWorkload[] = [];
  const services: KnownService[] = [];
  const accounts: string[] = [];
  const all = app.node.findAll();
  const models: TrafficModel[] = [];
  for (const c of all) {
    const model = Chart.isChart(c) ? TrafficModel.tryOf(c) : undefined;
    if (model) {
      models.push(model);
      workloads.push(...model.knownWorkloads);
      services.push(...model.knownServices);
      accounts.push(...model.serviceAccounts.keys());
    }
  }
  // Rendering objects for the analysis must not start the analysis armed for another chart.
  models.forEach(m => m.setRenderWorkEnabled(false));
  try {
    for (const c of all) {
      if (!ApiObject.isApiObject(c) || !analyzed(c)) { continue; }
      const o = c;
      // Construct paths are computed only for objects that get a finding.
      const entry: AnalyzedObject = { json: manifestOf(o), get path() { return o.node.path; } };
      objects.push(entry);
      if (Chart.of(o) === chart) { inChart.push(entry); }
    }
  } finally {
    models.forEach(m => m.setRenderWorkEnabled(true));
  }
  const byPath = new Map<string, IConstruct>();
  const constructOf = (path: string): IConstruct | undefined => {
    if (byPath.size === 0) { for (const c of all) { byPath.set(c.node.path, c); } }
    return byPath.get(path);
  };
  // A chart written for the Gateway API's experimental channel is checked against that channel's CRDs.
  const channel = channelOf(routingApiAt(chart));
  return run(inChart, objects, workloads, services, accounts, channel).flatMap(f => applyRules(f, constructOf(f.constructPath)));
}

function applyRules(f: Finding, construct: IConstruct | undefined): Finding[] {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    const rule = c.node.metadata.filter(m => m.type === RULE_METADATA).map(m => m.data as Rule).find(x => x.code === f.code);
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
      // Node.js prints the code before the type (`[CIT0001] IstioTrafficWarning: ...`): the text leaves it out.
      process.emitWarning(line.slice(`[${f.code}] `.length), { code: f.code, type: f.severity === Severity.WARNING ? 'IstioTrafficWarning' : 'IstioTrafficInfo' });
    }
  }
  return findings.filter(x => x.severity === Severity.ERROR).map(formatFinding);
}
