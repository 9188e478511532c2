import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { hostsEscapedWithPort } from './core/authorization-fields';
import { fail, failWith } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { isHttpProtocol } from './core/protocol';
import { checkProps, T } from './core/shape';
import { isDnsLabel, labelKeyError } from './core/syntax';
import { ISTIO_KINDS, newAuthorizationPolicy, newRequestAuthentication } from './render/objects';
import { checkService, IRoutableService, modelOf, waypointTargetRefs } from './routed-service';
import { authzPathError } from './service-authorization';

/** An issuer of JSON Web Tokens that `JwtAuthentication` accepts. */
export interface JwtIssuer {
  /** The token's `iss`, e.g. `https://accounts.example.com`. */
  readonly issuer: string;
  /** Where the issuer publishes its signing keys (an `https://` URL). */
  readonly jwksUri: string;
  /**
   * Accepted `aud` values.
   * @default - any audience
   */
  readonly audiences?: string[];
  /**
   * Pass the token on to the application. Without it, Envoy removes the token once it has verified
   * it: behind an ingress gateway that checks tokens, the backend receives none, so a
   * `JwtAuthentication` (or any token rule) on the backend then sees requests without a token.
   * @default false
   */
  readonly forwardOriginalToken?: boolean;
}

/** Requests that must carry a valid token (and, optionally, claims). */
export interface TokenRequirement {
  /**
   * Request paths (exact, `prefix*`, `*suffix`).
   * @default - every path
   */
  readonly paths?: string[];
  /**
   * Hosts (the `Host` header, with `*.example.com` and `example.*` patterns). Istio compares the
   * header as sent, port included: each host without a port is written with `<host>:*` beside it,
   * so that `shop.example.com:443` is covered too. A `*.example.com` pattern cannot cover every port
   * (`*.example.com:*` is a literal suffix): it is accepted only with the same pattern and the ports
   * clients can send (`*.example.com:443`).
   * @default - every host
   */
  readonly hosts?: string[];
  /**
   * Claims the token must have, each with its accepted values (a list claim such as `groups`
   * matches when one of its items is accepted).
   * @default - any valid token
   */
  readonly claims?: { [claim: string]: string[] };
}

/** Props for `JwtAuthentication`. */
export interface JwtAuthenticationProps {
  /**
   * The service whose pods check tokens.
   * @default - the ingress gateway (see `gatewaySelector` and `gatewayNamespace`)
   */
  readonly service?: IRoutableService;
  /**
   * The labels of the ingress gateway pods, when `service` is not given.
   * @default { istio: 'ingressgateway' }
   */
  readonly gatewaySelector?: { [key: string]: string };
  /**
   * The namespace of the ingress gateway pods, when `service` is not given.
   * @default 'istio-system'
   */
  readonly gatewayNamespace?: string;
  /** The token issuers accepted (at least one). */
  readonly issuers: JwtIssuer[];
  /**
   * Requests that must carry a valid token. Without them a token is checked when a request carries
   * one (an invalid one is refused with 401), but a request without one passes.
   * @default - no request needs a token
   */
  readonly require?: TokenRequirement[];
}

const ISSUER = T.struct('JwtIssuer', {
  issuer: T.string(),
  jwksUri: T.string(),
  audiences: T.optional(T.array(T.string())),
  forwardOriginalToken: T.optional(T.boolean()),
}, "{ issuer: 'https://accounts.example.com', jwksUri: 'https://accounts.example.com/.well-known/jwks.json' }");

const REQUIREMENT = T.struct('TokenRequirement', {
  paths: T.optional(T.array(T.string())),
  hosts: T.optional(T.array(T.string())),
  claims: T.optional(T.map(T.array(T.string()))),
}, "{ paths: ['/api/*'], claims: { groups: ['admins'] } }");

const PROPS = T.struct('JwtAuthenticationProps', {
  service: T.optional(T.any()),
  gatewaySelector: T.optional(T.map()),
  gatewayNamespace: T.optional(T.string()),
  issuers: T.array(ISSUER, { minLength: 1 }),
  require: T.optional(T.array(REQUIREMENT)),
}, "{ issuers: [{ issuer: 'https://accounts.example.com', jwksUri: 'https://accounts.example.com/.well-known/jwks.json' }], require: [{ paths: ['/api/*'] }] }");

