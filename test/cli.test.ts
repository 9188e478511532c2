// The cdk8s-istio-traffic command (src/cli): explain, --mermaid, diff (Markdown and --json), exit codes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { recommendationChart, RECOMMENDATION_STATES } from '../examples/recommendation-canary/app';
import { RoutingApi, RoutingApiSetting } from '../src';
import { run, USAGE } from '../src/cli/main';
import { CliError, parseManifests, readManifests, yamlFiles } from '../src/cli/manifests';

const BOOKINFO = path.join(__dirname, '..', '..', 'shared', 'upstream', 'istio', 'samples', 'bookinfo');
const NETWORKING = path.join(BOOKINFO, 'networking');
const RECOMMENDATION = 'recommendation.tutorial.svc.cluster.local';

interface Result { readonly code: number; readonly stdout: string; readonly stderr: string }

function cli(...argv: string[]): Result {
  let stdout = '';
  let stderr = '';
  const code = run(argv, { stdout: s => { stdout += s; }, stderr: s => { stderr += s; } });
  return { code, stdout, stderr };
}

let tmp: string;
/** A folder with the synthesized YAML of a recommendation-canary state (`cdk8s synth` into its own dist/). */
const states: { [id: string]: string } = {};

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-test-'));
  for (const id of ['step3-90-10', 'step3-75-25']) {
    const outdir = path.join(tmp, id);
    const app = new App({ outdir });
    recommendationChart(app, id, RECOMMENDATION_STATES[id]);
    app.synth();
    states[id] = outdir;
  }
});

afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

/** Writes `text` to `name` below a fresh temporary folder; returns the file's path. */
function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** cart's VirtualService (stable `weight`%, next the rest) and DestinationRule (subsets by `track`). */
function cartYaml(weight: number, stableLabels = '{ track: blue }'): string {
  return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: cart }
spec:
  hosts: [cart]
  http:
  - route:
    - { destination: { host: cart, subset: stable }, weight: ${weight} }
    - { destination: { host: cart, subset: next }, weight: ${100 - weight} }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: cart }
spec:
  host: cart
  subsets:
  - { name: stable, labels: ${stableLabels} }
  - { name: next, labels: { track: green } }
`;
}

/** The explain table's entries, from `explain --json`. */
function table(...files: string[]): any[] {
  const r = cli('explain', '--json', ...files);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(r.stdout).entries;
}

function entry(entries: any[], host: string, binding: string): any {
  const found = entries.filter(e => e.host === host && e.binding === binding);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('diff of the recommendation canary states (library-made YAML)', () => {
  test('the same change written as Kubernetes Gateway API (HTTPRoutes read as Istio reads them)', () => {
    const dirs = ['step3-90-10', 'step3-75-25'].map(id => {
      const outdir = path.join(tmp, `${id}-gateway-api`);
      const app = new App({ outdir });
      RoutingApiSetting.use(app, RoutingApi.GATEWAY_API);
      recommendationChart(app, id, RECOMMENDATION_STATES[id]);
      app.synth();
      return outdir;
    });
    const r = cli('diff', dirs[0], dirs[1], '--json');
    expect(r.code).toBe(1);
    // A destination without a subset is named by its Service and the version of its pods.
    expect(JSON.parse(r.stdout).changes).toEqual([{
      host: RECOMMENDATION,
      binding: 'mesh',
      rule: 'default',
      before: { 'recommendation-v1/v1': 90, 'recommendation-v2/v2': 10 },
      after: { 'recommendation-v1/v1': 75, 'recommendation-v2/v2': 25 },
      policies: {},
    }]);
  });

  test('90/10 to 75/25: exit 1, and the one change is recommendation v1 90 -> 75, v2 10 -> 25', () => {
    const r = cli('diff', states['step3-90-10'], states['step3-75-25'], '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      changes: [{
        host: RECOMMENDATION,
        binding: 'mesh',
        rule: 'default',
        before: { v1: 90, v2: 10 },
        after: { v1: 75, v2: 25 },
        policies: {},
      }],
    });
  });

  test('the Markdown diff names the host, binding and rule, and the shares before and after', () => {
    const r = cli('diff', states['step3-90-10'], states['step3-75-25']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`#### \`${RECOMMENDATION}\` (mesh)`);
    const row = r.stdout.split('\n').find(l => l.startsWith('| default |'));
    expect(row).toBe('| default | v1 90% → 75%, v2 10% → 25% | v1 90%, v2 10% | v1 75%, v2 25% |  |');
    expect(r.stdout).toContain('1 rule of 1 host changes.');
  });

  test('a state against itself: exit 0, "no change"', () => {
    const md = cli('diff', states['step3-90-10'], states['step3-90-10']);
    expect(md).toEqual({ code: 0, stdout: '### Traffic changes\n\nNo change to traffic.\n', stderr: '' });
    const json = cli('diff', '--json', states['step3-75-25'], states['step3-75-25']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ changes: [] });
  });

  test('the reverse change is the mirror image', () => {
    const r = cli('diff', states['step3-75-25'], states['step3-90-10'], '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).changes.map((c: any) => [c.before, c.after])).toEqual([[{ v1: 75, v2: 25 }, { v1: 90, v2: 10 }]]);
  });
});

