/**
 * The CRDs' own rules, evaluated rather than copied: every Istio and Kubernetes Gateway API object the
 * analysis reads is checked against the `openAPIV3Schema` and the CEL rules (`x-kubernetes-validations`)
 * of its kind and version in the pinned CRD bundles (Istio's; the Gateway API's standard channel), the
 * way the Kubernetes API server checks it on create. Violations are IST0106 errors (what
 * `istioctl analyze` calls a schema validation error).
 *
 * Nothing is compiled at synth: `scripts/compile-crd-rules.js` turns the bundle, at build time, into
 * one ajv standalone validator per kind (`./generated/<kind>.js`, with that kind's CEL rules as a tree
 * that follows the schema to each rule's location) and an index. A kind's module is loaded the first
 * time an object of that kind is checked; the CEL evaluator (@bufbuild/cel) is loaded the first time
 * an object has a value where a rule sits (most objects of a plain canary have none).
 *
 * Transition rules (those that read `oldSelf`) only apply to updates: the build leaves them out, and
 * the evaluator skips any it is given.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as Cel from '@bufbuild/cel';
import { AnalyzedObject, Reporter, Severity } from './findings';
import { isIp } from '../core/syntax';
import { loadCel } from '../core/vendor';

const CODE = 'IST0106';

/**
 * The CEL rules and list keys of a schema node (see scripts/compile-crd-rules.js): `r` the rules as
 * [rule, message], `p` properties, `i` array items, `a` map values, `d` a CEL double, `k` the keys of
 * an `x-kubernetes-list-type: map` list (empty for a set).
 */
export interface RuleNode {
  readonly r?: ReadonlyArray<readonly [string, string]>;
  readonly p?: Readonly<Record<string, RuleNode>>;
  readonly i?: RuleNode;
  readonly a?: RuleNode;
  readonly d?: 1;
  readonly k?: readonly string[];
}

/** A value that breaks a CRD rule (a CEL rule, or the uniqueness of a list's keys). */
export interface RuleViolation {
  /** The field path of the value, e.g. `spec.http[0].timeout`. */
  readonly field: string;
  readonly value: unknown;
  /** The CEL rule, or `undefined` for a duplicate list key. */
  readonly rule?: string;
  /** The rule's message from the CRD. */
  readonly message: string;
  /** Why the rule failed: `false`, or the evaluation error. */
  readonly failure: string;
}

interface SchemaError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: any;
}

interface CrdModule {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
  readonly rules: RuleNode;
  /** The branches of each mutually exclusive oneOf: the fields each requires, `null` for "none of them". */
  readonly exclusive: Readonly<Record<string, ReadonlyArray<ReadonlyArray<readonly string[] | null>>>>;
  /** Whether the schema has defaults, which the validator writes into the object it checks. */
  readonly defaults: boolean;
}

interface CrdIndex {
  /** The CRD bundles the validators were compiled from. */
  readonly bundles: readonly string[];
  readonly kinds: Readonly<Record<string, string>>;
  readonly skipped: ReadonlyArray<{ readonly crd: string; readonly field: string; readonly rule: string; readonly message: string }>;
  /** Each validator module by name (the values of `kinds`), required on first call. */
  readonly load: Readonly<Record<string, () => CrdModule>>;
}

// ---------------------------------------------------------------------------------- loading

/**
 * The index of the generated validators (scripts/compile-crd-rules.js): next to this module
 * (src/analysis/generated, and lib/src/analysis/generated in the package), or, for a build of src/
 * elsewhere in a checkout (the benchmark's .bench/), in the checkout's src/analysis/generated. The
 * index requires each validator on first use, with a literal path, so that the package's bundle holds
 * them (scripts/bundle-library.js). Node.js caches what it loads.
 */
export function crdIndex(): CrdIndex {
  /* eslint-disable @typescript-eslint/no-require-imports */
  try {
    return require('./generated/index.js') as CrdIndex;
  } catch (e: any) {
    if (e?.code !== 'MODULE_NOT_FOUND' || !String(e.message).includes('generated/index.js')) { throw e; }
  }
  const inCheckout = path.join(__dirname, '..', '..', '..', 'src', 'analysis', 'generated', 'index.js');
  if (!fs.existsSync(inCheckout)) {
    throw new Error("cdk8s-istio-traffic: the CRD validators (generated/index.js) are missing; build them with 'node scripts/compile-crd-rules.js' (part of 'npx projen compile')");
  }
  return require(inCheckout) as CrdIndex;
  /* eslint-enable @typescript-eslint/no-require-imports */
}

