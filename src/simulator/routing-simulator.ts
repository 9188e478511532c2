import { App, Chart } from 'cdk8s';
import {
  authorize, AuthzRequest, checkToken, isAuthorizationPolicy, isRequestAuthentication, peerModeFor, targetsObject,
} from './authorization';
import { gatewayApiAsIstio } from './gateway-api';
import { appliesToProxy, isCatchAllMatch, MatchInput, matchRequest, parseQuery, Re2Cache, rejectedRegexes } from './match';
import {
  failureReasons, fault, faultWithoutPercentage, notFound, retries, round, shares, unavailable,
} from './outcome';
import {
  AuthorizationDecision, OutcomeKind, RoutingOutcome, RoutingSimulatorOptions, SimulatedDestination,
  SimulatedMirror, SimulatedRequest, SimulatedWorkload, UpstreamFailure,
} from './types';
import {
  bestHostMatch, Candidate, coversHost, gatewayResolver, gatewayVirtualHosts, istioOrder, mergedNote, mostSpecificDestinationRule, Selection,
  serverHostName, vsId,
} from './virtual-hosts';
import { fail } from '../core/errors';
import { CLUSTER_SUFFIX, hostMatches, hostSpecificity, istioHost, namespaceOf, qualifyHost } from '../core/hosts';
import { identityError, list, stringMap, withoutNullFields } from '../core/manifest-fields';
import { INGRESS_USE_WAYPOINT_LABEL, isAmbient, USE_WAYPOINT_LABEL, usesWaypoint } from '../core/mesh-labels';
import { isPeerAuthentication } from '../core/peer-authentication';
import { GATEWAY_API_GROUP } from '../core/routing-api';
import { Shape, T } from '../core/shape';
import { isApp } from '../core/tree';
import { loadYaml } from '../core/vendor';
import { TrafficModel } from '../model/traffic-model';

const NETWORKING = /^networking\.istio\.io\//;
const SIMULATOR_SYMBOL = Symbol.for('cdk8s-istio-traffic.RoutingSimulator');

interface PodGroup {
  readonly name: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
  readonly replicas: number;
  /** The pods' ServiceAccount, when the manifests say. */
  readonly serviceAccount?: string;
}

/**
 * One route Envoy gets from a VirtualService: a rule without match blocks, or one match block of a
 * rule (Istio's `BuildHTTPRoutesForVirtualService` makes one Envoy route per match block).
 */
interface RouteEntry {
  readonly c: Candidate;
  readonly rule: any;
  /** Index of the rule in `spec.http` (or `spec.tcp`). */
  readonly index: number;
  /** The match block; undefined for a rule without match blocks. */
  readonly match?: any;
  /** Whether the route is a catch-all (`isCatchAllMatch`). */
  readonly catchAll: boolean;
}


function selects(selector: { [k: string]: string }, labels: { [k: string]: string }): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const OPTIONS = T.optional(T.struct('RoutingSimulatorOptions', {
  existingWorkloads: T.optional(T.array(T.struct('ExistingWorkload', {
    name: T.string(),
    namespace: T.string(),
    labels: T.map(),
    replicas: T.optional(T.number({ integer: true, min: 0 })),
    serviceAccount: T.optional(T.string()),
  }, "{ name: 'reviews-v1', namespace: 'shop', labels: { app: 'reviews', version: 'v1' } }"))),
  versionLabel: T.optional(T.string()),
  trustDomain: T.optional(T.string()),
}, "{ versionLabel: 'version' }"));

/**
 * A manifest: an object; its kind, API version, name and namespace, when given, strings (what
 * Kubernetes reads first). Other fields are read defensively.
 */
const MANIFEST: Shape = {
  what: 'a manifest object',
  fix: 'Pass parsed Kubernetes objects (e.g. from YAML.parseAllDocuments), one per item',
  check(scope, field, value) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      fail(scope, field, value, 'is not a manifest object', 'Pass parsed Kubernetes objects (e.g. from YAML.parseAllDocuments), one per item');
    }
    const bad = identityError(value);
    if (bad && bad.value !== undefined) { fail(scope, `${field}.${bad.field}`, bad.value, 'is not a string', `Give ${bad.field} as a string`); }
  },
};
const MANIFESTS = T.array(MANIFEST);

const REQUEST = T.struct('SimulatedRequest', {
  host: T.string(),
  port: T.optional(T.number({ integer: true, min: 1, max: 65535 })),
  method: T.optional(T.string()),
  path: T.optional(T.string()),
  scheme: T.optional(T.string()),
  headers: T.optional(T.map()),
  authority: T.optional(T.string()),
  sourceNamespace: T.optional(T.string()),
  sourceLabels: T.optional(T.map()),
  gateway: T.optional(T.string()),
  sourceServiceAccount: T.optional(T.string()),
  sourceInMesh: T.optional(T.boolean()),
  jwtClaims: T.optional(T.map(T.any())),
}, "{ host: 'reviews', path: '/', headers: { 'end-user': 'jason' } }");

/**
 * Answers "where does this request go?" from synthesized manifests, without a cluster, with
 * Istio's semantics:
 *
 * - in the mesh, the one VirtualService for the host is chosen by host, exact before the longest
 *   wildcard before `*` (several for one host: the first, as sidecars do, with an IST0109 warning);
 *   short hosts are resolved in the VirtualService's namespace (`reviews` is
 *   `reviews.<ns>.svc.cluster.local`);
 * - at a gateway, the virtual hosts are the intersections of the Gateway servers' hosts with each
 *   bound VirtualService's hosts; Envoy picks the most specific one for the request host, and every
 *   VirtualService landing on it contributes its rules, in Istio's order (creation time, then name,
 *   then namespace; the manifests' order stands for creation time), catch-all routes last;
 * - rules are tried in order and the first match wins; the conditions inside one match block are
 *   ANDed and several match blocks are ORed; header names are case-insensitive; `exact`, `prefix`
 *   and `regex` (RE2, full string) on uri, scheme, method, authority, headers and query parameters
 *   (raw, not percent-decoded); `{}` and `regex: "*"` mean "present"; `withoutHeaders`; port,
 *   source labels, source namespace and rule-level `gateways`;
 * - a VirtualService with a regex Istio's webhook rejects is not applied (a warning says so);
 * - weights are relative (they need not sum to 100); a destination without a subset spreads over
 *   all the Service's pods, a subset over the pods that also carry its labels, each workload in
 *   proportion to its replicas; an undefined subset, or one without pods, is a 503;
 * - a fault without a percentage applies to no request;
 * - no VirtualService for a mesh host: plain Kubernetes load balancing over the Service's pods,
 *   weighted by replica count; nothing matching at a gateway: 404.
 *
 * Works on what this library synthesizes and on any other manifests (objects or YAML).
 */
export class RoutingSimulator {
  /**
   * True for a RoutingSimulator, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isRoutingSimulator(x: any): x is RoutingSimulator {
    return x !== null && typeof x === 'object' && SIMULATOR_SYMBOL in x;
  }

  /**
   * Simulates the objects of one chart. Adopted CanaryService versions count as existing workloads.
   *
   * @example
   * const outcome = RoutingSimulator.fromChart(chart).route({ host: 'reviews', headers: { 'end-user': 'jason' } });
   *
   * @param chart the chart, as it would be synthesized
   * @param options workloads that run outside the manifests, the trust domain and the version label (by default none, `cluster.local` and `version`)
   */
  public static fromChart(chart: Chart, options: RoutingSimulatorOptions = {}): RoutingSimulator {
    if (!Chart.isChart(chart)) { fail('RoutingSimulator.fromChart', 'chart', chart, 'is not a cdk8s Chart', 'Pass the Chart to simulate'); }
    OPTIONS.check('RoutingSimulator.fromChart', 'options', options);
    return new RoutingSimulator(chart.toJson(), withAdopted(chart, options));
  }

