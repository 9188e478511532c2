/**
 * Jest matchers that assert where requests go, through the routing simulator.
 *
 * ```ts
 * import 'cdk8s-istio-traffic/jest'; // registers the matchers (or list it in setupFilesAfterEnv)
 *
 * expect(chart).toRoute({ host: 'reviews', headers: { 'end-user': 'jason' } }, { version: 'v2' });
 * expect(chart).toSplit({ host: 'reviews' }, { v1: 90, v2: 10 });
 * expect(chart).toAllow({ host: 'ratings', sourceLabels: { app: 'reviews' } });
 * expect(chart).toDeny({ host: 'ratings', sourceLabels: { app: 'curl' } }, { policy: 'shop/ratings-allow' });
 * ```
 *
 * The received value may be a Chart, an App, a list of manifest objects, a YAML string or a
 * RoutingSimulator. Jest matchers cannot be chained (`toRoute(...).to(...)`): a matcher returns
 * nothing, so the expectation is the second argument.
 */
import { App, Chart } from 'cdk8s';
import { fail } from '../core/errors';
import { isApp } from '../core/tree';
import { RoutingSimulator } from '../simulator/routing-simulator';
import { OutcomeKind, RoutingOutcome, SimulatedRequest } from '../simulator/types';

/** What `toRoute` expects of the outcome. Every field given must hold. */
export interface RouteExpectation {
  /**
   * All requests reach pods with this version label value.
   * @default - not checked
   */
  readonly version?: string;
  /**
   * All requests go to this DestinationRule subset.
   * @default - not checked
   */
  readonly subset?: string;
  /**
   * All requests go to this host (short name or FQDN).
   * @default - not checked
   */
  readonly host?: string;
  /**
   * The mesh answers with this status itself (404 when nothing matches, 503 when the destination has
   * no cluster or no pods, a direct response, a redirect).
   * @default - not checked
   */
  readonly status?: number;
  /**
   * The matched rule has this name.
   * @default - not checked
   */
  readonly rule?: string;
}

/** What `toAllow` and `toDeny` expect of the decision, besides allowed or denied. Every field given must hold. */
export interface AuthorizationExpectation {
  /**
   * The deciding AuthorizationPolicy, `<namespace>/<name>` (for a denial because no ALLOW rule
   * matched: one of the ALLOW policies that apply).
   * @default - not checked
   */
  readonly policy?: string;
  /**
   * Index of the deciding rule in the policy's `spec.rules`.
   * @default - not checked
   */
  readonly rule?: number;
}

/** Anything the matchers accept as the received value. */
export type RoutingTarget = Chart | App | RoutingSimulator | any[] | string;

const TOLERANCE = 0.01;

function simulatorFor(matcher: string, target: RoutingTarget): RoutingSimulator {
  if (RoutingSimulator.isRoutingSimulator(target)) { return target; }
  if (Chart.isChart(target)) { return RoutingSimulator.fromChart(target); }
  if (isApp(target)) { return RoutingSimulator.fromApp(target); }
  if (typeof target === 'string') { return RoutingSimulator.fromYaml(target); }
  if (Array.isArray(target)) { return RoutingSimulator.fromManifests(target); }
  return fail(`expect(received).${matcher}`, 'received', target, 'is not a Chart, an App, a RoutingSimulator, manifest objects or YAML text',
    'Pass the Chart or App under test, its synthesized manifests (objects or YAML text) or a RoutingSimulator');
}

