// The complete example test of README.md, section "Testing your routing", kept runnable here.
import { Chart, Testing } from 'cdk8s';
import { CanaryService, RoutingSimulator, ServiceVersion, TrafficSplit } from '../src';
import '../src/testing/jest'; // registers toRoute and toSplit (or list it in setupFilesAfterEnv)

function bookinfo(traffic: TrafficSplit): Chart {
  const chart = new Chart(Testing.app(), 'bookinfo', { namespace: 'default' });
  new CanaryService(chart, 'reviews', {
    port: 9080,
    versions: ['v1', 'v2', 'v3'].map(v =>
      ServiceVersion.deploy(v, { image: `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2` })),
    traffic,
  });
  return chart;
}

test('reviews is split 50/50 between v1 and v3', () => {
  const chart = bookinfo(TrafficSplit.weights({ v1: 50, v3: 50 }));
  expect(chart).toSplit({ host: 'reviews' }, { v1: 50, v2: 0, v3: 50 }); // v2 gets nothing
});

test('promoted: everybody on v3', () => {
  const chart = bookinfo(TrafficSplit.allTo('v3'));
  expect(chart).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v3' });
});

test('the full outcome', () => {
  const outcome = RoutingSimulator.fromChart(bookinfo(TrafficSplit.canaryPercent(10)))
    .route({ host: 'reviews', path: '/reviews/0' });
  expect(outcome.virtualService).toBe('default/reviews');
  expect(outcome.ruleName).toBe('default');
  expect(outcome.versionShares).toEqual({ v1: 90, v3: 10 });
});