  /**
   * Simulates the objects of every chart of an app. Adopted CanaryService versions count as existing workloads.
   *
   * @param app the app, as it would be synthesized
   * @param options workloads that run outside the manifests, the trust domain and the version label (by default none, `cluster.local` and `version`)
   */
  public static fromApp(app: App, options: RoutingSimulatorOptions = {}): RoutingSimulator {
    if (!isApp(app)) {
      fail('RoutingSimulator.fromApp', 'app', app, 'is not a cdk8s App', 'Pass the App to simulate');
    }
    OPTIONS.check('RoutingSimulator.fromApp', 'options', options);
    return new RoutingSimulator(app.charts.flatMap(c => c.toJson()), withAdopted(app, options));
  }

  /**
   * Simulates manifests given as (multi-document) YAML text, e.g. the output of `cdk8s synth` or
   * `kubectl get -o yaml`. Invalid YAML fails; documents that are not objects are skipped.
   *
   * @param yaml the manifests, documents separated by `---`
   * @param options workloads that run outside the manifests, the trust domain and the version label (by default none, `cluster.local` and `version`)
   */
  public static fromYaml(yaml: string, options: RoutingSimulatorOptions = {}): RoutingSimulator {
    T.string('Pass the manifests as YAML text').check('RoutingSimulator.fromYaml', 'yaml', yaml);
    OPTIONS.check('RoutingSimulator.fromYaml', 'options', options);
    // The YAML parser is loaded here, on first use: apps that never parse YAML do not load it.
    const { parseAllDocuments } = loadYaml();
    const docs = parseAllDocuments(yaml).map((d, i) => {
      if (d.errors.length > 0) {
        fail('RoutingSimulator.fromYaml', `yaml document ${i}`, d.errors[0].message, 'is not valid YAML', 'Fix the YAML (the message says where)');
      }
      return d.toJSON();
    });
    return new RoutingSimulator(docs.filter(d => d !== null && typeof d === 'object'), options);
  }

  /**
   * Simulates manifests given as objects. An entry that is not an object, or whose apiVersion,
   * kind, name or namespace is given but not a string, fails with the library's error; an object
   * without apiVersion or kind is not read. Other fields of the wrong type are left out (a
   * destination whose host or subset is not a string carries no traffic).
   *
   * @param manifests the Kubernetes and Istio objects, as parsed JSON
   * @param options workloads that run outside the manifests, the trust domain and the version label (by default none, `cluster.local` and `version`)
   */
  public static fromManifests(manifests: any[], options: RoutingSimulatorOptions = {}): RoutingSimulator {
    MANIFESTS.check('RoutingSimulator.fromManifests', 'manifests', manifests);
    OPTIONS.check('RoutingSimulator.fromManifests', 'options', options);
    return new RoutingSimulator(manifests, options);
  }

  /** The VirtualServices, in Istio's order (see `istioOrder`). */
  private readonly virtualServices: Candidate[];
  private readonly destinationRules: any[];
  private readonly gateways: any[];
  private readonly services: any[];
  /** The labels of each Namespace of the manifests (ambient mode, waypoints). */
  private readonly namespaceLabels = new Map<string, { [k: string]: string }>();
  private readonly pods: PodGroup[];
  private readonly authorizationPolicies: any[];
  private readonly peerAuthentications: any[];
  private readonly requestAuthentications: any[];
  private readonly trustDomain: string;
  private readonly versionLabel: string;
  /** Regexes compiled for this simulator's requests. */
  private readonly re2Cache: Re2Cache = new Map();
  /** Per VirtualService, the regexes Istio's webhook rejects (computed on first use). */
  private readonly rejections = new Map<Candidate, string[]>();

  private constructor(manifests: any[], options: RoutingSimulatorOptions) {
    Object.defineProperty(this, SIMULATOR_SYMBOL, { value: true });
    // Read as the API server stores them (null fields removed); an object without apiVersion or kind is not read.
    const given = manifests.filter(m => m && typeof m === 'object' && identityError(m) === undefined).map(m => withoutNullFields(m) as any);
    // Kubernetes Gateway API objects are routed as the Istio objects Istio makes of them.
    const objs = [...given, ...gatewayApiAsIstio(given)];
    this.virtualServices = istioOrder(objs.filter(m => NETWORKING.test(m.apiVersion ?? '') && m.kind === 'VirtualService')
      .map(vs => ({ vs, namespace: namespaceOf(vs) })));
    this.destinationRules = objs.filter(m => NETWORKING.test(m.apiVersion ?? '') && m.kind === 'DestinationRule');
    this.gateways = objs.filter(m => NETWORKING.test(m.apiVersion ?? '') && m.kind === 'Gateway');
    this.services = objs.filter(m => m.apiVersion === 'v1' && m.kind === 'Service');
    for (const n of objs.filter(m => m.apiVersion === 'v1' && m.kind === 'Namespace' && typeof m.metadata?.name === 'string')) {
      this.namespaceLabels.set(n.metadata.name, stringMap(n.metadata.labels));
    }
    this.pods = [
      ...objs.filter(m => ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(m.kind)).map(w => ({
        name: `${w.kind}/${w.metadata?.name}`,
        namespace: namespaceOf(w),
        labels: stringMap(w.spec?.template?.metadata?.labels),
        replicas: w.kind === 'DaemonSet' ? 1 : (Number.isInteger(w.spec?.replicas) ? w.spec.replicas : 1),
        serviceAccount: accountOf(w.spec?.template?.spec),
      })),
      ...objs.filter(m => m.kind === 'Pod').map(p => ({
        name: `Pod/${p.metadata?.name}`, namespace: namespaceOf(p), labels: stringMap(p.metadata?.labels), replicas: 1, serviceAccount: accountOf(p.spec),
      })),
      ...(options.existingWorkloads ?? []).map(w => ({
        name: w.name, namespace: w.namespace, labels: w.labels, replicas: w.replicas ?? 1, serviceAccount: w.serviceAccount,
      })),
    ];
    this.authorizationPolicies = objs.filter(isAuthorizationPolicy);
    this.peerAuthentications = objs.filter(isPeerAuthentication);
    this.requestAuthentications = objs.filter(isRequestAuthentication);
    this.trustDomain = options.trustDomain ?? 'cluster.local';
    this.versionLabel = options.versionLabel ?? 'version';
  }

  /**
   * Routes one request and tells where it goes: the gateway's server (for a request at a gateway),
   * the VirtualServices of the host for the binding, the first rule that matches (following a
   * delegate), and the destinations it splits the request over. Never throws on configuration:
   * what Istio would not apply, or applies differently than written, is in the outcome's warnings.
   *
   * @param request the request: its host, and optionally the gateway it arrives at, its caller, path, headers and token
   */
  public route(request: SimulatedRequest): RoutingOutcome {
    REQUEST.check('RoutingSimulator.route', 'request', request);
    const req = this.requestFor(request);
    const gate = req.gateway ? this.gatewayAuthorization(request, req) : undefined;
    if (gate && !gate.decision.allowed) {
      // Denied at the gateway: Envoy answers there, and the request is never routed.
      return {
        kind: OutcomeKind.DENIED,
        status: gate.decision.status,
        destinations: [],
        versionShares: {},
        subsetShares: {},
        mirrors: [],
        authorization: gate.decision,
        gatewayAuthorization: gate.decision,
        deniedShare: 100,
        warnings: gate.warnings,
        explanation: `${req.describe}: ${gate.detail}; the gateway answers, and the request is not routed`,
      };
    }
    // The gateway removes a token it verified unless its jwtRule forwards it (forwardOriginalToken,
    // default false): the backend's sidecar then sees a request without a token.
    const onward = gate?.tokenRemoved !== undefined ? { ...request, jwtClaims: undefined } : request;
    const outcome = this.authorized(onward, req, this.routed(req));
    if (!gate) { return outcome; }
    return {
      ...outcome,
      gatewayAuthorization: gate.decision,
      warnings: [...gate.warnings, ...outcome.warnings],
      explanation: gate.tokenRemoved !== undefined ? `${outcome.explanation}; ${gate.tokenRemoved}` : outcome.explanation,
    };
  }

