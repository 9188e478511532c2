import { IConstruct } from 'constructs';
import { failWith } from '../core/errors';
import { covers, same } from '../core/match-analysis';

/** An Istio HTTPMatchRequest, in Istio's JSON field names. */
export type MatchBlock = { [field: string]: any };

/** A route destination with its relative weight. */
export interface WeightedDestination {
  readonly host: string;
  readonly subset?: string;
  readonly port?: number;
  readonly weight: number;
  /**
   * A route to the whole Service (no subset): written without a weight when it is the rule's only
   * destination, the pods sharing the requests by their number.
   */
  readonly wholeService?: boolean;
  /** Per-destination header manipulation (`route[].headers`). */
  readonly headers?: { [section: string]: any };
}

/**
 * The tier of a rule: tiers never mix, and every rule of a lower tier comes first.
 *
 * - DARK: targeted requests (dark releases), ordered by priority;
 * - AFFINITY: requests pinned to the version that served them before (version affinity);
 * - DECORATION: the normal route with something added for some requests (a conditional fault,
 *   method-restricted mirroring);
 * - ROUTE: edge routes, most specific first (exact path, longest prefix, regex, other conditions);
 * - CATCH_ALL: the rule without a match, always last.
 */
export enum Tier { DARK = 0, AFFINITY = 1, DECORATION = 2, ROUTE = 3, CATCH_ALL = 4 }

/** The fields every rule has, whatever it routes to. */
export interface RuleOrder {
  /** Who contributed the rule (named in error messages). */
  readonly source: IConstruct;
  /** Rule name (`http[].name`). */
  readonly name?: string;
  /** Match blocks: ORed with each other, conditions inside one ANDed. Empty means every request. */
  readonly match: MatchBlock[];
  readonly tier: Tier;
  /** Order inside the tier, compared element by element: lower first. */
  readonly rank: number[];
}

/** A rule as it is emitted: `http[]` of a VirtualService. */
export interface ResolvedRule {
  readonly source: IConstruct;
  readonly name?: string;
  readonly match: MatchBlock[];
  readonly route: WeightedDestination[];
  /** Extra `http[]` fields (fault, retries, timeout, mirror, rewrite, headers ...). */
  readonly options: { [field: string]: any };
}

/**
 * The one ordering of rules, for mesh and gateway VirtualServices alike: by tier, then rank, then the
 * order in which they were added (`Array.prototype.sort` is stable).
 */
export function orderRules<T extends RuleOrder>(rules: T[]): T[] {
  return [...rules].sort((a, b) => (a.tier - b.tier) || compareRank(a.rank, b.rank));
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) { return d; }
  }
  return 0;
}

/**
 * The rank of an edge route by specificity: exact paths, then longer prefixes, then regexes, then
 * other conditions; more conditions before fewer.
 */
export function specificityRank(match: MatchBlock[]): number[] {
  const kind = Math.min(...match.map(b => (b.uri?.exact !== undefined ? 0 : b.uri?.prefix !== undefined ? 1 : b.uri?.regex !== undefined ? 2 : 3)));
  const prefix = Math.max(0, ...match.map(b => (b.uri?.prefix ?? '').length));
  // A map (headers, query parameters, source labels) counts one per key; a string match (one key) or a flag one.
  const conditions = Math.max(0, ...match.map(b => Object.values(b).reduce((n: number, v: any) =>
    n + (v && typeof v === 'object' ? Object.keys(v).length : 1), 0)));
  return [kind, -prefix, -conditions];
}

/**
 * Specific rules that can never apply: every request one of their match blocks selects is taken by
 * an earlier rule (IST0130 / IST0131), or two rules send identical matches to different places.
 * `ordered` are the rules in emission order; `what` names the VirtualService for the messages.
 */
export function unreachableRules(ordered: ResolvedRule[], what: string): string[] {
  const errors: string[] = [];
  // A rule without a match (the catch-all, always last) has no block to check or to cover others with.
  const where = (r: ResolvedRule) => `'${r.name ?? '(unnamed)'}' (${r.source.node.path})`;
  ordered.forEach((later, j) => {
    for (const b of later.match) {
      for (const earlier of ordered.slice(0, j)) {
        const a = earlier.match.find(m => covers(m, b));
        if (!a) { continue; }
        if (same(a, b) && !same(earlier.route, later.route)) {
          errors.push(`[${later.source.node.path}] match: rules ${where(earlier)} and ${where(later)} of ${what} `
            + `send the same requests ${JSON.stringify(b)} to different destinations (${describeRoute(earlier.route)} vs ${describeRoute(later.route)}). `
            + 'Keep one of them, or make their conditions differ');
        } else {
          errors.push(`[${later.source.node.path}] match: rule ${where(later)} of ${what} never applies to ${JSON.stringify(b)}: `
            + `the earlier rule ${where(earlier)} with ${JSON.stringify(a)} takes all those requests first (IST0131). `
            + `Put ${where(later)} first (a DarkRelease takes a lower priority number than the broader rule), or narrow ${where(earlier)}`);
        }
        break;
      }
    }
  });
  return errors;
}

