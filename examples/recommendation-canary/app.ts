// SCENARIOS S1, steps 2 and 3 (istio-tutorial): the recommendation service in namespace
// `tutorial`, v1 and v2 behind one Service, released in four states. Each state is its own chart,
// so `cdk8s synth` writes one file per state (dist/<state>.k8s.yaml); apply the state you want.
import { App, Chart } from 'cdk8s';
import { CanaryService, MeshNamespace, TrafficSplit } from '../../src';

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
  new MeshNamespace(chart, 'tutorial');
  new CanaryService(chart, 'recommendation', {
    port: 8080,
    stable: { image: `${IMAGE}:v1` },
    canary: { image: `${IMAGE}:v2` },
    traffic,
  });
  return chart;
}

export function buildRecommendationCanary(app: App): Chart[] {
  return Object.entries(RECOMMENDATION_STATES).map(([id, traffic]) => recommendationChart(app, id, traffic));
}
