import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { Collector } from '../../src/collect/index.js';
import { parseMilestones, parseTrackingPlan } from '../../src/config/index.js';
import {
  addDays,
  changesAfter,
  computeFunnel,
  computeMilestones,
  frameworkVersions,
  materializedFunnelStatuses,
  materializedStatuses,
  milestoneHistory,
  refreshStatuses,
  statusesAsOf,
  statusState,
  StatusRefresher,
  type AccountStatus,
  type MilestoneChange,
} from '../../src/milestones/index.js';
import { sql, type Store } from '../../src/store/index.js';
import { describeEngines } from '../engines.js';
import { at, ev, storeWith, type TestAccount } from '../fixtures.js';
import { tempDir } from '../tmp.js';

const FRAMEWORK = `milestones:
  setup:
    kind: checklist
    at_least: 2
    steps:
      - { id: install, when: { action: installed, object: messenger } }
      - { id: invite, when: { action: invited, object: teammate } }
      - { id: connect, when: { action: connected, object: email } }
  activation:
    kind: threshold
    requires: [setup]
    count: { action: closed, object: conversation }
    within_days: 30
    at_least: 3
  utilization:
    kind: per_seat
    requires: [activation]
    count: { action: closed, object: conversation, metadata: { state: resolved } }
    per_month_per_seat_at_least: 2
  maturity:
    kind: categories
    requires: [utilization]
    window_days: 10
    mature_in_at_least: 2
    categories:
      automation: { basic: [{ action: created, object: macro }], mature: [{ action: published, object: workflow }] }
      reporting: { basic: [], mature: [{ action: created, object: report }] }
`;
const framework = parseMilestones(FRAMEWORK);
const AS_OF = '2025-03-15';

const resolved = { metadata: { state: 'resolved' } };
const closed = (account: string, day: string, over = {}) => ev(account, day, 'closed', 'conversation', over);
const ACCOUNTS: TestAccount[] = [
  { id: 'a', signup: '2025-01-05' },
  { id: 'b', signup: '2025-01-10' },
  { id: 'c', signup: '2025-01-20', churned: '2025-02-10', seats: 2 },
  { id: 'd', signup: '2025-02-01' },
  { id: 'e', signup: '2025-01-15', seats: 5 },
  { id: 'f', signup: '2025-02-20' },
];
const EVENTS = [
  // a: set up on the 8th; activated and utilizing on the 12th (utilization's own day, the 9th, comes first); mature on the 25th.
  ev('a', '2025-01-05', 'installed', 'messenger'),
  ev('a', '2025-01-08', 'invited', 'teammate'),
  closed('a', '2025-01-06', resolved),
  closed('a', '2025-01-09', resolved),
  closed('a', '2025-01-12'),
  ev('a', '2025-01-20', 'published', 'workflow'),
  ev('a', '2025-01-25', 'created', 'report'),
  // b: set up before signing up; two closes only.
  ev('b', '2025-01-02', 'installed', 'messenger'),
  ev('b', '2025-01-03', 'invited', 'teammate'),
  closed('b', '2025-01-15'),
  closed('b', '2025-01-15'),
  // c: set up and activated, unresolved closes only; churned in February.
  ev('c', '2025-01-21', 'installed', 'messenger'),
  ev('c', '2025-01-22', 'connected', 'email'),
  closed('c', '2025-01-23'),
  closed('c', '2025-01-24'),
  closed('c', '2025-01-25'),
  // e: one seat in January (history), five from February.
  closed('e', '2025-01-16', resolved),
  closed('e', '2025-01-17', resolved),
  ev('e', '2025-01-18', 'installed', 'messenger'),
  ev('e', '2025-02-03', 'connected', 'email'),
  closed('e', '2025-02-04', { count: 2 }),
  // f: everything on one day.
  ev('f', '2025-02-21', 'installed', 'messenger'),
  ev('f', '2025-02-21', 'invited', 'teammate'),
  closed('f', '2025-02-21', { ...resolved, count: 3 }),
];
const HISTORY = [
  { accountId: 'e', validFrom: at('2025-01-15', 9), plan: 'pro', seats: 1, mrr: 50, status: 'active' as const },
  { accountId: 'e', validFrom: at('2025-02-01', 0), plan: 'pro', seats: 5, mrr: 250, status: 'active' as const },
];

