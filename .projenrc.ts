import { cdk8s, javascript, JsonFile } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

const CRD_FILE = 'imports/crds/istio-1.30.3-crd-all.gen.yaml';
// The Kubernetes Gateway API's standard channel, copied from ../shared/gateway-api/ (Istio implements it).
// Its experimental channel is copied beside it (imports/crds/gateway-api-v1.6.1-experimental-crds.yaml):
// no bindings are made of it, scripts/compile-crd-rules.js compiles its HTTPRoute for the charts
// written with RoutingApi.GATEWAY_API_EXPERIMENTAL.
const GATEWAY_API_CRD_FILE = 'imports/crds/gateway-api-v1.6.1-standard-crds.yaml';

const project = new cdk8s.ConstructLibraryCdk8s({
  author: 'cdk8s-istio-traffic maintainers',
  authorAddress: 'maintainers@users.noreply.h-seed-943231f1.example',
  name: 'cdk8s-istio-traffic',
  description: 'Typed Istio traffic management for cdk8s: canary releases, dark releases, circuit breakers and ingress edges.',
  keywords: ['cdk8s', 'istio', 'canary', 'kubernetes', 'service-mesh', 'virtualservice', 'destinationrule'],
  repositoryUrl: 'https://github.com/maintainers/cdk8s-istio-traffic.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdk8sVersion: '2.70.0',
  constructsVersion: '10.4.0',
  jsiiVersion: '~5.9.0',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  minNodeVersion: '20.0.0',
  devDeps: [
    // Run-time libraries, bundled at compile time (scripts/bundle-vendor.js) into lib/vendor/ with
    // esbuild, so the package carries only the code it runs (jsii modules may only depend on other jsii
    // modules at run time, and npm's bundledDependencies would ship these packages whole: 11 MB).
    // What each one is for: README, "Development".
    're2js@^1.2.0',
    'yaml@^2.8.0',
    // The CRD check at synth (src/analysis/crd-rules.ts): the validators precompiled from the CRDs'
    // openAPIV3Schema use ajv's runtime helpers, and the CRDs' CEL rules are run with @bufbuild/cel
    // (which needs @bufbuild/protobuf, its peer dependency).
    'ajv@^8.17.1',
    '@bufbuild/cel@^0.6.1',
    '@bufbuild/protobuf@^2.6.2',
    // Bundles the run-time libraries (scripts/bundle-vendor.js) and the library itself (scripts/bundle-library.js).
    'esbuild@^0.28.2',
    // An app on today's cdk8s-plus brings its own workloads (test/bring-your-own-workload.test.ts).
    'cdk8s-plus-33@^2.5.57',
    'cdk8s-cli',
    'typescript@~5.9.3',
    '@types/node@^20',
    'ts-node',
    'fast-check@^4',
    // Mutation testing (`npm run mutation`, not part of `npm test`): see README, "Development". 9.x: 10.x needs Node.js 22.
    '@stryker-mutator/core@9.6.1',
    '@stryker-mutator/jest-runner@9.6.1',
    // Fast start of the example apps: ts-node transpiles with SWC instead of type-checking the bindings.
    '@swc/core',
    // Resolves the examples' `cdk8s-istio-traffic` imports to src/ when they run with ts-node.
    'tsconfig-paths@^4',
  ],

  // No GitHub workflows: CI is `.ci/run` (see README).
  github: false,
  release: false,
  // API.md: the reference of every public class, prop, method and enum member, made by jsii-docgen
  // after every compile (hence by `npm test`) and committed.
  docgen: true,

  // Other languages through jsii (README, "Other languages"). The packages cannot be built here (no
  // PyPI, Maven or NuGet registry); test/jsii-targets.test.ts generates their code and compiles the Python.
  publishToPypi: { distName: 'cdk8s-istio-traffic', module: 'cdk8s_istio_traffic' },
  publishToMaven: {
    javaPackage: 'io.github.maintainers.cdk8s.istio.traffic',
    mavenGroupId: 'io.github.maintainers',
    mavenArtifactId: 'cdk8s-istio-traffic',
  },
  publishToNuget: { dotNetNamespace: 'Cdk8sIstioTraffic', packageId: 'Cdk8sIstioTraffic' },
  publishToGo: { moduleName: 'github.com/maintainers/cdk8s-istio-traffic-go' },

  // The library (src/) is what jsii compiles: the Istio bindings in imports/ are for tests and examples
  // only (src/ holds the kinds as constants), so the package carries neither their sources nor their
  // compiled code. No source maps in the package (inline ones doubled its size).
  tsconfig: {
    compilerOptions: { rootDir: '.', inlineSourceMap: false, inlineSources: false },
  },
  // The examples import the library by its package name, as an app does: mapped to src/ here (type
  // check, jest below, and ts-node through examples/tsconfig.json), so an example copied into an app
  // works unchanged.
  tsconfigDev: {
    compilerOptions: {
      baseUrl: '..',
      paths: {
        'cdk8s-istio-traffic': ['src/index.ts'],
        'cdk8s-istio-traffic/jest': ['src/testing/jest.ts'],
      },
    },
    include: ['../imports/**/*.ts', '../examples/**/*.ts', '../bench/**/*.ts'],
    exclude: ['../examples/*/dist'],
  },
  entrypoint: 'lib/src/index.js',

  jestOptions: {
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      moduleNameMapper: {
        '^cdk8s-istio-traffic$': '<rootDir>/src/index.ts',
        '^cdk8s-istio-traffic/jest$': '<rootDir>/src/testing/jest.ts',
      },
      coveragePathIgnorePatterns: ['/node_modules/', '/imports/', '/src/analysis/generated/'],
      testPathIgnorePatterns: ['/node_modules/', '/examples/.*/dist/'],
      // One temporary folder per run, removed at its end (test/util/temp-dir.ts).
      globalSetup: '<rootDir>/test/util/global-setup.ts',
      globalTeardown: '<rootDir>/test/util/global-teardown.ts',
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test'],
    ignorePatterns: ['imports/', 'examples/*/dist/', '*.d.ts', '*.js', 'node_modules/'],
    // `eslint` (run by `npm test`, hence by CI) only reports: a lint error fails the run instead of being
    // fixed in the CI checkout and passing. `npx projen eslint:fix` (below) fixes what eslint can.
    commandOptions: { fix: false },
  },
  // src/analysis/generated/: the CRD validators, made before every compile (below), never committed.
  gitignore: ['examples/*/dist/', 'examples/*/dist-gateway-api/', '.bench/', 'src/analysis/generated/'],
  // The package is the code (README.md and LICENSE aside): the reference (API.md, docs/) is read in the
  // repository.
  npmIgnoreOptions: { ignorePatterns: ['examples/', 'bench/', '/.bench/', '.ci/', 'imports/', 'scripts/', 'docs/', '/API.md'] },
});

