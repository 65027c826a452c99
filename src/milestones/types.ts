import type { Milestone } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { ActivityTables } from './daily-activity.js';
import type { MatcherIds } from './matchers.js';

/** Days are ISO dates (`2026-03-31`), UTC. */
export type Day = string;

/** One milestone for one account as of a date. */
export interface MilestoneResult {
  reached: boolean;
  /** The day it was first reached; it does not move when later data arrives. */
  reached_at: Day | null;
  /** How far along, 0..1; 1 when reached. */
  progress: number;
  detail: Record<string, unknown>;
}

/** What a kind suggests when its milestone is the account's next one. */
export interface StepAdvice {
  action: string;
  reason: string;
}

export interface AccountFacts {
  account_id: string;
  signup_day: Day;
  churned_day: Day | null;
  plan: string | null;
  seats: number | null;
}

export type Row = Record<string, unknown>;

export interface EvaluationContext {
  store: Store;
  tables: ActivityTables;
  asOf: Day;
}

/**
 * A milestone kind, prepared from its config: it names the matchers it counts (before the
 * daily table is built), loads one row per account with one query, and turns that row into a
 * result and, when not reached, advice.
 */
export interface PreparedMilestone {
  name: string;
  config: Milestone;
  load(ctx: EvaluationContext): Promise<Map<string, Row>>;
  evaluate(account: AccountFacts, row: Row | undefined, asOf: Day): MilestoneResult;
  advise(account: AccountFacts, result: MilestoneResult, asOf: Day): StepAdvice | null;
  /**
   * For milestones that describe a current state (categories): the accounts in that state on
   * each of the given days, for the funnel's history of the headline figure.
   */
  inStateOn?(ctx: EvaluationContext, days: Day[]): Promise<Map<Day, Set<string>>>;
}

export type Prepare<M extends Milestone> = (name: string, config: M, matchers: MatcherIds) => PreparedMilestone;
