import { namespaceOf } from '../core/hosts';
import { quoteRe2 } from '../core/re2';
import { comparePrecedence, GATEWAY_API_GROUP, GATEWAY_NAME_LABEL, isGatewayApiObject } from '../core/routing-api';

/**
 * Kubernetes Gateway API objects read the way Istio reads them: Istio (pilot) turns Gateways and
 * routes into its own Gateways and VirtualServices before it programs Envoy, and so does the
 * simulator, which then routes the result like any VirtualService.
 *
 * - a `Gateway` (of any class but `istio-waypoint`: the simulator takes it to be Istio's) is an
 *   Istio Gateway of the same namespace and name, a server per listener (its `hostname`, else `*`;
 *   HTTPS and TLS listeners terminating with the first certificate, or passed through), on the pods
 *   Istio deploys for it: Deployment `<name>-istio` in its namespace, under the ServiceAccount of
 *   that name, labelled `gateway.networking.k8s.io/gateway-name`;
 * - the HTTPRoutes (GRPCRoutes, TCPRoutes) attached to one parent are one VirtualService: for a
 *   Service (GAMMA: a parentRef of group '', as the CRD's default group is the Gateway API's), bound
 *   to the mesh, for the Service's host, each match limited to the parentRef's `port` if it has one;
 *   for a Gateway, one per host, bound to it: the routes' `hostnames` (else their listeners'
 *   hostnames, else `*`), each match limited to the ports of the listeners it attaches to
 *   (`sectionName`, else all; a `sectionName` no listener has attaches the route nowhere);
 * - every match is its own rule (a rule without matches has PathPrefix '/', the API server's
 *   default), and the rules of all the parent's routes are sorted in Istio's precedence (exact
 *   path, then prefix by length, then regex by length, then method, more headers, more query
 *   parameters; ties in route order: the oldest first, then by namespace and name; then rule order);
 * - `PathPrefix` matches whole path segments (`/api` takes `/api` and `/api/x`, not `/apix`);
 *   header, query and method matches; filters: header modifiers, URL rewrites, redirects, mirrors;
 *   `timeouts.request`, the experimental `retry` (with `timeouts.backendRequest` as its per-try
 *   timeout); backendRefs (weight 1 unless given) as destinations by Service and port; a rule whose
 *   backends weigh 0 in all (or that has none), without a redirect, answers 500;
 * - a GRPCRoute's method is the request path pilot matches (createGRPCURIMatch): exact for a service
 *   and a method, the prefix `/<service>/` for a service alone, else a regex; a match without one has
 *   no path (below any path in the order).
 */

const isKind = (o: any, kind: string) => isGatewayApiObject(o, kind);

