// Synthesizes every example in examples/ with the cdk8s CLI (`npx cdk8s synth` in its folder).
// `npm run synth` writes each into its own output folder (examples/<name>/dist); the tests call
// synthExamples(outRoot) to write them elsewhere.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const EXAMPLES = path.join(__dirname, '..', 'examples');

/** The example folders (those with a cdk8s.yaml), sorted. */
function exampleNames() {
  return fs.readdirSync(EXAMPLES).filter(d => fs.existsSync(path.join(EXAMPLES, d, 'cdk8s.yaml'))).sort();
}

/**
 * Runs `npx cdk8s synth` in every example folder. With `outRoot`, example <name> is written to
 * <outRoot>/<name>; without, to the example's own output folder (dist/). An example with a
 * `main-gateway-api.ts` (the states Kubernetes Gateway API can say, RoutingApi.GATEWAY_API) is also
 * written to dist-gateway-api/ (<outRoot>/<name>-gateway-api). Returns the files written, by
 * example (and `<name>-gateway-api`).
 */
function synthExamples(outRoot) {
  const written = {};
  const run = (name, key, out, extra) => {
    const cwd = path.join(EXAMPLES, name);
    process.stdout.write(`== examples/${name}${extra.length > 0 ? ' (Gateway API)' : ''} -> ${path.relative(process.cwd(), out) || '.'}\n`);
    // A fresh folder: a state left out since the last run must not stay behind.
    fs.rmSync(out, { recursive: true, force: true });
    execFileSync('npx', ['cdk8s', 'synth', ...extra, '--output', out], { cwd, stdio: outRoot ? 'pipe' : 'inherit' });
    written[key] = fs.readdirSync(out).filter(f => f.endsWith('.k8s.yaml')).sort();
  };
  for (const name of exampleNames()) {
    const cwd = path.join(EXAMPLES, name);
    run(name, name, outRoot ? path.join(outRoot, name) : path.join(cwd, 'dist'), []);
    if (fs.existsSync(path.join(cwd, 'main-gateway-api.ts'))) {
      const out = outRoot ? path.join(outRoot, `${name}-gateway-api`) : path.join(cwd, 'dist-gateway-api');
      run(name, `${name}-gateway-api`, out, ['--app', 'npx ts-node main-gateway-api.ts']);
    }
  }
  return written;
}

module.exports = { exampleNames, synthExamples };

if (require.main === module) {
  synthExamples();
}
