/**
 * Jest's global setup and teardown (see .projenrc.ts): every test file runs with TMPDIR pointing at one
 * fresh directory, removed when the run ends. cdk8s' `Testing.app()` and the tests' own `mkdtemp`
 * calls write a directory per app under the system's temporary folder, hundreds of thousands a run;
 * this keeps them out of /tmp. Workers are started after the global setup and inherit its environment.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SAVED = 'CDK8S_ISTIO_TRAFFIC_TEST_SAVED_TMPDIR';
const OWN = 'CDK8S_ISTIO_TRAFFIC_TEST_TMPDIR';

export function setup(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-istio-traffic-test-'));
  process.env[SAVED] = process.env.TMPDIR ?? '';
  process.env[OWN] = dir;
  process.env.TMPDIR = dir;
}

export function teardown(): void {
  const dir = process.env[OWN];
  if (process.env[SAVED]) { process.env.TMPDIR = process.env[SAVED]; } else { delete process.env.TMPDIR; }
  if (dir) { fs.rmSync(dir, { recursive: true, force: true }); }
}
