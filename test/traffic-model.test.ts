import { App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { ROUTING_API_CONTEXT, RoutingApi } from '../src/core/routing-api';
import { Audience, Binding } from '../src/model/binding';
import { Tier } from '../src/model/rules';
import { TrafficModel } from '../src/model/traffic-model';
import { TransportSecurity } from '../src/model/transport-security';

/**
 * Unit tests of the model of one chart (src/model/traffic-model.ts): one model per chart, hosts by
 * FQDN, the chart's namespace check, claims on gateway server hosts and object names, namespace facts
 * (default deny, waypoints) shared across the charts of an app in either order, the once-per-synth
 * work armed at validation and the JSON it keeps; and of the chart's transport-security facts
 * (src/model/transport-security.ts).
 */

describe('TrafficModel: one per chart', () => {
  test('made on first use, a child of the chart, found again from any construct of the chart; another chart has its own', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const deep = new Construct(new Construct(chart, 'x'), 'y');
    expect(TrafficModel.tryOf(chart)).toBeUndefined();
    const model = TrafficModel.of(deep);
    expect(TrafficModel.of(chart)).toBe(model);
    expect(TrafficModel.tryOf(chart)).toBe(model);
    expect(model.node.scope).toBe(chart);
    expect(TrafficModel.of(new Chart(app, 'd'))).not.toBe(model);
  });

  test('a construct with the model\'s id that is not a model is not taken for one', () => {
    const chart = new Chart(new App(), 'c');
    new Construct(chart, 'IstioTrafficModel');
    expect(TrafficModel.tryOf(chart)).toBeUndefined();
  });

  test('the routing API is the chart\'s when the model is made', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    chart.node.setContext(ROUTING_API_CONTEXT, RoutingApi.GATEWAY_API);
    expect(TrafficModel.of(chart).routingApi).toBe(RoutingApi.GATEWAY_API);
    expect(TrafficModel.of(chart).serviceHost('reviews', 'shop').validate()).toEqual([]);
    expect(TrafficModel.of(new Chart(app, 'd')).routingApi).toBe(RoutingApi.ISTIO);
  });

  test('a chart namespace that is not a DNS label fails when the model is made; a valid one or none is fine', () => {
    const app = new App();
    expect(() => TrafficModel.of(new Chart(app, 'bad', { namespace: 'Shop' }))).toThrow(
      "[bad] namespace: 'Shop' is the Chart's namespace, and not a DNS-1123 label, so Kubernetes rejects every object in it. "
      + "Give the Chart a namespace of at most 63 lowercase letters, digits and '-' (e.g. new Chart(app, 'shop', { namespace: 'shop' }))");
    expect(() => TrafficModel.of(new Chart(app, 'long', { namespace: 'a'.repeat(64) }))).toThrow(/is the Chart's namespace, and not a DNS-1123 label/);
    expect(TrafficModel.of(new Chart(app, 'ok', { namespace: 'a'.repeat(63) })).allHosts).toEqual([]);
    expect(TrafficModel.of(new Chart(app, 'none')).allHosts).toEqual([]);
  });
});

