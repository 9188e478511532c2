// RoutingSimulator (src/simulator/routing-simulator.ts) in detail: its entry points' input checks,
// the options, the request's defaults, gateways (servers, redirects, authorization at the gateway pods),
// Services without a VirtualService, rules' destinations, mirrors and texts, mTLS and client TLS,
// ambient mode and waypoints, and malformed manifests (never a TypeError). Hand-written manifests only.
import { App, Chart, Testing } from 'cdk8s';
import { OutcomeKind, RoutingSimulator, UpstreamFailure } from '../src';
import { deploy, dr, gateway, svc, to, vs } from './util/manifests';

const NET = 'networking.istio.io/v1';
const SEC = 'security.istio.io/v1';
const fq = (name: string, ns = 'default') => `${name}.${ns}.svc.cluster.local`;
const fromManifests = (...m: any[]) => RoutingSimulator.fromManifests(m);

/** A Deployment in `ns` whose pods carry `labels` and run as `sa`. */
const workload = (name: string, labels: { [k: string]: string }, ns = 'default', sa?: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: { replicas, template: { metadata: { labels }, spec: sa === undefined ? {} : { serviceAccountName: sa } } },
});
const service = (name: string, ports: any[], ns = 'default', selector: any = { app: name }, labels?: any) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, ...(labels ? { labels } : {}) }, spec: { selector, ports },
});
const policy = (name: string, spec: any, ns = 'default') => ({
  apiVersion: SEC,
  kind: 'AuthorizationPolicy',
  metadata: { name, namespace: ns },
  spec,
});
const peer = (name: string, spec: any, ns = 'default') => ({ apiVersion: SEC, kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec });
const requestAuth = (name: string, spec: any, ns = 'default') => ({
  apiVersion: SEC,
  kind: 'RequestAuthentication',
  metadata: {
    name,
    namespace: ns,
  },
  spec,
});
const destinationRule = (host: string, spec: any, ns = 'default') => ({
  apiVersion: NET,
  kind: 'DestinationRule',
  metadata: {
    name: host,
    namespace: ns,
  },
  spec: { host, ...spec },
});
const istioGateway = (name: string, servers: any[], ns = 'istio-system', selector: any = { istio: 'ingressgateway' }) => ({
  apiVersion: NET, kind: 'Gateway', metadata: { name, namespace: ns }, spec: { selector, servers },
});
const server = (number: number, hosts: string[], protocol?: string, tls?: any) => ({
  port: {
    number,
    name: `p${number}`,
    ...(protocol ? { protocol } : {}),
  },
  hosts,
  ...(tls ? { tls } : {}),
});
/** An ALLOW policy on the pods with `labels` whose one rule allows GET only (an HTTP-only rule: it allows nothing on TCP). */
const getOnly = (labels: any, ns = 'default', name = 'get-only') => policy(name, {
  selector: { matchLabels: labels },
  rules: [{ to: [{ operation: { methods: ['GET'] } }] }],
}, ns);
/** An ALLOW policy on the pods with `labels` that allows `principal` only. */
const onlyPrincipal = (labels: any, principal: string, ns = 'default') => policy('by-principal', {
  selector: { matchLabels: labels },
  rules: [{ from: [{ source: { principals: [principal] } }] }],
}, ns);
const denyPorts = (ports: string[], ns = 'default', selector?: any) => policy('deny-port',
  { ...(selector ? { selector: { matchLabels: selector } } : {}), action: 'DENY', rules: [{ to: [{ operation: { ports } }] }] }, ns);

/** web v1 in default, its Service on port 80, and a VirtualService with the given http rules. */
const webWith = (http: any[], ...extra: any[]) => fromManifests(svc('web'), deploy('web', 'v1'), deploy('web', 'v2'), dr('web', ['v1', 'v2']),
  vs('web', { hosts: ['web'], http }), ...extra);

describe('entry points refuse malformed input with the library error', () => {
  const FIX = 'Pass parsed Kubernetes objects (e.g. from YAML.parseAllDocuments), one per item';

  test('fromManifests: a list of objects whose identity fields are strings', () => {
    const cases: [any, string][] = [
      [[null], `[RoutingSimulator.fromManifests] manifests[0]: null is not a manifest object. ${FIX}`],
      [[svc('a'), []], `[RoutingSimulator.fromManifests] manifests[1]: [] is not a manifest object. ${FIX}`],
      [['x'], `[RoutingSimulator.fromManifests] manifests[0]: 'x' is not a manifest object. ${FIX}`],
      [[{ apiVersion: 1, kind: 'Service' }],
        '[RoutingSimulator.fromManifests] manifests[0].apiVersion: 1 is not a string. Give apiVersion as a string'],
      [[{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 7 } }],
        '[RoutingSimulator.fromManifests] manifests[0].metadata.namespace: 7 is not a string. Give metadata.namespace as a string'],
      [{}, '[RoutingSimulator.fromManifests] manifests: {} is not a list. Pass a list (array) of manifest object items'],
    ];
    for (const [manifests, message] of cases) {
      expect(() => RoutingSimulator.fromManifests(manifests)).toThrow(new Error(message));
    }
    // An object without apiVersion or kind is accepted, and not read.
    expect(() => RoutingSimulator.fromManifests([{ kind: 'Service' }, { apiVersion: 'v1' }, {}])).not.toThrow();
  });

  test('the options: a known struct, no null, no unknown field, each field of its type', () => {
    const FIELDS = 'Use one of: existingWorkloads, versionLabel, trustDomain';
    const cases: [any, string][] = [
      [{ foo: 1 }, `options.foo: 1 is not a field of RoutingSimulatorOptions. ${FIELDS}`],
      [null, 'options: null is null. Leave the field out (undefined) for the default, or pass the RoutingSimulatorOptions, e.g. { versionLabel: '
        + "'version' }"],
      [[], "options: [] is not a RoutingSimulatorOptions object. Pass the RoutingSimulatorOptions, e.g. { versionLabel: 'version' }"],
      [{ trustDomain: 3 }, 'options.trustDomain: 3 is not a string. Pass a string'],
      [{ existingWorkloads: [{ name: 'a', namespace: 'b', labels: {}, replicas: 1.5 }] },
        'options.existingWorkloads[0].replicas: 1.5 is not a whole number >= 0. Pass a whole number >= 0'],
    ];
    for (const [options, message] of cases) {
      expect(() => RoutingSimulator.fromManifests([], options)).toThrow(new Error(`[RoutingSimulator.fromManifests] ${message}`));
      expect(() => RoutingSimulator.fromYaml('', options)).toThrow(new Error(`[RoutingSimulator.fromYaml] ${message}`));
    }
  });

  test('fromYaml: text only; invalid YAML names its document; documents that are not objects are skipped', () => {
    expect(() => RoutingSimulator.fromYaml(3 as any)).toThrow(new Error('[RoutingSimulator.fromYaml] yaml: 3 is not a string. Pass the manifests as '
      + 'YAML text'));
    expect(() => RoutingSimulator.fromYaml('a: 1\n---\nb: {\n')).toThrow(
      /^\[RoutingSimulator\.fromYaml\] yaml document 1: '[^]*' is not valid YAML\. Fix the YAML \(the message says where\)$/);
    const yaml = 'just text\n---\n42\n---\n- a list\n---\napiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { selector: { app: web }, '
      + 'ports: [{ port: 80 }] }\n'
      + '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec: { template: { metadata: { labels: { app: web, version: v1 } } } '
        + '}\n';
    const o = RoutingSimulator.fromYaml(yaml).route({ host: 'web' });
    expect(o.kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(o.versionShares).toEqual({ v1: 100 });
  });

  test('fromChart and fromApp: a cdk8s Chart, a cdk8s App, and their options checked', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    expect(() => RoutingSimulator.fromChart({} as any)).toThrow(new Error('[RoutingSimulator.fromChart] chart: {} is not a cdk8s Chart. Pass the '
      + 'Chart to simulate'));
    expect(() => RoutingSimulator.fromChart(app as any)).toThrow(
      /^\[RoutingSimulator\.fromChart\] chart: .* is not a cdk8s Chart\. Pass the Chart to simulate$/);
    expect(() => RoutingSimulator.fromChart(chart, { foo: 1 } as any)).toThrow(
      new Error('[RoutingSimulator.fromChart] options.foo: 1 is not a field of RoutingSimulatorOptions. Use one of: existingWorkloads, '
        + 'versionLabel, trustDomain'));
    for (const bad of [null, 'x', 3, {}, { charts: 'no' }]) {
      expect(() => RoutingSimulator.fromApp(bad as any)).toThrow(
        /^\[RoutingSimulator\.fromApp\] app: .* is not a cdk8s App\. Pass the App to simulate$/);
    }
    expect(() => RoutingSimulator.fromApp(null as any)).toThrow(new Error('[RoutingSimulator.fromApp] app: null is not a cdk8s App. Pass the App to '
      + 'simulate'));
    expect(() => RoutingSimulator.fromApp(new App(), { versionLabel: 1 } as any)).toThrow(
      new Error('[RoutingSimulator.fromApp] options.versionLabel: 1 is not a string. Pass a string'));
    expect(RoutingSimulator.isRoutingSimulator(RoutingSimulator.fromApp(new App()))).toBe(true);
    expect(RoutingSimulator.isRoutingSimulator(RoutingSimulator.fromChart(chart))).toBe(true);
  });

  test('route: a SimulatedRequest object with known fields of the right types', () => {
    const sim = fromManifests();
    const EXAMPLE = "Pass the SimulatedRequest, e.g. { host: 'reviews', path: '/', headers: { 'end-user': 'jason' } }";
    const cases: [any, string][] = [
      [null, `request: null is not a SimulatedRequest object. ${EXAMPLE}`],
      [[], `request: [] is not a SimulatedRequest object. ${EXAMPLE}`],
      [{}, 'request.host: undefined is required. Pass a string'],
      [{ host: 'a', port: 0 }, 'request.port: 0 is not a whole number >= 1 <= 65535. Pass a whole number >= 1 <= 65535'],
      [{ host: 'a', bogus: 1 },
        'request.bogus: 1 is not a field of SimulatedRequest. Use one of: host, port, method, path, scheme, headers, authority, '
        + 'sourceNamespace, sourceLabels, gateway, sourceServiceAccount, sourceInMesh, jwtClaims'],
    ];
    for (const [request, message] of cases) {
      expect(() => sim.route(request)).toThrow(new Error(`[RoutingSimulator.route] ${message}`));
    }
  });

  test('isRoutingSimulator: true for a simulator (also one of another copy of the package), false for anything else', () => {
    expect(RoutingSimulator.isRoutingSimulator(fromManifests())).toBe(true);
    expect(RoutingSimulator.isRoutingSimulator({ [Symbol.for('cdk8s-istio-traffic.RoutingSimulator')]: true })).toBe(true);
    for (const x of [null, undefined, 'RoutingSimulator', 5, {}, [], new Chart(Testing.app(), 'x')]) {
      expect(RoutingSimulator.isRoutingSimulator(x)).toBe(false);
    }
  });
});

