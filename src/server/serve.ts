/**
 * Starting and stopping the whole server on a workspace: the store, the write keys, the
 * collector with its log, the tracking plan (re-read when its file changes) and the HTTP app.
 * `stop()` drains: no new requests, everything acknowledged stored, the store closed.
 */
import { statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadMilestones, loadTrackingPlan, type Workspace } from '../config/index.js';
import { Collector, IdentitySecrets, adminToken, stateDir, writeAtomic, WriteKeys } from '../collect/index.js';
import { refreshSegments, refreshStatuses, StatusRefresher } from '../milestones/index.js';
import type { Store } from '../store/index.js';
import { resolveEndpoints, WebhookDispatcher, replayDeadLetters } from '../webhooks/index.js';
import { buildApp } from './app.js';
import { Scheduler, type Job } from './scheduler.js';

export interface RunningServer {
  url: string;
  adminToken: string;
  collector: Collector;
  /** Keeps milestone statuses following the data; null when `server.status_refresh_seconds` is 0. */
  refresher: StatusRefresher | null;
  /** The scheduled jobs (status refreshes, the review, what the caller adds). */
  scheduler: Scheduler;
  /** Webhook deliveries; null when cairn.yaml names no endpoint. */
  webhooks: WebhookDispatcher | null;
  stop(): Promise<void>;
}

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Messages for a person: plan reloads, store errors. */
  log?: (line: string) => void;
  /** Jobs to schedule beside the status refresh (the CLI adds the review). */
  jobs?: readonly Job[];
}

/** The file a running server leaves in `.cairn/`, so other commands can find it. */
export const SERVER_FILE = 'server.json';

export async function startServer(ws: Workspace, store: Store, opts: ServeOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? (() => undefined);
  const dir = await stateDir(ws.dir);
  const keys = await WriteKeys.open(ws.dir);
  const token = await adminToken(ws.dir);
  const server = ws.config.server;
  let framework = ws.milestones;
  // Endpoints are read first: an unset secret stops the start, rather than failing each delivery.
  const endpoints = await resolveEndpoints(ws.config.webhooks, ws.dir);
  const webhooks = endpoints.length
    ? new WebhookDispatcher({
        store,
        config: ws.config.webhooks,
        endpoints,
        framework: () => framework,
        onError: (err) => log(`webhook deliveries failed, retrying: ${(err as Error).message}`),
        onRun: (r) => r.dead > 0 && log(`webhooks: ${r.dead} deliveries failed every attempt (dead letters: cairn stats, cairn webhooks replay)`),
      })
    : null;
  const refresher =
    server.status_refresh_seconds > 0
      ? new StatusRefresher({
          store,
          framework: ws.milestones,
          fileText: await readFile(ws.files.milestones, 'utf8'),
          minIntervalMs: server.status_refresh_seconds * 1000,
          onError: (err) => log(`milestone status refresh failed, retrying: ${(err as Error).message}`),
          onRefreshed: () => webhooks?.kick(),
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
  const scheduler = new Scheduler({ store, log });
  scheduler.register({
    name: 'refresh_statuses',
    schedule: ws.config.scheduler.refresh,
    run: async () => {
      // Every account: what no write touched changes too (a segment by age, a new day).
      if (refresher) {
        refresher.touch(null);
        await refresher.flush();
        return refresher.last;
      }
      const summary = await refreshStatuses(store, framework, { fileText: await readFile(ws.files.milestones, 'utf8') });
      if (Object.keys(framework.segments).length) await refreshSegments(store, framework);
      webhooks?.kick();
      return summary;
    },
  });
  for (const job of opts.jobs ?? []) scheduler.register(job);
  const identity = await IdentitySecrets.open(ws.dir);
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
    scheduler: () => ({ jobs: scheduler.names, next_runs: scheduler.nextRuns() }),
    webhooks: {
      health: () => webhooks?.health() ?? null,
      replay: async (body) => {
        const result = await replayDeadLetters(store, body);
        webhooks?.kick();
        return result;
      },
    },
    checklist: { framework: () => framework, identity, allowedOrigins: ws.config.checklist.allowed_origins },
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
    const frameworkStamp = stamp(ws.files.milestones);
    if (refresher && frameworkStamp !== milestonesStamp) {
      milestonesStamp = frameworkStamp;
      Promise.all([loadMilestones(ws.files.milestones), readFile(ws.files.milestones, 'utf8')]).then(
        ([milestones, text]) => {
          framework = milestones;
          refresher.setFramework(milestones, text);
          log(`milestones re-read from ${ws.files.milestones}: every account's status is refreshed by it`);
        },
        (err) => log(`milestones not re-read, the previous framework stays:\n${(err as Error).message}`),
      );
    }
  }, 1000);
  timer.unref();

  const address = await app.listen({ port: opts.port ?? server.port, host: opts.host ?? server.host });
  await scheduler.start();
  const url = address.replace('[::1]', 'localhost');
  const serverFile = join(dir, SERVER_FILE);
  await writeAtomic(serverFile, JSON.stringify({ pid: process.pid, url, started_at: new Date().toISOString() }) + '\n');
  return {
    url,
    adminToken: token,
    collector,
    refresher,
    scheduler,
    webhooks,
    stop: async () => {
      clearInterval(timer);
      await scheduler.stop();
      await app.close();
      await collector.close();
      // What the last generations changed is refreshed before the store closes; the next start delivers it.
      await refresher?.close();
      await webhooks?.close();
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
