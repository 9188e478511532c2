import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, Yaml } from 'cdk8s';
import { defaultWeights, only, synthChecked } from './util';
import { buildProductCatalogCanary } from '../examples/productcatalog-canary/app';
import { buildRecommendationCanary } from '../examples/recommendation-canary/app';
import '../src/testing/jest';

const EXAMPLES = path.join(__dirname, '..', 'examples');
const EXISTING_PRODUCTCATALOG = [{
  namespace: 'onlineboutique',
  name: 'Deployment/productcatalogservice',
  labels: { app: 'productcatalogservice', version: 'v1' },
}];

describe('example recommendation-canary (S1 steps 2 and 3)', () => {
  const charts = buildRecommendationCanary(Testing.app());

  test.each([
    ['step2-all-v1', { v1: 100 }],
    ['step3-90-10', { v1: 90, v2: 10 }],
    ['step3-75-25', { v1: 75, v2: 25 }],
    ['step3-all-v2', { v2: 100 }],
  ])('%s routes %j', (id, weights) => {
    const chart = charts.find(c => c.node.id === id)!;
    const m = synthChecked(chart);
    expect(defaultWeights(only(m, 'VirtualService', 'recommendation'))).toEqual(weights);
    // Behaviour: a call from a pod in the namespace reaches the versions in these shares, whoever sends it.
    expect(chart).toSplit({ host: 'recommendation', sourceNamespace: 'tutorial' }, weights);
    expect(chart).toSplit({ host: 'recommendation.tutorial.svc.cluster.local', sourceNamespace: 'preference', headers: { 'user-agent': 'Firefox' } }, weights);
    expect(only(m, 'Namespace', 'tutorial').metadata.labels).toEqual({ 'istio-injection': 'enabled' });
    expect(only(m, 'Service', 'recommendation').spec.selector).toEqual({ app: 'recommendation' });
    expect(m).toMatchSnapshot();
  });
});

describe('example productcatalog-canary (S5)', () => {
  const charts = buildProductCatalogCanary(Testing.app());

  test.each([
    ['1-all-v1', { v1: 100 }],
    ['2-split-75-25', { v1: 75, v2: 25 }],
    ['3-rolled-out-v2', { v2: 100 }],
    ['4-rolled-back-v1', { v1: 100 }],
  ])('%s routes %j', (id, weights) => {
    const chart = charts.find(c => c.node.id === id)!;
    const m = synthChecked(chart, EXISTING_PRODUCTCATALOG);
    expect(defaultWeights(only(m, 'VirtualService', 'productcatalogservice'))).toEqual(weights);
    // Behaviour: the adopted v1 pods count as workloads, so the shares reach real pods.
    expect(chart).toSplit({ host: 'productcatalogservice', port: 3550 }, weights);
    // v1 is adopted: only v2 is created, with the scenario's settings.
    expect(m.filter(o => o.kind === 'Deployment').map(o => o.metadata.name)).toEqual(['productcatalogservice-v2']);
    const c = only(m, 'Deployment', 'productcatalogservice-v2').spec.template.spec.containers[0];
    expect(c.env).toEqual([{ name: 'PORT', value: '3550' }, { name: 'EXTRA_LATENCY', value: '3s' }]);
    expect(c.ports).toEqual([{ containerPort: 3550, name: 'grpc' }]);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    expect(c.readinessProbe.exec.command).toEqual(['/bin/grpc_health_probe', '-addr=:3550']);
    expect(only(m, 'Service', 'productcatalogservice').spec.ports).toEqual([
      { name: 'grpc', appProtocol: 'grpc', port: 3550, targetPort: 3550, protocol: 'TCP' },
    ]);
    expect(m).toMatchSnapshot();
  });
});

describe('every example synthesizes with the cdk8s CLI', () => {
  const examples = fs.readdirSync(EXAMPLES).filter(d => fs.existsSync(path.join(EXAMPLES, d, 'cdk8s.yaml')));

  test('the examples folder holds the expected apps', () => {
    expect(examples.sort()).toEqual(['productcatalog-canary', 'recommendation-canary']);
  });

  test.each(examples)('%s', (example) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `${example}-`));
    execFileSync('npx', ['cdk8s', 'synth', '--output', out], { cwd: path.join(EXAMPLES, example), stdio: 'pipe' });
    const files = fs.readdirSync(out).filter(f => f.endsWith('.k8s.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const docs = Yaml.load(path.join(out, f));
      expect(docs.some((d: any) => d.kind === 'VirtualService')).toBe(true);
    }
  }, 120_000);
});
