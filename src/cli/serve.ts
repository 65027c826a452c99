import { availableParallelism } from 'node:os';
import { loadWorkspace, resolveWorkspaceDir } from '../config/index.js';
import { startServer } from '../server/index.js';
import { EndpointError } from '../webhooks/index.js';
import { positiveInt, usageError } from './errors.js';
import { reviewJob } from './review.js';
import { print, terminalText } from './output.js';
import { openStore, type GlobalOptions } from './workspace.js';

/** `cairn serve`: the collector and API until SIGTERM or SIGINT, then a drain. */
export async function runServe(opts: { port?: string; host?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const ws = await loadWorkspace(resolveWorkspaceDir(globals.workspace));
  // Port 0 asks the system for a free one (tests, benchmarks); --json says which.
  const port = opts.port === undefined || opts.port === '0' ? (opts.port === '0' ? 0 : undefined) : positiveInt(opts.port, '--port', 65535);
  // DuckDB takes every core by default; its bursts would then starve the HTTP thread
  // (measured in bench/ingest: one DuckDB thread on 2 cores acknowledged ~25% more).
  const store = await openStore(ws, { defaultThreads: Math.max(1, availableParallelism() - 1) });
  const log = (line: string) => process.stderr.write(terminalText(`cairn serve: ${line}\n`));
  let running;
  try {
    running = await startServer(ws, store, { port, host: opts.host, log, jobs: ws.config.scheduler.review ? [reviewJob(ws, store)] : [] });
  } catch (err) {
    await store.close();
    throw err instanceof EndpointError ? usageError(err.message) : err;
  }
  // Runs until SIGTERM or SIGINT, then drains: what was acknowledged is stored before exit.
  // The handlers come first: a parent may signal as soon as it reads the address.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: draining`);
      running
        .stop()
        .then(() => store.close())
        .then(resolve, (err) => {
          log(`stopping failed: ${(err as Error).message}`);
          resolve();
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // One line, so a parent process can read it as soon as it arrives.
  if (opts.json) print(JSON.stringify({ url: running.url, pid: process.pid }));
  else {
    print(`cairn serve: listening on ${running.url} (workspace ${ws.dir})`);
    print('  events:  POST /v1/events · Segment /v1/batch · PostHog /batch   health: GET /v1/health');
    print('  write keys: cairn keys create NAME · admin token: .cairn/admin-token');
  }
  await stopped;
}
