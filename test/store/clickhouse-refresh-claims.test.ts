/**
 * Status refreshes on ClickHouse, which has no transactions (src/store/clickhouse
 * clickhouse-refresh-claims.ts): a refresh whose process died is taken over once its claim's
 * lease runs out, and what it had written never reaches the feed; a refresh that fails leaves
 * the statuses marked stale and the next one refreshes every account; a holder overtaken by a
 * later claim records nothing. On chdb and on the servers the environment names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMilestones } from '../../src/config/index.js';
import { changesAfter, computeMilestones, refreshStatuses, statusesAsOf, statusState } from '../../src/milestones/index.js';
import { changeSeq, raw, sql, type Store } from '../../src/store/index.js';
import { ENGINES } from '../engines.js';
import { ev, storeWith, type TestAccount } from '../fixtures.js';

const framework = parseMilestones(`milestones:
  setup:
    kind: checklist
    steps:
      - { id: install, when: { action: installed, object: messenger } }
  activation:
    kind: threshold
    requires: [setup]
    count: { action: closed, object: conversation }
    within_days: 30
    at_least: 2
`);
const AS_OF = '2025-03-15';
const ACCOUNTS: TestAccount[] = ['a', 'b', 'c', 'd'].map((id) => ({ id, signup: '2025-02-01' }));
const EVENTS = [ev('a', '2025-02-02', 'installed', 'messenger'), ev('b', '2025-02-03', 'installed', 'messenger')];
// b reaches activation on 2025-02-10.
const LATER = [ev('b', '2025-02-05', 'closed', 'conversation'), ev('b', '2025-02-10', 'closed', 'conversation')];
const LEASE_MS = 1500;

const feed = async (store: Store) => (await changesAfter(store, 0, 10_000)).map((c) => [c.account_id, c.kind, c.name, c.change, c.day, c.cause].join(' '));

for (const engine of ENGINES.filter((e) => e.name.startsWith('clickhouse'))) {
  describe(`status refreshes without transactions [${engine.name}]`, () => {
    it("takes over a dead refresh's claim after its lease, and keeps what it wrote out of the feed", async () => {
      const place = await engine.place();
      const live = await place.open({ statusLeaseMs: LEASE_MS });
      const dead = await place.open({ statusLeaseMs: LEASE_MS });
      try {
        await storeWith({ store: live, accounts: ACCOUNTS, events: EVENTS });
        await refreshStatuses(live, framework, { asOf: AS_OF });
        const before = await feed(live);
        await live.insertEvents(LATER, 'test');

        // A refresh that wrote a change and a status row, then its process died (no more heartbeats).
        let wrote!: () => void;
        const written = new Promise<void>((r) => (wrote = r));
        void dead.withStatusRefresh(async (lease) => {
          await dead.execute(sql`INSERT INTO milestone_changes_data (seq, account_id, kind, name, change, previous, day, framework_version, cause, recorded_at)
            VALUES (${changeSeq(lease.id, 0)}, 'b', 'milestone', 'activation', 'reached', NULL, toDate('2025-02-10'), 1, 'data', 0)`);
          await dead.execute(sql`INSERT INTO account_status_data (account_id, as_of, framework_version, stage, signup_day, churned_day, plan, seats, next_milestone, next_action, next_reason, refresh)
            VALUES ('b', toDate(${AS_OF}), 1, 'bogus', toDate('2025-02-01'), NULL, 'pro', 1, NULL, NULL, NULL, ${lease.id})`);
          wrote();
          return new Promise<never>(() => undefined);
        });
        await written;
        await dead.close();
        assert.deepEqual(await feed(live), before, 'nothing of an unrecorded refresh in the feed');

        const t0 = Date.now();
        const next = await refreshStatuses(live, framework, { asOf: AS_OF, accounts: ['b'] });
        assert.ok(Date.now() - t0 >= LEASE_MS - 1000, 'waited for the lease to run out');
        assert.equal(next.kind, 'full', 'after a refresh that did not finish, every account');
        assert.deepEqual(await feed(live), [...before, 'b milestone activation reached 2025-02-10 data', 'b stage activation reached 2025-02-10 data']);
        const read = await statusesAsOf(live, framework, AS_OF);
        assert.equal(read.source, 'materialized');
        assert.deepEqual(read.accounts, (await computeMilestones(live, framework, AS_OF)).accounts, 'the dead refresh’s row replaced');
      } finally {
        await live.close();
      }
    });

    it('after a refresh that fails the statuses read as stale, and the next refresh covers every account', async () => {
      const store = await storeWith({ engine, accounts: ACCOUNTS, events: EVENTS });
      await refreshStatuses(store, framework, { asOf: AS_OF });
      await store.insertEvents(LATER, 'test');
      // The real store, but its write of the refresh fails.
      const failing = new Proxy(store, {
        get: (target, key) => (key === 'applyStatusRefresh' ? () => Promise.reject(new Error('disk full')) : Reflect.get(target, key, target)),
      });
      await assert.rejects(refreshStatuses(failing, framework, { asOf: AS_OF, accounts: ['b'] }), /disk full/);
      assert.equal((await statusState(store))!.stale, true);
      assert.equal((await statusesAsOf(store, framework, AS_OF)).source, 'computed');
      const next = await refreshStatuses(store, framework, { asOf: AS_OF, accounts: ['b'] });
      assert.deepEqual([next.kind, next.changes], ['full', 2]);
      assert.equal((await statusState(store))!.stale, false);
    });

    it('a refresh that finds a later claim (it outlived its own) records nothing', async () => {
      const store = await storeWith({ engine, accounts: ACCOUNTS, events: EVENTS });
      await refreshStatuses(store, framework, { asOf: AS_OF });
      const change = { account_id: 'b', kind: 'milestone', name: 'activation', change: 'reached', previous: null, day: '2025-02-10', framework_version: 1, cause: 'data' } as const;
      await assert.rejects(
        store.withStatusRefresh(async (lease) => {
          // Another process took over meanwhile: its claim is the next id.
          await store.execute(sql`CREATE TABLE ${raw(`cairn_refresh_claim_${lease.id + 1}`)} (at UInt64, state UInt8) ENGINE = Log`);
          return store.applyStatusRefresh({
            replace: [],
            accounts: [],
            milestones: [],
            changes: [change],
            version: null,
            refresh: { id: lease.id, kind: 'incremental', as_of: AS_OF, framework_version: 1, started_at: Date.now() },
          });
        }),
        /status refresh \d+ was overtaken by a later one/,
      );
      assert.equal((await changesAfter(store, 0, 10_000)).filter((c) => c.cause === 'data').length, 0);
    });
  });
}
