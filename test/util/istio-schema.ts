/**
 * Validates synthesized Istio and Kubernetes Gateway API objects against the pinned CRD bundles, the way
 * the Kubernetes API server does with `kubectl apply --validate=strict`: the openAPIV3Schema (types,
 * enums, required fields, oneOf, and unknown fields rejected; defaults applied, to a copy), compiled
 * here with ajv from the YAML on its own, independently of the validators the analysis ships; and the
 * CEL `x-kubernetes-validations` rules, evaluated by the analysis's evaluator (src/analysis/crd-rules.ts).
 */
import * as net from 'net';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import { Yaml } from 'cdk8s';
import { crdRulesOf, crdRuleViolations } from '../../src/analysis/crd-rules';

const CRD_FILES = ['istio-1.30.3-crd-all.gen.yaml', 'gateway-api-v1.6.1-standard-crds.yaml'].map(f => path.join(__dirname, '..', '..', 'imports', 'crds', f));

let validators: Map<string, ValidateFunction> | undefined;

/** Makes every object schema closed, as strict decoding in the API server is. */
function closeObjects(schema: any): any {
  if (Array.isArray(schema)) { return schema.map(closeObjects); }
  if (schema === null || typeof schema !== 'object') { return schema; }
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = (k === 'properties' || k === 'patternProperties')
      ? Object.fromEntries(Object.entries(v as any).map(([pk, pv]) => [pk, closeObjects(pv)]))
      : closeObjects(v);
  }
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined
    && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (out['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}

function load(): Map<string, ValidateFunction> {
  if (validators) { return validators; }
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => !Number.isNaN(Date.parse(s)) });
  // The Gateway API's address values (the analysis' validators do not check these two formats).
  ajv.addFormat('ipv4', { type: 'string', validate: (s: string) => net.isIPv4(s) });
  ajv.addFormat('ipv6', { type: 'string', validate: (s: string) => net.isIPv6(s) && !s.includes('%') });
  validators = new Map();
  const docs = CRD_FILES.flatMap(f => Yaml.load(f) as any[]);
  for (const crd of docs) {
    if (!crd || crd.kind !== 'CustomResourceDefinition') { continue; }
    for (const version of crd.spec.versions) {
      const schema = closeObjects(version.schema.openAPIV3Schema);
      // Top level: only apiVersion, kind, metadata, spec and status are accepted.
      schema.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...schema.properties };
      schema.additionalProperties = false;
      validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
    }
  }
  return validators;
}

/** True for objects of an Istio API group or of the Kubernetes Gateway API. */
export function isIstioObject(obj: any): boolean {
  return typeof obj?.apiVersion === 'string' && (/\.istio\.io\//.test(obj.apiVersion) || obj.apiVersion.startsWith('gateway.networking.k8s.io/'));
}

/** Schema and CEL errors of one Istio or Gateway API object (empty when valid). Unknown kinds are an error too. */
export function istioSchemaErrors(original: any): string[] {
  const v = load().get(`${original.apiVersion}/${original.kind}`);
  const id = `${original.kind}/${original.metadata?.name}`;
  if (!v) { return [`${id}: no CRD schema for ${original.apiVersion} ${original.kind}`]; }
  // The schema's defaults are applied (to a copy) before the CEL rules run, as in the API server.
  const obj = structuredClone(original);
  const valid = v(obj);
  const cel = crdRuleViolations(crdRulesOf(obj.apiVersion, obj.kind) ?? {}, obj)
    .map(x => `${id}: ${x.field} ${x.message}${x.rule !== undefined ? ` (rule ${x.rule}: ${x.failure})` : `: ${x.failure}`}`);
  if (valid) { return cel; }
  return [...(v.errors ?? []).map(e => `${id}: ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` '${(e.params as any).additionalProperty}'` : ''}`), ...cel];
}

/** Schema and CEL errors of every Istio and Gateway API object in a list of manifests. */
export function validateIstioObjects(manifests: any[]): string[] {
  return manifests.filter(isIstioObject).flatMap(istioSchemaErrors);
}
