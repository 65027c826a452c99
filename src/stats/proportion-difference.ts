import { chiSquareUpperTail, logFactorial, normalCritical } from './distributions.js';
import type { Interval } from './interval.js';
import { checkTable2x2 } from './table-2x2.js';
import { checkConfidence, checkCount } from './validate.js';
import { wilsonInterval } from './wilson-interval.js';

/** A risk ratio with its interval; `continuityCorrected` says 0.5 was added to every cell. */
export interface RiskRatio extends Interval {
  /** True when a zero cell made the estimate and interval use the table plus 0.5 per cell. */
  continuityCorrected: boolean;
}

/** Result of a chi-square test on a 2×2 table (1 degree of freedom). */
export interface ChiSquareTest {
  /** The statistic; NaN when a row or column total is 0. */
  chiSquare: number;
  /** Two-sided p-value; NaN when the statistic is. */
  pValue: number;
  /** Smallest expected cell count; below 5 the chi-square approximation is doubtful. */
  minExpected: number;
}

/** Result of Fisher's exact test. */
export interface FisherExactTest {
  /** Two-sided p-value: the probability of tables no more likely than the observed one. */
  pValue: number;
}

/**
 * Difference p1 − p2 of two proportions with Newcombe's hybrid score interval (Newcombe 1998,
 * method 10), built from the two Wilson intervals. An empty group gives NaN and [−1, 1].
 */
export function riskDifference(successes1: number, trials1: number, successes2: number, trials2: number, confidence = 0.95): Interval {
  checkProportion('1', successes1, trials1);
  checkProportion('2', successes2, trials2);
  checkConfidence(confidence);
  if (trials1 === 0 || trials2 === 0) return { estimate: NaN, low: -1, high: 1 };

  const one = wilsonInterval(successes1, trials1, confidence);
  const two = wilsonInterval(successes2, trials2, confidence);
  const estimate = one.estimate - two.estimate;
  const low = estimate - Math.hypot(one.estimate - one.low, two.high - two.estimate);
  const high = estimate + Math.hypot(one.high - one.estimate, two.estimate - two.low);
  return { estimate, low: Math.max(-1, low), high: Math.min(1, high) };
}

/**
 * Ratio p1 / p2 of two proportions with the log (Katz) interval. When any cell of the 2×2 table
 * is 0, 0.5 is added to all four cells and both estimate and interval use that table (as
 * metafor's escalc does). An empty group gives NaN and [0, ∞).
 */
export function riskRatio(successes1: number, trials1: number, successes2: number, trials2: number, confidence = 0.95): RiskRatio {
  checkProportion('1', successes1, trials1);
  checkProportion('2', successes2, trials2);
  checkConfidence(confidence);
  if (trials1 === 0 || trials2 === 0) return { estimate: NaN, low: 0, high: Infinity, continuityCorrected: false };

  let a = successes1;
  let b = trials1 - successes1;
  let c = successes2;
  let d = trials2 - successes2;
  const continuityCorrected = a === 0 || b === 0 || c === 0 || d === 0;
  if (continuityCorrected) [a, b, c, d] = [a + 0.5, b + 0.5, c + 0.5, d + 0.5];

  const estimate = a / (a + b) / (c / (c + d));
  const se = Math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d));
  const margin = normalCritical(confidence) * se;
  return { estimate, low: estimate * Math.exp(-margin), high: estimate * Math.exp(margin), continuityCorrected };
}

/**
 * Pearson's chi-square test of independence for the 2×2 table [[a, b], [c, d]], optionally
 * with Yates' continuity correction (capped, as R does, so it never overshoots zero).
 */
export function chiSquareTest2x2(a: number, b: number, c: number, d: number, options: { yates?: boolean } = {}): ChiSquareTest {
  checkTable2x2(a, b, c, d);
  const { yates = false } = options;
  const n = a + b + c + d;
  const rows = [a + b, c + d];
  const cols = [a + c, b + d];
  const minExpected = n === 0 ? NaN : (Math.min(...rows) * Math.min(...cols)) / n;
  if (rows.includes(0) || cols.includes(0)) return { chiSquare: NaN, pValue: NaN, minExpected };

  const diff = Math.abs(a * d - b * c);
  const corrected = yates ? diff - Math.min(n / 2, diff) : diff;
  // N·(ad − bc)² / (row and column totals), divided stepwise to stay far from overflow.
  const chiSquare = ((n * (corrected / rows[0]) * (corrected / rows[1])) / cols[0]) / cols[1];
  return { chiSquare, pValue: chiSquareUpperTail(chiSquare, 1), minExpected };
}

/**
 * Fisher's exact test for [[a, b], [c, d]], two-sided: sums the hypergeometric probabilities
 * of tables with the observed margins that are no more likely than the observed table
 * (relative tolerance 1e-7, as R's fisher.test). Log-factorials keep large counts finite.
 */
export function fisherExactTest2x2(a: number, b: number, c: number, d: number): FisherExactTest {
  checkTable2x2(a, b, c, d);
  const row1 = a + b;
  const row2 = c + d;
  const col1 = a + c;
  const lowest = Math.max(0, col1 - row2);
  const highest = Math.min(row1, col1);
  if (lowest === highest) return { pValue: 1 };

  // log P(x) up to a constant shared by every table with these margins.
  const logWeight = (x: number) =>
    -logFactorial(x) - logFactorial(row1 - x) - logFactorial(col1 - x) - logFactorial(row2 - col1 + x);
  const logWeights: number[] = [];
  let max = -Infinity;
  for (let x = lowest; x <= highest; x++) {
    const w = logWeight(x);
    logWeights.push(w);
    if (w > max) max = w;
  }
  const observed = Math.exp(logWeights[a - lowest] - max) * (1 + 1e-7);
  let total = 0;
  let asExtreme = 0;
  for (const w of logWeights) {
    const weight = Math.exp(w - max);
    total += weight;
    if (weight <= observed) asExtreme += weight;
  }
  return { pValue: Math.min(1, asExtreme / total) };
}

function checkProportion(group: string, successes: number, trials: number): void {
  checkCount(`trials${group}`, trials);
  checkCount(`successes${group}`, successes, ` (trials${group} ${trials})`);
  if (successes > trials) throw new Error(`invalid successes${group}: ${successes} (trials${group} ${trials})`);
}
