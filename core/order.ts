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
  const width = digitWidth([a, b]);
  return byCodeUnit(naturalKey(a, width), naturalKey(b, width)) || byCodeUnit(a, b);
}

/**
 * `items` in natural order of their names. Each name becomes one key string whose plain
 * order is the natural order, so sorting 100,000 xnames (on the inventory script's hot path)
 * compares strings, not token lists.
 */
export function sortNatural<T>(items: readonly T[], nameOf: (item: T) => string): T[] {
  const names = items.map(nameOf);
  const width = digitWidth(names);
  return items
    .map((item, index) => ({ item, name: names[index], key: naturalKey(names[index], width) }))
    .sort((a, b) => byCodeUnit(a.key, b.key) || byCodeUnit(a.name, b.name))
    .map(({ item }) => item);
}

const DIGIT_RUN = /\d+/g;
const TOKEN = /\d+|\D+/g;

/** The longest digit run of `names` without its leading zeros: the width numbers pad to. */
function digitWidth(names: readonly string[]): number {
  let width = 0;
  for (const name of names)
    for (const run of name.match(DIGIT_RUN) ?? [])
      width = Math.max(width, run.length - leadingZeros(run));
  return width;
}

/**
 * A key whose code-unit order is the natural order: each token ends in U+0000, so a shorter
 * token sorts first; a digit run is its value zero-padded to `width`, then a mark for how it
 * was written. A token starts with a digit or not in both the key and the name, so a number
 * against a word compares as the raw text does.
 */
function naturalKey(name: string, width: number): string {
  return name.replace(TOKEN, (token) => {
    const code = token.charCodeAt(0);
    if (code < 48 || code > 57) return `${token}\0`;
    const zeros = leadingZeros(token);
    const value = token.slice(zeros);
    // Equal numbers written differently compare as text: 0 before 00, but 01 before 1.
    const length = Math.min(token.length, 0x7fff);
    const mark = value === "0" ? length : 0xffff - length;
    return `${value.padStart(width, "0")}${String.fromCharCode(mark)}\0`;
  });
}

function leadingZeros(run: string): number {
  let zeros = 0;
  while (zeros < run.length - 1 && run.charCodeAt(zeros) === 48) zeros += 1;
  return zeros;
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
