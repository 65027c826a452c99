/**
 * Data quality for people who watch it (the dashboard's Data page): how fresh the data is, how
 * many events arrive per day and source, and how well the data covers the tracking plan.
 */
import type { TrackingPlan } from '../config/index.js';
import { sql, type Store } from '../store/index.js';

export interface Freshness {
  newest_event_at: string | null;
  oldest_event_at: string | null;
  last_received_at: string | null;
}

/** The newest and oldest event time and the last arrival, in one pass (the store's stats take several). */
export async function freshness(store: Store): Promise<Freshness> {
  const d = store.dialect;
  const [r] = await store.query<{ n: string | number; newest: string | number | null; oldest: string | number | null; received: string | number | null }>(
    sql`SELECT count(*) AS n, ${d.epochMs(sql`max(timestamp)`)} AS newest, ${d.epochMs(sql`min(timestamp)`)} AS oldest, ${d.epochMs(sql`max(received_at)`)} AS received FROM events`,
  );
  // An empty table gives NULL (or a zero date) for min and max, as engines differ.
  const iso = (ms: string | number | null) => (Number(r.n) === 0 || ms === null ? null : new Date(Number(ms)).toISOString());
  return { newest_event_at: iso(r.newest), oldest_event_at: iso(r.oldest), last_received_at: iso(r.received) };
}

export interface DayCount {
  day: string;
  source: string;
  events: number;
}

/** Events stored per day of their time and per source, from `from` to `to` (days, inclusive). */
export async function eventsPerDay(store: Store, from: string, to: string): Promise<DayCount[]> {
  const d = store.dialect;
  const day = d.day(sql`timestamp`);
  const rows = await store.query<{ day: string; source: string; n: string | number }>(
    sql`SELECT ${d.dayText(day)} AS day, source, count(*) AS n FROM events
      WHERE ${day} >= ${d.date(from)} AND ${day} <= ${d.date(to)} GROUP BY day, source ORDER BY day, source`,
  );
  return rows.map((r) => ({ day: r.day.slice(0, 10), source: r.source, events: Number(r.n) }));
}

export interface PlannedCoverage {
  action: string;
  object: string;
  description: string | null;
  /** Occurrences in the window. */
  events: number;
  accounts: number;
  last_day: string | null;
}

export interface PlanCoverage {
  from: string;
  to: string;
  planned: PlannedCoverage[];
  /** Planned events seen in the window, of all planned. */
  seen: number;
  /** (action, object) pairs seen in the window that the plan does not declare, most frequent first. */
  unplanned: { action: string; object: string; events: number; accounts: number }[];
}

/** Which planned events arrived between `from` and `to`, and which arrived unplanned. */
export async function planCoverage(store: Store, plan: TrackingPlan, from: string, to: string): Promise<PlanCoverage> {
  const d = store.dialect;
  const rows = await store.query<{ action: string; object: string; n: string | number; accounts: string | number; last_day: string }>(
    sql`SELECT action, object, sum(n) AS n, count(DISTINCT account_id) AS accounts, ${d.dayText(sql`max(day)`)} AS last_day FROM account_activity
      WHERE day >= ${d.date(from)} AND day <= ${d.date(to)} GROUP BY action, object`,
  );
  const seen = new Map(rows.map((r) => [`${r.action}\u0000${r.object}`, r]));
  const planned = plan.events.map((e) => {
    const r = seen.get(`${e.action}\u0000${e.object}`);
    seen.delete(`${e.action}\u0000${e.object}`);
    return { action: e.action, object: e.object, description: e.description ?? null, events: r ? Number(r.n) : 0, accounts: r ? Number(r.accounts) : 0, last_day: r ? r.last_day.slice(0, 10) : null };
  });
  const unplanned = [...seen.values()]
    .map((r) => ({ action: r.action, object: r.object, events: Number(r.n), accounts: Number(r.accounts) }))
    .sort((a, b) => b.events - a.events || a.action.localeCompare(b.action) || a.object.localeCompare(b.object));
  return { from, to, planned, seen: planned.filter((p) => p.events > 0).length, unplanned };
}
