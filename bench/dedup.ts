/**
 * bench/dedup: the cost of scoping message ids to their source. Loads collector-sized
 * generations (200,000 events, 1% of them ids already stored) into a store already holding
 * N events from three sources, alternating a live source's load (the anti-join restricted to
 * that source and `import`) with an import's (the anti-join over every event: the SQL all
 * loads ran before ids were scoped), in the same run on the same store. Then the anti-join
 * alone, in three forms, against a generation's ids.
 *
 *   npm run bench -- dedup [--events 10000000] [--rounds 5]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrackedEvent } from '../src/model/index.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { EventBatchWriter, raw, repeatedHashes, sql, type EventBatch } from '../src/store/index.js';

const GENERATION = 200_000;
const T = Date.UTC(2026, 10, 20, 10);

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const event = (id: string, n: number): TrackedEvent => ({
  messageId: id, accountId: `acct-${n % 5000}`, userId: `u-${n % 40000}`, anonymousId: null,
  action: 'closed', object: 'conversation', place: 'inbox', metadata: { state: 'resolved' }, timestamp: T + n, count: 1,
});

function batchFile(path: string, ids: (i: number) => string, rows: number): EventBatch {
  const w = new EventBatchWriter(path);
  for (let i = 0; i < rows; i++) w.write(0, i, event(ids(i), i));
  w.close();
  return { files: [path], rows, repeatedHashes: repeatedHashes(w.hashes()) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(args: string[]): Promise<void> {
  const total = option(args, 'events', 10_000_000);
  const rounds = option(args, 'rounds', 5);
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-dedup-'));
  try {
    const store = await DuckDbStore.open({ path: join(dir, 'bench.duckdb') });
    const sources = ['web', 'backend', 'import'];
    for (let done = 0, part = 0; done < total; part++) {
      const rows = Math.min(1_000_000, total - done);
      await store.loadEventBatch(batchFile(join(dir, `fill-${part}.tsv`), (i) => `old-${done + i}`, rows), sources[part % 3]);
      done += rows;
    }
    console.log(`bench/dedup: ${GENERATION.toLocaleString('en-US')}-event loads into a store of ${total.toLocaleString('en-US')} events, ${rounds} rounds`);
    const times: Record<string, number[]> = { web: [], import: [] };
    for (let r = 0; r < rounds; r++) {
      for (const source of r % 2 === 0 ? ['web', 'import'] : ['import', 'web']) {
        // 1% of each load repeats ids already stored (retries), the rest are new.
        const batch = batchFile(join(dir, `${source}-${r}.tsv`), (i) => (i % 100 === 0 ? `old-${(r * 7919 + i) % total}` : `${source}-${r}-${i}`), GENERATION);
        const t = performance.now();
        const res = await store.loadEventBatch(batch, source);
        times[source].push((performance.now() - t) / 1000);
        if (res.inserted + res.duplicates !== GENERATION) throw new Error('rows lost');
      }
    }
    const scoped = median(times.web);
    const all = median(times.import);
    const list = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(', ');
    console.log(`  live source (scoped anti-join)  median ${scoped.toFixed(3)} s  (${list(times.web)})`);
    console.log(`  import (every event, as before) median ${all.toFixed(3)} s  (${list(times.import)})`);
    console.log(`  ratio (scoped / before)  ${(scoped / all).toFixed(2)}×`);

    // The anti-join alone: the store's form unscoped and scoped, and DuckDB's ANTI JOIN scoped.
    await store.execute(sql`CREATE TEMP TABLE bench_ids AS SELECT CASE WHEN range % 100 = 0 THEN 'old-' || (range * 37 % ${total}) ELSE 'new-' || range END AS message_id FROM range(${GENERATION})`);
    const forms: Record<string, string> = {
      'NOT EXISTS, every event': 'SELECT count(*) AS n FROM bench_ids s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = s.message_id)',
      'NOT EXISTS, source scoped (used)': "SELECT count(*) AS n FROM bench_ids s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = s.message_id AND e.source IN ('web', 'import'))",
      'ANTI JOIN, source scoped': "SELECT count(*) AS n FROM bench_ids s ANTI JOIN (SELECT message_id FROM events WHERE source IN ('web', 'import')) e ON e.message_id = s.message_id",
    };
    const alone: Record<string, number[]> = {};
    for (let r = 0; r < rounds; r++) {
      for (const [name, text] of Object.entries(forms)) {
        const t = performance.now();
        await store.query(sql`${raw(text)}`);
        (alone[name] ??= []).push((performance.now() - t) / 1000);
      }
    }
    await store.close();
    console.log('  the anti-join alone, a generation of ids against the store:');
    for (const [name, xs] of Object.entries(alone)) console.log(`    ${name.padEnd(34)} median ${median(xs).toFixed(3)} s  (${list(xs)})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
