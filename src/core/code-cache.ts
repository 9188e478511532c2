/**
 * The package's start-up: the library is one CommonJS bundle (lib/src/index.bundle.js, made by
 * scripts/bundle-library.js after the compile) that Node.js compiles with V8's code cache
 * (lib/src/index.bundle.js.cache), made at build time after a representative synth so that it holds
 * the functions a synth runs, not only the top level. Node.js 20 has no compile cache of its own
 * (`module.enableCompileCache` is Node.js 22), and compiling the library's modules one by one was most
 * of what it added to an app's cold start (see docs/checks.md, "Cold start").
 *
 * A cache made by another V8 version or with other V8 flags is rejected by V8, and a missing or
 * unreadable one is ignored: the bundle is then compiled as any module is. Only public Node.js APIs:
 * `vm.Script` with `cachedData`, and `module.createRequire` for the bundle's own requires.
 *
 * Only in Node.js' own module system: under a loader that runs modules in a vm context of its own
 * (jest runs each test file in one), the bundle compiled here would live in another realm than the
 * code that calls it (another `Object`, another copy of cdk8s), so there it is required as any module
 * is, through that loader, without the cache.
 *
 * Not used in a checkout (ts-jest and ts-node load src/ module by module).
 */
import * as fs from 'fs';
import * as nodeModule from 'module';
import * as path from 'path';
import * as vm from 'vm';

/** The file that holds the code cache of `file`. */
export function codeCacheFile(file: string): string {
  return `${file}.cache`;
}

/** How `loadWithCodeCache` compiled the bundle. */
export enum CodeCacheUse {
  /** V8 accepted the cache. */
  ACCEPTED = 'accepted',
  /** V8 rejected it (another V8 version or other flags): compiled from source. */
  REJECTED = 'rejected',
  /** There was none to read: compiled from source. */
  NONE = 'none',
  /** Loaded in another vm context than Node.js' own (jest): required through that context's loader. */
  SANDBOXED = 'sandboxed',
}

/** Whether this module runs in Node.js' own realm (not in a vm context such as a jest test file's). */
function inMainRealm(): boolean {
  return vm.runInThisContext('Object') === Object;
}

/** Node.js' CommonJS wrapper, so that the bundle sees the variables every module sees. */
function script(file: string, cachedData: Buffer | undefined): vm.Script {
  const source = fs.readFileSync(file, 'utf-8');
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  return new vm.Script(wrapped, { filename: file, cachedData });
}

/** Runs a compiled bundle as the body of `module` (its `module.exports` is then the bundle's). */
function run(compiled: vm.Script, file: string, module: { exports: unknown }): void {
  const body = compiled.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  body.call(module.exports, module.exports, nodeModule.createRequire(file), module, file, path.dirname(file));
}

/**
 * Loads the CommonJS bundle `file` as the body of `module`, with its code cache if V8 accepts it;
 * in another module system's vm context, with `require` (the loading module's). Returns whether the
 * cache was used.
 */
export function loadWithCodeCache(file: string, module: { exports: unknown }, require: (id: string) => unknown): CodeCacheUse {
  if (!inMainRealm()) {
    module.exports = require(file);
    return CodeCacheUse.SANDBOXED;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(codeCacheFile(file));
  } catch {
    cachedData = undefined;
  }
  const compiled = script(file, cachedData);
  run(compiled, file, module);
  if (cachedData === undefined) { return CodeCacheUse.NONE; }
  return compiled.cachedDataRejected ? CodeCacheUse.REJECTED : CodeCacheUse.ACCEPTED;
}

/**
 * Build time: loads the bundle `file`, runs `warmUp` with its exports (a synth, so that V8 compiles
 * the functions an app runs), and writes the code cache next to the bundle. Returns its size in bytes.
 */
export function writeCodeCache(file: string, warmUp: (exports: unknown) => void): number {
  const compiled = script(file, undefined);
  const module = { exports: {} as unknown };
  run(compiled, file, module);
  warmUp(module.exports);
  const data = compiled.createCachedData();
  fs.writeFileSync(codeCacheFile(file), data);
  return data.length;
}
