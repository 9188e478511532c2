import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Caller, ResolvedCaller } from './caller';
import { fail, failWith } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { isHttpProtocol } from './core/protocol';
import { checkProps, T } from './core/shape';
import { isDnsSubdomain, isPort } from './core/syntax';
import { ISTIO_KINDS, newAuthorizationPolicy } from './render/objects';
import { checkService, IRoutableService, modelOf, waypointTargetRefs } from './routed-service';

/** One rule of a `ServiceAuthorization`: who, and optionally which methods, paths and ports. */
export interface AccessRule {
  /** The callers the rule is about (any of them). */
  readonly from: Caller[];
  /**
   * HTTP methods, upper case (`GET`, `POST`). HTTP services only.
   * @default - any method
   */
  readonly methods?: string[];
  /**
   * Request paths, as Istio's authorization matches them (the path without the query string): an
   * exact path (`/api/v1/ratings`), a prefix ending in `*` (`/api/*`), or a suffix starting with
   * `*` (`*.png`). HTTP services only.
   * @default - any path
   */
  readonly paths?: string[];
  /**
   * Ports the pods listen on (the Service's target ports).
   * @default - any port
   */
  readonly ports?: number[];
}

/** Props for `ServiceAuthorization`. */
export interface ServiceAuthorizationProps {
  /** The service whose pods the policies protect (a CanaryService, an ExistingService ...). */
  readonly service: IRoutableService;
  /**
   * Who may call the service. Once an allow list exists, every request no rule of it matches is
   * denied (403), callers without a mesh identity (plain text) included.
   * @default - no allow list: every caller not denied may call
   */
  readonly allow?: AccessRule[];
  /**
   * Who may not call the service. Deny rules win over allow rules.
   * @default - no deny rules
   */
  readonly deny?: AccessRule[];
  /**
   * The mesh's trust domain, the first part of every principal.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
}

const RULE = T.struct('AccessRule', {
  from: T.array(T.instance('Caller', x => Caller.isCaller(x), "Use Caller.service(svc), Caller.namespace('ns'), Caller.ingressGateway() or Caller.serviceAccount('sa', 'ns')"), { minLength: 1 }),
  methods: T.optional(T.array(T.string())),
  paths: T.optional(T.array(T.string())),
  ports: T.optional(T.array(T.any())),
}, "{ from: [Caller.service(productpage)], methods: ['GET'], paths: ['/ratings/*'] }");

const PROPS = T.struct('ServiceAuthorizationProps', {
  service: T.any(),
  allow: T.optional(T.array(RULE)),
  deny: T.optional(T.array(RULE)),
  trustDomain: T.optional(T.string()),
}, '{ service: ratings, allow: [{ from: [Caller.service(reviews)] }] }');

/** Istio's default trust domain. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/**
 * Who may call a service: an Istio AuthorizationPolicy with action ALLOW (`<service>-allow`) for the
 * allow list and one with action DENY (`<service>-deny`) for the deny rules, each selecting the
 * service's pods (`app: <service>`) in the service's namespace.
 *
 * Istio evaluates DENY policies first (any match denies, 403), then ALLOW policies: with none every
 * request is allowed, otherwise only those some ALLOW rule matches
 * (https://istio.io/latest/docs/concepts/security/#authorization-policy-precedence). Callers are
 * known by their mTLS identity, so an allow list needs mTLS between the caller and the service.
 *
 * @example
 * new ServiceAuthorization(chart, 'ratings-authz', {
 *   service: ratings,
 *   allow: [{ from: [Caller.service(reviews)], methods: ['GET'] }],
 * });
 */
export class ServiceAuthorization extends Construct {
  /** The ALLOW policy (undefined without `allow`). */
  public readonly allowPolicy?: ApiObject;
  /** The DENY policy (undefined without `deny`). */
  public readonly denyPolicy?: ApiObject;
  /** The namespace of the policies (the service's). */
  public readonly namespace: string;

