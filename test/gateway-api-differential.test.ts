// The switch between the two routing APIs changes the objects, not the routing: every state of every
// example that Gateway API can say, synthesized both ways, sends a battery of requests to the same
// places (versions and shares, status, rewrites, timeouts, mirrors), as the simulator reads each
// form the way Istio does.
import { App, Chart, Testing } from 'cdk8s';
import { buildBookinfoGatewayApi } from '../examples/bookinfo/app';
import { buildFleetman } from '../examples/fleetman/app';
import { buildProductCatalogCanary } from '../examples/productcatalog-canary/app';
import { buildRecommendationCanary } from '../examples/recommendation-canary/app';
import { RoutingApi, RoutingApiSetting, RoutingOutcome, RoutingSimulator, SimulatedRequest } from '../src';

const EXAMPLES: { [name: string]: (app: App) => Chart[] } = {
  'bookinfo': buildBookinfoGatewayApi,
  'fleetman': buildFleetman,
  'productcatalog-canary': buildProductCatalogCanary,
  'recommendation-canary': buildRecommendationCanary,
};

/** Workloads the examples adopt (they run outside the manifests). */
const EXISTING = [{ namespace: 'onlineboutique', name: 'Deployment/productcatalogservice', labels: { app: 'productcatalogservice', version: 'v1' } }];

function charts(build: (app: App) => Chart[], api: RoutingApi): Chart[] {
  const app = Testing.app();
  RoutingApiSetting.use(app, api);
  return build(app);
}

/** Values a match block of the Istio form tests, as requests that meet it and requests that just miss it. */
function probes(manifests: any[]): { paths: string[]; headers: { [name: string]: string }[]; methods: string[]; queries: string[] } {
  const blocks = manifests.filter(m => m.kind === 'VirtualService').flatMap(vs => (vs.spec.http ?? []).flatMap((r: any) => r.match ?? []));
  const paths = new Set<string>(['/', '/x', '/index.html']);
  const headers: { [name: string]: string }[] = [{}];
  const queries = new Set<string>(['']);
  for (const b of blocks) {
    // Exact paths and segment boundaries of prefixes: where Istio's string prefix and Gateway API's
    // PathPrefix agree (the README says where they differ).
    if (b.uri?.exact) { paths.add(b.uri.exact); paths.add(`${b.uri.exact}/more`); }
    if (b.uri?.prefix) { paths.add(b.uri.prefix); paths.add(`${b.uri.prefix.replace(/\/$/, '')}/deeper/page`); }
    for (const [name, m] of Object.entries<any>(b.headers ?? {})) {
      if (m.exact !== undefined) { headers.push({ [name]: m.exact }, { [name]: `${m.exact}-not` }); }
      if (m.regex !== undefined) { headers.push({ [name]: 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' }, { [name]: 'v1' }, { [name]: 'risky' }); }
    }
    for (const [name, m] of Object.entries<any>(b.queryParams ?? {})) {
      if (m.exact !== undefined) { queries.add(`?${name}=${m.exact}`); }
    }
  }
  return { paths: [...paths], headers, methods: ['GET', 'POST'], queries: [...queries] };
}

/** Where requests are sent: every host of a mesh route, and every host and port of every gateway server. */
function targets(manifests: any[]): { host: string; gateway?: string; port?: number }[] {
  const out: { host: string; gateway?: string; port?: number }[] = [];
  for (const svc of manifests.filter(m => m.apiVersion === 'v1' && m.kind === 'Service')) {
    out.push({ host: `${svc.metadata.name}.${svc.metadata.namespace ?? 'default'}.svc.cluster.local` });
  }
  for (const gw of manifests.filter(m => m.kind === 'Gateway' && m.apiVersion.startsWith('networking.istio.io'))) {
    for (const server of gw.spec.servers) {
      for (const host of server.hosts) {
        const concrete = host === '*' ? 'anything.example.com' : host.replace(/^\*\./, 'sub.');
        out.push({ host: concrete, gateway: `${gw.metadata.namespace}/${gw.metadata.name}`, port: server.port.number });
      }
    }
  }
  return out;
}

/** What must be equal in both forms. */
function essence(o: RoutingOutcome): any {
  const shares = Object.fromEntries(Object.entries(o.versionShares).map(([v, s]) => [v, Math.round(s * 100) / 100]));
  return {
    kind: o.kind,
    status: o.status,
    versionShares: shares,
    unavailable: Math.round((o.unavailableShare ?? 0) * 100) / 100,
    timeout: o.timeout,
    rewriteUri: o.rewriteUri,
    redirectScheme: o.redirect?.scheme,
    mirrors: o.mirrors.map(m => m.percentage),
  };
}

describe.each(Object.keys(EXAMPLES))('example %s: Istio and Gateway API forms route alike', (name) => {
  const istio = charts(EXAMPLES[name], RoutingApi.ISTIO);
  const gatewayApi = charts(EXAMPLES[name], RoutingApi.GATEWAY_API);

  test('the same states', () => {
    expect(gatewayApi.map(c => c.node.id)).toEqual(istio.map(c => c.node.id));
  });

  test.each(istio.map(c => c.node.id))('state %s', (id) => {
    const a = istio.find(c => c.node.id === id)!;
    const b = gatewayApi.find(c => c.node.id === id)!;
    const manifests = Testing.synth(a);
    const gatewayManifests = Testing.synth(b);
    // The Gateway API form really is Gateway API: no VirtualService, a route for every routed host.
    expect(gatewayManifests.filter(m => m.kind === 'VirtualService')).toEqual([]);
    expect(gatewayManifests.filter(m => ['HTTPRoute', 'GRPCRoute', 'TCPRoute'].includes(m.kind)).length)
      .toBe(manifests.filter(m => m.kind === 'VirtualService').length);
    const simA = RoutingSimulator.fromManifests(manifests, { existingWorkloads: EXISTING });
    const simB = RoutingSimulator.fromManifests(gatewayManifests, { existingWorkloads: EXISTING });
    const p = probes(manifests);
    let compared = 0;
    const differences: string[] = [];
    for (const t of targets(manifests)) {
      for (const path of p.paths) {
        for (const query of p.queries) {
          for (const headers of p.headers) {
            for (const method of p.methods) {
              const request: SimulatedRequest = { ...t, path: `${path}${query}`, headers, method, sourceNamespace: 'default' };
              const x = essence(simA.route(request));
              const y = essence(simB.route(request));
              compared++;
              if (JSON.stringify(x) !== JSON.stringify(y)) {
                differences.push(`${JSON.stringify(request)}: Istio ${JSON.stringify(x)}, Gateway API ${JSON.stringify(y)}`);
              }
            }
          }
        }
      }
    }
    expect(differences.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(0);
  });
});
