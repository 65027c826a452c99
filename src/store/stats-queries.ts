import { sql } from './sql/fragment.js';
import type { DeadLetter, JobStats, SourceStats, Store, StoreStats } from './store.js';

const iso = (ms: string | number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

const RATE_WINDOWS = { m5: 5 * 60_000, h1: 3_600_000 } as const;

/** Counts and freshness, in SQL every engine runs; `now` bounds the rate and lag windows. */
export async function readStats(store: Store, now = Date.now()): Promise<StoreStats> {
  const d = store.dialect;
  const [events] = await store.query<{ n: string; oldest: string | null; newest: string | null; received: string | null }>(
    sql`SELECT count(*) AS n, ${d.epochMs(sql`min(timestamp)`)} AS oldest, ${d.epochMs(sql`max(timestamp)`)} AS newest,
      ${d.epochMs(sql`max(received_at)`)} AS received FROM events`,
  );
  const [counts] = await store.query<{ accounts: string; users: string; moved: string; quarantined: string; without_facts: string }>(
    sql`SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM users) AS users,
      (SELECT count(*) FROM user_account_changes) AS moved,
      (SELECT count(*) FROM quarantine) AS quarantined,
      (SELECT count(DISTINCT account_id) FROM account_activity
        WHERE account_id NOT IN (SELECT account_id FROM accounts)) AS without_facts`,
  );
  const sources = await readSources(store, now);
  const quarantineByReason = new Map<string, number>();
  for (const s of Object.values(sources)) for (const [reason, n] of Object.entries(s.quarantine_by_reason)) tally(quarantineByReason, reason, n);
  // An empty table gives NULL for min/max and engines differ in how they say so.
  const empty = Number(events.n) === 0;
  return {
    events: Number(events.n),
    accounts: Number(counts.accounts),
    accounts_without_facts: Number(counts.without_facts),
    users: Number(counts.users),
    users_moved: Number(counts.moved),
    quarantined: Number(counts.quarantined),
    oldest_event_at: empty ? null : iso(events.oldest),
    newest_event_at: empty ? null : iso(events.newest),
    last_received_at: empty ? null : iso(events.received),
    quarantine_by_reason: sortedCounts(quarantineByReason),
    events_by_source: Object.fromEntries(
      Object.entries(sources)
        .filter(([, s]) => s.events > 0)
        .map(([name, s]) => [name, s.events]),
    ),
    sources,
    jobs: await readJobs(store),
    webhooks: await readWebhooks(store),
  };
}

/** Runs per job with the last one (scheduler.ts records them). */
async function readJobs(store: Store): Promise<Record<string, JobStats>> {
  const d = store.dialect;
  // Aliases differ from the columns: ClickHouse would read an alias inside the other aggregates.
  const rows = await store.query<{ job: string; runs: string; failed: string; last_status: string; started: string; finished: string; last_result: string; last_error: string; last_ok: string | null }>(
    sql`SELECT job, count(*) AS runs, sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
      ${d.argMax(sql`status`, sql`started_at`)} AS last_status, ${d.epochMs(sql`max(started_at)`)} AS started,
      ${d.argMax(d.epochMs(sql`finished_at`), sql`started_at`)} AS finished, ${d.argMax(sql`coalesce(result, '')`, sql`started_at`)} AS last_result,
      ${d.argMax(sql`coalesce(error, '')`, sql`started_at`)} AS last_error,
      ${d.epochMs(sql`max(CASE WHEN status = 'ok' THEN started_at ELSE NULL END)`)} AS last_ok
    FROM job_runs GROUP BY job ORDER BY job`,
  );
  return Object.fromEntries(
    rows.map((r) => [
      r.job,
      {
        runs: Number(r.runs),
        failed: Number(r.failed),
        last: {
          status: r.last_status,
          started_at: iso(r.started)!,
          finished_at: iso(r.finished)!,
          seconds: (Number(r.finished) - Number(r.started)) / 1000,
          result: r.last_result ? (JSON.parse(r.last_result) as unknown) : null,
          error: r.last_error || null,
        },
        last_ok_at: r.last_ok === null ? null : iso(r.last_ok),
      },
    ]),
  );
}

/** Deliveries by state and the newest dead letters. */
async function readWebhooks(store: Store): Promise<StoreStats['webhooks']> {
  const d = store.dialect;
  const counts = await store.query<{ status: string; n: string }>(sql`SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status`);
  const n = (status: string) => Number(counts.find((c) => c.status === status)?.n ?? 0);
  const dead = await store.query<Omit<DeadLetter, 'attempts' | 'last_status' | 'failed_at'> & { attempts: string | number; last_status: string | number | null; failed_at: string }>(
    sql`SELECT id, endpoint, event_type, account_id, attempts, last_status, last_error, ${d.epochMs(sql`updated_at`)} AS failed_at
    FROM webhook_deliveries WHERE status = 'dead' ORDER BY updated_at DESC, id LIMIT 20`,
  );
  return {
    pending: n('pending'),
    delivered: n('delivered'),
    dead: n('dead'),
    dead_letters: dead.map((r) => ({ ...r, attempts: Number(r.attempts), last_status: r.last_status === null ? null : Number(r.last_status), failed_at: iso(r.failed_at)! })),
  };
}

/** Intake, lag and failures per source; sources with only quarantined or flagged input count too. */
async function readSources(store: Store, now: number): Promise<Record<string, SourceStats>> {
  const d = store.dialect;
  const since5m = new Date(now - RATE_WINDOWS.m5);
  const since1h = new Date(now - RATE_WINDOWS.h1);
  const intake = await store.query<{ source: string; n: string; n5m: string | null; n1h: string | null }>(
    sql`SELECT source, count(*) AS n,
      sum(CASE WHEN received_at >= ${since5m} THEN 1 ELSE 0 END) AS n5m,
      sum(CASE WHEN received_at >= ${since1h} THEN 1 ELSE 0 END) AS n1h
      FROM events GROUP BY source`,
  );
  const lagMs = sql`(${d.epochMs(sql`received_at`)} - ${d.epochMs(sql`timestamp`)})`;
  const lags = await store.query<{ source: string; p50: number | string; p95: number | string }>(
    sql`SELECT source, ${d.quantile(lagMs, 0.5)} AS p50, ${d.quantile(lagMs, 0.95)} AS p95
      FROM events WHERE received_at >= ${since1h} GROUP BY source`,
  );
  const quarantined = await store.query<{ source: string; reason: string; n: string }>(
    sql`SELECT source, reason, count(*) AS n FROM quarantine GROUP BY source, reason`,
  );
  const flagged = await store.query<{ source: string; reason: string; n: string }>(
    sql`SELECT source, reason, sum(n) AS n FROM plan_violations GROUP BY source, reason`,
  );
  const moved = await store.query<{ source: string; n: string }>(sql`SELECT source, count(*) AS n FROM user_account_changes GROUP BY source`);

  // Keyed by source names people chose: a Map, so `__proto__` or `constructor` is a name like any other.
  const out = new Map<string, SourceStats & { quarantined: Map<string, number>; flagged: Map<string, number> }>();
  const of = (source: string) => {
    let s = out.get(source);
    if (!s) {
      s = { events: 0, events_per_second_5m: 0, events_per_second_1h: 0, lag_p50_ms: null, lag_p95_ms: null, quarantine_by_reason: {}, flagged_by_reason: {}, users_moved: 0, quarantined: new Map(), flagged: new Map() };
      out.set(source, s);
    }
    return s;
  };
  for (const r of intake) {
    const s = of(r.source);
    s.events = Number(r.n);
    s.events_per_second_5m = perSecond(Number(r.n5m ?? 0), RATE_WINDOWS.m5);
    s.events_per_second_1h = perSecond(Number(r.n1h ?? 0), RATE_WINDOWS.h1);
  }
  for (const r of lags) {
    of(r.source).lag_p50_ms = Math.round(Number(r.p50));
    of(r.source).lag_p95_ms = Math.round(Number(r.p95));
  }
  for (const r of quarantined) tally(of(r.source).quarantined, r.reason, Number(r.n));
  for (const r of flagged) tally(of(r.source).flagged, r.reason, Number(r.n));
  for (const r of moved) of(r.source).users_moved = Number(r.n);
  // The busiest sources first.
  const busiest = [...out].sort(([a, x], [b, y]) => y.events - x.events || a.localeCompare(b));
  return Object.fromEntries(
    busiest.map(([name, { quarantined, flagged, ...s }]) => [name, { ...s, quarantine_by_reason: sortedCounts(quarantined), flagged_by_reason: sortedCounts(flagged) }]),
  );
}

/** Adds `n` to a count kept in a Map (names from data are never looked up on a plain object). */
export function tally(counts: Map<string, number>, key: string, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

// Three significant digits: a quiet source still shows its trickle (0.00278/s), a busy one its thousands.
const perSecond = (n: number, windowMs: number) => Number((n / (windowMs / 1000)).toPrecision(3));

/** Largest first, then by name; fromEntries defines own properties, so any name is safe as a key. */
export function sortedCounts(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
}