type Row = Pick<MilestoneChange, 'account_id' | 'kind' | 'name' | 'change' | 'previous' | 'day'>;
const key = (r: Row) => [r.day, r.account_id, r.kind, r.name, r.change, r.previous ?? ''].join(' ');
const keys = (rows: readonly Row[]) => rows.map(key).sort();

async function allChanges(store: Store): Promise<MilestoneChange[]> {
  return changesAfter(store, 0, 1_000_000);
}

/** The changes found by computing every day from scratch: what reached or was lost from one day to the next. */
async function dayByDay(store: Store, from: string, to: string): Promise<Row[]> {
  const rows: Row[] = [];
  let previous = new Map<string, AccountStatus>();
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const report = await computeMilestones(store, framework, day);
    const now = new Map(report.accounts.map((a) => [a.account_id, a]));
    for (const a of report.accounts) {
      const before = previous.get(a.account_id);
      for (const [name, m] of Object.entries(a.milestones)) {
        const was = before?.milestones[name].reached ?? false;
        if (m.reached !== was) rows.push({ account_id: a.account_id, kind: 'milestone', name, change: m.reached ? 'reached' : 'lost', previous: null, day });
      }
      const stageBefore = before?.stage ?? report.stages[0].name;
      if (a.stage !== stageBefore) {
        const forward = report.stages.findIndex((s) => s.name === a.stage) > report.stages.findIndex((s) => s.name === stageBefore);
        rows.push({ account_id: a.account_id, kind: 'stage', name: a.stage, change: forward ? 'reached' : 'lost', previous: stageBefore, day });
      }
    }
    previous = now;
  }
  return rows;
}

// Every column, in SQL any engine runs (dates as text).
const tableRows = async (store: Store) => {
  const d = store.dialect;
  return {
    accounts: await store.query(sql`SELECT account_id, ${d.dayText(sql`as_of`)} AS as_of, framework_version, stage, ${d.dayText(sql`signup_day`)} AS signup_day,
      ${d.dayText(sql`churned_day`)} AS churned_day, plan, seats, next_milestone, next_action, next_reason, state_days FROM account_status ORDER BY account_id`),
    milestones: await store.query(sql`SELECT account_id, milestone, reached, ${d.dayText(sql`reached_day`)} AS reached_day, progress, detail,
      ${d.dayText(sql`as_of`)} AS as_of, framework_version FROM milestone_status ORDER BY account_id, milestone`),
  };
};

