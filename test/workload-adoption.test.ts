// How ServiceVersion.fromWorkload reads and labels a workload the app builds: which constructs are
// read through the cdk8s-plus model and which through their rendered JSON, the container ports and
// replicas it finds, the pod templates it refuses, and the JSON patches it writes. Every expectation
// here is a behaviour of the public API: the synthesized manifests, the split, or the error message.
import { ApiObject, Chart, JsonPatch, Lazy, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { CanaryService, CanaryServiceProps, ExistingService, ServiceProtocol, ServiceVersion, TrafficSplit } from '../src';
import { only } from './util';
import { TrafficModel } from '../src/model/traffic-model';

const IMAGE = 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2';

const USE = "Pass a cdk8s-plus Deployment or StatefulSet \\(any cdk8s-plus version\\), a KubeDeployment or KubeStatefulSet, or another API object whose 'spec\\.template' is a pod template";

function chart(): Chart {
  return new Chart(Testing.app(), 'test', { namespace: 'bookinfo' });
}

function reviews(c: Chart, versions: ServiceVersion[], extra: Partial<CanaryServiceProps> = {}): CanaryService {
  return new CanaryService(c, 'reviews', { port: 9080, versions, ...extra });
}

/** The pod template labels of the one object of `kind` named `name` in the chart's manifests. */
function templateOf(c: Chart, kind: string, name: string): any {
  return only(Testing.synth(c), kind, name).spec.template;
}

/** A pod template with one container listening on 9080. */
function podTemplate(metadata?: any): any {
  return {
    ...(metadata !== undefined ? { metadata } : {}),
    spec: { containers: [{ name: 'reviews', image: IMAGE, ports: [{ containerPort: 9080 }] }] },
  };
}

/** A plain `apps/v1` Deployment API object `reviews-v1` selecting `version=v1`, with `spec` merged in. */
function plainDeployment(scope: Construct, spec: any = {}, id = 'reviews-v1'): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: id },
    spec: { selector: { matchLabels: { version: 'v1' } }, template: podTemplate({ labels: { app: 'reviews' } }), ...spec },
  });
}

describe('pod templates the library refuses: the whole message, naming the workload and its kind', () => {
  const noTemplate = (path: string, kind: string) =>
    new RegExp(`^\\[test/reviews\\] versions\\[v1\\]\\.workload: 'test/${path} \\(a ${kind}\\)' has no pod template \\('spec\\.template' with 'spec\\.containers'\\), so it runs no pods\\. ${USE}$`);

  test.each<[string, any]>([
    ['a template that is a string', { template: 'reviews-pods' }],
    ['a template without a pod spec', { template: { metadata: { labels: { app: 'reviews' } } } }],
    ['a pod spec that is a string', { template: { spec: 'reviews' } }],
    ['a pod spec without containers', { template: { spec: { hostname: 'reviews' } } }],
    ['containers that are an object, not a list', { template: { spec: { containers: { name: 'reviews', image: IMAGE } } } }],
  ])('%s', (_name, spec) => {
    const c = chart();
    const d = plainDeployment(c, spec);
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)])).toThrow(noTemplate('reviews-v1', 'Deployment'));
  });

  test('a template or a pod spec set to null by a JSON patch', () => {
    const c = chart();
    const d = plainDeployment(c);
    d.addJsonPatch(JsonPatch.replace('/spec/template', null));
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)])).toThrow(noTemplate('reviews-v1', 'Deployment'));
    const c2 = chart();
    const d2 = plainDeployment(c2);
    d2.addJsonPatch(JsonPatch.replace('/spec/template/spec', null));
    expect(() => reviews(c2, [ServiceVersion.fromWorkload('v1', d2)])).toThrow(noTemplate('reviews-v1', 'Deployment'));
  });

  test('an API object whose toJson() throws something other than an Error, or renders nothing', () => {
    class Throwing extends ApiObject {
      constructor(scope: Construct, id: string, private readonly thrown: unknown) {
        super(scope, id, { apiVersion: 'apps/v1', kind: 'Deployment' });
      }
      public toJson(): any { throw this.thrown; }
    }
    const c = chart();
    const s = new Throwing(c, 'reviews-v1', 'the image is not pinned');
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', s)]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload: 'test\/reviews-v1 \(a Deployment\)' cannot be rendered to read its pod template \(the image is not pinned\)\. Fix the object so that it renders, or pass a cdk8s-plus workload$/);
    const c2 = chart();
    const u = new Throwing(c2, 'reviews-v1', undefined);
    expect(() => reviews(c2, [ServiceVersion.fromWorkload('v1', u)]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload: 'test\/reviews-v1 \(a Deployment\)' cannot be rendered to read its pod template \(undefined\)\. Fix the object/);

    class Empty extends ApiObject {
      public toJson(): any { return null; }
    }
    const c3 = chart();
    const e = new Empty(c3, 'reviews-v1', { apiVersion: 'apps/v1', kind: 'Deployment' });
    expect(() => reviews(c3, [ServiceVersion.fromWorkload('v1', e)])).toThrow(noTemplate('reviews-v1', 'Deployment'));
  });

  test('a construct whose default child is a construct but no API object', () => {
    const c = chart();
    const wrapper = new Construct(c, 'reviews-v1');
    new Construct(wrapper, 'Default');
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', wrapper)]))
      .toThrow(new RegExp(`^\\[test/reviews\\] versions\\[v1\\]\\.workload: 'test/reviews-v1' is not a Kubernetes object \\(no ApiObject renders it\\), so it runs no pods\\. ${USE}$`));
  });
});

