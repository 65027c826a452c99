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
  /** Events of any of these matchers per account and day (read once for the whole report). */
  counts: (matchers: readonly Matcher[]) => DailyCounts;
  /** Every account's milestones as of the report's day, computed once when a metric needs them. */
  milestones: () => Promise<MilestoneReport>;
}

const matcherKey = (m: Matcher) => JSON.stringify([m.action, m.object, m.place ?? null, Object.entries(m.metadata ?? {}).sort()]);

/** How far back a count metric reads: three windows for the placebo of the difference in differences, and a year of weeks. */
export const countFrom = (launchDay: number, windowDays: number) => launchDay - Math.max(3 * windowDays, 7 * 53);

/**
 * Every matcher a report counts, read in one pass over the store, each from its own first day;
 * the function returned gives any of them, alone or added up, per account and day.
 */
export async function readCounts(store: Store, p: Population, wants: readonly { matcher: Matcher; from: number }[], at: number): Promise<(matchers: readonly Matcher[]) => DailyCounts> {
  const index = new Map<string, { matcher: Matcher; from: number; m: number }>();
  for (const w of wants) {
    const k = matcherKey(w.matcher);
    const seen = index.get(k);
    if (seen) seen.from = Math.min(seen.from, w.from);
    else index.set(k, { ...w, m: index.size });
  }
  const list = [...index.values()];
  const rows = list.length ? await readMatcherDays(store, list, at) : { account_id: [], day: new Int32Array(0), m: new Int32Array(0), n: new Float64Array(0) };
  const of = DailyCounts.reader(p, rows, list.length);
  return (matchers) =>
    of(
      matchers.map((m) => {
        const hit = index.get(matcherKey(m));
        if (!hit) throw new Error(`matcher not read: ${matcherKey(m)}`);
        return hit.m;
      }),
    );
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
      return countValues(p, metric.within_days, ctx.counts([metric.when]));
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
      // A count, not a mean over accounts: every week weighs the same, weeks without signups too.
      return { n, value: n, weight: 1 };
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
  for (const d of designs) {
    if (d.power !== null && d.power < 0.5) d.caveats.push(`power for the declared target is ${Math.round(d.power * 100)}%: an effect that size would likely go unseen here`);
  }
  const primary = designs.find((d) => d.applicable && d.eligible) ?? null;
  return { ...base, scale: metric.scale, expected: expected(primary?.control.value ?? null), primary, designs };
}
