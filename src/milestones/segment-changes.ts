import { createHash } from 'node:crypto';
import { parseSegmentExpression, type MilestonesConfig } from '../config/index.js';
import { NO_WRITE, raw, sql, type SqlFragment, type Store } from '../store/index.js';
import { asDay, dayMs } from './days.js';
import { frameworkHash } from './framework-version.js';
import { statusState } from './refresh-statuses.js';
import { lastActiveDays, lastActiveDaysOf, segmentRecord } from './segment-members.js';
import { DEFAULT_SEGMENT_FIELDS, compileSegment } from './segments.js';
import { mapSliced } from './sliced.js';
import { readStatusRows } from './status-rows.js';
import type { Day } from './types.js';

/**
 * The segment_changes feed: accounts entering and leaving the segments of milestones.yaml, so
 * webhooks can say "newly mature" or "stuck in setup" when it happens. Its contract is the
 * milestone_changes feed's (index.ts), apart from these:
 * - A segment refresh follows a status refresh, judging the materialized statuses (of the
 *   accounts that refresh covered, or all), and records each account's entries and exits on
 *   the statuses' as-of day. Segments can hold by age or inactivity, so a new day's full
 *   refresh judges every account again.
 * - `cause`: 'backfill' for the members a segment has when first judged, 'framework' when its
 *   expression changed, 'data' otherwise. Notify on 'data'.
 * - Refreshes run one at a time across processes (lease `segments`) and number their rows
 *   after the last; the checkpoint `segment_changes_committed` is the last seq written whole,
 *   and readers read up to it, so on an engine without transactions a reader never passes a
 *   row still being written.
 */
export interface SegmentChange {
  seq: number;
  account_id: string;
  segment: string;
  change: 'entered' | 'left';
  day: Day;
  cause: 'backfill' | 'data' | 'framework';
  recorded_at: string;
}

export interface SegmentRefreshSummary {
  as_of: Day;
  accounts: number;
  changes: number;
  seq: { first: number; last: number } | null;
}

const COMMITTED = 'segment_changes_committed';
/** The as-of day (days since 1970) every account was last judged on. */
const JUDGED_DAY = 'segments_judged_day';
/** Per segment: a hash of the expression it was last judged by. */
const judgedBy = (segment: string) => `segment_judged_${segment}`;
const expressionHash = (text: string) => Number.parseInt(createHash('sha256').update(text).digest('hex').slice(0, 12), 16);

/**
 * Brings segment_changes up to date with the materialized statuses, for `accounts` (those the
 * last status refresh covered) or every account. Null, and nothing recorded, when the statuses
 * are not current for this framework (a refresh must come first).
 */
export function refreshSegments(store: Store, framework: MilestonesConfig, opts: { accounts?: Iterable<string> } = {}): Promise<SegmentRefreshSummary | null> {
  return store.withLease('segments', async () => {
    const state = await statusState(store);
    if (!state || state.stale || state.hash !== frameworkHash(framework)) return null;
    const segments = Object.entries(framework.segments);
    const judged = await Promise.all(segments.map(async ([name, text]) => ({ name, text, hash: expressionHash(text), before: await store.checkpoint(judgedBy(name)) })));
    // A new day, a segment judged first or by a new expression: every account is judged.
    const day = dayMs(state.as_of) / 86_400_000;
    const sameDay = (await store.checkpoint(JUDGED_DAY)) === day;
    const only = sameDay && judged.every((s) => s.before === s.hash) && opts.accounts ? [...new Set(opts.accounts)] : undefined;
    const { accounts } = await readStatusRows(store, framework, { accounts: only, details: false });
    const last = only === undefined ? await lastActiveDays(store, state.as_of) : await lastActiveDaysOf(store, state.as_of, only);
    const records = await mapSliced(accounts, (a) => segmentRecord(a, last.get(a.account_id), state.as_of));
    const was = await membersBefore(store, only);
    const known = { ...DEFAULT_SEGMENT_FIELDS, milestones: Object.keys(framework.milestones) };
    const rows: Omit<SegmentChange, 'seq' | 'recorded_at'>[] = [];
    for (const s of judged) {
      const test = compileSegment(parseSegmentExpression(s.text), known);
      const cause = s.before === null ? 'backfill' : s.before !== s.hash ? 'framework' : 'data';
      for (const r of records) {
        const now = test(r);
        if (now !== (was.get(`${s.name}\u0001${r.account_id}`) ?? false)) rows.push({ account_id: r.account_id, segment: s.name, change: now ? 'entered' : 'left', day: state.as_of, cause });
      }
    }
    const [{ top }] = await store.query<{ top: string | number | null }>(sql`SELECT max(seq) AS top FROM segment_changes`);
    const first = Math.max(Number(top ?? 0), Number((await store.checkpoint(COMMITTED)) ?? 0)) + 1;
    const recordedAt = Date.now();
    await store.writeRows('segment_changes', rows.map((c, i) => ({ seq: first + i, ...c, recorded_at: recordedAt })));
    if (rows.length > 0) await setCheckpoint(store, COMMITTED, first + rows.length - 1);
    for (const s of judged) if (s.before !== s.hash) await setCheckpoint(store, judgedBy(s.name), s.hash);
    if (!only && !sameDay) await setCheckpoint(store, JUDGED_DAY, day);
    return { as_of: state.as_of, accounts: accounts.length, changes: rows.length, seq: rows.length ? { first, last: first + rows.length - 1 } : null };
  });
}

