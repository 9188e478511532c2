#!/usr/bin/env node
/**
 * Bundles the run-time libraries of the library into lib/vendor/, one minified CommonJS file each
 * (esbuild), so that the npm package carries only the code it runs: a jsii module may only depend on
 * other jsii modules at run time, and npm's bundledDependencies would ship these packages whole (11 MB).
 *
 * - vendor/yaml.js         yaml: RoutingSimulator.fromYaml parses manifests (src/simulator/routing-simulator.ts);
 * - vendor/re2js.js        re2js: Istio's and Envoy's regexes are RE2 (src/core/re2.ts);
 * - vendor/cel.js          @bufbuild/cel and @bufbuild/cel/ext, one copy of the CEL runtime for both (with
 *                          @bufbuild/protobuf, its peer): the CRDs' CEL rules at synth (src/analysis/crd-rules.ts);
 * - vendor/ajv-runtime.js  the ajv runtime helpers the precompiled CRD validators require (the validators
 *                          in lib/ require them from here: scripts/compile-crd-rules.js --copy-to).
 *
 * The library loads each on first use through src/core/vendor.ts: from lib/vendor/ in the package,
 * from node_modules in a checkout. In the package the libraries are devDependencies only. Next in the
 * compile, scripts/bundle-library.js renames yaml.js, re2js.js and cel.js to <name>.bundle.js and puts
 * a loader in their place that compiles each with V8's code cache.
 *
 * Each bundle starts with the license notices of the packages in it: each package's LICENSE file, or,
 * for a package that ships none, the copyright notices of its bundled sources and the license text
 * (scripts/licenses/). A package without either fails the build. The output is a function of the
 * installed packages and this script; a file whose content is unchanged is not rewritten.
 *
 * Usage: node scripts/bundle-vendor.js [OUT_DIR]     (default lib/vendor; after compile-crd-rules.js --copy-to)
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { ajvRuntimeHelpers, DEFAULT_OUT: GENERATED } = require('./compile-crd-rules');

const ROOT = path.join(__dirname, '..');
const DEFAULT_OUT = path.join(ROOT, 'lib', 'vendor');
/** The validators copied into the package, whose ajv requires point at vendor/ajv-runtime.js. */
const COPIED_VALIDATORS = path.join(ROOT, 'lib', 'src', 'analysis', 'generated');

/** What src/analysis/crd-rules.ts takes from @bufbuild/cel (the bundle has these only). */
const CEL_USED = ['celEnv', 'celFunc', 'celMethod', 'CelScalar', 'isCelError', 'parse', 'plan'];

/** The texts of licenses that a package may name without shipping a LICENSE file, by SPDX id. */
const LICENSE_TEXTS = { 'Apache-2.0': path.join(__dirname, 'licenses', 'Apache-2.0.txt') };

/**
 * The bundles: the entry module of each (resolved from the repository's node_modules), and a check
 * that the bundle exports what src/core/vendor.ts expects.
 */
function bundles() {
  const helpers = ajvRuntimeHelpers(GENERATED);
  if (helpers.length === 0) {
    throw new Error(`bundle-vendor: no ajv runtime helper is required in ${path.relative(ROOT, GENERATED)}; run 'node scripts/compile-crd-rules.js' first`);
  }
  return [
    { name: 'yaml', entry: "module.exports = require('yaml');", check: m => typeof m.parseAllDocuments === 'function' },
    { name: 're2js', entry: "module.exports = require('re2js');", check: m => typeof m.RE2JS?.compile === 'function' },
    {
      name: 'cel',
      // One entry for both, so that the extension's functions use the same CEL runtime as the
      // environment. The ES module builds, with only what src/analysis/crd-rules.ts uses, so that esbuild
      // leaves out the rest: 285 KiB instead of 405, which loads in about two thirds of the time.
      entry: `import { ${CEL_USED.join(', ')} } from '@bufbuild/cel';\nimport { strings } from '@bufbuild/cel/ext';\n`
        + `export const cel = { ${CEL_USED.join(', ')} };\nexport const ext = { strings };`,
      esm: true,
      check: m => CEL_USED.every(f => m.cel?.[f] !== undefined) && Array.isArray(m.ext?.strings),
    },
    {
      name: 'ajv-runtime',
      // Each helper's module under its name: `require(".../ajv-runtime.js").ucs2length.default`.
      entry: helpers.map(h => `exports.${h} = require('ajv/dist/runtime/${h}');`).join('\n'),
      check: m => helpers.every(h => m[h] !== undefined && m[h].default !== undefined),
    },
  ];
}

function main(argv) {
  const esbuild = require('esbuild');
  const outDir = argv[0] ? path.resolve(ROOT, argv[0]) : DEFAULT_OUT;
  fs.mkdirSync(outDir, { recursive: true });
  const wanted = new Set();
  const sizes = [];
  for (const bundle of bundles()) {
    const file = `${bundle.name}.js`;
    wanted.add(file);
    const result = esbuild.buildSync({
      stdin: { contents: bundle.entry, resolveDir: ROOT, sourcefile: `vendor-${bundle.name}.js`, loader: 'js' },
      // An ES module entry resolves the packages' ES module builds, which esbuild can tree-shake.
      mainFields: bundle.esm ? ['module', 'main'] : undefined,
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      // Comments the packages mark as legal (/*! or @license) stay, at the end; the header below has the rest.
      legalComments: 'eof',
      metafile: true,
      write: false,
      logLevel: 'warning',
    });
    const header = licenseHeader(file, result.metafile);
    const code = header + Buffer.from(result.outputFiles[0].contents).toString('utf8');
    const target = path.join(outDir, file);
    if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== code) { fs.writeFileSync(target, code); }
    const loaded = require(target);
    if (!bundle.check(loaded)) { throw new Error(`bundle-vendor: ${path.relative(ROOT, target)} does not export what src/core/vendor.ts expects`); }
    sizes.push(`${file} ${Math.round(code.length / 1024)} KiB`);
  }
  // Files of an earlier bundle that is no longer made.
  for (const f of fs.readdirSync(outDir)) { if (!wanted.has(f)) { fs.rmSync(path.join(outDir, f), { recursive: true, force: true }); } }
  checkCopiedValidators(outDir);
  console.log(`bundle-vendor: ${sizes.join(', ')} -> ${path.relative(ROOT, outDir)}`);
}