describe('explain', () => {
  test('a state: the recommendation host in the mesh, its rule and the share of each version', () => {
    const r = cli('explain', states['step3-90-10']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.indexOf(RECOMMENDATION);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]).toBe('  mesh  (VirtualService tutorial/recommendation; DestinationRule tutorial/recommendation)');
    expect(lines[at + 2].split(/\s+/).filter(Boolean)).toEqual(['RULE', 'MATCH', 'DESTINATIONS', 'POLICIES']);
    expect(lines[at + 4].split(/\s{2,}/).filter(Boolean)).toEqual(['default', '*', 'v1 90%']);
    expect(lines[at + 5].trim()).toBe('v2 10%');
  });

  test('--json: the table the text is made of', () => {
    const e = entry(table(states['step3-75-25']), RECOMMENDATION, 'mesh');
    expect(e.virtualServices).toEqual(['tutorial/recommendation']);
    expect(e.rules).toHaveLength(1);
    expect(e.rules[0]).toMatchObject({ key: 'default', match: '*', shares: { v1: 75, v2: 25 } });
    expect(e.rules[0].destinations).toEqual([
      // The example's manifests hold the Deployments: each destination's versions come from its pods.
      { host: RECOMMENDATION, subset: 'v1', version: 'v1', percent: 75, versions: { v1: 75 } },
      { host: RECOMMENDATION, subset: 'v2', version: 'v2', percent: 25, versions: { v2: 25 } },
    ]);
  });

  test('--mermaid draws a flowchart per host with its binding, rule and versions', () => {
    const r = cli('explain', '--mermaid', states['step3-90-10']);
    expect(r.code).toBe(0);
    const block = r.stdout.slice(r.stdout.indexOf('```mermaid'), r.stdout.lastIndexOf('```') + 3);
    expect(block.split('\n').slice(0, 3)).toEqual(['```mermaid', 'flowchart LR', `  host["${RECOMMENDATION}"]`]);
    expect(block).toContain('host --> b0{{"mesh"}}');
    expect(block).toContain('b0 --> b0r0["default"]');
    expect(block).toMatch(/b0r0 -->\|90%\| v\d/);
    expect(block).toMatch(/b0r0 -->\|10%\| v\d/);
    expect(block).toContain('(["v1"])');
    expect(block).toContain('(["v2"])');
    expect(r.stdout).toContain(`### ${RECOMMENDATION}`);
  });

  test('--mermaid labels: the match, with quotes and # as Mermaid entity codes', () => {
    const r = cli('explain', '--mermaid', path.join(NETWORKING, 'virtual-service-reviews-jason-v2-v3.yaml'), path.join(NETWORKING, 'destination-rule-all.yaml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('b0 --> b0r0["#35;0: headers[end-user] exact #quot;jason#quot;"]');
    expect(r.stdout).toContain('b0 --> b0r1["#35;1"]');
    expect(r.stdout).toMatch(/b0r1 -->\|100%\| v\d/);
  });

  test('Istio\'s Bookinfo YAML: reviews for jason to v2, everyone else v3; the gateway route; hosts without VirtualService', () => {
    const entries = table(
      path.join(NETWORKING, 'virtual-service-reviews-jason-v2-v3.yaml'),
      path.join(NETWORKING, 'destination-rule-all.yaml'),
      path.join(NETWORKING, 'bookinfo-gateway.yaml'),
      path.join(BOOKINFO, 'platform', 'kube', 'bookinfo.yaml'),
    );
    const reviews = entry(entries, 'reviews.default.svc.cluster.local', 'mesh');
    expect(reviews.destinationRule).toBe('default/reviews');
    expect(reviews.rules.map((r: any) => [r.key, r.match, r.shares])).toEqual([
      ['#0', 'headers[end-user] exact "jason"', { v2: 100 }],
      ['#1', '*', { v3: 100 }],
    ]);
    const edge = entry(entries, '*', 'default/bookinfo-gateway');
    expect(edge.rules).toHaveLength(1);
    expect(edge.rules[0].matchBlocks).toEqual([
      'uri exact /productpage', 'uri prefix /static', 'uri exact /login', 'uri exact /logout', 'uri prefix /api/v1/products',
    ]);
    // bookinfo.yaml holds the Deployments: the versions are the pods' (productpage-v1), on another host than the row's.
    expect(edge.rules[0].key).toBe('default/bookinfo #0');
    expect(edge.rules[0].shares).toEqual({ 'productpage/v1': 100 });
    // ratings has a Service and a DestinationRule but no VirtualService: Kubernetes spreads the requests over its pods.
    expect(entry(entries, 'ratings.default.svc.cluster.local', 'mesh').rules.map((r: any) => [r.key, r.shares]))
      .toEqual([['(no VirtualService)', { v1: 100 }]]);
    // Sorted: hosts, then the mesh before gateways.
    expect(entries.map((e: any) => `${e.host} ${e.binding}`)).toEqual([
      '* default/bookinfo-gateway',
      'details.default.svc.cluster.local mesh',
      'productpage.default.svc.cluster.local mesh',
      'ratings.default.svc.cluster.local mesh',
      'reviews.default.svc.cluster.local mesh',
    ]);
  });

  test('the explain example of docs/cli.md is what the command prints (Bookinfo with its Deployments: shares from the pods)', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'cli.md'), 'utf-8');
    const block = /\n## explain\n[\s\S]*?```\n\$ npx cdk8s-istio-traffic explain (.*)\n([\s\S]*?)```/.exec(doc);
    expect(block).not.toBeNull();
    const [, args, printed] = block!;
    const r = cli('explain', ...args.split(' ').map(f => path.join(BOOKINFO, f)));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(printed);
    // What the example shows: reviews for jason on v2, the rest on v3; ratings delayed for jason.
    expect(printed).toMatch(/#0 +headers\[end-user\] exact "jason" +v2 100%\n +#1 +\* +v3 100%/);
    expect(printed).toMatch(/fault delay 7s for 100%/);
  });

  test('Bookinfo as text: the reviews rules one per line, with their match', () => {
    const r = cli('explain', path.join(NETWORKING, 'virtual-service-reviews-jason-v2-v3.yaml'), path.join(NETWORKING, 'destination-rule-all.yaml'));
    const lines = r.stdout.split('\n');
    const at = lines.indexOf('reviews.default.svc.cluster.local');
    expect(lines[at + 4].split(/\s{2,}/).filter(Boolean)).toEqual(['#0', 'headers[end-user] exact "jason"', 'v2 100%']);
    expect(lines[at + 5].split(/\s{2,}/).filter(Boolean)).toEqual(['#1', '*', 'v3 100%']);
  });

  test('policies: fault, timeout, retries, mirror, and the DestinationRule\'s per version (the subset\'s own over the top level)', () => {
    const file = write('policies/all.yaml', `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings, namespace: shop }
spec:
  hosts: [ratings]
  http:
  - name: slow
    match: [{ uri: { prefix: /api }, headers: { x-test: {} } }]
    fault: { delay: { fixedDelay: 7s, percentage: { value: 50 } } }
    route: [{ destination: { host: ratings, subset: v1 } }]
  - timeout: 10s
    retries: { attempts: 3, perTryTimeout: 2s, retryOn: 5xx }
    mirror: { host: ratings, subset: v2 }
    mirrorPercentage: { value: 20 }
    route:
    - { destination: { host: ratings, subset: v1 }, weight: 3 }
    - { destination: { host: ratings, subset: v2 }, weight: 1 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: shop }
spec:
  host: ratings
  trafficPolicy:
    loadBalancer: { simple: ROUND_ROBIN }
    outlierDetection: { consecutive5xxErrors: 5, interval: 10s }
  subsets:
  - { name: v1, labels: { version: v1 } }
  - name: v2
    labels: { version: v2 }
    trafficPolicy: { loadBalancer: { simple: RANDOM } }
`);
    const e = entry(table(file), 'ratings.shop.svc.cluster.local', 'mesh');
    expect(e.rules[0]).toMatchObject({
      key: 'slow',
      match: 'uri prefix /api and headers[x-test] present',
      shares: { v1: 100 },
      policies: {
        fault: { delay: { fixedDelay: '7s', percent: 50 } },
        loadBalancer: { v1: { simple: 'ROUND_ROBIN' } },
        outlierDetection: { v1: { consecutive5xxErrors: 5, interval: '10s' } },
      },
    });
    expect(e.rules[1]).toMatchObject({
      key: '#1',
      shares: { v1: 75, v2: 25 },
      policies: {
        timeout: '10s',
        retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' },
        mirror: [{ host: 'ratings.shop.svc.cluster.local', subset: 'v2', percent: 20 }],
        loadBalancer: { v1: { simple: 'ROUND_ROBIN' }, v2: { simple: 'RANDOM' } },
      },
    });
    const text = cli('explain', file).stdout;
    expect(text).toContain('fault delay 7s for 50%');
    expect(text).toContain('retries 3 attempts 2s each on 5xx');
    expect(text).toContain('mirror ratings.shop.svc.cluster.local/v2 20%');
    expect(text).toContain('loadBalancer v1: ROUND_ROBIN; v2: RANDOM');
    expect(text).toContain('outlierDetection consecutive5xxErrors=5 interval=10s');
  });

  test('a version is the subset\'s version label (--version-label), else the subset name', () => {
    const file = write('labels/track.yaml', cartYaml(80, "{ track: blue, version: '1.0' }"));
    const shares = (...opts: string[]) => {
      const r = cli('explain', '--json', ...opts, file);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).entries[0].rules[0].shares;
    };
    expect(shares()).toEqual({ '1.0': 80, 'next': 20 });
    expect(shares('--version-label', 'track')).toEqual({ blue: 80, green: 20 });
    expect(shares('--version-label=track')).toEqual({ blue: 80, green: 20 });
  });

  test('a folder is read recursively, *.yaml and *.yml only, and gives what its files give', () => {
    write('tree/b/reviews.yml', fs.readFileSync(path.join(NETWORKING, 'virtual-service-reviews-80-20.yaml'), 'utf8'));
    write('tree/a/rules.yaml', fs.readFileSync(path.join(NETWORKING, 'destination-rule-all.yaml'), 'utf8'));
    write('tree/notes.txt', 'not: [yaml');
    const fromFolder = cli('explain', path.join(tmp, 'tree'));
    expect(fromFolder.code).toBe(0);
    expect(fromFolder.stdout).toBe(cli('explain', path.join(tmp, 'tree/a/rules.yaml'), path.join(tmp, 'tree/b/reviews.yml')).stdout);
    expect(entry(table(path.join(tmp, 'tree')), 'reviews.default.svc.cluster.local', 'mesh').rules[0].shares).toEqual({ v1: 80, v2: 20 });
  });

  test('VirtualServices merged on a gateway\'s virtual host: specific rules first, catch-alls last', () => {
    const file = write('merged/edge.yaml', `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: ingress }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ['shop.example.com'] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: ingress }
spec:
  hosts: [shop.example.com]
  gateways: [edge]
  http:
  - route: [{ destination: { host: web.shop.svc.cluster.local } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api, namespace: ingress }
spec:
  hosts: [shop.example.com]
  gateways: [ingress/edge]
  http:
  - name: api
    match: [{ uri: { prefix: /api } }]
    route: [{ destination: { host: api.shop.svc.cluster.local } }]
`);
    const e = entry(table(file), 'shop.example.com', 'ingress/edge');
    expect(e.virtualServices).toEqual(['ingress/web', 'ingress/api']);
    expect(e.rules.map((r: any) => [r.key, r.shares])).toEqual([
      ['ingress/api api', { 'api.shop': 100 }],
      ['ingress/web #0', { 'web.shop': 100 }],
    ]);
  });
});

