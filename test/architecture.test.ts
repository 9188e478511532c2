// The shape of src/: no import cycles, and imports only go down the layers below.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { GATEWAY_API_KINDS, ISTIO_KINDS } from '../src/render/objects';

/**
 * The layers of src/, lowest first. A file may import files of a strictly lower rank, and files of its
 * own layer. Two layers of one rank (analysis, simulator) may not import each other.
 *
 * `files` is a path relative to src/: `dir/` is every file below src/dir, `name.ts` is that one file,
 * and `*.ts` is every other file directly in src/. A file of src/ that no entry describes fails the test.
 */
const LAYERS: ReadonlyArray<{ readonly name: string; readonly rank: number; readonly files: string }> = [
  { name: 'core', rank: 0, files: 'core/' },
  { name: 'model', rank: 1, files: 'model/' },
  { name: 'render', rank: 2, files: 'render/' },
  { name: 'analysis', rank: 3, files: 'analysis/' },
  { name: 'simulator', rank: 3, files: 'simulator/' },
  { name: 'constructs', rank: 4, files: '*.ts' },
  { name: 'cli', rank: 4, files: 'cli/' },
  { name: 'testing', rank: 5, files: 'testing/' },
  { name: 'index', rank: 6, files: 'index.ts' },
];

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');

type Layer = (typeof LAYERS)[number];

/** The layer of a file, given by its path relative to src/ ('/'-separated); an exact file entry wins over `*.ts`. */
function layerOf(rel: string): Layer | undefined {
  return LAYERS.find(l => l.files === rel)
    ?? LAYERS.find(l => l.files.endsWith('/') && rel.startsWith(l.files))
    ?? (rel.includes('/') ? undefined : LAYERS.find(l => l.files === '*.ts'));
}

/**
 * The relative module specifiers of a TypeScript source: `import ... from`, `import type ... from`,
 * `import './x'`, `export ... from`, `import x = require()`, `require()` and `import()`.
 */
function relativeImports(fileName: string, source: string): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const add = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node) && node.text.startsWith('.')) { found.push(node.text); }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression);
    } else if (ts.isCallExpression(node)
      && ((ts.isIdentifier(node.expression) && node.expression.text === 'require') || node.expression.kind === ts.SyntaxKind.ImportKeyword)) {
      add(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal); // `typeof import('./x')` in a type
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The file a relative specifier names: x.ts, x/index.ts, or x.ts for an x.js written for node16 resolution. */
function resolve(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')];
  return candidates.find(c => c.endsWith('.ts') && fs.existsSync(c) && fs.statSync(c).isFile());
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) { return sourceFiles(full); }
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  }).sort();
}

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');
const inSrc = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

interface ImportGraph {
  /** file (relative to the repository) -> files it imports, inside src/ */
  readonly edges: Map<string, string[]>;
  /** `from: specifier` for relative imports that name no file */
  readonly unresolved: string[];
}

/**
 * Files the build makes, which src/ requires by a literal path so that the package's bundle holds or
 * keeps them (scripts/bundle-library.js): the CRD validators' index (scripts/compile-crd-rules.js) and,
 * in the package only, the run-time libraries (scripts/bundle-vendor.js).
 */
const BUILD_OUTPUTS = new Set([
  "src/analysis/crd-rules.ts: './generated/index.js'",
  "src/core/vendor.ts: '../../vendor/yaml.js'",
  "src/core/vendor.ts: '../../vendor/re2js.js'",
  "src/core/vendor.ts: '../../vendor/cel.js'",
]);

function importGraph(): ImportGraph {
  const edges = new Map<string, string[]>();
  const unresolved = new Set<string>();
  for (const file of sourceFiles(SRC)) {
    const targets = new Set<string>();
    for (const spec of relativeImports(file, fs.readFileSync(file, 'utf8'))) {
      const target = resolve(file, spec);
      if (!target) {
        if (!BUILD_OUTPUTS.has(`${rel(file)}: '${spec}'`)) { unresolved.add(`${rel(file)}: '${spec}'`); }
        continue;
      }
      if (!inSrc(target).startsWith('..')) { targets.add(rel(target)); } // imports/ etc. are outside the layers
    }
    edges.set(rel(file), [...targets].sort());
  }
  return { edges, unresolved: [...unresolved] };
}

/**
 * The import cycles, each as the list of files around it (the first repeated at the end): for every file on
 * a cycle, the shortest cycle through it.
 */
function importCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's strongly connected components.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strongConnect = (v: string) => {
    index.set(v, counter); low.set(v, counter); counter++;
    stack.push(v); onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); component.push(w); } while (w !== v);
      components.push(component);
    }
  };
  for (const v of [...edges.keys()].sort()) { if (!index.has(v)) { strongConnect(v); } }

  // In each component with a cycle, the shortest cycle through each of its files (breadth-first search),
  // each cycle once, starting at its alphabetically first file.
  const cycles = new Map<string, string[]>();
  for (const component of components) {
    const members = new Set(component);
    if (component.length === 1 && !(edges.get(component[0]) ?? []).includes(component[0])) { continue; }
    for (const start of component) {
      const previous = new Map<string, string>();
      const queue = [start];
      let last: string | undefined;
      while (queue.length > 0 && last === undefined) {
        const v = queue.shift()!;
        for (const w of edges.get(v) ?? []) {
          if (!members.has(w)) { continue; }
          if (w === start) { last = v; break; }
          if (!previous.has(w)) { previous.set(w, v); queue.push(w); }
        }
      }
      const around = [start];
      for (let v = last!; v !== start; v = previous.get(v)!) { around.splice(1, 0, v); }
      const first = around.indexOf([...around].sort()[0]);
      const cycle = [...around.slice(first), ...around.slice(0, first)];
      cycles.set(cycle.join(' -> '), [...cycle, cycle[0]]);
    }
  }
  return [...cycles.values()].sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

