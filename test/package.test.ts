// What a user installs: the library is packed with `npm pack` (as `npm publish` would), installed
// into a new cdk8s app next to cdk8s, cdk8s-plus-27 and constructs from the registry, and the README's
// examples run there as a user copies them: the canary example with the cdk8s CLI (after a type
// check), the simulator test with jest. Run by `npm test` after the compile step has made lib/.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
// 5.5 MB today: the compiled library (0.6 MB) and its bundle with V8's code cache (0.8 MB), the CRD validators
// (Istio's and the Gateway API's, 1.7 MB), the run-time libraries with their caches (1.6 MB), the jsii assembly.
const MAX_UNPACKED_BYTES = 6 * 1024 * 1024;
const CDK8S_CLI = path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'bin', 'cdk8s');

/** The first ```ts block of the README section whose heading is `heading`. */
function readmeBlock(heading: string): string {
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) { throw new Error(`README.md has no section "${heading}"`); }
  const block = /```ts\n([\s\S]*?)```/.exec(README.slice(start));
  if (!block) { throw new Error(`README.md section "${heading}" has no ts code block`); }
  return block[1];
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf-8',
      stdio: 'pipe',
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', npm_config_ignore_scripts: 'true', npm_config_fund: 'false', npm_config_audit: 'false' },
    });
  } catch (e: any) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

