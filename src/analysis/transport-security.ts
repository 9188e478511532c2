/**
 * Transport security across objects: what client sidecars send (a DestinationRule's `tls`) against
 * what the server's workloads accept (their PeerAuthentication, or their namespace's, or the
 * mesh's) and whether they have a sidecar at all; and PeerAuthentications that collide.
 *
 * - CIT0010: a client TLS mode the server refuses (anything but ISTIO_MUTUAL towards STRICT,
 *   ISTIO_MUTUAL towards DISABLE): every call fails;
 * - CIT0011: ISTIO_MUTUAL towards a Service whose namespace (in the app) has no sidecar injection;
 * - CIT0012: two PeerAuthentications of the chart for the same workloads, or two namespace-wide ones
 *   for one namespace (Istio applies the oldest);
 * - CIT0013: a port-level mode keyed by a Service port that is not the container port (Istio
 *   matches the workload's port, so the setting applies to nothing).
 */
import { AnalyzedObject, Reporter, selects, Severity, WorkloadPods as Pod } from './findings';
import { istioHost, namespaceOf as ns } from '../core/hosts';
import { list, record, stringMap } from '../core/manifest-fields';
import { isAmbient } from '../core/mesh-labels';
import { isPeerAuthentication, peerModeOf } from '../core/peer-authentication';
import { KnownService } from '../model/traffic-model';

/** What the checks read (the cross-object analysis's input). */
export interface TransportSecurityInput {
  readonly chart: AnalyzedObject[];
  readonly app: AnalyzedObject[];
  /** The pods of the app's workloads and of those known to exist (`workloadPods`). */
  readonly pods: readonly Pod[];
  readonly existingServices: KnownService[];
}

const E = Severity.ERROR;

const nameOf = (o: AnalyzedObject) => `${ns(o.json)}/${o.json.metadata?.name}`;
const isPa = (o: AnalyzedObject) => isPeerAuthentication(o.json);
const isDestinationRule = (o: AnalyzedObject) => /^networking\.istio\.io\//.test(o.json.apiVersion ?? '') && o.json.kind === 'DestinationRule';
const isCore = (o: AnalyzedObject, kind: string) => o.json.apiVersion === 'v1' && o.json.kind === kind;
const matchLabelsOf = (pa: AnalyzedObject): { [k: string]: string } => stringMap(pa.json.spec?.selector?.matchLabels);
const hasSelector = (pa: AnalyzedObject) => Object.keys(matchLabelsOf(pa)).length > 0;

interface Port { readonly port: number; readonly target?: number }
interface Svc { readonly namespace: string; readonly name: string; readonly selector: { [k: string]: string }; readonly ports: Port[] }

/** The mode a workload's sidecar applies on a port, and the PeerAuthentication that decides it. */
interface Effective { readonly mode: string; readonly by?: AnalyzedObject }

/** Runs the transport-security checks. */
export function transportSecurityChecks(input: TransportSecurityInput, r: Reporter): void {
  const pods = input.pods;
  const services: Svc[] = [
    ...input.app.filter(o => isCore(o, 'Service') && o.json.spec?.selector).map(o => ({
      namespace: ns(o.json),
      name: o.json.metadata?.name,
      selector: o.json.spec.selector,
      ports: list(o.json.spec.ports).filter(p => typeof p?.port === 'number').map(p => ({
        port: p.port,
        target: p.targetPort === undefined ? p.port : typeof p.targetPort === 'number' ? p.targetPort : undefined,
      })),
    })),
    ...input.existingServices.map(s => ({ ...s, ports: s.ports.map(p => ({ port: p })) })),
  ];
  const pas = input.app.filter(isPa);
  if (pas.length === 0 && !input.chart.some(o => isDestinationRule(o) && usesTls(o))) { return; }
  const podsOf = (namespace: string, selector: { [k: string]: string }) => pods.filter(p => p.namespace === namespace && selects(selector, p.labels));

  const manifests = pas.map(pa => pa.json);
  const analyzed = new Map(pas.map(pa => [pa.json, pa]));
  /** The mode on `port` (undefined: the workload-level mode) of the sidecar of `pod`, and the policy that decides it. */
  const effective = (pod: Pod, port: number | undefined): Effective => {
    const { mode, policy } = peerModeOf(manifests, pod, port);
    return { mode, by: policy === undefined ? undefined : analyzed.get(policy) };
  };

  checkClientTls(input, r, services, podsOf, effective);
  checkPeerAuthentications(input, r, services, podsOf);
}