describe('TrafficModel: hosts', () => {
  test('one HostRouting per FQDN, in the order first declared; a service and an external host', () => {
    const model = TrafficModel.of(new Chart(new App(), 'c'));
    const reviews = model.serviceHost('reviews', 'shop');
    expect(reviews.fqdn).toBe('reviews.shop.svc.cluster.local');
    expect(reviews.namespace).toBe('shop');
    expect(reviews.shortHost).toBe('reviews');
    expect(model.serviceHost('reviews', 'shop')).toBe(reviews);
    expect(model.tryServiceHost('reviews', 'shop')).toBe(reviews);
    expect(model.tryServiceHost('reviews', 'other')).toBeUndefined();
    const floating = model.serviceHost('ratings', undefined);
    expect(floating.fqdn).toBe('ratings.default.svc.cluster.local');
    expect(floating.namespace).toBeUndefined();
    const shop = model.externalHost('shop.example.com');
    expect([shop.fqdn, shop.namespace, shop.shortHost]).toEqual(['shop.example.com', undefined, 'shop.example.com']);
    expect(model.externalHost('shop.example.com')).toBe(shop);
    expect(model.allHosts).toEqual([reviews, floating, shop]);
  });

  test('the port of a service: the registered one, else an adopted Service\'s first port, else unknown', () => {
    const chart = new Chart(new App(), 'c');
    const model = TrafficModel.of(chart);
    model.serviceHost('reviews', 'shop').registerService({ source: chart, routed: true, http: true, grpc: false, port: 9080 });
    model.serviceHost('noport', 'shop').registerService({ source: chart, routed: true, http: true, grpc: false });
    // A host some construct routes, whose Service no construct registered.
    model.serviceHost('bare', 'shop');
    model.knownServices.push({ namespace: 'shop', name: 'legacy', selector: {}, ports: [81, 82] }, { namespace: 'shop', name: 'noport', selector: {}, ports: [83] });
    expect(model.servicePort('reviews', 'shop')).toBe(9080);
    expect(model.servicePort('legacy', 'shop')).toBe(81);
    expect(model.servicePort('noport', 'shop')).toBe(83);
    expect(model.servicePort('legacy', 'other')).toBeUndefined();
    expect(model.servicePort('nothing', 'shop')).toBeUndefined();
    expect(model.servicePort('bare', 'shop')).toBeUndefined();
  });

  test('validate() lets a host see the other hosts of the chart: a version policy used by another host\'s route is in use', () => {
    const chart = new Chart(new App(), 'c');
    const model = TrafficModel.of(chart);
    const reviews = model.serviceHost('reviews', 'shop');
    reviews.addSubset(chart, 'v1', {});
    reviews.setCatchAll(Audience.MESH, chart, [{ host: 'reviews', weight: 100, wholeService: true }]);
    reviews.setPolicy(chart, 'v1', 'connectionPool', { tcp: { maxConnections: 1 } });
    expect(model.validate()).toEqual([expect.stringMatching(/the connectionPool of version 'v1' of host 'reviews' applies to no request/)]);
    const web = model.serviceHost('web', 'shop');
    web.addVirtualService({
      owner: chart,
      name: 'web',
      namespace: 'shop',
      host: 'web',
      bindings: [Binding.MESH],
      http: true,
      rules: [{ source: chart, tier: Tier.CATCH_ALL, rank: [], match: [], route: [{ host: 'reviews', subset: 'v1', weight: 100 }] }],
    });
    expect(model.validate()).toEqual([]);
  });

  test('validate() gives every host the chart\'s hosts, and collects their errors', () => {
    const chart = new Chart(new App(), 'c');
    const model = TrafficModel.of(chart);
    model.serviceHost('a', 'shop').setCatchAll(Audience.MESH, chart, [{ host: 'a', subset: 'v1', weight: 100 }]);
    model.serviceHost('b', 'shop').setCatchAll(Audience.MESH, chart, [{ host: 'b', subset: 'v2', weight: 100 }]);
    expect(model.validate()).toEqual([
      expect.stringMatching(/^\[c\] route: subset 'v1' of host 'a' is not declared/),
      expect.stringMatching(/^\[c\] route: subset 'v2' of host 'b' is not declared/),
    ]);
  });
});

describe('TrafficModel: claims', () => {
  test('a gateway server host on a port is one edge\'s on one set of gateway pods; the same edge may claim it again', () => {
    const chart = new Chart(new App(), 'c');
    const model = TrafficModel.of(chart);
    const one = new Construct(chart, 'one');
    const two = new Construct(chart, 'two');
    model.claimServerHosts(one, ['istio=ingressgateway|80|shop.example.com', 'istio=ingressgateway|443|shop.example.com']);
    model.claimServerHosts(one, ['istio=ingressgateway|80|shop.example.com']);
    model.claimServerHosts(two, ['istio=ingressgateway|8080|shop.example.com', 'istio=other|80|shop.example.com']);
    expect(() => model.claimServerHosts(two, ['istio=x|80|a.example.com', 'istio=ingressgateway|443|shop.example.com'])).toThrow(
      "[c/two] hosts: 'shop.example.com' on port 443 is already served by IngressEdge c/one on the same gateway pods (IST0145: one of the two Gateways would lose). "
      + 'Route the host through one edge (add routes to it), or select other gateway pods');
    // A failed claim records none of its keys.
    const three = new Construct(chart, 'three');
    model.claimServerHosts(three, ['istio=x|80|a.example.com']);
  });

  test('an object name is the first claimer\'s: later claims are told who has it', () => {
    const chart = new Chart(new App(), 'c');
    const model = TrafficModel.of(chart);
    const one = new Construct(chart, 'one');
    const two = new Construct(chart, 'two');
    expect(model.claimObjectName('AuthorizationPolicy', 'shop', 'reviews', one)).toBeUndefined();
    expect(model.claimObjectName('AuthorizationPolicy', 'shop', 'reviews', two)).toBe(one);
    expect(model.claimObjectName('AuthorizationPolicy', 'shop', 'reviews', two)).toBe(one);
    expect(model.claimObjectName('PeerAuthentication', 'shop', 'reviews', two)).toBeUndefined();
    expect(model.claimObjectName('AuthorizationPolicy', 'other', 'reviews', two)).toBeUndefined();
    expect(model.claimObjectName('AuthorizationPolicy', 'shop', 'ratings', two)).toBeUndefined();
  });
});

