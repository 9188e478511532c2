/**
 * Which PeerAuthentication decides the mTLS mode a workload's sidecar accepts: one definition for the
 * analysis and the simulator, after Istio's `ComposePeerAuthentication` (istio/istio
 * pilot/pkg/security/authn) and https://istio.io/latest/docs/reference/config/security/peer_authentication/.
 */
import { namespaceOf } from './hosts';
import { record } from './manifest-fields';

/** Istio's root namespace (meshConfig.rootNamespace's default): its selector-less policies apply to the whole mesh. */
export const ROOT_NAMESPACE = 'istio-system';

/** Whether a manifest is a PeerAuthentication. */
export function isPeerAuthentication(m: any): boolean {
  return /^security\.istio\.io\//.test(m?.apiVersion ?? '') && m?.kind === 'PeerAuthentication';
}

/** The mode a workload's sidecar accepts, and the PeerAuthentication manifest that decides it (none: Istio's default). */
export interface PeerMode {
  /** STRICT, PERMISSIVE or DISABLE. */
  readonly mode: string;
  /** The deciding policy, as given; `undefined` when no policy sets a mode (PERMISSIVE). */
  readonly policy?: any;
}

/**
 * The mTLS mode the sidecar of `workload` accepts on `port` (`undefined`: the workload-wide mode).
 * At each level Istio takes only the oldest policy (the order of `peerAuthentications` stands for
 * creation time): the oldest of the workload's namespace whose selector matches it (never one in the
 * root namespace), the oldest namespace-wide one (no selector or empty labels), the oldest mesh-wide
 * one (no selector, in the root namespace). The workload's policy (its `portLevelMtls` for the port
 * first) wins, else the namespace's, else the mesh's, else PERMISSIVE; UNSET or no mode inherits from
 * the level above, also when a newer policy of the same level sets a mode.
 */
export function peerModeOf(peerAuthentications: readonly any[],
  workload: { readonly namespace: string; readonly labels: { readonly [k: string]: string } }, port?: number): PeerMode {
  const set = (m: unknown): string | undefined => (typeof m === 'string' && m !== 'UNSET' ? m : undefined);
  const labelsOf = (pa: any): { [k: string]: string } => record(pa?.spec?.selector?.matchLabels);
  const wide = (pa: any): boolean => Object.keys(labelsOf(pa)).length === 0;
  const workloadLevel = peerAuthentications.find(pa => namespaceOf(pa) === workload.namespace && namespaceOf(pa) !== ROOT_NAMESPACE && !wide(pa)
    && Object.entries(labelsOf(pa)).every(([k, v]) => workload.labels[k] === v));
  if (workloadLevel) {
    const portMode = port === undefined ? undefined : set(workloadLevel.spec?.portLevelMtls?.[String(port)]?.mode);
    const mode = portMode ?? set(workloadLevel.spec?.mtls?.mode);
    if (mode) { return { mode, policy: workloadLevel }; }
  }
  const namespaceLevel = workload.namespace === ROOT_NAMESPACE ? undefined
    : peerAuthentications.find(pa => namespaceOf(pa) === workload.namespace && wide(pa));
  const meshLevel = peerAuthentications.find(pa => namespaceOf(pa) === ROOT_NAMESPACE && wide(pa));
  for (const pa of [namespaceLevel, meshLevel]) {
    const mode = set(pa?.spec?.mtls?.mode);
    if (mode) { return { mode, policy: pa }; }
  }
  return { mode: 'PERMISSIVE' };
}
