// MeshNamespace: a namespace labelled for sidecar injection (or ambient mode, with its waypoint), written
// before the objects that live in it.
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Analysis, CanaryService, DataPlaneMode, IstioTrafficErrors, MeshNamespace, NamespaceDefaultDeny, Severity } from '../src';
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
      `[test/ns] name: '${name}' is a Kubernetes system namespace, which Istio's sidecar injector and ambient mode both leave out, so the mesh does not reach it. `
      + 'Run your services in a namespace of their own (e.g. the team or application name)');
  });

  test('a name that is not a DNS label', () => {
    expect(messageOf(() => new MeshNamespace(chart(), 'Bad_NS'))).toMatch(/^\[test\/Bad_NS\] name: 'Bad_NS' is not a DNS-1123 label/);
  });

  test.each(['istio-injection', 'istio.io/rev'])('the label %s, which MeshNamespace sets itself', label => {
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { labels: { [label]: 'x' } }))).toBe(
      `[test/ns] labels.${label}: 'x' is set by MeshNamespace itself. Remove it from 'labels'; use 'revision' for revision-based installs (both labels together are IST0123)`);
  });

  test.each([['istio.io/dataplane-mode', 'ambient'], ['istio.io/use-waypoint', 'waypoint'], ['istio.io/ingress-use-waypoint', 'true']])('the label %s, which dataPlane and waypoint set', (label, value) => {
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { labels: { [label]: value } }))).toBe(
      `[test/ns] labels.${label}: '${value}' is set by MeshNamespace itself, from dataPlane and waypoint. `
      + "Remove it from 'labels'; set dataPlane: DataPlaneMode.AMBIENT for ambient mode (with a waypoint unless waypoint: false)");
  });

  test('a revision in ambient mode: the revision label would add sidecars (both data planes)', () => {
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { dataPlane: DataPlaneMode.AMBIENT, revision: 'canary-1-30' }))).toBe(
      "[test/ns] revision: 'canary-1-30' labels the namespace istio.io/rev, which makes that revision's injector add sidecars to pods in ambient mode: both data planes. "
      + "Remove 'revision' in ambient mode (or use dataPlane: DataPlaneMode.SIDECAR for a revision-based sidecar install)");
  });

  test.each([true, false])('waypoint: %p in sidecar mode', waypoint => {
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { waypoint }))).toBe(
      `[test/ns] waypoint: ${waypoint} is for ambient mode: in sidecar mode every pod has its own L7 proxy. Remove 'waypoint', or set dataPlane: DataPlaneMode.AMBIENT`);
  });

  test('a data plane that is not a DataPlaneMode, a waypoint that is not a boolean (JavaScript callers)', () => {
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { dataPlane: 'AMBIENT' as any }))).toMatch(/^\[test\/ns\] dataPlane: 'AMBIENT' is not a DataPlaneMode/);
    expect(messageOf(() => new MeshNamespace(chart(), 'ns', { dataPlane: DataPlaneMode.AMBIENT, waypoint: 'yes' as any }))).toMatch(/^\[test\/ns\] waypoint: 'yes' is not /);
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

