/**
 * Routing that follows the pods: a route to the whole Service (TrafficSplit.wholeService()),
 * relative weights (TrafficSplit.relative()), and services with a DestinationRule and no
 * VirtualService when nothing needs one.
 */
import { Chart, Testing } from 'cdk8s';
import {
  CanaryService, CanaryServiceProps, CircuitBreakerPolicy, DarkRelease, EdgeDestination, ExistingService, FaultAbort, FaultInjection,
  IngressEdge, LoadBalancer, LoadBalancing, ReleaseScope, RequestCondition, RoutingMode, RoutingSimulator, ServiceVersion, TrafficSplit,
} from '../src';
import { only, synthChecked } from './util';
import '../src/testing/jest';

function chart(): Chart {
  return new Chart(Testing.app(), 'test', { namespace: 'shop' });
}

/** reviews: v1 with 1 pod, v2 with 3 pods. */
function reviews(c: Chart, extra: Partial<CanaryServiceProps> = {}): CanaryService {
  return new CanaryService(c, 'reviews', {
    port: 9080,
    stable: { image: 'reviews:1', replicas: 1 },
    canary: { image: 'reviews:2', replicas: 3 },
    traffic: TrafficSplit.wholeService(),
    ...extra,
  });
}

const kinds = (m: any[]) => m.map(o => `${o.kind}/${o.metadata.name}`);
const TESTER = RequestCondition.headerExact('x-tester', 'yes');

