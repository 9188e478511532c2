import { ApiObject, Chart, JsonPatch, Size, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { CanaryService, CanaryServiceProps, MeshNamespace, RoutingMode, ServiceProtocol, ServiceVersion, TrafficSplit } from '../src';
import { defaultWeights, only, synthChecked } from './util';

const IMAGE = 'quay.io/rhdevelopers/istio-tutorial-recommendation';

function chart(namespace?: string): Chart {
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
      'Deployment/recommendation-v1', 'Deployment/recommendation-v2', 'Service/recommendation',
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

  test('namespace from the prop wins over the chart; no namespace leaves it to kubectl', () => {
    const c = chart('chart-ns');
    recommendation(c, { namespace: 'other' });
    expect(Testing.synth(c).every(o => o.metadata.namespace === 'other')).toBe(true);
    const bare = chart();
    recommendation(bare);
    expect(Testing.synth(bare).every(o => o.metadata.namespace === undefined)).toBe(true);
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
      serviceAccountName: 'bookinfo-ratings',
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

describe('MeshNamespace', () => {
  test('labels the namespace for injection and is applied first', () => {
    const c = chart('tutorial');
    recommendation(c);
    new MeshNamespace(c, 'tutorial');
    const m = synthChecked(c);
    expect(m[0]).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tutorial', labels: { 'istio-injection': 'enabled' } }, spec: {} });
  });
  test('revision-based installs use istio.io/rev', () => {
    const c = chart();
    new MeshNamespace(c, 'ns', { name: 'shop', revision: 'canary-1-30', labels: { team: 'shop' } });
    expect(Testing.synth(c)[0].metadata.labels).toEqual({ 'team': 'shop', 'istio.io/rev': 'canary-1-30' });
  });
  test('bad input', () => {
    expect(() => new MeshNamespace(chart(), 'ns', { labels: { 'istio-injection': 'disabled' } }))
      .toThrow(/\[test\/ns\] labels.istio-injection: 'disabled' is set by MeshNamespace itself/);
    expect(() => new MeshNamespace(chart(), 'Bad_NS')).toThrow(/\[test\/Bad_NS\] name: 'Bad_NS' is not a DNS-1123 label/);
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
  test('two services with one name in one chart', () => {
    const c = chart();
    recommendation(c);
    expect(() => new CanaryService(c, 'again', { name: 'recommendation', port: 80, stable: { image: 'x' } }))
      .toThrow(/\[test\/again\] name: 'recommendation' in namespace 'default' is already defined by test\/recommendation/);
  });
});
