import { Readable } from 'node:stream';

/**
 * How the ClickHouse store reaches a server: run a statement, read rows, bulk-insert
 * tab-separated text. Two implementations below, over structural types of the libraries
 * (Kysely's way with `pg`): `@clickhouse/client` over HTTP, and `chdb` in process (tests,
 * benchmarks). Settings every statement needs are the driver's to apply.
 */
export interface ClickHouseDriver {
  /** Runs a statement whose rows are not wanted. */
  command(query: string, params: Readonly<Record<string, unknown>>): Promise<void>;
  /** Runs a read; rows as objects (JSONEachRow: 64-bit integers as text). */
  query<T>(query: string, params: Readonly<Record<string, unknown>>): Promise<T[]>;
  /** Runs a read; values column by column, by name, every column named even when no row is (JSONCompact). */
  queryColumns(query: string, params: Readonly<Record<string, unknown>>): Promise<Record<string, unknown[]>>;
  /** Inserts tab-separated rows (ClickHouse escaping) into the columns of a table. */
  insertTsv(table: string, columns: readonly string[], rows: Readable | string): Promise<void>;
  close(): Promise<void>;
}

/** Settings every Cairn statement runs with (the ones an 18.16 server knows too). */
export const SESSION_SETTINGS = {
  // LEFT JOIN fills missing rows with NULL, as DuckDB does (not the type's default).
  join_use_nulls: 1,
  // A subquery over a Distributed table inside IN or JOIN reads each shard's local table:
  // data is sharded by account, so per-account joins stay on their shard.
  distributed_product_mode: 'local',
  // An INSERT into a Distributed table returns once every shard has the rows.
  insert_distributed_sync: 1,
  // 64-bit integers as JSON text, as DuckDB returns them (and as 18.16 does by default).
  output_format_json_quote_64bit_integers: 1,
  // Inlined bound values (servers without query parameters) can make long statements.
  max_query_size: String(256 << 20),
} as const satisfies Record<string, string | number>;

/** The part of `@clickhouse/client`'s client the store uses. */
export interface ClickHouseClientLike {
  command(params: { query: string; query_params?: Record<string, unknown>; clickhouse_settings?: typeof SESSION_SETTINGS }): Promise<unknown>;
  query(params: {
    query: string;
    format: 'JSONEachRow' | 'JSONCompact';
    query_params?: Record<string, unknown>;
    clickhouse_settings?: typeof SESSION_SETTINGS;
  }): Promise<{ json(): Promise<unknown> }>;
  insert(params: { table: string; values: Readable; format: 'TabSeparated'; columns?: [string, ...string[]]; clickhouse_settings?: typeof SESSION_SETTINGS }): Promise<unknown>;
  close(): Promise<void>;
}

/** A result in ClickHouse's JSONCompact format: the columns' names, then each row as an array. */
interface CompactResult {
  meta: { name: string }[];
  data: unknown[][];
}

function columnsOf(result: CompactResult): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  result.meta.forEach((m, j) => (out[m.name] = result.data.map((row) => row[j])));
  return out;
}

/** A driver over HTTP (`@clickhouse/client`). */
export function httpDriver(client: ClickHouseClientLike): ClickHouseDriver {
  const settings = { ...SESSION_SETTINGS };
  const params = (p: Readonly<Record<string, unknown>>) => (Object.keys(p).length ? { query_params: { ...p } } : {});
  return {
    async command(query, p) {
      await client.command({ query, ...params(p), clickhouse_settings: settings });
    },
    async query<T>(query: string, p: Readonly<Record<string, unknown>>) {
      const result = await client.query({ query, format: 'JSONEachRow', ...params(p), clickhouse_settings: settings });
      return (await result.json()) as T[];
    },
    async queryColumns(query, p) {
      const result = await client.query({ query, format: 'JSONCompact', ...params(p), clickhouse_settings: settings });
      return columnsOf((await result.json()) as CompactResult);
    },
    async insertTsv(table, columns, rows) {
      const values = typeof rows === 'string' ? Readable.from([Buffer.from(rows)], { objectMode: false }) : rows;
      await client.insert({ table, values, format: 'TabSeparated', columns: columns as [string, ...string[]], clickhouse_settings: settings });
    },
    close: () => client.close(),
  };
}

/** The part of chdb's `Session` the store uses. */
export interface ChdbSessionLike {
  queryBindAsync(query: string, params: object, opts: { format: string }): Promise<{ text(): string }>;
  insert(params: { table: string; values: NodeJS.ReadableStream; format: 'TabSeparated'; columns?: readonly string[] }): Promise<unknown>;
  close(): void;
}

/** Per chdb session: the one queue its statements wait in, and the database it is in. */
const sessions = new WeakMap<ChdbSessionLike, { queue: Promise<unknown>; database: string | null; settings: boolean }>();

/**
 * A driver over chdb: current ClickHouse in this process (one data folder per process). Several
 * stores may share a session, each in its own database: statements run one at a time, each
 * after a `USE` of its store's database.
 */
export function chdbDriver(session: ChdbSessionLike, database: string): ClickHouseDriver {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`invalid database name: ${database}`);
  const state = sessions.get(session) ?? { queue: Promise.resolve(), database: null, settings: false };
  sessions.set(session, state);
  const run = (statement: string, params: object = {}, format = 'TabSeparated') => session.queryBindAsync(statement, params, { format });
  let created = false;
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = state.queue.then(async () => {
      if (!state.settings) {
        // A session keeps what SET says for every later statement.
        for (const [k, v] of Object.entries(SESSION_SETTINGS)) {
          if (k !== 'insert_distributed_sync') await run(`SET ${k} = ${typeof v === 'string' ? `'${v}'` : v}`);
        }
        state.settings = true;
      }
      if (!created) {
        await run(`CREATE DATABASE IF NOT EXISTS ${database}`);
        created = true;
      }
      if (state.database !== database) {
        await run(`USE ${database}`);
        state.database = database;
      }
      return work();
    });
    state.queue = next.catch(() => undefined);
    return next;
  };
  return {
    command: (query, p) => serial(async () => void (await run(query, p))),
    query: <T>(query: string, p: Readonly<Record<string, unknown>>) =>
      serial(async () => {
        const text = (await run(query, p, 'JSONEachRow')).text();
        const rows: T[] = [];
        for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line) as T);
        return rows;
      }),
    queryColumns: (query, p) => serial(async () => columnsOf(JSON.parse((await run(query, p, 'JSONCompact')).text()) as CompactResult)),
    insertTsv: (table, columns, rows) =>
      serial(async () => void (await session.insert({ table: `${database}.${table}`, values: typeof rows === 'string' ? Readable.from([rows]) : rows, format: 'TabSeparated', columns }))),
    // The session outlives the store: its owner closes it.
    close: () => serial(async () => undefined),
  };
}
