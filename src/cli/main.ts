#!/usr/bin/env node
import { diffJson, diffMarkdown, diffTables } from './diff';
import { explainText } from './explain';
import { CliError, readManifests } from './manifests';
import { mermaid } from './mermaid';
import { trafficTable } from './traffic-table';

// The `cdk8s-istio-traffic` command: explain the routing of manifests, or what a change does to it.

/** Where the command writes. */
export interface CliOutput {
  stdout(s: string): void;
  stderr(s: string): void;
}

export const USAGE = `Usage: cdk8s-istio-traffic <command> [options]

Commands:
  explain <file|folder>...     per host and binding (mesh, <ns>/<gateway>): the rules in order, their
                               match, the share of each version, and the policies
  diff <before> <after>        what a change does to traffic, per host, binding and rule
                               (exit 0: no change, 1: traffic changes, 2: error)

Options:
  --mermaid                    explain: draw each host's routing as a Mermaid flowchart
  --json                       print JSON (diff: {"changes":[...]}; explain: the traffic table)
  --version-label <key>        the pod label that names a version (default: version)
  -h, --help                   print this help

A folder is read recursively: every *.yaml and *.yml file, in sorted order (folders whose name
starts with '.', and node_modules, skipped).
`;

interface Parsed {
  readonly positional: string[];
  readonly json: boolean;
  readonly mermaid: boolean;
  readonly versionLabel?: string;
  readonly help: boolean;
}

function parseArgs(args: string[]): Parsed {
  const positional: string[] = [];
  let json = false;
  let draw = false;
  let help = false;
  let versionLabel: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { positional.push(...args.slice(i + 1)); break; }
    if (a === '--json') { json = true; } else if (a === '--mermaid') { draw = true; } else if (a === '-h' || a === '--help') {
      help = true;
    } else if (a === '--version-label' || a.startsWith('--version-label=')) {
      const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (value === undefined || value === '') { throw new CliError('--version-label needs a label key, e.g. --version-label app.kubernetes.io/version'); }
      versionLabel = value;
    } else if (a.startsWith('-') && a !== '-') {
      throw new CliError(`unknown option '${a}' (see --help)`);
    } else {
      positional.push(a);
    }
  }
  return { positional, json, mermaid: draw, versionLabel, help };
}

function explain(p: Parsed, out: CliOutput): number {
  const files = p.positional.slice(1);
  if (files.length === 0) { throw new CliError('explain needs at least one file or folder of manifests'); }
  if (p.json && p.mermaid) { throw new CliError('explain takes --json or --mermaid, not both'); }
  const table = trafficTable(readManifests(files), { versionLabel: p.versionLabel });
  out.stdout(p.json ? `${JSON.stringify(table, undefined, 2)}\n` : p.mermaid ? mermaid(table) : explainText(table));
  return 0;
}

function diff(p: Parsed, out: CliOutput): number {
  const files = p.positional.slice(1);
  if (files.length !== 2) { throw new CliError(`diff needs two arguments, <before> and <after> (got ${files.length})`); }
  if (p.mermaid) { throw new CliError('--mermaid is an option of explain, not diff'); }
  const options = { versionLabel: p.versionLabel };
  const before = trafficTable(readManifests([files[0]]), options);
  const after = trafficTable(readManifests([files[1]]), options);
  const changes = diffTables(before, after);
  out.stdout(p.json ? diffJson(changes) : diffMarkdown(changes));
  return changes.length === 0 ? 0 : 1;
}

/** Runs the command with its arguments (without `node` and the script); returns the exit code. */
export function run(argv: string[], out: CliOutput): number {
  try {
    const p = parseArgs(argv);
    const command = p.positional[0];
    if (p.help) {
      out.stdout(USAGE);
      return 0;
    }
    if (command === undefined) {
      out.stderr(USAGE);
      return 2;
    }
    switch (command) {
      case 'explain': return explain(p, out);
      case 'diff': return diff(p, out);
      case 'help': out.stdout(USAGE); return 0;
      default: throw new CliError(`unknown command '${command}' (commands: explain, diff; see --help)`);
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    out.stderr(`cdk8s-istio-traffic: ${message.split('\n')[0]}\n`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = run(process.argv.slice(2), {
    stdout: s => process.stdout.write(s),
    stderr: s => process.stderr.write(s),
  });
}
