import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { fail, failWith } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { WAYPOINT_NAME } from './core/mesh-labels';
import { GATEWAY_API_GROUP } from './core/routing-api';
import { checkProps, T } from './core/shape';
import { isDnsLabel, isDnsSubdomain, MAX_DNS_SUBDOMAIN } from './core/syntax';
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
  /**
   * The mesh's trust domain, for the principal of the namespace's waypoint (ambient mode), which
   * the namespace's pods admit.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
}

const PROPS = T.struct('NamespaceDefaultDenyProps', {
  namespace: T.optional(T.string()),
  name: T.optional(T.string()),
  trustDomain: T.optional(T.string()),
}, "{ namespace: 'shop' }");

/**
 * Deny by default in a namespace: an AuthorizationPolicy with an empty spec (no selector, no rules).
 * It is an ALLOW policy that matches nothing and applies to every workload of the namespace, so a
 * request is allowed only when another ALLOW policy (a `ServiceAuthorization` allow list) lets it in
 * (https://istio.io/latest/docs/reference/config/security/authorization-policy/, "allow-nothing").
 *
 * In an ambient namespace with a waypoint (a MeshNamespace of the app, before or after this), the
 * pods' ztunnel enforces that policy and sees the waypoint as the caller of every request the
 * waypoint forwards (https://istio.io/latest/docs/ambient/usage/l4-policy/): two more policies
 * keep the namespace working and still deny by default. `<name>-from-waypoint` lets the waypoint's
 * identity reach the pods (and nothing else: in-mesh traffic must pass the waypoint), and
 * `<name>-at-waypoint` is an allow-nothing attached to the waypoint (`targetRefs`), where the
 * services' ServiceAuthorization allow lists, also attached there, let callers in.
 *
 * @example
 * new NamespaceDefaultDeny(chart, 'deny-all', { namespace: 'shop' });
 */
export class NamespaceDefaultDeny extends Construct {
  /** The AuthorizationPolicy. */
  public readonly policy: ApiObject;
  /** Its namespace. */
  public readonly namespace: string;
  /** The policies for the namespace's waypoint (ambient mode), once it has one; empty otherwise. */
  public readonly waypointPolicies: ApiObject[] = [];

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
    const trustDomain = props.trustDomain ?? 'cluster.local';
    if (!isDnsSubdomain(trustDomain)) {
      fail(this, 'trustDomain', trustDomain, 'is not a valid trust domain (a DNS name)', "Use the mesh's trust domain, e.g. 'cluster.local'");
    }
    this.policy = newAuthorizationPolicy(this, 'Policy', { name, namespace: this.namespace, spec: () => ({}) });
    modelOf(this).whenWaypoint(this.namespace, () => this.admitWaypoint(name, trustDomain));
    // It also denies the pods Istio deploys for a Gateway API Gateway in the namespace: their edges
    // let the outside world in again.
    modelOf(this).denyByDefault(this.namespace);
  }

  /** The two policies of an ambient namespace with a waypoint (see the class). */
  private admitWaypoint(name: string, trustDomain: string): void {
    const namespace = this.namespace;
    const policies: Array<[string, string, () => any]> = [
      ['FromWaypoint', `${name}-from-waypoint`,
        () => ({ action: 'ALLOW', rules: [{ from: [{ source: { principals: [`${trustDomain}/ns/${namespace}/sa/${WAYPOINT_NAME}`] } }] }] })],
      ['AtWaypoint', `${name}-at-waypoint`, () => ({ targetRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name: WAYPOINT_NAME }] })],
    ];
    // `name` is a valid object name; only the suffixes can make a policy's name too long.
    const longest = policies.map(([, policyName]) => policyName).reduce((a, b) => (b.length > a.length ? b : a));
    if (longest.length > MAX_DNS_SUBDOMAIN) {
      fail(this, 'name', name, `is too long for the policies of the namespace's waypoint: '${longest}' has ${longest.length} characters, over Kubernetes' ${MAX_DNS_SUBDOMAIN}`,
        `Use a name of at most ${MAX_DNS_SUBDOMAIN - (longest.length - name.length)} characters`);
    }
    for (const [id, policyName, spec] of policies) {
      const other = modelOf(this).claimObjectName(ISTIO_KINDS.AuthorizationPolicy.kind, namespace, policyName, this);
      if (other !== undefined) {
        failWith(this, 'name', `would create AuthorizationPolicy ${namespace}/${policyName} (for the namespace's waypoint), which ${other.node.path} already defines`,
          'Give this NamespaceDefaultDeny or the other object another name');
      }
      this.waypointPolicies.push(newAuthorizationPolicy(this, id, { name: policyName, namespace, spec }));
    }
  }
}
