import { normalCritical, normalTwoSidedP } from './distributions.js';
import { linearRegression, waldTest } from './linear-regression.js';
import type { Difference } from './mean-difference.js';
import { checkConfidence } from './validate.js';

/** One observation: a unit (cluster) in a group and a period, with its outcome. */
export interface PanelRow {
  y: number;
  treated: boolean;
  /** 0..periods−1 in time order; the last period is the post period, the others pre. */
  period: number;
  /** The unit observed (an account): rows of a unit are correlated, so errors cluster by it. */
  unit: string | number;
}

export interface DifferenceInDifferences extends Difference {
  /** Mean outcome per period (index) for each group. */
  means: { treated: number[]; control: number[]; n: { treated: number[]; control: number[] } };
  /**
   * Wald test that the treated − control gap was the same in every pre period (parallel
   * pre-trends); null with a single pre period (nothing to compare).
   */
  preTrend: { chiSquare: number; df: number; pValue: number } | null;
}

/**
 * Difference in differences as an event-study regression with unit-clustered errors:
 * y ~ 1 + T + Σ period + Σ T × period, the last pre period the reference. The estimate is the
 * T × post coefficient: (T_post − C_post) − (T_ref − C_ref). With two or more pre periods the
 * T × pre coefficients test parallel trends before the launch. Repeated cross-sections are
 * fine (units need not appear in every period).
 */
export function differenceInDifferences(rows: readonly PanelRow[], options: { periods: number; confidence?: number }): DifferenceInDifferences {
  const { periods, confidence = 0.95 } = options;
  checkConfidence(confidence);
  if (!Number.isInteger(periods) || periods < 2) throw new Error(`invalid periods: ${periods}`);
  const post = periods - 1;
  const reference = periods - 2;
  const sums = { treated: new Array<number>(periods).fill(0), control: new Array<number>(periods).fill(0) };
  const counts = { treated: new Array<number>(periods).fill(0), control: new Array<number>(periods).fill(0) };
  for (const [i, r] of rows.entries()) {
    if (!Number.isInteger(r.period) || r.period < 0 || r.period >= periods) throw new Error(`invalid rows[${i}].period: ${r.period}`);
    const g = r.treated ? 'treated' : 'control';
    sums[g][r.period] += r.y;
    counts[g][r.period]++;
  }
  const means = {
    treated: sums.treated.map((s, p) => s / counts.treated[p]),
    control: sums.control.map((s, p) => s / counts.control[p]),
    n: counts,
  };
  const empty = [...counts.treated, ...counts.control].some((c) => c === 0);
  if (empty) return { estimate: NaN, low: NaN, high: NaN, se: NaN, pValue: NaN, means, preTrend: null };

  // Columns: 1, T, then per non-reference period p: D_p, then T × D_p.
  const others = [...Array(periods).keys()].filter((p) => p !== reference);
  const x = rows.map((r) => {
    const t = r.treated ? 1 : 0;
    const d = others.map((p) => (r.period === p ? 1 : 0));
    return [1, t, ...d, ...d.map((v) => v * t)];
  });
  const fit = linearRegression(
    x,
    rows.map((r) => r.y),
    { type: 'cluster', clusters: rows.map((r) => r.unit) },
  );
  const interaction = (p: number) => 2 + others.length + others.indexOf(p);
  const i = interaction(post);
  const estimate = fit.coefficients[i];
  const se = fit.standardErrors[i];
  const z = normalCritical(confidence);
  const pre = others.filter((p) => p !== post);
  return {
    estimate,
    low: estimate - z * se,
    high: estimate + z * se,
    se,
    pValue: se > 0 ? normalTwoSidedP(estimate / se) : NaN,
    means,
    preTrend: pre.length > 0 ? waldTest(fit, pre.map(interaction)) : null,
  };
}