  /**
   * Creates the ALLOW policy for `allow` and the DENY policy for `deny`.
   *
   * @param scope the construct this one belongs to (usually the chart of the service)
   * @param id the construct id
   * @param props the service, and who may or may not call it
   */
  constructor(scope: Construct, id: string, props: ServiceAuthorizationProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    checkService(this, props.service);
    const service = props.service;
    const trustDomain = props.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    if (!isDnsSubdomain(trustDomain)) {
      fail(this, 'trustDomain', trustDomain, 'is not a valid trust domain (a DNS name)', "Use the mesh's trust domain, e.g. 'cluster.local'");
    }
    if (props.allow === undefined && props.deny === undefined) {
      fail(this, 'allow', undefined, 'is not given, and neither is deny, so the construct says nothing about who may call',
        'Give an allow list (allow: [{ from: [Caller.service(frontend)] }]) or deny rules');
    }
    if (props.allow !== undefined && props.allow.length === 0) {
      fail(this, 'allow', props.allow, 'is an empty allow list: an ALLOW policy without rules denies every request',
        'List who may call, or leave allow out; to shut the service off, deny: [{ from: [Caller.anyone()] }]');
    }
    if (props.deny !== undefined && props.deny.length === 0) {
      fail(this, 'deny', props.deny, 'is an empty list, which denies nothing', 'List the callers to deny, or leave deny out');
    }
    this.namespace = service.namespace ?? Chart.of(service).namespace ?? DEFAULT_NAMESPACE;
    const model = modelOf(this);
    const render = (field: string, rules: AccessRule[]) => rules.map((r, i) => this.renderRule(`${field}[${i}]`, r, service, trustDomain, model.serviceAccounts));
    const allow = props.allow ? render('allow', props.allow) : undefined;
    const deny = props.deny ? render('deny', props.deny) : undefined;
    // In an ambient namespace with a waypoint (a MeshNamespace of the app, whenever it is added),
    // the policy binds to the Service, which the waypoint enforces with the caller's identity and
    // HTTP; by label it would be ztunnel's, at L4, seeing the waypoint as the caller.
    const namespace = this.namespace;
    const target = () => (model.hasWaypoint(namespace)
      ? { targetRefs: waypointTargetRefs(service) }
      : { selector: { matchLabels: { app: service.name } } });
    if (allow) {
      const name = `${service.name}-allow`;
      this.checkNameIsFree(name);
      this.allowPolicy = newAuthorizationPolicy(this, 'Allow', { name, namespace, spec: () => ({ ...target(), action: 'ALLOW', rules: allow }) });
    }
    if (deny) {
      const name = `${service.name}-deny`;
      this.checkNameIsFree(name);
      this.denyPolicy = newAuthorizationPolicy(this, 'Deny', { name, namespace, spec: () => ({ ...target(), action: 'DENY', rules: deny }) });
    }
  }

  /** One Istio rule: a `from` entry for the principals and one for the namespaces (entries are ORed), and one `to`. */
  private renderRule(field: string, rule: AccessRule, service: IRoutableService, trustDomain: string,
    accounts: Map<string, { users: IConstruct[]; owner?: string }>): any {
    const callers: ResolvedCaller[] = rule.from.map(c => c._resolve(this));
    const http = isHttpProtocol(service.protocol);
    checkOperation(this, field, rule, http, service);
    const principals: string[] = [];
    const namespaces: string[] = [];
    let anyone = false;
    for (const c of callers) {
      if (c.anyone) { anyone = true; }
      if (c.authenticated) { principals.push('*'); }
      if (c.namespace !== undefined) { namespaces.push(c.namespace); }
      if (c.account) {
        principals.push(`${trustDomain}/ns/${c.account.namespace}/sa/${c.account.name}`);
        // An account named as existing outside the app is recorded with the chart's accounts, for the analysis.
        const key = `${c.account.namespace}/${c.account.name}`;
        if (c.account.external && !accounts.has(key)) { accounts.set(key, { users: [] }); }
      }
    }
    if (anyone && callers.length > 1) {
      fail(this, `${field}.from`, callers.map(c => c.describe), 'names Caller.anyone() next to other callers, which adds nothing',
        'Use Caller.anyone() alone, or list only the callers');
    }
    const from = anyone ? undefined : [
      ...(principals.length > 0 ? [{ source: { principals: unique(principals) } }] : []),
      ...(namespaces.length > 0 ? [{ source: { namespaces: unique(namespaces) } }] : []),
    ];
    const operation: any = {};
    if (rule.methods) { operation.methods = unique(rule.methods); }
    if (rule.paths) { operation.paths = unique(rule.paths); }
    if (rule.ports) { operation.ports = unique(rule.ports.map(String)); }
    const out: any = {};
    if (from) { out.from = from; }
    if (Object.keys(operation).length > 0) { out.to = [{ operation }]; }
    return out;
  }

