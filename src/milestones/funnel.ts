import type { MilestonesConfig } from '../config/index.js';
import { quantileOrderInterval, wilsonInterval } from '../stats/index.js';
import { sql, type Store } from '../store/index.js';
import { addDays, daysBetween } from './days.js';
import { computeMilestones, computeStateOn, type AccountStatus, type MilestoneReport } from './engine.js';
import type { Stage } from './stages.js';
import type { Day, MilestoneResult } from './types.js';

/** A share with its Wilson 95% interval. */
export interface Share {
  n: number;
  of: number;
  share: number | null;
  low: number;
  high: number;
}

export interface MilestoneFigures {
  reached: Share;
  /**
   * Median days from signup to reaching it, among those who did, with a distribution-free 95%
   * interval from the order statistics (quantileOrderInterval); the limits are null below 6
   * accounts, too few for 95%.
   */
  median_days: number | null;
  median_days_low: number | null;
  median_days_high: number | null;
}

export interface CohortFigures {
  cohort: string;
  accounts: number;
  churned: number;
  stages: Record<string, Share>;
  milestones: Record<string, MilestoneFigures>;
  /** Share of current customers in the state-like milestone's state now (e.g. mature in ≥ 3 categories). */
  headline: Share | null;
}

export interface HistoryPoint {
  month_end: Day;
  accounts: number;
  milestones: Record<string, Share>;
  headline: Share | null;
}

export type FunnelBy = 'all' | 'signup_month' | 'plan';

/** What the funnel reads of an account's status (an AccountStatus is one): its reached days alone of its milestones. */
export type FunnelAccount = Pick<AccountStatus, 'account_id' | 'stage' | 'signup_day' | 'churned' | 'churned_day' | 'plan'> & {
  milestones: Record<string, Pick<MilestoneResult, 'reached_at'>>;
};

/** Every account's status as the funnel reads it (a MilestoneReport is one). */
export interface FunnelStatuses {
  stages: Stage[];
  accounts: FunnelAccount[];
  state_on?: MilestoneReport['state_on'];
}

export interface Funnel {
  as_of: Day;
  by: FunnelBy;
  stages: Stage[];
  milestones: string[];
  headline: { milestone: string; meaning: string } | null;
  total: CohortFigures;
  cohorts: CohortFigures[];
  history: HistoryPoint[];
}

export function share(n: number, of: number): Share {
  const w = wilsonInterval(n, of);
  return { n, of, share: of > 0 ? n / of : null, low: w.low, high: w.high };
}

const cohortOf = (a: FunnelAccount, by: FunnelBy): string =>
  by === 'signup_month' ? a.signup_day.slice(0, 7) : by === 'plan' ? (a.plan ?? 'no plan') : 'all';

function figures(cohort: string, accounts: FunnelAccount[], stages: Stage[], names: string[], headline: (a: FunnelAccount) => boolean | null): CohortFigures {
  const milestones: Record<string, MilestoneFigures> = {};
  for (const name of names) {
    const days = accounts.flatMap((a) => (a.milestones[name].reached_at ? [daysBetween(a.signup_day, a.milestones[name].reached_at!)] : []));
    const ci = quantileOrderInterval(days, 0.5);
    const limit = (v: number) => (Number.isNaN(v) ? null : v);
    milestones[name] = {
      reached: share(days.length, accounts.length),
      median_days: limit(ci.estimate),
      median_days_low: limit(ci.low),
      median_days_high: limit(ci.high),
    };
  }
  // An account is counted at a stage when it got there or further.
  const stageShares: Record<string, Share> = {};
  const index = new Map(stages.map((s, i) => [s.name, i]));
  stages.forEach((s, i) => (stageShares[s.name] = share(accounts.filter((a) => (index.get(a.stage) ?? 0) >= i).length, accounts.length)));
  const customers = accounts.filter((a) => !a.churned);
  const inState = customers.map(headline);
  return {
    cohort,
    accounts: accounts.length,
    churned: accounts.length - customers.length,
    stages: stageShares,
    milestones,
    headline: inState.some((v) => v === null) ? null : share(inState.filter(Boolean).length, customers.length),
  };
}

/**
 * How the base stood at each month end: accounts signed up by then, the share that had reached
 * each milestone by then (reached days never move), and the share of customers then in the
 * state. Counted from sorted days, not by scanning every account at every month end.
 */
