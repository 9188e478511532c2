/**
 * What a VirtualService is bound to: the mesh (sidecar traffic between workloads) or a Gateway
 * (traffic from outside the mesh through the gateway pods).
 */
export class Binding {
  /** Sidecar (east-west) traffic: Istio's reserved gateway name `mesh`. */
  public static readonly MESH = new Binding(undefined, undefined);

  /** The Gateway `<namespace>/<name>`. */
  public static gateway(namespace: string, name: string): Binding {
    return new Binding(namespace, name);
  }

  /** `mesh`, or the gateway as `<namespace>/<name>`, as a VirtualService references it. */
  public readonly ref: string;

  private constructor(public readonly namespace: string | undefined, public readonly name: string | undefined) {
    this.ref = name === undefined ? 'mesh' : `${namespace}/${name}`;
  }

  /** True for the mesh binding. */
  public get isMesh(): boolean {
    return this.name === undefined;
  }
}

/**
 * Who a release rule (a rule on a service's own traffic) applies to: requests from workloads in the
 * mesh, and requests an IngressEdge routes to the service's release. A service has one release per
 * audience; they differ only when a construct limits itself to one of them.
 */
export enum Audience {
  /** Requests from workloads in the mesh (the service's mesh VirtualService). */
  MESH = 'mesh',
  /** Requests from outside, routed to the release by an IngressEdge (its gateway VirtualService). */
  EDGE = 'edge',
}

/** Both audiences. */
export const ALL_AUDIENCES: readonly Audience[] = [Audience.MESH, Audience.EDGE];