function describeRequest(r: SimulatedRequest): string {
  const parts = [`${r.method ?? 'GET'} ${r.host}${r.path ?? '/'}`];
  if (r.gateway) { parts.push(`via gateway ${r.gateway}`); }
  if (r.headers && Object.keys(r.headers).length > 0) {
    parts.push(`with ${Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  }
  const source = [
    ...(r.sourceNamespace ? [r.sourceNamespace] : []),
    ...(r.sourceLabels ? [JSON.stringify(r.sourceLabels)] : []),
    ...(r.sourceServiceAccount ? [`(ServiceAccount ${r.sourceServiceAccount})`] : []),
  ];
  if (source.length > 0) { parts.push(`from ${source.join(' ')}`); }
  if (r.sourceInMesh === false) { parts.push('without a sidecar'); }
  if (r.jwtClaims) { parts.push(`with a JWT ${JSON.stringify(r.jwtClaims)}`); }
  return parts.join(' ');
}

/** A readable account of an outcome, for failure messages. */
export function describeOutcome(o: RoutingOutcome): string {
  const shares = Object.entries(o.versionShares).map(([v, s]) => `${v} ${Math.round(s * 100) / 100}%`).join(', ');
  const lines = [o.explanation];
  if (o.kind === OutcomeKind.ROUTED || o.kind === OutcomeKind.KUBERNETES_DEFAULT) { lines.push(`versions: ${shares || 'none'}`); }
  if (unavailable(o) > 0) { lines.push(`answered 503 by Envoy (no cluster or no pods): ${round(unavailable(o))}%`); }
  if (o.gatewayAuthorization && o.gatewayAuthorization !== o.authorization) { lines.push(`gateway authorization: ${o.gatewayAuthorization.explanation}`); }
  if (o.authorization && !o.explanation.includes(o.authorization.explanation)) { lines.push(`authorization: ${o.authorization.explanation}`); }
  for (const w of o.warnings) { lines.push(`warning: ${w}`); }
  return lines.join('\n  ');
}

/** Percentage of requests Envoy answers 503 (a destination without cluster or pods). */
function unavailable(o: RoutingOutcome): number {
  return o.unavailableShare ?? 0;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function all(shares: { [k: string]: number }, key: string): boolean {
  return Math.abs((shares[key] ?? 0) - 100) < TOLERANCE;
}

function hostIs(dest: string, expected: string): boolean {
  return dest === expected || dest.startsWith(`${expected}.`);
}

/** Checks an outcome against an expectation; returns what does not hold. */
export function unmetExpectations(o: RoutingOutcome, e: RouteExpectation): string[] {
  const unmet: string[] = [];
  const failing = unavailable(o) > 0 ? ` (${round(unavailable(o))}% of requests are answered 503 by Envoy)` : '';
  if (e.version !== undefined && !all(o.versionShares, e.version)) { unmet.push(`version ${e.version}${failing}`); }
  if (e.subset !== undefined && !all(o.subsetShares, e.subset)) { unmet.push(`subset ${e.subset}${failing}`); }
  if (e.host !== undefined && (o.destinations.length === 0 || unavailable(o) > 0
    || !o.destinations.every(d => d.share === 0 || hostIs(d.host, e.host!)))) {
    unmet.push(`host ${e.host}${failing}`);
  }
  if (e.status !== undefined && o.status !== e.status) { unmet.push(`status ${e.status}`); }
  if (e.rule !== undefined && o.ruleName !== e.rule) { unmet.push(`rule '${e.rule}'`); }
  return unmet;
}

/** Differences between the outcome's version shares and the expected ones (missing versions count as 0). */
export function shareDifferences(o: RoutingOutcome, expected: { [version: string]: number }): string[] {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(o.versionShares)])];
  const differences = keys.filter(k => Math.abs((o.versionShares[k] ?? 0) - (expected[k] ?? 0)) >= TOLERANCE)
    .map(k => `${k}: expected ${expected[k] ?? 0}%, got ${round(o.versionShares[k] ?? 0)}%`);
  // Requests Envoy answers 503 reach no version: a split that leaves them out is not the whole truth.
  if (unavailable(o) >= TOLERANCE) { differences.push(`${round(unavailable(o))}% of requests are answered 503 by Envoy, reaching no version`); }
  return differences;
}

const EXPECTATION_FIELDS: ReadonlyArray<keyof RouteExpectation> = ['version', 'subset', 'host', 'status', 'rule'];

/**
 * Why an expectation cannot be checked, or undefined when it can. An expectation without a single
 * field would hold for every outcome (and its negation for none): it asserts nothing.
 */
function emptyRouteExpectation(expected: RouteExpectation | undefined | null): string | undefined {
  const given = expected !== null && typeof expected === 'object'
    ? EXPECTATION_FIELDS.filter(f => (expected as any)[f] !== undefined)
    : [];
  if (given.length > 0) { return undefined; }
  return `toRoute: the expectation ${JSON.stringify(expected) ?? 'undefined'} is empty and asserts nothing: give at least one of the fields ${EXPECTATION_FIELDS.join(', ')}`;
}

/** Why a share table cannot be checked, or undefined when it can. */
function invalidShares(shares: { [version: string]: number } | undefined | null): string | undefined {
  if (shares === null || typeof shares !== 'object' || Object.keys(shares).length === 0) {
    return `toSplit: the shares ${JSON.stringify(shares) ?? 'undefined'} are empty and assert nothing: give the percentage of at least one version, e.g. { v1: 90, v2: 10 }`;
  }
  const bad = Object.entries(shares).filter(([, s]) => typeof s !== 'number' || !Number.isFinite(s));
  if (bad.length > 0) {
    return `toSplit: every share must be a finite number of percent; not: ${bad.map(([v, s]) => `${v}: ${String(s)}`).join(', ')}`;
  }
  return undefined;
}

/**
 * The result of a matcher whose expectation is unusable. Without `.not` it fails with `problem`;
 * with `.not` it throws, because "not <nothing>" would otherwise pass (or fail) without checking anything.
 */
function unusable(isNot: boolean, problem: string) {
  if (isNot) { throw new Error(problem); }
  return { pass: false, message: () => problem };
}

/** Whether jest runs the matcher under `.not` (`this` is jest's matcher context). */
function isNegated(context: unknown): boolean {
  return (context as { isNot?: boolean } | undefined)?.isNot === true;
}

/** The matchers, for `expect.extend`. */
export const routingMatchers = {
  toRoute(this: unknown, received: RoutingTarget, request: SimulatedRequest, expected: RouteExpectation) {
    const simulator = simulatorFor('toRoute', received);
    const problem = emptyRouteExpectation(expected);
    if (problem) { return unusable(isNegated(this), problem); }
    const outcome = simulator.route(request);
    const unmet = unmetExpectations(outcome, expected);
    const pass = unmet.length === 0;
    return {
      pass,
      message: () => (pass
        ? `expected ${describeRequest(request)} not to reach ${JSON.stringify(expected)}, but it does:\n  ${describeOutcome(outcome)}`
        : `expected ${describeRequest(request)} to reach ${JSON.stringify(expected)} (unmet: ${unmet.join(', ')}), but instead:\n  ${describeOutcome(outcome)}`),
    };
  },

  toSplit(this: unknown, received: RoutingTarget, request: SimulatedRequest, shares: { [version: string]: number }) {
    const simulator = simulatorFor('toSplit', received);
    const problem = invalidShares(shares);
    if (problem) { return unusable(isNegated(this), problem); }
    const outcome = simulator.route(request);
    const diff = shareDifferences(outcome, shares);
    const pass = diff.length === 0;
    return {
      pass,
      message: () => (pass
        ? `expected ${describeRequest(request)} not to split ${JSON.stringify(shares)}, but it does:\n  ${describeOutcome(outcome)}`
        : `expected ${describeRequest(request)} to split ${JSON.stringify(shares)} (${diff.join('; ')}), but instead:\n  ${describeOutcome(outcome)}`),
    };
  },
};

/**
 * What a decision does not meet of an expectation (policy, rule): the destination's decision, or
 * for a request through a Gateway the gateway's (either may be the one expected).
 */
function unmetDecision(o: RoutingOutcome, e: AuthorizationExpectation | undefined): string[] {
  if (e === undefined || e === null) { return []; }
  const unmetBy = (d: RoutingOutcome['authorization']): string[] => {
    const unmet: string[] = [];
    const policies = (d?.policy ?? '').split(', ');
    if (e.policy !== undefined && !policies.includes(e.policy)) { unmet.push(`policy ${e.policy}`); }
    if (e.rule !== undefined && d?.ruleIndex !== e.rule) { unmet.push(`rule #${e.rule}`); }
    return unmet;
  };
  const atDestination = unmetBy(o.authorization);
  if (atDestination.length === 0 || o.gatewayAuthorization === undefined) { return atDestination; }
  const atGateway = unmetBy(o.gatewayAuthorization);
  return atGateway.length === 0 ? atGateway : atDestination;
}

/** Whether every request reaches a workload and is allowed there. */
function allowedEverywhere(o: RoutingOutcome): boolean {
  return (o.kind === OutcomeKind.ROUTED || o.kind === OutcomeKind.KUBERNETES_DEFAULT) && (o.deniedShare ?? 0) < TOLERANCE;
}

/** The matchers on authorization, for `expect.extend`. */
export const authorizationMatchers = {
  toAllow(this: unknown, received: RoutingTarget, request: SimulatedRequest, expected?: AuthorizationExpectation) {
    const outcome = simulatorFor('toAllow', received).route(request);
    const unmet = unmetDecision(outcome, expected);
    const allowed = allowedEverywhere(outcome);
    const pass = allowed && unmet.length === 0;
    const also = expected && (expected.policy !== undefined || expected.rule !== undefined) ? ` by ${JSON.stringify(expected)}` : '';
    return {
      pass,
      message: () => (pass
        ? `expected ${describeRequest(request)} not to be allowed${also}, but it is:\n  ${describeOutcome(outcome)}`
        : `expected ${describeRequest(request)} to be allowed${also}${unmet.length > 0 && allowed ? ` (unmet: ${unmet.join(', ')})` : ''}, but ${outcome.kind === OutcomeKind.DENIED ? 'it is denied' : (outcome.deniedShare ?? 0) > 0 ? `${round(outcome.deniedShare!)}% of requests are denied` : allowed ? 'another decision allows it' : `it reaches no workload (${outcome.kind})`}:\n  ${describeOutcome(outcome)}`),
    };
  },

  toDeny(this: unknown, received: RoutingTarget, request: SimulatedRequest, expected?: AuthorizationExpectation) {
    const outcome = simulatorFor('toDeny', received).route(request);
    const unmet = unmetDecision(outcome, expected);
    const denied = outcome.kind === OutcomeKind.DENIED;
    const pass = denied && unmet.length === 0;
    const also = expected && (expected.policy !== undefined || expected.rule !== undefined) ? ` by ${JSON.stringify(expected)}` : '';
    return {
      pass,
      message: () => (pass
        ? `expected ${describeRequest(request)} not to be denied${also}, but it is:\n  ${describeOutcome(outcome)}`
        : `expected ${describeRequest(request)} to be denied${also}${unmet.length > 0 && denied ? ` (unmet: ${unmet.join(', ')})` : ''}, but ${denied ? 'another decision denies it' : (outcome.deniedShare ?? 0) > 0 ? `only ${round(outcome.deniedShare!)}% of requests are denied` : outcome.authorization ? 'it is allowed' : `it reaches no workload (${outcome.kind})`}:\n  ${describeOutcome(outcome)}`),
    };
  },
};

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      /** Asserts where a request goes: `expect(chart).toRoute({ host: 'reviews' }, { version: 'v2' })`. */
      toRoute(request: SimulatedRequest, expected: RouteExpectation): R;
      /** Asserts the version shares of a request: `expect(chart).toSplit({ host: 'reviews' }, { v1: 90, v2: 10 })`. */
      toSplit(request: SimulatedRequest, shares: { [version: string]: number }): R;
      /** Asserts that the destination workloads (and the gateway, for a request through one) take a request: `expect(chart).toAllow({ host: 'ratings', sourceLabels: { app: 'reviews' } })`. */
      toAllow(request: SimulatedRequest, expected?: AuthorizationExpectation): R;
      /** Asserts that the destination, or the gateway a request enters through, refuses it (403, 401 or STRICT mTLS): `expect(chart).toDeny({ host: 'ratings' }, { policy: 'shop/ratings-allow' })`. */
      toDeny(request: SimulatedRequest, expected?: AuthorizationExpectation): R;
    }
  }
}

// Importing this module inside a jest run registers the matchers.
const jestExpect = (globalThis as any).expect;
if (jestExpect && typeof jestExpect.extend === 'function') {
  jestExpect.extend(routingMatchers);
  jestExpect.extend(authorizationMatchers);
}
