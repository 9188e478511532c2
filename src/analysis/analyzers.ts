/**
 * Cross-object analysis, the way `istioctl analyze` does it (Istio's message codes), plus this
 * library's own checks (CIT codes). References are looked up among every object of the app and the
 * workloads and services known to exist outside it; conflicts are looked for inside one chart,
 * because charts may be alternative states of the same services.
 */
import { authorizationChecks } from './authorization';
import { AnalyzedObject, Reporter, selects, Severity, workloadPods, WorkloadPods as Pods } from './findings';
import { gatewayApiChecks } from './gateway-api';
import { transportSecurityChecks } from './transport-security';
import { hostMatches, istioHost, namespaceOf as ns } from '../core/hosts';
import { list, stringMap } from '../core/manifest-fields';
import { isAmbient, usesWaypoint } from '../core/mesh-labels';
import { isGatewayApiObject } from '../core/routing-api';
import { KnownService, KnownWorkload } from '../model/traffic-model';

/** What the cross-object analysis looks at. */
export interface CrossInput {
  /** The objects of the chart under analysis. */
  readonly chart: AnalyzedObject[];
  /** Every object of the app. */
  readonly app: AnalyzedObject[];
  readonly existingWorkloads: KnownWorkload[];
  readonly existingServices: KnownService[];
  /**
   * ServiceAccounts (`<namespace>/<name>`) the charts' models know of: created by the app, or
   * declared to exist outside it.
   * @default - none
   */
  readonly existingServiceAccounts?: string[];
}

const E = Severity.ERROR;
const W = Severity.WARNING;
const I = Severity.INFO;
const PROTOCOLS = ['http', 'http2', 'https', 'grpc', 'grpc-web', 'tcp', 'udp', 'tls', 'mongo', 'redis', 'mysql', 'http_proxy'];
const APP_PROTOCOL_OK = ['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss'];

const isIstio = (o: AnalyzedObject, kind: string) => typeof o.json.apiVersion === 'string' && /^networking\.istio\.io\//.test(o.json.apiVersion) && o.json.kind === kind;
const isCore = (o: AnalyzedObject, kind: string) => o.json?.apiVersion === 'v1' && o.json.kind === kind;


/** The indexes every check looks things up in, built once: lookups by key keep the analysis linear. */
interface Index {
  readonly pods: Pods[];
  readonly serviceFor: (fqdn: string) => ({ namespace: string; name: string; selector: any; ports: any[]; external: boolean } | undefined);
  readonly podsSelected: (namespace: string, selector: { [k: string]: string } | undefined) => Pods[];
  readonly gatewayIndex: Map<string, AnalyzedObject>;
  readonly drFor: (fqdn: string) => AnalyzedObject[];
  readonly appServices: AnalyzedObject[];
}

/** Runs every cross-object check. */
export function crossChecks(input: CrossInput, r: Reporter): void {
  const ix = buildIndex(input);
  checkVirtualServices(input, ix, r);
  checkDestinationRules(input, ix, r);
  checkServices(input, ix, r);
  checkGateways(input, ix, r);
  checkNamespaces(input, ix, r);
  checkDuplicates(input, r);
  // The security checks read the same pods.
  authorizationChecks({ ...input, pods: ix.pods }, r);
  transportSecurityChecks({ ...input, pods: ix.pods }, r);
  gatewayApiChecks(input, r);
}

/**
 * CIT0005: two objects of one kind, namespace and name in the chart. `kubectl apply` keeps only the
 * last one, so whatever the first one says is lost without a word.
 */
function checkDuplicates(input: CrossInput, r: Reporter): void {
  const seen = new Map<string, AnalyzedObject>();
  for (const o of input.chart) {
    const group = typeof o.json.apiVersion === 'string' ? o.json.apiVersion.split('/').slice(0, -1).join('/') : '';
    const key = `${group}|${o.json?.kind}|${o.json?.metadata?.namespace ?? ''}|${o.json?.metadata?.name}`;
    const first = seen.get(key);
    if (!first) { seen.set(key, o); continue; }
    r.report(o, 'CIT0005', E, 'metadata.name', o.json?.metadata?.name,
      `is also the name of ${o.json?.kind} ${ns(first.json)}/${first.json?.metadata?.name} defined by ${first.path}; kubectl apply keeps only one of them`,
      'Give one of the two constructs another name (or namespace)');
  }
}

