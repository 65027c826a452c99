import type { Account, AccountFactsAuthority, AccountHistoryRow, AccountPatch, PlanViolation, QuarantineEntry, TrackedEvent, UserPatch } from '../model/index.js';
import type { EventBatch } from './event-batch-file.js';
import type { AppendOnlyTable } from './schema.js';
import type { SqlDialect } from './sql/dialect.js';
import type { SqlFragment } from './sql/fragment.js';

/** What one write of events did: stored once, recognised as already stored. */
export interface WriteResult {
  inserted: number;
  duplicates: number;
}

export interface StoreStats {
  events: number;
  accounts: number;
  /** Accounts that send events but have no row in accounts yet. */
  accounts_without_facts: number;
  users: number;
  /** Users an identify or group call moved from one account to another (user_account_changes). */
  users_moved: number;
  quarantined: number;
  oldest_event_at: string | null;
  newest_event_at: string | null;
  last_received_at: string | null;
  quarantine_by_reason: Record<string, number>;
  events_by_source: Record<string, number>;
  /** Per source (a write key's name, or `import`): intake, freshness and quality. */
  sources: Record<string, SourceStats>;
  /** Jobs `cairn serve` ran on its schedule: per job, its runs and the last one. */
  jobs: Record<string, JobStats>;
  /** Webhook deliveries by state, and the newest dead letters (at most 20). */
  webhooks: { pending: number; delivered: number; dead: number; dead_letters: DeadLetter[] };
}

export interface JobStats {
  runs: number;
  failed: number;
  last: { status: string; started_at: string; finished_at: string; seconds: number; result: unknown; error: string | null };
  last_ok_at: string | null;
}

/** A delivery that failed every attempt, replayable (`cairn webhooks replay`). */
export interface DeadLetter {
  id: string;
  endpoint: string;
  event_type: string;
  account_id: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  failed_at: string;
}

export interface SourceStats {
  /** Events stored. */
  events: number;
  /** Events received per second over the last 5 minutes and the last hour (by received_at). */
  events_per_second_5m: number;
  events_per_second_1h: number;
  /** Lag from event time to storage (received_at − timestamp) over the last hour's events; null when none. */
  lag_p50_ms: number | null;
  lag_p95_ms: number | null;
  quarantine_by_reason: Record<string, number>;
  /** Plan violations stored anyway (flagged), by reason. */
  flagged_by_reason: Record<string, number>;
  /** Users this source's calls moved from one account to another. */
  users_moved: number;
}

/**
 * What the collector (one log generation) or a quarantine replay writes at once: all of it is
 * stored in one transaction, or none of it.
 */
export interface CollectedWrite {
  /** Events per source, as batch files or in memory. */
  events: readonly ({ source: string } & ({ batch: EventBatch } | { events: readonly TrackedEvent[] }))[];
  quarantine: readonly QuarantineEntry[];
  violations: readonly PlanViolation[];
  accounts: readonly AccountPatch[];
  users: readonly UserPatch[];
  /** Quarantine entries (ids) that this write replays, removed with it. */
  replayed?: readonly number[];
  /** Who decides account facts the accounts file named (`collect.account_facts`); default `import`. */
  accountFacts?: AccountFactsAuthority;
  /** A checkpoint set in the same transaction, so a replay of the log after a crash skips what was applied. */
  checkpoint?: { name: string; value: number };
}

/** A quarantine entry's reason as it reads now. */
export interface QuarantineChange {
  id: number;
  reason: string;
  field: string | null;
  message: string;
}

/** One account's row of `account_status`: its place on the framework as of a day. */
export interface AccountStatusRow {
  account_id: string;
  as_of: string;
  framework_version: number;
  stage: string;
  signup_day: string;
  churned_day: string | null;
  plan: string | null;
  seats: number | null;
  next_milestone: string | null;
  next_action: string | null;
  next_reason: string | null;
  /** The funnel history's days on which it was in the state-like milestone's state, comma-separated. */
  state_days: string | null;
}