interface Evaluator {
  readonly cel: typeof Cel;
  readonly env: Cel.CelEnv;
}

/**
 * The CRD checks of one analysis run: the generated validators of the kinds it meets, the CEL
 * evaluator (loaded on first use), the compiled rules, and the outcome of each rule for each scalar
 * value (the same '1s' timeout of a thousand objects is evaluated once). Everything it keeps lives
 * as long as the run; nothing is shared between runs.
 */
export class CrdRules {
  private readonly index = crdIndex();
  private readonly modules = new Map<string, CrdModule | undefined>();
  private evaluator: Evaluator | undefined;
  private readonly plans = new Map<string, (bindings: Record<string, any>) => Cel.CelResult>();
  private readonly outcomes = new Map<string, string | undefined>();
  private readonly transitions = new Map<string, boolean>();

  /**
   * @param channel the Gateway API channel the cluster has, when not the standard one
   * (`experimental`: its kinds are checked against that channel's CRDs, where the bundle has them)
   */
  constructor(private readonly channel?: string) {}

  /** The validator of a kind and version of the bundle, or `undefined` for one it does not define. */
  public moduleFor(apiVersion: string, kind: string): CrdModule | undefined {
    const key = `${apiVersion}/${kind}`;
    if (!this.modules.has(key)) {
      const name = (this.channel !== undefined ? this.index.kinds[`${this.channel}:${key}`] : undefined) ?? this.index.kinds[key];
      this.modules.set(key, name === undefined ? undefined : this.index.load[name]());
    }
    return this.modules.get(key);
  }

  /**
   * The outcome of a rule for a value: `undefined` when it holds (or is a transition rule), else
   * `false` or the evaluation error. A rule reads nothing but `self`, so the outcome for a scalar
   * value is kept for the run.
   */
  public check(rule: string, value: unknown, node: RuleNode): string | undefined {
    if (this.isTransition(rule)) { return undefined; }
    if (typeof value === 'object') { return this.evaluate(rule, toCel(value, node)); }
    const key = `${rule}\u0000${typeof value}${node.d ?? ''}\u0000${String(value)}`;
    if (!this.outcomes.has(key)) { this.outcomes.set(key, this.evaluate(rule, toCel(value, node))); }
    return this.outcomes.get(key);
  }

  /** Whether a rule compares with the stored object (`oldSelf`): it does not apply on create. */
  private isTransition(rule: string): boolean {
    let t = this.transitions.get(rule);
    if (t === undefined) {
      t = TRANSITION.test(rule);
      this.transitions.set(rule, t);
    }
    return t;
  }

  /** Evaluates a rule with `self` bound; `undefined` when it holds, else `false` or the evaluation error. */
  private evaluate(rule: string, self: unknown): string | undefined {
    const ev = this.evaluator ??= celEvaluator();
    let plan = this.plans.get(rule);
    if (plan === undefined) {
      plan = ev.cel.plan(ev.env, ev.cel.parse(rule)) as (bindings: Record<string, any>) => Cel.CelResult;
      this.plans.set(rule, plan);
    }
    const result = plan({ self });
    if (ev.cel.isCelError(result)) { return result.message; }
    return result === true ? undefined : String(result);
  }
}

/** The CEL rules (and list keys) of a kind and version of the bundle, or `undefined` for one it does not define. */
export function crdRulesOf(apiVersion: string, kind: string): RuleNode | undefined {
  return new CrdRules().moduleFor(apiVersion, kind)?.rules;
}

// ---------------------------------------------------------------------------------- the check

/** The API groups of the bundles (`apiVersion` starts with one): Istio's, and the Gateway API's. */
const CHECKED_GROUPS = /^([a-z0-9-]+\.istio\.io|gateway\.networking\.k8s\.io)\//;

/**
 * Checks one object against its CRD's schema and CEL rules. `reported` holds the fields that already
 * have an error finding from the webhook checks: a CRD finding on the same field is not added.
 * Istio and Gateway API kinds and versions that the pinned bundles do not define are not checked.
 */
