import type { PerDialect, SqlDialect, SqlFragment, Store } from '../store/index.js';
import { ident, join, sql } from '../store/index.js';
import type { ActivitySpec, ActivityTables } from './daily-activity.js';
import { addDays } from './days.js';
import { matcherCondition, needsRawEvents, type CountedMatcher } from './matchers.js';

let tableNo = 0;

/** The day before a matcher's lookback starts: its rows are the days after it. */
const dayBefore = (m: CountedMatcher, asOf: string) => (m.lookback === null ? null : addDays(asOf, -m.lookback));

/** Daily counts of the metadata matchers, one branch each, straight from raw events. */
function rawEventBranches(d: SqlDialect, spec: ActivitySpec, included: SqlFragment): SqlFragment[] {
  const nextDay = new Date(Date.parse(`${spec.asOf}T00:00:00Z`) + 86_400_000);
  return spec.matchers
    .filter((o) => needsRawEvents(o.matcher))
    .map((m) => {
      const from = m.lookback === null ? sql`` : sql`AND timestamp >= ${new Date(nextDay.getTime() - m.lookback * 86_400_000)}`;
      return sql`SELECT account_id, ${d.day(sql`timestamp`)} AS day, ${d.cast(m.id, 'integer')} AS m, sum(count) AS n FROM events
        WHERE timestamp < ${nextDay} ${from} AND ${matcherCondition(m.matcher, d)} ${included} GROUP BY account_id, day`;
    });
}

/** Accounts signed up by the as-of day (and among `only`, when given). */
function accountsSelect(d: SqlDialect, spec: ActivitySpec): SqlFragment {
  const asOf = d.date(spec.asOf);
  const only = spec.only;
  return sql`SELECT account_id, ${d.day(sql`created_at`)} AS signup_day, ${d.day(sql`churned_at`)} AS churned_day, plan, seats,
      ${asOf} AS as_of
    FROM accounts WHERE ${d.day(sql`created_at`)} <= ${asOf}
      ${only ? (only.length ? sql`AND account_id IN (${join(only.map((id) => sql`${id}`))})` : sql`AND 1 = 0`) : sql``}`;
}

/** The activity relations, per engine. */
export const ACTIVITY_TABLES: PerDialect<(store: Store, spec: ActivitySpec) => Promise<ActivityTables>> = {
  /** Temporary tables: built once, read by every milestone of the one statement. */
  async duckdb(store, spec) {
    const n = tableNo++;
    const accounts = ident(`cairn_ms_accounts_${n}`);
    const daily = ident(`cairn_ms_daily_${n}`);
    const keys = ident(`cairn_ms_matchers_${n}`);
    const d = store.dialect;
    const asOf = d.date(spec.asOf);
    await store.execute(sql`CREATE TEMP TABLE ${accounts} AS ${accountsSelect(d, spec)}`);
    const included = spec.only ? sql`AND account_id IN (SELECT account_id FROM ${accounts})` : sql``;

    const branches: SqlFragment[] = [];
    const fromRollup = spec.matchers.filter((m) => !needsRawEvents(m.matcher));
    if (fromRollup.length > 0) {
      // One join against a small table of matchers, so the rollup is read once for all of them.
      const text = (v: string | null) => d.cast(v, 'text');
      const rows = fromRollup.map(
        (m) => sql`(${m.id}, ${text(m.matcher.action)}, ${text(m.matcher.object)}, ${text(m.matcher.place ?? null)}, ${d.cast(dayBefore(m, spec.asOf), 'date')})`,
      );
      await store.execute(sql`CREATE TEMP TABLE ${keys} AS SELECT * FROM (VALUES ${join(rows)}) v(m, action, object, place, after_day)`);
      branches.push(sql`SELECT r.account_id, r.day, k.m, sum(r.n) AS n
        FROM account_activity r JOIN ${keys} k ON r.action = k.action AND r.object = k.object AND (k.place IS NULL OR k.place = r.place)
        WHERE r.day <= ${asOf} AND (k.after_day IS NULL OR r.day > k.after_day) ${included} GROUP BY r.account_id, r.day, k.m`);
    }
    branches.push(...rawEventBranches(d, spec, included));
    if (branches.length === 0) branches.push(sql`SELECT account_id, day, 0 AS m, n FROM account_activity WHERE 1 = 0`);
    await store.execute(sql`CREATE TEMP TABLE ${daily} AS
      SELECT account_id, day, CAST(m AS INTEGER) AS m, CAST(n AS BIGINT) AS n FROM (${join(branches, ' UNION ALL ')}) u`);

    return {
      asOf: spec.asOf,
      accounts: sql`${accounts}`,
      daily: sql`${daily}`,
      drop: async () => {
        for (const t of [accounts, daily, keys]) await store.execute(sql`DROP TABLE IF EXISTS ${t}`);
      },
    };
  },
  /**
   * Subqueries, computed where they are read (no temporary tables): the rollup is read once for
   * every matcher, each row taking the ids of the matchers it meets (arrayJoin of those ids).
   */
  async clickhouse(store, spec) {
    const d = store.dialect;
    const accounts = sql`(${accountsSelect(d, spec)})`;
    const included = spec.only ? sql`AND account_id IN (SELECT account_id FROM ${accounts} AS o)` : sql``;
    const branches: SqlFragment[] = [];
    const fromRollup = spec.matchers.filter((m) => !needsRawEvents(m.matcher));
    if (fromRollup.length > 0) {
      const ids = fromRollup.map((m) => {
        const after = dayBefore(m, spec.asOf);
        const cond = [sql`action = ${m.matcher.action}`, sql`object = ${m.matcher.object}`];
        if (m.matcher.place !== undefined) cond.push(sql`place = ${m.matcher.place}`);
        if (after !== null) cond.push(sql`day > ${d.date(after)}`);
        return sql`if(${join(cond, ' AND ')}, ${m.id}, -1)`;
      });
      branches.push(sql`SELECT account_id, day, toInt32(m) AS m, toInt64(sum(n)) AS n FROM (
          SELECT account_id, day, n, arrayJoin(arrayFilter(x -> x >= 0, [${join(ids)}])) AS m FROM account_activity
          WHERE day <= ${d.date(spec.asOf)} AND action IN (${join([...new Set(fromRollup.map((m) => sql`${m.matcher.action}`))])}) ${included}
        ) AS r GROUP BY account_id, day, m`);
    }
    branches.push(...rawEventBranches(d, spec, included).map((b) => sql`SELECT account_id, day, toInt32(m) AS m, toInt64(n) AS n FROM (${b}) AS e`));
    if (branches.length === 0) branches.push(sql`SELECT account_id, day, toInt32(0) AS m, toInt64(0) AS n FROM account_activity WHERE 1 = 0`);
    return {
      asOf: spec.asOf,
      accounts,
      daily: sql`(SELECT account_id, day, m, n FROM (${join(branches, ' UNION ALL ')}) AS u)`,
      drop: async () => undefined,
    };
  },
};
