// MeshNamespace: a namespace labelled for sidecar injection, written before the objects that live in it.
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { CanaryService, IstioTrafficErrors, MeshNamespace } from '../src';
import { synthChecked } from './util';

const IMAGE = 'quay.io/rhdevelopers/istio-tutorial-recommendation';

function chart(namespace: string | undefined = 'tutorial'): Chart {
  return new Chart(Testing.app(), 'test', namespace === undefined ? {} : { namespace });
}

function recommendation(c: Chart): CanaryService {
  return new CanaryService(c, 'recommendation', { port: 8080, stable: { image: `${IMAGE}:v1` }, canary: { image: `${IMAGE}:v2` } });
}

/** The message of the library error `make` throws. */
function messageOf(make: () => unknown): string {
  try { make(); } catch (e) {
    expect(IstioTrafficErrors.isIstioTrafficError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

const namespaceOf = (c: Chart) => Testing.synth(c).find(o => o.kind === 'Namespace');

describe('the Namespace object', () => {
  test('labels the namespace for injection and is applied first', () => {
    const c = chart('tutorial');
    recommendation(c);
    new MeshNamespace(c, 'tutorial');
    const m = synthChecked(c);
    expect(m[0]).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tutorial', labels: { 'istio-injection': 'enabled' } }, spec: {} });
  });

  test('revision-based installs use istio.io/rev instead of istio-injection', () => {
    const c = chart();
    new MeshNamespace(c, 'ns', { name: 'shop', revision: 'canary-1-30', labels: { team: 'shop' } });
    expect(Testing.synth(c)[0].metadata.labels).toEqual({ 'team': 'shop', 'istio.io/rev': 'canary-1-30' });
  });

  test('the name is the construct id unless given; labels and annotations are written as given', () => {
    const c = chart();
    new MeshNamespace(c, 'payments', { labels: { team: 'pay' }, annotations: { 'example.com/owner': 'team-pay', 'note': 'x' } });
    expect(namespaceOf(c).metadata).toEqual({
      name: 'payments',
      labels: { 'team': 'pay', 'istio-injection': 'enabled' },
      annotations: { 'example.com/owner': 'team-pay', 'note': 'x' },
    });
  });

  test('a Namespace is cluster-scoped: no metadata.namespace, with or without a chart namespace', () => {
    const withNs = chart('shop');
    new MeshNamespace(withNs, 'shop');
    expect(namespaceOf(withNs).metadata.namespace).toBeUndefined();
    const without = chart(undefined);
    new MeshNamespace(without, 'shop');
    expect(namespaceOf(without)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } }, spec: {} });
  });

  test('objects of the namespace declared before it are written after it; objects of other namespaces keep their place', () => {
    const c = chart(undefined);
    new ApiObject(c, 'other', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'other' } });
    new ApiObject(c, 'early', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'early', namespace: 'shop' } });
    new MeshNamespace(c, 'shop');
    new ApiObject(c, 'late', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'shop' } });
    expect(Testing.synth(c).map(o => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/elsewhere', 'Namespace/shop', 'ConfigMap/early', 'ConfigMap/late']);
  });

  test('objects of another chart are not ordered after it (charts are written to files of their own)', () => {
    const app = new App();
    const first = new Chart(app, 'first');
    new ApiObject(first, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'shop' } });
    new MeshNamespace(new Chart(app, 'second'), 'shop');
    // A dependency across charts would make cdk8s number the files (0000-first.k8s.yaml ...).
    expect(Testing.synth(first).map(o => o.kind)).toEqual(['ConfigMap']);
    expect(first.node.dependencies).toEqual([]);
  });
});

describe('what MeshNamespace refuses', () => {
  test.each(['kube-system', 'kube-public', 'kube-node-lease'])('the system namespace %s, which the injector never injects', name => {
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { name }))).toBe(
      `[test/ns] name: '${name}' is a Kubernetes system namespace, where Istio's sidecar injector never injects, so the mesh does not reach it. `
      + 'Run your services in a namespace of their own (e.g. the team or application name)');
  });

  test('a name that is not a DNS label', () => {
    expect(messageOf(() => new MeshNamespace(chart(), 'Bad_NS'))).toMatch(/^\[test\/Bad_NS\] name: 'Bad_NS' is not a DNS-1123 label/);
  });

  test.each(['istio-injection', 'istio.io/rev'])('the label %s, which MeshNamespace sets itself', label => {
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { labels: { [label]: 'x' } }))).toBe(
      `[test/ns] labels.${label}: 'x' is set by MeshNamespace itself. Remove it from 'labels'; use 'revision' for revision-based installs (both labels together are IST0123)`);
  });

  test('the ambient label: pods would get both data planes', () => {
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { labels: { 'istio.io/dataplane-mode': 'ambient' } }))).toBe(
      "[test/ns] labels.istio.io/dataplane-mode: 'ambient' puts the namespace in ambient mode while MeshNamespace labels it for sidecar injection; "
      + "pods would get both data planes. Remove 'istio.io/dataplane-mode' from labels (a MeshNamespace is a sidecar namespace)");
  });

  test('an invalid label, an invalid annotation key, a key cdk8s cannot write', () => {
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { labels: { 'bad key': 'x' } }))).toMatch(/^\[test\/ns\] labels key: 'bad key' is not a valid label key/);
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { annotations: { 'a/b/c': 'x' } }))).toMatch(
      /^\[test\/ns\] annotations key: 'a\/b\/c' is not a valid annotation key \(.+\)\. Use an optional DNS prefix and '\/', then at most 63 letters, digits, '-', '_' or '\.' \(e\.g\. 'example\.com\/owner'\)$/);
    // A key that is JavaScript's prototype (written as data, e.g. from JSON) cannot be rendered by cdk8s.
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { annotations: JSON.parse('{"__proto__": "x"}') }))).toMatch(
      /^\[test\/ns\] annotations key: '__proto__' is a key cdk8s cannot write to a manifest/);
  });

  test('a revision that is not a DNS label', () => {
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { revision: '1.30' }))).toMatch(/^\[test\/ns\] revision: '1\.30' is not a DNS-1123 label/);
  });
});
