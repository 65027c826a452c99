/**
 * bench/ingest: `cairn serve` under load from a second process on loopback, batches of 100
 * native events with unique ids, durable acknowledgement on (write-ahead log fsynced before
 * each reply), against a bare Fastify server that only parses and counts the same requests,
 * in the same run. Load comes from Debian's `wrk` (a Lua script builds each body with fresh
 * ids); then, unless --soak 0, a soak at half the measured rate (autocannon's fixed rate) that
 * samples the server's memory.
 *
 *   npm run bench -- ingest [--seconds 20] [--connections 32] [--soak 300] [--duckdb-threads N] [--clickhouse URL]
 *
 * The workspace starts from the help-desk example, whose tracking plan declares the events sent,
 * with the status refresh off: this measures the collector (`bench statuses --parts ingest`
 * measures it with the refresh on).
 *
 * --clickhouse URL stores into a ClickHouse server (a fresh database, dropped after) instead of DuckDB.
 * --duckdb-threads sets `engine.threads`; by default `cairn serve` gives DuckDB one thread fewer
 * than the cores.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { dropClickHouseDatabase } from './demo-store.js';
import { needWrk, runWrk, wrkScript, type WrkResult } from './wrk.js';

const ROOT = new URL('../', import.meta.url).pathname;
const BATCH = 100;

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** Starts a server process that prints its URL as the first JSON line; resolves with it. */
function startProcess(args: string[], cwd: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export async function run(args: string[]): Promise<void> {
  const seconds = option(args, 'seconds', 20);
  const connections = option(args, 'connections', 32);
  const soak = option(args, 'soak', 300);
  const threads = option(args, 'duckdb-threads', 0);
  const ci = args.indexOf('--clickhouse');
  const clickhouse = ci >= 0 ? args[ci + 1] : undefined;
  needWrk();

  const ws = await mkdtemp(join(tmpdir(), 'cairn-bench-ingest-'));
  const database = `cairn_bench_ingest_${Date.now()}`;
  const cairn = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/cairn.js'), '-w', ws, ...a], { encoding: 'utf8' });
  try {
    // A blank plan would flag every event sent as unplanned.
    cairn('init', ws, '--example', 'helpdesk', '--force');
    // The per-key rate limit would otherwise be what is measured.
    // DuckDB's memory is capped as a long-running server's should be (its default is 80% of RAM).
    const engine = clickhouse
      ? `  kind: clickhouse\n  url: ${clickhouse}\n  database: ${database}\n`
      : `  kind: duckdb\n  memory_limit: 512MB\n${threads ? `  threads: ${threads}\n` : ''}`;
    await writeFile(join(ws, 'cairn.yaml'), `version: 1\nengine:\n${engine}server:\n  rate_limit: 100000000\n  status_refresh_seconds: 0\n`);
    const key = (JSON.parse(cairn('keys', 'create', 'bench', '--json').stdout) as { key: string }).key;
    const script = join(ws, 'batch.lua');
    await writeFile(script, wrkScript(key, { batch: BATCH }));
    console.log(`bench ingest: batches of ${BATCH} events, ${connections} connections, ${seconds} s each, wrk 1 thread`);

    const bare = await startProcess([join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'bench/ingest-bare.ts')], ROOT);
    const bareResult = runWrk(`${bare.url}/v1/events`, script, seconds, connections);
    await stop(bare.child);

    const served = await startProcess([join(ROOT, 'bin/cairn.js'), '-w', ws, 'serve', '--json', '--port', '0'], ROOT);
    const rssStart = rssMb(served.child.pid!);
    const t0 = performance.now();
    const cairnResult = runWrk(`${served.url}/v1/events`, script, seconds, connections);
    const rssAfter = rssMb(served.child.pid!);
    // Acknowledged is durable; stored is when the last log generation reached DuckDB.
    const token = readFileSync(join(ws, '.cairn/admin-token'), 'utf8').trim();
    const stats = async () =>
      (await (await fetch(`${served.url}/v1/admin/stats`, { headers: { authorization: `Bearer ${token}` } })).json()) as { events: number; collector: { queued_events: number } };
    let s = await stats();
    while (s.collector.queued_events > 0) {
      await new Promise((r) => setTimeout(r, 200));
      s = await stats();
    }
    const storedSeconds = (performance.now() - t0) / 1000;

    const eps = (r: WrkResult) => r.requestsPerSecond * BATCH;
    const row = (name: string, r: WrkResult) =>
      `  ${name.padEnd(14)} ${Math.round(eps(r)).toLocaleString('en-US').padStart(10)} events/s  p50 ${r.p50.padStart(8)}  p99 ${r.p99.padStart(8)}  non-2xx ${r.non2xx}  socket errors ${r.errors}`;
    console.log(row('bare fastify', bareResult));
    console.log(row('cairn serve', cairnResult));
    console.log(`  ratio ${(eps(cairnResult) / eps(bareResult)).toFixed(2)}× the bare server`);
    console.log(
      `  stored: ${s.events.toLocaleString('en-US')} events in ${clickhouse ? 'ClickHouse' : 'DuckDB'} ${storedSeconds.toFixed(1)} s after the load began ` +
        `(${Math.round(s.events / storedSeconds).toLocaleString('en-US')} events/s end to end); server RSS ${rssStart.toFixed(0)} → ${rssAfter.toFixed(0)} MB`,
    );

    if (soak > 0) {
      const rate = Math.round(eps(cairnResult) / 2 / BATCH);
      console.log(`soak: ${soak} s at ${(rate * BATCH).toLocaleString('en-US')} events/s (${rate} requests/s, autocannon fixed rate)`);
      const samples: number[] = [];
      const heap: string[] = [];
      const timer = setInterval(() => {
        samples.push(rssMb(served.child.pid!));
        void fetch(`${served.url}/v1/health`)
          .then((r) => r.json() as Promise<{ memory: { heap_used_mb: number; external_mb: number } }>)
          .then((h) => heap.push(`${h.memory.heap_used_mb}+${h.memory.external_mb}`));
      }, 10_000);
      let n = 0;
      const body = () => {
        n++;
        return JSON.stringify(
          Array.from({ length: BATCH }, (_, k) => ({ message_id: `soak-${n}-${k}`, timestamp: '2026-11-20T10:00:00Z', account_id: `acct-${n % 5000}`, action: 'closed', object: 'conversation', place: 'inbox', metadata: { conversation_id: `c-${n}`, state: 'resolved' } })),
        );
      };
      const result = await autocannon({
        url: `${served.url}/v1/events`,
        method: 'POST',
        connections,
        overallRate: rate,
        duration: soak,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
      });
      clearInterval(timer);
      const third = Math.max(1, Math.floor(samples.length / 3));
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(
        `  achieved ${Math.round(result.requests.average * BATCH).toLocaleString('en-US')} events/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
      );
      console.log(
        `  RSS every 10 s (MB): ${samples.map((x) => x.toFixed(0)).join(' ')}; first third avg ${avg(samples.slice(0, third)).toFixed(0)}, last third avg ${avg(samples.slice(-third)).toFixed(0)}`,
      );
      console.log(`  JS heap + external buffers every 10 s (MB): ${heap.join(' ')}`);
    }
    await stop(served.child);
  } finally {
    await rm(ws, { recursive: true, force: true });
    if (clickhouse) await dropClickHouseDatabase([clickhouse], database);
  }
}
