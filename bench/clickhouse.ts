/**
 * bench/clickhouse: the same demo events imported, then all milestones of the seed framework
 * and discovery, on DuckDB (the baseline) and on ClickHouse: in process (chdb, current
 * ClickHouse), and on the servers named by CAIRN_CLICKHOUSE_URL (one server) and
 * CAIRN_CLICKHOUSE_CLUSTER_URLS + CAIRN_CLICKHOUSE_CLUSTER (2 shards), in one run. Checks that
 * every engine's milestones agree with DuckDB's and prints times and ratios. Every engine
 * imports first, then the milestone passes alternate between the engines (--rounds of them), so
 * a load that swings on a shared machine falls on every engine alike. The run's server
 * databases are dropped at the end unless --keep.
 *
 *   npm run bench -- clickhouse [--events 1000000] [--engines duckdb,chdb,server,cluster] [--rounds 3] [--no-discover] [--keep]
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Session } from 'chdb';
import { importAccountHistory, importAccounts, importEvents } from '../src/collect/index.js';
import { loadMilestones, HELPDESK_DIR } from '../src/config/index.js';
import { generateDemo } from '../src/demo/index.js';
import { discover } from '../src/discover/index.js';
import { computeMilestones, type MilestoneReport } from '../src/milestones/index.js';
import { openClickHouseStore } from '../src/store/clickhouse/clickhouse-config.js';
import { chdbDriver } from '../src/store/clickhouse/clickhouse-driver.js';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import type { Store } from '../src/store/index.js';
import { DATA, dropClickHouseDatabase, option } from './demo-store.js';

const AS_OF = '2026-10-31';

interface Engine {
  name: string;
  open: () => Promise<Store>;
  /** Drops what the run made (server databases), unless --keep. */
  drop: () => Promise<void>;
}

interface Row {
  engine: string;
  importS: number;
  /** Milestone passes, seconds, in round order. */
  milestones: number[];
  discoverS: number | null;
  agrees: boolean | null;
}

const seconds = async (work: () => Promise<unknown>) => {
  const t = performance.now();
  await work();
  return (performance.now() - t) / 1000;
};

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

