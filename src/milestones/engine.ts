import type { Milestone, MilestonesConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { buildActivityTables } from './daily-activity.js';
import { MILESTONES_STATEMENT } from './engine-sql.js';
import { daysBetween } from './days.js';
import { prepareCategories } from './kinds/categories.js';
import { prepareChecklist } from './kinds/checklist.js';
import { preparePerSeat } from './kinds/per-seat.js';
import { prepareThreshold } from './kinds/threshold.js';
import { MatcherIds, type CountedMatcher } from './matchers.js';
import { mapSliced } from './sliced.js';
import { journeyStages, type Stage } from './stages.js';
import { queryWidth, type AccountFacts, type Day, type MilestoneResult, type PreparedMilestone } from './types.js';

export interface NextBestStep {
  milestone: string;
  action: string;
  reason: string;
}

/** One account placed on the framework as of a date: the output contract of `cairn milestones --json`. */
export interface AccountStatus {
  account_id: string;
  stage: string;
  churned: boolean;
  churned_day: Day | null;
  signup_day: Day;
  age_days: number;
  plan: string | null;
  seats: number | null;
  milestones: Record<string, MilestoneResult>;
  next_best_step: NextBestStep | null;
}

export interface MilestoneReport {
  as_of: Day;
  stages: Stage[];
  accounts: AccountStatus[];
  /** For each day asked for: accounts in the state-like milestone's state then (see `stateOn`). */
  state_on?: { milestone: string; accounts: Map<Day, Set<string>> };
  /** Each account's values as the statement returned them (asked for with `cells`), for {@link StatusAdvancer}. */
  cells?: Map<string, readonly string[]>;
}

function prepare(name: string, m: Milestone, matchers: MatcherIds, key: string): PreparedMilestone {
  switch (m.kind) {
    case 'checklist':
      return prepareChecklist(name, m, matchers, key);
    case 'threshold':
      return prepareThreshold(name, m, matchers, key);
    case 'per_seat':
      return preparePerSeat(name, m, matchers, key);
    case 'categories':
      return prepareCategories(name, m, matchers, key);
  }
}

/**
 * Every account's milestones as of a day, from data up to that day only: compiles the config
 * into one daily table of the counts it needs and one statement over it (each milestone adds
 * its part, so the engine plans and runs them together), then stage and next best step per
 * account. Accounts that had not signed up by then are left out.
 */
export async function computeMilestones(
  store: Store,
  framework: MilestonesConfig,
  asOf: Day,
  options: { accounts?: readonly string[]; stateOn?: Day[]; cells?: boolean } = {},
): Promise<MilestoneReport> {
  const { matchers, prepared, stages } = compileFramework(framework);
  const tables = await buildActivityTables(store, matchers.all, asOf, options.accounts);
  try {
    const parts = prepared.map((p) => {
      const q = p.query(store.dialect, tables);
      if (queryWidth(q) !== p.width) throw new Error(`milestones: ${p.name}'s query returns ${queryWidth(q)} values, not ${p.width}`);
      return q;
    });
    const width = widthOf(prepared);
    const rows = await store.query<{ account_id: string; plan: string | null; v: string }>(store.dialect.pick(MILESTONES_STATEMENT)(store.dialect, tables, parts));
    const evaluate = evaluator(prepared, stages, asOf);
    const kept = options.cells ? new Map<string, readonly string[]>() : null;
    const accounts = await mapSliced(rows, (row) => {
      const cells = row.v.split(',');
      if (cells.length !== width) throw new Error(`milestones: expected ${width} values for ${row.account_id}, got ${cells.length}`);
      const churned = cells[1];
      const account: AccountFacts = {
        account_id: row.account_id,
        signup_day: cells[0],
        churned_day: churned !== '' && churned <= asOf ? churned : null,
        plan: row.plan,
        seats: cells[2] === '' ? null : Number(cells[2]),
      };
      kept?.set(row.account_id, cells);
      return evaluate(account, cells);
    });
    const stateful = prepared.find((p) => p.inStateOn);
    const stateOn = stateful && options.stateOn ? { milestone: stateful.name, accounts: await stateful.inStateOn!({ store, tables, asOf }, options.stateOn) } : undefined;
    return { as_of: asOf, stages, accounts, ...(stateOn ? { state_on: stateOn } : {}), ...(kept ? { cells: kept } : {}) };
  } finally {
    await tables.drop();
  }
}

/** A framework's matchers (ids in config order, the same on every call), prepared milestones and stages. */
function compileFramework(framework: MilestonesConfig): { matchers: MatcherIds; prepared: PreparedMilestone[]; stages: Stage[] } {
  const matchers = new MatcherIds();
  const prepared = Object.entries(framework.milestones).map(([name, m], i) => prepare(name, m, matchers, `cairn_ms${i}`));
  return { matchers, prepared, stages: journeyStages(framework) };
}

/** The framework's matchers with the ids a milestone pass gives them: what an EventTally counts. */
export const frameworkMatchers = (framework: MilestonesConfig): readonly CountedMatcher[] => compileFramework(framework).matchers.all;

/** Where each milestone's values start in an account's row: after signup day, churn day and seats. */
function offsetsOf(prepared: readonly PreparedMilestone[]): number[] {
  let at = 3;
  return prepared.map((p) => (at += p.width) - p.width);
}

const widthOf = (prepared: readonly PreparedMilestone[]): number => 3 + prepared.reduce((n, p) => n + p.width, 0);

/** Turns an account's values into its status: each milestone's result, then its place on the journey. */
function evaluator(prepared: PreparedMilestone[], stages: Stage[], asOf: Day): (account: AccountFacts, cells: readonly string[]) => AccountStatus {
  const offsets = offsetsOf(prepared);
  const place = placer(prepared, stages, asOf);
  return (account, cells) => {
    const milestones: Record<string, MilestoneResult> = {};
    for (let i = 0; i < prepared.length; i++) milestones[prepared[i].name] = prepared[i].evaluate(account, cells, offsets[i], asOf);
    return place(account, milestones);
  };
}

/**
 * Statuses advanced by events counted on the as-of day (src/milestones/event-tally.ts) from
 * the values a milestone pass of the same day returned, without reading history: each kind
 * adds the counts to its values as its query would (tested equal to a new pass on every
 * engine). For a refresher that follows a collector: the counts come with each write.
 */
export class StatusAdvancer {
  readonly matchers: readonly CountedMatcher[];
  private readonly prepared: PreparedMilestone[];
  private readonly offsets: number[];
  private readonly place: (account: AccountFacts, milestones: Record<string, MilestoneResult>) => AccountStatus;
  private readonly stateful: PreparedMilestone | null;

  constructor(
    framework: MilestonesConfig,
    readonly asOf: Day,
  ) {
    const { matchers, prepared, stages } = compileFramework(framework);
    this.matchers = matchers.all;
    this.prepared = prepared;
    this.offsets = offsetsOf(prepared);
    this.place = placer(prepared, stages, asOf);
    this.stateful = prepared.find((p) => p.inStateAt) ?? null;
  }

  /**
   * The account's status and values with `counts` (matcher id → events on the as-of day)
   * added, and the milestones whose results changed (the others keep their objects): null
   * when a kind cannot tell without the account's history (it must be computed from the data).
   */
  advance(status: AccountStatus, cells: readonly string[], counts: ReadonlyMap<number, number>): { status: AccountStatus; cells: readonly string[]; changed: string[] } | null {
    const next = [...cells];
    const facts: AccountFacts = { account_id: status.account_id, signup_day: status.signup_day, churned_day: status.churned_day, plan: status.plan, seats: status.seats };
    const changed: string[] = [];
    const milestones = { ...status.milestones };
    for (let i = 0; i < this.prepared.length; i++) {
      const p = this.prepared[i];
      const at = this.offsets[i];
      if (!p.advance(next, at, counts, facts, this.asOf)) return null;
      let same = true;
      for (let j = at; j < at + p.width && same; j++) same = next[j] === cells[j];
      if (same) continue;
      milestones[p.name] = p.evaluate(facts, next, at, this.asOf);
      changed.push(p.name);
    }
    if (changed.length === 0) return { status, cells, changed };
    return { status: this.place(facts, milestones), cells: next, changed };
  }

  /** Whether the account is in the state-like milestone's state on the as-of day; null when the framework has none. */
  inState(status: AccountStatus): boolean | null {
    return this.stateful ? this.stateful.inStateAt!(status.milestones[this.stateful.name]) : null;
  }
}

/**
 * The state-like milestone's accounts on each given day (the funnel's headline history), on
 * its own: for readers whose statuses come from the materialized tables. Null when the
 * framework has no such milestone.
 */
export async function computeStateOn(store: Store, framework: MilestonesConfig, asOf: Day, days: Day[]): Promise<MilestoneReport['state_on'] | null> {
  const entries = Object.entries(framework.milestones);
  const i = stateMilestoneIndex(framework);
  if (i < 0) return null;
  const matchers = new MatcherIds();
  const stateful = prepare(entries[i][0], entries[i][1], matchers, `cairn_ms${i}`);
  const tables = await buildActivityTables(store, matchers.all, asOf);
  try {
    return { milestone: stateful.name, accounts: await stateful.inStateOn!({ store, tables, asOf }, days) };
  } finally {
    await tables.drop();
  }
}

/** Which milestone is state-like (held while it lasts, such as maturity), by its place; -1 when none. */
function stateMilestoneIndex(framework: MilestonesConfig): number {
  return Object.entries(framework.milestones).findIndex(([name, m], k) => prepare(name, m, new MatcherIds(), `cairn_ms${k}`).inStateOn !== undefined);
}

/** The state-like milestone's name (the funnel's headline), or null when the framework has none. */
export function stateMilestone(framework: MilestonesConfig): string | null {
  const i = stateMilestoneIndex(framework);
  return i < 0 ? null : Object.keys(framework.milestones)[i];
}

/** Places one account on the journey: stage, age, next best step. What is per framework is worked out once. */
function placer(prepared: PreparedMilestone[], stages: Stage[], asOf: Day): (account: AccountFacts, milestones: Record<string, MilestoneResult>) => AccountStatus {
  const later = stages.slice(1);
  // Advice comes from the first milestone in journey order that is not reached yet.
  const order: PreparedMilestone[] = [];
  for (const name of [...stages.flatMap((s) => (s.milestone ? [s.milestone] : [])), ...prepared.map((p) => p.name)]) {
    const p = prepared.find((q) => q.name === name);
    if (p && !order.includes(p)) order.push(p);
  }
  const ages = new Map<Day, number>();
  return (account, milestones) => {
    // The stage is the last one entered in order: each needs its milestone and every earlier one.
    let stage = stages[0].name;
    for (const s of later) {
      if (!s.milestone || !milestones[s.milestone]?.reached) break;
      stage = s.name;
    }
    let age = ages.get(account.signup_day);
    if (age === undefined) ages.set(account.signup_day, (age = daysBetween(account.signup_day, asOf)));
    let next: NextBestStep | null = null;
    if (account.churned_day === null) {
      for (const p of order) {
        const result = milestones[p.name];
        if (result.reached) continue;
        const advice = p.advise(account, result, asOf);
        if (advice) {
          next = { milestone: p.name, ...advice };
          break;
        }
      }
    }
    return {
      account_id: account.account_id,
      stage,
      churned: account.churned_day !== null,
      churned_day: account.churned_day,
      signup_day: account.signup_day,
      age_days: age,
      plan: account.plan,
      seats: account.seats,
      milestones,
      next_best_step: next,
    };
  };
}
