/**
 * `npm run bench`: wall time and peak memory of synthesizing apps of 100, 1,000 and 5,000 services
 * with the library, against a baseline that creates the same final objects as plain cdk8s
 * ApiObjects, and against the floor of an app whose workloads are cdk8s-plus objects (the rest plain
 * ApiObjects). Each measurement runs in a fresh Node.js process (peak RSS is per process); each is
 * repeated and the median taken. The last line is machine-readable.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { buildBaseline, buildLibrary, buildPlusFloor } from './apps';

const SIZES = (process.env.BENCH_SIZES ?? '100,1000,5000').split(',').map(Number);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const child = path.join(__dirname, 'child.js');

interface Sample { totalMs: number; constructMs: number; synthMs: number; peakRssMb: number; startRssMb: number; bytes: number }

function once(variant: string, n: number): Sample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${variant}-${n}-`));
  try {
    // The heap limit all runs so far used, so that figures compare (the peak at 5,000 services
    // measured the same without it).
    const out = execFileSync(process.execPath, ['--max-old-space-size=8192', child, variant, String(n), outdir], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split('\n').pop()!);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Baseline, floor and library runs alternate, so that drift in the machine's speed hits all alike. */
function measure(n: number): { base: Sample; plus: Sample; lib: Sample } {
  const base: Sample[] = [];
  const plus: Sample[] = [];
  const lib: Sample[] = [];
  for (let i = 0; i < REPEAT; i++) {
    base.push(once('baseline', n));
    plus.push(once('plus', n));
    lib.push(once('library', n));
  }
  return { base: median(base), plus: median(plus), lib: median(lib) };
}

function median(samples: Sample[]): Sample {
  const m = (k: keyof Sample) => samples.map(s => s[k]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  return {
    totalMs: m('totalMs'), constructMs: m('constructMs'), synthMs: m('synthMs'),
    peakRssMb: m('peakRssMb'), startRssMb: m('startRssMb'), bytes: m('bytes'),
  };
}

/** The baseline and the floor must write exactly what the library writes, or the comparison means nothing. */
function checkSameOutput(): void {
  const lib = new App(); buildLibrary(lib, 20);
  const yaml = lib.synthYaml();
  for (const [name, build] of [['baseline', buildBaseline], ['cdk8s-plus floor', buildPlusFloor]] as const) {
    const other = new App(); build(other, 20);
    if (other.synthYaml() !== yaml) {
      throw new Error(`bench: the ${name} does not produce the same YAML as the library; fix bench/apps.ts`);
    }
  }
}

checkSameOutput();
const fmt = (x: number, d = 0) => x.toFixed(d).padStart(9);
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, repeat ${REPEAT} (median)`);
console.log('services  variant      total ms  construct ms  synth ms   peak RSS MB   YAML MB  time x  mem x');
const results = new Map<string, { lib: Sample; plus: Sample; base: Sample }>();
for (const n of SIZES) {
  const { base, plus, lib } = measure(n);
  results.set(String(n), { lib, plus, base });
  for (const [name, s] of [['baseline', base], ['plus', plus], ['library', lib]] as const) {
    const ratio = name === 'baseline' ? '' : `${(s.totalMs / base.totalMs).toFixed(2).padStart(6)}  ${(s.peakRssMb / base.peakRssMb).toFixed(2).padStart(5)}`;
    console.log(`${String(n).padStart(8)}  ${name.padEnd(9)}${fmt(s.totalMs)}${fmt(s.constructMs, 0).padStart(14)}${fmt(s.synthMs)}${fmt(s.peakRssMb, 1).padStart(14)}${fmt(s.bytes / 2 ** 20, 1).padStart(10)}  ${ratio}`);
  }
}
const at = (n: number) => results.get(String(n));
const ratio = (n: number, k: 'totalMs' | 'peakRssMb') => {
  const r = at(n);
  return r ? r.lib[k] / r.base[k] : NaN;
};
// The library against the floor: what the library itself adds to an app that uses cdk8s-plus.
console.log(SIZES.map(n => {
  const r = at(n)!;
  return `over_plus_time_${n}=${(r.lib.totalMs / r.plus.totalMs).toFixed(2)} over_plus_mem_${n}=${(r.lib.peakRssMb / r.plus.peakRssMb).toFixed(2)}`;
}).join(' '));
const r1000 = at(1000);
const r5000 = at(5000);
const scale = r1000 && r5000 ? r5000.lib.totalMs / r1000.lib.totalMs : NaN;
const baseScale = r1000 && r5000 ? r5000.base.totalMs / r1000.base.totalMs : NaN;
console.log(`baseline scale_5000_over_1000=${baseScale.toFixed(2)} (target for the library: at most ${(baseScale * 1.1).toFixed(2)})`);
console.log(`ratio_time_1000=${ratio(1000, 'totalMs').toFixed(2)} ratio_mem_1000=${ratio(1000, 'peakRssMb').toFixed(2)} `
  + `ratio_time_5000=${ratio(5000, 'totalMs').toFixed(2)} ratio_mem_5000=${ratio(5000, 'peakRssMb').toFixed(2)} scale_5000_over_1000=${scale.toFixed(2)}`);
