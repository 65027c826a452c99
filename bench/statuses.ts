/**
 * bench/statuses: the materialized milestone statuses and the review, on the demo at 20,000
 * accounts over 30 months (seed 3, drift planted), each against a baseline measured in the same run:
 *  - read: an accounts page (50 accounts of one stage) and the funnel, from the materialized
 *    tables against computing every account's status (what readers did before);
 *  - refresh: a full refresh, an incremental one of 2,000 accounts, a counted one after a
 *    generation that gave every account 5 closed conversations (advanced from the last one's
 *    basis, as cairn serve does), and the segment refreshes that follow, against one milestone
 *    pass (computeMilestones);
 *  - review: `cairn review` at 20,000 accounts (goal under 30 s), against one milestone pass;
 *  - ingest: `cairn serve` offered 100,000 events/s (wrk at a fixed rate, bench/wrk.ts, or
 *    autocannon's with --generator autocannon; batches of 100, events of existing accounts)
 *    with the status refresh on and off: what was acknowledged, p99, 429s, when everything was
 *    stored, and with the refresh on how far the statuses lagged the data and how much of the
 *    time they took.
 *
 * On DuckDB by default; `--engine chdb|server|cluster` imports the same demo into ClickHouse (in
 * process, or a fresh database on the servers CAIRN_CLICKHOUSE_URL, CAIRN_CLICKHOUSE_CLUSTER_URLS
 * and CAIRN_CLICKHOUSE_CLUSTER name; ingest needs a server) and measures there, the baselines too.
 *
 *   npm run bench -- statuses [--accounts 20000] [--seconds 60] [--rate 100000] [--parts read,refresh,review,ingest] [--engine duckdb]
 *     [--refresh both|on|off] [--refresh-seconds 2] [--max-share 0.2] [--generator wrk|autocannon] [--connections 128] [--profile DIR] [--timeline FILE]
 *
 * --refresh: which ingest runs (default both), --refresh-seconds and --max-share the server's
 * status_refresh_seconds and status_refresh_max_share; --profile DIR: the server writes a V8 CPU profile there (node --cpu-prof);
 * --timeline FILE: the server's health once a second during the load, as JSON lines in FILE-on.jsonl and FILE-off.jsonl.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Session } from 'chdb';
import { parseCairnConfig, parseMilestones, HELPDESK_DIR } from '../src/config/index.js';
import { computeFunnel, computeMilestones, EventTally, frameworkMatchers, readStatusRows, countStatusRows, materializedStatuses, refreshSegments, refreshStatuses, today } from '../src/milestones/index.js';
import { reviewFramework } from '../src/review/index.js';
import { openClickHouseStore, type ClickHouseConnection } from '../src/store/clickhouse/clickhouse-config.js';
import { chdbDriver } from '../src/store/clickhouse/clickhouse-driver.js';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import type { RestoringStore, Store } from '../src/store/index.js';
import { importAccountHistory, importAccounts, importEvents } from '../src/collect/index.js';
import { generateDemo } from '../src/demo/index.js';
import { DATA, demoStore, option } from './demo-store.js';
import { needWrk, runWrk, wrkScript } from './wrk.js';

const ROOT = new URL('../', import.meta.url).pathname;
const BATCH = 100;

async function timed<T>(work: () => Promise<T>, runs = 2): Promise<{ seconds: number; result: T }> {
  let best = Infinity;
  let result!: T;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await work();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return { seconds: best, result };
}

const s = (x: number) => `${x.toFixed(x < 0.1 ? 3 : 2)} s`;

export async function run(args: string[]): Promise<void> {
  const accounts = Number(option(args, 'accounts') ?? 20_000);
  const seconds = Number(option(args, 'seconds') ?? 60);
  const rate = Number(option(args, 'rate') ?? 100_000);
  const parts = (option(args, 'parts') ?? 'read,refresh,review,ingest').split(',');
  const engine = option(args, 'engine') ?? 'duckdb';
  if (!['duckdb', 'chdb', 'server', 'cluster'].includes(engine)) throw new Error(`invalid --engine: ${engine} (duckdb, chdb, server or cluster)`);
  const db = engine === 'duckdb' ? await demoStore(`statuses-${accounts}a-30m-drift`, { seed: 3, accounts, months: 30, drift: true }) : null;
  const milestonesText = await readFile(join(HELPDESK_DIR, 'milestones.yaml'), 'utf8');
  const framework = parseMilestones(milestonesText);
  const config = parseCairnConfig(await readFile(join(HELPDESK_DIR, 'cairn.yaml'), 'utf8'));
  const day = today();
  console.log(`bench/statuses: demo at ${accounts.toLocaleString('en-US')} accounts over 30 months (seed 3, drift planted), statuses as of ${day}, on ${engine}`);

  // A copy, so refreshes and the server's writes leave the kept demo store as it was.
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-statuses-'));
  try {
    const path = join(dir, 'cairn.duckdb');
    if (db) await copyFile(db, path);
    const target = engine === 'duckdb' ? null : await openClickHouse(engine, dir);
    if (target) await importDemo(target.store, { seed: 3, accounts, months: 30, drift: true });
    const store: Store = target?.store ?? (await DuckDbStore.open({ path }));
    const pass = await timed(() => computeMilestones(store, framework, day));
    console.log(`\n  baseline: one milestone pass over every account (computeMilestones)  ${s(pass.seconds)}`);

    const full = await timed(() => refreshStatuses(store, framework, { asOf: day }), 1);
    // Segments follow every refresh (cairn serve, cairn refresh): the first judges every account.
    const segments = await timed(() => refreshSegments(store, framework), 1);
    if (parts.includes('refresh')) {
      const again = await timed(() => refreshStatuses(store, framework, { asOf: day }), 2);
      const some = pass.result.accounts.slice(0, 2000).map((a) => a.account_id);
      const incremental = await timed(() => refreshStatuses(store, framework, { asOf: day, accounts: some }), 2);
      const segmentsSome = await timed(() => refreshSegments(store, framework, { accounts: some }), 2);
      // What cairn serve does after a collector generation: every account gets 5 closed conversations today (stored, untimed), counted, advanced from the basis.
      const matchers = frameworkMatchers(framework);
      const given = (tally: EventTally) => async () => ({ tally, release: () => undefined });
      let basis = (await refreshStatuses(store, framework, { asOf: day, counted: { basis: null, take: given(new EventTally(matchers)) } })).basis ?? null;
      let generations = 0;
      const generation = async () => {
        const tally = new EventTally(matchers);
        const events = pass.result.accounts.flatMap((a) =>
          Array.from({ length: 5 }, (_, k) => ({
            messageId: `g${generations}-${a.account_id}-${k}`, accountId: a.account_id, userId: null, anonymousId: null, action: 'closed', object: 'conversation',
            place: 'inbox', metadata: { state: 'resolved' }, timestamp: Date.now(), count: 1,
          })),
        );
        generations++;
        await store.insertEvents(events, 'bench');
        for (const e of events) tally.event(e);
        return tally;
      };
      let counted!: { seconds: number; result: Awaited<ReturnType<typeof refreshStatuses>> };
      for (let run = 0; run < 3; run++) {
        const tally = await generation();
        const one = await timed(() => refreshStatuses(store, framework, { asOf: day, accounts: [], counted: { basis, take: given(tally) } }), 1);
        basis = one.result.basis ?? null;
        if (!counted || one.seconds < counted.seconds) counted = one;
      }
      console.log('\n  refresh');
      console.log(`    first (backfill: ${full.result.changes.toLocaleString('en-US')} changes)  ${s(full.seconds)}  (${(full.seconds / pass.seconds).toFixed(2)}× a pass)`);
      console.log(`    full, nothing changed                       ${s(again.seconds)}  (${(again.seconds / pass.seconds).toFixed(2)}× a pass)`);
      console.log(`    incremental, 2,000 accounts                 ${s(incremental.seconds)}  (${(incremental.seconds / pass.seconds).toFixed(2)}× a pass)`);
      console.log(`    counted, every account (${counted.result.counted.toLocaleString('en-US')} advanced, ${counted.result.changes} changes)  ${s(counted.seconds)}  (${(counted.seconds / pass.seconds).toFixed(2)}× a pass, ${(counted.seconds / again.seconds).toFixed(2)}× a full refresh)`);
      console.log(`    segments after the first (${segments.result?.changes.toLocaleString('en-US')} entries)   ${s(segments.seconds)}  (${(segments.seconds / pass.seconds).toFixed(2)}× a pass)`);
      console.log(`    segments after an incremental, 2,000        ${s(segmentsSome.seconds)}  (${(segmentsSome.seconds / pass.seconds).toFixed(2)}× a pass)`);
    }

    if (parts.includes('read')) {
      const stage = 'activated';
      const total = await countStatusRows(store, { stage });
      const page = await timed(async () => {
        const n = await countStatusRows(store, { stage });
        return { n, rows: (await readStatusRows(store, framework, { stage, limit: 50, offset: 100 })).accounts };
      }, 5);
      const pageComputed = await timed(async () => {
        const all = (await computeMilestones(store, framework, day)).accounts.filter((a) => a.stage === stage);
        return all.slice(100, 150);
      }, 2);
      const same = JSON.stringify(page.result.rows) === JSON.stringify(pageComputed.result);
      const funnel = await timed(async () => computeFunnel(store, framework, day, 'plan', (await materializedStatuses(store, framework, day, { details: false }))!), 3);
      const funnelComputed = await timed(() => computeFunnel(store, framework, day, 'plan'), 2);
      const funnelSame = JSON.stringify(funnel.result) === JSON.stringify(funnelComputed.result);
      console.log('\n  read (best of runs)');
      console.log(`    accounts page (50 of ${total.toLocaleString('en-US')} ${stage}, with count)  materialized ${s(page.seconds)}  computed ${s(pageComputed.seconds)}  ratio ${(page.seconds / pageComputed.seconds).toFixed(3)}×  ${same ? 'same accounts' : 'DIFFERENT'}`);
      console.log(`    funnel by plan                                materialized ${s(funnel.seconds)}  computed ${s(funnelComputed.seconds)}  ratio ${(funnel.seconds / funnelComputed.seconds).toFixed(3)}×  ${funnelSame ? 'same figures' : 'DIFFERENT'}`);
    }

    if (parts.includes('review')) {
      const asOf = '2026-10-31';
      const basePass = await timed(() => computeMilestones(store, framework, asOf), 1);
      const review = await timed(() => reviewFramework(store, { framework, fileText: milestonesText, config, asOf }), 1);
      console.log(`\n  review as of ${asOf}  ${s(review.seconds)}  (${(review.seconds / basePass.seconds).toFixed(1)}× a milestone pass of ${s(basePass.seconds)}); goal under 30 s`);
      for (const m of review.result.milestones) console.log(`    ${m.milestone.padEnd(12)} ${m.recommendation.summary}`);
    }
    await store.close();

    if (parts.includes('ingest')) {
      if (engine === 'chdb') throw new Error('ingest needs a server: --engine duckdb, server or cluster');
      console.log(`\n  ingest: ${rate.toLocaleString('en-US')} events/s offered for ${seconds} s, batches of ${BATCH}, events of the ${accounts.toLocaleString('en-US')} accounts`);
      const generator = option(args, 'generator') ?? 'wrk';
      const connections = Number(option(args, 'connections') ?? 128);
      console.log(`  (${generator} at a fixed rate on ${connections} connections)`);
      if (generator === 'wrk') needWrk();
      else if (generator !== 'autocannon') throw new Error(`invalid --generator: ${generator} (wrk or autocannon)`);
      const every = Number(option(args, 'refresh-seconds') ?? 2);
      const share = Number(option(args, 'max-share') ?? 0.2);
      const modes = { off: [0], on: [every], both: [0, every] }[option(args, 'refresh') ?? 'both'];
      if (!modes) throw new Error(`invalid --refresh: ${option(args, 'refresh')} (off, on or both)`);
      for (const refresh of modes) {
        const ws = join(dir, `ws-${refresh}`);
        await rm(ws, { recursive: true, force: true });
        // The help desk's framework, the one the parts above refreshed by: the server refreshes by it too.
        await runCli(['init', ws, '--example', 'helpdesk']);
        // DuckDB: a fresh copy each time; ClickHouse: the database the parts above used, events added.
        if (!target) await copyFile(path, join(ws, 'cairn.duckdb'));
        await writeFile(join(ws, 'cairn.yaml'), `version: 1\nengine:\n${target ? target.engineYaml : '  kind: duckdb\n  memory_limit: 2GB\n'}server:\n  rate_limit: 100000000\n  status_refresh_seconds: ${refresh}\n  status_refresh_max_share: ${share}\n`);
        await writeFile(join(ws, 'tracking-plan.yaml'), 'unplanned: accept\nevents: []\n');
        const key = JSON.parse(await runCli(['-w', ws, 'keys', 'create', 'bench', '--json'])).key as string;
        const r = await ingest(ws, key, rate, seconds, accounts, generator, connections, option(args, 'profile'), option(args, 'timeline') && `${option(args, 'timeline')}-${refresh ? 'on' : 'off'}.jsonl`);
        const st = r.statuses as { refreshes: number; lag_ms: { last: number; max: number }; busy_share: number; max_share: number; last: { kind: string; accounts: number; counted: number; seconds: number; judged: { accounts: number; seconds: number } | null } | null } | null;
        console.log(
          `    refresh ${refresh ? `on (every ≥ ${refresh} s)` : 'off           '}  acknowledged ${Math.round(r.eps).toLocaleString('en-US')} events/s  p99 ${r.p99} ms  non-2xx ${r.non2xx}  all stored ${r.storedAfter.toFixed(1)} s after the start`,
        );
        if (st) {
          console.log(
            `      statuses: ${r.during} refreshes while the load ran, ${st.refreshes} with the catch-up after; the last ${st.last?.kind} of ${st.last?.accounts.toLocaleString('en-US')} accounts (${st.last?.counted.toLocaleString('en-US')} advanced by counted events) took ${st.last?.seconds.toFixed(2)} s, ${st.last?.judged ? `segments then judged ${st.last.judged.accounts.toLocaleString('en-US')} in ${st.last.judged.seconds.toFixed(2)} s` : 'no segment judgement (no account moved)'}; ` +
              `behind the data by at most ${(st.lag_ms.max / 1000).toFixed(1)} s (${(st.lag_ms.last / 1000).toFixed(1)} s for the last); refreshing ${(st.busy_share * 100).toFixed(0)}% of the time (at most ${(st.max_share * 100).toFixed(0)}%)`,
          );
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A fresh ClickHouse store: in process (chdb), or a new database on the server or the cluster. */
async function openClickHouse(engine: string, dir: string): Promise<{ store: RestoringStore; engineYaml: string }> {
  const database = `bench_statuses_${Date.now() % 1_000_000}`;
  if (engine === 'chdb') return { store: await ClickHouseStore.open({ driver: chdbDriver(new Session(join(dir, 'chdb')), database), database }), engineYaml: '' };
  const url = engine === 'server' ? process.env.CAIRN_CLICKHOUSE_URL : process.env.CAIRN_CLICKHOUSE_CLUSTER_URLS?.split(',')[0];
  const cluster = engine === 'cluster' ? process.env.CAIRN_CLICKHOUSE_CLUSTER : undefined;
  const hosts = engine === 'cluster' ? process.env.CAIRN_CLICKHOUSE_CLUSTER_URLS?.split(',') : undefined;
  if (!url || (engine === 'cluster' && !cluster)) throw new Error(`--engine ${engine}: set CAIRN_CLICKHOUSE_URL, or CAIRN_CLICKHOUSE_CLUSTER_URLS and CAIRN_CLICKHOUSE_CLUSTER`);
  const connection: ClickHouseConnection = { url, database, ...(cluster ? { cluster, hosts } : {}) };
  console.log(`  ClickHouse database ${database} at ${url}${cluster ? ` (cluster ${cluster})` : ''}`);
  const engineYaml = `  kind: clickhouse\n  url: ${url}\n  database: ${database}\n${cluster ? `  cluster: ${cluster}\n  hosts: [${hosts!.join(', ')}]\n` : ''}`;
  return { store: await openClickHouseStore(connection), engineYaml };
}

