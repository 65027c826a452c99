/**
 * Starting and stopping the whole server on a workspace: the store, the write keys, the
 * collector with its log, the tracking plan (re-read when its file changes) and the HTTP app.
 * `stop()` drains: no new requests, everything acknowledged stored, the store closed.
 */
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTrackingPlan, type Workspace } from '../config/index.js';
import { Collector, adminToken, stateDir, writeAtomic, WriteKeys } from '../collect/index.js';
import type { Store } from '../store/index.js';
import { buildApp } from './app.js';

export interface RunningServer {
  url: string;
  adminToken: string;
  collector: Collector;
  stop(): Promise<void>;
}

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Messages for a person: plan reloads, store errors. */
  log?: (line: string) => void;
}

/** The file a running server leaves in `.cairn/`, so other commands can find it. */
export const SERVER_FILE = 'server.json';

export async function startServer(ws: Workspace, store: Store, opts: ServeOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? (() => undefined);
  const dir = await stateDir(ws.dir);
  const keys = await WriteKeys.open(ws.dir);
  const token = await adminToken(ws.dir);
  const server = ws.config.server;
  const collector = await Collector.open({
    store,
    plan: ws.trackingPlan,
    walDir: join(dir, 'wal'),
    maxQueuedEvents: server.max_queued_events,
    posthogGroupType: server.posthog_group_type,
    accountFacts: ws.config.collect.account_facts,
    onApplyError: (err) => log(`store write failed, retrying: ${(err as Error).message}`),
    log,
  });
  const app = await buildApp({ store, collector, keys, adminToken: token, rateLimit: server.rate_limit, posthogGroupType: server.posthog_group_type, accountFacts: ws.config.collect.account_facts, onInternalError: (err) => log(`internal error: ${(err as Error).stack}`) });

  // New and revoked keys, and a changed plan, take effect within a second.
  let planStamp = stamp(ws.files.trackingPlan);
  const timer = setInterval(() => {
    void keys.refresh().catch((err) => log(`could not re-read write keys: ${(err as Error).message}`));
    const now = stamp(ws.files.trackingPlan);
    if (now === planStamp) return;
    planStamp = now;
    loadTrackingPlan(ws.files.trackingPlan).then(
      (plan) => {
        collector.setPlan(plan);
        log(`tracking plan re-read from ${ws.files.trackingPlan}`);
      },
      (err) => log(`tracking plan not re-read, the previous one stays:\n${(err as Error).message}`),
    );
  }, 1000);
  timer.unref();

  const address = await app.listen({ port: opts.port ?? server.port, host: opts.host ?? server.host });
  const url = address.replace('[::1]', 'localhost');
  const serverFile = join(dir, SERVER_FILE);
  await writeAtomic(serverFile, JSON.stringify({ pid: process.pid, url, started_at: new Date().toISOString() }) + '\n');
  return {
    url,
    adminToken: token,
    collector,
    stop: async () => {
      clearInterval(timer);
      await app.close();
      await collector.close();
      await rm(serverFile, { force: true });
    },
  };
}

function stamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}