describe('which objects the simulator reads', () => {
  test('an object without apiVersion is not read, not even a Deployment', () => {
    const noApi = { kind: 'Deployment', metadata: { name: 'web-v1' }, spec: { template: { metadata: { labels: { app: 'web', version: 'v1' } } } } };
    const o = fromManifests(svc('web'), noApi).route({ host: 'web' });
    expect(o.kind).toBe(OutcomeKind.SERVICE_UNAVAILABLE);
    expect(o.destinations[0].failure).toBe(UpstreamFailure.NO_HEALTHY_UPSTREAM);
  });

  test('DestinationRules, Gateways and Services are read by API group and kind, not by either alone', () => {
    const fakeDr = { ...dr('web', ['v1', 'v2']), apiVersion: 'example.com/v1' };
    const otherKind = {
      apiVersion: NET,
      kind: 'Sidecar',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        host: 'web',
        subsets: [{ name: 'v1', labels: { version: 'v1' } }],
      },
    };
    const route = (...extra: any[]) => fromManifests(svc('web'), deploy('web', 'v1'), vs('web', {
      hosts: ['web'],
      http: [{
        route: [to('web',
          'v1')],
      }],
    }), ...extra)
      .route({ host: 'web' });
    expect(route(fakeDr).destinations[0].failure).toBe(UpstreamFailure.CLUSTER_NOT_FOUND);
    expect(route(otherKind).destinations[0].failure).toBe(UpstreamFailure.CLUSTER_NOT_FOUND);
    expect(route(dr('web', ['v1'])).versionShares).toEqual({ v1: 100 });

    const edge = gateway('edge', ['*']);
    const gwVs = vs('web', { hosts: ['*'], gateways: ['istio-system/edge'], http: [{ route: [to('web.default.svc.cluster.local')] }] });
    expect(() => fromManifests({ ...edge, apiVersion: 'example.com/v1' }, gwVs).route({ gateway: 'edge', host: 'a.com' }))
      .toThrow(new Error("RoutingSimulator: gateway 'edge' is not in the manifests; give it as '<namespace>/<name>'"));
    // A VirtualService named like the Gateway is not a second Gateway.
    const sameName = vs('edge', { hosts: ['x'], http: [] }, 'istio-system');
    expect(fromManifests(svc('web'), deploy('web', 'v1'), edge, gwVs, sameName).route({
      gateway: 'edge',
      host: 'a.com',
    }).kind).toBe(OutcomeKind.ROUTED);

    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' } } };
    expect(fromManifests(configMap, deploy('web', 'v1')).route({ host: 'web' }).kind).toBe(OutcomeKind.UNKNOWN_HOST);
    const legacy = { ...svc('web'), apiVersion: 'example.com/v1' };
    expect(fromManifests(legacy, deploy('web', 'v1')).route({ host: 'web' }).kind).toBe(OutcomeKind.UNKNOWN_HOST);
  });

  test('workloads: Deployments, StatefulSets, ReplicaSets by replicas, a DaemonSet as one, Pods as one each; other kinds are no pods', () => {
    const of = (kind: string, name: string, version: string, replicas?: any) => ({
      apiVersion: 'apps/v1',
      kind,
      metadata: { name, namespace: 'default' },
      spec: { ...(replicas !== undefined ? { replicas } : {}), template: { metadata: { labels: { app: 'web', version } } } },
    });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-pod', namespace: 'default', labels: { app: 'web', version: 'pod' } },
      spec: {},
    };
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'web-job' },
      spec: {
        template: {
          metadata: {
            labels: {
              app: 'web',
              version: 'job',
            },
          },
        },
      },
    };
    const sim = fromManifests(svc('web'), of('StatefulSet', 'ss', 'ss', 2), of('DaemonSet', 'ds', 'ds', 5), of('ReplicaSet', 'rs', 'rs', 3),
      of('Deployment', 'dep', 'dep', 'two'), pod, job);
    const o = sim.route({ host: 'web' });
    expect(o.destinations[0].workloads.map(w => [w.name, w.replicas])).toEqual([
      ['StatefulSet/ss', 2], ['DaemonSet/ds', 1], ['ReplicaSet/rs', 3], ['Deployment/dep', 1], ['Pod/web-pod', 1],
    ]);
    expect(o.versionShares).toEqual({ ss: 25, ds: 12.5, rs: 37.5, dep: 12.5, pod: 12.5 });
  });

  test('workloads missing metadata, spec or template are read as far as they go (no TypeError)', () => {
    const sim = fromManifests(svc('web'), deploy('web', 'v1'),
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' }, spec: {} },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b' }, spec: { template: {} } },
      { apiVersion: 'v1', kind: 'Pod' },
      { apiVersion: 'v1', kind: 'Service' },
      { apiVersion: NET, kind: 'VirtualService' },
      { apiVersion: NET, kind: 'Gateway' });
    const o = sim.route({ host: 'web' });
    expect(o.kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(o.destinations[0].workloads.map(w => w.name)).toEqual(['Deployment/web-v1']);
  });
});

describe('options', () => {
  test('versionLabel names the label versionShares and workloads read', () => {
    const pods = (track: string) => workload(`web-${track}`, { app: 'web', track }, 'default', undefined, track === 'stable' ? 3 : 1);
    const sim = RoutingSimulator.fromManifests([svc('web'), pods('stable'), pods('canary')], { versionLabel: 'track' });
    const o = sim.route({ host: 'web' });
    expect(o.versionShares).toEqual({ stable: 75, canary: 25 });
    expect(o.destinations[0].workloads.map(w => w.version)).toEqual(['stable', 'canary']);
    expect(fromManifests(svc('web'), pods('stable')).route({ host: 'web' }).versionShares).toEqual({ unversioned: 100 });
  });

  test('existing workloads count as pods: one replica by default, their ServiceAccount as their identity', () => {
    const sim = RoutingSimulator.fromManifests([svc('web'), onlyPrincipal({ app: 'web' }, 'cluster.local/ns/default/sa/caller'),
      svc('front')], {
      existingWorkloads: [
        { name: 'web-old', namespace: 'default', labels: { app: 'web', version: 'old' } },
        { name: 'web-new', namespace: 'default', labels: { app: 'web', version: 'new' }, replicas: 3 },
        { name: 'front', namespace: 'default', labels: { app: 'front' }, serviceAccount: 'caller' },
      ],
    });
    const o = sim.route({ host: 'web', sourceLabels: { app: 'front' } });
    expect(o.versionShares).toEqual({ old: 25, new: 75 });
    expect(o.authorization).toMatchObject({ allowed: true, principal: 'cluster.local/ns/default/sa/caller' });
  });

  test('trustDomain is the first part of principals', () => {
    const manifests = [svc('web'), deploy('web', 'v1'), onlyPrincipal({ app: 'web' }, 'corp.example/ns/default/sa/default')];
    const o = RoutingSimulator.fromManifests(manifests, { trustDomain: 'corp.example' }).route({ host: 'web' });
    expect(o.authorization).toMatchObject({ allowed: true, principal: 'corp.example/ns/default/sa/default' });
    expect(RoutingSimulator.fromManifests(manifests).route({ host: 'web' }).authorization).toMatchObject({
      allowed: false, principal: 'cluster.local/ns/default/sa/default',
    });
  });
});

