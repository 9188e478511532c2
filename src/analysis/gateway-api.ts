/**
 * References of Kubernetes Gateway API routes (HTTPRoute, GRPCRoute, TCPRoute), checked as the Gateway API
 * controller resolves them (https://gateway-api.sigs.k8s.io/reference/spec/):
 *
 * - CIT0030: a `backendRef` to a Service (the default kind, core group) that is not in the app nor
 *   known to exist outside it, or to a port the Service does not have. The controller marks the rule
 *   `ResolvedRefs=False` and answers its requests with 500.
 * - CIT0031: a `backendRef` to another namespace that no ReferenceGrant in that namespace allows. The
 *   reference is refused (`RefNotPermitted`), with the same 500s.
 * - CIT0032: a `parentRef` to a Gateway of the app that has no listener of that `sectionName` (or
 *   `port`), or whose listeners do not admit routes from the route's namespace (`allowedRoutes`, only
 *   the Gateway's own namespace by default), or to a Service (a mesh route, GAMMA) that is not in the
 *   app nor known to exist. The route is not attached there, and none of its rules apply.
 *
 * Gateways outside the app (a platform team's shared ingress) are not checked.
 */
import { AnalyzedObject, Reporter, Severity } from './findings';
import { namespaceOf as ns } from '../core/hosts';
import { list } from '../core/manifest-fields';
import { GATEWAY_API_GROUP, isGatewayApiObject } from '../core/routing-api';
import { KnownService } from '../model/traffic-model';

/** What the checks look at (a part of the cross-object analysis' input). */
export interface GatewayApiInput {
  readonly chart: AnalyzedObject[];
  readonly app: AnalyzedObject[];
  readonly existingServices: KnownService[];
}

const GROUP = GATEWAY_API_GROUP;
const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TCPRoute'];
const isGatewayApi = (o: AnalyzedObject, kind: string) => isGatewayApiObject(o.json, kind);
const isCoreService = (o: AnalyzedObject) => o.json?.apiVersion === 'v1' && o.json?.kind === 'Service';

/** A Service's ports by `<namespace>/<name>`, from the app and the services known to exist. */
function servicePorts(input: GatewayApiInput): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const o of input.app.filter(isCoreService)) {
    out.set(`${ns(o.json)}/${o.json.metadata?.name}`, list(o.json.spec?.ports).map((p: any) => p?.port).filter((port: unknown) => typeof port === 'number'));
  }
  for (const s of input.existingServices) { out.set(`${s.namespace}/${s.name}`, [...s.ports]); }
  return out;
}

/** Whether a ReferenceGrant in `toNamespace` lets a route of `kind` in `fromNamespace` refer to Service `name`. */
function granted(grants: any[], fromNamespace: string, kind: string, toNamespace: string, name: string): boolean {
  return grants.some(g => ns(g) === toNamespace
    && list(g.spec?.from).some((f: any) => f?.group === GROUP && f?.kind === kind && f?.namespace === fromNamespace)
    && list(g.spec?.to).some((t: any) => (t?.group ?? '') === '' && t?.kind === 'Service' && (t?.name === undefined || t.name === name)));
}

/** The route kinds a listener of a protocol takes when its `allowedRoutes.kinds` is unset. */
const LISTENER_KINDS = new Map<unknown, string[]>([
  ['HTTP', ['HTTPRoute', 'GRPCRoute']],
  ['HTTPS', ['HTTPRoute', 'GRPCRoute']],
  ['TLS', ['TLSRoute', 'TCPRoute']],
  ['TCP', ['TCPRoute']],
  ['UDP', ['UDPRoute']],
  ['HBONE', ['HTTPRoute', 'GRPCRoute', 'TCPRoute']],
]);

/** Whether a listener admits routes of `kind` from `routeNamespace` (its `allowedRoutes`; only the Gateway's namespace by default). */
function admits(listener: any, gatewayNamespace: string, routeNamespace: string, kind: string,
  namespaceLabels: Map<string, Record<string, string>>): boolean {
  const from = listener?.allowedRoutes?.namespaces?.from ?? 'Same';
  const kinds: any[] | undefined = listener?.allowedRoutes?.kinds;
  if (Array.isArray(kinds) && kinds.length > 0) {
    if (!kinds.some(k => k?.kind === kind && (k?.group ?? GROUP) === GROUP)) { return false; }
  } else if (!(LISTENER_KINDS.get(listener?.protocol) ?? []).includes(kind)) {
    // Without `kinds`, a listener takes the route kinds of its protocol.
    return false;
  }
  if (from === 'All') { return true; }
  if (from === 'Same') { return routeNamespace === gatewayNamespace; }
  if (from === 'Selector') {
    const match: Record<string, string> = listener?.allowedRoutes?.namespaces?.selector?.matchLabels ?? {};
    const labels = namespaceLabels.get(routeNamespace);
    // A namespace outside the app may carry the labels: only a namespace of the app is judged.
    return labels === undefined || Object.entries(match).every(([k, v]) => labels[k] === v);
  }
  return false;
}

