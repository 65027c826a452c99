import type { Store } from '../store/index.js';
import { sql, type SqlFragment } from '../store/index.js';

export interface DataAsOf {
  /** 'YYYY-MM-DD': the newest day among events, churn dates and account history, never after today. */
  day: string;
  /** Which of them set it. */
  from: 'events' | 'churn dates' | 'account history' | 'today';
}

const day = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v).slice(0, 10));

/**
 * The day discovery judges the data as of, by default: the newest day anything is known about
 * (an event, a churn, a change of plan or seats), so accounts whose churn is recorded after
 * their last event can still be judged; capped at today, since a date ahead is a plan, not a fact.
 */
export async function dataAsOf(store: Store, today: string = new Date().toISOString().slice(0, 10)): Promise<DataAsOf> {
  const d = store.dialect;
  // ClickHouse's max over no rows is 1970-01-01, not NULL: counted first.
  const newestOf = (days: SqlFragment) => sql`CASE WHEN count(${days}) > 0 THEN ${d.dayText(sql`max(${days})`)} END`;
  const [row] = await store.query<{ events: unknown; churn: unknown; history: unknown }>(
    sql`SELECT (SELECT ${newestOf(sql`day`)} FROM account_activity) AS events,
      (SELECT ${newestOf(d.day(sql`churned_at`))} FROM accounts) AS churn,
      (SELECT ${newestOf(d.day(sql`valid_from`))} FROM account_history) AS history`,
  );
  const found: [DataAsOf['from'], string][] = [];
  for (const [from, v] of [['events', row?.events], ['churn dates', row?.churn], ['account history', row?.history]] as const) {
    const d = day(v);
    if (d !== null) found.push([from, d]);
  }
  if (found.length === 0) return { day: today, from: 'today' };
  const [from, newest] = found.reduce((a, b) => (b[1] > a[1] ? b : a));
  return newest > today ? { day: today, from: 'today' } : { day: newest, from };
}
