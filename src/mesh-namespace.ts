import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkDnsLabel, checkLabels, checkRenderableKey } from './core/checks';
import { fail } from './core/errors';
import { DATAPLANE_MODE_LABEL, INGRESS_USE_WAYPOINT_LABEL, USE_WAYPOINT_LABEL, WAYPOINT_NAME } from './core/mesh-labels';
import { checkProps, T } from './core/shape';
import { labelKeyError } from './core/syntax';
import { MtlsMode, namespacePeerAuthentication } from './peer-authentication-policy';
import { GATEWAY_API_KINDS } from './render/objects';
import { modelOf } from './routed-service';

/**
 * Namespaces the mesh never reaches: Istio's sidecar injector skips the Kubernetes system namespaces,
 * and its CNI agent leaves them out of ambient mode.
 */
const NEVER_INJECTED = ['kube-system', 'kube-public', 'kube-node-lease'];

/** How the pods of a namespace join the mesh. */
export enum DataPlaneMode {
  /** An Envoy sidecar in every pod (`istio-injection=enabled`, or `istio.io/rev`). */
  SIDECAR = 'sidecar',
  /**
   * Ambient mode (`istio.io/dataplane-mode=ambient`): no sidecars; the node's ztunnel carries mutual
   * TLS and L4 policy, and a waypoint proxy the L7 routing.
   */
  AMBIENT = 'ambient',
}

/** The labels MeshNamespace sets itself: from what, and what to do instead of giving them in `labels`. */
const AMBIENT_LABEL = {
  from: ', from dataPlane and waypoint',
  fix: "Remove it from 'labels'; set dataPlane: DataPlaneMode.AMBIENT for ambient mode (with a waypoint unless waypoint: false)",
};
const INJECTION_LABEL = { from: '', fix: "Remove it from 'labels'; use 'revision' for revision-based installs (both labels together are IST0123)" };
const RESERVED_LABELS: { [label: string]: { from: string; fix: string } } = {
  [DATAPLANE_MODE_LABEL]: AMBIENT_LABEL,
  [USE_WAYPOINT_LABEL]: AMBIENT_LABEL,
  [INGRESS_USE_WAYPOINT_LABEL]: AMBIENT_LABEL,
  'istio-injection': INJECTION_LABEL,
  'istio.io/rev': INJECTION_LABEL,
};

