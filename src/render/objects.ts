import { ApiObject, ApiObjectProps, GroupVersionKind, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { TrafficModel } from '../model/traffic-model';

/** What an Istio object is made of: its name and namespace, and a producer of its spec (Istio JSON). */
export interface IstioObjectProps {
  readonly name: string;
  readonly namespace?: string;
  /** Called at synthesis, so the spec reflects everything the constructs added until then. */
  readonly spec: () => any;
}

/**
 * An Istio object whose spec is produced from the routing model when the chart is synthesized. A
 * plain cdk8s ApiObject with a lazy spec: cdk8s renders it (tokens, key order, JSON patches) like
 * any other object. Rendering it tells the chart's model (which runs the synth-time analysis armed at validation).
 */
/**
 * The kinds and API versions the library emits. They are those of the generated bindings in
 * `imports/` (a test holds them equal); the bindings are not loaded at run time, as they are large
 * and only these three strings of them are needed.
 */
export const ISTIO_KINDS = {
  VirtualService: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' },
  DestinationRule: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule' },
  Gateway: { apiVersion: 'networking.istio.io/v1', kind: 'Gateway' },
  AuthorizationPolicy: { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' },
  PeerAuthentication: { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication' },
  RequestAuthentication: { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication' },
} as const;

/**
 * The Kubernetes Gateway API kinds the library emits (routes and Gateways of a chart written with
 * RoutingApi.GATEWAY_API, an ambient namespace's waypoint), held equal to `imports/` like ISTIO_KINDS.
 */
export const GATEWAY_API_KINDS = {
  Gateway: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' },
  HTTPRoute: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' },
  GRPCRoute: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute' },
  TCPRoute: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'TCPRoute' },
  ReferenceGrant: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ReferenceGrant' },
} as const;

/** The Gateway API route kinds. */
export type RouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute';

/**
 * An Istio object of the library: a plain cdk8s ApiObject whose `toJson()` (cdk8s' own rendering:
 * tokens, key order, JSON patches) is shared by the analysis and the output of one synthesis of its
 * chart. The analysis renders every object of the chart before the chart is written; what it
 * rendered of this object is then written as is (taken once), instead of being rendered again.
 */
class IstioApiObject extends ApiObject {
  constructor(scope: Construct, id: string, private readonly model: TrafficModel, props: ApiObjectProps) {
    super(scope, id, props);
  }

  public toJson(): any {
    const kept = this.model.takeRendered(this);
    if (kept !== undefined) { return kept; }
    const json = super.toJson();
    this.model.keepRendered(this, json);
    return json;
  }
}

function istioObject(scope: Construct, id: string, gvk: GroupVersionKind, props: IstioObjectProps): ApiObject {
  const model = TrafficModel.of(scope);
  model.addRenderedObject();
  return new IstioApiObject(scope, id, model, {
    ...gvk,
    metadata: { name: props.name, namespace: props.namespace },
    spec: Lazy.any({
      produce: () => {
        model.rendering();
        return props.spec();
      },
    }),
  });
}

/** A VirtualService rendered from the routing model. */
export function newVirtualService(scope: Construct, id: string, props: IstioObjectProps): ApiObject {
  return istioObject(scope, id, ISTIO_KINDS.VirtualService, props);
}

/** A DestinationRule rendered from the routing model. */
export function newDestinationRule(scope: Construct, id: string, props: IstioObjectProps): ApiObject {
  return istioObject(scope, id, ISTIO_KINDS.DestinationRule, props);
}

/** A Gateway rendered from an edge's servers. */
export function newGateway(scope: Construct, id: string, props: IstioObjectProps): ApiObject {
  return istioObject(scope, id, ISTIO_KINDS.Gateway, props);
}

/** An AuthorizationPolicy rendered from a construct's access rules. */
export function newAuthorizationPolicy(scope: Construct, id: string, props: IstioObjectProps): ApiObject {
  return istioObject(scope, id, ISTIO_KINDS.AuthorizationPolicy, props);
}

/** A PeerAuthentication (the mTLS mode servers accept) rendered from a construct's props. */
export function newPeerAuthentication(scope: Construct, id: string, props: IstioObjectProps): ApiObject {
  return istioObject(scope, id, ISTIO_KINDS.PeerAuthentication, props);
}

/** A RequestAuthentication (the JWT issuers a workload accepts) rendered from a construct's props. */
export function newRequestAuthentication(scope: Construct, id: string, props: IstioObjectProps): ApiObject {
  return istioObject(scope, id, ISTIO_KINDS.RequestAuthentication, props);
}

/** A Gateway API route (HTTPRoute, GRPCRoute or TCPRoute) rendered from the routing model. */
export function newRoute(scope: Construct, kind: RouteKind, props: IstioObjectProps, id: string = kind): ApiObject {
  return istioObject(scope, id, GATEWAY_API_KINDS[kind], props);
}

/** A Gateway API Gateway rendered from an edge's listeners. */
export function newGatewayApiGateway(scope: Construct, id: string, props: IstioObjectProps): ApiObject {
  return istioObject(scope, id, GATEWAY_API_KINDS.Gateway, props);
}

/** A ReferenceGrant: lets routes of one namespace refer to Services of another. */
export function newReferenceGrant(scope: Construct, id: string, props: IstioObjectProps): ApiObject {
  return istioObject(scope, id, GATEWAY_API_KINDS.ReferenceGrant, props);
}
