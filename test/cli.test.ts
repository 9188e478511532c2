// The cdk8s-istio-traffic command (src/cli): explain, --mermaid, diff (Markdown and --json), exit codes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { recommendationChart, RECOMMENDATION_STATES } from '../examples/recommendation-canary/app';
import { run } from '../src/cli/main';

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
      { host: RECOMMENDATION, subset: 'v1', version: 'v1', percent: 75 },
      { host: RECOMMENDATION, subset: 'v2', version: 'v2', percent: 25 },
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
    expect(edge.rules[0].shares).toEqual({ productpage: 100 });
    // ratings has a Service and a DestinationRule but no VirtualService: Kubernetes spreads the requests.
    expect(entry(entries, 'ratings.default.svc.cluster.local', 'mesh').rules.map((r: any) => [r.key, r.shares]))
      .toEqual([['(no VirtualService)', { ratings: 100 }]]);
    // Sorted: hosts, then the mesh before gateways.
    expect(entries.map((e: any) => `${e.host} ${e.binding}`)).toEqual([
      '* default/bookinfo-gateway',
      'details.default.svc.cluster.local mesh',
      'productpage.default.svc.cluster.local mesh',
      'ratings.default.svc.cluster.local mesh',
      'reviews.default.svc.cluster.local mesh',
    ]);
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
    const file = write('labels/track.yaml', `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: cart }
spec:
  hosts: [cart]
  http:
  - route:
    - { destination: { host: cart, subset: stable }, weight: 80 }
    - { destination: { host: cart, subset: next }, weight: 20 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: cart }
spec:
  host: cart
  subsets:
  - { name: stable, labels: { track: blue, version: '1.0' } }
  - { name: next, labels: { track: green } }
`);
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
      { host: 'reviews.default.svc.cluster.local', binding: 'mesh', rule: '#1', before: { v1: 90, v2: 10 }, after: { v3: 100 }, policies: {} },
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

  test('wrong argument counts and combinations', () => {
    for (const args of [['explain'], ['diff', states['step3-90-10']], ['diff', 'a', 'b', 'c'], ['explain', '--version-label'],
      ['diff', '--mermaid', states['step3-90-10'], states['step3-75-25']], ['explain', '--json', '--mermaid', states['step3-90-10']]]) {
      const r = cli(...args);
      expect(r.code).toBe(2);
      oneLine(r);
    }
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
