import { quantile } from '../stats/index.js';
import { FEATURE_MEASURES, type FeatureMatrix } from './feature-matrix.js';

/** Breadth is cut into this many bands (quintiles of the accounts given). */
export const BREADTH_BANDS = 5;

/**
 * Per account of `rows` (matrix rows): its plan and its fifth of breadth, the number of distinct
 * (action, object) pairs it used in the early window, e.g. 'pro | breadth 3/5'. Account fit
 * raises every use and retention alike, so a lift that holds within these strata is less
 * likely to be engagement in general than the behaviour itself.
 */
export function engagementStrata(matrix: FeatureMatrix, rows: ArrayLike<number>, plans: readonly string[]): string[] {
  if (plans.length !== rows.length) throw new Error(`invalid plans length: ${plans.length} (rows = ${rows.length})`);
  const w = matrix.columns.length;
  const used = matrix.features.flatMap((f, j) => (f.place === null ? [j * FEATURE_MEASURES.length] : []));
  const breadth = Array.from(rows, (r) => used.reduce((n, c) => n + (matrix.x[r * w + c] > 0 ? 1 : 0), 0));
  const cuts = Array.from({ length: BREADTH_BANDS - 1 }, (_, k) => quantile(breadth, (k + 1) / BREADTH_BANDS));
  return breadth.map((b, i) => `${plans[i]} | breadth ${cuts.filter((c) => b > c).length + 1}/${BREADTH_BANDS}`);
}
