import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import '../src/testing/jest';
import {
  Analysis, CanaryService, DarkRelease, EdgeDestination, ExistingService, FaultAbort, IngressEdge, IRoutableService, IstioTrafficErrors,
  LoadBalancer, RequestCondition, RetryOn, RoutingMode, RoutingSimulator, ServiceIdentity, ServiceProtocol, ServiceVersion, StringMatch,
  TrafficSplit, UserAgent,
} from '../src';
import { only, synthChecked } from './util';
import { IstioTrafficError } from '../src/core/errors';

/** A user's own construct that runs two versions and lets the library route them. */
class MyService extends Construct implements IRoutableService {
  public readonly name = 'ratings';
  public readonly namespace = 'shop';
  public readonly port = 9080;
  public readonly protocol = ServiceProtocol.HTTP;
  public readonly versionNames = ['v1', 'v2'];
  public readonly stableVersion = 'v1';
  public readonly versionLabel = 'version';

  constructor(scope: Construct, id: string) {
    super(scope, id);
    for (const v of this.versionNames) {
      new ApiObject(this, `pods-${v}`, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `ratings-${v}`, namespace: 'shop' },
        spec: { selector: { matchLabels: this.podLabelsOf(v) }, template: { metadata: { labels: this.podLabelsOf(v) }, spec: { containers: [{ name: 'ratings', image: 'ratings' }] } } },
      });
    }
    new ApiObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ratings', namespace: 'shop' },
      spec: { selector: { app: 'ratings' }, ports: [{ name: 'http', port: 9080 }] },
    });
  }

  public subsetOf(version: string): string { return version; }
  public podLabelsOf(version: string): { [key: string]: string } { return { app: 'ratings', version }; }
}

describe('a construct of your own implements IRoutableService', () => {
  test('a DarkRelease routes it: DestinationRule and VirtualService are created for it', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const mine = new MyService(chart, 'ratings');
    new DarkRelease(chart, 'jason', { service: mine, version: 'v2', when: [RequestCondition.headerExact('end-user', 'jason')] });
    const manifests = synthChecked(chart);
    expect(only(manifests, 'DestinationRule', 'ratings').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2']);
    expect(chart).toRoute({ host: 'ratings', headers: { 'end-user': 'jason' } }, { version: 'v2' });
    expect(chart).toRoute({ host: 'ratings' }, { version: 'v1' });
  });

  test('an IngressEdge routes to its release', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const mine = new MyService(chart, 'ratings');
    new IngressEdge(chart, 'edge', { hosts: ['ratings.example.com'], routes: [{ to: EdgeDestination.release(mine) }] });
    synthChecked(chart);
    expect(chart).toRoute({ host: 'ratings.example.com', gateway: 'shop/edge' }, { version: 'v1' });
  });

  test('a value that is not a routable service fails with the library error, not a TypeError', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new DarkRelease(chart, 'd', { service: { name: 'x' } as any, version: 'v2', when: [RequestCondition.headerPresent('x')] }))
      .toThrow(/\[test\/d\] service: \["name"\] is not a routable service/);
  });
});

describe('ExistingService is its own construct', () => {
  test('it is not a CanaryService, and it routes like one', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const existing = new ExistingService(chart, 'reviews', {
      port: 9080, versions: [ServiceVersion.adopt('v1'), ServiceVersion.adopt('v2')], traffic: TrafficSplit.canaryPercent(20),
    });
    expect(existing instanceof CanaryService).toBe(false);
    expect(existing.split).toEqual([{ version: 'v1', weight: 80 }, { version: 'v2', weight: 20 }]);
    // The Service exists outside the manifests, so the simulator sees subsets, not pods.
    expect(RoutingSimulator.fromChart(chart).route({ host: 'reviews', sourceNamespace: 'shop' }).subsetShares).toEqual({ v1: 80, v2: 20 });
  });
});

describe('IstioTrafficError', () => {
  test('carries the construct path, field, value, problem and fix', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    let caught: unknown;
    try {
      new CanaryService(chart, 'reviews', { port: 0, stable: { image: 'r:1' } });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(IstioTrafficError);
    expect(IstioTrafficError.isIstioTrafficError(caught)).toBe(true);
    expect(IstioTrafficError.isIstioTrafficError(new Error('x'))).toBe(false);
    const e = caught as IstioTrafficError;
    expect([e.constructPath, e.field, e.value, e.problem, e.fix]).toEqual(['test/reviews', 'port', '0', 'is not a port number', 'Use a whole number from 1 to 65535']);
    // The same, from any jsii language.
    expect(IstioTrafficErrors.isIstioTrafficError(caught)).toBe(true);
    expect(IstioTrafficErrors.detailsOf(caught)).toEqual({ constructPath: 'test/reviews', field: 'port', value: '0', problem: 'is not a port number', fix: 'Use a whole number from 1 to 65535' });
    expect(IstioTrafficErrors.detailsOf(new Error('other'))).toBeUndefined();
  });
});

