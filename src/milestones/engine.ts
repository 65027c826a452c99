import type { Milestone, MilestonesConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { sql } from '../store/index.js';
import { buildActivityTables } from './daily-activity.js';
import { asDay, daysBetween } from './days.js';
import { prepareCategories } from './kinds/categories.js';
import { prepareChecklist } from './kinds/checklist.js';
import { preparePerSeat } from './kinds/per-seat.js';
import { prepareThreshold } from './kinds/threshold.js';
import { MatcherIds } from './matchers.js';
import { journeyStages, type Stage } from './stages.js';
import type { AccountFacts, Day, MilestoneResult, PreparedMilestone, Row } from './types.js';

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
}

function prepare(name: string, m: Milestone, matchers: MatcherIds): PreparedMilestone {
  switch (m.kind) {
    case 'checklist':
      return prepareChecklist(name, m, matchers);
    case 'threshold':
      return prepareThreshold(name, m, matchers);
    case 'per_seat':
      return preparePerSeat(name, m, matchers);
    case 'categories':
      return prepareCategories(name, m, matchers);
  }
}

/**
 * Every account's milestones as of a day, from data up to that day only: compiles the config
 * into one daily table of the counts it needs, one query per milestone over it, then stage and
 * next best step per account. Accounts that had not signed up by then are left out.
 */
export async function computeMilestones(
  store: Store,
  framework: MilestonesConfig,
  asOf: Day,
  options: { accounts?: readonly string[]; stateOn?: Day[] } = {},
): Promise<MilestoneReport> {
  const matchers = new MatcherIds();
  const prepared = Object.entries(framework.milestones).map(([name, m]) => prepare(name, m, matchers));
  const stages = journeyStages(framework);
  const tables = await buildActivityTables(store, matchers.all, asOf, options.accounts);
  try {
    const facts = await store.query<{ account_id: string; signup_day: string; churned_day: string | null; plan: string | null; seats: number | null }>(
      sql`SELECT account_id, signup_day, churned_day, plan, seats FROM ${tables.accounts} ORDER BY account_id`,
    );
    // One after another: a store runs one statement at a time anyway.
    const rows: Map<string, Row>[] = [];
    for (const p of prepared) rows.push(await p.load({ store, tables, asOf }));
    const accounts = facts.map((f) => {
      const account: AccountFacts = {
        account_id: f.account_id,
        signup_day: asDay(f.signup_day)!,
        churned_day: f.churned_day !== null && asDay(f.churned_day)! <= asOf ? asDay(f.churned_day) : null,
        plan: f.plan,
        seats: f.seats === null ? null : Number(f.seats),
      };
      const milestones: Record<string, MilestoneResult> = {};
      prepared.forEach((p, i) => (milestones[p.name] = p.evaluate(account, rows[i].get(account.account_id), asOf)));
      return placeAccount(account, milestones, prepared, stages, asOf);
    });
    const stateful = prepared.find((p) => p.inStateOn);
    const stateOn = stateful && options.stateOn ? { milestone: stateful.name, accounts: await stateful.inStateOn!({ store, tables, asOf }, options.stateOn) } : undefined;
    return { as_of: asOf, stages, accounts, ...(stateOn ? { state_on: stateOn } : {}) };
  } finally {
    await tables.drop();
  }
}

function placeAccount(
  account: AccountFacts,
  milestones: Record<string, MilestoneResult>,
  prepared: PreparedMilestone[],
  stages: Stage[],
  asOf: Day,
): AccountStatus {
  // The stage is the last one entered in order: each needs its milestone and every earlier one.
  let stage = stages[0].name;
  for (const s of stages.slice(1)) {
    if (!s.milestone || !milestones[s.milestone]?.reached) break;
    stage = s.name;
  }
  return {
    account_id: account.account_id,
    stage,
    churned: account.churned_day !== null,
    churned_day: account.churned_day,
    signup_day: account.signup_day,
    age_days: daysBetween(account.signup_day, asOf),
    plan: account.plan,
    seats: account.seats,
    milestones,
    next_best_step: account.churned_day !== null ? null : nextBestStep(account, milestones, prepared, stages, asOf),
  };
}

/** Advice from the first milestone in journey order that is not reached yet. */
function nextBestStep(
  account: AccountFacts,
  milestones: Record<string, MilestoneResult>,
  prepared: PreparedMilestone[],
  stages: Stage[],
  asOf: Day,
): NextBestStep | null {
  const order = [...stages.flatMap((s) => (s.milestone ? [s.milestone] : [])), ...prepared.map((p) => p.name)];
  for (const name of order) {
    const result = milestones[name];
    if (!result || result.reached) continue;
    const advice = prepared.find((p) => p.name === name)!.advise(account, result, asOf);
    if (advice) return { milestone: name, ...advice };
  }
  return null;
}
