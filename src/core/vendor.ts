/**
 * The run-time libraries, each loaded on first use (an app that never parses YAML never loads the YAML
 * parser). In the package they are bundled into lib/vendor/ at compile time (scripts/bundle-vendor.js):
 * the package carries only the code it runs, and has no dependency outside jsii. In a checkout (src/
 * run by ts-jest or ts-node) there is no vendor/ next to src/, and they come from node_modules, where
 * they are devDependencies. Node.js caches what it loads, so each library is read once.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as Cel from '@bufbuild/cel';
import type { RE2JS } from 're2js' with { 'resolution-mode': 'import' };
import type * as Yaml from 'yaml';

/** lib/vendor/ in the package, where this module is lib/src/core/vendor.js. */
const VENDOR = path.join(__dirname, '..', '..', 'vendor');

/** Whether this is the package (the bundles are there) or a checkout: decided once, when loaded. */
const BUNDLED = fs.existsSync(VENDOR);

/**
 * The bundle `vendor/<bundle>.js` in the package (`fromVendor` requires it with a literal path, so
 * that the library's own bundle holds it: scripts/bundle-library.js), else what `fromNodeModules`
 * requires.
 */
function vendored<T>(bundle: string, fromVendor: () => T, fromNodeModules: () => T): T {
  if (BUNDLED) { return fromVendor(); }
  try {
    return fromNodeModules();
  } catch (e: any) {
    if (e?.code !== 'MODULE_NOT_FOUND') { throw e; }
    throw new Error(`cdk8s-istio-traffic: lib/vendor/${bundle}.js is missing (${String(e.message).split('\n')[0]}); `
      + "build it with 'node scripts/bundle-vendor.js' (part of 'npx projen compile')");
  }
}

// The libraries are devDependencies: the package has them in lib/vendor/, only a checkout requires them.
/* eslint-disable @typescript-eslint/no-require-imports, import/no-extraneous-dependencies, import/no-unresolved */

/** yaml: RoutingSimulator.fromYaml parses manifests with it. */
export function loadYaml(): typeof Yaml {
  return vendored('yaml', () => require('../../vendor/yaml.js') as typeof Yaml, () => require('yaml') as typeof Yaml);
}

/**
 * re2js: Istio and Envoy regexes are RE2. It is an ES module with a CommonJS build; this package is
 * CommonJS, so it loads the CJS build (and the bundle is made from it).
 */
export function loadRe2(): { readonly RE2JS: typeof RE2JS } {
  return vendored('re2js', () => require('../../vendor/re2js.js') as { RE2JS: typeof RE2JS }, () => require('re2js') as { RE2JS: typeof RE2JS });
}

/**
 * @bufbuild/cel and its extension functions (one CEL runtime for both): the CRDs' CEL rules. In the
 * package, `cel` holds only the functions src/analysis/crd-rules.ts uses (scripts/bundle-vendor.js
 * lists them and checks the bundle has them): add a function there when the analysis needs a new one.
 */
export interface CelLibrary {
  readonly cel: typeof Cel;
  readonly ext: { readonly strings: Cel.CelFunc[] };
}

/** @bufbuild/cel and `@bufbuild/cel/ext`, which vendor/cel.js bundles together. */
export function loadCel(): CelLibrary {
  return vendored('cel', () => require('../../vendor/cel.js') as CelLibrary, () => ({ cel: require('@bufbuild/cel') as typeof Cel, ext: require('@bufbuild/cel/ext') as CelLibrary['ext'] }));
}

/* eslint-enable @typescript-eslint/no-require-imports, import/no-extraneous-dependencies, import/no-unresolved */
