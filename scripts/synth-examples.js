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
 * <outRoot>/<name>; without, to the example's own output folder. Returns the files written.
 */
function synthExamples(outRoot) {
  const written = {};
  for (const name of exampleNames()) {
    const cwd = path.join(EXAMPLES, name);
    const out = outRoot ? path.join(outRoot, name) : path.join(cwd, 'dist');
    process.stdout.write(`== examples/${name} -> ${path.relative(process.cwd(), out) || '.'}\n`);
    execFileSync('npx', ['cdk8s', 'synth', '--output', out], { cwd, stdio: outRoot ? 'pipe' : 'inherit' });
    written[name] = fs.readdirSync(out).filter(f => f.endsWith('.k8s.yaml')).sort();
  }
  return written;
}

module.exports = { exampleNames, synthExamples };

if (require.main === module) {
  synthExamples();
}
