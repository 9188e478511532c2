import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fail } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { isGatewayApi, routingApiAt } from './core/routing-api';
import { T } from './core/shape';
import { isDnsLabel, isDnsSubdomain } from './core/syntax';
import type { IngressEdge } from './ingress-edge';
import { checkService, IRoutableService } from './routed-service';

const CALLER_SYMBOL = Symbol.for('cdk8s-istio-traffic.Caller');

/** The ServiceAccount of Istio's default ingress gateway (the `istio-ingressgateway` Helm chart and `istioctl install`). */
export const DEFAULT_INGRESS_GATEWAY_ACCOUNT = 'istio-ingressgateway-service-account';
/** The namespace of Istio's default ingress gateway. */
export const DEFAULT_INGRESS_GATEWAY_NAMESPACE = 'istio-system';

/** Options for `Caller.service()`. */
export interface CallerServiceOptions {
  /**
   * The ServiceAccount the calling service's pods run under. Needed for a service whose workloads
   * the library does not create (an ExistingService, or a CanaryService whose versions are all
   * adopted): their ServiceAccount is not known otherwise. The account is taken to exist outside
   * the app.
   * @default - the account the CanaryService's created versions run under (its `serviceAccount`,
   * or the namespace's `default` account for `ServiceIdentity.namespaceDefault()`)
   */
  readonly serviceAccountName?: string;
}

/** Options for `Caller.ingressGateway()`. */
export interface IngressGatewayCallerOptions {
  /**
   * The ServiceAccount of the ingress gateway pods.
   * @default 'istio-ingressgateway-service-account'
   */
  readonly serviceAccountName?: string;
  /**
   * The namespace of the ingress gateway pods.
   * @default 'istio-system'
   */
  readonly namespace?: string;
}

const SERVICE_OPTIONS = T.struct('CallerServiceOptions', {
  serviceAccountName: T.optional(T.string()),
}, "{ serviceAccountName: 'bookinfo-ratings' }");
const GATEWAY_OPTIONS = T.struct('IngressGatewayCallerOptions', {
  serviceAccountName: T.optional(T.string()),
  namespace: T.optional(T.string()),
}, "{ serviceAccountName: 'istio-ingressgateway-service-account', namespace: 'istio-system' }");

/** What a caller resolves to in an AuthorizationPolicy `source` (resolved inside a construct). */
export interface ResolvedCaller {
  /** A ServiceAccount (`<namespace>/<name>`), shown in an AuthorizationPolicy as its principal. */
  readonly account?: { readonly namespace: string; readonly name: string; readonly external: boolean };
  /** A whole namespace. */
  readonly namespace?: string;
  /** Anyone, with or without an identity (the rule has no `from`). */
  readonly anyone?: boolean;
  /** Any caller with a mesh identity (`principals: ['*']`). */
  readonly authenticated?: boolean;
  /** For messages. */
  readonly describe: string;
}

/**
 * Who calls a service, in an `AccessRule`: a service of the app, a namespace, the ingress gateway,
 * or a ServiceAccount. Istio knows a caller by the identity in its mTLS certificate, the SPIFFE
 * principal `<trust domain>/ns/<namespace>/sa/<ServiceAccount>`; a caller without a sidecar (plain
 * text) has none, so only `Caller.anyone()` matches it.
 */
export class Caller {
  /**
   * True for a Caller, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isCaller(x: any): x is Caller {
    return x !== null && typeof x === 'object' && CALLER_SYMBOL in x;
  }

  /**
   * The workloads of a service of the app: a CanaryService's created versions run under its
   * ServiceAccount (`serviceAccount`), whose principal the rule names. For an ExistingService (or a
   * CanaryService whose versions are all adopted) give the account with `serviceAccountName`.
   *
   * @param service the calling service
   * @param options the account of a service whose workloads the library does not create
   */
  public static service(service: IRoutableService, options: CallerServiceOptions = {}): Caller {
    SERVICE_OPTIONS.check('Caller.service', 'options', options);
    if (options.serviceAccountName !== undefined && !isDnsSubdomain(options.serviceAccountName)) {
      fail('Caller.service', 'options.serviceAccountName', options.serviceAccountName, 'is not a valid ServiceAccount name (DNS-1123 subdomain)',
        "Use lowercase letters, digits, '-' and '.' (e.g. 'bookinfo-ratings')");
    }
    return new Caller(scope => {
      checkService(scope, service);
      const namespace = service.namespace ?? Chart.of(service).namespace ?? DEFAULT_NAMESPACE;
      if (options.serviceAccountName !== undefined) {
        return { account: { namespace, name: options.serviceAccountName, external: true }, describe: `service ${service.name} (ServiceAccount ${options.serviceAccountName})` };
      }
      const account = accountOfService(service);
      if (account === undefined) {
        fail(scope, 'from', service.name, `is a service whose workloads this library does not create (${service.node.path}), so its ServiceAccount is not known`,
          `Name it: Caller.service(${service.name}, { serviceAccountName: '...' }), or Caller.serviceAccount('...', '${namespace}')`);
      }
      return { account: { namespace, name: account, external: false }, describe: `service ${service.name}` };
    });
  }

  /**
   * Every workload of a namespace (by the namespace in its mesh identity).
   *
   * @param namespace the namespace
   */
  public static namespace(namespace: string): Caller {
    if (!isDnsLabel(namespace)) {
      fail('Caller.namespace', 'namespace', namespace, 'is not a valid namespace (DNS-1123 label)', "Use at most 63 lowercase letters, digits and '-' (e.g. 'shop')");
    }
    return new Caller(() => ({ namespace, describe: `namespace ${namespace}` }));
  }

