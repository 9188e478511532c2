import { IConstruct } from 'constructs';
import { fail, failWith } from './errors';

/**
 * Which API the constructs of a chart write their routing in. Istio's own (VirtualService,
 * DestinationRule, Gateway of `networking.istio.io`) or the Kubernetes Gateway API
 * (`gateway.networking.k8s.io` HTTPRoutes and Gateways; GAMMA routes for mesh traffic).
 */
export enum RoutingApi {
  /** VirtualServices, DestinationRules with subsets, and Istio Gateways. */
  ISTIO = 'istio',
  /**
   * Kubernetes Gateway API (standard channel): an HTTPRoute (GRPCRoute for gRPC, TCPRoute for
   * TCP) per routed host, attached to the Service (mesh) or to Gateway listeners (ingress); a
   * Service per version instead of subsets; DestinationRules for traffic policies only. Features
   * Gateway API cannot say fail the synth.
   */
  GATEWAY_API = 'gateway-api',
  /**
   * Kubernetes Gateway API for a cluster with the experimental channel's CRDs (v1.6.1): as
   * GATEWAY_API, and retries as an HTTPRoute rule's `retry` (GEP-1731, experimental), checked
   * against that channel's CRDs.
   */
  GATEWAY_API_EXPERIMENTAL = 'gateway-api-experimental',
}

/** Whether the chart is written as Kubernetes Gateway API (either channel). */
export function isGatewayApi(api: RoutingApi): boolean {
  return api === RoutingApi.GATEWAY_API || api === RoutingApi.GATEWAY_API_EXPERIMENTAL;
}

/** The Kubernetes Gateway API's group. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** The label Istio puts on the pods it deploys for a Gateway API Gateway (the Gateway's name). */
export const GATEWAY_NAME_LABEL = `${GATEWAY_API_GROUP}/gateway-name`;

/** Whether a manifest is a Gateway API object (of `kind`, when given). */
export function isGatewayApiObject(json: any, kind?: string): boolean {
  return typeof json?.apiVersion === 'string' && json.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`) && (kind === undefined || json.kind === kind);
}

/** The construct-tree context key that holds the routing API of an app or a chart. */
export const ROUTING_API_CONTEXT = 'cdk8s-istio-traffic:routingApi';

/** Whether `x` is a value of RoutingApi (plain JavaScript callers pass any string). */
export function isRoutingApi(x: unknown): x is RoutingApi {
  return x === RoutingApi.ISTIO || x === RoutingApi.GATEWAY_API || x === RoutingApi.GATEWAY_API_EXPERIMENTAL;
}

/** The routing API in force at `scope`: the nearest setting above it (construct context), else ISTIO. */
export function routingApiAt(scope: IConstruct): RoutingApi {
  const api = scope.node.tryGetContext(ROUTING_API_CONTEXT);
  if (api === undefined) { return RoutingApi.ISTIO; }
  if (!isRoutingApi(api)) {
    fail(scope, `context '${ROUTING_API_CONTEXT}'`, api, 'is not a RoutingApi', "Set it with RoutingApiSetting.use(app, RoutingApi.GATEWAY_API), or to 'istio', 'gateway-api' or 'gateway-api-experimental'");
  }
  return api;
}

/** What to do instead, said by every refusal of RoutingApi.GATEWAY_API. */
export const USE_ISTIO_API = 'or write this chart with RoutingApi.ISTIO (RoutingApiSetting.use), which can say it';

/**
 * Fails at `scope`'s `field` for something RoutingApi.GATEWAY_API cannot say: "<what>, which the
 * Kubernetes Gateway API cannot say<detail>", and the fix (`change`, or the Istio APIs). The one
 * form of every such refusal (options, rules, edges).
 */
export function refuseInGatewayApi(scope: IConstruct, field: string, what: string, detail = '', change = 'Leave it out of this chart'): never {
  return failWith(scope, field, `${what}, which the Kubernetes Gateway API cannot say${detail}`, `${change}, ${USE_ISTIO_API}`);
}

/** The rule options (`http[]` fields of Istio) a Gateway API route can carry: header changes, rewrites, mirrors, timeouts. */
const GATEWAY_API_OPTIONS = ['headers', 'rewrite', 'mirror', 'mirrorPercentage', 'mirrors', 'timeout'];

/** What an Istio rule option does, for the refusals of those Gateway API cannot say. */
const OPTION_MEANING: { [field: string]: string } = {
  fault: 'injects a fault (delay or abort)',
  retries: "sets retries (the standard channel of Gateway API v1.6.1 has no 'retry' field; it is experimental, GEP-1731: RoutingApi.GATEWAY_API_EXPERIMENTAL writes it)",
  corsPolicy: 'sets a CORS policy',
  redirect: 'redirects',
  directResponse: 'answers directly',
};

/**
 * Why a Gateway API route cannot carry Istio rule option `field`; undefined when it can. The
 * experimental channel also has retries.
 */
export function gatewayApiCannotSet(field: string, experimental = false): string | undefined {
  if (GATEWAY_API_OPTIONS.includes(field) || (experimental && field === 'retries')) { return undefined; }
  return OPTION_MEANING[field] ?? `sets ${field}`;
}

/** The URI rank in Istio's order of Gateway API routes: exact 3, prefix 2, regex 1, none -1. */
function pathRank(m: any): [number, number] {
  // The API server writes a match without a path as PathPrefix '/' (the CRD's default), as it does
  // a rule without matches.
  const p = m?.path ?? { type: 'PathPrefix', value: '/' };
  // A gRPC match without a method: pilot gives it no path, below every path.
  if (p.type === 'None') { return [-1, 0]; }
  // 'Prefix': a prefix ranked by its whole length (pilot's gRPC service prefix '/<service>/').
  const rank = p.type === 'Exact' ? 3 : p.type === 'PathPrefix' || p.type === 'Prefix' ? 2 : 1;
  // Istio drops a trailing '/' of a PathPrefix (but not of '/').
  // A value that is not a string (the schema's finding) ranks as an empty one.
  const text = typeof p.value === 'string' ? p.value : '';
  const value = p.type === 'PathPrefix' && text !== '/' ? text.replace(/\/$/, '') : text;
  return [rank, value.length];
}

/**
 * Negative when Istio tries Gateway API match `a` before match `b`, the order pilot gives the rules
 * of all routes of one parent (sortHTTPRoutes, a stable sort): exact path, then prefix by length,
 * then regex by length (a match without a path is PathPrefix '/'); then a method before none; then
 * more header matches, then more query parameter matches.
 */
export function comparePrecedence(a: any, b: any): number {
  const [ra, la] = pathRank(a);
  const [rb, lb] = pathRank(b);
  if (ra !== rb) { return rb - ra; }
  if (la !== lb) { return lb - la; }
  if ((a.method === undefined) !== (b.method === undefined)) { return a.method !== undefined ? -1 : 1; }
  const ha = a.headers?.length ?? 0;
  const hb = b.headers?.length ?? 0;
  if (ha !== hb) { return hb - ha; }
  return (b.queryParams?.length ?? 0) - (a.queryParams?.length ?? 0);
}

