/**
 * Checks on AuthorizationPolicies (Istio's `istioctl analyze` code where it has one, CIT codes
 * otherwise):
 *
 * - IST0127: the selector (or, for a namespace-wide policy, the namespace) selects no pod;
 * - CIT0020: a principal (or `serviceAccounts` entry) names a ServiceAccount that is neither in the
 *   app nor known to exist outside it (a typo there locks the caller out without a word);
 * - CIT0021: an allow list by identity (principals, namespaces, service accounts) on workloads
 *   that callers reach without mTLS: a plain-text caller has no principal and no namespace, so the
 *   list denies it. An error where a PeerAuthentication says DISABLE (then nobody has one), a
 *   warning where no STRICT PeerAuthentication covers the workload (callers without a sidecar);
 * - CIT0022: HTTP conditions (methods, paths, hosts, request principals, `when` keys `request.*`) in
 *   a rule for workloads that serve TCP only. Istio drops them for TCP traffic: the rule of an ALLOW policy then matches
 *   nothing (error), the rule of a DENY policy everything else it names (warning)
 *   (https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/);
 * - CIT0023: the same HTTP conditions in a policy with a workload selector for workloads in ambient
 *   mode: such a policy is enforced by ztunnel, which sees L4 only, and fails safe as CIT0022
 *   describes; L7 conditions need the policy bound to a waypoint (`targetRefs`)
 *   (https://istio.io/latest/docs/ambient/usage/l4-policy/);
 * - CIT0024: a DENY (or CUSTOM) rule's `hosts`, or an ALLOW rule's `notHosts`, that a request escapes
 *   with a port in its Host header (`shop.example.com:443` for `shop.example.com`).
 */
import { AnalyzedObject, Reporter, Severity, WORKLOAD_KINDS, WorkloadPods as Pod } from './findings';
import { hostsEscapedWithPort, isSet } from '../core/authorization-fields';
import { namespaceOf as ns } from '../core/hosts';
import { list, record } from '../core/manifest-fields';
import { isAmbient } from '../core/mesh-labels';
import { peerModeOf, ROOT_NAMESPACE } from '../core/peer-authentication';

/** What the authorization checks look at (a part of the cross-object analysis' input). */
export interface AuthorizationInput {
  readonly chart: AnalyzedObject[];
  readonly app: AnalyzedObject[];
  /** The pods of the app's workloads and of those known to exist (`workloadPods`). */
  readonly pods: readonly Pod[];
  readonly existingServiceAccounts?: string[];
}

const INGRESS_ACCOUNT = 'istio-system/istio-ingressgateway-service-account';
const HTTP_PROTOCOLS = ['http', 'http2', 'grpc', 'grpc-web', 'kubernetes.io/h2c', 'kubernetes.io/ws'];
const KNOWN_PROTOCOLS = ['http', 'http2', 'https', 'grpc', 'grpc-web', 'tcp', 'udp', 'tls', 'mongo', 'redis', 'mysql', 'kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss'];

const isSecurity = (o: AnalyzedObject, kind: string) => /^security\.istio\.io\//.test(o.json.apiVersion ?? '') && o.json.kind === kind;

