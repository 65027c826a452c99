import type { Ident, SqlFragment, Store } from '../store/index.js';
import { ident, join, raw, sql } from '../store/index.js';
import { addDays } from './days.js';
import { matcherCondition, needsRawEvents, type CountedMatcher } from './matchers.js';

/**
 * Builds the two small tables every milestone reads for one as-of date:
 *  - accounts signed up by then, with their signup day, churn day, current seats and the
 *    as-of day itself (so queries use it as a column, never as pasted text);
 *  - daily counts per account and matcher, `(account_id, day, m, n)`, from the rollup (or
 *    from raw events for matchers on metadata), up to the as-of day, and from the first day
 *    of its lookback for a matcher read only over one. A long table: a wide one with a column
 *    per matcher cost ten times more to build.
 * Events before signup are kept: checklists and categories count them; windows that start at
 * signup (threshold, per seat) leave them out.
 */
export interface ActivityTables {
  accounts: Ident;
  daily: Ident;
  drop(): Promise<void>;
}

let tableNo = 0;

export async function buildActivityTables(
  store: Store,
  matchers: readonly CountedMatcher[],
  asOf: string,
  only?: readonly string[],
): Promise<ActivityTables> {
  const n = tableNo++;
  const accounts = ident(`cairn_ms_accounts_${n}`);
  const daily = ident(`cairn_ms_daily_${n}`);
  const keys = ident(`cairn_ms_matchers_${n}`);
  const d = store.dialect;
  const asOfDate = sql`CAST(${asOf} AS DATE)`;

  await store.execute(sql`CREATE TEMP TABLE ${accounts} AS
    SELECT account_id, CAST(created_at AS DATE) AS signup_day, CAST(churned_at AS DATE) AS churned_day, plan, seats,
      ${asOfDate} AS as_of
    FROM accounts WHERE CAST(created_at AS DATE) <= ${asOfDate}
      ${only ? (only.length ? sql`AND account_id IN (${join(only.map((id) => sql`${id}`))})` : sql`AND 1 = 0`) : sql``}`);
  const included = only ? sql`AND account_id IN (SELECT account_id FROM ${accounts})` : sql``;

  // The day before a matcher's lookback starts: its rows are the days after it.
  const dayBefore = (m: CountedMatcher) => (m.lookback === null ? null : addDays(asOf, -m.lookback));
  const branches: SqlFragment[] = [];
  const fromRollup = matchers.filter((m) => !needsRawEvents(m.matcher));
  if (fromRollup.length > 0) {
    // One join against a small table of matchers, so the rollup is read once for all of them.
    const text = (v: string | null) => sql`CAST(${v} AS VARCHAR)`;
    const rows = fromRollup.map(
      (m) => sql`(${m.id}, ${text(m.matcher.action)}, ${text(m.matcher.object)}, ${text(m.matcher.place ?? null)}, CAST(${dayBefore(m)} AS DATE))`,
    );
    await store.execute(sql`CREATE TEMP TABLE ${keys} AS SELECT * FROM (VALUES ${join(rows)}) v(m, action, object, place, after_day)`);
    branches.push(sql`SELECT r.account_id, r.day, k.m, sum(r.n) AS n
      FROM account_activity r JOIN ${keys} k ON r.action = k.action AND r.object = k.object AND (k.place IS NULL OR k.place = r.place)
      WHERE r.day <= ${asOfDate} AND (k.after_day IS NULL OR r.day > k.after_day) ${included} GROUP BY 1, 2, 3`);
  }
  const nextDay = new Date(Date.parse(`${asOf}T00:00:00Z`) + 86_400_000);
  for (const m of matchers.filter((o) => needsRawEvents(o.matcher))) {
    const from = m.lookback === null ? sql`` : sql`AND timestamp >= ${new Date(nextDay.getTime() - m.lookback * 86_400_000)}`;
    branches.push(sql`SELECT account_id, ${raw(d.day('timestamp'))} AS day, ${m.id} AS m, sum(count) AS n FROM events
      WHERE timestamp < ${nextDay} ${from} AND ${matcherCondition(m.matcher, d)} ${included} GROUP BY 1, 2`);
  }
  if (branches.length === 0) branches.push(sql`SELECT account_id, day, 0 AS m, n FROM account_activity WHERE 1 = 0`);
  await store.execute(sql`CREATE TEMP TABLE ${daily} AS
    SELECT account_id, day, CAST(m AS INTEGER) AS m, CAST(n AS BIGINT) AS n FROM (${join(branches, ' UNION ALL ')}) u`);

  return {
    accounts,
    daily,
    drop: async () => {
      for (const t of [accounts, daily, keys]) await store.execute(sql`DROP TABLE IF EXISTS ${t}`);
    },
  };
}
