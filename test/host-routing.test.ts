import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { IstioTrafficError } from '../src/core/errors';
import { RoutingApi } from '../src/core/routing-api';
import { Audience, Binding } from '../src/model/binding';
import { HostRouting, VirtualServiceEntry, VirtualServiceRule } from '../src/model/host-routing';
import { Tier, WeightedDestination } from '../src/model/rules';
import { destinationRuleSpec, virtualServiceSpec } from '../src/render/istio';

/**
 * Unit tests of the per-host routing model (src/model/host-routing.ts) and its Istio rendering: one
 * owner per Service, subset, split, option and policy; the release of each audience in its order;
 * one VirtualService per binding; the rules that follow another host's release; the checks of
 * validate() (undeclared subsets, rules without a destination or that never apply, HTTP rules on a
 * TCP host, faults that pinned users skip, hashing under a weighted split, version policies no route
 * uses); and when a service routed to the whole Service needs a mesh VirtualService.
 */

const FQDN = 'reviews.shop.svc.cluster.local';
let chart: Chart;
let a: Construct;
let b: Construct;

beforeEach(() => {
  chart = new Chart(new App(), 'c');
  a = new Construct(chart, 'a');
  b = new Construct(chart, 'b');
});

function host(api = RoutingApi.ISTIO): HostRouting {
  return new HostRouting(FQDN, 'shop', 'reviews', api);
}

const to = (subset: string, weight = 100): WeightedDestination => ({ host: 'reviews', subset, weight });
const whole: WeightedDestination = { host: 'reviews', weight: 100, wholeService: true };

/** A host with subsets v1 and v2, a Service, and a 90/10 mesh and edge split. */
function released(api = RoutingApi.ISTIO): HostRouting {
  const h = host(api);
  h.registerService({ source: a, routed: true, http: true, grpc: false, port: 9080 });
  h.addSubset(a, 'v1', { app: 'reviews', version: 'v1' });
  h.addSubset(a, 'v2', { app: 'reviews', version: 'v2' });
  h.setCatchAll(Audience.MESH, a, [to('v1', 90), to('v2', 10)]);
  h.setCatchAll(Audience.EDGE, a, [to('v1', 90), to('v2', 10)]);
  return h;
}

function meshEntry(h: HostRouting, owner: Construct = a): VirtualServiceEntry {
  return {
    owner,
    name: 'reviews',
    namespace: 'shop',
    host: 'reviews',
    bindings: [Binding.MESH],
    http: true,
    rules: [{ source: owner, tier: Tier.CATCH_ALL, rank: [], match: [], follow: { routing: h, audience: Audience.MESH } }],
  };
}

function edgeEntry(rules: VirtualServiceRule[], owner: Construct = b, bindings = [Binding.gateway('edge', 'gw')]): VirtualServiceEntry {
  return { owner, name: 'shop-edge', namespace: 'edge', host: 'shop.example.com', bindings, http: true, rules };
}