/** `from -> to` for every import the layer table does not allow, and every file of src/ in no layer. */
function layerViolations(edges: ReadonlyMap<string, readonly string[]>): string[] {
  const violations: string[] = [];
  const layer = (file: string) => layerOf(inSrc(path.join(ROOT, file)));
  for (const [from, targets] of edges) {
    const fromLayer = layer(from);
    if (!fromLayer) { violations.push(`${from} is in no layer: add its folder to LAYERS in test/architecture.test.ts`); continue; }
    for (const to of targets) {
      const toLayer = layer(to);
      if (!toLayer) { continue; } // reported as a file in no layer
      if (toLayer !== fromLayer && toLayer.rank >= fromLayer.rank) {
        violations.push(`${from} -> ${to} (${fromLayer.name}, rank ${fromLayer.rank}, may not import ${toLayer.name}, rank ${toLayer.rank})`);
      }
    }
  }
  return violations.sort();
}

describe('the import parser and the cycle finder (so the checks below can fail)', () => {
  test('every form of relative import is seen; packages and strings are not', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "import * as c from './c/index';",
      "import './side-effect';",
      'import {',
      '  d,',
      '  e,',
      "} from './multi-line';",
      "export * from './re-export';",
      "export type { F } from './type-re-export';",
      "import g = require('./import-equals');",
      "const h = require('./required');",
      "const i = import('./dynamic');",
      "type J = typeof import('./import-type');",
      "import { Chart } from 'cdk8s';",
      "const k = require('re2js');",
      "const text = \"import x from './not-an-import'\";",
      "// import { y } from './commented-out';",
    ].join('\n');
    expect(relativeImports('x.ts', source)).toEqual([
      './a', '../b', './c/index', './side-effect', './multi-line', './re-export', './type-re-export',
      './import-equals', './required', './dynamic', './import-type',
    ]);
  });

  test('a cycle is reported as the files around it; an acyclic graph has none', () => {
    const graph = new Map([['a', ['b']], ['b', ['c', 'd']], ['c', ['a']], ['d', []], ['e', ['e']]]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c', 'a'], ['e', 'e']]);
    expect(importCycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });

  test('the layer table: index.ts is its own layer, other files of src/ are constructs', () => {
    expect(layerOf('index.ts')?.name).toBe('index');
    expect(layerOf('canary-service.ts')?.name).toBe('constructs');
    expect(layerOf('core/sub/x.ts')?.name).toBe('core');
    expect(layerOf('elsewhere/x.ts')).toBeUndefined();
  });
});

describe('src/', () => {
  const graph = importGraph();

  test('every relative import names a file', () => {
    expect(graph.unresolved).toEqual([]);
  });

  test('has no import cycle (type-only imports count)', () => {
    expect(importCycles(graph.edges)).toEqual([]);
  });

  test('imports only go to lower layers or within a layer', () => {
    expect(layerViolations(graph.edges)).toEqual([]);
  });
});

describe('start-up cost', () => {
  test('the kinds the library emits are those of the generated Istio and Gateway API bindings (which it does not load)', () => {
    for (const [kind, gvk] of [...Object.entries(ISTIO_KINDS), ...Object.entries(GATEWAY_API_KINDS)]) {
      // The bindings of the kind's API group (networking.istio.io, security.istio.io ...).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const bindings = require(`../imports/${gvk.apiVersion.split('/')[0]}`);
      // cdk8s import names classes in camel case (HTTPRoute is HttpRoute, TCPRoute TcpRoute).
      const binding = kind.replace(/^(HTTP|GRPC|TCP)/, m => m[0] + m.slice(1).toLowerCase());
      expect(bindings[binding].GVK).toEqual(gvk);
    }
  });

  test('loading the library loads neither the Istio bindings, the YAML parser, the RE2 engine nor the CRD check\'s libraries', () => {
    // A fresh Node.js process, as an app starts: the modules in its require cache after loading the library,
    // then after loading the libraries (src/core/vendor.ts: lib/vendor/<name>.js in the package, node_modules here).
    const script = "require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } }); require('./src');"
      + 'const loaded = Object.keys(require.cache); const vendor = require("./src/core/vendor");'
      + 'vendor.loadYaml(); vendor.loadRe2(); vendor.loadCel(); require("ajv/dist/runtime/ucs2length");'
      + 'console.log(JSON.stringify([loaded, Object.keys(require.cache)]))';
    const [loaded, all]: string[][] = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..'), encoding: 'utf8' }));
    const lazy = (files: string[]) => files.filter(f => /imports[\\/]networking\.istio\.io|(node_modules[\\/](yaml|re2js|ajv|@bufbuild)|vendor[\\/](yaml|re2js|cel|ajv-runtime)\.js)($|[\\/])/.test(f)
      && !/node_modules[\\/]cdk8s[\\/]/.test(f));
    expect(loaded.some(f => f.includes(`${path.sep}src${path.sep}index.ts`))).toBe(true);
    expect(lazy(loaded)).toEqual([]);
    // The check sees each library once loaded (so it can fail), and a vendored bundle as well.
    for (const library of ['yaml', 're2js', 'ajv', '@bufbuild']) { expect(lazy(all).some(f => f.includes(`node_modules${path.sep}${library}${path.sep}`))).toBe(true); }
    expect(lazy(['/app/node_modules/cdk8s-istio-traffic/lib/vendor/cel.js', '/app/node_modules/cdk8s-istio-traffic/lib/vendor/re2js.js'])).toHaveLength(2);
  });
});
