import { TABLES, type TableName } from '../schema.js';
import type { ClickHouseDialect } from './clickhouse-dialect.js';

/**
 * Cairn's tables on ClickHouse. The names features query (`events`, `accounts`, …) are views
 * that show each row's current version; the data sits in physical tables:
 *  - events_data: ReplacingMergeTree ordered by (account_id, message_id), so per-account scans
 *    read one range and a message id stored twice by two writers at the same moment collapses
 *    into one (the view reads with FINAL, so the count is exact before the merge too);
 *  - accounts, account_history, users, checkpoints, quarantine (`<name>_data`):
 *    ReplacingMergeTree with a version, an upsert being a newer row (quarantine removals are
 *    tombstones);
 *  - plan_violations_data: delta rows keyed by the write that made them, so a write applied
 *    again after a crash collapses into the first;
 *  - activity_deltas: the daily rollup, a SummingMergeTree fed by a materialized view on every
 *    insert into events_data, so the rollup and the events it counts are written together;
 *    activity_corrections: per key, what the deltas over-count when two writers stored one
 *    message id at the same moment (see ClickHouseStore.reconcile); the view account_activity
 *    shows both, so readers summing n get the exact count.
 * On a cluster each physical table is a `<name>_local` table on every shard with a
 * Distributed table of the plain name over them, sharded by account where rows have one.
 * Every statement here runs on ClickHouse 18.16 and current releases alike.
 */

interface Physical {
  columns: (d: ClickHouseDialect) => string;
  engine: string;
  /** The sharding expression of the Distributed table on a cluster. */
  shardBy: string;
}

const columnsOf = (name: TableName, extra = '') => (d: ClickHouseDialect) =>
  [...TABLES[name].columns.map((c) => `${c.name} ${d.columnType(c.type, 'nullable' in c ? c.nullable : false)}`), ...(extra ? [extra] : [])].join(', ');

const PHYSICAL: Record<string, Physical> = {
  events_data: { columns: columnsOf('events'), engine: 'ReplacingMergeTree ORDER BY (account_id, message_id)', shardBy: 'cityHash64(account_id)' },
  accounts_data: { columns: columnsOf('accounts', 'version UInt64'), engine: 'ReplacingMergeTree(version) ORDER BY account_id', shardBy: 'cityHash64(account_id)' },
  account_history_data: {
    columns: columnsOf('account_history', 'version UInt64'),
    engine: 'ReplacingMergeTree(version) ORDER BY (account_id, valid_from)',
    shardBy: 'cityHash64(account_id)',
  },
  users_data: { columns: columnsOf('users', 'version UInt64'), engine: 'ReplacingMergeTree(version) ORDER BY user_id', shardBy: 'cityHash64(user_id)' },
  quarantine_data: { columns: columnsOf('quarantine', 'deleted UInt8, version UInt64'), engine: 'ReplacingMergeTree(version) ORDER BY id', shardBy: 'id' },
  plan_violations_data: {
    columns: columnsOf('plan_violations', 'write_key String'),
    engine: "ReplacingMergeTree ORDER BY (day, source, action, object, reason, ifNull(field, ''), write_key)",
    shardBy: 'cityHash64(write_key)',
  },
  checkpoints_data: { columns: columnsOf('checkpoints', 'version UInt64'), engine: 'ReplacingMergeTree(version) ORDER BY name', shardBy: 'cityHash64(name)' },
  activity_deltas: { columns: columnsOf('account_activity'), engine: 'SummingMergeTree(n) ORDER BY (account_id, day, action, object, place)', shardBy: 'cityHash64(account_id)' },
  activity_corrections: {
    columns: columnsOf('account_activity', 'version UInt64'),
    engine: 'ReplacingMergeTree(version) ORDER BY (account_id, day, action, object, place)',
    shardBy: 'cityHash64(account_id)',
  },
};

/** The physical table holding a logical table's rows (what writes go to). */
export const dataTable = (name: Exclude<TableName, 'account_activity'>): string => `${name}_data`;

const ACTIVITY_COLUMNS = 'account_id, day, action, object, place, n';

/** Where the tables go: one server, or every shard of a cluster. */
export interface SchemaTarget {
  /** The cluster's name (remote_servers), when sharded. */
  cluster?: string;
  /** The database, which a Distributed table names. */
  database: string;
}

/** The statements that create schema version 1 on one host (each safe to run again). */
export function createStatements(d: ClickHouseDialect, target: SchemaTarget): string[] {
  const out: string[] = [];
  for (const [name, p] of Object.entries(PHYSICAL)) {
    if (!target.cluster) {
      out.push(`CREATE TABLE IF NOT EXISTS ${name} (${p.columns(d)}) ENGINE = ${p.engine}`);
      continue;
    }
    out.push(`CREATE TABLE IF NOT EXISTS ${name}_local (${p.columns(d)}) ENGINE = ${p.engine}`);
    out.push(`CREATE TABLE IF NOT EXISTS ${name} AS ${name}_local ENGINE = Distributed(${target.cluster}, ${target.database}, ${name}_local, ${p.shardBy})`);
  }
  for (const name of Object.keys(TABLES) as TableName[]) {
    if (name === 'account_activity') continue;
    const where = name === 'quarantine' ? ' WHERE deleted = 0' : '';
    // SELECT *: 18.16 loses the version column under FINAL unless it is read.
    out.push(`CREATE VIEW IF NOT EXISTS ${name} AS SELECT * FROM ${dataTable(name)} FINAL${where}`);
  }
  out.push(`CREATE VIEW IF NOT EXISTS account_activity AS
    SELECT ${ACTIVITY_COLUMNS} FROM activity_deltas
    UNION ALL SELECT ${ACTIVITY_COLUMNS} FROM (SELECT * FROM activity_corrections FINAL)`);
  // On a cluster the view watches each shard's own events and feeds its own rollup.
  const local = target.cluster ? '_local' : '';
  out.push(`CREATE MATERIALIZED VIEW IF NOT EXISTS activity_deltas_mv TO activity_deltas${local} AS
    SELECT account_id, toDate(toDateTime(intDiv(timestamp, 1000), 'UTC')) AS day, action, object, ifNull(place, '') AS place, toInt64(sum(count)) AS n
    FROM events_data${local} GROUP BY account_id, day, action, object, place`);
  return out;
}

/**
 * Schema versions in order: a store at version n gets the statements of every later one, then
 * the version is recorded (cairn_schema, on every host). A newer Cairn adds a step here; it
 * never edits one.
 */
export const MIGRATIONS: readonly { version: number; statements: (d: ClickHouseDialect, target: SchemaTarget) => string[] }[] = [
  { version: 1, statements: createStatements },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
