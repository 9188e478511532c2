import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  comparePrecedence, gatewayApiCannotSet, isGatewayApi, isGatewayApiObject, isRoutingApi, ROUTING_API_CONTEXT, RoutingApi, routingApiAt,
} from '../src/core/routing-api';
import { andMatches, describeRoute, MatchBlock, orderRules, ResolvedRule, RuleOrder, specificityRank, Tier, unreachableRules } from '../src/model/rules';
import { renderRoute } from '../src/render/istio';

/**
 * Unit tests of the rules of one host (src/model/rules.ts): the one ordering of mesh and edge rules,
 * the specificity rank of edge routes, the rules that can never apply, and the AND of a route's
 * match with a release rule's match; how route destinations are written; the order pilot gives
 * Gateway API rules, and the choice of routing API.
 */

const chart = new Chart(new App(), 'c');
const edge = new Construct(chart, 'edge');
const release = new Construct(chart, 'release');

function rule(name: string, tier: Tier, rank: number[], match: MatchBlock[] = []): RuleOrder {
  return { source: edge, name, match, tier, rank };
}

function resolved(name: string, match: MatchBlock[], subset: string, source: Construct = edge): ResolvedRule {
  return { source, name, match, route: [{ host: 'reviews', subset, weight: 100 }], options: {} };
}

describe('orderRules: tier, then rank element by element, then the order of addition', () => {
  test('tiers come in their order whatever the ranks', () => {
    const rules = [rule('all', Tier.CATCH_ALL, [-9]), rule('route', Tier.ROUTE, [-9]), rule('deco', Tier.DECORATION, [9]),
      rule('pin', Tier.AFFINITY, [9]), rule('dark', Tier.DARK, [9])];
    expect(orderRules(rules).map(r => r.name)).toEqual(['dark', 'pin', 'deco', 'route', 'all']);
  });

  test('inside a tier the lower rank comes first, compared element by element', () => {
    const rules = [rule('b', Tier.ROUTE, [1, 5]), rule('a', Tier.ROUTE, [1, 2]), rule('c', Tier.ROUTE, [0, 9]), rule('d', Tier.ROUTE, [2])];
    expect(orderRules(rules).map(r => r.name)).toEqual(['c', 'a', 'b', 'd']);
  });

  test('a missing rank element counts as 0: [1] ties with [1, 0], comes after [1, -1] and before [1, 1]', () => {
    const rules = [rule('plus', Tier.ROUTE, [1, 1]), rule('short', Tier.ROUTE, [1]), rule('zero', Tier.ROUTE, [1, 0]), rule('minus', Tier.ROUTE, [1, -1])];
    expect(orderRules(rules).map(r => r.name)).toEqual(['minus', 'short', 'zero', 'plus']);
    // And the other way round: a longer rank that ties keeps the order of addition.
    expect(orderRules([rule('zero', Tier.ROUTE, [1, 0]), rule('short', Tier.ROUTE, [1])]).map(r => r.name)).toEqual(['zero', 'short']);
  });

  test('equal tier and rank keep the order in which the rules were added (a stable sort)', () => {
    const names = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11'];
    expect(orderRules(names.map(n => rule(n, Tier.DARK, [3]))).map(r => r.name)).toEqual(names);
    expect(orderRules(names.map(n => rule(n, Tier.DARK, []))).map(r => r.name)).toEqual(names);
  });

  test('returns a new list and leaves its input as it was', () => {
    const rules = [rule('b', Tier.ROUTE, [2]), rule('a', Tier.ROUTE, [1])];
    const ordered = orderRules(rules);
    expect(ordered).not.toBe(rules);
    expect(rules.map(r => r.name)).toEqual(['b', 'a']);
    expect(ordered[0]).toBe(rules[1]);
  });
});

