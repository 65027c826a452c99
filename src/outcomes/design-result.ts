/**
 * What every design reports, and the comparisons they share. A design is graded by what it can
 * claim: A randomized, B quasi-experimental with its assumption checked, C quasi-experimental
 * with its assumption untested, D observational (associations, not causes).
 */
import { chiSquareTest2x2, meanDifference, riskDifference, summarize, twoSidedPower, type Difference } from '../stats/index.js';
import type { MetricValues } from './metric-values.js';

export type DesignName = 'randomized_holdout' | 'holdout' | 'difference_in_differences' | 'interrupted_time_series' | 'propensity_strata';
export type Grade = 'A' | 'B' | 'C' | 'D';

export interface GroupValue {
  n: number;
  value: number | null;
}

export interface Placebo {
  /** The fake launch day the same analysis ran at. */
  at: string;
  estimate: number | null;
  low: number | null;
  high: number | null;
  /** True when the interval covers 0: no effect found where there was none to find. */
  passed: boolean;
}

export interface DesignResult {
  name: DesignName;
  label: string;
  grade: Grade;
  applicable: boolean;
  /** Why the design could not run on this data; null when it ran. */
  why_not: string | null;
  /** May decide the verdict: it ran and its checks (pre-trends, placebo) did not fail. */
  eligible: boolean;
  estimate: number | null;
  low: number | null;
  high: number | null;
  se: number | null;
  /** Two-sided, Bonferroni-adjusted over the declared checkpoints (as the interval is). */
  p_value: number | null;
  treated: GroupValue;
  control: GroupValue;
  /** Power to detect the declared target at this design's standard error and confidence. */
  power: number | null;
  placebo: Placebo | null;
  /** Design-specific checks and figures (pre-trend test, strata, series…). */
  diagnostics: Record<string, unknown>;
  caveats: string[];
  claims: string;
  cannot_claim: string;
}

/** What the designs share: the metric, the confidence per look, and how many looks. */
export interface DesignSettings {
  metric: MetricValues;
  /** Per-look confidence (Bonferroni over the declared checkpoints). */
  confidence: number;
  looks: number;
  /** The declared target as a difference in the metric's units, given the control's value. */
  expected: (controlValue: number | null) => number | null;
  /** Fewest accounts (or points) a group needs. */
  minGroup: number;
}

export const finite = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

/** A design that could not run, and why. */
export function notApplicable(base: Pick<DesignResult, 'name' | 'label' | 'grade' | 'claims' | 'cannot_claim'>, why: string): DesignResult {
  return {
    ...base,
    applicable: false,
    why_not: why,
    eligible: false,
    estimate: null,
    low: null,
    high: null,
    se: null,
    p_value: null,
    treated: { n: 0, value: null },
    control: { n: 0, value: null },
    power: null,
    placebo: null,
    diagnostics: {},
    caveats: [],
  };
}

export interface Comparison extends Difference {
  treated: GroupValue;
  control: GroupValue;
}

/**
 * Treated − control for two samples of one metric: proportions by Newcombe's hybrid score
 * interval and the chi-square test, means by Welch.
 */
export function compareGroups(treated: readonly number[], control: readonly number[], scale: MetricValues['scale'], confidence: number): Comparison {
  const t = summarize(treated);
  const c = summarize(control);
  const groups = { treated: { n: t.n, value: finite(t.mean) }, control: { n: c.n, value: finite(c.mean) } };
  if (scale === 'proportion') {
    const x1 = Math.round(t.mean * t.n);
    const x2 = Math.round(c.mean * c.n);
    const d = riskDifference(x1, t.n, x2, c.n, confidence);
    const se = Math.sqrt((t.mean * (1 - t.mean)) / t.n + (c.mean * (1 - c.mean)) / c.n);
    const test = chiSquareTest2x2(x1, t.n - x1, x2, c.n - x2);
    return { ...d, se, pValue: Number.isNaN(test.pValue) ? (d.estimate === 0 ? 1 : NaN) : test.pValue, ...groups };
  }
  return { ...meanDifference(t, c, confidence), ...groups };
}

/** Fills the figures every design reports from its estimate and settings. */
export function withFigures(d: Difference, s: DesignSettings, controlValue: number | null): Pick<DesignResult, 'estimate' | 'low' | 'high' | 'se' | 'p_value' | 'power'> {
  const expected = s.expected(controlValue);
  return {
    estimate: finite(d.estimate),
    low: finite(d.low),
    high: finite(d.high),
    se: finite(d.se),
    p_value: finite(Math.min(1, d.pValue * s.looks)),
    power: expected === null ? null : finite(twoSidedPower(expected, d.se, s.confidence)),
  };
}

/** A placebo result: the interval should cover zero; null when the placebo could not be computed. */
export function placeboOf(at: string, d: Difference): Placebo | null {
  if (!Number.isFinite(d.low) || !Number.isFinite(d.high)) return null;
  return { at, estimate: finite(d.estimate), low: d.low, high: d.high, passed: d.low <= 0 && d.high >= 0 };
}