  /** Fails when an object of the chart already has the policy's kind, namespace and name. */
  private checkNameIsFree(name: string): void {
    const other = modelOf(this).claimObjectName(ISTIO_KINDS.AuthorizationPolicy.kind, this.namespace, name, this);
    if (other !== undefined) {
      failWith(this, 'service',
        `would create AuthorizationPolicy ${this.namespace}/${name}, which ${other.node.path} already defines; kubectl apply keeps only one of them`,
        'Put all rules for the service into one ServiceAuthorization (allow and deny lists), or rename the other object');
    }
  }
}

/** Checks the methods, paths and ports of a rule. */
function checkOperation(scope: IConstruct, field: string, rule: AccessRule, http: boolean, service: IRoutableService): void {
  if (!http && (rule.methods !== undefined || rule.paths !== undefined)) {
    const which = rule.methods !== undefined ? 'methods' : 'paths';
    fail(scope, `${field}.${which}`, (rule as any)[which], `is an HTTP condition, but service '${service.name}' speaks ${service.protocol}; for TCP traffic Istio drops the HTTP conditions of a rule (an allow rule then matches nothing, a deny rule everything on its ports)`,
      'Limit the rule by ports only, or declare the service with an HTTP protocol');
  }
  (rule.methods ?? []).forEach((m, i) => {
    if (typeof m !== 'string' || !/^[A-Z]+$/.test(m)) {
      fail(scope, `${field}.methods[${i}]`, m, 'is not an HTTP method in upper case (Istio compares methods exactly)', "Use e.g. 'GET', 'POST', 'DELETE'");
    }
  });
  (rule.paths ?? []).forEach((p, i) => {
    const problem = authzPathError(p);
    if (problem) {
      fail(scope, `${field}.paths[${i}]`, p, problem, "Use an exact path ('/api/v1/ratings'), a prefix ending in '*' ('/api/*') or a suffix starting with '*' ('*.png')");
    }
  });
  (rule.ports ?? []).forEach((p, i) => {
    if (!isPort(p)) { fail(scope, `${field}.ports[${i}]`, p, 'is not a port (a whole number from 1 to 65535)', 'Use the port the pods listen on, e.g. 9080'); }
  });
  for (const [name, list] of [['methods', rule.methods], ['paths', rule.paths], ['ports', rule.ports]] as const) {
    if (list !== undefined && list.length === 0) {
      fail(scope, `${field}.${name}`, list, 'is empty, so the rule would match no request', `Leave ${name} out to match any, or list some`);
    }
  }
}

/** Why `p` is not an authorization path pattern Istio matches as meant, or undefined. */
export function authzPathError(p: unknown): string | undefined {
  if (typeof p !== 'string') { return 'is not a string'; }
  if (p === '*') { return undefined; }
  if (p.length === 0) { return 'is empty'; }
  if (/[\s?#]/.test(p)) { return 'holds a space, a query string or a fragment (Istio matches the path alone)'; }
  if (/[{}]/.test(p)) { return 'holds a path template ({*} or {**}), which this construct does not write'; }
  const stars = (p.match(/\*/g) ?? []).length;
  if (stars > 1 || (stars === 1 && !p.startsWith('*') && !p.endsWith('*'))) {
    return "has a '*' in the middle; Istio knows a '*' only at the start (suffix match) or at the end (prefix match) of a path";
  }
  if (!p.startsWith('/') && !p.startsWith('*')) { return "does not start with '/'"; }
  return undefined;
}

function unique<T>(list: T[]): T[] {
  return [...new Set(list)];
}