describe('the pod template of an API object: labels written by JSON patches', () => {
  test('metadata without labels: the labels object is added next to the annotations', () => {
    const c = chart();
    plainDeployment(c, { template: podTemplate({ annotations: { team: 'books' } }) });
    const svc = reviews(c, [ServiceVersion.fromWorkload('v1', c.node.findChild('reviews-v1'))]);
    expect(templateOf(c, 'Deployment', 'reviews-v1').metadata).toEqual({ annotations: { team: 'books' }, labels: { app: 'reviews', version: 'v1' } });
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'reviews', version: 'v1' });
  });

  test('metadata or labels set to null by a JSON patch are replaced', () => {
    const c = chart();
    const d = plainDeployment(c);
    d.addJsonPatch(JsonPatch.replace('/spec/template/metadata/labels', null));
    reviews(c, [ServiceVersion.fromWorkload('v1', d)]);
    expect(templateOf(c, 'Deployment', 'reviews-v1').metadata).toEqual({ labels: { app: 'reviews', version: 'v1' } });
    const c2 = chart();
    const d2 = plainDeployment(c2);
    d2.addJsonPatch(JsonPatch.replace('/spec/template/metadata', null));
    reviews(c2, [ServiceVersion.fromWorkload('v1', d2)]);
    expect(templateOf(c2, 'Deployment', 'reviews-v1').metadata).toEqual({ labels: { app: 'reviews', version: 'v1' } });
  });

  test('a version label with a prefix is written as one key (the "/" escaped in the patch path)', () => {
    const c = chart();
    const d = plainDeployment(c, { selector: { matchLabels: { 'example.com/track': 'v1' } } });
    const svc = reviews(c, [ServiceVersion.fromWorkload('v1', d)], { versionLabel: 'example.com/track' });
    expect(templateOf(c, 'Deployment', 'reviews-v1').metadata.labels).toEqual({ 'app': 'reviews', 'example.com/track': 'v1' });
    expect(svc.podLabelsOf('v1')).toEqual({ 'app': 'reviews', 'example.com/track': 'v1' });
    expect(only(Testing.synth(c), 'DestinationRule', 'reviews').spec.subsets).toEqual([{ name: 'v1', labels: { 'example.com/track': 'v1' } }]);
  });

  test('an object without a selector has an empty one', () => {
    const c = chart();
    const d = plainDeployment(c, { selector: undefined });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.selector: \{\} is empty: test\/reviews-v1 \(Deployment 'reviews-v1'\) would select every pod of the namespace/);
  });

  test('a selector of expressions only is read from the JSON', () => {
    const c = chart();
    const d = plainDeployment(c, { selector: { matchExpressions: [{ key: 'version', operator: 'In', values: ['v1'] }] } });
    const svc = reviews(c, [ServiceVersion.fromWorkload('v1', d)]);
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'reviews', version: 'v1' });
    // The expression is what keeps the other version's pods out: without it, the selector would be empty.
    const c2 = chart();
    const d2 = plainDeployment(c2, { selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } });
    expect(() => reviews(c2, [ServiceVersion.fromWorkload('v1', d2), ServiceVersion.deploy('v2', { image: IMAGE })]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.selector: 'app Exists' also selects the pods of version 'v2'/);
  });

  test('container and port entries that are not objects, or name no port number, are skipped', () => {
    const c = chart();
    const d = plainDeployment(c, {
      template: {
        metadata: { labels: { app: 'reviews' } },
        spec: { containers: [null, { name: 'sidecar' }, { name: 'reviews', image: IMAGE, ports: [null, { name: 'http' }, { containerPort: 8080 }] }] },
      },
    });
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', d)]))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.template\.spec\.containers\[\]\.ports: \[8080\] are the ports test\/reviews-v1 \(Deployment 'reviews-v1'\) declares, and the Service's targetPort 9080 is not one of them/);
    // With no port number at all, the ports are not known to be wrong.
    const c2 = chart();
    const d2 = plainDeployment(c2, {
      template: { metadata: { labels: { app: 'reviews' } }, spec: { containers: [{ name: 'reviews', image: IMAGE, ports: [{ name: 'http' }] }] } },
    });
    expect(reviews(c2, [ServiceVersion.fromWorkload('v1', d2)]).podLabelsOf('v1')).toEqual({ app: 'reviews', version: 'v1' });
  });

  test('replicas: the object\'s own, else 1 (the Kubernetes default), in the split and the known workloads', () => {
    const c = chart();
    const rollout = (id: string, version: string, replicas?: number) => new ApiObject(c, id, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: id },
      spec: { replicas, selector: { matchLabels: { version } }, template: podTemplate({ labels: { app: 'reviews' } }) },
    });
    const v1 = rollout('reviews-v1', 'v1');
    const v2 = rollout('reviews-v2', 'v2', 3);
    const svc = reviews(c, [ServiceVersion.fromWorkload('v1', v1), ServiceVersion.fromWorkload('v2', v2)], { traffic: TrafficSplit.wholeService() });
    expect(svc.split).toEqual([{ version: 'v1', weight: 1 }, { version: 'v2', weight: 3 }]);
    expect(TrafficModel.of(c).knownWorkloads.map(w => [w.name, w.replicas])).toEqual([['Rollout/reviews-v1', 1], ['Rollout/reviews-v2', 3]]);
  });
});

