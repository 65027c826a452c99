import type { Interval } from './interval.js';
import { mulberry32 } from './random.js';
import { checkConfidence, checkFiniteValues, checkUnitInterval } from './validate.js';

/** Options for {@link bootstrapQuantileInterval}. */
export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 1000). */
  resamples?: number;
  /** Confidence level of the percentile interval (default 0.95). */
  confidence?: number;
  /** Seed for mulberry32; the same seed gives the same interval. */
  seed: number;
}

/** Median (type-7 quantile at 0.5); NaN for no values. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Quantile by linear interpolation between order statistics (R's default, type 7); NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  checkFiniteValues('values', values);
  checkUnitInterval('q', q);
  return sortedQuantile(Float64Array.from(values).sort(), q);
}

/**
 * Percentile bootstrap interval for the q-quantile: resample with replacement, take the
 * quantile of each resample, and read the interval off their distribution. The estimate is
 * the quantile of the data itself. NaN everywhere for no values. A resample is counted, not
 * sorted: its order statistics are read off how often it drew each distinct value, which
 * gives what sorting it would in resamples × (n + distinct values) rather than × n log n
 * (days to a milestone: a few hundred distinct values among thousands).
 */
export function bootstrapQuantileInterval(values: readonly number[], q: number, options: BootstrapOptions): Interval {
  checkFiniteValues('values', values);
  checkUnitInterval('q', q);
  const { resamples = 1000, confidence = 0.95, seed } = options;
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`invalid resamples: ${resamples}`);
  checkConfidence(confidence);
  const random = mulberry32(seed);
  const n = values.length;
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN };

  // Distinct values in sort order (-0 before 0, as a sort puts them), and each value's place among them.
  const sorted = Float64Array.from(values).sort();
  const distinct: number[] = [];
  for (const v of sorted) if (distinct.length === 0 || !Object.is(v, distinct[distinct.length - 1])) distinct.push(v);
  const place = Int32Array.from(values, (v) => placeOf(distinct, v));
  const h = (n - 1) * q;
  const below = Math.floor(h);
  const above = Math.min(below + 1, n - 1);
  const counts = new Int32Array(distinct.length);
  const statistics = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[place[Math.floor(random() * n)]]++;
    // The resample's order statistics `below` and `above` (0-based), by running totals.
    let seen = 0;
    let k = 0;
    while (seen + counts[k] <= below) seen += counts[k++];
    const low = distinct[k];
    while (seen + counts[k] <= above) seen += counts[k++];
    statistics[r] = low + (h - below) * (distinct[k] - low);
  }
  statistics.sort();
  const tail = (1 - confidence) / 2;
  return {
    estimate: sortedQuantile(sorted, q),
    low: sortedQuantile(statistics, tail),
    high: sortedQuantile(statistics, 1 - tail),
  };
}

/** Where `v` stands among sorted distinct values (it is one of them). */
function placeOf(distinct: readonly number[], v: number): number {
  let lo = 0;
  let hi = distinct.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (distinct[mid] < v || (distinct[mid] === v && Object.is(distinct[mid], -0) && !Object.is(v, -0))) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** quantile() of values already sorted ascending, without copying them: for many quantiles of one sample. */
export function sortedQuantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const below = Math.floor(h);
  const above = Math.min(below + 1, n - 1);
  return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
}
