/** A request to route, as a client or the ingress gateway would send it. */
export interface SimulatedRequest {
  /**
   * Host the client calls: a short name (`reviews`, resolved in the source namespace as Kubernetes
   * DNS does), `reviews.default`, a cluster FQDN, or an external name such as `bookinfo.example.com`.
   */
  readonly host: string;
  /**
   * Port the client calls.
   * @default - the Service's port when it has exactly one; 80 at a gateway
   */
  readonly port?: number;
  /**
   * HTTP method.
   * @default 'GET'
   */
  readonly method?: string;
  /**
   * Path with optional query string, e.g. `/api/v1/products?id=3`.
   * @default '/'
   */
  readonly path?: string;
  /**
   * URI scheme.
   * @default 'http'
   */
  readonly scheme?: string;
  /**
   * Request headers. Names are case-insensitive, as in HTTP.
   * @default - none: the request carries no headers besides its authority
   */
  readonly headers?: { [name: string]: string };
  /**
   * The `:authority` (Host header) the client sends.
   * @default - `host`, with `:port` when a port is given
   */
  readonly authority?: string;
  /**
   * Namespace of the calling workload (or of the gateway pods).
   * @default - the namespace of the Service named `host` when exactly one exists, else `default`
   */
  readonly sourceNamespace?: string;
  /**
   * Labels of the calling workload, for `sourceLabels` matches.
   * @default - none (for a gateway: the Gateway's selector)
   */
  readonly sourceLabels?: { [key: string]: string };
  /**
   * The request enters through this Gateway (`<namespace>/<name>`, or `<name>` for a Gateway that is
   * unique by name) instead of coming from a workload in the mesh.
   * @default - a request from a mesh workload
   */
  readonly gateway?: string;
  /**
   * The ServiceAccount the calling workload runs under (in `sourceNamespace`): its mesh identity,
   * the principal `cluster.local/ns/<sourceNamespace>/sa/<account>` AuthorizationPolicies see when
   * the connection is mTLS.
   * @default - the account of the workload in `sourceNamespace` that `sourceLabels` select (its
   * `serviceAccountName`, else `default`); `default` without `sourceLabels`; at a gateway, the
   * gateway pods' account (`istio-system/istio-ingressgateway-service-account` when the pods are
   * not in the manifests)
   */
  readonly sourceServiceAccount?: string;
  /**
   * Whether the caller runs with an Istio sidecar (or is the gateway). A caller without one connects
   * in plain text: it has no principal, and a workload under STRICT mTLS refuses it.
   * @default true
   */
  readonly sourceInMesh?: boolean;
  /**
   * The claims of the JWT the request carries (`Authorization: Bearer ...`), taken to be signed by
   * its issuer. When a RequestAuthentication that applies to the destination accepts the issuer (and
   * audience), `iss` and `sub` make the request principal `<iss>/<sub>` and `request.auth.claims[...]`
   * conditions read the claims; a token it does not accept is refused with 401; without a
   * RequestAuthentication the token is ignored. A request without a token has no request principal,
   * so a rule requiring one denies it.
   * @default - no token
   */
  readonly jwtClaims?: { [claim: string]: any };
}

/** What kind of answer the simulated request gets. */
export enum OutcomeKind {
  /** A VirtualService rule matched and routed the request. */
  ROUTED = 'routed',
  /** No VirtualService for the host: plain Kubernetes load balancing over the Service's pods. */
  KUBERNETES_DEFAULT = 'kubernetes-default',
  /** Routes exist for the host, but none matched (or the gateway does not serve the host): HTTP 404. */
  NOT_FOUND = 'not-found',
  /** A rule answered directly (`directResponse`). */
  DIRECT_RESPONSE = 'direct-response',
  /** A rule redirected the request. */
  REDIRECT = 'redirect',
  /** Neither a route nor a Service is known for the host. */
  UNKNOWN_HOST = 'unknown-host',
  /**
   * The request was routed, but no destination it can go to has a pod to take it: Envoy answers
   * 503 itself (a subset no DestinationRule defines has no cluster, response flag `NC`, and a Service or
   * subset that selects no pods has no endpoints, response flag `UH`). See `UpstreamFailure`.
   */
  SERVICE_UNAVAILABLE = 'service-unavailable',
  /**
   * The request reached the destination's sidecar, which refused it: an AuthorizationPolicy denies it
   * (HTTP 403 `RBAC: access denied`, see `authorization`), or the workload accepts only mTLS and the
   * caller connects in plain text (the connection is reset, with no status).
   */
  DENIED = 'denied',
}

/** The action of the AuthorizationPolicy that decided a request. */
export enum AuthorizationAction {
  /** An ALLOW policy: a rule of it matched (allowed), or ALLOW policies apply and none matched (denied). */
  ALLOW = 'ALLOW',
  /** A DENY policy with a matching rule. */
  DENY = 'DENY',
}

