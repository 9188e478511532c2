import { ApiObject, Chart, JsonPatch, Size, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryService, CanaryServiceProps, EdgeDestination, IngressEdge, MeshNamespace, ReleaseScope, RoutingMode, RoutingSimulator, ServiceIdentity,
  ServiceProtocol, ServiceVersion, TrafficSplit,
} from '../src';
import { defaultWeights, only, synthChecked } from './util';
import { TrafficModel } from '../src/model/traffic-model';

const IMAGE = 'quay.io/rhdevelopers/istio-tutorial-recommendation';

function chart(namespace = 'tutorial'): Chart {
  return new Chart(Testing.app(), 'test', { namespace });
}

function recommendation(c: Chart, extra: Partial<CanaryServiceProps> = {}): CanaryService {
  return new CanaryService(c, 'recommendation', {
    port: 8080,
    stable: { image: `${IMAGE}:v1` },
    canary: { image: `${IMAGE}:v2` },
    ...extra,
  });
}

function reviews(c: Chart, traffic: TrafficSplit): CanaryService {
  return new CanaryService(c, 'reviews', {
    port: 9080,
    versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2` })),
    traffic,
  });
}

describe('CanaryService: objects and names', () => {
  test('the default release: v1 and v2, everything on the stable v1', () => {
    const c = chart('tutorial');
    recommendation(c);
    const m = synthChecked(c);
    expect(m.map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/recommendation', 'Deployment/recommendation-v1', 'Deployment/recommendation-v2', 'Service/recommendation',
      'DestinationRule/recommendation', 'VirtualService/recommendation',
    ]);
    expect(m.every(o => o.metadata.namespace === 'tutorial')).toBe(true);

    const svc = only(m, 'Service', 'recommendation');
    expect(svc.spec.selector).toEqual({ app: 'recommendation' });
    expect(svc.spec.ports).toEqual([{ name: 'http', appProtocol: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }]);

    const v2 = only(m, 'Deployment', 'recommendation-v2');
    expect(v2.spec.selector.matchLabels).toEqual({ app: 'recommendation', version: 'v2' });
    expect(v2.spec.template.metadata.labels).toEqual({ app: 'recommendation', version: 'v2' });
    expect(v2.spec.template.spec.containers[0].image).toBe(`${IMAGE}:v2`);
    expect(v2.spec.template.spec.serviceAccountName).toBe('recommendation');

    const dr = only(m, 'DestinationRule', 'recommendation');
    expect(dr.spec).toEqual({
      host: 'recommendation',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
    });
    const vs = only(m, 'VirtualService', 'recommendation');
    expect(vs.spec.hosts).toEqual(['recommendation']);
    expect(vs.spec.gateways).toBeUndefined();
    expect(vs.spec.http).toHaveLength(1);
    expect(defaultWeights(vs)).toEqual({ v1: 100 });
    expect(m).toMatchSnapshot();
  });

  test('namespace from the prop wins over the chart; with neither, the service fails instead of leaving it to kubectl -n', () => {
    const c = chart('chart-ns');
    recommendation(c, { namespace: 'other' });
    expect(Testing.synth(c).every(o => o.metadata.namespace === 'other')).toBe(true);
    const bare = new Chart(Testing.app(), 'bare');
    expect(() => recommendation(bare)).toThrow(/\[bare\/recommendation\] namespace: undefined is not set, and neither is the chart's, so where the objects land depends on `kubectl -n`/);
    const named = new Chart(Testing.app(), 'named');
    recommendation(named, { namespace: 'tutorial' });
    expect(Testing.synth(named).every(o => o.metadata.namespace === 'tutorial')).toBe(true);
  });

  test('per-version image, port, replicas, env, resources and probes', () => {
    const c = chart('onlineboutique');
    new CanaryService(c, 'productcatalogservice', {
      port: 3550,
      protocol: ServiceProtocol.GRPC,
      versions: [ServiceVersion.deploy('v2', {
        image: 'gcr.io/google-samples/microservices-demo/productcatalogservice:v0.3.6',
        replicas: 3,
        env: { EXTRA_LATENCY: '3s', PORT: '3550' },
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(200) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
        },
        readiness: kplus.Probe.fromCommand(['/bin/grpc_health_probe', '-addr=:3550']),
        liveness: kplus.Probe.fromCommand(['/bin/grpc_health_probe', '-addr=:3550']),
      })],
    });
    const m = synthChecked(c);
    const d = only(m, 'Deployment', 'productcatalogservice-v2');
    const container = d.spec.template.spec.containers[0];
    expect(d.spec.replicas).toBe(3);
    expect(container.ports).toEqual([{ containerPort: 3550, name: 'grpc' }]);
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'EXTRA_LATENCY', value: '3s' }]));
    expect(container.resources.requests.cpu).toBe('100m');
    expect(container.resources.limits.cpu).toBe('200m');
    expect(container.resources.requests.memory).toBe('64Mi');
    expect(container.resources.limits.memory).toBe('128Mi');
    expect(container.readinessProbe.exec.command).toEqual(['/bin/grpc_health_probe', '-addr=:3550']);
    expect(container.livenessProbe.exec.command).toEqual(['/bin/grpc_health_probe', '-addr=:3550']);
    const svc = only(m, 'Service', 'productcatalogservice');
    expect(svc.spec.ports[0]).toMatchObject({ name: 'grpc', appProtocol: 'grpc', port: 3550 });
  });

  test('a different target port and extra pod labels', () => {
    const c = chart();
    new CanaryService(c, 'web', {
      port: 80,
      targetPort: 8080,
      versions: [ServiceVersion.deploy('v1', { image: 'nginx', podLabels: { team: 'edge' } })],
    });
    const m = synthChecked(c);
    expect(only(m, 'Service', 'web').spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080 });
    expect(only(m, 'Deployment', 'web-v1').spec.template.metadata.labels).toEqual({ app: 'web', version: 'v1', team: 'edge' });
    expect(only(m, 'Deployment', 'web-v1').spec.template.spec.containers[0].ports[0].containerPort).toBe(8080);
  });

  test('a TCP service gets a tcp route, not an http one', () => {
    const c = chart();
    new CanaryService(c, 'db', {
      port: 5432,
      protocol: ServiceProtocol.TCP,
      stable: { image: 'postgres:15' },
      canary: { image: 'postgres:16' },
      traffic: TrafficSplit.canaryPercent(20),
    });
    const vs = only(synthChecked(c), 'VirtualService', 'db');
    expect(vs.spec.http).toBeUndefined();
    expect(vs.spec.tcp).toEqual([{
      route: [
        { destination: { host: 'db', subset: 'v1' }, weight: 80 },
        { destination: { host: 'db', subset: 'v2' }, weight: 20 },
      ],
    }]);
  });

  test('a ServiceAccount is created before the Deployments that use it', () => {
    const c = chart('default');
    new CanaryService(c, 'ratings', {
      port: 9080,
      serviceIdentity: ServiceIdentity.own('bookinfo-ratings'),
      versions: [ServiceVersion.deploy('v1', { image: 'docker.io/istio/examples-bookinfo-ratings-v1:1.20.2' })],
    });
    const m = synthChecked(c);
    expect(m[0]).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'bookinfo-ratings' } });
    expect(only(m, 'Deployment', 'ratings-v1').spec.template.spec.serviceAccountName).toBe('bookinfo-ratings');
  });

  test('custom subset names and version label (Fleetman safe-group / risky-group)', () => {
    const c = chart();
    const svc = new CanaryService(c, 'fleetman-staff-service', {
      port: 8080,
      versions: [
        ServiceVersion.deploy('safe', { image: 'richardchesterwood/istio-fleetman-staff-service:6', subsetName: 'safe-group' }),
        ServiceVersion.deploy('risky', { image: 'richardchesterwood/istio-fleetman-staff-service:6-bad', subsetName: 'risky-group' }),
      ],
      traffic: TrafficSplit.canaryPercent(10),
    });
    const m = synthChecked(c);
    expect(svc.subsetOf('risky')).toBe('risky-group');
    expect(only(m, 'DestinationRule', 'fleetman-staff-service').spec.subsets).toEqual([
      { name: 'safe-group', labels: { version: 'safe' } },
      { name: 'risky-group', labels: { version: 'risky' } },
    ]);
    expect(defaultWeights(only(m, 'VirtualService', 'fleetman-staff-service'))).toEqual({ 'safe-group': 90, 'risky-group': 10 });
  });

  test('the version label can be another label', () => {
    const c = chart();
    new CanaryService(c, 'api', {
      port: 80,
      versionLabel: 'track',
      versions: [ServiceVersion.deploy('stable', { image: 'api:1' }), ServiceVersion.deploy('canary', { image: 'api:2' })],
    });
    const m = synthChecked(c);
    expect(only(m, 'Deployment', 'api-canary').spec.template.metadata.labels).toEqual({ app: 'api', track: 'canary' });
    expect(only(m, 'DestinationRule', 'api').spec.subsets[1]).toEqual({ name: 'canary', labels: { track: 'canary' } });
  });

  test('changes after a first synth show in the next one (rendered objects are not stale)', () => {
    const c = chart('tutorial');
    const svc = recommendation(c, { traffic: TrafficSplit.canaryPercent(10) });
    expect(only(Testing.synth(c), 'VirtualService', 'recommendation').metadata.labels).toBeUndefined();
    svc.virtualService!.metadata.addLabel('team', 'search');
    svc.destinationRule!.addJsonPatch(JsonPatch.add('/metadata/annotations', { owner: 'search' }));
    svc.service!.metadata.addAnnotation('note', 'x');
    const m = Testing.synth(c);
    expect(only(m, 'VirtualService', 'recommendation').metadata.labels).toEqual({ team: 'search' });
    expect(only(m, 'DestinationRule', 'recommendation').metadata.annotations).toEqual({ owner: 'search' });
    expect(only(m, 'Service', 'recommendation').metadata.annotations).toEqual({ note: 'x' });
  });

  test('apply order holds when something else depends on the DestinationRule', () => {
    const c = chart('tutorial');
    const svc = recommendation(c, { traffic: TrafficSplit.canaryPercent(10) });
    const other = new ApiObject(c, 'first', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first' } });
    // Declared after the release but depending on its DestinationRule: cdk8s now writes the
    // DestinationRule when it writes the ConfigMap, so the library links the chain explicitly.
    other.node.addDependency(svc.destinationRule!);
    synthChecked(c);
  });

  test('synthesis is deterministic', () => {
    const build = () => {
      const c = chart('tutorial');
      new MeshNamespace(c, 'tutorial');
      reviews(c, TrafficSplit.weights({ v1: 50, v3: 50 }));
      return Yaml.stringify(...Testing.synth(c));
    };
    expect(build()).toBe(build());
  });
});

describe('CanaryService: the traffic states of a release', () => {
  const weightsOf = (traffic: TrafficSplit) => {
    const c = chart();
    recommendation(c, { traffic });
    return defaultWeights(only(synthChecked(c), 'VirtualService', 'recommendation'));
  };

  test.each([
    ['stable()', TrafficSplit.stable(), { v1: 100 }],
    ['canaryPercent(10)', TrafficSplit.canaryPercent(10), { v1: 90, v2: 10 }],
    ['weights 75/25', TrafficSplit.weights({ v1: 75, v2: 25 }), { v1: 75, v2: 25 }],
    ['promote()', TrafficSplit.promote(), { v2: 100 }],
    ['rollback()', TrafficSplit.rollback(), { v1: 100 }],
    ['allTo(v2)', TrafficSplit.allTo('v2'), { v2: 100 }],
    ['weightList', TrafficSplit.weightList([{ version: 'v2', weight: 60 }, { version: 'v1', weight: 40 }]), { v1: 40, v2: 60 }],
  ])('%s', (_name, traffic, expected) => {
    expect(weightsOf(traffic)).toEqual(expected);
  });

  test.each([[0, 10], [1, 25], [2, 50], [3, 100]])('step plan at step %d gives the canary %d%%', (step, pct) => {
    const w = weightsOf(TrafficSplit.stepPlan({ steps: [10, 25, 50, 100], currentStep: step }));
    expect(w.v2).toBe(pct);
    expect(w.v1 ?? 0).toBe(100 - pct);
  });

  test('a pipeline drives the step plan from an environment variable', () => {
    process.env.TEST_CANARY_STEP = '2';
    try {
      const w = weightsOf(TrafficSplit.stepPlan({ steps: [10, 25, 50, 100], currentStep: Number(process.env.TEST_CANARY_STEP) }));
      expect(w).toEqual({ v1: 50, v2: 50 });
    } finally {
      delete process.env.TEST_CANARY_STEP;
    }
  });

  test('three versions: 50/50 between v1 and v3, v2 gets nothing', () => {
    const c = chart();
    const svc = reviews(c, TrafficSplit.weights({ v1: 50, v3: 50 }));
    const m = synthChecked(c);
    expect(svc.split).toEqual([{ version: 'v1', weight: 50 }, { version: 'v2', weight: 0 }, { version: 'v3', weight: 50 }]);
    expect(defaultWeights(only(m, 'VirtualService', 'reviews'))).toEqual({ v1: 50, v3: 50 });
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2', 'v3']);
  });

  test('stableVersion and canaryVersion choose what promote and canaryPercent mean', () => {
    const c = chart();
    const svc = new CanaryService(c, 'reviews', {
      port: 9080,
      versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })),
      stableVersion: 'v2',
      canaryVersion: 'v3',
      traffic: TrafficSplit.canaryPercent(25),
    });
    expect(svc.split).toEqual([{ version: 'v1', weight: 0 }, { version: 'v2', weight: 75 }, { version: 'v3', weight: 25 }]);
  });
});

describe('CanaryService: adopting an existing workload', () => {
  test('the adopted version gets a subset but no Deployment', () => {
    const c = chart('onlineboutique');
    const svc = new CanaryService(c, 'productcatalogservice', {
      port: 3550,
      protocol: ServiceProtocol.GRPC,
      versions: [
        ServiceVersion.adopt('v1', { workloadName: 'productcatalogservice' }),
        ServiceVersion.deploy('v2', { image: 'gcr.io/google-samples/microservices-demo/productcatalogservice:v0.3.6' }),
      ],
      traffic: TrafficSplit.weights({ v1: 75, v2: 25 }),
    });
    const m = synthChecked(c, [{ namespace: 'onlineboutique', name: 'Deployment/productcatalogservice', labels: { app: 'productcatalogservice', version: 'v1' } }]);
    expect(m.filter(o => o.kind === 'Deployment').map(o => o.metadata.name)).toEqual(['productcatalogservice-v2']);
    expect(svc.deploymentOf('v1')).toBeUndefined();
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'productcatalogservice', version: 'v1' });
    expect(defaultWeights(only(m, 'VirtualService', 'productcatalogservice'))).toEqual({ v1: 75, v2: 25 });
  });

  test('adopted pods must be reachable by the Service and carry the version label', () => {
    expect(() => new CanaryService(chart(), 'pc', { port: 3550, versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'other', version: 'v1' } })] }))
      .toThrow(/\[test\/pc\] versions\[v1\]\.podLabels\.app: 'other' does not match the Service selector app=pc.*Add app: 'pc'/);
    expect(() => new CanaryService(chart(), 'pc', { port: 3550, versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'pc' } })] }))
      .toThrow(/has no 'version' label.*Label the existing pod template version=v1/);
  });
});

describe('CanaryService: without Istio (RoutingMode.REPLICAS)', () => {
  const replicas = (traffic: TrafficSplit, replicaBudget?: number) => {
    const c = chart();
    recommendation(c, { mode: RoutingMode.REPLICAS, traffic, replicaBudget });
    const m = synthChecked(c);
    expect(m.filter(o => /istio/.test(o.apiVersion))).toEqual([]);
    return Object.fromEntries(m.filter(o => o.kind === 'Deployment').map(o => [o.metadata.name, o.spec.replicas]));
  };
  test('90/10 needs 9 pods to 1', () => {
    expect(replicas(TrafficSplit.canaryPercent(10))).toEqual({ 'recommendation-v1': 9, 'recommendation-v2': 1 });
  });
  test('75/25 with a budget of 8 pods', () => {
    expect(replicas(TrafficSplit.weights({ v1: 75, v2: 25 }), 8)).toEqual({ 'recommendation-v1': 6, 'recommendation-v2': 2 });
  });
  test('all on stable keeps the canary at zero replicas', () => {
    expect(replicas(TrafficSplit.stable())).toEqual({ 'recommendation-v1': 1, 'recommendation-v2': 0 });
  });
  test('the one Service still selects every version', () => {
    const c = chart();
    recommendation(c, { mode: RoutingMode.REPLICAS, traffic: TrafficSplit.canaryPercent(50) });
    expect(only(synthChecked(c), 'Service', 'recommendation').spec.selector).toEqual({ app: 'recommendation' });
  });
});

describe('CanaryService: the workloads run (probes, identity, pod defaults)', () => {
  const container = (m: any[], name: string) => only(m, 'Deployment', name).spec.template.spec.containers[0];

  test('HTTP and TCP probes without a port go to the container port, not to 80', () => {
    const c = chart();
    recommendation(c, {
      stable: {
        image: `${IMAGE}:v1`,
        readiness: kplus.Probe.fromHttpGet('/healthz'),
        liveness: kplus.Probe.fromTcpSocket(),
        startup: kplus.Probe.fromHttpGet('/started'),
      },
    });
    const v1 = container(synthChecked(c), 'recommendation-v1');
    expect(v1.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(v1.readinessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8080 });
    expect(v1.livenessProbe.tcpSocket).toEqual({ port: 8080 });
    expect(v1.startupProbe.httpGet).toMatchObject({ path: '/started', port: 8080 });
  });

  test('probes go to the targetPort the pods listen on, not the Service port', () => {
    const c = chart();
    new CanaryService(c, 'web', {
      port: 80,
      targetPort: 8080,
      protocol: ServiceProtocol.GRPC_WEB,
      versions: [ServiceVersion.deploy('v1', { image: 'web:1', readiness: kplus.Probe.fromHttpGet('/ready'), liveness: kplus.Probe.fromTcpSocket() })],
    });
    const v1 = container(synthChecked(c), 'web-v1');
    expect(v1.ports).toEqual([{ containerPort: 8080, name: 'grpc-web' }]);
    expect(v1.readinessProbe.httpGet.port).toBe(8080);
    expect(v1.livenessProbe.tcpSocket.port).toBe(8080);
  });

  test('an explicit probe port is kept', () => {
    const c = chart();
    recommendation(c, {
      stable: {
        image: `${IMAGE}:v1`,
        readiness: kplus.Probe.fromHttpGet('/stats/ready', { port: 15021 }),
        liveness: kplus.Probe.fromTcpSocket({ port: 9090 }),
      },
    });
    const v1 = container(synthChecked(c), 'recommendation-v1');
    expect(v1.readinessProbe.httpGet.port).toBe(15021);
    expect(v1.livenessProbe.tcpSocket.port).toBe(9090);
  });

  test('a version has a startup probe only when it gives one', () => {
    const c = chart();
    recommendation(c);
    const m = synthChecked(c);
    for (const v of ['v1', 'v2']) {
      const k = container(m, `recommendation-${v}`);
      expect(k.startupProbe).toBeUndefined();
      expect(k.readinessProbe).toBeUndefined();
      expect(k.livenessProbe).toBeUndefined();
    }
  });

  test('each service runs under a ServiceAccount of its own, named after it, without a mounted token', () => {
    const c = chart('bookinfo');
    const reviewsSvc = reviews(c, TrafficSplit.stable());
    recommendation(c);
    const m = synthChecked(c);
    expect(m.filter(o => o.kind === 'ServiceAccount')).toEqual([
      { apiVersion: 'v1', kind: 'ServiceAccount', automountServiceAccountToken: false, metadata: { name: 'reviews', namespace: 'bookinfo', labels: { app: 'reviews' } } },
      { apiVersion: 'v1', kind: 'ServiceAccount', automountServiceAccountToken: false, metadata: { name: 'recommendation', namespace: 'bookinfo', labels: { app: 'recommendation' } } },
    ]);
    for (const v of ['v1', 'v2', 'v3']) {
      const pod = only(m, 'Deployment', `reviews-${v}`).spec.template.spec;
      expect(pod.serviceAccountName).toBe('reviews');
      expect(pod.automountServiceAccountToken).toBe(false);
    }
    expect(only(m, 'Deployment', 'recommendation-v1').spec.template.spec.serviceAccountName).toBe('recommendation');
    expect(reviewsSvc.serviceAccount!.name).toBe('reviews');
  });

  test('serviceAccountName and ServiceIdentity.named share an account and create none; apply order follows the owner', () => {
    const c = chart('shop');
    // Declared before the service that owns the account: still applied after it.
    const early = new CanaryService(c, 'cart', { port: 80, serviceAccountName: 'shop', stable: { image: 'cart:1' } });
    new CanaryService(c, 'orders', { port: 80, serviceIdentity: ServiceIdentity.own('shop'), stable: { image: 'orders:1' } });
    new CanaryService(c, 'payments', { port: 80, serviceIdentity: ServiceIdentity.named('shop'), stable: { image: 'payments:1' } });
    new CanaryService(c, 'search', { port: 80, serviceAccountName: 'search-sa-made-elsewhere', stable: { image: 'search:1' } });
    const m = synthChecked(c);
    expect(m.filter(o => o.kind === 'ServiceAccount').map(o => o.metadata.name)).toEqual(['shop']);
    expect(['cart', 'orders', 'payments', 'search'].map(s => only(m, 'Deployment', `${s}-v1`).spec.template.spec.serviceAccountName))
      .toEqual(['shop', 'shop', 'shop', 'search-sa-made-elsewhere']);
    const at = (kind: string, name: string) => m.findIndex(o => o.kind === kind && o.metadata.name === name);
    expect(at('ServiceAccount', 'shop')).toBeLessThan(at('Deployment', 'cart-v1'));
    expect(early.serviceAccount!.name).toBe('shop');
  });

  test('ServiceIdentity.namespaceDefault() creates no account and names none', () => {
    const c = chart();
    const svc = recommendation(c, { serviceIdentity: ServiceIdentity.namespaceDefault() });
    const m = synthChecked(c);
    expect(m.filter(o => o.kind === 'ServiceAccount')).toEqual([]);
    expect(only(m, 'Deployment', 'recommendation-v1').spec.template.spec.serviceAccountName).toBeUndefined();
    expect(svc.serviceAccount).toBeUndefined();
  });

  test('a service whose versions are all adopted creates no ServiceAccount', () => {
    const c = chart('onlineboutique');
    new CanaryService(c, 'productcatalogservice', { port: 3550, versions: [ServiceVersion.adopt('v1')] });
    expect(Testing.synth(c).filter(o => o.kind === 'ServiceAccount')).toEqual([]);
  });

  test('the cdk8s-plus pod defaults apply when nothing says otherwise', () => {
    const c = chart();
    recommendation(c);
    const m = synthChecked(c);
    const k = container(m, 'recommendation-v1');
    expect(k.resources).toEqual({ requests: { cpu: '1000m', memory: '512Mi' }, limits: { cpu: '1500m', memory: '2048Mi' } });
    expect(k.imagePullPolicy).toBe('Always');
    expect(k.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(only(m, 'Deployment', 'recommendation-v1').spec.template.spec.securityContext).toEqual({ fsGroupChangePolicy: 'Always', runAsNonRoot: true });
  });

  test('podDefaults apply to every created version; a version\'s own settings win, key by key', () => {
    const c = chart();
    recommendation(c, {
      podDefaults: {
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
        },
        securityContext: { readOnlyRootFilesystem: false, user: 1000 },
        podSecurityContext: { fsGroup: 2000 },
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      },
      canary: {
        image: `${IMAGE}:v2`,
        resources: { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(1024) } },
        securityContext: { user: 1001 },
        imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
      },
    });
    const m = synthChecked(c);
    const v1 = container(m, 'recommendation-v1');
    expect(v1.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(v1.securityContext).toMatchObject({ readOnlyRootFilesystem: false, runAsUser: 1000 });
    expect(v1.imagePullPolicy).toBe('IfNotPresent');
    const v2 = container(m, 'recommendation-v2');
    expect(v2.resources).toEqual({ requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '1024Mi' } });
    expect(v2.securityContext).toMatchObject({ readOnlyRootFilesystem: false, runAsUser: 1001 });
    expect(v2.imagePullPolicy).toBe('Always');
    for (const v of ['v1', 'v2']) {
      expect(only(m, 'Deployment', `recommendation-${v}`).spec.template.spec.securityContext).toMatchObject({ fsGroup: 2000, runAsNonRoot: true });
    }
  });
});

describe('CanaryService: bad input fails at synth time, naming path, field, value and fix', () => {
  const canary = (props: Partial<CanaryServiceProps>) => () => recommendation(chart(), props);

  test('weights that are not integers from 0 to 100', () => {
    expect(canary({ traffic: TrafficSplit.weights({ v1: 89.5, v2: 10.5 }) }))
      .toThrow(/\[test\/recommendation\] traffic.weights.v1: 89.5 is not an integer percentage. Use a whole number from 0 to 100/);
    expect(canary({ traffic: TrafficSplit.weights({ v1: 110, v2: -10 }) })).toThrow(/traffic.weights.v1: 110 is not an integer percentage/);
    expect(canary({ traffic: TrafficSplit.canaryPercent(101) })).toThrow(/traffic.canaryPercent: 101 is not an integer percentage/);
  });
  test('weights that do not sum to 100', () => {
    expect(canary({ traffic: TrafficSplit.weights({ v1: 90, v2: 20 }) }))
      .toThrow(/traffic.weights: \{"v1":90,"v2":20\} sum to 110, not 100. Give percentages that add up to exactly 100/);
  });
  test('the same version twice in a weight list', () => {
    expect(canary({ traffic: TrafficSplit.weightList([{ version: 'v1', weight: 50 }, { version: 'v1', weight: 50 }]) }))
      .toThrow(/traffic.weights: 'v1' is given twice/);
  });
  test('a version referenced but not declared', () => {
    expect(canary({ traffic: TrafficSplit.weights({ v1: 50, v3: 50 }) }))
      .toThrow(/traffic.weights: 'v3' is not a declared version. Use one of the declared versions \(v1, v2\)/);
    expect(canary({ traffic: TrafficSplit.allTo('v9') })).toThrow(/'v9' is not a declared version/);
    expect(canary({ canaryVersion: 'v3' })).toThrow(/\[test\/recommendation\] canaryVersion: 'v3' is not a declared version. Use one of: v1, v2/);
    expect(() => recommendation(chart()).subsetOf('v7')).toThrow(/version: 'v7' is not a declared version/);
  });
  test('duplicate versions', () => {
    expect(() => new CanaryService(chart(), 'r', { port: 80, versions: [ServiceVersion.deploy('v1', { image: 'a' }), ServiceVersion.deploy('v1', { image: 'b' })] }))
      .toThrow(/\[test\/r\] versions\[1\].name: 'v1' is declared twice. Give every version a distinct name/);
  });
  test('an adopted version whose version label another version already uses', () => {
    expect(() => new CanaryService(chart(), 'pc', {
      port: 80,
      versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'pc', version: 'v2' } }), ServiceVersion.deploy('v2', { image: 'pc:2' })],
    })).toThrow(/\[test\/pc\] versions\[v2\].podLabels.version: 'v2' is also the version label of version 'v1', so their subsets would select the same pods/);
  });
  test('version names that are not DNS labels', () => {
    expect(() => new CanaryService(chart(), 'r', { port: 80, versions: [ServiceVersion.deploy('v1.0', { image: 'a' })] }))
      .toThrow(/versions\[0\].name: 'v1.0' is not a DNS-1123 label/);
    expect(() => new CanaryService(chart(), 'r', { port: 80, versions: [ServiceVersion.deploy('V2', { image: 'a' })] }))
      .toThrow(/'V2' is not a DNS-1123 label/);
    expect(() => new CanaryService(chart(), 'r', { port: 80, versions: [ServiceVersion.deploy('v1', { image: 'a', subsetName: 'canary_v2' })] }))
      .toThrow(/versions\[v1\].subsetName: 'canary_v2' is not a DNS-1123 label/);
  });
  test('bad service names and no versions at all', () => {
    expect(() => new CanaryService(chart(), 'Reviews', { port: 80, stable: { image: 'a' } })).toThrow(/name: 'Reviews' is not a valid Service name/);
    expect(() => new CanaryService(chart(), 'r', { port: 80 })).toThrow(/\[test\/r\] versions: \[\] declares no version/);
    expect(canary({ versions: [ServiceVersion.deploy('v1', { image: 'a' })] })).toThrow(/is given together with 'stable'\/'canary'/);
  });
  test('a created workload without an image', () => {
    expect(canary({ canary: { image: '' } }))
      .toThrow(/versions\[v2\].image: '' is empty: a created workload needs a container image. Set 'image', or use ServiceVersion.adopt\(\)/);
  });
  test('a port outside 1..65535', () => {
    expect(canary({ port: 0 })).toThrow(/\[test\/recommendation\] port: 0 is not a port number. Use a whole number from 1 to 65535/);
    expect(canary({ port: 70000 })).toThrow(/port: 70000 is not a port number/);
    expect(canary({ targetPort: 8080.5 })).toThrow(/targetPort: 8080.5 is not a port number/);
    expect(canary({ stable: { image: 'a', containerPort: -1 } })).toThrow(/versions\[v1\].containerPort: -1 is not a port number/);
  });
  test('an unreachable replica-mode split', () => {
    expect(canary({ mode: RoutingMode.REPLICAS, traffic: TrafficSplit.canaryPercent(10), replicaBudget: 3 }))
      .toThrow(/replicaBudget: 3 cannot give v1 90% \/ v2 10% with plain Kubernetes load balancing: it needs pods in the ratio 9:1 \(a multiple of 10 pods in all\)/);
    expect(canary({ mode: RoutingMode.REPLICAS, stable: { image: 'a', replicas: 3 } })).toThrow(/versions\[v1\].replicas: 3 is computed from the split/);
    expect(canary({ replicaBudget: 4 })).toThrow(/replicaBudget: 4 only applies in RoutingMode.REPLICAS/);
    expect(() => new CanaryService(chart(), 'pc', { port: 80, mode: RoutingMode.REPLICAS, versions: [ServiceVersion.adopt('v1')] }))
      .toThrow(/is an adopted workload, whose replicas the library cannot set/);
  });
  test('an empty or decreasing step plan', () => {
    expect(canary({ traffic: TrafficSplit.stepPlan({ steps: [], currentStep: 0 }) }))
      .toThrow(/traffic.stepPlan.steps: \[\] is empty. List the canary percentage of each step/);
    expect(canary({ traffic: TrafficSplit.stepPlan({ steps: [10, 50, 25, 100], currentStep: 0 }) }))
      .toThrow(/traffic.stepPlan.steps: \[10,50,25,100\] decreases at index 2 \(50 then 25\)/);
    expect(canary({ traffic: TrafficSplit.stepPlan({ steps: [10, 150], currentStep: 0 }) }))
      .toThrow(/traffic.stepPlan.steps\[1\]: 150 is not an integer percentage/);
  });
  test('a step index out of range', () => {
    expect(canary({ traffic: TrafficSplit.stepPlan({ steps: [10, 25, 50, 100], currentStep: 4 }) }))
      .toThrow(/traffic.stepPlan.currentStep: 4 is not a step index of a plan with 4 steps. Use a whole number from 0 to 3/);
    expect(canary({ traffic: TrafficSplit.stepPlan({ steps: [10], currentStep: Number(undefined) }) }))
      .toThrow(/currentStep: NaN is not a step index/);
  });
  test('a split across one version only', () => {
    expect(() => new CanaryService(chart(), 'r', { port: 80, stable: { image: 'a' }, traffic: TrafficSplit.canaryPercent(10) }))
      .toThrow(/splits traffic, but the stable and canary version are both 'v1'/);
  });
  test('a containerPort that is not the targetPort the Service sends to', () => {
    expect(canary({ stable: { image: 'a', containerPort: 9090 } }))
      .toThrow(/\[test\/recommendation\] versions\[v1\]\.containerPort: 9090 is not the Service's targetPort 8080, so the Service would send this version's requests to a port its container does not expose\. Set targetPort: 9090 on the service if every version listens there, or remove containerPort/);
    expect(canary({ targetPort: 9090, canary: { image: 'a', containerPort: 8080 } }))
      .toThrow(/versions\[v2\]\.containerPort: 8080 is not the Service's targetPort 9090/);
  });
  test('two services that would both create one ServiceAccount', () => {
    const c = chart('shop');
    new CanaryService(c, 'cart', { port: 80, serviceIdentity: ServiceIdentity.own('shop'), stable: { image: 'cart:1' } });
    expect(() => new CanaryService(c, 'orders', { port: 80, serviceIdentity: ServiceIdentity.own('shop'), stable: { image: 'orders:1' } }))
      .toThrow(/\[test\/orders\] serviceIdentity\.name: 'shop' is also the ServiceAccount created by test\/cart in namespace 'shop'; two ServiceAccounts of one name and namespace cannot both be applied\. Share that account with serviceAccountName: 'shop', or give this service's account another name with ServiceIdentity\.own\('other-name'\)/);
    // The default account (named after the service) collides the same way.
    new CanaryService(c, 'payments', { port: 80, serviceIdentity: ServiceIdentity.own('search'), stable: { image: 'payments:1' } });
    expect(() => new CanaryService(c, 'search', { port: 80, stable: { image: 'search:1' } }))
      .toThrow(/\[test\/search\] serviceIdentity\.name: 'search' is also the ServiceAccount created by test\/payments/);
  });
  test('a ServiceAccount name or identity that cannot be used', () => {
    expect(canary({ serviceAccountName: 'Bad_Name' }))
      .toThrow(/\[test\/recommendation\] serviceAccountName: 'Bad_Name' is not a valid Kubernetes object name \(DNS-1123 subdomain\)\. Use lowercase letters/);
    expect(canary({ serviceIdentity: ServiceIdentity.own('-x') })).toThrow(/\[test\/recommendation\] serviceIdentity\.name: '-x' is not a valid Kubernetes object name/);
    expect(canary({ serviceIdentity: ServiceIdentity.named('') })).toThrow(/serviceIdentity\.name: '' is not a valid Kubernetes object name/);
    expect(canary({ serviceIdentity: ServiceIdentity.own('default') }))
      .toThrow(/serviceIdentity\.name: 'default' is the ServiceAccount every namespace already has; creating it would take it over .*Use ServiceIdentity\.namespaceDefault\(\) to run under it/);
    expect(canary({ serviceIdentity: 'own' as any }))
      .toThrow(/\[test\/recommendation\] serviceIdentity: 'own' is not a ServiceIdentity\. Use ServiceIdentity\.own\(\), ServiceIdentity\.own\('name'\), ServiceIdentity\.named\('name'\) or ServiceIdentity\.namespaceDefault\(\)/);
    expect(canary({ serviceAccountName: 'shop', serviceIdentity: ServiceIdentity.own() }))
      .toThrow(/serviceAccountName: 'shop' is given together with 'serviceIdentity'\. Use one of them/);
    expect(() => new CanaryService(chart(), 'pc', { port: 3550, serviceAccountName: 'pc', versions: [ServiceVersion.adopt('v1')] }))
      .toThrow(/\[test\/pc\] serviceAccountName: 'pc' has nothing to apply to: every version is adopted.*Remove 'serviceAccountName'/);
  });
  test('pod defaults and version settings of the wrong kind', () => {
    expect(canary({ podDefaults: 'small' as any })).toThrow(/\[test\/recommendation\] podDefaults: 'small' is not a settings object\. Pass an object/);
    expect(canary({ podDefaults: null as any })).toThrow(/podDefaults: null is null\. Leave the field out \(undefined\) for the default, or give it a value/);
    expect(canary({ podDefaults: { resources: 5 as any } })).toThrow(/podDefaults\.resources: 5 is not a settings object\. Pass an object such as \{ cpu:/);
    expect(canary({ podDefaults: { securityContext: [] as any } })).toThrow(/podDefaults\.securityContext: \[\] is not a settings object/);
    expect(canary({ podDefaults: { imagePullPolicy: 'Sometimes' as any } }))
      .toThrow(/podDefaults\.imagePullPolicy: 'Sometimes' is not an ImagePullPolicy\. Use one of kplus\.ImagePullPolicy\.ALWAYS, kplus\.ImagePullPolicy\.IF_NOT_PRESENT, kplus\.ImagePullPolicy\.NEVER/);
    expect(canary({ canary: { image: 'a', imagePullPolicy: 'always' as any } })).toThrow(/\[test\/recommendation\] versions\[v2\]\.imagePullPolicy: 'always' is not an ImagePullPolicy/);
    expect(canary({ stable: { image: 'a', podSecurityContext: 'root' as any } })).toThrow(/versions\[v1\]\.podSecurityContext: 'root' is not a settings object/);
  });
  test('two services with one name in one chart', () => {
    const c = chart();
    recommendation(c);
    expect(() => new CanaryService(c, 'again', { name: 'recommendation', port: 80, stable: { image: 'x' } }))
      .toThrow(/\[test\/again\] name: 'recommendation' in namespace 'tutorial' is already defined by test\/recommendation/);
  });
});

describe('CanaryService: how the versions are checked and resolved (mutation-tested)', () => {
  const canary = (props: Partial<CanaryServiceProps>) => () => recommendation(chart(), props);

  test('deployed version options: image, env, replicas and pod labels, with the whole message', () => {
    expect(canary({ stable: { image: 42 as any } }))
      .toThrow(/^\[test\/recommendation\] versions\[v1\]\.image: 42 is empty: a created workload needs a container image\. Set 'image', or use ServiceVersion\.adopt\(\) for a workload that already exists$/);
    expect(canary({ stable: { image: '   ' } })).toThrow(/versions\[v1\]\.image: ' {3}' is empty/);
    expect(canary({ stable: { image: 'Docker.io/Istio Reviews' } }))
      .toThrow(/^\[test\/recommendation\] versions\[v1\]\.image: 'Docker\.io\/Istio Reviews' is not a container image reference \(spaces, upper case in the path, or a malformed tag or digest\), so the kubelet cannot pull it\. Write it as \[registry\/\]path\[:tag\]\[@digest\], e\.g\. 'docker\.io\/istio\/examples-bookinfo-reviews-v2:1\.20\.2'$/);
    expect(canary({ stable: { image: 'a:1', env: 'LOG_LEVEL=debug' as any } }))
      .toThrow(/^\[test\/recommendation\] versions\[v1\]\.env: 'LOG_LEVEL=debug' is not a map of variable names to values\. Pass an object such as \{ LOG_LEVEL: 'debug' \}$/);
    expect(canary({ stable: { image: 'a:1', env: ['A'] as any } })).toThrow(/versions\[v1\]\.env: \["A"\] is not a map of variable names to values/);
    expect(canary({ stable: { image: 'a:1', env: { 'LOG LEVEL': 'debug' } } }))
      .toThrow(/^\[test\/recommendation\] versions\[v1\]\.env: 'LOG LEVEL' is not an environment variable name Kubernetes accepts \(empty, '=', spaces or non-ASCII\)\. Use letters, digits and '_' \(e\.g\. 'LOG_LEVEL'\)$/);
    expect(canary({ stable: { image: 'a:1', env: { PORT: 8080 as any } } }))
      .toThrow(/^\[test\/recommendation\] versions\[v1\]\.env\.PORT: 8080 is not a string\. Quote the value, e\.g\. '8080'$/);
    expect(canary({ mode: RoutingMode.REPLICAS, canary: { image: 'a:2', replicas: 2 } }))
      .toThrow(/^\[test\/recommendation\] versions\[v2\]\.replicas: 2 is computed from the split in RoutingMode\.REPLICAS\. Remove it; set the total with 'replicaBudget'$/);
    expect(canary({ stable: { image: 'a:1', replicas: -1 } })).toThrow(/^\[test\/recommendation\] versions\[v1\]\.replicas: -1 is not a whole number >= 0/);
    expect(canary({ stable: { image: 'a:1', podLabels: { app: 'other' } } }))
      .toThrow(/^\[test\/recommendation\] versions\[v1\]\.podLabels\.app: 'other' is set by the service construct itself\. Remove 'app' from podLabels$/);
    expect(canary({ canary: { image: 'a:2', podLabels: { version: 'v9' } } })).toThrow(/versions\[v2\]\.podLabels\.version: 'v9' is set by the service construct itself\. Remove 'version'/);
    expect(canary({ stable: { image: 'a:1', podLabels: { 'bad key!': 'x' } } })).toThrow(/versions\[v1\]\.podLabels/);
  });

  test('zero replicas is a valid count, and a version keeps the replicas it sets', () => {
    const m = synthChecked(recommendation(chart(), { stable: { image: 'a:1', replicas: 0 }, canary: { image: 'a:2' } }).node.scope as Chart);
    expect(only(m, 'Deployment', 'recommendation-v1').spec.replicas).toBe(0);
    expect(only(m, 'Deployment', 'recommendation-v2').spec.replicas).toBe(1);
  });

  test('adopted versions: replicas, labels and the workloads the chart knows to run', () => {
    expect(() => new CanaryService(chart(), 'pc', { port: 80, versions: [ServiceVersion.adopt('v1', { replicas: -1 })] }))
      .toThrow(/^\[test\/pc\] versions\[v1\]\.replicas: -1 is not a whole number >= 0/);
    expect(() => new CanaryService(chart(), 'pc', { port: 80, versions: [ServiceVersion.adopt('v1', { podLabels: { 'bad key!': 'x' } })] }))
      .toThrow(/versions\[v1\]\.podLabels/);
    expect(() => new CanaryService(chart(), 'pc', { port: 80, versions: [ServiceVersion.adopt('v1', { podLabels: { version: 'v1' } })] }))
      .toThrow(/^\[test\/pc\] versions\[v1\]\.podLabels\.app: undefined does not match the Service selector app=pc, so the Service would not reach these pods\. Add app: 'pc' to the adopted pods' labels$/);
    expect(() => new CanaryService(chart(), 'pc', { port: 80, versionLabel: 'track', versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'pc', version: 'v1' } })] }))
      .toThrow(/^\[test\/pc\] versions\[v1\]\.podLabels: \{"app":"pc","version":"v1"\} has no 'track' label, so no subset can select this version alone\. Label the existing pod template track=v1 and list it in podLabels$/);

    const c = chart('shop');
    const svc = new CanaryService(c, 'pc', {
      port: 80,
      versions: [
        ServiceVersion.adopt('v1', { replicas: 0 }),
        ServiceVersion.adopt('v2', { workloadName: 'pc-canary', replicas: 3, podLabels: { app: 'pc', version: 'v2', team: 'a' }, subsetName: 'canary' }),
        ServiceVersion.deploy('v3', { image: 'pc:3', replicas: 2 }),
      ],
      traffic: TrafficSplit.wholeService(),
    });
    expect(svc.split).toEqual([{ version: 'v1', weight: 0 }, { version: 'v2', weight: 3 }, { version: 'v3', weight: 2 }]);
    expect(svc.subsetOf('v2')).toBe('canary');
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'pc', version: 'v1' });
    expect(TrafficModel.of(c).knownWorkloads).toEqual([
      { name: 'pc-v1', namespace: 'shop', labels: { app: 'pc', version: 'v1' }, replicas: 0 },
      { name: 'pc-canary', namespace: 'shop', labels: { app: 'pc', version: 'v2', team: 'a' }, replicas: 3 },
    ]);
    const c2 = chart('shop');
    const svc2 = new CanaryService(c2, 'pc', { port: 80, versions: [ServiceVersion.adopt('v1'), ServiceVersion.deploy('v2', { image: 'pc:2' })], traffic: TrafficSplit.wholeService() });
    expect(svc2.split).toEqual([{ version: 'v1', weight: 1 }, { version: 'v2', weight: 1 }]);
    expect(TrafficModel.of(c2).knownWorkloads).toEqual([{ name: 'pc-v1', namespace: 'shop', labels: { app: 'pc', version: 'v1' }, replicas: 1 }]);
  });

  test('stable and canary versions, and lookups of undeclared versions, list the declared ones', () => {
    expect(canary({ stableVersion: 'v0' }))
      .toThrow(/^\[test\/recommendation\] stableVersion: 'v0' is not a declared version\. Use one of: v1, v2$/);
    const svc = recommendation(chart(), { stableVersion: 'v2', canaryVersion: 'v1' });
    expect([svc.stableVersion, svc.canaryVersion]).toEqual(['v2', 'v1']);
    expect(() => svc.podLabelsOf('v3')).toThrow(/^\[test\/recommendation\] version: 'v3' is not a declared version\. Use one of: v1, v2$/);
    expect(() => svc.deploymentOf('v3')).toThrow(/version: 'v3' is not a declared version/);
    const three = reviews(chart(), TrafficSplit.stable());
    expect([three.stableVersion, three.canaryVersion]).toEqual(['v1', 'v3']);
  });

  test('two versions with one version label, with the whole message', () => {
    expect(() => new CanaryService(chart(), 'pc', {
      port: 80,
      versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'pc', version: 'v2' } }), ServiceVersion.deploy('v2', { image: 'pc:2' })],
    })).toThrow(/\. Give every version its own version label value$/);
  });

  test('pod settings of the wrong kind name an example of the right one', () => {
    expect(canary({ podDefaults: [] as any })).toThrow(/^\[test\/recommendation\] podDefaults: \[\] is not a settings object\. Pass an object such as \{ resources: \{ cpu: \{ request: kplus\.Cpu\.millis\(100\) \} \} \}$/);
    expect(canary({ podDefaults: { resources: null as any } }))
      .toThrow(/^\[test\/recommendation\] podDefaults\.resources: null is not a settings object\. Pass an object such as \{ cpu: \{ request: kplus\.Cpu\.millis\(100\) \}, memory: \{ request: Size\.mebibytes\(128\) \} \}, or leave it out$/);
    expect(canary({ podDefaults: { securityContext: 'ro' as any } }))
      .toThrow(/podDefaults\.securityContext: 'ro' is not a settings object\. Pass an object such as \{ readOnlyRootFilesystem: false \}, or leave it out$/);
    expect(canary({ podDefaults: { podSecurityContext: [] as any } }))
      .toThrow(/podDefaults\.podSecurityContext: \[\] is not a settings object\. Pass an object such as \{ ensureNonRoot: false \}, or leave it out$/);
    expect(canary({ stable: { image: 'a:1', resources: 'small' as any } })).toThrow(/^\[test\/recommendation\] versions\[v1\]\.resources: 'small' is not a settings object/);
    const m = synthChecked(recommendation(chart(), { podDefaults: { imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT } }).node.scope as Chart);
    expect(only(m, 'Deployment', 'recommendation-v1').spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
  });
});

describe('CanaryService: its own checks and objects (mutation-tested)', () => {
  const canary = (props: Partial<CanaryServiceProps>) => () => recommendation(chart(), props);

  test('the version label, the replica budget and the shorthand: the whole message', () => {
    expect(canary({ versionLabel: 'app' }))
      .toThrow(/^\[test\/recommendation\] versionLabel: 'app' is the label every version shares \(the Service selects on 'app'\)\. Use a label that differs between versions, such as 'version'$/);
    expect(canary({ replicaBudget: 4 }))
      .toThrow(/^\[test\/recommendation\] replicaBudget: 4 only applies in RoutingMode\.REPLICAS\. Remove it, or set mode: RoutingMode\.REPLICAS; with Istio each version's replicas are set on the version$/);
    expect(canary({ mode: RoutingMode.REPLICAS, traffic: TrafficSplit.canaryPercent(10), replicaBudget: 0 }))
      .toThrow(/^\[test\/recommendation\] replicaBudget: 0 is not a whole number >= 1/);
    expect(canary({ mode: RoutingMode.REPLICAS, traffic: TrafficSplit.canaryPercent(10), replicaBudget: 3 }))
      .toThrow(/^\[test\/recommendation\] replicaBudget: 3 cannot give v1 90% \/ v2 10% with plain Kubernetes load balancing: it needs pods in the ratio 9:1 \(a multiple of 10 pods in all\)\. Set replicaBudget to a multiple of 10, choose a split that 3 pods can express, or use RoutingMode\.ISTIO for exact percentages$/);
    expect(canary({ versions: [ServiceVersion.deploy('v1', { image: 'a' }), ServiceVersion.adopt('v0')] }))
      .toThrow(/^\[test\/recommendation\] versions: \["v1","v0"\] is given together with 'stable'\/'canary'\. Use either 'versions' or the 'stable' \+ 'canary' shorthand, not both$/);
    expect(() => new CanaryService(chart(), 'r', { port: 80, canary: { image: 'a:2' } }))
      .toThrow(/^\[test\/r\] stable: undefined is not given while 'canary' is, so the canary would be the only version and take all traffic\. Give 'stable' \(the version that runs today\) next to 'canary', or declare the versions with 'versions'$/);
    // Only 'canary' next to 'versions' is also both.
    expect(() => new CanaryService(chart(), 'r', { port: 80, versions: [ServiceVersion.deploy('v1', { image: 'a' })], canary: { image: 'a:2' } }))
      .toThrow(/versions: \["v1"\] is given together with 'stable'\/'canary'/);
    const only1 = new CanaryService(chart(), 'r', { port: 80, stable: { image: 'a:1' } });
    expect(only1.versionNames).toEqual(['v1']);
  });

  test('RoutingMode.REPLICAS: a budget that is a multiple of the split, and a ratio of exactly 100 pods', () => {
    const c = chart();
    recommendation(c, { mode: RoutingMode.REPLICAS, traffic: TrafficSplit.canaryPercent(25), replicaBudget: 8 });
    const m = synthChecked(c);
    expect(only(m, 'Deployment', 'recommendation-v1').spec.replicas).toBe(6);
    expect(only(m, 'Deployment', 'recommendation-v2').spec.replicas).toBe(2);
    const c2 = chart();
    const svc = recommendation(c2, { mode: RoutingMode.REPLICAS, traffic: TrafficSplit.relative({ v1: 99, v2: 1 }) });
    expect(svc.split).toEqual([{ version: 'v1', weight: 99 }, { version: 'v2', weight: 1 }]);
    const m2 = Testing.synth(c2);
    expect(only(m2, 'Deployment', 'recommendation-v1').spec.replicas).toBe(99);
    expect(only(m2, 'Deployment', 'recommendation-v2').spec.replicas).toBe(1);
    expect(m2.map(o => o.kind)).not.toContain('VirtualService');
    expect(m2.map(o => o.kind)).not.toContain('DestinationRule');
    expect(canary({ mode: RoutingMode.REPLICAS, traffic: TrafficSplit.relative({ v1: 100, v2: 1 }) }))
      .toThrow(/^\[test\/recommendation\] traffic: \{"v1":100,"v2":1\} needs 101 pods to give v1 100\/101 \/ v2 1\/101 with plain Kubernetes load balancing\. Use relative weights of a smaller ratio \(e\.g\. \{ v1: 1, v2: 3 \}\), or RoutingMode\.ISTIO for exact shares$/);
    // A version at 0% gets no pods; the others keep the split's ratio.
    const c3 = chart();
    new CanaryService(c3, 'reviews', {
      port: 9080,
      mode: RoutingMode.REPLICAS,
      versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })),
      traffic: TrafficSplit.weights({ v1: 50, v2: 0, v3: 50 }),
    });
    expect(Testing.synth(c3).filter(o => o.kind === 'Deployment').map(o => o.spec.replicas)).toEqual([1, 0, 1]);
  });

  test('serviceExists: no Service, the routing as usual', () => {
    const c = chart();
    const svc = recommendation(c, { serviceExists: true, traffic: TrafficSplit.canaryPercent(10) });
    expect(svc.service).toBeUndefined();
    const m = Testing.synth(c);
    expect(m.map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/recommendation', 'Deployment/recommendation-v1', 'Deployment/recommendation-v2',
      'DestinationRule/recommendation', 'VirtualService/recommendation',
    ]);
    expect(defaultWeights(only(m, 'VirtualService', 'recommendation'))).toEqual({ v1: 90, v2: 10 });
    expect(svc.destinationRule).toBeDefined();
    expect(svc.virtualService).toBeDefined();
  });

  test('RoutingMode.REPLICAS makes no Istio object and still claims the ServiceAccount', () => {
    const c = chart();
    const svc = recommendation(c, { mode: RoutingMode.REPLICAS });
    expect(svc.destinationRule).toBeUndefined();
    expect(svc.virtualService).toBeUndefined();
    expect(() => new CanaryService(c, 'other', { port: 80, serviceIdentity: ServiceIdentity.own('recommendation'), stable: { image: 'o:1' } }))
      .toThrow(/serviceIdentity\.name: 'recommendation' is also the ServiceAccount created by test\/recommendation/);
  });

  test('releaseScope MESH: the split in the mesh, the stable version at the edge', () => {
    const c = chart();
    const svc = recommendation(c, { traffic: TrafficSplit.canaryPercent(10), releaseScope: ReleaseScope.MESH });
    new IngressEdge(c, 'edge', { hosts: ['*'], routes: [{ to: EdgeDestination.release(svc) }] });
    synthChecked(c);
    expect(RoutingSimulator.fromChart(c).route({ host: 'recommendation', sourceNamespace: 'tutorial' }).versionShares).toEqual({ v1: 90, v2: 10 });
    expect(RoutingSimulator.fromChart(c).route({ gateway: 'tutorial/edge', host: 'x.y' }).versionShares).toEqual({ v1: 100 });
    const c2 = chart();
    const svc2 = recommendation(c2, { traffic: TrafficSplit.canaryPercent(10) });
    new IngressEdge(c2, 'edge', { hosts: ['*'], routes: [{ to: EdgeDestination.release(svc2) }] });
    expect(RoutingSimulator.fromChart(c2).route({ gateway: 'tutorial/edge', host: 'x.y' }).versionShares).toEqual({ v1: 90, v2: 10 });
    expect(RoutingSimulator.fromChart(c2).route({ host: 'recommendation', sourceNamespace: 'tutorial' }).versionShares).toEqual({ v1: 90, v2: 10 });
  });

  test('ServiceIdentity.isServiceIdentity, and identities that apply to nothing', () => {
    expect(ServiceIdentity.isServiceIdentity(null)).toBe(false);
    expect(ServiceIdentity.isServiceIdentity('own')).toBe(false);
    expect(ServiceIdentity.isServiceIdentity({})).toBe(false);
    expect(ServiceIdentity.isServiceIdentity(ServiceIdentity.namespaceDefault())).toBe(true);
    expect(() => new CanaryService(chart(), 'pc', { port: 80, serviceIdentity: ServiceIdentity.own(), versions: [ServiceVersion.adopt('v1')] }))
      .toThrow(/^\[test\/pc\] serviceIdentity: \{.*\} has nothing to apply to: every version is adopted, and such workloads keep their own ServiceAccount\. Remove 'serviceIdentity'$/);
    const svc = new CanaryService(chart(), 'pc', { port: 80, versions: [ServiceVersion.adopt('v1')] });
    expect(svc.serviceAccount).toBeUndefined();
  });

  test('the Deployment: labels, name, namespace and the container\'s port name', () => {
    const c = chart();
    new CanaryService(c, 'ratings', {
      port: 9080,
      versionLabel: 'track',
      protocol: ServiceProtocol.GRPC,
      versions: [ServiceVersion.deploy('v1', { image: 'ratings:1', podLabels: { team: 'a' } })],
    });
    const m = synthChecked(c);
    const d = only(m, 'Deployment', 'ratings-v1');
    expect(d.metadata).toEqual({ name: 'ratings-v1', namespace: 'tutorial', labels: { app: 'ratings', track: 'v1' } });
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'ratings', track: 'v1' } });
    expect(d.spec.template.metadata.labels).toEqual({ app: 'ratings', track: 'v1', team: 'a' });
    expect(d.spec.template.spec.containers[0].name).toBe('ratings');
    expect(d.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 9080, name: 'grpc' }]);
    expect(d.spec.template.spec.containers[0].startupProbe).toBeUndefined();
    expect(only(m, 'Service', 'ratings').metadata).toEqual({ name: 'ratings', namespace: 'tutorial', labels: { app: 'ratings' } });
  });

  test('podDefaults: a version\'s setting left undefined keeps the default', () => {
    const c = chart();
    recommendation(c, {
      podDefaults: { securityContext: { readOnlyRootFilesystem: false, user: 1000 } },
      canary: { image: `${IMAGE}:v2`, securityContext: { user: undefined, group: 3000 } },
    });
    const v2 = only(synthChecked(c), 'Deployment', 'recommendation-v2').spec.template.spec.containers[0];
    expect(v2.securityContext).toMatchObject({ readOnlyRootFilesystem: false, runAsUser: 1000, runAsGroup: 3000 });
  });
});