describe('specificityRank: exact path, then longer prefixes, then regexes, then other conditions; more conditions first', () => {
  test('the kind of path match is the first element, the most specific block of a rule counting', () => {
    expect(specificityRank([{ uri: { exact: '/a' } }])[0]).toBe(0);
    expect(specificityRank([{ uri: { prefix: '/a' } }])[0]).toBe(1);
    expect(specificityRank([{ uri: { regex: '/a.*' } }])[0]).toBe(2);
    expect(specificityRank([{ headers: { x: { exact: '1' } } }])[0]).toBe(3);
    expect(specificityRank([{ headers: { x: { exact: '1' } } }, { uri: { prefix: '/p' } }])[0]).toBe(1);
    expect(specificityRank([{ uri: { regex: '/r' } }, { uri: { exact: '/e' } }])[0]).toBe(0);
  });

  test('a longer prefix ranks before a shorter one (the negated length of the longest prefix)', () => {
    expect(specificityRank([{ uri: { prefix: '/api/v1' } }])[1]).toBe(-7);
    expect(specificityRank([{ uri: { prefix: '/a' } }, { uri: { prefix: '/abcd' } }])[1]).toBe(-5);
    expect(specificityRank([{ uri: { exact: '/abcdef' } }])[1]).toBe(-0);
    expect(specificityRank([{ headers: { x: { exact: '1' } } }])[1]).toBe(-0);
  });

  test('conditions are counted per block: a string match counts one, each key of a map one', () => {
    expect(specificityRank([{ uri: { prefix: '/' } }])[2]).toBe(-1);
    expect(specificityRank([{ uri: { prefix: '/' }, method: { exact: 'GET' } }])[2]).toBe(-2);
    expect(specificityRank([{ headers: { a: { exact: '1' }, b: { prefix: '2' }, c: { regex: '3' } } }])[2]).toBe(-3);
    expect(specificityRank([{ uri: { exact: '/x' }, sourceLabels: { app: 'a', version: 'v1' }, ignoreUriCase: true }])[2]).toBe(-4);
    // The block with the most conditions counts.
    expect(specificityRank([{ uri: { prefix: '/' } }, { queryParams: { q: { exact: '1' }, r: { exact: '2' } }, method: { exact: 'GET' } }])[2]).toBe(-3);
  });

  test('ordered by that rank, routes come most specific first', () => {
    const route = (name: string, match: MatchBlock[]) => rule(name, Tier.ROUTE, specificityRank(match), match);
    const rules = [
      route('header', [{ headers: { x: { exact: '1' } } }]),
      route('short', [{ uri: { prefix: '/a' } }]),
      route('regex', [{ uri: { regex: '/a/[0-9]+' } }]),
      route('long', [{ uri: { prefix: '/a/b' } }]),
      route('long-get', [{ uri: { prefix: '/a/b' }, method: { exact: 'GET' } }]),
      route('exact', [{ uri: { exact: '/a/b/c' } }]),
    ];
    expect(orderRules(rules).map(r => r.name)).toEqual(['exact', 'long-get', 'long', 'short', 'regex', 'header']);
  });
});

