// Versions the app builds itself (ServiceVersion.fromWorkload): cdk8s-plus-33 and cdk8s-plus-27
// workloads, KubeDeployments and plain API objects with a pod template.
import { ApiObject, Chart, Lazy, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import '../src/testing/jest';
import {
  Analysis, CanaryService, CanaryServiceProps, ExistingService, RoutingMode, RoutingSimulator, ServiceProtocol, ServiceVersion, Severity,
  TrafficSplit,
} from '../src';
import { only, synthChecked } from './util';
import { TrafficModel } from '../src/model/traffic-model';
import { SelectorRequirement, selectorSelects, showSelector } from '../src/workload-version';

const IMAGE = 'docker.io/istio/examples-bookinfo-reviews';

function chart(namespace: string | undefined = 'bookinfo'): Chart {
  return new Chart(Testing.app(), 'test', { namespace });
}

/** A cdk8s-plus-33 Deployment, as an app on cdk8s-plus-33 writes it. */
function deployment33(scope: Construct, id: string, props: Partial<kplus33.DeploymentProps> = {}): kplus33.Deployment {
  return new kplus33.Deployment(scope, id, {
    metadata: { name: id },
    replicas: 3,
    containers: [{ image: `${IMAGE}-v1:1.20.2`, portNumber: 9080, securityContext: { ensureNonRoot: false } }],
    ...props,
  });
}

/** A cdk8s-plus-33 StatefulSet (it creates its own headless Service). */
function statefulSet33(scope: Construct, id: string, props: Partial<kplus33.StatefulSetProps> = {}): kplus33.StatefulSet {
  return new kplus33.StatefulSet(scope, id, {
    metadata: { name: id },
    replicas: 1,
    containers: [{ image: `${IMAGE}-v2:1.20.2`, portNumber: 9080, securityContext: { ensureNonRoot: false } }],
    ...props,
  });
}

function reviews(c: Chart, versions: ServiceVersion[], extra: Partial<CanaryServiceProps> = {}): CanaryService {
  return new CanaryService(c, 'reviews', { port: 9080, versions, traffic: versions.length > 1 ? TrafficSplit.canaryPercent(10) : undefined, ...extra });
}

/** A pod template for plain API objects. */
/** An Argo Rollout `reviews-v2` (a plain ApiObject with a pod template), 4 replicas, selecting app=reviews, version=v2. */
function rolloutV2(scope: Construct): ApiObject {
  return new ApiObject(scope, 'reviews-v2', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'reviews-v2' },
    spec: { replicas: 4, selector: { matchLabels: { app: 'reviews', version: 'v2' } }, template: podTemplate({}) },
  });
}

function podTemplate(labels: { [key: string]: string } | undefined, port = 9080): any {
  return {
    ...(labels ? { metadata: { labels } } : {}),
    spec: { containers: [{ name: 'reviews', image: `${IMAGE}-v1:1.20.2`, ports: [{ containerPort: port }] }] },
  };
}

function errorsOf(c: Chart): string[] {
  return Analysis.findings(c).filter(f => f.severity === Severity.ERROR).map(f => `${f.code} ${f.message}`);
}

describe('cdk8s-plus-33 workloads as versions (an app on the newer cdk8s-plus)', () => {
  const c = chart();
  const v1 = deployment33(c, 'reviews-v1');
  const v2 = statefulSet33(c, 'reviews-v2');
  const svc = reviews(c, [ServiceVersion.fromWorkload('v1', v1), ServiceVersion.fromWorkload('v2', v2)]);
  const m = synthChecked(c);

  test('the app and version labels are added to the pod templates; the selectors are untouched', () => {
    const d = only(m, 'Deployment', 'reviews-v1');
    expect(d.spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v1' });
    expect(Object.keys(d.spec.selector.matchLabels)).toEqual(['cdk8s.io/metadata.addr']);
    expect(d.spec.replicas).toBe(3);
    const s = only(m, 'StatefulSet', 'reviews-v2');
    expect(s.spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v2' });
    expect(Object.keys(s.spec.selector.matchLabels)).toEqual(['cdk8s.io/metadata.addr']);
  });

  test('nothing is created for them: one Deployment, one StatefulSet, no ServiceAccount of the service', () => {
    expect(m.filter(o => o.kind === 'Deployment')).toHaveLength(1);
    expect(m.filter(o => o.kind === 'StatefulSet')).toHaveLength(1);
    expect(m.filter(o => o.kind === 'ServiceAccount')).toEqual([]);
    expect(svc.serviceAccount).toBeUndefined();
  });

  test('the Service selects app, the DestinationRule has one subset per version', () => {
    expect(only(m, 'Service', 'reviews').spec.selector).toEqual({ app: 'reviews' });
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ]);
  });

  test('the routing simulator sends 90% to the Deployment and 10% to the StatefulSet', () => {
    expect(c).toSplit({ host: 'reviews' }, { v1: 90, v2: 10 });
    const o = RoutingSimulator.fromChart(c).route({ host: 'reviews' });
    expect(o.versionShares).toEqual({ v1: 90, v2: 10 });
    expect(o.subsetShares).toEqual({ v1: 90, v2: 10 });
  });

  test('the analysis sees the workloads: no finding says a subset or the Service selects no pod', () => {
    const codes = Analysis.findings(c).map(f => f.code);
    expect(codes).not.toContain('CIT0001');
    expect(errorsOf(c)).toEqual([]);
  });

  test('the version knows its workload; the service reports labels and no created Deployment', () => {
    expect(svc.versionNames).toEqual(['v1', 'v2']);
    expect(svc.podLabelsOf('v1')).toMatchObject({ app: 'reviews', version: 'v1' });
    expect(svc.deploymentOf('v1')).toBeUndefined();
    const version = ServiceVersion.fromWorkload('v9', v1);
    expect(version.workload).toBe(v1);
    expect(version.isDeployed).toBe(false);
    expect(ServiceVersion.isServiceVersion(version)).toBe(true);
    expect(ServiceVersion.deploy('v1', { image: 'x:1' }).workload).toBeUndefined();
  });
});

