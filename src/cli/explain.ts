import { formatPolicies, formatShares, textTable } from './format';
import { HostBinding, TrafficTable } from './traffic-table';

// `explain`: the traffic table as plain text, one section per host, one table per binding.

/** The bindings of the table grouped by host, in the table's order. */
export function byHost(table: TrafficTable): Map<string, HostBinding[]> {
  const hosts = new Map<string, HostBinding[]>();
  for (const e of table.entries) { hosts.set(e.host, [...(hosts.get(e.host) ?? []), e]); }
  return hosts;
}

/** What decides the routing of a binding: its VirtualServices and DestinationRule. */
export function sources(e: HostBinding): string {
  const parts = [e.virtualServices.length > 0 ? `VirtualService${e.virtualServices.length > 1 ? 's' : ''} ${e.virtualServices.join(', ')}`
    : e.rules.length > 0 ? 'no VirtualService: Kubernetes spreads requests over the Service\'s pods' : 'no VirtualService applied'];
  if (e.destinationRule) { parts.push(`DestinationRule ${e.destinationRule}`); }
  return parts.join('; ');
}

/** The explanation of the manifests' routing, as lines of plain text. */
export function explainText(table: TrafficTable): string {
  if (table.entries.length === 0) { return 'No routing found: the manifests hold no VirtualService, DestinationRule or Service.\n'; }
  const out: string[] = [];
  for (const [host, entries] of byHost(table)) {
    out.push(host);
    for (const e of entries) {
      out.push(`  ${e.binding}  (${sources(e)})`);
      const rows = e.rules.map(r => [
        [r.key],
        r.matchBlocks.map((m, i) => (i === 0 ? m : `or ${m}`)),
        formatShares(r.shares).split(', '),
        formatPolicies(r.policies),
      ]);
      if (rows.length > 0) { out.push(...textTable(['RULE', 'MATCH', 'DESTINATIONS', 'POLICIES'], rows, '    ')); }
      for (const r of e.rules) { for (const n of r.notes) { out.push(`    note: ${r.key}: ${n}`); } }
      for (const n of e.notes) { out.push(`    note: ${n}`); }
    }
    out.push('');
  }
  return out.join('\n');
}
