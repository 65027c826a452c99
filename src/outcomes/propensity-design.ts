/**
 * (c) Adopters against non-adopters, stratified on a propensity score. Landmark: an adopter
 * used the feature (activation events) within `landmark` days of exposure, and only accounts
 * still customers at the landmark are compared, so no one is an adopter by having survived
 * long enough to become one. The score is a logistic regression of adopting on plan, seats,
 * tenure and use in the 28 days before exposure; accounts are split into score quintiles and
 * the difference is averaged over quintiles weighted by adopters (the effect on adopters).
 * Observational: associations, not causes. The unadjusted difference is shown beside it, to
 * see how much of it was who adopts. Placebo (counts and milestones): the same strata on the
 * window before exposure, when no one had the feature.
 */
import { logisticRegression, quantileStrata, stratifiedDifference, summarize, type Stratum } from '../stats/index.js';
import { dayText } from './day-numbers.js';
import { compareGroups, finite, notApplicable, placeboOf, withFigures, type DesignResult, type DesignSettings } from './design-result.js';
import { exposureDay } from './adoption-funnel.js';
import type { DailyCounts } from './metric-values.js';
import type { Population } from './population.js';

const BASE = {
  name: 'propensity_strata',
  label: 'Adopters vs non-adopters, propensity strata',
  grade: 'D',
  claims: 'how adopters differ from comparable non-adopters (same plan, seats, tenure and prior use): associations, not causes',
  cannot_claim: 'that the feature caused the difference: whatever made accounts both adopt and do well (their health, their intent) is not measured',
} as const;

export const PRE_USE_DAYS = 28;
const STRATA = 5;

export interface PropensityInput {
  activation: DailyCounts | null;
  /** Events per account in the PRE_USE_DAYS before the launch day (accounts existing then). */
  preUse: Float64Array;
  retention: boolean;
}

export function propensityDesign(p: Population, input: PropensityInput, launchDay: number, at: number, s: DesignSettings): DesignResult {
  if (!input.activation) return notApplicable(BASE, 'no activation events declared: adopters cannot be told apart');
  const N = s.metric.days;
  const landmark = Math.max(1, Math.min(14, Math.floor(N / 2)));
  const rows: { a: number; adopted: boolean; y: number; e: number }[] = [];
  for (let a = 0; a < p.ids.length; a++) {
    const e = exposureDay(p, a, launchDay);
    if (e === null || e + N > at || p.churn[a] <= e + landmark) continue;
    const y = s.metric.value(a, e);
    if (y === null) continue;
    rows.push({ a, adopted: input.activation.sum(a, e, e + landmark) > 0, y, e });
  }
  const adopters = rows.filter((r) => r.adopted).length;
  if (adopters < s.minGroup || rows.length - adopters < s.minGroup) {
    return notApplicable(BASE, `too few accounts to compare: ${adopters} adopters and ${rows.length - adopters} non-adopters within ${landmark} days of exposure (need ${s.minGroup} each)`);
  }
  const covariates = covariateRows(p, rows, input.preUse, launchDay);
  const fit = logisticRegression(covariates.x, rows.map((r) => r.adopted), { ridge: 1e-3 });
  const stratum = quantileStrata(fit.fitted, STRATA);
  const strataOf = (value: (r: (typeof rows)[number]) => number | null): Stratum[] =>
    [...Array(STRATA).keys()].map((k) => {
      const t: number[] = [];
      const c: number[] = [];
      rows.forEach((r, i) => {
        if (stratum[i] !== k) return;
        const v = value(r);
        if (v !== null) (r.adopted ? t : c).push(v);
      });
      return { treated: summarize(t), control: summarize(c) };
    });
  const strata = strataOf((r) => r.y);
  const d = stratifiedDifference(strata, { confidence: s.confidence, weights: 'treated' });
  const unadjusted = compareGroups(
    rows.filter((r) => r.adopted).map((r) => r.y),
    rows.filter((r) => !r.adopted).map((r) => r.y),
    s.metric.scale,
    s.confidence,
  );
  const controlValue = d.strata.reduce((acc, st, k) => acc + st.weight * (strata[k].control.n >= 2 ? strata[k].control.mean : 0), 0);

  // Placebo: the same strata, the window before exposure (for accounts that existed then).
  let placebo = null;
  if (!input.retention) {
    // Accounts that signed up after launch had no window before exposure: their value is null.
    const back = stratifiedDifference(strataOf((r) => s.metric.value(r.a, r.e - N)), { confidence: s.confidence });
    if (Number.isFinite(back.estimate)) placebo = placeboOf(dayText(launchDay - N), back);
  }
  const caveats = ['observational: associations, not causes'];
  if (!fit.converged) caveats.push('the propensity model did not converge (some covariate nearly decides adoption); strata are coarse');
  if (d.dropped > 0) caveats.push(`${d.dropped} of ${STRATA} strata left out: no comparable non-adopters or adopters there`);
  if (placebo && !placebo.passed) caveats.push('adopters already differed before they could adopt (placebo): the strata do not make the groups comparable');
  if (input.retention) caveats.push('no placebo for retention: accounts compared were all customers before launch');
  return {
    ...BASE,
    applicable: true,
    why_not: null,
    eligible: placebo?.passed ?? true,
    ...withFigures(d, s, controlValue),
    treated: { n: adopters, value: unadjusted.treated.value },
    control: { n: rows.length - adopters, value: finite(controlValue) },
    placebo,
    diagnostics: {
      landmark_days: landmark,
      unadjusted: { estimate: finite(unadjusted.estimate), low: finite(unadjusted.low), high: finite(unadjusted.high) },
      covariates: covariates.names,
      strata: d.strata.map((st, k) => ({ adopters: strata[k].treated.n, non_adopters: strata[k].control.n, difference: finite(st.difference), weight: st.weight })),
    },
    caveats,
  };
}

/** Intercept, plan dummies (the commonest plan the reference), then standardised log seats, tenure and prior use. */
function covariateRows(p: Population, rows: readonly { a: number; e: number }[], preUse: Float64Array, launchDay: number): { x: number[][]; names: string[] } {
  const plans = new Map<string, number>();
  for (const r of rows) plans.set(p.plan[r.a] ?? '(none)', (plans.get(p.plan[r.a] ?? '(none)') ?? 0) + 1);
  const levels = [...plans.entries()].sort((x, y) => y[1] - x[1]).map(([k]) => k).slice(1);
  const raw = rows.map((r) => [Math.log1p(p.seats[r.a]), Math.log1p(r.e - p.signup[r.a]), r.e === launchDay ? Math.log1p(preUse[r.a]) : 0]);
  const scale = [0, 1, 2].map((j) => {
    const col = summarize(raw.map((v) => v[j]));
    return { mean: col.mean, sd: Math.sqrt(col.variance) || 1 };
  });
  const x = rows.map((r, i) => [
    1,
    ...levels.map((l) => ((p.plan[r.a] ?? '(none)') === l ? 1 : 0)),
    ...raw[i].map((v, j) => (v - scale[j].mean) / scale[j].sd),
  ]);
  return { x, names: [...levels.map((l) => `plan = ${l}`), 'log seats', 'log tenure days', `log events in the ${PRE_USE_DAYS} days before`] };
}
