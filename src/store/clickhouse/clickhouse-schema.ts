import { TABLES, type TableName } from '../schema.js';
import type { ClickHouseDialect } from './clickhouse-dialect.js';

/**
 * Cairn's tables on ClickHouse. The names features query (`events`, `accounts`, …) are views
 * that show each row's current version; the data sits in `<name>_data` tables:
 *  - events: ReplacingMergeTree ordered by (account_id, message_id), so per-account scans read
 *    one range and a message id stored twice by two writers at the same moment collapses into
 *    one (the view reads with FINAL, so the count is exact before the merge too);
 *  - accounts, account_history, users, checkpoints, quarantine: ReplacingMergeTree with a
 *    version, an upsert being a newer row (quarantine removals are tombstones);
 *  - plan_violations: delta rows keyed by the write that made them, so a write applied again
 *    after a crash collapses into the first;
 *  - account_activity: the daily rollup, a SummingMergeTree fed by a materialized view on
 *    every insert into events, so the rollup and the events it counts are written together.
 * Every statement here runs on ClickHouse 18.16 and current releases alike.
 */

/** Tables whose current rows are the newest version of each key. */
export const VERSIONED: readonly TableName[] = ['accounts', 'account_history', 'users', 'checkpoints', 'quarantine'];

export const dataTable = (name: TableName): string => (name === 'account_activity' ? name : `${name}_data`);

/** The extra columns a data table keeps beside the logical table's. */
const EXTRA: Partial<Record<TableName, string>> = {
  accounts: 'version UInt64',
  account_history: 'version UInt64',
  users: 'version UInt64',
  checkpoints: 'version UInt64',
  quarantine: 'deleted UInt8, version UInt64',
  plan_violations: 'write_key String',
};

const ENGINE: Record<TableName, string> = {
  events: 'ReplacingMergeTree ORDER BY (account_id, message_id)',
  accounts: 'ReplacingMergeTree(version) ORDER BY account_id',
  account_history: 'ReplacingMergeTree(version) ORDER BY (account_id, valid_from)',
  users: 'ReplacingMergeTree(version) ORDER BY user_id',
  quarantine: 'ReplacingMergeTree(version) ORDER BY id',
  plan_violations: "ReplacingMergeTree ORDER BY (day, source, action, object, reason, ifNull(field, ''), write_key)",
  checkpoints: 'ReplacingMergeTree(version) ORDER BY name',
  account_activity: 'SummingMergeTree(n) ORDER BY (account_id, day, action, object, place)',
};

/** The column list of a data table. */
export function dataColumns(d: ClickHouseDialect, name: TableName): string {
  const cols = TABLES[name].columns.map((c) => `${c.name} ${d.columnType(c.type, 'nullable' in c ? c.nullable : false)}`);
  const extra = EXTRA[name];
  return [...cols, ...(extra ? [extra] : [])].join(', ');
}

/** The statements that create schema version 1 (each safe to run again). */
export function createStatements(d: ClickHouseDialect): string[] {
  const out: string[] = [];
  for (const name of Object.keys(TABLES) as TableName[]) {
    out.push(`CREATE TABLE IF NOT EXISTS ${dataTable(name)} (${dataColumns(d, name)}) ENGINE = ${ENGINE[name]}`);
  }
  for (const name of Object.keys(TABLES) as TableName[]) {
    if (name === 'account_activity') continue;
    const where = name === 'quarantine' ? ' WHERE deleted = 0' : '';
    // SELECT *: 18.16 loses the version column under FINAL unless it is read.
    out.push(`CREATE VIEW IF NOT EXISTS ${name} AS SELECT * FROM ${dataTable(name)}${name === 'plan_violations' || VERSIONED.includes(name) || name === 'events' ? ' FINAL' : ''}${where}`);
  }
  out.push(`CREATE MATERIALIZED VIEW IF NOT EXISTS account_activity_mv TO account_activity AS
    SELECT account_id, toDate(toDateTime(intDiv(timestamp, 1000), 'UTC')) AS day, action, object, ifNull(place, '') AS place, toInt64(sum(count)) AS n
    FROM events_data GROUP BY account_id, day, action, object, place`);
  return out;
}

/**
 * Schema versions in order: a store at version n gets the statements of every later one, then
 * the version is recorded (cairn_schema). A newer Cairn adds a step here; it never edits one.
 */
export const MIGRATIONS: readonly { version: number; statements: (d: ClickHouseDialect) => string[] }[] = [{ version: 1, statements: createStatements }];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
