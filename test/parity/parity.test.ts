/**
 * The same demo imported into every engine (test/engines.ts: DuckDB, ClickHouse on chdb, and a
 * ClickHouse server when CAIRN_CLICKHOUSE_URL names one) gives the same answers: import and
 * de-duplication counts, quarantine, stats, every account's milestones and reached days (as of
 * two days, for all accounts and for a few), funnels, segments, the discovery evidence, the
 * materialized statuses with their backfilled history (and a refresh after new data), segment
 * entries, webhook deliveries and dead letters, scheduled job runs, and the framework review.
 * DuckDB's answers are the reference; each other engine is compared with them exactly, the
 * forest's numbers included (the same matrix and seed give the same forest bit for bit).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { importAccountHistory, importAccounts, importEvents, listQuarantine } from '../../src/collect/index.js';
import { loadMilestones, parseCairnConfig, HELPDESK_DIR } from '../../src/config/index.js';
import { generateDemo } from '../../src/demo/index.js';
import { discover } from '../../src/discover/index.js';
import { changesAfter, computeFunnel, computeMilestones, frameworkVersions, readStatusRows, refreshSegments, refreshStatuses, segmentChangesAfter, segmentMembers, statusesAsOf } from '../../src/milestones/index.js';
import { Scheduler } from '../../src/server/index.js';
import { deliverWebhooks, readDeliveries, resolveEndpoints } from '../../src/webhooks/index.js';
import { reviewFramework } from '../../src/review/index.js';
import type { AccountPatch, TrackedEvent } from '../../src/model/index.js';
import { NO_WRITE, sql, type Store } from '../../src/store/index.js';
import { ENGINES } from '../engines.js';
import { tempDir } from '../tmp.js';

const END = '2026-10-31';
const EARLIER = '2025-12-31';

interface Answers {
  imports: unknown;
  collected: unknown;
  stats: unknown;
  quarantine: unknown;
  milestones: unknown;
  earlier: unknown;
  some: unknown;
  funnels: unknown;
  segments: unknown;
  discovery: unknown;
  statuses: unknown;
  review: unknown;
}

async function answers(store: Store, files: { accounts: string; accountHistory: string; events: string[] }): Promise<Answers> {
  const framework = await loadMilestones(join(HELPDESK_DIR, 'milestones.yaml'));
  const accounts = await importAccounts(store, files.accounts, 'demo');
  const history = await importAccountHistory(store, files.accountHistory, 'demo');
  const events = await importEvents(store, files.events, { workers: 0, now: Date.UTC(2026, 11, 1) });
  // Imported twice: every line is a duplicate the second time.
  const again = await importEvents(store, files.events, { workers: 0, now: Date.UTC(2026, 11, 1) });
  const collected = await collect(store, files.events[0]);
  const { last_received_at: _received, sources, ...stats } = await store.stats();
  const quarantine = await listQuarantine(store, { limit: 1_000 });
  const report = await computeMilestones(store, framework, END);
  const some = report.accounts.filter((_, i) => i % 17 === 0).map((a) => a.account_id);
  const segments: Record<string, string[]> = {};
  for (const name of Object.keys(framework.segments)) segments[name] = (await segmentMembers(store, framework, name, report)).map((a) => a.account_id);
  const result = await discover(store, {
    asOf: END,
    retention: { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 },
    current: framework,
    seed: 1,
    refits: 2,
    trees: 40,
  });
  const { generated_at: _generated, ...evidence } = result.evidence;
  const statuses = await refreshAndRead(store, framework);
  const config = parseCairnConfig(await readFile(join(HELPDESK_DIR, 'cairn.yaml'), 'utf8'));
  const { generated_at: _reviewed, ...review } = await reviewFramework(store, { framework, config, asOf: END, now: new Date(0) });
  return {
    imports: { accounts, history, events, again },
    collected,
    stats: { ...stats, sources: Object.fromEntries(Object.entries(sources).map(([k, s]) => [k, { events: s.events, quarantine_by_reason: s.quarantine_by_reason, users_moved: s.users_moved }])) },
    // Ids and arrival times are the engine's own; what was quarantined, where and why is not.
    quarantine: { ...quarantine, entries: quarantine.entries.map(({ id: _id, received_at: _at, ...e }) => e).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) },
    milestones: report,
    earlier: await computeMilestones(store, framework, EARLIER),
    some: await computeMilestones(store, framework, END, { accounts: some }),
    funnels: await Promise.all((['all', 'plan', 'signup_month'] as const).map((by) => computeFunnel(store, framework, END, by))),
    segments,
    discovery: { proposal: result.proposal?.yaml ?? null, evidence },
    statuses,
    review,
  };
}

/**
 * The statuses backfilled as of EARLIER, then refreshed as of END (every account: a later day),
 * then incrementally after one account's new events: the feed (times apart), the rows read back,
 * the page a dashboard reads, and the framework versions.
 */