/** The Istio objects Istio makes of the Gateway API objects among `objs` (none when there are none). */
export function gatewayApiAsIstio(objs: any[]): any[] {
  const gateways = objs.filter(o => isKind(o, 'Gateway') && o.spec?.gatewayClassName !== 'istio-waypoint');
  const routes = objs.filter(o => ['HTTPRoute', 'GRPCRoute', 'TCPRoute'].some(k => isKind(o, k)));
  if (gateways.length + routes.length === 0) { return []; }
  const out: any[] = gateways.flatMap(gw => [istioGateway(gw), deployedPods(gw)]);
  const parents = new Map<string, { parent: ParentKey; host?: string; routes: { route: any; ports?: number[] }[] }>();
  const attach = (key: string, parent: ParentKey, host: string | undefined, route: any, ports: number[] | undefined) => {
    const entry = parents.get(key) ?? { parent, host, routes: [] };
    parents.set(key, entry);
    entry.routes.push({ route, ports });
  };
  for (const route of [...routes].sort(routeOrder)) {
    for (const ref of objects(route.spec?.parentRefs)) {
      const parent = parentOf(route, ref);
      if (!parent) { continue; }
      const tcp = route.kind === 'TCPRoute';
      if (parent.kind === 'Service') {
        // A parentRef's port limits every match of the route to it (pilot's augmentPortMatch).
        attach(`Service|${parent.namespace}|${parent.name}|${tcp}`, parent, undefined, route, parent.port !== undefined ? [parent.port] : undefined);
        continue;
      }
      const gw = gateways.find(g => namespaceOf(g) === parent.namespace && g.metadata?.name === parent.name);
      const all = objects(gw?.spec?.listeners);
      const listeners = typeof ref.sectionName === 'string' ? all.filter(l => l.name === ref.sectionName) : all;
      // A sectionName no listener has: the route is not attached there.
      if (typeof ref.sectionName === 'string' && listeners.length === 0) { continue; }
      const ports = typeof ref.sectionName === 'string' ? listeners.map(l => l.port) : undefined;
      // One virtual host per hostname, as Istio merges the routes of a Gateway host by host; a route
      // without hostnames takes its listeners' (any host when one has none).
      const named: string[] = (Array.isArray(route.spec?.hostnames) ? route.spec.hostnames : []).filter((h: unknown) => typeof h === 'string');
      const hostnames: string[] = named.length > 0 ? named
        : listeners.length > 0 && listeners.every(l => typeof l.hostname === 'string') ? [...new Set(listeners.map(l => l.hostname as string))] : ['*'];
      for (const host of hostnames) { attach(`Gateway|${parent.namespace}|${parent.name}|${host}|${tcp}`, parent, host, route, ports); }
    }
  }
  for (const { parent, host, routes: attached } of parents.values()) {
    out.push(virtualService(parent, host, attached));
  }
  return out;
}

interface ParentKey {
  readonly kind: 'Service' | 'Gateway';
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
}

