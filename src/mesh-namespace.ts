import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkDnsLabel, checkLabels, checkRenderableKey } from './core/checks';
import { fail } from './core/errors';
import { checkProps, T } from './core/shape';
import { labelKeyError } from './core/syntax';
import { MtlsMode, namespacePeerAuthentication } from './peer-authentication-policy';
import { modelOf } from './routed-service';

/** Namespaces Istio's sidecar injector never injects (its webhook skips the Kubernetes system namespaces). */
const NEVER_INJECTED = ['kube-system', 'kube-public', 'kube-node-lease'];
/** The label that puts a namespace in Istio's ambient mode. */
const AMBIENT_LABEL = 'istio.io/dataplane-mode';

const PROPS = T.struct('MeshNamespaceProps', {
  name: T.optional(T.string()),
  revision: T.optional(T.string()),
  labels: T.optional(T.map()),
  annotations: T.optional(T.map()),
  mtls: T.optional(T.enumOf(MtlsMode, 'MtlsMode')),
}, "{ name: 'shop' }");

/** Props for `MeshNamespace`. */
export interface MeshNamespaceProps {
  /**
   * Namespace name.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Istio revision for revision-based installs: labels the namespace `istio.io/rev=<revision>`
   * instead of `istio-injection=enabled`.
   * @default - no revision: `istio-injection=enabled`
   */
  readonly revision?: string;
  /**
   * Extra labels. They must not contain the injection labels the construct sets itself.
   * @default - none: only the injection label
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations of the namespace.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /**
   * The mutual TLS mode of every workload in the namespace: a namespace-wide PeerAuthentication
   * named `default`. A service's `PeerAuthenticationPolicy` overrides it for its workloads.
   * @default - none: the mesh-wide mode (PERMISSIVE unless the mesh sets another)
   */
  readonly mtls?: MtlsMode;
}

/**
 * A namespace whose pods get the Istio sidecar. Without the sidecar none of the routing applies.
 *
 * Objects of the same chart that live in this namespace are written after it in the synthesized
 * file, so a plain `kubectl apply -f` creates the namespace first: those declared later follow it
 * in construct order, those declared earlier get a dependency on it.
 *
 * @example
 * new MeshNamespace(chart, 'shop', { mtls: MtlsMode.STRICT });
 */
export class MeshNamespace extends Construct {
  /** The namespace name. */
  public readonly name: string;
  /** The underlying cdk8s-plus Namespace. */
  public readonly namespace: kplus.Namespace;
  /** The namespace-wide PeerAuthentication, when `mtls` is set. */
  public readonly peerAuthentication?: ApiObject;

  /**
   * Creates the namespace, labelled for sidecar injection, and with `mtls` its PeerAuthentication.
   *
   * @param scope the construct this one belongs to (usually a chart)
   * @param id the construct id, also the namespace name unless `name` is given
   * @param props labels, annotations, the Istio revision and the mTLS mode (by default none of them)
   */
  constructor(scope: Construct, id: string, props: MeshNamespaceProps = {}) {
    super(scope, id);
    checkProps(this, props, PROPS);
    this.name = props.name ?? id;
    checkDnsLabel(this, 'name', this.name);
    if (NEVER_INJECTED.includes(this.name)) {
      fail(this, 'name', this.name, "is a Kubernetes system namespace, where Istio's sidecar injector never injects, so the mesh does not reach it",
        'Run your services in a namespace of their own (e.g. the team or application name)');
    }
    const labels = { ...(props.labels ?? {}) };
    checkLabels(this, 'labels', labels);
    if (Object.prototype.hasOwnProperty.call(labels, AMBIENT_LABEL)) {
      fail(this, `labels.${AMBIENT_LABEL}`, labels[AMBIENT_LABEL], 'puts the namespace in ambient mode while MeshNamespace labels it for sidecar injection; pods would get both data planes',
        `Remove '${AMBIENT_LABEL}' from labels (a MeshNamespace is a sidecar namespace)`);
    }
    for (const key of Object.keys(props.annotations ?? {})) {
      checkRenderableKey(this, 'annotations key', key);
      const problem = labelKeyError(key);
      if (problem !== undefined) {
        fail(this, 'annotations key', key, `is not a valid annotation key (${problem})`,
          "Use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.' (e.g. 'example.com/owner')");
      }
    }
    for (const reserved of ['istio-injection', 'istio.io/rev']) {
      if (Object.prototype.hasOwnProperty.call(labels, reserved)) {
        fail(this, `labels.${reserved}`, labels[reserved], 'is set by MeshNamespace itself',
          "Remove it from 'labels'; use 'revision' for revision-based installs (both labels together are IST0123)");
      }
    }
    if (props.revision !== undefined) {
      checkDnsLabel(this, 'revision', props.revision);
      labels['istio.io/rev'] = props.revision;
    } else {
      labels['istio-injection'] = 'enabled';
    }
    this.namespace = new kplus.Namespace(this, 'Namespace', {
      metadata: { name: this.name, labels, annotations: props.annotations },
    });
    const apiObject = ApiObject.of(this.namespace);
    if (Chart.of(this).namespace !== undefined) {
      // A Namespace is cluster-scoped; the chart's default namespace must not leak into it.
      apiObject.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }
    modelOf(this);
    this.applyBeforeEarlierObjects(apiObject);
    if (props.mtls !== undefined) { this.peerAuthentication = namespacePeerAuthentication(this, this.name, props.mtls, apiObject); }
  }

  /** Objects of the chart in this namespace that were declared before it depend on it. */
  private applyBeforeEarlierObjects(namespaceObject: ApiObject): void {
    const chart = Chart.of(this);
    for (const c of chart.node.findAll()) {
      if (c === namespaceObject || !ApiObject.isApiObject(c) || Chart.of(c) !== chart) { continue; }
      if (c.metadata.namespace === this.name) { c.node.addDependency(namespaceObject); }
    }
  }
}
