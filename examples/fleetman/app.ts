// SCENARIOS S2 (Fleetman): fleetman-staff-service runs a `safe` and a `risky` version (subsets
// safe-group and risky-group). One chart (one file in dist/) per recipe.
import { App, Chart } from 'cdk8s';
import {
  CanaryService, DarkRelease, EdgeDestination, IngressEdge, LoadBalancer, LoadBalancing, ReleaseScope, RequestCondition, ServiceVersion,
  TrafficSplit, VersionAffinity,
} from 'cdk8s-istio-traffic';

const STAFF_IMAGE = 'richardchesterwood/istio-fleetman-staff-service';

/** The header testers set (with ModHeader in the browser) to reach the new release. */
export const RELEASE_HEADER = 'x-release';

export function staffService(chart: Chart, traffic: TrafficSplit): CanaryService {
  return new CanaryService(chart, 'fleetman-staff-service', {
    port: 8080,
    versions: [
      ServiceVersion.deploy('safe', { image: `${STAFF_IMAGE}:6`, subsetName: 'safe-group' }),
      ServiceVersion.deploy('risky', { image: `${STAFF_IMAGE}:6-bad`, subsetName: 'risky-group' }),
    ],
    traffic,
  });
}

export function buildFleetman(app: App): Chart[] {
  // Dark release in the mesh: requests with `x-release: canary` go to risky, all others to safe.
  // The header holds past the first hop only if every service on the call path forwards it.
  const dark = new Chart(app, 'staff-dark-release', { namespace: 'default' });
  new DarkRelease(dark, 'canary-testers', {
    service: staffService(dark, TrafficSplit.stable()),
    version: 'risky',
    when: [RequestCondition.headerExact(RELEASE_HEADER, 'canary')],
  });

  // The canary split 90/10 between safe-group and risky-group.
  const canary = new Chart(app, 'staff-canary-90-10', { namespace: 'default' });
  staffService(canary, TrafficSplit.canaryPercent(10));

  return [dark, canary, stickyVersions(app), ...webappAtTheEdge(app)];
}

const WEBAPP_IMAGE = 'richardchesterwood/istio-fleetman-webapp-angular';

/** The fleetman webapp, `original` and `experimental`, reached from browsers through the edge. */
export function webapp(chart: Chart, traffic: TrafficSplit): CanaryService {
  return new CanaryService(chart, 'fleetman-webapp', {
    port: 80,
    versions: [
      ServiceVersion.deploy('original', { image: `${WEBAPP_IMAGE}:6`, subsetName: 'original' }),
      ServiceVersion.deploy('experimental', { image: `${WEBAPP_IMAGE}:6-experimental`, subsetName: 'experimental' }),
    ],
    traffic,
  });
}

/** The ingress gateway of the article: `ingress-gateway-configuration`, fleetman.com and its subdomains. */
export function fleetmanEdge(chart: Chart): IngressEdge {
  return new IngressEdge(chart, 'ingress-gateway-configuration', {
    hosts: ['fleetman.com', '*.fleetman.com'],
  });
}

/**
 * The webapp at the edge, one chart per recipe of the article. A mesh-only VirtualService does not
 * touch browser traffic: every recipe is (also) bound to the gateway.
 */
export function webappAtTheEdge(app: App): Chart[] {
  // Weighted split 90/10 between original and experimental, for browsers too.
  const weighted = new Chart(app, 'webapp-edge-90-10', { namespace: 'default' });
  fleetmanEdge(weighted).addRoute({ to: EdgeDestination.release(webapp(weighted, TrafficSplit.canaryPercent(10))) });

  // URI prefixes: /experimental and /canary to experimental, everything else to original.
  const paths = new Chart(app, 'webapp-edge-paths', { namespace: 'default' });
  const pathsWebapp = webapp(paths, TrafficSplit.stable());
  const pathsEdge = fleetmanEdge(paths);
  pathsEdge.addRoute({
    name: 'experimental-paths',
    rules: [{ conditions: [RequestCondition.pathPrefix('/experimental')] }, { conditions: [RequestCondition.pathPrefix('/canary')] }],
    to: EdgeDestination.version(pathsWebapp, 'experimental'),
  });
  pathsEdge.addRoute({ name: 'everything-else', to: EdgeDestination.version(pathsWebapp, 'original') });

  // Subdomains: experimental.fleetman.com to experimental, fleetman.com to original.
  const subdomains = new Chart(app, 'webapp-edge-subdomains', { namespace: 'default' });
  const subWebapp = webapp(subdomains, TrafficSplit.stable());
  const subEdge = fleetmanEdge(subdomains);
  subEdge.addRoute({ host: 'experimental.fleetman.com', to: EdgeDestination.version(subWebapp, 'experimental') });
  subEdge.addRoute({ host: 'fleetman.com', to: EdgeDestination.version(subWebapp, 'original') });

  // Header: the custom header set to exactly `canary` reaches experimental, all others original (the
  // catch-all last). A dark release that applies at the edge only.
  const header = new Chart(app, 'webapp-edge-header', { namespace: 'default' });
  const headerWebapp = webapp(header, TrafficSplit.stable());
  new DarkRelease(header, 'canary-header', {
    service: headerWebapp,
    version: 'experimental',
    releaseScope: ReleaseScope.EDGE,
    when: [RequestCondition.headerExact(RELEASE_HEADER, 'canary')],
  });
  fleetmanEdge(header).addRoute({ to: EdgeDestination.release(headerWebapp) });

  return [weighted, paths, subdomains, header];
}

/** The header the article hashes on to keep a user on one pod. */
export const USER_HEADER = 'x-myval';
/** The header that names the version a user is pinned to. */
export const VERSION_HEADER = 'x-fleetman-version';

/**
 * Sticky sessions that hold with the 90/10 split: the first request of a user is split 90/10; the
 * response carries `x-fleetman-version: safe|risky`, the caller (the fleetman webapp) sends it on
 * every later request of that user, and a rule matched before the weighted route keeps the user on
 * that version. Inside the version, consistent hashing on `x-myval` keeps the user on one pod.
 */
export function stickyVersions(app: App): Chart {
  const chart = new Chart(app, 'staff-sticky-versions', { namespace: 'default' });
  const staff = staffService(chart, TrafficSplit.canaryPercent(10));
  new LoadBalancing(chart, 'hash-by-user', { service: staff, loadBalancer: LoadBalancer.consistentHashByHeader(USER_HEADER) });
  new VersionAffinity(chart, 'pin-version', { service: staff, header: VERSION_HEADER });
  return chart;
}

/**
 * The article's plain form, which does NOT work: consistent hashing on `x-myval` with the 90/10
 * split. Envoy picks the weighted subset before it hashes (istio/istio#9764), so a user flips
 * between safe and risky. Synthesizing this chart fails with a diagnostic that points to
 * VersionAffinity; it is not part of the app.
 */
export function brokenPlainHash(app: App): Chart {
  const chart = new Chart(app, 'staff-sticky-plain-hash', { namespace: 'default' });
  const staff = staffService(chart, TrafficSplit.canaryPercent(10));
  new LoadBalancing(chart, 'hash-by-user', { service: staff, loadBalancer: LoadBalancer.consistentHashByHeader(USER_HEADER) });
  return chart;
}