/** Runs the checks on the chart's HTTPRoutes and GRPCRoutes. */
export function gatewayApiChecks(input: GatewayApiInput, r: Reporter): void {
  const routes = input.chart.filter(o => ROUTE_KINDS.some(k => isGatewayApi(o, k)));
  if (routes.length === 0) { return; }
  const ports = servicePorts(input);
  const grants = input.app.filter(o => isGatewayApi(o, 'ReferenceGrant')).map(o => o.json);
  const gateways = new Map(input.app.filter(o => isGatewayApi(o, 'Gateway')).map(o => [`${ns(o.json)}/${o.json.metadata?.name}`, o.json]));
  const namespaceLabels = new Map<string, Record<string, string>>(input.app
    .filter(o => o.json?.apiVersion === 'v1' && o.json?.kind === 'Namespace').map(o => [o.json.metadata?.name, o.json.metadata?.labels ?? {}]));
  for (const route of routes) {
    const routeNs = ns(route.json);
    const kind: string = route.json.kind;
    list(route.json.spec?.parentRefs).forEach((p: any, i: number) =>
      checkParent(route, p, `spec.parentRefs[${i}]`, { routeNs, kind, ports, gateways, namespaceLabels }, r));
    list(route.json.spec?.rules).forEach((rule: any, i: number) =>
      list(rule?.backendRefs).forEach((b: any, j: number) =>
        checkBackend(route, b, `spec.rules[${i}].backendRefs[${j}]`, { routeNs, kind, ports, grants }, r)));
  }
}

interface BackendContext {
  readonly routeNs: string;
  readonly kind: string;
  readonly ports: Map<string, number[]>;
  readonly grants: any[];
}

/** CIT0030 and CIT0031 on one backendRef. */
function checkBackend(route: AnalyzedObject, b: any, field: string, c: BackendContext, r: Reporter): void {
  if ((b?.group ?? '') !== '' || (b?.kind ?? 'Service') !== 'Service' || typeof b?.name !== 'string') { return; }
  const target = typeof b.namespace === 'string' ? b.namespace : c.routeNs;
  const ref = `${target}/${b.name}`;
  const known = c.ports.get(ref);
  if (known === undefined) {
    r.report(route, 'CIT0030', Severity.ERROR, `${field}.name`, b.name, `refers to Service ${ref}, which is neither in the app nor known to exist; the rule's requests get 500`,
      'Fix the name (or namespace), or declare the service (ExistingService for one outside the app)');
  } else if (typeof b.port === 'number' && !known.includes(b.port)) {
    r.report(route, 'CIT0030', Severity.ERROR, `${field}.port`, b.port, `is not a port of Service ${ref} (${known.join(', ')}); the rule's requests get 500`,
      'Use a port the Service exposes');
  }
  if (target !== c.routeNs && !granted(c.grants, c.routeNs, c.kind, target, b.name)) {
    r.report(route, 'CIT0031', Severity.ERROR, `${field}.namespace`, target,
      `refers to Service ${ref} in another namespace, and no ReferenceGrant in '${target}' allows ${c.kind}s of '${c.routeNs}' to; the reference is refused and the rule's requests get 500`,
      `Add a ReferenceGrant in '${target}' from ${c.kind} in '${c.routeNs}' to Service ${b.name}, or route to a Service of the route's namespace`);
  }
}

interface ParentContext {
  readonly routeNs: string;
  readonly kind: string;
  readonly ports: Map<string, number[]>;
  readonly gateways: Map<string, any>;
  readonly namespaceLabels: Map<string, Record<string, string>>;
}

/** CIT0032 on one parentRef. */
function checkParent(route: AnalyzedObject, p: any, field: string, c: ParentContext, r: Reporter): void {
  if (typeof p?.name !== 'string') { return; }
  const target = typeof p.namespace === 'string' ? p.namespace : c.routeNs;
  const ref = `${target}/${p.name}`;
  const group = p.group ?? GROUP;
  const kind = p.kind ?? 'Gateway';
  if (group === '' && kind === 'Service') {
    const known = c.ports.get(ref);
    if (known === undefined) {
      r.report(route, 'CIT0032', Severity.ERROR, `${field}.name`, p.name, `attaches the route to Service ${ref} (a mesh route), which is neither in the app nor known to exist, so none of its rules apply`,
        'Fix the name (or namespace), or declare the service (ExistingService for one outside the app)');
    } else if (typeof p.port === 'number' && !known.includes(p.port)) {
      r.report(route, 'CIT0032', Severity.ERROR, `${field}.port`, p.port, `is not a port of Service ${ref} (${known.join(', ')}), so none of the route's rules apply`,
        'Use a port the Service exposes, or leave port out for all of them');
    }
    return;
  }
  if (group !== GROUP || kind !== 'Gateway') { return; }
  const gateway = c.gateways.get(ref);
  if (gateway === undefined) { return; } // a Gateway outside the app
  // A sectionName or port of the wrong type is the schema's finding: it names no listener.
  const section: string | undefined = typeof p.sectionName === 'string' ? p.sectionName : undefined;
  const port: number | undefined = typeof p.port === 'number' ? p.port : undefined;
  const listeners: any[] = list(gateway.spec?.listeners)
    .filter((l: any) => (section === undefined || l?.name === section) && (port === undefined || l?.port === port));
  if (listeners.length === 0) {
    const which = [section !== undefined ? `named '${section}'` : undefined, port !== undefined ? `on port ${port}` : undefined].filter(x => x).join(' and ');
    r.report(route, 'CIT0032', Severity.ERROR, section !== undefined ? `${field}.sectionName` : `${field}.port`, section ?? port,
      `names no listener of Gateway ${ref} (none ${which}), so the route is not attached there`, 'Name a listener the Gateway has');
    return;
  }
  if (!listeners.some(l => admits(l, target, c.routeNs, c.kind, c.namespaceLabels))) {
    r.report(route, 'CIT0032', Severity.ERROR, field, { name: p.name, namespace: target },
      `is refused by the listeners of Gateway ${ref}: their allowedRoutes do not admit ${c.kind}s from namespace '${c.routeNs}' (only the Gateway's own namespace by default)`,
      "Set the listener's allowedRoutes.namespaces.from to All (or a Selector that matches the route's namespace), or put the route in the Gateway's namespace");
  }
}
