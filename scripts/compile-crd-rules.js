#!/usr/bin/env node
/**
 * Compiles the pinned CRD bundles (Istio's, and the Kubernetes Gateway API's standard channel) into what
 * the synth-time CRD check (src/analysis/crd-rules.ts) runs, so that nothing is compiled when an app
 * starts:
 *
 * - one standalone validator per distinct `openAPIV3Schema` (ajv's standalone code generation), with
 *   the API server's structural rules: unknown fields rejected (as `kubectl apply`'s default strict
 *   field validation does), `x-kubernetes-int-or-string`, `nullable`, null object fields treated as
 *   absent (the API server prunes them);
 * - next to it, in the same module, the CRD's CEL rules (`x-kubernetes-validations`) as a tree that
 *   follows the schema down to each rule's location, the `x-kubernetes-list-type` keys, and the
 *   field names of each mutually exclusive `oneOf` (for readable messages).
 *
 * Transition rules (those that read `oldSelf`) compare an update with the stored object; they do not
 * apply when an object is created, so they are left out and listed in the index as skipped.
 *
 * Usage: node scripts/compile-crd-rules.js [OUT_DIR]          (default src/analysis/generated)
 *        node scripts/compile-crd-rules.js --copy-to DIR        (after compiling: the same files into DIR)
 *
 * The validators require ajv's runtime helpers (`require("ajv/dist/runtime/ucs2length")`): from
 * node_modules in a checkout (src/ run by ts-jest and ts-node). The package has no ajv: --copy-to
 * rewrites each such require to the one bundle of those helpers, lib/vendor/ajv-runtime.js, which
 * scripts/bundle-vendor.js makes (after this step) from the helpers the validators name.
 *
 * The output is a function of the CRD bundle, this script and the versions of ajv and @bufbuild/cel;
 * a stamp in index.js skips the work when none of them changed.
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
/**
 * The pinned CRD bundles, and which of their CRDs are checked: every CRD of Istio's; of the Kubernetes
 * Gateway API's standard channel, the `gateway.networking.k8s.io` kinds (Istio implements them for
 * ingress, for the mesh (GAMMA) and for ambient waypoints); of its experimental channel, the
 * HTTPRoute (what a chart written with RoutingApi.GATEWAY_API_EXPERIMENTAL uses of it: `retry`),
 * under keys of its own (`experimental:<group>/<version>/<Kind>`).
 */
const CRD_BUNDLES = [
  { file: path.join(ROOT, 'imports', 'crds', 'istio-1.30.3-crd-all.gen.yaml'), groups: /\.istio\.io$/ },
  { file: path.join(ROOT, 'imports', 'crds', 'gateway-api-v1.6.1-standard-crds.yaml'), groups: /^gateway\.networking\.k8s\.io$/ },
  { file: path.join(ROOT, 'imports', 'crds', 'gateway-api-v1.6.1-experimental-crds.yaml'), groups: /^gateway\.networking\.k8s\.io$/, kinds: /^HTTPRoute$/, channel: 'experimental' },
];
const DEFAULT_OUT = path.join(ROOT, 'src', 'analysis', 'generated');
/** The bundle of ajv's runtime helpers in the package (made by scripts/bundle-vendor.js). */
const AJV_RUNTIME_BUNDLE = path.join(ROOT, 'lib', 'vendor', 'ajv-runtime.js');
/** A require of one of ajv's runtime helpers in a generated validator; group 1 is the helper's name. */
const AJV_RUNTIME_REQUIRE = /require\("ajv\/dist\/runtime\/([A-Za-z0-9_]+)"\)/g;

/**
 * Every subschema at least this long (as JSON) becomes a function of its own ($defs and $ref), one
 * function however often the subschema occurs. V8 compiles a function when it is first called, so an
 * object that uses few of its kind's fields compiles little of the validator: with one big function
 * per kind, the first VirtualService checked cost about 15 ms of compilation, now about 2 ms, and
 * the modules are a third smaller.
 */
const FUNCTION_MIN_CHARS = 300;

/**
 * The functions the evaluator provides (src/analysis/crd-rules.ts): CEL's standard functions and
 * macros, the strings extension, and Kubernetes' URL library. A rule that calls anything else fails
 * the build instead of failing at synth.
 */
