/**
 * Every SQL statement outcomes runs, in one place so each engine's port is one file: plain
 * GROUP BY aggregates over events, account_activity, accounts, account_history, plan_violations,
 * quarantine and launch_ledger, built from `sql` fragments and dialect hooks. Days travel as
 * whole numbers (days since 1970-01-01) and all statistics happen in TypeScript.
 */
import type { Matcher } from '../config/index.js';
import { matcherCondition, needsRawEvents } from '../milestones/index.js';
import { join, sql, type SqlFragment, type Store } from '../store/index.js';
import { dayText } from './day-numbers.js';

/** A date expression as days since 1970-01-01. */
const dayNumber = (store: Store, date: SqlFragment) => store.dialect.diffDays(store.dialect.date('1970-01-01'), date);
/** A timestamp expression as the number of its day (UTC). */
const timestampDay = (store: Store, timestamp: SqlFragment) => dayNumber(store, store.dialect.day(timestamp));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export interface AccountRow {
  account_id: string;
  signup: number;
  churn: number | null;
  plan: string | null;
  seats: number | null;
}

/** Every account with its signup and churn days and current plan and seats. */
export async function readAccounts(store: Store): Promise<AccountRow[]> {
  const rows = await store.query<{ account_id: string; signup: unknown; churn: unknown; plan: string | null; seats: unknown }>(
    sql`SELECT account_id, ${timestampDay(store, sql`created_at`)} AS signup, ${timestampDay(store, sql`churned_at`)} AS churn, plan, seats
      FROM accounts ORDER BY account_id`,
  );
  return rows.map((r) => ({ account_id: r.account_id, signup: Number(r.signup), churn: num(r.churn), plan: r.plan, seats: num(r.seats) }));
}

export interface HistoryRow {
  account_id: string;
  day: number;
  plan: string | null;
  seats: number | null;
  mrr: number | null;
  status: string;
}

/** Account history, per account in time order. */
export async function readHistory(store: Store): Promise<HistoryRow[]> {
  const rows = await store.query<{ account_id: string; day: unknown; plan: string | null; seats: unknown; mrr: unknown; status: string }>(
    sql`SELECT account_id, ${timestampDay(store, sql`valid_from`)} AS day, plan, seats, mrr, status FROM account_history ORDER BY account_id, valid_from`,
  );
  return rows.map((r) => ({ account_id: r.account_id, day: Number(r.day), plan: r.plan, seats: num(r.seats), mrr: num(r.mrr), status: r.status }));
}

/** Events per account over [from, to): all activity, for pre-launch use. */
export async function readActivityTotals(store: Store, from: number, to: number): Promise<Map<string, number>> {
  const rows = await store.query<{ account_id: string; n: unknown }>(
    sql`SELECT account_id, sum(n) AS n FROM account_activity WHERE day >= ${store.dialect.date(dayText(from))} AND day < ${store.dialect.date(dayText(to))} GROUP BY account_id`,
  );
  return new Map(rows.map((r) => [r.account_id, Number(r.n)]));
}

/** Matching events per account, day and matcher, as columns (one entry per account, day and matcher). */
export interface MatcherDays {
  account_id: string[];
  day: Int32Array;
  /** Index of the matcher in the list asked for. */
  m: Int32Array;
  n: Float64Array;
}

/**
 * Matching events per account, day and matcher, each matcher from its own first day up to
 * `to`: one scan of the rollup for every matcher without metadata (a join against a small
 * table of them), and one query on raw events per matcher with metadata. The rollup's delta
 * rows come back as they are, several per day at times: the reader adds them up (a GROUP BY
 * here took three times as long at 550k rows).
 */
export async function readMatcherDays(store: Store, matchers: readonly { matcher: Matcher; from: number }[], to: number): Promise<MatcherDays> {
  const d = store.dialect;
  const parts: Record<string, unknown[]>[] = [];
  // Output names differ from every column read: ClickHouse lets an alias stand for a column of its name.
  const out = (account: SqlFragment, day: SqlFragment, m: unknown, n: SqlFragment) =>
    sql`${account} AS account_id, ${d.cast(day, 'integer')} AS day_number, ${d.cast(m, 'integer')} AS matcher, ${d.cast(n, 'double')} AS events`;
  const rollup = matchers.map((x, m) => ({ ...x, m })).filter((x) => !needsRawEvents(x.matcher));
  if (rollup.length > 0) {
    // Only equalities in ON (all 18.16 joins), the rest in WHERE.
    const keys = d.zipRows([
      { name: 'k_matcher', type: 'integer', values: rollup.map((x) => x.m) },
      { name: 'k_action', type: 'text', values: rollup.map((x) => x.matcher.action) },
      { name: 'k_object', type: 'text', values: rollup.map((x) => x.matcher.object) },
      { name: 'k_place', type: 'text', values: rollup.map((x) => x.matcher.place ?? null) },
      { name: 'k_from', type: 'date', values: rollup.map((x) => dayText(x.from)) },
    ]);
    parts.push(
      await store.queryColumns(
        sql`SELECT ${out(sql`r.account_id`, dayNumber(store, sql`r.day`), sql`k.k_matcher`, sql`r.n`)}
          FROM account_activity r JOIN ${keys} k ON r.action = k.k_action AND r.object = k.k_object
          WHERE (k.k_place IS NULL OR k.k_place = r.place) AND r.day >= k.k_from AND r.day <= ${d.date(dayText(to))}`,
      ),
    );
  }
  for (const [m, x] of matchers.entries()) {
    if (!needsRawEvents(x.matcher)) continue;
    parts.push(
      await store.queryColumns(
        sql`SELECT ${out(sql`account_id`, timestampDay(store, sql`timestamp`), m, sql`sum(count)`)} FROM events
          WHERE ${matcherCondition(x.matcher, d)} AND timestamp >= ${new Date(x.from * 86_400_000)} AND timestamp < ${new Date((to + 1) * 86_400_000)}
          GROUP BY account_id, day_number`,
      ),
    );
  }
  // Integers and doubles arrive as numbers; the casts above keep it so on every engine.
  const column = (name: string) => (parts.length === 1 ? parts[0][name] : parts.flatMap((p) => p[name])) as number[];
  return {
    account_id: column('account_id') as unknown as string[],
    day: Int32Array.from(column('day_number')),
    m: Int32Array.from(column('matcher')),
    n: Float64Array.from(column('events')),
  };
}

