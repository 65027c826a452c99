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
 * the quantile of the data itself. NaN everywhere for no values. Costs resamples × n log n.
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

  const sample = new Float64Array(n);
  const statistics = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = values[Math.floor(random() * n)];
    statistics[r] = sortedQuantile(sample.sort(), q);
  }
  statistics.sort();
  const tail = (1 - confidence) / 2;
  return {
    estimate: quantile(values, q),
    low: sortedQuantile(statistics, tail),
    high: sortedQuantile(statistics, 1 - tail),
  };
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