describe('unreachableRules: rules an earlier rule takes every request of (IST0131), and duplicates', () => {
  test('a later rule whose match an earlier one covers is reported with both rules, the match and the fix', () => {
    const errors = unreachableRules([
      resolved('broad', [{ uri: { prefix: '/api' } }], 'v1'),
      resolved('narrow', [{ uri: { prefix: '/api/v2' } }], 'v2', release),
    ], "VirtualService 'reviews'");
    expect(errors).toEqual([
      "[c/release] match: rule 'narrow' (c/release) of VirtualService 'reviews' never applies to {\"uri\":{\"prefix\":\"/api/v2\"}}: "
      + "the earlier rule 'broad' (c/edge) with {\"uri\":{\"prefix\":\"/api\"}} takes all those requests first (IST0131). "
      + "Put 'narrow' (c/release) first (a DarkRelease takes a lower priority number than the broader rule), or narrow 'broad' (c/edge)",
    ]);
  });

  test('the same match sent to different destinations is a conflict; to the same destination it is only unreachable', () => {
    const m = [{ headers: { 'end-user': { exact: 'jason' } } }];
    const conflict = unreachableRules([resolved('one', m, 'v1'), resolved('two', m, 'v2')], 'the VS');
    expect(conflict).toHaveLength(1);
    expect(conflict[0]).toMatch(/^\[c\/edge\] match: rules 'one' \(c\/edge\) and 'two' \(c\/edge\) of the VS send the same requests .*end-user.* to different destinations \(v1 100% vs v2 100%\)\. Keep one of them, or make their conditions differ$/);
    const repeat = unreachableRules([resolved('one', m, 'v1'), resolved('two', m, 'v1')], 'the VS');
    expect(repeat).toHaveLength(1);
    expect(repeat[0]).toMatch(/rule 'two' \(c\/edge\) of the VS never applies/);
  });

  test('an unnamed rule is shown as (unnamed)', () => {
    const errors = unreachableRules([
      { ...resolved('x', [{ uri: { prefix: '/' } }], 'v1'), name: undefined },
      { ...resolved('y', [{ uri: { exact: '/a' } }], 'v2'), name: undefined },
    ], 'vs');
    expect(errors[0]).toMatch(/rule '\(unnamed\)' \(c\/edge\) of vs never applies.*the earlier rule '\(unnamed\)'/);
  });

  test('each block of a later rule is checked against every earlier rule, reporting the first that covers it', () => {
    const errors = unreachableRules([
      resolved('a', [{ uri: { prefix: '/a' } }], 'v1'),
      resolved('b', [{ uri: { prefix: '/b' } }], 'v1'),
      resolved('late', [{ uri: { prefix: '/b/x' } }, { uri: { prefix: '/a/x' } }, { uri: { prefix: '/c' } }], 'v2'),
    ], 'vs');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/never applies to \{"uri":\{"prefix":"\/b\/x"\}\}: the earlier rule 'b'/);
    expect(errors[1]).toMatch(/never applies to \{"uri":\{"prefix":"\/a\/x"\}\}: the earlier rule 'a'/);
  });

  test('the earlier rule of two that both cover a block is the one named, once', () => {
    const errors = unreachableRules([
      resolved('first', [{ uri: { prefix: '/' } }], 'v1'),
      resolved('second', [{ uri: { prefix: '/a' } }], 'v1'),
      resolved('third', [{ uri: { prefix: '/a/b' } }], 'v2'),
    ], 'vs');
    expect(errors.filter(e => e.includes("rule 'third'"))).toEqual([expect.stringMatching(/the earlier rule 'first'/)]);
    expect(errors).toHaveLength(2);
  });

  test('the earlier rule block that covers is the one shown, not its first block', () => {
    const errors = unreachableRules([
      resolved('two-blocks', [{ uri: { exact: '/other' } }, { uri: { prefix: '/a' } }], 'v1'),
      resolved('late', [{ uri: { prefix: '/a/b' } }], 'v2'),
    ], 'vs');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/the earlier rule 'two-blocks' \(c\/edge\) with \{"uri":\{"prefix":"\/a"\}\} takes/);
  });

  test('nothing to report: disjoint rules, a broader rule after a narrower one, and rules without a match', () => {
    expect(unreachableRules([
      resolved('b', [{ uri: { prefix: '/b' } }], 'v2'),
      resolved('ab', [{ uri: { prefix: '/a/b' } }], 'v2'),
      resolved('a', [{ uri: { prefix: '/a' } }], 'v1'),
    ], 'vs')).toEqual([]);
    expect(unreachableRules([resolved('narrow', [{ uri: { prefix: '/a/b' } }], 'v2'), resolved('broad', [{ uri: { prefix: '/a' } }], 'v1')], 'vs')).toEqual([]);
    // The catch-all (no match) takes everything but is last; a catch-all before a rule is not this check's business.
    expect(unreachableRules([resolved('all', [], 'v1'), resolved('x', [{ uri: { prefix: '/x' } }], 'v2'), resolved('all2', [], 'v2')], 'vs')).toEqual([]);
    expect(unreachableRules([], 'vs')).toEqual([]);
  });
});

describe('describeRoute', () => {
  test('lists the destinations with a weight, by subset or else host', () => {
    expect(describeRoute([
      { host: 'reviews', subset: 'v1', weight: 90 },
      { host: 'reviews', subset: 'v2', weight: 10 },
      { host: 'reviews', subset: 'v3', weight: 0 },
      { host: 'ratings.other.svc.cluster.local', weight: 5 },
    ])).toBe('v1 90%, v2 10%, ratings.other.svc.cluster.local 5%');
    expect(describeRoute([{ host: 'reviews', subset: 'v1', weight: 0 }])).toBe('');
  });
});