  /**
   * The ingress gateway: requests that enter through an IngressEdge (or any Gateway on those pods)
   * reach the service from the gateway pods, with the gateway's identity.
   *
   * @param options where the gateway pods run, when not Istio's default ingress gateway
   */
  public static ingressGateway(options: IngressGatewayCallerOptions = {}): Caller {
    GATEWAY_OPTIONS.check('Caller.ingressGateway', 'options', options);
    const name = options.serviceAccountName ?? DEFAULT_INGRESS_GATEWAY_ACCOUNT;
    const namespace = options.namespace ?? DEFAULT_INGRESS_GATEWAY_NAMESPACE;
    if (!isDnsSubdomain(name)) {
      fail('Caller.ingressGateway', 'options.serviceAccountName', name, 'is not a valid ServiceAccount name (DNS-1123 subdomain)', "Use lowercase letters, digits, '-' and '.'");
    }
    if (!isDnsLabel(namespace)) {
      fail('Caller.ingressGateway', 'options.namespace', namespace, 'is not a valid namespace (DNS-1123 label)', "Use at most 63 lowercase letters, digits and '-' (e.g. 'istio-system')");
    }
    return new Caller(() => ({ account: { namespace, name, external: true }, describe: `the ingress gateway (${namespace}/${name})` }));
  }

  /**
   * The gateway pods that serve an IngressEdge. With Istio's APIs, the shared ingress gateway its
   * Gateway selects (as `Caller.ingressGateway()`, or `options` where it runs elsewhere); with
   * RoutingApi.GATEWAY_API, the pods Istio deploys for the edge's Gateway, which run under the
   * ServiceAccount `<edge>-istio` in the edge's namespace. So one policy admits the edge's requests
   * in either API.
   *
   * @param edge the IngressEdge
   * @param options with Istio's APIs: where the shared ingress gateway runs, when not Istio's default
   */
  public static ingressEdge(edge: IngressEdge, options: IngressGatewayCallerOptions = {}): Caller {
    const e: any = edge;
    if (e === null || typeof e !== 'object' || e.node === undefined || typeof e.name !== 'string' || typeof e.namespace !== 'string' || e.gateway === undefined) {
      fail('Caller.ingressEdge', 'edge', e === null || typeof e !== 'object' ? e : Object.keys(e), 'is not an IngressEdge', 'Pass the IngressEdge whose requests the service takes');
    }
    if (!isGatewayApi(routingApiAt(edge))) { return Caller.ingressGateway(options); }
    GATEWAY_OPTIONS.check('Caller.ingressEdge', 'options', options);
    if (options.serviceAccountName !== undefined || options.namespace !== undefined) {
      fail('Caller.ingressEdge', 'options', options, `is where a shared ingress gateway runs, but the edge ${edge.node.path} is a Gateway API Gateway, whose pods Istio deploys (${edge.namespace}/${edge.name}-istio)`,
        'Leave the options out');
    }
    const name = `${edge.name}-istio`;
    return new Caller(() => ({ account: { namespace: edge.namespace, name, external: true }, describe: `the gateway pods of IngressEdge ${edge.name} (${edge.namespace}/${name})` }));
  }

  /**
   * Workloads that run under ServiceAccount `name` in `namespace`, for callers that are not services
   * of the app. Naming it declares that the account exists outside the app (installed by other
   * manifests), so the analysis does not report the principal as unknown.
   *
   * @param name the ServiceAccount name
   * @param namespace its namespace
   */
  public static serviceAccount(name: string, namespace: string): Caller {
    if (!isDnsSubdomain(name)) {
      fail('Caller.serviceAccount', 'name', name, 'is not a valid ServiceAccount name (DNS-1123 subdomain)', "Use lowercase letters, digits, '-' and '.' (e.g. 'monitoring')");
    }
    if (!isDnsLabel(namespace)) {
      fail('Caller.serviceAccount', 'namespace', namespace, 'is not a valid namespace (DNS-1123 label)', "Use at most 63 lowercase letters, digits and '-' (e.g. 'shop')");
    }
    return new Caller(() => ({ account: { namespace, name, external: true }, describe: `ServiceAccount ${namespace}/${name}` }));
  }

  /**
   * Any caller with a mesh identity (mTLS with a sidecar): `principals: ['*']`. Plain-text callers
   * do not match.
   */
  public static anyAuthenticated(): Caller {
    return new Caller(() => ({ authenticated: true, describe: 'any caller with a mesh identity' }));
  }

  /**
   * Anyone, with or without a mesh identity (the rule has no `from`). Useful in a deny rule (deny
   * `DELETE` from anyone); in an allow rule it lets plain-text callers in too.
   */
  public static anyone(): Caller {
    return new Caller(() => ({ anyone: true, describe: 'anyone' }));
  }

  private constructor(
    /** @internal */
    public readonly _resolve: (scope: IConstruct) => ResolvedCaller,
  ) {
    Object.defineProperty(this, CALLER_SYMBOL, { value: true });
  }
}

/**
 * The ServiceAccount the service's created workloads run under: its `serviceAccount`, `default`
 * when it creates versions under no account, undefined when it creates none.
 */
function accountOfService(service: IRoutableService): string | undefined {
  const s: any = service;
  const account = s.serviceAccount;
  if (account !== undefined && typeof account?.name === 'string') { return account.name; }
  if (typeof s.deploymentOf !== 'function') { return undefined; }
  const creates = service.versionNames.some(v => s.deploymentOf(v) !== undefined);
  return creates ? 'default' : undefined;
}