  /**
   * Step 6 at the ingress gateway, before routing: a request entering through a Gateway meets the
   * gateway's own Envoy first, and Istio applies there the RequestAuthentications and
   * AuthorizationPolicies that select the gateway pods, the same way a sidecar does
   * (https://istio.io/latest/docs/tasks/security/authorization/authz-ingress/;
   * https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#end-user-authentication):
   * a token of an issuer no RequestAuthentication accepts is refused with 401, then CUSTOM
   * (ignored), DENY, then ALLOW decide. Envoy's HTTP filters (jwt_authn, RBAC) run before its router,
   * so a refused request is never routed. PeerAuthentication does not apply: the caller is the
   * outside world, in plain text from the client, with no principal and no namespace; `jwtClaims`
   * is its token. The gateway pods are those the Gateway's `selector` picks in the manifests (else,
   * in `istio-system`, with the selector as their labels). Policies' `ports` match the port the
   * gateway pod listens on (`gatewayPodPort`), not the Gateway server's. A token the gateway accepts
   * is removed before the request goes on (`tokenRemoved` says so) unless the jwtRule that accepted
   * it has `forwardOriginalToken: true`
   * (https://istio.io/latest/docs/reference/config/security/request_authentication/#JWTRule: "If set
   * to true, the original token will be kept for the upstream request. Default is false"; Envoy's
   * jwt_authn `forward: false` removes it after verifying it). Undefined when there is nothing to
   * decide (no security policy, the Gateway not in the manifests, or no server on the port: no listener).
   */
  private gatewayAuthorization(request: SimulatedRequest, req: ResolvedRequest):
  { decision: AuthorizationDecision; detail: string; warnings: string[]; tokenRemoved?: string } | undefined {
    if (this.authorizationPolicies.length + this.requestAuthentications.length === 0) { return undefined; }
    const gw = req.gateway?.object;
    if (!gw) { return undefined; }
    const servers: any[] = Array.isArray(gw.spec?.servers) ? gw.spec.servers : [];
    const server = servers.find(s => s?.port?.number === req.port);
    if (!server) { return undefined; }
    const protocol = String(server.port?.protocol ?? 'HTTP').toUpperCase();
    // HTTP at the gateway: HTTP servers, and HTTPS servers that terminate TLS (not PASSTHROUGH).
    const http = ['HTTP', 'HTTP2', 'GRPC'].includes(protocol) || (protocol === 'HTTPS' && server.tls?.mode !== 'PASSTHROUGH');
    const workload = this.gatewayWorkload(gw);
    const where = `${workload.namespace}/${workload.name}`;
    const binding = req.input.binding;
    const warnings: string[] = [];
    const token = http ? checkToken(this.requestAuthentications, workload, request.jwtClaims) : {};
    if (token.invalid !== undefined) {
      const detail = `refused (401 Jwt verification fails) at the gateway pods ${where}: ${token.invalid}`;
      return { warnings, detail, decision: { allowed: false, status: 401, workload: where, explanation: `at gateway ${binding}: ${detail}` } };
    }
    const decision = authorize(this.authorizationPolicies, {
      workload,
      caller: 'a client outside the mesh: no principal, no namespace',
      port: this.gatewayPodPort(workload, req.port!, warnings),
      http,
      ...requestFacts(req),
      requestPrincipal: token.requestPrincipal,
      claims: token.claims,
    }, warnings);
    const tokenRemoved = token.claims !== undefined && !token.forwarded
      ? `the gateway pods ${where} verified the token and removed it (the jwtRule has no forwardOriginalToken: true), so the backend receives no token`
      : undefined;
    return { warnings, detail: decision.explanation, decision: { ...decision, explanation: `at gateway ${binding}: ${decision.explanation}` }, tokenRemoved };
  }

  /**
   * The port an AuthorizationPolicy's `ports` (and `destination.port`) match at the gateway pods: the
   * port the pod listens on, which is the gateway Service's `targetPort` for the server's port (8080
   * for port 80 in Istio's default ingress gateway; istio/istio#28524,
   * https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation). The
   * Service is the one of the gateway pods' namespace that selects them and has a port whose `port` is
   * the server port; without it in the manifests, the server port, with a warning.
   */
  private gatewayPodPort(workload: AuthzRequest['workload'], serverPort: number, warnings: string[]): number {
    const found = this.services.filter(s => namespaceOf(s) === workload.namespace && s.spec?.selector && Object.keys(s.spec.selector).length > 0
      && selects(s.spec.selector, workload.labels))
      .flatMap(s => (Array.isArray(s.spec?.ports) ? s.spec.ports : []).filter((p: any) => p?.port === serverPort).map((p: any) => ({ s, p })))[0];
    if (found && (found.p.targetPort === undefined || typeof found.p.targetPort === 'number')) {
      return found.p.targetPort ?? serverPort;
    }
    const where = `${workload.namespace}/${workload.name}`;
    if (this.authorizationPolicies.some(p => policyNamesPorts(p))) {
      warnings.push(found
        ? `the targetPort of Service ${namespaceOf(found.s)}/${found.s.metadata?.name} for port ${serverPort} is named ('${found.p.targetPort}'); AuthorizationPolicy ports at the gateway pods ${where} are matched against the Gateway server's port ${serverPort}, but Istio matches the port the pod listens on`
        : `the Service of the gateway pods ${where} is not in the manifests; AuthorizationPolicy ports at the gateway are matched against the Gateway server's port ${serverPort}, but Istio matches the port the pod listens on (the Service's targetPort, e.g. 8080 for port 80)`);
    }
    return serverPort;
  }

  /** The gateway pods a Gateway's `selector` picks: in the manifests, else Istio's default namespace with the selector as labels. */
  private gatewayWorkload(gw: any): AuthzRequest['workload'] {
    const selector: { [k: string]: string } = stringMap(gw.spec?.selector);
    const pods = Object.keys(selector).length > 0 ? this.pods.find(p => selects(selector, p.labels)) : undefined;
    return pods
      ? { name: pods.name, namespace: pods.namespace, labels: pods.labels }
      : { name: `gateway pods ${JSON.stringify(selector)}`, namespace: 'istio-system', labels: selector };
  }

  /** Where the request goes (steps 1 to 5), before the destination's sidecar decides whether to take it. */
  private routed(req: ResolvedRequest): RoutingOutcome {
    const warnings: string[] = [];
    const atGateway = req.gateway ? this.checkGateway(req, warnings) : undefined;
    if (atGateway) { return atGateway; }
    const selection = this.virtualServicesFor(req, warnings);
    if (selection.candidates.length === 0) { return this.withoutVirtualService(req, warnings); }
    const describe = `${req.describe}${mergedNote(selection, req.input.binding)}`;
    const entry = this.firstMatchingRoute(req, selection);
    if (entry) {
      return entry.rule.delegate
        ? this.delegated(req, entry, warnings)
        : this.outcome(entry.c, entry.rule, entry.index, req.sourceNamespace, describe, warnings);
    }
    return notFound(`${describe}: no rule of ${selection.candidates.map(vsId).join(', ')} matches`, warnings);
  }

