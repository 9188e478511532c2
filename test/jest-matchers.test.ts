import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing, Yaml } from 'cdk8s';
import { CanaryService, RoutingSimulator, ServiceVersion, TrafficSplit } from '../src';
import '../src/testing/jest';

const BOOKINFO = fs.readFileSync(path.join(__dirname, 'fixtures', 'bookinfo.yaml'), 'utf8');

function reviewsChart(traffic: TrafficSplit): Chart {
  const chart = new Chart(Testing.app(), 'bookinfo', { namespace: 'default' });
  new CanaryService(chart, 'reviews', {
    port: 9080,
    versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2` })),
    traffic,
  });
  return chart;
}

describe('toRoute', () => {
  test('passes when every request reaches the expected version, subset, host and rule', () => {
    const chart = reviewsChart(TrafficSplit.allTo('v3'));
    expect(chart).toRoute({ host: 'reviews' }, { version: 'v3', subset: 'v3', host: 'reviews', rule: 'default' });
    expect(chart).not.toRoute({ host: 'reviews' }, { version: 'v1' });
  });

  test('fails with what matched instead', () => {
    const chart = reviewsChart(TrafficSplit.canaryPercent(10));
    expect(() => expect(chart).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v2' }))
      .toThrow(/expected GET reviews\/ with end-user: jason to reach \{"version":"v2"\} \(unmet: version v2\), but instead:\n.*rule #0 'default' of VirtualService default\/reviews matched; v1 90%, v3 10%\n.*versions: v1 90%, v3 10%/);
    expect(() => expect(chart).not.toRoute({ host: 'reviews' }, { host: 'reviews' }))
      .toThrow(/not to reach \{"host":"reviews"\}, but it does/);
  });

  test('works on YAML text, manifest objects and a simulator, and checks statuses', () => {
    expect(BOOKINFO).toRoute({ gateway: 'bookinfo-gateway', host: 'x', path: '/nope' }, { status: 404 });
    expect(Yaml.load(path.join(__dirname, 'fixtures', 'bookinfo.yaml'))).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v2' });
    expect(RoutingSimulator.fromYaml(BOOKINFO)).toRoute({ gateway: 'bookinfo-gateway', host: 'x', path: '/productpage' }, { host: 'productpage' });
    expect(() => expect(BOOKINFO).toRoute({ gateway: 'bookinfo-gateway', host: 'x', path: '/productpage' }, { status: 404 }))
      .toThrow(/unmet: status 404/);
  });

  test('rejects what it cannot simulate', () => {
    expect(() => expect(42).toRoute({ host: 'x' }, {})).toThrow(/expected a Chart, an App, a RoutingSimulator, manifest objects or YAML text/);
  });

  test('an expectation without any field fails, naming the fields: it would assert nothing', () => {
    const chart = reviewsChart(TrafficSplit.stable());
    const fields = /asserts nothing: give at least one of the fields version, subset, host, status, rule/;
    expect(() => expect(chart).toRoute({ host: 'reviews' }, {})).toThrow(fields);
    expect(() => expect(chart).toRoute({ host: 'reviews' }, { version: undefined, rule: undefined })).toThrow(/the expectation \{\} is empty and asserts nothing/);
    expect(() => expect(chart).toRoute({ host: 'reviews' }, undefined as any)).toThrow(/the expectation undefined is empty/);
    expect(() => expect(chart).toRoute({ host: 'reviews' }, null as any)).toThrow(/the expectation null is empty/);
    // A field this matcher does not know is no expectation either.
    expect(() => expect(chart).toRoute({ host: 'reviews' }, { versoin: 'v1' } as any)).toThrow(fields);
  });

  test('with .not, an expectation without any field is an error too, not a pass', () => {
    const chart = reviewsChart(TrafficSplit.stable());
    expect(() => expect(chart).not.toRoute({ host: 'reviews' }, {})).toThrow(/asserts nothing/);
    expect(() => expect(chart).not.toRoute({ host: 'reviews' }, undefined as any)).toThrow(/asserts nothing/);
  });
});

describe('toSplit', () => {
  test('passes on the exact shares and fails on others, listing the differences', () => {
    const chart = reviewsChart(TrafficSplit.weights({ v1: 50, v3: 50 }));
    expect(chart).toSplit({ host: 'reviews' }, { v1: 50, v3: 50 });
    expect(chart).toSplit({ host: 'reviews' }, { v1: 50, v2: 0, v3: 50 });
    expect(() => expect(chart).toSplit({ host: 'reviews' }, { v1: 90, v2: 10 }))
      .toThrow(/to split \{"v1":90,"v2":10\} \(v1: expected 90%, got 50%; v2: expected 10%, got 0%; v3: expected 0%, got 50%\)/);
    expect(chart).not.toSplit({ host: 'reviews' }, { v1: 100 });
  });

  test('no shares, or a share that is not a finite number, fails instead of asserting nothing', () => {
    const chart = reviewsChart(TrafficSplit.weights({ v1: 50, v3: 50 }));
    expect(() => expect(chart).toSplit({ host: 'reviews' }, {})).toThrow(/toSplit: the shares \{\} are empty and assert nothing/);
    expect(() => expect(chart).toSplit({ host: 'reviews' }, undefined as any)).toThrow(/the shares undefined are empty/);
    expect(() => expect(chart).toSplit({ host: 'reviews' }, null as any)).toThrow(/the shares null are empty/);
    expect(() => expect(chart).toSplit({ host: 'reviews' }, { v1: 50, v3: NaN })).toThrow(/every share must be a finite number of percent; not: v3: NaN/);
    expect(() => expect(chart).toSplit({ host: 'reviews' }, { v1: Infinity })).toThrow(/not: v1: Infinity/);
    expect(() => expect(chart).toSplit({ host: 'reviews' }, { v1: '50', v3: 50 } as any)).toThrow(/not: v1: 50/);
  });

  test('with .not, unusable shares are an error too, not a pass', () => {
    const chart = reviewsChart(TrafficSplit.weights({ v1: 50, v3: 50 }));
    expect(() => expect(chart).not.toSplit({ host: 'reviews' }, {})).toThrow(/assert nothing/);
    expect(() => expect(chart).not.toSplit({ host: 'reviews' }, { v1: NaN })).toThrow(/finite number/);
  });
});