describe('one owner for each part of a host', () => {
  test('a second Service for the host fails, naming the first owner and the namespace', () => {
    const h = host();
    h.registerService({ source: a, routed: true, http: true, grpc: false });
    expect(h.registeredService?.source).toBe(a);
    expect(() => h.registerService({ source: b, routed: true, http: true, grpc: false })).toThrow(
      "[c/b] name: 'reviews' in namespace 'shop' is already defined by c/a. One host has one Service; give this one another name, or add to the existing construct instead");
    expect(() => { const n = new HostRouting(FQDN, undefined, 'reviews'); n.registerService({ source: a, routed: true, http: true, grpc: false }); n.registerService({ source: b, routed: true, http: true, grpc: false }); })
      .toThrow(/'reviews' in namespace 'default' is already defined/);
  });

  test('a subset declared twice with the same labels is one subset; with other labels it fails', () => {
    const h = host();
    h.addSubset(a, 'v1', { version: 'v1' });
    h.addSubset(b, 'v1', { version: 'v1' });
    h.addSubset(b, 'v2', { version: 'v2' });
    expect(h.subsetNames).toEqual(['v1', 'v2']);
    expect(() => h.addSubset(b, 'v1', { version: 'one' })).toThrow(
      "[c/b] subsetName: subset 'v1' of host 'reviews' is already declared by c/a with labels {\"version\":\"v1\"}, not {\"version\":\"one\"}. Use another subset name");
  });

  test('the labels of a subset are a copy of those given', () => {
    const h = host();
    const labels: { [k: string]: string } = { version: 'v1' };
    h.addSubset(a, 'v1', labels);
    labels.version = 'changed';
    expect(h.destinationRule.subsets[0].labels).toEqual({ version: 'v1' });
  });

  test('one catch-all route per audience', () => {
    const h = host();
    h.setCatchAll(Audience.MESH, a, [to('v1')]);
    h.setCatchAll(Audience.EDGE, b, [to('v1')]);
    expect(() => h.setCatchAll(Audience.MESH, b, [to('v2')])).toThrow(
      "[c/b] traffic: host 'reviews' already has a catch-all route for 'mesh' from c/a. A host has one release split; change the split on that construct instead");
  });

  test('one release option per audience and field, with both values in the message', () => {
    const h = released();
    h.setReleaseOption(Audience.MESH, a, 'timeout', '5s');
    h.setReleaseOption(Audience.EDGE, b, 'timeout', '3s');
    h.setReleaseOption(Audience.MESH, b, 'retries', { attempts: 2 });
    expect(h.releaseOptionsOf(Audience.MESH)).toEqual({ timeout: '5s', retries: { attempts: 2 } });
    expect(h.releaseOptionsOf(Audience.EDGE)).toEqual({ timeout: '3s' });
    expect(() => h.setReleaseOption(Audience.MESH, b, 'timeout', '1s')).toThrow(
      "[c/b] timeout: host 'reviews' already has a timeout for all its routes from c/a ('5s'; this one: '1s'). One timeout per host: change that construct instead");
    expect(host().releaseOptionsOf(Audience.MESH)).toEqual({});
  });

  test('one version affinity per host', () => {
    const h = released();
    h.setAffinity(a);
    expect(() => h.setAffinity(b)).toThrow("[c/b] service: host 'reviews' already has version affinity from c/a. Use one VersionAffinity per service");
  });

  test('one traffic policy field per host and per subset; a subset policy needs a declared subset', () => {
    const h = released();
    h.setPolicy(a, undefined, 'loadBalancer', { simple: 'RANDOM' });
    h.setPolicy(a, 'v1', 'loadBalancer', { simple: 'LEAST_REQUEST' });
    h.setPolicy(b, 'v2', 'connectionPool', { tcp: { maxConnections: 1 } });
    expect(h.destinationRule).toEqual({
      trafficPolicy: { loadBalancer: { simple: 'RANDOM' } },
      subsets: [
        { name: 'v1', labels: { app: 'reviews', version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } } },
        { name: 'v2', labels: { app: 'reviews', version: 'v2' }, trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 } } } },
      ],
    });
    expect(() => h.setPolicy(b, undefined, 'loadBalancer', { simple: 'ROUND_ROBIN' })).toThrow(
      "[c/b] loadBalancer: host 'reviews' already has a loadBalancer from c/a ({\"simple\":\"RANDOM\"}; this one: {\"simple\":\"ROUND_ROBIN\"}). One loadBalancer per service or version: change that construct instead");
    expect(() => h.setPolicy(b, 'v1', 'loadBalancer', { simple: 'RANDOM' })).toThrow(
      /^\[c\/b\] loadBalancer: subset 'v1' of host 'reviews' already has a loadBalancer from c\/a /);
    expect(() => h.setPolicy(b, 'v3', 'outlierDetection', {})).toThrow("[c/b] version: subset 'v3' of host 'reviews' is not declared. Use a declared version");
  });

  test('a second VirtualService for a binding fails, naming both owners; another binding is fine', () => {
    const h = released();
    h.addVirtualService(meshEntry(h));
    h.addVirtualService(edgeEntry([]));
    expect(h.entryFor(Binding.MESH)?.owner).toBe(a);
    expect(h.entryFor(Binding.gateway('edge', 'gw'))?.owner).toBe(b);
    expect(h.entryFor(Binding.gateway('edge', 'other'))).toBeUndefined();
    expect(() => h.addVirtualService({ ...meshEntry(h, b), name: 'again' })).toThrow(
      "[c/b] hosts: 'reviews' is already routed in the mesh by VirtualService shop/reviews of c/a, and sidecars or gateways use only one VirtualService per host (IST0109). "
      + 'Route the host through the existing construct (for a service of this library, point the edge at EdgeDestination.release()), or leave includeMesh off');
    expect(() => h.addVirtualService(edgeEntry([], a, [Binding.gateway('edge', 'other'), Binding.gateway('edge', 'gw')]))).toThrow(
      "[c/a] hosts: 'shop.example.com' is already routed at gateway edge/gw by VirtualService edge/shop-edge of c/b, and sidecars or gateways use only one VirtualService per host (IST0109). "
      + 'Add the routes to the existing construct instead');
  });

  test('a VirtualService bound to several gateways (and the mesh) is found by each binding', () => {
    const h = released();
    const entry = edgeEntry([], b, [Binding.gateway('edge', 'one'), Binding.gateway('edge', 'two'), Binding.MESH]);
    h.addVirtualService(entry);
    expect([Binding.gateway('edge', 'one'), Binding.gateway('edge', 'two'), Binding.MESH].map(x => h.entryFor(x))).toEqual([entry, entry, entry]);
    expect(h.entryFor(Binding.gateway('other', 'one'))).toBeUndefined();
  });

  test('a mesh VirtualService not yet written (whole-Service release) still owns the mesh binding, and the message says so', () => {
    const h = new HostRouting(FQDN, undefined, 'reviews');
    h.setCatchAll(Audience.MESH, a, [whole]);
    h.emitMeshVirtualServiceWhenNeeded(() => undefined);
    h.addVirtualService({ ...meshEntry(h), namespace: undefined });
    expect(() => h.addVirtualService({ ...meshEntry(h, b), namespace: undefined })).toThrow(
      "[c/b] hosts: 'reviews' is already routed in the mesh by the release of c/a (it routes to the whole Service, so its VirtualService default/reviews is written "
      + 'once a construct adds to the mesh traffic), and sidecars or gateways use only one VirtualService per host (IST0109)');
  });
});