// `npm pack` (and `npm publish`) from a checkout compiles first, so the package always holds lib/.
project.package.setScript('prepack', 'npx projen compile');
// The package tasks (jsii-pacmak, which runs `npm pack`) follow the compile of `npx projen build`: without
// npm scripts, so that `prepack` does not compile (and empty lib/) once more.
for (const task of project.tasks.all.filter(t => t.name.startsWith('package'))) {
  task.env('npm_config_ignore_scripts', 'true');
}
// The command for pipelines and reviewers (README, "Reviewing a change to traffic").
project.addBins({ 'cdk8s-istio-traffic': 'lib/src/cli/main.js' });

project.package.addField('types', 'lib/src/index.d.ts');

// Regenerate the Istio and Gateway API bindings offline from the pinned CRD bundles. The bindings are
// committed (for tests and examples; the library emits its kinds as constants, see src/render/objects.ts).
const importTask = project.addTask('import-istio', {
  description: `Regenerate imports/ from the pinned Istio CRD bundle (${CRD_FILE}) and the Gateway API's (${GATEWAY_API_CRD_FILE}), offline`,
});
importTask.exec(`cdk8s import --language typescript --output imports ${CRD_FILE}`);
importTask.exec(`cdk8s import --language typescript --output imports ${GATEWAY_API_CRD_FILE}`);

