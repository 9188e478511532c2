import { Construct } from 'constructs';
import { ReleaseScope } from './canary-service';
import { fail } from './core/errors';
import { takesEveryRequest } from './core/match-analysis';
import { checkProps, T } from './core/shape';
import { isHttpToken, isSettableHeader } from './core/syntax';
import { Audience } from './model/binding';
import { Tier, WeightedDestination } from './model/rules';
import { CONDITION_SETS_SHAPE, CONDITIONS_SHAPE, ConditionSet, renderConditions, RequestCondition } from './request-match';
import { checkService, IRoutableService, routingOf, subsetOfVersion } from './routed-service';
import { TRAFFIC_SPLIT } from './shapes';
import { TrafficSplit, VersionWeight } from './traffic-split';

const PROPS = T.struct('DarkReleaseProps', {
  service: T.any(),
  version: T.string(),
  when: T.optional(CONDITIONS_SHAPE),
  rules: T.optional(CONDITION_SETS_SHAPE),
  matchedSplit: T.optional(TRAFFIC_SPLIT),
  callPath: T.optional(T.array(T.any())),
  userAgentHeader: T.optional(T.string()),
  propagatedUserAgentHeader: T.optional(T.string()),
  priority: T.optional(T.number()),
  name: T.optional(T.string()),
  releaseScope: T.optional(T.enumOf(ReleaseScope, 'ReleaseScope')),
}, "{ service, version: 'v2', when: [RequestCondition.headerExact('end-user', 'jason')] }");

/** One rule of a dark release: a set of conditions, ANDed. */
export interface DarkRule extends ConditionSet {}

/** Props for `DarkRelease`. */
export interface DarkReleaseProps {
  /** The service whose dark version chosen requests reach (a CanaryService or ExistingService). */
  readonly service: IRoutableService;
  /** The dark version, as declared on the service. */
  readonly version: string;
  /**
   * Conditions of a single rule, ANDed. Use this or `rules`.
   * @default - use `rules`
   */
  readonly when?: RequestCondition[];
  /**
   * Several rules, ORed: a request that meets every condition of any rule goes dark.
   * @default - use `when`
   */
  readonly rules?: DarkRule[];
  /**
   * Share matched requests between the dark version (as canary) and the service's stable version,
   * e.g. `TrafficSplit.canaryPercent(50)`.
   * @default - every matched request goes to the dark version
   */
  readonly matchedSplit?: TrafficSplit;
  /**
   * The services downstream of this one on the call path. For each that has a version with the same
   * name, the same match is added to its VirtualService, so a flagged request stays dark all the way
   * down. Every application on the path must forward the headers in `headersToForward`.
   * @default - no propagation
   */
  readonly callPath?: IRoutableService[];
  /**
   * The header this service reads the browser's user agent from. Only the service the browser calls
   * sees the browser's own `User-Agent`; a service further down sees it only if the applications in
   * front copy it into a header they forward (the istio-tutorial apps use `baggage-user-agent`).
   * @default 'user-agent'
   */
  readonly userAgentHeader?: string;
  /**
   * The header that carries the browser's user agent to the services in `callPath`. When this
   * service reads the real `User-Agent`, its sidecar copies it into this header on dark requests; the
   * applications must forward it.
   * @default 'baggage-user-agent'
   */
  readonly propagatedUserAgentHeader?: string;
  /**
   * Order among the matching rules of the host: lower numbers come first. Rules with the same
   * priority keep the order in which they were declared.
   * @default 0
   */
  readonly priority?: number;
  /**
   * Name of the VirtualService rule.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Where the rule applies: to mesh requests, to requests an IngressEdge routes to the service's
   * release (`EdgeDestination.release()`), or both. The call-path propagation is mesh traffic.
   * @default ReleaseScope.MESH_AND_EDGE
   */
  readonly releaseScope?: ReleaseScope;
}

/**
 * A dark release: requests that meet chosen conditions (a tester's header, one logged-in user's
 * cookie, a browser, a path, a host, a calling service) reach a new version. Everyone else follows
 * the service's normal route.
 *
 * The rule lands in the host's one VirtualService before the catch-all route. Several dark releases
 * on one host are ordered by `priority`, then declaration order; a rule that sends the same requests
 * elsewhere than another, or that an earlier broader rule shadows, fails the synth.
 *
 * @example
 * new DarkRelease(chart, 'jason-sees-v3', {
 *   service: reviews,
 *   version: 'v3',
 *   when: [RequestCondition.headerExact('end-user', 'jason')],
 * });
 */
export class DarkRelease extends Construct {
  /** The rule name. */
  public readonly name: string;
  /** The dark version. */
  public readonly version: string;
  /**
   * Request headers every application on the call path must copy from its incoming request to its
   * outgoing calls for the release to hold past the first hop (lower case).
   */
  public readonly headersToForward: string[];
  /** Downstream services that received the same match (those with a version of the same name). */
  public readonly propagatedTo: string[];

