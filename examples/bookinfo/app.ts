// SCENARIOS S4 (Bookinfo on EKS): namespace `default` labelled for injection; productpage, details,
// ratings and reviews (v1, v2, v3), all HTTP on 9080, each with its own ServiceAccount; the routing
// steps, the fault-injection steps and the httpbin circuit breaker of the tutorial, one chart (one
// file in dist/) each.
import { App, Chart, Duration, Size } from 'cdk8s';
import {
  Caller, CanaryService, CircuitBreakerPolicy, ClientTls, ClientTlsPolicy, DarkRelease, EdgeDestination, FaultAbort, FaultInjection, IngressEdge,
  MeshNamespace, MtlsMode, NamespaceDefaultDeny, RequestCondition, PodDefaults, ServiceAuthorization, ServiceIdentity, ServiceVersion,
  StringMatch, TrafficSplit,
} from 'cdk8s-istio-traffic';
import * as kplus from 'cdk8s-plus-27';

/** The Bookinfo services of one chart. */
export interface Bookinfo {
  readonly chart: Chart;
  readonly productpage: CanaryService;
  readonly details: CanaryService;
  readonly ratings: CanaryService;
  readonly reviews: CanaryService;
  readonly gateway: IngressEdge;
}

// The Bookinfo images write to their file system and are light: say so once per service, for all
// its versions, instead of taking the cdk8s-plus defaults (read-only root file system, 1 CPU requested).
const BOOKINFO_PODS: PodDefaults = {
  resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } },
  securityContext: { readOnlyRootFilesystem: false, ensureNonRoot: false },
  podSecurityContext: { ensureNonRoot: false },
};

function version(service: string, v: string): ServiceVersion {
  return ServiceVersion.deploy(v, { image: `docker.io/istio/examples-bookinfo-${service}-${v}:1.20.2` });
}

/** Bookinfo with the reviews split `reviewsTraffic`, and the namespace's mutual TLS mode `mtls` if given. */
export function bookinfo(app: App, id: string, reviewsTraffic: TrafficSplit, mtls?: MtlsMode): Bookinfo {
  const chart = new Chart(app, id, { namespace: 'default' });
  new MeshNamespace(chart, 'default', { mtls });
  const service = (name: string, versions: string[], traffic?: TrafficSplit) => new CanaryService(chart, name, {
    port: 9080,
    // Bookinfo's layout: one ServiceAccount per service (bookinfo-reviews for all reviews versions).
    serviceIdentity: ServiceIdentity.own(`bookinfo-${name}`),
    podDefaults: BOOKINFO_PODS,
    versions: versions.map(v => version(name, v)),
    traffic,
  });
  const productpage = service('productpage', ['v1']);
  return {
    chart,
    productpage,
    details: service('details', ['v1']),
    ratings: service('ratings', ['v1']),
    reviews: service('reviews', ['v1', 'v2', 'v3'], reviewsTraffic),
    gateway: bookinfoGateway(chart, productpage),
  };
}

/**
 * The ingress: Gateway `bookinfo-gateway` (HTTP 80, any host) and the VirtualService bound to it
 * that sends exact /productpage, prefix /static, exact /login, exact /logout and prefix
 * /api/v1/products to productpage port 9080. Anything else gets 404.
 */
function bookinfoGateway(chart: Chart, productpage: CanaryService): IngressEdge {
  const exact = (path: string) => ({ conditions: [RequestCondition.uri(StringMatch.exact(path))] });
  const prefix = (path: string) => ({ conditions: [RequestCondition.pathPrefix(path)] });
  return new IngressEdge(chart, 'bookinfo-gateway', {
    hosts: ['*'],
    routes: [{
      name: 'productpage',
      rules: [exact('/productpage'), prefix('/static'), exact('/login'), exact('/logout'), prefix('/api/v1/products')],
      to: EdgeDestination.release(productpage),
    }],
  });
}

export function buildBookinfo(app: App): Chart[] {
  return [...routingSteps(app), ...buildFaults(app), httpbinCircuitBreaker(app), secureBookinfo(app)];
}

/**
 * The states of Bookinfo that Kubernetes Gateway API can say, for an app written with
 * RoutingApi.GATEWAY_API (main-gateway-api.ts): all but the fault steps (Gateway API has no fault
 * injection).
 */
export function buildBookinfoGatewayApi(app: App): Chart[] {
  return [...routingSteps(app), httpbinCircuitBreaker(app), secureBookinfo(app)];
}

