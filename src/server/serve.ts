/**
 * Starting and stopping the whole server on a workspace: the store, the write keys, the
 * collector with its log, the tracking plan and milestones.yaml (re-read when their files
 * change), the status refresher, the scheduler, webhook deliveries, the API, the dashboard and
 * the HTTP app. `stop()` drains: no new requests, everything acknowledged stored, the store closed.
 */
import { statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { ConfigError, loadMilestones, loadTrackingPlan, type Workspace } from '../config/index.js';
import { Collector, IdentitySecrets, adminToken, stateDir, writeAtomic, WriteKeys } from '../collect/index.js';
import { refreshSegments, refreshStatuses, StatusRefresher, toDay, type Day } from '../milestones/index.js';
import type { Store } from '../store/index.js';
import { resolveEndpoints, WebhookDispatcher, replayDeadLetters } from '../webhooks/index.js';
import { isLoopbackHost } from './api/api-auth.js';
import type { ApiRole } from './api/api-route.js';
import { buildApp } from './app.js';
import { Scheduler, type Job } from './scheduler.js';

export interface RunningServer {
  url: string;
  adminToken: string;
  /** The role of API requests without a token (loopback only), or null when a token is needed. */
  withoutToken: ApiRole | null;
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
  /** The role of API requests without a token; default from `server.api_auth` (`none_on_loopback`: read). */
  withoutToken?: ApiRole | null;
  /** The day the API judges as of when a request names none, and statuses are materialized for; default today (UTC). */
  asOf?: Day;
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
  const host = opts.host ?? server.host;
  const withoutToken = opts.withoutToken !== undefined ? opts.withoutToken : server.api_auth === 'none_on_loopback' ? 'read' : null;
  // A name for the host, as browsers send it in Host: what the API's loopback check reads.
  if (withoutToken !== null && !isLoopbackHost(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host)) {
    throw ConfigError.forFile(ws.files.config, `server.api_auth: none_on_loopback needs a loopback host (127.0.0.1, localhost or ::1), got ${host}; use api_auth: token to listen there`);
  }
  // The workspace as last read: the tracking plan and milestones.yaml follow their files.
  let current = ws;
  // Endpoints are read first: an unset secret stops the start, rather than failing each delivery.
  const endpoints = await resolveEndpoints(ws.config.webhooks, ws.dir);
  const webhooks = endpoints.length
    ? new WebhookDispatcher({
        store,
        config: ws.config.webhooks,
        endpoints,
        framework: () => current.milestones,
        onError: (err) => log(`webhook deliveries failed, retrying: ${(err as Error).message}`),
        onRun: (r) => r.dead > 0 && log(`webhooks: ${r.dead} deliveries failed every attempt (dead letters: cairn stats, cairn webhooks replay)`),
      })
    : null;
  // Refreshes hold the collector's store writes while they read (see StatusRefresher); none before it opens.
  let collecting: Collector | null = null;
  const refresher =
    server.status_refresh_seconds > 0
      ? new StatusRefresher({
          store,
          framework: ws.milestones,
          fileText: await readFile(ws.files.milestones, 'utf8'),
          asOf: opts.asOf,
          minIntervalMs: server.status_refresh_seconds * 1000,
          maxShare: server.status_refresh_max_share,
          onError: (err) => log(`milestone status refresh failed, retrying: ${(err as Error).message}`),
          onRefreshed: () => webhooks?.kick(),
          holdWrites: async () => (collecting ? collecting.holdWrites() : () => undefined),
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
    onApplied: (g) => refresher?.applied(g.accounts, g.observed),
    ...(refresher ? { observe: () => refresher.observer() } : {}),
    log,
  });
  collecting = collector;
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
      const framework = current.milestones;
      const summary = await refreshStatuses(store, framework, { asOf: opts.asOf, fileText: await readFile(ws.files.milestones, 'utf8') });
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
    api: { workspace: () => current, keys, defaultAsOf: () => opts.asOf ?? toDay(Date.now()), withoutToken, version: packageJson.version },
    scheduler: () => ({ jobs: scheduler.names, next_runs: scheduler.nextRuns() }),
    webhooks: {
      health: () => webhooks?.health() ?? null,
      replay: async (body) => {
        const result = await replayDeadLetters(store, body);
        webhooks?.kick();
        return result;
      },
    },
    checklist: { framework: () => current.milestones, identity, allowedOrigins: ws.config.checklist.allowed_origins },
  });

  // New and revoked keys, and a changed plan or framework, take effect within a second.
  let planStamp = stamp(ws.files.trackingPlan);
  let milestonesStamp = stamp(ws.files.milestones);
  const timer = setInterval(() => {
    void keys.refresh().catch((err) => log(`could not re-read keys: ${(err as Error).message}`));
    const plan = stamp(ws.files.trackingPlan);
    if (plan !== planStamp) {
      planStamp = plan;
      loadTrackingPlan(ws.files.trackingPlan).then(
        (loaded) => {
          collector.setPlan(loaded);
          current = { ...current, trackingPlan: loaded };
          log(`tracking plan re-read from ${ws.files.trackingPlan}`);
        },
        (err) => log(`tracking plan not re-read, the previous one stays:\n${(err as Error).message}`),
      );
    }
    const milestones = stamp(ws.files.milestones);
    if (milestones !== milestonesStamp) {
      milestonesStamp = milestones;
      Promise.all([loadMilestones(ws.files.milestones), readFile(ws.files.milestones, 'utf8')]).then(
        ([loaded, text]) => {
          current = { ...current, milestones: loaded };
          refresher?.setFramework(loaded, text);
          log(`milestones re-read from ${ws.files.milestones}${refresher ? ": every account's status is refreshed by it" : ''}`);
        },
        (err) => log(`milestones not re-read, the previous framework stays:\n${(err as Error).message}`),
      );
    }
  }, 1000);
  timer.unref();

  const address = await app.listen({ port: opts.port ?? server.port, host });
  await scheduler.start();
  const url = address.replace('[::1]', 'localhost');
  const serverFile = join(dir, SERVER_FILE);
  await writeAtomic(serverFile, JSON.stringify({ pid: process.pid, url, started_at: new Date().toISOString() }) + '\n');
  return {
    url,
    adminToken: token,
    withoutToken,
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
