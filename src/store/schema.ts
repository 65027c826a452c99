import type { TableDef } from './sql/dialect.js';

/**
 * Cairn's tables, written once for every engine; each dialect renders the column types.
 * Columns added after a table first shipped go at its end and are nullable: `migrate()` adds
 * them to stores made before (positional inserts then still line up).
 *
 * `account_activity` is the daily rollup most questions read. It only ever receives delta rows
 * (new events grouped by day), so readers always `SUM(n)` per key: the same contract a
 * ClickHouse SummingMergeTree keeps, and it needs no update in place.
 */
export const TABLES = {
  events: {
    name: 'events',
    columns: [
      { name: 'message_id', type: 'text' },
      { name: 'account_id', type: 'text' },
      { name: 'user_id', type: 'text', nullable: true },
      { name: 'anonymous_id', type: 'text', nullable: true },
      { name: 'action', type: 'text' },
      { name: 'object', type: 'text' },
      { name: 'place', type: 'text', nullable: true },
      { name: 'metadata', type: 'json' },
      { name: 'timestamp', type: 'timestamp' },
      { name: 'count', type: 'integer' },
      { name: 'received_at', type: 'timestamp' },
      { name: 'source', type: 'text' },
    ],
  },
  accounts: {
    name: 'accounts',
    key: ['account_id'],
    columns: [
      { name: 'account_id', type: 'text' },
      { name: 'name', type: 'text', nullable: true },
      { name: 'created_at', type: 'timestamp' },
      { name: 'plan', type: 'text', nullable: true },
      { name: 'seats', type: 'integer', nullable: true },
      { name: 'churned_at', type: 'timestamp', nullable: true },
      { name: 'traits', type: 'json' },
      /** `import` (the accounts file) or the source whose group call set the facts; NULL before it was recorded. */
      { name: 'facts_source', type: 'text', nullable: true },
    ],
  },
  account_history: {
    name: 'account_history',
    key: ['account_id', 'valid_from'],
    columns: [
      { name: 'account_id', type: 'text' },
      { name: 'valid_from', type: 'timestamp' },
      { name: 'plan', type: 'text', nullable: true },
      { name: 'seats', type: 'integer', nullable: true },
      { name: 'mrr', type: 'double', nullable: true },
      { name: 'status', type: 'text' },
    ],
  },
  users: {
    name: 'users',
    key: ['user_id'],
    columns: [
      { name: 'user_id', type: 'text' },
      { name: 'account_id', type: 'text' },
      { name: 'first_seen', type: 'timestamp' },
      { name: 'traits', type: 'json' },
    ],
  },
  /** Users an identify or group call moved from one account to another, and which source did. */
  user_account_changes: {
    name: 'user_account_changes',
    columns: [
      { name: 'user_id', type: 'text' },
      { name: 'from_account', type: 'text' },
      { name: 'to_account', type: 'text' },
      { name: 'source', type: 'text' },
      { name: 'changed_at', type: 'timestamp' },
    ],
  },
  quarantine: {
    name: 'quarantine',
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'received_at', type: 'timestamp' },
      { name: 'kind', type: 'text' },
      { name: 'source', type: 'text' },
      { name: 'file', type: 'text', nullable: true },
      { name: 'line', type: 'bigint', nullable: true },
      { name: 'reason', type: 'text' },
      { name: 'field', type: 'text', nullable: true },
      { name: 'message', type: 'text' },
      { name: 'payload', type: 'text' },
    ],
  },
  /** Events stored although the tracking plan did not declare them so: delta rows, read with SUM(n). */
  plan_violations: {
    name: 'plan_violations',
    columns: [
      { name: 'day', type: 'date' },
      { name: 'source', type: 'text' },
      { name: 'action', type: 'text' },
      { name: 'object', type: 'text' },
      { name: 'reason', type: 'text' },
      { name: 'field', type: 'text', nullable: true },
      { name: 'n', type: 'bigint' },
      { name: 'example', type: 'text' },
    ],
  },
  /** How far a writer has got, such as the collector's last applied log generation. */
  checkpoints: {
    name: 'checkpoints',
    key: ['name'],
    columns: [
      { name: 'name', type: 'text' },
      { name: 'value', type: 'bigint' },
    ],
  },
  /**
   * What happened to each launch, append-only: its declarations (outcome, targets, events…)
   * with their hash each time they change, the reports produced, and each share attempt.
   * Never holds a webhook URL.
   */
  launch_ledger: {
    name: 'launch_ledger',
    columns: [
      { name: 'launch', type: 'text' },
      { name: 'kind', type: 'text' },
      { name: 'recorded_at', type: 'timestamp' },
      { name: 'hash', type: 'text', nullable: true },
      { name: 'body', type: 'json' },
    ],
  },
  /**
   * Each account's place on the framework as of the last status refresh (src/milestones
   * refresh-statuses.ts): one row per account, replaced whole when the account is refreshed
   * (rows are deleted and appended, so no key: an index costs more than it saves here).
   */
  account_status: {
    name: 'account_status',
    columns: [
      { name: 'account_id', type: 'text' },
      { name: 'as_of', type: 'date' },
      { name: 'framework_version', type: 'integer' },
      { name: 'stage', type: 'text' },
      { name: 'signup_day', type: 'date' },
      { name: 'churned_day', type: 'date', nullable: true },
      { name: 'plan', type: 'text', nullable: true },
      { name: 'seats', type: 'bigint', nullable: true },
      { name: 'next_milestone', type: 'text', nullable: true },
      { name: 'next_action', type: 'text', nullable: true },
      { name: 'next_reason', type: 'text', nullable: true },
      /**
       * The days of the funnel's history (month ends since the first signup, and the as-of day)
       * on which the account was in the state-like milestone's state, comma-separated; null
       * when the framework has no such milestone.
       */
      { name: 'state_days', type: 'text', nullable: true },
    ],
  },
  /** Each account's milestones as of the last status refresh: one row per account and milestone, replaced as account_status. */
  milestone_status: {
    name: 'milestone_status',
    columns: [
      { name: 'account_id', type: 'text' },
      { name: 'milestone', type: 'text' },
      /** 1 when reached, else 0. */
      { name: 'reached', type: 'integer' },
      { name: 'reached_day', type: 'date', nullable: true },
      { name: 'progress', type: 'double' },
      { name: 'detail', type: 'json' },
      { name: 'as_of', type: 'date' },
      { name: 'framework_version', type: 'integer' },
    ],
  },
  /**
   * What each status refresh found changed, append-only: a feed read after a cursor `seq`
   * (the contract is in src/milestones/index.ts).
   */
  milestone_changes: {
    name: 'milestone_changes',
    columns: [
      { name: 'seq', type: 'bigint' },
      { name: 'account_id', type: 'text' },
      /** 'milestone' or 'stage'. */
      { name: 'kind', type: 'text' },
      /** The milestone, or the stage the account is in after the change. */
      { name: 'name', type: 'text' },
      /** 'reached' or 'lost'. */
      { name: 'change', type: 'text' },
      /** For a stage: the stage before. */
      { name: 'previous', type: 'text', nullable: true },
      { name: 'day', type: 'date' },
      { name: 'framework_version', type: 'integer' },
      /** 'backfill', 'data' or 'framework'. */
      { name: 'cause', type: 'text' },
      { name: 'recorded_at', type: 'timestamp' },
    ],
  },
  /** Every milestones.yaml Cairn has used: its hash and the day it took effect. */
  framework_versions: {
    name: 'framework_versions',
    key: ['version'],
    columns: [
      { name: 'version', type: 'integer' },
      { name: 'hash', type: 'text' },
      { name: 'effective_day', type: 'date' },
      { name: 'recorded_at', type: 'timestamp' },
      /** The framework as Cairn read it (canonical JSON), and the file's text when known. */
      { name: 'config', type: 'json' },
      { name: 'source', type: 'text', nullable: true },
    ],
  },
  /** One row per status refresh: what it covered and found. */
  status_refreshes: {
    name: 'status_refreshes',
    columns: [
      { name: 'id', type: 'bigint' },
      /** 'backfill', 'full' or 'incremental'. */
      { name: 'kind', type: 'text' },
      { name: 'as_of', type: 'date' },
      { name: 'framework_version', type: 'integer' },
      { name: 'accounts', type: 'bigint' },
      { name: 'changes', type: 'bigint' },
      { name: 'started_at', type: 'timestamp' },
      { name: 'finished_at', type: 'timestamp' },
    ],
  },
  /**
   * Accounts entering or leaving a segment of milestones.yaml, as each segment refresh found
   * (src/milestones segment-changes.ts): a feed read after a cursor `seq`, as milestone_changes.
   */
  segment_changes: {
    name: 'segment_changes',
    columns: [
      { name: 'seq', type: 'bigint' },
      { name: 'account_id', type: 'text' },
      { name: 'segment', type: 'text' },
      /** 'entered' or 'left'. */
      { name: 'change', type: 'text' },
      { name: 'day', type: 'date' },
      /** 'backfill' (the first evaluation of a segment), 'data' or 'framework'. */
      { name: 'cause', type: 'text' },
      { name: 'recorded_at', type: 'timestamp' },
    ],
  },
  /** Each run of a job `cairn serve` schedules (src/server scheduler.ts), recorded when it ends. */
  job_runs: {
    name: 'job_runs',
    columns: [
      { name: 'id', type: 'text' },
      { name: 'job', type: 'text' },
      /** The time the schedule fired for (a run skipped because another process ran that slot says so). */
      { name: 'slot', type: 'timestamp' },
      { name: 'started_at', type: 'timestamp' },
      { name: 'finished_at', type: 'timestamp' },
      /** 'ok', 'failed' or 'skipped'. */
      { name: 'status', type: 'text' },
      { name: 'result', type: 'json', nullable: true },
      { name: 'error', type: 'text', nullable: true },
    ],
  },
  /**
   * Webhook deliveries (src/webhooks): one row per event and endpoint, keyed by its idempotency
   * key, replaced as it is attempted: 'pending' (with the next attempt's time), 'delivered', or
   * 'dead' (the dead letters, replayable). The endpoint's URL and secret are never stored.
   */
  webhook_deliveries: {
    name: 'webhook_deliveries',
    key: ['id'],
    columns: [
      /** The idempotency key: the event's id and the endpoint's name. */
      { name: 'id', type: 'text' },
      { name: 'endpoint', type: 'text' },
      { name: 'event_id', type: 'text' },
      { name: 'event_type', type: 'text' },
      { name: 'account_id', type: 'text' },
      { name: 'payload', type: 'json' },
      { name: 'status', type: 'text' },
      { name: 'attempts', type: 'integer' },
      { name: 'next_attempt_at', type: 'timestamp', nullable: true },
      { name: 'last_status', type: 'integer', nullable: true },
      { name: 'last_error', type: 'text', nullable: true },
      { name: 'created_at', type: 'timestamp' },
      { name: 'updated_at', type: 'timestamp' },
    ],
  },
  account_activity: {
    name: 'account_activity',
    columns: [
      { name: 'account_id', type: 'text' },
      { name: 'day', type: 'date' },
      { name: 'action', type: 'text' },
      { name: 'object', type: 'text' },
      { name: 'place', type: 'text' },
      { name: 'n', type: 'bigint' },
    ],
  },
} as const satisfies Record<string, TableDef>;

export type TableName = keyof typeof TABLES;

/** Tables that only ever gain rows: what `Store.append` writes. */
export type AppendOnlyTable = 'launch_ledger';