const CEL_FUNCTIONS = new Set([
  // operators, as the parser names them
  '_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', '_+_', '_-_', '_*_', '_/_', '_%_', '-_', '!_', '_&&_', '_||_', '_?_:_',
  '_[_]', '@in', '@not_strictly_false',
  // standard functions
  'size', 'has', 'int', 'uint', 'double', 'string', 'bytes', 'bool', 'type', 'dyn', 'duration', 'timestamp',
  'matches', 'contains', 'startsWith', 'endsWith',
  // strings extension
  'charAt', 'indexOf', 'lastIndexOf', 'lowerAscii', 'upperAscii', 'replace', 'split', 'substring', 'trim', 'join', 'format',
  // Kubernetes URL library (the parts the evaluator implements)
  'isURL', 'url', 'getScheme',
  // Kubernetes IP library (the part the Gateway API rules use)
  'isIP',
]);

function main(argv) {
  if (argv[0] === '--copy-to') {
    if (!argv[1]) { throw new Error('compile-crd-rules: --copy-to needs a directory'); }
    const src = generate(DEFAULT_OUT);
    copyDir(src, path.resolve(ROOT, argv[1]));
    return;
  }
  generate(argv[0] ? path.resolve(ROOT, argv[0]) : DEFAULT_OUT);
}

/** Writes the validators and rules into `outDir` unless its stamp says they are up to date. */
function generate(outDir) {
  const sources = CRD_BUNDLES.map(b => fs.readFileSync(b.file, 'utf8'));
  const hash = crypto.createHash('sha256');
  for (const source of sources) { hash.update(source); }
  const stamp = hash
    .update(fs.readFileSync(__filename))
    .update(packageVersion('ajv'))
    .update(packageVersion('@bufbuild/cel'))
    .digest('hex').slice(0, 16);
  const indexFile = path.join(outDir, 'index.js');
  if (fs.existsSync(indexFile) && fs.readFileSync(indexFile, 'utf8').includes(`module.exports.stamp = '${stamp}';`)) { return outDir; }

  const YAML = require('yaml');
  const crds = CRD_BUNDLES.flatMap((b, i) => YAML.parseAllDocuments(sources[i]).map(d => d.toJS())
    .filter(d => d && d.kind === 'CustomResourceDefinition' && b.groups.test(d.spec.group) && (b.kinds === undefined || b.kinds.test(d.spec.names.kind)))
    .map(d => ({ crd: d, channel: b.channel })));
  const compiled = compileBundle(crds);

  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  for (const [file, code] of Object.entries(compiled.modules)) { fs.writeFileSync(path.join(outDir, file), code); }
  fs.writeFileSync(indexFile, [
    `// Generated by scripts/compile-crd-rules.js from ${CRD_BUNDLES.map(b => path.relative(ROOT, b.file)).join(' and ')}. Do not edit.`,
    "'use strict';",
    `module.exports = ${JSON.stringify({ bundles: CRD_BUNDLES.map(b => path.basename(b.file)), kinds: compiled.kinds, skipped: compiled.skipped }, null, 1)};`,
    // Literal requires, each on first use: a bundler that follows requires (scripts/bundle-library.js) takes them all.
    'module.exports.load = {',
    ...Object.keys(compiled.modules).sort().map(file => `  ${JSON.stringify(file.replace(/\.js$/, ''))}: () => require('./${file}'),`),
    '};',
    `module.exports.stamp = '${stamp}';`,
    '',
  ].join('\n'));
  const rules = Object.values(compiled.ruleCounts).reduce((a, b) => a + b, 0);
  console.log(`compile-crd-rules: ${Object.keys(compiled.kinds).length} kind versions, ${Object.keys(compiled.modules).length} validators, `
    + `${rules} CEL rules (${compiled.skipped.length} transition rules skipped) -> ${path.relative(ROOT, outDir)}`);
  return outDir;
}

/**
 * Compiles every served version of every CRD. Returns the module source per file name, the file of
 * each `group/version/Kind`, the transition rules left out and the rule count per file.
 */
