#!/usr/bin/env node
/**
 * Makes the package start fast (after jsii and scripts/bundle-vendor.js, as part of the compile):
 *
 * 1. bundles the compiled library, lib/src/index.js and the modules it requires, into one CommonJS
 *    file, lib/src/index.bundle.js (esbuild; cdk8s, cdk8s-plus-27 and constructs stay requires, the
 *    run-time libraries of lib/vendor/ and the CRD validators stay files loaded on first use);
 * 2. writes V8's code cache of the bundle, lib/src/index.bundle.js.cache, after a synth of
 *    representative charts so that it holds the functions an app runs;
 * 3. replaces lib/src/index.js (the package's entry point) by a loader of the bundle with its cache
 *    (src/core/code-cache.ts). tsc's index.js is kept as lib/src/index.modules.js, the bundle's entry.
 *
 * Why: loading the library module by module, each compiled by V8 on the spot, was most of what it
 * added to an app's cold start, and Node.js 20 has no compile cache of its own (docs/checks.md, "Cold
 * start"). The other compiled modules stay in lib/ for their declarations, for `cdk8s-istio-traffic/jest`
 * and for the CLI; they have no module-level state, so a second copy of one is harmless.
 *
 * A module of the bundle that reads `__dirname` gets its own directory, as when it is loaded alone.
 *
 * Usage: node scripts/bundle-library.js      (after `jsii`; lib/ is made anew by every compile)
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const LIB_SRC = path.join(ROOT, 'lib', 'src');
const ENTRY = path.join(LIB_SRC, 'index.js');
const MODULES_ENTRY = path.join(LIB_SRC, 'index.modules.js');
const BUNDLE = path.join(LIB_SRC, 'index.bundle.js');
const LOADER_MARK = 'scripts/bundle-library.js';
const VENDOR = path.join(ROOT, 'lib', 'vendor');

/** The loader that replaces lib/vendor/<name>.js. */
function vendorLoader(name) {
  return `"use strict";
// Written by ${LOADER_MARK}: loads ${name}.bundle.js (scripts/bundle-vendor.js) with V8's code cache.
require("../src/core/code-cache").loadWithCodeCache(require("path").join(__dirname, "${name}.bundle.js"), module, require);
`;
}

/** The loader that replaces lib/src/index.js. */
const LOADER = `"use strict";
// The package's entry point, written by ${LOADER_MARK}: loads the library's bundle with V8's code
// cache (src/core/code-cache.ts). The bundle's entry is index.modules.js, tsc's index.js.
require("./core/code-cache").loadWithCodeCache(require("path").join(__dirname, "index.bundle.js"), module, require);
`;

/** esbuild plugin: `__dirname` in a bundled module is that module's directory, not the bundle's. */
const moduleDirname = {
  name: 'module-dirname',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, args => {
      const code = fs.readFileSync(args.path, 'utf8');
      if (!/\b__dirname\b/.test(code)) { return undefined; }
      const rel = path.relative(path.dirname(BUNDLE), path.dirname(args.path)).split(path.sep).join('/');
      return {
        contents: `const __moduleDirname = require("path").join(__dirname, ${JSON.stringify(rel)});\n`
          + code.replace(/\b__dirname\b/g, '__moduleDirname'),
        loader: 'js',
      };
    });
  },
};

/**
 * esbuild plugin: files loaded on first use stay files, required relative to the bundle: the run-time
 * libraries of lib/vendor/ (each with its own code cache, below) and the CRD validators of
 * lib/src/analysis/generated/ (about 1 MB, of which an app uses the few kinds it has; in the bundle
 * they made every app's heap large enough to start a garbage collection before exit).
 */
const loadedOnUse = {
  name: 'loaded-on-use',
  setup(build) {
    build.onResolve({ filter: /(\/vendor\/[a-z0-9-]+\.js|\/generated\/index\.js)$/ }, args => {
      const target = path.resolve(args.resolveDir, args.path);
      const rel = path.relative(path.dirname(BUNDLE), target).split(path.sep).join('/');
      return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
    });
  },
};

/**
 * The run-time libraries (scripts/bundle-vendor.js), each loaded on first use: lib/vendor/<name>.js
 * becomes a loader of <name>.bundle.js with its code cache, made after `warmUp` has used the library.
 */