describeEngines('materialized statuses', (engine) => {
  it('the backfill of a new workspace equals recomputing every day since the first signup and diffing', async () => {
    const store = await storeWith({ engine, accounts: ACCOUNTS, events: EVENTS, history: HISTORY });
    const summary = await refreshStatuses(store, framework, { asOf: AS_OF });
    assert.equal(summary.kind, 'backfill');
    assert.equal(summary.accounts, 6);
    const backfill = await allChanges(store);
    assert.equal(summary.changes, backfill.length);
    assert.ok(backfill.every((c) => c.cause === 'backfill' && c.framework_version === 1));
    assert.deepEqual(keys(backfill), keys(await dayByDay(store, '2025-01-01', AS_OF)));

    // By hand, account a: set up on the 8th; activation and utilization count on the 12th (one move); mature on the 25th.
    const a = (await milestoneHistory(store, 'a')).filter((c) => c.kind === 'stage');
    assert.deepEqual(
      a.map((c) => [c.day, c.previous, c.name]),
      [
        ['2025-01-08', 'signed_up', 'setup'],
        ['2025-01-12', 'setup', 'utilization'],
        ['2025-01-25', 'utilization', 'maturity'],
      ],
    );
    const f = await milestoneHistory(store, 'f');
    assert.deepEqual(f.filter((c) => c.kind === 'stage').map((c) => [c.day, c.previous, c.name]), [['2025-02-21', 'signed_up', 'utilization']]);
    // b was set up before signing up: from its signup day.
    assert.deepEqual((await milestoneHistory(store, 'b')).map((c) => [c.day, c.name]), [['2025-01-10', 'setup'], ['2025-01-10', 'setup']]);
    assert.deepEqual(await milestoneHistory(store, 'd'), []);
    // seq increases in the feed's order: by day.
    const seqs = backfill.map((c) => c.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    assert.deepEqual(backfill.map((c) => c.day), [...backfill.map((c) => c.day)].sort());
  });

  it('reads back exactly what the engine computes, and says where a report came from', async () => {
    // a mature again at the end of February (both categories used within 10 days).
    const again = [ev('a', '2025-02-20', 'published', 'workflow'), ev('a', '2025-02-22', 'created', 'report')];
    const store = await storeWith({ engine, accounts: ACCOUNTS, events: [...EVENTS, ...again], history: HISTORY });
    await refreshStatuses(store, framework, { asOf: AS_OF });
    const computed = await computeMilestones(store, framework, AS_OF);
    const read = await statusesAsOf(store, framework, AS_OF);
    assert.equal(read.source, 'materialized');
    assert.equal(read.framework_version, 1);
    assert.deepEqual(read.accounts, computed.accounts);
    const one = await statusesAsOf(store, framework, AS_OF, { accounts: ['e'] });
    assert.deepEqual(one.accounts, computed.accounts.filter((a) => a.account_id === 'e'));
    // The funnel from them, its month-end history of the state-like milestone included, is the computed one.
    const funnel = await computeFunnel(store, framework, AS_OF, 'signup_month');
    assert.deepEqual(await computeFunnel(store, framework, AS_OF, 'signup_month', read), funnel);
    // Read without the milestones' detail, as the funnel reads them: the same figures.
    const slim = (await materializedStatuses(store, framework, AS_OF, { details: false }))!;
    assert.deepEqual(slim.accounts.map((a) => Object.values(a.milestones).map((m) => m.detail)), computed.accounts.map((a) => Object.values(a.milestones).map(() => ({}))));
    assert.deepEqual(await computeFunnel(store, framework, AS_OF, 'signup_month', slim), funnel);
    // Read as the funnel reads them (the columns it needs, the reached days alone): the same figures.
    const lean = (await materializedFunnelStatuses(store, framework, AS_OF))!;
    assert.equal(lean.state.as_of, AS_OF);
    assert.deepEqual(await computeFunnel(store, framework, AS_OF, 'signup_month', lean), funnel);
    assert.deepEqual(await computeFunnel(store, framework, AS_OF, 'plan', lean), await computeFunnel(store, framework, AS_OF, 'plan'));
    assert.deepEqual([...read.state_on!.accounts].map(([day, held]) => [day, [...held]]), [['2025-02-28', ['a']]], 'a in the state at the end of February only');
    const other = await statusesAsOf(store, framework, '2025-02-01');
    assert.equal(other.source, 'computed');
    assert.deepEqual(other.accounts, (await computeMilestones(store, framework, '2025-02-01')).accounts);
  });

  it('an incremental refresh after a collector generation equals a full refresh, statuses and changes', async () => {
    const dir = await tempDir();
    // Idle accounts too, so the touched ones are a minority (more would be refreshed in full).
    const accounts = [...ACCOUNTS, ...['g', 'h', 'i', 'j'].map((id) => ({ id, signup: '2025-03-01' }))];
    const store = await storeWith({ engine, accounts, events: EVENTS, history: HISTORY });
    const twin = await storeWith({ engine, accounts, events: EVENTS, history: HISTORY });
    await refreshStatuses(store, framework, { asOf: AS_OF });
    await refreshStatuses(twin, framework, { asOf: AS_OF });
    const backfilled = (await allChanges(store)).length;

    const touched: (ReadonlySet<string> | null)[] = [];
    const c = await Collector.open({
      store,
      plan: parseTrackingPlan('unplanned: accept\nevents: []\n'),
      walDir: join(dir, 'wal'),
      generationMs: 50,
      // Group calls may change facts the accounts file named (e's seats below).
      accountFacts: 'collector',
      onApplied: (g) => touched.push(g.accounts),
    });
    const t = (day: string) => `${day}T10:00:00Z`;
    const native = [
      // b reaches activation (a third close in its window); d is set up; a late close for c, who has churned.
      { message_id: 'n1', timestamp: t('2025-02-05'), account_id: 'b', action: 'closed', object: 'conversation' },
      { message_id: 'n2', timestamp: t('2025-03-10'), account_id: 'd', action: 'installed', object: 'messenger' },
      { message_id: 'n3', timestamp: t('2025-03-11'), account_id: 'd', action: 'connected', object: 'email' },
      { message_id: 'n4', timestamp: t('2025-02-01'), account_id: 'c', action: 'closed', object: 'conversation' },
    ];
    await c.ingest('web', 'native', native, Date.now());
    // e's seats in March drop to 1 by a group call (account facts): its per-seat figures change.
    await c.ingest('web', 'segment', [{ type: 'group', groupId: 'e', traits: { seats: 1 } }], Date.now());
    await c.close();
    const named = new Set(touched.flatMap((g) => [...(g ?? [])]));
    assert.deepEqual([...named].sort(), ['b', 'c', 'd', 'e']);

    const incremental = await refreshStatuses(store, framework, { asOf: AS_OF, accounts: named });
    assert.equal(incremental.kind, 'incremental');
    assert.equal(incremental.accounts, 4);

    // The twin gets the same data by another path and a full refresh.
    await twin.insertEvents(
      native.map((e) => ({ messageId: e.message_id, accountId: e.account_id, userId: null, anonymousId: null, action: e.action, object: e.object, place: null, metadata: {}, timestamp: Date.parse(e.timestamp), count: 1 })),
      'web',
    );
    await twin.upsertAccounts([{ accountId: 'e', name: 'e', createdAt: at('2025-01-15', 9), plan: 'pro', seats: 1, churnedAt: null }]);
    const full = await refreshStatuses(twin, framework, { asOf: AS_OF });
    assert.equal(full.kind, 'full');
    assert.deepEqual(await tableRows(store), await tableRows(twin));
    const found = (await allChanges(store)).slice(backfilled);
    assert.deepEqual(keys(found), keys((await allChanges(twin)).slice(backfilled)));
    assert.ok(found.length > 0 && found.every((x) => x.cause === 'data'));
    assert.ok(found.some((x) => x.account_id === 'b' && x.name === 'activation' && x.change === 'reached' && x.day === '2025-02-05'));
    assert.ok(found.some((x) => x.account_id === 'd' && x.kind === 'stage' && x.name === 'setup' && x.day === '2025-03-11'));

    // A full refresh now finds nothing new and leaves the rows as they are.
    const again = await refreshStatuses(store, framework, { asOf: AS_OF });
    assert.equal(again.changes, 0);
    assert.deepEqual(await tableRows(store), await tableRows(twin));
  });

  it('keeps every framework it used, records what a new one changed, and never goes back a day', async () => {
    const store = await storeWith({ engine, accounts: ACCOUNTS, events: EVENTS, history: HISTORY });
    await refreshStatuses(store, framework, { asOf: AS_OF, fileText: FRAMEWORK });
    const stricter = FRAMEWORK.replace('at_least: 3', 'at_least: 4');
    const next = await refreshStatuses(store, parseMilestones(stricter), { asOf: '2025-03-16', fileText: stricter });
    assert.deepEqual([next.kind, next.framework_version, next.new_version], ['full', 2, true]);
    const versions = await frameworkVersions(store);
    assert.deepEqual(versions.map((v) => [v.version, v.effective_day]), [[1, AS_OF], [2, '2025-03-16']]);
    assert.notEqual(versions[0].hash, versions[1].hash);
    const [{ source }] = await store.query<{ source: string }>(sql`SELECT source FROM framework_versions WHERE version = 2`);
    assert.equal(source, stricter);
    // c had 3 closes: activation lost, and the stage back to setup, on the day the new framework judged.
    const lost = (await milestoneHistory(store, 'c')).filter((x) => x.framework_version === 2);
    assert.deepEqual(
      lost.map((x) => [x.kind, x.name, x.change, x.previous, x.day, x.cause]),
      [
        ['milestone', 'activation', 'lost', null, '2025-03-16', 'framework'],
        ['stage', 'setup', 'lost', 'activation', '2025-03-16', 'framework'],
      ],
    );
    // Back to the first file: a new version (3) with the first one's hash.
    const back = await refreshStatuses(store, framework, { asOf: '2025-03-16' });
    assert.equal(back.framework_version, 3);
    assert.equal((await frameworkVersions(store))[2].hash, versions[0].hash);
    assert.equal((await statusState(store))!.framework_version, 3);
    await assert.rejects(refreshStatuses(store, framework, { asOf: AS_OF }), /invalid as-of: 2025-03-15 \(statuses are as of 2025-03-16/);
  });
});

describeEngines('status refreshes on one store', (engine) => {
  it('run one after another, from one process or two: ids and seq numbers never repeat and each change is recorded once', async () => {
    const place = await engine.place();
    const one = await place.open();
    // DuckDB lets one process hold a file: there both refreshes share one store.
    const two = engine.name === 'duckdb' ? one : await place.open();
    try {
      await storeWith({ store: one, accounts: ACCOUNTS, events: EVENTS, history: HISTORY });
      const first = await Promise.all([refreshStatuses(one, framework, { asOf: AS_OF }), refreshStatuses(two, framework, { asOf: AS_OF })]);
      assert.deepEqual(first.map((r) => r.kind).sort(), ['backfill', 'full'], 'the second waited for the backfill and found it done');
      const backfill = await allChanges(one);
      assert.deepEqual(keys(backfill), keys(await dayByDay(one, '2025-01-01', AS_OF)), 'every change once');
      // Two more at once, a day later, after d was set up that day.
      await one.insertEvents([ev('d', '2025-03-16', 'installed', 'messenger'), ev('d', '2025-03-16', 'invited', 'teammate')], 'test');
      const later = await Promise.all([refreshStatuses(two, framework, { asOf: '2025-03-16' }), refreshStatuses(one, framework, { asOf: '2025-03-16' })]);
      assert.deepEqual(later.map((r) => r.kind), ['full', 'full']);
      assert.deepEqual(later.map((r) => r.changes).sort(), [0, 2]);
      const all = await allChanges(two);
      assert.deepEqual(
        all.slice(backfill.length).map((c) => [c.account_id, c.kind, c.name, c.day, c.cause]),
        [
          ['d', 'milestone', 'setup', '2025-03-16', 'data'],
          ['d', 'stage', 'setup', '2025-03-16', 'data'],
        ],
      );
      assert.equal(new Set(all.map((c) => c.seq)).size, all.length, 'seq numbers unique');
      assert.deepEqual(all.map((c) => c.seq), [...all.map((c) => c.seq)].sort((x, y) => x - y));
      const ids = (await two.query<{ id: string | number }>(sql`SELECT id FROM status_refreshes ORDER BY id`)).map((r) => Number(r.id));
      assert.equal(new Set(ids).size, 4, `four refreshes recorded: ${ids}`);
    } finally {
      if (two !== one) await two.close();
      await one.close();
    }
  });
});

describeEngines('the status refresher', (engine) => {
  it('batches the accounts touched between two refreshes into one, and refreshes what is pending when closed', async () => {
    const accounts = [...ACCOUNTS, ...['g', 'h', 'i', 'j', 'k', 'l'].map((id) => ({ id, signup: '2025-03-01' }))];
    const store = await storeWith({ engine, accounts, events: EVENTS, history: HISTORY });
    const done: string[] = [];
    const refresher = new StatusRefresher({ store, framework, minIntervalMs: 300, onRefreshed: (s) => done.push(`${s.kind} ${s.accounts}`) });
    await refresher.refreshIfBehind();
    await refresher.flush();
    assert.deepEqual(done, ['backfill 12']);
    for (const id of ['a', 'b', 'c', 'a']) refresher.touch([id]);
    while (done.length < 2) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(done, ['backfill 12', 'incremental 3'], 'one refresh for the three accounts touched');
    refresher.touch(['d']);
    await refresher.close();
    assert.deepEqual(done, ['backfill 12', 'incremental 3', 'incremental 1'], 'closing refreshes what was pending');
    refresher.touch(['e']);
    assert.equal(refresher.health().pending_accounts, 0, 'nothing is taken after close');
  });

  it('waits after each refresh so that refreshing takes at most its share of the time', async () => {
    const store = await storeWith({ engine, accounts: ACCOUNTS, events: EVENTS, history: HISTORY });
    const ends: { at: number; seconds: number }[] = [];
    const share = 0.25;
    const refresher = new StatusRefresher({ store, framework, minIntervalMs: 0, maxShare: share, onRefreshed: (s) => ends.push({ at: Date.now(), seconds: s.seconds }) });
    await refresher.refreshIfBehind();
    await refresher.flush();
    refresher.touch(['a']);
    while (ends.length < 2) await new Promise((r) => setTimeout(r, 5));
    // The second started its own duration before it ended; the first took at least its summary's seconds.
    const gap = ends[1].at - ends[1].seconds * 1000 - ends[0].at;
    assert.ok(gap >= ends[0].seconds * 1000 * ((1 - share) / share) - 5, `waited ${gap} ms after a refresh of ${ends[0].seconds} s`);
    assert.equal(refresher.health().max_share, share);
    await refresher.close();
  });
});
