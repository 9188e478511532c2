import * as fs from 'fs';
import * as path from 'path';
import { loadYaml } from '../core/vendor';

// Reading manifests for the command-line tool: files and folders of YAML, as `kubectl apply -f` reads them.

/** An error the command-line tool reports in one line (exit code 2), without a stack trace. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * The YAML files of a path: the file itself, or every `*.yaml`/`*.yml` below a folder (recursively,
 * sorted; folders whose name starts with `.`, and `node_modules`, skipped).
 */
export function yamlFiles(target: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new CliError(`${target}: no such file or folder`);
  }
  if (stat.isFile()) { return [target]; }
  if (!stat.isDirectory()) { throw new CliError(`${target}: not a file or folder`); }
  const found: string[] = [];
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'node_modules') { walk(full); }
      } else if (/\.ya?ml$/i.test(e.name)) { found.push(full); }
    }
  };
  walk(target);
  return found;
}

/**
 * The objects of multi-document YAML text (`kind: List` expanded to its items; empty documents and
 * scalars skipped). Invalid YAML is a `CliError` naming the file and the parser's message.
 */
export function parseManifests(text: string, file: string): any[] {
  // Loaded on first use, as the routing simulator does (RoutingSimulator.fromYaml).
  const { parseAllDocuments } = loadYaml();
  const parsed = parseAllDocuments(text);
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  const objects: any[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new CliError(`${file}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
    }
    const value = doc.toJS();
    const items = value !== null && typeof value === 'object' && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    objects.push(...items.filter((o: unknown) => o !== null && typeof o === 'object' && !Array.isArray(o)));
  }
  return objects;
}

/** Every object of the YAML files at the given paths (files or folders), in order. */
export function readManifests(targets: string[]): any[] {
  const objects: any[] = [];
  for (const target of targets) {
    for (const file of yamlFiles(target)) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      objects.push(...parseManifests(text, file));
    }
  }
  return objects;
}
