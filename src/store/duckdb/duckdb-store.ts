import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { isMainThread } from 'node:worker_threads';
import { DuckDBDateValue, DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import {
  IMPORT_SOURCE,
  redactCredentials,
  type Account,
  type AccountFactsAuthority,
  type AccountHistoryRow,
  type AccountPatch,
  type PlanViolation,
  type QuarantineEntry,
  type TrackedEvent,
  type UserPatch,
} from '../../model/index.js';
import { EVENT_BATCH_COLUMNS, EventBatchWriter, repeatedHashes, type EventBatch } from '../event-batch-file.js';
import { TABLES, type AppendOnlyTable, type TableName } from '../schema.js';
import { groupViolations, patchedAccounts, patchedUsers } from '../patches.js';
import type { ColumnDef, TableDef } from '../sql/dialect.js';
import { readStats } from '../stats-queries.js';
import { SqlFragment, ident, join, raw, sql } from '../sql/fragment.js';
import { LEASE_NAME, changeSeq, changeSeqs, type CollectedWrite, type RecordTable, type QuarantineChange, type StatusRefreshLease, type StatusRefreshResult, type StatusRefreshWrite, type Store, type StoreStats, type WriteResult } from '../store.js';
import { DuckDbDialect } from './duckdb-dialect.js';

export interface DuckDbStoreOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** DuckDB settings such as threads or memory_limit. */
  settings?: Record<string, string>;
}

const STAGE_COLUMNS = EVENT_BATCH_COLUMNS.map(([name, type]) => `'${name}': '${type === 'text' ? 'VARCHAR' : type.toUpperCase()}'`).join(', ');

/** Rows appended between two turns of the event loop. */
const APPEND_SLICE = 5000;

/** Rows per multi-row INSERT for account facts and quarantine entries. */
const INSERT_CHUNK = 500;

/**
 * The embedded store: one DuckDB file in the workspace. DuckDB allows one writing process, so
 * this process is the single writer and the anti-join on message_id keeps ids unique.
 *
 * Two connections: writes run one after another on `conn`, each a transaction; everything
 * else (`query`, `execute` and the temporary tables they make) runs on `reader`, which sees
 * only committed data. On one connection a read would run inside whatever transaction is
 * open, and see a refresh between deleting statuses and writing them again.
 */