describe('ambient mode', () => {
  // With a waypoint, ingress traffic is sent through it too (istio.io/ingress-use-waypoint), where the
  // services' routes and authorization policies are; without the label it goes straight to the pods.
  const ambientLabels = { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint', 'istio.io/ingress-use-waypoint': 'true' };

  test('labels the namespace for ambient mode and its waypoint, and creates the waypoint after the namespace', () => {
    const c = chart('tutorial');
    recommendation(c);
    const mesh = new MeshNamespace(c, 'tutorial', { dataPlane: DataPlaneMode.AMBIENT, labels: { team: 'tutorial' } });
    expect(mesh.dataPlane).toBe(DataPlaneMode.AMBIENT);
    const m = synthChecked(c);
    expect(m[0]).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tutorial', labels: { team: 'tutorial', ...ambientLabels } }, spec: {} });
    // As `istioctl waypoint generate --for service` writes it; it passes the Gateway API CRD check of the synth.
    const waypoints = m.filter(o => o.kind === 'Gateway');
    expect(waypoints).toEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'waypoint', namespace: 'tutorial', labels: { 'istio.io/waypoint-for': 'service' } },
      spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
    }]);
    expect(m.indexOf(waypoints[0])).toBeGreaterThan(0);
    expect(mesh.waypoint?.name).toBe('waypoint');
    // No sidecar injection label: pods get no sidecar.
    expect(m[0].metadata.labels['istio-injection']).toBeUndefined();
  });

  test('sidecar mode is the default, with no waypoint', () => {
    const c = chart();
    const mesh = new MeshNamespace(c, 'shop', { dataPlane: DataPlaneMode.SIDECAR });
    expect(mesh.dataPlane).toBe(DataPlaneMode.SIDECAR);
    expect(mesh.waypoint).toBeUndefined();
    expect(Testing.synth(c).map(o => o.kind)).toEqual(['Namespace']);
    expect(new MeshNamespace(c, 'other').dataPlane).toBe(DataPlaneMode.SIDECAR);
  });

  test('waypoint: false leaves the namespace without a waypoint, which fails the synth when services in it are routed (ambient is L4 only)', () => {
    const c = chart('tutorial');
    recommendation(c);
    const mesh = new MeshNamespace(c, 'tutorial', { dataPlane: DataPlaneMode.AMBIENT, waypoint: false });
    expect(mesh.waypoint).toBeUndefined();
    expect(() => Testing.synth(c)).toThrow(/\[CIT0003\] \[test\/tutorial\/Namespace\/Resource\] Namespace default\/tutorial metadata\.labels: \{"istio\.io\/dataplane-mode":"ambient"\} - is in ambient mode without a waypoint .*so ztunnel carries its traffic at L4 and none of the routing applies to its workloads \(Deployment\/recommendation-v1, Deployment\/recommendation-v2\)\. Fix: Give it a waypoint: MeshNamespace with dataPlane: DataPlaneMode\.AMBIENT creates one/);
  });

  test('a namespace without a waypoint and nothing routed in it is fine', () => {
    const c = chart('tutorial');
    new MeshNamespace(c, 'tutorial', { dataPlane: DataPlaneMode.AMBIENT, waypoint: false });
    expect(Testing.synth(c).map(o => o.kind)).toEqual(['Namespace']);
  });

  test('a hand-written ambient namespace: a waypoint of its own, or of each Service, satisfies the analysis; "none" does not', () => {
    const withLabels = (labels: Record<string, string>, serviceWaypoint?: string) => {
      const c = chart('tutorial');
      Analysis.enableFor(c);
      new ApiObject(c, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tutorial', labels } });
      const svc = recommendation(c);
      if (serviceWaypoint !== undefined) { svc.service!.metadata.addLabel('istio.io/use-waypoint', serviceWaypoint); }
      return Analysis.findings(c).filter(f => f.code === 'CIT0003' && f.severity === Severity.ERROR);
    };
    expect(withLabels({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'platform-waypoint' })).toEqual([]);
    expect(withLabels({ 'istio.io/dataplane-mode': 'ambient' }, 'reviews-waypoint')).toEqual([]);
    expect(withLabels({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'none' })).toHaveLength(1);
    expect(withLabels({ 'istio.io/dataplane-mode': 'ambient' })).toHaveLength(1);
    // Neither sidecars nor ambient: the sidecar message, which now names ambient mode as a way in.
    const plain = withLabels({});
    expect(plain).toHaveLength(1);
    expect(plain[0].message).toMatch(/but no sidecar injection label/);
    expect(plain[0].fix).toMatch(/or put it in ambient mode with a waypoint/);
  });
});

