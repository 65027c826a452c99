import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Account, AccountHistoryRow, QuarantineEntry, TrackedEvent } from '../../model/index.js';
import { EVENT_BATCH_COLUMNS, EventBatchWriter, RepeatedHashes, type EventBatch } from '../event-batch-file.js';
import { TABLES } from '../schema.js';
import { readStats } from '../stats-queries.js';
import { SqlFragment, join, raw, sql } from '../sql/fragment.js';
import type { Store, StoreStats, WriteResult } from '../store.js';
import { DuckDbDialect } from './duckdb-dialect.js';

export interface DuckDbStoreOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** DuckDB settings such as threads or memory_limit. */
  settings?: Record<string, string>;
}

const STAGE_COLUMNS = EVENT_BATCH_COLUMNS.map(([name, type]) => `'${name}': '${type === 'text' ? 'VARCHAR' : type.toUpperCase()}'`).join(', ');

/** Rows per multi-row INSERT for account facts and quarantine entries. */
const INSERT_CHUNK = 500;

/**
 * The embedded store: one DuckDB file in the workspace. DuckDB allows one writing process, so
 * this process is the single writer and the anti-join on message_id keeps ids unique.
 */
export class DuckDbStore implements Store {
  readonly dialect = new DuckDbDialect();
  private writes: Promise<unknown> = Promise.resolve();
  private lastReceivedAt = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    const instance = await DuckDBInstance.create(options.path, options.settings);
    const store = new DuckDbStore(instance, await instance.connect());
    await store.migrate();
    const [{ last }] = await store.query<{ last: string | null }>(sql`SELECT epoch_ms(max(received_at)) AS last FROM events`);
    store.lastReceivedAt = Number(last ?? 0);
    return store;
  }

  async migrate(): Promise<void> {
    for (const table of Object.values(TABLES)) await this.conn.run(this.dialect.createTable(table));
  }

  /** Writes run one after another: each is a transaction over several statements. */
  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work, work);
    this.writes = next.catch(() => undefined);
    return next;
  }

  /** Runs a statement; returns the rows it inserted, updated or deleted. */
  private async exec(fragment: SqlFragment): Promise<number> {
    const q = this.dialect.compile(fragment);
    return (await this.conn.run(q.text, q.params as never)).rowsChanged;
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

  async execute(fragment: SqlFragment): Promise<void> {
    await this.exec(fragment);
  }

  async query<T = Record<string, unknown>>(fragment: SqlFragment): Promise<T[]> {
    const q = this.dialect.compile(fragment);
    const reader = await this.conn.runAndReadAll(q.text, q.params as never);
    return reader.getRowObjectsJson() as T[];
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
    const stored = sql`NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = s.message_id)`;
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
      ON CONFLICT (user_id) DO UPDATE SET first_seen = least(users.first_seen, excluded.first_seen)`);
    return { inserted, duplicates: batch.rows - inserted };
  }

  /** A received_at strictly later than the previous load's, so it names one load. */
  private nextReceivedAt(): Date {
    this.lastReceivedAt = Math.max(Date.now(), this.lastReceivedAt + 1);
    return new Date(this.lastReceivedAt);
  }

  async insertEvents(events: readonly TrackedEvent[], source: string): Promise<WriteResult> {
    if (events.length === 0) return { inserted: 0, duplicates: 0 };
    const dir = mkdtempSync(joinPath(tmpdir(), 'cairn-batch-'));
    try {
      const writer = new EventBatchWriter(joinPath(dir, 'events.tsv'));
      events.forEach((e, i) => writer.write(0, i, e));
      writer.close();
      const repeated = new RepeatedHashes();
      repeated.add(writer.hashes());
      return await this.loadEventBatch({ files: [writer.path], rows: writer.rows, repeatedHashes: repeated.take() }, source);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  upsertAccounts(accounts: readonly Account[]): Promise<number> {
    // The last row for an id wins, as if the file were applied line by line.
    const rows = [...new Map(accounts.map((a) => [a.accountId, a])).values()];
    return this.serialize(() =>
      this.transaction(async () => {
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
          const values = rows.slice(i, i + INSERT_CHUNK).map(
            (a) => sql`(${a.accountId}, ${a.name}, ${new Date(a.createdAt)}, ${a.plan}, ${a.seats},
              ${a.churnedAt === null ? null : new Date(a.churnedAt)}, '{}')`,
          );
          await this.exec(sql`INSERT OR REPLACE INTO accounts VALUES ${join(values)}`);
        }
        return rows.length;
      }),
    );
  }

  upsertAccountHistory(history: readonly AccountHistoryRow[]): Promise<number> {
    const rows = [...new Map(history.map((h) => [`${h.accountId}\u0001${h.validFrom}`, h])).values()];
    return this.serialize(() =>
      this.transaction(async () => {
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
          const values = rows.slice(i, i + INSERT_CHUNK).map(
            (h) => sql`(${h.accountId}, ${new Date(h.validFrom)}, ${h.plan}, ${h.seats}, ${h.mrr}, ${h.status})`,
          );
          await this.exec(sql`INSERT OR REPLACE INTO account_history VALUES ${join(values)}`);
        }
        return rows.length;
      }),
    );
  }

  addToQuarantine(entries: readonly QuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.serialize(() =>
      this.transaction(async () => {
        const [{ next }] = await this.query<{ next: string }>(sql`SELECT coalesce(max(id), 0) + 1 AS next FROM quarantine`);
        let id = Number(next);
        for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
          const values = entries.slice(i, i + INSERT_CHUNK).map(
            (q) => sql`(${id++}, ${new Date(q.receivedAt)}, ${q.kind}, ${q.source}, ${q.file}, ${q.line},
              ${q.reason}, ${q.field}, ${q.message}, ${q.payload})`,
          );
          await this.exec(sql`INSERT INTO quarantine VALUES ${join(values)}`);
        }
      }),
    );
  }

  stats(): Promise<StoreStats> {
    return readStats(this);
  }

  async close(): Promise<void> {
    await this.writes;
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