describe('TrafficModel: namespace facts across the charts of an app', () => {
  /** The models of two charts of one app. */
  const twoCharts = () => {
    const app = new App();
    return [TrafficModel.of(new Chart(app, 'first')), TrafficModel.of(new Chart(app, 'second'))];
  };

  test('work for a default-deny namespace runs now when the fact holds in this or another chart, else once when it comes', () => {
    const [first, second] = twoCharts();
    const done: string[] = [];
    first.whenDeniedByDefault('shop', () => done.push('early'));
    second.whenDeniedByDefault('shop', () => done.push('early-elsewhere'));
    first.whenDeniedByDefault('other', () => done.push('other'));
    expect(done).toEqual([]);
    second.denyByDefault('shop');
    expect(done).toEqual(['early', 'early-elsewhere']);
    first.whenDeniedByDefault('shop', () => done.push('late'));
    second.whenDeniedByDefault('shop', () => done.push('late-own'));
    expect(done).toEqual(['early', 'early-elsewhere', 'late', 'late-own']);
    // Once: a second deny does not run them again.
    first.denyByDefault('shop');
    expect(done).toEqual(['early', 'early-elsewhere', 'late', 'late-own']);
    first.denyByDefault('other');
    expect(done).toEqual(['early', 'early-elsewhere', 'late', 'late-own', 'other']);
  });

  test('waypoints: known to every chart of the app, and work waiting for one runs once it is added', () => {
    const [first, second] = twoCharts();
    const done: string[] = [];
    second.whenWaypoint('shop', () => done.push('waiting'));
    // A default deny of the namespace is another fact.
    first.denyByDefault('shop');
    expect(done).toEqual([]);
    expect(second.hasWaypoint('shop')).toBe(false);
    first.addWaypoint('shop');
    expect(done).toEqual(['waiting']);
    expect(first.hasWaypoint('shop')).toBe(true);
    expect(second.hasWaypoint('shop')).toBe(true);
    expect(second.hasWaypoint('other')).toBe(false);
    expect([...first.waypointNamespaces]).toEqual(['shop']);
    expect([...second.waypointNamespaces]).toEqual([]);
    second.whenWaypoint('shop', () => done.push('now'));
    expect(done).toEqual(['waiting', 'now']);
  });

  test('the models of the app are kept on the app (made with the first model), not found by walking the tree; the app writes its charts as before', () => {
    const app = Testing.app();
    const early = TrafficModel.of(new Chart(app, 'early'));
    const done: string[] = [];
    early.whenWaypoint('shop', () => done.push('early'));
    // A chart made later, nested in a construct of another chart, is still one of the app's.
    const later = TrafficModel.of(new Chart(new Construct(new Chart(app, 'outer'), 'group'), 'later'));
    later.addWaypoint('shop');
    expect(done).toEqual(['early']);
    expect(early.hasWaypoint('shop')).toBe(true);
    const registry = app.node.tryFindChild('IstioTrafficModels');
    expect(registry).toBeDefined();
    expect(app.node.children.filter(c => c === registry)).toHaveLength(1);
    expect(app.charts.map(c => c.node.path)).toEqual(['early', 'outer', 'outer/group/later']);
  });
});

