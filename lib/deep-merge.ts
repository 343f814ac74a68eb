// Config variants as overrides of a base document: objects merge key by key, anything else
// (arrays included) replaces, and a null value deletes the key. Used to build the variants the
// stack allow-list is derived from and the tests' configs, from the same example.

/** `base` with `override` deep-merged (a `null` value in `override` deletes that key). */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (base && override && typeof base === "object" && typeof override === "object" && !Array.isArray(base) && !Array.isArray(override)) {
    const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [key, value] of Object.entries(override as Record<string, unknown>)) {
      result[key] = value === null ? undefined : deepMerge(result[key], value);
      if (result[key] === undefined) delete result[key];
    }
    return result;
  }
  return override;
}