describe('diff of hand-written YAML', () => {
  const vs = (timeout: string, rules: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
${rules}
  - timeout: ${timeout}
    route: [{ destination: { host: reviews, subset: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
`;
  const jason = `  - name: jason
    match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]`;

  test('a changed policy alone is a change (shares equal); only the changed policy is listed', () => {
    const before = write('p/before.yaml', vs('5s', ''));
    const after = write('p/after.yaml', vs('10s', ''));
    const r = cli('diff', '--json', before, after);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).changes).toEqual([{
      host: 'reviews.default.svc.cluster.local',
      binding: 'mesh',
      rule: '#0',
      before: { v1: 100 },
      after: { v1: 100 },
      policies: { timeout: { before: '5s', after: '10s' } },
    }]);
    const md = cli('diff', before, after);
    expect(md.code).toBe(1);
    expect(md.stdout).toContain('| #0 | unchanged: v1 100% | v1 100% | v1 100% | timeout: 5s → 10s |');
  });

  test('an added rule has before null, a removed one after null; an unnamed rule that moves is followed by its match', () => {
    const before = write('r/before.yaml', vs('5s', ''));
    const after = write('r/after.yaml', vs('5s', jason));
    const added = cli('diff', '--json', before, after);
    expect(added.code).toBe(1);
    // The catch-all moved from #0 to #1 unchanged: not a change.
    expect(JSON.parse(added.stdout).changes).toEqual([
      {
        host: 'reviews.default.svc.cluster.local',
        binding: 'mesh',
        rule: 'jason',
        before: null,
        after: { v2: 100 },
        policies: { match: { before: null, after: 'headers[end-user] exact "jason"' } },
      },
    ]);
    const removed = JSON.parse(cli('diff', '--json', after, before).stdout).changes;
    expect(removed).toEqual([
      {
        host: 'reviews.default.svc.cluster.local',
        binding: 'mesh',
        rule: 'jason',
        before: { v2: 100 },
        after: null,
        policies: { match: { before: 'headers[end-user] exact "jason"', after: null } },
      },
    ]);
  });

  test('Bookinfo 90/10 to jason-v2-v3: a new first rule, and the catch-all (now #1) moves to v3', () => {
    const r = cli('diff', '--json', path.join(NETWORKING, 'virtual-service-reviews-90-10.yaml'), path.join(NETWORKING, 'virtual-service-reviews-jason-v2-v3.yaml'));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).changes).toEqual([
      {
        host: 'reviews.default.svc.cluster.local',
        binding: 'mesh',
        rule: '#0',
        before: null,
        after: { v2: 100 },
        policies: { match: { before: null, after: 'headers[end-user] exact "jason"' } },
      },
      {
        host: 'reviews.default.svc.cluster.local',
        binding: 'mesh',
        rule: '#1',
        previousRule: '#0',
        before: { v1: 90, v2: 10 },
        after: { v3: 100 },
        policies: {},
      },
    ]);
    const md = cli('diff', path.join(NETWORKING, 'virtual-service-reviews-90-10.yaml'), path.join(NETWORKING, 'virtual-service-reviews-jason-v2-v3.yaml'));
    expect(md.stdout).toContain('| #1 (was #0) | v1 90% → 0%, v2 10% → 0%, v3 0% → 100% | v1 90%, v2 10% | v3 100% |  |');
    expect(md.stdout).toContain('| #0 | added: v2 100% | - | v2 100% | match: headers[end-user] exact "jason" |');
  });

  test('an unnamed rule whose match changes is the same rule (by index)', () => {
    const before = write('m/before.yaml', vs('5s', jason.replace('- name: jason\n    match', '- match')));
    const after = write('m/after.yaml', vs('5s', jason.replace('- name: jason\n    match', '- match').replace('exact: jason', 'exact: bob')));
    expect(JSON.parse(cli('diff', '--json', before, after).stdout).changes).toEqual([
      {
        host: 'reviews.default.svc.cluster.local',
        binding: 'mesh',
        rule: '#0',
        before: { v2: 100 },
        after: { v2: 100 },
        policies: { match: { before: 'headers[end-user] exact "jason"', after: 'headers[end-user] exact "bob"' } },
      },
    ]);
  });

  test('Bookinfo 90/10 to 80/20 (Istio\'s own files)', () => {
    const r = cli('diff', '--json', path.join(NETWORKING, 'virtual-service-reviews-90-10.yaml'), path.join(NETWORKING, 'virtual-service-reviews-80-20.yaml'));
    expect(r.code).toBe(1);
    // Without the DestinationRule, a version is the subset name.
    expect(JSON.parse(r.stdout).changes).toEqual([{
      host: 'reviews.default.svc.cluster.local',
      binding: 'mesh',
      rule: '#0',
      before: { v1: 90, v2: 10 },
      after: { v1: 80, v2: 20 },
      policies: {},
    }]);
  });

  test('a host that gets its first VirtualService: the Kubernetes spreading goes, the rules come', () => {
    const before = write('first/before.yaml', `
apiVersion: v1
kind: Service
metadata: { name: reviews }
spec: { selector: { app: reviews }, ports: [{ port: 9080 }] }
`);
    const after = write('first/after.yaml', `${fs.readFileSync(before, 'utf8')}---\n${vs('5s', '')}`);
    const changes = JSON.parse(cli('diff', '--json', before, after).stdout).changes;
    expect(changes.map((c: any) => [c.rule, c.before, c.after])).toEqual([
      ['#0', null, { v1: 100 }],
      ['(no VirtualService)', { reviews: 100 }, null],
    ]);
  });
});

/** A Service `name` (selector app) and a Deployment per version with its replicas, in namespace shop. */
function workloads(name: string, replicas: { [version: string]: number }): string {
  const deployments = Object.entries(replicas).map(([v, n]) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}-${v}, namespace: shop }
spec:
  replicas: ${n}
  selector: { matchLabels: { app: ${name}, version: ${v} } }
  template:
    metadata: { labels: { app: ${name}, version: ${v} } }
    spec: { containers: [{ name: app, image: 'example/${name}:${v}' }] }
`);
  return [`
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: shop }
spec: { selector: { app: ${name} }, ports: [{ port: 80, name: http }] }
`, ...deployments].join('---');
}

/** A VirtualService for `host` in namespace shop with the given `http` rules (YAML, indented 2). */
function shopVs(name: string, host: string, rules: string, extra = ''): string {
  return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: shop }
spec:
  hosts: [${host}]
${extra}  http:
${rules}
`;
}

function subsets(host: string, names: string[], extra = ''): string {
  return `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${host}, namespace: shop }
spec:
  host: ${host}
${extra}  subsets: [${names.map(n => `{ name: ${n}, labels: { version: ${n} } }`).join(', ')}]
`;
}

const CART = 'cart.shop.svc.cluster.local';

describe('shares come from the pods, as the simulator resolves destinations', () => {
  test('a Service without VirtualService: its versions by replicas; v2 scaled 1 -> 3 is 50/50 -> 25/75, and diff reports it', () => {
    const before = write('pods/before.yaml', workloads('cart', { v1: 1, v2: 1 }));
    const after = write('pods/after.yaml', workloads('cart', { v1: 1, v2: 3 }));
    expect(entry(table(before), CART, 'mesh').rules.map((r: any) => [r.key, r.shares])).toEqual([['(no VirtualService)', { v1: 50, v2: 50 }]]);
    expect(entry(table(after), CART, 'mesh').rules[0].shares).toEqual({ v1: 25, v2: 75 });
    const text = cli('explain', after).stdout.split('\n');
    const at = text.indexOf(CART);
    expect(text[at + 4].split(/\s{2,}/).filter(Boolean)).toEqual(['(no VirtualService)', '*', 'v1 25%']);
    expect(text[at + 5].trim()).toBe('v2 75%');
    const r = cli('diff', '--json', before, after);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).changes).toEqual([{
      host: CART, binding: 'mesh', rule: '(no VirtualService)', before: { v1: 50, v2: 50 }, after: { v1: 25, v2: 75 }, policies: {},
    }]);
  });

  test('a subset deleted from the DestinationRule under a 90/10 route: v2 10% -> 503 10% (NC), exit 1', () => {
    const route = `  - name: split
    route:
    - { destination: { host: cart, subset: v1 }, weight: 90 }
    - { destination: { host: cart, subset: v2 }, weight: 10 }`;
    const pods = workloads('cart', { v1: 2, v2: 1 });
    const before = write('nc/before.yaml', [pods, shopVs('cart', 'cart', route), subsets('cart', ['v1', 'v2'])].join('---'));
    const after = write('nc/after.yaml', [pods, shopVs('cart', 'cart', route), subsets('cart', ['v1'])].join('---'));
    const r = cli('diff', '--json', before, after);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).changes).toEqual([{
      host: CART, binding: 'mesh', rule: 'split', before: { v1: 90, v2: 10 }, after: { 'v1': 90, '(503)': 10 }, policies: {},
    }]);
    expect(cli('diff', before, after).stdout).toContain('| split | v2 10% → 0%, (503) 0% → 10% | v1 90%, v2 10% | v1 90%, (503) 10% |  |');
    const e = entry(table(after), CART, 'mesh');
    expect(e.rules[0].destinations[1]).toMatchObject({ subset: 'v2', versions: { '(503)': 10 }, unavailable: 'NC' });
    expect(e.rules[0].notes).toEqual([`subset 'v2' of ${CART} is not defined by DestinationRule shop/cart: Envoy answers 503 (NC)`]);
    // Without the pods in the manifests, the DestinationRule alone still says the subset is not defined.
    const noPods = write('nc/after-no-pods.yaml', [shopVs('cart', 'cart', route), subsets('cart', ['v1'])].join('---'));
    expect(entry(table(noPods), CART, 'mesh').rules[0].shares).toEqual({ 'v1': 90, '(503)': 10 });
  });

  test('a subset without pods (scaled to 0) is 503 (UH); a subset over several versions splits by replicas', () => {
    const file = write('uh/all.yaml', [
      workloads('cart', { v1: 1, v2: 0, v3: 3 }),
      shopVs('cart', 'cart', `  - route:
    - { destination: { host: cart, subset: v2 }, weight: 20 }
    - { destination: { host: cart, subset: rest }, weight: 80 }`),
      subsets('cart', ['v2']).replace(']', ', { name: rest, labels: { app: cart } }]'),
    ].join('---'));
    const e = entry(table(file), CART, 'mesh');
    expect(e.rules[0].shares).toEqual({ '(503)': 20, 'v1': 20, 'v3': 60 });
    expect(e.rules[0].notes).toEqual([`${CART} subset 'v2' has no running pods: Envoy answers 503 no healthy upstream (UH)`]);
  });

  test('pods not known (only VirtualService and DestinationRule): the weights per subset, and a note says so', () => {
    const file = write('unknown/vs.yaml', [shopVs('cart', 'cart', `  - route:
    - { destination: { host: cart, subset: v1 }, weight: 90 }
    - { destination: { host: cart, subset: v2 }, weight: 10 }`), subsets('cart', ['v1', 'v2'])].join('---'));
    const e = entry(table(file), CART, 'mesh');
    expect(e.rules[0].shares).toEqual({ v1: 90, v2: 10 });
    expect(e.rules[0].destinations[0].versions).toBeUndefined();
    expect(e.notes).toEqual([`pods not known for ${CART} (no Service with a selector that selects a workload of the manifests): shares are the weights, per subset`]);
  });

  test('a version with 0% is left out: {v1: 100, v2: 0} to {v1: 100} is no change', () => {
    const dr = subsets('cart', ['v1', 'v2'], '  trafficPolicy: { loadBalancer: { simple: RANDOM } }\n');
    const before = write('zero/before.yaml', [shopVs('cart', 'cart', `  - route:
    - { destination: { host: cart, subset: v1 }, weight: 100 }
    - { destination: { host: cart, subset: v2 }, weight: 0 }`), dr].join('---'));
    const after = write('zero/after.yaml', [shopVs('cart', 'cart', `  - route:
    - { destination: { host: cart, subset: v1 } }`), dr].join('---'));
    const rule = entry(table(before), CART, 'mesh').rules[0];
    expect(rule.shares).toEqual({ v1: 100 });
    expect(rule.policies).toEqual({ loadBalancer: { v1: { simple: 'RANDOM' } } });
    expect(cli('explain', before).stdout).not.toContain('v2 0%');
    expect(cli('diff', '--json', before, after)).toEqual({ code: 0, stdout: '{\n  "changes": []\n}\n', stderr: '' });
  });

  test('the DestinationRule of a host is the most specific one (exact before wildcard), as Istio picks it', () => {
    const file = write('dr/specific.yaml', [
      workloads('cart', { v1: 1, v2: 1 }),
      `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: all, namespace: shop }
spec:
  host: '*.shop.svc.cluster.local'
  trafficPolicy: { loadBalancer: { simple: RANDOM } }
  subsets: [{ name: v1, labels: { version: v2 } }]
`,
      subsets('cart', ['v1'], '  trafficPolicy: { loadBalancer: { simple: LEAST_REQUEST } }\n'),
      shopVs('cart', 'cart', '  - route: [{ destination: { host: cart, subset: v1 } }]'),
    ].join('---'));
    const e = entry(table(file), CART, 'mesh');
    expect(e.destinationRule).toBe('shop/cart');
    expect(e.rules[0].shares).toEqual({ v1: 100 });
    expect(e.rules[0].policies).toEqual({ loadBalancer: { v1: { simple: 'LEAST_REQUEST' } } });
  });
});

describe('rule order, reachability, keys, TLS and TCP, rejected VirtualServices', () => {
  const specific = `  - name: beta
    match: [{ headers: { x-beta: { exact: 'on' } } }]
    route: [{ destination: { host: cart, subset: v2 } }]`;
  const catchAll = `  - name: main
    route: [{ destination: { host: cart, subset: v1 } }]`;
  const dr = subsets('cart', ['v1', 'v2']);

  test('two named rules swap places (a catch-all moved first): order and reachability change, exit 1', () => {
    const before = write('order/before.yaml', [shopVs('cart', 'cart', `${specific}\n${catchAll}`), dr].join('---'));
    const after = write('order/after.yaml', [shopVs('cart', 'cart', `${catchAll}\n${specific}`), dr].join('---'));
    const r = cli('diff', '--json', before, after);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).changes).toEqual([
      { host: CART, binding: 'mesh', rule: 'main', before: { v1: 100 }, after: { v1: 100 }, policies: { order: { before: 2, after: 1 } } },
      {
        host: CART,
        binding: 'mesh',
        rule: 'beta',
        before: { v2: 100 },
        after: { v2: 100 },
        policies: { order: { before: 1, after: 2 }, reachable: { before: true, after: false } },
      },
    ]);
    const md = cli('diff', before, after).stdout;
    expect(md).toContain('| beta | unchanged: v2 100% | v2 100% | v2 100% | order: #1 → #2<br>reachable: reachable → unreachable |');
    // Back again: reachable again.
    const back = JSON.parse(cli('diff', '--json', after, before).stdout).changes;
    expect(back.find((c: any) => c.rule === 'beta').policies.reachable).toEqual({ before: false, after: true });
    expect(entry(table(after), CART, 'mesh').rules.map((x: any) => [x.key, x.reachable])).toEqual([['main', true], ['beta', false]]);
  });

  test('a rule inserted before the others moves none of them', () => {
    const gamma = `  - name: gamma
    match: [{ uri: { prefix: /gamma } }]
    route: [{ destination: { host: cart, subset: v2 } }]`;
    const before = write('insert/before.yaml', [shopVs('cart', 'cart', `${specific}\n${catchAll}`), dr].join('---'));
    const after = write('insert/after.yaml', [shopVs('cart', 'cart', `${gamma}\n${specific}\n${catchAll}`), dr].join('---'));
    const changes = JSON.parse(cli('diff', '--json', before, after).stdout).changes;
    expect(changes.map((c: any) => [c.rule, Object.keys(c.policies)])).toEqual([['gamma', ['match']]]);
  });

  test('at a gateway, rule keys name their VirtualService: a second VirtualService merging in renames no rule', () => {
    const gw = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: shop }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ['shop.example.com'] }]
`;
    const web = shopVs('web', 'shop.example.com', '  - route: [{ destination: { host: web } }]', '  gateways: [edge]\n');
    const api = shopVs('api', 'shop.example.com', `  - name: api
    match: [{ uri: { prefix: /api } }]
    route: [{ destination: { host: api } }]`, '  gateways: [edge]\n');
    const before = write('gw/before.yaml', [gw, web].join('---'));
    const after = write('gw/after.yaml', [gw, web, api].join('---'));
    expect(entry(table(before), 'shop.example.com', 'shop/edge').rules.map((x: any) => x.key)).toEqual(['shop/web #0']);
    const changes = JSON.parse(cli('diff', '--json', before, after).stdout).changes;
    expect(changes.map((c: any) => [c.rule, c.before, c.after])).toEqual([['shop/api api', null, { api: 100 }]]);
  });

  test('TLS and TCP rules are in the table beside the HTTP ones, with their match readable', () => {
    const file = write('l4/vs.yaml', `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: db, namespace: shop }
spec:
  hosts: [db]
  http:
  - route: [{ destination: { host: db, subset: v1 } }]
  tcp:
  - match: [{ port: 5432 }]
    route: [{ destination: { host: db, subset: v2 } }]
  - route: [{ destination: { host: db, subset: v1 } }]
  tls:
  - match: [{ port: 443, sniHosts: [db.example.com] }]
    route: [{ destination: { host: db, subset: v2 } }]
---
${subsets('db', ['v1', 'v2'])}`);
    const e = entry(table(file), 'db.shop.svc.cluster.local', 'mesh');
    expect(e.rules.map((x: any) => [x.key, x.protocol, x.match, x.shares])).toEqual([
      ['#0', 'http', '*', { v1: 100 }],
      ['tls#0', 'tls', 'sni db.example.com and port 443', { v2: 100 }],
      ['tcp#0', 'tcp', 'port 5432', { v2: 100 }],
      ['tcp#1', 'tcp', '*', { v1: 100 }],
    ]);
    expect(cli('explain', file).stdout).toMatch(/tls#0 +sni db\.example\.com and port 443 +v2 100%/);
  });

  test('a VirtualService the webhook rejects, for a host without Service or DestinationRule: an entry with a note', () => {
    const file = write('rejected/vs.yaml', shopVs('cart', 'cart', `  - match: [{ uri: { regex: '^(?!/admin).*' } }]
    route: [{ destination: { host: cart } }]`));
    const e = entry(table(file), CART, 'mesh');
    expect(e.rules).toEqual([]);
    expect(e.notes).toHaveLength(1);
    expect(e.notes[0]).toMatch(/^VirtualService shop\/cart is not applied: Istio's webhook rejects it \(spec\.http\[0\]\.match\[0\]\.uri\.regex/);
    const text = cli('explain', file).stdout;
    expect(text).toContain(`${CART}\n  mesh  (no VirtualService applied)\n    note: VirtualService shop/cart is not applied`);
  });

  test('a folder is read without its dot-folders and node_modules', () => {
    write('walk/app/reviews.yaml', fs.readFileSync(path.join(NETWORKING, 'virtual-service-reviews-80-20.yaml'), 'utf8'));
    write('walk/.git/old.yaml', fs.readFileSync(path.join(NETWORKING, 'virtual-service-reviews-90-10.yaml'), 'utf8'));
    write('walk/node_modules/pkg/x.yaml', shopVs('cart', 'cart', '  - route: [{ destination: { host: cart } }]'));
    expect(table(path.join(tmp, 'walk')).map((e: any) => `${e.host} ${JSON.stringify(e.rules.map((r: any) => r.shares))}`))
      .toEqual(['reviews.default.svc.cluster.local [{"v1":80,"v2":20}]']);
  });
});

