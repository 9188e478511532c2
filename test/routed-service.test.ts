// How a service is registered as routed by Istio: its DestinationRule and mesh VirtualService (as
// children of the service construct, in apply order), its subsets and catch-all routes, what the
// analysis learns of it, how constructs find the routing of a service (also one of your own), and
// the checks on what names a service. Errors are checked as whole messages.
import { ApiObject, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Caller, CanaryService, CanaryServiceProps, DarkRelease, EdgeDestination, ExistingService, FaultAbort, FaultInjection, GrpcStatus,
  IngressEdge, IRoutableService, LoadBalancer, LoadBalancing, NamespaceDefaultDeny, ReleaseScope, RequestCondition, RoutingMode, RoutingSimulator,
  ServiceAuthorization, ServiceProtocol, ServiceVersion, TrafficMirror, TrafficSplit,
} from '../src';
import { defaultWeights, exactly, only, synthChecked } from './util';
import { TrafficModel } from '../src/model/traffic-model';

function chart(namespace: string | undefined = 'shop'): Chart {
  return new Chart(Testing.app(), 'test', { namespace });
}


function reviews(c: Chart, props: Partial<CanaryServiceProps> = {}, id = 'reviews'): CanaryService {
  return new CanaryService(c, id, {
    port: 9080,
    versions: ['v1', 'v2'].map(v => ServiceVersion.deploy(v, { image: `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2` })),
    traffic: TrafficSplit.canaryPercent(20),
    ...props,
  });
}

const jason = RequestCondition.headerExact('end-user', 'jason');

/** A service construct of your own: versions v1 and v2, subsets `<version>-pods`, pods labelled `track`. */
class Ratings extends Construct implements IRoutableService {
  public readonly name = 'ratings';
  public readonly port = 9080;
  public readonly protocol: ServiceProtocol;
  public readonly versionNames = ['v1', 'v2'];
  public readonly stableVersion: string;
  public readonly versionLabel = 'track';

  constructor(scope: Construct, id: string, public readonly namespace: string | undefined,
    options: { stable?: string; protocol?: ServiceProtocol } = {}) {
    super(scope, id);
    this.stableVersion = options.stable ?? 'v1';
    this.protocol = options.protocol ?? ServiceProtocol.HTTP;
  }

  public subsetOf(version: string): string { return `${version}-pods`; }
  public podLabelsOf(version: string): { [key: string]: string } { return { app: 'ratings', track: `${version}-track` }; }
}