describe("the request's defaults", () => {
  test("the port: the Service's when it has exactly one, none when it has several", () => {
    const rules = [{ match: [{ port: 9080 }], name: 'on-9080', route: [to('api')] }, { name: 'other', route: [to('api')] }];
    const one = fromManifests(service('api', [{ name: 'http', port: 9080 }]), workload('api', { app: 'api' }), vs('api', {
      hosts: ['api'],
      http: rules,
    }));
    expect(one.route({ host: 'api' }).ruleName).toBe('on-9080');
    const two = fromManifests(service('api', [{ name: 'http', port: 9080 }, { name: 'grpc', port: 9090 }]), workload('api', { app: 'api' }),
      vs('api', { hosts: ['api'], http: rules }));
    expect(two.route({ host: 'api' }).ruleName).toBe('other');
    expect(two.route({ host: 'api', port: 9080 }).ruleName).toBe('on-9080');
  });

  test('the method is upper-cased, the path defaults to /, the scheme to http', () => {
    const sim = webWith([
      { match: [{ scheme: { exact: 'https' } }], name: 'https', route: [to('web', 'v2')] },
      { match: [{ method: { exact: 'POST' }, uri: { exact: '/' }, scheme: { exact: 'http' } }], name: 'post-root', route: [to('web', 'v1')] },
      { match: [{ queryParams: { a: { exact: '1' } } }], name: 'query', route: [to('web', 'v1')] },
    ]);
    const post = sim.route({ host: 'web', method: 'post' });
    expect(post.ruleName).toBe('post-root');
    expect(post.explanation).toBe("POST web/: rule #1 'post-root' of VirtualService default/web matched; v1 100%");
    expect(sim.route({ host: 'web', method: 'POST', scheme: 'https' }).ruleName).toBe('https');
    // A path that is only a query string: the path is empty, the query is read.
    expect(sim.route({ host: 'web', path: '?a=1' }).ruleName).toBe('query');
    expect(sim.route({ host: 'web', path: '/x?a=2' }).kind).toBe(OutcomeKind.NOT_FOUND);
  });

  test('the source namespace: the one of the host when it names one, else of the one Service of that name, else default', () => {
    const rules = [{ match: [{ sourceNamespace: 'qa' }], name: 'from-qa', route: [to('web')] }, { name: 'others', route: [to('web')] }];
    const sim = fromManifests(svc('web', 'qa'), deploy('web', 'v1', 1, 'qa'), svc('web', 'prod'), deploy('web', 'v1', 1, 'prod'),
      vs('web', { hosts: ['web'], http: rules }, 'qa'), svc('solo', 'shop'), deploy('solo', 'v1', 1, 'shop'));
    expect(sim.route({ host: 'web.qa' }).ruleName).toBe('from-qa');
    expect(sim.route({ host: 'web.qa', sourceNamespace: 'prod' }).ruleName).toBe('others');
    expect(sim.route({ host: 'solo' })).toMatchObject({
      kind: OutcomeKind.KUBERNETES_DEFAULT,
      explanation: expect.stringMatching(/^GET solo\/: no VirtualService for 'solo\.shop\.svc\.cluster\.local'/),
    });
    // Two Services named web: the short name resolves in default, where there is none.
    expect(sim.route({ host: 'web' }).explanation).toBe("GET web/: no VirtualService and no Service for host 'web.default.svc.cluster.local'");
    expect(sim.route({ host: 'zzz' }).explanation).toBe("GET zzz/: no VirtualService and no Service for host 'zzz.default.svc.cluster.local'");
  });

  test("at a gateway: port 80, the request host lower-cased, and the Gateway's selector as the source labels", () => {
    const sim = fromManifests(svc('web'), deploy('web', 'v1'), deploy('web', 'v2'), dr('web', ['v1', 'v2']), gateway('edge', ['shop.example.com']),
      vs('web', {
        hosts: ['shop.example.com'],
        gateways: ['istio-system/edge'],
        http: [{ match: [{ sourceLabels: { istio: 'ingressgateway' } }], route: [to('web.default.svc.cluster.local', 'v2')] }],
      }));
    const o = sim.route({ gateway: 'istio-system/edge', host: 'Shop.Example.COM' });
    expect(o.explanation).toBe('GET Shop.Example.COM/ at gateway istio-system/edge: rule #0 of VirtualService default/web matched; v2 100%');
    expect(sim.route({ gateway: 'istio-system/edge', host: 'shop.example.com', sourceLabels: { app: 'other' } }).kind).toBe(OutcomeKind.NOT_FOUND);
    expect(sim.route({ gateway: 'istio-system/edge', host: 'shop.example.com', port: 8080 }).explanation).toBe(
      "GET shop.example.com/ at gateway istio-system/edge: Gateway istio-system/edge has no server for host 'shop.example.com' on port 8080");
  });
});

describe('gateways: servers, redirects and references', () => {
  const web = [svc('web'), deploy('web', 'v1')];
  const toWeb = (hosts: string[], gateways = ['istio-system/edge']) => vs(`web-${hosts[0].replace(/\W/g, '')}`, {
    hosts, gateways, http: [{ route: [to('web.default.svc.cluster.local')] }],
  });

  test('a server takes the hosts of its port only; httpsRedirect applies to the server that takes the request', () => {
    const sim = fromManifests(...web, istioGateway('edge', [
      server(80, ['plain.example.com'], 'HTTP'),
      server(80, [7 as any, 'secure.example.com'], 'HTTP', { httpsRedirect: true }),
      server(443, ['tls-only.example.com'], 'HTTPS', { mode: 'SIMPLE', credentialName: 'c' }),
    ]), toWeb(['plain.example.com', 'secure.example.com', 'tls-only.example.com']));
    expect(sim.route({ gateway: 'istio-system/edge', host: 'plain.example.com' }).kind).toBe(OutcomeKind.ROUTED);
    expect(sim.route({ gateway: 'istio-system/edge', host: 'secure.example.com' })).toEqual({
      kind: OutcomeKind.REDIRECT,
      status: 301,
      redirect: { scheme: 'https' },
      destinations: [],
      versionShares: {},
      subsetShares: {},
      mirrors: [],
      warnings: [],
      explanation: 'GET secure.example.com/ at gateway istio-system/edge: the server of Gateway istio-system/edge on port 80 redirects every '
        + 'request to HTTPS '
        + '(tls.httpsRedirect)',
    });
    expect(sim.route({ gateway: 'istio-system/edge', host: 'tls-only.example.com' }).kind).toBe(OutcomeKind.NOT_FOUND);
    expect(sim.route({ gateway: 'istio-system/edge', host: 'tls-only.example.com', port: 443 }).kind).toBe(OutcomeKind.ROUTED);
  });

  test('a redirecting server with several hosts redirects each of them', () => {
    const sim = fromManifests(...web, istioGateway('edge', [server(80, ['a.example.com', 'b.example.com'], 'HTTP', { httpsRedirect: true })]),
      toWeb(['a.example.com', 'b.example.com']));
    expect(sim.route({ gateway: 'istio-system/edge', host: 'b.example.com' }).kind).toBe(OutcomeKind.REDIRECT);
    expect(sim.route({ gateway: 'istio-system/edge', host: 'a.example.com' }).kind).toBe(OutcomeKind.REDIRECT);
  });

  test('<namespace>/<name> picks that Gateway; a bare name must be unique; a Gateway without metadata or servers does not break routing', () => {
    const sim = fromManifests(...web, istioGateway('edge', [server(80, ['a.example.com'])], 'one'), istioGateway('edge', [server(80,
      ['b.example.com'])], 'two'),
    { apiVersion: NET, kind: 'Gateway', spec: {} },
    toWeb(['a.example.com'], ['one/edge']), toWeb(['b.example.com'], ['two/edge']));
    expect(sim.route({ gateway: 'two/edge', host: 'b.example.com' }).kind).toBe(OutcomeKind.ROUTED);
    expect(sim.route({ gateway: 'two/edge', host: 'a.example.com' }).kind).toBe(OutcomeKind.NOT_FOUND);
    expect(sim.route({ gateway: 'one/edge', host: 'a.example.com' }).kind).toBe(OutcomeKind.ROUTED);
    expect(() => sim.route({ gateway: 'edge', host: 'a.example.com' }))
      .toThrow(new Error("RoutingSimulator: gateway 'edge' is ambiguous; give it as '<namespace>/<name>'"));
    expect(sim.route({
      gateway: 'one/other',
      host: 'a.example.com',
    }).warnings).toEqual(['Gateway one/other is not in the manifests; its servers were not checked']);
  });

  test('without a VirtualService for the host at the gateway: 404, saying so', () => {
    const sim = fromManifests(...web, istioGateway('edge', [server(80, ['*'])]));
    expect(sim.route({ gateway: 'istio-system/edge', host: 'a.example.com', path: '/x' })).toEqual({
      kind: OutcomeKind.NOT_FOUND,
      status: 404,
      destinations: [],
      versionShares: {},
      subsetShares: {},
      mirrors: [],
      warnings: [],
      explanation: "GET a.example.com/x at gateway istio-system/edge: no VirtualService bound to istio-system/edge serves host 'a.example.com'",
    });
  });

  test('the virtual host is the one that matches the request host, not merely the most specific one', () => {
    const sim = fromManifests(...web, deploy('web', 'v2'), dr('web', ['v1', 'v2']), istioGateway('edge', [server(80, ['*'])]),
      vs('long', {
        hosts: ['aaaaaaaa.example.com'],
        gateways: ['istio-system/edge'],
        http: [{
          route: [to('web.default.svc.cluster.local',
            'v1')],
        }],
      }),
      vs('short', { hosts: ['b.example.com'], gateways: ['istio-system/edge'], http: [{ route: [to('web.default.svc.cluster.local', 'v2')] }] }));
    expect(sim.route({ gateway: 'istio-system/edge', host: 'b.example.com' }).virtualService).toBe('default/short');
  });

  test('at a gateway a catch-all match block ends the VirtualService: its later rules are not routes, even specific ones', () => {
    const sim = fromManifests(...web, deploy('web', 'v2'), dr('web', ['v1', 'v2']), istioGateway('edge', [server(80, ['*'])]),
      vs('web', {
        hosts: ['*'],
        gateways: ['istio-system/edge'],
        http: [
          { match: [{ uri: { prefix: '/' } }], name: 'all', route: [to('web.default.svc.cluster.local', 'v1')] },
          { match: [{ uri: { prefix: '/x' } }], name: 'x', route: [to('web.default.svc.cluster.local', 'v2')] },
        ],
      }));
    expect(sim.route({ gateway: 'istio-system/edge', host: 'a.com', path: '/x' }).ruleName).toBe('all');
  });

  test('of two VirtualServices merged on one virtual host, a later one\'s specific rule goes before an earlier one\'s catch-all; no match names '
    + 'both', () => {
    const sim = fromManifests(...web, deploy('web', 'v2'), dr('web', ['v1', 'v2']), istioGateway('edge', [server(80, ['*'])]),
      vs('a', {
        hosts: ['shop.com'],
        gateways: ['istio-system/edge'],
        http: [{ match: [{ uri: { prefix: '/a' } }], route: [to('web.default.svc.cluster.local', 'v1')] },
          { name: 'rest', route: [to('web.default.svc.cluster.local', 'v1')] }],
      }),
      vs('b', {
        hosts: ['shop.com'],
        gateways: ['istio-system/edge'],
        http: [{
          match: [{ uri: { prefix: '/b' } }],
          name: 'b',
          route: [to('web.default.svc.cluster.local', 'v2')],
        }],
      }));
    expect(sim.route({ gateway: 'istio-system/edge', host: 'shop.com', path: '/b' })).toMatchObject({ virtualService: 'default/b', ruleName: 'b' });
    const only = fromManifests(...web, istioGateway('edge', [server(80, ['*'])]),
      vs('a', {
        hosts: ['shop.com'],
        gateways: ['istio-system/edge'],
        http: [{
          match: [{ uri: { prefix: '/a' } }],
          route: [to('web.default.svc.cluster.local')],
        }],
      }),
      vs('b', {
        hosts: ['shop.com'],
        gateways: ['istio-system/edge'],
        http: [{
          match: [{ uri: { prefix: '/b' } }],
          route: [to('web.default.svc.cluster.local')],
        }],
      }));
    expect(only.route({
      gateway: 'istio-system/edge',
      host: 'shop.com',
      path: '/c',
    }).explanation).toBe('GET shop.com/c at gateway istio-system/edge (virtual host '
      + "'shop.com' of istio-system/edge merges default/a, default/b, tried in this order, catch-all routes last): no rule of default/a, default/b "
        + 'matches');
  });
});