export function crdChecks(obj: AnalyzedObject, r: Reporter, reported: ReadonlySet<string>, rules: CrdRules): void {
  const json = obj.json;
  if (typeof json?.apiVersion !== 'string' || !CHECKED_GROUPS.test(json.apiVersion) || typeof json.kind !== 'string') { return; }
  const crd = rules.moduleFor(json.apiVersion, json.kind);
  if (crd === undefined) { return; }
  // The API server checks the object with the schema's defaults applied, which the validator writes in:
  // into a copy, as the object is the chart's (or the caller's manifest).
  const j = crd.defaults ? structuredClone(json) : json;
  const done = new Set(reported);
  const report = (field: string, value: unknown, message: string, fix: string) => {
    if (done.has(field)) { return; }
    done.add(field);
    r.report(obj, CODE, Severity.ERROR, field, value, message, fix);
  };
  if (!crd(j)) {
    for (const e of crd.errors ?? []) {
      // Errors inside the branches of oneOf/anyOf explain the oneOf/anyOf error, which is reported.
      if (/\/(oneOf|anyOf)\/\d+\//.test(e.schemaPath)) { continue; }
      const s = schemaFinding(j, e, crd);
      report(s.field, shown(s.value), s.message, s.fix);
    }
  }
  for (const v of crdRuleViolations(crd.rules, j, '', rules)) {
    const message = v.rule === undefined
      ? v.failure
      : `${v.message} (the ${j.kind} CRD's rule \`${v.rule.replace(/\s*\n\s*/g, ' ')}\` ${v.failure === 'false' ? 'is false' : `fails: ${v.failure}`})`;
    report(v.field, shown(v.value, v.rule), message, `What the CRD requires: ${v.message}`);
  }
}

/**
 * The value for a finding. An object at a rule's location (often a whole spec) is shown with only the
 * fields the rule reads (`self.<field>`); a value still long after that is summarized.
 */
function shown(value: unknown, rule?: string): unknown {
  if (value === null || typeof value !== 'object') { return value; }
  let v: any = value;
  if (rule !== undefined && isObject(value)) {
    const read = new Set([...rule.matchAll(/\bself\.([A-Za-z_][A-Za-z0-9_]*)/g)].map(m => m[1]));
    const picked = Object.fromEntries(Object.entries(value).filter(([k]) => read.has(k)));
    if (Object.keys(picked).length > 0) { v = picked; }
  }
  if (JSON.stringify(v).length <= 300) { return v; }
  return Array.isArray(v) ? `<a list of ${v.length} items>` : `<an object with ${Object.keys(v).join(', ')}>`;
}

// ---------------------------------------------------------------------------------- schema errors

/** The field path and value at a JSON pointer, with `[i]` for list items and `.key` for fields and map keys. */
function locate(root: unknown, pointer: string): { field: string; value: any } {
  let field = '';
  let value: any = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      field += `[${key}]`;
    } else {
      field = join(field, key);
    }
    value = value?.[key];
  }
  return { field, value };
}

function join(field: string, key: string): string {
  return field === '' ? key : `${field}.${key}`;
}

function typeOf(v: unknown): string {
  if (v === null) { return 'null'; }
  if (Array.isArray(v)) { return 'a list'; }
  if (typeof v === 'object') { return 'an object'; }
  if (typeof v === 'number') { return Number.isInteger(v) ? 'an integer' : 'a number'; }
  return `a ${typeof v}`;
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'an object', array: 'a list', integer: 'an integer', string: 'a string', boolean: 'a boolean', number: 'a number', null: 'null' };
  return String(type).split(',').map(t => names[t] ?? t).join(' or ');
}

/** The size keywords: whether the limit is a maximum, and what is counted. */
const LIMITS: Readonly<Record<string, readonly [boolean, string]>> = {
  maxLength: [true, 'characters'],
  minLength: [false, 'characters'],
  maxItems: [true, 'items'],
  minItems: [false, 'items'],
  maxProperties: [true, 'entries'],
  minProperties: [false, 'entries'],
};