describe('NamespaceDefaultDeny in an ambient namespace with a waypoint', () => {
  const ambientApp = (denyFirst: boolean, props: { trustDomain?: string; name?: string } = {}) => {
    const app = Testing.app();
    const c = new Chart(app, 'tutorial', { namespace: 'tutorial' });
    const svc = recommendation(c);
    const mesh = () => new MeshNamespace(c, 'tutorial', { dataPlane: DataPlaneMode.AMBIENT });
    let deny: NamespaceDefaultDeny;
    if (denyFirst) {
      deny = new NamespaceDefaultDeny(c, 'deny', props);
      mesh();
    } else {
      mesh();
      deny = new NamespaceDefaultDeny(c, 'deny', props);
    }
    return { c, svc, deny: deny! };
  };

  test.each([['before', true], ['after', false]])('a deny made %s the MeshNamespace: the pods admit the waypoint, the waypoint denies by default', (_when, denyFirst) => {
    const { c, deny } = ambientApp(denyFirst);
    const m = synthChecked(c);
    const policies = m.filter(o => o.kind === 'AuthorizationPolicy');

    // ztunnel enforces the namespace-wide policies on the pods and sees the waypoint as the caller
    // of what it forwards (istio.io/latest/docs/ambient/usage/l4-policy/, "Authorization policy attachment").
    expect(policies).toEqual([
      { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-nothing', namespace: 'tutorial' }, spec: {} },
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'allow-nothing-from-waypoint', namespace: 'tutorial' },
        spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/tutorial/sa/waypoint'] } }] }] },
      },
      // Attached to the waypoint (enforced there, with the caller's identity): allow-nothing for every service it serves.
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'allow-nothing-at-waypoint', namespace: 'tutorial' },
        spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }] },
      },
    ]);
    expect(deny.waypointPolicies.map(p => p.name)).toEqual(['allow-nothing-from-waypoint', 'allow-nothing-at-waypoint']);
  });

  test('the policies are applied after the Namespace, also when the deny is declared first', () => {
    const c = chart('tutorial');
    new NamespaceDefaultDeny(c, 'deny');
    new MeshNamespace(c, 'tutorial', { dataPlane: DataPlaneMode.AMBIENT });
    expect(Testing.synth(c).map(o => `${o.kind} ${o.metadata.name}`)).toEqual([
      'Namespace tutorial', 'AuthorizationPolicy allow-nothing', 'AuthorizationPolicy allow-nothing-from-waypoint',
      'AuthorizationPolicy allow-nothing-at-waypoint', 'Gateway waypoint',
    ]);
  });

  test('the trust domain and the name are the construct\'s', () => {
    const { c } = ambientApp(true, { trustDomain: 'mesh.example.com', name: 'deny-all' });
    const names = synthChecked(c).filter(o => o.kind === 'AuthorizationPolicy').map(o => [o.metadata.name, o.spec.rules?.[0].from[0].source.principals]);
    expect(names).toEqual([['deny-all', undefined], ['deny-all-from-waypoint', ['mesh.example.com/ns/tutorial/sa/waypoint']], ['deny-all-at-waypoint', undefined]]);
  });

  test('sidecar mode, or ambient without a waypoint: the allow-nothing alone', () => {
    for (const props of [{}, { dataPlane: DataPlaneMode.AMBIENT, waypoint: false }]) {
      const c = chart('tutorial');
      new MeshNamespace(c, 'tutorial', props);
      const deny = new NamespaceDefaultDeny(c, 'deny');
      expect(Testing.synth(c).filter(o => o.kind === 'AuthorizationPolicy').map(o => o.metadata.name)).toEqual(['allow-nothing']);
      expect(deny.waypointPolicies).toEqual([]);
    }
  });

  test('bad input: a trust domain that is not a DNS name; a policy name taken', () => {
    expect(() => new NamespaceDefaultDeny(chart('tutorial'), 'deny', { trustDomain: 'Not A Domain' }))
      .toThrow("[test/deny] trustDomain: 'Not A Domain' is not a valid trust domain (a DNS name). Use the mesh's trust domain, e.g. 'cluster.local'");
    const app = Testing.app();
    const c = new Chart(app, 'tutorial', { namespace: 'tutorial' });
    new NamespaceDefaultDeny(c, 'deny', { name: 'x-from-waypoint' });
    new NamespaceDefaultDeny(c, 'deny2', { name: 'x' });
    expect(() => new MeshNamespace(c, 'tutorial', { dataPlane: DataPlaneMode.AMBIENT }))
      .toThrow('[tutorial/deny2] name: would create AuthorizationPolicy tutorial/x-from-waypoint (for the namespace\'s waypoint), which tutorial/deny already defines. Give this NamespaceDefaultDeny or the other object another name');
  });

  test('a name too long for the waypoint\'s policies fails when the namespace gets its waypoint; the longest that fits works', () => {
    const long = (n: number) => `${'a'.repeat(60)}.`.repeat(Math.floor(n / 61)) + 'b'.repeat(n % 61);
    expect(long(240)).toHaveLength(240);
    const c = chart('tutorial');
    new NamespaceDefaultDeny(c, 'deny', { name: long(240) });
    expect(() => new MeshNamespace(c, 'tutorial', { dataPlane: DataPlaneMode.AMBIENT }))
      .toThrow(`[test/deny] name: '${long(240)}' is too long for the policies of the namespace's waypoint: '${long(240)}-from-waypoint' has 254 characters, `
        + "over Kubernetes' 253. Use a name of at most 239 characters");
    const ok = chart('tutorial');
    const deny = new NamespaceDefaultDeny(ok, 'deny', { name: long(239) });
    new MeshNamespace(ok, 'tutorial', { dataPlane: DataPlaneMode.AMBIENT });
    expect(deny.waypointPolicies.map(p => p.name.length)).toEqual([253, 251]);
  });
});
