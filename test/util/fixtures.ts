import { Chart, Testing } from 'cdk8s';
import { CanaryService, ServiceProtocol, ServiceVersion, TrafficSplit } from '../../src';

/**
 * A release shared by tests of several behaviours: CanaryService `web` (port 8080) with versions v1, v2
 * and v3, v2 being the canary, in chart `test` of namespace `shop`.
 */
export function webRelease(traffic = TrafficSplit.canaryPercent(10), protocol?: ServiceProtocol): { chart: Chart; svc: CanaryService } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
  const svc = new CanaryService(chart, 'web', {
    port: 8080,
    protocol,
    traffic,
    versions: ['v1', 'v2', 'v3'].map(v => ServiceVersion.deploy(v, { image: `web:${v}` })),
    canaryVersion: 'v2',
  });
  return { chart, svc };
}
