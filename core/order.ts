/** Plain code-unit order: the same bytes on every machine, whatever its locale. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders xnames (and aliases) the way admins read them: digit runs compare as numbers, so
 * x3000c0s3b0n0 comes before x3000c0s27b0n0 and uan2 before uan10. Ties fall back to code
 * units so the order stays total and locale-free.
 */
export function byNaturalName(a: string, b: string): number {
  return compareTokens(tokens(a), tokens(b)) || byCodeUnit(a, b);
}

/**
 * `items` in natural order of their names. Each name is split into tokens once, not once per
 * comparison: sorting 100,000 xnames is on the inventory script's hot path.
 */
export function sortNatural<T>(items: readonly T[], nameOf: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, name: nameOf(item), tokens: tokens(nameOf(item)) }))
    .sort((a, b) => compareTokens(a.tokens, b.tokens) || byCodeUnit(a.name, b.name))
    .map(({ item }) => item);
}

function tokens(name: string): string[] {
  return name.match(/\d+|\D+/g) ?? [];
}

function compareTokens(pa: readonly string[], pb: readonly string[]): number {
  for (let i = 0; i < Math.min(pa.length, pb.length); i += 1) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (isDigit(x) && isDigit(y)) {
      // Compare digit runs by value without Number(): xnames can outgrow 2^53 in theory.
      const nx = x.replace(/^0+/, "");
      const ny = y.replace(/^0+/, "");
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return byCodeUnit(nx, ny);
    }
    return byCodeUnit(x, y);
  }
  return pa.length - pb.length;
}

function isDigit(token: string): boolean {
  const code = token.charCodeAt(0);
  return code >= 48 && code <= 57;
}

/** A copy of `value` with every object's keys in code-unit order, for byte-stable output. */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => sortKeysDeep(item)) as T;
  if (value === null || typeof value !== "object") return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(byCodeUnit)) {
    sorted[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
  }
  return sorted as T;
}
