import { normalCritical, normalTwoSidedP } from './distributions.js';
import { linearCombination, linearRegression, type LinearFit } from './linear-regression.js';
import type { Difference } from './mean-difference.js';
import { checkConfidence } from './validate.js';

export interface SegmentedRegression {
  /** The jump at the break: level after minus the pre-trend's projection there. */
  level: { estimate: number; se: number };
  /** Change in slope per time unit after the break; null when it is not fitted. */
  slope: { estimate: number; se: number } | null;
  /** Mean of (observed fit − projected pre-trend) over the post points: level + slope × mean(t − t0). */
  effect: Difference;
  /** The pre-trend projected over every time point (the counterfactual). */
  counterfactual: number[];
  fitted: number[];
  fit: LinearFit;
  lags: number;
}

/**
 * Interrupted time series by segmented regression (Wagner et al. 2002):
 * y = b0 + b1·t + b2·D + b3·(t − t0)·D, D = [t ≥ t0], with Newey–West standard errors for
 * autocorrelated points (`lags`, default ⌊4(n/100)^(2/9)⌋). The slope change is fitted only
 * with at least `minPostForSlope` post points (default 3); with fewer, only the level moves.
 */
export function segmentedRegression(
  t: readonly number[],
  y: readonly number[],
  t0: number,
  options: { lags?: number; confidence?: number; minPostForSlope?: number } = {},
): SegmentedRegression {
  const { confidence = 0.95, minPostForSlope = 3 } = options;
  checkConfidence(confidence);
  if (t.length !== y.length) throw new Error(`invalid y: ${y.length} values for ${t.length} times`);
  const post = t.map((v) => (v >= t0 ? 1 : 0));
  const nPost = post.reduce<number>((a, b) => a + b, 0);
  const nPre = t.length - nPost;
  if (nPre < 3) throw new Error(`invalid t: ${nPre} points before the break (need at least 3)`);
  if (nPost < 1) throw new Error('invalid t: no point at or after the break');
  const withSlope = nPost >= minPostForSlope;
  const lags = options.lags ?? Math.floor(4 * (t.length / 100) ** (2 / 9));
  const x = t.map((v, i) => (withSlope ? [1, v, post[i], (v - t0) * post[i]] : [1, v, post[i]]));
  const fit = linearRegression(x, y, { type: 'newey_west', lags });
  const b = fit.coefficients;
  const meanSince = t.reduce((s, v, i) => s + (post[i] ? v - t0 : 0), 0) / nPost;
  const effect = linearCombination(fit, withSlope ? [0, 0, 1, meanSince] : [0, 0, 1]);
  const z = normalCritical(confidence);
  return {
    level: { estimate: b[2], se: fit.standardErrors[2] },
    slope: withSlope ? { estimate: b[3], se: fit.standardErrors[3] } : null,
    effect: {
      ...effect,
      low: effect.estimate - z * effect.se,
      high: effect.estimate + z * effect.se,
      pValue: effect.se > 0 ? normalTwoSidedP(effect.estimate / effect.se) : NaN,
    },
    counterfactual: t.map((v) => b[0] + b[1] * v),
    fitted: x.map((row) => row.reduce((s, v, j) => s + v * b[j], 0)),
    fit,
    lags,
  };
}