describe('the release of an audience', () => {
  test('specific rules in their order, then the catch-all named default; the per-destination headers on the catch-all', () => {
    const h = released();
    h.addReleaseRule({ source: b, name: 'late', match: [{ uri: { prefix: '/b' } }], tier: Tier.DARK, rank: [2], audiences: [Audience.MESH], route: [to('v2')] });
    h.addReleaseRule({ source: b, name: 'early', match: [{ uri: { prefix: '/a' } }], tier: Tier.DARK, rank: [1], audiences: [Audience.MESH, Audience.EDGE], route: [to('v2')] });
    h.addReleaseRule({ source: b, name: 'fault', match: [{ headers: { x: { exact: '1' } } }], tier: Tier.DECORATION, rank: [], audiences: [Audience.MESH], options: { fault: { abort: {} } } });
    h.setCatchAllHeaders(Audience.MESH, 'v2', { response: { add: { 'set-cookie': 'v=v2' } } });
    const mesh = h.release(Audience.MESH);
    expect(mesh.map(r => r.name)).toEqual(['early', 'late', 'fault', 'default']);
    // Strictly: a destination without headers of its own has no headers field at all.
    expect(mesh[2].route).toStrictEqual([to('v1', 90), { ...to('v2', 10), headers: { response: { add: { 'set-cookie': 'v=v2' } } } }]);
    expect(mesh[2].options).toEqual({ fault: { abort: {} } });
    expect(mesh[0].options).toEqual({});
    expect(mesh[3]).toEqual({ source: a, name: 'default', match: [], route: mesh[2].route, options: {} });
    // The edge audience has its own rules and no headers.
    expect(h.release(Audience.EDGE).map(r => r.name)).toEqual(['early', 'default']);
    expect(h.release(Audience.EDGE)[1].route).toEqual([to('v1', 90), to('v2', 10)]);
  });

  test('without a catch-all, only the specific rules; a rule without its own route then fails, naming the host', () => {
    const h = host();
    h.addReleaseRule({ source: b, name: 'r', match: [{ uri: { prefix: '/a' } }], tier: Tier.DARK, rank: [], audiences: [Audience.MESH], route: [to('v2')] });
    expect(h.release(Audience.MESH).map(r => r.name)).toEqual(['r']);
    expect(h.release(Audience.EDGE)).toEqual([]);
    expect(() => h.addReleaseRule({ source: b, name: 'f', match: [], tier: Tier.DECORATION, rank: [], audiences: [Audience.MESH] })).toThrow(
      "[c/b] service: 'reviews' has no normal route to decorate. Route the service with a CanaryService or ExistingService first");
    expect(() => h.catchAllRoute(b, Audience.EDGE)).toThrow(/'reviews' has no normal route to decorate/);
    expect(released().catchAllRoute(b, Audience.EDGE)).toEqual([to('v1', 90), to('v2', 10)]);
  });
});

