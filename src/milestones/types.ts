import type { Milestone } from '../config/index.js';
import type { Ident, SqlDialect, SqlFragment, Store } from '../store/index.js';
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

export interface EvaluationContext {
  store: Store;
  tables: ActivityTables;
  asOf: Day;
}

/**
 * A milestone's part of the engine's one statement, in one of two idioms:
 *  - `ctes` (engines with window functions): common table expressions over the daily table
 *    (`name AS (...)`, named from the milestone's key so parts never clash), the last of them,
 *    `from`, with at most one row per account, and the columns read from it;
 *  - `arrays` (engines without): expressions over one row per account holding its activity as
 *    arrays sorted by matcher, then day (`ms`, `days`, `ns`: matcher id, day, count, so one
 *    matcher's rows are a slice: `matcherSlice`; `hist`: history as
 *    (valid_from, day, seats) tuples) and its facts (`signup_day`, `seats`, `as_of`); `defs` name intermediate arrays
 *    (`expr AS name`) in levels, each level reading the row and earlier levels only (18.16
 *    cannot read an alias of the same SELECT inside a lambda); `values` read them all.
 * Values are numbers or dates only: they travel packed as text (see `SqlDialect.packText`).
 */
export type MilestoneQuery =
  | { kind: 'ctes'; ctes: SqlFragment[]; from: Ident; columns: string[] }
  | { kind: 'arrays'; defs: ArrayDef[][]; values: SqlFragment[] };

/** A named intermediate array of the `arrays` idiom. */
export interface ArrayDef {
  name: Ident;
  expr: SqlFragment;
}

/** How many values a milestone's part adds to an account's row. */
export const queryWidth = (q: MilestoneQuery): number => (q.kind === 'ctes' ? q.columns.length : q.values.length);

/**
 * One account's values as text, in query order: a date 'YYYY-MM-DD', a number, or '' for NULL
 * (and for accounts without a row). A kind reads its own from `at` on.
 */
export type Cells = readonly string[];

/**
 * A milestone kind, prepared from its config: it names the matchers it counts (before the
 * daily table is built), adds its part to the engine's one statement, and turns its values
 * for an account into a result and, when not reached, advice.
 */
export interface PreparedMilestone {
  name: string;
  config: Milestone;
  /** How many values its query adds to an account's row (the same on every engine). */
  width: number;
  query(dialect: SqlDialect, tables: ActivityTables): MilestoneQuery;
  evaluate(account: AccountFacts, cells: Cells, at: number, asOf: Day): MilestoneResult;
  advise(account: AccountFacts, result: MilestoneResult, asOf: Day): StepAdvice | null;
  /**
   * For milestones that describe a current state (categories): the accounts in that state on
   * each of the given days, for the funnel's history of the headline figure.
   */
  inStateOn?(ctx: EvaluationContext, days: Day[]): Promise<Map<Day, Set<string>>>;
  /** With inStateOn: whether the account is in that state on the as-of day, from its result there. */
  inStateAt?(result: MilestoneResult): boolean;
  /**
   * Brings an account's values up to date with events counted on the as-of day itself (`counts`:
   * matcher id → events) without reading its history: writes the new values into `cells` (the
   * caller's copy) as the query would return them for the data with those events added. False
   * when the values cannot tell (the query must run); then `cells` may be half written.
   */
  advance(cells: string[], at: number, counts: ReadonlyMap<number, number>, account: AccountFacts, asOf: Day): boolean;
}

/** `key` is a plain identifier unique to the milestone in this computation (CTE names). */
export type Prepare<M extends Milestone> = (name: string, config: M, matchers: MatcherIds, key: string) => PreparedMilestone;
