/**
 * bench/clickhouse: the same demo events imported, then all milestones of the seed framework
 * and discovery, on DuckDB (the baseline) and on ClickHouse: in process (chdb, current
 * ClickHouse), and on the servers named by CAIRN_CLICKHOUSE_URL (one server) and
 * CAIRN_CLICKHOUSE_CLUSTER_URLS + CAIRN_CLICKHOUSE_CLUSTER (2 shards), in one run. Checks that
 * every engine's milestones agree with DuckDB's and prints times and ratios.
 *
 *   npm run bench -- clickhouse [--events 1000000] [--engines duckdb,chdb,server,cluster] [--no-discover]
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Session } from 'chdb';
import { importAccountHistory, importAccounts, importEvents } from '../src/collect/index.js';
import { loadMilestones, HELPDESK_DIR } from '../src/config/index.js';
import { generateDemo } from '../src/demo/index.js';
import { discover } from '../src/discover/index.js';
import { computeMilestones } from '../src/milestones/index.js';
import { openClickHouseStore } from '../src/store/clickhouse/clickhouse-config.js';
import { chdbDriver } from '../src/store/clickhouse/clickhouse-driver.js';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import type { Store } from '../src/store/index.js';
import { DATA, option } from './demo-store.js';

const AS_OF = '2026-10-31';

interface Row {
  engine: string;
  importS: number;
  milestonesS: number;
  discoverS: number | null;
  agrees: boolean | null;
}

const seconds = async (work: () => Promise<unknown>) => {
  const t = performance.now();
  await work();
  return (performance.now() - t) / 1000;
};

export async function run(args: string[]): Promise<void> {
  const events = Number(option(args, 'events') ?? 1_000_000);
  const wanted = (option(args, 'engines') ?? 'duckdb,chdb,server,cluster').split(',');
  const withDiscovery = !args.includes('--no-discover');
  const run = `${Date.now() % 1_000_000}`;
  await mkdir(DATA, { recursive: true });

  // The demo files, generated once per size and kept.
  const dir = join(DATA, `clickhouse-${events}`);
  const files = { accounts: join(dir, 'data/accounts.csv'), accountHistory: join(dir, 'data/account-history.csv'), events: [join(dir, 'data/events.jsonl'), join(dir, 'data/events-late.jsonl')] };
  if (!existsSync(files.events[0])) await generateDemo({ dir, seed: 3, accounts: 50_000, maxEvents: events });

  const engines: { name: string; open: () => Promise<Store> }[] = [];
  const duckPath = join(DATA, `clickhouse-bench-${run}.duckdb`);
  if (wanted.includes('duckdb')) engines.push({ name: 'DuckDB', open: () => DuckDbStore.open({ path: duckPath }) });
  if (wanted.includes('chdb')) {
    const session = new Session(join(DATA, `chdb-${run}`));
    engines.push({ name: 'ClickHouse (chdb, in process)', open: () => ClickHouseStore.open({ driver: chdbDriver(session, 'bench'), database: 'bench' }) });
  }
  const url = process.env.CAIRN_CLICKHOUSE_URL;
  if (url && wanted.includes('server')) engines.push({ name: 'ClickHouse server', open: () => openClickHouseStore({ url, database: `bench_${run}_single` }) });
  const hosts = process.env.CAIRN_CLICKHOUSE_CLUSTER_URLS?.split(',');
  const cluster = process.env.CAIRN_CLICKHOUSE_CLUSTER;
  if (hosts && cluster && wanted.includes('cluster')) {
    engines.push({ name: 'ClickHouse 2 shards', open: () => openClickHouseStore({ url: hosts[0], database: `bench_${run}_cluster`, cluster, hosts }) });
  }

  const framework = await loadMilestones(join(HELPDESK_DIR, 'milestones.yaml'));
  console.log(`bench clickhouse: ${events.toLocaleString('en-US')} demo events (seed 3), milestones as of ${AS_OF}${withDiscovery ? ', discovery' : ''}`);
  const rows: Row[] = [];
  let reference: unknown = null;
  try {
    for (const engine of engines) {
      const store = await engine.open();
      try {
        let imported = 0;
        const importS = await seconds(async () => {
          await importAccounts(store, files.accounts);
          await importAccountHistory(store, files.accountHistory);
          imported = (await importEvents(store, files.events)).imported;
        });
        // One warm-up, then the best of two.
        const report = await computeMilestones(store, framework, AS_OF);
        const milestonesS = Math.min(await seconds(() => computeMilestones(store, framework, AS_OF)), await seconds(() => computeMilestones(store, framework, AS_OF)));
        const discoverS = withDiscovery
          ? await seconds(() => discover(store, { asOf: AS_OF, retention: { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 }, current: framework, seed: 1 }))
          : null;
        reference ??= report;
        rows.push({ engine: engine.name, importS, milestonesS, discoverS, agrees: reference === report ? null : isDeepStrictEqual(report, reference) });
        console.log(`  ${engine.name}: ${imported.toLocaleString('en-US')} events imported in ${importS.toFixed(1)} s`);
      } finally {
        await store.close();
      }
    }
  } finally {
    await rm(duckPath, { force: true });
    await rm(`${duckPath}.wal`, { force: true });
    await rm(join(DATA, `chdb-${run}`), { recursive: true, force: true });
  }

  const base = rows[0];
  const ratio = (v: number | null, b: number | null) => (v === null || b === null ? '—' : `${(v / b).toFixed(2)}×`);
  console.log(`\n  ${'engine'.padEnd(30)} ${'import'.padStart(9)} ${'events/s'.padStart(9)} ${'milestones'.padStart(11)} ${'ratio'.padStart(6)} ${'discovery'.padStart(10)} ${'ratio'.padStart(6)}  agrees`);
  for (const r of rows) {
    console.log(
      `  ${r.engine.padEnd(30)} ${`${r.importS.toFixed(1)} s`.padStart(9)} ${Math.round(events / r.importS).toLocaleString('en-US').padStart(9)} ${`${r.milestonesS.toFixed(2)} s`.padStart(11)} ${ratio(r.milestonesS, base.milestonesS).padStart(6)} ` +
        `${(r.discoverS === null ? '—' : `${r.discoverS.toFixed(1)} s`).padStart(10)} ${ratio(r.discoverS, base.discoverS).padStart(6)}  ${r.agrees === null ? 'reference' : r.agrees ? 'yes' : 'NO'}`,
    );
  }
}
