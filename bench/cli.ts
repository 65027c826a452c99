/**
 * bench/cli: how long `cairn` takes to answer, built (dist/, what `npm install` makes) against
 * its sources through tsx (the fallback, and how every verb ran before the build), in the same
 * run, alternating: `--help`, `--version`, and `milestones` on a small demo workspace. Wall
 * time of the whole process, as a person or a script waits for it.
 *
 *   npm run bench -- cli [--runs 20] [--accounts 100] [--baseline DIR]
 *
 * --baseline DIR also times another checkout's bin/cairn.js (e.g. one from before the build,
 * whose main.ts imported every verb up front; it had no --version).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtCli } from '../bin/built-cli.js';
import { buildCli } from '../scripts/build.js';
import { quantile } from '../src/stats/index.js';
import { option } from './demo-store.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin', 'cairn.js');

interface Variant {
  name: string;
  bin: string;
  env: NodeJS.ProcessEnv;
  /** Commands it does not have. */
  lacks?: string[];
}

function timeRun(v: Variant, args: string[]): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, [v.bin, ...args], { env: { ...process.env, ...v.env }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${v.name}: cairn ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const fmt = (ms: number) => `${Math.round(ms)} ms`.padStart(8);

export async function run(args: string[]): Promise<void> {
  const runs = Number(option(args, 'runs') ?? 20);
  const accounts = Number(option(args, 'accounts') ?? 100);
  const baseline = option(args, 'baseline');
  const variants: Variant[] = [
    { name: 'built', bin: BIN, env: { CAIRN_FROM_SOURCES: '' } },
    { name: 'sources (tsx)', bin: BIN, env: { CAIRN_FROM_SOURCES: '1' } },
    ...(baseline ? [{ name: `baseline ${baseline}`, bin: join(resolve(baseline), 'bin', 'cairn.js'), env: {}, lacks: ['--version'] }] : []),
  ];

  const t = performance.now();
  await buildCli();
  console.log(`bench/cli: built dist/ in ${Math.round(performance.now() - t)} ms; ${runs} runs of each, alternating`);
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-cli-'));
  try {
    const ws = join(dir, 'demo');
    const demo = spawnSync(process.execPath, [BIN, 'demo', '--dir', ws, '--accounts', String(accounts), '--months', '12', '--no-discover', '--json'], { encoding: 'utf8' });
    if (demo.status !== 0) throw new Error(`demo failed: ${demo.stderr}`);
    const summary = JSON.parse(demo.stdout) as { accounts: number; events: number; newest_event_at: string };
    console.log(`  workspace: demo, ${summary.accounts} accounts, ${summary.events.toLocaleString('en-US')} events (DuckDB)`);
    const commands: Record<string, string[]> = {
      '--help': ['--help'],
      '--version': ['--version'],
      milestones: ['-w', ws, 'milestones', '--as-of', summary.newest_event_at.slice(0, 10), '--json'],
    };

    // One untimed run each: tsx's transform cache and the page cache warm, as on a developer's machine.
    for (const v of variants) for (const [name, c] of Object.entries(commands)) if (!v.lacks?.includes(name)) timeRun(v, c);
    const times = new Map<string, number[]>();
    for (let r = 0; r < runs; r++) {
      for (const [name, c] of Object.entries(commands)) {
        // Rotating the order spreads the machine's drifts over every variant.
        for (let i = 0; i < variants.length; i++) {
          const v = variants[(i + r) % variants.length];
          if (v.lacks?.includes(name)) continue;
          const key = `${name}\t${v.name}`;
          times.set(key, [...(times.get(key) ?? []), timeRun(v, c)]);
        }
      }
    }

    console.log(`\n  ${'command'.padEnd(12)} ${'cli'.padEnd(28)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'min'.padStart(8)}  built / this (median)`);
    for (const name of Object.keys(commands)) {
      const builtMedian = quantile(times.get(`${name}\tbuilt`)!, 0.5);
      for (const v of variants) {
        const xs = times.get(`${name}\t${v.name}`);
        if (!xs) continue;
        const median = quantile(xs, 0.5);
        const ratio = v.name === 'built' ? '' : `${(builtMedian / median).toFixed(2)}×`;
        console.log(`  ${name.padEnd(12)} ${v.name.padEnd(28)} ${fmt(median)} ${fmt(quantile(xs, 0.95))} ${fmt(Math.min(...xs))}  ${ratio}`);
      }
    }
    const node = Array.from({ length: runs }, () => {
      const s = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      return performance.now() - s;
    });
    const check = Array.from({ length: runs }, () => {
      const s = performance.now();
      if (!builtCli()) throw new Error('dist/ is not fresh');
      return performance.now() - s;
    });
    console.log(`\n  for scale: node -e 0 median ${Math.round(quantile(node, 0.5))} ms; bin/cairn.js's freshness check (walks src/) median ${quantile(check, 0.5).toFixed(1)} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