describe('what a Gateway API chart and a TCP host cannot say', () => {
  test('options a Gateway API route cannot carry fail at once, as a rule option or a release option; the experimental channel takes retries', () => {
    const gw = released(RoutingApi.GATEWAY_API);
    expect(() => gw.setReleaseOption(Audience.MESH, b, 'fault', {})).toThrow(
      "[c/b] fault: injects a fault (delay or abort) for 'reviews', which the Kubernetes Gateway API cannot say. Leave it out of this chart, or write this chart with RoutingApi.ISTIO (RoutingApiSetting.use), which can say it");
    expect(() => gw.setReleaseOption(Audience.MESH, b, 'retries', {})).toThrow(/^\[c\/b\] retries: sets retries \(the standard channel/);
    expect(() => gw.addReleaseRule({ source: b, name: 'r', match: [], tier: Tier.DECORATION, rank: [], audiences: [Audience.MESH], options: { timeout: '1s', corsPolicy: {} } }))
      .toThrow(/^\[c\/b\] corsPolicy: sets a CORS policy for 'reviews', which the Kubernetes Gateway API cannot say/);
    gw.setReleaseOption(Audience.MESH, b, 'timeout', '1s');
    const experimental = released(RoutingApi.GATEWAY_API_EXPERIMENTAL);
    experimental.setReleaseOption(Audience.MESH, b, 'retries', { attempts: 1 });
    expect(() => experimental.setReleaseOption(Audience.MESH, b, 'fault', {})).toThrow(/injects a fault/);
    const istio = released();
    istio.setReleaseOption(Audience.MESH, b, 'fault', {});
    istio.addReleaseRule({ source: b, name: 'r', match: [], tier: Tier.DECORATION, rank: [], audiences: [Audience.MESH], options: { corsPolicy: {} } });
    expect(istio.releaseOptionsOf(Audience.MESH)).toEqual({ fault: {} });
  });

  test('a release option on a host that serves TCP fails; before the Service is known it is taken', () => {
    const tcp = host();
    tcp.setReleaseOption(Audience.MESH, a, 'timeout', '1s');
    tcp.registerService({ source: a, routed: true, http: false, grpc: false });
    expect(() => tcp.setReleaseOption(Audience.EDGE, b, 'retries', {})).toThrow(
      "[c/b] retries: host 'reviews' serves a non-HTTP protocol, where Istio has no retries (TCP routes only split connections). Declare the service port as HTTP, HTTP2, GRPC or GRPC_WEB, or remove this construct");
  });
});

describe('validate(): the cross references of a host', () => {
  test('a well-formed host has nothing to report', () => {
    const h = released();
    h.addVirtualService(meshEntry(h));
    expect(h.validate()).toEqual([]);
  });

  test('an undeclared subset of the host, with the declared ones; another host\'s subsets are not this host\'s business', () => {
    const h = released();
    h.addReleaseRule({ source: b, name: 'r', match: [{ uri: { prefix: '/a' } }], tier: Tier.DARK, rank: [], audiences: [Audience.MESH], route: [to('v3'), { host: 'ratings', subset: 'v9', weight: 0 }] });
    expect(h.validate()).toEqual([
      "[c/b] route: subset 'v3' of host 'reviews' is not declared (declared: v1, v2). Declare the version on the service, or route to a declared one (IST0101)",
    ]);
    const bare = host();
    bare.setCatchAll(Audience.MESH, a, [to('v1')]);
    expect(bare.validate()).toEqual([
      "[c/a] route: subset 'v1' of host 'reviews' is not declared (declared: none). Declare the version on the service, or route to a declared one (IST0101)",
    ]);
  });

  test('a rule without a destination', () => {
    const h = released();
    h.addReleaseRule({ source: b, match: [{ uri: { prefix: '/a' } }], tier: Tier.DARK, rank: [], audiences: [Audience.EDGE], route: [] });
    expect(h.validate()).toEqual(["[c/b] route: rule '(unnamed)' of host 'reviews' has no destination. Route it to at least one version"]);
  });

  test('HTTP match rules on a host that serves TCP never apply; the catch-all is fine', () => {
    const h = host();
    h.registerService({ source: a, routed: true, http: false, grpc: false });
    h.addSubset(a, 'v1', {});
    h.setCatchAll(Audience.MESH, a, [to('v1')]);
    expect(h.validate()).toEqual([]);
    h.addReleaseRule({ source: b, name: 'r', match: [{ uri: { prefix: '/a' } }], tier: Tier.DARK, rank: [], audiences: [Audience.MESH], route: [to('v1')] });
    expect(h.validate()).toEqual([
      "[c/b] match: host 'reviews' serves a non-HTTP protocol, so HTTP match rules never apply. Declare the service port as HTTP, HTTP2, GRPC or GRPC_WEB, or remove the rule",
    ]);
  });

  test('rules that never apply, named with the host for the mesh and with the VirtualService for a gateway', () => {
    const h = released();
    h.addReleaseRule({ source: b, name: 'broad', match: [{ uri: { prefix: '/a' } }], tier: Tier.DARK, rank: [1], audiences: [Audience.MESH], route: [to('v2')] });
    h.addReleaseRule({ source: b, name: 'narrow', match: [{ uri: { prefix: '/a/b' } }], tier: Tier.DARK, rank: [2], audiences: [Audience.MESH], route: [to('v1')] });
    h.addVirtualService(meshEntry(h));
    h.addVirtualService(edgeEntry([
      { source: b, name: 'x', match: [{ uri: { prefix: '/x' } }], tier: Tier.ROUTE, rank: [], route: [to('v1')] },
      { source: b, name: 'xy', match: [{ uri: { prefix: '/x/y' } }], tier: Tier.ROUTE, rank: [1], route: [to('v2')] },
    ]));
    const errors = h.validate();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^\[c\/b\] match: rule 'narrow' \(c\/b\) of host 'reviews' never applies/);
    expect(errors[1]).toMatch(/^\[c\/b\] match: rule 'xy' \(c\/b\) of VirtualService edge\/shop-edge never applies/);
  });

  test('what a rendering check throws is reported, once per entry; other errors are not swallowed', () => {
    const h = released();
    h.addVirtualService({ ...meshEntry(h), checkRendering: () => { throw new IstioTrafficError('c/a', 'f', '', 'cannot be said', 'Do otherwise'); } });
    expect(h.validate()).toEqual(['[c/a] f: cannot be said. Do otherwise']);
    const broken = released();
    broken.addVirtualService({ ...meshEntry(broken), checkRendering: () => { throw new TypeError('bug'); } });
    expect(() => broken.validate()).toThrow(TypeError);
  });

  test('a fault on some requests without version affinity is fine', () => {
    const h = released();
    h.addReleaseRule({ source: b, name: 'delay-some', match: [{ headers: { x: { exact: '1' } } }], tier: Tier.DECORATION, rank: [], audiences: [Audience.MESH], options: { fault: {} } });
    expect(h.validate()).toEqual([]);
  });

  test('a fault on some requests under version affinity does not reach pinned users', () => {
    const h = released();
    h.setAffinity(b);
    h.addReleaseRule({ source: b, name: 'delay-some', match: [{ headers: { x: { exact: '1' } } }], tier: Tier.DECORATION, rank: [], audiences: [Audience.MESH], options: { fault: {} } });
    h.addReleaseRule({ source: b, name: 'edge-only', match: [{ headers: { y: { exact: '1' } } }], tier: Tier.DECORATION, rank: [], audiences: [Audience.EDGE], options: { fault: {} } });
    h.addReleaseRule({ source: b, name: 'dark', match: [{ headers: { z: { exact: '1' } } }], tier: Tier.DARK, rank: [], audiences: [Audience.MESH], route: [to('v2')] });
    expect(h.validate()).toEqual([
      "[c/b] match: rule 'delay-some' of host 'reviews' would not apply to pinned users: the version affinity of c/b routes every request that names a version before it. "
      + "Apply the fault or mirror to all of the service's traffic (it then lands on every rule, pinned ones included), or drop the VersionAffinity",
    ]);
  });

  test('consistent hashing under a weighted split is reported with the shares, for the host and for a subset; affinity or one live version silence it', () => {
    const h = released();
    h.setPolicy(b, undefined, 'loadBalancer', { consistentHash: { httpHeaderName: 'x-user' } });
    h.setPolicy(a, 'v2', 'loadBalancer', { consistentHash: { useSourceIp: true } });
    h.setPolicy(a, 'v1', 'loadBalancer', { simple: 'RANDOM' });
    const errors = h.validate();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe("[c/b] loadBalancer: consistent hashing on host 'reviews' does not keep a user on one version while its requests are split by weight (v1 90% / v2 10%): "
      + 'Envoy picks the weighted subset first and hashes only inside it (istio/istio#9764). '
      + 'Add a VersionAffinity for the service (a cookie or header naming the version, matched before the weighted route), or route all traffic to one version');
    expect(errors[1]).toMatch(/^\[c\/a\] loadBalancer: consistent hashing/);
    const thirds = host();
    thirds.addSubset(a, 'v1', {});
    thirds.addSubset(a, 'v2', {});
    thirds.addSubset(a, 'v3', {});
    thirds.setCatchAll(Audience.EDGE, a, [to('v1', 1), to('v2', 2), to('v3', 0)]);
    thirds.setPolicy(a, undefined, 'loadBalancer', { consistentHash: {} });
    expect(thirds.validate()).toEqual([expect.stringContaining('(v1 33.33% / v2 66.67%)')]);
    const pinned = released();
    pinned.setPolicy(b, undefined, 'loadBalancer', { consistentHash: {} });
    pinned.setAffinity(b);
    expect(pinned.validate()).toEqual([]);
    const one = host();
    one.addSubset(a, 'v1', {});
    one.addSubset(a, 'v2', {});
    one.setCatchAll(Audience.MESH, a, [to('v1', 100), to('v2', 0)]);
    one.setPolicy(a, undefined, 'loadBalancer', { consistentHash: {} });
    expect(one.validate()).toEqual([]);
  });

  test('a version policy of a host routed to the whole Service that no route sends requests to', () => {
    const h = host();
    h.addSubset(a, 'v1', {});
    h.addSubset(a, 'v2', {});
    h.setCatchAll(Audience.MESH, a, [whole]);
    h.setPolicy(b, 'v1', 'connectionPool', { tcp: { maxConnections: 1 } });
    h.setPolicy(b, 'v2', 'outlierDetection', { consecutive5xxErrors: 1 });
    h.addReleaseRule({ source: b, name: 'to-v2', match: [{ uri: { prefix: '/b' } }], tier: Tier.DARK, rank: [], audiences: [Audience.MESH], route: [to('v2')] });
    h.addVirtualService(meshEntry(h));
    expect(h.validate()).toEqual([
      "[c/b] version: the connectionPool of version 'v1' of host 'reviews' applies to no request: the service routes to the whole Service (TrafficSplit.wholeService()), "
      + "and Istio applies a version's (subset's) policy only to requests a route sends to that version. Set it for the whole service (leave out 'version'), "
      + 'or route requests to the version (a DarkRelease, or a split by version)',
    ]);
  });
});