/** One account's milestone as of a day (`milestone_status`); `detail` is JSON text. */
export interface MilestoneStatusRow {
  account_id: string;
  milestone: string;
  reached: boolean;
  reached_day: string | null;
  progress: number;
  detail: string;
  as_of: string;
  framework_version: number;
}

/** A change a status refresh found (`milestone_changes`), before the store numbers it. */
export interface MilestoneChangeRow {
  account_id: string;
  kind: 'milestone' | 'stage';
  name: string;
  change: 'reached' | 'lost';
  previous: string | null;
  day: string;
  framework_version: number;
  cause: 'backfill' | 'data' | 'framework';
}

/** A framework version first used by a refresh (`framework_versions`). */
export interface FrameworkVersionRow {
  version: number;
  hash: string;
  effective_day: string;
  /** Canonical JSON of the framework. */
  config: string;
  source: string | null;
}

/**
 * What one status refresh writes: the rows of the accounts it covered replace theirs
 * (`replace`: every account, or these), its changes are appended and numbered, and it is
 * recorded in `status_refreshes` under the id its {@link StatusRefreshLease} gave it.
 */
export interface StatusRefreshWrite {
  /**
   * The accounts whose statuses this write replaces (or all): each one's account_status row,
   * and its milestone_status rows of the milestones written (all of them for an account
   * written without a row: gone). Milestones not written keep their rows.
   */
  replace: 'all' | readonly string[];
  accounts: readonly AccountStatusRow[];
  milestones: readonly MilestoneStatusRow[];
  changes: readonly MilestoneChangeRow[];
  /** A framework version this refresh is the first to use. */
  version: FrameworkVersionRow | null;
  refresh: { id: number; kind: 'backfill' | 'full' | 'incremental'; as_of: string; framework_version: number; started_at: number };
  /** A checkpoint set with the refresh (the last thing written where there are no transactions). */
  checkpoint?: { name: string; value: number };
}

/** What a status refresh was given: its id and the seq numbers of its changes (null when none). */
export interface StatusRefreshResult {
  refresh: number;
  seq: { first: number; last: number } | null;
}

/** What a status refresh holds while it runs (see {@link Store.withStatusRefresh}). */
export interface StatusRefreshLease {
  /** Its id: above every refresh id given before on this store. */
  id: number;
  /**
   * A refresh before it started and did not finish (it failed, or its process died): some of
   * its rows may be written, so this one should refresh every account.
   */
  afterUnfinished: boolean;
}

/** The most changes one refresh records: its seq numbers are `id × SEQ_PER_REFRESH + 1…`. */
export const SEQ_PER_REFRESH = 10_000_000;

/**
 * The seq of a refresh's n-th change (from 0). Numbers come from the refresh id, which no two
 * refreshes share, so two processes never give one number twice, and a reader can tell the
 * refresh of a change from its seq.
 */
export function changeSeq(refresh: number, index: number): number {
  if (index >= SEQ_PER_REFRESH - 1) throw new Error(`invalid status refresh: more than ${SEQ_PER_REFRESH - 1} changes; refresh fewer accounts at once`);
  const seq = refresh * SEQ_PER_REFRESH + index + 1;
  if (!Number.isSafeInteger(seq)) throw new Error(`invalid status refresh id: ${refresh}`);
  return seq;
}

/** The first and last seq of a refresh's `n` changes; null when none. */
export const changeSeqs = (refresh: number, n: number): { first: number; last: number } | null =>
  n > 0 ? { first: changeSeq(refresh, 0), last: changeSeq(refresh, n - 1) } : null;

/**
 * Tables of what Cairn did, written a row at a time through {@link Store.writeRows}: a row of
 * a table with a key (webhook_deliveries) replaces the stored row with its key; the others are
 * appended. Values as TABLES types them: timestamps in epoch ms, dates 'YYYY-MM-DD', json as text.
 */
export type RecordTable = 'job_runs' | 'segment_changes' | 'webhook_deliveries';

/** A lease name: lowercase letters, digits and underscores (it names a table on ClickHouse). */
export const LEASE_NAME = /^[a-z][a-z0-9_]{0,47}$/;