/**
 * End-user authentication with JSON Web Tokens, at the ingress gateway or at a service: a
 * RequestAuthentication (`<target>-jwt`) naming the accepted issuers, and for `require` a DENY
 * AuthorizationPolicy (`<target>-require-jwt`) that refuses (403) the chosen requests without a
 * valid token (`notRequestPrincipals: ['*']`) or without the claims asked for. `<target>` is the
 * service name, or `ingressgateway`.
 *
 * A RequestAuthentication alone only rejects invalid tokens (401); a request without a token passes
 * it, which is why requiring a token takes an authorization rule
 * (https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#require-a-valid-token).
 *
 * @example
 * new JwtAuthentication(chart, 'edge-jwt', {
 *   issuers: [{ issuer: 'https://accounts.example.com', jwksUri: 'https://accounts.example.com/.well-known/jwks.json' }],
 *   require: [{ paths: ['/api/*'] }],
 * });
 */
export class JwtAuthentication extends Construct {
  /** The RequestAuthentication. */
  public readonly requestAuthentication: ApiObject;
  /** The DENY AuthorizationPolicy for `require` (undefined without it). */
  public readonly requirePolicy?: ApiObject;

  /**
   * Creates the RequestAuthentication, and with `require` the DENY AuthorizationPolicy.
   *
   * @param scope the construct this one belongs to (usually a chart)
   * @param id the construct id
   * @param props where tokens are checked (a service or the ingress gateway), the issuers, and which requests need a token
   */
  constructor(scope: Construct, id: string, props: JwtAuthenticationProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    let target: string;
    let namespace: string;
    let selector: { [k: string]: string };
    if (props.service !== undefined) {
      checkService(this, props.service);
      if (props.gatewaySelector !== undefined || props.gatewayNamespace !== undefined) {
        fail(this, props.gatewaySelector !== undefined ? 'gatewaySelector' : 'gatewayNamespace', props.gatewaySelector ?? props.gatewayNamespace,
          "is given together with 'service'", 'Give either a service or the gateway, one JwtAuthentication each');
      }
      if (!isHttpProtocol(props.service.protocol)) {
        fail(this, 'service', props.service.name, `speaks ${props.service.protocol}, and tokens travel in HTTP requests`, 'Authenticate an HTTP service, or the ingress gateway');
      }
      target = props.service.name;
      namespace = props.service.namespace ?? Chart.of(props.service).namespace ?? DEFAULT_NAMESPACE;
      selector = { app: props.service.name };
    } else {
      target = 'ingressgateway';
      namespace = props.gatewayNamespace ?? 'istio-system';
      selector = props.gatewaySelector ?? { istio: 'ingressgateway' };
      if (!isDnsLabel(namespace)) { fail(this, 'gatewayNamespace', namespace, 'is not a valid namespace (DNS-1123 label)', "Use e.g. 'istio-system'"); }
      if (Object.keys(selector).length === 0) { fail(this, 'gatewaySelector', selector, 'is empty, so it would select every pod of the namespace', "Give the gateway pods' labels, e.g. { istio: 'ingressgateway' }"); }
      for (const key of Object.keys(selector)) {
        const problem = labelKeyError(key);
        if (problem) {
          fail(this, `gatewaySelector.${key}`, key, problem,
            "Use a label key such as 'istio' (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.')");
        }
      }
    }
    const issuers = new Set<string>();
    props.issuers.forEach((iss, i) => {
      if (iss.issuer.trim().length === 0) { fail(this, `issuers[${i}].issuer`, iss.issuer, 'is empty', "Give the tokens' iss, e.g. 'https://accounts.example.com'"); }
      if (issuers.has(iss.issuer)) { fail(this, `issuers[${i}].issuer`, iss.issuer, 'is listed twice', 'List each issuer once'); }
      issuers.add(iss.issuer);
      if (!/^https:\/\/[^\s/?#]+[^\s]*$/.test(iss.jwksUri)) {
        fail(this, `issuers[${i}].jwksUri`, iss.jwksUri, 'is not an https:// URL (Istio fetches the signing keys from it)', "Use e.g. 'https://accounts.example.com/.well-known/jwks.json'");
      }
      (iss.audiences ?? []).forEach((a, j) => { if (a.length === 0) { fail(this, `issuers[${i}].audiences[${j}]`, a, 'is empty', 'Give the audience, or leave audiences out'); } });
    });
    const rules = (props.require ?? []).flatMap((req, i) => this.requireRules(`require[${i}]`, req));
    const model = modelOf(this);
    const service = props.service;
    // A service in an ambient namespace with a waypoint (of any chart, whenever it is added): the
    // waypoint checks tokens, so both objects bind to it (ztunnel ignores RequestAuthentications).
    const binding = () => (service !== undefined && model.hasWaypoint(namespace)
      ? { targetRefs: waypointTargetRefs(service) }
      : { selector: { matchLabels: selector } });
    const name = `${target}-jwt`;
    this.checkNameIsFree(ISTIO_KINDS.RequestAuthentication.kind, namespace, name);
    this.requestAuthentication = newRequestAuthentication(this, 'RequestAuthentication', {
      name,
      namespace,
      spec: () => ({
        ...binding(),
        jwtRules: props.issuers.map(iss => ({
          issuer: iss.issuer, jwksUri: iss.jwksUri, audiences: iss.audiences, forwardOriginalToken: iss.forwardOriginalToken,
        })),
      }),
    });
    if (rules.length > 0) {
      const policyName = `${target}-require-jwt`;
      this.checkNameIsFree(ISTIO_KINDS.AuthorizationPolicy.kind, namespace, policyName);
      this.requirePolicy = newAuthorizationPolicy(this, 'RequireToken', {
        name: policyName, namespace, spec: () => ({ ...binding(), action: 'DENY', rules }),
      });
    }
  }

  /** DENY rules: one for requests without a valid token, one per required claim. */
  private requireRules(field: string, req: TokenRequirement): any[] {
    (req.paths ?? []).forEach((p, i) => {
      const problem = authzPathError(p);
      if (problem) { fail(this, `${field}.paths[${i}]`, p, problem, "Use an exact path ('/api/v1'), a prefix ending in '*' ('/api/*') or a suffix starting with '*' ('*.json')"); }
    });
    (req.hosts ?? []).forEach((h, i) => {
      if (h.length === 0 || /[\s/]/.test(h)) { fail(this, `${field}.hosts[${i}]`, h, 'is not a host', "Use e.g. 'shop.example.com' or '*.example.com'"); }
      if (h.length > 1 && h.startsWith('*') && h.endsWith('*')) {
        fail(this, `${field}.hosts[${i}]`, h, "matches no real Host header: Istio reads a leading '*' as a suffix match, and the trailing '*' is then a literal character",
          `Use one '*' ('${h.slice(0, -1).replace(/:$/, '')}', with the same pattern and each port clients can send), or name the hosts`);
      }
    });
    for (const [k, list] of [['paths', req.paths], ['hosts', req.hosts]] as const) {
      if (list !== undefined && list.length === 0) { fail(this, `${field}.${k}`, list, 'is empty, so the requirement applies to no request', `Leave ${k} out for every request, or list some`); }
    }
    const operation: any = {};
    if (req.paths) { operation.paths = req.paths; }
    // Istio matches `hosts` against the Host header as sent, port included: a host without a port is
    // written with `<host>:*` too, or a request to 'shop.example.com:443' would escape the requirement
    // (https://istio.io/latest/docs/ops/best-practices/security/#writing-host-match-policies). No
    // pattern covers every port after a leading '*' ('*.example.com:*' is the suffix '.example.com:*').
    if (req.hosts) {
      operation.hosts = req.hosts.flatMap(h => (h.includes('*') || /:(\d+|\*)$/.test(h) ? [h] : [h, `${h}:*`]));
      for (const h of hostsEscapedWithPort(operation.hosts)) {
        fail(this, `${field}.hosts[${req.hosts.indexOf(h)}]`, h, `is compared with the Host header as sent, port included, so a request to shop${h.slice(1)}:443 would escape the requirement, and no pattern after a leading '*' covers every port`,
          `Name the hosts ('shop${h.slice(1)}': each is written with '<host>:*' too), or add the pattern with each port clients can send ('${h}:443')`);
      }
    }
    const to = Object.keys(operation).length > 0 ? { to: [{ operation }] } : {};
    const claims = Object.entries(req.claims ?? {}).map(([claim, values]) => {
      if (claim.length === 0 || /[[\]]/.test(claim)) { fail(this, `${field}.claims`, claim, 'is not a claim name', "Use a top-level claim name, e.g. 'groups'"); }
      if (values.length === 0) { fail(this, `${field}.claims.${claim}`, values, 'accepts no value, so no request could pass', 'List the accepted values'); }
      return { ...to, when: [{ key: `request.auth.claims[${claim}]`, notValues: values }] };
    });
    return [{ from: [{ source: { notRequestPrincipals: ['*'] } }], ...to }, ...claims];
  }

  private checkNameIsFree(kind: string, namespace: string, name: string): void {
    const other = modelOf(this).claimObjectName(kind, namespace, name, this);
    if (other !== undefined) {
      failWith(this, 'service', `would create ${kind} ${namespace}/${name}, which ${other.node.path} already defines; kubectl apply keeps only one of them`,
        'Declare one JwtAuthentication per service (and one for the gateway), listing all issuers and requirements');
    }
  }
}
