// SCENARIOS S2 (Fleetman): fleetman-staff-service runs a `safe` and a `risky` version (subsets
// safe-group and risky-group). One chart (one file in dist/) per recipe.
import { App, Chart } from 'cdk8s';
import { CanaryService, DarkRelease, RequestCondition, ServiceVersion, TrafficSplit } from '../../src';

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

  return [dark, canary];
}