describe('andMatches: a route ANDed with the release rule it follows', () => {
  const outer = (match: MatchBlock[]): RuleOrder => ({ source: edge, name: 'shop', match, tier: Tier.ROUTE, rank: [] });
  const inner = (match: MatchBlock[]): RuleOrder => ({ source: release, name: 'beta', match, tier: Tier.DARK, rank: [] });

  test('a side without a match is every request: the other side is the answer', () => {
    const m = [{ uri: { prefix: '/a' } }];
    expect(andMatches(outer([]), inner(m))).toBe(m);
    expect(andMatches(outer(m), inner([]))).toBe(m);
    expect(andMatches(outer([]), inner([]))).toEqual([]);
  });

  test('different fields are combined in one block; blocks are crossed (ORs on both sides)', () => {
    expect(andMatches(outer([{ uri: { prefix: '/a' } }, { uri: { prefix: '/b' } }]),
      inner([{ headers: { x: { exact: '1' } } }, { queryParams: { q: { exact: '2' } } }]))).toEqual([
      { uri: { prefix: '/a' }, headers: { x: { exact: '1' } } },
      { uri: { prefix: '/a' }, queryParams: { q: { exact: '2' } } },
      { uri: { prefix: '/b' }, headers: { x: { exact: '1' } } },
      { uri: { prefix: '/b' }, queryParams: { q: { exact: '2' } } },
    ]);
  });

  test('one field on both sides: the narrower match, whichever side it is on', () => {
    expect(andMatches(outer([{ uri: { prefix: '/a' } }]), inner([{ uri: { prefix: '/a/b' } }]))).toEqual([{ uri: { prefix: '/a/b' } }]);
    expect(andMatches(outer([{ uri: { prefix: '/a/b' } }]), inner([{ uri: { prefix: '/a' } }]))).toEqual([{ uri: { prefix: '/a/b' } }]);
    expect(andMatches(outer([{ uri: { prefix: '/a' } }]), inner([{ uri: { exact: '/a/x' } }]))).toEqual([{ uri: { exact: '/a/x' } }]);
  });

  test('two literals neither of which covers the other meet no request: the block is dropped, and with no block left there is no rule', () => {
    expect(andMatches(outer([{ uri: { prefix: '/a' } }]), inner([{ uri: { prefix: '/b' } }]))).toBeUndefined();
    expect(andMatches(outer([{ uri: { exact: '/a' } }]), inner([{ uri: { prefix: '/b' } }]))).toBeUndefined();
    expect(andMatches(outer([{ uri: { prefix: '/a' } }, { uri: { prefix: '/b/c' } }]), inner([{ uri: { prefix: '/b' } }])))
      .toEqual([{ uri: { prefix: '/b/c' } }]);
  });

  test('header and query maps are merged key by key; one key on both sides gives the narrower match', () => {
    expect(andMatches(outer([{ headers: { a: { exact: '1' } } }]), inner([{ headers: { b: { exact: '2' } } }])))
      .toEqual([{ headers: { a: { exact: '1' }, b: { exact: '2' } } }]);
    expect(andMatches(outer([{ headers: { a: { prefix: 'x' } } }]), inner([{ headers: { a: { exact: 'xy' } } }])))
      .toEqual([{ headers: { a: { exact: 'xy' } } }]);
    expect(andMatches(outer([{ queryParams: { q: { exact: '1' } } }]), inner([{ queryParams: { q: { exact: '1' } } }])))
      .toEqual([{ queryParams: { q: { exact: '1' } } }]);
    expect(andMatches(outer([{ queryParams: { q: { exact: '1' } } }]), inner([{ queryParams: { q: { exact: '2' } } }]))).toBeUndefined();
  });

  test('the merged map is a copy: the route\'s own match is left as it was', () => {
    const route = [{ headers: { a: { exact: '1' } } }];
    andMatches(outer(route), inner([{ headers: { b: { exact: '2' } } }]));
    expect(route).toEqual([{ headers: { a: { exact: '1' } } }]);
  });

  test('source labels: the same value is kept, different values meet no request', () => {
    expect(andMatches(outer([{ sourceLabels: { app: 'a' } }]), inner([{ sourceLabels: { app: 'a', version: 'v1' } }])))
      .toEqual([{ sourceLabels: { app: 'a', version: 'v1' } }]);
    expect(andMatches(outer([{ sourceLabels: { app: 'a' } }]), inner([{ sourceLabels: { app: 'b' } }]))).toBeUndefined();
  });

  test('two exclusions of one header: the broader one is kept, whichever side it is on', () => {
    const presence = { regex: '.*' };
    expect(andMatches(outer([{ withoutHeaders: { x: presence } }]), inner([{ withoutHeaders: { x: { exact: '1' } } }])))
      .toEqual([{ withoutHeaders: { x: presence } }]);
    expect(andMatches(outer([{ withoutHeaders: { x: { exact: '1' } } }]), inner([{ withoutHeaders: { x: presence } }])))
      .toEqual([{ withoutHeaders: { x: presence } }]);
  });

  test('two unrelated exclusions of one header cannot be one block: an error naming the route, the release, the values and the fix', () => {
    expect(() => andMatches(outer([{ withoutHeaders: { x: { exact: '1' } } }]), inner([{ withoutHeaders: { x: { exact: '2' } } }])))
      .toThrow("[c/edge] routes[shop]: 'withoutHeaders.x' of the route and of the release rule 'beta' both exclude values of the header "
        + '({"exact":"1"} and {"exact":"2"}) and one match block cannot express both. Combine the exclusions into one regex, or route this path to a version instead of the release');
  });

  test('a regex that neither covers nor is covered by the other match cannot be one block: an error', () => {
    expect(() => andMatches(outer([{ uri: { prefix: '/a' } }]), inner([{ uri: { regex: '/[ab]/x' } }])))
      .toThrow("[c/edge] routes[shop]: 'uri' of the route and of the release rule 'beta' both constrain uri ({\"prefix\":\"/a\"} and {\"regex\":\"/[ab]/x\"}) "
        + 'and one match block cannot express both. Route the release at a path the rule does not constrain, or route this path to a version instead of the release');
    expect(() => andMatches(outer([{ headers: { h: { regex: 'a|b' } } }]), inner([{ headers: { h: { exact: 'c' } } }])))
      .toThrow(/routes\[shop\]: 'headers\.h' of the route and of the release rule 'beta' both constrain headers\.h \(\{"regex":"a\|b"\} and \{"exact":"c"\}\)/);
    expect(() => andMatches(outer([{ headers: { h: { exact: 'c' } } }]), inner([{ headers: { h: { regex: 'a|b' } } }])))
      .toThrow(/both constrain headers\.h/);
  });
});

