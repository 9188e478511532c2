import { canonical, formatPolicyValue, formatShares, mdCell, sortKeys } from './format';
import { HostBinding, RuleTraffic, TrafficTable } from './traffic-table';

// `diff`: what a change of manifests does to traffic, per host, binding and rule.

/** One rule whose traffic changes. */
export interface TrafficChange {
  /** FQDN (or the host a Gateway serves). */
  readonly host: string;
  /** `mesh` or `<namespace>/<gateway>`. */
  readonly binding: string;
  /** The rule's name, else `#<index>`. */
  readonly rule: string;
  /** Percent per version before the change; null when the rule is added. */
  readonly before: { [version: string]: number } | null;
  /** Percent per version after the change; null when the rule is removed. */
  readonly after: { [version: string]: number } | null;
  /**
   * Only the policies that change (`match` among them), each as before and after (null: not set); for a
   * rule on both sides also `order` (its 1-based position among the rules on both sides, when it
   * changes) and `reachable` (when a catch-all before it starts or stops taking every request).
   */
  readonly policies: { [policy: string]: { before: unknown; after: unknown } };
}

/** The policies of a rule that `diff` compares: its own and the DestinationRule's, plus its match (`*`: catch-all). */
function comparable(r: RuleTraffic | undefined): { [k: string]: unknown } {
  return r === undefined ? {} : { match: r.match, ...r.policies };
}

/** The versions' shares, keys sorted (the comparison ignores order). */
function sameShares(a: { [v: string]: number }, b: { [v: string]: number }): boolean {
  return canonical(a) === canonical(b);
}

function key(e: HostBinding): string {
  return `${e.host}\u0000${e.binding}`;
}

/** A change, with the rule's key before the change when it moved (an unnamed rule whose index changed). */
export interface RuleChange extends TrafficChange {
  readonly previousRule?: string;
}

/**
 * The rules of one host and binding before and after, paired: named rules by name; unnamed rules of
 * one VirtualService by their match (in order), then by index. Unpaired: added or removed.
 */
function pairRules(before: RuleTraffic[], after: RuleTraffic[]): { b?: RuleTraffic; a?: RuleTraffic }[] {
  const taken = new Set<RuleTraffic>();
  const partner = new Map<RuleTraffic, RuleTraffic>();
  const pass = (fits: (a: RuleTraffic, b: RuleTraffic) => boolean) => {
    for (const a of after) {
      if (partner.has(a)) { continue; }
      const b = before.find(x => !taken.has(x) && x.named === a.named && fits(a, x));
      if (b) { partner.set(a, b); taken.add(b); }
    }
  };
  pass((a, b) => a.named && a.key === b.key);
  pass((a, b) => !a.named && a.virtualService === b.virtualService && a.protocol === b.protocol && a.match === b.match);
  pass((a, b) => !a.named && a.key === b.key);
  return [...after.map(a => ({ a, b: partner.get(a) })), ...before.filter(b => !taken.has(b)).map(b => ({ b }))];
}

/**
 * The changes from `before` to `after`, sorted by host and binding, rules in the order after the change
 * (removed rules last).
 */