const PROPS = T.struct('MeshNamespaceProps', {
  name: T.optional(T.string()),
  revision: T.optional(T.string()),
  labels: T.optional(T.map()),
  annotations: T.optional(T.map()),
  mtls: T.optional(T.enumOf(MtlsMode, 'MtlsMode')),
  dataPlane: T.optional(T.enumOf(DataPlaneMode, 'DataPlaneMode')),
  waypoint: T.optional(T.boolean()),
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
   * instead of `istio-injection=enabled`. Sidecar mode only: the label makes that revision's
   * injector add sidecars.
   * @default - no revision: `istio-injection=enabled`
   */
  readonly revision?: string;
  /**
   * How the namespace's pods join the mesh: sidecars, or ambient mode.
   * @default DataPlaneMode.SIDECAR
   */
  readonly dataPlane?: DataPlaneMode;
  /**
   * Ambient mode only: whether the namespace gets a waypoint proxy, a Kubernetes Gateway API
   * `Gateway` named `waypoint` of class `istio-waypoint`, and the label
   * `istio.io/use-waypoint=waypoint` that sends the traffic of its services through it. Without a
   * waypoint, ambient mode is L4 only: the routing and traffic policies of this library (VirtualService
   * rules, DestinationRule subsets and policies) do not apply, and the analysis fails a namespace
   * that has routed services and no waypoint.
   * @default - true in ambient mode
   */
  readonly waypoint?: boolean;
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
 * A namespace in the mesh: its pods get the Istio sidecar, or, in ambient mode, the node's ztunnel and
 * a waypoint proxy for L7 routing. Outside the mesh none of the routing applies.
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
  /** How the namespace's pods join the mesh. */
  public readonly dataPlane: DataPlaneMode;
  /** The waypoint proxy (a Gateway API `Gateway` of class `istio-waypoint`), in ambient mode. */
  public readonly waypoint?: ApiObject;

  /**
   * Creates the namespace, labelled for sidecar injection (or ambient mode, with its waypoint), and
   * with `mtls` its PeerAuthentication.
   *
   * @param scope the construct this one belongs to (usually a chart)
   * @param id the construct id, also the namespace name unless `name` is given
   * @param props labels, annotations, the data plane, the Istio revision and the mTLS mode (by default a sidecar namespace)
   */
  constructor(scope: Construct, id: string, props: MeshNamespaceProps = {}) {
    super(scope, id);
    checkProps(this, props, PROPS);
    this.name = props.name ?? id;
    checkDnsLabel(this, 'name', this.name);
    this.dataPlane = props.dataPlane ?? DataPlaneMode.SIDECAR;
    const ambient = this.dataPlane === DataPlaneMode.AMBIENT;
    if (NEVER_INJECTED.includes(this.name)) {
      fail(this, 'name', this.name, "is a Kubernetes system namespace, which Istio's sidecar injector and ambient mode both leave out, so the mesh does not reach it",
        'Run your services in a namespace of their own (e.g. the team or application name)');
    }
    const labels = { ...(props.labels ?? {}) };
    checkLabels(this, 'labels', labels);
    if (props.waypoint !== undefined && !ambient) {
      fail(this, 'waypoint', props.waypoint, 'is for ambient mode: in sidecar mode every pod has its own L7 proxy',
        "Remove 'waypoint', or set dataPlane: DataPlaneMode.AMBIENT");
    }
    if (props.revision !== undefined && ambient) {
      fail(this, 'revision', props.revision, "labels the namespace istio.io/rev, which makes that revision's injector add sidecars to pods in ambient mode: both data planes",
        "Remove 'revision' in ambient mode (or use dataPlane: DataPlaneMode.SIDECAR for a revision-based sidecar install)");
    }
    for (const key of Object.keys(props.annotations ?? {})) {
      checkRenderableKey(this, 'annotations key', key);
      const problem = labelKeyError(key);
      if (problem !== undefined) {
        fail(this, 'annotations key', key, `is not a valid annotation key (${problem})`,
          "Use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.' (e.g. 'example.com/owner')");
      }
    }
    for (const [reserved, { from, fix }] of Object.entries(RESERVED_LABELS)) {
      if (Object.prototype.hasOwnProperty.call(labels, reserved)) {
        fail(this, `labels.${reserved}`, labels[reserved], `is set by MeshNamespace itself${from}`, fix);
      }
    }
    const withWaypoint = ambient && props.waypoint !== false;
    if (ambient) {
      labels[DATAPLANE_MODE_LABEL] = 'ambient';
      if (withWaypoint) {
        labels[USE_WAYPOINT_LABEL] = WAYPOINT_NAME;
        // Ingress traffic through the waypoint too, where the services' routes and policies are.
        labels[INGRESS_USE_WAYPOINT_LABEL] = 'true';
      }
    } else if (props.revision !== undefined) {
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
    if (withWaypoint) {
      this.waypoint = waypointGateway(this, this.name, apiObject);
      // Constructs waiting for the waypoint add their objects now, so the next step orders them too.
      modelOf(this).addWaypoint(this.name);
    }
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

/**
 * The waypoint of an ambient namespace, as `istioctl waypoint generate --for service` writes it: a
 * Gateway API Gateway of class `istio-waypoint` with one HBONE listener on port 15008, for the
 * traffic addressed to the namespace's services. Applied after the Namespace.
 */
function waypointGateway(scope: Construct, namespace: string, namespaceObject: ApiObject): ApiObject {
  const waypoint = new ApiObject(scope, 'Waypoint', {
    ...GATEWAY_API_KINDS.Gateway,
    metadata: { name: WAYPOINT_NAME, namespace, labels: { 'istio.io/waypoint-for': 'service' } },
    spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  });
  waypoint.node.addDependency(namespaceObject);
  return waypoint;
}