function monthEndHistory(accounts: readonly FunnelAccount[], names: string[], ends: Day[], heldOn: ((end: Day) => ReadonlySet<string> | undefined) | null): HistoryPoint[] {
  const sortedDays = (days: (Day | null)[]) => days.filter((x): x is Day => x !== null).sort();
  const signups = sortedDays(accounts.map((a) => a.signup_day));
  // Counted at an end once signed up and churned, or reached, by it.
  const churns = sortedDays(accounts.map((a) => (a.churned_day === null ? null : maxDay(a.signup_day, a.churned_day))));
  const reached = names.map((name) => sortedDays(accounts.map((a) => (a.milestones[name].reached_at === null ? null : maxDay(a.signup_day, a.milestones[name].reached_at!)))));
  const byId = heldOn ? new Map(accounts.map((a) => [a.account_id, a])) : null;
  return ends.map((end) => {
    const signed = countUpTo(signups, end);
    const milestones: Record<string, Share> = {};
    names.forEach((name, i) => (milestones[name] = share(countUpTo(reached[i], end), signed)));
    const customers = signed - countUpTo(churns, end);
    let held: number | null = null;
    if (heldOn) {
      held = 0;
      for (const id of heldOn(end) ?? []) {
        const a = byId!.get(id);
        if (a && a.signup_day <= end && (a.churned_day === null || a.churned_day > end)) held++;
      }
    }
    return { month_end: end, accounts: signed, milestones, headline: held === null ? null : share(held, customers) };
  });
}

const maxDay = (x: Day, y: Day): Day => (x > y ? x : y);

/** How many of the sorted days are on or before `day`. */
function countUpTo(sorted: readonly Day[], day: Day): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Last days of the months from the first signup to the as-of day (the as-of month excluded unless it ended). */
function monthEnds(first: Day, asOf: Day): Day[] {
  const ends: Day[] = [];
  for (let m = `${first.slice(0, 7)}-01`; ; ) {
    const next = addDays(m, 32).slice(0, 7) + '-01';
    const end = addDays(next, -1);
    if (end > asOf) break;
    ends.push(end);
    m = next;
  }
  return ends;
}

/** The month ends of the funnel's history: from the first signup's month to `asOf`. */
export async function historyMonthEnds(store: Store, asOf: Day): Promise<Day[]> {
  const d = store.dialect;
  const first = await store.query<{ first: string | null; n: unknown }>(
    sql`SELECT ${d.dayText(sql`min(${d.day(sql`created_at`)})`)} AS first, count(*) AS n FROM accounts`,
  );
  return Number(first[0]?.n) > 0 && first[0].first ? monthEnds(first[0].first.slice(0, 10), asOf) : [];
}

/**
 * The base on the framework: share of accounts at each stage and milestone, median days to
 * each, and the headline state (share of customers mature in enough categories), by cohort,
 * every share with its Wilson 95% interval, every median with its order-statistic one; and how the base moved, month end by month end.
 * History needs one pass: a reached day never moves, so "reached by E" is `reached_at ≤ E`.
 * `statuses`: every account's status as of `asOf` when already known (materialized, with
 * the headline's history in `state_on`; computed ones without it get it computed here).
 */
export async function computeFunnel(store: Store, framework: MilestonesConfig, asOf: Day, by: FunnelBy = 'all', statuses?: FunnelStatuses): Promise<Funnel> {
  const ends = await historyMonthEnds(store, asOf);
  let report: FunnelStatuses;
  if (statuses) {
    // Materialized statuses carry their history's states; computed ones get them here.
    const stateOn = statuses.state_on ?? (await computeStateOn(store, framework, asOf, [...ends, asOf]));
    report = { ...statuses, ...(stateOn ? { state_on: stateOn } : {}) };
  } else {
    report = await computeMilestones(store, framework, asOf, { stateOn: [...ends, asOf] });
  }
  const names = Object.keys(framework.milestones);
  const state = report.state_on;
  const inState = (day: Day, a: FunnelAccount) => state?.accounts.get(day)?.has(a.account_id) ?? false;
  const headlineNow = (a: FunnelAccount) => (state ? inState(asOf, a) : null);

  const groups = new Map<string, FunnelAccount[]>();
  for (const a of report.accounts) {
    const key = cohortOf(a, by);
    const list = groups.get(key);
    if (list) list.push(a);
    else groups.set(key, [a]);
  }
  const cohorts = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, list]) => figures(key, list, report.stages, names, headlineNow));

  const history = monthEndHistory(report.accounts, names, ends, state ? (end) => state.accounts.get(end) : null);

  const stateMilestone = state ? framework.milestones[state.milestone] : undefined;
  return {
    as_of: asOf,
    by,
    stages: report.stages,
    milestones: names,
    headline:
      state && stateMilestone?.kind === 'categories'
        ? { milestone: state.milestone, meaning: `customers mature in at least ${stateMilestone.mature_in_at_least} categories (last ${stateMilestone.window_days} days)` }
        : null,
    total: figures('all', report.accounts, report.stages, names, headlineNow),
    cohorts,
    history,
  };
}