describe('the objects of a routed service', () => {
  test('DestinationRule and VirtualService are children of the service, named and namespaced as it, applied after the Service', () => {
    const c = chart();
    const svc = reviews(c, { namespace: 'books' });
    expect(svc.destinationRule!.node.path).toBe('test/reviews/DestinationRule');
    expect(svc.virtualService!.node.path).toBe('test/reviews/VirtualService');
    expect(svc.destinationRule!.node.dependencies).toEqual([svc.service]);
    expect(svc.virtualService!.node.dependencies).toEqual([svc.destinationRule]);
    const m = synthChecked(c);
    expect(m.map(o => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/books/reviews', 'Deployment/books/reviews-v1', 'Deployment/books/reviews-v2', 'Service/books/reviews',
      'DestinationRule/books/reviews', 'VirtualService/books/reviews',
    ]);
    expect(only(m, 'DestinationRule', 'reviews').spec).toEqual({
      host: 'reviews',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
    });
    const vs = only(m, 'VirtualService', 'reviews');
    expect(vs.spec.hosts).toEqual(['reviews']);
    expect(vs.spec.gateways).toBeUndefined();
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['default']);
    expect(defaultWeights(vs)).toEqual({ v1: 80, v2: 20 });
  });

  test('subsets select the version label\'s value of each version\'s pods, under the subset name', () => {
    const c = chart();
    const svc = new ExistingService(c, 'legacy', {
      port: 8080,
      versionLabel: 'track',
      versions: [
        ServiceVersion.adopt('v1', { podLabels: { app: 'legacy', track: 'blue', tier: 'web' } }),
        ServiceVersion.adopt('v2', { podLabels: { app: 'legacy', track: 'green' }, subsetName: 'next' }),
      ],
      traffic: TrafficSplit.canaryPercent(30),
    });
    const m = Testing.synth(c);
    expect(only(m, 'DestinationRule', 'legacy').spec.subsets).toEqual([
      { name: 'v1', labels: { track: 'blue' } }, { name: 'next', labels: { track: 'green' } },
    ]);
    expect(defaultWeights(only(m, 'VirtualService', 'legacy'))).toEqual({ v1: 70, next: 30 });
    expect(svc.virtualService.node.dependencies).toEqual([svc.destinationRule]);
    expect(svc.destinationRule.node.dependencies).toEqual([]);
  });

  test('a TCP service is routed with tcp routes, an HTTP one with http routes', () => {
    const c = chart();
    reviews(c, { protocol: ServiceProtocol.TCP });
    const vs = only(Testing.synth(c), 'VirtualService', 'reviews');
    expect(vs.spec.http).toBeUndefined();
    expect(vs.spec.tcp).toEqual([{
      route: [
        { destination: { host: 'reviews', subset: 'v1' }, weight: 80 }, { destination: { host: 'reviews', subset: 'v2' }, weight: 20 },
      ],
    }]);
  });

  test('the mesh and the edge each get their catch-all route, as releaseScope says', () => {
    const shares = (scope: ReleaseScope | undefined) => {
      const c = chart();
      const svc = reviews(c, { releaseScope: scope });
      new IngressEdge(c, 'edge', { hosts: ['*'], routes: [{ to: EdgeDestination.release(svc) }] });
      const sim = RoutingSimulator.fromChart(c);
      return {
        mesh: sim.route({ host: 'reviews', sourceNamespace: 'shop' }).versionShares,
        edge: sim.route({ gateway: 'shop/edge', host: 'x.example.com' }).versionShares,
      };
    };
    expect(shares(undefined)).toEqual({ mesh: { v1: 80, v2: 20 }, edge: { v1: 80, v2: 20 } });
    expect(shares(ReleaseScope.MESH)).toEqual({ mesh: { v1: 80, v2: 20 }, edge: { v1: 100 } });
    expect(shares(ReleaseScope.EDGE)).toEqual({ mesh: { v1: 100 }, edge: { v1: 80, v2: 20 } });
  });

  test('TrafficSplit.wholeService(): no mesh VirtualService until something adds to the mesh traffic, then one after the DestinationRule', () => {
    const c = chart();
    const svc = reviews(c, { traffic: TrafficSplit.wholeService() });
    expect(svc.virtualService).toBeUndefined();
    expect(Testing.synth(c).map(o => o.kind)).toEqual(['ServiceAccount', 'Deployment', 'Deployment', 'Service', 'DestinationRule']);
    new FaultInjection(c, 'slow', { service: svc, abort: FaultAbort.httpStatus(503), abortPercentage: 5, allTraffic: true });
    expect(svc.virtualService!.node.path).toBe('test/reviews/VirtualService');
    expect(svc.virtualService!.node.dependencies).toEqual([svc.destinationRule]);
    const vs = only(Testing.synth(c), 'VirtualService', 'reviews');
    expect(vs.metadata.namespace).toBe('shop');
    expect(vs.spec.http).toEqual([{
      name: 'default', route: [{ destination: { host: 'reviews' } }], fault: { abort: { httpStatus: 503, percentage: { value: 5 } } },
    }]);
  });

  test('what the analysis knows: a Service that exists outside the manifests, and none otherwise', () => {
    const c = chart();
    const svc = reviews(c, { serviceExists: true, port: 8080 });
    expect(svc.service).toBeUndefined();
    expect(svc.destinationRule!.node.dependencies).toEqual([]);
    expect(TrafficModel.of(c).knownServices).toEqual([{ namespace: 'shop', name: 'reviews', selector: { app: 'reviews' }, ports: [8080] }]);
    expect(Testing.synth(c).map(o => o.kind)).toEqual(['ServiceAccount', 'Deployment', 'Deployment', 'DestinationRule', 'VirtualService']);
    const c2 = chart();
    reviews(c2);
    expect(TrafficModel.of(c2).knownServices).toEqual([]);
    const c3 = chart();
    new ExistingService(c3, 'legacy', { port: 81, namespace: 'old', versions: [ServiceVersion.adopt('v1')] });
    expect(TrafficModel.of(c3).knownServices).toEqual([{ namespace: 'old', name: 'legacy', selector: { app: 'legacy' }, ports: [81] }]);
    expect(TrafficModel.of(c3).knownWorkloads).toEqual([{ name: 'legacy-v1', namespace: 'old', labels: { app: 'legacy', version: 'v1' }, replicas: 1 }]);
  });

  test('a host has one Service: a second service of the same name fails, routed or not', () => {
    const c = chart();
    reviews(c, { mode: RoutingMode.REPLICAS, traffic: TrafficSplit.canaryPercent(50) });
    expect(() => reviews(c, { name: 'reviews' }, 'reviews-again'))
      .toThrow(exactly("[test/reviews-again] name: 'reviews' in namespace 'shop' is already defined by test/reviews. One host has one Service; give this one another name, or add to the existing construct instead"));
    const c2 = chart();
    reviews(c2);
    expect(() => new ExistingService(c2, 'legacy', { name: 'reviews', versions: [ServiceVersion.adopt('v1')] }))
      .toThrow(/^\[test\/legacy\] name: 'reviews' in namespace 'shop' is already defined by test\/reviews\./);
    // Another namespace is another host.
    const c3 = chart();
    reviews(c3);
    expect(reviews(c3, { name: 'reviews', namespace: 'other' }, 'reviews-other').namespace).toBe('other');
  });
});