/** The routing steps of the tutorial, one chart each. */
function routingSteps(app: App): Chart[] {
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

/**
 * The secure state (Istio's "mutual TLS migration" and "authorization for HTTP traffic" tasks on
 * Bookinfo): every service under its own ServiceAccount (`bookinfo-<name>`), the namespace accepting
 * only Istio mutual TLS, every DestinationRule saying `ISTIO_MUTUAL`, nothing allowed by default, and
 * each service callable only by what calls it in Bookinfo: productpage by the ingress gateway,
 * details and reviews by productpage (GET), ratings by reviews (GET).
 */
export function secureBookinfo(app: App): Chart {
  const b = bookinfo(app, 'security-1-mtls-authz', TrafficSplit.stable(), MtlsMode.STRICT);
  for (const service of [b.productpage, b.details, b.reviews, b.ratings]) {
    new ClientTlsPolicy(b.chart, `${service.name}-istio-mutual`, { service, tls: ClientTls.istioMutual() });
  }
  new NamespaceDefaultDeny(b.chart, 'allow-nothing');
  const callers = (service: CanaryService, from: Caller, methods?: string[]) =>
    new ServiceAuthorization(b.chart, `${service.name}-callers`, { service, allow: [{ from: [from], methods }] });
  // The pods of the bookinfo-gateway edge: Istio's shared ingress gateway, or, in the Gateway API
  // form, the pods Istio deploys for the Gateway.
  callers(b.productpage, Caller.ingressEdge(b.gateway));
  callers(b.details, Caller.service(b.productpage), ['GET']);
  callers(b.reviews, Caller.service(b.productpage), ['GET']);
  callers(b.ratings, Caller.service(b.reviews), ['GET']);
  return b.chart;
}

const JASON = RequestCondition.headerExact('end-user', 'jason');

/**
 * Fault injection on ratings for jason only, on top of the jason-to-reviews-v2 routing (reviews v2
 * calls ratings): first a 7 s delay for all of jason's requests, then an HTTP 500 abort. Everyone
 * else reaches ratings v1 normally.
 */
export function buildFaults(app: App): Chart[] {
  const faulted = (id: string, fault: { delay?: Duration; abort?: FaultAbort }) => {
    const b = bookinfo(app, id, TrafficSplit.stable());
    new DarkRelease(b.chart, 'jason-to-v2', { service: b.reviews, version: 'v2', when: [JASON] });
    new FaultInjection(b.chart, `ratings-${fault.delay ? 'delay' : 'abort'}-jason`, { service: b.ratings, ...fault, when: [JASON] });
    return b.chart;
  };
  return [
    faulted('fault-1-ratings-delay-jason', { delay: Duration.seconds(7) }),
    faulted('fault-2-ratings-abort-jason', { abort: FaultAbort.httpStatus(500) }),
  ];
}

/**
 * The httpbin circuit breaker: at most 1 TCP connection, 1 pending HTTP/1.1 request and 1 request
 * per connection; a host is ejected after 1 consecutive 5xx error, checked every second, for 3
 * minutes, up to all hosts. A load test with 2 concurrent connections then sees some 503s.
 */
export function httpbinCircuitBreaker(app: App): Chart {
  const chart = new Chart(app, 'circuit-breaker-httpbin', { namespace: 'default' });
  new MeshNamespace(chart, 'default');
  const httpbin = new CanaryService(chart, 'httpbin', {
    port: 8000,
    targetPort: 80, // the httpbin ServiceAccount is the service's own (ServiceIdentity.own(), the default)
    versions: [ServiceVersion.deploy('v1', {
      image: 'docker.io/kong/httpbin:0.1.0',
      resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) } },
      securityContext: { readOnlyRootFilesystem: false, ensureNonRoot: false },
      podSecurityContext: { ensureNonRoot: false },
    })],
  });
  new CircuitBreakerPolicy(chart, 'httpbin-circuit-breaker', {
    service: httpbin,
    connectionPool: { maxConnections: 1, maxPendingRequests: 1, maxRequestsPerConnection: 1 },
    outlierDetection: {
      consecutive5xxErrors: 1, // the seed's deprecated consecutiveErrors
      interval: Duration.seconds(1),
      baseEjectionTime: Duration.minutes(3),
      maxEjectionPercent: 100,
    },
  });
  return chart;
}
