/**
 * The checks of Istio's validating webhook (and of the CRD's CEL rules) for the kinds this library
 * emits: VirtualService, DestinationRule and Gateway, and the metadata of every Istio object. The
 * reference is `shared/reference/istio-validation-rules.md` (Istio 1.30.3, `pkg/config/validation`).
 * Errors are reported as IST0106 (what `istioctl analyze` calls a schema validation error), warnings
 * as IST0133, the reachability warnings as IST0130 / IST0131.
 */
import { AnalyzedObject, Reporter, Severity } from './findings';
import { hostMatches, namespaceOf } from '../core/hosts';
import { list, record } from '../core/manifest-fields';
import { covers, same } from '../core/match-analysis';
import { re2Error } from '../core/re2';
import {
  GRPC_STATUS_NAMES, goDurationMs, isAnyCaseDnsLabel, isDnsLabel, isDnsSubdomain, isHttpToken, isIp, isLabelValue, isRetryCondition, labelKeyError,
  PSEUDO_HEADERS, wildcardDomainError,
} from '../core/syntax';

const E = Severity.ERROR;
const W = Severity.WARNING;
const SCHEMA = 'IST0106';
const SCHEMA_WARNING = 'IST0133';

const JWT_CLAIM = /^@request\.auth\.claims(\.[^.[\]]+)+$|^@request\.auth\.claims(\[[^[\]]+\])+$/;
const GRPC_CODES = new Set<string>(GRPC_STATUS_NAMES);
const GATEWAY_PROTOCOLS = new Set(['HTTP', 'HTTPS', 'HTTP2', 'GRPC', 'GRPC-WEB', 'TCP', 'TLS', 'MONGO', 'REDIS', 'MYSQL', 'UDP', 'HTTP_PROXY']);
const CORS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', '*']);
const CIPHERS = new Set(['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA', 'AES256-SHA', 'DES-CBC3-SHA']);

/**
 * Runs the webhook checks on one object, as the API server stores it (`stored`: without null fields,
 * which is what Istio's webhook sees). A header condition written as null, which the API server drops
 * so that the rule no longer tests the header, is reported from the object as `written`.
 */
export function webhookChecks(stored: AnalyzedObject, r: Reporter, written: any): void {
  const j = stored.json;
  if (typeof j?.apiVersion !== 'string' || !/\.istio\.io\//.test(j.apiVersion)) { return; }
  const c = new Checker(stored, r);
  c.metadata();
  if (/^networking\.istio\.io\//.test(j.apiVersion)) {
    if (j.kind === 'VirtualService') {
      c.nullConditions(record(written?.spec));
      c.virtualService(record(j.spec));
    }
    if (j.kind === 'DestinationRule') { c.destinationRule(record(j.spec)); }
    if (j.kind === 'Gateway') { c.gateway(record(j.spec)); }
  }
}

/** Envoy's header value formatter rules: no control characters, a literal `%` written `%%`. */
function headerValueError(v: unknown): string | undefined {
  if (typeof v !== 'string') { return 'is not a string'; }
  if (/[\x00-\x08\x0A-\x1F\x7F]/.test(v)) { return 'contains a control character'; }
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== '%') { continue; }
    if (v[i + 1] === '%') { i++; continue; }
    const end = v.indexOf('%', i + 1);
    if (end < 0) { return "has an un-escaped '%' (write '%%' for a literal percent sign)"; }
    const op = v.slice(i + 1, end);
    if (!/^[A-Z][A-Z0-9_]*(\((\[[^)]*\]|[^)]*)\))?(:[0-9]+)?$/.test(op)) { return `has a malformed %${op}% operator`; }
    i = end;
  }
  return undefined;
}

class Checker {
  constructor(private readonly obj: AnalyzedObject, private readonly r: Reporter) {}

  private e(field: string, value: unknown, message: string, fix: string): void {
    this.r.report(this.obj, SCHEMA, E, field, value, message, fix);
  }

  private w(field: string, value: unknown, message: string, fix: string): void {
    this.r.report(this.obj, SCHEMA_WARNING, W, field, value, message, fix);
  }

  public metadata(): void {
    const m = record(this.obj.json.metadata);
    const kind = this.obj.json.kind;
    const annotations = record(m.annotations);
    if ('istio.io/dry-run' in annotations && kind !== 'AuthorizationPolicy') {
      this.e('metadata.annotations.istio.io/dry-run', annotations['istio.io/dry-run'], `is only allowed on AuthorizationPolicy, not on ${kind}`, 'Remove the annotation');
    }
    for (const a of ['internal.istio.io/webhook-always-reject', 'internal.istio.io/parent-namespace', 'internal.istio.io/parents']) {
      if (a in annotations) { this.e(`metadata.annotations.${a}`, annotations[a], 'is reserved for Istio itself', 'Remove the annotation'); }
    }
    if (!isDnsSubdomain(m.name)) {
      this.e('metadata.name', m.name, 'is not a valid object name (a lowercase DNS-1123 subdomain)', "Use lowercase letters, digits, '-' and '.'");
    } else if (kind === 'Gateway' && !isDnsLabel(m.name)) {
      this.e('metadata.name', m.name, 'is not a DNS-1123 label: Istio rejects dots in Gateway names', "Use a name without dots, e.g. 'public-gateway'");
    }
    if (m.namespace !== undefined && !isDnsLabel(m.namespace)) {
      this.e('metadata.namespace', m.namespace, 'is not a DNS-1123 label', 'Use a valid namespace name');
    }
  }

  // ---------------------------------------------------------------- primitives

  private regex(field: string, re: unknown): void {
    if (typeof re !== 'string' || re === '') { this.e(field, re, 'is an empty regex', 'Give a non-empty RE2 regex'); return; }
    if (re.length > 1024) { this.e(field, `${re.slice(0, 40)}...`, `is ${re.length} characters long; at most 1024 are allowed`, 'Shorten the regex'); return; }
    const err = re2Error(re);
    if (err !== undefined) { this.e(field, re, `is not valid RE2 (${err})`, 'Istio uses RE2: no look-around and no back-references'); }
  }

  private stringMatch(field: string, m: any, allowEmptyPrefix = false, starRegexPresence = false): void {
    if (m === null || typeof m !== 'object') { this.e(field, m, 'must be an object', 'Use {exact|prefix|regex: ...}, or {} for presence'); return; }
    const set = ['exact', 'prefix', 'regex'].filter(k => m[k] !== undefined);
    if (set.length > 1) { this.e(field, m, `sets ${set.join(' and ')}; only one is allowed`, 'Keep one of them'); }
    if (m.prefix === '' && !allowEmptyPrefix) { this.e(`${field}.prefix`, '', 'is empty, which Envoy rejects', 'Use a non-empty prefix, or {} for presence'); }
    if (m.regex !== undefined && !(starRegexPresence && m.regex === '*')) { this.regex(`${field}.regex`, m.regex); }
  }