  /**
   * Step 6: the destination's sidecar decides whether to take the request. For each workload the
   * request reaches: the connection (`transport`: Istio mTLS with the caller's principal, plain text,
   * TLS with certificates of its own, or refused), and then the AuthorizationPolicies that select it
   * (see `authorization.ts`). When every request is refused the outcome is DENIED; when some are,
   * `deniedShare` says how many.
   */
  private authorized(request: SimulatedRequest, req: ResolvedRequest, outcome: RoutingOutcome): RoutingOutcome {
    if (outcome.kind !== OutcomeKind.ROUTED && outcome.kind !== OutcomeKind.KUBERNETES_DEFAULT) { return outcome; }
    if (this.authorizationPolicies.length + this.peerAuthentications.length + this.requestAuthentications.length === 0) { return outcome; }
    const warnings = outcome.warnings;
    const principal = this.sourcePrincipal(request, req);
    const inMesh = request.sourceInMesh ?? true;
    const decisions: { decision: AuthorizationDecision; share: number }[] = [];
    for (const d of outcome.destinations) {
      if (d.share <= 0 || d.failure !== undefined) { continue; }
      const service = this.serviceFor(d.host);
      const ports: any[] = Array.isArray(service?.spec?.ports) ? service.spec.ports : [];
      const servicePort = d.port ?? req.port;
      const portSpec = ports.find(p => p?.port === servicePort) ?? (ports.length === 1 ? ports[0] : undefined);
      const port = typeof portSpec?.targetPort === 'number' ? portSpec.targetPort : (portSpec?.port ?? servicePort);
      const http = isHttpPort(portSpec);
      const targets = d.workloads.length > 0
        ? d.workloads.filter(w => w.share > 0).map(w => ({ workload: w as AuthzRequest['workload'], share: w.share }))
        : [{ workload: { name: `pods of ${d.host}`, namespace: d.host.split('.')[1] ?? 'default', labels: d.selector }, share: d.share }];
      const clientTls = this.clientTlsMode(d.host, servicePort, req.sourceNamespace, d.subset);
      const waypoint = this.waypointFor(req, d.host);
      // A proxy's decision: the token its RequestAuthentications check (401 when invalid), then its AuthorizationPolicies.
      type Facts = Omit<AuthzRequest, 'workload' | 'http'>;
      const decideAt = (at: AuthzRequest['workload'], facts: Facts, attached?: (p: any) => boolean): AuthorizationDecision => {
        const token = http ? checkToken(this.requestAuthentications, at, request.jwtClaims, attached) : {};
        if (token.ignored !== undefined) { warnings.push(token.ignored); }
        const where = `${at.namespace}/${at.name}`;
        if (token.invalid !== undefined) {
          return { allowed: false, status: 401, workload: where, explanation: `refused (401 Jwt verification fails) at ${where}: ${token.invalid}` };
        }
        const full = { ...facts, workload: at, http, requestPrincipal: token.requestPrincipal, claims: token.claims };
        return authorize(this.authorizationPolicies, full, warnings, attached);
      };
      for (const { workload, share } of targets) {
        const server = peerModeFor(this.peerAuthentications, workload, port);
        const where = `${workload.namespace}/${workload.name}`;
        const link = transport(inMesh, clientTls, server, d.host, where);
        if (link.refused !== undefined) {
          decisions.push({ share, decision: { allowed: false, workload: where, explanation: link.refused } });
          continue;
        }
        const plain = link.noPrincipal;
        const ambient = isAmbient(this.namespaceLabels.get(workload.namespace));
        if (waypoint !== undefined && plain === undefined) {
          // The waypoint enforces the policies bound to it or to the addressed Service, with the
          // caller's identity and HTTP; it then calls the pods as itself.
          const attached = (p: any) => targetsObject(p, '', 'Service', waypoint.service, waypoint.serviceNamespace)
            || targetsObject(p, GATEWAY_API_GROUP, 'Gateway', waypoint.name, waypoint.namespace);
          const at = { name: `${waypoint.name} (waypoint)`, namespace: waypoint.namespace, labels: {} };
          const atWaypoint = decideAt(at, { principal, caller: link.caller, port, ...requestFacts(req) }, attached);
          if (!atWaypoint.allowed) {
            decisions.push({ share, decision: atWaypoint });
            continue;
          }
        }
        if (ambient) {
          // ztunnel, at L4 (HTTP-only rules as on TCP), sees the waypoint as the caller of what it forwards
          // (https://istio.io/latest/docs/ambient/usage/l4-policy/, "Authorization policy attachment").
          const asCaller = waypoint !== undefined ? `${this.trustDomain}/ns/${waypoint.namespace}/sa/${waypoint.name}` : principal;
          const decision = authorize(this.authorizationPolicies, {
            workload,
            principal: plain === undefined ? asCaller : undefined,
            caller: waypoint !== undefined ? `the waypoint ${waypoint.namespace}/${waypoint.name} (principal ${asCaller})` : link.caller,
            port,
            http: false,
            ...requestFacts(req),
          }, warnings);
          decisions.push({ share, decision });
          continue;
        }
        const facts = { principal: plain === undefined ? principal : undefined, caller: link.caller, port, ...requestFacts(req) };
        const decision = decideAt(workload, facts);
        decisions.push({ share, decision: plain !== undefined && !decision.allowed ? { ...decision, explanation: `${decision.explanation}; ${plain}` } : decision });
      }
    }
    if (decisions.length === 0) { return outcome; }
    const denied = decisions.filter(d => !d.decision.allowed);
    if (denied.length === 0) { return { ...outcome, authorization: decisions[0].decision }; }
    const deniedShare = denied.reduce((a, d) => a + d.share, 0);
    const total = decisions.reduce((a, d) => a + d.share, 0);
    const first = denied[0].decision;
    if (deniedShare >= total - 1e-9) {
      return {
        ...outcome,
        kind: OutcomeKind.DENIED,
        status: first.status,
        versionShares: {},
        subsetShares: {},
        authorization: first,
        deniedShare,
        explanation: `${outcome.explanation}; ${first.explanation}`,
      };
    }
    warnings.push(`${round(deniedShare)}% of requests are refused: ${first.explanation}`);
    return { ...outcome, authorization: first, deniedShare };
  }

  /**
   * The waypoint a request to `host` passes, if any: the one named by `istio.io/use-waypoint` on the
   * addressed Service or its Namespace (`none` opts out) in ambient mode; a request from an ingress
   * gateway only when the Service or Namespace also has `istio.io/ingress-use-waypoint: "true"`
   * (https://istio.io/latest/docs/ambient/usage/waypoint/). The addressed Service is the request's
   * host in the mesh, the route's destination at a gateway.
   */
  private waypointFor(req: ResolvedRequest, host: string): Waypoint | undefined {
    const service = req.gateway ? this.serviceFor(host) : (req.service ?? this.serviceFor(host));
    if (!service) { return undefined; }
    const namespace = namespaceOf(service);
    const nsLabels = this.namespaceLabels.get(namespace);
    if (!isAmbient(nsLabels)) { return undefined; }
    const own = stringMap(service.metadata?.labels);
    const labels = own[USE_WAYPOINT_LABEL] !== undefined ? own : nsLabels;
    if (!usesWaypoint(labels)) { return undefined; }
    if (req.gateway && own[INGRESS_USE_WAYPOINT_LABEL] !== 'true' && nsLabels?.[INGRESS_USE_WAYPOINT_LABEL] !== 'true') { return undefined; }
    const waypointNamespace = labels?.['istio.io/use-waypoint-namespace'] ?? namespace;
    return { name: String(labels![USE_WAYPOINT_LABEL]), namespace: waypointNamespace, service: service.metadata?.name, serviceNamespace: namespace };
  }

  /** The caller's principal (its SPIFFE identity), for when the connection is mTLS. */
  private sourcePrincipal(request: SimulatedRequest, req: ResolvedRequest): string {
    const principal = (namespace: string, account: string) => `${this.trustDomain}/ns/${namespace}/sa/${account}`;
    if (req.gateway) {
      const selector = req.gateway.object?.spec?.selector;
      const pods = selector && Object.keys(selector).length > 0 ? this.pods.find(p => selects(selector, p.labels)) : undefined;
      if (request.sourceServiceAccount !== undefined) {
        return principal(request.sourceNamespace ?? pods?.namespace ?? 'istio-system', request.sourceServiceAccount);
      }
      return pods ? principal(pods.namespace, pods.serviceAccount ?? 'default') : principal('istio-system', 'istio-ingressgateway-service-account');
    }
    const labels = request.sourceLabels;
    const caller = labels && Object.keys(labels).length > 0
      ? this.pods.find(p => p.namespace === req.sourceNamespace && selects(labels, p.labels)) : undefined;
    return principal(req.sourceNamespace, request.sourceServiceAccount ?? caller?.serviceAccount ?? 'default');
  }

