/**
 * Measures one declared metric with every design the data allow, and picks the strongest that
 * ran and passed its checks: a randomized holdout, then difference in differences, then the
 * interrupted time series, then the observational comparisons (a holdout not chosen at random,
 * adopters against non-adopters).
 */
import type { Expectation, Launch, LaunchConfig, Matcher, OutcomeMetric } from '../config/index.js';
import type { MilestoneReport } from '../milestones/index.js';
import { bonferroniConfidence } from '../stats/index.js';
import type { Store } from '../store/index.js';
import { dayNumber } from './day-numbers.js';
import { type DesignName, type DesignResult, type DesignSettings } from './design-result.js';
import { didDesign, didGroups } from './did-design.js';
import { holdoutDesign } from './holdout-design.js';
import { audienceMean, itsDesign, itsNotApplicable, weeklySeries, windowScale } from './its-design.js';
import { countValues, DailyCounts, metricLabel, milestoneValues, mrrValues, retentionValues, type MetricValues } from './metric-values.js';
import { readMatcherDays } from './outcome-queries.js';
import { NEVER, type Population } from './population.js';
import { propensityDesign, type PropensityInput } from './propensity-design.js';

export const CONFIDENCE = 0.95;
/** Fewest accounts a group needs (and fewest accounts behind a point of a weekly series). */
export const MIN_GROUP = 30;

const PREFERENCE: readonly DesignName[] = ['randomized_holdout', 'difference_in_differences', 'interrupted_time_series', 'holdout', 'propensity_strata'];

export interface Measurement {
  metric: OutcomeMetric;
  label: string;
  direction: Expectation['direction'];
  target: Expectation['target'];
  scale: MetricValues['scale'] | 'count';
  /** The declared target as treated − control in the metric's units (signed); null when it needs a control value there is none of. */
  expected: number | null;
  confidence: number;
  primary: DesignResult | null;
  designs: DesignResult[];
}

/** What measuring needs beyond the metric: data read once per report and shared. */
export interface MeasureContext {
  store: Store;
  launch: Launch;
  /** The declaration judged: its holdout and checkpoints govern the analysis. */
  holdout: LaunchConfig['holdout'] | null;
  looks: number;
  population: Population;
  launchDay: number;
  at: number;
  /** Activation events per account (for adopters), and any launch event (for exposure); null without events. */
  activation: DailyCounts | null;
  anyLaunchEvent: DailyCounts | null;
  preUse: Float64Array;
  counts: (m: Matcher, from: number) => Promise<DailyCounts>;
  /** Every account's milestones as of the report's day, computed once when a metric needs them. */
  milestones: () => Promise<MilestoneReport>;
}

/** A cache of matcher counts read from the store, each over the widest range asked so far. */
export function countsReader(store: Store, p: Population, at: number): (m: Matcher, from: number) => Promise<DailyCounts> {
  const cache = new Map<string, { from: number; counts: Promise<DailyCounts> }>();
  return (m, from) => {
    const key = JSON.stringify([m.action, m.object, m.place ?? null, m.metadata ?? null]);
    const hit = cache.get(key);
    if (hit && hit.from <= from) return hit.counts;
    const counts = readMatcherDays(store, m, from, at).then((rows) => DailyCounts.fromRows(p, rows));
    cache.set(key, { from, counts });
    return counts;
  };
}

/** Everything a report needs of a metric: values per account and window, from the store. */
async function metricValues(ctx: MeasureContext, metric: Exclude<OutcomeMetric, { kind: 'signups' }>): Promise<MetricValues> {
  const p = ctx.population;
  switch (metric.kind) {
    case 'retention':
      return retentionValues(p, metric.days);
    case 'mrr':
      return mrrValues(p, metric.days);
    case 'count': {
      const N = metric.within_days;
      // Far enough back for the placebo of the difference in differences and a year of weekly series.
      const from = ctx.launchDay - Math.max(3 * N, 7 * (Math.ceil(N / 7) + 53));
      return countValues(p, N, await ctx.counts(metric.when, from));
    }
    case 'milestone': {
      const report = await ctx.milestones();
      const reached = new Int32Array(p.ids.length).fill(NEVER);
      for (const a of report.accounts) {
        const i = p.index.get(a.account_id);
        const day = a.milestones[metric.name]?.reached_at;
        if (i !== undefined && day) reached[i] = dayNumber(day);
      }
      return milestoneValues(p, metric.within_days, reached);
    }
  }
}