describe('the protocol a service registers', () => {
  test('a gRPC status fault needs a gRPC or gRPC-Web service', () => {
    for (const protocol of [ServiceProtocol.GRPC, ServiceProtocol.GRPC_WEB]) {
      const c = chart();
      const svc = reviews(c, { protocol });
      new FaultInjection(c, 'unavailable', { service: svc, abort: FaultAbort.grpcStatus(GrpcStatus.UNAVAILABLE), abortPercentage: 10, allTraffic: true });
      expect(only(Testing.synth(c), 'VirtualService', 'reviews').spec.http[0].fault).toEqual({ abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 10 } } });
    }
    const c = chart();
    const svc = reviews(c, { protocol: ServiceProtocol.HTTP2 });
    expect(() => new FaultInjection(c, 'unavailable', { service: svc, abort: FaultAbort.grpcStatus(GrpcStatus.UNAVAILABLE), allTraffic: true }))
      .toThrow(exactly("[test/unavailable] abort: 'UNAVAILABLE' is a gRPC status, but the service does not speak gRPC. Use FaultAbort.httpStatus(), or declare the service protocol as GRPC"));
    // A service of your own registers its protocol the same way.
    const c2 = chart();
    const mine = new Ratings(c2, 'ratings', 'shop', { protocol: ServiceProtocol.GRPC });
    new FaultInjection(c2, 'unavailable', { service: mine, abort: FaultAbort.grpcStatus(GrpcStatus.UNAVAILABLE), allTraffic: true });
    expect(only(Testing.synth(c2), 'VirtualService', 'ratings').spec.http[0].fault.abort.grpcStatus).toBe('UNAVAILABLE');
  });

  test('a TCP service of your own gets tcp routes when a construct routes it', () => {
    const c = chart();
    const mine = new Ratings(c, 'ratings', 'shop', { protocol: ServiceProtocol.TCP });
    new LoadBalancing(c, 'lb', { service: mine, loadBalancer: LoadBalancer.random() });
    const vs = only(Testing.synth(c), 'VirtualService', 'ratings');
    expect(vs.spec.http).toBeUndefined();
    expect(vs.spec.tcp).toEqual([{ route: [{ destination: { host: 'ratings', subset: 'v1-pods' }, weight: 100 }] }]);
  });
});