/** A write of nothing, to spread a few parts over. */
export const NO_WRITE: CollectedWrite = { events: [], quarantine: [], violations: [], accounts: [], users: [] };

/**
 * The only seam between Cairn and a database. Feature code asks the store; it never opens an
 * engine itself. Every write keeps the daily rollup `account_activity` up to date and stores a
 * message id at most once per source, and an imported one at most once at all (model/source.ts).
 */
export interface Store {
  readonly dialect: SqlDialect;
  /** Creates missing tables; safe to call on every start. */
  migrate(): Promise<void>;
  /** Bulk-loads normalized batch files (see event-batch-file.ts). */
  loadEventBatch(batch: EventBatch, source: string): Promise<WriteResult>;
  /** Writes events held in memory (the collector's path). */
  insertEvents(events: readonly TrackedEvent[], source: string): Promise<WriteResult>;
  /** Inserts or replaces accounts' facts by account_id, as the accounts file's (`facts_source` import). */
  upsertAccounts(accounts: readonly Account[]): Promise<number>;
  /** Inserts or replaces history rows by (account_id, valid_from). */
  upsertAccountHistory(rows: readonly AccountHistoryRow[]): Promise<number>;
  addToQuarantine(entries: readonly QuarantineEntry[]): Promise<void>;
  /** Brings the reasons of quarantine entries up to date (a replay that failed again, for another reason). */
  updateQuarantine(changes: readonly QuarantineChange[]): Promise<void>;
  /**
   * Appends rows to an append-only table (the launch ledger) all at once (one transaction or
   * one insert); values by column name (schema.ts): Dates or ms as timestamps, objects as JSON,
   * a missing required value refused.
   */
  append(table: AppendOnlyTable, rows: readonly Record<string, unknown>[]): Promise<void>;
  /**
   * Stores a {@link CollectedWrite} in one transaction. Patches apply in order, after the events;
   * a group call the stored facts refuse (model/patch.ts) is quarantined instead.
   */
  applyCollected(write: CollectedWrite): Promise<WriteResult>;
  /**
   * Runs a status refresh (`work`) as the only one on this store, across every process that
   * shares it, with a lease whose id is above every refresh id given before; it waits while
   * another refresh runs. What the refresh reads and writes under the lease is not interleaved
   * with another's, so the changes it finds are found once.
   */
  withStatusRefresh<T>(work: (lease: StatusRefreshLease) => Promise<T>): Promise<T>;
  /**
   * Stores a status refresh (inside {@link withStatusRefresh}, with its lease's id), as one
   * transaction where the engine has them. Changes are numbered by {@link changeSeq}, in the
   * order given; they become visible with the refresh's record, all at once, so a reader that
   * has seen up to seq n reads `seq > n` next.
   */
  applyStatusRefresh(write: StatusRefreshWrite): Promise<StatusRefreshResult>;
  /**
   * Runs `work` as the only holder of the named lease among every process sharing this store
   * (it waits while another holds it): for work that must not run twice at once, such as a
   * scheduled job or webhook deliveries. A holder that dies loses the lease after a while.
   */
  withLease<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Writes rows of one of the {@link RecordTable}s. */
  writeRows(table: RecordTable, rows: readonly Record<string, unknown>[]): Promise<void>;
  /** A checkpoint's value, or null when never set. */
  checkpoint(name: string): Promise<number | null>;
  stats(): Promise<StoreStats>;
  /** Runs a statement built with `sql` whose rows are not wanted (temporary tables). */
  execute(fragment: SqlFragment): Promise<void>;
  /** Runs a read built with `sql`; rows come back as plain JSON-safe objects. */
  query<T = Record<string, unknown>>(fragment: SqlFragment): Promise<T[]>;
  /**
   * Runs a read built with `sql`; values come back column by column (JSON-safe, by column
   * name). For results of hundreds of thousands of rows: drivers build one object per row far
   * more slowly (DuckDB: 0.13 s against 0.87 s for 287k rows of three columns).
   */
  queryColumns(fragment: SqlFragment): Promise<Record<string, unknown[]>>;
  /** Closes the store once its writes are done; calling it again is harmless. */
  close(): Promise<void>;
}