describe('other kinds of workload', () => {
  test('a cdk8s-plus-27 Deployment, mixed with a version the library deploys', () => {
    const c = chart();
    const v1 = new kplus27.Deployment(c, 'reviews-v1', {
      metadata: { name: 'reviews-v1' },
      replicas: 2,
      containers: [{ image: `${IMAGE}-v1:1.20.2`, portNumber: 9080 }],
    });
    const svc = reviews(c, [ServiceVersion.fromWorkload('v1', v1), ServiceVersion.deploy('v2', { image: `${IMAGE}-v2:1.20.2` })]);
    const m = synthChecked(c);
    expect(only(m, 'Deployment', 'reviews-v1').spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v1' });
    expect(only(m, 'Deployment', 'reviews-v2').spec.template.metadata.labels).toEqual({ app: 'reviews', version: 'v2' });
    expect(svc.deploymentOf('v1')).toBeUndefined();
    expect(svc.deploymentOf('v2')).toBeDefined();
    // The library's ServiceAccount is for the version it creates; the brought one keeps its own.
    expect(only(m, 'Deployment', 'reviews-v2').spec.template.spec.serviceAccountName).toBe('reviews');
    expect(only(m, 'Deployment', 'reviews-v1').spec.template.spec.serviceAccountName).toBeUndefined();
    expect(c).toSplit({ host: 'reviews' }, { v1: 90, v2: 10 });
    expect(errorsOf(c)).toEqual([]);
  });

  test('a KubeDeployment that has the app label only: the version label is patched in', () => {
    const c = chart();
    const v1 = new kplus27.k8s.KubeDeployment(c, 'reviews-v1', {
      metadata: { name: 'reviews-v1' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'reviews', version: 'v1' } },
        template: podTemplate({ app: 'reviews' }),
      },
    });
    reviews(c, [ServiceVersion.fromWorkload('v1', v1), ServiceVersion.deploy('v2', { image: `${IMAGE}-v2:1.20.2` })]);
    const m = synthChecked(c);
    expect(only(m, 'Deployment', 'reviews-v1').spec.template.metadata.labels).toEqual({ app: 'reviews', version: 'v1' });
    expect(only(m, 'Deployment', 'reviews-v1').spec.selector).toEqual({ matchLabels: { app: 'reviews', version: 'v1' } });
    expect(RoutingSimulator.fromChart(c).route({ host: 'reviews' }).versionShares).toEqual({ v1: 90, v2: 10 });
  });

  test('a KubeStatefulSet whose template carries both labels already is left as it is', () => {
    const c = chart();
    const json = {
      serviceName: 'reviews',
      selector: { matchLabels: { app: 'reviews', version: 'v2' } },
      template: podTemplate({ app: 'reviews', version: 'v2', team: 'books' }),
    };
    const v2 = new kplus33.k8s.KubeStatefulSet(c, 'reviews-v2', { metadata: { name: 'reviews-v2' }, spec: json });
    const svc = reviews(c, [ServiceVersion.deploy('v1', { image: `${IMAGE}-v1:1.20.2` }), ServiceVersion.fromWorkload('v2', v2)]);
    const m = synthChecked(c);
    expect(only(m, 'StatefulSet', 'reviews-v2').spec).toEqual(json);
    expect(svc.podLabelsOf('v2')).toEqual({ app: 'reviews', version: 'v2', team: 'books' });
  });

  test('a plain ApiObject Deployment whose template has no metadata', () => {
    const c = chart();
    const v2 = new ApiObject(c, 'reviews-v2', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'reviews-v2' },
      spec: { selector: { matchLabels: { version: 'v2' } }, template: podTemplate(undefined) },
    });
    reviews(c, [ServiceVersion.deploy('v1', { image: `${IMAGE}-v1:1.20.2` }), ServiceVersion.fromWorkload('v2', v2)]);
    const m = synthChecked(c);
    expect(only(m, 'Deployment', 'reviews-v2').spec.template.metadata).toEqual({ labels: { app: 'reviews', version: 'v2' } });
    expect(c).toSplit({ host: 'reviews' }, { v1: 90, v2: 10 });
  });

  test('a plain ApiObject of another kind (an Argo Rollout): the simulator and the analysis see its pods', () => {
    const c = chart();
    const rollout = rolloutV2(c);
    reviews(c, [ServiceVersion.deploy('v1', { image: `${IMAGE}-v1:1.20.2` }), ServiceVersion.fromWorkload('v2', rollout, { subsetName: 'rollout' })]);
    const m = Testing.synth(c);
    expect(only(m, 'Rollout', 'reviews-v2').spec.template.metadata.labels).toEqual({ app: 'reviews', version: 'v2' });
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets[1]).toEqual({ name: 'rollout', labels: { version: 'v2' } });
    const o = RoutingSimulator.fromChart(c).route({ host: 'reviews' });
    expect(o.versionShares).toEqual({ v1: 90, v2: 10 });
    expect(Analysis.findings(c).map(f => f.code)).not.toContain('CIT0001');
    expect(errorsOf(c)).toEqual([]);
  });

  test('the API object of a cdk8s-plus workload (ApiObject.of) is labelled through the workload', () => {
    const c = chart();
    const v1 = deployment33(c, 'reviews-v1');
    const version = ServiceVersion.fromWorkload('v1', ApiObject.of(v1));
    reviews(c, [version, ServiceVersion.deploy('v2', { image: `${IMAGE}-v2:1.20.2` })]);
    expect(v1.podMetadata.getLabel('version')).toBe('v1');
    expect(only(synthChecked(c), 'Deployment', 'reviews-v1').spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v1' });
    expect(errorsOf(c)).toEqual([]);
    expect(c).toSplit({ host: 'reviews' }, { v1: 90, v2: 10 });
  });

  test('TrafficSplit.wholeService(): the shares are the workloads\' own replicas', () => {
    const c = chart();
    const v1 = deployment33(c, 'reviews-v1', { replicas: 3 });
    const v2 = deployment33(c, 'reviews-v2', { replicas: 1 });
    const svc = reviews(c, [ServiceVersion.fromWorkload('v1', v1), ServiceVersion.fromWorkload('v2', v2)], { traffic: TrafficSplit.wholeService() });
    expect(svc.split).toEqual([{ version: 'v1', weight: 3 }, { version: 'v2', weight: 1 }]);
    expect(c).toSplit({ host: 'reviews' }, { v1: 75, v2: 25 });
  });

  test('a selector on app and version (select: false), with the labels added by the library', () => {
    const c = chart();
    const v1 = deployment33(c, 'reviews-v1', { select: false });
    v1.select(kplus33.LabelSelector.of({ labels: { app: 'reviews', version: 'v1' } }));
    const v2 = deployment33(c, 'reviews-v2', { select: false });
    v2.select(kplus33.LabelSelector.of({ labels: { app: 'reviews' }, expressions: [kplus33.LabelExpression.in('version', ['v2'])] }));
    reviews(c, [ServiceVersion.fromWorkload('v1', v1), ServiceVersion.fromWorkload('v2', v2)]);
    const m = synthChecked(c);
    expect(only(m, 'Deployment', 'reviews-v1').spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v1' });
    expect(only(m, 'Deployment', 'reviews-v1').spec.selector.matchLabels).toEqual({ app: 'reviews', version: 'v1' });
    expect(c).toSplit({ host: 'reviews' }, { v1: 90, v2: 10 });
  });

  test('an ExistingService takes a workload of the chart, with a port that is not the pods\'', () => {
    const c = chart();
    const v2 = deployment33(c, 'reviews-v2');
    const svc = new ExistingService(c, 'reviews', {
      port: 80,
      versions: [ServiceVersion.adopt('v1'), ServiceVersion.fromWorkload('v2', v2)],
      traffic: TrafficSplit.canaryPercent(10),
    });
    const m = Testing.synth(c);
    expect(only(m, 'Deployment', 'reviews-v2').spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v2' });
    expect(svc.subsetOf('v2')).toBe('v2');
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ]);
    // The Service is not in the manifests, so the simulator knows the subsets' shares only.
    expect(RoutingSimulator.fromChart(c).route({ host: 'reviews', sourceNamespace: 'bookinfo' }).subsetShares).toEqual({ v1: 90, v2: 10 });
  });

  test('a workload in the chart\'s namespace, written without one, in a chart without a namespace', () => {
    const c = chart(undefined);
    const v1 = deployment33(c, 'reviews-v1');
    reviews(c, [ServiceVersion.fromWorkload('v1', v1)]);
    expect(only(Testing.synth(c), 'Deployment', 'reviews-v1').spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: 'v1' });
  });
});

