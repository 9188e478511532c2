/** Small builders for hand-written manifests, for the simulator's tests. */
import { RoutingSimulator } from '../../src';

export const svc = (name: string, ns = 'default', port = 80) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: 'http', port }] },
});
export const deploy = (app: string, version: string, replicas = 1, ns = 'default') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `${app}-${version}`, namespace: ns },
  spec: { replicas, template: { metadata: { labels: { app, version } } } },
});
export const dr = (host: string, versions: string[], ns = 'default') => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: host, namespace: ns },
  spec: { host, subsets: versions.map(v => ({ name: v, labels: { version: v } })) },
});
export const vs = (name: string, spec: any, ns = 'default', metadata: any = {}) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns, ...metadata }, spec,
});
export const gateway = (name: string, hosts: string[], ns = 'istio-system') => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace: ns },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }] },
});
export const to = (host: string, subset?: string, weight?: number) => ({
  destination: { host, ...(subset ? { subset } : {}) },
  ...(weight !== undefined ? { weight } : {}),
});

/** reviews v1/v2/v3 (subsets v1..v3) with one mesh VirtualService whose http rules are given. */
export function reviewsSimulator(http: any[], extra: any[] = []): RoutingSimulator {
  return RoutingSimulator.fromManifests([
    svc('reviews'), deploy('reviews', 'v1'), deploy('reviews', 'v2'), deploy('reviews', 'v3'), dr('reviews', ['v1', 'v2', 'v3']),
    vs('reviews', { hosts: ['reviews'], http }), ...extra,
  ]);
}