describe('which constructs are read through the cdk8s-plus model', () => {
  test('a KubeDeployment nested in a cdk8s-plus Deployment (not its default child) is read as itself', () => {
    const c = chart();
    const outer = new kplus33.Deployment(c, 'outer', { containers: [{ image: IMAGE, portNumber: 9080, securityContext: { ensureNonRoot: false } }] });
    const inner = new kplus27.k8s.KubeDeployment(outer, 'reviews-v1', {
      metadata: { name: 'reviews-v1' },
      spec: { selector: { matchLabels: { version: 'v1' } }, template: podTemplate({ labels: { app: 'reviews' } }) },
    });
    reviews(c, [ServiceVersion.fromWorkload('v1', inner)]);
    const m = Testing.synth(c);
    expect(only(m, 'Deployment', 'reviews-v1').spec.template.metadata.labels).toEqual({ app: 'reviews', version: 'v1' });
    // The outer Deployment is not a version: its pods are not labelled.
    expect(outer.podMetadata.getLabel('app')).toBeUndefined();
    expect(outer.podMetadata.getLabel('version')).toBeUndefined();
  });

  test('an API object is read from its JSON even when it has members like a cdk8s-plus workload\'s', () => {
    class Lookalike extends ApiObject {
      public readonly podMetadata = { addLabel: () => undefined, getLabel: () => undefined, toJson: () => ({}) };
      public readonly matchLabels = {};
      public readonly containers = [];
    }
    const c = chart();
    const l = new Lookalike(c, 'reviews-v1', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'reviews-v1' },
      spec: { selector: { matchLabels: { version: 'v1' } }, template: podTemplate({ labels: { app: 'reviews' } }) },
    });
    reviews(c, [ServiceVersion.fromWorkload('v1', l)]);
    expect(templateOf(c, 'Deployment', 'reviews-v1').metadata.labels).toEqual({ app: 'reviews', version: 'v1' });
  });

  /** A construct of the app whose default child is a KubeDeployment, with `members` of its own. */
  function wrapped(scope: Construct, members: object): Construct {
    const w = new Construct(scope, 'reviews-v1');
    new kplus27.k8s.KubeDeployment(w, 'Resource', {
      metadata: { name: 'reviews-v1' },
      spec: { selector: { matchLabels: { version: 'v1' } }, template: podTemplate({ labels: { app: 'reviews' } }) },
    });
    return Object.assign(w, members);
  }
  const metadata = { addLabel: () => undefined, getLabel: () => undefined, toJson: () => ({}) };
  const { addLabel: _a, ...noAddLabel } = metadata;
  const { getLabel: _g, ...noGetLabel } = metadata;
  const { toJson: _t, ...noToJson } = metadata;

  test.each<[string, object]>([
    ['no cdk8s-plus members', {}],
    ['containers only', { containers: [] }],
    ['matchLabels and containers, no podMetadata', { matchLabels: {}, containers: [] }],
    ['a null podMetadata', { podMetadata: null, matchLabels: {}, containers: [] }],
    ['a podMetadata that is a string', { podMetadata: 'labels', matchLabels: {}, containers: [] }],
    ['a podMetadata without addLabel', { podMetadata: noAddLabel, matchLabels: {}, containers: [] }],
    ['a podMetadata without getLabel', { podMetadata: noGetLabel, matchLabels: {}, containers: [] }],
    ['a podMetadata without toJson', { podMetadata: noToJson, matchLabels: {}, containers: [] }],
    ['null matchLabels', { podMetadata: metadata, matchLabels: null, containers: [] }],
    ['matchLabels that are a string', { podMetadata: metadata, matchLabels: 'app=reviews', containers: [] }],
    ['containers that are not a list', { podMetadata: metadata, matchLabels: {}, containers: {} }],
  ])('a construct with %s is read from its API object\'s JSON', (_name, members) => {
    const c = chart();
    const w = wrapped(c, members);
    const svc = reviews(c, [ServiceVersion.fromWorkload('v1', w)]);
    // The labels are JSON patches of the API object, and the analysis reads them there too (it used to
    // read any construct with podMetadata.toJson() through that member, and failed the synth with
    // IST0173 although the Deployment had the labels).
    expect(templateOf(c, 'Deployment', 'reviews-v1').metadata.labels).toEqual({ app: 'reviews', version: 'v1' });
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'reviews', version: 'v1' });
  });

  /**
   * A workload recognised by the members cdk8s-plus workloads have (`podMetadata`, `matchLabels`,
   * `containers`), whose containers are given: its API object renders the pod metadata.
   */
  function plusLike(scope: Construct, containers: any[]): Construct {
    const labels: { [key: string]: string } = {};
    const podMetadata = {
      addLabel: (key: string, value: string) => { labels[key] = value; },
      getLabel: (key: string) => labels[key],
      toJson: () => ({ labels: { ...labels } }),
    };
    const w = new Construct(scope, 'reviews-v1');
    new kplus27.k8s.KubeDeployment(w, 'Resource', {
      metadata: { name: 'reviews-v1' },
      spec: {
        selector: { matchLabels: { version: 'v1' } },
        template: { metadata: Lazy.any({ produce: () => podMetadata.toJson() }), spec: { containers: [{ name: 'reviews', image: IMAGE }] } },
      },
    });
    return Object.assign(w, { podMetadata, matchLabels: { version: 'v1' }, containers });
  }

  test('containers known by portNumber only, by a list of ports only, and entries that are not objects', () => {
    const c = chart();
    expect(() => reviews(c, [ServiceVersion.fromWorkload('v1', plusLike(c, [null, { portNumber: 8080 }]))], { targetPort: 9090 }))
      .toThrow(/^\[test\/reviews\] versions\[v1\]\.workload\.spec\.template\.spec\.containers\[\]\.ports: \[8080\] are the ports test\/reviews-v1 \(Deployment 'reviews-v1'\) declares, and the Service's targetPort 9090 is not one of them/);
    const c2 = chart();
    expect(() => reviews(c2, [ServiceVersion.fromWorkload('v1', plusLike(c2, [{ ports: [null, { name: 'http' }, { number: 8081 }] }]))], { targetPort: 9090 }))
      .toThrow(/containers\[\]\.ports: \[8081\] are the ports test\/reviews-v1 \(Deployment 'reviews-v1'\) declares, and the Service's targetPort 9090 is not one of them/);
    // Ports that name no number, and a ports member that is not a list, declare no port.
    const c3 = chart();
    const svc = reviews(c3, [ServiceVersion.fromWorkload('v1', plusLike(c3, [{ ports: [{ name: 'http' }] }, { ports: 'http' }]))], { targetPort: 9090 });
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'reviews', version: 'v1' });
    // The labels go through the workload's podMetadata, which its API object renders.
    expect(templateOf(c3, 'Deployment', 'reviews-v1').metadata.labels).toEqual({ app: 'reviews', version: 'v1' });
  });

  test('a cdk8s-plus container with several ports: every port counts, not only portNumber', () => {
    const c = chart();
    const d = new kplus33.Deployment(c, 'reviews-v1', {
      metadata: { name: 'reviews-v1' },
      containers: [{ image: IMAGE, portNumber: 8080, ports: [{ number: 9080 }], securityContext: { ensureNonRoot: false } }],
    });
    reviews(c, [ServiceVersion.fromWorkload('v1', d)]);
    expect(templateOf(c, 'Deployment', 'reviews-v1').spec.containers[0].ports).toEqual([{ containerPort: 8080 }, { containerPort: 9080 }]);
    const c2 = chart();
    const d2 = new kplus33.Deployment(c2, 'reviews-v1', {
      metadata: { name: 'reviews-v1' },
      containers: [{ image: IMAGE, portNumber: 8080, ports: [{ number: 8081 }], securityContext: { ensureNonRoot: false } }],
    });
    expect(() => reviews(c2, [ServiceVersion.fromWorkload('v1', d2)])).toThrow(/containers\[\]\.ports: \[8080,8081\] are the ports test\/reviews-v1/);
  });

  test('replicas unset: a cdk8s-plus Deployment runs 2, a StatefulSet 1, as cdk8s-plus renders them', () => {
    const c = chart();
    const d = new kplus33.Deployment(c, 'reviews-v1', { metadata: { name: 'reviews-v1' }, containers: [{ image: IMAGE, portNumber: 9080 }] });
    const s = new kplus33.StatefulSet(c, 'reviews-v2', { metadata: { name: 'reviews-v2' }, containers: [{ image: IMAGE, portNumber: 9080 }] });
    const svc = reviews(c, [ServiceVersion.fromWorkload('v1', d), ServiceVersion.fromWorkload('v2', s)], { traffic: TrafficSplit.wholeService() });
    const m = Testing.synth(c);
    expect([only(m, 'Deployment', 'reviews-v1').spec.replicas, only(m, 'StatefulSet', 'reviews-v2').spec.replicas]).toEqual([2, 1]);
    expect(svc.split).toEqual([{ version: 'v1', weight: 2 }, { version: 'v2', weight: 1 }]);
  });
});

