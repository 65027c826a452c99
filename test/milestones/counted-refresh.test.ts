import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseMilestones } from '../../src/config/index.js';
import { addDays, computeMilestones, EventTally, readStatusRows, refreshStatuses, StatusAdvancer, changesAfter, type StatusBasis } from '../../src/milestones/index.js';
import type { TrackedEvent } from '../../src/model/index.js';
import type { Store } from '../../src/store/index.js';
import { join } from 'node:path';
import { Collector } from '../../src/collect/index.js';
import { parseTrackingPlan } from '../../src/config/index.js';
import { refreshSegments, segmentChangesAfter, StatusRefresher, type RefreshSummary } from '../../src/milestones/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';
import { at, ev, storeWith, type TestAccount } from '../fixtures.js';

// Every kind, a metadata matcher, a feature in two categories, pre-signup setup and a churned account.
const framework = (period = 'calendar_month') =>
  parseMilestones(`milestones:
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
    at_least: 4
  utilization:
    kind: per_seat
    requires: [activation]
    count: { action: closed, object: conversation, metadata: { state: resolved } }
    per_month_per_seat_at_least: 3
    period: ${period}
  maturity:
    kind: categories
    requires: [utilization]
    window_days: 10
    mature_in_at_least: 2
    categories:
      automation: { basic: [{ action: created, object: macro }], mature: [{ action: published, object: workflow }, { action: created, object: report }] }
      reporting: { basic: [{ action: viewed, object: report }], mature: [{ action: created, object: report }, { action: shared, object: dashboard }], mature_at_least: 2 }
segments:
  stuck: "stage = 'signed_up' and age_days > 14"
  nearly_active: "milestones.activation.progress >= 0.5 and not milestones.activation.reached"
  utilizing_since: "milestones.utilization.days_to_reach < 40"
  quiet: "days_since_last_event > 3"
`);
const AS_OF = '2025-03-15';
const KINDS: [string, string, Partial<TrackedEvent>?][] = [
  ['installed', 'messenger'], ['invited', 'teammate'], ['connected', 'email'], ['closed', 'conversation'],
  ['closed', 'conversation', { metadata: { state: 'resolved' } }], ['closed', 'conversation', { metadata: { state: 'resolved' } }],
  ['published', 'workflow'], ['created', 'report'], ['shared', 'dashboard'], ['created', 'macro'], ['viewed', 'report'], ['opened', 'inbox'],
];
const ACCOUNTS: TestAccount[] = Array.from({ length: 14 }, (_, i) => ({
  id: `a${i}`,
  signup: addDays('2025-01-01', (i * 7) % 73),
  seats: (i % 4) + 1,
  ...(i === 5 ? { churned: '2025-03-01' } : {}),
}));

/** A small deterministic generator, so a failure repeats. */
function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function eventsOn(rand: () => number, days: readonly string[], n: number): TrackedEvent[] {
  return Array.from({ length: n }, () => {
    const a = ACCOUNTS[Math.floor(rand() * ACCOUNTS.length)];
    const [action, object, over] = KINDS[Math.floor(rand() * KINDS.length)];
    return ev(a.id, days[Math.floor(rand() * days.length)], action, object, { ...over, count: rand() < 0.2 ? 3 : 1 });
  });
}

const history = Array.from({ length: 74 }, (_, i) => addDays('2025-01-01', i));

