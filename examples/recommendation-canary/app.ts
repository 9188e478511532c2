// SCENARIOS S1, steps 2 to 4 (istio-tutorial): the recommendation service in namespace
// `tutorial`, v1 and v2 behind one Service, released in four weighted states, one browser-based
// state and one state where the pods decide (v2 scaled to 3 pods, requests spread by Kubernetes).
// Each state is its own chart, so `cdk8s synth` writes one file per state
// (dist/<state>.k8s.yaml); apply the state you want. The 90/10 state also comes in ambient mode (no
// sidecars; the namespace's waypoint proxy routes).
import { App, Chart } from 'cdk8s';
import {
  CanaryService, DarkRelease, DataPlaneMode, EdgeDestination, IngressEdge, LoadBalancer, LoadBalancing, MeshNamespace, RequestCondition,
  ServiceVersion, TrafficSplit, UserAgent,
} from 'cdk8s-istio-traffic';

const IMAGE = 'quay.io/rhdevelopers/istio-tutorial-recommendation';

/** The release states of the tutorial, in the order it walks through them. */
export const RECOMMENDATION_STATES: { [chart: string]: TrafficSplit } = {
  'step2-all-v1': TrafficSplit.stable(),
  'step3-90-10': TrafficSplit.canaryPercent(10),
  'step3-75-25': TrafficSplit.weights({ v1: 75, v2: 25 }),
  'step3-all-v2': TrafficSplit.promote(),
};

export function recommendationChart(app: App, id: string, traffic: TrafficSplit): Chart {
  const chart = new Chart(app, id, { namespace: 'tutorial' });
  recommendation(chart, traffic);
  return chart;
}

function recommendation(chart: Chart, traffic: TrafficSplit): CanaryService {
  new MeshNamespace(chart, 'tutorial');
  return new CanaryService(chart, 'recommendation', {
    port: 8080,
    stable: { image: `${IMAGE}:v1` },
    canary: { image: `${IMAGE}:v2` },
    traffic,
  });
}

/**
 * Step 4: Firefox users reach v2, everyone else v1. The browser calls `customer`, which calls
 * `preference`, which calls `recommendation`: only `customer` sees the browser's User-Agent, and the
 * tutorial's applications forward it as `baggage-user-agent`, so that is what recommendation matches.
 */
export function firefoxChart(app: App): Chart {
  const chart = new Chart(app, 'step4-firefox-v2', { namespace: 'tutorial' });
  new DarkRelease(chart, 'firefox-users', {
    service: recommendation(chart, TrafficSplit.stable()),
    version: 'v2',
    when: [RequestCondition.userAgent(UserAgent.FIREFOX)],
    userAgentHeader: 'baggage-user-agent',
  });
  return chart;
}

/**
 * `customer` reached from outside: an ingress Gateway (HTTP 80, any host) and a gateway-bound
 * VirtualService that sends the path prefix /customer to the customer service (served as /).
 */
export function customerGatewayChart(app: App): Chart {
  const chart = new Chart(app, 'customer-gateway', { namespace: 'tutorial' });
  new MeshNamespace(chart, 'tutorial');
  const customer = new CanaryService(chart, 'customer', {
    port: 8080,
    versions: [ServiceVersion.deploy('v1', { image: 'quay.io/rhdevelopers/istio-tutorial-customer:v1' })],
  });
  new IngressEdge(chart, 'customer-gateway', {
    hosts: ['*'],
    routes: [{ name: 'customer', when: [RequestCondition.pathPrefix('/customer')], rewriteUri: '/', to: EdgeDestination.release(customer) }],
  });
  return chart;
}

/**
 * The tutorial's "scale v2 to 3 replicas" state: no weighted route at all. recommendation is routed
 * to the whole Service (`TrafficSplit.wholeService()`), so Kubernetes spreads requests over its 4
 * pods and v2 gets 3 of 4 (75%), v1 1 of 4 (25%), as in a mesh without a VirtualService; the pods
 * are picked at random (`LoadBalancer.random()`, the tutorial's load-balancer step). Nothing needs
 * a VirtualService, so the chart has none: the DestinationRule carries the load balancer alone.
 */
export function replicaSpreadChart(app: App): Chart {
  const chart = new Chart(app, 'step5-spread-by-replicas', { namespace: 'tutorial' });
  new MeshNamespace(chart, 'tutorial');
  const service = new CanaryService(chart, 'recommendation', {
    port: 8080,
    stable: { image: `${IMAGE}:v1`, replicas: 1 },
    canary: { image: `${IMAGE}:v2`, replicas: 3 },
    traffic: TrafficSplit.wholeService(),
  });
  new LoadBalancing(chart, 'random-pods', { service, loadBalancer: LoadBalancer.random() });
  return chart;
}

/**
 * The 90/10 state in Istio's ambient mode: the namespace is labelled `istio.io/dataplane-mode=ambient`
 * instead of `istio-injection=enabled`, and gets a waypoint (a Gateway API Gateway of class
 * `istio-waypoint`) that applies the VirtualService and DestinationRule, which ztunnel alone cannot.
 */
export function ambientChart(app: App): Chart {
  const chart = new Chart(app, 'ambient-90-10', { namespace: 'tutorial' });
  new MeshNamespace(chart, 'tutorial', { dataPlane: DataPlaneMode.AMBIENT });
  new CanaryService(chart, 'recommendation', {
    port: 8080,
    stable: { image: `${IMAGE}:v1` },
    canary: { image: `${IMAGE}:v2` },
    traffic: TrafficSplit.canaryPercent(10),
  });
  return chart;
}

export function buildRecommendationCanary(app: App): Chart[] {
  return [
    ...Object.entries(RECOMMENDATION_STATES).map(([id, traffic]) => recommendationChart(app, id, traffic)),
    firefoxChart(app),
    customerGatewayChart(app),
    replicaSpreadChart(app),
    ambientChart(app),
  ];
}
