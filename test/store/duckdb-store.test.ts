import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TrackedEvent } from '../../src/model/index.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { messageIdHash, NO_WRITE, sql } from '../../src/store/index.js';
import { tracked } from '../fixtures.js';
import { tempDir } from '../tmp.js';

const day = (d: number, h = 12) => Date.UTC(2025, 0, d, h);
const ev = (id: string, over: Partial<TrackedEvent> = {}): TrackedEvent => tracked(id, { metadata: { state: 'resolved' }, timestamp: day(1), ...over });

describe('DuckDbStore', async () => {
  const store = await DuckDbStore.open({ path: ':memory:' });
  after(() => store.close());

  it('stores a message id once, within a write and across writes', async () => {
    assert.deepEqual(await store.insertEvents([ev('a'), ev('b'), ev('a')], 'test'), { inserted: 2, duplicates: 1 });
    assert.deepEqual(await store.insertEvents([ev('b'), ev('c', { timestamp: day(2), count: 5 })], 'test'), { inserted: 1, duplicates: 1 });
    const [{ n }] = await store.query<{ n: string }>(sql`SELECT count(*) AS n FROM events`);
    assert.equal(Number(n), 3);
  });

  it('scopes a message id to its source, and an imported id to every source (the anti-join and the repeated rows)', async () => {
    const own = await DuckDbStore.open({ path: ':memory:' });
    const ids = (n: string, k: number) => Array.from({ length: k }, () => ev(n));
    assert.deepEqual(await own.insertEvents([ev('s1'), ev('s2')], 'web'), { inserted: 2, duplicates: 0 });
    // Repeated ids inside the batch take the exact path; new ones the anti-join.
    assert.deepEqual(await own.insertEvents([...ids('s1', 2), ev('s2'), ev('s3')], 'backend'), { inserted: 3, duplicates: 1 });
    assert.deepEqual(await own.insertEvents([ev('s1'), ev('s3')], 'web'), { inserted: 1, duplicates: 1 });
    assert.deepEqual(await own.insertEvents([ev('s1'), ev('s4')], 'import'), { inserted: 1, duplicates: 1 }, 'an import overlaps every source');
    assert.deepEqual(await own.insertEvents([...ids('s4', 2), ev('s5')], 'mobile'), { inserted: 1, duplicates: 2 }, 'every source overlaps an import');
    const rows = await own.query<{ k: string }>(sql`SELECT message_id || ' ' || source AS k FROM events ORDER BY k`);
    await own.close();
    assert.deepEqual(rows.map((r) => r.k), ['s1 backend', 's1 web', 's2 backend', 's2 web', 's3 backend', 's3 web', 's4 import', 's5 mobile']);
  });

  it('an existing store gains the columns and tables added since, its rows kept', async () => {
    const path = join(await tempDir(), 'old.duckdb');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const old = await DuckDBInstance.create(path);
    const conn = await old.connect();
    // The accounts table as Cairn made it before facts_source, and no user_account_changes.
    await conn.run(`CREATE TABLE accounts (account_id VARCHAR NOT NULL, name VARCHAR, created_at TIMESTAMP NOT NULL, plan VARCHAR, seats INTEGER,
      churned_at TIMESTAMP, traits VARCHAR NOT NULL, PRIMARY KEY (account_id))`);
    await conn.run(`INSERT INTO accounts VALUES ('acc_1', 'Old', TIMESTAMP '2024-01-01', 'pro', 3, NULL, '{"k":1}')`);
    conn.closeSync();
    old.closeSync();
    for (let open = 0; open < 2; open++) {
      const migrated = await DuckDbStore.open({ path });
      const [row] = await migrated.query(sql`SELECT account_id, name, plan, traits, facts_source FROM accounts`);
      assert.deepEqual(row, { account_id: 'acc_1', name: 'Old', plan: 'pro', traits: '{"k":1}', facts_source: null });
      assert.deepEqual(await migrated.query(sql`SELECT count(*)::INTEGER AS n FROM user_account_changes`), [{ n: 0 }]);
      await migrated.close();
    }
  });

  it('keeps the first of two events that share an id', async () => {
    await store.insertEvents([ev('first', { action: 'opened' }), ev('first', { action: 'closed' })], 'test');
    const rows = await store.query<{ action: string }>(sql`SELECT action FROM events WHERE message_id = ${'first'}`);
    assert.deepEqual(rows, [{ action: 'opened' }]);
  });

  it('keeps both of two different ids whose hashes collide', async () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const id = `collide-${i}`;
      const other = seen.get(messageIdHash(id));
      if (other) pair = [other, id];
      else seen.set(messageIdHash(id), id);
    }
    assert.equal(messageIdHash(pair[0]), messageIdHash(pair[1]));
    const own = await DuckDbStore.open({ path: ':memory:' });
    assert.deepEqual(await own.insertEvents([ev(pair[0]), ev(pair[1]), ev(pair[0])], 'test'), { inserted: 2, duplicates: 1 });
    assert.deepEqual(await own.insertEvents([ev(pair[1]), ev('other')], 'test'), { inserted: 1, duplicates: 1 });
    await own.close();
  });

  it('keeps the daily rollup equal to the raw events, counts included', async () => {
    await store.insertEvents([ev('d', { timestamp: day(2, 23) }), ev('e', { place: null, timestamp: day(2, 1) })], 'test');
    const rollup = await store.query(sql`SELECT account_id, CAST(day AS VARCHAR) AS day, action, place, CAST(sum(n) AS INTEGER) AS n
      FROM account_activity GROUP BY ALL ORDER BY day, action, place`);
    const raw = await store.query(sql`SELECT account_id, CAST(CAST(timestamp AS DATE) AS VARCHAR) AS day, action, coalesce(place, '') AS place,
      CAST(sum(count) AS INTEGER) AS n FROM events GROUP BY ALL ORDER BY day, action, place`);
    assert.deepEqual(rollup, raw);
    assert.ok(rollup.some((r) => r.day === '2025-01-02' && r.place === 'inbox' && r.n === 6), 'count 5 + 1 on Jan 2');
  });

  it('records users with the earliest time they were seen, even from late events', async () => {
    await store.insertEvents([ev('late', { userId: 'u_late', timestamp: day(9) })], 'test');
    await store.insertEvents([ev('later-but-older', { userId: 'u_late', timestamp: day(3) })], 'test');
    const [u] = await store.query<{ account_id: string; first_seen: string }>(
      sql`SELECT account_id, epoch_ms(first_seen) AS first_seen FROM users WHERE user_id = ${'u_late'}`,
    );
    assert.equal(Number(u.first_seen), day(3));
  });

  it('upserts accounts and history by key, the last row winning', async () => {
    const acc = { accountId: 'acc_1', name: 'A', createdAt: day(1), plan: 'starter', seats: 2, churnedAt: null };
    assert.equal(await store.upsertAccounts([acc, { ...acc, plan: 'pro' }]), 1);
    await store.upsertAccounts([{ ...acc, seats: 7, churnedAt: day(20) }]);
    const rows = await store.query(sql`SELECT plan, seats, churned_at IS NOT NULL AS churned FROM accounts`);
    assert.deepEqual(rows, [{ plan: 'starter', seats: 7, churned: true }]);
    const h = { accountId: 'acc_1', validFrom: day(1), plan: 'pro', seats: 2, mrr: 98, status: 'active' as const };
    await store.upsertAccountHistory([h, { ...h, validFrom: day(15), seats: 4 }]);
    await store.upsertAccountHistory([{ ...h, validFrom: day(15), seats: 5 }]);
    const hist = await store.query(sql`SELECT seats FROM account_history ORDER BY valid_from`);
    assert.deepEqual(hist, [{ seats: 2 }, { seats: 5 }]);
  });

  it('an accounts import replaces the facts and keeps the traits group calls gathered', async () => {
    const own = await DuckDbStore.open({ path: ':memory:' });
    const base = { accountId: 'acc_t', name: 'T', createdAt: day(1), plan: 'starter', seats: 2, churnedAt: null };
    await own.upsertAccounts([base]);
    await own.applyCollected({ ...NO_WRITE, accounts: [{ accountId: 'acc_t', traits: { region: 'eu' }, seenAt: day(2), source: 'web', origin: { kind: 'segment', payload: '{}' } }] });
    await own.upsertAccounts([{ ...base, plan: 'pro' }]);
    const rows = await own.query(sql`SELECT plan, traits FROM accounts`);
    await own.close();
    assert.deepEqual(rows, [{ plan: 'pro', traits: '{"region":"eu"}' }]);
  });

  it('numbers quarantine entries and counts them by reason in stats', async () => {
    const q = { kind: 'event' as const, source: 'test', file: 'f.jsonl', line: 7, reason: 'invalid_json', field: null, message: 'bad', payload: '{', receivedAt: Date.now() };
    await store.addToQuarantine([q, { ...q, line: 9, reason: 'missing_field', field: 'action' }]);
    await store.addToQuarantine([{ ...q, line: 12 }]);
    const ids = await store.query<{ id: string }>(sql`SELECT id FROM quarantine ORDER BY id`);
    assert.deepEqual(ids.map((r) => Number(r.id)), [1, 2, 3]);
    const s = await store.stats();
    assert.deepEqual(s.quarantine_by_reason, { invalid_json: 2, missing_field: 1 });
    assert.equal(s.quarantined, 3);
    assert.equal(s.accounts, 1);
    assert.equal(s.events, 8);
    assert.equal(s.newest_event_at, new Date(day(9)).toISOString());
    assert.equal(s.oldest_event_at, new Date(day(1)).toISOString());
    assert.deepEqual(s.events_by_source, { test: 8 });
  });

  it('keeps its data in one file across reopening', async () => {
    const path = join(await tempDir(), 'cairn.duckdb');
    const a = await DuckDbStore.open({ path });
    await a.insertEvents([ev('x')], 'test');
    await a.close();
    const b = await DuckDbStore.open({ path });
    assert.deepEqual(await b.insertEvents([ev('x'), ev('y')], 'test'), { inserted: 1, duplicates: 1 });
    assert.equal((await b.stats()).events, 2);
    await b.close();
  });
});
