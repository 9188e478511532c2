// SCENARIOS S3 (2018 slides): `bff` calls `recommendation-service`, whose v1 gets 10% and v2 90% of
// the requests, with an HTTP 500 abort injected into 100% of them. The slide's YAML nests `weight`
// inside `destination` and uses the removed `percent` field; the library emits the valid form
// (weight beside destination, `percentage: { value: 100 }`).
import { App, Chart } from 'cdk8s';
import { CanaryService, FaultAbort, FaultInjection, ServiceVersion, TrafficSplit } from 'cdk8s-istio-traffic';

const REGISTRY = 'registry.example.com/shop';

export function buildBffRecommendation(app: App): Chart[] {
  const chart = new Chart(app, 'recommendation-abort', { namespace: 'default' });
  new CanaryService(chart, 'bff', {
    port: 8080,
    versions: [ServiceVersion.deploy('v1', { image: `${REGISTRY}/bff:1.0.0` })],
  });
  const recommendation = new CanaryService(chart, 'recommendation-service', {
    port: 8080,
    versions: [
      ServiceVersion.deploy('v1', { image: `${REGISTRY}/recommendation-service:1.0.0` }),
      ServiceVersion.deploy('v2', { image: `${REGISTRY}/recommendation-service:2.0.0` }),
    ],
    traffic: TrafficSplit.weights({ v1: 10, v2: 90 }),
  });
  // Every request to recommendation-service fails: an explicit opt-in, because it is all traffic.
  new FaultInjection(chart, 'abort-all', {
    service: recommendation,
    abort: FaultAbort.httpStatus(500),
    abortPercentage: 100,
    allTraffic: true,
  });
  return [chart];
}
