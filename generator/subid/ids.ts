/** Index of the first element of ascending `sorted` that is >= `value` (its length if none). */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** How many ids of ascending `sorted` lie in [start, start + count), and the first `most`. */
export function idsWithin(
  sorted: Uint32Array,
  start: number,
  count: number,
  most: number,
): { total: number; first: number[] } {
  const from = lowerBound(sorted, start);
  const to = lowerBound(sorted, start + count);
  return { total: to - from, first: [...sorted.subarray(from, Math.min(to, from + most))] };
}