describe('bad input', () => {
  test('no workload, or options of the wrong kind', () => {
    expect(() => ServiceVersion.fromWorkload('v1', null as any))
      .toThrow(/^\[ServiceVersion.fromWorkload\] workload: null is not a construct\. Pass the workload construct/);
    expect(() => ServiceVersion.fromWorkload('v1', { image: 'x' } as any)).toThrow(/\[ServiceVersion.fromWorkload\] workload: \{"image":"x"\} is not a construct/);
    const c = chart();
    const d = deployment33(c, 'reviews-v1');
    expect(() => ServiceVersion.fromWorkload('v1', d, null as any)).toThrow(/\[ServiceVersion.fromWorkload\] options: null is null/);
    expect(() => ServiceVersion.fromWorkload('v1', d, { addLabels: 'yes' } as any)).toThrow(/options.addLabels: 'yes' is not true or false/);
    expect(() => ServiceVersion.fromWorkload('v1', d, { replicas: 2 } as any)).toThrow(/options.replicas: 2 is not a field of WorkloadVersionOptions/);
  });

  test('a version name that is not a DNS label', () => {
    const c = chart();
    expect(() => reviews(c, [ServiceVersion.fromWorkload('V1', deployment33(c, 'reviews-v1'))]))
      .toThrow(/\[test\/reviews\] versions\[0\]\.name: 'V1' is not a DNS-1123 label/);
  });

  test('a ConfigMap, a construct without an object, a Job, an object without a pod template', () => {
    const c = chart();
    const cm = new kplus33.ConfigMap(c, 'config', { data: { a: 'b' } });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', cm)]))
      .toThrow(/\[test\/reviews\] versions\[v1\]\.workload: 'test\/config \(a ConfigMap\)' has no pod template \('spec.template' with 'spec.containers'\), so it runs no pods\. Pass a cdk8s-plus Deployment/);
    const c2 = chart();
    expect(() => reviews(c2, [ServiceVersion.fromWorkload('v1', new Construct(c2, 'empty'))]))
      .toThrow(/versions\[v1\]\.workload: 'test\/empty' is not a Kubernetes object \(no ApiObject renders it\)/);
    const c3 = chart();
    const job = new kplus33.Job(c3, 'job', { containers: [{ image: 'busybox:1' }] });
    expect(() => reviews(c3, [ServiceVersion.fromWorkload('v1', job)]))
      .toThrow(/versions\[v1\]\.workload: 'test\/job \(a Job\)' runs pods to completion/);
    const c4 = chart();
    const svc = new kplus27.k8s.KubeService(c4, 'svc', { spec: { ports: [{ port: 80 }] } });
    expect(() => reviews(c4, [ServiceVersion.fromWorkload('v1', svc)])).toThrow(/\(a Service\)' has no pod template/);
  });

  test('an API object that cannot be rendered', () => {
    const c = chart();
    const broken = new ApiObject(c, 'broken', {
      apiVersion: 'apps/v1', kind: 'Deployment', spec: Lazy.any({ produce: () => { throw new Error('boom'); } }),
    });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', broken)]))
      .toThrow(/versions\[v1\]\.workload: 'test\/broken \(a Deployment\)' cannot be rendered to read its pod template \(.*boom\)/);
  });

  test('a conflicting app label, naming both values', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1', { podMetadata: { labels: { app: 'ratings' } } });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)]))
      .toThrow(/versions\[v1\]\.workload\.spec\.template\.metadata\.labels\.app: 'ratings' is the 'app' label test\/reviews-v1 \(Deployment 'reviews-v1'\) gives its pods, but version 'v1' of service 'reviews' needs app=reviews .*Label the pod template app=reviews, or name the service 'ratings'/);
  });

  test('a conflicting version label, naming both values', () => {
    const c = chart();
    const d = new kplus27.k8s.KubeDeployment(c, 'reviews-v1', {
      metadata: { name: 'reviews-v1' },
      spec: { selector: { matchLabels: { app: 'reviews', version: 'stable' } }, template: podTemplate({ app: 'reviews', version: 'stable' }) },
    });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)]))
      .toThrow(/labels\.version: 'stable' is the 'version' label .* needs version=v1 .*or name the version 'stable'/);
  });

  test('a missing label with addLabels: false', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1', { podMetadata: { labels: { app: 'reviews' } } });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d, { addLabels: false })]))
      .toThrow(/versions\[v1\]\.workload\.spec\.template\.metadata\.labels: .* has no 'version' label, and addLabels is false/);
  });

  test('a workload in another namespace', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1', { metadata: { name: 'reviews-v1', namespace: 'other' } });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)]))
      .toThrow(/versions\[v1\]\.workload\.metadata\.namespace: 'other' is not the service's namespace 'bookinfo'.*Create the workload in namespace 'bookinfo'/);
  });

  test('a workload in another chart', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'bookinfo' });
    const b = new Chart(app, 'b', { namespace: 'bookinfo' });
    const d = deployment33(b, 'reviews-v1');
    expect(() => new CanaryService(a, 'reviews', { port: 9080, versions: [ServiceVersion.fromWorkload('v1', d)] }))
      .toThrow(/\[a\/reviews\] versions\[v1\]\.workload: 'b\/reviews-v1 \(Deployment 'reviews-v1'\)' is in chart 'b', not in the service's chart 'a'/);
  });

  test('containers that do not expose the targetPort', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1', { containers: [{ image: 'x:1', portNumber: 8080 }] });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)]))
      .toThrow(/containers\[\]\.ports: \[8080\] are the ports .* and the Service's targetPort 9080 is not one of them.*Expose port 9080/);
    // A container that declares no port is taken at its word: the port is not known to be wrong.
    const c2 = chart();
    reviews(c2, [ServiceVersion.fromWorkload('v1', deployment33(c2, 'reviews-v1', { containers: [{ image: 'x:1' }] }))]);
    const c3 = chart();
    const o = new kplus27.k8s.KubeDeployment(c3, 'reviews-v1', {
      spec: { selector: { matchLabels: { version: 'v1' } }, template: podTemplate({}, 8080) },
    });
    expect(() => reviews(c3, [ServiceVersion.fromWorkload('v1', o)])).toThrow(/ports: \[8080\] are the ports/);
  });

  test('RoutingMode.REPLICAS, which would have to set the workload\'s replicas', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1');
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d), ServiceVersion.deploy('v2', { image: 'x:2' })], { mode: RoutingMode.REPLICAS }))
      .toThrow(/versions\[v1\]: 'v1' is test\/reviews-v1 \(Deployment 'reviews-v1'\), a workload the app builds: its replicas are its own.*Use RoutingMode.ISTIO/);
  });

  test('a selector that also takes the other versions\' pods (two controllers fighting over pods)', () => {
    const c = chart();
    const v1 = deployment33(c, 'reviews-v1', { select: false });
    v1.select(kplus33.LabelSelector.of({ labels: { app: 'reviews' } }));
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', v1), ServiceVersion.deploy('v2', { image: 'x:2' })]))
      .toThrow(/versions\[v1\]\.workload\.spec\.selector: 'app=reviews' also selects the pods of version 'v2' .*the Deployment 'reviews-v1' and the workload of 'v2' would fight over those pods.*Add version: 'v1' to the workload's selector/);
  });

  test('an empty selector, and one that does not select the workload\'s own pods', () => {
    const c = chart();
    const v1 = deployment33(c, 'reviews-v1', { select: false });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', v1)]))
      .toThrow(/versions\[v1\]\.workload\.spec\.selector: \{\} is empty/);
    const c2 = chart();
    const v2 = deployment33(c2, 'reviews-v1', { select: false });
    v2.select(kplus33.LabelSelector.of({ labels: { tier: 'backend' } }));
    expect(() => reviews(c2, [ServiceVersion.fromWorkload('v1', v2)]))
      .toThrow(/versions\[v1\]\.workload\.spec\.selector: 'tier=backend' does not select the pods of/);
  });

  test('a serviceAccountName with only brought workloads', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1');
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)], { serviceAccountName: 'reviews' }))
      .toThrow(/serviceAccountName: 'reviews' has nothing to apply to: every version is adopted or a workload the app builds/);
  });

  test('two versions of one workload', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1');
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d), ServiceVersion.fromWorkload('v2', d)]))
      .toThrow(/versions\[v2\]\.workload\.spec\.template\.metadata\.labels\.version: 'v1' is the 'version' label/);
  });
});

