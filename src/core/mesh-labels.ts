/**
 * The labels by which Istio's ambient mode enrols a namespace and binds it (or a Service) to a
 * waypoint proxy: set by MeshNamespace, read by the analysis.
 */

/** The label that puts a namespace in ambient mode (`ambient`). */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
/** The label that sends a namespace's (or a Service's) traffic through the waypoint it names. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';

/**
 * The label that sends the traffic of an ingress gateway to a namespace's (or a Service's) waypoint
 * too; without it, ingress traffic goes straight to the pods, past the waypoint's routes and
 * authorization policies (https://istio.io/latest/docs/ambient/usage/waypoint/).
 */
export const INGRESS_USE_WAYPOINT_LABEL = 'istio.io/ingress-use-waypoint';
/** The name of the waypoint Gateway MeshNamespace writes (and of the ServiceAccount Istio runs it under). */
export const WAYPOINT_NAME = 'waypoint';

/** Whether a namespace's labels put it in ambient mode. */
export function isAmbient(labels: Record<string, unknown> | undefined): boolean {
  return labels?.[DATAPLANE_MODE_LABEL] === 'ambient';
}

/** Whether labels bind a namespace or a Service to a waypoint (`none` opts out). */
export function usesWaypoint(labels: Record<string, unknown> | undefined): boolean {
  const w = labels?.[USE_WAYPOINT_LABEL];
  return typeof w === 'string' && w !== '' && w !== 'none';
}