  private duration(field: string, d: unknown, allowZero = false): void {
    const ms = goDurationMs(d);
    if (ms === undefined) { this.e(field, d, 'is not a duration Istio parses', "Use a Go duration such as '250ms', '7s' or '3m'"); return; }
    if (allowZero && ms === 0) { return; }
    if (ms < 1 || !Number.isInteger(ms)) {
      this.e(field, d, 'must be at least 1ms and a whole number of milliseconds', "Use e.g. '1ms', '500ms' or '2s'; omit the field to disable it");
    }
  }

  private labels(field: string, labels: any, workloadSelector = false): void {
    if (labels === null || typeof labels !== 'object') { return; }
    for (const [k, v] of Object.entries(labels)) {
      if (labelKeyError(k) !== undefined) { // a '*' in a key is never valid, in a workload selector or not
        this.e(`${field}.${k}`, k, 'is not a valid label key', 'Use a Kubernetes label key such as app or version');
      }
      if (!isLabelValue(v) || (workloadSelector && String(v).includes('*'))) {
        this.e(`${field}.${k}`, v, 'is not a valid label value', 'Use letters, digits, -, _ and . (no wildcards)');
      }
    }
  }

  private port(field: string, p: unknown): void {
    if (!Number.isInteger(p) || (p as number) < 1 || (p as number) > 65535) { this.e(field, p, 'is not a port number', 'Use 1 to 65535'); }
  }

  private exportTo(field: string, entries: any, ownNamespace: string): void {
    if (!Array.isArray(entries)) { return; }
    const seen = new Set<string>();
    entries.forEach((x: any, i: number) => {
      if (x === '~') { this.e(`${field}[${i}]`, x, "'~' is not allowed for Istio configuration objects", "Use '.', '*' or namespace names"); } else if (x !== '.' && x !== '*' && !isAnyCaseDnsLabel(x)) { this.e(`${field}[${i}]`, x, 'is not ".", "*" or a namespace name', 'Fix the entry'); }
      if (seen.has(x)) { this.e(`${field}[${i}]`, x, 'is listed twice', 'Remove the duplicate'); }
      seen.add(x);
    });
    if (seen.has('.') && seen.has(ownNamespace)) { this.e(field, entries, "lists both '.' and the object's own namespace", 'Keep one of them'); }
    if (seen.has('*') && seen.size > 1) { this.e(field, entries, "combines '*' with other entries", "Use '*' alone"); }
  }

  private matchHeaderName(field: string, name: string, gatewayBound: boolean): void {
    if (name === '') { this.e(field, name, 'is an empty header name', 'Name the header'); return; }
    if (JWT_CLAIM.test(name)) {
      if (!gatewayBound) { this.e(field, name, 'routes on a JWT claim, which only a VirtualService bound to a gateway (and not to mesh) may do', 'Bind the VirtualService to a gateway only, or match a header'); }
      return;
    }
    if (!isHttpToken(name) && !PSEUDO_HEADERS.includes(name)) { this.e(field, name, 'is not a valid HTTP header name (RFC 7230 token characters only)', "Use e.g. 'end-user'"); }
  }

  private headerOperations(field: string, h: any): void {
    if (!h || typeof h !== 'object') { return; }
    for (const side of ['request', 'response']) {
      const ops = h[side];
      if (!ops) { continue; }
      for (const op of ['set', 'add']) {
        for (const [name, value] of Object.entries(record(ops[op]))) {
          const lower = name.toLowerCase();
          if (name === '' || (!isHttpToken(name) && !name.startsWith(':'))) { this.e(`${field}.${side}.${op}.${name}`, name, 'is not a valid header name', 'Use token characters'); }
          const hostish = lower === 'host' || lower === ':authority';
          if ((side === 'response' && (hostish || name.startsWith(':'))) || (side === 'request' && name.startsWith(':') && !hostish)) {
            this.e(`${field}.${side}.${op}.${name}`, name, `cannot be ${op === 'set' ? 'set' : 'added'} on the ${side}`, 'Remove it (pseudo-headers and Host are managed by Envoy)');
          }
          const err = headerValueError(value);
          if (err) { this.e(`${field}.${side}.${op}.${name}`, value, err, "Escape '%' as '%%' and use only printable characters"); }
        }
      }
      for (const [i, name] of list(ops.remove).entries()) {
        // An entry that is not a string is the schema's finding.
        if (typeof name !== 'string') { continue; }
        if (name === '' || name.toLowerCase() === 'host' || name.startsWith(':')) {
          this.e(`${field}.${side}.remove[${i}]`, name, 'cannot be removed', 'Remove the entry');
        }
      }
    }
  }

  private destination(field: string, d: any): void {
    if (!d || typeof d !== 'object') { this.e(field, d, 'is required', 'Give the destination host'); return; }
    if (d.host === '*') {
      this.e(`${field}.host`, d.host, "'*' is not a destination", 'Name the service host');
    } else {
      const err = wildcardDomainError(d.host);
      if (err) { this.e(`${field}.host`, d.host, `is not a valid host: ${err}`, "Use a service name such as 'reviews' or 'reviews.ns.svc.cluster.local'"); }
    }
    if (d.subset !== undefined && !isAnyCaseDnsLabel(d.subset)) {
      this.e(`${field}.subset`, d.subset, 'is not a DNS-1123 label', 'Use the name of a DestinationRule subset');
    }
    if (d.port !== undefined) { this.port(`${field}.port.number`, d.port?.number); }
  }

  private weightedDestinations(field: string, route: any[]): void {
    route.forEach((d: any, i: number) => {
      this.destination(`${field}[${i}].destination`, d?.destination);
      if (d?.weight !== undefined && (!Number.isInteger(d.weight) || d.weight < 0)) { this.e(`${field}[${i}].weight`, d.weight, 'must be a non-negative integer', 'Weights are relative integers'); }
      this.headerOperations(`${field}[${i}].headers`, d?.headers);
    });
    if (route.length > 1 && route.every((d: any) => !d?.weight)) {
      this.e(field, route.map((d: any) => d?.weight ?? 0), 'gives every destination weight 0', 'Give at least one destination a positive weight');
    }
  }

  // ---------------------------------------------------------------- VirtualService

