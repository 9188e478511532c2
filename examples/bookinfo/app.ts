// SCENARIOS S4 (Bookinfo on EKS): namespace `default` labelled for injection; productpage, details,
// ratings and reviews (v1, v2, v3), all HTTP on 9080, each with its own ServiceAccount; and the
// routing steps of the tutorial, one chart (one file in dist/) each.
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { CanaryService, DarkRelease, MeshNamespace, RequestCondition, ServiceVersion, TrafficSplit } from '../../src';

/** The Bookinfo services of one chart. */
export interface Bookinfo {
  readonly chart: Chart;
  readonly productpage: CanaryService;
  readonly details: CanaryService;
  readonly ratings: CanaryService;
  readonly reviews: CanaryService;
}

// The Bookinfo images write to their file system and are light: say so instead of taking the
// cdk8s-plus defaults (read-only root file system, 1 CPU requested).
function version(service: string, v: string): ServiceVersion {
  return ServiceVersion.deploy(v, {
    image: `docker.io/istio/examples-bookinfo-${service}-${v}:1.20.2`,
    resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } },
    securityContext: { readOnlyRootFilesystem: false, ensureNonRoot: false },
    podSecurityContext: { ensureNonRoot: false },
  });
}

/** Bookinfo with the reviews split `reviewsTraffic`. */
export function bookinfo(app: App, id: string, reviewsTraffic: TrafficSplit): Bookinfo {
  const chart = new Chart(app, id, { namespace: 'default' });
  new MeshNamespace(chart, 'default');
  const service = (name: string, versions: string[], traffic?: TrafficSplit) => new CanaryService(chart, name, {
    port: 9080,
    serviceAccountName: `bookinfo-${name}`,
    versions: versions.map(v => version(name, v)),
    traffic,
  });
  return {
    chart,
    productpage: service('productpage', ['v1']),
    details: service('details', ['v1']),
    ratings: service('ratings', ['v1']),
    reviews: service('reviews', ['v1', 'v2', 'v3'], reviewsTraffic),
  };
}

export function buildBookinfo(app: App): Chart[] {
  // Step 1: everything on v1.
  const allV1 = bookinfo(app, 'routing-1-all-v1', TrafficSplit.stable());

  // Step 2: the logged-in user jason sees reviews v2 (productpage forwards the end-user header);
  // everybody else stays on v1.
  const jason = bookinfo(app, 'routing-2-jason-reviews-v2', TrafficSplit.stable());
  new DarkRelease(jason.chart, 'jason-to-v2', {
    service: jason.reviews,
    version: 'v2',
    when: [RequestCondition.headerExact('end-user', 'jason')],
  });

  // Step 3: reviews 50/50 between v1 and v3.
  const split = bookinfo(app, 'routing-3-reviews-v1-v3', TrafficSplit.weights({ v1: 50, v3: 50 }));

  return [allV1.chart, jason.chart, split.chart];
}