describe('checks that always run', () => {
  test('an IngressEdge with includeMesh on a host a CanaryService routes fails: sidecars would use only one VirtualService', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const reviews = new CanaryService(chart, 'reviews', { port: 9080, stable: { image: 'r:1' }, canary: { image: 'r:2' } });
    const edge = new IngressEdge(chart, 'edge', { hosts: ['reviews.shop.svc.cluster.local'], includeMesh: true });
    expect(() => edge.addRoute({ to: EdgeDestination.version(reviews, 'v2') }))
      .toThrow(/\[test\/edge\] hosts: 'reviews.shop.svc.cluster.local' is already routed in the mesh by VirtualService shop\/reviews of test\/reviews/);
  });

  test('two objects of one kind, namespace and name from two constructs fail the synth', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    new CanaryService(chart, 'reviews', { port: 9080, stable: { image: 'r:1' } });
    new ApiObject(chart, 'mine', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews' }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 80 }] } });
    expect(() => Testing.synth(chart)).toThrow(/\[CIT0005\] \[test\/mine\] Service shop\/reviews metadata.name: "reviews" - is also the name of Service shop\/reviews defined by test\/reviews\/Service/);
  });

  test('the analysis reads library-made objects too: a patch that breaks one fails the synth', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const reviews = new CanaryService(chart, 'reviews', { port: 9080, stable: { image: 'r:1' }, canary: { image: 'r:2' } });
    reviews.virtualService!.addJsonPatch(JsonPatch.replace('/spec/http/0/route/0/destination/subset', 'v9'));
    expect(() => Testing.synth(chart)).toThrow(/\[IST0101\] \[test\/reviews\/VirtualService\] VirtualService shop\/reviews spec.http\[0\].route\[0\].destination.subset: "v9"/);
  });

  test('validation leaves the tree as it was: synthesizing twice gives the same YAML and no new dependencies', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const reviews = new CanaryService(chart, 'reviews', { port: 9080, stable: { image: 'r:1' }, canary: { image: 'r:2' } });
    new IngressEdge(chart, 'edge', { hosts: ['shop.example.com'], routes: [{ to: EdgeDestination.release(reviews) }] });
    const deps = () => chart.node.findAll().reduce((n, c) => n + c.node.dependencies.length, 0);
    const before = deps();
    const first = Testing.synth(chart);
    expect(deps()).toBe(before);
    expect(Testing.synth(chart)).toEqual(first);
  });
});

/** An object that counts how often it is rendered. */
class Counted extends ApiObject {
  public renders = 0;
  public toJson(): any {
    this.renders++;
    return super.toJson();
  }
}

