/**
 * bench/outcomes: an outcome report over a demo of N accounts with the three planted launches,
 * each report timed end to end (ledger, gate, funnel, all four designs, verdict), against a
 * hand-written baseline on the same store: the one aggregate a report cannot do without, each
 * account's outcome over its window from exposure, in a single DuckDB statement. With
 * `--engines`, the same reports on ClickHouse (chdb in process; the servers named by
 * CAIRN_CLICKHOUSE_URL and CAIRN_CLICKHOUSE_CLUSTER_URLS), each against DuckDB's report and
 * checked equal to it; their stores are copied from the DuckDB one as `cairn migrate` copies.
 *
 *   npm run bench -- outcomes [--accounts 20000] [--runs 3] [--engines duckdb,chdb,server,cluster]
 *
 * The DuckDB store (bench/.data/outcomes-N.duckdb), the launch files and chdb's copy are built on
 * first use and kept; the servers' databases are dropped at the end.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createClient } from '@clickhouse/client';
import { Session } from 'chdb';
import { importAccountHistory, importAccounts, importEvents } from '../src/collect/index.js';
import { loadLaunches, parseMilestones, parseTrackingPlan, HELPDESK_DIR, type Launch } from '../src/config/index.js';
import { generateDemo } from '../src/demo/generate.js';
import { buildOutcomeReport, launchesPage, type OutcomeReport } from '../src/outcomes/index.js';
import { openClickHouseStore } from '../src/store/clickhouse/clickhouse-config.js';
import { chdbDriver } from '../src/store/clickhouse/clickhouse-driver.js';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { COPIED_TABLES, copyCounts, exportRows, raw, sql, type RestoringStore, type Store } from '../src/store/index.js';
import { DATA, option } from './demo-store.js';

const AT = '2026-10-31';

async function build(accounts: number): Promise<{ db: string; dir: string }> {
  const dir = join(DATA, `outcomes-${accounts}`);
  const db = join(DATA, `outcomes-${accounts}.duckdb`);
  if (existsSync(db)) return { db, dir };
  await mkdir(dir, { recursive: true });
  const t = performance.now();
  const demo = await generateDemo({ dir, seed: 5, accounts, months: 30, launches: true });
  const plan = parseTrackingPlan(await readFile(join(HELPDESK_DIR, 'tracking-plan.yaml'), 'utf8'));
  const store = await DuckDbStore.open({ path: db });
  await importAccounts(store, demo.files.accounts);
  await importAccountHistory(store, demo.files.accountHistory);
  await importEvents(store, demo.files.events, { plan });
  await store.close();
  await rm(join(dir, 'data'), { recursive: true, force: true });
  console.log(`  built outcomes-${accounts}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { db, dir };
}

/** Per account: exposure day, and the outcome's matching events in the 30 days from it (or churn by day 90). */
async function baseline(store: Store, launch: Launch): Promise<number> {
  const start = launch.config.launched_at!;
  const m = launch.config.outcome!.metric;
  if (m.kind === 'count') {
    const rows = await store.query(sql`SELECT count(*) AS n, avg(events) AS mean FROM (
      SELECT a.account_id, coalesce(sum(r.n), 0) AS events
      FROM (SELECT account_id, greatest(CAST(created_at AS DATE), CAST(${start} AS DATE)) AS e FROM accounts) a
      LEFT JOIN account_activity r ON r.account_id = a.account_id AND r.action = ${m.when.action} AND r.object = ${m.when.object}
        AND r.day >= a.e AND r.day < a.e + ${raw(String(m.within_days))}
      WHERE a.e + ${raw(String(m.within_days))} <= CAST(${AT} AS DATE) GROUP BY a.account_id) t`);
    return Number(rows[0].n);
  }
  const days = m.kind === 'retention' ? m.days : 90;
  const rows = await store.query(sql`SELECT count(*) AS n, avg(CASE WHEN churned_at IS NULL OR CAST(churned_at AS DATE) > e + ${raw(String(days))} THEN 1 ELSE 0 END) AS kept
    FROM (SELECT churned_at, greatest(CAST(created_at AS DATE), CAST(${start} AS DATE)) AS e FROM accounts) a
    WHERE e + ${raw(String(days))} <= CAST(${AT} AS DATE) AND (churned_at IS NULL OR CAST(churned_at AS DATE) > e)`);
  return Number(rows[0].n);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall time and process CPU time (user + system, DuckDB's threads included) over `runs`, after a warm-up. */
async function time<T>(runs: number, work: () => Promise<T>): Promise<{ ms: number; cpuMs: number; result: T }> {
  let result = await work();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    result = await work();
    const used = process.cpuUsage(c);
    times.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  return { ms: median(times), cpuMs: median(cpu), result };
}

interface Engine {
  name: string;
  open(): Promise<Store>;
  /** After the run: closes chdb's session, drops a server's database. */
  finish?(): Promise<void>;
}

/** The ClickHouse engines asked for, each on a store of the bench's own. */
function clickHouseEngines(wanted: readonly string[], accounts: number): Engine[] {
  const out: Engine[] = [];
  const database = `bench_outcomes_${accounts}`;
  if (wanted.includes('chdb')) {
    let session: Session | null = null;
    out.push({
      name: 'chdb',
      open: () => ClickHouseStore.open({ driver: chdbDriver((session ??= new Session(join(DATA, `outcomes-${accounts}-chdb`))), 'bench'), database: 'bench' }),
      finish: async () => session?.close(),
    });
  }
  const dropOn = (hosts: readonly string[]) => async () => {
    for (const url of hosts) {
      const client = createClient({ url });
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).finally(() => client.close());
    }
  };
  const url = process.env.CAIRN_CLICKHOUSE_URL;
  if (url && wanted.includes('server')) out.push({ name: 'server 18.16', open: () => openClickHouseStore({ url, database }), finish: dropOn([url]) });
  const hosts = process.env.CAIRN_CLICKHOUSE_CLUSTER_URLS?.split(',');
  const cluster = process.env.CAIRN_CLICKHOUSE_CLUSTER;
  if (hosts && cluster && wanted.includes('cluster')) {
    out.push({ name: '2 shards 18.16', open: () => openClickHouseStore({ url: hosts[0], database, cluster, hosts }), finish: dropOn(hosts) });
  }
  return out;
}

/** Copies the DuckDB store into `target` table by table unless it already holds the same counts. */
async function copyInto(source: Store, target: RestoringStore, name: string): Promise<void> {
  const expected = await copyCounts(source);
  if (isDeepStrictEqual(await copyCounts(target), expected)) return;
  const t = performance.now();
  for (const table of COPIED_TABLES) for await (const rows of exportRows(source, table)) await target.restore(table, rows);
  if (!isDeepStrictEqual(await copyCounts(target), expected)) throw new Error(`${name}: the copy's counts differ from DuckDB's`);
  console.log(`  copied into ${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function run(args: string[]): Promise<void> {
  const accounts = Number(option(args, 'accounts') ?? 20_000);
  const runs = Number(option(args, 'runs') ?? 3);
  const wanted = (option(args, 'engines') ?? 'duckdb').split(',');
  const { db, dir } = await build(accounts);
  // The reports record the launches' declarations in this store's ledger (once: they do not change).
  const store = await DuckDbStore.open({ path: db });
  const ws = {
    milestones: parseMilestones(await readFile(join(HELPDESK_DIR, 'milestones.yaml'), 'utf8')),
    trackingPlan: parseTrackingPlan(await readFile(join(HELPDESK_DIR, 'tracking-plan.yaml'), 'utf8')),
  };
  const launches = await loadLaunches(dir);
  const report = (s: Store, launch: Launch) => buildOutcomeReport(s, ws, launch, { at: AT, now: Date.parse('2025-12-01') });
  const [{ n }] = await store.query<{ n: unknown }>(sql`SELECT count(*) AS n FROM events`);
  console.log(`outcomes: ${accounts.toLocaleString('en-US')} accounts, ${Number(n).toLocaleString('en-US')} events, report as of ${AT}; median of ${runs} runs after a warm-up`);
  console.log(`  load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`);
  console.log('  launch              outcome metric        baseline SQL   report (CPU)          ratio   verdict (design)');
  const reference = new Map<string, { ms: number; result: OutcomeReport }>();
  for (const launch of launches) {
    const base = await time(runs, () => baseline(store, launch));
    const r = await time(runs, () => report(store, launch));
    reference.set(launch.name, r);
    const m = launch.config.outcome!.metric;
    console.log(
      `  ${launch.name.padEnd(19)} ${`${m.kind} ${m.kind === 'retention' ? m.days : m.kind === 'count' ? m.within_days : ''} d`.padEnd(21)} ${seconds(base.ms).padStart(10)} ${`${seconds(r.ms)} (${seconds(r.cpuMs)})`.padStart(20)} ${`${(r.ms / base.ms).toFixed(1)}×`.padStart(7)}   ${r.result.verdict} (${r.result.design})`,
    );
  }

  // The dashboard's Launches page: every launch's checkpoints, ledger and adoption funnel, no design run.
  const page = await time(runs, () => launchesPage(store, ws, launches, { today: AT, now: Date.parse('2025-12-01') }));
  const reports = [...reference.values()].reduce((sum, r) => sum + r.ms, 0);
  console.log(`  launchesPage (${launches.length} launches) ${seconds(page.ms)} (${seconds(page.cpuMs)} CPU) against the ${launches.length} reports' ${seconds(reports)}: ${(page.ms / reports).toFixed(2)}×`);

  const others = clickHouseEngines(wanted, accounts);
  if (others.length) console.log('\n  engine          launch              report (client CPU)   DuckDB just before    ratio   same report');
  for (const engine of others) {
    const target = (await engine.open()) as ClickHouseStore;
    try {
      await copyInto(store, target, engine.name);
      for (const launch of launches) {
        // DuckDB's report again just before, so both see the same load on a shared machine.
        const ref = await time(runs, () => report(store, launch));
        const r = await time(runs, () => report(target, launch));
        console.log(
          `  ${engine.name.padEnd(15)} ${launch.name.padEnd(19)} ${`${seconds(r.ms)} (${seconds(r.cpuMs)})`.padStart(20)} ${`${seconds(ref.ms)} (${seconds(ref.cpuMs)})`.padStart(20)} ${`${(r.ms / ref.ms).toFixed(2)}×`.padStart(7)}   ${isDeepStrictEqual(r.result, reference.get(launch.name)!.result) ? 'yes' : 'NO'}`,
        );
      }
    } finally {
      await target.close();
      await engine.finish?.();
    }
  }
  await store.close();
}
