import type { PerDialect, SqlDialect, SqlFragment } from '../store/index.js';
import { ident, join, raw, sql } from '../store/index.js';
import type { ActivityTables } from './daily-activity.js';
import type { ArrayDef, MilestoneQuery } from './types.js';

/**
 * The engine's one statement: one row per account signed up by the as-of day with its id, its
 * plan and one packed text value (see `SqlDialect.packText`): signup day, churn day, seats,
 * then each milestone's columns in turn.
 */
export const MILESTONES_STATEMENT: PerDialect<(d: SqlDialect, tables: ActivityTables, parts: readonly MilestoneQuery[]) => SqlFragment> = {
  /** The milestones' CTEs, each milestone's last one joined onto the accounts. */
  duckdb(d, tables, parts) {
    const ctes = parts.flatMap((q) => (q.kind === 'ctes' ? q.ctes : []));
    const joined = parts.flatMap((q) => (q.kind === 'ctes' ? [q] : []));
    if (joined.length !== parts.length) throw new Error('milestones: a DuckDB builder returned arrays');
    const joins = joined.map((q) => sql`LEFT JOIN ${q.from} ON ${q.from}.account_id = a.account_id`);
    const values = [sql`a.signup_day`, sql`a.churned_day`, sql`a.seats`, ...joined.flatMap((q) => q.columns.map((c) => sql`${q.from}.${ident(c)}`))];
    return sql`${ctes.length ? sql`WITH ${join(ctes)} ` : sql``}SELECT a.account_id, a.plan, ${d.packText(values)} AS v
      FROM ${tables.accounts} a ${join(joins, ' ')} ORDER BY a.account_id`;
  },
  /**
   * One row per account with its activity as arrays sorted by matcher, then day, and its seat
   * history as tuples, then each milestone's named arrays (`defs`) and values over them.
   */
  clickhouse(d, tables, parts) {
    // Level i of every milestone's defs in one SELECT over the level before.
    const levels: ArrayDef[][] = [];
    for (const q of parts) if (q.kind === 'arrays') q.defs.forEach((level, i) => (levels[i] ??= []).push(...level));
    const values = [sql`signup_day`, sql`churned_day`, sql`seats`, ...parts.flatMap((q) => (q.kind === 'arrays' ? q.values : []))];
    if (parts.some((q) => q.kind !== 'arrays')) throw new Error('milestones: a ClickHouse builder returned CTEs');
    const element = (i: number) => sql`arrayMap(t -> tupleElement(t, ${raw(String(i))}), acts)`;
    // Arrays cannot be NULL: accounts without activity get empty ones (join_use_nulls = 0).
    let row = sql`SELECT account_id, plan, signup_day, churned_day, seats, ${d.date(tables.asOf)} AS as_of, days, ms, ns, hist
        FROM (
          SELECT * FROM ${tables.accounts} AS a
          ANY LEFT JOIN (
            SELECT account_id, ${element(1)} AS ms, ${element(2)} AS days, ${element(3)} AS ns
            FROM (SELECT account_id, arraySort(groupArray((m, day, n))) AS acts FROM ${tables.daily} AS x GROUP BY account_id) AS y
          ) AS x USING account_id
        ) AS ax
        ANY LEFT JOIN (
          SELECT account_id, arraySort(groupArray((valid_from, ${d.day(sql`valid_from`)}, assumeNotNull(seats)))) AS hist
          FROM account_history WHERE seats IS NOT NULL GROUP BY account_id
        ) AS h USING account_id`;
    // 18.16 drops a subquery's columns that an outer query reads only inside lambdas: every
    // level names what it keeps (ignore() reads its arguments and returns 0).
    const kept: SqlFragment[] = ['account_id', 'plan', 'signup_day', 'churned_day', 'seats', 'as_of', 'days', 'ms', 'ns', 'hist'].map((c) => sql`${ident(c)}`);
    levels.forEach((level, i) => {
      row = sql`SELECT *, ${join(level.map((x) => sql`${x.expr} AS ${x.name}`))} FROM (${row}) AS ${ident(`level_${i}`)} WHERE NOT ignore(${join(kept)})`;
      kept.push(...level.map((x) => sql`${x.name}`));
    });
    return sql`SELECT account_id, plan, ${d.packText(values)} AS v FROM (${row}) AS row WHERE NOT ignore(${join(kept)})
      ORDER BY account_id SETTINGS join_use_nulls = 0`;
  },
};
