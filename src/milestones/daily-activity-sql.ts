import type { PerDialect, SqlDialect, SqlFragment, Store } from '../store/index.js';
import { ident, join, sql } from '../store/index.js';
import type { ActivitySpec, ActivityTables } from './daily-activity.js';
import { addDays } from './days.js';
import { matcherCondition, needsRawEvents, type CountedMatcher } from './matchers.js';

let tableNo = 0;

/** The day before a matcher's lookback starts: its rows are the days after it. */
const dayBefore = (m: CountedMatcher, asOf: string) => (m.lookback === null ? null : addDays(asOf, -m.lookback));

/** Daily counts of the metadata matchers, one branch each, straight from raw events (`events`, or where the engine keeps them). */
function rawEventBranches(d: SqlDialect, spec: ActivitySpec, included: SqlFragment, events = sql`events`): SqlFragment[] {
  const nextDay = new Date(Date.parse(`${spec.asOf}T00:00:00Z`) + 86_400_000);
  return spec.matchers
    .filter((o) => needsRawEvents(o.matcher))
    .map((m) => {
      const from = m.lookback === null ? sql`` : sql`AND timestamp >= ${new Date(nextDay.getTime() - m.lookback * 86_400_000)}`;
      return sql`SELECT account_id, ${d.day(sql`timestamp`)} AS day, ${d.cast(m.id, 'integer')} AS m, sum(count) AS n FROM ${events}
        WHERE timestamp < ${nextDay} ${from} AND ${matcherCondition(m.matcher, d)} ${included} GROUP BY account_id, day`;
    });
}

/**
 * Rollup rows of `table` (deltas or corrections: account_activity's parts, read apart so the
 * filters reach each) as (account_id, day, m, n), one row per matcher a row meets. A lookup by
 * action and object finds the matcher (one SELECT per matcher sharing them), then its place
 * and lookback are checked.
 */
function rollupMatches(d: SqlDialect, matchers: readonly CountedMatcher[], asOf: string, table: SqlFragment, included: SqlFragment): SqlFragment[] {
  const layers: CountedMatcher[][] = [];
  const taken = new Map<string, number>();
  for (const m of matchers) {
    const key = pairKey(m);
    const layer = taken.get(key) ?? 0;
    taken.set(key, layer + 1);
    (layers[layer] ??= []).push(m);
  }
  return layers.map((layer) => {
    const ids = layer.map((m) => m.id);
    const of = <T>(values: T[], otherwise: T) => sql`transform(mid, ${ids}, ${values}, ${otherwise})`;
    const checks = [sql`mid >= 0`];
    if (layer.some((m) => m.matcher.place !== undefined)) {
      checks.push(sql`(${of(layer.map((m) => (m.matcher.place === undefined ? 0 : 1)), 0)} = 0 OR place = ${of(layer.map((m) => m.matcher.place ?? ''), '')})`);
    }
    // Lookbacks as day numbers (-1: none), the days after a matcher's day before.
    const after = layer.map((m) => dayBefore(m, asOf));
    if (after.some((a) => a !== null)) checks.push(sql`toInt32(day) > ${of(after.map((a) => (a === null ? -1 : Date.parse(`${a}T00:00:00Z`) / 86_400_000)), -1)}`);
    return sql`SELECT account_id, day, toInt32(mid) AS m, toInt64(n) AS n FROM (
        SELECT account_id, day, place, n, transform(concat(action, '\t', object), ${layer.map(pairKey)}, ${ids}, -1) AS mid FROM ${table}
        WHERE day <= ${d.date(asOf)} ${included}
      ) AS r WHERE ${join(checks, ' AND ')}`;
  });
}

/** A matcher's action and object as one lookup key (neither holds a tab: model/event.ts). */
const pairKey = (m: CountedMatcher) => `${m.matcher.action}\t${m.matcher.object}`;

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
   * Subqueries, computed where they are read (no temporary tables), over the physical tables
   * (18.16 pushes no filter into a view). Rows of one key may repeat (readers sum them or test
   * for a day). With no corrections pending no message id is stored twice (racing writers
   * leave one, ClickHouseStore.reconcile), so the rollup's rows, every count positive, and the
   * events are read as they are; with some, deltas and corrections are summed per key (a
   * negative correction never stands alone) and events are read with FINAL.
   */
  async clickhouse(store, spec) {
    const d = store.dialect;
    const accounts = sql`(${accountsSelect(d, spec)})`;
    // The accounts asked for by id: a list each shard of a cluster can use (a subquery would be run there, in the wrong database).
    const only = spec.only;
    const included = only ? (only.length ? sql`AND account_id IN (${join(only.map((id) => sql`${id}`))})` : sql`AND 1 = 0`) : sql``;
    const branches: SqlFragment[] = [];
    const [{ n: corrections }] = await store.query<{ n: string | number }>(sql`SELECT count() AS n FROM activity_corrections`);
    const settled = Number(corrections) === 0;
    const fromRollup = spec.matchers.filter((m) => !needsRawEvents(m.matcher));
    if (fromRollup.length > 0) {
      const read = (table: SqlFragment) => rollupMatches(d, fromRollup, spec.asOf, table, included);
      if (settled) branches.push(...read(sql`activity_deltas`));
      else {
        const rows = [...read(sql`activity_deltas`), ...read(sql`(SELECT * FROM activity_corrections FINAL) AS c`)];
        branches.push(sql`SELECT account_id, day, m, toInt64(sum(n)) AS n FROM (${join(rows, ' UNION ALL ')}) AS r GROUP BY account_id, day, m`);
      }
    }
    const events = settled ? sql`events_data` : sql`events_data FINAL`;
    branches.push(...rawEventBranches(d, spec, included, events).map((b) => sql`SELECT account_id, day, toInt32(m) AS m, toInt64(n) AS n FROM (${b}) AS e`));
    if (branches.length === 0) branches.push(sql`SELECT account_id, day, toInt32(0) AS m, toInt64(0) AS n FROM account_activity WHERE 1 = 0`);
    return {
      asOf: spec.asOf,
      accounts,
      daily: sql`(SELECT account_id, day, m, n FROM (${join(branches, ' UNION ALL ')}) AS u)`,
      drop: async () => undefined,
    };
  },
};