describe('the subsets in use by a host routed to the whole Service', () => {
  function wholeHost(): HostRouting {
    const h = host();
    for (const v of ['v1', 'v2', 'v3', 'v4', 'v5']) { h.addSubset(a, v, { version: v }); }
    h.setCatchAll(Audience.MESH, a, [whole]);
    return h;
  }

  test('undefined when the release routes to versions: every declared subset is written', () => {
    expect(released().subsetsInUse(() => [])).toBeUndefined();
  });

  test('defined as soon as one audience routes to the whole Service (the other routing to versions)', () => {
    const h = host();
    h.addSubset(a, 'v1', {});
    h.addSubset(a, 'v2', {});
    h.setCatchAll(Audience.MESH, a, [whole]);
    h.setCatchAll(Audience.EDGE, a, [to('v2')]);
    expect(h.subsetsInUse(() => [])).toEqual(new Set());
    // The edge's VirtualService (in another namespace) names the host in full, as IngressEdge does.
    const follow = { routing: h, audience: Audience.EDGE, host: FQDN };
    h.addVirtualService(edgeEntry([{ source: b, match: [], tier: Tier.CATCH_ALL, rank: [], follow }]));
    expect(h.subsetsInUse(() => [])).toEqual(new Set(['v2']));
  });

  test('the subsets routed (live weights, or all when every weight is zero) and mirrored to, by this host\'s and the chart\'s VirtualServices', () => {
    const h = wholeHost();
    h.addReleaseRule({
      source: b,
      name: 'r',
      match: [{ uri: { prefix: '/a' } }],
      tier: Tier.DARK,
      rank: [],
      audiences: [Audience.MESH],
      route: [to('v1', 100), to('v5', 0)],
      options: { mirror: { host: 'reviews', subset: 'v2' } },
    });
    h.addReleaseRule({ source: b, name: 'z', match: [{ uri: { prefix: '/z' } }], tier: Tier.DARK, rank: [], audiences: [Audience.MESH], route: [to('v4', 0)] });
    h.addVirtualService(meshEntry(h));
    expect(h.subsetsInUse(() => [])).toEqual(new Set(['v1', 'v2', 'v4']));
    // Another host's VirtualService routing here by its full name, with `mirrors`.
    const other = new HostRouting('web.shop.svc.cluster.local', 'shop', 'web');
    other.addVirtualService({
      owner: b,
      name: 'web',
      namespace: 'shop',
      host: 'web',
      bindings: [Binding.MESH],
      http: true,
      rules: [{
        source: b,
        tier: Tier.CATCH_ALL,
        rank: [],
        match: [],
        route: [{ host: 'web', weight: 100 }],
        options: { mirrors: [{ destination: { host: FQDN, subset: 'v3' } }, { destination: { host: 'ratings', subset: 'v5' } }, null] },
      }],
    });
    expect(h.subsetsInUse(() => [other])).toEqual(new Set(['v1', 'v2', 'v3', 'v4']));
    expect(h.subsetsInUse(() => [h, other])).toEqual(new Set(['v1', 'v2', 'v3', 'v4']));
  });

  test('a VirtualService in another namespace names this host by its full name (a short name or a dotted one is another host)', () => {
    const h = wholeHost();
    const elsewhere = new HostRouting('web.other.svc.cluster.local', 'other', 'web');
    elsewhere.addVirtualService({
      owner: b,
      name: 'web',
      namespace: 'other',
      host: 'web',
      bindings: [Binding.MESH],
      http: true,
      rules: [{ source: b, tier: Tier.CATCH_ALL, rank: [], match: [], route: [{ host: 'reviews', subset: 'v1', weight: 40 }, { host: 'reviews.shop', subset: 'v2', weight: 30 }, { host: FQDN, subset: 'v3', weight: 30 }] }],
    });
    expect(h.subsetsInUse(() => [elsewhere])).toEqual(new Set(['v3']));
  });

  test('a VirtualService whose rules cannot be resolved is skipped (validate reports it); other errors are not swallowed', () => {
    const h = wholeHost();
    h.addReleaseRule({ source: b, name: 'r', match: [{ uri: { prefix: '/a' } }], tier: Tier.DARK, rank: [], audiences: [Audience.EDGE], route: [to('v1')] });
    h.setCatchAll(Audience.EDGE, a, [whole]);
    const edge = edgeEntry([{ source: b, name: 'e', match: [{ uri: { regex: '/[ab]' } }], tier: Tier.ROUTE, rank: [], follow: { routing: h, audience: Audience.EDGE } }]);
    h.addVirtualService(edge);
    expect(h.subsetsInUse(() => [])).toEqual(new Set());
    expect(h.validate()).toEqual([expect.stringMatching(/^\[c\/b\] routes\[e\]: 'uri' of the route and of the release rule 'r' both constrain uri/)]);
  });
});