describe('the routing of a service constructs add to', () => {
  test('a service of your own is registered on first use: everything on its stable version\'s subset, for the mesh and the edge', () => {
    const c = chart();
    const mine = new Ratings(c, 'ratings', 'shop', { stable: 'v2' });
    new LoadBalancing(c, 'lb', { service: mine, loadBalancer: LoadBalancer.random() });
    new DarkRelease(c, 'jason', { service: mine, version: 'v1', when: [jason] });
    new IngressEdge(c, 'edge', { hosts: ['ratings.example.com'], routes: [{ to: EdgeDestination.release(mine) }] });
    const m = Testing.synth(c);
    expect(m.filter(o => o.kind === 'DestinationRule').map(o => o.metadata.name)).toEqual(['ratings']);
    const dr = only(m, 'DestinationRule', 'ratings');
    expect(dr.metadata.namespace).toBe('shop');
    expect(dr.spec.subsets).toEqual([{ name: 'v1-pods', labels: { track: 'v1-track' } }, { name: 'v2-pods', labels: { track: 'v2-track' } }]);
    expect(dr.spec.trafficPolicy).toEqual({ loadBalancer: { simple: 'RANDOM' } });
    const vs = only(m, 'VirtualService', 'ratings');
    expect(vs.spec.hosts).toEqual(['ratings']);
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['jason', 'default']);
    expect(defaultWeights(vs)).toEqual({ 'v2-pods': 100 });
    expect(vs.spec.http[0].route).toEqual([{ destination: { host: 'ratings', subset: 'v1-pods' }, weight: 100 }]);
    expect(defaultWeights(only(m, 'VirtualService', 'edge-ratings-example-com'))).toEqual({ 'v2-pods': 100 });
    expect(mine.node.findChild('DestinationRule')).toBeInstanceOf(ApiObject);
    expect(mine.node.findChild('VirtualService')).toBeInstanceOf(ApiObject);
  });

  test('a service of your own without a namespace is routed in the chart\'s', () => {
    const c = chart('books');
    const mine = new Ratings(c, 'ratings', undefined);
    new LoadBalancing(c, 'lb', { service: mine, loadBalancer: LoadBalancer.roundRobin() });
    const m = Testing.synth(c);
    expect(only(m, 'DestinationRule', 'ratings').metadata.namespace).toBe('books');
    expect(TrafficModel.of(c).knownServices).toEqual([]);
  });

  test('a service in RoutingMode.REPLICAS has no Istio routing to add to', () => {
    const c = chart();
    const svc = reviews(c, { mode: RoutingMode.REPLICAS, traffic: TrafficSplit.canaryPercent(50) });
    expect(() => new FaultInjection(c, 'slow', { service: svc, abort: FaultAbort.httpStatus(503), allTraffic: true }))
      .toThrow(exactly("[test/slow] service: 'reviews' is not routed by Istio (a CanaryService in RoutingMode.REPLICAS has no VirtualService or DestinationRule to add to). Use RoutingMode.ISTIO for this service"));
    expect(() => new DarkRelease(c, 'jason', { service: svc, version: 'v2', when: [jason] })).toThrow(/^\[test\/jason\] service: 'reviews' is not routed by Istio/);
  });

  test('a version of the service: its subset, or an error listing the versions', () => {
    const c = chart();
    const svc = reviews(c, { versions: [ServiceVersion.deploy('v1', { image: 'r:1' }), ServiceVersion.deploy('v2', { image: 'r:2', subsetName: 'canary' })] });
    new TrafficMirror(c, 'mirror', { service: svc, version: 'v2', percentage: 10 });
    expect(only(Testing.synth(c), 'VirtualService', 'reviews').spec.http[0].mirror).toEqual({ host: 'reviews', subset: 'canary' });
    expect(() => new TrafficMirror(c, 'mirror2', { service: svc, version: 'v3', percentage: 10 }))
      .toThrow(exactly("[test/mirror2] version: 'v3' is not a version of service 'reviews'. Use one of: v1, v2, or declare the version on the service"));
    expect(() => new DarkRelease(c, 'jason', { service: svc, version: 'canary', when: [jason] }))
      .toThrow(exactly("[test/jason] version: 'canary' is not a version of service 'reviews'. Use one of: v1, v2, or declare the version on the service"));
  });
});

describe('what is not a routable service', () => {
  const fix = 'Pass a CanaryService, an ExistingService or another construct that implements IRoutableService';
  const dark = (service: unknown) => () => new DarkRelease(chart(), 'd', { service: service as any, version: 'v1', when: [jason] });

  test('values that are no object are shown as they are', () => {
    expect(dark(42)).toThrow(exactly(`[test/d] service: 42 is not a routable service. ${fix}`));
    // A null service reaches the check through a Caller (the constructs' props refuse null first).
    const c = chart();
    const svc = reviews(c);
    expect(() => new ServiceAuthorization(c, 'access', { service: svc, allow: [{ from: [Caller.service(null as any)] }] }))
      .toThrow(exactly(`[test/access] service: null is not a routable service. ${fix}`));
    expect(dark('reviews')).toThrow(exactly(`[test/d] service: 'reviews' is not a routable service. ${fix}`));
  });

  test('a function carrying every member is no object, and is refused as well', () => {
    const members = {
      versionNames: ['v1'], subsetOf: (v: string) => v, podLabelsOf: (v: string) => ({ app: 'ratings', version: v }), node: {},
    };
    const fn = Object.assign(function ratings() { return 0; }, members);
    expect(typeof fn.name).toBe('string');
    expect(dark(fn)).toThrow(/^\[test\/d\] service: function ratings\(\) \{.*\} is not a routable service\. Pass a CanaryService, an ExistingService or another construct that implements IRoutableService$/s);
  });

  test('an object missing any one member is shown by its keys', () => {
    const complete = () => ({
      name: 'ratings', versionNames: ['v1'], subsetOf: (v: string) => v, podLabelsOf: (v: string) => ({ app: 'ratings', version: v }), node: {},
    });
    const keys = '["name","versionNames","subsetOf","podLabelsOf","node"]';
    for (const [key, value] of [['name', 7], ['versionNames', 'v1'], ['subsetOf', 'v1'], ['podLabelsOf', {}], ['node', undefined]] as const) {
      expect(dark({ ...complete(), [key]: value })).toThrow(exactly(`[test/d] service: ${keys} is not a routable service. ${fix}`));
    }
    expect(dark({ name: 'x' })).toThrow(exactly(`[test/d] service: ["name"] is not a routable service. ${fix}`));
  });

  test('the constructs that route a service check it first', () => {
    expect(() => new LoadBalancing(chart(), 'lb', { service: {} as any, loadBalancer: LoadBalancer.random() }))
      .toThrow(exactly(`[test/lb] service: [] is not a routable service. ${fix}`));
  });
});