  public virtualService(spec: any): void {
    const ns = namespaceOf(this.obj.json);
    const gateways: string[] = Array.isArray(spec.gateways) ? spec.gateways : [];
    const mesh = gateways.length === 0 || gateways.includes('mesh');
    const hosts: string[] = Array.isArray(spec.hosts) ? spec.hosts : [];
    const http: any[] = list(spec.http);
    const tcp: any[] = list(spec.tcp);
    const tls: any[] = list(spec.tls);
    if (http.length === 0 && tcp.length === 0 && tls.length === 0) {
      this.e('spec', undefined, 'has no http, tcp or tls route', 'Add at least one route');
    }
    if (hosts.length === 0) {
      if (gateways.length > 0 || tls.length > 0 || tcp.length > 0) {
        this.e('spec.hosts', hosts, 'is empty; only a delegate VirtualService (no gateways, tcp or tls) may omit hosts', 'List the hosts');
      }
    }
    hosts.forEach((h, i) => {
      if (h === '*') {
        if (mesh) { this.e(`spec.hosts[${i}]`, h, "is '*', which a VirtualService that applies to the mesh cannot use", 'List the service hosts, or bind it to a gateway only'); }
        return;
      }
      const err = isIp(h) ? undefined : wildcardDomainError(h);
      if (err) { this.e(`spec.hosts[${i}]`, h, `is not a valid host: ${err}`, "Use e.g. 'reviews', 'shop.example.com' or '*.example.com'"); }
    });
    hosts.forEach((h, i) => hosts.slice(0, i).forEach(prev => {
      if (h === prev || hostOverlap(h, prev)) { this.e(`spec.hosts[${i}]`, h, `overlaps with '${prev}' in the same VirtualService`, 'List each host once, without overlapping wildcards'); }
    }));
    gateways.forEach((g, i) => this.gatewayRef(`spec.gateways[${i}]`, g));
    this.exportTo('spec.exportTo', spec.exportTo, ns);
    http.forEach((route, i) => this.httpRoute(`spec.http[${i}]`, route, hosts.length === 0, !mesh));
    tcp.forEach((route, i) => {
      const f = `spec.tcp[${i}]`;
      if (!Array.isArray(route?.route) || route.route.length === 0) { this.e(`${f}.route`, route?.route, 'is empty', 'A TCP route needs destinations'); } else { this.weightedDestinations(`${f}.route`, route.route); }
      list(route?.match).forEach((m: any, j: number) => {
        if (m?.port !== undefined && m.port !== 0) { this.port(`${f}.match[${j}].port`, m.port); }
        this.labels(`${f}.match[${j}].sourceLabels`, m?.sourceLabels);
        list(m?.gateways).forEach((g: string, k: number) => this.gatewayRef(`${f}.match[${j}].gateways[${k}]`, g));
      });
    });
    tls.forEach((route, i) => {
      const f = `spec.tls[${i}]`;
      const matches: any[] = list(route?.match);
      if (matches.length === 0) { this.e(`${f}.match`, matches, 'is empty', 'A TLS route needs a match with sniHosts'); }
      matches.forEach((m, j) => {
        const sni: string[] = list(m?.sniHosts);
        if (sni.length === 0) { this.e(`${f}.match[${j}].sniHosts`, sni, 'is empty', 'List the SNI hosts'); }
        sni.forEach((h, k) => {
          if (isIp(h)) { this.w(`${f}.match[${j}].sniHosts[${k}]`, h, 'is an IP address, which goes against the SNI spec', 'Use a host name'); return; }
          const err = wildcardDomainError(h);
          if (err) { this.e(`${f}.match[${j}].sniHosts[${k}]`, h, `is not a valid host: ${err}`, 'Fix the host'); } else if (!hosts.some(vh => hostMatches(vh, h))) { this.e(`${f}.match[${j}].sniHosts[${k}]`, h, 'is not within the VirtualService hosts', 'Add the host to spec.hosts or fix the SNI host'); }
        });
      });
      if (!Array.isArray(route?.route) || route.route.length === 0) { this.e(`${f}.route`, route?.route, 'is empty', 'A TLS route needs destinations'); } else { this.weightedDestinations(`${f}.route`, route.route); }
    });
    this.reachability(http);
  }

  private gatewayRef(field: string, g: string): void {
    if (g === 'mesh') { return; }
    if (typeof g !== 'string' || g === '') { this.e(field, g, 'is empty', "Use 'mesh' or '<namespace>/<gateway>'"); return; }
    if (g.includes('/')) {
      const [ns, name] = g.split('/', 2);
      if (!isDnsLabel(ns) || !isDnsLabel(name) || g.split('/').length > 2) {
        this.e(field, g, 'is not <namespace>/<name> with DNS-label parts', "Use e.g. 'istio-system/public-gateway'");
      }
      return;
    }
    if (wildcardDomainError(g) !== undefined || g.includes('*')) { this.e(field, g, 'is not a valid gateway name', "Use '<namespace>/<name>'"); return; }
    if (g.includes('.')) { this.w(field, g, 'is a legacy dotted gateway reference', `Write '${g.split('.').slice(1).join('.')}/${g.split('.')[0]}' (<namespace>/<name>)`); }
  }

