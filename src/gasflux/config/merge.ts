/**
 * `override` deep-merged over `base`: mappings merge key by key, everything else (lists, scalars, null) replaces.
 * Keys come in the override's order, then the base's remaining keys, so a user's `gases` order is kept.
 * Both inputs must be plain data (see toPlainData); neither is modified.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isMapping(base) || !isMapping(override)) return structuredClone(override);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(override)) {
    out[key] = Object.hasOwn(base, key) ? deepMerge(base[key], value) : structuredClone(value);
  }
  for (const [key, value] of Object.entries(base)) {
    if (!Object.hasOwn(out, key)) out[key] = structuredClone(value);
  }
  return out;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
