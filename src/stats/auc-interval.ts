import { normalCritical } from './distributions.js';
import type { Interval } from './interval.js';
import { checkConfidence } from './validate.js';

/**
 * AUC (the chance a random positive scores above a random negative, ties one half) with
 * DeLong's variance (DeLong, DeLong & Clarke-Pearson 1988) and a Wald interval on the logit
 * scale, so it stays inside (0, 1). Suits scores with many ties, such as an ordinal stage.
 * NaN and [0, 1] without both classes; [AUC, AUC] when the variance is 0 (perfect separation).
 */
export function aucWithInterval(scores: readonly number[], labels: readonly (0 | 1 | boolean)[], confidence = 0.95): Interval & { positives: number; negatives: number } {
  if (!Array.isArray(scores) || !Array.isArray(labels) || scores.length !== labels.length) {
    throw new Error(`invalid labels length: ${labels?.length} (scores: ${scores?.length})`);
  }
  checkConfidence(confidence);
  const pos: number[] = [];
  const neg: number[] = [];
  scores.forEach((s, i) => {
    if (!Number.isFinite(s)) throw new Error(`invalid scores[${i}]: ${s}`);
    (labels[i] === 1 || labels[i] === true ? pos : neg).push(s);
  });
  const m = pos.length;
  const n = neg.length;
  if (m === 0 || n === 0) return { estimate: NaN, low: 0, high: 1, positives: m, negatives: n };
  const sortedNeg = Float64Array.from(neg).sort();
  const sortedPos = Float64Array.from(pos).sort();
  // Structural components: each positive's share of negatives below it (ties half), and each negative's share of positives above it.
  const v10 = pos.map((x) => (countBelow(sortedNeg, x) + countTied(sortedNeg, x) / 2) / n);
  const v01 = neg.map((y) => (m - countBelow(sortedPos, y) - countTied(sortedPos, y) + countTied(sortedPos, y) / 2) / m);
  const estimate = v10.reduce((a, b) => a + b, 0) / m;
  const variance = sampleVariance(v10) / m + sampleVariance(v01) / n;
  if (!(variance > 0) || estimate <= 0 || estimate >= 1) return { estimate, low: estimate, high: estimate, positives: m, negatives: n };
  const z = normalCritical(confidence);
  const logit = Math.log(estimate / (1 - estimate));
  const se = Math.sqrt(variance) / (estimate * (1 - estimate));
  const back = (x: number) => 1 / (1 + Math.exp(-x));
  return { estimate, low: back(logit - z * se), high: back(logit + z * se), positives: m, negatives: n };
}

/** Values in sorted `xs` strictly below `v`. */
function countBelow(xs: Float64Array, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Values in sorted `xs` equal to `v`. */
function countTied(xs: Float64Array, v: number): number {
  let lo = countBelow(xs, v);
  let hi = lo;
  while (hi < xs.length && xs[hi] === v) hi++;
  return hi - lo;
}

function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
}
