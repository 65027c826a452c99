/**
 * The engines every store-reading test runs on: a loop over ENGINES, so one test checks every
 * engine alike (Kysely's `for (const dialect of DIALECTS)`). Each `open()` gives a fresh,
 * empty store; `place()` a place whose data every `open()` of it shares (reopening).
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { Session } from 'chdb';
import { openClickHouseStore } from '../src/store/clickhouse/clickhouse-config.js';
import { createClient } from '@clickhouse/client';
import { chdbDriver, httpDriver, type ClickHouseDriver } from '../src/store/clickhouse/clickhouse-driver.js';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { sql, type Store } from '../src/store/index.js';
import { schemaV1 } from './store/clickhouse-schema-v1.js';
import { tempDir } from './tmp.js';

export interface TestEngine {
  readonly name: string;
  /** A fresh, empty store, closed when the test file ends. */
  open(): Promise<Store>;
  /** A new place for data: each `open()` opens a store on the same data (the caller closes it). */
  place(): Promise<{ open(options?: StoreTuning): Promise<Store> }>;
  /**
   * A place holding a store as the first Cairn on this engine left it (before facts_source,
   * user_account_changes and ids per source), with account acc_1 (Old, pro, 3 seats, created
   * 2025-01-01 12:00) and event e1 of it from source web.
   */
  earlierPlace(): Promise<{ open(): Promise<Store> }>;
}

/** Settings a test may shorten: how long a status refresh's claim lasts without a heartbeat (ClickHouse). */
export interface StoreTuning {
  statusLeaseMs?: number;
}

const EARLIER_CREATED = Date.UTC(2025, 0, 1, 12);
const EARLIER_EVENT = { messageId: 'e1', accountId: 'acc_1', userId: null, anonymousId: null, action: 'closed', object: 'conversation', place: null, metadata: {}, timestamp: EARLIER_CREATED, count: 1 };

/** Stores opened by `open()`, closed when the test file ends (wherever `open()` was called). */
const opened: Store[] = [];
after(() => Promise.all(opened.map((s) => s.close())));
const managed = (store: Store): Store => (opened.push(store), store);

const duckdb: TestEngine = {
  name: 'duckdb',
  async open() {
    return managed(await DuckDbStore.open({ path: ':memory:' }));
  },
  async place() {
    const path = join(await tempDir(), 'cairn.duckdb');
    return { open: () => DuckDbStore.open({ path }) };
  },
  async earlierPlace() {
    const place = await this.place();
    const store = await place.open();
    await store.upsertAccounts([{ accountId: 'acc_1', name: 'Old', createdAt: EARLIER_CREATED, plan: 'pro', seats: 3, churnedAt: null }]);
    await store.insertEvents([EARLIER_EVENT], 'web');
    // DuckDB's key never held the source (the anti-join checks ids): the rest is what an earlier Cairn lacked.
    await store.execute(sql`ALTER TABLE accounts DROP COLUMN facts_source`);
    await store.execute(sql`DROP TABLE user_account_changes`);
    await store.close();
    return place;
  },
};

/** Makes schema version 1 (test/store/clickhouse-schema-v1.ts) on every host, and writes acc_1 and e1 into it. */
async function earlierClickHouse(hosts: readonly ClickHouseDriver[], target: { database: string; cluster?: string }): Promise<void> {
  for (const host of hosts) for (const statement of schemaV1(target)) await host.command(statement, {});
  await hosts[0].insertTsv('accounts_data', ['account_id', 'name', 'created_at', 'plan', 'seats', 'churned_at', 'traits', 'version'], `acc_1\tOld\t${EARLIER_CREATED}\tpro\t3\t\\N\t{}\t1\n`);
  await hosts[0].insertTsv('events_data', ['message_id', 'account_id', 'action', 'object', 'metadata', 'timestamp', 'count', 'received_at', 'source'], `e1\tacc_1\tclosed\tconversation\t{}\t${EARLIER_CREATED}\t1\t${EARLIER_CREATED}\tweb\n`);
}

