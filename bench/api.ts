/**
 * bench/api: the JSON API over HTTP on a demo store of 20,000 accounts signed up over 30
 * months (DuckDB, one thread), its statuses materialized as of the demo's last day. Each
 * request is asked `--runs` times reading the materialized statuses, alternating with the
 * same request computed per request (the baseline: the statuses marked stale, as the API
 * did before they were materialized); both answers are checked equal first. The API keeps
 * the funnel of a refresh until the next, so asked again it is read from memory: the funnel
 * as first asked after a refresh is timed too, in process. Goals (issue 14): an accounts page
 * p95 < 200 ms, the funnel p95 < 500 ms. Then, in Chromium, the time from opening a dashboard
 * page to its figures and charts drawn, either way (goal: the first page < 1 s).
 *
 *   npm run bench -- api [--accounts 20000] [--runs 20]
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collector, WriteKeys } from '../src/collect/index.js';
import { initWorkspace, loadWorkspace } from '../src/config/index.js';
import { computeFunnel, materializedFunnelStatuses, refreshStatuses, STATUS_STALE_CHECKPOINT, statusState } from '../src/milestones/index.js';
import { buildApp } from '../src/server/index.js';
import { NO_WRITE } from '../src/store/index.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { demoStore, option } from './demo-store.js';

const AS_OF = '2026-10-31';
const TOKEN = 'bench-admin-token-0123456789-abcdefghij';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const ms = (v: number) => `${v.toFixed(0)} ms`;

async function time(work: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await work();
  return performance.now() - t;
}

/** What the answers say about where their statuses came from, left out when comparing figures. */
const figures = (body: Record<string, unknown>) => {
  const { source: _s, framework_version: _v, refreshed_at: _r, ...rest } = body;
  return rest;
};

