/** Index of the first element of ascending `sorted` that is >= `value` (its length if none). */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  return lowerBoundBy(sorted, value, (item) => item);
}

/** Index of the first element of `sorted` (ascending by `key`) whose key is >= `value`. */
export function lowerBoundBy<T>(
  sorted: ArrayLike<T>,
  value: number,
  key: (item: T) => number,
): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (key(sorted[middle]) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * How many ids of ascending `sorted` lie in [start, start + count), and the first `most`; the
 * list is made only when there are any (100,000 ranges are checked, and nearly all are clean).
 */
export function idsWithin(
  sorted: Uint32Array,
  start: number,
  count: number,
  most: number,
): IdsWithin {
  const from = lowerBound(sorted, start);
  if (from === sorted.length || sorted[from] >= start + count) return NONE;
  const to = lowerBound(sorted, start + count);
  return { total: to - from, first: [...sorted.subarray(from, Math.min(to, from + most))] };
}

export interface IdsWithin {
  readonly total: number;
  readonly first: readonly number[];
}

const NONE: IdsWithin = { total: 0, first: [] };
