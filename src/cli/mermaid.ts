import { byHost } from './explain';
import { TrafficTable } from './traffic-table';

// `explain --mermaid`: each host's routing as a Mermaid flowchart (host -> binding -> rule -> version).

/** Text for a quoted Mermaid label: `#`, quotes and markup characters as Mermaid entity codes. */
function label(text: string): string {
  return text.replace(/#/g, '#35;').replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/** One fenced ```mermaid block per host. */
export function mermaid(table: TrafficTable): string {
  const out: string[] = [];
  for (const [host, entries] of byHost(table)) {
    out.push(`### ${host}`, '', '```mermaid', 'flowchart LR');
    out.push(`  host["${label(host)}"]`);
    const versions = new Map<string, string>();
    const versionNode = (v: string) => {
      let id = versions.get(v);
      if (id === undefined) {
        id = `v${versions.size}`;
        versions.set(v, id);
        out.push(`  ${id}(["${label(v)}"])`);
      }
      return id;
    };
    entries.forEach((e, b) => {
      const bid = `b${b}`;
      out.push(`  host --> ${bid}{{"${label(e.binding)}"}}`);
      e.rules.forEach((r, i) => {
        const rid = `${bid}r${i}`;
        const text = r.match === '*' ? r.key : `${r.key}: ${r.match}`;
        out.push(`  ${bid} --> ${rid}["${label(text)}"]`);
        for (const [v, percent] of Object.entries(r.shares)) {
          out.push(`  ${rid} -->|${percent}%| ${versionNode(v)}`);
        }
        for (const p of ['redirect', 'directResponse', 'delegate']) {
          if (r.policies[p] !== undefined) { out.push(`  ${rid} -.-> ${rid}x["${label(p)}"]`); }
        }
      });
    });
    out.push('```', '');
  }
  return out.join('\n');
}
