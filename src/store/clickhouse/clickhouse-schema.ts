import { TABLES, type TableName } from '../schema.js';
import { SEQ_PER_REFRESH } from '../store.js';
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
 *  - launch_ledger_data: append-only, keyed by every column so a repeated append collapses;
 *  - plan_violations_data: delta rows keyed by the write that made them, so a write applied
 *    again after a crash collapses into the first;
 *  - activity_deltas: the daily rollup, a SummingMergeTree fed by a materialized view on every
 *    insert into events_data, so the rollup and the events it counts are written together;
 *    activity_corrections: per key, what the deltas over-count when two writers stored one
 *    message id at the same moment (see ClickHouseStore.reconcile); the view account_activity
 *    shows both, so readers summing n get the exact count;
 *  - the materialized statuses (src/milestones refresh-statuses.ts), written without a
 *    transaction and made visible by their refresh's row in status_refreshes_data (the commit):
 *    account_status_data and milestone_status_data are ReplacingMergeTree by account (and
 *    milestone) with the writing refresh's id as version, so the newest refresh's row is read
 *    (milestone_status shows the rows of the framework version last recorded: rows of a
 *    milestone taken out stay hidden); milestone_changes_data and framework_versions_data show
 *    only rows of recorded refreshes (a change's refresh is its seq ÷ SEQ_PER_REFRESH), so a
 *    refresh cut short leaves no change in the feed (the next one finds it again);
 *  - what Cairn did: segment_changes_data and job_runs_data (appended), webhook_deliveries_data
 *    (ReplacingMergeTree by id with a version: an attempt writes a newer row).
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
  // Keyed by every column: the same append made again (a retried write) is kept once.
  launch_ledger_data: {
    columns: columnsOf('launch_ledger'),
    engine: "ReplacingMergeTree ORDER BY (launch, recorded_at, kind, ifNull(hash, ''), cityHash64(body))",
    shardBy: 'cityHash64(launch)',
  },
  // The statuses are read by account (and sharded by it); the refresh writing a row is its version.
  account_status_data: { columns: columnsOf('account_status', 'refresh UInt64'), engine: 'ReplacingMergeTree(refresh) ORDER BY account_id', shardBy: 'cityHash64(account_id)' },
  milestone_status_data: {
    columns: columnsOf('milestone_status', 'refresh UInt64'),
    engine: 'ReplacingMergeTree(refresh) ORDER BY (account_id, milestone)',
    shardBy: 'cityHash64(account_id)',
  },
  milestone_changes_data: { columns: columnsOf('milestone_changes'), engine: 'MergeTree ORDER BY (account_id, seq)', shardBy: 'cityHash64(account_id)' },
  framework_versions_data: { columns: columnsOf('framework_versions', 'refresh UInt64'), engine: 'ReplacingMergeTree(refresh) ORDER BY version', shardBy: 'version' },
  status_refreshes_data: { columns: columnsOf('status_refreshes'), engine: 'ReplacingMergeTree ORDER BY id', shardBy: 'id' },
  // What Cairn did (version 4): segment entries, scheduled job runs, webhook deliveries (the newest row of a key wins).
  segment_changes_data: { columns: columnsOf('segment_changes'), engine: 'MergeTree ORDER BY (account_id, seq)', shardBy: 'cityHash64(account_id)' },
  job_runs_data: { columns: columnsOf('job_runs'), engine: 'MergeTree ORDER BY (job, started_at, id)', shardBy: 'cityHash64(job)' },
  webhook_deliveries_data: { columns: columnsOf('webhook_deliveries', 'version UInt64'), engine: 'ReplacingMergeTree(version) ORDER BY id', shardBy: 'cityHash64(id)' },
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

/** Refreshes recorded (committed); read from the data table, which exists before any view. */
const RECORDED = 'status_refreshes_data';

/** What a view shows of its table beyond each row's current version (quarantine removals, unrecorded refreshes). */
const VIEW_FILTERS: Partial<Record<TableName, string>> = {
  quarantine: 'deleted = 0',
  milestone_status: `framework_version GLOBAL IN (SELECT max(framework_version) FROM ${RECORDED})`,
  milestone_changes: `intDiv(seq, ${SEQ_PER_REFRESH}) GLOBAL IN (SELECT id FROM ${RECORDED})`,
  framework_versions: `version GLOBAL IN (SELECT framework_version FROM ${RECORDED})`,
};

/** The view a logical table is read through: each row's current version. */
function viewQuery(name: Exclude<TableName, 'account_activity'>): string {
  const filter = VIEW_FILTERS[name];
  const table = dataTable(name);
  // SELECT *: 18.16 loses the version column under FINAL unless it is read. Rows never replaced need no FINAL.
  const final = PHYSICAL[table].engine.startsWith('Replacing') ? ' FINAL' : '';
  return `SELECT * FROM ${table}${final}${filter ? ` WHERE ${filter}` : ''}`;
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
  // Version 3: the materialized statuses, new tables and views only.
  { version: 3, apply: createSchema },
  // Version 4: the launch ledger (outcomes). createSchema makes every missing table and view,
  // so a version 3 store made before the statuses (with the ledger) gains them too.
  { version: 4, apply: createSchema },
  // Version 5: segment entries, scheduled job runs and webhook deliveries: new tables and views only.
  { version: 5, apply: createSchema },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