describe('a Service without a VirtualService', () => {
  test('Kubernetes spreads over its pods by replicas; pods of another namespace with the same labels are not its pods', () => {
    const sim = fromManifests(svc('web'), deploy('web', 'v1', 1), deploy('web', 'v2', 3), deploy('web', 'v9', 5, 'other'));
    const o = sim.route({ host: 'web' });
    expect(o).toEqual({
      kind: OutcomeKind.KUBERNETES_DEFAULT,
      destinations: [{
        host: fq('web'),
        subset: undefined,
        port: undefined,
        weight: 100,
        share: 100,
        selector: { app: 'web' },
        workloads: [
          { name: 'Deployment/web-v1', namespace: 'default', labels: { app: 'web', version: 'v1' }, version: 'v1', replicas: 1, share: 25 },
          { name: 'Deployment/web-v2', namespace: 'default', labels: { app: 'web', version: 'v2' }, version: 'v2', replicas: 3, share: 75 },
        ],
      }],
      versionShares: { v1: 25, v2: 75 },
      subsetShares: { '(none)': 100 },
      mirrors: [],
      warnings: [],
      explanation: "GET web/: no VirtualService for 'web.default.svc.cluster.local'; Kubernetes spreads requests over the pods of Service "
        + 'default/web by replica count',
    });
  });

  test('without pods: 503, with the reason in the explanation and a warning', () => {
    const o = fromManifests(svc('web')).route({ host: 'web' });
    expect(o).toMatchObject({ kind: OutcomeKind.SERVICE_UNAVAILABLE, status: 503, mirrors: [], unavailableShare: 100 });
    expect(o.destinations).toHaveLength(1);
    expect(o.explanation).toBe("GET web/: no VirtualService for 'web.default.svc.cluster.local'; Kubernetes spreads requests over the pods of "
      + 'Service default/web '
      + "by replica count, but host 'web.default.svc.cluster.local' has no running pods: Envoy answers 503 no healthy upstream (UH)");
    expect(o.warnings).toEqual(["destination 'web.default.svc.cluster.local' has no running pods: Envoy answers 503 no healthy upstream (response "
      + 'flag UH)']);
  });

  test('an unknown host: neither route nor Service', () => {
    expect(fromManifests(svc('web')).route({ host: 'nothing.shop' })).toEqual({
      kind: OutcomeKind.UNKNOWN_HOST,
      destinations: [],
      versionShares: {},
      subsetShares: {},
      mirrors: [],
      warnings: [],
      explanation: "GET nothing.shop/: no VirtualService and no Service for host 'nothing.shop.svc.cluster.local'",
    });
  });

  test('a Service without a selector: its endpoints are not known', () => {
    const noSelector = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'default' }, spec: { ports: [{ port: 80 }] } };
    const o = fromManifests(noSelector).route({ host: 'ext' });
    expect(o.kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(o.versionShares).toEqual({ '(pods not known)': 100 });
    expect(o.warnings).toEqual(["Service for destination host 'ext.default.svc.cluster.local' has no selector; its endpoints are not known"]);
  });
});

describe("a rule's destinations and what the outcome says of them", () => {
  test('the explanation names the rule: by index, with its name when it has a non-empty string one', () => {
    const sim = webWith([
      { match: [{ uri: { prefix: '/a' } }], name: 'alpha', route: [to('web', 'v1')] },
      { match: [{ uri: { prefix: '/b' } }], name: '', route: [to('web', 'v1')] },
      { match: [{ uri: { prefix: '/c' } }], name: 7, route: [to('web', 'v1')] },
    ]);
    expect(sim.route({ host: 'web', path: '/a' }).explanation).toBe("GET web/a: rule #0 'alpha' of VirtualService default/web matched; v1 100%");
    expect(sim.route({ host: 'web', path: '/b' }).explanation).toBe('GET web/b: rule #1 of VirtualService default/web matched; v1 100%');
    expect(sim.route({ host: 'web', path: '/c' }).explanation).toBe('GET web/c: rule #2 of VirtualService default/web matched; v1 100%');
    expect(sim.route({ host: 'web', path: '/d' }).explanation).toBe('GET web/d: no rule of default/web matches');
  });

  test('a rule made of a Gateway API route is named after the route', () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web-route', namespace: 'default' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'web' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    };
    const o = fromManifests(svc('web'), deploy('web', 'v1'), route).route({ host: 'web' });
    expect(o.explanation).toMatch(/^GET web\/: rule #0 of HTTPRoute default\/web-route \(as Istio reads it\) matched; v1 100%$/);
  });

  test('direct responses and redirects: no destinations, and the explanation says who answers', () => {
    const sim = webWith([
      { match: [{ uri: { exact: '/old' } }], redirect: { uri: '/new', redirectCode: 302 } },
      { name: 'teapot', directResponse: { status: 418 } },
    ]);
    expect(sim.route({ host: 'web', path: '/old' })).toMatchObject({
      kind: OutcomeKind.REDIRECT,
      status: 302,
      destinations: [],
      redirect: { uri: '/new', redirectCode: '302' },
      explanation: 'GET web/old: rule #0 of VirtualService default/web redirects',
    });
    expect(sim.route({ host: 'web' })).toMatchObject({
      kind: OutcomeKind.DIRECT_RESPONSE,
      status: 418,
      destinations: [],
      explanation: "GET web/: rule #1 'teapot' of VirtualService default/web "
        + 'answers 418 itself',
    });
  });

  test('shares are summed by subset when the route names subsets, by version when it routes to whole Services', () => {
    const sim = fromManifests(svc('web'), deploy('web', 'v1'), deploy('web', 'v2'), dr('web', ['v1', 'v2']), vs('web', {
      hosts: ['web'],
      http: [
        { match: [{ uri: { prefix: '/subsets' } }], route: [to('web', 'v1', 1), to('web', 'v2', 3)] },
        { match: [{ uri: { prefix: '/mixed' } }], route: [to('web', 'v1', 1), to('web', undefined, 1)] },
        { route: [to('web')] },
      ],
    }));
    expect(sim.route({ host: 'web', path: '/subsets' }).explanation).toMatch(/matched; v1 25%, v2 75%$/);
    expect(sim.route({ host: 'web', path: '/mixed' }).explanation).toMatch(/matched; v1 50%, \(none\) 50%$/);
    const whole = sim.route({ host: 'web' });
    expect(whole.explanation).toMatch(/matched; v1 50%, v2 50%$/);
    expect(whole.unavailableShare).toBeUndefined();
  });

  test('weights: a single destination takes everything whatever its weight; a missing or non-numeric weight among several is 0', () => {
    const sim = webWith([
      { match: [{ uri: { prefix: '/single' } }], route: [null, { destination: { host: 5 } }, to('web', 'v2', 30)] },
      { match: [{ uri: { prefix: '/text' } }], route: [to('web', 'v1', 50), { destination: { host: 'web', subset: 'v2' }, weight: '50' }] },
      { route: [to('web', 'v1'), to('web', 'v2', 20)] },
    ]);
    const single = sim.route({ host: 'web', path: '/single' });
    expect(single.destinations.map(d => [d.subset, d.weight, d.share])).toEqual([['v2', 30, 100]]);
    expect(sim.route({ host: 'web', path: '/text' }).destinations.map(d => [d.subset, d.weight, d.share])).toEqual([['v1', 50, 100], ['v2', 0, 0]]);
    expect(sim.route({ host: 'web' }).destinations.map(d => [d.subset, d.weight, d.share])).toEqual([['v1', 0, 0], ['v2', 20, 100]]);
    const onlyOne = webWith([{ route: [to('web', 'v1')] }]).route({ host: 'web' });
    expect(onlyOne.destinations.map(d => [d.weight, d.share])).toEqual([[100, 100]]);
  });

  test('every weight 0: routed nowhere, with a warning, not a 503', () => {
    const o = webWith([{ name: 'zero', route: [to('web', 'v1', 0), to('web', 'v2', 0)] }]).route({ host: 'web' });
    expect(o.kind).toBe(OutcomeKind.ROUTED);
    expect(o.explanation).toBe("GET web/: rule #0 'zero' of VirtualService default/web matched; v1 0%, v2 0%");
    expect(o.warnings).toEqual(["rule #0 'zero' of VirtualService default/web: every destination has weight 0"]);
  });

  test('a subset Envoy has no cluster for, or a subset without pods, warns only when it gets requests', () => {
    const sim = fromManifests(svc('web'), deploy('web', 'v1'), destinationRule('web', {
      subsets: [{ name: 'v1', labels: { version: 'v1' } },
        { name: 'v3', labels: { version: 'v3' } }],
    }), vs('web', {
      hosts: ['web'],
      http: [
        { match: [{ uri: { prefix: '/zero' } }], route: [to('web', 'v1', 100), to('web', 'v9', 0), to('web', 'v3', 0)] },
        { route: [to('web', 'v1', 90), to('web', 'v3', 10)] },
      ],
    }));
    const zero = sim.route({ host: 'web', path: '/zero' });
    expect(zero.warnings).toEqual([]);
    expect(zero.destinations.map(d => d.failure)).toEqual([undefined, UpstreamFailure.CLUSTER_NOT_FOUND, UpstreamFailure.NO_HEALTHY_UPSTREAM]);
    const some = sim.route({ host: 'web' });
    expect(some.warnings).toEqual(["destination 'web.default.svc.cluster.local' subset 'v3' has no running pods: Envoy answers 503 no healthy "
      + 'upstream (response flag UH)']);
    expect(some.unavailableShare).toBe(10);
    expect(some.explanation).toBe('GET web/: rule #1 of VirtualService default/web matched; v1 90%, '
      + "503 10% (host 'web.default.svc.cluster.local' subset 'v3' has no running pods: Envoy answers 503 no healthy upstream (UH))");
  });

  test('a destination host is taken as written when it has a dot: only a cluster FQDN names a Service', () => {
    const sim = webWith([
      { match: [{ uri: { prefix: '/ns' } }], route: [to('web.default')] },
      { route: [to('web.default.svc.example.com')] },
    ]);
    expect(sim.route({
      host: 'web',
      path: '/ns',
    }).warnings).toEqual(["no Service for destination host 'web.default' in the manifests; its pods are not known"]);
    expect(sim.route({ host: 'web' }).warnings).toEqual(["no Service for destination host 'web.default.svc.example.com' in the manifests; its pods "
      + 'are not known']);
  });

  test('mirrors: mirror with mirrorPercentage (100 without), and the mirrors list (each 100 without a percentage); malformed entries skipped', () => {
    const o = webWith([{
      route: [to('web', 'v1')],
      mirror: { host: 'shadow' },
      mirrors: [null, { destination: { host: 7 } }, { destination: { host: 'copy.other.svc.cluster.local', subset: 'v2' }, percentage: { value: 5 } },
        { destination: { host: 'audit' } }],
    }]).route({ host: 'web' });
    expect(o.mirrors).toEqual([
      { host: fq('shadow'), subset: undefined, percentage: 100 },
      { host: 'copy.other.svc.cluster.local', subset: 'v2', percentage: 5 },
      { host: fq('audit'), subset: undefined, percentage: 100 },
    ]);
  });

  test('a destination whose subset is not a string carries no traffic', () => {
    const o = webWith([{ route: [{ destination: { host: 'web', subset: 5 } }, to('web', 'v2', 10)] }]).route({ host: 'web' });
    expect(o.destinations.map(d => [d.subset, d.share])).toEqual([['v2', 100]]);
  });

  test('TCP rules are used when the VirtualService has no HTTP rules, and ignored when it has some; malformed rules are skipped', () => {
    const tcp = [{ route: [to('web', 'v2')] }];
    const sim = (spec: any) => fromManifests(svc('web'), deploy('web', 'v1'), deploy('web', 'v2'), dr('web', ['v1', 'v2']), vs('web',
      { hosts: ['web'], ...spec }));
    expect(sim({ tcp }).route({ host: 'web' }).versionShares).toEqual({ v2: 100 });
    expect(sim({ http: [null, 5, { match: [null, { uri: { prefix: '/a' } }], route: [to('web', 'v1')] }], tcp }).route({
      host: 'web',
      path: '/a',
    }).versionShares)
      .toEqual({ v1: 100 });
  });
});