function buildIndex(input: CrossInput): Index {
  const services = [
    ...input.app.filter(o => isCore(o, 'Service')).map(o => ({
      namespace: ns(o.json),
      name: o.json.metadata?.name,
      selector: stringMap(o.json.spec?.selector),
      ports: list(o.json.spec?.ports),
      external: false,
    })),
    ...input.existingServices.map(s => ({ ...s, ports: s.ports.map(p => ({ port: p })), external: true })),
  ];
  const pods = workloadPods(input.app, input.existingWorkloads);
  // Indexes: every lookup below is by key, so the analysis stays linear in the number of objects.
  const serviceIndex = new Map(services.map(svc => [`${svc.namespace}/${svc.name}`, svc]));
  const serviceFor = (fqdn: string) => {
    const [name, namespace, svc] = fqdn.split('.');
    return svc === 'svc' ? serviceIndex.get(`${namespace}/${name}`) : undefined;
  };
  const podIndex = new Map<string, Pods[]>();
  for (const p of pods) {
    for (const [k, v] of Object.entries(p.labels)) {
      const key = `${p.namespace}|${k}=${v}`;
      const bucket = podIndex.get(key);
      if (bucket) { bucket.push(p); } else { podIndex.set(key, [p]); }
    }
  }
  /** The pods of `namespace` that `selector` selects (none for an empty selector). */
  const podsSelected = (namespace: string, selector: { [k: string]: string } | undefined): Pods[] => {
    const sel = stringMap(selector);
    const entries = Object.entries(sel);
    if (entries.length === 0) { return []; }
    const buckets = entries.map(([k, v]) => podIndex.get(`${namespace}|${k}=${v}`) ?? []);
    const smallest = buckets.reduce((a, b) => (b.length < a.length ? b : a));
    return smallest.filter(p => selects(sel, p.labels));
  };
  const byKind = (objects: AnalyzedObject[], test: (o: AnalyzedObject) => boolean) => objects.filter(test);
  const gateways = byKind(input.app, o => isIstio(o, 'Gateway'));
  const gatewayIndex = new Map(gateways.map(g => [`${ns(g.json)}/${g.json.metadata?.name}`, g]));
  const drIndex = new Map<string, AnalyzedObject[]>();
  for (const d of byKind(input.app, o => isIstio(o, 'DestinationRule'))) {
    if (typeof d.json.spec?.host !== 'string') { continue; }
    const key = istioHost(d.json.spec.host, ns(d.json));
    const bucket = drIndex.get(key);
    if (bucket) { bucket.push(d); } else { drIndex.set(key, [d]); }
  }
  const drFor = (fqdn: string) => drIndex.get(fqdn) ?? [];
  const appServices = byKind(input.app, o => isCore(o, 'Service'));

  return { pods, serviceFor, podsSelected, gatewayIndex, drFor, appServices };
}