describe('TrafficSplit.wholeService(): the route to the whole Service', () => {
  test('nothing needs a VirtualService: none is emitted, the DestinationRule has no subset, the pods share the requests', () => {
    const c = chart();
    const svc = reviews(c);
    const m = synthChecked(c);
    expect(kinds(m)).toEqual([
      'ServiceAccount/reviews', 'Deployment/reviews-v1', 'Deployment/reviews-v2', 'Service/reviews', 'DestinationRule/reviews',
    ]);
    expect(only(m, 'DestinationRule', 'reviews').spec).toEqual({ host: 'reviews' });
    expect(svc.virtualService).toBeUndefined();
    expect(svc.split).toEqual([{ version: 'v1', weight: 1 }, { version: 'v2', weight: 3 }]);
    const o = RoutingSimulator.fromChart(c).route({ host: 'reviews', sourceNamespace: 'shop' });
    expect(o.kind).toBe('kubernetes-default');
    expect(o.versionShares).toEqual({ v1: 25, v2: 75 });
    expect(m).toMatchSnapshot();
  });

  test('a DestinationRule-only service: circuit breaker and load balancing, no VirtualService', () => {
    const c = chart();
    const svc = reviews(c);
    new CircuitBreakerPolicy(c, 'breaker', { service: svc, connectionPool: { maxConnections: 10 } });
    new LoadBalancing(c, 'lb', { service: svc, loadBalancer: LoadBalancer.leastRequest() });
    const m = synthChecked(c);
    expect(m.filter(o => o.kind === 'VirtualService')).toEqual([]);
    expect(only(m, 'DestinationRule', 'reviews').spec).toEqual({
      host: 'reviews',
      trafficPolicy: { connectionPool: { tcp: { maxConnections: 10 } }, loadBalancer: { simple: 'LEAST_REQUEST' } },
    });
    expect(c).toSplit({ host: 'reviews', sourceNamespace: 'shop' }, { v1: 25, v2: 75 });
  });

  test('a per-version policy that no route sends requests to fails: Istio would apply it to nothing', () => {
    const c = chart();
    const svc = reviews(c);
    new CircuitBreakerPolicy(c, 'breaker', { service: svc, version: 'v2', connectionPool: { maxConnections: 5 } });
    expect(() => Testing.synth(c)).toThrow(/\[test\/breaker\] version: the connectionPool of version 'v2' of host 'reviews' applies to no request: the service routes to the whole Service.*Set it for the whole service \(leave out 'version'\), or route requests to the version/);
  });

  test('a per-version policy of a version a DarkRelease routes to keeps that version\'s subset, and only that one', () => {
    const c = chart();
    const svc = reviews(c);
    new CircuitBreakerPolicy(c, 'breaker', { service: svc, version: 'v2', connectionPool: { maxConnections: 5 } });
    new DarkRelease(c, 'testers', { service: svc, version: 'v2', when: [TESTER] });
    const m = synthChecked(c);
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets).toEqual([
      { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { connectionPool: { tcp: { maxConnections: 5 } } } },
    ]);
  });

  test('a one-version service routed to the whole Service has a DestinationRule only', () => {
    const c = chart();
    new CanaryService(c, 'details', { port: 9080, stable: { image: 'details:1' }, traffic: TrafficSplit.wholeService() });
    const m = synthChecked(c);
    expect(kinds(m).filter(k => /VirtualService|DestinationRule/.test(k))).toEqual(['DestinationRule/details']);
    expect(c).toRoute({ host: 'details', sourceNamespace: 'shop' }, { version: 'v1' });
  });

  test('a DarkRelease on top: the VirtualService appears, matched requests go to the subset, the rest to the whole Service (no weight)', () => {
    const c = chart();
    const svc = reviews(c);
    expect(svc.virtualService).toBeUndefined();
    new DarkRelease(c, 'testers', { service: svc, version: 'v2', when: [TESTER] });
    expect(svc.virtualService).toBeDefined();
    const m = synthChecked(c);
    expect(kinds(m).slice(-2)).toEqual(['DestinationRule/reviews', 'VirtualService/reviews']);
    expect(only(m, 'VirtualService', 'reviews').spec.http).toEqual([
      { name: 'testers', match: [{ headers: { 'x-tester': { exact: 'yes' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' }, weight: 100 }] },
      { name: 'default', route: [{ destination: { host: 'reviews' } }] },
    ]);
    // Only the subset something routes to is declared.
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets).toEqual([{ name: 'v2', labels: { version: 'v2' } }]);
    expect(c).toRoute({ host: 'reviews', headers: { 'x-tester': 'yes' } }, { version: 'v2', rule: 'testers' });
    expect(c).toSplit({ host: 'reviews', sourceNamespace: 'shop' }, { v1: 25, v2: 75 });
    expect(m).toMatchSnapshot();
  });

  test('a fault on all traffic needs the VirtualService: it is emitted, around the whole-Service route', () => {
    const c = chart();
    const svc = reviews(c);
    new FaultInjection(c, 'fault', { service: svc, abort: FaultAbort.httpStatus(503), abortPercentage: 10, allTraffic: true });
    const m = synthChecked(c);
    const http = only(m, 'VirtualService', 'reviews').spec.http;
    expect(http).toHaveLength(1);
    expect(http[0].route).toEqual([{ destination: { host: 'reviews' } }]);
    expect(http[0].fault).toEqual({ abort: { httpStatus: 503, percentage: { value: 10 } } });
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets).toBeUndefined();
  });

  test('an IngressEdge following the release routes to the whole Service; the mesh still needs no VirtualService', () => {
    const c = chart();
    const svc = reviews(c);
    new IngressEdge(c, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(svc) }] });
    const m = synthChecked(c);
    const vss = m.filter(o => o.kind === 'VirtualService');
    expect(vss).toHaveLength(1);
    expect(vss[0].spec.hosts).toEqual(['shop.example.com']);
    expect(vss[0].spec.http[vss[0].spec.http.length - 1].route).toEqual([{ destination: { host: 'reviews', port: { number: 9080 } } }]);
    const gateway = `shop/${only(m, 'Gateway', m.find(o => o.kind === 'Gateway').metadata.name).metadata.name}`;
    expect(c).toSplit({ gateway, host: 'shop.example.com' }, { v1: 25, v2: 75 });
    expect(c).toSplit({ host: 'reviews', sourceNamespace: 'shop' }, { v1: 25, v2: 75 });
  });

  test('an IngressEdge with includeMesh on the host fails: the service\'s release owns its mesh routing, even before its VirtualService is written', () => {
    const c = chart();
    const svc = reviews(c);
    const edge = new IngressEdge(c, 'edge', { hosts: ['reviews.shop.svc.cluster.local'], includeMesh: true });
    expect(() => edge.addRoute({ to: EdgeDestination.version(svc, 'v2') }))
      .toThrow(/\[test\/edge\] hosts: 'reviews.shop.svc.cluster.local' is already routed in the mesh by the release of test\/reviews \(it routes to the whole Service, so its VirtualService shop\/reviews is written once a construct adds to the mesh traffic\).*\(IST0109\)\. Route the host through the existing construct/);
  });

  test('an edge route to one version keeps that version\'s subset', () => {
    const c = chart();
    const svc = reviews(c);
    new IngressEdge(c, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.version(svc, 'v1') }] });
    const m = synthChecked(c);
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }]);
  });

  test('releaseScope EDGE: the mesh stays on the stable version, so the mesh VirtualService is emitted', () => {
    const c = chart();
    reviews(c, { releaseScope: ReleaseScope.EDGE });
    const m = synthChecked(c);
    expect(only(m, 'VirtualService', 'reviews').spec.http).toEqual([
      { name: 'default', route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 100 }] },
    ]);
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }]);
    expect(c).toRoute({ host: 'reviews', sourceNamespace: 'shop' }, { version: 'v1' });
  });

  test('a service routed to versions keeps every subset and its VirtualService', () => {
    const c = chart();
    const svc = reviews(c, { traffic: TrafficSplit.stable() });
    const m = synthChecked(c);
    expect(svc.virtualService).toBeDefined();
    expect(only(m, 'DestinationRule', 'reviews').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2']);
  });
});