  private httpRoute(f: string, route: any, delegateVs: boolean, gatewayBound: boolean): void {
    if (route === null || typeof route !== 'object') { this.e(f, route, 'is null', 'Remove it or give the route'); return; }
    const hasRoute = Array.isArray(route.route) && route.route.length > 0;
    if (!hasRoute && !route.redirect && !route.directResponse && !route.delegate) {
      this.e(f, undefined, 'has no route, redirect, directResponse or delegate', 'Give destinations in route');
    }
    if (route.redirect && (hasRoute || route.fault || route.rewrite || route.directResponse)) {
      this.e(`${f}.redirect`, route.redirect, 'cannot be combined with route, fault, rewrite or directResponse', 'Keep only the redirect');
    }
    if (route.directResponse && (hasRoute || route.fault || route.rewrite || route.redirect)) {
      this.e(`${f}.directResponse`, route.directResponse, 'cannot be combined with route, fault, rewrite or redirect', 'Keep only the direct response');
    }
    if (route.delegate && (hasRoute || route.redirect)) { this.e(`${f}.delegate`, route.delegate, 'cannot be combined with route or redirect', 'Keep only the delegate'); }
    if (route.delegate && delegateVs) { this.e(`${f}.delegate`, route.delegate, 'is not allowed inside a delegate VirtualService', 'Delegation is one level only'); }
    if (route.mirror && route.mirrors) { this.e(`${f}.mirror`, route.mirror, 'and mirrors are both set', 'Use one of them'); }
    list(route.match).forEach((m: any, i: number) => this.httpMatch(`${f}.match[${i}]`, m, gatewayBound));
    if (hasRoute) { this.weightedDestinations(`${f}.route`, route.route); }
    this.headerOperations(`${f}.headers`, route.headers);
    const authoritySets = [route.rewrite?.authority !== undefined,
      ...['set', 'add'].map(op => Object.keys(record(route.headers?.request?.[op])).some(k => ['host', ':authority'].includes(k.toLowerCase())))].filter(Boolean).length;
    if (authoritySets > 1) { this.e(`${f}`, undefined, 'sets the authority header more than once (rewrite.authority and a host/:authority header)', 'Set the authority in one place'); }
    if (route.fault) { this.fault(`${f}.fault`, route.fault); }
    if (route.retries) { this.retries(`${f}.retries`, route.retries); }
    if (route.timeout !== undefined) { this.duration(`${f}.timeout`, route.timeout); }
    if (route.mirror) { this.destination(`${f}.mirror`, route.mirror); }
    list(route.mirrors).forEach((m: any, i: number) => {
      if (!m) { this.e(`${f}.mirrors[${i}]`, m, 'is null', 'Remove it'); return; }
      this.destination(`${f}.mirrors[${i}].destination`, m.destination);
      this.percentRange(`${f}.mirrors[${i}].percentage.value`, m.percentage?.value);
    });
    this.percentRange(`${f}.mirrorPercentage.value`, route.mirrorPercentage?.value);
    if (route.mirrorPercent !== undefined) {
      if (typeof route.mirrorPercent === 'number' && route.mirrorPercent > 100) { this.e(`${f}.mirrorPercent`, route.mirrorPercent, 'is over 100', 'Use mirrorPercentage'); }
      this.w(`${f}.mirrorPercent`, route.mirrorPercent, 'is deprecated', 'Use mirrorPercentage: { value: N }');
    }
    if (route.redirect) { this.redirect(`${f}.redirect`, route.redirect); }
    if (route.directResponse) {
      const s = route.directResponse.status;
      if (!Number.isInteger(s) || s < 200 || s > 600) { this.e(`${f}.directResponse.status`, s, 'is not an HTTP status from 200 to 600', 'Use e.g. 503'); }
      const body = route.directResponse.body?.string ?? route.directResponse.body?.bytes;
      if (typeof body === 'string' && body.length > 1024 * 1024) { this.e(`${f}.directResponse.body`, `${body.length} bytes`, 'is larger than 1 MiB', 'Shorten the body'); } else if (typeof body === 'string' && body.length > 100 * 1024) { this.w(`${f}.directResponse.body`, `${body.length} bytes`, 'is larger than 100 KiB and may slow the control plane', 'Shorten the body'); }
    }
    if (route.rewrite) { this.rewrite(`${f}.rewrite`, route.rewrite); }
    if (route.corsPolicy) { this.cors(`${f}.corsPolicy`, route.corsPolicy); }
  }

  /** Header conditions written as null (YAML `x-user:`), in a VirtualService as written. */
  public nullConditions(spec: any): void {
    list(spec.http).forEach((route: any, i: number) => list(route?.match).forEach((m: any, k: number) => {
      for (const [key, fix] of [['headers', 'Use {} for presence'], ['withoutHeaders', 'Use {} for absence']] as const) {
        for (const [name, sm] of Object.entries(record(m?.[key]))) {
          if (sm === null) {
            this.e(`spec.http[${i}].match[${k}].${key}.${name}`, null, 'is null, which the API server removes before Istio sees it: the rule would not test this header', fix);
          }
        }
      }
    }));
  }

  private httpMatch(f: string, m: any, gatewayBound: boolean): void {
    if (m === null || typeof m !== 'object') { this.e(f, m, 'is null', 'Remove it'); return; }
    if (m.uri) { this.stringMatch(`${f}.uri`, m.uri, true); }
    for (const k of ['scheme', 'method', 'authority']) { if (m[k]) { this.stringMatch(`${f}.${k}`, m[k]); } }
    for (const [name, sm] of Object.entries(record(m.headers))) {
      this.matchHeaderName(`${f}.headers.${name}`, name, gatewayBound);
      this.stringMatch(`${f}.headers.${name}`, sm);
    }
    for (const [name, sm] of Object.entries(record(m.withoutHeaders))) {
      this.matchHeaderName(`${f}.withoutHeaders.${name}`, name, gatewayBound);
      this.stringMatch(`${f}.withoutHeaders.${name}`, sm, false, true);
    }
    for (const [name, sm] of Object.entries(record(m.queryParams))) { this.stringMatch(`${f}.queryParams.${name}`, sm); }
    if (m.port !== undefined && m.port !== 0) { this.port(`${f}.port`, m.port); }
    this.labels(`${f}.sourceLabels`, m.sourceLabels);
    list(m.gateways).forEach((g: string, i: number) => this.gatewayRef(`${f}.gateways[${i}]`, g));
    if (m.sourceNamespace !== undefined && !isAnyCaseDnsLabel(m.sourceNamespace)) { this.e(`${f}.sourceNamespace`, m.sourceNamespace, 'is not a DNS-1123 label', 'Give a namespace name'); }
  }

  private faultPercent(field: string, v: unknown): void {
    if (v === undefined) { return; }
    if (typeof v !== 'number' || (v !== 0 && (v < 0.0001 || v > 100))) { this.e(field, v, 'must be 0 or from 0.0001 to 100', 'Fix the percentage'); }
  }

  private percentRange(field: string, v: unknown): void {
    if (v === undefined) { return; }
    if (typeof v !== 'number' || v < 0 || v > 100) { this.e(field, v, 'must be from 0 to 100', 'Fix the percentage'); }
  }

  private fault(f: string, fault: any): void {
    if (!fault.abort && !fault.delay) { this.e(f, fault, 'has neither abort nor delay', 'Give an abort or a delay'); }
    if (fault.abort) {
      const a = fault.abort;
      this.faultPercent(`${f}.abort.percentage.value`, a.percentage?.value);
      const kinds = ['httpStatus', 'grpcStatus', 'http2Error'].filter(k => a[k] !== undefined);
      if (kinds.length > 1) { this.e(`${f}.abort`, a, `sets ${kinds.join(' and ')}`, 'Use one error type'); }
      if (a.http2Error !== undefined) { this.e(`${f}.abort.http2Error`, a.http2Error, 'is not supported yet', 'Use httpStatus or grpcStatus'); }
      if (a.httpStatus !== undefined && (!Number.isInteger(a.httpStatus) || a.httpStatus < 200 || a.httpStatus > 600)) {
        this.e(`${f}.abort.httpStatus`, a.httpStatus, 'is not an HTTP status from 200 to 600', 'Use e.g. 500 or 503');
      }
      if (a.grpcStatus !== undefined && !GRPC_CODES.has(a.grpcStatus)) { this.e(`${f}.abort.grpcStatus`, a.grpcStatus, 'is not an upper-case gRPC status name', "Use e.g. 'UNAVAILABLE'"); }
      if (kinds.length === 0) { this.w(`${f}.abort`, a, 'is configured, but its error type is not set', 'Set httpStatus or grpcStatus'); }
    }
    if (fault.delay) {
      const d = fault.delay;
      this.faultPercent(`${f}.delay.percentage.value`, d.percentage?.value);
      if (d.exponentialDelay !== undefined) { this.e(`${f}.delay.exponentialDelay`, d.exponentialDelay, 'is not supported yet', 'Use fixedDelay'); }
      if (d.fixedDelay !== undefined) { this.duration(`${f}.delay.fixedDelay`, d.fixedDelay); }
      if (d.percent !== undefined) { this.w(`${f}.delay.percent`, d.percent, 'is deprecated (IST0002)', 'Use percentage: { value: N }'); }
    }
  }

