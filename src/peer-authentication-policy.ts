import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { fail } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { checkProps, T } from './core/shape';
import { isPort } from './core/syntax';
import { newPeerAuthentication } from './render/objects';
import { checkService, IRoutableService, modelOf } from './routed-service';

/** The mutual TLS mode a workload's sidecar accepts on inbound connections (a PeerAuthentication's mode). */
export enum MtlsMode {
  /** Only Istio mutual TLS: plain-text connections (clients without a sidecar) are refused. */
  STRICT = 'STRICT',
  /** Istio mutual TLS and plain text both: the mode to migrate in. Istio's default. */
  PERMISSIVE = 'PERMISSIVE',
  /** Plain text only: clients that send Istio mutual TLS fail. */
  DISABLE = 'DISABLE',
}

const MODE = T.enumOf(MtlsMode, 'MtlsMode');

const PROPS = T.struct('PeerAuthenticationPolicyProps', {
  service: T.any(),
  mode: MODE,
  portModes: T.optional(T.map(MODE)),
}, '{ service, mode: MtlsMode.STRICT }');

/** Props for `PeerAuthenticationPolicy`. */
export interface PeerAuthenticationPolicyProps {
  /** The service whose workloads (pods labelled `app: <name>`) the policy applies to. */
  readonly service: IRoutableService;
  /** The mode for every port of the workloads that `portModes` does not name. */
  readonly mode: MtlsMode;
  /**
   * Modes for single ports, keyed by the port the container listens on (the Service's target port,
   * not the Service port: Istio matches port-level modes on the workload's port), e.g.
   * `{ 9090: MtlsMode.PERMISSIVE }` for a metrics port scraped from outside the mesh.
   * @default - every port has `mode`
   */
  readonly portModes?: { [port: string]: MtlsMode };
}

/**
 * The mutual TLS mode the workloads of one service accept: a PeerAuthentication named after the
 * service in its namespace, selecting its pods (`app: <name>`), with optional modes per container
 * port. It overrides the namespace-wide mode (`MeshNamespace` `mtls`). One per service.
 *
 * A client TLS setting the mode refuses fails the synth: `ClientTls.disable()` (or SIMPLE / MUTUAL)
 * towards STRICT, `ClientTls.istioMutual()` towards DISABLE.
 *
 * @example
 * new PeerAuthenticationPolicy(chart, 'reviews-mtls', { service: reviews, mode: MtlsMode.STRICT });
 */
export class PeerAuthenticationPolicy extends Construct {
  /** The PeerAuthentication object. */
  public readonly peerAuthentication: ApiObject;

  /**
   * Creates the service's PeerAuthentication.
   *
   * @param scope the construct this one belongs to (usually the chart of the service)
   * @param id the construct id
   * @param props the service and the modes
   */
  constructor(scope: Construct, id: string, props: PeerAuthenticationPolicyProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    checkService(this, props.service);
    const service = props.service;
    const portLevelMtls: { [port: string]: { mode: string } } = {};
    if (props.portModes !== undefined) {
      const keys = Object.keys(props.portModes);
      if (keys.length === 0) {
        fail(this, 'portModes', props.portModes, 'is empty (the CRD requires at least one port)', 'Leave portModes out, or name a container port');
      }
      for (const key of keys) {
        if (!/^[0-9]+$/.test(key) || !isPort(Number(key))) {
          fail(this, `portModes[${JSON.stringify(key)}]`, key, 'is not a port number',
            'Key each mode by the port number the container listens on (1 to 65535), e.g. { 9090: MtlsMode.PERMISSIVE }');
        }
        portLevelMtls[String(Number(key))] = { mode: props.portModes[key] };
      }
    }
    const namespace = service.namespace ?? DEFAULT_NAMESPACE;
    modelOf(this).transportSecurity.addWorkloadPolicy(namespace, service.name, {
      source: this,
      mode: props.mode,
      portModes: Object.fromEntries(Object.entries(portLevelMtls).map(([k, v]) => [k, v.mode])),
    });
    const spec = {
      selector: { matchLabels: { app: service.name } },
      mtls: { mode: props.mode },
      ...(Object.keys(portLevelMtls).length > 0 ? { portLevelMtls } : {}),
    };
    this.peerAuthentication = newPeerAuthentication(this, 'PeerAuthentication', {
      name: service.name, namespace: service.namespace, spec: () => spec,
    });
  }
}

/**
 * The namespace-wide PeerAuthentication of `namespace` (named `default`, without a selector), for
 * `scope` (a MeshNamespace), applied after `namespaceObject`. One per namespace.
 * @internal
 */
export function namespacePeerAuthentication(scope: IConstruct, namespace: string, mode: MtlsMode, namespaceObject: IConstruct): ApiObject {
  const construct = scope as Construct;
  modelOf(construct).transportSecurity.addNamespacePolicy(namespace, { source: construct, mode, portModes: {} });
  const pa = newPeerAuthentication(construct, 'PeerAuthentication', { name: 'default', namespace, spec: () => ({ mtls: { mode } }) });
  pa.node.addDependency(namespaceObject);
  return pa;
}