describe('TrafficSplit.relative(): weights that are not percentages', () => {
  const three = (traffic: TrafficSplit) => {
    const c = chart();
    const svc = new CanaryService(c, 'reviews', {
      port: 9080,
      versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })),
      traffic,
    });
    return { c, svc };
  };

  test('an even three-way split is exactly one third each, the weights written as given', () => {
    const { c, svc } = three(TrafficSplit.relative({ v1: 1, v2: 1, v3: 1 }));
    const m = synthChecked(c);
    expect(only(m, 'VirtualService', 'reviews').spec.http).toEqual([{
      name: 'default',
      route: ['v1', 'v2', 'v3'].map(v => ({ destination: { host: 'reviews', subset: v }, weight: 1 })),
    }]);
    expect(svc.split).toEqual([{ version: 'v1', weight: 1 }, { version: 'v2', weight: 1 }, { version: 'v3', weight: 1 }]);
    const o = RoutingSimulator.fromChart(c).route({ host: 'reviews' });
    for (const v of ['v1', 'v2', 'v3']) { expect(o.versionShares[v]).toBeCloseTo(100 / 3, 10); }
    expect(m).toMatchSnapshot();
  });

  test('versions not named get 0 and are left out of the route', () => {
    const { c } = three(TrafficSplit.relative({ v1: 3, v3: 1 }));
    const m = synthChecked(c);
    expect(only(m, 'VirtualService', 'reviews').spec.http[0].route).toEqual([
      { destination: { host: 'reviews', subset: 'v1' }, weight: 3 },
      { destination: { host: 'reviews', subset: 'v3' }, weight: 1 },
    ]);
    expect(c).toSplit({ host: 'reviews' }, { v1: 75, v3: 25 });
  });

  test('in RoutingMode.REPLICAS the relative weights are the replica ratio', () => {
    const c = chart();
    new CanaryService(c, 'reviews', {
      port: 9080, stable: { image: 'reviews:1' }, canary: { image: 'reviews:2' }, mode: RoutingMode.REPLICAS, traffic: TrafficSplit.relative({ v1: 1, v2: 3 }),
    });
    const m = synthChecked(c);
    expect(only(m, 'Deployment', 'reviews-v1').spec.replicas).toBe(1);
    expect(only(m, 'Deployment', 'reviews-v2').spec.replicas).toBe(3);
    expect(c).toSplit({ host: 'reviews', sourceNamespace: 'shop' }, { v1: 25, v2: 75 });
  });

  test('a replica budget that cannot express the ratio names the ratio', () => {
    const c = chart();
    expect(() => new CanaryService(c, 'reviews', {
      port: 9080, stable: { image: 'reviews:1' }, canary: { image: 'reviews:2' }, mode: RoutingMode.REPLICAS, replicaBudget: 6, traffic: TrafficSplit.relative({ v1: 1, v2: 3 }),
    })).toThrow(/\[test\/reviews\] replicaBudget: 6 cannot give v1 1\/4 \/ v2 3\/4 .* ratio 1:3 \(a multiple of 4 pods in all\)\. Set replicaBudget to a multiple of 4/);
  });

  test('in RoutingMode.REPLICAS a ratio that needs more than 100 pods is refused', () => {
    expect(() => new CanaryService(chart(), 'reviews', {
      port: 9080, stable: { image: 'reviews:1' }, canary: { image: 'reviews:2' }, mode: RoutingMode.REPLICAS, traffic: TrafficSplit.relative({ v1: 1000, v2: 1 }),
    })).toThrow(/\[test\/reviews\] traffic: \{"v1":1000,"v2":1\} needs 1001 pods to give v1 1000\/1001 \/ v2 1\/1001 with plain Kubernetes load balancing\. Use relative weights of a smaller ratio/);
  });

  test('a DarkRelease can split its matched requests by relative weights', () => {
    const { c, svc } = three(TrafficSplit.stable());
    new DarkRelease(c, 'testers', { service: svc, version: 'v3', when: [TESTER], matchedSplit: TrafficSplit.relative({ v2: 1, v3: 1 }) });
    expect(c).toSplit({ host: 'reviews', headers: { 'x-tester': 'yes' } }, { v2: 50, v3: 50 });
  });
});

