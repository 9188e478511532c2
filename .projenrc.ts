import { cdk8s, javascript, JsonFile } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

const CRD_FILE = 'imports/crds/istio-1.30.3-crd-all.gen.yaml';

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
  // jsii modules may only depend on other jsii modules at run time, unless the dependency is bundled.
  // What each one is for: README, "Development".
  bundledDeps: [
    're2js@^1.2.0',
    'yaml@^2.8.0',
    // The CRD check at synth (src/analysis/crd-rules.ts): the validators precompiled from the CRDs'
    // openAPIV3Schema require ajv's runtime helpers, and the CRDs' CEL rules are run with @bufbuild/cel
    // (which needs @bufbuild/protobuf, its peer dependency).
    'ajv@^8.17.1',
    '@bufbuild/cel@^0.6.1',
    '@bufbuild/protobuf@^2.6.2',
  ],
  devDeps: [
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
  ],

  // No GitHub workflows: CI is `.ci/run` (see README).
  github: false,
  release: false,
  docgen: false,

  tsconfig: {
    compilerOptions: { rootDir: '.' },
    include: ['imports/**/*.ts'],
  },
  tsconfigDev: {
    compilerOptions: {},
    include: ['../imports/**/*.ts', '../examples/**/*.ts', '../bench/**/*.ts'],
    exclude: ['../examples/*/dist'],
  },
  entrypoint: 'lib/src/index.js',

  jestOptions: {
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      coveragePathIgnorePatterns: ['/node_modules/', '/imports/', '/src/analysis/generated/'],
      testPathIgnorePatterns: ['/node_modules/', '/examples/.*/dist/'],
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
  gitignore: ['examples/*/dist/', '.bench/', 'src/analysis/generated/'],
  npmIgnoreOptions: { ignorePatterns: ['examples/', 'bench/', '.ci/', 'imports/crds/', 'scripts/'] },
});

project.package.addField('types', 'lib/src/index.d.ts');

// Regenerate the Istio bindings offline from the pinned CRD bundle. The bindings are committed.
const importTask = project.addTask('import-istio', {
  description: `Regenerate imports/ from the pinned Istio CRD bundle (${CRD_FILE}), offline`,
});
importTask.exec(`cdk8s import --language typescript --output imports ${CRD_FILE}`);

// The CRD check at synth runs validators and CEL rules compiled from the pinned CRD bundle at build
// time (ajv standalone code, one module per kind): generated into src/analysis/generated/ (gitignored)
// before jsii, copied into lib/ after it, so the package ships them; skipped when up to date. Part of
// the compile task itself, which `npm test` (hence CI) and `npx projen build` both run.
project.compileTask.prependExec('node scripts/compile-crd-rules.js');
project.compileTask.exec('node scripts/compile-crd-rules.js --copy-to lib/src/analysis/generated');

// The test task also type-checks what jest only transpiles (tests, examples, bench) and compiles the
// library with jsii, so an API that is not jsii-compatible fails the tests.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check tests, examples and benchmarks',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});
project.testTask.prependSpawn(typecheck);
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
synth.exec('node scripts/synth-examples.js');

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
