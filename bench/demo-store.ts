/** Shared by the benchmarks: command-line options, demo stores built once under bench/.data and kept, and clean-up. */
import { createClient } from '@clickhouse/client';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { importAccountHistory, importAccounts, importEvents } from '../src/collect/index.js';
import { generateDemo, type DemoOptions } from '../src/demo/generate.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';

export const DATA = new URL('./.data/', import.meta.url).pathname;

export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The DuckDB file `bench/.data/<name>.duckdb` holding the demo generated with `opts`; built on first use. */
export async function demoStore(name: string, opts: Omit<DemoOptions, 'dir'>): Promise<string> {
  await mkdir(DATA, { recursive: true });
  const db = join(DATA, `${name}.duckdb`);
  if (existsSync(db)) return db;
  const dir = join(DATA, name);
  const t = performance.now();
  const demo = await generateDemo({ ...opts, dir });
  const store = await DuckDbStore.open({ path: db });
  await importAccounts(store, demo.files.accounts);
  await importAccountHistory(store, demo.files.accountHistory);
  await importEvents(store, demo.files.events);
  await store.close();
  await rm(dir, { recursive: true, force: true });
  console.log(`  built ${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return db;
}

/** Drops a ClickHouse database a benchmark made, on every host named. */
export async function dropClickHouseDatabase(urls: readonly string[], database: string): Promise<void> {
  for (const url of urls) {
    const client = createClient({ url });
    try {
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    } finally {
      await client.close();
    }
  }
}