/** How the destination's sidecar decided a request (Istio's AuthorizationPolicy semantics). */
export interface AuthorizationDecision {
  /** Whether the request is allowed. */
  readonly allowed: boolean;
  /**
   * The HTTP status the sidecar answers: 403 for an AuthorizationPolicy, 401 for an invalid token.
   * @default - none: allowed, or the connection is refused (STRICT towards plain text or TLS with
   * certificates of the caller's own, ISTIO_MUTUAL towards DISABLE)
   */
  readonly status?: number;
  /**
   * The action of the deciding policy.
   * @default - no policy decided: none applies, so the request is allowed
   */
  readonly action?: AuthorizationAction;
  /**
   * `<namespace>/<name>` of the deciding policy (for a denial because no ALLOW rule matched: every
   * ALLOW policy that applies, comma-separated).
   * @default - no policy decided
   */
  readonly policy?: string;
  /**
   * Index in `spec.rules` of the matching rule.
   * @default - no rule matched
   */
  readonly ruleIndex?: number;
  /** `<namespace>/<name>` of the workload that decided. */
  readonly workload: string;
  /**
   * The caller's principal as the sidecar saw it.
   * @default - none: the connection is plain text
   */
  readonly principal?: string;
  /** A one-line account of the decision. */
  readonly explanation: string;
}

/**
 * Why Envoy cannot forward the requests a destination gets, and answers 503 for them instead.
 * (Envoy's response flags: https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags)
 */
export enum UpstreamFailure {
  /**
   * The destination names a subset that no DestinationRule of the host defines: Istio builds a cluster
   * per defined subset only, so the route points to a cluster that does not exist. Envoy answers 503,
   * response flag `NC` (upstream cluster not found).
   */
  CLUSTER_NOT_FOUND = 'cluster-not-found',
  /**
   * The Service (with the subset's labels) selects no running pod: the cluster has no endpoints.
   * Envoy answers 503 `no healthy upstream`, response flag `UH`.
   */
  NO_HEALTHY_UPSTREAM = 'no-healthy-upstream',
}

/** A workload (a group of identical pods) a destination resolves to. */
export interface SimulatedWorkload {
  /** `Deployment/<name>`, `StatefulSet/<name>`, or an existing workload's name. */
  readonly name: string;
  /** Namespace of the pods. */
  readonly namespace: string;
  /** Labels of the pods. */
  readonly labels: { [key: string]: string };
  /**
   * The pods' version label, if they have one.
   * @default - none (the pods have no version label)
   */
  readonly version?: string;
  /** Number of pods. */
  readonly replicas: number;
  /** Percentage of all requests that reach this workload. */
  readonly share: number;
}

/** One destination of the matched rule. */
export interface SimulatedDestination {
  /** Fully qualified host. */
  readonly host: string;
  /**
   * DestinationRule subset, if any.
   * @default - none (the destination names no subset)
   */
  readonly subset?: string;
  /**
   * Destination port, if set.
   * @default - none (the destination names no port)
   */
  readonly port?: number;
  /** Weight as written in the rule. */
  readonly weight: number;
  /** Percentage of all requests sent to this destination. */
  readonly share: number;
  /** Labels the destination selects pods with (Service selector plus subset labels). */
  readonly selector: { [key: string]: string };
  /** The workloads behind it, each with its share. */
  readonly workloads: SimulatedWorkload[];
  /**
   * Why Envoy answers 503 for the requests this destination gets, if it does.
   * @default - none: the destination has pods, or its pods are not known (its Service is not in the
   * manifests, or has no selector)
   */
  readonly failure?: UpstreamFailure;
}

/**
 * Fault injection on the matched rule. A delay or abort without a percentage applies to no request
 * (istio/api `HTTPFaultInjection`: "If left unspecified, no request will be delayed" / "If not
 * specified, no request will be aborted"): its percentage is then 0 and `...PercentageGiven` false.
 */
export interface SimulatedFault {
  /**
   * Fixed delay, e.g. `7s`.
   * @default - none (no delay)
   */
  readonly delay?: string;
  /**
   * Percentage of requests delayed: `percentage.value` (or the deprecated integer `percent`), 0 when
   * the delay names neither.
   * @default - none (no delay)
   */
  readonly delayPercentage?: number;
  /**
   * Whether the delay names its percentage (false means Istio delays no request).
   * @default - none (no delay)
   */
  readonly delayPercentageGiven?: boolean;
  /**
   * HTTP status of the abort.
   * @default - none (no HTTP abort)
   */
  readonly abortHttpStatus?: number;
  /**
   * gRPC status of the abort.
   * @default - none (no gRPC abort)
   */
  readonly abortGrpcStatus?: string;
  /**
   * Percentage of requests aborted: `percentage.value`, 0 when the abort has none.
   * @default - none (no abort)
   */
  readonly abortPercentage?: number;
  /**
   * Whether the abort names its percentage (false means Istio aborts no request).
   * @default - none (no abort)
   */
  readonly abortPercentageGiven?: boolean;
}

/** Mirroring on the matched rule. */
export interface SimulatedMirror {
  /** Fully qualified host the copy goes to. */
  readonly host: string;
  /**
   * Subset the copy goes to.
   * @default - none (the copy names no subset)
   */
  readonly subset?: string;
  /** Percentage of requests copied. */
  readonly percentage: number;
}