function schemaFinding(root: unknown, e: SchemaError, crd: CrdModule): { field: string; value: unknown; message: string; fix: string } {
  const { field, value } = locate(root, e.instancePath);
  const p = e.params ?? {};
  const requires = (what: string) => `What the CRD requires: ${what}`;
  switch (e.keyword) {
    case 'additionalProperties':
      return {
        field: join(field, p.additionalProperty),
        value: value?.[p.additionalProperty],
        message: `is not a field of the CRD's schema at ${field === '' ? 'the top level' : field} (the API server rejects unknown fields)`,
        fix: requires('only the fields its schema defines: remove it, or correct its name'),
      };
    case 'required':
      return { field: join(field, p.missingProperty), value: undefined, message: 'is required and missing', fix: requires(`set ${p.missingProperty}`) };
    case 'type':
      return { field, value, message: `is ${typeOf(value)}, not ${article(p.type)}`, fix: requires(article(p.type)) };
    case 'enum':
      return { field, value, message: 'is not one of the values the CRD allows', fix: requires(`one of ${(p.allowedValues ?? []).join(', ')}`) };
    case 'oneOf': {
      const has = (names: readonly string[]) => names.every(n => value?.[n] !== undefined && value?.[n] !== null);
      const passing: number[] = p.passingSchemas ?? [];
      const branches = (crd.exclusive[e.schemaPath] ?? []).find(bs => passing.every(i => bs[i] === null || has(bs[i]!)));
      if (branches === undefined) { break; }
      const fields = branches.filter((b): b is readonly string[] => b !== null).map(b => b.join(' and '));
      const set = branches.filter((b): b is readonly string[] => b !== null && has(b)).map(b => b.join(' and '));
      const howMany = branches.includes(null) ? 'at most one' : 'exactly one';
      return {
        field,
        value,
        message: set.length > 1 ? `sets ${set.join(' and ')}, which exclude each other` : `sets none of ${fields.join(', ')}`,
        fix: requires(`${howMany} of ${fields.join(', ')}`),
      };
    }
    case 'anyOf':
      return { field, value, message: `is ${typeOf(value)}, which is none of the forms the CRD allows here`, fix: requires('an integer or a string') };
    case 'maximum': case 'minimum': case 'exclusiveMaximum': case 'exclusiveMinimum':
      return { field, value, message: `is not ${p.comparison} ${p.limit}`, fix: requires(`a number ${p.comparison} ${p.limit}`) };
    case 'pattern':
      return { field, value, message: `does not match the pattern ${p.pattern}`, fix: requires(`a value that matches ${p.pattern}`) };
    default: {
      const limit = LIMITS[e.keyword];
      if (limit === undefined) { break; }
      const [most, unit] = limit;
      return { field, value, message: `has ${most ? 'more' : 'fewer'} than ${p.limit} ${unit}`, fix: requires(`${most ? 'at most' : 'at least'} ${p.limit} ${unit}`) };
    }
  }
  return { field, value, message: `breaks the CRD's schema (keyword ${e.keyword} at ${e.schemaPath})`, fix: requires(`a value that its schema's ${e.keyword} accepts`) };
}

// ---------------------------------------------------------------------------------- CEL rules

const TRANSITION = /\boldSelf\b/;

/**
 * The values of `json` that break the CEL rules (or list keys) of `tree`. Each rule is evaluated at
 * its schema location, once per value there (each item of a list, each value of a map), with that
 * value as `self`; absent and null values are not checked. Transition rules (`oldSelf`) are skipped.
 */
export function crdRuleViolations(tree: RuleNode, json: unknown, field = '', rules: CrdRules = new CrdRules()): RuleViolation[] {
  const out: RuleViolation[] = [];
  walk(tree, json, field, out, rules);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function walk(node: RuleNode, value: unknown, field: string, out: RuleViolation[], rules: CrdRules): void {
  if (value === undefined || value === null) { return; }
  for (const [rule, message] of node.r ?? []) {
    const failure = rules.check(rule, value, node);
    if (failure !== undefined) { out.push({ field, value, rule, message, failure }); }
  }
  if (node.k !== undefined && Array.isArray(value)) { duplicates(node.k, value, field, out); }
  if (node.p !== undefined && isObject(value)) {
    for (const [name, child] of Object.entries(node.p)) { walk(child, value[name], join(field, name), out, rules); }
  }
  if (node.i !== undefined && Array.isArray(value)) {
    value.forEach((item, i) => walk(node.i!, item, `${field}[${i}]`, out, rules));
  }
  if (node.a !== undefined && isObject(value)) {
    for (const [key, v] of Object.entries(value)) { walk(node.a, v, join(field, key), out, rules); }
  }
}

/** An `x-kubernetes-list-type: map` list has one item per key (a set: one per value). */
function duplicates(keys: readonly string[], list: unknown[], field: string, out: RuleViolation[]): void {
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const key = JSON.stringify(keys.length === 0 ? item : keys.map(k => (item as any)?.[k]));
    if (seen.has(key)) {
      const what = keys.map(k => `${k}=${JSON.stringify((item as any)?.[k])}`).join(', ');
      out.push({
        field: `${field}[${i}]`,
        value: item,
        message: keys.length === 0 ? 'each value once (the list is a set)' : `one entry per ${keys.join(' and ')} (the list is a map keyed by ${keys.join(' and ')})`,
        failure: keys.length === 0 ? 'repeats an earlier value of the list, which is a set' : `repeats ${what} of an earlier entry; the list is a map keyed by ${keys.join(' and ')}`,
      });
    }
    seen.add(key);
  });
}

