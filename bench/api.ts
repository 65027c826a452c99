/**
 * bench/api: the JSON API over HTTP on a demo store of 20,000 accounts (DuckDB): an accounts
 * page (50 rows, a filter and a sort) and the funnel by signup month, each asked `--runs`
 * times; median and p95 against the same answer computed in process the way the CLI does
 * (computeMilestones then filter, sort, slice; computeFunnel), alternating, in the same run.
 * Goals (issue 14): accounts page p95 < 200 ms, funnel p95 < 500 ms. Then, in Chromium, the
 * time from opening a dashboard page to its figures drawn (goal: the first page under 1 s).
 *
 *   npm run bench -- api [--accounts 20000] [--runs 20]
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collector, WriteKeys } from '../src/collect/index.js';
import { initWorkspace, loadWorkspace } from '../src/config/index.js';
import { computeFunnel, computeMilestones } from '../src/milestones/index.js';
import { buildApp } from '../src/server/index.js';
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

export async function run(args: string[]): Promise<void> {
  const accounts = Number(option(args, 'accounts') ?? 20_000);
  const runs = Number(option(args, 'runs') ?? 20);
  const db = await demoStore(`api-${accounts}a`, { seed: 3, accounts });
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-api-'));
  await initWorkspace(dir);
  const ws = await loadWorkspace(dir);
  const store = await DuckDbStore.open({ path: db, settings: { threads: '1' } });
  const collector = await Collector.open({ store, plan: ws.trackingPlan, walDir: join(dir, '.cairn', 'wal') });
  const keys = await WriteKeys.open(dir);
  const app = await buildApp({ store, collector, keys, adminToken: TOKEN, rateLimit: 1000, api: { workspace: () => ws, keys, defaultAsOf: () => AS_OF, withoutToken: null, version: 'bench' } });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const get = async (path: string) => {
    const r = await fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  try {
    const fw = ws.milestones;
    // The CLI's way to the same answers, in process: no HTTP, no JSON.
    const cliPage = async () => {
      const r = await computeMilestones(store, fw, AS_OF);
      return r.accounts.filter((a) => a.stage === 'signed_up').sort((a, b) => (a.signup_day < b.signup_day ? 1 : a.signup_day > b.signup_day ? -1 : a.account_id < b.account_id ? -1 : 1)).slice(100, 150);
    };
    const cases = [
      { name: 'accounts page', goal: 200, api: () => get(`/accounts?stage=signed_up&sort=signup_day&order=desc&limit=50&offset=100`), cli: cliPage },
      { name: 'funnel by signup month', goal: 500, api: () => get(`/funnel?by=signup_month`), cli: () => computeFunnel(store, fw, AS_OF, 'signup_month') },
    ];
    // The same accounts, either way.
    const viaApi = (await cases[0].api()) as { accounts: { account_id: string }[] };
    const viaCli = await cliPage();
    if (viaApi.accounts.map((a) => a.account_id).join() !== viaCli.map((a) => a.account_id).join()) throw new Error('the API and the CLI path disagree on the page');

    console.log(`api on ${accounts.toLocaleString('en')} accounts (DuckDB, 1 thread), as of ${AS_OF}, ${runs} runs each, alternating; times over HTTP on loopback`);
    for (const c of cases) {
      await c.api();
      await c.cli();
      const api: number[] = [];
      const cli: number[] = [];
      for (let i = 0; i < runs; i++) {
        api.push(await time(c.api));
        cli.push(await time(c.cli));
      }
      const [a50, a95, c50, c95] = [quantile(api, 0.5), quantile(api, 0.95), quantile(cli, 0.5), quantile(cli, 0.95)];
      console.log(
        `  ${c.name.padEnd(24)} API median ${ms(a50)}, p95 ${ms(a95)} (goal < ${c.goal} ms: ${a95 < c.goal ? 'met' : 'missed'}); CLI path median ${ms(c50)}, p95 ${ms(c95)}; ratio API/CLI ${(a50 / c50).toFixed(2)}×`,
      );
    }
    if (existsSync('/usr/bin/chromium')) await pages(url, runs);
  } finally {
    await app.close();
    await collector.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Opening a page of the dashboard until its figures are drawn, in Debian's Chromium (no cache between runs). */
async function pages(url: string, runs: number): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    for (const route of ['accounts', 'overview']) {
      const times: number[] = [];
      for (let i = 0; i < Math.min(runs, 8); i++) {
        const context = await browser.newContext();
        await context.addInitScript((token) => sessionStorage.setItem('cairn-token', token), TOKEN);
        const page = await context.newPage();
        const t = performance.now();
        await page.goto(`${url}/#/${route}`);
        await page.waitForSelector('main:not([aria-busy]) h1', { timeout: 120_000 });
        times.push(performance.now() - t);
        await context.close();
      }
      console.log(`  dashboard ${route.padEnd(14)} opened to drawn: median ${ms(quantile(times, 0.5))}, worst ${ms(Math.max(...times))} (goal for the first page < 1000 ms)`);
    }
  } finally {
    await browser.close();
  }
}
