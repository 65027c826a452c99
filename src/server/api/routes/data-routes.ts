import { z } from 'zod';
import { eventsPerDay, freshness, listQuarantine, planCoverage, replayQuarantine, type Freshness } from '../../../collect/index.js';
import { addDays } from '../../../milestones/index.js';
import type { ApiContext } from '../api-context.js';
import { route } from '../api-route.js';
import { asOf, name, wholeNumber } from '../parameters.js';

const quarantineFilter = {
  reason: name('only entries with this reason (invalid_json, unplanned_event, …)').optional(),
  source: name('only entries from this source').optional(),
};

/** How old the newest event and the last arrival are, in seconds, beside their times. */
function withAges(f: Freshness) {
  const age = (iso: string | null) => (iso === null ? null : Math.round((Date.now() - Date.parse(iso)) / 1000));
  return { ...f, newest_event_age_seconds: age(f.newest_event_at), last_received_age_seconds: age(f.last_received_at) };
}

/** Data quality: freshness, lag, arrivals per day and source, plan coverage, quarantine (and its replay, admin only). */
export const dataRoutes = (ctx: ApiContext) => [
  route({
    method: 'GET',
    path: '/freshness',
    tag: 'data',
    summary: 'How fresh the data is: the newest and oldest event, the last arrival, and their age',
    description: 'The freshness figures of `/api/v1/data` alone, read in one pass (what the overview shows).',
    handler: async () => withAges(await freshness(ctx.store)),
  }),
  route({
    method: 'GET',
    path: '/data',
    tag: 'data',
    summary: 'Data quality: freshness, lag per source, events per day and source, quarantine by reason, tracking-plan coverage',
    description: 'Counts, freshness and per-source figures are those of `cairn stats --json`.',
    query: z.strictObject({
      as_of: asOf,
      days: wholeNumber(1, 731, 'the window, in days up to as_of, for events per day and plan coverage (default 90)').default(90),
    }),
    handler: async ({ query }) => {
      const ws = ctx.workspace();
      const to = query.as_of ?? ctx.defaultAsOf();
      const from = addDays(to, 1 - query.days);
      const [stats, perDay, coverage] = await Promise.all([ctx.store.stats(), eventsPerDay(ctx.store, from, to), planCoverage(ctx.store, ctx.collector?.plan ?? ws.trackingPlan, from, to)]);
      return {
        as_of: to,
        from,
        freshness: withAges({ newest_event_at: stats.newest_event_at, oldest_event_at: stats.oldest_event_at, last_received_at: stats.last_received_at }),
        stats,
        events_per_day: perDay,
        coverage,
      };
    },
  }),
  route({
    method: 'GET',
    path: '/data/quarantine',
    tag: 'data',
    role: 'admin',
    summary: 'Quarantined entries, newest first, with their reason and the start of their payload (admin token)',
    description: 'As `cairn quarantine list --json`. Payloads may hold personal data, so a dashboard token sees counts only (`/api/v1/data`).',
    query: z.strictObject({ ...quarantineFilter, limit: wholeNumber(1, 1000, 'entries to list (1 to 1000, default 50)').default(50) }),
    handler: ({ query }) => listQuarantine(ctx.store, query),
  }),
  route({
    method: 'POST',
    path: '/data/quarantine/replay',
    tag: 'data',
    role: 'admin',
    summary: 'Check quarantined entries again against the current tracking plan and store what now passes, once (admin token)',
    description: 'As `cairn quarantine replay`. With no ids, reason or source, every entry is tried.',
    body: z.strictObject({
      ids: z.array(z.int().min(1), { error: 'expected an array of entry ids' }).max(10_000).optional().describe('only these entries'),
      ...quarantineFilter,
      dry_run: z.boolean({ error: 'expected true or false' }).default(false).describe('check and count, store nothing'),
    }),
    response: { description: '`{ selected, replayed, duplicates, still_failing, not_replayable, by_reason }`' },
    handler: async ({ body }) => {
      const ws = ctx.workspace();
      const summary = await replayQuarantine(ctx.store, ctx.collector?.plan ?? ws.trackingPlan, {
        ids: body.ids,
        reason: body.reason,
        source: body.source,
        dryRun: body.dry_run,
        posthogGroupType: ws.config.server.posthog_group_type,
        accountFacts: ws.config.collect.account_facts,
      });
      if (summary.replayed > 0) ctx.onReplayed?.();
      return summary;
    },
  }),
  route({
    method: 'GET',
    path: '/collector',
    tag: 'data',
    summary: "The collector's state (queue, last store write, requests) and the keys that send to it, per source intake and lag",
    response: { description: '`{ running, health, keys, sources }`; keys without their hashes' },
    handler: async () => {
      const stats = await ctx.store.stats();
      return {
        running: ctx.collector !== null,
        health: ctx.collector?.health() ?? null,
        keys: ctx.keys().map(({ name, kind, prefix, created_at, revoked_at, rate_limit }) => ({ name, kind: kind ?? 'write', prefix, created_at, revoked_at, rate_limit: rate_limit ?? null })),
        sources: stats.sources,
      };
    },
  }),
];