  private retries(f: string, r: any): void {
    if (r.attempts !== undefined && (!Number.isInteger(r.attempts) || r.attempts < 0)) { this.e(`${f}.attempts`, r.attempts, 'must be a non-negative integer', 'Use e.g. 3'); }
    if (!r.attempts && (r.perTryTimeout !== undefined || r.retryOn !== undefined || r.retryRemoteLocalities !== undefined)) {
      this.e(`${f}.attempts`, r.attempts ?? 0, 'is 0 (retries disabled) while other retry fields are set', 'Set attempts, or remove perTryTimeout, retryOn and retryRemoteLocalities');
    }
    if (r.perTryTimeout !== undefined) { this.duration(`${f}.perTryTimeout`, r.perTryTimeout); }
    if (r.backoff !== undefined) { this.duration(`${f}.backoff`, r.backoff); }
    if (typeof r.retryOn === 'string') {
      r.retryOn.split(',').forEach((c: string) => {
        if (!isRetryCondition(c)) {
          this.e(`${f}.retryOn`, c, 'is not an Envoy retry condition or known HTTP status (the list is comma-separated, no spaces)', "Use e.g. '5xx,connect-failure'");
        }
      });
    }
  }

  private redirect(f: string, rd: any): void {
    if (rd.uri === undefined && rd.authority === undefined && rd.scheme === undefined && !rd.port && rd.derivePort === undefined) {
      this.e(f, rd, 'sets none of uri, authority, scheme, port', 'Say where to redirect');
    }
    if (rd.redirectCode && (typeof rd.redirectCode !== 'number' || rd.redirectCode < 300 || rd.redirectCode > 399)) { this.e(`${f}.redirectCode`, rd.redirectCode, 'is not a 3xx code', 'Use e.g. 301'); }
    if (rd.scheme !== undefined && rd.scheme !== 'http' && rd.scheme !== 'https') { this.e(`${f}.scheme`, rd.scheme, "is not 'http' or 'https'", 'Use lower case http or https'); }
    if (rd.port) { this.port(`${f}.port`, rd.port); }
    if (rd.port && rd.derivePort) { this.e(`${f}`, rd, 'sets port and derivePort', 'Use one'); }
  }

  private rewrite(f: string, rw: any): void {
    if (rw.uri !== undefined && rw.uriRegexRewrite !== undefined) { this.e(f, rw, 'sets uri and uriRegexRewrite', 'Use one'); }
    if (rw.uri === undefined && rw.uriRegexRewrite === undefined && rw.authority === undefined) { this.e(f, rw, 'rewrites nothing', 'Set uri, uriRegexRewrite or authority'); }
    if (rw.uriRegexRewrite !== undefined) {
      if (!rw.uriRegexRewrite.match || !rw.uriRegexRewrite.rewrite) { this.e(`${f}.uriRegexRewrite`, rw.uriRegexRewrite, 'needs both match and rewrite', 'Set both'); } else { this.regex(`${f}.uriRegexRewrite.match`, rw.uriRegexRewrite.match); }
    }
  }

  private cors(f: string, c: any): void {
    list(c.allowOrigins).forEach((o: any, i: number) => {
      const set = ['exact', 'prefix', 'regex'].filter(k => o?.[k] !== undefined && o[k] !== '');
      if (set.length !== 1) { this.e(`${f}.allowOrigins[${i}]`, o, 'must set exactly one non-empty exact, prefix or regex', 'Fix the origin'); } else if (o.regex !== undefined) { this.regex(`${f}.allowOrigins[${i}].regex`, o.regex); }
    });
    list(c.allowMethods).forEach((m: string, i: number) => { if (!CORS_METHODS.has(m)) { this.e(`${f}.allowMethods[${i}]`, m, 'is not an upper-case HTTP method or *', 'Use e.g. GET'); } });
    for (const k of ['allowHeaders', 'exposeHeaders']) {
      list(c[k]).forEach((h: string, i: number) => { if (h !== '*' && !isHttpToken(h)) { this.e(`${f}.${k}[${i}]`, h, 'is not a header name or *', 'Fix the header'); } });
    }
    if (c.maxAge !== undefined) {
      this.duration(`${f}.maxAge`, c.maxAge);
      const ms = goDurationMs(c.maxAge);
      if (ms !== undefined && ms % 1000 !== 0) { this.e(`${f}.maxAge`, c.maxAge, 'has a sub-second part; CORS max-age is in whole seconds', "Use e.g. '24h'"); }
    }
  }

  /** IST0130 (unreachable rules, warning) and IST0131 (ineffective matches, info). */
  private reachability(http: any[]): void {
    let catchAll = -1;
    http.forEach((route, i) => {
      const matches: any[] = list(route?.match);
      if (catchAll >= 0) {
        this.r.report(this.obj, 'IST0130', W, `spec.http[${i}]`, route?.name, `is unreachable: rule #${catchAll} before it has no match and takes every request`,
          'Move the catch-all rule to the end');
        return;
      }
      if (matches.length === 0) { catchAll = i; return; }
      const earlier = http.slice(0, i).flatMap((r: any) => list(r?.match));
      const shadowed = matches.filter(m => earlier.some(a => covers(a, m)));
      if (shadowed.length === matches.length) {
        const dup = matches.every(m => earlier.some(a => same(a, m)));
        this.r.report(this.obj, dup ? 'IST0130' : 'IST0131', dup ? W : Severity.INFO, `spec.http[${i}].match`, matches,
          dup ? 'is unreachable: all its matches are used by earlier rules' : 'never matches: earlier rules take all its requests', 'Reorder the rules (most specific first) or remove this one');
      } else {
        shadowed.forEach(m => this.r.report(this.obj, 'IST0131', Severity.INFO, `spec.http[${i}].match`, m, 'is ineffective: an earlier rule takes these requests', 'Remove the match or reorder'));
      }
    });
  }

  // ---------------------------------------------------------------- DestinationRule