/** The last day with any activity, or null for an empty store. */
export async function readLastActivityDay(store: Store): Promise<number | null> {
  // ClickHouse's max() of no rows is the type's default, not NULL: the count tells.
  const [r] = await store.query<{ n: unknown; day: unknown }>(sql`SELECT count(*) AS n, ${dayNumber(store, sql`max(day)`)} AS day FROM account_activity`);
  return Number(r.n) === 0 ? null : num(r.day);
}

export interface Arrival {
  action: string;
  object: string;
  place: string;
  n: number;
  first: number;
  last: number;
}

/** How much of each (action, object) pair arrived since `from`, by place. */
export async function readArrivals(store: Store, pairs: readonly { action: string; object: string }[], from: number): Promise<Arrival[]> {
  if (pairs.length === 0) return [];
  const rows = await store.query<{ action: string; object: string; place: string; n: unknown; first: unknown; last: unknown }>(
    sql`SELECT action, object, place, sum(n) AS n, ${dayNumber(store, sql`min(day)`)} AS first, ${dayNumber(store, sql`max(day)`)} AS last
      FROM account_activity WHERE day >= ${store.dialect.date(dayText(from))} AND (${pairCondition(pairs)}) GROUP BY action, object, place`,
  );
  return rows.map((r) => ({ action: r.action, object: r.object, place: r.place, n: Number(r.n), first: Number(r.first), last: Number(r.last) }));
}

/** Flagged plan violations since `from`, per (action, object) and reason. */
export async function readViolations(store: Store, pairs: readonly { action: string; object: string }[], from: number) {
  if (pairs.length === 0) return [];
  const rows = await store.query<{ action: string; object: string; reason: string; n: unknown }>(
    sql`SELECT action, object, reason, sum(n) AS n FROM plan_violations WHERE day >= ${store.dialect.date(dayText(from))} AND (${pairCondition(pairs)})
      GROUP BY action, object, reason`,
  );
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

/** Quarantined messages received since `from` for the given reasons, counted by reason and message. */
export async function readQuarantineMessages(store: Store, reasons: readonly string[], from: number) {
  const rows = await store.query<{ reason: string; message: string; n: unknown }>(
    sql`SELECT reason, message, count(*) AS n FROM quarantine
      WHERE received_at >= ${new Date(from * 86_400_000)} AND reason IN (${join(reasons.map((r) => sql`${r}`))}) GROUP BY reason, message`,
  );
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

export interface LedgerRow {
  launch: string;
  kind: string;
  recorded_at: number;
  hash: string | null;
  body: unknown;
}

/** The ledger of one launch (or of all when `launch` is null), oldest first. */
export async function readLedger(store: Store, launch: string | null): Promise<LedgerRow[]> {
  const where = launch === null ? sql`` : sql`WHERE launch = ${launch}`;
  const rows = await store.query<{ launch: string; kind: string; at: unknown; hash: string | null; body: string }>(
    sql`SELECT launch, kind, ${store.dialect.epochMs(sql`recorded_at`)} AS at, hash, body FROM launch_ledger ${where} ORDER BY recorded_at, kind`,
  );
  return rows.map((r) => ({ launch: r.launch, kind: r.kind, recorded_at: Number(r.at), hash: r.hash, body: JSON.parse(r.body) as unknown }));
}

export function appendLedger(store: Store, rows: readonly LedgerRow[]): Promise<void> {
  return store.append(
    'launch_ledger',
    rows.map((r) => ({ launch: r.launch, kind: r.kind, recorded_at: new Date(r.recorded_at), hash: r.hash, body: r.body })),
  );
}

function pairCondition(pairs: readonly { action: string; object: string }[]): SqlFragment {
  return join(
    pairs.map((p) => sql`(action = ${p.action} AND object = ${p.object})`),
    ' OR ',
  );
}