describe('delegates', () => {
  const base = [svc('web', 'shop'), deploy('web', 'v1', 1, 'shop'), deploy('web', 'v2', 1, 'shop'), dr('web', ['v1', 'v2'], 'shop'),
    istioGateway('edge', [server(80, ['*'])])];
  const root = (delegate: any) => vs('root', {
    hosts: ['*'],
    gateways: ['istio-system/edge'],
    http: [{
      match: [{ uri: { prefix: '/web' } }],
      delegate,
    }],
  }, 'shop');
  const at = { gateway: 'istio-system/edge', host: 'a.com', path: '/web/x' };

  test("a delegate without a namespace is in the root's; it need not be the first VirtualService", () => {
    const sim = fromManifests(...base, vs('first', { hosts: ['first'], http: [{ route: [to('web', 'v1')] }] }, 'shop'), root({ name: 'child' }),
      vs('child', { http: [{ match: [{ uri: { prefix: '/web/y' } }, { uri: { prefix: '/web/x' } }], route: [to('web', 'v2')] }] }, 'shop'));
    expect(sim.route(at)).toMatchObject({ virtualService: 'shop/child', ruleIndex: 0, versionShares: { v2: 100 } });
  });

  test('a missing delegate, a rejected one, and one where no rule matches: 404, each said', () => {
    const missing = fromManifests(...base, root({ name: 'gone' })).route(at);
    expect(missing).toMatchObject({
      kind: OutcomeKind.NOT_FOUND,
      explanation: 'GET a.com/web/x at gateway istio-system/edge: delegate VirtualService missing',
    });
    expect(missing.warnings).toEqual(['rule #0 of shop/root delegates to shop/gone, which is not in the manifests']);
    const rejected = fromManifests(...base, root({ name: 'child' }), vs('child', {
      http: [{
        match: [{ uri: { regex: '(?!x)' } }],
        route: [to('web')],
      }],
    }, 'shop'))
      .route(at);
    expect(rejected.explanation).toBe('GET a.com/web/x at gateway istio-system/edge: delegate VirtualService shop/child is not applied');
    expect(rejected.warnings).toHaveLength(1);
    expect(rejected.warnings[0]).toMatch(
      /^VirtualService shop\/child is not applied: Istio's validation webhook rejects it \(.*\); this simulation ignores it$/);
    const none = fromManifests(...base, root({ name: 'child' }), { ...vs('child', {}, 'shop'), spec: undefined }).route(at);
    expect(none.explanation).toBe('GET a.com/web/x at gateway istio-system/edge: rule #0 of shop/root delegates to shop/child, where no rule '
      + 'matches');
  });

  test("a delegate's entries that are not objects are no rules: skipped, never a TypeError, as in a VirtualService of its own", () => {
    for (const junk of [null, 5, 'rule']) {
      const child = vs('child', { http: [junk, { route: [to('web', 'v2')] }] }, 'shop');
      const o = fromManifests(...base, root({ name: 'child' }), child).route(at);
      expect([junk, o.ruleIndex, o.versionShares]).toEqual([junk, 1, { v2: 100 }]);
    }
  });
});

describe('authorization at the gateway pods', () => {
  const GW = { istio: 'ingressgateway' };
  const ISS = 'https://issuer.example';
  const backend = [svc('web'), deploy('web', 'v1')];
  const toWeb = vs('web', { hosts: ['*'], gateways: ['istio-system/edge'], http: [{ route: [to('web.default.svc.cluster.local')] }] });
  const gwPods = workload('istio-ingressgateway', GW, 'istio-system', 'ingress-sa');
  const at = (port?: number) => ({ gateway: 'istio-system/edge', host: 'shop.com', ...(port ? { port } : {}) });

  test('no security policy: nothing is decided at the gateway', () => {
    const o = fromManifests(...backend, istioGateway('edge', [server(80, ['*'], 'HTTP')]), toWeb).route(at());
    expect(o.gatewayAuthorization).toBeUndefined();
    expect(o.authorization).toBeUndefined();
  });

  test('a policy, but a Gateway not in the manifests or no server on the port: nothing is decided there', () => {
    const gwPolicy = getOnly(GW, 'istio-system', 'gw-get');
    const outside = fromManifests(...backend, gwPolicy, vs('web', {
      hosts: ['*'],
      gateways: ['istio-system/ext'],
      http: [{ route: [to('web.default.svc.cluster.local')] }],
    }))
      .route({ gateway: 'istio-system/ext', host: 'shop.com', method: 'POST' });
    expect(outside.gatewayAuthorization).toBeUndefined();
    const noServer = fromManifests(...backend, gwPolicy, istioGateway('edge', [server(443, ['*'], 'HTTPS')]), toWeb).route({
      ...at(),
      method: 'POST',
    });
    expect(noServer.kind).toBe(OutcomeKind.NOT_FOUND);
    expect(noServer.gatewayAuthorization).toBeUndefined();
  });

  test('HTTP rules apply on HTTP, HTTP2, GRPC and terminated HTTPS servers (a server without protocol is HTTP), not on TLS passthrough or TLS',
    () => {
      const expectations: [any, boolean][] = [
        [server(80, ['*']), true], [server(80, ['*'], 'HTTP'), true], [server(80, ['*'], 'http2'), true], [server(80, ['*'], 'GRPC'), true],
        [server(80, ['*'], 'HTTPS', { mode: 'SIMPLE' }), true], [server(80, ['*'], 'HTTPS', { mode: 'PASSTHROUGH' }), false], [server(80, ['*'],
          'TLS'), false],
      ];
      for (const [srv, allowed] of expectations) {
        const o = fromManifests(...backend, gwPods, getOnly(GW, 'istio-system', 'gw-get'), istioGateway('edge', [srv]), toWeb).route(at());
        expect([srv.port.protocol, srv.tls?.mode, o.gatewayAuthorization?.allowed]).toEqual([srv.port.protocol, srv.tls?.mode, allowed]);
      }
    });

  test('a denial at the gateway: the gateway answers, nothing is routed, and the explanation says where', () => {
    const o = fromManifests(...backend, gwPods, getOnly(GW, 'istio-system', 'gw-get'), istioGateway('edge', [server(80, ['*'], 'HTTP')]), toWeb)
      .route({ ...at(), method: 'DELETE' });
    const detail = 'denied (403) at istio-system/Deployment/istio-ingressgateway: ALLOW policy istio-system/gw-get applies and no rule of it matches '
      + '(a client outside the mesh: no principal, no namespace)';
    expect(o).toMatchObject({
      kind: OutcomeKind.DENIED,
      status: 403,
      destinations: [],
      versionShares: {},
      subsetShares: {},
      mirrors: [],
      deniedShare: 100,
      warnings: [],
      explanation: `DELETE shop.com/ at gateway istio-system/edge: ${detail}; the gateway answers, and the request is not routed`,
    });
    expect(o.gatewayAuthorization!.explanation).toBe(`at gateway istio-system/edge: ${detail}`);
    expect(o.gatewayAuthorization!.workload).toBe('istio-system/Deployment/istio-ingressgateway');
  });

  test('a token of an issuer the gateway does not accept is refused with 401 there', () => {
    const ra = requestAuth('gw-jwt', { selector: { matchLabels: GW }, jwtRules: [{ issuer: ISS }] }, 'istio-system');
    const o = fromManifests(...backend, gwPods, ra, istioGateway('edge', [server(80, ['*'], 'HTTP')]), toWeb)
      .route({ ...at(), jwtClaims: { iss: 'https://evil.example', sub: 'x' } });
    const detail = 'refused (401 Jwt verification fails) at the gateway pods istio-system/Deployment/istio-ingressgateway: '
      + 'the token\'s issuer "https://evil.example" is not one RequestAuthentication istio-system/gw-jwt accepts';
    expect(o).toMatchObject({
      kind: OutcomeKind.DENIED,
      status: 401,
      explanation: `GET shop.com/ at gateway istio-system/edge: ${detail}; the gateway answers, and the request is not routed`,
    });
    expect(o.gatewayAuthorization).toEqual({
      allowed: false,
      status: 401,
      workload: 'istio-system/Deployment/istio-ingressgateway',
      explanation: `at gateway istio-system/edge: ${detail}`,
    });
    // Without a token nothing is removed, and the explanation says nothing of it.
    const none = fromManifests(...backend, gwPods, ra, istioGateway('edge', [server(80, ['*'], 'HTTP')]), toWeb).route(at());
    expect(none.explanation).toBe('GET shop.com/ at gateway istio-system/edge: rule #0 of VirtualService default/web matched; v1 100%');
  });

  test('after the gateway removed a verified token, the backend still sees the caller the request names', () => {
    const ra = requestAuth('gw-jwt', { selector: { matchLabels: GW }, jwtRules: [{ issuer: ISS }] }, 'istio-system');
    const allowSa = onlyPrincipal({ app: 'web' }, 'cluster.local/ns/istio-system/sa/custom-gw');
    const o = fromManifests(...backend, gwPods, ra, allowSa, istioGateway('edge', [server(80, ['*'], 'HTTP')]), toWeb)
      .route({ ...at(), jwtClaims: { iss: ISS, sub: 'alice' }, sourceServiceAccount: 'custom-gw' });
    expect(o.authorization).toMatchObject({ allowed: true, principal: 'cluster.local/ns/istio-system/sa/custom-gw' });
    expect(o.explanation).toBe('GET shop.com/ at gateway istio-system/edge: rule #0 of VirtualService default/web matched; v1 100%; '
      + 'the gateway pods istio-system/Deployment/istio-ingressgateway verified the token and removed it '
      + '(the jwtRule has no forwardOriginalToken: true), '
      + 'so the backend receives no token');
  });

  test("the backend sees the gateway pods' identity: their ServiceAccount, default without one, Istio's default account without pods", () => {
    const allow = (p: string) => onlyPrincipal({ app: 'web' }, p);
    const route = (...extra: any[]) => fromManifests(...backend, istioGateway('edge', [server(80, ['*'], 'HTTP')]), toWeb,
      ...extra).route(at()).authorization;
    expect(route(gwPods, allow('cluster.local/ns/istio-system/sa/ingress-sa'))).toMatchObject({ allowed: true });
    expect(route(workload('gw', GW, 'istio-system'), allow('cluster.local/ns/istio-system/sa/default'))).toMatchObject({ allowed: true });
    expect(route(allow('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'))).toMatchObject({ allowed: true });
    // A Gateway whose selector is empty selects no pods in the manifests.
    const o = fromManifests(...backend, workload('other', { app: 'other' }, 'istio-system', 'other-sa'), istioGateway('edge', [server(80, ['*'],
      'HTTP')], 'istio-system', {}),
    toWeb, allow('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account')).route(at());
    expect(o.authorization).toMatchObject({ allowed: true });
    // The account given with the request, in the gateway pods' namespace.
    expect(route(gwPods, allow('cluster.local/ns/istio-system/sa/given'))!.allowed).toBe(false);
    expect(fromManifests(...backend, gwPods, istioGateway('edge', [server(80, ['*'], 'HTTP')]), toWeb,
      allow('cluster.local/ns/istio-system/sa/given'))
      .route({ ...at(), sourceServiceAccount: 'given' }).authorization).toMatchObject({ allowed: true });
  });

  describe("the gateway pod's port for policies' ports", () => {
    const gwService = (ns: string, selector: any, ports: any[]) => service('istio-ingressgateway', ports, ns, selector);
    const route = (...extra: any[]) => fromManifests(...backend, gwPods, istioGateway('edge', [server(80, ['*'], 'HTTP')]), toWeb,
      ...extra).route(at());

    test("the targetPort of the Service of the gateway pods' namespace that selects them and has the server port", () => {
      expect(route(gwService('istio-system', GW, [{ port: 80, targetPort: 8080 }]), denyPorts(['8080'], 'istio-system',
        GW)).kind).toBe(OutcomeKind.DENIED);
      expect(route(gwService('istio-system', GW, [{ port: 80 }]), denyPorts(['80'], 'istio-system', GW)).kind).toBe(OutcomeKind.DENIED);
      for (const other of [gwService('elsewhere', GW, [{ port: 80, targetPort: 8080 }]), gwService('istio-system', {}, [{
        port: 80,
        targetPort: 8080,
      }]),
      gwService('istio-system', { app: 'nope' }, [{ port: 80, targetPort: 8080 }]), gwService('istio-system', GW, [{
        port: 443,
        targetPort: 8080,
      }])]) {
        const o = route(other, denyPorts(['8080'], 'istio-system', GW));
        expect(o.kind).toBe(OutcomeKind.ROUTED);
        expect(o.warnings).toEqual(['the Service of the gateway pods istio-system/Deployment/istio-ingressgateway is not in the manifests; '
          + 'AuthorizationPolicy ports at '
          + "the gateway are matched against the Gateway server's port 80, but Istio matches the port the pod listens on (the Service's targetPort, "
            + 'e.g. 8080 for port 80)']);
      }
    });

    test('a named targetPort: the server port, with a warning; no warning when no policy names ports', () => {
      const named = gwService('istio-system', GW, [{ port: 80, targetPort: 'http' }]);
      const o = route(named, denyPorts(['80'], 'istio-system', GW));
      expect(o.kind).toBe(OutcomeKind.DENIED);
      expect(o.warnings).toEqual(["the targetPort of Service istio-system/istio-ingressgateway for port 80 is named ('http'); AuthorizationPolicy "
        + 'ports at the gateway '
        + "pods istio-system/Deployment/istio-ingressgateway are matched against the Gateway server's port 80, but Istio matches the port the pod "
          + 'listens on']);
      expect(route(named, getOnly(GW, 'istio-system')).warnings).toEqual([]);
      const byWhen = policy('when-port', { action: 'DENY', rules: [{ when: [{ key: 'destination.port', values: ['1'] }] }] }, 'istio-system');
      const byNotPorts = policy('not-ports', { action: 'DENY', rules: [{ to: [{ operation: { notPorts: ['80'] } }] }] }, 'istio-system');
      expect(route(named, byWhen, getOnly(GW, 'istio-system')).warnings).toHaveLength(1);
      expect(route(named, byNotPorts).warnings).toHaveLength(1);
      expect(route(named, policy('empty', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['x'] } }] }] },
        'istio-system')).warnings).toEqual([]);
    });
  });
});