/** One chdb session per test process (chdb keeps one data folder per process); a database per store. */
let session: Promise<Session> | null = null;
let databases = 0;
function chdbSession(): Promise<Session> {
  session ??= mkdtemp(join(tmpdir(), 'cairn-chdb-')).then((dir) => {
    const s = new Session(dir);
    process.once('exit', () => {
      s.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return s;
  });
  return session;
}

const chdb: TestEngine = {
  name: 'clickhouse-chdb',
  async open() {
    const database = `cairn_test_${databases++}`;
    return managed(await ClickHouseStore.open({ driver: chdbDriver(await chdbSession(), database), database }));
  },
  async place() {
    const database = `cairn_test_${databases++}`;
    const s = await chdbSession();
    return { open: (options: StoreTuning = {}) => ClickHouseStore.open({ driver: chdbDriver(s, database), database, ...options }) };
  },
  async earlierPlace() {
    const database = `cairn_test_${databases++}`;
    const s = await chdbSession();
    await earlierClickHouse([chdbDriver(s, database)], { database });
    return { open: () => ClickHouseStore.open({ driver: chdbDriver(s, database), database }) };
  },
};

/** A ClickHouse server over HTTP (Debian's 18.16 in CI), when CAIRN_CLICKHOUSE_URL names one. */
const run = `${process.pid}_${Date.now() % 1_000_000}`;
function server(name: string, url: string, cluster?: { name: string; hosts: string[] }): TestEngine {
  const database = () => `cairn_test_${run}_${databases++}`;
  const connection = (db: string, options: StoreTuning = {}) => ({ url, database: db, ...(cluster ? { cluster: cluster.name, hosts: cluster.hosts } : {}), ...options });
  return {
    name,
    async open() {
      return managed(await openClickHouseStore(connection(database())));
    },
    async place() {
      const db = database();
      return { open: (options?: StoreTuning) => openClickHouseStore(connection(db, options)) };
    },
    async earlierPlace() {
      const db = database();
      const hosts = (cluster?.hosts ?? [url]).map((host) => createClient({ url: host }));
      try {
        for (const client of hosts) await client.command({ query: `CREATE DATABASE ${db}` });
      } finally {
        await Promise.all(hosts.map((c) => c.close()));
      }
      const drivers = (cluster?.hosts ?? [url]).map((host) => httpDriver(createClient({ url: host, database: db })));
      try {
        await earlierClickHouse(drivers, { database: db, cluster: cluster?.name });
      } finally {
        await Promise.all(drivers.map((d) => d.close()));
      }
      return { open: () => openClickHouseStore(connection(db)) };
    },
  };
}

/** The cluster's hosts (CAIRN_CLICKHOUSE_CLUSTER_URLS, comma-separated) and its name (CAIRN_CLICKHOUSE_CLUSTER). */
const clusterHosts = process.env.CAIRN_CLICKHOUSE_CLUSTER_URLS?.split(',').filter(Boolean) ?? [];
const clusterName = process.env.CAIRN_CLICKHOUSE_CLUSTER;

export const ENGINES: readonly TestEngine[] = [
  duckdb,
  chdb,
  ...(process.env.CAIRN_CLICKHOUSE_URL ? [server('clickhouse-server', process.env.CAIRN_CLICKHOUSE_URL)] : []),
  ...(clusterHosts.length && clusterName ? [server('clickhouse-cluster', clusterHosts[0], { name: clusterName, hosts: clusterHosts })] : []),
];

/** The engines in this process (DuckDB, chdb); the servers follow them. */
const IN_PROCESS = 2;

/**
 * `describe(title [engine], fn)` once per engine. `demo: true` marks a test that imports a
 * large demo (or stores of hundreds of accounts) to check statistics: it runs on the engines in
 * this process only, while the parity suite (test/parity) shows the servers give the same answers.
 */
export function describeEngines(title: string, fn: (engine: TestEngine) => void | Promise<void>, options: { timeout?: number; demo?: boolean } = {}): void {
  const { demo, ...describeOptions } = options;
  for (const engine of demo ? ENGINES.slice(0, IN_PROCESS) : ENGINES) describe(`${title} [${engine.name}]`, describeOptions, () => fn(engine));
}