describe('TrafficModel: the work armed at validation, run once at the first rendering', () => {
  test('runs at the first rendering only, not while quiet, and again only when armed again', () => {
    const model = TrafficModel.of(new Chart(new App(), 'c'));
    let runs = 0;
    model.rendering();
    model.armBeforeRender(() => { runs++; });
    model.setRenderWorkEnabled(false);
    model.rendering();
    expect(runs).toBe(0);
    model.setRenderWorkEnabled(true);
    model.rendering();
    model.rendering();
    expect(runs).toBe(1);
    model.armBeforeRender(() => { runs += 10; });
    model.rendering();
    expect(runs).toBe(11);
  });

  test('counts the objects rendered from the model', () => {
    const model = TrafficModel.of(new Chart(new App(), 'c'));
    expect(model.rendersObjects).toBe(false);
    model.addRenderedObject();
    expect(model.rendersObjects).toBe(true);
  });

  test('the JSON the analysis renders (quiet, while the work runs) is kept and taken once; other renderings keep nothing', () => {
    const chart = new Chart(new App(), 'c');
    const model = TrafficModel.of(chart);
    const vs = new Construct(chart, 'vs');
    const dr = new Construct(chart, 'dr');
    const other = new Construct(chart, 'other');
    // Before any analysis nothing is kept.
    model.keepRendered(vs, { before: true });
    expect(model.takeRendered(vs)).toBeUndefined();
    model.armBeforeRender(() => {
      model.setRenderWorkEnabled(false);
      model.keepRendered(vs, { kind: 'VirtualService' });
      model.keepRendered(dr, { kind: 'DestinationRule' });
      // Quiet, the armed work's objects are not taken (the analysis itself reads them afresh).
      expect(model.takeRendered(vs)).toBeUndefined();
      model.setRenderWorkEnabled(true);
      // Not quiet inside the work: an object rendered for output keeps nothing.
      model.keepRendered(other, { kind: 'Other' });
    });
    model.rendering();
    expect(model.takeRendered(other)).toBeUndefined();
    // Rendered again for output after the analysis: what it kept of that object is forgotten.
    model.keepRendered(dr, { output: true });
    expect(model.takeRendered(dr)).toBeUndefined();
    expect(model.takeRendered(vs)).toEqual({ kind: 'VirtualService' });
    expect(model.takeRendered(vs)).toBeUndefined();
  });

  test('quiet, nothing is taken; a new arming drops what was kept', () => {
    const chart = new Chart(new App(), 'c');
    const model = TrafficModel.of(chart);
    const vs = new Construct(chart, 'vs');
    const keep = () => { model.setRenderWorkEnabled(false); model.keepRendered(vs, { kept: 1 }); model.setRenderWorkEnabled(true); };
    model.armBeforeRender(keep);
    model.rendering();
    model.setRenderWorkEnabled(false);
    expect(model.takeRendered(vs)).toBeUndefined();
    model.setRenderWorkEnabled(true);
    expect(model.takeRendered(vs)).toEqual({ kept: 1 });
    model.armBeforeRender(keep);
    model.rendering();
    model.armBeforeRender(() => undefined);
    expect(model.takeRendered(vs)).toBeUndefined();
  });

  test('work that throws keeps nothing, is not run again, and the error reaches the caller', () => {
    const chart = new Chart(new App(), 'c');
    const model = TrafficModel.of(chart);
    const vs = new Construct(chart, 'vs');
    let runs = 0;
    model.armBeforeRender(() => {
      runs++;
      model.setRenderWorkEnabled(false);
      model.keepRendered(vs, { kept: 1 });
      model.setRenderWorkEnabled(true);
      throw new Error('analysis failed');
    });
    expect(() => model.rendering()).toThrow('analysis failed');
    expect(model.takeRendered(vs)).toBeUndefined();
    model.rendering();
    expect(runs).toBe(1);
    // After the failure, a rendering for output (not collecting) keeps nothing either.
    model.keepRendered(vs, { later: true });
    expect(model.takeRendered(vs)).toBeUndefined();
  });
});