const setCheckpoint = (store: Store, name: string, value: number) => store.applyCollected({ ...NO_WRITE, checkpoint: { name, value } });

/** Who is in each segment as the feed left it (its last change per segment and account), keyed `segment \u0001 account`. */
async function membersBefore(store: Store, only: readonly string[] | undefined): Promise<Map<string, boolean>> {
  const d = store.dialect;
  if (only?.length === 0) return new Map();
  const which = only === undefined ? sql`` : sql`WHERE account_id IN (SELECT account_id FROM ${d.zipRows([{ name: 'account_id', type: 'text', values: only }])} ids)`;
  const rows = await store.query<{ segment: string; account_id: string; last: string }>(
    sql`SELECT segment, account_id, ${d.argMax(sql`change`, sql`seq`)} AS last FROM segment_changes ${which} GROUP BY segment, account_id`,
  );
  return new Map(rows.map((r) => [`${r.segment}\u0001${r.account_id}`, r.last === 'entered']));
}

/** Rows of the feed, in seq order. */
async function readSegmentChanges(store: Store, where: SqlFragment, limit: number | null): Promise<SegmentChange[]> {
  const d = store.dialect;
  const rows = await store.query<Omit<SegmentChange, 'seq' | 'recorded_at'> & { seq: string | number; recorded_at: string | number }>(
    sql`SELECT seq, account_id, segment, change, ${d.dayText(sql`day`)} AS day, cause, ${d.epochMs(sql`recorded_at`)} AS recorded_at
      FROM segment_changes WHERE ${where} ORDER BY seq ${limit === null ? sql`` : sql`LIMIT ${raw(String(limit))}`}`,
  );
  return rows.map((r) => ({ ...r, seq: Number(r.seq), day: asDay(r.day)!, recorded_at: new Date(Number(r.recorded_at)).toISOString() }));
}

/** The feed after a cursor: changes with `after < seq ≤ committed`, in seq order, at most `limit`. */
export async function segmentChangesAfter(store: Store, after: number, limit = 1000): Promise<SegmentChange[]> {
  if (!Number.isSafeInteger(after) || after < 0) throw new Error(`invalid cursor: ${after}`);
  // Checked, then written as text: old ClickHouse takes no bound value in LIMIT.
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`invalid limit: ${limit}`);
  const committed = Number((await store.checkpoint(COMMITTED)) ?? 0);
  return committed <= after ? [] : readSegmentChanges(store, sql`seq > ${after} AND seq <= ${committed}`, limit);
}

/** One account's segment entries and exits, oldest first. */
export const segmentHistory = (store: Store, accountId: string): Promise<SegmentChange[]> => readSegmentChanges(store, sql`account_id = ${accountId}`, null);

/** The last seq of each feed a reader may read now: where a new reader starts. */
export async function feedHeads(store: Store): Promise<{ milestones: number; segments: number }> {
  const [{ top }] = await store.query<{ top: string | number | null }>(sql`SELECT max(seq) AS top FROM milestone_changes`);
  return { milestones: Number(top ?? 0), segments: Number((await store.checkpoint(COMMITTED)) ?? 0) };
}