/** IST0101 (gateways, subsets), IST0132, IST0109, IST0112 on the VirtualServices of the chart. */
function checkVirtualServices(input: CrossInput, ix: Index, r: Reporter): void {
  const { serviceFor, gatewayIndex, drFor } = ix;
  const meshHosts = new Map<string, AnalyzedObject>();
  for (const vs of input.chart.filter(o => isIstio(o, 'VirtualService'))) {
    const spec = vs.json.spec ?? {};
    const vsNs = ns(vs.json);
    const refs: unknown[] = list(spec.gateways);
    const mesh = refs.length === 0 || refs.includes('mesh');
    // IST0101: gateways that do not exist.
    refs.forEach((g, i) => {
      if (typeof g !== 'string' || g === 'mesh') { return; }
      const [gNs, gName] = g.includes('/') ? g.split('/', 2) : [vsNs, g];
      const gw = gatewayIndex.get(`${gNs}/${gName}`);
      if (!gw) {
        r.report(vs, 'IST0101', E, `spec.gateways[${i}]`, g, `references Gateway ${gNs}/${gName}, which is not in the app`, 'Create the Gateway, or fix the reference (<namespace>/<name>)');
        return;
      }
      // IST0132: no VirtualService host is served by the Gateway.
      const served: string[] = list(gw.json.spec?.servers).flatMap((s: any) => list(s?.hosts).filter(h => typeof h === 'string').map((h: string) => {
        if (!h.includes('/')) { return h; }
        const [hNs, name] = h.split('/', 2);
        return hNs === '*' || hNs === vsNs || (hNs === '.' && ns(gw.json) === vsNs) ? name : undefined;
      })).filter((h: string | undefined): h is string => h !== undefined);
      const hosts: string[] = list(spec.hosts).filter(h => typeof h === 'string');
      if (hosts.length > 0 && !hosts.some(h => served.some(s => hostMatches(s, h) || hostMatches(h, s)))) {
        r.report(vs, 'IST0132', W, 'spec.hosts', hosts, `none of the hosts is served by Gateway ${g} (${served.join(', ')})`, "Add the host to a server of the Gateway, or fix the VirtualService's hosts");
      }
    });
    // IST0109: two mesh VirtualServices for one host.
    if (mesh) {
      for (const h of list(spec.hosts).filter((x): x is string => typeof x === 'string')) {
        const fqdn = istioHost(h, vsNs);
        const first = meshHosts.get(fqdn);
        if (first) {
          r.report(vs, 'IST0109', E, 'spec.hosts', h, `host ${fqdn} is also routed by VirtualService ${ns(first.json)}/${first.json.metadata?.name} (${first.path}) in the mesh; sidecars use only one of them`,
            'Merge the rules into one VirtualService (for hosts this library routes, add a DarkRelease or another construct instead of a second VirtualService)');
        } else {
          meshHosts.set(fqdn, vs);
        }
      }
    }
    // IST0101 (subsets) and IST0112 (ports) on every destination and mirror.
    const destinations: { field: string; d: any }[] = [];
    for (const section of ['http', 'tcp', 'tls']) {
      list(spec[section]).forEach((route: any, i: number) => {
        list(route?.route).forEach((d: any, j: number) => destinations.push({ field: `spec.${section}[${i}].route[${j}].destination`, d: d?.destination }));
        if (route?.mirror) { destinations.push({ field: `spec.${section}[${i}].mirror`, d: route.mirror }); }
        list(route?.mirrors).forEach((m: any, j: number) => destinations.push({ field: `spec.${section}[${i}].mirrors[${j}].destination`, d: m?.destination }));
      });
    }
    for (const { field, d } of destinations) {
      if (!d || typeof d.host !== 'string') { continue; }
      const fqdn = istioHost(d.host, vsNs);
      if (typeof d.subset === 'string') {
        const defined = drFor(fqdn).some(dr => list(dr.json.spec?.subsets).some((s: any) => s?.name === d.subset));
        if (!defined) {
          r.report(vs, 'IST0101', E, `${field}.subset`, d.subset, `subset '${d.subset}' of host ${fqdn} is defined by no DestinationRule in the app (Envoy answers 503)`,
            'Declare the subset in the DestinationRule of the host, or route to a declared subset');
        }
      }
      const svc = serviceFor(fqdn);
      if (svc && !svc.external && svc.ports.length > 1 && d.port === undefined) {
        r.report(vs, 'IST0112', E, `${field}.port`, undefined, `is missing while Service ${svc.namespace}/${svc.name} has ${svc.ports.length} ports`, 'Set destination.port.number');
      }
    }
  }

}

/** CIT0004, IST0174, IST0173 and CIT0002 on the DestinationRules of the chart. */
function checkDestinationRules(input: CrossInput, ix: Index, r: Reporter): void {
  const { serviceFor, podsSelected } = ix;
  const drHosts = new Map<string, AnalyzedObject>();
  for (const dr of input.chart.filter(o => isIstio(o, 'DestinationRule'))) {
    const host: string = dr.json.spec?.host;
    if (typeof host !== 'string') { continue; }
    const fqdn = istioHost(host, ns(dr.json));
    if (!dr.json.spec?.workloadSelector) {
      const first = drHosts.get(fqdn);
      if (first) {
        r.report(dr, 'CIT0004', E, 'spec.host', host, `host ${fqdn} already has DestinationRule ${ns(first.json)}/${first.json.metadata?.name} (${first.path}); Istio applies one of them only`,
          'Merge them into one DestinationRule (constructs of this library add policies to the host\'s one DestinationRule)');
      } else {
        drHosts.set(fqdn, dr);
      }
    }
    if (!fqdn.endsWith('.svc.cluster.local') || fqdn.startsWith('*')) { continue; }
    const svc = serviceFor(fqdn);
    if (!svc) {
      r.report(dr, 'IST0174', W, 'spec.host', host, `matches no Service in the app (${fqdn})`, 'Fix the host, or declare the service (ExistingService for one that exists outside the app)');
      continue;
    }
    const behind = podsSelected(svc.namespace, svc.selector);
    const members = new Map<Pods, string[]>();
    list(dr.json.spec?.subsets).forEach((s: any, i: number) => {
      const chosen = behind.filter(p => Object.entries(stringMap(s?.labels)).every(([k, v]) => p.labels[k] === v));
      if (chosen.length === 0) {
        r.report(dr, 'IST0173', E, `spec.subsets[${i}].labels`, s?.labels, `subset '${s?.name}' selects no pod of Service ${svc.namespace}/${svc.name} (Envoy answers 503 UH)`,
          'Fix the labels, or deploy (or adopt) the version');
      }
      chosen.forEach(p => members.set(p, [...(members.get(p) ?? []), s?.name]));
    });
    for (const [pod, subsets] of members) {
      if (subsets.length > 1) {
        r.report(dr, 'CIT0002', E, 'spec.subsets', subsets, `subsets ${subsets.join(' and ')} overlap: ${pod.name} is in both, so the split between them is not what the weights say`,
          'Give each version a distinct value of the version label');
      }
    }
  }

}

