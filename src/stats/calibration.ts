import { chiSquareUpperTail } from './distributions.js';
import type { Interval } from './interval.js';
import { checkCount, checkUnitInterval } from './validate.js';
import { wilsonInterval } from './wilson-interval.js';

/** One group of a reliability table: the rate predicted for it, and what its accounts did. */
export interface CalibrationGroup {
  label: string;
  /** Predicted probability of the outcome for every member. */
  predicted: number;
  /** Members, and those with the outcome. */
  n: number;
  events: number;
}

export interface CalibrationRow extends CalibrationGroup {
  /** Observed rate with its Wilson interval. */
  observed: Interval;
}

export interface Calibration {
  rows: CalibrationRow[];
  /** Mean squared difference between prediction and outcome (0 perfect; 0.25 for a coin at 0.5). */
  brier: number;
  /** Brier of predicting everyone the overall observed rate: a skill score compares with it. */
  brierOfBaseRate: number;
  /** 1 − brier / brierOfBaseRate: above 0 the groups add skill over the base rate. */
  skill: number;
  /** Members-weighted mean |observed − predicted|. */
  meanAbsoluteError: number;
  /**
   * Hosmer–Lemeshow statistic for predictions fixed in advance (from other data): Σ (O − nP)² / (nP(1 − P))
   * over groups with 0 < P < 1, chi-square with as many degrees of freedom as such groups.
   */
  chiSquare: number;
  degreesOfFreedom: number;
  pValue: number;
}

/**
 * Calibration of group-level predictions against outcomes: the reliability table (predicted
 * vs observed per group, Wilson 95% intervals), the Brier score and its skill over the base
 * rate, and the Hosmer–Lemeshow test of "observed = predicted" in every group. Predictions
 * must come from other accounts than the ones judged here (earlier cohorts, say), so the
 * test has one degree of freedom per group.
 */
export function calibration(groups: readonly CalibrationGroup[]): Calibration {
  if (!Array.isArray(groups)) throw new Error(`invalid groups: ${String(groups)}`);
  groups.forEach((g, i) => {
    checkCount(`groups[${i}].n`, g.n);
    checkCount(`groups[${i}].events`, g.events, ` (n ${g.n})`);
    if (g.events > g.n) throw new Error(`invalid groups[${i}].events: ${g.events} (n ${g.n})`);
    checkUnitInterval(`groups[${i}].predicted`, g.predicted);
  });
  const n = groups.reduce((s, g) => s + g.n, 0);
  const events = groups.reduce((s, g) => s + g.events, 0);
  const rows = groups.map((g) => ({ ...g, observed: wilsonInterval(g.events, g.n) }));
  if (n === 0) return { rows, brier: NaN, brierOfBaseRate: NaN, skill: NaN, meanAbsoluteError: NaN, chiSquare: NaN, degreesOfFreedom: 0, pValue: NaN };
  // Members with the outcome score (1 − P)², the others P².
  const brier = groups.reduce((s, g) => s + g.events * (1 - g.predicted) ** 2 + (g.n - g.events) * g.predicted ** 2, 0) / n;
  const base = events / n;
  const brierOfBaseRate = base * (1 - base);
  let chiSquare = 0;
  let df = 0;
  for (const g of groups) {
    if (g.n === 0 || g.predicted <= 0 || g.predicted >= 1) continue;
    chiSquare += (g.events - g.n * g.predicted) ** 2 / (g.n * g.predicted * (1 - g.predicted));
    df++;
  }
  return {
    rows,
    brier,
    brierOfBaseRate,
    skill: brierOfBaseRate > 0 ? 1 - brier / brierOfBaseRate : NaN,
    meanAbsoluteError: groups.reduce((s, g) => s + (g.n ? g.n * Math.abs(g.events / g.n - g.predicted) : 0), 0) / n,
    chiSquare: df > 0 ? chiSquare : NaN,
    degreesOfFreedom: df,
    pValue: df > 0 ? chiSquareUpperTail(chiSquare, df) : NaN,
  };
}