export class DuckDbStore implements Store {
  readonly dialect = new DuckDbDialect();
  private writes: Promise<unknown> = Promise.resolve();
  private lastReceivedAt = 0;
  /** Set while a write runs: its own reads go to its connection, inside its transaction. */
  private readonly writing = new AsyncLocalStorage<true>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly reader: DuckDBConnection,
  ) {}

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    if (options.path !== ':memory:') keepPrivate(options.path);
    const instance = await DuckDBInstance.create(options.path, options.settings);
    const store = new DuckDbStore(instance, await instance.connect(), await instance.connect());
    await store.migrate();
    const [{ last }] = await store.query<{ last: string | null }>(sql`SELECT epoch_ms(max(received_at)) AS last FROM events`);
    store.lastReceivedAt = Number(last ?? 0);
    return store;
  }

  async migrate(): Promise<void> {
    const tables: readonly TableDef[] = Object.values(TABLES);
    for (const table of tables) await this.conn.run(this.dialect.createTable(table));
    // A store made by an earlier Cairn lacks the columns added since.
    const have = await this.query<{ t: string; c: string }>(
      sql`SELECT table_name AS t, column_name AS c FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main'`,
    );
    const present = new Set(have.map((r) => `${r.t}.${r.c}`));
    for (const table of tables) {
      for (const column of table.columns) if (!present.has(`${table.name}.${column.name}`)) await this.conn.run(this.dialect.addColumn(table, column));
    }
  }

  /** Writes run one after another: each is a transaction over several statements. */
  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = () => this.writing.run(true, work);
    const next = this.writes.then(run, run);
    this.writes = next.catch(() => undefined);
    return next;
  }

  /** The write's connection inside a write, else the reader's. */
  private get current(): DuckDBConnection {
    return this.writing.getStore() ? this.conn : this.reader;
  }

  /** Runs a statement; returns the rows it inserted, updated or deleted. */
  private async exec(fragment: SqlFragment): Promise<number> {
    const q = this.dialect.compile(fragment);
    return (await this.current.run(q.text, q.params as never, this.dialect.paramTypes(q.params))).rowsChanged;
  }

  private async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.conn.run('COMMIT');
      return result;
    } catch (err) {
      await this.conn.run('ROLLBACK');
      throw err;
    }
  }

  /** On the reader's connection, beside the writes (temporary tables for reads, mostly). */
  async execute(fragment: SqlFragment): Promise<void> {
    await this.exec(fragment);
  }

  async query<T = Record<string, unknown>>(fragment: SqlFragment): Promise<T[]> {
    const q = this.dialect.compile(fragment);
    const result = await this.current.run(q.text, q.params as never, this.dialect.paramTypes(q.params));
    // Converted a chunk at a time, each after an await: a large read never holds the event loop (requests wait on it).
    const rows: T[] = [];
    for await (const chunk of result.yieldRowObjectJson()) for (const row of chunk) rows.push(row as T);
    return rows;
  }

  async queryColumns(fragment: SqlFragment): Promise<Record<string, unknown[]>> {
    const q = this.dialect.compile(fragment);
    const reader = await this.conn.runAndReadAll(q.text, q.params as never, this.dialect.paramTypes(q.params));
    return reader.getColumnsObjectJson() as Record<string, unknown[]>;
  }

  loadEventBatch(batch: EventBatch, source: string): Promise<WriteResult> {
    if (batch.files.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0 });
    return this.serialize(() => this.transaction(() => this.mergeBatch(batch, source)));
  }

  private async mergeBatch(batch: EventBatch, source: string): Promise<WriteResult> {
    // Each load is marked by its own received_at, so the rollup and users read back exactly
    // the rows it stored (new rows sit at the end of the table: zone maps skip the rest).
    const receivedAt = this.nextReceivedAt();
    const files = sql`read_csv(${batch.files}, delim = '\t', quote = '', escape = '', header = false, nullstr = '',
      auto_detect = false, strict_mode = false, columns = {${raw(STAGE_COLUMNS)}})`;
    const columns = sql`message_id, account_id, user_id, anonymous_id, action, object, place, metadata,
      epoch_ms(timestamp_ms), count, ${receivedAt}, ${source}`;
    // An id repeats within its source; an import's repeats any source's (model/source.ts).
    const within = source === IMPORT_SOURCE ? sql`` : sql` AND e.source IN (${source}, ${IMPORT_SOURCE})`;
    const stored = sql`NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = s.message_id${within})`;
    let inserted: number;
    if (batch.repeatedHashes.length === 0) {
      inserted = await this.exec(sql`INSERT INTO events SELECT ${columns} FROM ${files} s WHERE ${stored}`);
    } else {
      // Only rows whose id hash repeats can repeat an id: set them aside and keep the first
      // of each id exactly; every other row goes straight in.
      await this.exec(sql`CREATE OR REPLACE TEMP TABLE cairn_repeated AS
        SELECT CAST(unnest(${batch.repeatedHashes.map(String)}) AS INTEGER) AS h`);
      await this.exec(sql`CREATE OR REPLACE TEMP TABLE cairn_repeated_rows AS
        SELECT * FROM ${files} WHERE id_hash IN (SELECT h FROM cairn_repeated)`);
      inserted = await this.exec(sql`INSERT INTO events SELECT ${columns} FROM ${files} s
        WHERE id_hash NOT IN (SELECT h FROM cairn_repeated) AND ${stored}`);
      inserted += await this.exec(sql`INSERT INTO events SELECT ${columns} FROM cairn_repeated_rows s
        WHERE ${stored} QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY file_no, line) = 1`);
      await this.conn.run('DROP TABLE cairn_repeated; DROP TABLE cairn_repeated_rows');
    }
    const fresh = sql`(SELECT * FROM events WHERE received_at = ${receivedAt})`;
    await this.exec(sql`INSERT INTO account_activity
      SELECT account_id, CAST(timestamp AS DATE) AS day, action, object, coalesce(place, '') AS place, sum(count) AS n
      FROM ${fresh} f GROUP BY 1, 2, 3, 4, 5`);
    await this.exec(sql`INSERT INTO users
      SELECT user_id, arg_min(account_id, timestamp), min(timestamp), '{}'
      FROM ${fresh} f WHERE user_id IS NOT NULL GROUP BY user_id
      ON CONFLICT (user_id) DO UPDATE SET first_seen = least(users.first_seen, excluded.first_seen),
        account_id = CASE WHEN users.account_id = '' THEN excluded.account_id ELSE users.account_id END`);
    return { inserted, duplicates: batch.rows - inserted };
  }

  /** A received_at strictly later than the previous load's, so it names one load. */
  private nextReceivedAt(): Date {
    this.lastReceivedAt = Math.max(Date.now(), this.lastReceivedAt + 1);
    return new Date(this.lastReceivedAt);
  }

  async insertEvents(events: readonly TrackedEvent[], source: string): Promise<WriteResult> {
    if (events.length === 0) return { inserted: 0, duplicates: 0 };
    return this.serialize(() => this.transaction(() => this.mergeEvents(events, source)));
  }

  /** Writes events held in memory through a batch file, inside the caller's transaction. */
  private async mergeEvents(events: readonly TrackedEvent[], source: string): Promise<WriteResult> {
    const dir = mkdtempSync(joinPath(tmpdir(), 'cairn-batch-'));
    try {
      const writer = new EventBatchWriter(joinPath(dir, 'events.tsv'));
      events.forEach((e, i) => writer.write(0, i, e));
      writer.close();
      return await this.mergeBatch({ files: [writer.path], rows: writer.rows, repeatedHashes: repeatedHashes(writer.hashes()) }, source);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  applyCollected(write: CollectedWrite): Promise<WriteResult> {
    return this.serialize(() =>
      this.transaction(async () => {
        const total: WriteResult = { inserted: 0, duplicates: 0 };
        for (const part of write.events) {
          const r = 'batch' in part ? await this.mergeBatch(part.batch, part.source) : await this.mergeEvents(part.events, part.source);
          total.inserted += r.inserted;
          total.duplicates += r.duplicates;
        }
        const refused = await this.patchAccounts(write.accounts, write.accountFacts ?? 'import');
        await this.patchUsers(write.users);
        await this.insertQuarantine([...write.quarantine, ...refused]);
        await this.insertViolations(write.violations);
        if (write.replayed?.length) await this.exec(sql`DELETE FROM quarantine WHERE id IN (SELECT unnest(${write.replayed.map(Number)}))`);
        if (write.checkpoint) await this.exec(sql`INSERT OR REPLACE INTO checkpoints VALUES (${write.checkpoint.name}, ${write.checkpoint.value})`);
        return total;
      }),
    );
  }

  private refreshes: Promise<unknown> = Promise.resolve();

  /** One process holds the file: refreshes queue in it, each with the next id. */
  withStatusRefresh<T>(work: (lease: StatusRefreshLease) => Promise<T>): Promise<T> {
    const run = this.refreshes.then(async () => {
      const [{ id }] = await this.query<{ id: string }>(sql`SELECT coalesce(max(id), 0) + 1 AS id FROM status_refreshes`);
      // A refresh is one transaction: none is ever left half written.
      return work({ id: Number(id), afterUnfinished: false });
    });
    this.refreshes = run.catch(() => undefined);
    return run;
  }

  applyStatusRefresh(write: StatusRefreshWrite): Promise<StatusRefreshResult> {
    return this.serialize(() =>
      this.transaction(async () => {
        const r = write.refresh;
        const [{ last }] = await this.query<{ last: string }>(sql`SELECT coalesce(max(id), 0) AS last FROM status_refreshes`);
        if (r.id <= Number(last)) throw new Error(`invalid status refresh id: ${r.id} (${last} is recorded already)`);
        const written = new Set(write.accounts.map((a) => a.account_id));
        if (write.replace === 'all') {
          await this.exec(sql`DELETE FROM account_status`);
          await this.exec(sql`DELETE FROM milestone_status`);
        } else if (write.replace.length > 0) {
          const text = { type: 'text' } as const;
          await this.exec(sql`CREATE OR REPLACE TEMP TABLE cairn_refreshed (account_id VARCHAR)`);
          await this.exec(sql`CREATE OR REPLACE TEMP TABLE cairn_refreshed_milestones (account_id VARCHAR, milestone VARCHAR)`);
          await this.appendRows('cairn_refreshed', [{ name: 'account_id', ...text }], write.replace.map((account_id) => ({ account_id })));
          await this.appendRows('cairn_refreshed_milestones', [{ name: 'account_id', ...text }, { name: 'milestone', ...text }], write.milestones.map((m) => ({ account_id: m.account_id, milestone: m.milestone })));
          await this.exec(sql`DELETE FROM account_status WHERE account_id IN (SELECT account_id FROM cairn_refreshed)`);
          await this.exec(sql`DELETE FROM milestone_status m USING cairn_refreshed_milestones r WHERE m.account_id = r.account_id AND m.milestone = r.milestone`);
          const gone = write.replace.filter((id) => !written.has(id));
          if (gone.length) await this.exec(sql`DELETE FROM milestone_status WHERE account_id IN (SELECT unnest(${gone}))`);
          await this.exec(sql`DROP TABLE cairn_refreshed`);
          await this.exec(sql`DROP TABLE cairn_refreshed_milestones`);
        }
        await this.appendTo('account_status', write.accounts);
        await this.appendTo('milestone_status', write.milestones.map((m) => ({ ...m, reached: m.reached ? 1 : 0 })));
        const now = Date.now();
        await this.appendTo('milestone_changes', write.changes.map((c, i) => ({ seq: changeSeq(r.id, i), ...c, recorded_at: now })));
        if (write.version) await this.appendTo('framework_versions', [{ ...write.version, recorded_at: now }]);
        const accounts = write.replace === 'all' ? write.accounts.length : write.replace.length;
        await this.appendTo('status_refreshes', [{ ...r, accounts, changes: write.changes.length, finished_at: now }]);
        if (write.checkpoint) await this.exec(sql`INSERT OR REPLACE INTO checkpoints VALUES (${write.checkpoint.name}, ${write.checkpoint.value})`);
        return { refresh: r.id, seq: changeSeqs(r.id, write.changes.length) };
      }),
    );
  }

  private leases = new Map<string, Promise<unknown>>();

  /** One process holds the file: a lease is a queue in it. */
  withLease<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (!LEASE_NAME.test(name)) return Promise.reject(new Error(`invalid lease name: ${name}`));
    const run = (this.leases.get(name) ?? Promise.resolve()).then(work, work);
    this.leases.set(name, run.catch(() => undefined));
    return run;
  }

  writeRows(table: RecordTable, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const key = 'key' in TABLES[table] ? (TABLES[table] as { key: readonly string[] }).key[0] : null;
    return this.serialize(() =>
      this.transaction(async () => {
        // The last row of a key wins, as if written one by one.
        const kept = key ? [...new Map(rows.map((r) => [String(r[key]), r])).values()] : rows;
        if (key) await this.exec(sql`DELETE FROM ${ident(table)} WHERE ${ident(key)} IN (SELECT unnest(${kept.map((r) => String(r[key]))}))`);
        await this.appendTo(table, kept);
      }),
    );
  }

  /** Appends rows to one of Cairn's tables with DuckDB's appender (many times faster than INSERT for thousands of rows). */
  private appendTo(table: TableName, rows: readonly object[]): Promise<void> {
    return this.appendRows(table, TABLES[table].columns, rows as readonly Record<string, unknown>[]);
  }

  private async appendRows(table: string, columns: readonly ColumnDef[], rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const appender = await this.conn.createAppender(table);
    try {
      for (let i = 0; i < rows.length; i++) {
        for (const c of columns) appendCell(appender, c, rows[i][c.name], table);
        appender.endRow();
        // Requests are served between slices of a large append (a status refresh writes 100,000 rows).
        if (i % APPEND_SLICE === APPEND_SLICE - 1) await setImmediate();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  async checkpoint(name: string): Promise<number | null> {
    const rows = await this.query<{ value: string }>(sql`SELECT value FROM checkpoints WHERE name = ${name}`);
    return rows.length ? Number(rows[0].value) : null;
  }

  /** Counts per day, source, event and reason, with the first example of each. */
  private async insertViolations(violations: readonly PlanViolation[]): Promise<void> {
    await this.insertRows(sql`INSERT INTO plan_violations`, groupViolations(violations), ({ v, day, n }) =>
      sql`(CAST(${day} AS DATE), ${v.source}, ${v.action}, ${v.object}, ${v.reason}, ${v.field}, ${n}, ${v.example})`,
    );
  }

  /** Writes the patched accounts; returns the calls refused, to be quarantined in the same transaction. */
  private async patchAccounts(patches: readonly AccountPatch[], authority: AccountFactsAuthority): Promise<QuarantineEntry[]> {
    if (patches.length === 0) return [];
    const { rows, refused } = await patchedAccounts(this, patches, authority);
    await this.insertRows(sql`INSERT OR REPLACE INTO accounts (${ACCOUNT_COLUMNS})`, rows, (a) => accountTuple(a, a.traits, a.factsSource));
    return refused;
  }

  /** Writes the patched users, and the moves between accounts. */
  private async patchUsers(patches: readonly UserPatch[]): Promise<void> {
    if (patches.length === 0) return;
    const { rows, moves } = await patchedUsers(this, patches);
    await this.insertRows(sql`INSERT OR REPLACE INTO users`, rows, (u) =>
      sql`(${u.userId}, ${u.accountId}, ${new Date(u.firstSeen)}, ${JSON.stringify(u.traits)})`,
    );
    await this.insertRows(sql`INSERT INTO user_account_changes`, moves, (m) =>
      sql`(${m.userId}, ${m.fromAccount}, ${m.toAccount}, ${m.source}, ${new Date(m.changedAt)})`,
    );
  }

  upsertAccounts(accounts: readonly Account[]): Promise<number> {
    // The last row for an id wins, as if the file were applied line by line.
    const rows = [...new Map(accounts.map((a) => [a.accountId, a])).values()];
    return this.serialize(() =>
      this.transaction(async () => {
        // The facts are replaced and marked as the file's; traits gathered from group calls stay.
        await this.insertRows(
          sql`INSERT INTO accounts (${ACCOUNT_COLUMNS})`,
          rows,
          (a) => accountTuple(a, {}, IMPORT_SOURCE),
          sql`ON CONFLICT (account_id) DO UPDATE SET name = excluded.name, created_at = excluded.created_at, plan = excluded.plan,
            seats = excluded.seats, churned_at = excluded.churned_at, facts_source = excluded.facts_source`,
        );
        return rows.length;
      }),
    );
  }

  upsertAccountHistory(history: readonly AccountHistoryRow[]): Promise<number> {
    const rows = [...new Map(history.map((h) => [`${h.accountId}\u0001${h.validFrom}`, h])).values()];
    return this.serialize(() =>
      this.transaction(async () => {
        await this.insertRows(sql`INSERT OR REPLACE INTO account_history`, rows, (h) =>
          sql`(${h.accountId}, ${new Date(h.validFrom)}, ${h.plan}, ${h.seats}, ${h.mrr}, ${h.status})`,
        );
        return rows.length;
      }),
    );
  }

  async append(table: AppendOnlyTable, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.serialize(() => this.transaction(() => this.appendTo(table, rows)));
  }

  addToQuarantine(entries: readonly QuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.serialize(() => this.transaction(() => this.insertQuarantine(entries)));
  }

  updateQuarantine(changes: readonly QuarantineChange[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    return this.serialize(() =>
      this.transaction(async () => {
        for (const c of changes) await this.exec(sql`UPDATE quarantine SET reason = ${c.reason}, field = ${c.field}, message = ${c.message} WHERE id = ${c.id}`);
      }),
    );
  }

  /** Payloads are redacted here too: imports keep raw lines, which may name a key. */
  private async insertQuarantine(entries: readonly QuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const [{ next }] = await this.query<{ next: string }>(sql`SELECT coalesce(max(id), 0) + 1 AS next FROM quarantine`);
    let id = Number(next);
    await this.insertRows(sql`INSERT INTO quarantine`, entries, (q) =>
      sql`(${id++}, ${new Date(q.receivedAt)}, ${q.kind}, ${q.source}, ${q.file}, ${q.line}, ${q.reason}, ${q.field}, ${q.message}, ${redactCredentials(q.payload)})`,
    );
  }

  /** Runs `insert VALUES … then` over the rows, INSERT_CHUNK tuples per statement. */
  private async insertRows<T>(insert: SqlFragment, rows: readonly T[], tuple: (row: T) => SqlFragment, then = sql``): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await this.exec(sql`${insert} VALUES ${join(rows.slice(i, i + INSERT_CHUNK).map(tuple))} ${then}`);
    }
  }

  stats(): Promise<StoreStats> {
    return readStats(this);
  }

  private closed: Promise<void> | null = null;

  /** Waits for the queued writes, then closes; calling it again is harmless. */
  close(): Promise<void> {
    return (this.closed ??= this.writes.then(() => {
      this.reader.closeSync();
      this.conn.closeSync();
      this.instance.closeSync();
    }));
  }
}

/** One value into the appender, as its column's type; a Date or epoch ms for timestamps, 'YYYY-MM-DD' for dates. */
function appendCell(appender: DuckDBAppender, c: ColumnDef, v: unknown, table: string): void {
  if (v === null || v === undefined) {
    if (!c.nullable) throw new Error(`invalid ${table} row: ${c.name} is required`);
    return appender.appendNull();
  }
  switch (c.type) {
    case 'text':
      return appender.appendVarchar(String(v));
    case 'json':
      return appender.appendVarchar(typeof v === 'string' ? v : JSON.stringify(v));
    case 'integer':
      return appender.appendInteger(Number(v));
    case 'bigint':
      return appender.appendBigInt(BigInt(v as number));
    case 'double':
      return appender.appendDouble(Number(v));
    case 'date':
      return appender.appendDate(new DuckDBDateValue(Math.round(Date.parse(`${String(v)}T00:00:00Z`) / 86_400_000)));
    case 'timestamp':
      return appender.appendTimestamp(new DuckDBTimestampValue(BigInt(v instanceof Date ? v.getTime() : Number(v)) * 1000n));
  }
}

/**
 * The store holds what clients sent: owner-only. DuckDB creates the file, its .wal and spill
 * files itself, whenever it needs them, so only the process umask reaches them; files an older
 * Cairn made readable by others are made private.
 */
function keepPrivate(path: string): void {
  if (isMainThread) process.umask(process.umask(0o077) | 0o077);
  for (const file of [path, `${path}.wal`]) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
}

const ACCOUNT_COLUMNS = raw('account_id, name, created_at, plan, seats, churned_at, traits, facts_source');

/** An accounts row as a VALUES tuple, in the order of ACCOUNT_COLUMNS. */
function accountTuple(a: Account, traits: Record<string, unknown>, factsSource: string | null): SqlFragment {
  return sql`(${a.accountId}, ${a.name}, ${new Date(a.createdAt)}, ${a.plan}, ${a.seats}, ${a.churnedAt === null ? null : new Date(a.churnedAt)}, ${JSON.stringify(traits)}, ${factsSource})`;
}
