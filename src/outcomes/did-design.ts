/**
 * (b) Difference in differences: the gap between the accounts that got the feature and those
 * that did not, over the window starting on the launch day, minus the same gap one and two
 * windows earlier. Accounts present on each start day are compared (repeated cross-sections,
 * errors clustered by account). The comparison group, in order of preference: the holdout (when
 * not randomized), the accounts outside the audience (never exposed), or, for counts and
 * milestones, the accounts with no launch event in the first window (not yet or never exposed).
 * Two pre-launch windows test parallel trends; a third shifts the whole analysis one window back
 * as a placebo.
 */
import { differenceInDifferences, type PanelRow } from '../stats/index.js';
import { dayText } from './day-numbers.js';
import { finite, notApplicable, placeboOf, withFigures, type DesignResult, type DesignSettings } from './design-result.js';
import type { DailyCounts } from './metric-values.js';
import type { Population } from './population.js';

const BASE = {
  name: 'difference_in_differences',
  label: 'Difference in differences',
  grade: 'B',
  claims: 'the change in the gap between the groups at launch, assuming they would have moved in parallel without it',
  cannot_claim: 'effects of anything else that changed at launch for one group only; accounts that signed up after launch are not in it',
} as const;

/** Which accounts compare with which, decided once per launch. */
export interface DidGroups {
  /** Per account: 1 treated, 0 comparison, −1 left out. */
  group: Int8Array;
  comparison: 'holdout' | 'outside_audience' | 'not_yet_exposed';
}

/**
 * The comparison group the data allow, or why there is none. `exposedBy` tells whether an
 * account had any launch event before a day (for the not-yet-exposed comparison).
 */
export function didGroups(p: Population, options: { holdout: boolean; randomized: boolean; retention: boolean; exposed: DailyCounts | null; launchDay: number; windowDays: number }): DidGroups | string {
  const n = p.ids.length;
  const group = new Int8Array(n).fill(-1);
  const audienceSize = p.inAudience.reduce((s, v) => s + v, 0);
  if (options.holdout) {
    for (let a = 0; a < n; a++) if (p.inAudience[a]) group[a] = p.inHoldout[a] ? 0 : 1;
    return { group, comparison: 'holdout' };
  }
  if (audienceSize < n) {
    for (let a = 0; a < n; a++) group[a] = p.inAudience[a] ? 1 : 0;
    return { group, comparison: 'outside_audience' };
  }
  if (options.retention) {
    return 'every account was in the audience and none held out; comparing by exposure would need adopters to be customers at launch, which makes their pre-launch retention 100% by construction';
  }
  if (!options.exposed) return 'every account was in the audience, none held out, and no launch events to tell exposed accounts apart';
  for (let a = 0; a < n; a++) group[a] = options.exposed.sum(a, options.launchDay, options.launchDay + options.windowDays) > 0 ? 1 : 0;
  return { group, comparison: 'not_yet_exposed' };
}

export function didDesign(p: Population, groups: DidGroups | string, launchDay: number, at: number, s: DesignSettings): DesignResult {
  if (typeof groups === 'string') return notApplicable(BASE, groups);
  const N = s.metric.days;
  if (launchDay + N > at) return notApplicable(BASE, `the first ${N}-day window after launch has not closed (it ends ${dayText(launchDay + N)})`);
  // Start days, oldest first, the launch day last; as many earlier windows as have data.
  const panel = (starts: number[]): { rows: PanelRow[]; ok: boolean } => {
    const rows: PanelRow[] = [];
    const counts = starts.map(() => [0, 0]);
    starts.forEach((start, period) => {
      for (let a = 0; a < p.ids.length; a++) {
        const g = groups.group[a];
        if (g < 0) continue;
        const v = s.metric.value(a, start);
        if (v === null) continue;
        rows.push({ y: v, treated: g === 1, period, unit: a });
        counts[period][g]++;
      }
    });
    return { rows, ok: counts.every(([c, t]) => c >= s.minGroup && t >= s.minGroup) };
  };
  const startsBack = (k: number) => [...Array(k + 1).keys()].map((i) => launchDay - (k - i) * N);
  let main = panel(startsBack(2));
  let periods = 3;
  if (!main.ok) {
    main = panel(startsBack(1));
    periods = 2;
  }
  if (!main.ok) return notApplicable(BASE, `too few accounts in a group on some start day (need ${s.minGroup} per group, in the window before launch and after)`);
  const did = differenceInDifferences(main.rows, { periods, confidence: s.confidence });
  const post = periods - 1;
  const treatedValue = finite(did.means.treated[post]);
  const controlValue = finite(did.means.control[post]);

  // Placebo: the same analysis one window earlier, entirely before launch.
  const back = panel(startsBack(3).slice(0, 3));
  const placeboRun = back.ok ? differenceInDifferences(back.rows, { periods: 3, confidence: s.confidence }) : null;
  const placebo = placeboRun ? placeboOf(dayText(launchDay - N), placeboRun) : null;

  const preTrend = did.preTrend && { chi_square: did.preTrend.chiSquare, df: did.preTrend.df, p_value: did.preTrend.pValue, passed: did.preTrend.pValue >= 0.05 };
  const caveats: string[] = [];
  if (!preTrend) caveats.push('parallel trends assumed, not tested: only one window of data before launch');
  if (preTrend && !preTrend.passed) caveats.push(`the groups were already drifting apart before launch (pre-trend p = ${preTrend.p_value.toPrecision(2)}): the estimate mixes that drift with the launch`);
  if (placebo && !placebo.passed) caveats.push('the placebo found an effect one window before launch, where there was none');
  if (groups.comparison === 'not_yet_exposed') caveats.push('groups are defined by exposure, which accounts partly chose');
  const grade = preTrend?.passed && (!placebo || placebo.passed) ? 'B' : 'C';
  return {
    ...BASE,
    grade,
    applicable: true,
    why_not: null,
    eligible: (preTrend?.passed ?? true) && (placebo?.passed ?? true),
    ...withFigures(did, s, controlValue),
    treated: { n: did.means.n.treated[post], value: treatedValue },
    control: { n: did.means.n.control[post], value: controlValue },
    placebo,
    diagnostics: {
      comparison: groups.comparison,
      starts: startsBack(periods - 1).map(dayText),
      means: { treated: did.means.treated.map(finite), control: did.means.control.map(finite) },
      n: did.means.n,
      pre_trend: preTrend,
    },
    caveats,
  };
}