/** Runs the checks on the chart's AuthorizationPolicies. */
export function authorizationChecks(input: AuthorizationInput, r: Reporter): void {
  const policies = input.chart.filter(o => isSecurity(o, 'AuthorizationPolicy'));
  if (policies.length === 0) { return; }
  const pods = input.pods;
  const accounts = knownAccounts(input);
  const peerAuthentications = input.app.filter(o => isSecurity(o, 'PeerAuthentication')).map(o => o.json);
  const services = input.app.filter(o => o.json.apiVersion === 'v1' && o.json.kind === 'Service').map(o => o.json);
  const ambient = new Set(input.app.filter(o => o.json.apiVersion === 'v1' && o.json.kind === 'Namespace'
    && isAmbient(o.json.metadata?.labels)).map(o => o.json.metadata?.name));

  for (const p of policies) {
    const spec = record(p.json.spec);
    const policyNs = ns(p.json);
    const rules: any[] = Array.isArray(spec.rules) ? spec.rules : [];
    const action = spec.action ?? 'ALLOW';
    rules.forEach((rule, i) => checkHostsWithPort(p, rule, i, action, r));
    // Policies bound to gateways or waypoints (targetRef(s)) do not select pods; an empty list is not set.
    if (isSet(spec.targetRef) || isSet(spec.targetRefs)) { continue; }
    const matchLabels: { [k: string]: string } | undefined = spec.selector?.matchLabels;
    const hasSelector = matchLabels !== undefined && Object.keys(matchLabels).length > 0;
    const selected = pods.filter(pod => (pod.namespace === policyNs || (policyNs === ROOT_NAMESPACE && hasSelector))
      && (!hasSelector || Object.entries(matchLabels!).every(([k, v]) => pod.labels[k] === v)));
    const mesh = policyNs === ROOT_NAMESPACE && !hasSelector;
    // Gateway pods usually run outside the app (in istio-system): a policy there is not checked for pods.
    if (selected.length === 0 && policyNs !== ROOT_NAMESPACE) {
      r.report(p, 'IST0127', Severity.WARNING, hasSelector ? 'spec.selector.matchLabels' : 'metadata.namespace', hasSelector ? matchLabels : policyNs,
        hasSelector ? `selects no pod of any workload in namespace '${policyNs}' in the app or known to exist` : `applies to every workload of namespace '${policyNs}', and there is none in the app or known to exist`,
        'Fix the selector (pods carry app: <service>), or deploy (or adopt) the workloads');
    }
    rules.forEach((rule, i) => {
      checkPrincipals(p, rule, i, policyNs, accounts, r);
      if (action === 'ALLOW' && !mesh) { checkAllowListTransport(p, rule, i, selected, peerAuthentications, r); }
      const httpFields = action === 'ALLOW' || action === 'DENY' ? httpConditionFields(rule, i) : [];
      if (httpFields.length > 0) {
        checkHttpOnTcp(p, rule, httpFields, action, selected, services, r);
        checkHttpOnZtunnel(p, httpFields, action, selected.filter(pod => ambient.has(pod.namespace)), r);
      }
    });
  }
}

/** The ServiceAccounts (`<namespace>/<name>`) the app has or knows to exist; `*` for any namespace's `default`. */
function knownAccounts(input: AuthorizationInput): Set<string> {
  const known = new Set<string>([INGRESS_ACCOUNT, ...(input.existingServiceAccounts ?? [])]);
  for (const o of input.app) {
    const j = o.json;
    if (j.apiVersion === 'v1' && j.kind === 'ServiceAccount') { known.add(`${ns(j)}/${j.metadata?.name}`); }
    const podSpec = WORKLOAD_KINDS.includes(j.kind) ? j.spec?.template?.spec : j.kind === 'Pod' ? j.spec : undefined;
    const name = podSpec?.serviceAccountName ?? podSpec?.serviceAccount;
    if (typeof name === 'string') { known.add(`${ns(j)}/${name}`); }
  }
  return known;
}