// The CRD check at synth runs validators and CEL rules compiled from the pinned CRD bundle at build
// time (ajv standalone code, one module per kind): generated into src/analysis/generated/ (gitignored)
// before jsii, copied into lib/ after it, so the package ships them; skipped when up to date. Part of
// the compile task itself, which `npm test` (hence CI) and `npx projen build` both run.
project.compileTask.prependExec('node scripts/compile-crd-rules.js');
// jsii never deletes output, so a file removed from src/ (or an old build's lib/imports/) would stay in
// lib/ and be packed: compile into an empty lib/.
project.compileTask.prependExec('node -e "require(\'fs\').rmSync(\'lib\', { recursive: true, force: true })"');
project.compileTask.exec('node scripts/compile-crd-rules.js --copy-to lib/src/analysis/generated');
// The run-time libraries, bundled with esbuild into lib/vendor/ (after the copy above: the script
// checks that the copied validators find the ajv helpers they use). See README, "Development".
project.compileTask.exec('node scripts/bundle-vendor.js');
// The library as one bundle with V8's code cache, and lib/src/index.js its loader (after the vendor
// bundles: the warm-up synth that precedes the cache uses them). See docs/checks.md, "Cold start".
project.compileTask.exec('node scripts/bundle-library.js');

// The test task also type-checks what jest only transpiles (tests, examples, bench) and compiles the
// library with jsii, so an API that is not jsii-compatible fails the tests.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check tests, examples and benchmarks',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});
project.testTask.prependSpawn(typecheck);
// API.md is regenerated from the compiled assembly before the tests (test/api-docs.test.ts reads the
// assembly); .ci/run fails when that changed the committed file.
project.testTask.prependSpawn(project.tasks.tryFind('docgen')!);
project.testTask.prependSpawn(project.compileTask);

// Lint with fixes, for developers: the eslint task with --fix added.
project.addTask('eslint:fix', {
  description: 'Runs eslint against the codebase and fixes what it can',
}).spawn(project.eslint!.eslintTask, { args: ['--fix'] });

// Synthesize every example into its own cdk8s output folder (examples/<name>/dist).
const synth = project.addTask('synth', {
  description: 'Synthesize every example in examples/ with `cdk8s synth`',
});
synth.exec('node scripts/compile-crd-rules.js');
// No update check by the cdk8s CLI (it prints stack traces without a network); pipelines do the same.
synth.exec('node scripts/synth-examples.js', { env: { CDK8S_CHECK_UPGRADE: 'false' } });

// Benchmarks: synthesis time and peak memory against a plain-cdk8s baseline (see README).
const bench = project.addTask('bench', {
  description: 'Benchmark synthesis of 100, 1,000 and 5,000 services against plain cdk8s',
});
bench.exec('node scripts/compile-crd-rules.js');
bench.exec('tsc -p bench/tsconfig.json');
bench.exec('node .bench/bench/run.js');

// Mutation testing: StrykerJS mutates the files that hold checks and runs, for each mutant, only the
// tests that cover it (per-test coverage). Not part of `npm test` (it takes a long time); the scores
// are stated in the README. `npx projen mutation -- --mutate src/traffic-split.ts` narrows it down.
new JsonFile(project, 'stryker.config.json', {
  obj: {
    $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    testRunner: 'jest',
    jest: { projectType: 'custom', enableFindRelatedTests: false },
    coverageAnalysis: 'perTest',
    mutate: [
      'src/**/*.ts',
      '!src/index.ts',
      '!src/analysis/generated/**',
      '!src/testing/**',
    ],
    ignorePatterns: ['lib', 'dist', '.bench', 'examples/*/dist', 'reports', '.jsii', 'tsconfig.tsbuildinfo'],
    reporters: ['clear-text', 'progress', 'json'],
    jsonReporter: { fileName: 'reports/mutation/mutation.json' },
    concurrency: 2,
    timeoutMS: 60000,
    thresholds: { high: 90, low: 85, break: null },
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
  },
});
project.gitignore.exclude('.stryker-tmp/', 'reports/');
project.npmignore?.exclude('stryker.config.json', 'reports/');
const mutation = project.addTask('mutation', {
  description: 'Mutation testing of the library with StrykerJS (slow; not part of npm test)',
  receiveArgs: true,
});
mutation.exec('node scripts/compile-crd-rules.js');
mutation.exec('stryker run', { receiveArgs: true });

project.synth();
