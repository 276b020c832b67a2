/** How a search reads one query key off an item; undefined for a key it does not know. */
export type FieldOf<T> = (key: string) => ((item: T) => unknown) | undefined;

export type SearchResult<T> = { ok: true; matches: T[] } | { ok: false; unknownKey: string };

/**
 * Keeps the items that match every query parameter, the way the CSM services search: a
 * scalar matches its text, a list matches when it holds the value (e.g. one of Aliases).
 * An unknown key is an error rather than ignored, so that a client's typo cannot return
 * everything.
 */
export function search<T>(
  items: readonly T[],
  query: URLSearchParams,
  fieldOf: FieldOf<T>,
): SearchResult<T> {
  const tests: ((item: T) => boolean)[] = [];
  for (const [key, wanted] of query) {
    const field = fieldOf(key);
    if (field === undefined) return { ok: false, unknownKey: key };
    tests.push((item) => matches(field(item), wanted));
  }
  return { ok: true, matches: items.filter((item) => tests.every((test) => test(item))) };
}

function matches(value: unknown, wanted: string): boolean {
  if (Array.isArray(value)) return value.some((element) => matches(element, wanted));
  return (
    (typeof value === "string" || typeof value === "number" || typeof value === "boolean") &&
    String(value) === wanted
  );
}

/** A FieldOf from a fixed table of query keys, safe against keys like "constructor". */
export function fieldsFrom<T>(table: Readonly<Record<string, (item: T) => unknown>>): FieldOf<T> {
  return (key) => (Object.hasOwn(table, key) ? table[key] : undefined);
}
