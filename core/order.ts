/** Plain code-unit order: the same bytes on every machine, whatever its locale. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders xnames (and aliases) the way admins read them: digit runs compare as numbers, so
 * x3000c0s3b0n0 comes before x3000c0s27b0n0 and uan2 before uan10. Ties fall back to code
 * units so the order stays total and locale-free.
 *
 * The order is that of naturalKey's keys, walked run by run in place rather than built: no
 * string is made, and an already sorted list (the usual input) costs one pass of compares.
 */
export function byNaturalName(a: string, b: string): number {
  // The runs before the first unequal code unit are alike in both names, and so are their
  // keys: the walk starts at the run that holds the last equal unit.
  let start = 0;
  while (start < a.length && start < b.length && a.charCodeAt(start) === b.charCodeAt(start))
    start += 1;
  if (start === a.length && start === b.length) return 0;
  if (start > 0) {
    const digit = isDigit(a.charCodeAt(start - 1));
    while (start > 0 && isDigit(a.charCodeAt(start - 1)) === digit) start -= 1;
  }
  let i = start;
  let j = start;
  while (i < a.length && j < b.length) {
    const aDigit = isDigit(a.charCodeAt(i));
    // A digit run against anything else: its key starts with a digit too, as the text does.
    if (aDigit !== isDigit(b.charCodeAt(j))) return byCodeUnit(a[i], b[j]);
    let aEnd = i + 1;
    while (aEnd < a.length && isDigit(a.charCodeAt(aEnd)) === aDigit) aEnd += 1;
    let bEnd = j + 1;
    while (bEnd < b.length && isDigit(b.charCodeAt(bEnd)) === aDigit) bEnd += 1;
    if (aDigit) {
      // Numbers: the longer value (without leading zeros) is the larger, else digit by digit.
      const aStart = i + leadingZeros(a, i, aEnd);
      const bStart = j + leadingZeros(b, j, bEnd);
      const length = aEnd - aStart;
      if (length !== bEnd - bStart) return length < bEnd - bStart ? -1 : 1;
      for (let k = 0; k < length; k += 1) {
        const diff = a.charCodeAt(aStart + k) - b.charCodeAt(bStart + k);
        if (diff !== 0) return diff < 0 ? -1 : 1;
      }
      const zero = length === 1 && a.charCodeAt(aStart) === 48;
      const aMark = numberMark(aEnd - i, zero);
      const bMark = numberMark(bEnd - j, zero);
      if (aMark !== bMark) return aMark < bMark ? -1 : 1;
    } else {
      const common = Math.min(aEnd - i, bEnd - j);
      for (let k = 0; k < common; k += 1) {
        const diff = a.charCodeAt(i + k) - b.charCodeAt(j + k);
        if (diff !== 0) return diff < 0 ? -1 : 1;
      }
      if (aEnd - i !== bEnd - j) {
        // The shorter run's key ends in U+0000 where the longer run goes on, and sorts first;
        // unless the longer has a U+0000 there too, which only the keys themselves can settle.
        const longer = aEnd - i < bEnd - j ? b.charCodeAt(j + common) : a.charCodeAt(i + common);
        if (longer === 0) return byNaturalKey(a, b);
        return aEnd - i < bEnd - j ? -1 : 1;
      }
    }
    i = aEnd;
    j = bEnd;
  }
  // Every run alike so far: the name with runs left has the longer key.
  if (i < a.length) return 1;
  if (j < b.length) return -1;
  return byCodeUnit(a, b);
}

/**
 * `items` in natural order of their names (byNaturalName), a stable sort: a copy sorted with
 * no array or string made per item, so 100,000 xnames (on the inventory script's hot path)
 * cost one copy and, already in order, one pass of compares.
 */
export function sortNatural<T>(items: readonly T[], nameOf: (item: T) => string): T[] {
  return [...items].sort((a, b) => byNaturalName(nameOf(a), nameOf(b)));
}

/** byNaturalName by its definition: the two keys built and compared. */
function byNaturalKey(a: string, b: string): number {
  const width = digitWidth([a, b]);
  return byCodeUnit(naturalKey(a, width), naturalKey(b, width)) || byCodeUnit(a, b);
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

const DIGIT_RUN = /\d+/g;
const TOKEN = /\d+|\D+/g;

/** The longest digit run of `names` without its leading zeros: the width numbers pad to. */
function digitWidth(names: readonly string[]): number {
  let width = 0;
  for (const name of names)
    for (const run of name.match(DIGIT_RUN) ?? [])
      width = Math.max(width, run.length - leadingZeros(run, 0, run.length));
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
    if (!isDigit(token.charCodeAt(0))) return `${token}\0`;
    const value = token.slice(leadingZeros(token, 0, token.length));
    return `${value.padStart(width, "0")}${String.fromCharCode(numberMark(token.length, value === "0"))}\0`;
  });
}

/**
 * Equal numbers written differently compare as text: 0 before 00, but 01 before 1. `length`
 * is the run's, leading zeros included.
 */
function numberMark(length: number, zero: boolean): number {
  const capped = Math.min(length, 0x7fff);
  return zero ? capped : 0xffff - capped;
}

/** The leading zeros of the digit run text[start, end), keeping its last digit. */
function leadingZeros(text: string, start: number, end: number): number {
  let zeros = 0;
  while (start + zeros < end - 1 && text.charCodeAt(start + zeros) === 48) zeros += 1;
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