describe('the analysis runs once per synthesis, on the tree as it is written', () => {
  const reviewsChart = (app = Testing.app(), id = 'test') => {
    const chart = new Chart(app, id, { namespace: 'shop' });
    const reviews = new CanaryService(chart, 'reviews', { port: 9080, stable: { image: 'r:1' }, canary: { image: 'r:2' } });
    const counted = new Counted(chart, 'counted', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'other' }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 80 }] } });
    return { app, chart, reviews, counted };
  };

  test('App.synth() validates twice, yet each object is rendered once for the analysis and once for the output', () => {
    const { app, counted } = reviewsChart(Testing.app({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'once-')) }));
    app.synth();
    expect(counted.renders).toBe(2);
  });

  test('a problem added after a successful synth fails the next synth of the same app', () => {
    const { app, chart, reviews } = reviewsChart();
    expect(() => app.synthYaml()).not.toThrow();
    reviews.virtualService!.addJsonPatch(JsonPatch.replace('/spec/http/0/route/0/destination/subset', 'v9'));
    expect(() => app.synthYaml()).toThrow(/\[IST0101\] \[test\/reviews\/VirtualService\].*subset: "v9"/);
    expect(() => Testing.synth(chart)).toThrow(/\[IST0101\]/);
  });

  test('after a synth that failed elsewhere, a fix that breaks the routing is caught (nothing is remembered from the failed synth)', () => {
    const { chart, reviews } = reviewsChart();
    let broken = true;
    const other = new Chart(App.of(chart) as App, 'other');
    other.node.addValidation({ validate: () => (broken ? ['not ready yet'] : []) });
    expect(() => Testing.synth(chart)).toThrow(/not ready yet/);
    broken = false;
    reviews.virtualService!.addJsonPatch(JsonPatch.replace('/spec/http/0/route/0/destination/subset', 'v9'));
    expect(() => Testing.synth(chart)).toThrow(/\[IST0101\]/);
  });

  test('with several charts each chart reports its own findings when it is written', () => {
    const app = Testing.app();
    const a = reviewsChart(app, 'a');
    const b = reviewsChart(app, 'b');
    b.reviews.virtualService!.addJsonPatch(JsonPatch.replace('/spec/http/0/route/0/destination/subset', 'v9'));
    expect(() => Testing.synth(a.chart)).not.toThrow();
    expect(() => Testing.synth(b.chart)).toThrow(/\[IST0101\] \[b\/reviews\/VirtualService\]/);
    expect(() => app.synthYaml()).toThrow(/\[IST0101\] \[b\/reviews\/VirtualService\]/);
  });

  test('a chart whose services have no Istio objects (RoutingMode.REPLICAS) is analysed at validation', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    new CanaryService(chart, 'reviews', { port: 9080, stable: { image: 'r:1' }, canary: { image: 'r:2' }, mode: RoutingMode.REPLICAS });
    new ApiObject(chart, 'mine', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews' }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 80 }] } });
    expect(() => chart.node.findChild('IstioTrafficChecks').node.validate()).not.toThrow();
    expect(chart.node.findChild('IstioTrafficChecks').node.validate()).toEqual([expect.stringMatching(/\[CIT0005\] \[test\/mine\]/)]);
  });

  test('cdk8s-plus workloads are read through cdk8s-plus: pod labels added after construction count', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    new CanaryService(chart, 'reviews', { port: 9080, stable: { image: 'r:1' } });
    const svc = new ApiObject(chart, 'ratings', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ratings' }, spec: { selector: { app: 'ratings' }, ports: [{ name: 'http', port: 80 }] } });
    const deployment = new kplus.Deployment(chart, 'ratings-v1', { containers: [{ image: 'ratings:1', portNumber: 80, securityContext: { ensureNonRoot: false } }] });
    expect(Analysis.findings(chart).filter(f => f.constructPath === svc.node.path).map(f => f.code)).toEqual(['CIT0001']);
    deployment.podMetadata.addLabel('app', 'ratings');
    expect(Analysis.findings(chart).filter(f => f.constructPath === svc.node.path)).toEqual([]);
  });
});

describe('isXxx() checks recognise the value classes, and nothing else', () => {
  const cases: Array<[string, (x: unknown) => boolean, unknown]> = [
    ['TrafficSplit', TrafficSplit.isTrafficSplit, TrafficSplit.canaryPercent(10)],
    ['ServiceVersion', ServiceVersion.isServiceVersion, ServiceVersion.adopt('v1')],
    ['EdgeDestination', EdgeDestination.isEdgeDestination, EdgeDestination.service('details', 9080)],
    ['RequestCondition', RequestCondition.isRequestCondition, RequestCondition.headerPresent('x')],
    ['StringMatch', StringMatch.isStringMatch, StringMatch.exact('x')],
    ['UserAgent', UserAgent.isUserAgent, UserAgent.FIREFOX],
    ['LoadBalancer', LoadBalancer.isLoadBalancer, LoadBalancer.random()],
    ['RetryOn', RetryOn.isRetryOn, RetryOn.of('5xx')],
    ['FaultAbort', FaultAbort.isFaultAbort, FaultAbort.httpStatus(503)],
    ['ServiceIdentity', ServiceIdentity.isServiceIdentity, ServiceIdentity.own()],
  ];
  test.each(cases)('%s', (_name, is, instance) => {
    expect(is(instance)).toBe(true);
    // Look-alikes: a plain object with the same fields, another value class, and non-objects.
    expect(is({ ...(instance as object) })).toBe(false);
    expect(is(cases.find(([, , other]) => other !== instance && !is(other))![2])).toBe(false);
    for (const x of [null, undefined, 0, 'x', [], {}]) { expect(is(x)).toBe(false); }
  });
});
