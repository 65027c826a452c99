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

const EVENTS_KEY = '(account_id, message_id, source)';

interface Physical {
  columns: (d: ClickHouseDialect) => string;
  engine: string;
  /** The sharding expression of the Distributed table on a cluster. */
  shardBy: string;
}

const columnsOf = (name: TableName, extra = '') => (d: ClickHouseDialect) =>
  [...TABLES[name].columns.map((c) => `${c.name} ${d.columnType(c.type, 'nullable' in c ? c.nullable : false)}`), ...(extra ? [extra] : [])].join(', ');

const PHYSICAL: Record<string, Physical> = {
  // A message id is unique per source (model/source.ts): the source is part of the key.
  events_data: { columns: columnsOf('events'), engine: `ReplacingMergeTree ORDER BY ${EVENTS_KEY}`, shardBy: 'cityHash64(account_id)' },
  accounts_data: { columns: columnsOf('accounts', 'version UInt64'), engine: 'ReplacingMergeTree(version) ORDER BY account_id', shardBy: 'cityHash64(account_id)' },
  account_history_data: {
    columns: columnsOf('account_history', 'version UInt64'),
    engine: 'ReplacingMergeTree(version) ORDER BY (account_id, valid_from)',
    shardBy: 'cityHash64(account_id)',
  },
  users_data: { columns: columnsOf('users', 'version UInt64'), engine: 'ReplacingMergeTree(version) ORDER BY user_id', shardBy: 'cityHash64(user_id)' },
  // Keyed by every column: a generation applied again after a crash records a move once.
  user_account_changes_data: {
    columns: columnsOf('user_account_changes'),
    engine: 'ReplacingMergeTree ORDER BY (user_id, changed_at, from_account, to_account, source)',
    shardBy: 'cityHash64(user_id)',
  },
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

/** The statements that create the current schema on one host (each safe to run again). */
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
    out.push(`CREATE VIEW IF NOT EXISTS ${name} AS ${viewQuery(name)}`);
  }
  out.push(`CREATE VIEW IF NOT EXISTS account_activity AS
    SELECT ${ACTIVITY_COLUMNS} FROM activity_deltas
    UNION ALL SELECT ${ACTIVITY_COLUMNS} FROM (SELECT * FROM activity_corrections FINAL)`);
  // On a cluster the view watches each shard's own events and feeds its own rollup.
  const local = target.cluster ? '_local' : '';
  out.push(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${ROLLUP_VIEW} TO activity_deltas${local} AS
    SELECT account_id, toDate(toDateTime(intDiv(timestamp, 1000), 'UTC')) AS day, action, object, ifNull(place, '') AS place, toInt64(sum(count)) AS n
    FROM events_data${local} GROUP BY account_id, day, action, object, place`);
  return out;
}

const ROLLUP_VIEW = 'activity_deltas_mv';

/** The view a logical table is read through: each row's current version. */
function viewQuery(name: Exclude<TableName, 'account_activity'>): string {
  const where = name === 'quarantine' ? ' WHERE deleted = 0' : '';
  // SELECT *: 18.16 loses the version column under FINAL unless it is read.
  return `SELECT * FROM ${dataTable(name)} FINAL${where}`;
}

/** Runs statements on one host, in order. */
export interface SchemaHost {
  command(query: string): Promise<void>;
  query<T>(query: string): Promise<T[]>;
}

/** A schema step: brings one host from the version before to this one; safe to run again if cut short. */
type Step = (host: SchemaHost, d: ClickHouseDialect, target: SchemaTarget) => Promise<void>;

const createSchema: Step = async (host, d, target) => {
  for (const statement of createStatements(d, target)) await host.command(statement);
};

/**
 * Version 2: message ids per source, `accounts.facts_source`, `user_account_changes`.
 * The events table is copied into one keyed by source (a sorting key cannot take an existing
 * column), the rollup's view set aside meanwhile so the copy is not counted twice; columns
 * are added to the tables that lack them and the views over those made again (a view keeps
 * the columns it was made with); new tables are made.
 */
const perSourceIds: Step = async (host, d, target) => {
  const local = target.cluster ? '_local' : '';
  const events = `events_data${local}`;
  const [table] = await host.query<{ sorting_key: string }>(`SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = '${events}'`);
  if (table && !/\bsource\b/.test(table.sorting_key)) {
    await host.command(`DROP TABLE IF EXISTS ${ROLLUP_VIEW}`);
    await host.command(`DROP TABLE IF EXISTS ${events}_rekeyed`);
    await host.command(`CREATE TABLE ${events}_rekeyed (${PHYSICAL.events_data.columns(d)}) ENGINE = ${PHYSICAL.events_data.engine}`);
    await host.command(`INSERT INTO ${events}_rekeyed SELECT * FROM ${events}`);
    await host.command(`RENAME TABLE ${events} TO ${events}_before, ${events}_rekeyed TO ${events}`);
  }
  await host.command(`DROP TABLE IF EXISTS ${events}_before`);
  await addMissingColumns(host, d, target);
  await createSchema(host, d, target);
};

/** Adds the columns TABLES gained to the physical tables that lack them, and drops the views over them to be made again. */
async function addMissingColumns(host: SchemaHost, d: ClickHouseDialect, target: SchemaTarget): Promise<void> {
  const rows = await host.query<{ table: string; name: string }>(`SELECT table, name FROM system.columns WHERE database = currentDatabase()`);
  const present = new Set(rows.map((r) => `${r.table}.${r.name}`));
  const tables = new Set(rows.map((r) => r.table));
  for (const name of Object.keys(TABLES) as TableName[]) {
    if (name === 'account_activity') continue;
    const physical = dataTable(name);
    const names = target.cluster ? [`${physical}_local`, physical] : [physical];
    let changed = false;
    for (const column of TABLES[name].columns) {
      // 18.16 has no ADD COLUMN IF NOT EXISTS: what system.columns lacks is added.
      for (const t of names) {
        if (!tables.has(t) || present.has(`${t}.${column.name}`)) continue;
        if (!('nullable' in column && column.nullable)) throw new Error(`invalid added column: ${name}.${column.name} must be nullable`);
        await host.command(`ALTER TABLE ${t} ADD COLUMN ${column.name} ${d.columnType(column.type, true)}`);
        changed = true;
      }
    }
    if (changed || (tables.has(name) && TABLES[name].columns.some((c) => !present.has(`${name}.${c.name}`)))) await host.command(`DROP TABLE IF EXISTS ${name}`);
  }
}

/**
 * Schema versions in order: a store at version n gets the steps of every later one, then the
 * version is recorded (cairn_schema, on every host). A newer Cairn adds a step here; it never
 * edits one. A new store (an empty database) runs the first step only: it makes the current
 * schema, which the later steps would find nothing to change in.
 */
export const MIGRATIONS: readonly { version: number; apply: Step }[] = [
  { version: 1, apply: createSchema },
  { version: 2, apply: perSourceIds },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