describe('usage and errors: one line on stderr, exit 2', () => {
  const oneLine = (r: Result) => {
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^cdk8s-istio-traffic: [^\n]+\n$/);
    expect(r.stderr).not.toMatch(/\bat .*:\d+:\d+/);
  };

  test('--help prints the usage on stdout, exit 0; no arguments print it on stderr, exit 2', () => {
    const help = cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cdk8s-istio-traffic <command>/);
    expect(help.stdout).toContain('diff <before> <after>');
    expect(cli('diff', '-h').code).toBe(0);
    const none = cli();
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(help.stdout);
  });

  test('an unknown command or option', () => {
    const r = cli('simulate', 'x.yaml');
    expect(r.code).toBe(2);
    oneLine(r);
    expect(r.stderr).toContain("unknown command 'simulate'");
    const o = cli('explain', '--colour', states['step3-90-10']);
    expect(o.code).toBe(2);
    oneLine(o);
    expect(o.stderr).toContain("unknown option '--colour'");
  });

  test('a missing file', () => {
    const missing = path.join(tmp, 'nowhere.yaml');
    const r = cli('diff', missing, states['step3-90-10']);
    expect(r.code).toBe(2);
    oneLine(r);
    expect(r.stderr).toBe(`cdk8s-istio-traffic: ${missing}: no such file or folder\n`);
    expect(cli('explain', missing).code).toBe(2);
  });

  test('invalid YAML names the file', () => {
    const bad = write('bad/broken.yaml', 'apiVersion: v1\nkind: Service\nmetadata: { name: [unclosed\n');
    const r = cli('explain', bad);
    expect(r.code).toBe(2);
    oneLine(r);
    expect(r.stderr).toContain(`${bad}: invalid YAML:`);
    const d = cli('diff', states['step3-90-10'], path.dirname(bad), '--json');
    expect(d.code).toBe(2);
    oneLine(d);
  });

  test('each error says what is wrong', () => {
    const one = states['step3-90-10'];
    const message = (...args: string[]) => {
      const r = cli(...args);
      expect(r.code).toBe(2);
      oneLine(r);
      return r.stderr;
    };
    expect(message('explain')).toBe('cdk8s-istio-traffic: explain needs at least one file or folder of manifests\n');
    expect(message('diff', one)).toBe('cdk8s-istio-traffic: diff needs two arguments, <before> and <after> (got 1)\n');
    expect(message('diff', one, one, one)).toBe('cdk8s-istio-traffic: diff needs two arguments, <before> and <after> (got 3)\n');
    expect(message('diff', '--mermaid', one, one)).toBe('cdk8s-istio-traffic: --mermaid is an option of explain, not diff\n');
    expect(message('explain', '--json', '--mermaid', one)).toBe('cdk8s-istio-traffic: explain takes --json or --mermaid, not both\n');
    const labelKey = 'cdk8s-istio-traffic: --version-label needs a label key, e.g. --version-label app.kubernetes.io/version\n';
    expect(message('explain', one, '--version-label')).toBe(labelKey);
    expect(message('explain', one, '--version-label=')).toBe(labelKey);
    expect(message('explain', one, '-x')).toBe("cdk8s-istio-traffic: unknown option '-x' (see --help)\n");
    // '-' is a name, not an option; after '--' every argument is a name.
    expect(message('explain', '-')).toBe('cdk8s-istio-traffic: -: no such file or folder\n');
    expect(message('explain', '--', '--json')).toBe('cdk8s-istio-traffic: --json: no such file or folder\n');
    expect(message('--', 'explain', '--json')).toBe('cdk8s-istio-traffic: --json: no such file or folder\n');
    // A path that is neither a file nor a folder (a device).
    expect(message('explain', '/dev/null')).toBe('cdk8s-istio-traffic: /dev/null: not a file or folder\n');
  });

  test("'help' is a command too", () => {
    const r = cli('help');
    expect(r).toEqual({ code: 0, stdout: USAGE, stderr: '' });
  });

  test('diff reads versions by --version-label too', () => {
    const before = write('diff-labels/before.yaml', cartYaml(90));
    const after = write('diff-labels/after.yaml', cartYaml(60));
    const r = cli('diff', '--json', '--version-label', 'track', before, after);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).changes[0]).toMatchObject({ before: { blue: 90, green: 10 }, after: { blue: 60, green: 40 } });
  });

  test('wrong argument counts and combinations', () => {
    for (const args of [['explain'], ['diff', states['step3-90-10']], ['diff', 'a', 'b', 'c'], ['explain', '--version-label'],
      ['diff', '--mermaid', states['step3-90-10'], states['step3-75-25']], ['explain', '--json', '--mermaid', states['step3-90-10']]]) {
      const r = cli(...args);
      expect(r.code).toBe(2);
      oneLine(r);
    }
  });
});

