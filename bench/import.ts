/**
 * bench/import: `cairn import events` against DuckDB's own `read_json` bulk load of the same
 * JSON-lines file into an equivalent table, at 1M and 10M demo events by default.
 *
 *   npm run bench -- import [--sizes 1000000,10000000] [--keep]
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { importEvents } from '../src/collect/index.js';
import { generateDemo } from '../src/demo/generate.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';

const DATA = new URL('./.data/', import.meta.url).pathname;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function removeDb(path: string) {
  await rm(path, { force: true });
  await rm(path + '.wal', { force: true });
}

/** Demo events as one JSON-lines file, generated once per size and kept for re-runs. */
async function eventsFile(size: number): Promise<string> {
  const dir = join(DATA, `demo-${size}`);
  const file = join(dir, 'data', 'events.jsonl');
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const t = performance.now();
  await generateDemo({ dir, seed: 1, accounts: 50_000, maxEvents: size, noise: true });
  console.log(`  generated ${size.toLocaleString('en-US')} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return file;
}

async function timeCairn(file: string, db: string) {
  await removeDb(db);
  const store = await DuckDbStore.open({ path: db });
  const t = performance.now();
  const r = await importEvents(store, [file], { now: Date.now() });
  const seconds = (performance.now() - t) / 1000;
  await store.close();
  return { seconds, lines: r.lines, imported: r.imported, duplicates: r.duplicates, quarantined: r.quarantined };
}

async function timeDuckDb(file: string, db: string) {
  await removeDb(db);
  const instance = await DuckDBInstance.create(db);
  const conn = await instance.connect();
  const t = performance.now();
  // The same columns the events table keeps; bad lines are skipped (DuckDB cannot quarantine them).
  const reader = await conn.runAndReadAll(`CREATE TABLE events AS SELECT * FROM read_json($1, format = 'newline_delimited',
    ignore_errors = true, columns = {message_id: 'VARCHAR', timestamp: 'TIMESTAMP', account_id: 'VARCHAR', user_id: 'VARCHAR',
    action: 'VARCHAR', object: 'VARCHAR', place: 'VARCHAR', metadata: 'JSON', count: 'INTEGER'})`, [file]);
  const seconds = (performance.now() - t) / 1000;
  const rows = Number((await conn.runAndReadAll('SELECT count(*) FROM events')).getRows()[0][0]);
  reader.getRows();
  conn.closeSync();
  instance.closeSync();
  return { seconds, rows };
}

export async function run(args: string[]): Promise<void> {
  const sizes = (option(args, 'sizes') ?? '1000000,10000000').split(',').map(Number);
  await mkdir(DATA, { recursive: true });
  console.log('bench/import: cairn import events vs DuckDB read_json of the same file');
  for (const size of sizes) {
    const file = await eventsFile(size);
    const { size: bytes } = await stat(file);
    const db = join(DATA, 'bench.duckdb');
    const duck = await timeDuckDb(file, db);
    const cairn = await timeCairn(file, db);
    await removeDb(db);
    const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
    console.log(`\n  ${cairn.lines.toLocaleString('en-US')} lines, ${(bytes / 1e6).toFixed(0)} MB`);
    console.log(`  duckdb read_json   ${duck.seconds.toFixed(2)} s  ${rate(duck.rows, duck.seconds)} events/s  (${duck.rows.toLocaleString('en-US')} rows)`);
    console.log(
      `  cairn import       ${cairn.seconds.toFixed(2)} s  ${rate(cairn.lines, cairn.seconds)} events/s  ` +
        `(${cairn.imported.toLocaleString('en-US')} stored, ${cairn.duplicates} duplicates, ${cairn.quarantined} quarantined)`,
    );
    console.log(`  ratio (cairn / duckdb, events/s)  ${(duck.seconds / cairn.seconds).toFixed(2)}×`);
  }
  if (!args.includes('--keep')) await rm(DATA, { recursive: true, force: true });
}