  public destinationRule(spec: any): void {
    const ns = namespaceOf(this.obj.json);
    if (typeof spec.host !== 'string' || spec.host === '') { this.e('spec.host', spec.host, 'is required', 'Name the service host'); } else {
      const err = wildcardDomainError(spec.host);
      if (err) { this.e('spec.host', spec.host, `is not a valid host: ${err}`, "Use e.g. 'reviews' (IPs are not allowed)"); }
    }
    const names = new Set<string>();
    list(spec.subsets).forEach((s: any, i: number) => {
      const f = `spec.subsets[${i}]`;
      if (!s) { this.e(f, s, 'is null', 'Remove it'); return; }
      if (!isAnyCaseDnsLabel(s.name)) { this.e(`${f}.name`, s.name, 'is not a DNS-1123 label', "Use e.g. 'v1'"); }
      if (names.has(s.name)) { this.e(`${f}.name`, s.name, 'is declared twice', 'Give every subset its own name'); }
      names.add(s.name);
      this.labels(`${f}.labels`, s.labels);
      if (s.trafficPolicy !== undefined) { this.trafficPolicy(`${f}.trafficPolicy`, s.trafficPolicy, spec.workloadSelector !== undefined); }
    });
    this.exportTo('spec.exportTo', spec.exportTo, ns);
    if (spec.workloadSelector !== undefined) {
      const ml = record(spec.workloadSelector.matchLabels);
      if (Object.keys(ml).length === 0) { this.w('spec.workloadSelector.matchLabels', ml, 'is empty (workload selector specified without labels)', 'Give labels'); }
      this.labels('spec.workloadSelector.matchLabels', ml, true);
      const exp = list(spec.exportTo);
      if (exp.length > 1 || (exp.length === 1 && exp[0] !== '.' && exp[0] !== ns)) {
        this.e('spec.exportTo', exp, 'may only name the own namespace when a workloadSelector is set', "Use ['.'] or remove exportTo");
      }
    }
    if (spec.trafficPolicy !== undefined) { this.trafficPolicy('spec.trafficPolicy', spec.trafficPolicy, spec.workloadSelector !== undefined); }
  }

  private trafficPolicy(f: string, tp: any, hasSelector: boolean): void {
    const fields = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol', 'retryBudget'];
    if (!fields.some(k => tp?.[k] !== undefined)) { this.e(f, tp, 'is empty', 'Set a policy or remove trafficPolicy'); return; }
    if (tp.tunnel && tp.proxyProtocol) { this.e(f, undefined, 'sets tunnel and proxyProtocol', 'Use one'); }
    if (tp.tunnel) {
      if (tp.tunnel.protocol && !['CONNECT', 'POST'].includes(tp.tunnel.protocol)) { this.e(`${f}.tunnel.protocol`, tp.tunnel.protocol, 'is not CONNECT or POST', 'Fix the protocol'); }
      this.port(`${f}.tunnel.targetPort`, tp.tunnel.targetPort);
    }
    if (tp.proxyProtocol?.version && !['V1', 'V2'].includes(tp.proxyProtocol.version)) { this.e(`${f}.proxyProtocol.version`, tp.proxyProtocol.version, 'is not V1 or V2', 'Fix the version'); }
    if (tp.connectionPool) { this.connectionPool(`${f}.connectionPool`, tp.connectionPool); }
    if (tp.outlierDetection) { this.outlier(`${f}.outlierDetection`, tp.outlierDetection); }
    if (tp.loadBalancer) { this.loadBalancer(`${f}.loadBalancer`, tp.loadBalancer, tp.outlierDetection !== undefined); }
    if (tp.tls) { this.clientTls(`${f}.tls`, tp.tls, hasSelector, 'IST0128'); }
    list(tp.portLevelSettings).forEach((p: any, i: number) => {
      const pf = `${f}.portLevelSettings[${i}]`;
      if (!p?.port) { this.e(`${pf}.port`, p?.port, 'is required', 'Give the port'); }
      if (!['loadBalancer', 'connectionPool', 'outlierDetection', 'tls'].some(k => p?.[k] !== undefined)) { this.e(pf, p, 'sets no policy', 'Set a policy or remove the entry'); }
      if (p?.connectionPool) { this.connectionPool(`${pf}.connectionPool`, p.connectionPool); }
      if (p?.outlierDetection) { this.outlier(`${pf}.outlierDetection`, p.outlierDetection); }
      if (p?.loadBalancer) { this.loadBalancer(`${pf}.loadBalancer`, p.loadBalancer, p.outlierDetection !== undefined); }
      if (p?.tls) { this.clientTls(`${pf}.tls`, p.tls, hasSelector, 'IST0129'); }
    });
  }