function compileBundle(crds) {
  const Ajv = require('ajv');
  const standaloneCode = require('ajv/dist/standalone').default;
  const modules = {};
  const kinds = {};
  const skipped = [];
  const ruleCounts = {};
  const byContent = new Map();
  const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0); // not localeCompare: the same order everywhere
  const id = ({ crd, channel }) => `${channel ?? ''}:${crd.spec.group}/${crd.spec.names.kind}`;
  const sorted = [...crds].sort((a, b) => byName(id(a), id(b)));
  for (const { crd, channel } of sorted) {
    const versions = [...crd.spec.versions].filter(v => v.served !== false).sort((a, b) => byName(a.name, b.name));
    for (const version of versions) {
      const where = `${crd.spec.names.kind} ${crd.spec.group}/${version.name}`;
      const raw = version.schema.openAPIV3Schema;
      const rules = ruleTree(raw, '', where, skipped);
      const schema = structuralSchema(raw);
      const key = JSON.stringify([schema, rules]);
      let file = byContent.get(key);
      if (file === undefined) {
        // Istio's kinds by their name (virtualservice.js), the others with their group (gateway.gateway.networking.k8s.io.js).
        const base = (crd.spec.group.endsWith('.istio.io') ? crd.spec.names.kind.toLowerCase() : `${crd.spec.names.kind.toLowerCase()}.${crd.spec.group}`)
          + (channel ? `.${channel}` : '');
        file = Object.keys(modules).includes(`${base}.js`) ? `${base}-${version.name}.js` : `${base}.js`;
        // allErrors: a synth reports every problem at once. No messages: the analysis writes its own.
        // useDefaults: the API server applies the schema's defaults before it validates (and before the
        // CEL rules run, which read them: a Gateway API backendRef's kind is 'Service' unless set). A
        // validator of a schema with defaults fills them in; the analysis gives it a copy (`defaults`).
        const ajv = new Ajv({ strict: false, allErrors: true, messages: false, inlineRefs: false, useDefaults: true, code: { source: true, lines: false } });
        const validate = ajv.compile(schema);
        modules[file] = [
          `// Generated by scripts/compile-crd-rules.js: the openAPIV3Schema and CEL rules of ${where}. Do not edit.`,
          standaloneCode(ajv, validate),
          `module.exports.rules = ${JSON.stringify(rules ?? {})};`,
          `module.exports.exclusive = ${JSON.stringify(exclusiveFields(schema))};`,
          `module.exports.defaults = ${JSON.stringify(/"default":/.test(JSON.stringify(schema)))};`,
          '',
        ].join('\n');
        ruleCounts[file] = countRules(rules);
        byContent.set(key, file);
      }
      kinds[`${channel ? `${channel}:` : ''}${crd.spec.group}/${version.name}/${crd.spec.names.kind}`] = file.replace(/\.js$/, '');
    }
  }
  return { modules, kinds, skipped, ruleCounts };
}

// ---------------------------------------------------------------------------------- structural schema

/**
 * The schema as the API server checks an object on create: unknown fields rejected, int-or-string,
 * null fields of objects and maps treated as absent, the top level limited to apiVersion, kind,
 * metadata, spec and status; formats turned into the keywords they mean (int32 into its range, which
 * Istio's conversion to protobuf enforces); every subschema of some size compiled as a function of its own.
 */
function structuralSchema(raw) {
  const schema = prepare(raw);
  schema.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...schema.properties };
  schema.additionalProperties = false;
  return asFunctions(schema);
}

const DROPPED = new Set(['description', 'x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'example']);
const FIELD_POSITIONS = new Set(['properties', 'additionalProperties']);

function prepare(s, fieldPosition = false) {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) { return s; }
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    if (DROPPED.has(k)) { continue; }
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, prepare(p, true)]));
    } else if (k === 'additionalProperties' && typeof v === 'object') {
      out.additionalProperties = prepare(v, true);
    } else if (Array.isArray(v)) {
      out[k] = v.map(x => prepare(x));
    } else if (typeof v === 'object' && v !== null && !FIELD_POSITIONS.has(k)) {
      out[k] = prepare(v);
    } else {
      out[k] = v;
    }
  }
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (out['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }, ...(fieldPosition ? [{ type: 'null' }] : [])];
  }
  switch (out.format) {
    case 'int32':
      out.minimum = Math.max(out.minimum ?? -(2 ** 31), -(2 ** 31));
      out.maximum = Math.min(out.maximum ?? 2 ** 31 - 1, 2 ** 31 - 1);
      break;
    case 'byte':
      out.pattern = '^[A-Za-z0-9+/]*={0,2}$';
      break;
    case 'date-time':
      out.pattern = '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$';
      break;
    default:
      // Not checked: ipv4 and ipv6 (the Gateway API's Gateway address values), double and int64.
      break;
  }
  delete out.format;
  // The API server prunes a null field of an object (or value of a map) that is not nullable, so null
  // there is as good as absent.
  if (fieldPosition && out.type !== undefined) { out.nullable = true; }
  for (const k of Object.keys(out)) { if (k.startsWith('x-kubernetes-')) { delete out[k]; } }
  return out;
}