export function diffTables(before: TrafficTable, after: TrafficTable): RuleChange[] {
  const old = new Map(before.entries.map(e => [key(e), e]));
  const now = new Map(after.entries.map(e => [key(e), e]));
  const all = [...new Set([...old.keys(), ...now.keys()])].sort((x, y) => {
    const [hx, bx] = x.split('\u0000');
    const [hy, by] = y.split('\u0000');
    const cmp = (p: string, q: string) => (p < q ? -1 : p > q ? 1 : 0);
    return cmp(hx, hy) || (bx === by ? 0 : bx === 'mesh' ? -1 : by === 'mesh' ? 1 : cmp(bx, by));
  });
  const changes: RuleChange[] = [];
  for (const k of all) {
    const [host, binding] = k.split('\u0000');
    const rulesBefore = old.get(k)?.rules ?? [];
    const rulesAfter = now.get(k)?.rules ?? [];
    const pairs = pairRules(rulesBefore, rulesAfter);
    // Order: each rule's rank among the rules on both sides (a rule added or removed moves no other).
    const common = pairs.filter(p => p.a !== undefined && p.b !== undefined);
    const rank = (list: RuleTraffic[], pick: (p: { b?: RuleTraffic; a?: RuleTraffic }) => RuleTraffic) => new Map(
      [...common].sort((x, y) => list.indexOf(pick(x)) - list.indexOf(pick(y))).map((p, i) => [p, i + 1]));
    const rankBefore = rank(rulesBefore, p => p.b!);
    const rankAfter = rank(rulesAfter, p => p.a!);
    for (const pair of pairs) {
      const { b: rb, a: ra } = pair;
      const pb = comparable(rb);
      const pa = comparable(ra);
      const policies: TrafficChange['policies'] = {};
      for (const p of [...new Set([...Object.keys(pb), ...Object.keys(pa)])]) {
        if (canonical(pb[p]) !== canonical(pa[p])) {
          policies[p] = { before: sortKeys(pb[p] ?? null), after: sortKeys(pa[p] ?? null) };
        }
      }
      if (rb && ra) {
        if (rankBefore.get(pair) !== rankAfter.get(pair)) { policies.order = { before: rankBefore.get(pair), after: rankAfter.get(pair) }; }
        if (rb.reachable !== ra.reachable) { policies.reachable = { before: rb.reachable, after: ra.reachable }; }
      }
      if (!rb || !ra || !sameShares(rb.shares, ra.shares) || Object.keys(policies).length > 0) {
        changes.push({
          host,
          binding,
          rule: (ra ?? rb)!.key,
          before: rb ? { ...rb.shares } : null,
          after: ra ? { ...ra.shares } : null,
          policies,
          ...(rb && ra && rb.key !== ra.key ? { previousRule: rb.key } : {}),
        });
      }
    }
  }
  return changes;
}

/** `{"changes":[...]}` (see `TrafficChange`; `previousRule` only for a rule whose key changed), indented. */
export function diffJson(changes: RuleChange[]): string {
  const plain = changes.map(c => ({
    host: c.host,
    binding: c.binding,
    rule: c.rule,
    ...(c.previousRule !== undefined ? { previousRule: c.previousRule } : {}),
    before: c.before,
    after: c.after,
    policies: c.policies,
  }));
  return `${JSON.stringify({ changes: plain }, undefined, 2)}\n`;
}

/** Per version, before → after, for versions that change (all of them for an added or removed rule). */
function shareChange(c: TrafficChange): string {
  if (c.before === null) { return `added: ${formatShares(c.after)}`; }
  if (c.after === null) { return `removed (was ${formatShares(c.before)})`; }
  const versions = [...new Set([...Object.keys(c.before), ...Object.keys(c.after)])];
  const moved = versions.filter(v => c.before![v] !== c.after![v]);
  if (moved.length === 0) { return `unchanged: ${formatShares(c.after)}`; }
  return moved.map(v => `${v} ${c.before![v] ?? 0}% → ${c.after![v] ?? 0}%`).join(', ');
}

/** The changes as Markdown, for a pull-request comment. */
export function diffMarkdown(changes: RuleChange[]): string {
  if (changes.length === 0) { return '### Traffic changes\n\nNo change to traffic.\n'; }
  const hosts = new Set(changes.map(c => c.host));
  const out = ['### Traffic changes', '', `${changes.length} rule${changes.length > 1 ? 's' : ''} of ${hosts.size} host${hosts.size > 1 ? 's' : ''} change${changes.length > 1 ? '' : 's'}.`, ''];
  let current = '';
  for (const c of changes) {
    const heading = `#### \`${c.host}\` (${c.binding})`;
    if (heading !== current) {
      current = heading;
      out.push(heading, '', '| rule | shares | before | after | policies |', '|---|---|---|---|---|');
    }
    const policies = Object.entries(c.policies).filter(([p]) => c.before !== null && c.after !== null || p !== 'match')
      .map(([p, { before, after }]) => `${p}: ${formatPolicyValue(p, before)} → ${formatPolicyValue(p, after)}`);
    if ((c.before === null || c.after === null) && c.policies.match !== undefined) {
      policies.unshift(`match: ${String(c.after === null ? c.policies.match.before : c.policies.match.after)}`);
    }
    out.push(`| ${mdCell(c.previousRule !== undefined ? `${c.rule} (was ${c.previousRule})` : c.rule)} | ${mdCell(shareChange(c))} | ${mdCell(formatShares(c.before))} | ${mdCell(formatShares(c.after))} | ${mdCell(policies.join('\n'))} |`);
    if (changes[changes.indexOf(c) + 1]?.host !== c.host || changes[changes.indexOf(c) + 1]?.binding !== c.binding) { out.push(''); }
  }
  return `${out.join('\n')}\n`;
}
