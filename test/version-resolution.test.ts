// The versions of a service, as CanaryService and ExistingService resolve them: names, pod labels,
// subsets, the stable and canary version, the split in effect and the replicas behind it. Errors are
// checked as whole messages: the construct path, the field, the value, the problem and the fix.
import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import {
  Analysis, CanaryService, CanaryServiceProps, ExistingService, ExistingServiceProps, HealthProbe, RoutingMode, ServiceVersion, Severity,
  TrafficSplit,
} from '../src';
import { defaultWeights, exactly, only, synthChecked } from './util';
import { TrafficModel } from '../src/model/traffic-model';

const IMAGE = 'docker.io/istio/examples-bookinfo-reviews';

function chart(namespace: string | undefined = 'bookinfo'): Chart {
  return new Chart(Testing.app(), 'test', { namespace });
}


function deploy(name: string, extra: object = {}): ServiceVersion {
  return ServiceVersion.deploy(name, { image: `${IMAGE}-${name}:1.20.2`, ...extra });
}

function reviews(c: Chart, props: Partial<CanaryServiceProps>): CanaryService {
  return new CanaryService(c, 'reviews', { port: 9080, ...props });
}

function legacy(c: Chart, props: Partial<ExistingServiceProps>): ExistingService {
  return new ExistingService(c, 'legacy', { port: 8080, versions: [], ...props });
}

/** A cdk8s-plus-33 Deployment: 3 replicas, container port 9080. */
function deployment33(scope: Construct, id: string, props: Partial<kplus33.DeploymentProps> = {}): kplus33.Deployment {
  return new kplus33.Deployment(scope, id, {
    metadata: { name: id },
    replicas: 3,
    containers: [{ image: `${IMAGE}-v1:1.20.2`, portNumber: 9080, securityContext: { ensureNonRoot: false } }],
    ...props,
  });
}

/** A plain API object of a kind the manifests' analysis does not read as a workload (an Argo Rollout). */
function rollout(scope: Construct, id: string, replicas: number | undefined, labels: { [key: string]: string }, namespace?: string): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: id, ...(namespace ? { namespace } : {}) },
    spec: {
      ...(replicas !== undefined ? { replicas } : {}),
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: `${IMAGE}-v2:1.20.2`, ports: [{ containerPort: 9080 }] }] } },
    },
  });
}

describe('version names', () => {
  test('no version at all: CanaryService and ExistingService say how to declare one', () => {
    const fix = "Declare at least one version, e.g. versions: [ServiceVersion.deploy('v1', { image })], or use 'stable' and 'canary'";
    expect(() => reviews(chart(), {})).toThrow(exactly(`[test/reviews] versions: [] declares no version. ${fix}`));
    expect(() => reviews(chart(), { versions: [] })).toThrow(exactly(`[test/reviews] versions: [] declares no version. ${fix}`));
    expect(() => legacy(chart(), { versions: [] })).toThrow(exactly(`[test/legacy] versions: [] declares no version. ${fix}`));
  });

  test('a name that is not a DNS label is named by its index', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1'), ServiceVersion.deploy('V2', { image: 'x:2' })] }))
      .toThrow(exactly("[test/reviews] versions[1].name: 'V2' is not a DNS-1123 label. Use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. 'v2', 'reviews')"));
    expect(() => legacy(chart(), { versions: [ServiceVersion.adopt('v_1')] }))
      .toThrow(/^\[test\/legacy\] versions\[0\]\.name: 'v_1' is not a DNS-1123 label\./);
  });

  test('a name declared twice is refused at its second index; distinct names are all kept in order', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1'), deploy('v2'), deploy('v1')] }))
      .toThrow(exactly("[test/reviews] versions[2].name: 'v1' is declared twice. Give every version a distinct name"));
    expect(() => legacy(chart(), { versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v1')] }))
      .toThrow(exactly("[test/legacy] versions[1].name: 'v1' is declared twice. Give every version a distinct name"));
    const svc = reviews(chart(), { versions: [deploy('v3'), deploy('v1'), deploy('v2')] });
    expect(svc.versionNames).toEqual(['v3', 'v1', 'v2']);
  });

  test('two versions whose version labels are equal are refused: their subsets would select the same pods', () => {
    expect(() => legacy(chart(), {
      versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'legacy', version: 'blue' } }), ServiceVersion.adopt('v2', { podLabels: { app: 'legacy', version: 'blue' } })],
    })).toThrow(exactly("[test/legacy] versions[v2].podLabels.version: 'blue' is also the version label of version 'v1', so their subsets would select the same pods. Give every version its own version label value"));
    expect(() => reviews(chart(), {
      versionLabel: 'track',
      versions: [deploy('v1'), ServiceVersion.adopt('v2', { podLabels: { app: 'reviews', track: 'v1' } })],
    })).toThrow(exactly("[test/reviews] versions[v2].podLabels.track: 'v1' is also the track label of version 'v1', so their subsets would select the same pods. Give every version its own track label value"));
    // The same label values on other keys are fine: only the version label must differ.
    const svc = legacy(chart(), {
      versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'legacy', version: 'blue', tier: 'x' } }), ServiceVersion.adopt('v2', { podLabels: { app: 'legacy', version: 'green', tier: 'x' } })],
    });
    expect([svc.podLabelsOf('v1').version, svc.podLabelsOf('v2').version]).toEqual(['blue', 'green']);
  });

  test('an undeclared version asked of the service names the field and the declared versions', () => {
    const svc = reviews(chart(), { versions: [deploy('v1'), deploy('v2')] });
    expect(() => svc.subsetOf('v9')).toThrow(exactly("[test/reviews] version: 'v9' is not a declared version. Use one of: v1, v2"));
    expect(() => svc.podLabelsOf('v3')).toThrow(exactly("[test/reviews] version: 'v3' is not a declared version. Use one of: v1, v2"));
    expect(() => svc.deploymentOf('v0')).toThrow(/^\[test\/reviews\] version: 'v0' is not a declared version\. Use one of: v1, v2$/);
  });
});

