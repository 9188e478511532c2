import { IConstruct } from 'constructs';
import { failWith } from '../core/errors';

/** What one PeerAuthentication of the chart says: the mode its workloads accept, and per port. */
export interface ServerMtls {
  /** The construct that emits the PeerAuthentication. */
  readonly source: IConstruct;
  /** `STRICT`, `PERMISSIVE` or `DISABLE`, as written in the object. */
  readonly mode: string;
  /** Port-level modes, by container port. */
  readonly portModes: { readonly [port: string]: string };
}

/** The client TLS mode a construct sets on a service (or one of its subsets). */
export interface ClientMtls {
  readonly source: IConstruct;
  /** `DISABLE`, `SIMPLE`, `MUTUAL` or `ISTIO_MUTUAL`. */
  readonly mode: string;
}

/** The mode a client's TLS meets at the server, and who set it. */
export interface ServerMtlsConflict {
  /** The construct that sets the server's mode. */
  readonly server: IConstruct;
  /** The server's mode that refuses the client. */
  readonly mode: string;
  /** The container port the mode applies to; undefined for every port of the workloads. */
  readonly port?: string;
}

/**
 * The transport security the constructs of one chart declare (`TrafficModel.transportSecurity`): the PeerAuthentications of services
 * (one per service) and of namespaces (one per namespace). Clients' TLS settings are checked
 * against them when the chart is validated, so the order in which constructs are declared does not
 * matter.
 */
export class TransportSecurity {
  private readonly workloads = new Map<string, ServerMtls>();
  private readonly namespaces = new Map<string, ServerMtls>();

  /** Records the PeerAuthentication of the workloads of Service `name` in `namespace`; one per service. */
  public addWorkloadPolicy(namespace: string, name: string, policy: ServerMtls): void {
    const key = `${namespace}/${name}`;
    const existing = this.workloads.get(key);
    if (existing) {
      failWith(policy.source, 'service',
        `service '${name}' in namespace '${namespace}' already has a PeerAuthentication from ${existing.source.node.path}; of two PeerAuthentications that select the same workloads Istio applies only the oldest (CIT0012)`,
        'Use one PeerAuthenticationPolicy per service (set portModes on it for ports that differ)');
    }
    this.workloads.set(key, policy);
  }

  /** Records the namespace-wide PeerAuthentication of `namespace`; one per namespace. */
  public addNamespacePolicy(namespace: string, policy: ServerMtls): void {
    const existing = this.namespaces.get(namespace);
    if (existing) {
      failWith(policy.source, 'mtls',
        `namespace '${namespace}' already has a namespace-wide PeerAuthentication from ${existing.source.node.path}; Istio applies only the oldest of two (CIT0012)`,
        'Set the mode on one of them only');
    }
    this.namespaces.set(namespace, policy);
  }

  /**
   * The server-side modes of the workloads of Service `name` in `namespace` that refuse a client
   * sending `clientMode`: STRICT refuses anything but ISTIO_MUTUAL, DISABLE refuses ISTIO_MUTUAL.
   * The workloads' own PeerAuthentication wins over the namespace's, and its port-level modes over
   * its own mode.
   */
  public conflictsWith(namespace: string, name: string, clientMode: string): ServerMtlsConflict[] {
    const refuses = (serverMode: string) => (serverMode === 'STRICT' && clientMode !== 'ISTIO_MUTUAL')
      || (serverMode === 'DISABLE' && clientMode === 'ISTIO_MUTUAL');
    const workload = this.workloads.get(`${namespace}/${name}`);
    const ns = this.namespaces.get(namespace);
    const out: ServerMtlsConflict[] = [];
    const level = workload ?? ns;
    const portModes = Object.entries(workload?.portModes ?? {});
    // With port-level modes, the workload's own mode applies only to the ports they do not name, and
    // which ports the service's pods listen on is known to the analysis (CIT0010 per target port),
    // not here: only a named port that refuses the client is certain.
    if (level && portModes.length === 0 && refuses(level.mode)) { out.push({ server: level.source, mode: level.mode }); }
    for (const [port, mode] of portModes) {
      if (refuses(mode)) { out.push({ server: workload!.source, mode, port }); }
    }
    return out;
  }
}