/** A route for messages: `v1 90%, v2 10%`. */
export function describeRoute(route: WeightedDestination[]): string {
  return route.filter(d => d.weight > 0).map(d => `${d.subset ?? d.host} ${d.weight}%`).join(', ');
}

/**
 * The match of a rule ANDed with the match of a release rule it follows (blocks ORed on both
 * sides). Undefined when no request can meet both; an IstioTrafficError when one match block cannot
 * express both.
 */
export function andMatches(outer: RuleOrder, inner: RuleOrder): MatchBlock[] | undefined {
  if (outer.match.length === 0) { return inner.match; }
  if (inner.match.length === 0) { return outer.match; }
  const blocks = outer.match.flatMap(a => inner.match.map(b => andBlock(outer, inner, a, b)))
    .filter((b): b is MatchBlock => b !== undefined);
  return blocks.length > 0 ? blocks : undefined;
}

const DISJOINT = Symbol('disjoint');
const MAP_FIELDS = ['headers', 'withoutHeaders', 'queryParams', 'sourceLabels'];

function andBlock(outer: RuleOrder, inner: RuleOrder, a: MatchBlock, b: MatchBlock): MatchBlock | undefined {
  const out: MatchBlock = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (out[k] === undefined) { out[k] = v; continue; }
    if (MAP_FIELDS.includes(k)) {
      out[k] = { ...out[k] };
      for (const [kk, vv] of Object.entries(v as any)) {
        if (out[k][kk] === undefined || same(out[k][kk], vv)) { out[k][kk] = vv; continue; }
        const both = k === 'sourceLabels' ? DISJOINT
          : k === 'withoutHeaders' ? broaderExclusion(outer, inner, `${k}.${kk}`, out[k][kk], vv)
            : narrower(outer, inner, `${k}.${kk}`, out[k][kk], vv, (x, y) => covers({ [k]: { [kk]: x } }, { [k]: { [kk]: y } }));
        if (both === DISJOINT) { return undefined; }
        out[k][kk] = both;
      }
      continue;
    }
    const both = narrower(outer, inner, k, out[k], v, (x, y) => covers({ [k]: x }, { [k]: y }));
    if (both === DISJOINT) { return undefined; }
    out[k] = both;
  }
  return out;
}

/**
 * Two exclusions of one header ANDed: excluding the broader match excludes the narrower one too;
 * two unrelated exclusions cannot be written in one block.
 */
function broaderExclusion(outer: RuleOrder, inner: RuleOrder, field: string, x: any, y: any): any {
  const cover = (p: any, q: any) => covers({ headers: { h: p } }, { headers: { h: q } });
  if (cover(x, y)) { return x; }
  if (cover(y, x)) { return y; }
  return failWith(outer.source, `routes[${outer.name}]`,
    `'${field}' of the route and of the release rule '${inner.name}' both exclude values of the header (${JSON.stringify(x)} and ${JSON.stringify(y)}) and one match block cannot express both`,
    'Combine the exclusions into one regex, or route this path to a version instead of the release');
}

/** The narrower of two string matches, DISJOINT when no value meets both, or an error when unknown. */
function narrower(outer: RuleOrder, inner: RuleOrder, field: string, x: any, y: any, coversFn: (x: any, y: any) => boolean): any {
  if (coversFn(x, y)) { return y; }
  if (coversFn(y, x)) { return x; }
  const literal = (m: any) => m?.exact ?? m?.prefix;
  if (literal(x) !== undefined && literal(y) !== undefined) {
    // Two literals where neither covers the other: no value meets both.
    return DISJOINT;
  }
  return failWith(outer.source, `routes[${outer.name}]`,
    `'${field}' of the route and of the release rule '${inner.name}' both constrain ${field} (${JSON.stringify(x)} and ${JSON.stringify(y)}) and one match block cannot express both`,
    'Route the release at a path the rule does not constrain, or route this path to a version instead of the release');
}
