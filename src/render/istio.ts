import { HostRouting, VirtualServiceEntry } from '../model/host-routing';
import { WeightedDestination } from '../model/rules';

/**
 * The one renderer of the routing model to Istio JSON (`networking.istio.io/v1`): every
 * VirtualService, mesh or gateway-bound, and every DestinationRule is written here.
 */

/**
 * Renders route destinations: zero weights dropped (unless all are zero), a single destination at
 * 100 (or, for a route to the whole Service, without a weight). Weights are written as given: Istio
 * treats them as relative.
 */
export function renderRoute(route: WeightedDestination[]): any[] {
  const live = route.filter(d => d.weight > 0);
  const list = live.length > 0 ? live : route;
  return list.map(d => ({
    destination: {
      host: d.host,
      ...(d.subset !== undefined ? { subset: d.subset } : {}),
      ...(d.port !== undefined ? { port: { number: d.port } } : {}),
    },
    ...(list.length === 1 && d.wholeService ? {} : { weight: list.length === 1 ? 100 : d.weight }),
    ...(d.headers ? { headers: d.headers } : {}),
  }));
}

/** The spec of one VirtualService of a host. */
export function virtualServiceSpec(routing: HostRouting, entry: VirtualServiceEntry): any {
  const routes = routing.resolve(entry).map(rule => ({
    ...(rule.name ? { name: rule.name } : {}),
    ...(rule.match.length > 0 ? { match: rule.match } : {}),
    route: renderRoute(rule.route),
    ...rule.options,
  }));
  const meshOnly = entry.bindings.length === 1 && entry.bindings[0].isMesh;
  return {
    hosts: [entry.host],
    ...(meshOnly ? {} : { gateways: entry.bindings.map(b => b.ref) }),
    ...(entry.http ? { http: routes } : { tcp: routes.map(r => ({ route: r.route })) }),
  };
}

/**
 * The spec of a host's DestinationRule. `chartHosts` gives the hosts of the chart, which tell which
 * subsets are routed to, for a host that declares only those (a route to the whole Service); it is
 * called only for such a host, so that rendering n DestinationRules does not list n hosts n times.
 */
export function destinationRuleSpec(routing: HostRouting, chartHosts: () => readonly HostRouting[] = () => []): any {
  const { trafficPolicy, subsets: declared } = routing.destinationRule;
  const inUse = routing.subsetsInUse(chartHosts);
  const subsets = inUse ? declared.filter(s => inUse.has(s.name) || Object.keys(s.trafficPolicy).length > 0) : declared;
  const rendered = subsets.map(s => ({
    name: s.name,
    labels: s.labels,
    ...(Object.keys(s.trafficPolicy).length > 0 ? { trafficPolicy: s.trafficPolicy } : {}),
  }));
  return {
    host: routing.shortHost,
    ...(Object.keys(trafficPolicy).length > 0 ? { trafficPolicy } : {}),
    ...(rendered.length > 0 ? { subsets: rendered } : {}),
  };
}