/** CIT0020 on `from.source.principals` / `notPrincipals` / `serviceAccounts` / `notServiceAccounts`. */
function checkPrincipals(p: AnalyzedObject, rule: any, i: number, policyNs: string, known: Set<string>, r: Reporter): void {
  const froms: any[] = Array.isArray(rule?.from) ? rule.from : [];
  froms.forEach((f, j) => {
    const source = record(f?.source);
    for (const field of ['principals', 'notPrincipals', 'serviceAccounts', 'notServiceAccounts']) {
      const values: unknown[] = Array.isArray(source[field]) ? source[field] : [];
      values.forEach((v, k) => {
        if (typeof v !== 'string' || v.includes('*')) { return; }
        let account: string | undefined;
        if (field.toLowerCase().includes('principals')) {
          const m = /^[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(v);
          if (!m) { return; }
          account = `${m[1]}/${m[2]}`;
        } else {
          account = v.includes('/') ? v : `${policyNs}/${v}`;
        }
        const [accountNs, name] = account.split('/');
        if (name === 'default' || known.has(account)) { return; }
        r.report(p, 'CIT0020', Severity.WARNING, `spec.rules[${i}].from[${j}].source.${field}[${k}]`, v,
          `names ServiceAccount '${name}' in namespace '${accountNs}', which is neither in the app nor declared to exist outside it, so no workload has this identity`,
          "Fix the name (a CanaryService's account is its name unless serviceIdentity says otherwise), or declare it: Caller.serviceAccount('name', 'namespace') or Caller.service(svc, { serviceAccountName })");
      });
    }
  });
}

/**
 * CIT0024: a DENY (or CUSTOM) rule's `hosts`, or an ALLOW rule's `notHosts`, that a request escapes by
 * sending the host with a port: Istio compares the Host header as sent, port included.
 */
function checkHostsWithPort(p: AnalyzedObject, rule: any, i: number, action: string, r: Reporter): void {
  const field = action === 'ALLOW' ? 'notHosts' : action === 'DENY' || action === 'CUSTOM' ? 'hosts' : undefined;
  if (field === undefined) { return; }
  list(rule?.to).forEach((t, j) => {
    const hosts = list(t?.operation?.[field]);
    const escaped = new Set(hostsEscapedWithPort(hosts));
    hosts.forEach((host, k) => {
      if (!escaped.has(host)) { return; }
      const wildcard = host.startsWith('*');
      r.report(p, 'CIT0024', Severity.WARNING, `spec.rules[${i}].to[${j}].operation.${field}[${k}]`, host,
        `is compared with the Host header as sent, port included, so a request to ${wildcard ? `shop${host.slice(1)}` : host}:443 escapes this ${action} rule`,
        wildcard
          ? `Name the hosts instead of the pattern (each with '<host>:*' beside it), or add the pattern with each port clients can send ('${host}:443')`
          : `Add '${host}:*' to the list beside it (https://istio.io/latest/docs/ops/best-practices/security/#writing-host-match-policies)`);
    });
  });
}

/** Whether a rule names callers by their mTLS identity. */
function usesPeerIdentity(rule: any): boolean {
  const froms: any[] = Array.isArray(rule?.from) ? rule.from : [];
  const identity = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts'];
  return froms.some(f => identity.some(k => Array.isArray(f?.source?.[k]) && f.source[k].length > 0))
    || (Array.isArray(rule?.when) && rule.when.some((c: any) => /^source\.(principal|namespace|serviceAccount|trustDomain)$/.test(c?.key ?? '')));
}

/** The mTLS mode PeerAuthentications give `pod`, and the policy that decides it (core/peer-authentication.ts: Istio's precedence). */
export function peerMode(pod: { namespace: string; labels: { [k: string]: string } }, peerAuthentications: any[]): { mode: string; from?: string } {
  const { mode, policy } = peerModeOf(peerAuthentications, pod);
  return policy === undefined ? { mode } : { mode, from: `${ns(policy)}/${policy.metadata?.name}` };
}

/** CIT0021: an allow list by identity on workloads that accept plain text. */
function checkAllowListTransport(p: AnalyzedObject, rule: any, i: number, selected: Pod[], peerAuthentications: any[], r: Reporter): void {
  if (!usesPeerIdentity(rule) || selected.length === 0) { return; }
  const modes = selected.map(pod => ({ pod, ...peerMode(pod, peerAuthentications) }));
  const disabled = modes.find(m => m.mode === 'DISABLE');
  if (disabled) {
    r.report(p, 'CIT0021', Severity.ERROR, `spec.rules[${i}].from`, rule.from,
      `allows callers by identity, but PeerAuthentication ${disabled.from} turns mTLS off for ${disabled.pod.name}: every caller connects in plain text with no principal and no namespace, so this rule lets nobody in`,
      'Set STRICT mTLS for the workload (a PeerAuthentication with mtls.mode STRICT), or remove the DISABLE');
    return;
  }
  const open = modes.find(m => m.mode !== 'STRICT');
  if (open) {
    r.report(p, 'CIT0021', Severity.WARNING, `spec.rules[${i}].from`, rule.from,
      `allows callers by identity, but no STRICT PeerAuthentication covers ${open.pod.name} (mode ${open.mode}${open.from ? ` from ${open.from}` : ', the default'}): callers without a sidecar reach it in plain text, with no principal, and are denied by this allow list`,
      'Set STRICT mTLS for the workload or its namespace (a PeerAuthentication with mtls.mode STRICT), so that every caller has an identity');
  }
}

/** The protocol of a Service port as Istio reads it: `appProtocol`, else the name's prefix. */
function portProtocol(port: any): string | undefined {
  const p = typeof port?.appProtocol === 'string' ? port.appProtocol : typeof port?.name === 'string' ? port.name.split('-')[0] : undefined;
  const lower = p?.toLowerCase();
  return lower !== undefined && KNOWN_PROTOCOLS.includes(lower) ? lower : undefined;
}

/** The fields of rule `i` that are HTTP conditions (methods, paths, hosts, request principals, `request.*` keys). */
function httpConditionFields(rule: any, i: number): string[] {
  const tos: any[] = Array.isArray(rule?.to) ? rule.to : [];
  const froms: any[] = Array.isArray(rule?.from) ? rule.from : [];
  const whens: any[] = Array.isArray(rule?.when) ? rule.when : [];
  return [
    ...tos.flatMap((t, j) => ['methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts']
      .filter(k => Array.isArray(t?.operation?.[k]) && isSet(t.operation[k])).map(k => `spec.rules[${i}].to[${j}].operation.${k}`)),
    ...froms.flatMap((f, j) => ['requestPrincipals', 'notRequestPrincipals']
      .filter(k => Array.isArray(f?.source?.[k]) && isSet(f.source[k])).map(k => `spec.rules[${i}].from[${j}].source.${k}`)),
    // `request.headers[...]`, `request.auth.*` and every other `request.*` key exist for HTTP only.
    ...whens.flatMap((w, j) => (typeof w?.key === 'string' && w.key.startsWith('request.') ? [`spec.rules[${i}].when[${j}].key`] : [])),
  ];
}

/** CIT0022: HTTP-only conditions (`httpFields`) in a rule for workloads whose (matching) ports are all TCP. */
function checkHttpOnTcp(p: AnalyzedObject, rule: any, httpFields: string[], action: string, selected: Pod[], services: any[], r: Reporter): void {
  const tos: any[] = Array.isArray(rule?.to) ? rule.to : [];
  if (selected.length === 0) { return; }
  // Ports are strings in the API (numbers are read too); anything else is the schema's finding and names no port.
  const portKey = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const rulePorts = new Set<string | undefined>(tos.flatMap(t => list(t?.operation?.ports).map(portKey)).filter(k => k !== undefined));
  const ports = services.filter(s => selected.some(pod => pod.namespace === ns(s) && s.spec?.selector && Object.keys(s.spec.selector).length > 0
    && Object.entries(s.spec.selector).every(([k, v]) => pod.labels[k] === v)))
    .flatMap(s => (Array.isArray(s.spec?.ports) ? s.spec.ports : []))
    .filter((port: any) => rulePorts.size === 0 || rulePorts.has(portKey(typeof port?.targetPort === 'number' ? port.targetPort : port?.port)));
  if (ports.length === 0) { return; }
  const protocols = ports.map(portProtocol);
  if (protocols.some((x: string | undefined) => x === undefined || HTTP_PROTOCOLS.includes(x))) { return; }
  const allow = action === 'ALLOW';
  r.report(p, 'CIT0022', allow ? Severity.ERROR : Severity.WARNING, httpFields[0], undefined,
    allow
      ? `is an HTTP condition, but the selected workloads serve TCP only (${[...new Set(protocols)].join(', ')}); Istio drops such a rule for TCP traffic, so it allows nothing`
      : `is an HTTP condition, but the selected workloads serve TCP only (${[...new Set(protocols)].join(', ')}); Istio ignores it for TCP traffic, so the rule denies every connection its other conditions match`,
    'Limit the rule by ports (and callers) only, or name the Service port for its HTTP protocol');
}

/** CIT0023: HTTP conditions in a selector policy for workloads in ambient mode, which ztunnel enforces at L4. */
function checkHttpOnZtunnel(p: AnalyzedObject, httpFields: string[], action: string, ambientPods: Pod[], r: Reporter): void {
  if (ambientPods.length === 0) { return; }
  const allow = action === 'ALLOW';
  const where = `${ambientPods.slice(0, 3).map(pod => pod.name).join(', ')} in ambient mode`;
  r.report(p, 'CIT0023', allow ? Severity.ERROR : Severity.WARNING, httpFields[0], undefined,
    allow
      ? `is an HTTP condition in a policy that selects workloads by label (${where}), which ztunnel enforces at L4; it cannot read HTTP, so the rule allows nothing`
      : `is an HTTP condition in a policy that selects workloads by label (${where}), which ztunnel enforces at L4; it drops the HTTP conditions, so the rule denies every connection its other conditions match`,
    "Bind the policy to the service's waypoint (targetRefs to the Service or the waypoint Gateway instead of a selector), or limit the rule to callers and ports");
}
