/**
 * Starting and stopping the whole server on a workspace: the store, the write keys, the
 * collector with its log, the tracking plan (re-read when its file changes) and the HTTP app.
 * `stop()` drains: no new requests, everything acknowledged stored, the store closed.
 */
import { statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadMilestones, loadTrackingPlan, type Workspace } from '../config/index.js';
import { Collector, adminToken, stateDir, writeAtomic, WriteKeys } from '../collect/index.js';
import { StatusRefresher } from '../milestones/index.js';
import type { Store } from '../store/index.js';
import { buildApp } from './app.js';

export interface RunningServer {
  url: string;
  adminToken: string;
  collector: Collector;
  /** Keeps milestone statuses following the data; null when `server.status_refresh_seconds` is 0. */
  refresher: StatusRefresher | null;
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
  const refresher =
    server.status_refresh_seconds > 0
      ? new StatusRefresher({
          store,
          framework: ws.milestones,
          fileText: await readFile(ws.files.milestones, 'utf8'),
          minIntervalMs: server.status_refresh_seconds * 1000,
          onError: (err) => log(`milestone status refresh failed, retrying: ${(err as Error).message}`),
        })
      : null;
  const collector = await Collector.open({
    store,
    plan: ws.trackingPlan,
    walDir: join(dir, 'wal'),
    maxQueuedEvents: server.max_queued_events,
    posthogGroupType: server.posthog_group_type,
    accountFacts: ws.config.collect.account_facts,
    onApplyError: (err) => log(`store write failed, retrying: ${(err as Error).message}`),
    onApplied: (g) => refresher?.touch(g.accounts),
    log,
  });
  // Statuses from before this start (another day, another framework) are brought up to date.
  await refresher?.refreshIfBehind();
  const app = await buildApp({
    store,
    collector,
    keys,
    adminToken: token,
    rateLimit: server.rate_limit,
    posthogGroupType: server.posthog_group_type,
    accountFacts: ws.config.collect.account_facts,
    onInternalError: (err) => log(`internal error: ${(err as Error).stack}`),
    onReplayed: () => refresher?.touch(null),
    statuses: () => refresher?.health() ?? null,
  });

  // New and revoked keys, and a changed plan or framework, take effect within a second.
  let planStamp = stamp(ws.files.trackingPlan);
  let milestonesStamp = stamp(ws.files.milestones);
  const timer = setInterval(() => {
    void keys.refresh().catch((err) => log(`could not re-read write keys: ${(err as Error).message}`));
    const now = stamp(ws.files.trackingPlan);
    if (now !== planStamp) {
      planStamp = now;
      loadTrackingPlan(ws.files.trackingPlan).then(
        (plan) => {
          collector.setPlan(plan);
          log(`tracking plan re-read from ${ws.files.trackingPlan}`);
        },
        (err) => log(`tracking plan not re-read, the previous one stays:\n${(err as Error).message}`),
      );
    }
    const framework = stamp(ws.files.milestones);
    if (refresher && framework !== milestonesStamp) {
      milestonesStamp = framework;
      Promise.all([loadMilestones(ws.files.milestones), readFile(ws.files.milestones, 'utf8')]).then(
        ([milestones, text]) => {
          refresher.setFramework(milestones, text);
          log(`milestones re-read from ${ws.files.milestones}: every account's status is refreshed by it`);
        },
        (err) => log(`milestones not re-read, the previous framework stays:\n${(err as Error).message}`),
      );
    }
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
    refresher,
    stop: async () => {
      clearInterval(timer);
      await app.close();
      await collector.close();
      // What the last generations changed is refreshed before the store closes.
      await refresher?.close();
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