  /**
   * Adds the dark rule to the service's VirtualService (and, with `callPath`, to the downstream
   * services' ones).
   *
   * @param scope the construct this one belongs to (usually the chart of the service)
   * @param id the construct id, also the rule name unless `name` is given
   * @param props the service, the dark version and the conditions that send a request there
   */
  constructor(scope: Construct, id: string, props: DarkReleaseProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    this.name = props.name ?? id;
    this.version = props.version;
    const service = props.service;
    checkService(this, service);
    const hereHeader = headerProp(this, 'userAgentHeader', props.userAgentHeader ?? 'user-agent');
    const uaHeader = headerProp(this, 'propagatedUserAgentHeader', props.propagatedUserAgentHeader ?? 'baggage-user-agent');
    subsetOfVersion(this, 'version', service, props.version);
    if (props.priority !== undefined && !Number.isInteger(props.priority)) {
      fail(this, 'priority', props.priority, 'is not a whole number', 'Use a whole number; lower comes first');
    }

    const rules = this.resolveRules(props);
    const field = (i: number) => (props.when ? 'when' : `rules[${i}].conditions`);
    const blocks = rules.map((r, i) => renderConditions(this, field(i), r.conditions, hereHeader));
    blocks.forEach((b, i) => {
      if (takesEveryRequest(b)) {
        fail(this, field(i), b, 'matches every request (each condition is one every request meets), so the dark release would take all traffic',
          "Give a condition only the chosen requests meet (a tester's header, a user's cookie); to move all traffic, change the service's traffic split");
      }
    });
    const readsUserAgent = rules.some(r => r.conditions.some(c => c._readsUserAgent));
    const propagate = props.callPath ?? [];

    const split: VersionWeight[] = props.matchedSplit
      ? props.matchedSplit._resolve(this, 'matchedSplit', service.versionNames, service.stableVersion, props.version)
      : [{ version: props.version, weight: 100 }];
    const route: WeightedDestination[] = split.map(w => ({ host: service.name, subset: service.subsetOf(w.version), weight: w.weight }));
    const options = readsUserAgent && propagate.length > 0 && hereHeader === 'user-agent' && uaHeader !== hereHeader
      ? { headers: { request: { set: { [uaHeader]: '%REQ(user-agent)%' } } } }
      : undefined;
    const routing = routingOf(this, service);
    const applies = props.releaseScope ?? ReleaseScope.MESH_AND_EDGE;
    routing.addReleaseRule({
      source: this,
      name: this.name,
      match: blocks,
      route,
      options,
      tier: Tier.DARK,
      rank: [props.priority ?? 0],
      audiences: [
        ...(applies !== ReleaseScope.EDGE ? [Audience.MESH] : []),
        ...(applies !== ReleaseScope.MESH ? [Audience.EDGE] : []),
      ],
    });

    this.propagatedTo = [];
    if (propagate.length > 0) {
      rules.forEach((r, i) => r.conditions.forEach((c, j) => {
        if (!c._propagates) {
          fail(this, `${field(i)}[${j}]`, c._describe, 'describes the first request only (the caller, path, host, port, method or query of a downstream call are different), so it cannot be carried along the callPath',
            'Match on a header (or a cookie or the user agent) that every service forwards, or remove callPath');
        }
      }));
    }
    if (propagate.length > 0 && readsUserAgent) {
      blocks.forEach((b, i) => {
        const has = (section: string) => b[section] !== undefined && Object.prototype.hasOwnProperty.call(b[section], hereHeader);
        if (has('withoutHeaders') && !has('headers')) {
          // The sidecar copies the user agent into the propagated header on dark requests only; a
          // downstream "header absent" rule would then match every request that did not go dark.
          fail(this, field(i), b.withoutHeaders[hereHeader], 'only excludes user agents, and downstream services see the user agent only on requests that went dark, so their copy of the rule would take every other request',
            'Match the user agents that go dark (a positive regex, e.g. UserAgent.matching(...)), or remove callPath');
        }
      });
    }
    propagate.forEach((down, i) => {
      checkService(this, down);
      if (down === service || (down.name === service.name && down.namespace === service.namespace)) {
        fail(this, `callPath[${i}]`, down.name, 'is the released service itself', 'List only the services it calls, directly or further down');
      }
      if (!down.versionNames.includes(props.version)) { return; }
      const downBlocks = rules.map((r, j) => renderConditions(this, field(j), r.conditions, uaHeader));
      routingOf(this, down).addReleaseRule({
        source: this,
        name: this.name,
        match: downBlocks,
        route: [{ host: down.name, subset: down.subsetOf(props.version), weight: 100 }],
        tier: Tier.DARK,
        rank: [props.priority ?? 0],
        audiences: [Audience.MESH],
      });
      this.propagatedTo.push(down.name);
    });

    const headers = new Set<string>(rules.flatMap(r => r.conditions.flatMap(c => c._headers)));
    if (readsUserAgent) {
      headers.delete('user-agent');
      if (hereHeader !== 'user-agent') { headers.add(hereHeader); }
      if (propagate.length > 0) { headers.add(uaHeader); }
    }
    this.headersToForward = [...headers].sort();
  }

  private resolveRules(props: DarkReleaseProps): DarkRule[] {
    if (props.when !== undefined && props.rules !== undefined) {
      fail(this, 'rules', `${props.rules.length} rule(s) and when: ${props.when.length} condition(s)`, "is given together with 'when'", "Use 'when' for one rule or 'rules' for several, not both");
    }
    if (props.when !== undefined) { return [{ conditions: props.when }]; }
    if (props.rules === undefined || props.rules.length === 0) {
      fail(this, 'rules', props.rules ?? [], 'has no rule, so no request would go dark',
        "Give the conditions in 'when', or several rules in 'rules'");
    }
    return props.rules;
  }
}

function headerProp(scope: Construct, field: string, value: string): string {
  if (!isHttpToken(value)) {
    fail(scope, field, value, 'is not a valid HTTP header name', "Use e.g. 'baggage-user-agent'");
  }
  if (!isSettableHeader(value)) {
    fail(scope, field, value, 'is a header proxies own (host, pseudo-headers, content-length, hop-by-hop headers): it cannot carry the user agent',
      "Use a header of your own that the applications forward, e.g. 'baggage-user-agent'");
  }
  return value.toLowerCase();
}