/** CIT0001 and IST0118 on the Services of the chart. */
function checkServices(input: CrossInput, ix: Index, r: Reporter): void {
  const { podsSelected } = ix;
  for (const svc of input.chart.filter(o => isCore(o, 'Service'))) {
    const spec = svc.json.spec ?? {};
    if (spec.type === 'ExternalName' || Object.keys(stringMap(spec.selector)).length === 0) { continue; }
    const labels = stringMap(svc.json.metadata?.labels);
    if (podsSelected(ns(svc.json), spec.selector).length === 0) {
      r.report(svc, 'CIT0001', W, 'spec.selector', spec.selector, 'selects no pod of any workload in the app or known to exist', 'Fix the selector, or deploy (or adopt) the workloads');
    }
    if (labels.istio !== undefined || labels.release === 'istio') { continue; }
    list(spec.ports).forEach((p: any, i: number) => {
      // An entry that is not an object is the schema's finding.
      if (p === null || typeof p !== 'object' || p.protocol === 'UDP' || [25, 53, 3306, 27017].includes(p.port)) { return; }
      const appProtocol: unknown = p.appProtocol;
      const ok = typeof appProtocol === 'string'
        ? PROTOCOLS.includes(appProtocol.toLowerCase()) || APP_PROTOCOL_OK.includes(appProtocol)
        : typeof p.name === 'string' && PROTOCOLS.includes(p.name.split('-')[0].toLowerCase());
      if (!ok) {
        r.report(svc, 'IST0118', I, `spec.ports[${i}]`, { name: p.name, appProtocol }, 'is not named for its protocol, so Istio treats it as opaque TCP (no HTTP routing)',
          "Name the port 'http', 'grpc', 'tcp', ... (or '<protocol>-<suffix>'), or set appProtocol");
      }
    });
  }

}

/** IST0145 and IST0162 on the Gateways of the chart. */
function checkGateways(input: CrossInput, ix: Index, r: Reporter): void {
  const { appServices } = ix;
  const chartGateways = input.chart.filter(o => isIstio(o, 'Gateway'));
  // IST0145, indexed by selector, port, bind and host: linear in the number of server hosts.
  const claimed = new Map<string, AnalyzedObject>();
  const servicesBySelector = new Map<string, AnalyzedObject[]>();
  chartGateways.forEach(gw => {
    const sel = stringMap(gw.json.spec?.selector);
    const selKey = JSON.stringify(Object.fromEntries(Object.entries(sel).sort()));
    const reported = new Set<AnalyzedObject>();
    for (const s of list(gw.json.spec?.servers)) {
      for (const h of list(s?.hosts).filter((x): x is string => typeof x === 'string')) {
        // JSON, not a template: a hand-written port or bind may be any value.
        const key = JSON.stringify([selKey, s?.port?.number, s?.bind ?? '', h]);
        const other = claimed.get(key);
        if (other === undefined) { claimed.set(key, gw); continue; }
        if (other === gw || reported.has(other)) { continue; }
        reported.add(other);
        r.report(gw, 'IST0145', E, 'spec.servers', { port: s?.port?.number, host: h }, `conflicts with Gateway ${ns(other.json)}/${other.json.metadata?.name}: same selector, port ${JSON.stringify(s?.port?.number)} and host '${h}'`,
          'Serve each host and port from one Gateway');
      }
    }
    // IST0162: a port the gateway's Service (when it is in the app) does not expose.
    let gwServices = servicesBySelector.get(selKey);
    if (gwServices === undefined) {
      gwServices = appServices.filter(o => selects(stringMap(o.json.spec?.selector), sel));
      servicesBySelector.set(selKey, gwServices);
    }
    if (gwServices.length === 0) { return; }
    const exposed = new Set<number>(gwServices.flatMap(o => list(o.json.spec?.ports)
      .filter((p: any) => (p?.protocol ?? 'TCP') === 'TCP').flatMap((p: any) => [p?.port, typeof p?.targetPort === 'number' ? p.targetPort : p?.port])));
    const names = gwServices.map(o => o.json.metadata?.name).join(', ');
    list(gw.json.spec?.servers).forEach((s: any, j: number) => {
      if (s?.port?.number !== undefined && !exposed.has(s.port.number)) {
        r.report(gw, 'IST0162', W, `spec.servers[${j}].port.number`, s.port.number, `is not a port of the gateway Service (${names})`,
          'Use a port the ingress gateway Service exposes, or add it to that Service');
      }
    });
  });

}

