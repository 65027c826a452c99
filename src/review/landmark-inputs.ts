import type { Matcher, Milestone, MilestonesConfig } from '../config/index.js';
import { buildActivityTables, MatcherIds, describeMatcher, type Day } from '../milestones/index.js';
import { sql, type SqlFragment, type Store } from '../store/index.js';

/** One number per account that a milestone compares with its cut, measured at the landmark. */
export interface MilestoneScore {
  /** What the number is, for a person: "closed conversations in the first 90 days". */
  label: string;
  /** The config key holding the cut (`at_least`, `per_month_per_seat_at_least`, `mature_in_at_least`). */
  key: string;
  /** The cut in the framework now: reached when the score is at least this. */
  cut: number;
  /** Whole numbers (counts) or not (rates). */
  integer: boolean;
  /** The highest score there is (steps, categories), when there is one. */
  max: number | null;
  values: Float64Array;
}

/** A checklist step: done by the landmark or not, per account. */
export interface StepInput {
  id: string;
  label: string;
  done: Uint8Array;
}

export interface MilestoneInputs {
  milestone: string;
  score: MilestoneScore;
  /** Checklists only. */
  steps: StepInput[] | null;
}

/** A count of one matcher's events per account, in days [from, to) from signup (from null: any time before `to`). */
interface Need {
  m: number;
  from: number | null;
  to: number;
}

/**
 * What each milestone measures, per account, as it stood at the landmark (the end of the
 * early window, `landmarkDays` after signup), from one pass over the daily counts:
 *  - checklist: steps done by then (before signup counts), the score is how many;
 *  - threshold: events in its window, cut off at the landmark;
 *  - per seat: the best 30-day period since signup per seat (the account's seats, else 1),
 *    a proxy for its best calendar month that needs no seat history;
 *  - categories: categories with enough mature features used in the window before the landmark.
 * Accounts in `accounts` order; those without a row count zero.
 */
export async function landmarkInputs(store: Store, framework: MilestonesConfig, accounts: readonly string[], landmarkDays: number, asOf: Day): Promise<MilestoneInputs[]> {
  const matchers = new MatcherIds();
  const needs: Need[] = [];
  const need = (matcher: Matcher, from: number | null, to: number) => needs.push({ m: matchers.id(matcher), from, to }) - 1;
  const L = landmarkDays;
  const periods = Array.from({ length: Math.max(1, Math.floor(L / 30)) }, (_, i) => [i * 30, Math.min(L, i * 30 + 30)] as const);

  // Each milestone's plan: which needs it reads and how it turns them into its inputs.
  const plans = Object.entries(framework.milestones).map(([name, m]) => planFor(name, m, L, need, periods));
  const values = await readNeeds(store, matchers, needs, accounts, asOf);
  return plans.map((p) => p(values));
}

type NeedOf = (matcher: Matcher, from: number | null, to: number) => number;
type Values = { counts: Float64Array[]; seats: Float64Array };

function planFor(name: string, m: Milestone, L: number, need: NeedOf, periods: readonly (readonly [number, number])[]): (v: Values) => MilestoneInputs {
  switch (m.kind) {
    case 'checklist': {
      const ids = m.steps.map((s) => need(s.when, null, L));
      return ({ counts }) => {
        const steps = m.steps.map((s, i) => ({ id: s.id, label: s.label ?? s.id, done: Uint8Array.from(counts[ids[i]], (c) => (c > 0 ? 1 : 0)) }));
        const n = counts[0]?.length ?? 0;
        const values = new Float64Array(n);
        for (const s of steps) for (let a = 0; a < n; a++) values[a] += s.done[a];
        return { milestone: name, score: { label: `steps done in the first ${L} days`, key: 'at_least', cut: m.at_least ?? m.steps.length, integer: true, max: m.steps.length, values }, steps };
      };
    }
    case 'threshold': {
      const days = Math.min(m.within_days, L);
      const id = need(m.count, 0, days);
      return ({ counts }) => ({
        milestone: name,
        score: { label: `${describeMatcher(m.count)} in the first ${days} days`, key: 'at_least', cut: m.at_least, integer: true, max: null, values: counts[id] },
        steps: null,
      });
    }
    case 'per_seat': {
      const ids = periods.map(([from, to]) => need(m.count, from, to));
      return ({ counts, seats }) => {
        const values = new Float64Array(seats.length);
        for (let a = 0; a < seats.length; a++) values[a] = Math.max(...ids.map((id) => counts[id][a])) / seats[a];
        return {
          milestone: name,
          score: { label: `best 30 days of ${describeMatcher(m.count)} per seat in the first ${L} days`, key: 'per_month_per_seat_at_least', cut: m.per_month_per_seat_at_least, integer: false, max: null, values },
          steps: null,
        };
      };
    }
    case 'categories': {
      const from = L - m.window_days;
      const categories = Object.values(m.categories).map((c) => ({ need: c.mature_at_least, ids: c.mature.map((f) => need(f, from, L)) }));
      return ({ counts, seats }) => {
        const values = new Float64Array(seats.length);
        for (let a = 0; a < seats.length; a++) {
          for (const c of categories) if (c.ids.filter((id) => counts[id][a] > 0).length >= c.need) values[a]++;
        }
        return {
          milestone: name,
          score: { label: `categories mature in the ${m.window_days} days before day ${L}`, key: 'mature_in_at_least', cut: m.mature_in_at_least, integer: true, max: categories.length, values },
          steps: null,
        };
      };
    }
  }
}

/** Per need, the count for each account (in `accounts` order), and each account's seats (≥ 1). */
async function readNeeds(store: Store, matchers: MatcherIds, needs: readonly Need[], accounts: readonly string[], asOf: Day): Promise<Values> {
  const counts = needs.map(() => new Float64Array(accounts.length));
  const seats = new Float64Array(accounts.length).fill(1);
  const index = new Map(accounts.map((a, i) => [a, i]));
  const tables = await buildActivityTables(store, matchers.all, asOf);
  try {
    const d = store.dialect;
    const within = (n: Need): SqlFragment =>
      sql`x.m = ${n.m} ${n.from === null ? sql`` : sql`AND x.day >= ${d.addDays(sql`a.signup_day`, n.from)}`} AND x.day < ${d.addDays(sql`a.signup_day`, n.to)}`;
    const cells = needs.map((n) => sql`sum(CASE WHEN ${within(n)} THEN x.n ELSE 0 END)`);
    const rows = await store.query<{ account_id: string; seats: number | string | null; v: string }>(
      sql`SELECT a.account_id, max(a.seats) AS seats, ${d.packText(cells.length ? cells : [sql`0`])} AS v
        FROM ${tables.accounts} a LEFT JOIN ${tables.daily} x ON x.account_id = a.account_id
        GROUP BY a.account_id`,
    );
    for (const r of rows) {
      const i = index.get(r.account_id);
      if (i === undefined) continue;
      const s = r.seats === null ? 1 : Number(r.seats);
      seats[i] = s >= 1 ? s : 1;
      const v = r.v.split(',');
      for (let k = 0; k < needs.length; k++) counts[k][i] = v[k] ? Number(v[k]) : 0;
    }
  } finally {
    await tables.drop();
  }
  return { counts, seats };
}