describeEngines('counted status refresh', (engine) => {
  it('advancing values by events counted on the as-of day gives what a new pass computes, for every kind', async () => {
    for (const period of ['calendar_month', 'rolling_30d']) {
      const fw = framework(period);
      const rand = random(period.length);
      const store = await storeWith({ engine, accounts: ACCOUNTS, events: eventsOn(rand, history, 160) });
      try {
        const advancer = new StatusAdvancer(fw, AS_OF);
        let before = await computeMilestones(store, fw, AS_OF, { cells: true, stateOn: [AS_OF] });
        let advancedAccounts = 0;
        let changed = 0;
        for (let round = 0; round < 4; round++) {
          const added = eventsOn(rand, [AS_OF], 25);
          await store.insertEvents(added, 'test');
          const tally = new EventTally(advancer.matchers);
          for (const e of added) tally.event(e);
          const after = await computeMilestones(store, fw, AS_OF, { cells: true, stateOn: [AS_OF] });
          for (const a of after.accounts) {
            const was = before.accounts.find((b) => b.account_id === a.account_id)!;
            const counts = tally.accounts.get(a.account_id)?.counts ?? new Map<number, number>();
            const moved = advancer.advance(was, before.cells!.get(a.account_id)!, counts);
            // Only per seat over trailing days needs history (its count on the as-of day is not among the values).
            if (moved === null) {
              assert.equal(period, 'rolling_30d', `${a.account_id} was not advanced`);
              continue;
            }
            advancedAccounts++;
            if (moved.changed.length) changed++;
            assert.deepEqual(moved.status, a, `${period}, round ${round}: ${a.account_id}`);
            assert.deepEqual(moved.cells.map((c) => (c === '' ? '' : Number.isNaN(Number(c)) ? c : Number(c))), after.cells!.get(a.account_id)!.map((c) => (c === '' ? '' : Number.isNaN(Number(c)) ? c : Number(c))));
            assert.equal(advancer.inState(moved.status), after.state_on!.accounts.get(AS_OF)!.has(a.account_id));
          }
          before = after;
        }
        assert.ok(advancedAccounts > 20, `${period}: ${advancedAccounts} advanced`);
        assert.ok(changed > 5, `${period}: ${changed} changed`);
      } finally {
        await store.close();
      }
    }
  });

  it('the tally leaves to the data what it cannot count: other days, metadata that is not text, account facts', () => {
    const tally = new EventTally(new StatusAdvancer(framework(), AS_OF).matchers);
    tally.event(ev('x', AS_OF, 'closed', 'conversation'));
    tally.event(ev('x', '2025-03-14', 'closed', 'conversation'));
    tally.event(ev('y', AS_OF, 'closed', 'conversation', { metadata: { state: 3 } }));
    tally.event(ev('z', AS_OF, 'opened', 'inbox'));
    tally.event(ev('w', AS_OF, 'closed', 'conversation', { metadata: { state: 'resolved' }, count: 2 }));
    tally.accountFacts('v');
    assert.deepEqual([...tally.unsure].sort(), ['v', 'x', 'y']);
    assert.deepEqual([...tally.accounts.keys()], ['w']);
    assert.deepEqual([...tally.accounts.get('w')!.counts.values()], [2, 2]);
  });

  it('a refresh with counted events writes what a refresh from the data writes, and records the same changes', async () => {
    const fw = framework();
    const rand = random(7);
    const seed = eventsOn(rand, history, 160);
    const [counted, plain] = [await storeWith({ engine, accounts: ACCOUNTS, events: seed }), await storeWith({ engine, accounts: ACCOUNTS, events: seed })];
    try {
      const advancer = new StatusAdvancer(fw, AS_OF);
      let basis: StatusBasis | null = null;
      basis = (await refreshStatuses(counted, fw, { asOf: AS_OF, counted: { basis, take: given(new EventTally(advancer.matchers)) } })).basis!;
      await refreshStatuses(plain, fw, { asOf: AS_OF });
      let advanced = 0;
      for (let round = 0; round < 3; round++) {
        const added = [...eventsOn(rand, [AS_OF], 30), ...(round === 1 ? eventsOn(rand, ['2025-03-10'], 3) : [])];
        const tally = new EventTally(advancer.matchers);
        for (const e of added) tally.event(e);
        for (const s of [counted, plain]) await s.insertEvents(added, 'test');
        const summary = await refreshStatuses(counted, fw, { asOf: AS_OF, accounts: [], counted: { basis, take: given(tally) } });
        await refreshStatuses(plain, fw, { asOf: AS_OF, accounts: new Set(added.map((e) => e.accountId)) });
        assert.equal(summary.kind, 'incremental');
        advanced += summary.counted;
        basis = summary.basis!;
        assert.deepEqual(await statuses(counted), await statuses(plain), `round ${round}`);
        assert.deepEqual(await feed(counted), await feed(plain), `round ${round}`);
        // The statuses are also those of a pass over all the data.
        assert.deepEqual((await readStatusRows(counted, fw)).accounts, (await computeMilestones(counted, fw, AS_OF)).accounts);
      }
      assert.ok(advanced > 10, `${advanced} accounts advanced by counts`);
    } finally {
      await counted.close();
      await plain.close();
    }
  });
});

