/**
 * The HTTP server `cairn serve` runs: the collector's endpoints, `/v1/health`, and the admin
 * API (behind the admin token) that the CLI and the dashboard use while the server holds the
 * store. Built as `buildApp(deps)` so tests run it on port 0; only the CLI listens for real.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import {
  BODY_LIMITS,
  HttpError,
  adminTokenProblem,
  checkContentType,
  collectorRoutes,
  listQuarantine,
  parseJson,
  replayQuarantine,
  showQuarantine,
  type Collector,
  type KeyCheck,
} from '../collect/index.js';
import type { AccountFactsAuthority } from '../model/index.js';
import type { Store } from '../store/index.js';
import { checklistRoutes, type ChecklistOptions } from './checklist-routes.js';

export interface AppOptions {
  store: Store;
  collector: Collector;
  keys: KeyCheck;
  adminToken: string;
  /** Events per second per write key. */
  rateLimit: number;
  posthogGroupType?: string;
  /** Who decides account facts the accounts file named (`collect.account_facts`). */
  accountFacts?: AccountFactsAuthority;
  /** Called with errors the server answered with a 500 (a bug, not bad input). */
  onInternalError?: (err: unknown) => void;
  /** Called after a quarantine replay stored something. */
  onReplayed?: () => void;
  /** How the milestone statuses follow the data, for /v1/health. */
  statuses?: () => unknown;
  /** The scheduled jobs and when they run next, for /v1/health. */
  scheduler?: () => unknown;
  /** Webhook deliveries: their state for /v1/health, and replaying dead letters (admin). */
  webhooks?: { health(): unknown; replay(body: { ids?: string[]; all?: boolean }): Promise<unknown> };
  /** The in-product onboarding checklist (checklist-routes.ts). */
  checklist?: ChecklistOptions;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: BODY_LIMITS.batchBytes, logger: false, requestTimeout: 30_000, return503OnClosing: true });
  // Every body arrives as bytes: gzip is recognised by its bytes, whatever the Content-Type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError | HttpError, _req, reply) => {
    if (err instanceof HttpError) {
      if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
      return reply.code(err.status).send({ ok: false, error: err.message });
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) opts.onInternalError?.(err);
    const message = status === 413 ? `body is larger than ${BODY_LIMITS.batchBytes / 1024} KB` : status >= 500 ? 'internal error' : err.message;
    return reply.code(status).send({ ok: false, error: message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ ok: false, error: `no such endpoint: ${req.method} ${req.url.split('?')[0]}` }));

  collectorRoutes(app, { collector: opts.collector, keys: opts.keys, rateLimit: opts.rateLimit });

  app.get('/v1/health', async (_req, reply) => {
    const health = opts.collector.health();
    const ok = health.apply_error === null;
    const m = process.memoryUsage();
    // The JS heap apart from the rest (mostly the store's buffers), to tell a leak from a cache.
    const mb = (n: number) => Math.round(n / 2 ** 20);
    const memory = { rss_mb: mb(m.rss), heap_used_mb: mb(m.heapUsed), external_mb: mb(m.external) };
    return reply.code(ok ? 200 : 503).send({ ok, ...health, memory, statuses: opts.statuses?.() ?? null, scheduler: opts.scheduler?.() ?? null, webhooks: opts.webhooks?.health() ?? null });
  });
  if (opts.checklist) checklistRoutes(app, opts.store, opts.checklist);

  const weak = adminTokenProblem(opts.adminToken);
  if (weak) throw new Error(`invalid admin token: ${weak}`);
  const token = Buffer.from(opts.adminToken);
  // No CORS here: a web page the operator visits must not reach the admin API.
  app.register(async (admin) => {
    admin.addHook('onRequest', async (req) => {
      const auth = req.headers.authorization ?? '';
      const given = Buffer.from(auth.startsWith('Bearer ') ? auth.slice(7) : '');
      if (given.length !== token.length || !timingSafeEqual(given, token)) throw new HttpError(401, 'the admin API needs Authorization: Bearer <admin token> (.cairn/admin-token)');
      // Browsers name the page's origin; the CLI sends none. A page elsewhere is refused even with the token.
      const origin = req.headers.origin;
      if (origin !== undefined && hostOf(origin) !== req.headers.host) throw new HttpError(403, `the admin API does not answer pages from other origins, got ${origin}`);
    });
    admin.get('/v1/admin/stats', async () => ({ ...(await opts.store.stats()), collector: opts.collector.health() }));
    admin.get('/v1/admin/quarantine', async (req) => {
      const q = req.query as Record<string, string | undefined>;
      const limit = q.limit === undefined ? 50 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new HttpError(400, `limit must be a whole number from 1 to 100000, got ${JSON.stringify(q.limit)}`);
      return listQuarantine(opts.store, { source: q.source, reason: q.reason, limit });
    });
    admin.get('/v1/admin/quarantine/:id', async (req) => {
      const id = Number((req.params as { id: string }).id);
      const entry = Number.isSafeInteger(id) && id > 0 ? await showQuarantine(opts.store, id) : null;
      if (!entry) throw new HttpError(404, `no quarantine entry ${(req.params as { id: string }).id}`);
      return entry;
    });
    // Replays against the plan the collector uses now, which follows the file.
    admin.post('/v1/admin/quarantine/replay', async (req) => {
      checkContentType(req.headers['content-type'], ['application/json']);
      const body = req.body instanceof Buffer && req.body.length > 0 ? parseJson(req.body.toString('utf8')) : {};
      const r = (typeof body === 'object' && body !== null ? body : {}) as { ids?: unknown; source?: unknown; reason?: unknown; dry_run?: unknown };
      const ids = Array.isArray(r.ids) && r.ids.every((i) => Number.isSafeInteger(i)) ? (r.ids as number[]) : undefined;
      if (r.ids !== undefined && ids === undefined) throw new HttpError(400, 'ids must be an array of whole numbers');
      const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const summary = await replayQuarantine(opts.store, opts.collector.plan, {
        ids,
        source: text(r.source),
        reason: text(r.reason),
        dryRun: r.dry_run === true,
        posthogGroupType: opts.posthogGroupType,
        accountFacts: opts.accountFacts,
      });
      if (summary.replayed > 0) opts.onReplayed?.();
      return summary;
    });
    admin.post('/v1/admin/webhooks/replay', async (req) => {
      checkContentType(req.headers['content-type'], ['application/json']);
      const body = req.body instanceof Buffer && req.body.length > 0 ? parseJson(req.body.toString('utf8')) : {};
      const r = (typeof body === 'object' && body !== null ? body : {}) as { ids?: unknown; all?: unknown };
      if (r.ids !== undefined && !(Array.isArray(r.ids) && r.ids.every((i) => typeof i === 'string'))) throw new HttpError(400, 'ids must be an array of delivery ids');
      if (!opts.webhooks) return { replayed: [], refused: [] };
      return opts.webhooks.replay({ ids: r.ids as string[] | undefined, all: r.all === true });
    });
  });
  return app;
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