  private connectionPool(f: string, cp: any): void {
    if (!cp.http && !cp.tcp) { this.e(f, cp, 'sets neither http nor tcp', 'Set limits or remove connectionPool'); }
    for (const [k, v] of Object.entries({ ...(cp.http ?? {}), maxConnections: cp.tcp?.maxConnections })) {
      if (['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'maxConcurrentStreams', 'maxConnections'].includes(k)
        && v !== undefined && (!Number.isInteger(v) || (v as number) < 0)) {
        this.e(`${f}.${k === 'maxConnections' ? 'tcp' : 'http'}.${k}`, v, 'must be a non-negative integer', 'Fix the limit');
      }
    }
    if (cp.http?.idleTimeout !== undefined) { this.duration(`${f}.http.idleTimeout`, cp.http.idleTimeout); }
    if (cp.tcp?.connectTimeout !== undefined) { this.duration(`${f}.tcp.connectTimeout`, cp.tcp.connectTimeout); }
    if (cp.tcp?.maxConnectionDuration !== undefined) { this.duration(`${f}.tcp.maxConnectionDuration`, cp.tcp.maxConnectionDuration); }
    if (cp.tcp?.idleTimeout !== undefined) { this.duration(`${f}.tcp.idleTimeout`, cp.tcp.idleTimeout, true); }
    if (cp.tcp?.tcpKeepalive?.time !== undefined) { this.duration(`${f}.tcp.tcpKeepalive.time`, cp.tcp.tcpKeepalive.time); }
    if (cp.tcp?.tcpKeepalive?.interval !== undefined) { this.duration(`${f}.tcp.tcpKeepalive.interval`, cp.tcp.tcpKeepalive.interval); }
    if (cp.http?.h2UpgradePolicy === 'UPGRADE' && cp.http?.useClientProtocol === true) { this.e(`${f}.http`, cp.http, 'sets h2UpgradePolicy UPGRADE with useClientProtocol', 'Use one'); }
  }

  private outlier(f: string, od: any): void {
    if (od.consecutiveErrors) { this.w(`${f}.consecutiveErrors`, od.consecutiveErrors, 'is deprecated', 'Use consecutive5xxErrors or consecutiveGatewayErrors'); }
    if (typeof od.consecutiveLocalOriginFailures === 'number' && od.consecutiveLocalOriginFailures > 0 && od.splitExternalLocalOriginErrors !== true) {
      this.e(`${f}.consecutiveLocalOriginFailures`, od.consecutiveLocalOriginFailures, 'needs splitExternalLocalOriginErrors: true', 'Set it, or remove consecutiveLocalOriginFailures');
    }
    if (od.interval !== undefined) { this.duration(`${f}.interval`, od.interval); }
    if (od.baseEjectionTime !== undefined) { this.duration(`${f}.baseEjectionTime`, od.baseEjectionTime); }
    for (const k of ['maxEjectionPercent', 'minHealthPercent']) {
      if (od[k] !== undefined && (typeof od[k] !== 'number' || od[k] < 0 || od[k] > 100)) { this.e(`${f}.${k}`, od[k], 'must be from 0 to 100', 'Fix the percentage'); }
    }
  }

  private loadBalancer(f: string, lb: any, hasOutlier: boolean): void {
    const ch = lb.consistentHash;
    if (lb.simple && ch) { this.e(f, lb, 'sets simple and consistentHash', 'Use one'); }
    if (ch) {
      const keys = ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'].filter(k => ch[k] !== undefined);
      if (keys.length > 1) { this.e(`${f}.consistentHash`, ch, `sets ${keys.join(' and ')}`, 'Hash on one key'); }
      if (ch.httpCookie && !ch.httpCookie.name) { this.e(`${f}.consistentHash.httpCookie.name`, undefined, 'is required', 'Name the cookie'); }
      const attrs: string[] = list(ch.httpCookie?.attributes).map((a: any) => a?.name);
      attrs.forEach((a, i) => {
        if (!a) { this.e(`${f}.consistentHash.httpCookie.attributes[${i}].name`, a, 'is empty', 'Name the attribute'); }
        if (attrs.indexOf(a) !== i) { this.e(`${f}.consistentHash.httpCookie.attributes[${i}].name`, a, 'is repeated', 'Give each attribute once'); }
      });
      if (ch.minimumRingSize) {
        this.w(`${f}.consistentHash.minimumRingSize`, ch.minimumRingSize, 'is deprecated', "Use ConsistentHashLB's ringHash configuration");
        if (ch.ringHash || ch.maglev) { this.e(`${f}.consistentHash.minimumRingSize`, ch.minimumRingSize, 'is set together with ringHash or maglev', 'Use ringHash.minimumRingSize'); }
      }
      if (ch.maglev) {
        const t = ch.maglev.tableSize;
        if (typeof t !== 'number' || t >= 5000011 || !isPrime(t)) { this.e(`${f}.consistentHash.maglev.tableSize`, t, 'must be a prime below 5000011', 'Use e.g. 65537'); }
      }
    }
    const loc = lb.localityLbSetting;
    if (loc) {
      if (loc.distribute && loc.failover) { this.e(`${f}.localityLbSetting`, loc, 'sets distribute and failover', 'Use one'); }
      list(loc.distribute).forEach((d: any, i: number) => {
        // Weights are numbers (a string of digits is read too); anything else makes the sum no number.
        const total = Object.values(record(d?.to)).reduce((a: number, b: any) => a + (typeof b === 'number' || typeof b === 'string' ? Number(b) : NaN), 0);
        if (total !== 100) { this.e(`${f}.localityLbSetting.distribute[${i}].to`, d?.to, `weights sum to ${total}, not 100`, 'Make them sum to 100'); }
      });
      list(loc.failover).forEach((fo: any, i: number) => {
        if (fo?.from === fo?.to) { this.e(`${f}.localityLbSetting.failover[${i}]`, fo, 'fails over to itself', 'Use another region'); }
      });
      if ((loc.failover || lb.localityLbSetting.failoverPriority) && !hasOutlier) {
        this.w(`${f}.localityLbSetting`, undefined, 'uses failover without outlier detection', 'Add outlierDetection to the same policy');
      }
    }
    if (lb.warmup) {
      if (lb.warmup.duration === undefined) { this.e(`${f}.warmup.duration`, undefined, 'is required', 'Set it'); } else { this.duration(`${f}.warmup.duration`, lb.warmup.duration); }
      if (lb.warmup.aggression !== undefined && (typeof lb.warmup.aggression !== 'number' || lb.warmup.aggression < 1)) { this.e(`${f}.warmup.aggression`, lb.warmup.aggression, 'must be at least 1', 'Fix it'); }
    }
  }

  private clientTls(f: string, tls: any, hasSelector: boolean, code: string): void {
    const mode = tls.mode;
    if (typeof tls.credentialName === 'string' && tls.credentialName.startsWith('configmap://') && tls.credentialName.split('/').length > 3) {
      this.e(`${f}.credentialName`, tls.credentialName, "must name a ConfigMap in the DestinationRule's own namespace", "Use 'configmap://<name>'");
    }
    if (tls.insecureSkipVerify === true && mode === 'SIMPLE' && (tls.caCertificates || tls.credentialName || tls.subjectAltNames)) {
      this.e(`${f}.insecureSkipVerify`, true, 'contradicts caCertificates, credentialName or subjectAltNames', 'Remove one side');
    }
    if (tls.insecureSkipVerify === true && mode === 'MUTUAL' && (tls.caCertificates || tls.subjectAltNames)) {
      this.e(`${f}.insecureSkipVerify`, true, 'contradicts caCertificates or subjectAltNames', 'Remove one side');
    }
    if ((mode === 'SIMPLE' || mode === 'MUTUAL') && tls.credentialName && (tls.clientCertificate || tls.privateKey || tls.caCertificates || tls.caCrl)) {
      this.e(f, undefined, 'sets credentialName together with certificate files', 'Use the credential or the files');
    }
    if (mode === 'MUTUAL' && !tls.credentialName && !(tls.clientCertificate && tls.privateKey)) {
      this.e(f, undefined, 'is MUTUAL without a credentialName or clientCertificate and privateKey', 'Give the client certificate');
    }
    if ((mode === 'SIMPLE' || mode === 'MUTUAL') && !tls.caCertificates && !(tls.credentialName && hasSelector) && tls.insecureSkipVerify !== true) {
      this.r.report(this.obj, code, W, `${f}.caCertificates`, undefined, `is missing: ${mode} TLS does not verify the server certificate`, 'Set caCertificates (or a credentialName with a workloadSelector)');
    }
  }

  // ---------------------------------------------------------------- Gateway

  public gateway(spec: any): void {
    const servers: any[] = list(spec.servers);
    if (servers.length === 0) { this.e('spec.servers', servers, 'is empty', 'Add at least one server'); }
    const names = new Map<string, number>();
    const protocols = new Map<number, string>();
    servers.forEach((s, i) => {
      const f = `spec.servers[${i}]`;
      if (!s) { this.e(f, s, 'is null', 'Remove it'); return; }
      const port = record(s.port);
      if (!port.name) { this.e(`${f}.port.name`, port.name, 'is empty', 'Name the port'); }
      if (names.has(port.name)) { this.e(`${f}.port.name`, port.name, `is also the name of server #${names.get(port.name)}; port names must be unique across the Gateway`, 'Rename one of them'); }
      names.set(port.name, i);
      const protocol = typeof port.protocol === 'string' ? port.protocol.toUpperCase() : '';
      if (!GATEWAY_PROTOCOLS.has(protocol)) { this.e(`${f}.port.protocol`, port.protocol, 'is not a protocol a Gateway serves', 'Use HTTP, HTTPS, HTTP2, GRPC, TCP, TLS ...'); }
      const unix = typeof s.bind === 'string' && s.bind.startsWith('unix://');
      if (unix ? port.number !== 0 : (!Number.isInteger(port.number) || port.number < 1 || port.number > 65535)) {
        this.e(`${f}.port.number`, port.number, unix ? 'must be 0 with a unix socket bind' : 'is not a port number', 'Fix the port');
      }
      if (port.targetPort) { this.e(`${f}.port.targetPort`, port.targetPort, 'has no effect on Gateways', 'Remove it'); }
      const prev = protocols.get(port.number);
      if (prev !== undefined && prev !== protocol) { this.e(`${f}.port`, port, `shares port ${port.number} with a ${prev} server; one of them loses at run time`, 'Use separate ports'); }
      protocols.set(port.number, protocol);
      const hosts: string[] = list(s.hosts);
      if (hosts.length === 0) { this.e(`${f}.hosts`, hosts, 'is empty', 'List the hosts'); }
      hosts.forEach((h, j) => this.gatewayHost(`${f}.hosts[${j}]`, h));
      this.serverTls(f, s.tls, protocol);
    });
  }

  private gatewayHost(f: string, h: string): void {
    let ns: string | undefined;
    let name = h;
    if (typeof h === 'string' && h.includes('/')) { [ns, name] = h.split('/', 2); }
    if (ns !== undefined && ns !== '*' && ns !== '.' && !isDnsLabel(ns)) { this.e(f, h, 'has an invalid namespace part', "Use '*/', './' or '<namespace>/'"); return; }
    if (typeof name !== 'string' || name === '') { this.e(f, h, 'is empty', 'Give a host'); return; }
    if (name !== '*' && !name.includes('.')) { this.e(f, h, 'is a short name, which a Gateway cannot serve', "Use a host with a dot, e.g. 'shop.example.com'"); return; }
    if (name.includes('*') && name !== '*' && !(name.startsWith('*.') && !name.slice(2).includes('*'))) { this.e(f, h, 'is a partial wildcard', "Use '*' alone or a leading '*.'"); return; }
    if (!isIp(name) && name !== '*' && wildcardDomainError(name) !== undefined) { this.e(f, h, `is not a valid host: ${wildcardDomainError(name)}`, 'Fix the host'); }
  }

  private serverTls(f: string, tls: any, protocol: string): void {
    const needsTls = protocol === 'HTTPS' || protocol === 'TLS';
    if (needsTls && !tls) { this.e(`${f}.tls`, undefined, `is missing: a ${protocol} server must have TLS settings`, 'Add tls with mode and credentialName'); return; }
    if (!tls) { return; }
    const mode = tls.mode ?? 'PASSTHROUGH';
    const certFields = ['serverCertificate', 'privateKey', 'caCertificates', 'tlsCertificates', 'credentialName', 'credentialNames', 'caCrl'].filter(k => tls[k] !== undefined);
    const http = ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY'].includes(protocol);
    if (http && !((mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') && !tls.caCertificates && !tls.privateKey && !tls.serverCertificate)) {
      this.e(`${f}.tls`, tls, 'is not allowed on a plain-text HTTP server (only httpsRedirect is)', 'Use an HTTPS server for TLS');
    }
    if (!http && !needsTls) { this.e(`${f}.tls`, tls, `is not allowed on a ${protocol} server`, 'Remove it'); }
    if (tls.httpsRedirect === true && !http) { this.w(`${f}.tls.httpsRedirect`, true, 'should only be used with HTTP servers', 'Remove it'); }
    if (!needsTls) { return; }
    if (mode === 'ISTIO_MUTUAL' && certFields.length > 0) { this.e(`${f}.tls`, tls, 'is ISTIO_MUTUAL, which carries no certificates', `Remove ${certFields.join(', ')}`); }
    if ((mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') && certFields.length > 0) {
      this.w(`${f}.tls.mode`, tls.mode, `${mode} does not use certificates, so they are ignored (the mode defaults to PASSTHROUGH when unset)`, 'Set mode: SIMPLE to terminate TLS');
    }
    const sources = [tls.serverCertificate || tls.privateKey, tls.credentialName, tls.credentialNames, tls.tlsCertificates].filter(x => x !== undefined && x !== '').length;
    if (sources > 1) { this.e(`${f}.tls`, tls, 'gives more than one certificate source', 'Use only one of credentialName, credentialNames, serverCertificate/privateKey, tlsCertificates'); }
    const withCredential = tls.credentialName || (tls.credentialNames?.length ?? 0) > 0;
    if (['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL'].includes(mode) && !withCredential) {
      const certs = tls.tlsCertificates ?? [{ serverCertificate: tls.serverCertificate, privateKey: tls.privateKey }];
      if (certs.some((c: any) => !c?.serverCertificate)) { this.e(`${f}.tls`, tls, `is ${mode} without a server certificate`, 'Set credentialName (a TLS Secret)'); } else if (certs.some((c: any) => !c?.privateKey)) { this.e(`${f}.tls`, tls, `is ${mode} without a private key`, 'Set credentialName (a TLS Secret)'); }
      if (mode !== 'SIMPLE' && !tls.caCertificates) { this.e(`${f}.tls`, tls, `is ${mode} without a client CA bundle`, 'Set caCertificates or use a credentialName with ca.crt'); }
      if (mode === 'SIMPLE' && tls.caCrl) { this.e(`${f}.tls.caCrl`, tls.caCrl, 'is not supported with SIMPLE TLS', 'Remove it'); }
    }
    if (['TLSV1_0', 'TLSV1_1'].includes(tls.minProtocolVersion) && !tls.cipherSuites) {
      this.w(`${f}.tls.minProtocolVersion`, tls.minProtocolVersion, 'allows old TLS versions without cipherSuites', 'Set cipherSuites, or raise the minimum');
    }
    const seenCiphers = new Set<string>();
    list(tls.cipherSuites).forEach((c: string, i: number) => {
      if (c !== '' && c !== 'ALL' && /^[A-Za-z0-9]/.test(c) && !CIPHERS.has(c)) { this.w(`${f}.tls.cipherSuites[${i}]`, c, 'is not a cipher suite Envoy knows; it is ignored', 'Remove it'); }
      if (seenCiphers.has(c)) { this.w(`${f}.tls.cipherSuites[${i}]`, c, 'is listed twice', 'Remove the duplicate'); }
      seenCiphers.add(c);
    });
  }
}

function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) { return false; }
  for (let i = 2; i * i <= n; i++) { if (n % i === 0) { return false; } }
  return true;
}

function hostOverlap(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a);
}
