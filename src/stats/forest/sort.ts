/**
 * Sorting finite doubles fast: a radix sort on the high 32 bits of each double, after which only
 * values sharing those bits can be out of order. Used for AUCs (hundreds per permutation
 * importance) and quantile binning; two to three times faster than Float64Array's own sort.
 */
const counts = new Uint32Array(3 << 11);
/** The high word of a double is the second of its two 32-bit halves (little-endian machines). */
const littleEndian = new Uint32Array(Float64Array.of(1).buffer)[1] === 0x3ff00000;

/**
 * Sorts finite doubles ascending, in place: least-significant-digit radix passes (11, 11, 10
 * bits) over each value's high word, mapped so unsigned order is numeric order, skipping a pass
 * whose digit every value shares; then each run of values sharing a high word is sorted.
 * `scratch` holds at least `values.length` doubles. −0 and 0, being equal, may come in either
 * order.
 */
export function sortFinite(values: Float64Array, scratch: Float64Array): void {
  const n = values.length;
  if (n < 64) {
    insertionSort(values, n);
    return;
  }
  if (!littleEndian) {
    values.sort();
    return;
  }
  let src = values;
  let dst = scratch.subarray(0, n);
  let srcHigh = new Uint32Array(src.buffer, src.byteOffset, 2 * n);
  let dstHigh = new Uint32Array(dst.buffer, dst.byteOffset, 2 * n);
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const key = orderedHigh(srcHigh[2 * i + 1]);
    counts[key & 0x7ff]++;
    counts[2048 + ((key >>> 11) & 0x7ff)]++;
    counts[4096 + (key >>> 22)]++;
  }
  for (let pass = 0; pass < 3; pass++) {
    const base = pass << 11;
    const shift = pass * 11;
    let skip = false;
    for (let d = 0; d < 2048; d++) {
      if (counts[base + d] === n) skip = true;
      if (counts[base + d] !== 0) break;
    }
    if (skip) continue;
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const digit = (orderedHigh(srcHigh[2 * i + 1]) >>> shift) & 0x7ff;
      dst[counts[base + digit]++] = src[i];
    }
    const swap = src;
    src = dst;
    dst = swap;
    const swapHigh = srcHigh;
    srcHigh = dstHigh;
    dstHigh = swapHigh;
  }
  if (src !== values) values.set(src);
  // Values are now grouped by high word; order each group (almost always of one or two).
  const high = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  for (let start = 0; start < n; ) {
    const word = high[2 * start + 1];
    let end = start + 1;
    while (end < n && high[2 * end + 1] === word) end++;
    if (end - start > 16) {
      // Often one value many times over (scores that are fractions of few trees): check first.
      const value = values[start];
      let same = true;
      for (let k = start + 1; k < end && same; k++) same = values[k] === value;
      if (!same) values.subarray(start, end).sort();
    }
    else if (end - start > 1) insertionSort(values.subarray(start, end), end - start);
    start = end;
  }
}

/** The high word of a double, mapped so that comparing as unsigned integers orders by value. */
function orderedHigh(high: number): number {
  return (high & 0x80000000 ? ~high : high ^ 0x80000000) >>> 0;
}

function insertionSort(values: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = values[i];
    if (!(v < values[i - 1])) continue;
    let j = i - 1;
    while (j >= 0 && values[j] > v) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = v;
  }
}