describe('renderRoute: the destinations of one rule as Istio writes them', () => {
  test('zero weights are dropped, the others written as given (Istio treats them as relative)', () => {
    expect(renderRoute([
      { host: 'reviews', subset: 'v1', weight: 3 },
      { host: 'reviews', subset: 'v2', weight: 0 },
      { host: 'reviews', subset: 'v3', weight: 1 },
    ])).toEqual([
      { destination: { host: 'reviews', subset: 'v1' }, weight: 3 },
      { destination: { host: 'reviews', subset: 'v3' }, weight: 1 },
    ]);
  });

  test('a single live destination is written at 100, whatever its weight', () => {
    expect(renderRoute([{ host: 'reviews', subset: 'v1', weight: 7 }, { host: 'reviews', subset: 'v2', weight: 0 }]))
      .toEqual([{ destination: { host: 'reviews', subset: 'v1' }, weight: 100 }]);
  });

  test('when every weight is zero, all are written (the analysis reports such a rule)', () => {
    expect(renderRoute([{ host: 'a', subset: 'v1', weight: 0 }, { host: 'a', subset: 'v2', weight: 0 }]))
      .toEqual([{ destination: { host: 'a', subset: 'v1' }, weight: 0 }, { destination: { host: 'a', subset: 'v2' }, weight: 0 }]);
  });

  test('a lone route to the whole Service has no weight (the pods share the requests); one of several keeps its weight', () => {
    expect(renderRoute([{ host: 'reviews', weight: 100, wholeService: true }])).toEqual([{ destination: { host: 'reviews' } }]);
    expect(renderRoute([{ host: 'reviews', weight: 80, wholeService: true }, { host: 'reviews', subset: 'v2', weight: 20 }]))
      .toEqual([{ destination: { host: 'reviews' }, weight: 80 }, { destination: { host: 'reviews', subset: 'v2' }, weight: 20 }]);
    expect(renderRoute([{ host: 'reviews', weight: 100, wholeService: false }])).toEqual([{ destination: { host: 'reviews' }, weight: 100 }]);
  });

  test('the port and per-destination headers are written when given, nothing else', () => {
    const headers = { request: { set: { 'x-v': '2' } } };
    expect(renderRoute([{ host: 'reviews', subset: 'v2', port: 9080, weight: 100, headers }]))
      .toEqual([{ destination: { host: 'reviews', subset: 'v2', port: { number: 9080 } }, weight: 100, headers }]);
    const [plain] = renderRoute([{ host: 'reviews', weight: 100 }]);
    expect(Object.keys(plain)).toEqual(['destination', 'weight']);
    expect(Object.keys(plain.destination)).toEqual(['host']);
  });
});

