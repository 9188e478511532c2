/**
 * Reading the fields of manifests people wrote by hand (the analysis and the simulator read them).
 * Such a manifest may hold any JSON value where a list or a map belongs; the schema check reports
 * it, and every other reader takes it as empty instead of failing on it.
 */

/** A list field of a manifest as a list; anything else reads as empty. */
export function list(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** A map field of a manifest (labels, a selector) as a map; anything else reads as empty (see `list`). */
export function record(value: unknown): { [key: string]: any } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as { [key: string]: any } : {};
}

/**
 * A map of strings of a manifest (labels, a selector) with its string entries only: an entry of
 * another type is the schema's finding, and a reader that compares or prints it would fail on it.
 */
export function stringMap(value: unknown): { [key: string]: string } {
  return Object.fromEntries(Object.entries(record(value)).filter(([, v]) => typeof v === 'string'));
}