async function refreshAndRead(store: Store, framework: Awaited<ReturnType<typeof loadMilestones>>) {
  const summary = ({ seconds: _s, ...r }: Awaited<ReturnType<typeof refreshStatuses>>) => r;
  const segmentRuns: unknown[] = [];
  const refresh = async (opts: { asOf: string; accounts?: string[] }) => {
    const r = summary(await refreshStatuses(store, framework, opts));
    segmentRuns.push(await refreshSegments(store, framework, { accounts: opts.accounts }));
    return r;
  };
  const refreshes = [await refresh({ asOf: EARLIER }), await refresh({ asOf: END })];
  // Webhooks to an endpoint that refuses connections: what is delivered (nothing) and dead-lettered, once each.
  const webhooks = parseCairnConfig('version: 1\nwebhooks:\n  endpoints:\n    crm: { url: "http://127.0.0.1:9/hook", secret_env: S }\n  retry: { max_attempts: 1 }\n').webhooks;
  const endpoints = await resolveEndpoints(webhooks, '.', { S: 'whsec_parity' });
  const deliver = () => deliverWebhooks(store, { config: webhooks, endpoints, framework });
  const runs = [await deliver()];
  const [first] = (await computeMilestones(store, framework, END)).accounts.filter((a) => a.stage === 'signed_up' && !a.churned);
  const late = Array.from({ length: 25 }, (_, i) => ({ ...event(`late-${i}`, first.account_id), action: 'closed', object: 'conversation', timestamp: ON(END) }));
  await store.insertEvents(late, 'parity');
  refreshes.push(await refresh({ asOf: END, accounts: [first.account_id] }));
  runs.push(await deliver());
  const scheduler = new Scheduler({ store }).register({ name: 'parity', schedule: '0 6 1 * *', run: async () => ({ refreshes: refreshes.length }) });
  const jobRuns = [await scheduler.runJob('parity', new Date(ON(END))), await scheduler.runJob('parity', new Date(ON(END)))].map(({ seconds: _s, ...r }) => r);
  const { webhooks: deliveries, jobs } = await store.stats();
  const operations = {
    runs,
    jobRuns,
    jobs: Object.fromEntries(Object.entries(jobs).map(([k, { last, last_ok_at: _at, ...j }]) => [k, { ...j, status: last.status, result: last.result }])),
    deliveries: { ...deliveries, dead_letters: deliveries.dead_letters.map(({ failed_at: _at, last_error: _e, ...d }) => d).sort((x, y) => x.id.localeCompare(y.id)) },
    payloads: (await readDeliveries(store, sql`1 = 1`, 1000)).map((d) => {
      const { created_at: _at, ...event } = JSON.parse(d.payload) as Record<string, unknown>;
      return [d.id, d.status, event];
    }),
  };
  const feed = (await changesAfter(store, 0, 1_000_000)).map(({ recorded_at: _at, ...c }) => c);
  const segmentFeed = (await segmentChangesAfter(store, 0, 1_000_000)).map(({ recorded_at: _at, ...c }) => c);
  const read = await statusesAsOf(store, framework, END);
  const page = await readStatusRows(store, framework, { stage: 'signed_up', limit: 20, offset: 5 });
  const versions = (await frameworkVersions(store)).map(({ recorded_at: _at, ...v }) => v);
  return { refreshes, feed, read, page, versions, segmentRuns, segmentFeed, operations };
}

const ON = (day: string) => Date.parse(`${day}T12:00:00Z`);
const event = (id: string, accountId: string, userId: string | null = null): TrackedEvent => ({
  messageId: id, accountId, userId, anonymousId: null, action: 'closed', object: 'conversation', place: 'inbox', metadata: { state: 'resolved' }, timestamp: ON('2026-10-20'), count: 1,
});
const group = (accountId: string, source: string, facts: Partial<AccountPatch>): AccountPatch => ({
  accountId, traits: {}, seenAt: ON('2026-10-21'), source, origin: { kind: 'segment', payload: JSON.stringify({ type: 'group', groupId: accountId, ...facts }) }, ...facts,
});

/**
 * What collectors of several sources write after the import (model/source.ts, model/patch.ts):
 * ids per source, an imported id a duplicate for every source; group calls on imported
 * accounts (facts kept as traits, or taken with `collector`), on a new one, and refused (churn
 * before signup); users moved between accounts.
 */