describe('rules that follow another host\'s release', () => {
  test('one rule per release rule, matching what both match, with the VirtualService\'s host and port, names joined', () => {
    const h = released();
    h.setReleaseOption(Audience.EDGE, a, 'timeout', '5s');
    h.addReleaseRule({ source: a, name: 'beta', match: [{ headers: { beta: { exact: '1' } } }], tier: Tier.DARK, rank: [], audiences: [Audience.EDGE], route: [to('v2')], options: { timeout: '9s' } });
    h.addReleaseRule({ source: a, name: 'other-path', match: [{ uri: { prefix: '/other' } }], tier: Tier.DARK, rank: [], audiences: [Audience.EDGE], route: [to('v2')] });
    const entry = edgeEntry([{
      source: b,
      name: 'shop',
      match: [{ uri: { prefix: '/shop' } }],
      tier: Tier.ROUTE,
      rank: [],
      follow: { routing: h, audience: Audience.EDGE, host: FQDN, port: 9080 },
      options: { retries: { attempts: 1 } },
    }]);
    expect(h.resolve(entry)).toEqual([
      {
        source: a,
        name: 'shop-beta',
        match: [{ uri: { prefix: '/shop' }, headers: { beta: { exact: '1' } } }],
        route: [{ host: FQDN, subset: 'v2', weight: 100, port: 9080 }],
        options: { timeout: '9s', retries: { attempts: 1 } },
      },
      {
        source: b,
        name: 'shop',
        match: [{ uri: { prefix: '/shop' } }],
        route: [{ host: FQDN, subset: 'v1', weight: 90, port: 9080 }, { host: FQDN, subset: 'v2', weight: 10, port: 9080 }],
        options: { timeout: '5s', retries: { attempts: 1 } },
      },
    ]);
  });

  test('an unnamed rule or release rule keeps the other\'s name; without host and port the release\'s destinations stay', () => {
    const h = released();
    h.addReleaseRule({ source: a, match: [{ headers: { beta: { exact: '1' } } }], tier: Tier.DARK, rank: [], audiences: [Audience.EDGE], route: [to('v2')] });
    const unnamed = edgeEntry([{ source: b, match: [], tier: Tier.ROUTE, rank: [], follow: { routing: h, audience: Audience.EDGE } }]);
    const rules = h.resolve(unnamed);
    expect(rules.map(r => r.name)).toEqual([undefined, 'default']);
    expect(rules[0].route).toStrictEqual([to('v2')]);
    expect(rules[1].source).toBe(b);
    const named = edgeEntry([{ source: b, name: 'shop', match: [], tier: Tier.ROUTE, rank: [], follow: { routing: h, audience: Audience.EDGE } }]);
    expect(h.resolve(named).map(r => r.name)).toEqual(['shop', 'shop']);
  });

  test('only the catch-all (no match, named default) gives its name to the rule; a release rule without a match is still named', () => {
    const h = released();
    h.addReleaseRule({ source: a, name: 'everyone', match: [], tier: Tier.DECORATION, rank: [], audiences: [Audience.EDGE], options: { fault: {} } });
    h.addReleaseRule({ source: a, name: 'default', match: [{ headers: { x: { exact: '1' } } }], tier: Tier.DARK, rank: [], audiences: [Audience.EDGE], route: [to('v2')] });
    const entry = edgeEntry([{ source: b, name: 'shop', match: [], tier: Tier.ROUTE, rank: [], follow: { routing: h, audience: Audience.EDGE } }]);
    expect(h.resolve(entry).map(r => r.name)).toEqual(['shop-default', 'shop-everyone', 'shop']);
  });

  test('the rules of a VirtualService are ordered before they are expanded', () => {
    const h = released();
    const entry = edgeEntry([
      { source: b, name: 'all', match: [], tier: Tier.CATCH_ALL, rank: [], route: [to('v1')] },
      { source: b, name: 'api', match: [{ uri: { prefix: '/api' } }], tier: Tier.ROUTE, rank: [], follow: { routing: h, audience: Audience.EDGE } },
    ]);
    expect(h.resolve(entry).map(r => [r.name, r.options])).toEqual([['api', {}], ['all', {}]]);
  });
});