/**
 * A JSON value as CEL sees it in Kubernetes: objects and maps as CEL maps (null fields pruned, as the
 * API server prunes them), integers as CEL ints, `number` fields as doubles.
 */
function toCel(v: unknown, node: RuleNode | undefined): unknown {
  if (typeof v === 'number') { return node?.d !== undefined || !Number.isInteger(v) ? v : BigInt(v); }
  if (Array.isArray(v)) { return v.map(x => toCel(x, node?.i)); }
  if (isObject(v)) {
    const m = new Map<string, unknown>();
    for (const [k, x] of Object.entries(v)) {
      if (x !== null && x !== undefined) { m.set(k, toCel(x, node?.p?.[k] ?? node?.a)); }
    }
    return m;
  }
  return v;
}

/** The CEL environment of Kubernetes' validation rules that the bundle's rules use, loaded on first use. */
function celEvaluator(): Evaluator {
  const { cel, ext: { strings } } = loadCel();
  const { celFunc, celMethod, CelScalar } = cel;
  // Kubernetes' URL library. A URL value is represented by its text: the rules of the bundle only
  // call getScheme() on it (the build fails on a rule that calls a function not provided here).
  const url = [
    celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (s: string) => goRequestUri(s) !== undefined),
    celFunc('url', [CelScalar.STRING], CelScalar.STRING, (s: string) => {
      if (goRequestUri(s) === undefined) { throw new Error(`URL parse error during conversion from string: ${s}`); }
      return s;
    }),
    celMethod('getScheme', CelScalar.STRING, [], CelScalar.STRING, function (this: string) { return goRequestUri(this)?.scheme ?? ''; }),
  ];
  // Kubernetes' IP library, the part the Gateway API rules use.
  const ip = [celFunc('isIP', [CelScalar.STRING], CelScalar.BOOL, (s: string) => isIp(s))];
  return { cel, env: cel.celEnv({ funcs: [...strings, ...url, ...ip] }) };
}

/**
 * Go's `url.ParseRequestURI`, which Kubernetes' `isURL()` and `url()` use: an absolute URI or an
 * absolute path, no control characters, a valid host and port, valid `%` escapes. Returns the
 * lower-case scheme (empty for a path), or `undefined` when Go would fail.
 */
export function goRequestUri(raw: string): { scheme: string } | undefined {
  if (typeof raw !== 'string' || raw === '' || /[\x00-\x1f\x7f]/.test(raw)) { return undefined; }
  if (raw === '*') { return { scheme: '' }; }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw);
  const scheme = m ? m[1].toLowerCase() : '';
  let rest = m ? raw.slice(m[0].length) : raw;
  rest = rest.split('?')[0];
  if (!rest.startsWith('/')) { return scheme !== '' ? { scheme } : undefined; }
  if (scheme !== '' && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    if (slash >= 0) { [authority, rest] = [authority.slice(0, slash), authority.slice(slash)]; } else { rest = ''; }
    const at = authority.lastIndexOf('@');
    const host = authority.slice(at + 1);
    if (at >= 0 && !/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(authority.slice(0, at))) { return undefined; }
    if (!goHost(host)) { return undefined; }
  }
  return goEscapes(rest) ? { scheme } : undefined;
}

function goHost(host: string): boolean {
  let name = host;
  if (host.startsWith('[')) {
    const end = host.lastIndexOf(']');
    if (end < 0 || !/^(:[0-9]*)?$/.test(host.slice(end + 1))) { return false; }
    name = host.slice(1, end);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) {
      if (!/^:[0-9]*$/.test(host.slice(colon))) { return false; }
      name = host.slice(0, colon);
    }
  }
  // Go allows in a host name what RFC 3986 allows (and non-ASCII), not these.
  return goEscapes(name) && !/[ #/?@\\^`{|}]/.test(host.startsWith('[') ? '' : name);
}

function goEscapes(s: string): boolean {
  return !/%(?![0-9A-Fa-f]{2})/.test(s);
}