describe('brought workloads: checks against the service, with the whole message (mutation-tested)', () => {
  test('the namespaces: the service\'s own over the chart\'s, and a workload written without one is in \'default\'', () => {
    // chart(undefined) would take the default 'bookinfo': charts of no namespace are made here.
    const c = new Chart(Testing.app(), 'test');
    const d = deployment33(c, 'reviews-v1', { metadata: { name: 'reviews-v1', namespace: 'other' } });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)], { namespace: 'shop' }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.metadata\.namespace: 'other' is not the service's namespace 'shop': the Service selects pods of its own namespace only, so test\/reviews-v1 \(Deployment 'reviews-v1'\) would get no requests\. Create the workload in namespace 'shop', or the service in namespace 'other'$/);
    const c2 = new Chart(Testing.app(), 'test');
    const d2 = deployment33(c2, 'reviews-v1', { metadata: { name: 'reviews-v1', namespace: 'shop' } });
    expect(reviews(c2, [ServiceVersion.fromWorkload('v1', d2)], { namespace: 'shop' }).versionNames).toEqual(['v1']);
    const c3 = new Chart(Testing.app(), 'test');
    const d3 = deployment33(c3, 'reviews-v1');
    expect(reviews(c3, [ServiceVersion.fromWorkload('v1', d3)], { namespace: 'default' }).versionNames).toEqual(['v1']);
    const c4 = chart('bookinfo');
    const d4 = deployment33(c4, 'reviews-v1', { metadata: { name: 'reviews-v1', namespace: 'default' } });
    expect(() => reviews(c4, [ServiceVersion.fromWorkload('v1', d4)])).toThrow(/namespace: 'default' is not the service's namespace 'bookinfo'/);
  });

  test('RoutingMode.REPLICAS, containers without the targetPort, an empty selector: the fix', () => {
    const c = chart();
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', deployment33(c, 'reviews-v1')), ServiceVersion.deploy('v2', { image: 'x:2' })], { mode: RoutingMode.REPLICAS }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]: 'v1' is test\/reviews-v1 \(Deployment 'reviews-v1'\), a workload the app builds: its replicas are its own, and RoutingMode\.REPLICAS would have to set them from the split\. Use RoutingMode\.ISTIO \(the workload keeps its replicas\), or let the library deploy the version with ServiceVersion\.deploy\(\)$/);
    const c2 = chart();
    const d2 = deployment33(c2, 'reviews-v1', { containers: [{ image: 'x:1', portNumber: 8080 }] });
    expect(() => reviews(c2, [ServiceVersion.fromWorkload('v1', d2)], { targetPort: 9090 }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.template\.spec\.containers\[\]\.ports: \[8080\] are the ports test\/reviews-v1 \(Deployment 'reviews-v1'\) declares, and the Service's targetPort 9090 is not one of them, so the Service would send this version's requests to a port no container listens on\. Expose port 9090 in the workload's container \(cdk8s-plus: portNumber: 9090\), or set targetPort to the port every version listens on$/);
    // The targetPort, not the Service port, is what the containers must expose.
    const c3 = chart();
    const d3 = deployment33(c3, 'reviews-v1', { containers: [{ image: 'x:1', portNumber: 8080 }] });
    reviews(c3, [ServiceVersion.fromWorkload('v1', d3)], { targetPort: 8080 });
    const c4 = chart();
    expect(() => reviews(c4, [ServiceVersion.fromWorkload('v1', deployment33(c4, 'reviews-v1', { select: false }))]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.selector: \{\} is empty: test\/reviews-v1 \(Deployment 'reviews-v1'\) would select every pod of the namespace, those of the other versions too\. Select the workload's own pods, e\.g\. cdk8s-plus: select: true \(the default\), or matchLabels \{ app: 'reviews', version: 'v1' \}$/);
    // A selector of expressions only is not empty.
    const c5 = chart();
    const d5 = deployment33(c5, 'reviews-v1', { select: false });
    d5.select(kplus33.LabelSelector.of({ expressions: [kplus33.LabelExpression.in('version', ['v1'])] }));
    reviews(c5, [ServiceVersion.fromWorkload('v1', d5)]);
  });

  test('an ExistingService does not check the containers\' ports against its Service port', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v2', { containers: [{ image: 'x:1', portNumber: 8080 }] });
    const svc = new ExistingService(c, 'reviews', { port: 80, versions: [ServiceVersion.adopt('v1'), ServiceVersion.fromWorkload('v2', d)] });
    expect(svc.versionNames).toEqual(['v1', 'v2']);
  });

  test('conflicting labels and missing labels with addLabels: false: the whole message', () => {
    const c = chart();
    const d = deployment33(c, 'reviews-v1', { podMetadata: { labels: { app: 'ratings' } } });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.template\.metadata\.labels\.app: 'ratings' is the 'app' label test\/reviews-v1 \(Deployment 'reviews-v1'\) gives its pods, but version 'v1' of service 'reviews' needs app=reviews \(the Service selects app\)\. Label the pod template app=reviews, or name the service 'ratings'$/);
    const c2 = chart();
    const d2 = new kplus27.k8s.KubeDeployment(c2, 'reviews-v1', {
      metadata: { name: 'reviews-v1' },
      spec: { selector: { matchLabels: { app: 'reviews', version: 'stable' } }, template: podTemplate({ app: 'reviews', version: 'stable' }) },
    });
    expect(() => reviews(c2, [ServiceVersion.fromWorkload('v1', d2)]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.template\.metadata\.labels\.version: 'stable' is the 'version' label test\/reviews-v1 \(Deployment 'reviews-v1'\) gives its pods, but version 'v1' of service 'reviews' needs version=v1 \(its subset selects that label\)\. Label the pod template version=v1, or name the version 'stable'$/);
    const c3 = chart();
    const d3 = deployment33(c3, 'reviews-v1', { podMetadata: { labels: { version: 'v1' } } });
    expect(() => reviews(c3, [ServiceVersion.fromWorkload('v1', d3, { addLabels: false })]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.template\.metadata\.labels: .* has no 'app' label, and addLabels is false, so the Service would not select these pods\. Label the pod template app=reviews, or leave addLabels unset so that the library adds it$/);
    const c4 = chart();
    const d4 = deployment33(c4, 'reviews-v1', { podMetadata: { labels: { app: 'reviews' } } });
    expect(() => reviews(c4, [ServiceVersion.fromWorkload('v1', d4, { addLabels: false })]))
      .toThrow(/has no 'version' label, and addLabels is false, so no subset could select this version alone\. Label the pod template version=v1, or leave/);
    // With both labels in place, addLabels: false is fine.
    const c5 = chart();
    const d5 = deployment33(c5, 'reviews-v1', { podMetadata: { labels: { app: 'reviews', version: 'v1' } } });
    const svc = reviews(c5, [ServiceVersion.fromWorkload('v1', d5, { addLabels: false })]);
    expect(svc.podLabelsOf('v1')).toMatchObject({ app: 'reviews', version: 'v1' });
  });

  test('a selector that misses the pods, one that takes another version\'s, and a bad subset name: the whole message', () => {
    const c = chart();
    const v = deployment33(c, 'reviews-v1', { select: false });
    v.select(kplus33.LabelSelector.of({ labels: { tier: 'backend' } }));
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', v)]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.selector: 'tier=backend' does not select the pods of test\/reviews-v1 \(Deployment 'reviews-v1'\) \(labels \{.*\}\), which Kubernetes refuses\. Select labels the pod template carries, e\.g\. the 'app' and version labels$/);
    const c2 = chart();
    const v1 = deployment33(c2, 'reviews-v1', { select: false });
    v1.select(kplus33.LabelSelector.of({ labels: { app: 'reviews' } }));
    expect(() => reviews(c2, [ServiceVersion.fromWorkload('v1', v1), ServiceVersion.deploy('v2', { image: 'x:2' })], { versionLabel: 'track' }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.selector: 'app=reviews' also selects the pods of version 'v2' \(labels \{"app":"reviews","track":"v2"\}\): the Deployment 'reviews-v1' and the workload of 'v2' would fight over those pods\. Add track: 'v1' to the workload's selector \(cdk8s-plus: select\(LabelSelector\.of\(\{ labels: \{ track: 'v1' \} \}\)\)\); a selector cannot change once applied, so a running Deployment must be replaced$/);
    const c3 = chart();
    expect(() => reviews(c3, [ServiceVersion.fromWorkload('v1', deployment33(c3, 'reviews-v1'), { subsetName: 'Stable' })]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.subsetName: 'Stable' is not a DNS-1123 label/);
    const c4 = chart();
    const svc = reviews(c4, [ServiceVersion.fromWorkload('v1', deployment33(c4, 'reviews-v1'), { subsetName: 'stable' })]);
    expect(svc.subsetOf('v1')).toBe('stable');
  });

  test('a brought workload of a kind outside the manifests\' workloads is known to the chart, in its own namespace', () => {
    const c = chart();
    const rollout = rolloutV2(c);
    const d = deployment33(c, 'reviews-v1');
    const svc = reviews(c, [ServiceVersion.fromWorkload('v1', d), ServiceVersion.fromWorkload('v2', rollout)], { traffic: TrafficSplit.wholeService() });
    expect(svc.split).toEqual([{ version: 'v1', weight: 3 }, { version: 'v2', weight: 4 }]);
    expect(TrafficModel.of(c).knownWorkloads).toEqual([
      { name: 'Rollout/reviews-v2', namespace: 'bookinfo', labels: { app: 'reviews', version: 'v2' }, replicas: 4 },
    ]);
  });
});

describe('ExistingService: defaults and what it refuses (mutation-tested)', () => {
  const adopt = [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')];

  test('by default: the chart namespace, port 80, HTTP, the version label "version"', () => {
    const c = chart('shop');
    const svc = new ExistingService(c, 'legacy', { versions: adopt, traffic: TrafficSplit.canaryPercent(20) });
    expect([svc.namespace, svc.port, svc.protocol]).toEqual(['shop', 80, ServiceProtocol.HTTP]);
    const m = Testing.synth(c);
    expect(only(m, 'DestinationRule', 'legacy').spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]);
    expect(only(m, 'VirtualService', 'legacy').spec.http).toEqual([{
      name: 'default',
      route: [{ destination: { host: 'legacy', subset: 'v1' }, weight: 80 }, { destination: { host: 'legacy', subset: 'v2' }, weight: 20 }],
    }]);
    // The Service is known to exist, though not in the manifests: the analysis does not call the host unknown.
    expect(Analysis.findings(c).map(f => f.code)).toEqual([]);
  });

  test('a namespace of its own, and a TCP service, route as such', () => {
    const c = chart('shop');
    const svc = new ExistingService(c, 'db', { namespace: 'data', port: 5432, protocol: ServiceProtocol.TCP, versions: adopt });
    expect([svc.namespace, svc.port]).toEqual(['data', 5432]);
    expect(only(Testing.synth(c), 'VirtualService', 'db')).toMatchObject({ metadata: { namespace: 'data' }, spec: { tcp: [expect.anything()] } });
  });

  test('a bad port, a bad version label, a version the library would deploy', () => {
    expect(() => new ExistingService(chart(), 'legacy', { port: 0, versions: adopt })).toThrow(/^\[test\/legacy\] port: 0 is not a port number/);
    expect(() => new ExistingService(chart(), 'legacy', { versionLabel: 'bad label', versions: adopt })).toThrow(/^\[test\/legacy\] versionLabel key: 'bad label' is not a valid label key/);
    expect(() => new ExistingService(chart(), 'legacy', { versions: [ServiceVersion.adopt('v1'), ServiceVersion.deploy('v2', { image: `${IMAGE}-v2:1` })] }))
      .toThrow(/^\[test\/legacy\] versions\[1\]: 'v2' is a version the library would deploy, but an ExistingService only adopts\. Use ServiceVersion\.adopt\(\), or a CanaryService to deploy new versions$/);
  });

  test('subsetOf and podLabelsOf name the field when the version is unknown; podLabelsOf returns a copy', () => {
    const svc = new ExistingService(chart(), 'legacy', { versions: [ServiceVersion.adopt('v1', { subsetName: 'stable', podLabels: { app: 'legacy', version: 'v1', track: 'a' } }), ServiceVersion.adopt('v2')] });
    expect(svc.subsetOf('v1')).toBe('stable');
    expect(() => svc.subsetOf('v9')).toThrow(/^\[test\/legacy\] version: 'v9' /);
    expect(() => svc.podLabelsOf('v9')).toThrow(/^\[test\/legacy\] version: 'v9' /);
    const labels = svc.podLabelsOf('v1');
    labels.track = 'changed';
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'legacy', track: 'a', version: 'v1' });
  });
});

describe('label selectors of brought workloads (Kubernetes semantics)', () => {
  const labels = { app: 'reviews', version: 'v1' };
  test.each<[string, { [k: string]: string }, SelectorRequirement[], boolean]>([
    ['matchLabels all present', { app: 'reviews' }, [], true],
    ['a matchLabels value differs', { app: 'ratings' }, [], false],
    ['In: the value is listed', {}, [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }], true],
    ['In: the value is not listed', {}, [{ key: 'version', operator: 'In', values: ['v2'] }], false],
    ['In: the key is absent', {}, [{ key: 'track', operator: 'In', values: ['a'] }], false],
    ['NotIn: the value is listed', {}, [{ key: 'version', operator: 'NotIn', values: ['v1'] }], false],
    ['NotIn: the value is not listed', {}, [{ key: 'version', operator: 'NotIn', values: ['v2'] }], true],
    ['NotIn: the key is absent', {}, [{ key: 'track', operator: 'NotIn', values: ['a'] }], true],
    ['Exists: present', {}, [{ key: 'app', operator: 'Exists' }], true],
    ['Exists: absent', {}, [{ key: 'track', operator: 'Exists' }], false],
    ['DoesNotExist: absent', {}, [{ key: 'track', operator: 'DoesNotExist' }], true],
    ['DoesNotExist: present', {}, [{ key: 'app', operator: 'DoesNotExist' }], false],
    ['an unknown operator selects nothing', {}, [{ key: 'app', operator: 'Gt', values: ['1'] }], false],
    ['every requirement must hold', { app: 'reviews' }, [{ key: 'version', operator: 'In', values: ['v1'] }, { key: 'track', operator: 'Exists' }], false],
  ])('%s', (_name, matchLabels, expressions, selected) => {
    expect(selectorSelects(matchLabels, expressions, labels)).toBe(selected);
  });

  test('a selector is shown as kubectl writes it', () => {
    expect(showSelector({}, [])).toBe('{}');
    expect(showSelector({ app: 'reviews' }, [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }, { key: 'track', operator: 'Exists' }]))
      .toBe('app=reviews, version In (v1, v2), track Exists');
  });
});
