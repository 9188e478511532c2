import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { fail, failWith } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { checkProps, T } from './core/shape';
import { isDnsLabel, isDnsSubdomain } from './core/syntax';
import { ISTIO_KINDS, newAuthorizationPolicy } from './render/objects';
import { checkExplicitNamespace, modelOf } from './routed-service';

/** Props for `NamespaceDefaultDeny`. */
export interface NamespaceDefaultDenyProps {
  /**
   * The namespace whose workloads deny every request no ALLOW policy lets in.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Name of the AuthorizationPolicy.
   * @default 'allow-nothing'
   */
  readonly name?: string;
}

const PROPS = T.struct('NamespaceDefaultDenyProps', {
  namespace: T.optional(T.string()),
  name: T.optional(T.string()),
}, "{ namespace: 'shop' }");

/**
 * Deny by default in a namespace: an AuthorizationPolicy with an empty spec (no selector, no rules).
 * It is an ALLOW policy that matches nothing and applies to every workload of the namespace, so a
 * request is allowed only when another ALLOW policy (a `ServiceAuthorization` allow list) lets it in
 * (https://istio.io/latest/docs/reference/config/security/authorization-policy/, "allow-nothing").
 *
 * @example
 * new NamespaceDefaultDeny(chart, 'deny-all', { namespace: 'shop' });
 */
export class NamespaceDefaultDeny extends Construct {
  /** The AuthorizationPolicy. */
  public readonly policy: ApiObject;
  /** Its namespace. */
  public readonly namespace: string;

  /**
   * Creates the allow-nothing AuthorizationPolicy.
   *
   * @param scope the construct this one belongs to (usually a chart)
   * @param id the construct id
   * @param props the namespace and the policy name (by default the chart's namespace and `allow-nothing`)
   */
  constructor(scope: Construct, id: string, props: NamespaceDefaultDenyProps = {}) {
    super(scope, id);
    checkProps(this, props, PROPS);
    if (props.namespace !== undefined && !isDnsLabel(props.namespace)) {
      fail(this, 'namespace', props.namespace, 'is not a valid namespace (DNS-1123 label)', "Use at most 63 lowercase letters, digits and '-' (e.g. 'shop')");
    }
    checkExplicitNamespace(this, props.namespace);
    const name = props.name ?? 'allow-nothing';
    if (!isDnsSubdomain(name)) {
      fail(this, 'name', name, 'is not a valid object name (DNS-1123 subdomain)', "Use lowercase letters, digits, '-' and '.' (e.g. 'allow-nothing')");
    }
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? DEFAULT_NAMESPACE;
    if (this.namespace === 'istio-system') {
      // https://istio.io/latest/docs/reference/config/security/authorization-policy/: a policy in the
      // root namespace without a selector applies to every workload of the mesh.
      fail(this, 'namespace', this.namespace, "is Istio's root namespace, where a policy without a selector applies to every workload of the mesh (ingress gateways included), not to one namespace",
        'Name the namespace whose workloads should deny by default; for a mesh-wide default deny, write that AuthorizationPolicy on purpose as an ApiObject');
    }
    const other = modelOf(this).claimObjectName(ISTIO_KINDS.AuthorizationPolicy.kind, this.namespace, name, this);
    if (other !== undefined) {
      failWith(this, 'name', `would create AuthorizationPolicy ${this.namespace}/${name}, which ${other.node.path} already defines; kubectl apply keeps only one of them`,
        'Declare one NamespaceDefaultDeny per namespace, or give this one another name');
    }
    this.policy = newAuthorizationPolicy(this, 'Policy', { name, namespace: this.namespace, spec: () => ({}) });
    // It also denies the pods Istio deploys for a Gateway API Gateway in the namespace: their edges
    // let the outside world in again.
    modelOf(this).denyByDefault(this.namespace);
  }
}
