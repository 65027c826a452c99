/**
 * bench/outcomes: an outcome report over a demo of N accounts with the three planted launches,
 * each report timed end to end (ledger, gate, funnel, all four designs, verdict), against a
 * hand-written baseline on the same store: the one aggregate a report cannot do without, each
 * account's outcome over its window from exposure, in a single DuckDB statement.
 *
 *   npm run bench -- outcomes [--accounts 20000] [--runs 3]
 *
 * The store (bench/.data/outcomes-N.duckdb) and the launch files are built on first use and kept.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { importAccountHistory, importAccounts, importEvents } from '../src/collect/index.js';
import { loadLaunches, parseMilestones, parseTrackingPlan, TEMPLATE_DIR, type Launch } from '../src/config/index.js';
import { generateDemo } from '../src/demo/generate.js';
import { buildOutcomeReport } from '../src/outcomes/index.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { raw, sql, type Store } from '../src/store/index.js';
import { readFile } from 'node:fs/promises';
import { DATA, option } from './demo-store.js';

const AT = '2026-10-31';

async function build(accounts: number): Promise<{ db: string; dir: string }> {
  const dir = join(DATA, `outcomes-${accounts}`);
  const db = join(DATA, `outcomes-${accounts}.duckdb`);
  if (existsSync(db)) return { db, dir };
  await mkdir(dir, { recursive: true });
  const t = performance.now();
  const demo = await generateDemo({ dir, seed: 5, accounts, months: 30, launches: true });
  const plan = parseTrackingPlan(await readFile(join(TEMPLATE_DIR, 'tracking-plan.yaml'), 'utf8'));
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

export async function run(args: string[]): Promise<void> {
  const accounts = Number(option(args, 'accounts') ?? 20_000);
  const runs = Number(option(args, 'runs') ?? 3);
  const { db, dir } = await build(accounts);
  // The reports record the launches' declarations in this store's ledger (once: they do not change).
  const store = await DuckDbStore.open({ path: db });
  const ws = {
    milestones: parseMilestones(await readFile(join(TEMPLATE_DIR, 'milestones.yaml'), 'utf8')),
    trackingPlan: parseTrackingPlan(await readFile(join(TEMPLATE_DIR, 'tracking-plan.yaml'), 'utf8')),
  };
  const launches = await loadLaunches(dir);
  const [{ n }] = await store.query<{ n: unknown }>(sql`SELECT count(*) AS n FROM events`);
  console.log(`outcomes: ${accounts.toLocaleString('en-US')} accounts, ${Number(n).toLocaleString('en-US')} events, report as of ${AT}; median of ${runs} runs after a warm-up`);
  console.log(`  load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores`);
  console.log('  launch              outcome metric        baseline SQL   report (CPU)          ratio   verdict (design)');
  for (const launch of launches) {
    const base = await time(runs, () => baseline(store, launch));
    const report = await time(runs, () => buildOutcomeReport(store, ws, launch, { at: AT, now: Date.parse('2025-12-01') }));
    const m = launch.config.outcome!.metric;
    console.log(
      `  ${launch.name.padEnd(19)} ${`${m.kind} ${m.kind === 'retention' ? m.days : m.kind === 'count' ? m.within_days : ''} d`.padEnd(21)} ${`${(base.ms / 1000).toFixed(2)} s`.padStart(10)} ${`${(report.ms / 1000).toFixed(2)} s (${(report.cpuMs / 1000).toFixed(2)} s)`.padStart(20)} ${`${(report.ms / base.ms).toFixed(1)}×`.padStart(7)}   ${report.result.verdict} (${report.result.design})`,
    );
  }
  await store.close();
}