/** IST0123 and CIT0003 on the Namespaces of the app. */
function checkNamespaces(input: CrossInput, ix: Index, r: Reporter): void {
  const { pods } = ix;
  const routedNamespaces = new Set<string>();
  for (const o of input.chart) {
    if (isIstio(o, 'DestinationRule') || (isIstio(o, 'VirtualService') && list(o.json.spec?.gateways).length === 0) || isMeshRoute(o)) { routedNamespaces.add(ns(o.json)); }
  }
  const podsByNamespace = new Map<string, Pods[]>();
  for (const p of pods) {
    const bucket = podsByNamespace.get(p.namespace);
    if (bucket) { bucket.push(p); } else { podsByNamespace.set(p.namespace, [p]); }
  }
  for (const n of input.app.filter(o => isCore(o, 'Namespace'))) {
    const labels = stringMap(n.json.metadata?.labels);
    const name = n.json.metadata?.name;
    const injection = labels['istio-injection'] === 'enabled' || labels['istio.io/rev'] !== undefined;
    if (labels['istio-injection'] !== undefined && (labels['istio.io/rev'] !== undefined || labels['istio.io/dataplane-mode'] !== undefined)) {
      r.report(n, 'IST0123', W, 'metadata.labels', labels, 'has more than one injection label', 'Keep istio-injection=enabled or istio.io/rev, not both');
    }
    const workloads = podsByNamespace.get(name) ?? [];
    if (injection || !routedNamespaces.has(name) || workloads.length === 0) { continue; }
    const routed = workloads.slice(0, 3).map(w => w.name).join(', ');
    if (!isAmbient(labels)) {
      r.report(n, 'CIT0003', E, 'metadata.labels', labels, `has routed workloads (${routed}) but no sidecar injection label, so none of the routing applies to them`,
        'Label it istio-injection=enabled (MeshNamespace does), or istio.io/rev=<revision>, or put it in ambient mode with a waypoint (MeshNamespace with dataPlane: DataPlaneMode.AMBIENT)');
    } else if (!usesWaypoint(labels) && !servicesUseWaypoint(input.app, name)) {
      // Ambient mode without a waypoint is L4 only: ztunnel neither routes by VirtualService nor applies DestinationRules.
      r.report(n, 'CIT0003', E, 'metadata.labels', labels,
        `is in ambient mode without a waypoint (no istio.io/use-waypoint label), so ztunnel carries its traffic at L4 and none of the routing applies to its workloads (${routed})`,
        'Give it a waypoint: MeshNamespace with dataPlane: DataPlaneMode.AMBIENT creates one (or label the namespace istio.io/use-waypoint=<waypoint Gateway>)');
    }
  }
}

/** A Kubernetes Gateway API route attached to a Service (GAMMA): mesh routing, like a mesh VirtualService. */
function isMeshRoute(o: AnalyzedObject): boolean {
  const j = o.json;
  return isGatewayApiObject(j) && ['HTTPRoute', 'GRPCRoute', 'TCPRoute'].includes(j?.kind)
    && Array.isArray(j.spec?.parentRefs) && j.spec.parentRefs.some((p: any) => p?.kind === 'Service' && (p?.group ?? '') === '');
}

/** Whether a Service of the namespace is bound to a waypoint of its own (the analysis then leaves the namespace alone). */
function servicesUseWaypoint(app: AnalyzedObject[], namespace: string): boolean {
  return app.some(o => isCore(o, 'Service') && ns(o.json) === namespace && usesWaypoint(o.json.metadata?.labels));
}