describe("authorization at the destination's sidecar", () => {
  const web = [svc('web'), deploy('web', 'v1'), deploy('web', 'v2'), dr('web', ['v1', 'v2'])];

  test('without any security policy nothing is decided, and a token changes nothing', () => {
    const o = fromManifests(...web).route({ host: 'web', jwtClaims: { iss: 'x', sub: 'y' } });
    expect(o.authorization).toBeUndefined();
    expect(o.warnings).toEqual([]);
    // A PeerAuthentication and an AuthorizationPolicy: decided.
    expect(fromManifests(...web, peer('default', { mtls: { mode: 'PERMISSIVE' } }), getOnly({ app: 'web' })).route({ host: 'web' }).authorization)
      .toMatchObject({ allowed: true });
  });

  test('destinations that get no requests, or fail, are not asked', () => {
    const denyV2 = policy('deny-v2', { selector: { matchLabels: { version: 'v2' } }, action: 'DENY', rules: [{}] });
    const sim = fromManifests(...web, denyV2, denyPorts(['9999']), svc('v0', 'default'), deploy('v0', 'v1', 0), vs('web', {
      hosts: ['web'],
      http: [
        { match: [{ uri: { prefix: '/zero' } }], route: [to('web', 'v1', 100), to('web', 'v2', 0)] },
        {
          match: [{ uri: { prefix: '/failing' } }],
          route: [to('web', 'v1', 90), {
            destination: {
              host: 'web',
              subset: 'v9',
              port: { number: 9999 },
            },
            weight: 10,
          }],
        },
        { route: [to('web', 'v1', 100), { destination: { host: 'elsewhere.ns2' }, weight: 0 }] },
      ],
    }), policy('deny-all', { action: 'DENY', rules: [{}] }, 'ns2'));
    for (const path of ['/zero', '/failing', '/']) {
      const o = sim.route({ host: 'web', path });
      expect([path, o.authorization?.allowed, o.deniedShare]).toEqual([path, true, undefined]);
    }
  });

  test('a workload without replicas is not asked', () => {
    const denyV2 = policy('deny-v2', { selector: { matchLabels: { version: 'v2' } }, action: 'DENY', rules: [{}] });
    const o = fromManifests(svc('web'), deploy('web', 'v1', 2), deploy('web', 'v2', 0), denyV2).route({ host: 'web' });
    expect(o.authorization).toMatchObject({ allowed: true });
    expect(o.deniedShare).toBeUndefined();
  });

  test('pods that are not known are decided as the pods of the host, in its namespace', () => {
    const o = webWith([{ route: [to('api.ns2.svc.cluster.local')] }], policy('deny-all', { action: 'DENY', rules: [{}] },
      'ns2')).route({ host: 'web' });
    expect(o).toMatchObject({ kind: OutcomeKind.DENIED, status: 403, deniedShare: 100 });
    expect(o.explanation).toBe('GET web/: rule #0 of VirtualService default/web matched; (pods not known) 100%; denied (403) by rule #0 of DENY '
      + 'policy ns2/deny-all at '
      + 'ns2/pods of api.ns2.svc.cluster.local (principal cluster.local/ns/default/sa/default)');
    expect(o.versionShares).toEqual({});
  });

  test('every request routed nowhere (weights 0): nothing to decide', () => {
    const o = webWith([{ route: [to('web', 'v1', 0), to('web', 'v2', 0)] }], getOnly({ app: 'web' })).route({ host: 'web' });
    expect(o.kind).toBe(OutcomeKind.ROUTED);
    expect(o.authorization).toBeUndefined();
  });

  test('a share refused: a warning with the share, the outcome stays routed', () => {
    const denyV2 = policy('deny-v2', { selector: { matchLabels: { version: 'v2' } }, action: 'DENY', rules: [{}] });
    const o = webWith([{ route: [to('web', 'v1', 3), to('web', 'v2', 1)] }], denyV2).route({ host: 'web' });
    expect(o).toMatchObject({ kind: OutcomeKind.ROUTED, deniedShare: 25 });
    expect(o.warnings).toEqual(['25% of requests are refused: denied (403) by rule #0 of DENY policy default/deny-v2 at default/Deployment/web-v2 '
      + '(principal cluster.local/ns/default/sa/default)']);
  });

  test("policies' ports match the Service port's targetPort when it is a number, else the port", () => {
    const route = (port: any, deny: string) => fromManifests(service('api', [{ name: 'http', port: 80, ...port }]), workload('api', { app: 'api' }),
      denyPorts([deny])).route({ host: 'api' }).kind;
    expect(route({ targetPort: 8080 }, '8080')).toBe(OutcomeKind.DENIED);
    expect(route({ targetPort: 8080 }, '80')).toBe(OutcomeKind.KUBERNETES_DEFAULT);
    expect(route({ targetPort: 'web' }, '80')).toBe(OutcomeKind.DENIED);
    expect(route({}, '80')).toBe(OutcomeKind.DENIED);
    const two = fromManifests(service('api', [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'http-admin', port: 81, targetPort: 8081 }]),
      workload('api', { app: 'api' }), denyPorts(['8081']));
    expect(two.route({ host: 'api', port: 81 }).kind).toBe(OutcomeKind.DENIED);
    expect(two.route({ host: 'api', port: 80 }).kind).toBe(OutcomeKind.KUBERNETES_DEFAULT);
  });

  test("a port carries HTTP unless its appProtocol, else its name's prefix, says a TCP protocol (case-insensitive)", () => {
    const route = (port: any) => fromManifests(service('api', [{ port: 80, ...port }]), workload('api', { app: 'api' }), getOnly({ app: 'api' }))
      .route({ host: 'api' }).authorization!.allowed;
    for (const p of ['tcp', 'TLS', 'https', 'mongo', 'redis', 'mysql', 'udp', 'kubernetes.io/wss']) {
      expect([p, route({ appProtocol: p })]).toEqual([p, false]);
    }
    for (const name of ['tcp-db', 'TCP', 'mysql-main', 'redis']) {
      expect([name, route({ name })]).toEqual([name, false]);
    }
    for (const port of [{}, { name: 'http-web' }, { name: 'grpc' }, { name: 'web' }, { appProtocol: 'http', name: 'tcp-x' }, {
      appProtocol: 5,
      name: 'http',
    }]) {
      expect([port, route(port)]).toEqual([port, true]);
    }
    expect(route({ appProtocol: 'tcp', name: 'http' })).toBe(false);
  });

  test('a token no RequestAuthentication validates is ignored, with a warning; one of an unknown issuer is refused with 401', () => {
    const o = fromManifests(svc('web'), deploy('web', 'v1'), getOnly({ app: 'web' })).route({ host: 'web', jwtClaims: { iss: 'a', sub: 'b' } });
    expect(o.authorization).toMatchObject({ allowed: true });
    expect(o.warnings).toEqual(["no RequestAuthentication applies to default/Deployment/web-v1, so the request's token is not validated and gives "
      + 'no request principal']);
    const ra = requestAuth('jwt', { selector: { matchLabels: { app: 'web' } }, jwtRules: [{ issuer: 'https://good' }] });
    const bad = fromManifests(svc('web'), deploy('web', 'v1'), ra).route({ host: 'web', jwtClaims: { iss: 'https://bad' } });
    expect(bad).toMatchObject({ kind: OutcomeKind.DENIED, status: 401 });
    expect(bad.authorization).toEqual({
      allowed: false,
      status: 401,
      workload: 'default/Deployment/web-v1',
      explanation: 'refused (401 Jwt verification fails) at default/Deployment/web-v1: the token\'s issuer "https://bad" is not one '
        + 'RequestAuthentication default/jwt accepts',
    });
  });

  test("the caller's principal: the ServiceAccount given, else that of the pods its labels select in its namespace, else default", () => {
    const allow = onlyPrincipal({ app: 'web' }, 'cluster.local/ns/front/sa/front-sa');
    const sim = fromManifests(svc('web'), deploy('web', 'v1'), allow, workload('front', { app: 'front' }, 'front', 'front-sa'),
      workload('front', { app: 'front' }, 'default', 'wrong-ns-sa'), {
        ...workload('odd', { app: 'odd' }, 'front'),
        spec: { template: { metadata: { labels: { app: 'odd' } }, spec: { serviceAccountName: 5, serviceAccount: 'legacy' } } },
      });
    expect(sim.route({
      host: 'web.default',
      sourceNamespace: 'front',
      sourceLabels: { app: 'front' },
    }).authorization).toMatchObject({ allowed: true });
    expect(sim.route({
      host: 'web.default',
      sourceNamespace: 'front',
      sourceLabels: {},
    }).authorization!.principal).toBe('cluster.local/ns/front/sa/default');
    expect(sim.route({
      host: 'web.default',
      sourceNamespace: 'front',
      sourceLabels: { app: 'odd' },
    }).authorization!.principal).toBe('cluster.local/ns/front/sa/default');
    expect(sim.route({
      host: 'web.default',
      sourceNamespace: 'front',
      sourceLabels: { app: 'none' },
    }).authorization!.principal).toBe('cluster.local/ns/front/sa/default');
    const legacy = fromManifests(svc('web'), deploy('web', 'v1'), allow, {
      ...workload('old', { app: 'old' }, 'front'),
      spec: { template: { metadata: { labels: { app: 'old' } }, spec: { serviceAccount: 'front-sa' } } },
    });
    expect(legacy.route({
      host: 'web.default',
      sourceNamespace: 'front',
      sourceLabels: { app: 'old' },
    }).authorization).toMatchObject({ allowed: true });
  });

  test('plain text: the explanation of a denial says why; an allowed plain-text call says nothing of it', () => {
    const sim = fromManifests(svc('web'), deploy('web', 'v1'), onlyPrincipal({ app: 'web' }, 'cluster.local/ns/default/sa/default'));
    const o = sim.route({ host: 'web', sourceInMesh: false });
    expect(o.authorization!.explanation).toBe('denied (403) at default/Deployment/web-v1: ALLOW policy default/by-principal applies and no rule of '
      + 'it matches '
      + '(no principal (plain text)); plain text because the caller has no sidecar');
    expect(o.explanation).toBe(`GET web/: no VirtualService for '${fq('web')}'; `
      + 'Kubernetes spreads requests over the pods of Service default/web by replica count; '
      + o.authorization!.explanation);
    const mtls = sim.route({ host: 'web', sourceServiceAccount: 'other' });
    expect(mtls.authorization!.explanation).toBe('denied (403) at default/Deployment/web-v1: ALLOW policy default/by-principal applies and no rule '
      + 'of it matches '
      + '(principal cluster.local/ns/default/sa/other)');
    const allowed = fromManifests(svc('web'), deploy('web', 'v1'), getOnly({ app: 'web' })).route({ host: 'web', sourceInMesh: false });
    expect(allowed.authorization!.explanation).toBe('allowed by rule #0 of ALLOW policy default/get-only at default/Deployment/web-v1 (no principal '
      + '(plain text))');
    const off = fromManifests(svc('web'), deploy('web', 'v1'), onlyPrincipal({ app: 'web' }, 'cluster.local/ns/default/sa/default'),
      peer('off', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'DISABLE' } })).route({ host: 'web' });
    expect(off.authorization!.explanation).toMatch(/; plain text because PeerAuthentication default\/off turns mTLS off$/);
    const strict = fromManifests(svc('web'), deploy('web', 'v1'), peer('default', { mtls: { mode: 'STRICT' } })).route({
      host: 'web',
      sourceInMesh: false,
    });
    expect(strict.authorization).toEqual({
      allowed: false,
      workload: 'default/Deployment/web-v1',
      explanation: 'refused at default/Deployment/web-v1: PeerAuthentication default/default requires mTLS (STRICT) and the caller connects in '
        + 'plain text '
        + '(the caller has no sidecar)',
    });
    expect(fromManifests(svc('web'), deploy('web', 'v1'), peer('default', { mtls: { mode: 'STRICT' } })).route({ host: 'web' }).authorization)
      .toMatchObject({ allowed: true });
  });

  test("client TLS: port-level settings for the destination's port only; a trafficPolicy without tls; malformed entries", () => {
    const route = (trafficPolicy: any, subsets: any[] = [{ name: 'v1', labels: { version: 'v1' } }]) => fromManifests(svc('web'), deploy('web', 'v1'),
      onlyPrincipal({ app: 'web' }, 'cluster.local/ns/default/sa/default'), destinationRule('web', { trafficPolicy, subsets }),
      vs('web', { hosts: ['web'], http: [{ route: [to('web', 'v1')] }] })).route({ host: 'web' }).authorization!.allowed;
    const levels = (...s: any[]) => ({ portLevelSettings: s });
    expect(route(levels(null, { tls: {} }, { port: { number: 81 }, tls: { mode: 'DISABLE' } }, {
      port: { number: 80 },
      tls: { mode: 'ISTIO_MUTUAL' },
    }))).toBe(true);
    expect(route(levels({ port: { number: 81 }, tls: { mode: 'ISTIO_MUTUAL' } }, { port: { number: 80 }, tls: { mode: 'DISABLE' } }))).toBe(false);
    expect(route(levels({ port: { number: 80 } }))).toBe(true);
    expect(route({ loadBalancer: { simple: 'ROUND_ROBIN' } })).toBe(true);
    expect(route({ tls: { mode: 'DISABLE' } }, [null, { name: 'v1', labels: { version: 'v1' } }])).toBe(false);
    expect(route({ tls: { mode: 'DISABLE' } }, [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: {} } }])).toBe(false);
  });
});

