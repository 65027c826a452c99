import type { Matcher } from '../config/index.js';
import { buildActivityTables, MatcherIds, type ActivityTables } from '../milestones/index.js';
import type { Store } from '../store/index.js';
import { sql } from '../store/index.js';

/**
 * The daily counts of the actions discovery counts (the core action, the utilization action),
 * as of one day: each matcher's daily table is built once and read by every step that counts
 * it. close() drops them.
 */
export class DailyCounts {
  private readonly built = new Map<string, Promise<ActivityTables>>();

  constructor(
    readonly store: Store,
    readonly asOf: string,
  ) {}

  /** The daily table holding one matcher's counts (matcher id 0), built on first use. */
  tables(matcher: Matcher): Promise<ActivityTables> {
    const key = JSON.stringify([matcher.action, matcher.object, matcher.place ?? null, matcher.metadata ?? null]);
    let t = this.built.get(key);
    if (!t) {
      const ids = new MatcherIds();
      ids.id(matcher);
      this.built.set(key, (t = buildActivityTables(this.store, ids.all, this.asOf)));
    }
    return t;
  }

  async close(): Promise<void> {
    for (const t of this.built.values()) await (await t).drop();
    this.built.clear();
  }
}

/** Days counted from an account's signup day: [from, to). */
export interface DayRange {
  from: number;
  to: number;
}

/**
 * Per account (in the order given) and per range, how many events matching `matcher` the
 * account had on days [signup + from, signup + to), reading data up to `asOf` only. Metadata
 * matchers read raw events (the rollup has no metadata); others read the rollup. Accounts the
 * store does not know (or signed up after asOf) count 0.
 */
export async function countInRanges(counts: DailyCounts, accountIds: readonly string[], matcher: Matcher, ranges: readonly DayRange[]): Promise<Float64Array[]> {
  const out = ranges.map(() => new Float64Array(accountIds.length));
  if (ranges.length === 0 || accountIds.length === 0) return out;
  const tables = await counts.tables(matcher);
  const d = counts.store.dialect;
  const sums = ranges.map(
    (r) => sql`sum(CASE WHEN t.day >= ${d.addDays(sql`a.signup_day`, r.from)} AND t.day < ${d.addDays(sql`a.signup_day`, r.to)} THEN t.n ELSE 0 END)`,
  );
  const rows = await counts.store.query<{ account_id: string; v: string }>(
    sql`SELECT t.account_id, ${d.packText(sums)} AS v FROM ${tables.daily} t JOIN ${tables.accounts} a ON a.account_id = t.account_id GROUP BY t.account_id`,
  );
  const rowOf = new Map(accountIds.map((id, i) => [id, i]));
  for (const row of rows) {
    const i = rowOf.get(row.account_id);
    if (i === undefined) continue;
    const cells = row.v.split(',');
    for (let k = 0; k < ranges.length; k++) out[k][i] = Number(cells[k]) || 0;
  }
  return out;
}

/** First use of one (action, object) pair: per account, days from signup, NaN when not in the window. */
export interface FirstUse {
  key: string;
  action: string;
  object: string;
  days: Float64Array;
}

/**
 * For every (action, object) pair, the day (counted from signup, 0 = signup day) each account
 * first used it within its first `windowDays` days, read from the rollup up to `asOf`.
 */
