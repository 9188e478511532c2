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

/**
 * The first of a manifest's identity fields (apiVersion, kind, metadata's name and namespace) that
 * is not a string, else a missing apiVersion or kind (the names are optional): Kubernetes rejects
 * such an object whole. A null field is a missing one (the API server removes it).
 */
export function identityError(json: any): { field: string; value: unknown } | undefined {
  const metadata = json.metadata ?? {};
  const fields: [string, unknown][] = [
    ['apiVersion', json.apiVersion], ['kind', json.kind], ['metadata.name', metadata.name], ['metadata.namespace', metadata.namespace],
  ];
  const absent = (v: unknown) => v === undefined || v === null;
  // A value of the wrong type first, then a missing apiVersion or kind.
  const [field, value] = fields.find(([, v]) => !absent(v) && typeof v !== 'string') ?? fields.slice(0, 2).find(([, v]) => absent(v)) ?? [];
  return field === undefined ? undefined : { field, value: value ?? undefined };
}

/**
 * A manifest as the API server stores it: a field (or map entry) whose value is null is removed, at
 * every depth (list items stay), before any check or webhook sees the object. Returns `value` itself
 * when it has none, else a copy; the value given is never changed.
 */
export function withoutNullFields(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const kept = withoutNullFields(value[i]);
      if (kept !== value[i]) { (copy ??= value.slice())[i] = kept; }
    }
    return copy ?? value;
  }
  if (value === null || typeof value !== 'object') { return value; }
  let copy: Record<string, unknown> | undefined;
  // for...in, not Object.entries: the analysis reads every object of an app through here.
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) { continue; }
    const field = (value as Record<string, unknown>)[key];
    if (field === null) {
      copy ??= { ...value };
      delete copy[key];
      continue;
    }
    const kept = withoutNullFields(field);
    if (kept !== field) { (copy ??= { ...value })[key] = kept; }
  }
  return copy ?? value;
}
