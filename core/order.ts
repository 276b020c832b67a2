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
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i += 1) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const bothDigits = /^\d/.test(x) && /^\d/.test(y);
    if (bothDigits && x.length !== y.length) {
      // Compare digit runs by value without Number(): xnames can outgrow 2^53 in theory.
      const nx = x.replace(/^0+/, "");
      const ny = y.replace(/^0+/, "");
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return byCodeUnit(nx, ny);
    }
    return byCodeUnit(x, y);
  }
  return pa.length - pb.length || byCodeUnit(a, b);
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