export async function run(args: string[]): Promise<void> {
  const events = Number(option(args, 'events') ?? 1_000_000);
  const wanted = (option(args, 'engines') ?? 'duckdb,chdb,server,cluster').split(',');
  const rounds = Number(option(args, 'rounds') ?? 3);
  const withDiscovery = !args.includes('--no-discover');
  const keep = args.includes('--keep');
  const run = `${Date.now() % 1_000_000}`;
  await mkdir(DATA, { recursive: true });

  // The demo files, generated once per size and kept.
  const dir = join(DATA, `clickhouse-${events}`);
  const files = { accounts: join(dir, 'data/accounts.csv'), accountHistory: join(dir, 'data/account-history.csv'), events: [join(dir, 'data/events.jsonl'), join(dir, 'data/events-late.jsonl')] };
  if (!existsSync(files.events[0])) await generateDemo({ dir, seed: 3, accounts: 50_000, maxEvents: events });

  const engines: Engine[] = [];
  const duckPath = join(DATA, `clickhouse-bench-${run}.duckdb`);
  const chdbPath = join(DATA, `chdb-${run}`);
  const remove = (...paths: string[]) => async () => {
    for (const path of paths) await rm(path, { recursive: true, force: true });
  };
  if (wanted.includes('duckdb')) engines.push({ name: 'DuckDB', open: () => DuckDbStore.open({ path: duckPath }), drop: remove(duckPath, `${duckPath}.wal`) });
  if (wanted.includes('chdb')) {
    const session = new Session(chdbPath);
    engines.push({ name: 'ClickHouse (chdb, in process)', open: () => ClickHouseStore.open({ driver: chdbDriver(session, 'bench'), database: 'bench' }), drop: remove(chdbPath) });
  }
  const url = process.env.CAIRN_CLICKHOUSE_URL;
  if (url && wanted.includes('server')) {
    const database = `bench_${run}_single`;
    engines.push({ name: 'ClickHouse server', open: () => openClickHouseStore({ url, database }), drop: () => dropClickHouseDatabase([url], database) });
  }
  const hosts = process.env.CAIRN_CLICKHOUSE_CLUSTER_URLS?.split(',');
  const cluster = process.env.CAIRN_CLICKHOUSE_CLUSTER;
  if (hosts && cluster && wanted.includes('cluster')) {
    const database = `bench_${run}_cluster`;
    engines.push({ name: 'ClickHouse 2 shards', open: () => openClickHouseStore({ url: hosts[0], database, cluster, hosts }), drop: () => dropClickHouseDatabase(hosts, database) });
  }

  const framework = await loadMilestones(join(HELPDESK_DIR, 'milestones.yaml'));
  console.log(`bench clickhouse: ${events.toLocaleString('en-US')} demo events (seed 3), milestones as of ${AS_OF}${withDiscovery ? ', discovery' : ''}; load average ${load()}`);
  const rows: Row[] = [];
  const stores: Store[] = [];
  try {
    // Every engine imports first; then the milestone passes alternate between engines, so each
    // round sees the machine's load alike (it swings on a shared machine).
    for (const engine of engines) {
      const store = await engine.open();
      stores.push(store);
      let imported = 0;
      const importS = await seconds(async () => {
        await importAccounts(store, files.accounts);
        await importAccountHistory(store, files.accountHistory);
        imported = (await importEvents(store, files.events)).imported;
      });
      rows.push({ engine: engine.name, importS, milestones: [], discoverS: null, agrees: null });
      console.log(`  ${engine.name}: ${imported.toLocaleString('en-US')} events imported in ${importS.toFixed(1)} s; load average ${load()}`);
    }
    // One warm-up pass each, whose reports are compared with DuckDB's, then the timed rounds.
    const reports: MilestoneReport[] = [];
    for (const store of stores) reports.push(await computeMilestones(store, framework, AS_OF));
    rows.forEach((r, i) => (r.agrees = i === 0 ? null : isDeepStrictEqual(reports[i], reports[0])));
    for (let round = 0; round < rounds; round++) {
      for (const [i, store] of stores.entries()) rows[i].milestones.push(await seconds(() => computeMilestones(store, framework, AS_OF)));
      console.log(`  milestones round ${round + 1}: ${rows.map((r) => `${r.milestones[round].toFixed(2)} s`).join(', ')}; load average ${load()}`);
    }
    if (withDiscovery) {
      for (const [i, store] of stores.entries()) {
        rows[i].discoverS = await seconds(() =>
          discover(store, { asOf: AS_OF, retention: { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 }, current: framework, seed: 1 }),
        );
        console.log(`  ${rows[i].engine}: discovery ${rows[i].discoverS!.toFixed(1)} s; load average ${load()}`);
      }
    }
  } finally {
    for (const store of stores) await store.close();
    if (!keep) for (const engine of engines) await engine.drop();
    else console.log(`  kept: ${duckPath}, ${chdbPath}, databases bench_${run}_single and bench_${run}_cluster`);
  }

  const base = rows[0];
  const ratio = (v: number | null, b: number | null) => (v === null || b === null ? '—' : `${(v / b).toFixed(2)}×`);
  const best = (r: Row) => Math.min(...r.milestones);
  console.log(`\n  milestones: the best and the median of ${rounds} alternated rounds; ratios to ${base.engine}'s`);
  console.log(
    `  ${'engine'.padEnd(30)} ${'import'.padStart(9)} ${'events/s'.padStart(9)} ${'best'.padStart(8)} ${'ratio'.padStart(6)} ${'median'.padStart(8)} ${'ratio'.padStart(6)} ${'discovery'.padStart(10)} ${'ratio'.padStart(6)}  agrees`,
  );
  for (const r of rows) {
    console.log(
      `  ${r.engine.padEnd(30)} ${`${r.importS.toFixed(1)} s`.padStart(9)} ${Math.round(events / r.importS).toLocaleString('en-US').padStart(9)} ` +
        `${`${best(r).toFixed(2)} s`.padStart(8)} ${ratio(best(r), best(base)).padStart(6)} ${`${median(r.milestones).toFixed(2)} s`.padStart(8)} ${ratio(median(r.milestones), median(base.milestones)).padStart(6)} ` +
        `${(r.discoverS === null ? '—' : `${r.discoverS.toFixed(1)} s`).padStart(10)} ${ratio(r.discoverS, base.discoverS).padStart(6)}  ${r.agrees === null ? 'reference' : r.agrees ? 'yes' : 'NO'}`,
    );
  }
}