describe('ambient mode and waypoints', () => {
  const ambientNs = (name: string, labels: any = {}) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: { 'istio.io/dataplane-mode': 'ambient', ...labels },
    },
  });
  const base = [service('web', [{ name: 'http', port: 80 }], 'amb'), workload('web', { app: 'web' }, 'amb')];
  const l7 = policy('web-l7', {
    targetRefs: [{ kind: 'Service', group: '', name: 'web' }],
    rules: [{ to: [{ operation: { methods: ['GET'] } }] }],
  }, 'amb');
  const fromWaypoint = onlyPrincipal({ app: 'web' }, 'cluster.local/ns/amb/sa/waypoint', 'amb');
  const at = (extra: any = {}) => ({ host: 'web.amb', sourceNamespace: 'client', ...extra });

  test('without a waypoint, ztunnel decides at L4: an HTTP-only ALLOW rule allows nothing; a Namespace object of another kind or API is no '
    + 'Namespace', () => {
    const route = (...ns: any[]) => fromManifests(...base, getOnly({ app: 'web' }, 'amb'), ...ns).route(at()).authorization!.allowed;
    expect(route(ambientNs('amb'))).toBe(false);
    expect(route()).toBe(true);
    expect(route({ ...ambientNs('amb'), kind: 'ConfigMap' })).toBe(true);
    expect(route({ ...ambientNs('amb'), apiVersion: 'example.com/v1' })).toBe(true);
    const o = fromManifests(...base, onlyPrincipal({ app: 'web' }, 'cluster.local/ns/client/sa/default', 'amb'), ambientNs('amb')).route(at());
    expect(o.authorization).toMatchObject({ allowed: true, principal: 'cluster.local/ns/client/sa/default' });
    expect(fromManifests(...base, onlyPrincipal({ app: 'web' }, 'cluster.local/ns/client/sa/default', 'amb'), ambientNs('amb'))
      .route(at({ sourceInMesh: false })).authorization).toMatchObject({ allowed: false, principal: undefined });
  });

  test("a waypoint enforces the policies bound to the Service at L7, with the caller's identity; the pods then see the waypoint", () => {
    const sim = fromManifests(...base, ambientNs('amb', { 'istio.io/use-waypoint': 'waypoint' }), l7, fromWaypoint);
    const post = sim.route(at({ method: 'POST' }));
    expect(post.authorization).toEqual({
      allowed: false,
      status: 403,
      action: 'ALLOW',
      policy: 'amb/web-l7',
      workload: 'amb/waypoint (waypoint)',
      principal: 'cluster.local/ns/client/sa/default',
      explanation: 'denied (403) at amb/waypoint (waypoint): ALLOW policy amb/web-l7 applies and no rule of it matches (principal '
        + 'cluster.local/ns/client/sa/default)',
    });
    const get = sim.route(at());
    expect(get.authorization).toMatchObject({ allowed: true, workload: 'amb/Deployment/web', principal: 'cluster.local/ns/amb/sa/waypoint' });
    expect(get.authorization!.explanation).toBe('allowed by rule #0 of ALLOW policy amb/by-principal at amb/Deployment/web '
      + '(the waypoint amb/waypoint (principal cluster.local/ns/amb/sa/waypoint))');
  });

  test('a policy bound to the waypoint Gateway applies there; the waypoint may live in another namespace', () => {
    const onGateway = policy('on-gw', {
      targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'wp' }],
      action: 'DENY',
      rules: [{ to: [{ operation: { paths: ['/admin'] } }] }],
    }, 'infra');
    const sim = fromManifests(...base, ambientNs('amb', { 'istio.io/use-waypoint': 'wp', 'istio.io/use-waypoint-namespace': 'infra' }), onGateway);
    expect(sim.route(at({ path: '/admin' })).authorization).toMatchObject({ allowed: false, policy: 'infra/on-gw', workload: 'infra/wp (waypoint)' });
    expect(sim.route(at()).authorization).toMatchObject({ allowed: true, principal: 'cluster.local/ns/infra/sa/wp' });
  });

  test("the Service's own use-waypoint label overrides its Namespace's; none opts out; plain text skips the waypoint", () => {
    const optOut = [service('web', [{ name: 'http', port: 80 }], 'amb', { app: 'web' }, { 'istio.io/use-waypoint': 'none' }), workload('web',
      { app: 'web' }, 'amb')];
    const sim = fromManifests(...optOut, ambientNs('amb', { 'istio.io/use-waypoint': 'waypoint' }), l7, fromWaypoint);
    expect(sim.route(at({ method: 'POST' })).authorization).toMatchObject({
      allowed: false,
      workload: 'amb/Deployment/web',
      policy: 'amb/by-principal',
    });
    const own = [service('web', [{ name: 'http', port: 80 }], 'amb', { app: 'web' }, { 'istio.io/use-waypoint': 'waypoint' }), workload('web',
      { app: 'web' }, 'amb')];
    expect(fromManifests(...own, ambientNs('amb'), l7,
      fromWaypoint).route(at({ method: 'POST' })).authorization).toMatchObject({ workload: 'amb/waypoint (waypoint)' });
    expect(fromManifests(...base, ambientNs('amb', { 'istio.io/use-waypoint': 'waypoint' }), l7, fromWaypoint).route(at({
      method: 'POST',
      sourceInMesh: false,
    }))
      .authorization).toMatchObject({ allowed: false, workload: 'amb/Deployment/web', principal: undefined });
  });

  test('the waypoint is that of the Service addressed in the mesh, even when the route sends the request to another', () => {
    const front = service('front', [{ name: 'http', port: 80 }], 'amb', { app: 'front' }, { 'istio.io/use-waypoint': 'waypoint' });
    const sim = fromManifests(...base, front, ambientNs('amb'), policy('front-l7', {
      targetRefs: [{ kind: 'Service', name: 'front' }],
      action: 'DENY',
      rules: [{ to: [{ operation: { methods: ['POST'] } }] }],
    }, 'amb'), vs('front', { hosts: ['front'], http: [{ route: [to('web')] }] }, 'amb'));
    expect(sim.route({ host: 'front.amb', sourceNamespace: 'client', method: 'POST' }).authorization).toMatchObject({
      allowed: false,
      policy: 'amb/front-l7',
    });
  });

  test('from an ingress gateway, the waypoint only with ingress-use-waypoint on the Service or its Namespace', () => {
    const gw = [istioGateway('edge', [server(80, ['*'], 'HTTP')]), vs('web', {
      hosts: ['*'],
      gateways: ['istio-system/edge'],
      http: [{ route: [to('web.amb.svc.cluster.local')] }],
    }, 'amb')];
    const req = { gateway: 'istio-system/edge', host: 'shop.com', method: 'POST' };
    const via = (labels: any, svcLabels?: any) => fromManifests(service('web', [{ name: 'http', port: 80 }], 'amb', { app: 'web' }, svcLabels),
      workload('web', { app: 'web' }, 'amb'), ambientNs('amb', {
        'istio.io/use-waypoint': 'waypoint',
        ...labels,
      }), l7, ...gw).route(req).authorization!.workload;
    expect(via({})).toBe('amb/Deployment/web');
    expect(via({ 'istio.io/ingress-use-waypoint': 'true' })).toBe('amb/waypoint (waypoint)');
    expect(via({}, { 'istio.io/ingress-use-waypoint': 'true' })).toBe('amb/waypoint (waypoint)');
    expect(via({ 'istio.io/ingress-use-waypoint': 'false' })).toBe('amb/Deployment/web');
  });
});
