/**
 * The package's loader (src/core/code-cache.ts): a CommonJS bundle runs as the body of the module that
 * loads it, with V8's code cache when V8 accepts it and compiled from source when there is none or V8
 * rejects it; in a vm context of another loader (jest's), it is required through that loader. Jest runs
 * this file in such a context, so the Node.js cases run in a child process, on the module transpiled.
 * The packaged library itself is checked in test/package.test.ts.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { codeCacheFile, CodeCacheUse, loadWithCodeCache } from '../src/core/code-cache';

let dir: string;
let bundle: string;

const BUNDLE = [
  "'use strict';",
  "const sibling = require('./sibling');",
  'function square(x) { return x * x; }',
  'module.exports = { square, answer: sibling.answer, file: __filename, dir: __dirname, self: this === exports, realm: Object };',
].join('\n');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-cache-'));
  bundle = path.join(dir, 'bundle.js');
  fs.writeFileSync(path.join(dir, 'sibling.js'), 'module.exports = { answer: 42 };\n');
  fs.writeFileSync(bundle, BUNDLE);
  const source = fs.readFileSync(path.join(__dirname, '..', 'src', 'core', 'code-cache.ts'), 'utf-8');
  fs.writeFileSync(path.join(dir, 'code-cache.js'), ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
});

afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

/** Runs `body` in a Node.js process (`cc` is the loader, `bundle` the bundle's path); returns what it prints as JSON. */
function inNode(body: string): any {
  const script = [
    `const cc = require(${JSON.stringify(path.join(dir, 'code-cache.js'))});`,
    `const bundle = ${JSON.stringify(bundle)};`,
    'function load() { const m = { exports: {} }; const use = cc.loadWithCodeCache(bundle, m, require); return { use, e: m.exports }; }',
    body,
  ].join('\n');
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf-8', stdio: 'pipe' }));
}

test('in Node.js, runs the bundle as a module: its exports, require relative to it, __filename, __dirname and this', () => {
  const r = inNode('const { use, e } = load(); console.log(JSON.stringify({ use, sq: e.square(7), answer: e.answer, file: e.file, dir: e.dir, self: e.self, realm: e.realm === Object }));');
  expect(r).toEqual({ use: CodeCacheUse.NONE, sq: 49, answer: 42, file: bundle, dir, self: true, realm: true });
});

test('the cache written after a warm-up is accepted, and the bundle behaves the same with it', () => {
  const r = inNode([
    'let warmed; const bytes = cc.writeCodeCache(bundle, e => { warmed = e.square(5); });',
    'const size = require("fs").statSync(cc.codeCacheFile(bundle)).size;',
    'const { use, e } = load();',
    'console.log(JSON.stringify({ warmed, bytes, size, use, sq: e.square(9), answer: e.answer }));',
  ].join('\n'));
  expect(r.warmed).toBe(25);
  expect(r.bytes).toBe(r.size);
  expect(r.bytes).toBeGreaterThan(0);
  expect(r.use).toBe(CodeCacheUse.ACCEPTED);
  expect(r.sq).toBe(81);
  expect(r.answer).toBe(42);
});

test('a cache V8 cannot use (another source, or not a cache) is rejected and the bundle compiled from source', () => {
  const r = inNode([
    'const fs = require("fs");',
    'cc.writeCodeCache(bundle, () => undefined);',
    'fs.appendFileSync(bundle, "\\nmodule.exports.extra = \\"changed\\";\\n");',
    'const { use, e } = load();',
    'console.log(JSON.stringify([use, e.extra, e.square(4)]));',
  ].join('\n'));
  expect(r).toEqual([CodeCacheUse.REJECTED, 'changed', 16]);
  // In a new process: V8 keeps what it compiled in a process, and would not read the cache again.
  fs.writeFileSync(codeCacheFile(bundle), Buffer.from('not a code cache'));
  expect(inNode('const { use, e } = load(); console.log(JSON.stringify([use, e.square(2)]));')).toEqual([CodeCacheUse.REJECTED, 4]);
});

test('an error in the bundle or in the warm-up reaches the caller, and no cache is written', () => {
  const r = inNode([
    'const fs = require("fs");',
    'const errors = [];',
    'const attempt = f => { try { f(); errors.push(null); } catch (e) { errors.push(e.message); } };',
    'fs.writeFileSync(bundle, "throw new Error(\\"bundle failed\\");\\n");',
    'attempt(() => load());',
    'attempt(() => cc.writeCodeCache(bundle, () => undefined));',
    'fs.writeFileSync(bundle, "module.exports = {};\\n");',
    'attempt(() => cc.writeCodeCache(bundle, () => { throw new Error("warm-up failed"); }));',
    'console.log(JSON.stringify({ errors, cache: fs.existsSync(cc.codeCacheFile(bundle)) }));',
  ].join('\n'));
  expect(r).toEqual({ errors: ['bundle failed', 'bundle failed', 'warm-up failed'], cache: false });
});

test("in jest's vm context, the bundle is required through the caller's loader, in the caller's realm", () => {
  const module = { exports: {} as any };
  const use = loadWithCodeCache(bundle, module, require);
  expect(use).toBe(CodeCacheUse.SANDBOXED);
  expect(module.exports.square(6)).toBe(36);
  expect(module.exports.answer).toBe(42);
  // The bundle's objects are this realm's: plain-object checks and instanceof work on them.
  expect(module.exports.realm).toBe(Object);
  expect(Object.getPrototypeOf({})).toBe(module.exports.realm.prototype);
});

test('the cache file is named after the bundle', () => {
  expect(codeCacheFile('/x/lib/src/index.bundle.js')).toBe('/x/lib/src/index.bundle.js.cache');
});