describeEngines('counted status refresh behind a collector', (engine) => {
  it('advances statuses by what each stored generation counted, holding writes while it reads the data, and ends where the data says', async () => {
    const fw = framework();
    const rand = random(11);
    const seed = eventsOn(rand, history, 160);
    const store = await storeWith({ engine, accounts: ACCOUNTS, events: seed });
    const twin = await storeWith({ engine, accounts: ACCOUNTS, events: seed });
    const dir = await tempDir();
    const summaries: RefreshSummary[] = [];
    let collector: Collector | null = null;
    let holds = 0;
    const refresher = new StatusRefresher({
      store, framework: fw, asOf: AS_OF, minIntervalMs: 0, maxShare: 1,
      onRefreshed: (s) => summaries.push(s),
      holdWrites: async () => {
        holds++;
        return collector!.holdWrites();
      },
    });
    try {
      await refreshStatuses(twin, fw, { asOf: AS_OF });
      collector = await Collector.open({
        store, plan: parseTrackingPlan('unplanned: accept\nevents: []\n'), walDir: join(dir, 'wal'), generationMs: 20, accountFacts: 'collector',
        onApplied: (g) => refresher.applied(g.accounts, g.observed),
        observe: () => refresher.observer(),
      });
      refresher.touch(null);
      await refresher.flush();
      const native = (e: TrackedEvent) => ({ message_id: e.messageId, timestamp: new Date(e.timestamp).toISOString(), account_id: e.accountId, action: e.action, object: e.object, count: e.count, ...(Object.keys(e.metadata).length ? { metadata: e.metadata } : {}) });
      const sent: TrackedEvent[] = [];
      for (let round = 0; round < 5; round++) {
        const batch = [...eventsOn(rand, [AS_OF], 20), ...(round === 2 ? eventsOn(rand, ['2025-03-09'], 2) : [])];
        sent.push(...batch);
        await collector.ingest('web', 'native', batch.map(native), Date.now());
        if (round === 3) await collector.ingest('web', 'segment', [{ type: 'group', groupId: 'a3', traits: { seats: 9 } }], Date.now());
        await new Promise((r) => setTimeout(r, 60));
      }
      await collector.close();
      await refresher.close();
      assert.ok(summaries.slice(1).some((s) => s.counted > 0), JSON.stringify(summaries.map((s) => [s.kind, s.counted, s.accounts])));
      assert.ok(holds >= summaries.length);
      // The twin gets the same data another way and a refresh from the data.
      await twin.insertEvents(sent, 'web');
      await twin.upsertAccounts([{ ...ACCOUNT_ROW('a3'), seats: 9 }]);
      await refreshStatuses(twin, fw, { asOf: AS_OF });
      assert.deepEqual(await statuses(store), await statuses(twin));
      assert.deepEqual(keyed(await feed(store)), keyed(await feed(twin)));
      // Segments judged after each counted refresh hold the members one judgement of every account finds.
      await refreshSegments(twin, fw);
      const members = await Promise.all([store, twin].map(async (s) => {
        const last = new Map<string, string>();
        for (const c of await segmentChangesAfter(s, 0, 100_000)) last.set(`${c.segment} ${c.account_id}`, c.change);
        return [...last].flatMap(([k, change]) => (change === 'entered' ? [k] : [])).sort();
      }));
      assert.deepEqual(members[0], members[1]);
      assert.ok(members[0].some((m) => m.startsWith('nearly_active')), members[0].join(', '));
      // Accounts quiet before the events left the segment as they arrived (judged for their activity alone).
      assert.ok((await segmentChangesAfter(store, 0, 100_000)).some((c) => c.segment === 'quiet' && c.change === 'left' && c.cause === 'data'));
    } finally {
      await refresher.close();
      await store.close();
      await twin.close();
    }
  });
});

const ACCOUNT_ROW = (id: string) => {
  const a = ACCOUNTS.find((x) => x.id === id)!;
  return { accountId: a.id, name: a.id, createdAt: at(a.signup, 9), plan: 'pro', seats: a.seats ?? 1, churnedAt: a.churned ? at(a.churned) : null };
};
const keyed = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).sort();
const given = (tally: EventTally) => async () => ({ tally, release: () => undefined });
const statuses = async (store: Store) => (await readStatusRows(store, framework(), {})).accounts;
const feed = async (store: Store) => (await changesAfter(store, 0, 100_000)).map(({ seq: _s, recorded_at: _r, ...c }) => c);