const VENDOR_WARM_UPS = {
  yaml: yaml => {
    const docs = yaml.parseAllDocuments('a: 1\nb: [x, "y"]\n---\nkind: VirtualService\nspec: {hosts: [reviews]}\n');
    yaml.stringify(docs.map(d => d.toJS()));
  },
  re2js: re2 => {
    const re = re2.RE2JS.compile('.*(Chrome|CriOS)/[0-9]+.*');
    re.matches('Mozilla/5.0 Chrome/120.0');
  },
  cel: lib => {
    const env = lib.cel.celEnv({ funcs: [...lib.ext.strings] });
    for (const rule of ['size(self) > 0 && self.all(k, k.matches("^[a-z]+$"))', 'has(self.x) ? self.x.startsWith("a") : true', 'self.y.split(",").size() < 3']) {
      const plan = lib.cel.plan(env, lib.cel.parse(rule));
      plan({ self: { x: 'abc', y: 'a,b' } });
    }
  },
};

/** Charts with every construct, synthesized once before the cache is written. */
function warmUp(lib) {
  const { App, Chart, Duration } = require('cdk8s');
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-library-'));
  try {
    const app = new App({ outdir });
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    new lib.MeshNamespace(chart, 'shop');
    const reviews = new lib.CanaryService(chart, 'reviews', {
      port: 9080,
      stable: { image: 'reviews:1' },
      canary: { image: 'reviews:2' },
      traffic: lib.TrafficSplit.canaryPercent(10),
    });
    const ratings = new lib.CanaryService(chart, 'ratings', {
      port: 9080,
      stable: { image: 'ratings:1' },
      canary: { image: 'ratings:2' },
      traffic: lib.TrafficSplit.canaryPercent(0),
    });
    new lib.DarkRelease(chart, 'jason', { service: ratings, version: 'v2', when: [lib.RequestCondition.headerExact('end-user', 'jason')] });
    new lib.CircuitBreakerPolicy(chart, 'reviews-cb', {
      service: reviews,
      connectionPool: { maxConnections: 10 },
      outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10) },
    });
    new lib.RoutePolicy(chart, 'timeouts', { service: reviews, timeout: Duration.seconds(10), retries: { attempts: 3, perTryTimeout: Duration.seconds(2) } });
    new lib.FaultInjection(chart, 'delay', { service: reviews, delay: Duration.seconds(7), when: [lib.RequestCondition.headerExact('end-user', 'tester')] });
    const edge = new lib.IngressEdge(chart, 'gateway', { hosts: ['shop.example.com'] });
    edge.addRoute({ name: 'reviews', to: lib.EdgeDestination.release(reviews), when: [lib.RequestCondition.pathPrefix('/reviews')] });
    app.synth();
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

async function main() {
  const esbuild = require('esbuild');
  const entry = fs.readFileSync(ENTRY, 'utf8');
  if (entry.includes(LOADER_MARK)) {
    throw new Error(`bundle-library: ${path.relative(ROOT, ENTRY)} is already the loader; compile again (npx projen compile makes lib/ anew)`);
  }
  fs.writeFileSync(MODULES_ENTRY, entry);
  await esbuild.build({
    entryPoints: [MODULES_ENTRY],
    outfile: BUNDLE,
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Whitespace and syntax only: names stay as written (class names are read, e.g. by jsii).
    minifyWhitespace: true,
    minifySyntax: true,
    external: ['cdk8s', 'cdk8s-plus-27', 'constructs', 'yaml', 're2js', '@bufbuild/*', 'ajv', 'ajv/*'],
    plugins: [moduleDirname, loadedOnUse],
    logLevel: 'warning',
  });
  // The package's entry point becomes the loader of the bundle.
  fs.writeFileSync(ENTRY, LOADER);
  // The run-time libraries first: the library's warm-up loads them through their loaders.
  const { writeCodeCache } = require(path.join(LIB_SRC, 'core', 'code-cache.js'));
  const vendor = [];
  for (const [name, warm] of Object.entries(VENDOR_WARM_UPS)) {
    const file = path.join(VENDOR, `${name}.js`);
    const bundled = path.join(VENDOR, `${name}.bundle.js`);
    fs.renameSync(file, bundled);
    fs.writeFileSync(file, vendorLoader(name));
    vendor.push(`${name} ${Math.round(writeCodeCache(bundled, warm) / 1024)} KiB`);
  }
  const bytes = writeCodeCache(BUNDLE, warmUp);
  console.log(`bundle-library: ${path.relative(ROOT, BUNDLE)} ${Math.round(fs.statSync(BUNDLE).size / 1024)} KiB, code cache ${Math.round(bytes / 1024)} KiB; code caches of lib/vendor: ${vendor.join(', ')}`);
}

main().catch(e => { console.error(e); process.exitCode = 1; });