function usesTls(dr: AnalyzedObject): boolean {
  const spec = record(dr.json.spec);
  return [spec.trafficPolicy, ...list(spec.subsets).map((s: any) => s?.trafficPolicy)]
    .some(tp => tp?.tls || list(tp?.portLevelSettings).some((p: any) => p?.tls));
}

/** CIT0010 and CIT0011 on the `tls` settings of the chart's DestinationRules. */
function checkClientTls(input: TransportSecurityInput, r: Reporter, services: Svc[],
  podsOf: (namespace: string, selector: { [k: string]: string }) => Pod[], effective: (pod: Pod, port: number | undefined) => Effective): void {
  const namespaces = new Map(input.app.filter(o => isCore(o, 'Namespace')).map(o => [o.json.metadata?.name, o]));
  for (const dr of input.chart.filter(isDestinationRule)) {
    const spec = record(dr.json.spec);
    if (typeof spec.host !== 'string') { continue; }
    const fqdn = istioHost(spec.host, ns(dr.json));
    const m = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(fqdn);
    if (!m || m[1] === '*') { continue; }
    const [, svcName, svcNamespace] = m;
    const svc = services.find(s => s.namespace === svcNamespace && s.name === svcName);
    const backends = svc ? podsOf(svc.namespace, svc.selector) : [];
    // Each tls setting, the pods it reaches and the Service port it is for (undefined: every port).
    const settings: { field: string; tls: any; pods: Pod[]; port?: number }[] = [];
    const collect = (tp: any, field: string, pods: Pod[]) => {
      if (tp?.tls) { settings.push({ field: `${field}.tls`, tls: tp.tls, pods }); }
      list(tp?.portLevelSettings).forEach((p, j) => {
        if (p?.tls && typeof p.port?.number === 'number') { settings.push({ field: `${field}.portLevelSettings[${j}].tls`, tls: p.tls, pods, port: p.port.number }); }
      });
    };
    collect(spec.trafficPolicy, 'spec.trafficPolicy', backends);
    list(spec.subsets).forEach((s, i) => {
      collect(s?.trafficPolicy, `spec.subsets[${i}].trafficPolicy`, backends.filter(p => Object.entries(stringMap(s?.labels)).every(([k, v]) => p.labels[k] === v)));
    });
    for (const { field, tls, pods, port } of settings) {
      const mode = tls.mode;
      if (typeof mode !== 'string') { continue; }
      // CIT0010: the server's mode refuses the client's.
      const targets: (number | undefined)[] = svc
        ? svc.ports.filter(p => port === undefined || p.port === port).map(p => p.target)
        : [undefined];
      let reported = false;
      for (const pod of pods) {
        for (const target of targets.length > 0 ? targets : [undefined]) {
          const server = effective(pod, target);
          const refused = (server.mode === 'STRICT' && mode !== 'ISTIO_MUTUAL') || (server.mode === 'DISABLE' && mode === 'ISTIO_MUTUAL');
          if (!refused || reported) { continue; }
          reported = true;
          const by = server.by ? `PeerAuthentication ${nameOf(server.by)} (${server.by.path})` : 'the default';
          const where = target !== undefined ? ` on port ${target}` : '';
          r.report(dr, 'CIT0010', E, `${field}.mode`, mode, server.mode === 'STRICT'
            ? `sends ${mode === 'DISABLE' ? 'plain text' : `${mode} TLS with certificates of its own`} to ${pod.name} of Service ${svc!.namespace}/${svc!.name}, which accepts only Istio mutual TLS${where} (STRICT, from ${by}): every call fails`
            : `sends Istio mutual TLS to ${pod.name} of Service ${svc!.namespace}/${svc!.name}, which accepts only plain text${where} (DISABLE, from ${by}): every call fails`,
          server.mode === 'STRICT'
            ? 'Set tls.mode ISTIO_MUTUAL (or remove tls: Istio picks mutual TLS itself), or make the PeerAuthentication PERMISSIVE'
            : 'Set tls.mode DISABLE (or remove tls: Istio detects plain-text servers itself), or make the PeerAuthentication PERMISSIVE or STRICT');
        }
      }
      // CIT0011: Istio mutual TLS towards workloads that get no sidecar.
      const namespace = namespaces.get(svcNamespace);
      if (mode !== 'ISTIO_MUTUAL' || !namespace) { continue; }
      const labels = stringMap(namespace.json.metadata?.labels);
      const injected = (labels['istio-injection'] === 'enabled' || labels['istio.io/rev'] !== undefined) && labels['istio-injection'] !== 'disabled';
      const ambient = isAmbient(labels);
      const optedIn = pods.length > 0 && pods.every(p => p.labels['sidecar.istio.io/inject'] === 'true');
      if (injected || ambient || optedIn) { continue; }
      r.report(dr, 'CIT0011', E, `${field}.mode`, mode,
        `sends Istio mutual TLS to host ${fqdn}, but Namespace ${svcNamespace} (${namespace.path}) has no sidecar injection label, so its workloads have no sidecar to answer it: every call fails`,
        `Label Namespace ${svcNamespace} istio-injection=enabled (MeshNamespace does) or istio.io/rev=<revision>, or set tls.mode DISABLE for a service outside the mesh`);
    }
  }
}