export async function firstUseDays(store: Store, accountIds: readonly string[], windowDays: number, asOf: string): Promise<FirstUse[]> {
  const d = store.dialect;
  const signup = d.day(sql`a.created_at`);
  const rows = await store.query<{ action: string; object: string; v: string }>(
    sql`SELECT r.action, r.object, ${d.packText([sql`r.account_id`, sql`min(${d.diffDays(signup, sql`r.day`)})`])} AS v
      FROM account_activity r JOIN accounts a ON a.account_id = r.account_id
      WHERE r.day >= ${signup} AND r.day < ${d.addDays(signup, windowDays)} AND r.day <= ${d.date(asOf)}
      GROUP BY r.account_id, r.action, r.object HAVING sum(r.n) > 0`,
  );
  const rowOf = new Map(accountIds.map((id, i) => [id, i]));
  const byKey = new Map<string, FirstUse>();
  for (const r of rows) {
    const comma = r.v.lastIndexOf(',');
    const i = rowOf.get(r.v.slice(0, comma));
    if (i === undefined) continue;
    const key = `${r.action} ${r.object}`;
    let f = byKey.get(key);
    if (!f) byKey.set(key, (f = { key, action: r.action, object: r.object, days: new Float64Array(accountIds.length).fill(NaN) }));
    f.days[i] = Number(r.v.slice(comma + 1));
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The place each (action, object) pair is used in most (by events), for grouping features into categories. */
export async function mainPlaces(store: Store): Promise<Map<string, string>> {
  const rows = await store.query<{ action: string; object: string; place: string | null; n: unknown }>(
    sql`SELECT action, object, place, sum(n) AS n FROM account_activity GROUP BY action, object, place`,
  );
  const best = new Map<string, { place: string; n: number }>();
  for (const r of rows) {
    const key = `${r.action} ${r.object}`;
    const n = Number(r.n);
    const place = r.place ?? '';
    const cur = best.get(key);
    if (!cur || n > cur.n || (n === cur.n && place < cur.place)) best.set(key, { place, n });
  }
  return new Map([...best].map(([k, v]) => [k, v.place || 'other']));
}

/**
 * Accounts at least `days` days old on `asOf` that had not churned (accounts.churned_at)
 * before their day `days`: those whose first `days` days can all be observed. By account id.
 */
export async function accountsObservedFor(store: Store, days: number, asOf: string): Promise<{ account_id: string; signup_day: string }[]> {
  const d = store.dialect;
  const signup = d.day(sql`created_at`);
  const end = d.addDays(signup, days);
  const rows = await store.query<{ account_id: string; signup_day: unknown }>(
    sql`SELECT account_id, ${d.dayText(signup)} AS signup_day FROM accounts WHERE ${end} <= ${d.date(asOf)}
      AND (churned_at IS NULL OR ${d.day(sql`churned_at`)} >= ${end}) ORDER BY account_id`,
  );
  return rows.map((r) => ({ account_id: r.account_id, signup_day: String(r.signup_day).slice(0, 10) }));
}

/** One full calendar month of one account: its count per seat, and whether it churned the month after. */
export interface AccountMonth {
  account_id: string;
  signup_day: string;
  /** 'YYYY-MM-01'. */
  month: string;
  /** Plan on the month's first day (account history, else the account's plan). */
  plan: string | null;
  perSeat: number;
  churnedNext: boolean;
}

const monthAfter = (month: string, k = 1): string => {
  const d = new Date(`${month}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + k);
  return d.toISOString().slice(0, 10);
};

/**
 * Account-months for a per-seat monthly measure, over every account: each full calendar month
 * after the signup month in which the account was still a customer, whose next month is over by
 * `asOf`. The count is `matcher`'s events in that month divided by the seats on its first day
 * (account history, else the account's seats, else 1), as the per_seat milestone counts.
 * `churnedNext` says whether the account churned in the month after: the order of cause and
 * effect a monthly state needs (its month first, then churn or not).
 */
export async function accountMonths(daily: DailyCounts, matcher: Matcher): Promise<AccountMonth[]> {
  const { store, asOf } = daily;
  const tables = await daily.tables(matcher);
  const d = store.dialect;
  const counts = await store.query<{ account_id: string; month: unknown; n: unknown }>(
    sql`SELECT account_id, ${d.dayText(d.monthStart(sql`day`))} AS month, sum(n) AS n FROM ${tables.daily} GROUP BY account_id, month`,
  );
  const accounts = await store.query<{ account_id: string; signup_day: unknown; churn_day: unknown; seats: unknown; plan: string | null }>(
    sql`SELECT account_id, ${d.dayText(d.day(sql`created_at`))} AS signup_day, ${d.dayText(d.day(sql`churned_at`))} AS churn_day, seats, plan FROM accounts
      WHERE ${d.day(sql`created_at`)} <= ${d.date(asOf)} ORDER BY account_id`,
  );
  const history = await store.query<{ account_id: string; day: unknown; seats: unknown; plan: string | null }>(
    sql`SELECT account_id, ${d.dayText(d.day(sql`valid_from`))} AS day, seats, plan FROM account_history ORDER BY account_id, valid_from`,
  );
  const countOf = new Map<string, number>();
  for (const c of counts) countOf.set(`${c.account_id}|${String(c.month).slice(0, 10)}`, Number(c.n));
  const historyOf = new Map<string, { day: string; seats: number | null; plan: string | null }[]>();
  for (const h of history) {
    let list = historyOf.get(h.account_id);
    if (!list) historyOf.set(h.account_id, (list = []));
    list.push({ day: String(h.day).slice(0, 10), seats: h.seats === null || h.seats === undefined ? null : Number(h.seats), plan: h.plan || null });
  }
  const dayAfterAsOf = new Date(Date.parse(`${asOf}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const out: AccountMonth[] = [];
  for (const a of accounts) {
    const signup = String(a.signup_day).slice(0, 10);
    const churn = a.churn_day === null || a.churn_day === undefined ? null : String(a.churn_day).slice(0, 10);
    const rows = historyOf.get(a.account_id) ?? [];
    for (let month = monthAfter(`${signup.slice(0, 7)}-01`); ; month = monthAfter(month)) {
      // The month after must be over by asOf, and the account a customer through this month.
      if (monthAfter(month, 2) > dayAfterAsOf) break;
      if (churn !== null && churn < monthAfter(month)) break;
      let seats = a.seats === null || a.seats === undefined ? 1 : Number(a.seats);
      let plan = a.plan || null;
      for (const r of rows) {
        if (r.day > month) break;
        if (r.seats !== null) seats = r.seats;
        if (r.plan !== null) plan = r.plan;
      }
      if (!(seats > 0)) continue; // zero seats never utilize; skip rather than divide by zero
      const churnedNext = churn !== null && churn < monthAfter(month, 2);
      out.push({ account_id: a.account_id, signup_day: signup, month, plan, perSeat: (countOf.get(`${a.account_id}|${month}`) ?? 0) / seats, churnedNext });
    }
  }
  return out;
}