describe('the stable and canary version', () => {
  test('by default the first and the last declared version; with one version both are it', () => {
    const svc = reviews(chart(), { versions: [deploy('v1'), deploy('v2'), deploy('v3')], traffic: TrafficSplit.canaryPercent(10) });
    expect([svc.stableVersion, svc.canaryVersion]).toEqual(['v1', 'v3']);
    expect(svc.split).toEqual([{ version: 'v1', weight: 90 }, { version: 'v2', weight: 0 }, { version: 'v3', weight: 10 }]);
    const one = reviews(chart(), { versions: [deploy('v1')], traffic: TrafficSplit.promote() });
    expect([one.stableVersion, one.canaryVersion]).toEqual(['v1', 'v1']);
    expect(one.split).toEqual([{ version: 'v1', weight: 100 }]);
  });

  test('stableVersion and canaryVersion choose others, and the split follows them', () => {
    const c = chart();
    const svc = reviews(c, { versions: [deploy('v1'), deploy('v2'), deploy('v3')], stableVersion: 'v2', canaryVersion: 'v1', traffic: TrafficSplit.canaryPercent(30) });
    expect([svc.stableVersion, svc.canaryVersion]).toEqual(['v2', 'v1']);
    expect(svc.split).toEqual([{ version: 'v1', weight: 30 }, { version: 'v2', weight: 70 }, { version: 'v3', weight: 0 }]);
    expect(defaultWeights(only(synthChecked(c), 'VirtualService', 'reviews'))).toEqual({ v1: 30, v2: 70 });
    const promoted = reviews(chart(), { versions: [deploy('v1'), deploy('v2'), deploy('v3')], canaryVersion: 'v2', traffic: TrafficSplit.promote() });
    expect(promoted.split.map(w => w.weight)).toEqual([0, 100, 0]);
    const stable = legacy(chart(), { versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')], stableVersion: 'v2' });
    expect(stable.split).toEqual([{ version: 'v1', weight: 0 }, { version: 'v2', weight: 100 }]);
  });

  test('an undeclared stableVersion or canaryVersion is refused, listing the declared ones', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1'), deploy('v2')], stableVersion: 'v0' }))
      .toThrow(exactly("[test/reviews] stableVersion: 'v0' is not a declared version. Use one of: v1, v2"));
    expect(() => reviews(chart(), { versions: [deploy('v1'), deploy('v2')], canaryVersion: 'v3' }))
      .toThrow(exactly("[test/reviews] canaryVersion: 'v3' is not a declared version. Use one of: v1, v2"));
  });

  test('no traffic given: everything on the stable version', () => {
    const svc = reviews(chart(), { versions: [deploy('v1'), deploy('v2')], stableVersion: 'v2' });
    expect(svc.split).toEqual([{ version: 'v1', weight: 0 }, { version: 'v2', weight: 100 }]);
  });
});

describe('the split in effect', () => {
  test('relative weights are kept as given, in declaration order, with undeclared ones at 0', () => {
    const c = chart();
    const svc = reviews(c, { versions: [deploy('v1'), deploy('v2'), deploy('v3')], traffic: TrafficSplit.relative({ v3: 1, v1: 2 }) });
    expect(svc.split).toEqual([{ version: 'v1', weight: 2 }, { version: 'v2', weight: 0 }, { version: 'v3', weight: 1 }]);
    expect(defaultWeights(only(synthChecked(c), 'VirtualService', 'reviews'))).toEqual({ v1: 2, v3: 1 });
  });

  test('a bad split is refused under the field traffic', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1'), deploy('v2')], traffic: TrafficSplit.weights({ v1: 60, v2: 30 }) }))
      .toThrow(exactly('[test/reviews] traffic.weights: {"v1":60,"v2":30} sum to 90, not 100. Give percentages that add up to exactly 100'));
  });

  test('TrafficSplit.wholeService(): the shares are the replicas, deployed, adopted or brought, else 1', () => {
    const c = chart();
    const brought = rollout(c, 'reviews-v5', 4, { app: 'reviews', version: 'v5' });
    const unset = rollout(c, 'reviews-v6', undefined, { app: 'reviews', version: 'v6' });
    const svc = reviews(c, {
      versions: [
        deploy('v1', { replicas: 2 }), deploy('v2'), ServiceVersion.adopt('v3', { replicas: 5 }), ServiceVersion.adopt('v4'),
        ServiceVersion.fromWorkload('v5', brought), ServiceVersion.fromWorkload('v6', unset),
      ],
      traffic: TrafficSplit.wholeService(),
    });
    expect(svc.split).toEqual([
      { version: 'v1', weight: 2 }, { version: 'v2', weight: 1 }, { version: 'v3', weight: 5 },
      { version: 'v4', weight: 1 }, { version: 'v5', weight: 4 }, { version: 'v6', weight: 1 },
    ]);
    // The route names the Service, no subset: no VirtualService until something needs one.
    expect(svc.virtualService).toBeUndefined();
    const m = synthChecked(c);
    expect(m.filter(o => o.kind === 'VirtualService')).toEqual([]);
    expect(only(m, 'Deployment', 'reviews-v1').spec.replicas).toBe(2);
    expect(only(m, 'Deployment', 'reviews-v2').spec.replicas).toBe(1);
  });

  test('TrafficSplit.wholeService() is refused in RoutingMode.REPLICAS and on an ExistingService', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1'), deploy('v2')], mode: RoutingMode.REPLICAS, traffic: TrafficSplit.wholeService() }))
      .toThrow(exactly("[test/reviews] traffic: 'TrafficSplit.wholeService()' leaves the shares to the replicas, while RoutingMode.REPLICAS sets the replicas from the shares. Use RoutingMode.ISTIO with TrafficSplit.wholeService() and set each version's replicas, or give RoutingMode.REPLICAS a split such as TrafficSplit.relative({ v1: 1, v2: 3 })"));
    expect(() => legacy(chart(), { versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')], traffic: TrafficSplit.wholeService() }))
      .toThrow(exactly("[test/legacy] traffic: 'TrafficSplit.wholeService()' is not supported by this service construct. Use a CanaryService, or a split to versions such as TrafficSplit.relative({ v1: 1, v2: 3 })"));
  });

  test('RoutingMode.REPLICAS with relative weights: the replicas realise the ratio', () => {
    const c = chart();
    const svc = reviews(c, { versions: [deploy('v1'), deploy('v2')], mode: RoutingMode.REPLICAS, traffic: TrafficSplit.relative({ v1: 1, v2: 3 }) });
    expect(svc.split).toEqual([{ version: 'v1', weight: 1 }, { version: 'v2', weight: 3 }]);
    const m = Testing.synth(c);
    expect(only(m, 'Deployment', 'reviews-v1').spec.replicas).toBe(1);
    expect(only(m, 'Deployment', 'reviews-v2').spec.replicas).toBe(3);
    expect(m.filter(o => o.kind === 'VirtualService' || o.kind === 'DestinationRule')).toEqual([]);
  });
});

describe('versions the library deploys', () => {
  test('pod labels: app and the version label, plus extra labels; subsets named by subsetName', () => {
    const c = chart();
    const svc = reviews(c, {
      versionLabel: 'track',
      versions: [deploy('v1', { podLabels: { team: 'books', version: 'old' } }), deploy('v2', { subsetName: 'canary' })],
      traffic: TrafficSplit.canaryPercent(25),
    });
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'reviews', track: 'v1', team: 'books', version: 'old' });
    expect(svc.podLabelsOf('v2')).toEqual({ app: 'reviews', track: 'v2' });
    expect([svc.subsetOf('v1'), svc.subsetOf('v2')]).toEqual(['v1', 'canary']);
    const m = synthChecked(c);
    expect(only(m, 'Deployment', 'reviews-v1').spec.template.metadata.labels).toEqual({ app: 'reviews', track: 'v1', team: 'books', version: 'old' });
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets).toEqual([
      { name: 'v1', labels: { track: 'v1' } }, { name: 'canary', labels: { track: 'v2' } },
    ]);
    expect(defaultWeights(only(m, 'VirtualService', 'reviews'))).toEqual({ v1: 75, canary: 25 });
  });

  test('podLabels may not set app or the version label; bad labels and subset names are refused', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1', { podLabels: { app: 'other' } })] }))
      .toThrow(exactly("[test/reviews] versions[v1].podLabels.app: 'other' is set by the service construct itself. Remove 'app' from podLabels"));
    expect(() => reviews(chart(), { versions: [deploy('v1', { podLabels: { version: 'v1' } })] }))
      .toThrow(exactly("[test/reviews] versions[v1].podLabels.version: 'v1' is set by the service construct itself. Remove 'version' from podLabels"));
    expect(() => reviews(chart(), { versions: [deploy('v1', { podLabels: { team: 'a b' } })] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.podLabels\.team: 'a b' is not a valid label value\./);
    expect(() => reviews(chart(), { versions: [deploy('v1', { subsetName: 'Canary' })] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.subsetName: 'Canary' is not a DNS-1123 label\./);
  });

  test('the options\' shape: a field of the wrong kind is named', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1', { command: 'run' })] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.command: 'run' /);
  });

  test('the image: missing, blank, not a string, or not an image reference', () => {
    const empty = "is empty: a created workload needs a container image. Set 'image', or use ServiceVersion.adopt() for a workload that already exists";
    expect(() => reviews(chart(), { versions: [ServiceVersion.deploy('v1', { image: '' })] })).toThrow(exactly(`[test/reviews] versions[v1].image: '' ${empty}`));
    expect(() => reviews(chart(), { versions: [ServiceVersion.deploy('v1', { image: '   ' })] })).toThrow(exactly(`[test/reviews] versions[v1].image: '   ' ${empty}`));
    expect(() => reviews(chart(), { versions: [ServiceVersion.deploy('v1', { image: 42 as any })] })).toThrow(exactly(`[test/reviews] versions[v1].image: 42 ${empty}`));
    expect(() => reviews(chart(), { versions: [ServiceVersion.deploy('v1', {} as any)] })).toThrow(exactly(`[test/reviews] versions[v1].image: undefined ${empty}`));
    expect(() => reviews(chart(), { versions: [ServiceVersion.deploy('v1', { image: 'Reviews:v1' })] }))
      .toThrow(exactly("[test/reviews] versions[v1].image: 'Reviews:v1' is not a container image reference (spaces, upper case in the path, or a malformed tag or digest), so the kubelet cannot pull it. Write it as [registry/]path[:tag][@digest], e.g. 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2'"));
    const c = chart();
    reviews(c, { versions: [ServiceVersion.deploy('v1', { image: 'reviews:v1' })] });
    expect(only(Testing.synth(c), 'Deployment', 'reviews-v1').spec.template.spec.containers[0].image).toBe('reviews:v1');
  });

  test('env: a map of names to string values, rendered on the container', () => {
    const c = chart();
    reviews(c, { versions: [deploy('v1', { env: { LOG_LEVEL: 'debug', _X1: '' } })] });
    const env = only(Testing.synth(c), 'Deployment', 'reviews-v1').spec.template.spec.containers[0].env;
    expect(env).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }, { name: '_X1', value: '' }]);
    const notMap = "is not a map of variable names to values. Pass an object such as { LOG_LEVEL: 'debug' }";
    expect(() => reviews(chart(), { versions: [deploy('v1', { env: 7 })] })).toThrow(exactly(`[test/reviews] versions[v1].env: 7 ${notMap}`));
    expect(() => reviews(chart(), { versions: [deploy('v1', { env: 'A=1' })] })).toThrow(exactly(`[test/reviews] versions[v1].env: 'A=1' ${notMap}`));
    expect(() => reviews(chart(), { versions: [deploy('v1', { env: ['A'] })] })).toThrow(exactly(`[test/reviews] versions[v1].env: ["A"] ${notMap}`));
    expect(() => reviews(chart(), { versions: [deploy('v1', { env: { 'A=B': 'x' } })] }))
      .toThrow(exactly("[test/reviews] versions[v1].env: 'A=B' is not an environment variable name Kubernetes accepts (empty, '=', spaces or non-ASCII). Use letters, digits and '_' (e.g. 'LOG_LEVEL')"));
    expect(() => reviews(chart(), { versions: [deploy('v1', { env: { OK: 'x', PORT: 8080 } })] }))
      .toThrow(exactly("[test/reviews] versions[v1].env.PORT: 8080 is not a string. Quote the value, e.g. '8080'"));
  });

  test('replicas: a whole number from 0, 1 when unset; computed from the split in RoutingMode.REPLICAS', () => {
    const c = chart();
    reviews(c, { versions: [deploy('v1', { replicas: 0 }), deploy('v2', { replicas: 4 }), deploy('v3')] });
    const m = Testing.synth(c);
    expect(['v1', 'v2', 'v3'].map(v => only(m, 'Deployment', `reviews-${v}`).spec.replicas)).toEqual([0, 4, 1]);
    expect(() => reviews(chart(), { versions: [deploy('v1', { replicas: -1 })] }))
      .toThrow(exactly('[test/reviews] versions[v1].replicas: -1 is not a whole number >= 0. Use a whole number of at least 0'));
    expect(() => reviews(chart(), { versions: [deploy('v1', { replicas: 1.5 })] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.replicas: 1\.5 is not a whole number >= 0\./);
    expect(() => reviews(chart(), { versions: [deploy('v1'), deploy('v2', { replicas: 2 })], mode: RoutingMode.REPLICAS }))
      .toThrow(exactly("[test/reviews] versions[v2].replicas: 2 is computed from the split in RoutingMode.REPLICAS. Remove it; set the total with 'replicaBudget'"));
  });

  test('pod settings: resources and security contexts are objects, imagePullPolicy one of the enum', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1', { resources: 'small' })] }))
      .toThrow(exactly("[test/reviews] versions[v1].resources: 'small' is not a settings object. Pass an object such as { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128) } }, or leave it out"));
    expect(() => reviews(chart(), { versions: [deploy('v1', { securityContext: true })] }))
      .toThrow(exactly('[test/reviews] versions[v1].securityContext: true is not a settings object. Pass an object such as { readOnlyRootFilesystem: false }, or leave it out'));
    expect(() => reviews(chart(), { versions: [deploy('v1', { podSecurityContext: [] })] }))
      .toThrow(exactly('[test/reviews] versions[v1].podSecurityContext: [] is not a settings object. Pass an object such as { ensureNonRoot: false }, or leave it out'));
    expect(() => reviews(chart(), { versions: [deploy('v1', { imagePullPolicy: 'Sometimes' })] }))
      .toThrow(exactly("[test/reviews] versions[v1].imagePullPolicy: 'Sometimes' is not an ImagePullPolicy. Use one of kplus.ImagePullPolicy.ALWAYS, kplus.ImagePullPolicy.IF_NOT_PRESENT, kplus.ImagePullPolicy.NEVER"));
    const c = chart();
    reviews(c, {
      versions: [deploy('v1', {
        imagePullPolicy: kplus.ImagePullPolicy.NEVER,
        securityContext: { readOnlyRootFilesystem: false },
        podSecurityContext: { ensureNonRoot: false },
        resources: { cpu: { request: kplus.Cpu.millis(250) } },
      })],
    });
    const pod = only(Testing.synth(c), 'Deployment', 'reviews-v1').spec.template.spec;
    expect(pod.containers[0].imagePullPolicy).toBe('Never');
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(false);
    expect(pod.containers[0].resources.requests.cpu).toBe('250m');
    expect(pod.securityContext.runAsNonRoot).toBe(false);
  });

  test('podDefaults are checked the same way, under their own field', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1')], podDefaults: 'small' as any }))
      .toThrow(exactly("[test/reviews] podDefaults: 'small' is not a settings object. Pass an object such as { resources: { cpu: { request: kplus.Cpu.millis(100) } } }"));
    expect(() => reviews(chart(), { versions: [deploy('v1')], podDefaults: 3 as any }))
      .toThrow(/^\[test\/reviews\] podDefaults: 3 is not a settings object\./);
    expect(() => reviews(chart(), { versions: [deploy('v1')], podDefaults: [] as any }))
      .toThrow(/^\[test\/reviews\] podDefaults: \[\] is not a settings object\./);
    // Inside podDefaults a null setting reaches the check (a version's options refuse null first).
    expect(() => reviews(chart(), { versions: [deploy('v1')], podDefaults: { securityContext: null as any } }))
      .toThrow(exactly('[test/reviews] podDefaults.securityContext: null is not a settings object. Pass an object such as { readOnlyRootFilesystem: false }, or leave it out'));
    expect(() => reviews(chart(), { versions: [deploy('v1')], podDefaults: { resources: 5 as any } }))
      .toThrow(/^\[test\/reviews\] podDefaults\.resources: 5 is not a settings object\./);
    expect(() => reviews(chart(), { versions: [deploy('v1')], podDefaults: { imagePullPolicy: 'always' as any } }))
      .toThrow(/^\[test\/reviews\] podDefaults\.imagePullPolicy: 'always' is not an ImagePullPolicy\./);
  });

  test('probes: each slot is checked under its own field', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1', { liveness: HealthProbe.httpGet('/healthz', { successThreshold: 2 }) })] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.liveness\.successThreshold: 2 is not 1, which Kubernetes requires for a liveness probe\./);
    expect(() => reviews(chart(), { versions: [deploy('v1', { startup: HealthProbe.tcpSocket({ successThreshold: 3 }) })] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.startup\.successThreshold: 3 is not 1, which Kubernetes requires for a startup probe\./);
    expect(() => reviews(chart(), { versions: [deploy('v1', { readiness: { path: '/' } })] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.readiness: \{"path":"\/"\} is not a probe\./);
  });

  test('containerPort: the targetPort, else refused; a bad one is not a port', () => {
    const c = chart();
    reviews(c, { port: 80, targetPort: 8080, versions: [deploy('v1', { containerPort: 8080 }), deploy('v2')] });
    const m = Testing.synth(c);
    expect(only(m, 'Deployment', 'reviews-v1').spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(only(m, 'Deployment', 'reviews-v2').spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(() => reviews(chart(), { port: 80, targetPort: 8080, versions: [deploy('v1', { containerPort: 9090 })] }))
      .toThrow(exactly("[test/reviews] versions[v1].containerPort: 9090 is not the Service's targetPort 8080, so the Service would send this version's requests to a port its container does not expose. Set targetPort: 9090 on the service if every version listens there, or remove containerPort (the container then listens on 8080)"));
    expect(() => reviews(chart(), { versions: [deploy('v1', { containerPort: 0 })] }))
      .toThrow(exactly('[test/reviews] versions[v1].containerPort: 0 is not a port number. Use a whole number from 1 to 65535'));
  });
});

describe('adopted versions', () => {
  test('by default the pods carry app=<service> and <versionLabel>=<name>; nothing is created for them', () => {
    const c = chart();
    const svc = legacy(c, { versionLabel: 'track', versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2', { subsetName: 'next' })], traffic: TrafficSplit.canaryPercent(40) });
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'legacy', track: 'v1' });
    expect(svc.subsetOf('v2')).toBe('next');
    const m = Testing.synth(c);
    expect(m.map(o => o.kind)).toEqual(['DestinationRule', 'VirtualService']);
    expect(only(m, 'DestinationRule', 'legacy').spec.subsets).toEqual([{ name: 'v1', labels: { track: 'v1' } }, { name: 'next', labels: { track: 'v2' } }]);
    expect(defaultWeights(only(m, 'VirtualService', 'legacy'))).toEqual({ v1: 60, next: 40 });
  });

  test('given pod labels are kept as given (a copy): the subset selects their version label', () => {
    const labels = { app: 'legacy', version: 'stable', tier: 'web' };
    const c = chart();
    const svc = legacy(c, { versions: [ServiceVersion.adopt('v1', { podLabels: labels })] });
    labels.version = 'changed';
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'legacy', version: 'stable', tier: 'web' });
    expect(only(Testing.synth(c), 'DestinationRule', 'legacy').spec.subsets).toEqual([{ name: 'v1', labels: { version: 'stable' } }]);
  });

  test('what is refused: RoutingMode.REPLICAS, bad replicas, labels without app or the version label, bad labels, bad subset names', () => {
    expect(() => reviews(chart(), { versions: [deploy('v1'), ServiceVersion.adopt('v2')], mode: RoutingMode.REPLICAS }))
      .toThrow(exactly("[test/reviews] versions[v2]: 'v2' is an adopted workload, whose replicas the library cannot set in RoutingMode.REPLICAS. Use RoutingMode.ISTIO, or let the library deploy the version"));
    expect(() => legacy(chart(), { versions: [ServiceVersion.adopt('v1', { replicas: -2 })] }))
      .toThrow(exactly('[test/legacy] versions[v1].replicas: -2 is not a whole number >= 0. Use a whole number of at least 0'));
    expect(() => legacy(chart(), { versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'other', version: 'v1' } })] }))
      .toThrow(exactly("[test/legacy] versions[v1].podLabels.app: 'other' does not match the Service selector app=legacy, so the Service would not reach these pods. Add app: 'legacy' to the adopted pods' labels"));
    expect(() => legacy(chart(), { versions: [ServiceVersion.adopt('v1', { podLabels: { version: 'v1' } })] }))
      .toThrow(exactly("[test/legacy] versions[v1].podLabels.app: undefined does not match the Service selector app=legacy, so the Service would not reach these pods. Add app: 'legacy' to the adopted pods' labels"));
    expect(() => legacy(chart(), { versionLabel: 'track', versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'legacy', version: 'v1' } })] }))
      .toThrow(exactly('[test/legacy] versions[v1].podLabels: {"app":"legacy","version":"v1"} has no \'track\' label, so no subset can select this version alone. Label the existing pod template track=v1 and list it in podLabels'));
    expect(() => legacy(chart(), { versions: [ServiceVersion.adopt('v1', { podLabels: { app: 'legacy', version: 'v 1' } })] }))
      .toThrow(/^\[test\/legacy\] versions\[v1\]\.podLabels\.version: 'v 1' is not a valid label value\./);
    expect(() => legacy(chart(), { versions: [ServiceVersion.adopt('v1', { subsetName: '-x' })] }))
      .toThrow(/^\[test\/legacy\] versions\[v1\]\.subsetName: '-x' is not a DNS-1123 label\./);
  });

  test('the analysis knows the adopted pods, named by workloadName or <service>-<version>, with their replicas', () => {
    const c = chart();
    legacy(c, {
      versions: [ServiceVersion.adopt('v1', { workloadName: 'legacy-blue', replicas: 2 }), ServiceVersion.adopt('v2')],
      traffic: TrafficSplit.canaryPercent(50),
    });
    expect(Analysis.findings(c).filter(f => f.severity === Severity.ERROR)).toEqual([]);
    expect(TrafficModel.of(c).knownWorkloads).toEqual([
      { name: 'legacy-blue', namespace: 'bookinfo', labels: { app: 'legacy', version: 'v1' }, replicas: 2 },
      { name: 'legacy-v2', namespace: 'bookinfo', labels: { app: 'legacy', version: 'v2' }, replicas: 1 },
    ]);
    // The service's namespace, not the chart's.
    const c2 = chart();
    legacy(c2, { namespace: 'other', versions: [ServiceVersion.adopt('v1')] });
    expect(TrafficModel.of(c2).knownWorkloads.map(w => w.namespace)).toEqual(['other']);
  });
});

