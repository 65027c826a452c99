import jStat from 'jstat';
import type { Interval } from './interval.js';
import { checkConfidence, checkFiniteValues, checkUnitInterval } from './validate.js';

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
 * Distribution-free confidence interval for the q-quantile from the order statistics (the
 * binomial interval of Thompson 1936; Conover, Practical Nonparametric Statistics, ch. 3): the number of
 * values below the true quantile is Binomial(n, q), so [x(l), x(u)] covers it with probability
 * P(l ≤ B < u) ≥ `confidence`, each tail at most half the rest. No resampling, no assumption
 * on the shape. The estimate is the type-7 quantile. When n is too small for the confidence
 * (below 6 values for a median at 95%), the limits are NaN; NaN everywhere for no values.
 */
export function quantileOrderInterval(values: readonly number[], q: number, confidence = 0.95): Interval {
  checkFiniteValues('values', values);
  checkUnitInterval('q', q);
  checkConfidence(confidence);
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const estimate = sortedQuantile(sorted, q);
  const tail = (1 - confidence) / 2;
  const cdf = (k: number) => jStat.binomial.cdf(k, n, q);
  // l: 1 + the largest k with P(B ≤ k) ≤ tail; u: 1 + the smallest k with P(B ≤ k) ≥ 1 − tail.
  const below = lastAtMost(n, (k) => cdf(k) <= tail);
  const above = lastAtMost(n, (k) => cdf(k) < 1 - tail) + 1;
  if (below < 0 || above > n - 1) return { estimate, low: NaN, high: NaN };
  return { estimate, low: sorted[below], high: sorted[above] };
}

/** The largest k in [0, n] with `test(k)`, for a test true up to some k and false after; -1 when none. */
function lastAtMost(n: number, test: (k: number) => boolean): number {
  let lo = -1;
  let hi = n + 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (test(mid)) lo = mid;
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
