/**
 * Quantile binning, done once per forest: each feature's values become small integer codes so
 * split finding is a histogram scan. Code b holds values in (cut[b-1], cut[b]], so "code ≤ b"
 * on the training data is exactly "value ≤ cut[b]" on raw data.
 */
import { sortFinite } from './sort.js';

export interface BinnedData {
  rows: number;
  features: number;
  /** Row-major codes (codes[i * features + f]): a row's codes share a cache line; shared between threads. */
  codes: Uint8Array;
  /** 0|1 outcome per row; shared between threads. */
  y: Uint8Array;
  /** Cut points of every feature, concatenated; feature f's are cuts[cutOffsets[f] .. cutOffsets[f + 1]). */
  cuts: Float64Array;
  cutOffsets: Uint32Array;
}

/** Largest `bins` allowed: codes are bytes. */
export const MAX_BINS = 256;

/**
 * Bins row-major `x` (rows × features) into at most `bins` quantile bins per feature. Ties never
 * straddle a cut, so a feature with few distinct values gets one bin per value. Cuts sit halfway
 * between neighbouring distinct values, so unseen values fall on the nearer side.
 */
export function binDataset(x: Float64Array, y: Uint8Array, rows: number, features: number, bins: number): BinnedData {
  // Shared memory lets worker threads read the codes without a copy.
  const codes = new Uint8Array(new SharedArrayBuffer(Math.max(1, rows * features)));
  const sharedY = new Uint8Array(new SharedArrayBuffer(Math.max(1, rows)));
  sharedY.set(y.subarray(0, rows));
  const cutLists: Float64Array[] = [];
  const column = new Float64Array(rows);
  const sorted = new Float64Array(rows);
  const scratch = new Float64Array(rows);
  for (let f = 0; f < features; f++) {
    // Only nonzero values are sorted, zeros spliced in after: usage counts are mostly zero.
    let nonzero = 0;
    for (let i = 0; i < rows; i++) {
      const value = x[i * features + f];
      column[i] = value;
      if (value !== 0) sorted[nonzero++] = value;
    }
    sortFinite(sorted.subarray(0, nonzero), scratch);
    let positive = 0;
    while (positive < nonzero && sorted[positive] < 0) positive++;
    sorted.copyWithin(positive + rows - nonzero, positive, nonzero);
    sorted.fill(0, positive, positive + rows - nonzero);
    const cuts = quantileCuts(sorted, bins);
    cutLists.push(cuts);
    const zeroBin = binOf(cuts, 0);
    for (let i = 0; i < rows; i++) codes[i * features + f] = column[i] === 0 ? zeroBin : binOf(cuts, column[i]);
  }
  const cutOffsets = new Uint32Array(features + 1);
  for (let f = 0; f < features; f++) cutOffsets[f + 1] = cutOffsets[f] + cutLists[f].length;
  const cuts = new Float64Array(cutOffsets[features]);
  for (let f = 0; f < features; f++) cuts.set(cutLists[f], cutOffsets[f]);
  return { rows, features, codes: codes.subarray(0, rows * features), y: sharedY.subarray(0, rows), cuts, cutOffsets };
}

/**
 * At most bins − 1 increasing cuts from sorted values, each about n / bins rows apart: a bin
 * closes at the first boundary between distinct values once it holds its share. A value that
 * fills several shares alone (zero, in usage counts) gets one bin, and the rows after it share
 * the bins left, rather than the bins it skipped going unused.
 */
function quantileCuts(sorted: Float64Array, bins: number): Float64Array {
  const n = sorted.length;
  const cuts: number[] = [];
  let distinct = n === 0 ? 0 : 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  if (distinct <= bins) {
    for (let i = 0; i < n - 1; i++) if (sorted[i] !== sorted[i + 1]) cuts.push(midpoint(sorted[i], sorted[i + 1]));
    return Float64Array.from(cuts);
  }
  // Shares are of the rows from `from` on, over the bins left after `made` cuts.
  let from = 0;
  let made = 0;
  let share = 1;
  const boundary = (k: number) => from + (k * (n - from)) / (bins - made);
  for (let i = 0; i < n - 1 && cuts.length < bins - 1; i++) {
    if (sorted[i] === sorted[i + 1] || i + 1 < boundary(share)) continue;
    cuts.push(midpoint(sorted[i], sorted[i + 1]));
    share++;
    if (i + 1 >= boundary(share)) {
      from = i + 1;
      made = cuts.length;
      share = 1;
    }
  }
  return Float64Array.from(cuts);
}

function midpoint(a: number, b: number): number {
  const mid = a / 2 + b / 2;
  // Adjacent floats can round the midpoint up to b, which would put b on the left.
  return mid < b && mid >= a ? mid : a;
}

/** Number of cuts below `value`, by binary search. */
function binOf(cuts: Float64Array, value: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
