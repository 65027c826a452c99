import { raw, sql } from './sql/fragment.js';
import type { Store, StoreStats } from './store.js';

const iso = (ms: string | number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

/** Counts and freshness, in SQL every engine runs. */
export async function readStats(store: Store): Promise<StoreStats> {
  const d = store.dialect;
  const [events] = await store.query<{ n: string; oldest: string | null; newest: string | null; received: string | null }>(
    sql`SELECT count(*) AS n, ${raw(d.epochMs('min(timestamp)'))} AS oldest, ${raw(d.epochMs('max(timestamp)'))} AS newest,
      ${raw(d.epochMs('max(received_at)'))} AS received FROM events`,
  );
  const [counts] = await store.query<{ accounts: string; users: string; quarantined: string; without_facts: string }>(
    sql`SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM users) AS users,
      (SELECT count(*) FROM quarantine) AS quarantined,
      (SELECT count(DISTINCT account_id) FROM account_activity
        WHERE account_id NOT IN (SELECT account_id FROM accounts)) AS without_facts`,
  );
  const reasons = await store.query<{ reason: string; n: string }>(
    sql`SELECT reason, count(*) AS n FROM quarantine GROUP BY reason ORDER BY n DESC, reason`,
  );
  const sources = await store.query<{ source: string; n: string }>(
    sql`SELECT source, count(*) AS n FROM events GROUP BY source ORDER BY n DESC, source`,
  );
  // An empty table gives NULL for min/max and engines differ in how they say so.
  const empty = Number(events.n) === 0;
  return {
    events: Number(events.n),
    accounts: Number(counts.accounts),
    accounts_without_facts: Number(counts.without_facts),
    users: Number(counts.users),
    quarantined: Number(counts.quarantined),
    oldest_event_at: empty ? null : iso(events.oldest),
    newest_event_at: empty ? null : iso(events.newest),
    last_received_at: empty ? null : iso(events.received),
    quarantine_by_reason: Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)])),
    events_by_source: Object.fromEntries(sources.map((r) => [r.source, Number(r.n)])),
  };
}