/** Retry policy on the matched rule. */
export interface SimulatedRetries {
  /** The number of retries after the first try (`retries.attempts`). */
  readonly attempts: number;
  /**
   * Timeout per try.
   * @default - none (each try may take the route's whole timeout)
   */
  readonly perTryTimeout?: string;
  /**
   * Retry conditions.
   * @default - none (Istio's default conditions)
   */
  readonly retryOn?: string;
}

/** Where a simulated request goes, and why. */
export interface RoutingOutcome {
  /** The kind of answer. */
  readonly kind: OutcomeKind;
  /**
   * HTTP status the client sees when the mesh answers itself (404, 503, direct response, redirect).
   * @default - none (the request is forwarded)
   */
  readonly status?: number;
  /**
   * `<namespace>/<name>` of the VirtualService that decided.
   * @default - none (no VirtualService decided)
   */
  readonly virtualService?: string;
  /**
   * Index of the matched rule in `spec.http`.
   * @default - none (no rule matched)
   */
  readonly ruleIndex?: number;
  /**
   * Name of the matched rule.
   * @default - none (no rule matched, or it has no name)
   */
  readonly ruleName?: string;
  /** Destinations with their shares. */
  readonly destinations: SimulatedDestination[];
  /**
   * Percentage of requests per version label value of the pods they reach (pods without one count as
   * `unversioned`, and requests to a destination whose Service is not in the manifests, or has no
   * selector, as `(pods not known)`).
   * Requests Envoy answers 503 reach no version: see `unavailableShare`.
   */
  readonly versionShares: { [version: string]: number };
  /**
   * Percentage of requests per subset (`(none)` for destinations without a subset), counting only
   * requests that are forwarded (not those answered 503).
   */
  readonly subsetShares: { [subset: string]: number };
  /**
   * Percentage of requests Envoy answers 503 because their destination has no cluster or no
   * endpoints (see `SimulatedDestination.failure`).
   * @default - 0
   */
  readonly unavailableShare?: number;
  /**
   * Fault injection on the matched rule.
   * @default - none (no fault on the rule)
   */
  readonly fault?: SimulatedFault;
  /** Mirroring on the matched rule. */
  readonly mirrors: SimulatedMirror[];
  /**
   * Request timeout on the matched rule.
   * @default - none (no timeout on the rule)
   */
  readonly timeout?: string;
  /**
   * Retries on the matched rule.
   * @default - none (no retries on the rule)
   */
  readonly retries?: SimulatedRetries;
  /**
   * URI rewrite on the matched rule.
   * @default - none (no rewrite)
   */
  readonly rewriteUri?: string;
  /**
   * Authority rewrite on the matched rule.
   * @default - none (no rewrite)
   */
  readonly rewriteAuthority?: string;
  /**
   * Redirect target (`uri`, `authority`) on the matched rule.
   * @default - none (not a redirect)
   */
  readonly redirect?: { [field: string]: string };
  /**
   * How authorization decided at the workloads the request reaches: the denying decision when some
   * workload denies it, else the allowing decision of the first workload.
   * @default - the request reached no workload (404, 503, a redirect ...)
   */
  readonly authorization?: AuthorizationDecision;
  /**
   * For a request that enters through a Gateway, how the gateway's own Envoy decided before routing
   * it (the RequestAuthentications and AuthorizationPolicies that select the gateway pods). When it
   * denies, the outcome is DENIED and `authorization` is this decision too.
   * @default - no gateway, or no policy of the manifests to evaluate there
   */
  readonly gatewayAuthorization?: AuthorizationDecision;
  /**
   * Percentage of requests the destination workloads refuse (AuthorizationPolicy, or a connection
   * their sidecar refuses: a client TLS mode their PeerAuthentication does not accept).
   * @default - 0
   */
  readonly deniedShare?: number;
  /** A one-line account of the decision. */
  readonly explanation: string;
  /** Things that look wrong on the way (no pods behind a destination, an undefined subset ...). */
  readonly warnings: string[];
}

/** A workload that runs in the cluster but is not in the manifests (an adopted workload). */
export interface ExistingWorkload {
  /** Name, e.g. `Deployment/productcatalogservice`. */
  readonly name: string;
  /** Namespace of the workload. */
  readonly namespace: string;
  /** Labels of the workload's pods (what Services and subsets select on). */
  readonly labels: { [key: string]: string };
  /**
   * Number of pods.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The ServiceAccount the pods run under (their mesh identity).
   * @default 'default'
   */
  readonly serviceAccount?: string;
}

/** Options for the routing simulator. */
export interface RoutingSimulatorOptions {
  /**
   * Workloads that run in the cluster but are not in the manifests. For a chart, adopted versions of
   * CanaryServices are added automatically.
   * @default - none: only the workloads in the manifests (and, for a chart, the adopted versions)
   */
  readonly existingWorkloads?: ExistingWorkload[];
  /**
   * The pod label whose value names a version in `versionShares`.
   * @default 'version'
   */
  readonly versionLabel?: string;
  /**
   * The mesh's trust domain, the first part of every principal.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
}