describe('versions the app builds (ServiceVersion.fromWorkload)', () => {
  test('the labels are added where missing, the subset named, the replicas read; a Deployment is not a known workload', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1');
    const svc = reviews(c, { versions: [ServiceVersion.fromWorkload('v1', d, { subsetName: 'blue' }), deploy('v2')], traffic: TrafficSplit.canaryPercent(10) });
    expect(svc.podLabelsOf('v1')).toMatchObject({ app: 'reviews', version: 'v1' });
    expect(svc.subsetOf('v1')).toBe('blue');
    const m = synthChecked(c);
    expect(only(m, 'Deployment', 'reviews-v1').spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v1' });
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets[0]).toEqual({ name: 'blue', labels: { version: 'v1' } });
    expect(TrafficModel.of(c).knownWorkloads).toEqual([]);
  });

  test('a workload of another kind is known as <kind>/<name>, in its own namespace or the service\'s', () => {
    const c = chart('shop');
    const a = rollout(c, 'reviews-a', 2, { app: 'reviews', version: 'va' }, 'shop');
    const b = rollout(c, 'reviews-b', undefined, { app: 'reviews', version: 'vb' });
    reviews(c, { versions: [ServiceVersion.fromWorkload('va', a), ServiceVersion.fromWorkload('vb', b), ServiceVersion.adopt('vc')], traffic: TrafficSplit.canaryPercent(50) });
    expect(TrafficModel.of(c).knownWorkloads).toEqual([
      { name: 'reviews-vc', namespace: 'shop', labels: { app: 'reviews', version: 'vc' }, replicas: 1 },
      { name: 'Rollout/reviews-a', namespace: 'shop', labels: { app: 'reviews', version: 'va' }, replicas: 2 },
      { name: 'Rollout/reviews-b', namespace: 'shop', labels: { app: 'reviews', version: 'vb' }, replicas: 1 },
    ]);
  });

  test('a workload of another kind written without a namespace is known in the service\'s namespace', () => {
    const c = new Chart(Testing.app(), 'test');
    const r = rollout(c, 'reviews-r', 2, { app: 'reviews', version: 'vr' });
    reviews(c, { namespace: 'default', versions: [ServiceVersion.fromWorkload('vr', r)] });
    expect(TrafficModel.of(c).knownWorkloads).toEqual([
      { name: 'Rollout/reviews-r', namespace: 'default', labels: { app: 'reviews', version: 'vr' }, replicas: 2 },
    ]);
  });

  test('a workload in another chart or namespace, or in RoutingMode.REPLICAS, is refused', () => {
    const app = Testing.app();
    const c = new Chart(app, 'test', { namespace: 'bookinfo' });
    const other = new Chart(app, 'other', { namespace: 'bookinfo' });
    const d = deployment33(other, 'reviews-v1');
    expect(() => reviews(c, { versions: [ServiceVersion.fromWorkload('v1', d)] }))
      .toThrow(exactly("[test/reviews] versions[v1].workload: 'other/reviews-v1 (Deployment 'reviews-v1')' is in chart 'other', not in the service's chart 'test'; the labels, the analysis and the routing simulator of a chart work on that chart's objects. Create the workload in chart 'test', or the service in the workload's chart"));
    const c2 = chart('bookinfo');
    const d2 = deployment33(c2, 'reviews-v1', { metadata: { name: 'reviews-v1', namespace: 'shop' } });
    expect(() => reviews(c2, { versions: [ServiceVersion.fromWorkload('v1', d2)] }))
      .toThrow(exactly("[test/reviews] versions[v1].workload.metadata.namespace: 'shop' is not the service's namespace 'bookinfo': the Service selects pods of its own namespace only, so test/reviews-v1 (Deployment 'reviews-v1') would get no requests. Create the workload in namespace 'bookinfo', or the service in namespace 'shop'"));
    // No namespace anywhere but the service's: the workload is in 'default'.
    const c3 = new Chart(Testing.app(), 'test');
    const d3 = deployment33(c3, 'reviews-v1');
    expect(() => reviews(c3, { namespace: 'shop', versions: [ServiceVersion.fromWorkload('v1', d3)] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.metadata\.namespace: 'default' is not the service's namespace 'shop'/);
    const c4 = chart('bookinfo');
    expect(() => reviews(c4, { versions: [ServiceVersion.fromWorkload('v1', deployment33(c4, 'reviews-v1'))], mode: RoutingMode.REPLICAS }))
      .toThrow(exactly("[test/reviews] versions[v1]: 'v1' is test/reviews-v1 (Deployment 'reviews-v1'), a workload the app builds: its replicas are its own, and RoutingMode.REPLICAS would have to set them from the split. Use RoutingMode.ISTIO (the workload keeps its replicas), or let the library deploy the version with ServiceVersion.deploy()"));
  });

  test('ports: the containers must expose the targetPort (a CanaryService\'s), not the Service port of an ExistingService', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1', { containers: [{ image: 'x:1', portNumber: 8080 }] });
    expect(() => reviews(c, { versions: [ServiceVersion.fromWorkload('v1', d)] }))
      .toThrow(exactly("[test/reviews] versions[v1].workload.spec.template.spec.containers[].ports: [8080] are the ports test/reviews-v1 (Deployment 'reviews-v1') declares, and the Service's targetPort 9080 is not one of them, so the Service would send this version's requests to a port no container listens on. Expose port 9080 in the workload's container (cdk8s-plus: portNumber: 9080), or set targetPort to the port every version listens on"));
    const c2 = chart();
    const d2 = deployment33(c2, 'reviews-v1', { containers: [{ image: 'x:1', portNumber: 8080 }] });
    expect(reviews(c2, { targetPort: 8080, versions: [ServiceVersion.fromWorkload('v1', d2)] }).versionNames).toEqual(['v1']);
    // Containers that declare no port may listen anywhere.
    const c3 = chart();
    const d3 = deployment33(c3, 'reviews-v1', { containers: [{ image: 'x:1' }] });
    expect(reviews(c3, { versions: [ServiceVersion.fromWorkload('v1', d3)] }).versionNames).toEqual(['v1']);
    const c4 = chart();
    const d4 = deployment33(c4, 'legacy-v1', { containers: [{ image: 'x:1', portNumber: 9999 }] });
    expect(legacy(c4, { versions: [ServiceVersion.fromWorkload('v1', d4)] }).versionNames).toEqual(['v1']);
  });

  test('selectors: empty, not selecting its own pods, or also selecting another version\'s', () => {
    const c = chart();
    expect(() => reviews(c, { versions: [ServiceVersion.fromWorkload('v1', deployment33(c, 'reviews-v1', { select: false }))] }))
      .toThrow(exactly("[test/reviews] versions[v1].workload.spec.selector: {} is empty: test/reviews-v1 (Deployment 'reviews-v1') would select every pod of the namespace, those of the other versions too. Select the workload's own pods, e.g. cdk8s-plus: select: true (the default), or matchLabels { app: 'reviews', version: 'v1' }"));
    const c2 = chart();
    const d2 = deployment33(c2, 'reviews-v1', { select: false });
    d2.select(kplus33.LabelSelector.of({ labels: { tier: 'web' } }));
    expect(() => reviews(c2, { versions: [ServiceVersion.fromWorkload('v1', d2)] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.selector: 'tier=web' does not select the pods of test\/reviews-v1 \(Deployment 'reviews-v1'\) \(labels \{"app":"reviews","cdk8s\.io\/metadata\.addr":"[0-9a-z-]+","version":"v1"\}\), which Kubernetes refuses\. Select labels the pod template carries, e\.g\. the 'app' and version labels$/);
    const c3 = chart();
    const d3 = deployment33(c3, 'reviews-v2', { select: false });
    d3.select(kplus33.LabelSelector.of({ labels: { app: 'reviews' } }));
    expect(() => reviews(c3, { versions: [deploy('v1'), ServiceVersion.fromWorkload('v2', d3)] }))
      .toThrow(exactly("[test/reviews] versions[v2].workload.spec.selector: 'app=reviews' also selects the pods of version 'v1' (labels {\"app\":\"reviews\",\"version\":\"v1\"}): the Deployment 'reviews-v2' and the workload of 'v1' would fight over those pods. Add version: 'v2' to the workload's selector (cdk8s-plus: select(LabelSelector.of({ labels: { version: 'v2' } }))); a selector cannot change once applied, so a running Deployment must be replaced"));
    // A selector of expressions only is not empty, and one on the version label keeps to its pods.
    const c4 = chart();
    const d4 = deployment33(c4, 'reviews-v2', { select: false });
    d4.select(kplus33.LabelSelector.of({ expressions: [kplus33.LabelExpression.in('version', ['v2'])] }));
    expect(reviews(c4, { versions: [deploy('v1'), ServiceVersion.fromWorkload('v2', d4)] }).versionNames).toEqual(['v1', 'v2']);
  });

  test('labels: a conflicting app or version label; a missing one with addLabels: false', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1', { podMetadata: { labels: { app: 'ratings' } } });
    expect(() => reviews(c, { versions: [ServiceVersion.fromWorkload('v1', d)] }))
      .toThrow(exactly("[test/reviews] versions[v1].workload.spec.template.metadata.labels.app: 'ratings' is the 'app' label test/reviews-v1 (Deployment 'reviews-v1') gives its pods, but version 'v1' of service 'reviews' needs app=reviews (the Service selects app). Label the pod template app=reviews, or name the service 'ratings'"));
    const c2 = chart();
    const d2 = deployment33(c2, 'reviews-v1', { podMetadata: { labels: { track: 'blue' } } });
    expect(() => reviews(c2, { versionLabel: 'track', versions: [ServiceVersion.fromWorkload('v1', d2)] }))
      .toThrow(exactly("[test/reviews] versions[v1].workload.spec.template.metadata.labels.track: 'blue' is the 'track' label test/reviews-v1 (Deployment 'reviews-v1') gives its pods, but version 'v1' of service 'reviews' needs track=v1 (its subset selects that label). Label the pod template track=v1, or name the version 'blue'"));
    const c3 = chart();
    const d3 = deployment33(c3, 'reviews-v1', { podMetadata: { labels: { version: 'v1' } } });
    expect(() => reviews(c3, { versions: [ServiceVersion.fromWorkload('v1', d3, { addLabels: false })] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.template\.metadata\.labels: \{.*\} has no 'app' label, and addLabels is false, so the Service would not select these pods\. Label the pod template app=reviews, or leave addLabels unset so that the library adds it$/);
    const c4 = chart();
    const d4 = deployment33(c4, 'reviews-v1', { podMetadata: { labels: { app: 'reviews' } } });
    expect(() => reviews(c4, { versions: [ServiceVersion.fromWorkload('v1', d4, { addLabels: false })] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.template\.metadata\.labels: \{.*\} has no 'version' label, and addLabels is false, so no subset could select this version alone\. Label the pod template version=v1, or leave addLabels unset so that the library adds it$/);
    // Both labels in place: addLabels: false changes nothing.
    const c5 = chart();
    const d5 = deployment33(c5, 'reviews-v1', { podMetadata: { labels: { app: 'reviews', version: 'v1' } } });
    expect(reviews(c5, { versions: [ServiceVersion.fromWorkload('v1', d5, { addLabels: false })] }).podLabelsOf('v1')).toMatchObject({ app: 'reviews', version: 'v1' });
  });

  test('a bad subset name of a brought workload', () => {
    const c = chart();
    expect(() => reviews(c, { versions: [ServiceVersion.fromWorkload('v1', deployment33(c, 'reviews-v1'), { subsetName: 'Blue' })] }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.subsetName: 'Blue' is not a DNS-1123 label\./);
  });
});