/** The same metric over one week: the points of a weekly series. */
function weekOf(m: Exclude<OutcomeMetric, { kind: 'signups' | 'mrr' }>): Exclude<OutcomeMetric, { kind: 'signups' | 'mrr' }> {
  return m.kind === 'retention' ? { ...m, days: 7 } : { ...m, within_days: 7 };
}

export async function measureMetric(ctx: MeasureContext, e: Expectation): Promise<Measurement> {
  const confidence = bonferroniConfidence(CONFIDENCE, ctx.looks);
  const sign = e.direction === 'increase' ? 1 : -1;
  const expected = (control: number | null) =>
    e.target.absolute !== undefined ? sign * e.target.absolute : control === null ? null : sign * e.target.relative! * Math.abs(control);
  const base = { metric: e.metric, label: metricLabel(e.metric), direction: e.direction, target: e.target, confidence };
  const p = ctx.population;

  if (e.metric.kind === 'signups') {
    const settings: DesignSettings = { metric: { scale: 'mean', days: 7, value: () => null }, confidence, looks: ctx.looks, expected, minGroup: MIN_GROUP };
    const series = weeklySeries(ctx.launchDay, ctx.at, (start) => {
      let n = 0;
      for (let a = 0; a < p.ids.length; a++) if (p.inAudience[a] && p.signup[a] >= start && p.signup[a] < start + 7) n++;
      return { n, value: n };
    });
    const its = itsDesign(series, ctx.launchDay, settings, windowScale('signups', 7));
    return { ...base, scale: 'count', expected: its.applicable ? expected(its.control.value) : expected(null), primary: its.applicable && its.eligible ? its : null, designs: [its] };
  }

  const metric = await metricValues(ctx, e.metric);
  const weekly = e.metric.kind === 'mrr' ? null : await metricValues(ctx, weekOf(e.metric));
  const s: DesignSettings = { metric, confidence, looks: ctx.looks, expected, minGroup: MIN_GROUP };
  const retention = e.metric.kind === 'retention';
  const groups = didGroups(p, {
    holdout: ctx.holdout !== null,
    randomized: ctx.holdout?.randomized ?? false,
    retention,
    exposed: ctx.anyLaunchEvent,
    launchDay: ctx.launchDay,
    windowDays: metric.days,
  });
  const ps: PropensityInput = { activation: ctx.activation, preUse: ctx.preUse, retention };
  const designs = [
    holdoutDesign(p, ctx.holdout ?? undefined, ctx.launchDay, ctx.at, s),
    didDesign(p, groups, ctx.launchDay, ctx.at, s),
    weekly
      ? itsDesign(weeklySeries(ctx.launchDay, ctx.at, audienceMean(p, weekly, MIN_GROUP)), ctx.launchDay, s, windowScale(e.metric.kind as 'count' | 'retention' | 'milestone', metric.days))
      : itsNotApplicable('MRR is a level each account carries from week to week, not a weekly rate: use a holdout or difference in differences'),
    propensityDesign(p, ps, ctx.launchDay, ctx.at, s),
  ];
  designs.sort((x, y) => PREFERENCE.indexOf(x.name) - PREFERENCE.indexOf(y.name));
  const primary = designs.find((d) => d.applicable && d.eligible) ?? null;
  return { ...base, scale: metric.scale, expected: expected(primary?.control.value ?? null), primary, designs };
}
