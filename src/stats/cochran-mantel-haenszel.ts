import { chiSquareUpperTail, normalCritical } from './distributions.js';
import type { Interval } from './interval.js';
import { checkTable2x2, type Table2x2 } from './table-2x2.js';
import { checkConfidence } from './validate.js';

/** Options for {@link cochranMantelHaenszel}. */
export interface CochranMantelHaenszelOptions {
  /** Subtract 0.5 from |Σa − ΣE(a)| before squaring, as R's default (default false). */
  continuityCorrection?: boolean;
  /** Confidence level of the pooled ratios' intervals (default 0.95). */
  confidence?: number;
}

/** The CMH test and the Mantel–Haenszel pooled ratios over K strata. */
export interface CochranMantelHaenszel {
  /** CMH statistic (1 degree of freedom); NaN when no stratum has any variance. */
  chiSquare: number;
  /** Two-sided p-value; NaN when the statistic is. */
  pValue: number;
  /** Pooled risk ratio with the Greenland–Robins (1985) interval. */
  riskRatio: Interval;
  /** Pooled odds ratio with the Robins–Breslow–Greenland (1986) interval. */
  oddsRatio: Interval;
  /** Strata that entered the calculation (those with at least 2 subjects). */
  strataUsed: number;
}

/**
 * Cochran–Mantel–Haenszel test and Mantel–Haenszel pooled risk and odds ratios for 2×2 tables
 * stratified by a confounder. Strata with fewer than 2 subjects carry no information and are
 * skipped. A pooled ratio whose numerator or denominator sum is 0 is 0, ∞ or NaN with a NaN
 * interval: the log-scale variance does not exist there.
 */
export function cochranMantelHaenszel(
  strata: readonly Table2x2[],
  options: CochranMantelHaenszelOptions = {},
): CochranMantelHaenszel {
  if (!Array.isArray(strata)) throw new Error(`invalid strata: ${String(strata)}`);
  strata.forEach(({ a, b, c, d }, k) => checkTable2x2(a, b, c, d, `strata[${k}].`));
  const { continuityCorrection = false, confidence = 0.95 } = options;
  checkConfidence(confidence);

  let observed = 0;
  let expected = 0;
  let variance = 0;
  // Risk ratio sums (Greenland & Robins 1985).
  let rrNumerator = 0;
  let rrDenominator = 0;
  let rrVariance = 0;
  // Odds ratio sums (Robins, Breslow & Greenland 1986): R = Σ ad/n, S = Σ bc/n.
  let sumR = 0;
  let sumS = 0;
  let sumPR = 0;
  let sumPSQR = 0;
  let sumQS = 0;
  let strataUsed = 0;

  for (const { a, b, c, d } of strata) {
    const n = a + b + c + d;
    if (n < 2) continue;
    strataUsed++;
    const exposed = a + b;
    const unexposed = c + d;
    const cases = a + c;
    const nonCases = b + d;

    observed += a;
    expected += (exposed * cases) / n;
    variance += (exposed * unexposed * cases * nonCases) / (n * n * (n - 1));

    rrNumerator += (a * unexposed) / n;
    rrDenominator += (c * exposed) / n;
    rrVariance += (exposed * unexposed * cases - a * c * n) / (n * n);

    const r = (a * d) / n;
    const s = (b * c) / n;
    const p = (a + d) / n;
    const q = (b + c) / n;
    sumR += r;
    sumS += s;
    sumPR += p * r;
    sumPSQR += p * s + q * r;
    sumQS += q * s;
  }

  const deviation = Math.abs(observed - expected);
  // As R: the correction applies only when it cannot flip the sign of the deviation.
  const correction = continuityCorrection && deviation >= 0.5 ? 0.5 : 0;
  const chiSquare = variance > 0 ? (deviation - correction) ** 2 / variance : NaN;
  const z = normalCritical(confidence);

  const rr = rrNumerator / rrDenominator;
  const logRrVariance = rrVariance / (rrNumerator * rrDenominator);
  const or = sumR / sumS;
  const logOrVariance =
    sumPR / (2 * sumR * sumR) + sumPSQR / (2 * sumR * sumS) + sumQS / (2 * sumS * sumS);

  return {
    chiSquare,
    pValue: chiSquareUpperTail(chiSquare, 1),
    riskRatio: logInterval(rr, logRrVariance, z),
    oddsRatio: logInterval(or, logOrVariance, z),
    strataUsed,
  };
}

function logInterval(estimate: number, logVariance: number, z: number): Interval {
  if (!(estimate > 0 && Number.isFinite(estimate))) return { estimate, low: NaN, high: NaN };
  const margin = z * Math.sqrt(logVariance);
  return { estimate, low: estimate * Math.exp(-margin), high: estimate * Math.exp(margin) };
}
