import type { PerDialect, SqlDialect, SqlFragment } from '../store/index.js';
import { ident, join, sql } from '../store/index.js';
import type { ActivityTables } from './daily-activity.js';
import type { MilestoneQuery } from './types.js';

/**
 * The engine's one statement: one row per account signed up by the as-of day with its id, its
 * plan and one packed text value (see `SqlDialect.packText`): signup day, churn day, seats,
 * then each milestone's columns in turn.
 */
export const MILESTONES_STATEMENT: PerDialect<(d: SqlDialect, tables: ActivityTables, parts: readonly MilestoneQuery[]) => SqlFragment> = {
  /** The milestones' CTEs, each milestone's last one joined onto the accounts. */
  duckdb(d, tables, parts) {
    const ctes = parts.flatMap((q) => q.ctes);
    const joins = parts.map((q) => sql`LEFT JOIN ${q.from} ON ${q.from}.account_id = a.account_id`);
    const values = [sql`a.signup_day`, sql`a.churned_day`, sql`a.seats`, ...parts.flatMap((q) => q.columns.map((c) => sql`${q.from}.${ident(c)}`))];
    return sql`${ctes.length ? sql`WITH ${join(ctes)} ` : sql``}SELECT a.account_id, a.plan, ${d.packText(values)} AS v
      FROM ${tables.accounts} a ${join(joins, ' ')} ORDER BY a.account_id`;
  },
};