describe('TransportSecurity: the PeerAuthentications of a chart and the clients they refuse', () => {
  const chart = new Chart(new App(), 'c');
  const one = new Construct(chart, 'one');
  const two = new Construct(chart, 'two');

  test('one PeerAuthentication per service and one per namespace', () => {
    const ts = new TransportSecurity();
    ts.addWorkloadPolicy('shop', 'reviews', { source: one, mode: 'STRICT', portModes: {} });
    ts.addWorkloadPolicy('shop', 'ratings', { source: two, mode: 'STRICT', portModes: {} });
    ts.addWorkloadPolicy('other', 'reviews', { source: two, mode: 'STRICT', portModes: {} });
    expect(() => ts.addWorkloadPolicy('shop', 'reviews', { source: two, mode: 'DISABLE', portModes: {} })).toThrow(
      "[c/two] service: service 'reviews' in namespace 'shop' already has a PeerAuthentication from c/one; of two PeerAuthentications that select the same workloads "
      + 'Istio applies only the oldest (CIT0012). Use one PeerAuthenticationPolicy per service (set portModes on it for ports that differ)');
    ts.addNamespacePolicy('shop', { source: one, mode: 'STRICT', portModes: {} });
    ts.addNamespacePolicy('other', { source: one, mode: 'STRICT', portModes: {} });
    expect(() => ts.addNamespacePolicy('shop', { source: two, mode: 'PERMISSIVE', portModes: {} })).toThrow(
      "[c/two] mtls: namespace 'shop' already has a namespace-wide PeerAuthentication from c/one; Istio applies only the oldest of two (CIT0012). Set the mode on one of them only");
  });

  test.each([
    ['STRICT', 'ISTIO_MUTUAL', false], ['STRICT', 'DISABLE', true], ['STRICT', 'SIMPLE', true], ['STRICT', 'MUTUAL', true],
    ['DISABLE', 'ISTIO_MUTUAL', true], ['DISABLE', 'DISABLE', false], ['DISABLE', 'SIMPLE', false],
    ['PERMISSIVE', 'ISTIO_MUTUAL', false], ['PERMISSIVE', 'DISABLE', false], ['UNSET', 'DISABLE', false],
  ])('a server in %s and a client sending %s: refused %s', (server, client, refused) => {
    const ts = new TransportSecurity();
    ts.addNamespacePolicy('shop', { source: one, mode: server, portModes: {} });
    expect(ts.conflictsWith('shop', 'reviews', client)).toEqual(refused ? [{ server: one, mode: server }] : []);
  });

  test("the service's own mode wins over the namespace's; another service or namespace is not affected", () => {
    const ts = new TransportSecurity();
    ts.addNamespacePolicy('shop', { source: one, mode: 'STRICT', portModes: {} });
    ts.addWorkloadPolicy('shop', 'reviews', { source: two, mode: 'PERMISSIVE', portModes: {} });
    expect(ts.conflictsWith('shop', 'reviews', 'DISABLE')).toEqual([]);
    expect(ts.conflictsWith('shop', 'ratings', 'DISABLE')).toEqual([{ server: one, mode: 'STRICT' }]);
    expect(ts.conflictsWith('other', 'ratings', 'DISABLE')).toEqual([]);
    ts.addWorkloadPolicy('shop', 'details', { source: two, mode: 'DISABLE', portModes: {} });
    expect(ts.conflictsWith('shop', 'details', 'ISTIO_MUTUAL')).toEqual([{ server: two, mode: 'DISABLE' }]);
  });

  test('with port-level modes only the named ports that refuse the client count, not the workload\'s or namespace\'s mode', () => {
    const ts = new TransportSecurity();
    ts.addNamespacePolicy('shop', { source: one, mode: 'STRICT', portModes: {} });
    ts.addWorkloadPolicy('shop', 'reviews', { source: two, mode: 'STRICT', portModes: { 8080: 'PERMISSIVE', 9090: 'STRICT', 7070: 'DISABLE' } });
    expect(ts.conflictsWith('shop', 'reviews', 'DISABLE')).toEqual([{ server: two, mode: 'STRICT', port: '9090' }]);
    expect(ts.conflictsWith('shop', 'reviews', 'ISTIO_MUTUAL')).toEqual([{ server: two, mode: 'DISABLE', port: '7070' }]);
  });
});
