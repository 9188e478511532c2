/**
 * One measurement, in its own process so that peak memory is its own: builds the app (the library,
 * the baseline or the cdk8s-plus floor) with `n` services, synthesizes it to YAML files, and prints one JSON line.
 *
 * Every variant first synthesizes a one-service app in memory, so that module loading (cdk8s-plus
 * loads its modules lazily, on first use) is not counted as synthesis; cold start is measured
 * separately (see README).
 */
import * as fs from 'fs';
import { performance } from 'perf_hooks';
import { App } from 'cdk8s';
import { buildBaseline, buildLibrary, buildPlusFloor } from './apps';

const [variant, n, outdir] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const build = variant === 'library' ? buildLibrary : variant === 'plus' ? buildPlusFloor : buildBaseline;
const warmup = new App();
build(warmup, 1);
warmup.synthYaml();
const rssBefore = process.resourceUsage().maxRSS;
const t0 = performance.now();
const app = new App({ outdir });
build(app, n);
const t1 = performance.now();
app.synth();
const t2 = performance.now();
const bytes = fs.readdirSync(outdir).reduce((a, f) => a + fs.statSync(`${outdir}/${f}`).size, 0);
process.stdout.write(`${JSON.stringify({
  variant, n,
  constructMs: t1 - t0, synthMs: t2 - t1, totalMs: t2 - t0,
  peakRssMb: process.resourceUsage().maxRSS / 1024, startRssMb: rssBefore / 1024, bytes,
})}\n`);