describe('when a release to the whole Service needs a mesh VirtualService', () => {
  test('not while the mesh release is the whole Service unchanged; at once when anything is added to it, and only once', () => {
    const made: string[] = [];
    const h = host();
    h.addSubset(a, 'v1', {});
    h.setCatchAll(Audience.MESH, a, [whole]);
    h.setCatchAll(Audience.EDGE, a, [to('v1')]);
    h.emitMeshVirtualServiceWhenNeeded(() => made.push('vs'));
    expect(h.meshNeedsVirtualService).toBe(false);
    h.addReleaseRule({ source: b, name: 'edge', match: [{ uri: { prefix: '/a' } }], tier: Tier.DARK, rank: [], audiences: [Audience.EDGE], route: [to('v1')] });
    h.setReleaseOption(Audience.EDGE, b, 'timeout', '1s');
    h.setCatchAllHeaders(Audience.EDGE, 'v1', {});
    expect(made).toEqual([]);
    h.setReleaseOption(Audience.MESH, b, 'timeout', '1s');
    expect(made).toEqual(['vs']);
    h.setAffinity(b);
    expect(made).toEqual(['vs']);
  });

  test.each([
    ['a mesh release rule', (h: HostRouting) => h.addReleaseRule({ source: b, name: 'r', match: [{ uri: { prefix: '/a' } }], tier: Tier.DARK, rank: [], audiences: [Audience.MESH], route: [whole] })],
    ['headers on the mesh catch-all', (h: HostRouting) => h.setCatchAllHeaders(Audience.MESH, 'v1', {})],
    ['version affinity', (h: HostRouting) => h.setAffinity(b)],
  ])('%s makes it', (_what, add) => {
    const made: string[] = [];
    const h = host();
    h.setCatchAll(Audience.MESH, a, [whole]);
    h.emitMeshVirtualServiceWhenNeeded(() => made.push('vs'));
    add(h);
    expect(made).toEqual(['vs']);
  });

  test('a release that routes to versions, to the whole Service among others, or has no catch-all yet makes it at once', () => {
    const made: string[] = [];
    const versions = host();
    versions.setCatchAll(Audience.MESH, a, [to('v1')]);
    versions.emitMeshVirtualServiceWhenNeeded(() => made.push('versions'));
    const mixed = host();
    mixed.setCatchAll(Audience.MESH, a, [{ ...whole, weight: 50 }, to('v2', 50)]);
    mixed.emitMeshVirtualServiceWhenNeeded(() => made.push('mixed'));
    const notWhole = host();
    notWhole.setCatchAll(Audience.MESH, a, [{ host: 'reviews', weight: 100 }]);
    notWhole.emitMeshVirtualServiceWhenNeeded(() => made.push('no-flag'));
    expect(made).toEqual(['versions', 'mixed', 'no-flag']);
    host().emitMeshVirtualServiceWhenNeeded(() => made.push('none'));
    expect(made).toEqual(['versions', 'mixed', 'no-flag', 'none']);
  });
});