function parentOf(route: any, ref: any): ParentKey | undefined {
  const namespace = typeof ref?.namespace === 'string' ? ref.namespace : namespaceOf(route);
  if (typeof ref?.name !== 'string') { return undefined; }
  // The CRD defaults a parentRef's group to the Gateway API's (a Service is named with group ''):
  // Istio attaches a route with `kind: Service` and no group to nothing.
  if (ref.kind === 'Service' && ref.group === '') {
    return { kind: 'Service', namespace, name: ref.name, port: typeof ref.port === 'number' ? ref.port : undefined };
  }
  if ((ref.kind ?? 'Gateway') === 'Gateway' && (ref.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP) { return { kind: 'Gateway', namespace, name: ref.name }; }
  return undefined;
}

/**
 * Routes in Gateway API's tie order: the oldest first, then by namespace and name. Manifests
 * without creation times are applied in their order, which then stands for it.
 */
function routeOrder(a: any, b: any): number {
  const ta = a.metadata?.creationTimestamp;
  const tb = b.metadata?.creationTimestamp;
  if (typeof ta !== 'string' || typeof tb !== 'string') { return 0; }
  if (ta !== tb) { return ta < tb ? -1 : 1; }
  const ka = `${namespaceOf(a)}/${a.metadata?.name}`;
  const kb = `${namespaceOf(b)}/${b.metadata?.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The objects of a list (what is not a list, or not an object in it, is left out: the simulator never throws on configuration). */
function objects(x: unknown): any[] {
  return Array.isArray(x) ? x.filter(e => e !== null && typeof e === 'object') : [];
}

function istioGateway(gw: any): any {
  const listeners = objects(gw.spec?.listeners);
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: gw.metadata?.name, namespace: namespaceOf(gw), annotations: { 'simulator/from': `Gateway ${namespaceOf(gw)}/${gw.metadata?.name}` } },
    spec: {
      selector: { [GATEWAY_NAME_LABEL]: gw.metadata?.name },
      servers: listeners.map(l => ({
        port: { number: l.port, name: l.name, protocol: l.protocol },
        hosts: [l.hostname ?? '*'],
        ...(l.protocol === 'HTTPS' || l.protocol === 'TLS'
          ? { tls: { mode: l.tls?.mode === 'Passthrough' ? 'PASSTHROUGH' : 'SIMPLE', credentialName: l.tls?.certificateRefs?.[0]?.name } } : {}),
      })),
    },
  };
}

/**
 * The Deployment Istio makes for a Gateway of class `istio` (`<name>-istio`, in the Gateway's
 * namespace, under a ServiceAccount of the same name): the gateway pods, whose identity backends see.
 */
function deployedPods(gw: any): any {
  const name = `${gw.metadata?.name}-istio`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: namespaceOf(gw), annotations: { 'simulator/from': `Gateway ${namespaceOf(gw)}/${gw.metadata?.name}` } },
    spec: {
      replicas: 1,
      template: { metadata: { labels: { [GATEWAY_NAME_LABEL]: gw.metadata?.name } }, spec: { serviceAccountName: name } },
    },
  };
}

function virtualService(parent: ParentKey, host: string | undefined, attached: { route: any; ports?: number[] }[]): any {
  const first = attached[0].route;
  const tcp = first.kind === 'TCPRoute';
  const hosts = parent.kind === 'Service' ? [`${parent.name}.${parent.namespace}.svc.cluster.local`] : [host ?? '*'];
  const rules = attached.flatMap(({ route, ports }) => routeRules(route, ports));
  const sorted = rules.map((r, seq) => ({ ...r, seq })).sort((a, b) => comparePrecedence(a.order, b.order) || (a.seq - b.seq)).map(r => r.rule);
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name: attached.map(a => a.route.metadata?.name).join('+'),
      namespace: parent.namespace,
      annotations: { 'simulator/from': attached.map(a => `${a.route.kind} ${namespaceOf(a.route)}/${a.route.metadata?.name}`).join(', ') },
    },
    spec: {
      hosts,
      ...(parent.kind === 'Gateway' ? { gateways: [`${parent.namespace}/${parent.name}`] } : {}),
      ...(tcp ? { tcp: rules.map(r => ({ route: r.rule.route })) } : { http: sorted }),
    },
  };
}

/**
 * An Istio rule per match of each rule of the route (a rule without matches is one of PathPrefix
 * '/', the API server's default), with the Gateway API match that orders it.
 */
function routeRules(route: any, ports: number[] | undefined): { rule: any; order: any }[] {
  const namespace = namespaceOf(route);
  const grpc = route.kind === 'GRPCRoute';
  return objects(route.spec?.rules).flatMap((rule: any) => {
    const options = ruleOptions(rule, namespace);
    const base = {
      ...(typeof rule.name === 'string' ? { name: rule.name } : {}),
      ...options,
      ...(options.redirect ? {}
        : answers500(route, rule) ? { directResponse: { status: 500 } } : { route: destinations(rule.backendRefs, namespace) }),
    };
    const given = objects(rule.matches);
    const matches: any[] = given.length > 0 ? given : [{}];
    return matches.flatMap(m => {
      const block = grpc ? grpcMatch(m) : httpMatch(m);
      const order = grpc ? grpcOrder(block, m) : m;
      const blocks = ports && ports.length > 0 ? ports.map(port => ({ ...block, port })) : [block];
      return blocks.map(b => ({ rule: Object.keys(b).length > 0 ? { ...base, match: [b] } : { ...base }, order }));
    });
  });
}


/** A value of a match: a string, or (the schema's finding otherwise) an empty one. */
const textOf = (v: unknown): string => (typeof v === 'string' ? v : '');

function stringMatch(m: any): any {
  return m?.type === 'RegularExpression' ? { regex: textOf(m.value) } : { exact: textOf(m?.value) };
}

/** Gateway API header or query parameter matches as Istio's map of string matches. */
function byName(matches: any[]): any {
  return Object.fromEntries(matches.filter((h: any) => typeof h.name === 'string').map((h: any) => [h.name, stringMatch(h)]));
}

function httpMatch(m: any): any {
  const out: any = {};
  const path = m.path ?? { type: 'PathPrefix', value: '/' };
  // The CRD's default value is '/' (a value that is not a string is the schema's finding: read as the default).
  const value = typeof path.value === 'string' ? path.value : '/';
  if (path.type === 'Exact') {
    out.uri = { exact: value };
  } else if (path.type === 'RegularExpression') {
    out.uri = { regex: value };
  } else {
    // Whole path segments (Envoy's path_separated_prefix); a trailing '/' is ignored.
    const p = value.replace(/\/+$/, '');
    out.uri = p === '' ? { prefix: '/' } : { regex: `${quoteRe2(p)}(/.*)?` };
  }
  if (objects(m.headers).length > 0) { out.headers = byName(objects(m.headers)); }
  if (objects(m.queryParams).length > 0) { out.queryParams = byName(objects(m.queryParams)); }
  if (typeof m.method === 'string') { out.method = { exact: m.method }; }
  return out;
}

/** A GRPCRoute match as pilot reads it: the method as the request path (a regex unless both parts are exact). */
function grpcMatch(m: any): any {
  const out: any = {};
  const service = typeof m.method?.service === 'string' ? m.method.service : undefined;
  const method = typeof m.method?.method === 'string' ? m.method.method : undefined;
  if (m.method?.type === 'RegularExpression') {
    out.uri = { regex: `/${service ?? '[^/]+'}/${method ?? '.+'}` };
  } else if (service && method) {
    out.uri = { exact: `/${service}/${method}` };
  } else if (service) {
    out.uri = { prefix: `/${service}/` };
  } else if (method) {
    out.uri = { regex: `/[^/]+/${quoteRe2(method)}` };
  }
  if (objects(m.headers).length > 0) { out.headers = byName(objects(m.headers)); }
  return out;
}

/** The order key of a converted gRPC match: its path as pilot ranks it (none: below any path). */
function grpcOrder(block: any, m: any): any {
  // Pilot ranks the gRPC prefix '/<service>/' by its whole length (a PathPrefix loses a trailing '/').
  const path = block.uri?.exact !== undefined ? { type: 'Exact', value: block.uri.exact }
    : block.uri?.prefix !== undefined ? { type: 'Prefix', value: block.uri.prefix }
      : block.uri?.regex !== undefined ? { type: 'RegularExpression', value: block.uri.regex } : { type: 'None', value: '' };
  return { path, headers: m.headers };
}

/**
 * Whether pilot answers an HTTP or gRPC rule (without a redirect) with 500 itself: its backends weigh 0
 * in all, or it has none, as the Gateway API requires (convertHTTPRoute, convertGRPCRoute: weightSum,
 * each backendRef weighing 1 unless given).
 */
function answers500(route: any, rule: any): boolean {
  return route.kind !== 'TCPRoute' && objects(rule.backendRefs).reduce((sum, r) => sum + (typeof r.weight === 'number' ? r.weight : 1), 0) === 0;
}

function serviceHost(ref: any, namespace: string): string {
  return `${ref.name}.${typeof ref.namespace === 'string' ? ref.namespace : namespace}.svc.cluster.local`;
}

function destinations(refs: any, namespace: string): any[] {
  // A backend whose name or namespace is not a string is the schema's finding: it names no Service.
  const list = objects(refs).filter(r => (r.kind ?? 'Service') === 'Service' && (r.group ?? '') === '' && typeof r.name === 'string'
    && (r.namespace === undefined || typeof r.namespace === 'string'));
  return list.map(r => ({
    destination: { host: serviceHost(r, namespace), ...(typeof r.port === 'number' ? { port: { number: r.port } } : {}) },
    weight: typeof r.weight === 'number' ? r.weight : 1,
    ...(Array.isArray(r.filters) ? headerOptions(r.filters) : {}),
  }));
}

/** Header modifier filters as Istio `headers`. */
function headerOptions(filters: any[]): any {
  const ops = (f: any) => ({
    ...(Array.isArray(f?.set) ? { set: Object.fromEntries(objects(f.set).map(h => [h.name, h.value])) } : {}),
    ...(Array.isArray(f?.add) ? { add: Object.fromEntries(objects(f.add).map(h => [h.name, h.value])) } : {}),
    ...(Array.isArray(f?.remove) ? { remove: [...f.remove] } : {}),
  });
  const request = filters.find(f => f?.type === 'RequestHeaderModifier');
  const response = filters.find(f => f?.type === 'ResponseHeaderModifier');
  if (!request && !response) { return {}; }
  return {
    headers: {
      ...(request ? { request: ops(request.requestHeaderModifier) } : {}),
      ...(response ? { response: ops(response.responseHeaderModifier) } : {}),
    },
  };
}

function ruleOptions(rule: any, namespace: string): any {
  const filters = objects(rule.filters);
  const out: any = { ...headerOptions(filters) };
  const rewrite = filters.find(f => f?.type === 'URLRewrite')?.urlRewrite;
  if (rewrite) {
    // pilot's createRewriteFilter drops a trailing '/' of a prefix replacement ('/' stays '/').
    const prefix = rewrite.path?.replacePrefixMatch;
    const uri = rewrite.path?.type === 'ReplaceFullPath' ? rewrite.path.replaceFullPath
      : typeof prefix === 'string' ? (prefix.replace(/\/$/, '') || '/') : prefix;
    out.rewrite = { ...(uri !== undefined ? { uri } : {}), ...(rewrite.hostname !== undefined ? { authority: rewrite.hostname } : {}) };
  }
  const redirect = filters.find(f => f?.type === 'RequestRedirect')?.requestRedirect;
  if (redirect) {
    out.redirect = {
      ...(redirect.scheme !== undefined ? { scheme: redirect.scheme } : {}),
      ...(redirect.hostname !== undefined ? { authority: redirect.hostname } : {}),
      ...(redirect.port !== undefined ? { port: redirect.port } : {}),
      redirectCode: redirect.statusCode ?? 302,
    };
  }
  const mirrors = filters.filter(f => f.type === 'RequestMirror' && typeof f.requestMirror?.backendRef?.name === 'string').map(f => f.requestMirror);
  if (mirrors.length > 0) {
    out.mirrors = mirrors.map(m => ({
      destination: { host: serviceHost(m.backendRef, namespace), ...(typeof m.backendRef?.port === 'number' ? { port: { number: m.backendRef.port } } : {}) },
      percentage: { value: m.percent ?? (m.fraction ? (100 * m.fraction.numerator) / (m.fraction.denominator ?? 100) : 100) },
    }));
  }
  // Durations of zero are no timeouts to pilot: it leaves them out.
  const duration = (d: unknown) => (typeof d === 'string' && !/^(0+(h|m|s|ms))+$/.test(d) ? d : undefined);
  const request = duration(rule.timeouts?.request);
  if (request !== undefined) { out.timeout = request; }
  // The experimental `retry`: pilot retries connection failures and the codes; `backendRequest` is
  // the per-try timeout of a retry, else the timeout.
  const backend = duration(rule.timeouts?.backendRequest);
  if (rule.retry && typeof rule.retry === 'object') {
    const codes: number[] = Array.isArray(rule.retry.codes) ? rule.retry.codes : [];
    out.retries = {
      attempts: typeof rule.retry.attempts === 'number' ? rule.retry.attempts : 2,
      retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', ...codes.map(String)].join(','),
      ...(typeof backend === 'string' ? { perTryTimeout: backend } : {}),
    };
  } else if (typeof backend === 'string') {
    out.timeout = backend;
  }
  return out;
}