describe('the package', () => {
  let work: string;
  let tarball: string;
  let packed: { files: { path: string; size: number }[]; unpackedSize: number };

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-traffic-pack-'));
    // Without scripts: `prepack` would compile again, which the compile step of `npm test` has done.
    [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT));
    tarball = path.join(work, fs.readdirSync(work).find(f => f.endsWith('.tgz'))!);
  }, 120_000);

  afterAll(() => {
    if (work) { fs.rmSync(work, { recursive: true, force: true }); }
  });

  test('holds compiled JavaScript, declarations and the jsii assembly, within 6 MB', () => {
    const files = packed.files.map(f => f.path);
    expect(files).toEqual(expect.arrayContaining([
      'lib/src/index.js', 'lib/src/index.d.ts', '.jsii', 'package.json', 'README.md', 'jest.js', 'jest.d.ts',
      'lib/src/cli/main.js',
    ]));
    // No TypeScript sources (the Istio bindings' included), no source maps, no tests or examples.
    expect(files.filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter(f => f.endsWith('.map') || /^(imports|src|test|examples|bench|scripts)\//.test(f))).toEqual([]);
    expect(packed.unpackedSize).toBeLessThanOrEqual(MAX_UNPACKED_BYTES);
    // No inline source maps either, in any packed file.
    const withMaps = files.filter(f => f.endsWith('.js') && /sourceMappingURL=data:/.test(fs.readFileSync(path.join(ROOT, f), 'utf-8')));
    expect(withMaps).toEqual([]);
    // The bundled run-time libraries, and no dependency to install besides the peers.
    expect(files).toEqual(expect.arrayContaining(['lib/vendor/yaml.js', 'lib/vendor/re2js.js', 'lib/vendor/cel.js', 'lib/vendor/ajv-runtime.js']));
    // The library as one bundle with its code cache, and the code caches of the run-time libraries.
    expect(files).toEqual(expect.arrayContaining(['lib/src/index.bundle.js', 'lib/src/index.bundle.js.cache', 'lib/src/index.modules.js',
      'lib/vendor/yaml.bundle.js.cache', 'lib/vendor/re2js.bundle.js.cache', 'lib/vendor/cel.bundle.js.cache']));
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.bundledDependencies ?? []).toEqual([]);
  });

  test('installs into a new cdk8s app where the README examples work', () => {
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'istio-app',
      private: true,
      dependencies: {
        'cdk8s-istio-traffic': `file:${tarball}`,
        'cdk8s': '2.70.0',
        'cdk8s-plus-27': '2.9.5',
        'constructs': '10.4.0',
        // The README's "Bring your own workload" example is an app on today's cdk8s-plus.
        'cdk8s-plus-33': '^2.5.57',
      },
      devDependencies: {
        'typescript': '~5.9.3',
        '@types/node': '^20',
        '@types/jest': '^30',
        'jest': '^30',
        'ts-jest': '^29',
        'ts-node': '^10',
      },
      jest: { preset: 'ts-jest', testEnvironment: 'node', testMatch: ['<rootDir>/test/**/*.test.ts'] },
    }, null, 2));
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        strict: true,
        esModuleInterop: true,
        skipLibCheck: false,
        types: ['node', 'jest'],
        noEmit: true,
      },
      include: ['main.ts', 'byo.ts', 'test/**/*.ts'],
    }, null, 2));
    fs.writeFileSync(path.join(app, 'cdk8s.yaml'), 'language: typescript\napp: npx ts-node main.ts\n');
    fs.writeFileSync(path.join(app, 'main.ts'), readmeBlock('## A canary release in a few lines'));
    // The workload example, with a line that writes what the chart holds (the analysis runs as the
    // Istio objects are rendered).
    fs.writeFileSync(path.join(app, 'byo.ts'), readmeBlock('### Bring your own workload')
      + '\nconsole.log(JSON.stringify(chart.toJson().map(o => [o.kind, o.metadata.name, o.spec?.template?.metadata?.labels])));\n');
    // The CEL rules of the CRDs run with the bundled evaluator: a hand-written ServiceEntry that breaks
    // one fails the synth with the rule's message.
    fs.writeFileSync(path.join(app, 'cel.ts'), [
      "import { ApiObject, App, Chart } from 'cdk8s';",
      "import { Analysis } from 'cdk8s-istio-traffic';",
      "const chart = new Chart(new App(), 'egress', { namespace: 'shop' });",
      'Analysis.enableFor(chart);',
      "new ApiObject(chart, 'db', { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'db' },",
      "  spec: { hosts: ['db.example.com'], addresses: ['10.0.0.0/24'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], resolution: 'DNS' } });",
      'try { chart.toJson(); console.log("accepted"); } catch (e) { console.log((e as Error).message); }',
    ].join('\n'));
    fs.mkdirSync(path.join(app, 'test'));
    fs.writeFileSync(path.join(app, 'test', 'reviews.test.ts'), readmeBlock('## Testing your routing'));

    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app);
    // The library resolves from the app's own node_modules, not from this repository.
    const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'cdk8s-istio-traffic', 'package.json'), 'utf-8'));
    expect(installed.name).toBe('cdk8s-istio-traffic');

    run(path.join(app, 'node_modules', '.bin', 'tsc'), ['-p', '.'], app);

    run(process.execPath, [CDK8S_CLI, 'synth'], app);
    const out = fs.readFileSync(path.join(app, 'dist', 'recommendation.k8s.yaml'), 'utf-8');
    const kinds = [...out.matchAll(/^kind: (\S+)$/gm)].map(m => m[1]);
    expect(kinds).toEqual(['Namespace', 'ServiceAccount', 'Deployment', 'Deployment', 'Service', 'DestinationRule', 'VirtualService']);
    expect(out).toMatch(/subset: v1\n\s+weight: 90/);
    expect(out).toMatch(/subset: v2\n\s+weight: 10/);

    const byo: [string, string, any][] = JSON.parse(run(path.join(app, 'node_modules', '.bin', 'ts-node'), ['--transpile-only', 'byo.ts'], app));
    expect(byo.filter(([kind]) => ['Deployment', 'StatefulSet'].includes(kind)).map(([kind, , labels]) => [kind, labels.app, labels.version]))
      .toEqual([['Deployment', 'reviews', 'v1'], ['StatefulSet', 'reviews', 'v2']]);
    expect(byo.map(([kind]) => kind)).toEqual(expect.arrayContaining(['Service', 'DestinationRule', 'VirtualService']));

    expect(run(path.join(app, 'node_modules', '.bin', 'ts-node'), ['--transpile-only', 'cel.ts'], app))
      .toMatch(/IST0106.*CIDR addresses are allowed only for NONE\/STATIC resolution types/);

    const jest = run(process.execPath, [path.join(app, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--json'], app);
    const results = JSON.parse(jest);
    expect(results.numFailedTests).toBe(0);
    expect(results.numPassedTests).toBe(3);

    // The command for reviewers, as installed, on what the app wrote (it parses YAML with the bundled
    // parser).
    const command = path.join(app, 'node_modules', '.bin', 'cdk8s-istio-traffic');
    const explained = run(command, ['explain', 'dist'], app);
    expect(explained).toMatch(/recommendation\.tutorial\.svc\.cluster\.local/);
    expect(explained).toMatch(/default\s+\*\s+v1 90%\s+v2 10%/);
    expect(run(command, ['diff', 'dist', 'dist'], app)).toMatch(/No change to traffic/);

    // The library loads as one bundle with V8's code cache (scripts/bundle-library.js): requiring it
    // loads the loader and nothing else of the package, it exports what tsc's index.js exports, and
    // this Node.js accepts the code caches of the bundle and of the run-time libraries.
    fs.writeFileSync(path.join(app, 'startup.js'), [
      "const path = require('path');",
      "const pkg = path.dirname(require.resolve('cdk8s-istio-traffic/package.json'));",
      "require('cdk8s'); require('cdk8s-plus-27');",
      'const before = new Set(Object.keys(require.cache));',
      "const lib = require('cdk8s-istio-traffic');",
      'const loaded = Object.keys(require.cache).filter(k => !before.has(k)).map(k => path.relative(pkg, k)).sort();',
      "const modules = require(path.join(pkg, 'lib/src/index.modules.js'));",
      "const { loadWithCodeCache } = require(path.join(pkg, 'lib/src/core/code-cache.js'));",
      "const caches = ['lib/src/index.bundle.js', 'lib/vendor/yaml.bundle.js', 'lib/vendor/re2js.bundle.js', 'lib/vendor/cel.bundle.js']",
      '  .map(f => [f, loadWithCodeCache(path.join(pkg, f), { exports: {} })]);',
      'console.log(JSON.stringify({ loaded, exported: Object.keys(lib).sort(), modules: Object.keys(modules).sort(), caches }));',
    ].join('\n'));
    const startup = JSON.parse(run(process.execPath, ['startup.js'], app));
    expect(startup.loaded).toEqual(['lib/src/core/code-cache.js', 'lib/src/index.js']);
    expect(startup.exported).toEqual(startup.modules);
    expect(startup.exported).toEqual(expect.arrayContaining(['CanaryService', 'IngressEdge', 'RoutingSimulator', 'IstioTrafficErrors']));
    expect(startup.caches).toEqual([
      ['lib/src/index.bundle.js', 'accepted'], ['lib/vendor/yaml.bundle.js', 'accepted'],
      ['lib/vendor/re2js.bundle.js', 'accepted'], ['lib/vendor/cel.bundle.js', 'accepted'],
    ]);
  }, 600_000);
});