describe('rendering a host to Istio', () => {
  test('the mesh VirtualService has no gateways field; a gateway-bound one lists its bindings; a TCP host has tcp routes', () => {
    const h = released();
    h.addReleaseRule({ source: b, name: 'beta', match: [{ headers: { beta: { exact: '1' } } }], tier: Tier.DARK, rank: [], audiences: [Audience.MESH], route: [to('v2')], options: { timeout: '2s' } });
    const mesh = meshEntry(h);
    expect(virtualServiceSpec(h, mesh)).toEqual({
      hosts: ['reviews'],
      http: [
        { name: 'beta', match: [{ headers: { beta: { exact: '1' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' }, weight: 100 }], timeout: '2s' },
        { name: 'default', route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 90 }, { destination: { host: 'reviews', subset: 'v2' }, weight: 10 }] },
      ],
    });
    const gatewayOnly = edgeEntry([{ source: b, match: [], tier: Tier.CATCH_ALL, rank: [], route: [to('v1')] }]);
    expect(virtualServiceSpec(h, gatewayOnly).gateways).toEqual(['edge/gw']);
    const both = edgeEntry([{ source: b, match: [], tier: Tier.CATCH_ALL, rank: [], route: [to('v1')] }], b, [Binding.gateway('edge', 'gw'), Binding.MESH]);
    expect(virtualServiceSpec(h, both)).toEqual({
      hosts: ['shop.example.com'], gateways: ['edge/gw', 'mesh'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 100 }] }],
    });
    const tcp = { ...both, http: false, rules: [{ source: b, name: 'n', match: [], tier: Tier.CATCH_ALL, rank: [], route: [to('v1', 60), to('v2', 40)], options: { timeout: '1s' } }] };
    expect(virtualServiceSpec(h, tcp)).toEqual({
      hosts: ['shop.example.com'],
      gateways: ['edge/gw', 'mesh'],
      tcp: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 60 }, { destination: { host: 'reviews', subset: 'v2' }, weight: 40 }] }],
    });
  });

  test('the DestinationRule: the short host, the host-wide policy, the subsets with their policies, nothing empty', () => {
    const h = released();
    h.setPolicy(a, 'v2', 'outlierDetection', { consecutive5xxErrors: 3 });
    expect(destinationRuleSpec(h)).toEqual({
      host: 'reviews',
      subsets: [
        { name: 'v1', labels: { app: 'reviews', version: 'v1' } },
        { name: 'v2', labels: { app: 'reviews', version: 'v2' }, trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3 } } },
      ],
    });
    h.setPolicy(a, undefined, 'loadBalancer', { simple: 'RANDOM' });
    expect(destinationRuleSpec(h).trafficPolicy).toEqual({ loadBalancer: { simple: 'RANDOM' } });
    expect(destinationRuleSpec(host())).toEqual({ host: 'reviews' });
  });

  test('routed to the whole Service, the DestinationRule lists only the subsets in use or with a policy of their own', () => {
    const h = host();
    for (const v of ['v1', 'v2', 'v3']) { h.addSubset(a, v, { version: v }); }
    h.setCatchAll(Audience.MESH, a, [whole]);
    h.setPolicy(a, 'v3', 'connectionPool', { tcp: { maxConnections: 1 } });
    h.addReleaseRule({ source: b, name: 'r', match: [{ uri: { prefix: '/b' } }], tier: Tier.DARK, rank: [], audiences: [Audience.MESH], route: [to('v2')] });
    h.addVirtualService(meshEntry(h));
    expect(destinationRuleSpec(h).subsets.map((s: any) => s.name)).toEqual(['v2', 'v3']);
    expect(destinationRuleSpec(h, () => [h]).subsets.map((s: any) => s.name)).toEqual(['v2', 'v3']);
  });
});