export async function run(args: string[]): Promise<void> {
  const accounts = Number(option(args, 'accounts') ?? 20_000);
  const runs = Number(option(args, 'runs') ?? 20);
  const db = await demoStore(`api-${accounts}a-30m`, { seed: 3, accounts, months: 30 });
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-api-'));
  await initWorkspace(dir, { template: 'helpdesk' });
  const ws = await loadWorkspace(dir);
  const store = await DuckDbStore.open({ path: db, settings: { threads: '1' } });
  const state = await statusState(store);
  if (!state || state.as_of !== AS_OF || state.stale) {
    const t = performance.now();
    const r = await refreshStatuses(store, ws.milestones, { asOf: AS_OF });
    console.log(`  statuses ${r.kind} as of ${AS_OF}: ${r.accounts.toLocaleString('en')} accounts, ${r.changes.toLocaleString('en')} changes, ${ms(performance.now() - t)}`);
  }
  // The baseline: the statuses marked behind the data, so every reader computes them.
  const computing = (on: boolean) => store.applyCollected({ ...NO_WRITE, checkpoint: { name: STATUS_STALE_CHECKPOINT, value: on ? Date.now() : 0 } });
  const collector = await Collector.open({ store, plan: ws.trackingPlan, walDir: join(dir, '.cairn', 'wal') });
  const keys = await WriteKeys.open(dir);
  const app = await buildApp({ store, collector, keys, adminToken: TOKEN, rateLimit: 1000, api: { workspace: () => ws, keys, defaultAsOf: () => AS_OF, withoutToken: null, version: 'bench' } });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const get = async (path: string) => {
    const r = await fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  try {
    const cases = [
      { name: 'accounts page', goal: 200, path: '/accounts?limit=50' },
      { name: 'accounts, stage, sorted', goal: 200, path: '/accounts?stage=signed_up&sort=signup_day&order=desc&limit=50&offset=100' },
      { name: 'accounts of a segment', goal: 200, path: '/accounts?segment=stuck_in_setup&limit=50' },
      { name: 'a segment, by last active', goal: 200, path: '/accounts?segment=activated_underutilised&sort=last_active_day&limit=50' },
      { name: 'segments with counts', goal: 200, path: '/segments' },
      { name: 'one account', goal: 200, path: '/accounts/acc_00042' },
      { name: 'funnel by signup month', goal: 500, path: '/funnel?by=signup_month' },
    ];
    console.log(`api on ${accounts.toLocaleString('en')} accounts (DuckDB, 1 thread), as of ${AS_OF}, ${runs} runs each, alternating; over HTTP on loopback`);
    console.log('  materialized: the statuses read from the store; computed (baseline): the same request with the statuses marked stale');
    for (const c of cases) {
      // The same figures either way.
      const stored = await get(c.path);
      await computing(true);
      const computed = await get(c.path);
      await computing(false);
      assert.deepEqual([stored.source, computed.source], ['materialized', 'computed'], c.name);
      assert.deepEqual(figures(stored), figures(computed), `${c.name}: the materialized and computed answers differ`);
      const fast: number[] = [];
      const slow: number[] = [];
      for (let i = 0; i < runs; i++) {
        fast.push(await time(() => get(c.path)));
        await computing(true);
        slow.push(await time(() => get(c.path)));
        await computing(false);
      }
      const [f50, f95, s50, s95] = [quantile(fast, 0.5), quantile(fast, 0.95), quantile(slow, 0.5), quantile(slow, 0.95)];
      console.log(
        `  ${c.name.padEnd(24)} materialized median ${ms(f50)}, p95 ${ms(f95)} (goal < ${c.goal} ms: ${f95 < c.goal ? 'met' : 'missed'}); computed median ${ms(s50)}, p95 ${ms(s95)}; ratio ${(f50 / s50).toFixed(3)}×`,
      );
    }
    // What the API does for the funnel the first time after a refresh, without HTTP and JSON.
    const cold: number[] = [];
    for (let i = 0; i < runs; i++) {
      cold.push(await time(async () => computeFunnel(store, ws.milestones, AS_OF, 'signup_month', (await materializedFunnelStatuses(store, ws.milestones, AS_OF))!)));
    }
    console.log(`  funnel, first after a refresh (in process) median ${ms(quantile(cold, 0.5))}, p95 ${ms(quantile(cold, 0.95))} (goal < 500 ms: ${quantile(cold, 0.95) < 500 ? 'met' : 'missed'})`);
    if (existsSync('/usr/bin/chromium')) await pages(url, runs, computing);
  } finally {
    await computing(false);
    await app.close();
    await collector.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Opening a page of the dashboard until its figures are drawn, in Debian's Chromium (a new context each time: no cache). */
async function pages(url: string, runs: number, computing: (on: boolean) => Promise<unknown>): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const open = async (route: string) => {
    const context = await browser.newContext();
    await context.addInitScript((token) => sessionStorage.setItem('cairn-token', token), TOKEN);
    const page = await context.newPage();
    const t = performance.now();
    await page.goto(`${url}/#/${route}`);
    await page.waitForSelector('main:not([aria-busy]) h1', { timeout: 120_000 });
    // Drawn: the page's figures and every chart on it (ECharts loads as a chunk of its own).
    await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((c) => c.querySelector('svg')), null, { timeout: 120_000 });
    const took = performance.now() - t;
    await context.close();
    return took;
  };
  try {
    for (const route of ['overview', 'accounts']) {
      const fast: number[] = [];
      const slow: number[] = [];
      for (let i = 0; i < Math.min(runs, 8); i++) {
        fast.push(await open(route));
        await computing(true);
        slow.push(await open(route));
        await computing(false);
      }
      console.log(
        `  dashboard ${route.padEnd(14)} opened to drawn: materialized median ${ms(quantile(fast, 0.5))}, worst ${ms(Math.max(...fast))}; computed median ${ms(quantile(slow, 0.5))}, worst ${ms(Math.max(...slow))} (goal for the first page < 1000 ms)`,
      );
    }
  } finally {
    await browser.close();
  }
}