/** The demo's files, generated once and kept (bench/.data), imported into a fresh store as `cairn import` does. */
async function importDemo(store: Store, opts: { seed: number; accounts: number; months: number; drift: boolean }): Promise<void> {
  const dir = join(DATA, `statuses-${opts.accounts}a-30m-drift-files`);
  const t = performance.now();
  const demo = existsSync(join(dir, 'ground-truth.json')) ? null : await generateDemo({ ...opts, dir });
  const files = demo?.files ?? { accounts: join(dir, 'data/accounts.csv'), accountHistory: join(dir, 'data/account-history.csv'), events: [join(dir, 'data/events.jsonl'), join(dir, 'data/events-late.jsonl')] };
  await importAccounts(store, files.accounts);
  await importAccountHistory(store, files.accountHistory);
  const events = await importEvents(store, files.events);
  console.log(`  demo imported: ${events.imported.toLocaleString('en-US')} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/cairn.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`cairn ${args.join(' ')} exited with ${code}`))));
  });
}

/** What the server acknowledged under load: events a second, p99 in ms, answers other than 2xx. */
interface Load {
  eps: number;
  p99: number;
  non2xx: number;
}

/** wrk at a fixed rate (bench/wrk.ts): events of existing accounts, stamped now. */
function wrkLoad(url: string, key: string, rate: number, seconds: number, accounts: number, connections: number): Load {
  const script = join(tmpdir(), `cairn-bench-statuses-${process.pid}.lua`);
  writeFileSync(script, wrkScript(key, { batch: BATCH, rate: rate / BATCH, accounts: { format: 'acc_%05d', count: accounts, from: 1 }, timestamp: new Date().toISOString() }));
  try {
    const r = runWrk(`${url}/v1/events`, script, seconds, connections);
    return { eps: r.requestsPerSecond * BATCH, p99: millis(r.p99), non2xx: r.non2xx };
  } finally {
    rmSync(script, { force: true });
  }
}

/** wrk's latency (`12.3ms`, `1.2s`, `950us`) in ms. */
function millis(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
}

/** autocannon's fixed rate, bodies built in this process (heavier on the shared cores than wrk). */
async function autocannonLoad(url: string, key: string, rate: number, seconds: number, accounts: number, connections: number): Promise<Load> {
  let n = 0;
  const body = () => {
    n++;
    const now = new Date().toISOString();
    return JSON.stringify(
      Array.from({ length: BATCH }, (_, k) => {
        const account = `acc_${String(1 + ((n * 7919 + k * 104729) % accounts)).padStart(5, '0')}`;
        return { message_id: `b-${n}-${k}`, timestamp: now, account_id: account, action: 'closed', object: 'conversation', place: 'inbox', metadata: { conversation_id: `c-${n}-${k}`, state: 'resolved' } };
      }),
    );
  };
  const result = await autocannon({
    url: `${url}/v1/events`,
    method: 'POST',
    connections,
    overallRate: Math.round(rate / BATCH),
    duration: seconds,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  return { eps: result.requests.average * BATCH, p99: result.latency.p99, non2xx: result.non2xx };
}

async function ingest(ws: string, key: string, rate: number, seconds: number, accounts: number, generator: string, connections: number, profileDir: string | undefined, timeline: string | undefined) {
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, join(ROOT, 'bin/cairn.js'), '-w', ws, 'serve', '--json', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  try {
    // The start-up refresh (a new day, or a first one) is over before the load begins.
    const health = async () => (await (await fetch(`${url}/v1/health`)).json()) as { queued_events: number; statuses: { refreshes: number; pending_accounts: number | string; refreshing: boolean } | null };
    let before = await health();
    for (; before.statuses && (before.statuses.pending_accounts !== 0 || before.statuses.refreshing); before = await health()) await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    // wrk blocks this process: a child polls the health once a second into the timeline file.
    const poller = timeline
      ? spawn(process.execPath, ['-e', `const fs=require('fs');setInterval(async()=>{try{const h=await (await fetch(process.argv[1]+'/v1/health')).json();fs.appendFileSync(process.argv[2],JSON.stringify({t:Date.now(),queued:h.queued_events,statuses:h.statuses})+'\\n')}catch{}},1000)`, url, timeline], { stdio: 'ignore' })
      : null;
    const load = generator === 'wrk' ? wrkLoad(url, key, rate, seconds, accounts, connections) : await autocannonLoad(url, key, rate, seconds, accounts, connections);
    let h = await health();
    while (h.queued_events > 0) {
      await new Promise((r) => setTimeout(r, 200));
      h = await health();
    }
    const storedAfter = (performance.now() - t0) / 1000;
    poller?.kill();
    // The refreshes during the load; then the statuses catch up with the last generation (at most 3 minutes).
    const during = (h.statuses?.refreshes ?? 0) - (before.statuses?.refreshes ?? 0);
    for (const end = Date.now() + 180_000; h.statuses && (h.statuses.pending_accounts !== 0 || h.statuses.refreshing) && Date.now() < end; h = await health()) await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 500));
    const final = (await (await fetch(`${url}/v1/health`)).json()) as { statuses: { refreshes: number } | null };
    // The refreshes counted from the start of the load (the start-up one is over before it).
    const statuses = final.statuses && { ...final.statuses, refreshes: final.statuses.refreshes - (before.statuses?.refreshes ?? 0) };
    return { ...load, storedAfter, during, statuses };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