/** Fails when a validator copied into lib/ requires a helper that vendor/ajv-runtime.js lacks. */
function checkCopiedValidators(outDir) {
  if (outDir !== DEFAULT_OUT || !fs.existsSync(COPIED_VALIDATORS)) { return; }
  const runtime = require(path.join(outDir, 'ajv-runtime.js'));
  for (const f of fs.readdirSync(COPIED_VALIDATORS).sort()) {
    const code = fs.readFileSync(path.join(COPIED_VALIDATORS, f), 'utf8');
    if (code.includes('require("ajv/')) { throw new Error(`bundle-vendor: lib/src/analysis/generated/${f} still requires ajv; run 'node scripts/compile-crd-rules.js --copy-to lib/src/analysis/generated'`); }
    for (const m of code.matchAll(/require\("[./]*vendor\/ajv-runtime\.js"\)\.([A-Za-z0-9_]+)/g)) {
      if (runtime[m[1]] === undefined) { throw new Error(`bundle-vendor: lib/src/analysis/generated/${f} requires the ajv helper ${m[1]}, which vendor/ajv-runtime.js lacks`); }
    }
  }
}

// ---------------------------------------------------------------------------------- licenses

/**
 * The comment that opens a bundle: for every package with code in it (name, version, license), its
 * LICENSE file or, lacking one, the copyright notices of its bundled files and the license's text.
 */
function licenseHeader(file, metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs).sort()) {
    const dir = packageDir(input);
    if (dir === undefined) { continue; } // the entry
    if (!packages.has(dir)) { packages.set(dir, []); }
    packages.get(dir).push(path.join(ROOT, input));
  }
  const sections = [];
  const texts = new Set();
  const byName = [...packages.entries()].map(([dir, files]) => ({ dir, files, pkg: JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) }))
    .sort((a, b) => (a.pkg.name < b.pkg.name ? -1 : a.pkg.name > b.pkg.name ? 1 : 0));
  for (const { dir, files, pkg } of byName) {
    const license = typeof pkg.license === 'string' ? pkg.license : 'see below';
    const title = `${pkg.name}@${pkg.version} ${license.startsWith('(') ? license : `(${license})`}`;
    const licenseFile = fs.readdirSync(path.join(ROOT, dir)).sort().find(f => /^(licen[cs]e|copying)([.-].*)?$/i.test(f));
    if (licenseFile) {
      sections.push(`${title}\n\n${fs.readFileSync(path.join(ROOT, dir, licenseFile), 'utf8').trim()}`);
      continue;
    }
    // No LICENSE file in the package: the notices its sources carry, and the text of each license it names.
    const notices = [...new Set(files.map(leadingComment).filter(c => /copyright/i.test(c)))];
    const named = Object.keys(LICENSE_TEXTS).filter(id => new RegExp(`(^|[^\\w.-])${id.replace(/[.]/g, '\\.')}($|[^\\w.-])`).test(license));
    if (notices.length === 0 || named.length === 0) {
      throw new Error(`bundle-vendor: ${pkg.name} (in ${file}) ships no LICENSE file, and its notices or license text (${license}) are unknown: add the text to scripts/licenses/`);
    }
    named.forEach(id => texts.add(id));
    sections.push(`${title}: no LICENSE file in the package; the notices of its sources, and the text of ${named.join(', ')} at the end\n\n${notices.join('\n\n')}`);
  }
  for (const id of [...texts].sort()) { sections.push(`The text of ${id}\n\n${fs.readFileSync(LICENSE_TEXTS[id], 'utf8').trim()}`); }
  const body = [
    `${file}: third-party code bundled by scripts/bundle-vendor.js of cdk8s-istio-traffic, with its licenses.`,
    ...sections,
  ].join(`\n\n${'-'.repeat(100)}\n\n`);
  return `/*!\n${body.replace(/\*\//g, '* /')}\n*/\n`;
}

/** The package directory (relative to the repository) of a bundled file, or undefined for the entry. */
function packageDir(input) {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) { return undefined; }
  const length = parts[at + 1].startsWith('@') ? 2 : 1;
  return parts.slice(0, at + 1 + length).join('/');
}

/** The comment at the start of a file (after "use strict"), as plain lines. */
function leadingComment(file) {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  let i = 0;
  while (i < lines.length && /^\s*(['"]use strict['"];?)?\s*$/.test(lines[i])) { i++; }
  const out = [];
  if (lines[i]?.trim().startsWith('/*')) {
    for (; i < lines.length; i++) {
      out.push(lines[i].replace(/^\s*\/\*+!?\s?|\s*\*+\/\s*$|^\s*\*\s?/g, ''));
      if (lines[i].includes('*/')) { break; }
    }
  } else {
    for (; i < lines.length && lines[i].trim().startsWith('//'); i++) { out.push(lines[i].trim().replace(/^\/\/ ?/, '')); }
  }
  return out.join('\n').trim();
}

module.exports = { packageDir, leadingComment };

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
