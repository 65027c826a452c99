import jStat from 'jstat';
import type { Interval } from './interval.js';
import { checkConfidence } from './validate.js';

/** What a sample of numbers is summarised by: size, mean and (n − 1) variance. */
export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample variance (n − 1 denominator); 0 for fewer than 2 values. */
  variance: number;
}

/** A difference with its interval, standard error and two-sided test of no difference. */
export interface Difference extends Interval {
  se: number;
  pValue: number;
}

/** Size, mean and sample variance in one pass (Welford). */
export function summarize(values: ArrayLike<number>): SampleSummary {
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new Error(`invalid values[${i}]: ${v}`);
    const d = v - mean;
    mean += d / (i + 1);
    m2 += d * (v - mean);
  }
  const n = values.length;
  return { n, mean: n > 0 ? mean : NaN, variance: n > 1 ? m2 / (n - 1) : 0 };
}

/**
 * Welch's difference of two means, a − b, with the Welch–Satterthwaite degrees of freedom
 * (as scipy's ttest_ind(equal_var=False) and R's t.test). Fewer than 2 in a group: NaN.
 */
export function meanDifference(a: SampleSummary, b: SampleSummary, confidence = 0.95): Difference {
  checkConfidence(confidence);
  const estimate = a.mean - b.mean;
  if (a.n < 2 || b.n < 2) return { estimate: NaN, low: NaN, high: NaN, se: NaN, pValue: NaN };
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { estimate, low: estimate, high: estimate, se, pValue: estimate === 0 ? 1 : 0 };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = jStat.studentt.inv(1 - (1 - confidence) / 2, df);
  const pValue = 2 * (1 - jStat.studentt.cdf(Math.abs(estimate / se), df));
  return { estimate, low: estimate - t * se, high: estimate + t * se, se, pValue: Math.min(1, Math.max(0, pValue)) };
}