describe('bad input: relative weights and the whole-Service route', () => {
  const svcWith = (traffic: TrafficSplit) => () => new CanaryService(chart(), 'reviews', {
    port: 9080, stable: { image: 'reviews:1' }, canary: { image: 'reviews:2' }, traffic,
  });

  test.each([
    ['a negative weight', { v1: -1, v2: 2 }, /\[test\/reviews\] traffic\.relative\.v1: -1 is not a relative weight\. Use a whole number from 0 to 2147483647/],
    ['a fraction', { v1: 0.5, v2: 1 }, /\[test\/reviews\] traffic\.relative\.v1: 0\.5 is not a relative weight\. Use a whole number/],
    ['a string', { v1: '1' as any, v2: 1 }, /\[test\/reviews\] traffic\.relative\.v1: '1' is not a relative weight/],
    ['NaN', { v1: NaN, v2: 1 }, /\[test\/reviews\] traffic\.relative\.v1: NaN is not a relative weight/],
    ['more than int32', { v1: 2147483648, v2: 1 }, /traffic\.relative\.v1: 2147483648 is not a relative weight.*int32/],
    ['all zero', { v1: 0, v2: 0 }, /\[test\/reviews\] traffic\.relative: \{"v1":0,"v2":0\} gives no version a positive weight.*Give at least one version a weight above 0/],
    ['nothing named', {}, /\[test\/reviews\] traffic\.relative: \{\} gives no version a positive weight/],
    ['a sum above uint32', { v1: 2147483647, v2: 2147483647, v3: 2 }, /traffic\.relative: .* sum to 4294967296, more than the 4294967295 .*Divide the weights by a common factor/],
    ['an undeclared version', { v1: 1, v9: 1 }, /\[test\/reviews\] traffic\.relative: 'v9' is not a declared version\. Use one of the declared versions \(v1, v2\)/],
  ])('%s', (_name, weights, error) => {
    const build = (weights as any).v3 !== undefined
      ? () => new CanaryService(chart(), 'reviews', {
        port: 9080, versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `reviews:${v}` })), traffic: TrafficSplit.relative(weights),
      })
      : svcWith(TrafficSplit.relative(weights));
    expect(build).toThrow(error);
  });

  test('relative weights not given as a map', () => {
    expect(() => TrafficSplit.relative(null as any)).toThrow(/\[TrafficSplit\.relative\] weights: null is not a map/);
  });

  test('the whole-Service route in RoutingMode.REPLICAS', () => {
    expect(() => new CanaryService(chart(), 'reviews', {
      port: 9080, stable: { image: 'reviews:1' }, canary: { image: 'reviews:2' }, mode: RoutingMode.REPLICAS, traffic: TrafficSplit.wholeService(),
    })).toThrow(/\[test\/reviews\] traffic: 'TrafficSplit.wholeService\(\)' leaves the shares to the replicas, while RoutingMode.REPLICAS sets the replicas from the shares\. Use RoutingMode.ISTIO/);
  });

  test('the whole-Service route as the split of a DarkRelease', () => {
    const c = chart();
    const svc = reviews(c, { traffic: TrafficSplit.stable() });
    expect(() => new DarkRelease(c, 'testers', { service: svc, version: 'v2', when: [TESTER], matchedSplit: TrafficSplit.wholeService() }))
      .toThrow(/\[test\/testers\] matchedSplit: 'TrafficSplit.wholeService\(\)' does not name versions, and this split routes to versions\. Give the shares per version/);
  });

  test('the whole-Service route on an ExistingService', () => {
    expect(() => new ExistingService(chart(), 'reviews', {
      port: 9080, versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')], traffic: TrafficSplit.wholeService(),
    })).toThrow(/\[test\/reviews\] traffic: 'TrafficSplit.wholeService\(\)' is not supported by this service construct\. Use a CanaryService/);
  });
});
