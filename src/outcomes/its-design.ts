/**
 * (d) Interrupted time series on the audience: each week's point is the metric over that week
 * alone (weekly retention, reaching rate or count per account) among the exposed audience's
 * accounts at risk at its start, so points share no days. A segmented regression with AR(1)
 * errors fits a level and a slope change at launch; the mean change over the weeks since
 * launch is converted to the declared window (a count scales by days/7; retention and
 * milestones compound the weekly rate over the window, by the delta method), which assumes the
 * weekly rate holds across the window. Placebo: the same fit on the weeks before launch alone,
 * broken at their middle.
 */
import { segmentedRegression } from '../stats/index.js';
import { dayText } from './day-numbers.js';
import { finite, notApplicable, placeboOf, withFigures, type DesignResult, type DesignSettings } from './design-result.js';
import type { MetricValues } from './metric-values.js';
import type { Population } from './population.js';

const BASE = {
  name: 'interrupted_time_series',
  label: 'Interrupted time series',
  grade: 'C',
  claims: "a break at launch in the audience's weekly series, beyond its pre-launch trend",
  cannot_claim: 'what else changed at launch (a price change, a season, another launch); the series is the whole audience, not users against non-users',
} as const;

/** Weeks of history before launch the fit uses at most. */
const PRE_WEEKS = 52;
const MIN_PRE = 8;

export interface WeeklyPoint {
  week: number;
  start: string;
  n: number;
  value: number;
  /** The point's weight in the fit: accounts at risk for a mean over them, 1 for a count such as signups. */
  weight: number;
}

/** How a weekly value maps onto the declared window's scale, and its slope there (delta method). */
export interface WindowScale {
  toWindow(weekly: number): number;
  slope(weekly: number): number;
}

/** Weekly values to the metric's window: counts add up over weeks, rates compound. */
export function windowScale(kind: 'count' | 'retention' | 'milestone' | 'signups', days: number): WindowScale {
  const w = days / 7;
  switch (kind) {
    case 'count':
      return { toWindow: (x) => x * w, slope: () => w };
    case 'retention':
      return { toWindow: (r) => Math.max(0, r) ** w, slope: (r) => w * Math.max(0, r) ** (w - 1) };
    case 'milestone':
      return { toWindow: (q) => 1 - Math.max(0, 1 - q) ** w, slope: (q) => w * Math.max(0, 1 - q) ** (w - 1) };
    case 'signups':
      return { toWindow: (x) => x, slope: () => 1 };
  }
}

/** The weeks before launch (up to a year) and since, each with `valueAt(start)` or skipped when null. */
export function weeklySeries(launchDay: number, at: number, valueAt: (start: number) => Omit<WeeklyPoint, 'week' | 'start'> | null): { pre: WeeklyPoint[]; post: WeeklyPoint[] } {
  const pre: WeeklyPoint[] = [];
  const post: WeeklyPoint[] = [];
  for (let k = -PRE_WEEKS; launchDay + 7 * k + 7 <= at; k++) {
    const v = valueAt(launchDay + 7 * k);
    if (v !== null) (k < 0 ? pre : post).push({ week: k, start: dayText(launchDay + 7 * k), ...v });
  }
  return { pre, post };
}

/** The mean weekly metric over the exposed audience's accounts at risk on `start`. */
export function audienceMean(p: Population, weekly: MetricValues, minAccounts: number): (start: number) => Omit<WeeklyPoint, 'week' | 'start'> | null {
  return (start) => {
    let n = 0;
    let sum = 0;
    for (let a = 0; a < p.ids.length; a++) {
      if (!p.inAudience[a] || p.inHoldout[a]) continue;
      const v = weekly.value(a, start);
      if (v === null) continue;
      n++;
      sum += v;
    }
    return n >= minAccounts ? { n, value: sum / n, weight: n } : null;
  };
}

export const itsNotApplicable = (why: string): DesignResult => notApplicable(BASE, why);

export function itsDesign(series: { pre: WeeklyPoint[]; post: WeeklyPoint[] }, launchDay: number, s: DesignSettings, scale: WindowScale): DesignResult {
  const { pre, post } = series;
  if (pre.length < MIN_PRE) return notApplicable(BASE, `${pre.length} weeks of data before launch (need ${MIN_PRE})`);
  if (post.length === 0) return notApplicable(BASE, 'no full week since launch');
  const points = [...pre, ...post];
  const its = segmentedRegression(
    points.map((q) => q.week),
    points.map((q) => q.value),
    0,
    { confidence: s.confidence, weights: points.map((q) => q.weight) },
  );
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const weeklyObserved = mean(post.map((q) => q.value));
  const weeklyCounterfactual = mean(post.map((_, i) => its.counterfactual[pre.length + i]));
  const factor = scale.slope(weeklyCounterfactual);
  // Weekly effects onto the declared window.
  const toWindow = <T extends { estimate: number; low: number; high: number; se: number }>(e: T): T => ({ ...e, estimate: e.estimate * factor, low: e.low * factor, high: e.high * factor, se: e.se * factor });
  const effect = toWindow(its.effect);
  const counterfactual = scale.toWindow(weeklyCounterfactual);

  let placebo = null;
  if (pre.length >= 2 * MIN_PRE) {
    const mid = pre[Math.floor(pre.length / 2)].week;
    const fake = segmentedRegression(
      pre.map((q) => q.week),
      pre.map((q) => q.value),
      mid,
      { confidence: s.confidence, weights: pre.map((q) => q.weight) },
    );
    placebo = placeboOf(dayText(launchDay + 7 * mid), toWindow(fake.effect));
  }
  const caveats = [`${pre.length} weeks before launch and ${post.length} since; AR(1) errors (ρ = ${its.rho.toFixed(2)})`];
  if (s.metric.days !== 7) caveats.push(`weekly rates converted to the ${s.metric.days}-day window, assuming the weekly rate holds across it`);
  if (!its.slope) caveats.push('too few weeks since launch for a change in slope: only the level is fitted');
  if (placebo && !placebo.passed) caveats.push('the placebo found a break before launch, where there was none: the series moves on its own');
  if (!placebo) caveats.push(`no placebo: fewer than ${2 * MIN_PRE} weeks before launch`);
  return {
    ...BASE,
    applicable: true,
    why_not: null,
    eligible: placebo?.passed ?? true,
    ...withFigures(effect, s, counterfactual),
    treated: { n: post.reduce((a, q) => a + q.n, 0), value: finite(scale.toWindow(weeklyObserved)) },
    control: { n: post.reduce((a, q) => a + q.n, 0), value: finite(counterfactual) },
    placebo,
    diagnostics: {
      weekly_level_change: { estimate: finite(its.level.estimate), se: finite(its.level.se) },
      weekly_slope_change: its.slope && { estimate: finite(its.slope.estimate), se: finite(its.slope.se) },
      rho: finite(its.rho),
      series: points.map((q, i) => ({ ...q, fitted: finite(its.fitted[i]), counterfactual: finite(its.counterfactual[i]) })),
    },
    caveats,
  };
}
