// SCENARIOS S2 (Fleetman): fleetman-staff-service runs a `safe` and a `risky` version (subsets
// safe-group and risky-group). One chart (one file in dist/) per recipe.
import { App, Chart } from 'cdk8s';
import {
  CanaryService, DarkRelease, LoadBalancer, LoadBalancing, RequestCondition, ServiceVersion, TrafficSplit, VersionAffinity,
} from '../../src';

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

  return [dark, canary, stickyVersions(app)];
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
