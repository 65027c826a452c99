import type { PerDialect, SqlDialect } from '../../store/index.js';
import { ident, sql } from '../../store/index.js';
import type { ActivityTables } from '../daily-activity.js';
import type { MilestoneQuery } from '../types.js';
import { dayRunningSumReaches, def, matcherSlice } from './array-sql.js';

export interface ThresholdSpec {
  key: string;
  /** The matcher's id in the daily table. */
  m: number;
  withinDays: number;
  atLeast: number;
}

/** Per account: the count within the window from signup (`total`) and the day the running count crossed `atLeast`. */
export const THRESHOLD_SQL: PerDialect<(spec: ThresholdSpec, d: SqlDialect, tables: ActivityTables) => MilestoneQuery> = {
  duckdb({ key, m, withinDays, atLeast }, d, tables) {
    const from = ident(`${key}_window`);
    return {
      kind: 'ctes',
      ctes: [
        sql`${from} AS (SELECT account_id, sum(c) AS total, min(CASE WHEN cum >= ${atLeast} THEN day END) AS reached_day
        FROM (
          SELECT x.account_id, x.day, x.n AS c,
            sum(x.n) OVER (PARTITION BY x.account_id ORDER BY x.day ROWS UNBOUNDED PRECEDING) AS cum
          FROM ${tables.daily} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
          WHERE x.m = ${m} AND x.day >= a.signup_day AND x.day < ${d.addDays(sql`a.signup_day`, withinDays)}
        ) w GROUP BY account_id)`,
      ],
      from,
      columns: ['total', 'reached_day'],
    };
  },
  clickhouse({ key, m, withinDays, atLeast }, d) {
    const days = ident(`${key}_days`);
    const counts = ident(`${key}_counts`);
    const inWindow = sql`d >= signup_day AND d < ${d.addDays(sql`signup_day`, withinDays)}`;
    return {
      kind: 'arrays',
      defs: [[
        def(days, sql`arrayFilter(d -> ${inWindow}, ${matcherSlice('days', m)})`),
        def(counts, sql`arrayFilter((n, d) -> ${inWindow}, ${matcherSlice('ns', m)}, ${matcherSlice('days', m)})`),
      ]],
      values: [sql`arraySum(${counts})`, dayRunningSumReaches(sql`${days}`, sql`${counts}`, sql`${atLeast}`)],
    };
  },
};