describe("comparePrecedence: pilot's order of the Gateway API rules of one parent", () => {
  const exact = (value: string, more: any = {}) => ({ path: { type: 'Exact', value }, ...more });
  const prefix = (value: string, more: any = {}) => ({ path: { type: 'PathPrefix', value }, ...more });
  const regex = (value: string, more: any = {}) => ({ path: { type: 'RegularExpression', value }, ...more });
  const sorted = (...ms: any[]) => [...ms].sort(comparePrecedence);

  test('exact paths, then prefixes, then regexes; a match without a path is the prefix \'/\'; a gRPC match without a method is last', () => {
    const none = { path: { type: 'None' } };
    const noPath = { headers: [{ name: 'x', value: '1' }] };
    expect(sorted(none, regex('/a'), noPath, prefix('/a'), exact('/a'))).toEqual([exact('/a'), prefix('/a'), noPath, regex('/a'), none]);
    expect(comparePrecedence(none, none)).toBe(0);
  });

  test("a gRPC service prefix ('Prefix') ranks with the prefixes by its whole length, its trailing '/' counted", () => {
    const grpc = { path: { type: 'Prefix', value: '/ab/' } };
    // As 'Prefix', '/ab/' is 4 long; as a PathPrefix it loses its '/' and is 3 long.
    expect(sorted(prefix('/ab/'), grpc, regex('/abcdefgh'), exact('/a'))).toEqual([exact('/a'), grpc, prefix('/ab/'), regex('/abcdefgh')]);
    expect(sorted(grpc, prefix('/abcde/'))).toEqual([prefix('/abcde/'), grpc]);
  });

  test('inside one kind, the longer path first', () => {
    expect(sorted(prefix('/a'), prefix('/abc'), prefix('/ab'))).toEqual([prefix('/abc'), prefix('/ab'), prefix('/a')]);
    expect(sorted(exact('/a'), exact('/abc'))).toEqual([exact('/abc'), exact('/a')]);
    expect(sorted(regex('/a'), regex('/a.*'))).toEqual([regex('/a.*'), regex('/a')]);
  });

  test("a prefix's trailing '/' does not count (Istio drops it), except for '/' itself", () => {
    expect(comparePrecedence(prefix('/ab/'), prefix('/ab'))).toBe(0);
    expect(comparePrecedence(prefix('/ab/'), prefix('/abc'))).toBeGreaterThan(0);
    expect(comparePrecedence(prefix('/'), { headers: [] })).toBe(0);
    expect(comparePrecedence(prefix('/'), prefix('/a'))).toBeGreaterThan(0);
    // The exact and regex forms keep theirs.
    expect(comparePrecedence(exact('/ab/'), exact('/abc'))).toBe(0);
    expect(comparePrecedence(regex('/ab/'), regex('/abc'))).toBe(0);
  });

  test('on equal paths: a method first, then more headers, then more query parameters', () => {
    const get = prefix('/a', { method: 'GET' });
    const twoHeaders = prefix('/a', { headers: [{ name: 'x', value: '1' }, { name: 'y', value: '2' }] });
    const oneHeader = prefix('/a', { headers: [{ name: 'x', value: '1' }] });
    const query = prefix('/a', { queryParams: [{ name: 'q', value: '1' }] });
    expect(sorted(prefix('/a'), query, oneHeader, twoHeaders, get)).toEqual([get, twoHeaders, oneHeader, query, prefix('/a')]);
    expect(comparePrecedence(get, prefix('/a', { method: 'POST' }))).toBe(0);
    expect(comparePrecedence(prefix('/a'), get)).toBeGreaterThan(0);
    expect(comparePrecedence(get, prefix('/a'))).toBeLessThan(0);
    // The method counts before the headers, and the headers before the query parameters.
    expect(comparePrecedence(get, twoHeaders)).toBeLessThan(0);
    expect(comparePrecedence(oneHeader, prefix('/a', { queryParams: [{ name: 'q', value: '1' }, { name: 'r', value: '2' }] }))).toBeLessThan(0);
  });
});