async function collect(store: Store, eventsFile: string) {
  const imported = (JSON.parse((await readFile(eventsFile, 'utf8')).split('\n', 1)[0]) as { message_id: string; account_id: string });
  const a = imported.account_id;
  const web = await store.applyCollected({
    ...NO_WRITE,
    events: [
      { source: 'web', events: [event('p-1', a, 'pu_1'), event('p-2', a), event('p-1', a), event(imported.message_id, a)] },
      { source: 'backend', events: [event('p-1', a), event('p-3', 'acc_new', 'pu_1')] },
    ],
    accounts: [
      group(a, 'web', { plan: 'enterprise', seats: 99, traits: { region: 'eu' } }),
      group('acc_new', 'backend', { name: 'New', plan: 'starter', createdAt: ON('2026-10-01') }),
      group('acc_refused', 'web', { createdAt: ON('2026-10-10'), churnedAt: ON('2026-09-01') }),
    ],
    users: [
      { userId: 'pu_1', accountId: 'acc_new', traits: { role: 'admin' }, seenAt: ON('2026-10-22'), source: 'backend' },
      { userId: 'pu_1', accountId: a, traits: {}, seenAt: ON('2026-10-23'), source: 'web' },
    ],
  });
  const collector = await store.applyCollected({ ...NO_WRITE, accounts: [group('acc_new', 'web', { seats: 4 })], accountFacts: 'collector' });
  const accounts = await store.query(sql`SELECT account_id, name, plan, seats, traits, facts_source FROM accounts WHERE account_id IN (${a}, 'acc_new', 'acc_refused') ORDER BY account_id`);
  const moves = await store.query(sql`SELECT user_id, from_account, to_account, source, ${store.dialect.epochMs(sql`changed_at`)} AS changed_at FROM user_account_changes ORDER BY changed_at`);
  const events = await store.query(sql`SELECT message_id, source FROM events WHERE message_id LIKE 'p-%' ORDER BY message_id, source`);
  return { web, collector, accounts: accounts.map((r) => ({ ...r, seats: r.seats === null ? null : Number(r.seats) })), moves: moves.map((m) => ({ ...m, changed_at: Number(m.changed_at) })), events };
}

describe('the same answers on every engine', { timeout: 3_600_000 }, () => {
  const results = new Map<string, Answers>();

  before(async () => {
    const dir = await tempDir();
    const demo = await generateDemo({ dir, seed: 5, accounts: 900, months: 24 });
    for (const engine of ENGINES) results.set(engine.name, await answers(await engine.open(), demo.files));
  });

  const reference = () => results.get(ENGINES[0].name)!;
  for (const engine of ENGINES.slice(1)) {
    describe(engine.name, () => {
      for (const part of ['imports', 'collected', 'stats', 'quarantine', 'milestones', 'earlier', 'some', 'funnels', 'segments', 'discovery', 'statuses', 'review'] as const) {
        it(`${part} as on ${ENGINES[0].name}`, () => assert.deepEqual(results.get(engine.name)![part], reference()[part]));
      }
    });
  }

  it('has something to compare: milestones reached, quarantined lines, duplicates, a proposal', () => {
    const r = reference() as unknown as {
      milestones: { accounts: { milestones: Record<string, { reached: boolean }> }[] };
      quarantine: { total: number };
      imports: { again: { duplicates: number } };
      discovery: { proposal: string | null };
    };
    for (const name of ['setup', 'activation', 'utilization', 'maturity']) {
      assert.ok(r.milestones.accounts.some((a) => a.milestones[name].reached), `${name} reached by someone`);
    }
    assert.ok(r.quarantine.total > 0, 'quarantined lines');
    assert.ok(r.imports.again.duplicates > 1000, 'duplicates on the second import');
    assert.ok(r.discovery.proposal, 'a proposal');
    const c = results.get(ENGINES[0].name)!.collected as { web: unknown; accounts: { facts_source: string; traits: string }[]; moves: unknown[]; events: unknown[] };
    assert.deepEqual(c.web, { inserted: 4, duplicates: 2 }, 'ids per source, an imported id a duplicate');
    assert.equal(c.moves.length, 2, 'a user moved away and back');
    assert.deepEqual(c.accounts.map((r) => r.facts_source), ['import', 'web'], 'facts kept by the file, taken by the collector; the refused call stored nothing');
    const st = results.get(ENGINES[0].name)!.statuses as { refreshes: { kind: string }[]; feed: { cause: string }[]; page: { accounts: unknown[] } };
    assert.deepEqual(st.refreshes.map((x) => x.kind), ['backfill', 'full', 'incremental']);
    assert.ok(st.feed.some((x) => x.cause === 'backfill') && st.feed.some((x) => x.cause === 'data'), 'a backfilled history and changes found later');
    assert.equal(st.page.accounts.length, 20, 'a full page of signed-up accounts');
    const review = results.get(ENGINES[0].name)!.review as { recent_cohorts: string[]; milestones: unknown[] };
    assert.ok(review.recent_cohorts.length > 0 && review.milestones.length === 4, 'cohorts judged, every milestone reviewed');
  });
});