describe('ExistingService with versions the app builds or adopts', () => {
  test('defaults are read from the chart: namespace, port 80, HTTP, and the version label "version"', () => {
    const c = chart();
    const d = plainDeployment(c, { template: podTemplate({ labels: { app: 'legacy' } }) }, 'legacy-v1');
    const svc = new ExistingService(c, 'legacy', { versions: [ServiceVersion.fromWorkload('v1', d), ServiceVersion.adopt('v2')] });
    expect([svc.name, svc.namespace, svc.port, svc.protocol, svc.versionLabel]).toEqual(['legacy', 'bookinfo', 80, ServiceProtocol.HTTP, 'version']);
    expect([svc.stableVersion, svc.canaryVersion, svc.versionNames]).toEqual(['v1', 'v2', ['v1', 'v2']]);
    expect(svc.split).toEqual([{ version: 'v1', weight: 100 }, { version: 'v2', weight: 0 }]);
    expect(templateOf(c, 'Deployment', 'legacy-v1').metadata.labels).toEqual({ app: 'legacy', version: 'v1' });
    expect(svc.podLabelsOf('v2')).toEqual({ app: 'legacy', version: 'v2' });
  });

  test('a name, a namespace, a port, a protocol and a version label of its own', () => {
    const c = chart();
    const svc = new ExistingService(c, 'legacy', {
      name: 'db',
      namespace: 'data',
      port: 5432,
      protocol: ServiceProtocol.TCP,
      versionLabel: 'track',
      versions: [ServiceVersion.adopt('a'), ServiceVersion.adopt('b')],
      stableVersion: 'b',
      canaryVersion: 'a',
      traffic: TrafficSplit.canaryPercent(25),
    });
    expect([svc.name, svc.namespace, svc.port, svc.protocol, svc.versionLabel]).toEqual(['db', 'data', 5432, ServiceProtocol.TCP, 'track']);
    expect(svc.split).toEqual([{ version: 'a', weight: 25 }, { version: 'b', weight: 75 }]);
    const m = Testing.synth(c);
    expect(only(m, 'DestinationRule', 'db')).toMatchObject({
      metadata: { namespace: 'data' },
      spec: { host: 'db', subsets: [{ name: 'a', labels: { track: 'a' } }, { name: 'b', labels: { track: 'b' } }] },
    });
    expect(only(m, 'VirtualService', 'db').spec.tcp).toEqual([{
      route: [{ destination: { host: 'db', subset: 'a' }, weight: 25 }, { destination: { host: 'db', subset: 'b' }, weight: 75 }],
    }]);
  });

  test('what it refuses: a bad name, a bad namespace, a deployed version at any index, an unknown version', () => {
    expect(() => new ExistingService(chart(), 'legacy', { name: 'Legacy', versions: [ServiceVersion.adopt('v1')] })).toThrow(/^\[test\/legacy\] name: 'Legacy' /);
    expect(() => new ExistingService(chart(), 'legacy', { namespace: 'Data', versions: [ServiceVersion.adopt('v1')] })).toThrow(/^\[test\/legacy\] namespace: 'Data' /);
    expect(() => new ExistingService(chart(), 'legacy', { versions: [ServiceVersion.deploy('v1', { image: IMAGE }), ServiceVersion.adopt('v2')] }))
      .toThrow(/^\[test\/legacy\] versions\[0\]: 'v1' is a version the library would deploy, but an ExistingService only adopts\. Use ServiceVersion\.adopt\(\), or a CanaryService to deploy new versions$/);
    const svc = new ExistingService(chart(), 'legacy', { versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')] });
    expect(() => svc.subsetOf('v3')).toThrow(/^\[test\/legacy\] version: 'v3' is not a declared version\. Use one of: v1, v2$/);
    expect(() => svc.podLabelsOf('v3')).toThrow(/^\[test\/legacy\] version: 'v3' is not a declared version\. Use one of: v1, v2$/);
  });
});

describe('ServiceVersion: what it is, and what its factories refuse', () => {
  test('isServiceVersion: true for every kind of version, false for anything else', () => {
    const c = chart();
    const d = plainDeployment(c);
    for (const v of [ServiceVersion.adopt('v1'), ServiceVersion.deploy('v1', { image: IMAGE }), ServiceVersion.fromWorkload('v1', d)]) {
      expect(ServiceVersion.isServiceVersion(v)).toBe(true);
    }
    for (const x of [null, undefined, 'v1', 1, {}, { name: 'v1', isDeployed: false }, d]) {
      expect(ServiceVersion.isServiceVersion(x)).toBe(false);
    }
  });

  test('isDeployed and workload tell the three kinds apart', () => {
    const c = chart();
    const d = plainDeployment(c);
    const kinds = [ServiceVersion.deploy('v1', { image: IMAGE }), ServiceVersion.adopt('v1'), ServiceVersion.fromWorkload('v1', d, { subsetName: 'one' })];
    expect(kinds.map(v => [v.name, v.isDeployed, v.workload])).toEqual([['v1', true, undefined], ['v1', false, undefined], ['v1', false, d]]);
  });

  test('adopt without options: the pods carry app=<service> and <versionLabel>=<name>', () => {
    const svc = new ExistingService(chart(), 'legacy', { versionLabel: 'track', versions: [ServiceVersion.adopt('v1')] });
    expect(svc.podLabelsOf('v1')).toEqual({ app: 'legacy', track: 'v1' });
    expect(svc.subsetOf('v1')).toBe('v1');
  });

  test('deploy refuses options that are not an object, naming the value', () => {
    expect(() => ServiceVersion.deploy('v1', null as any)).toThrow(/^\[ServiceVersion\.deploy\] options: null is not a DeployedVersionOptions object\./);
    expect(() => ServiceVersion.deploy('v1', undefined as any))
      .toThrow(/^\[ServiceVersion\.deploy\] options: undefined is not a DeployedVersionOptions object\. Pass the version's options, e\.g\. \{ image: 'docker\.io\/istio\/examples-bookinfo-reviews-v2:1\.20\.2' \}$/);
    expect(() => ServiceVersion.deploy('v1', [IMAGE] as any)).toThrow(/^\[ServiceVersion\.deploy\] options: \["docker\.io.*"\] is not a DeployedVersionOptions object/);
    expect(() => ServiceVersion.deploy('v1', IMAGE as any)).toThrow(/^\[ServiceVersion\.deploy\] options: 'docker\.io.*' is not a DeployedVersionOptions object/);
  });

  test('fromWorkload refuses what is not a construct, naming the value, and null options', () => {
    const hint = 'Pass the workload construct: a cdk8s-plus Deployment or StatefulSet, a KubeDeployment, or an API object with a pod template';
    const notConstruct = (shown: string) => new RegExp(`^\\[ServiceVersion\\.fromWorkload\\] workload: ${shown} is not a construct\\. ${hint}$`);
    expect(() => ServiceVersion.fromWorkload('v1', undefined as any)).toThrow(notConstruct('undefined'));
    expect(() => ServiceVersion.fromWorkload('v1', 'reviews-v1' as any)).toThrow(notConstruct("'reviews-v1'"));
    expect(() => ServiceVersion.fromWorkload('v1', { node: 'test/reviews-v1' } as any)).toThrow(notConstruct('\\{"node":"test/reviews-v1"\\}'));
    expect(() => ServiceVersion.fromWorkload('v1', { node: null } as any)).toThrow(notConstruct('\\{"node":null\\}'));
    const d = plainDeployment(chart());
    expect(() => ServiceVersion.fromWorkload('v1', d, null as any))
      .toThrow(/^\[ServiceVersion\.fromWorkload\] options: null is null\. Leave the options out \(undefined\) for the defaults, or pass \{ subsetName: 'v2' \}$/);
    expect(() => ServiceVersion.fromWorkload('v1', d, { subsetName: 2 } as any)).toThrow(/^\[ServiceVersion\.fromWorkload\] options\.subsetName: 2 /);
  });
});