/** CIT0012 and CIT0013 on the chart's PeerAuthentications. */
function checkPeerAuthentications(input: TransportSecurityInput, r: Reporter, services: Svc[],
  podsOf: (namespace: string, selector: { [k: string]: string }) => Pod[]): void {
  const chartPas = input.chart.filter(isPa);
  const wide = new Map<string, AnalyzedObject>();
  const bySelector = new Map<string, AnalyzedObject>();
  const byPod = new Map<Pod, AnalyzedObject>();
  for (const pa of chartPas) {
    const namespace = ns(pa.json);
    if (!hasSelector(pa)) {
      const first = wide.get(namespace);
      if (first) {
        r.report(pa, 'CIT0012', E, 'spec.selector', undefined,
          `is missing, and namespace ${namespace} already has the namespace-wide PeerAuthentication ${nameOf(first)} (${first.path}); Istio applies only the oldest of the two`,
          'Keep one namespace-wide PeerAuthentication per namespace (MeshNamespace mtls makes it), and select workloads in the others');
      } else {
        wide.set(namespace, pa);
      }
      continue;
    }
    const sel = matchLabelsOf(pa);
    const key = `${namespace}|${JSON.stringify(Object.fromEntries(Object.entries(sel).sort()))}`;
    const pods = podsOf(namespace, sel);
    const other = bySelector.get(key) ?? pods.map(p => byPod.get(p)).find(o => o !== undefined);
    if (other) {
      r.report(pa, 'CIT0012', E, 'spec.selector.matchLabels', sel,
        `selects the same workloads as PeerAuthentication ${nameOf(other)} (${other.path}); Istio applies only the oldest of the two`,
        'Use one PeerAuthentication per workload (one PeerAuthenticationPolicy per service, with portModes for ports that differ)');
    } else {
      bySelector.set(key, pa);
      pods.forEach(p => byPod.set(p, pa));
    }
    // CIT0013: port-level modes keyed by a Service port where the container listens on another.
    const mine = services.filter(s => s.namespace === namespace
      && (pods.some(p => selects(s.selector, p.labels)) || (pods.length === 0 && selects(s.selector, sel))));
    const targets = new Set(mine.flatMap(s => s.ports.map(p => p.target)).filter((t): t is number => t !== undefined));
    for (const portKey of Object.keys(record(pa.json.spec?.portLevelMtls))) {
      const port = Number(portKey);
      if (targets.has(port)) { continue; }
      const servicePort = mine.flatMap(s => s.ports.map(p => ({ s, p })))
        .find(({ p }) => p.port === port && p.target !== undefined && p.target !== port);
      if (!servicePort) { continue; }
      r.report(pa, 'CIT0013', E, `spec.portLevelMtls[${JSON.stringify(portKey)}]`, portKey,
        `is the Service port of ${servicePort.s.namespace}/${servicePort.s.name}, whose pods listen on ${servicePort.p.target}; Istio matches port-level modes on the workload's port, so this one applies to nothing`,
        `Key the mode by the target port ${servicePort.p.target}`);
    }
  }
}