  /**
   * The TLS mode the host's DestinationRule sets for the (Service) port and the destination's subset
   * (undefined: Istio's auto mTLS). A subset's own trafficPolicy overrides the top level for traffic
   * to that subset (`MergeTrafficPolicy` in istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go;
   * https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset): the subset's
   * portLevelSettings, then the subset's tls, then the top level's portLevelSettings, then its tls.
   */
  private clientTlsMode(fqdn: string, port: number | undefined, sourceNamespace: string, subset?: string): string | undefined {
    const spec = this.destinationRuleFor(fqdn, sourceNamespace)?.spec;
    const top = spec?.trafficPolicy;
    const own = subset === undefined || !Array.isArray(spec?.subsets) ? undefined
      : spec.subsets.find((s: any) => s?.name === subset)?.trafficPolicy;
    const atPort = (policy: any): string | undefined => (Array.isArray(policy?.portLevelSettings)
      ? policy.portLevelSettings.find((p: any) => p?.port?.number === port)?.tls?.mode : undefined);
    return atPort(own) ?? own?.tls?.mode ?? atPort(top) ?? top?.tls?.mode;
  }

  /** The request as the matchers see it: host, port, path, headers, source and binding resolved. */
  private requestFor(request: SimulatedRequest): ResolvedRequest {
    const gateway = request.gateway !== undefined ? this.resolveGatewayRequest(request.gateway) : undefined;
    const sourceNamespace = request.sourceNamespace ?? gateway?.namespace ?? this.guessNamespace(request.host);
    const binding = gateway ? `${gateway.namespace}/${gateway.name}` : 'mesh';
    const target = gateway ? request.host.toLowerCase() : qualifyHost(request.host.toLowerCase(), sourceNamespace);
    const service = gateway ? undefined : this.serviceFor(target);
    const ports = list(service?.spec?.ports);
    const port = request.port ?? (gateway ? 80 : (ports.length === 1 ? ports[0]?.port : undefined));
    const fullPath = request.path ?? '/';
    const q = fullPath.indexOf('?');
    const input: MatchInput = {
      path: q < 0 ? fullPath : fullPath.slice(0, q),
      query: parseQuery(q < 0 ? undefined : fullPath.slice(q + 1)),
      method: (request.method ?? 'GET').toUpperCase(),
      scheme: request.scheme ?? 'http',
      authority: request.authority ?? (request.port !== undefined ? `${request.host}:${request.port}` : request.host),
      headers: new Map(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      port,
      sourceLabels: request.sourceLabels ?? stringMap(gateway?.object?.spec?.selector),
      sourceNamespace,
      binding,
      resolveGateway: (ref: string) => ref,
      re2Cache: this.re2Cache,
    };
    const describe = `${input.method} ${request.host}${fullPath}${gateway ? ` at gateway ${binding}` : ''}`;
    return { host: request.host, gateway, sourceNamespace, target, service, port, input, describe };
  }

  /** At a gateway: a request its servers do not take, or redirect to HTTPS, ends there. */
  private checkGateway(req: ResolvedRequest, warnings: string[]): RoutingOutcome | undefined {
    const gateway = req.gateway!;
    const binding = req.input.binding;
    if (!gateway.object) {
      warnings.push(`Gateway ${binding} is not in the manifests; its servers were not checked`);
      return undefined;
    }
    if (!this.gatewayServes(gateway.object, req.target, req.port)) {
      return notFound(`${req.describe}: Gateway ${binding} has no server for host '${req.host}' on port ${req.port}`, warnings);
    }
    if (this.redirectsToHttps(gateway.object, req.target, req.port)) {
      return {
        kind: OutcomeKind.REDIRECT,
        status: 301,
        redirect: { scheme: 'https' },
        destinations: [],
        versionShares: {},
        subsetShares: {},
        mirrors: [],
        warnings,
        explanation: `${req.describe}: the server of Gateway ${binding} on port ${req.port} redirects every request to HTTPS (tls.httpsRedirect)`,
      };
    }
    return undefined;
  }

  /** No VirtualService for the host: not found at a gateway, Kubernetes' own spreading in the mesh. */
  private withoutVirtualService(req: ResolvedRequest, warnings: string[]): RoutingOutcome {
    if (req.gateway) {
      return notFound(`${req.describe}: no VirtualService bound to ${req.input.binding} serves host '${req.host}'`, warnings);
    }
    const service = req.service;
    if (!service) {
      return {
        kind: OutcomeKind.UNKNOWN_HOST,
        destinations: [],
        versionShares: {},
        subsetShares: {},
        mirrors: [],
        warnings,
        explanation: `${req.describe}: no VirtualService and no Service for host '${req.target}'`,
      };
    }
    const dest = this.destination({ host: req.target }, 100, 100, req.sourceNamespace, warnings);
    const { unavailableShare, ...s } = shares([dest], this.versionLabel);
    const how = `${req.describe}: no VirtualService for '${req.target}'; Kubernetes spreads requests over the pods of Service ${namespaceOf(service)}/${service.metadata?.name} by replica count`;
    if (unavailableShare > 0) {
      return unavailable({ destinations: [dest], mirrors: [], warnings }, `${how}, but ${failureReasons([dest])}`);
    }
    return { kind: OutcomeKind.KUBERNETES_DEFAULT, destinations: [dest], ...s, mirrors: [], warnings, explanation: how };
  }

  /**
   * The VirtualServices whose rules decide the request. In the mesh: the one for the host (exact
   * before the longest wildcard; several: the first, as sidecars use only one, with an IST0109
   * warning). At a gateway: every VirtualService of the virtual host Envoy picks (`virtualHostFor`).
   * A VirtualService Istio's webhook rejects is left out, with a warning.
   */
  private virtualServicesFor(req: ResolvedRequest, warnings: string[]): Selection {
    const bound = this.admitted(this.boundTo(req.input.binding).filter(c => coversHost(c, req.target)), warnings);
    if (req.gateway) { return this.virtualHostFor(req, bound); }
    const scored = bound.map(c => ({ c, best: bestHostMatch(c, req.target) }));
    const top = Math.max(-1, ...scored.map(s => s.best));
    const defining = scored.filter(s => s.best === top).map(s => s.c);
    if (defining.length > 1) {
      warnings.push(`IST0109: ${defining.length} mesh VirtualServices define host '${req.target}' (${defining.map(vsId).join(', ')}); sidecars use only one of them. This simulation uses the first in Istio's order (creation time, then name)`);
    }
    return { candidates: this.withRoutesForCaller(req, defining, warnings).slice(0, 1) };
  }

  /**
   * In the mesh, the VirtualServices that give the calling sidecar at least one route. One whose
   * every rule is for other callers (`sourceLabels`, `sourceNamespace`, `port`, rule-level
   * `gateways`) gives it none, and Istio then routes the host as if it had no VirtualService
   * (`buildSidecarVirtualHostsForVirtualService` in istio/istio pilot/pkg/networking/core/route/route.go
   * returns no virtual host, and the Service keeps its default route).
   */
  private withRoutesForCaller(req: ResolvedRequest, candidates: Candidate[], warnings: string[]): Candidate[] {
    return candidates.filter(c => {
      if (this.routeEntries(c, req).length > 0) { return true; }
      warnings.push(`VirtualService ${vsId(c)} has no rule for this caller (every rule is limited by sourceLabels, sourceNamespace, port or gateways), so its sidecar routes the host as if it had no VirtualService`);
      return false;
    });
  }

  /** The VirtualServices bound to `binding` (the mesh, or a gateway as `<namespace>/<name>`), in Istio's order. */
  private boundTo(binding: string): Candidate[] {
    return this.virtualServices.filter(c => {
      const gateways: string[] = Array.isArray(c.vs.spec?.gateways) ? c.vs.spec.gateways : [];
      return binding === 'mesh'
        ? gateways.length === 0 || gateways.includes('mesh')
        : gateways.some(g => g !== 'mesh' && gatewayResolver(c.namespace)(g) === binding);
    });
  }

  /**
   * Leaves out the VirtualServices Istio's validation webhook rejects (a regex RE2 cannot compile,
   * `regex: "*"` outside `withoutHeaders` ...): `kubectl apply` fails for them, so they never route.
   */
  private admitted(candidates: Candidate[], warnings: string[]): Candidate[] {
    return candidates.filter(c => {
      const rejected = this.rejectionsOf(c);
      if (rejected.length === 0) { return true; }
      warnings.push(`VirtualService ${vsId(c)} is not applied: Istio's validation webhook rejects it (${rejected.join('; ')}; Istio uses RE2 syntax); this simulation ignores it`);
      return false;
    });
  }

  private rejectionsOf(c: Candidate): string[] {
    let found = this.rejections.get(c);
    if (found === undefined) {
      found = rejectedRegexes(c.vs.spec, this.re2Cache);
      this.rejections.set(c, found);
    }
    return found;
  }

  /**
   * At a gateway, the VirtualServices of the virtual host Envoy picks for the request. Istio makes a
   * virtual host for each name in the intersection of a server's hosts (those visible to the
   * VirtualService's namespace) with the VirtualService's hosts, and appends the routes of every
   * later VirtualService landing on the same name (`buildGatewayHTTPRouteConfig` in istio/istio
   * pilot/pkg/networking/core/gateway.go). Envoy picks the exact name, else the longest wildcard.
   * A VirtualService none of whose rules applies to this gateway and port adds nothing.
   */
  private virtualHostFor(req: ResolvedRequest, bound: Candidate[]): Selection {
    const servers = this.serversOn(req);
    const hosts = new Map<string, Candidate[]>();
    for (const c of bound) {
      if (this.routeEntries(c, req).length === 0) { continue; }
      for (const name of gatewayVirtualHosts(c, servers, req.gateway!.namespace)) {
        hosts.set(name, [...(hosts.get(name) ?? []), c]);
      }
    }
    const domain = [...hosts.keys()].filter(h => hostMatches(h, req.target))
      .sort((a, b) => hostSpecificity(b) - hostSpecificity(a))[0];
    return domain === undefined ? { candidates: [] } : { candidates: hosts.get(domain)!, virtualHost: domain };
  }

  /** The servers of the request's Gateway on the request's port; undefined when the Gateway is not in the manifests. */
  private serversOn(req: ResolvedRequest): any[] | undefined {
    const gw = req.gateway?.object;
    if (!gw) { return undefined; }
    return list(gw.spec?.servers).filter((s: any) => req.port === undefined || s?.port?.number === req.port);
  }

  /**
   * The first route that matches, trying the routes of the selected VirtualServices in order. At a
   * gateway, catch-all routes go after all others (`SortVHostRoutes` in istio/istio
   * pilot/pkg/networking/core/route/route.go), so a later VirtualService's specific rules are tried
   * before an earlier one's catch-all.
   */
  private firstMatchingRoute(req: ResolvedRequest, selection: Selection): RouteEntry | undefined {
    const entries = selection.candidates.flatMap(c => this.routeEntries(c, req));
    const ordered = req.gateway ? [...entries.filter(e => !e.catchAll), ...entries.filter(e => e.catchAll)] : entries;
    return ordered.find(e => e.match === undefined || matchRequest(e.match, inputFor(req, e.c)));
  }

  /**
   * The Envoy routes of VirtualService `c` for this proxy (`BuildHTTPRoutesForVirtualService`): one
   * per match block that applies to the proxy (`appliesToProxy`), one for a rule without match
   * blocks; nothing after the first catch-all. HTTP rules, else TCP rules.
   */
  private routeEntries(c: Candidate, req: ResolvedRequest): RouteEntry[] {
    const http: any[] = Array.isArray(c.vs.spec?.http) ? c.vs.spec.http : [];
    const tcp: any[] = http.length === 0 && Array.isArray(c.vs.spec?.tcp) ? c.vs.spec.tcp : [];
    const input = inputFor(req, c);
    const entries: RouteEntry[] = [];
    for (const [index, rule] of [...http, ...tcp].entries()) {
      if (rule === null || typeof rule !== 'object') { continue; }
      const matches: any[] = Array.isArray(rule.match) ? rule.match : [];
      if (matches.length === 0) {
        entries.push({ c, rule, index, catchAll: true });
        return entries;
      }
      for (const match of matches.filter(m => m === null || typeof m !== 'object' || appliesToProxy(m, input))) {
        const catchAll = isCatchAllMatch(match);
        entries.push({ c, rule, index, match, catchAll });
        if (catchAll) { return entries; }
      }
    }
    return entries;
  }

  /** A matching rule that delegates: the first matching rule of the delegate VirtualService decides. */
  private delegated(req: ResolvedRequest, entry: RouteEntry, warnings: string[]): RoutingOutcome {
    const { c, rule, index } = entry;
    const id = vsId(c);
    const delegateNs = rule.delegate.namespace ?? c.namespace;
    const found = this.virtualServices.find(d => d.vs.metadata?.name === rule.delegate.name && d.namespace === delegateNs);
    if (!found) {
      warnings.push(`rule #${index} of ${id} delegates to ${delegateNs}/${rule.delegate.name}, which is not in the manifests`);
      return notFound(`${req.describe}: delegate VirtualService missing`, warnings);
    }
    const delegate = this.admitted([found], warnings)[0];
    if (!delegate) { return notFound(`${req.describe}: delegate VirtualService ${vsId(found)} is not applied`, warnings); }
    const input = inputFor(req, delegate);
    const rules: any[] = Array.isArray(delegate.vs.spec?.http) ? delegate.vs.spec.http : [];
    // A rule that is not an object is no rule (the schema's finding), as in routeEntries.
    const inner = rules.findIndex(r => r !== null && typeof r === 'object' && ruleMatches(r, input));
    if (inner < 0) {
      return notFound(`${req.describe}: rule #${index} of ${id} delegates to ${vsId(delegate)}, where no rule matches`, warnings);
    }
    return this.outcome(delegate, rules[inner], inner, req.sourceNamespace, req.describe, warnings);
  }

  private outcome(c: Candidate, rule: any, index: number, sourceNamespace: string, describe: string, warnings: string[]): RoutingOutcome {
    // A VirtualService the simulator made of Gateway API routes names them.
    const from = c.vs.metadata?.annotations?.['simulator/from'];
    const which = `rule #${index}${typeof rule.name === 'string' && rule.name !== '' ? ` '${rule.name}'` : ''} of ${typeof from === 'string' ? `${from} (as Istio reads it)` : `VirtualService ${vsId(c)}`}`;
    const injected = fault(rule.fault);
    const base = {
      virtualService: vsId(c),
      ruleIndex: index,
      ruleName: rule.name,
      mirrors: this.mirrors(rule, c.namespace),
      fault: injected,
      timeout: rule.timeout,
      retries: retries(rule.retries),
      rewriteUri: rule.rewrite?.uri,
      rewriteAuthority: rule.rewrite?.authority,
      warnings,
    };
    const faultNote = faultWithoutPercentage(injected, which, warnings);
    if (rule.directResponse) {
      return {
        ...base,
        kind: OutcomeKind.DIRECT_RESPONSE,
        status: rule.directResponse.status,
        destinations: [],
        versionShares: {},
        subsetShares: {},
        explanation: `${describe}: ${which} answers ${rule.directResponse.status} itself${faultNote}`,
      };
    }
    if (rule.redirect) {
      return {
        ...base,
        kind: OutcomeKind.REDIRECT,
        status: rule.redirect.redirectCode ?? 301,
        destinations: [],
        versionShares: {},
        subsetShares: {},
        redirect: Object.fromEntries(Object.entries(rule.redirect).map(([k, v]) => [k, String(v)])),
        explanation: `${describe}: ${which} redirects${faultNote}`,
      };
    }
    const destinations = this.routeDestinations(rule, c.namespace, sourceNamespace, which, warnings);
    const s = shares(destinations, this.versionLabel);
    const total = destinations.reduce((a, d) => a + d.share, 0);
    if (total > 0 && s.unavailableShare >= total - 1e-9) {
      return unavailable({ ...base, destinations }, `${describe}: ${which} matched, but ${failureReasons(destinations)}${faultNote}`);
    }
    // By subset; by version where the destinations have none (a route to whole Services, as Gateway API's are).
    const bySubset = Object.keys(s.subsetShares).some(k => k !== '(none)');
    const summary = Object.entries(bySubset ? s.subsetShares : s.versionShares).map(([k, v]) => `${k} ${round(v)}%`);
    if (s.unavailableShare > 0) { summary.push(`503 ${round(s.unavailableShare)}% (${failureReasons(destinations)})`); }
    return {
      ...base,
      kind: OutcomeKind.ROUTED,
      destinations,
      ...s,
      unavailableShare: s.unavailableShare > 0 ? s.unavailableShare : undefined,
      explanation: `${describe}: ${which} matched; ${summary.join(', ')}${faultNote}`,
    };
  }

  /** The destinations of a rule's `route`, with their shares of the requests (weights are relative). */
  private routeDestinations(rule: any, namespace: string, sourceNamespace: string, which: string, warnings: string[]): SimulatedDestination[] {
    // A destination whose host or subset is not a string, or a weight that is not a number, is the schema's finding: it carries nothing here.
    const route: any[] = list(rule.route).filter((d: any) => isDestination(d?.destination));
    const weightOf = (d: any): number | undefined => (typeof d.weight === 'number' ? d.weight : undefined);
    const weights = route.map(d => (route.length === 1 ? 1 : (weightOf(d) ?? 0)));
    const total = weights.reduce((a, b) => a + b, 0);
    if (route.length > 1 && total === 0) { warnings.push(`${which}: every destination has weight 0`); }
    return route.map((d, i) => this.destination(
      { host: istioHost(d.destination.host, namespace), subset: d.destination.subset, port: d.destination.port?.number },
      weightOf(d) ?? (route.length === 1 ? 100 : 0),
      total === 0 ? 0 : (weights[i] / total) * 100,
      sourceNamespace, warnings));
  }

  /**
   * A destination with the pods it reaches. A subset no DestinationRule defines has no Envoy cluster
   * (503, `NC`); a Service or subset without running pods has no endpoints (503, `UH`); a Service
   * that is not in the manifests is not known (no pods, no failure).
   */
  private destination(d: { host: string; subset?: string; port?: number }, weight: number, share: number,
    sourceNamespace: string, warnings: string[]): SimulatedDestination {
    const failed = (failure: UpstreamFailure): SimulatedDestination =>
      ({ host: d.host, subset: d.subset, port: d.port, weight, share, selector: {}, workloads: [], failure });
    const service = this.serviceFor(d.host);
    let subsetLabels: { [k: string]: string } = {};
    if (d.subset !== undefined) {
      const subset = this.subsetFor(d.host, d.subset, sourceNamespace);
      if (!subset) {
        if (share > 0) { warnings.push(`subset '${d.subset}' of host '${d.host}' is not defined by any DestinationRule: Envoy has no cluster for it and answers 503 (response flag NC)`); }
        return failed(UpstreamFailure.CLUSTER_NOT_FOUND);
      }
      subsetLabels = stringMap(subset.labels);
    }
    const serviceSelector: { [k: string]: string } | undefined = service?.spec?.selector;
    if (!service || !serviceSelector) {
      warnings.push(service
        ? `Service for destination host '${d.host}' has no selector; its endpoints are not known`
        : `no Service for destination host '${d.host}' in the manifests; its pods are not known`);
      return { host: d.host, subset: d.subset, port: d.port, weight, share, selector: {}, workloads: [] };
    }
    const selector = { ...serviceSelector, ...subsetLabels };
    const svcNs = d.host.split('.')[1];
    const pods = this.pods.filter(p => p.namespace === svcNs && selects(selector, p.labels));
    const replicas = pods.reduce((a, p) => a + p.replicas, 0);
    if (replicas === 0) {
      if (share > 0) { warnings.push(`destination '${d.host}'${d.subset ? ` subset '${d.subset}'` : ''} has no running pods: Envoy answers 503 no healthy upstream (response flag UH)`); }
      return { ...failed(UpstreamFailure.NO_HEALTHY_UPSTREAM), selector };
    }
    const workloads: SimulatedWorkload[] = pods.map(p => ({
      name: p.name,
      namespace: p.namespace,
      labels: p.labels,
      version: p.labels[this.versionLabel],
      replicas: p.replicas,
      share: (share * p.replicas) / replicas,
    }));
    return { host: d.host, subset: d.subset, port: d.port, weight, share, selector, workloads };
  }

  private mirrors(rule: any, namespace: string): SimulatedMirror[] {
    const out: SimulatedMirror[] = [];
    if (isDestination(rule.mirror)) {
      out.push({ host: istioHost(rule.mirror.host, namespace), subset: rule.mirror.subset, percentage: rule.mirrorPercentage?.value ?? 100 });
    }
    for (const m of list(rule.mirrors)) {
      if (!isDestination(m?.destination)) { continue; }
      out.push({ host: istioHost(m.destination.host, namespace), subset: m.destination.subset, percentage: m.percentage?.value ?? 100 });
    }
    return out;
  }

  /**
   * The workloads behind a Service host as `route` finds them: the Service of the manifests, and the
   * workloads of its namespace whose pod labels carry its selector, each with its replicas (`share`
   * 0). Undefined when the manifests do not have the Service, or it has no selector (its pods are not
   * known). For the command (src/cli), not part of the API.
   * @internal
   */
  public _serviceWorkloads(fqdn: string): SimulatedWorkload[] | undefined {
    const service = this.serviceFor(fqdn);
    const selector: { [k: string]: string } | undefined = service?.spec?.selector;
    if (!service || !selector) { return undefined; }
    const ns = fqdn.split('.')[1];
    return this.pods.filter(p => p.namespace === ns && selects(selector, p.labels)).map(p => ({
      name: p.name, namespace: p.namespace, labels: p.labels, version: p.labels[this.versionLabel], replicas: p.replicas, share: 0,
    }));
  }

  private serviceFor(fqdn: string): any | undefined {
    const parts = fqdn.split('.');
    if (parts.length < 3 || !fqdn.endsWith(`.${CLUSTER_SUFFIX}`)) { return undefined; }
    return this.services.find(s => s.metadata?.name === parts[0] && namespaceOf(s) === parts[1]);
  }

  /** The subset `name` of the DestinationRule that applies to `fqdn` for a client in `sourceNamespace`. */
  private subsetFor(fqdn: string, name: string, sourceNamespace: string): any | undefined {
    const subsets = this.destinationRuleFor(fqdn, sourceNamespace)?.spec?.subsets;
    return Array.isArray(subsets) ? subsets.find((s: any) => s?.name === name) : undefined;
  }

  /**
   * Istio looks for the DestinationRule in the client's namespace, then the service's, then anywhere;
   * in each, the most specific host.
   */
  private destinationRuleFor(fqdn: string, sourceNamespace: string): any | undefined {
    return mostSpecificDestinationRule(this.destinationRules, fqdn, sourceNamespace);
  }

  private resolveGatewayRequest(ref: string): { namespace: string; name: string; object?: any } {
    if (ref.includes('/')) {
      const [namespace, name] = ref.split('/', 2);
      return { namespace, name, object: this.gateways.find(g => g.metadata?.name === name && namespaceOf(g) === namespace) };
    }
    const found = this.gateways.filter(g => g.metadata?.name === ref);
    if (found.length !== 1) {
      throw new Error(`RoutingSimulator: gateway '${ref}' ${found.length === 0 ? 'is not in the manifests' : 'is ambiguous'}; give it as '<namespace>/<name>'`);
    }
    return { namespace: namespaceOf(found[0]), name: ref, object: found[0] };
  }

  private gatewayServes(gw: any, host: string, port: number | undefined): boolean {
    return list(gw.spec?.servers).some((s: any) => (port === undefined || s?.port?.number === port)
      && list(s?.hosts).some((h: unknown) => typeof h === 'string' && hostMatches(serverHostName(h), host)));
  }

  private redirectsToHttps(gw: any, host: string, port: number | undefined): boolean {
    const server = list(gw.spec?.servers).find((s: any) => (port === undefined || s?.port?.number === port)
      && list(s?.hosts).some((h: unknown) => typeof h === 'string' && hostMatches(serverHostName(h), host)));
    return server?.tls?.httpsRedirect === true;
  }

  private guessNamespace(host: string): string {
    const first = host.split('.')[0];
    const parts = host.split('.');
    if (parts.length >= 2) { return parts[1]; }
    const namespaces = [...new Set(this.services.filter(s => s.metadata?.name === first).map(namespaceOf))];
    return namespaces.length === 1 ? namespaces[0] : 'default';
  }
}

function withAdopted(scope: Chart | App, options: RoutingSimulatorOptions): RoutingSimulatorOptions {
  const charts = Chart.isChart(scope) ? [scope] : (scope as App).charts;
  const adopted = charts.flatMap(c => TrafficModel.tryOf(c)?.knownWorkloads ?? []);
  return { ...options, existingWorkloads: [...adopted, ...(options.existingWorkloads ?? [])] };
}

/** A request with everything the routing steps need resolved once. */
interface ResolvedRequest {
  readonly host: string;
  readonly gateway?: { namespace: string; name: string; object?: any };
  readonly sourceNamespace: string;
  /** The host as matched: lower case, and qualified (FQDN) in the mesh. */
  readonly target: string;
  readonly service?: any;
  readonly port?: number;
  readonly input: MatchInput;
  /** "GET host/path at gateway ns/name", the start of every explanation. */
  readonly describe: string;
}

/** The waypoint a request passes (its Gateway's name and namespace), and the Service it is addressed to. */
interface Waypoint {
  readonly name: string;
  readonly namespace: string;
  readonly service: string;
  readonly serviceNamespace: string;
}

/** How the caller's sidecar connects to one workload's sidecar (see `transport`). */
interface Transport {
  /** Why the connection fails (the server's sidecar refuses it), if it does. */
  readonly refused?: string;
  /** Why the server's sidecar sees no principal (not Istio mTLS), if it does not. */
  readonly noPrincipal?: string;
  /** Who the caller is for the explanations, when it has no principal. */
  readonly caller?: string;
}

/**
 * The connection between the caller's sidecar and the workload's
 * (https://istio.io/latest/docs/concepts/security/#mutual-tls-authentication,
 * https://istio.io/latest/docs/reference/config/security/peer_authentication/,
 * https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings-TLSmode):
 * - a caller without a sidecar, or with DestinationRule `tls.mode: DISABLE`, sends plain text: no
 *   principal, and STRICT refuses it;
 * - SIMPLE / MUTUAL are TLS with certificates of the caller's own (for servers outside the mesh), not
 *   Istio mutual TLS: they carry no Istio SPIFFE identity, so principal and namespace rules never
 *   match them, and STRICT, which accepts only Istio mTLS, refuses them;
 * - an explicit ISTIO_MUTUAL towards a workload whose PeerAuthentication says DISABLE fails: its
 *   sidecar expects plain text (the analysis' CIT0010: every call fails);
 * - without `tls` (auto mTLS), the caller's sidecar sends Istio mTLS, or plain text to a DISABLE workload.
 */
function transport(inMesh: boolean, clientTls: string | undefined, server: { mode: string; policy?: string },
  host: string, where: string): Transport {
  const by = server.policy !== undefined ? `PeerAuthentication ${server.policy}` : 'the mesh default';
  const ownTls = clientTls === 'SIMPLE' || clientTls === 'MUTUAL';
  const plain = !inMesh ? 'the caller has no sidecar' : clientTls === 'DISABLE' ? `the DestinationRule of ${host} disables TLS`
    : !ownTls && clientTls !== 'ISTIO_MUTUAL' && server.mode === 'DISABLE' ? `${by} turns mTLS off` : undefined;
  if (plain !== undefined) {
    return server.mode === 'STRICT'
      ? { refused: `refused at ${where}: ${by} requires mTLS (STRICT) and the caller connects in plain text (${plain})` }
      : { noPrincipal: `plain text because ${plain}` };
  }
  if (ownTls) {
    const what = `the DestinationRule of ${host} sets tls.mode ${clientTls}: TLS with certificates of the caller's own, not Istio mutual TLS`;
    return server.mode === 'STRICT'
      ? { refused: `refused at ${where}: ${by} accepts only Istio mutual TLS (STRICT) and ${what}, so every call fails (CIT0010)` }
      : { noPrincipal: `no principal because ${what}`, caller: `no principal (${clientTls} TLS with certificates of its own)` };
  }
  if (clientTls === 'ISTIO_MUTUAL' && server.mode === 'DISABLE') {
    return { refused: `refused at ${where}: the DestinationRule of ${host} sets tls.mode ISTIO_MUTUAL, but ${by} turns mTLS off (DISABLE), so the server's sidecar expects plain text and every call fails (CIT0010)` };
  }
  return {};
}

/** Whether an AuthorizationPolicy matches on ports (`ports`, `notPorts`, a `destination.port` condition). */
function policyNamesPorts(p: any): boolean {
  const rules: any[] = Array.isArray(p?.spec?.rules) ? p.spec.rules : [];
  return rules.some(r => (Array.isArray(r?.to) ? r.to : [])
    .some((t: any) => t?.operation?.ports !== undefined || t?.operation?.notPorts !== undefined)
    || (Array.isArray(r?.when) ? r.when : []).some((w: any) => w?.key === 'destination.port'));
}

/** What an authorization policy reads of the request itself, wherever it is decided. */
function requestFacts(req: ResolvedRequest): Pick<AuthzRequest, 'method' | 'path' | 'host' | 'headers'> {
  return { method: req.input.method, path: req.input.path, host: req.input.authority, headers: req.input.headers };
}

/** The ServiceAccount a pod spec names (undefined: the namespace's `default`). */
function accountOf(podSpec: any): string | undefined {
  const name = podSpec?.serviceAccountName ?? podSpec?.serviceAccount;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Whether a Service port carries HTTP for Istio (`appProtocol`, else the name's prefix). A port
 * whose protocol Istio cannot tell is sniffed; an HTTP request is taken to be detected as HTTP.
 */
function isHttpPort(port: any): boolean {
  const p = typeof port?.appProtocol === 'string' ? port.appProtocol : typeof port?.name === 'string' ? port.name.split('-')[0] : undefined;
  if (p === undefined) { return true; }
  const lower = p.toLowerCase();
  return !['tcp', 'tls', 'https', 'mongo', 'redis', 'mysql', 'udp', 'kubernetes.io/wss'].includes(lower);
}

/** The match input for the rules of VirtualService `c` (its gateway references resolve in its namespace). */
function inputFor(req: ResolvedRequest, c: Candidate): MatchInput {
  return { ...req.input, resolveGateway: gatewayResolver(c.namespace) };
}

/** A rule without matches takes every request; otherwise one of its match blocks must. */
function ruleMatches(rule: any, input: MatchInput): boolean {
  const matches: any[] = Array.isArray(rule?.match) ? rule.match : [];
  return matches.length === 0 || matches.some(m => matchRequest(m, input));
}

/** A destination the simulator can follow: its host, and its subset when given, strings. */
function isDestination(d: any): boolean {
  return typeof d?.host === 'string' && (d.subset === undefined || typeof d.subset === 'string');
}
