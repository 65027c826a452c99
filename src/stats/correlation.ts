import { normalCritical } from './distributions.js';
import type { Interval } from './interval.js';
import { checkTable2x2 } from './table-2x2.js';
import { checkConfidence } from './validate.js';

/**
 * Phi coefficient of the 2×2 table [[a, b], [c, d]] — the Pearson correlation of the two 0/1
 * variables (rows: did the step or not; columns: reached the outcome or not):
 * φ = (ad − bc) / √((a + b)(c + d)(a + c)(b + d)).
 *
 * The interval is Fisher's z transform, as R's cor.test and scipy's pearsonr give for a
 * Pearson correlation: tanh(atanh(φ) ± z·1/√(n − 3)). At φ = ±1 it collapses to that point.
 *
 * An empty margin (a row or column total of 0) carries no information: estimate NaN and the
 * whole range [−1, 1]. So does any table of 3 or fewer (n − 3 ≤ 0): the estimate is reported
 * but the interval is [−1, 1].
 */
export function phiCoefficient(a: number, b: number, c: number, d: number, confidence = 0.95): Interval {
  checkTable2x2(a, b, c, d);
  checkConfidence(confidence);
  const rows = [a + b, c + d];
  const cols = [a + c, b + d];
  if (rows.includes(0) || cols.includes(0)) return { estimate: NaN, low: -1, high: 1 };

  // Divided stepwise (two square roots) so large tables stay far from overflow.
  const raw = (a * d - b * c) / Math.sqrt(rows[0] * rows[1]) / Math.sqrt(cols[0] * cols[1]);
  // Rounding can push |φ| a hair past 1 for a perfect table.
  const estimate = Math.max(-1, Math.min(1, raw));
  const n = a + b + c + d;
  if (n <= 3) return { estimate, low: -1, high: 1 };

  const z = Math.atanh(estimate);
  const margin = normalCritical(confidence) / Math.sqrt(n - 3);
  return { estimate, low: Math.tanh(z - margin), high: Math.tanh(z + margin) };
}
