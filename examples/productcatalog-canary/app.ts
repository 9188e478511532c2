// SCENARIOS S5 (Online Boutique on GKE): `productcatalogservice` already runs in namespace
// `onlineboutique` (installed from the Online Boutique manifests, its pod template labelled
// version=v1). The library adopts it as v1 without creating it, deploys v2 next to it, and walks the
// release through four states, one chart (one file in dist/) each.
import { App, Chart, Size } from 'cdk8s';
import { CanaryService, MeshNamespace, ServiceProtocol, ServiceVersion, TrafficSplit } from 'cdk8s-istio-traffic';
import * as kplus from 'cdk8s-plus-27';

const GRPC_HEALTH = kplus.Probe.fromCommand(['/bin/grpc_health_probe', '-addr=:3550']);

/** The release states of the tutorial. */
export const PRODUCTCATALOG_STATES: { [chart: string]: TrafficSplit } = {
  '1-all-v1': TrafficSplit.stable(),
  '2-split-75-25': TrafficSplit.weights({ v1: 75, v2: 25 }),
  '3-rolled-out-v2': TrafficSplit.promote(),
  '4-rolled-back-v1': TrafficSplit.rollback(),
};

export function productCatalogChart(app: App, id: string, traffic: TrafficSplit): Chart {
  const chart = new Chart(app, id, { namespace: 'onlineboutique' });
  new MeshNamespace(chart, 'onlineboutique');
  new CanaryService(chart, 'productcatalogservice', {
    port: 3550,
    protocol: ServiceProtocol.GRPC,
    versions: [
      // The existing Deployment: only its pod labels are known.
      ServiceVersion.adopt('v1', {
        workloadName: 'productcatalogservice',
        podLabels: { app: 'productcatalogservice', version: 'v1' },
      }),
      ServiceVersion.deploy('v2', {
        image: 'gcr.io/google-samples/microservices-demo/productcatalogservice:v0.3.6',
        env: { PORT: '3550', EXTRA_LATENCY: '3s' }, // simulates a regression
        readiness: GRPC_HEALTH,
        liveness: GRPC_HEALTH,
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(200) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
        },
        // The v0.3.6 image runs as root.
        securityContext: { ensureNonRoot: false },
        podSecurityContext: { ensureNonRoot: false },
      }),
    ],
    traffic,
  });
  return chart;
}

export function buildProductCatalogCanary(app: App): Chart[] {
  return Object.entries(PRODUCTCATALOG_STATES).map(([id, traffic]) => productCatalogChart(app, id, traffic));
}