describe('reading manifests (src/cli/manifests.ts)', () => {
  test('a folder: *.yaml and *.yml in any case, in sorted order at every depth; other files, dot-folders and node_modules left out', () => {
    const obj = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\n`;
    for (const [file, name] of [['read/c.yml', 'c'], ['read/a.YAML', 'a'], ['read/b/z.yaml', 'bz'], ['read/b/y.yaml', 'by'],
      ['read/d.yaml.bak', 'bak'], ['read/e.txt', 'txt'], ['read/.hidden/f.yaml', 'hidden'], ['read/node_modules/g.yaml', 'module']] as const) {
      write(file, obj(name));
    }
    expect(yamlFiles(path.join(tmp, 'read')).map(f => path.relative(tmp, f))).toEqual(['read/a.YAML', 'read/b/y.yaml', 'read/b/z.yaml', 'read/c.yml']);
    expect(readManifests([path.join(tmp, 'read')]).map(o => o.metadata.name)).toEqual(['a', 'by', 'bz', 'c']);
    // A file is read as given, whatever its name.
    expect(yamlFiles(path.join(tmp, 'read/e.txt'))).toEqual([path.join(tmp, 'read/e.txt')]);
  });

  test('documents: a List is its items; empty documents, scalars and lists are skipped', () => {
    const text = [
      'apiVersion: v1\nkind: List\nitems:\n- { kind: Service, metadata: { name: a } }\n- null\n- 7\n- [x]\n- { kind: Service, metadata: { name: b } }',
      '', 'just a string', '- [1, 2]', 'null', '{ kind: List, items: 3, metadata: { name: odd } }', '{ kind: Service, metadata: { name: c } }',
    ].join('\n---\n');
    expect(parseManifests(text, 'f.yaml').map(o => o.metadata.name)).toEqual(['a', 'b', 'odd', 'c']);
    expect(parseManifests('', 'empty.yaml')).toEqual([]);
    expect(() => parseManifests('a: [1\n', 'bad.yaml')).toThrow(/^bad\.yaml: invalid YAML: \S/);
  });

  test('errors are CliErrors, named so; a file that cannot be read names its error code', () => {
    const e = new CliError('x');
    expect([e.name, e.message, e instanceof Error]).toEqual(['CliError', 'x', true]);
    const link = path.join(tmp, 'links', 'gone.yaml');
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(tmp, 'links', 'missing-target'), link);
    expect(() => readManifests([path.dirname(link)])).toThrow(new CliError(`${link}: cannot read (ENOENT)`));
    expect(cli('explain', path.dirname(link)).stderr).toBe(`cdk8s-istio-traffic: ${link}: cannot read (ENOENT)\n`);
  });
});

describe('the command in the package', () => {
  test('main.ts starts with a shebang (package.json bin runs lib/src/cli/main.js)', () => {
    const src = fs.readFileSync(path.join(__dirname, '..', 'src', 'cli', 'main.ts'), 'utf8');
    expect(src.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(pkg.bin['cdk8s-istio-traffic']).toBe('lib/src/cli/main.js');
  });

  test('nothing outside src/cli imports it (not in the library\'s API), and it imports no construct', () => {
    const src = path.join(__dirname, '..', 'src');
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
      .flatMap(e => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const importers = files(src).filter(f => !f.startsWith(path.join(src, 'cli') + path.sep))
      .filter(f => /from '\.{1,2}\/(.*\/)?cli(\/|')/.test(fs.readFileSync(f, 'utf8')));
    expect(importers).toEqual([]);
    const cliImports = files(path.join(src, 'cli')).flatMap(f => [...fs.readFileSync(f, 'utf8').matchAll(/from '(\.[^']+)'/g)].map(m => m[1]));
    expect(cliImports.length).toBeGreaterThan(0);
    expect(cliImports.filter(s => !/^\.\/|^\.\.\/(core|model|render|analysis|simulator)\//.test(s))).toEqual([]);
  });
});