describe('what names a service', () => {
  test('the Service name is a DNS-1035 label', () => {
    const problem = "is not a valid Service name (DNS-1035 label). Use at most 63 lowercase letters, digits and '-', starting with a letter (e.g. 'reviews')";
    expect(() => reviews(chart(), {}, 'Reviews')).toThrow(exactly(`[test/Reviews] name: 'Reviews' ${problem}`));
    expect(() => reviews(chart(), { name: '9reviews' })).toThrow(exactly(`[test/reviews] name: '9reviews' ${problem}`));
    expect(() => new ExistingService(chart(), 'legacy', { name: 'a.b', versions: [ServiceVersion.adopt('v1')] })).toThrow(exactly(`[test/legacy] name: 'a.b' ${problem}`));
    expect(reviews(chart(), { name: 'r9-x' }).name).toBe('r9-x');
  });

  test('a namespace given as a prop is a DNS-1123 label', () => {
    expect(() => reviews(chart(), { namespace: 'Shop' }))
      .toThrow(exactly("[test/reviews] namespace: 'Shop' is not a DNS-1123 label. Use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. 'v2', 'reviews')"));
    expect(reviews(chart(), { namespace: '9shop' }).namespace).toBe('9shop');
  });

  test('without a namespace on the construct or the chart, the service and other constructs fail', () => {
    const problem = "is not set, and neither is the chart's, so where the objects land depends on `kubectl -n` while the hosts and gateway references in them assume one namespace. Give the chart a namespace (new Chart(app, 'shop', { namespace: 'shop' })), or set namespace on this construct";
    expect(() => reviews(new Chart(Testing.app(), 'test'))).toThrow(exactly(`[test/reviews] namespace: undefined ${problem}`));
    expect(() => new ExistingService(new Chart(Testing.app(), 'test'), 'legacy', { versions: [ServiceVersion.adopt('v1')] }))
      .toThrow(exactly(`[test/legacy] namespace: undefined ${problem}`));
    expect(() => new NamespaceDefaultDeny(new Chart(Testing.app(), 'test'), 'deny')).toThrow(exactly(`[test/deny] namespace: undefined ${problem}`));
    expect(reviews(new Chart(Testing.app(), 'test'), { namespace: 'shop' }).namespace).toBe('shop');
  });

  test('"kubernetes" is refused in namespace default only, whichever sets it', () => {
    const problem = "is the Kubernetes API server's own Service in namespace 'default', which no workload of yours backs and the mesh does not route. Name your service something else (e.g. 'kube-gateway'), or put it in a namespace of its own";
    expect(() => reviews(chart('default'), { name: 'kubernetes' })).toThrow(exactly(`[test/reviews] name: 'kubernetes' ${problem}`));
    expect(() => reviews(chart('shop'), { name: 'kubernetes', namespace: 'default' })).toThrow(exactly(`[test/reviews] name: 'kubernetes' ${problem}`));
    expect(() => new ExistingService(chart('default'), 'kubernetes', { versions: [ServiceVersion.adopt('v1')] })).toThrow(exactly(`[test/kubernetes] name: 'kubernetes' ${problem}`));
    expect(reviews(chart('default'), { name: 'kubernetes', namespace: 'shop' }).namespace).toBe('shop');
    expect(reviews(chart('shop'), { name: 'kubernetes' }).name).toBe('kubernetes');
    expect(reviews(chart('default'), { name: 'kube' }).name).toBe('kube');
  });
});