/** Calls `fn` on every subschema of `s` and returns `s` with each replaced by what `fn` returns. */
function mapSubschemas(s, fn) {
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    if ((k === 'properties' || k === 'patternProperties' || k === '$defs') && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, x]) => [name, fn(x)]));
    } else if ((k === 'items' || k === 'additionalProperties' || k === 'not') && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = fn(v);
    } else if ((k === 'oneOf' || k === 'anyOf' || k === 'allOf') && Array.isArray(v)) {
      out[k] = v.map(fn);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** Replaces every subschema of FUNCTION_MIN_CHARS or more with a $ref to one copy of it in $defs. */
function asFunctions(schema) {
  const defs = {};
  const names = new Map();
  const rewrite = s => {
    const key = JSON.stringify(s);
    if (key.length < FUNCTION_MIN_CHARS) { return s; }
    if (!names.has(key)) {
      const name = `s${names.size}`;
      names.set(key, name);
      defs[name] = mapSubschemas(s, rewrite);
    }
    // A default stays beside the reference: ajv applies the default of a property or item schema only.
    return s.default === undefined ? { $ref: `#/$defs/${names.get(key)}` } : { $ref: `#/$defs/${names.get(key)}`, default: s.default };
  };
  const out = mapSubschemas(schema, rewrite);
  if (names.size > 0) { out.$defs = defs; }
  return out;
}

/**
 * For every `oneOf` of the Istio form (none or exactly one of some fields: a `not anyOf required`
 * branch and one `required` branch per field), the fields each branch requires (`null` for the "none"
 * branch), keyed by the schema path ajv reports. Inside a $ref ajv reports the path from the
 * referenced schema, so one path can stand for several oneOf: the analysis picks the one whose
 * passing branches name fields the object has.
 */
function exclusiveFields(schema) {
  const out = {};
  const walk = (s, p) => {
    if (Array.isArray(s.oneOf)) {
      const branches = s.oneOf.map(b => (b.not && Array.isArray(b.not.anyOf) ? null : Array.isArray(b.required) ? b.required : []));
      if (branches.some(b => b !== null && b.length > 0)) {
        const key = `${p}/oneOf`;
        out[key] ??= [];
        if (!out[key].some(x => JSON.stringify(x) === JSON.stringify(branches))) { out[key].push(branches); }
      }
    }
    for (const [k, v] of Object.entries(s)) {
      if (k === '$defs') { continue; }
      const at = `${p}/${pointer(k)}`;
      if ((k === 'properties' || k === 'patternProperties') && v && typeof v === 'object') {
        for (const [name, x] of Object.entries(v)) { walk(x, `${at}/${pointer(name)}`); }
      } else if ((k === 'items' || k === 'additionalProperties' || k === 'not') && v && typeof v === 'object' && !Array.isArray(v)) {
        walk(v, at);
      } else if ((k === 'oneOf' || k === 'anyOf' || k === 'allOf') && Array.isArray(v)) {
        v.forEach((x, i) => walk(x, `${at}/${i}`));
      }
    }
  };
  walk(schema, '#');
  for (const def of Object.values(schema.$defs ?? {})) { walk(def, '#'); }
  return out;
}

function pointer(segment) {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

// ---------------------------------------------------------------------------------- CEL rules

/**
 * The part of the schema that leads to CEL rules and list keys: `r` the rules of this node as
 * [rule, message], `p` properties, `i` array items, `a` map values, `d` a `number` (CEL double; other
 * JSON numbers are CEL ints), `k` the keys of an `x-kubernetes-list-type: map` list (`[]` for a set).
 * Nodes without any of these below them are left out. Transition rules are pushed onto `skipped`.
 */
function ruleTree(s, at, where, skipped, underRule = false) {
  if (s === null || typeof s !== 'object') { return undefined; }
  const node = {};
  const rules = [];
  for (const v of s['x-kubernetes-validations'] ?? []) {
    const used = celUses(v.rule, `${where} ${at || '<root>'}`);
    if (used.idents.has('oldSelf')) {
      skipped.push({ crd: where, field: at || '<root>', rule: v.rule, message: v.message ?? '' });
      continue;
    }
    rules.push([v.rule, v.message ?? v.messageExpression ?? `failed rule: ${v.rule}`]);
  }
  if (rules.length > 0) { node.r = rules; }
  const below = underRule || rules.length > 0;
  if (below && s.type === 'number') { node.d = 1; }
  if (s['x-kubernetes-list-type'] === 'map') { node.k = s['x-kubernetes-list-map-keys'] ?? []; }
  if (s['x-kubernetes-list-type'] === 'set') { node.k = []; }
  const props = {};
  for (const [name, p] of Object.entries(s.properties ?? {})) {
    const child = ruleTree(p, at ? `${at}.${name}` : name, where, skipped, below);
    if (child) { props[name] = child; }
  }
  if (Object.keys(props).length > 0) { node.p = props; }
  const items = s.items && !Array.isArray(s.items) ? ruleTree(s.items, `${at}[]`, where, skipped, below) : undefined;
  if (items) { node.i = items; }
  const values = s.additionalProperties && typeof s.additionalProperties === 'object' ? ruleTree(s.additionalProperties, `${at}.*`, where, skipped, below) : undefined;
  if (values) { node.a = values; }
  return Object.keys(node).length > 0 ? node : undefined;
}

/** Parses a rule and returns the identifiers and functions it uses; fails on a function the evaluator lacks. */
function celUses(rule, where) {
  const { parse } = require('@bufbuild/cel');
  let parsed;
  try {
    parsed = parse(rule);
  } catch (e) {
    throw new Error(`compile-crd-rules: the CEL rule of ${where} does not parse: ${rule}\n${e.message}`);
  }
  const idents = new Set();
  const functions = new Set();
  const walk = x => {
    if (x === null || typeof x !== 'object') { return; }
    if (Array.isArray(x)) { x.forEach(walk); return; }
    if (x.case === 'identExpr') { idents.add(x.value.name); }
    if (x.case === 'callExpr') { functions.add(x.value.function); }
    Object.values(x).forEach(walk);
  };
  walk(parsed.expr);
  for (const f of functions) {
    if (!CEL_FUNCTIONS.has(f)) {
      throw new Error(`compile-crd-rules: the CEL rule of ${where} calls ${f}(), which the evaluator does not provide: ${rule}`);
    }
  }
  return { idents, functions };
}

function countRules(node) {
  if (!node) { return 0; }
  return (node.r?.length ?? 0) + Object.values(node.p ?? {}).reduce((a, c) => a + countRules(c), 0) + countRules(node.i) + countRules(node.a);
}

/** The installed version of a package (some packages do not export their package.json). */
function packageVersion(name) {
  for (let dir = path.dirname(require.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === name) { return pkg.version; }
    }
  }
  throw new Error(`compile-crd-rules: cannot find the version of ${name}`);
}

/**
 * Copies the generated files into `to`, each require of an ajv runtime helper turned into the helper of
 * the same name in lib/vendor/ajv-runtime.js (`require("../../../vendor/ajv-runtime.js").ucs2length`).
 */
function copyDir(from, to) {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  let bundle = path.relative(to, AJV_RUNTIME_BUNDLE).split(path.sep).join('/');
  if (!bundle.startsWith('.')) { bundle = `./${bundle}`; }
  for (const f of fs.readdirSync(from).sort()) {
    const code = fs.readFileSync(path.join(from, f), 'utf8');
    fs.writeFileSync(path.join(to, f), code.replace(AJV_RUNTIME_REQUIRE, (_, helper) => `require(${JSON.stringify(bundle)}).${helper}`));
  }
}

/** The names of the ajv runtime helpers the generated files in `dir` require, sorted (for scripts/bundle-vendor.js). */
function ajvRuntimeHelpers(dir) {
  const helpers = new Set();
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.js')) { continue; }
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(AJV_RUNTIME_REQUIRE)) { helpers.add(m[1]); }
  }
  return [...helpers].sort();
}

module.exports = { compileBundle, ruleTree, structuralSchema, celUses, ajvRuntimeHelpers, DEFAULT_OUT };

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
