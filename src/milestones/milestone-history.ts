import { raw, sql, type SqlFragment, type Store } from '../store/index.js';
import { asDay } from './days.js';
import type { StatusChange } from './status-changes.js';

/** One row of the milestone_changes feed (see the contract in index.ts). */
export interface MilestoneChange extends StatusChange {
  seq: number;
  framework_version: number;
  cause: 'backfill' | 'data' | 'framework';
  recorded_at: string;
}

async function readChanges(store: Store, where: SqlFragment, limit: number | null): Promise<MilestoneChange[]> {
  const d = store.dialect;
  const rows = await store.query<Omit<MilestoneChange, 'seq' | 'framework_version' | 'recorded_at'> & { seq: string | number; framework_version: string | number; recorded_at: string }>(
    sql`SELECT seq, account_id, kind, name, change, previous, ${d.dayText(sql`day`)} AS day, framework_version, cause,
      ${d.epochMs(sql`recorded_at`)} AS recorded_at
    FROM milestone_changes WHERE ${where} ORDER BY seq ${limit === null ? sql`` : sql`LIMIT ${raw(String(limit))}`}`,
  );
  return rows.map((r) => ({
    ...r,
    seq: Number(r.seq),
    day: asDay(r.day)!,
    framework_version: Number(r.framework_version),
    recorded_at: new Date(Number(r.recorded_at)).toISOString(),
  }));
}

/** One account's milestone and stage changes, oldest first. */
export function milestoneHistory(store: Store, accountId: string): Promise<MilestoneChange[]> {
  return readChanges(store, sql`account_id = ${accountId}`, null);
}

/** The feed after a cursor: changes with `seq > after`, in seq order, at most `limit`. */
export function changesAfter(store: Store, after: number, limit = 1000): Promise<MilestoneChange[]> {
  if (!Number.isSafeInteger(after) || after < 0) throw new Error(`invalid cursor: ${after}`);
  // Checked, then written as text: old ClickHouse takes no bound value in LIMIT.
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`invalid limit: ${limit}`);
  return readChanges(store, sql`seq > ${after}`, limit);
}
