import type { SqlFragment, Store } from '../store/index.js';
import { ACTIVITY_TABLES } from './daily-activity-sql.js';
import type { CountedMatcher } from './matchers.js';

/**
 * The two small relations every milestone reads for one as-of date:
 *  - `accounts`: accounts signed up by then, with their signup day, churn day, plan, current
 *    seats and the as-of day itself (so queries use it as a column, never as pasted text);
 *  - `daily`: daily counts per account and matcher, `(account_id, day, m, n)`, from the rollup
 *    (or from raw events for matchers on metadata), up to the as-of day, and from the first day
 *    of its lookback for a matcher read only over one. A long table: a wide one with a column
 *    per matcher cost ten times more to build. On ClickHouse a key may span several rows, each
 *    count positive: readers sum them, or ask whether a day has any.
 * Each is a relation to put after FROM: a temporary table where the engine has them, else a
 * subquery. Events before signup are kept: checklists and categories count them; windows that
 * start at signup (threshold, per seat) leave them out.
 */
export interface ActivityTables {
  /** The as-of day the relations were built for. */
  asOf: string;
  accounts: SqlFragment;
  daily: SqlFragment;
  drop(): Promise<void>;
}

/** What the activity relations are built for: the matchers, the as-of day, and optionally only some accounts. */
export interface ActivitySpec {
  matchers: readonly CountedMatcher[];
  asOf: string;
  only?: readonly string[];
}

export function buildActivityTables(store: Store, matchers: readonly CountedMatcher[], asOf: string, only?: readonly string[]): Promise<ActivityTables> {
  return store.dialect.pick(ACTIVITY_TABLES)(store, { matchers, asOf, only });
}
