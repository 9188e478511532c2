import {
  OutcomeKind, RoutingOutcome, SimulatedDestination, SimulatedFault, SimulatedRetries, UpstreamFailure,
} from './types';

// The pieces of a routing outcome: shares, faults, retries, and the outcomes Envoy answers itself.

/**
 * Label of `versionShares` for requests to a destination whose pods are not known (its Service is not
 * in the manifests, or has no selector).
 */
const PODS_NOT_KNOWN = '(pods not known)';

export function notFound(explanation: string, warnings: string[]): RoutingOutcome {
  return { kind: OutcomeKind.NOT_FOUND, status: 404, destinations: [], versionShares: {}, subsetShares: {}, mirrors: [], explanation, warnings };
}

/** Every request routed to destinations Envoy cannot forward to: 503. */
export function unavailable(base: Omit<RoutingOutcome, 'kind' | 'explanation' | 'versionShares' | 'subsetShares'>, explanation: string): RoutingOutcome {
  const total = base.destinations.reduce((a, d) => a + d.share, 0);
  return { ...base, kind: OutcomeKind.SERVICE_UNAVAILABLE, status: 503, versionShares: {}, subsetShares: {}, unavailableShare: total, explanation };
}

/** Why the failing destinations get a 503, for explanations. */
export function failureReasons(destinations: SimulatedDestination[]): string {
  const reasons = destinations.filter(d => d.failure !== undefined && d.share > 0).map(d => {
    const what = `host '${d.host}'${d.subset !== undefined ? ` subset '${d.subset}'` : ''}`;
    return d.failure === UpstreamFailure.CLUSTER_NOT_FOUND
      ? `${what} is not defined by any DestinationRule: no cluster, Envoy answers 503 (NC)`
      : `${what} has no running pods: Envoy answers 503 no healthy upstream (UH)`;
  });
  return reasons.join('; ');
}

export function shares(destinations: SimulatedDestination[], versionLabel: string) {
  const versionShares: { [v: string]: number } = {};
  const subsetShares: { [s: string]: number } = {};
  let unavailableShare = 0;
  const add = (m: { [k: string]: number }, k: string, v: number) => { m[k] = (m[k] ?? 0) + v; };
  for (const d of destinations) {
    if (d.failure !== undefined) {
      unavailableShare += d.share;
      continue;
    }
    add(subsetShares, d.subset ?? '(none)', d.share);
    for (const w of d.workloads) { add(versionShares, w.labels[versionLabel] ?? 'unversioned', w.share); }
    if (d.share > 0 && d.workloads.length === 0) { add(versionShares, PODS_NOT_KNOWN, d.share); }
  }
  return { versionShares, subsetShares, unavailableShare };
}

/**
 * The fault of a rule as Istio applies it (`TranslateFault` in istio/istio
 * pilot/pkg/networking/core/route/route.go): a delay takes `percentage`, else the deprecated integer
 * `percent`, else 0; an abort takes `percentage`, else 0. So a fault without a percentage hits no
 * request (istio/api HTTPFaultInjection: "If left unspecified, no request will be delayed" and "If
 * not specified, no request will be aborted").
 */
export function fault(f: any): SimulatedFault | undefined {
  if (f === null || typeof f !== 'object') { return undefined; }
  const delay = f.delay && typeof f.delay === 'object' ? f.delay : undefined;
  const abort = f.abort && typeof f.abort === 'object' ? f.abort : undefined;
  const delayGiven = delay !== undefined && (isGiven(delay.percentage) || typeof delay.percent === 'number');
  return {
    delay: delay?.fixedDelay,
    delayPercentage: delay ? (isGiven(delay.percentage) ? percentValue(delay.percentage) : (typeof delay.percent === 'number' ? delay.percent : 0)) : undefined,
    delayPercentageGiven: delay ? delayGiven : undefined,
    abortHttpStatus: abort?.httpStatus,
    abortGrpcStatus: abort?.grpcStatus,
    abortPercentage: abort ? (isGiven(abort.percentage) ? percentValue(abort.percentage) : 0) : undefined,
    abortPercentageGiven: abort ? isGiven(abort.percentage) : undefined,
  };
}

function isGiven(percentage: unknown): boolean {
  return percentage !== undefined && percentage !== null;
}

/** `percentage.value` (a Percent message without `value` is 0). */
function percentValue(percentage: any): number {
  return typeof percentage?.value === 'number' ? percentage.value : 0;
}

/** For a fault part without a percentage: a warning, and a note for the explanation (else ''). */
export function faultWithoutPercentage(f: SimulatedFault | undefined, which: string, warnings: string[]): string {
  const parts = [
    ...(f?.delayPercentageGiven === false ? ['delay'] : []),
    ...(f?.abortPercentageGiven === false ? ['abort'] : []),
  ];
  if (parts.length === 0) { return ''; }
  const what = parts.join(' and ');
  warnings.push(`${which}: fault.${parts.join(' and fault.')} has no percentage, so Istio applies it to no request (istio/api HTTPFaultInjection); write percentage: { value: 100 } to hit every request`);
  return `; its fault ${what} has no percentage and hits no request`;
}

export function retries(r: any): SimulatedRetries | undefined {
  if (!r) { return undefined; }
  return { attempts: r.attempts ?? 0, perTryTimeout: r.perTryTimeout, retryOn: r.retryOn };
}

export function round(n: number): number {
  return Math.round(n * 100) / 100;
}