describe('the routing API of a chart', () => {
  test('the values of RoutingApi, and which are Gateway API', () => {
    expect([RoutingApi.ISTIO, RoutingApi.GATEWAY_API, RoutingApi.GATEWAY_API_EXPERIMENTAL].map(isRoutingApi)).toEqual([true, true, true]);
    expect(['ISTIO', 'gateway', '', null, undefined, 1].map(isRoutingApi)).toEqual([false, false, false, false, false, false]);
    expect([RoutingApi.ISTIO, RoutingApi.GATEWAY_API, RoutingApi.GATEWAY_API_EXPERIMENTAL].map(isGatewayApi)).toEqual([false, true, true]);
  });

  test('a Gateway API object is one of the gateway.networking.k8s.io group, of the kind when one is asked for', () => {
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' };
    expect(isGatewayApiObject(route)).toBe(true);
    expect(isGatewayApiObject(route, 'HTTPRoute')).toBe(true);
    expect(isGatewayApiObject(route, 'Gateway')).toBe(false);
    expect(isGatewayApiObject({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway' })).toBe(false);
    expect(isGatewayApiObject({ apiVersion: 'x.gateway.networking.k8s.io/v1' })).toBe(false);
    expect(isGatewayApiObject({ apiVersion: 1 })).toBe(false);
    expect(isGatewayApiObject(null)).toBe(false);
  });

  test('the nearest setting in the construct tree, ISTIO without one; a value that is not a RoutingApi fails', () => {
    const app = new App();
    expect(routingApiAt(new Chart(app, 'plain'))).toBe(RoutingApi.ISTIO);
    const gw = new Chart(app, 'gw');
    gw.node.setContext(ROUTING_API_CONTEXT, RoutingApi.GATEWAY_API);
    expect(routingApiAt(new Construct(gw, 'x'))).toBe(RoutingApi.GATEWAY_API);
    const bad = new Chart(app, 'bad');
    bad.node.setContext(ROUTING_API_CONTEXT, 'gamma');
    expect(() => routingApiAt(new Construct(bad, 'x'))).toThrow(
      "[bad/x] context 'cdk8s-istio-traffic:routingApi': 'gamma' is not a RoutingApi. Set it with RoutingApiSetting.use(app, RoutingApi.GATEWAY_API), "
      + "or to 'istio', 'gateway-api' or 'gateway-api-experimental'");
  });

  test('the rule options a Gateway API route cannot carry, and what each does', () => {
    for (const field of ['headers', 'rewrite', 'mirror', 'mirrorPercentage', 'mirrors', 'timeout']) {
      expect(gatewayApiCannotSet(field)).toBeUndefined();
    }
    expect(gatewayApiCannotSet('retries')).toMatch(/^sets retries \(the standard channel .* RoutingApi\.GATEWAY_API_EXPERIMENTAL writes it\)$/);
    expect(gatewayApiCannotSet('retries', true)).toBeUndefined();
    expect(gatewayApiCannotSet('fault', true)).toBe('injects a fault (delay or abort)');
    expect(gatewayApiCannotSet('corsPolicy')).toBe('sets a CORS policy');
    expect(gatewayApiCannotSet('redirect')).toBe('redirects');
    expect(gatewayApiCannotSet('directResponse')).toBe('answers directly');
    expect(gatewayApiCannotSet('delegate')).toBe('sets delegate');
  });
});
