import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TrackedEvent } from '../../src/model/index.js';
import { ident, messageIdHash, NO_WRITE, raw, sql, type Store } from '../../src/store/index.js';
import { tracked } from '../fixtures.js';
import { SCHEMA_VERSION } from '../../src/store/clickhouse/clickhouse-schema.js';
import { describeEngines } from '../engines.js';

const day = (d: number, h = 12) => Date.UTC(2025, 0, d, h);
const ev = (id: string, over: Partial<TrackedEvent> = {}): TrackedEvent => tracked(id, { metadata: { state: 'resolved' }, timestamp: day(1), ...over });

describeEngines('store', async (engine) => {
  const store = await engine.open();
  const d = store.dialect;

  it('stores a message id once, within a write and across writes', async () => {
    assert.deepEqual(await store.insertEvents([ev('a'), ev('b'), ev('a')], 'test'), { inserted: 2, duplicates: 1 });
    assert.deepEqual(await store.insertEvents([ev('b'), ev('c', { timestamp: day(2), count: 5 })], 'test'), { inserted: 1, duplicates: 1 });
    const [{ n }] = await store.query<{ n: string }>(sql`SELECT count(*) AS n FROM events`);
    assert.equal(Number(n), 3);
  });

  it('scopes a message id to its source, and an imported id to every source (the anti-join and the repeated rows)', async () => {
    const own = await engine.open();
    const ids = (n: string, k: number) => Array.from({ length: k }, () => ev(n));
    assert.deepEqual(await own.insertEvents([ev('s1'), ev('s2')], 'web'), { inserted: 2, duplicates: 0 });
    // Repeated ids inside the batch take the exact path; new ones the anti-join.
    assert.deepEqual(await own.insertEvents([...ids('s1', 2), ev('s2'), ev('s3')], 'backend'), { inserted: 3, duplicates: 1 });
    assert.deepEqual(await own.insertEvents([ev('s1'), ev('s3')], 'web'), { inserted: 1, duplicates: 1 });
    assert.deepEqual(await own.insertEvents([ev('s1'), ev('s4')], 'import'), { inserted: 1, duplicates: 1 }, 'an import overlaps every source');
    assert.deepEqual(await own.insertEvents([...ids('s4', 2), ev('s5')], 'mobile'), { inserted: 1, duplicates: 2 }, 'every source overlaps an import');
    const rows = await own.query<{ message_id: string; source: string }>(sql`SELECT message_id, source FROM events ORDER BY message_id, source`);
    assert.deepEqual(rows.map((r) => `${r.message_id} ${r.source}`), ['s1 backend', 's1 web', 's2 backend', 's2 web', 's3 backend', 's3 web', 's4 import', 's5 mobile']);
  });

  it('a store an earlier Cairn made gains the columns and tables added since, its rows kept, and keeps ids per source', async () => {
    const place = await engine.earlierPlace();
    for (let open = 0; open < 2; open++) {
      const migrated = await place.open();
      const rows = await migrated.query<Record<string, unknown>>(sql`SELECT account_id, name, plan, facts_source FROM accounts`);
      const moves = await migrated.query<{ n: string | number }>(sql`SELECT count(*) AS n FROM user_account_changes`);
      // e1 from another source is another event; from web again, a duplicate.
      const written = await migrated.insertEvents([ev('e1', { accountId: 'acc_1' })], open === 0 ? 'backend' : 'web');
      const events = await migrated.query<{ source: string }>(sql`SELECT source FROM events ORDER BY source`);
      const [rollup] = await migrated.query<{ n: string | number }>(sql`SELECT sum(n) AS n FROM account_activity`);
      const [ledger] = await migrated.query<{ n: string | number }>(sql`SELECT count(*) AS n FROM launch_ledger`);
      const [refreshes] = await migrated.query<{ n: string | number }>(sql`SELECT count(*) AS n FROM status_refreshes`);
      await migrated.close();
      assert.deepEqual(rows, [{ account_id: 'acc_1', name: 'Old', plan: 'pro', facts_source: null }]);
      assert.equal(Number(moves[0].n), 0);
      assert.deepEqual(written, open === 0 ? { inserted: 1, duplicates: 0 } : { inserted: 0, duplicates: 1 });
      assert.deepEqual(events.map((e) => e.source), ['backend', 'web']);
      assert.equal(Number(rollup.n), 2, 'the rollup counts each stored event once');
      assert.equal(Number(ledger.n), 0, 'the launch ledger is made');
      assert.equal(Number(refreshes.n), 0, 'the status tables are made');
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
    const own = await engine.open();
    assert.deepEqual(await own.insertEvents([ev(pair[0]), ev(pair[1]), ev(pair[0])], 'test'), { inserted: 2, duplicates: 1 });
    assert.deepEqual(await own.insertEvents([ev(pair[1]), ev('other')], 'test'), { inserted: 1, duplicates: 1 });
  });

  it('keeps the daily rollup equal to the raw events, counts included', async () => {
    await store.insertEvents([ev('d', { timestamp: day(2, 23) }), ev('e', { place: null, timestamp: day(2, 1) })], 'test');
    const rollup = await store.query(sql`SELECT account_id, ${d.dayText(sql`day`)} AS day_text, action, place AS place_text, ${d.cast(sql`sum(n)`, 'integer')} AS n
      FROM account_activity GROUP BY account_id, day, action, place ORDER BY day_text, action, place_text`);
    const raw = await store.query(sql`SELECT account_id, ${d.dayText(d.day(sql`timestamp`))} AS day_text, action, coalesce(place, '') AS place_text,
      ${d.cast(sql`sum(count)`, 'integer')} AS n FROM events GROUP BY account_id, day_text, action, place_text ORDER BY day_text, action, place_text`);
    assert.deepEqual(rollup, raw);
    assert.ok(rollup.some((r) => r.day_text === '2025-01-02' && r.place_text === 'inbox' && r.n === 6), 'count 5 + 1 on Jan 2');
  });

  it('records users with the earliest time they were seen, even from late events', async () => {
    await store.insertEvents([ev('late', { userId: 'u_late', timestamp: day(9) })], 'test');
    await store.insertEvents([ev('later-but-older', { userId: 'u_late', timestamp: day(3) })], 'test');
    const [u] = await store.query<{ account_id: string; first_seen: string }>(
      sql`SELECT account_id, ${d.epochMs(sql`first_seen`)} AS first_seen FROM users WHERE user_id = ${'u_late'}`,
    );
    assert.equal(Number(u.first_seen), day(3));
  });

  it('upserts accounts and history by key, the last row winning', async () => {
    const acc = { accountId: 'acc_1', name: 'A', createdAt: day(1), plan: 'starter', seats: 2, churnedAt: null };
    assert.equal(await store.upsertAccounts([acc, { ...acc, plan: 'pro' }]), 1);
    await store.upsertAccounts([{ ...acc, seats: 7, churnedAt: day(20) }]);
    const rows = await store.query(sql`SELECT plan, seats, CASE WHEN churned_at IS NOT NULL THEN 'yes' ELSE 'no' END AS churned FROM accounts`);
    assert.deepEqual(rows, [{ plan: 'starter', seats: 7, churned: 'yes' }]);
    const h = { accountId: 'acc_1', validFrom: day(1), plan: 'pro', seats: 2, mrr: 98, status: 'active' as const };
    await store.upsertAccountHistory([h, { ...h, validFrom: day(15), seats: 4 }]);
    await store.upsertAccountHistory([{ ...h, validFrom: day(15), seats: 5 }]);
    const hist = await store.query(sql`SELECT seats FROM account_history ORDER BY valid_from`);
    assert.deepEqual(hist, [{ seats: 2 }, { seats: 5 }]);
  });

  it('an accounts import replaces the facts and keeps the traits group calls gathered', async () => {
    const own = await engine.open();
    const base = { accountId: 'acc_t', name: 'T', createdAt: day(1), plan: 'starter', seats: 2, churnedAt: null };
    await own.upsertAccounts([base]);
    await own.applyCollected({ ...NO_WRITE, accounts: [{ accountId: 'acc_t', traits: { region: 'eu' }, seenAt: day(2), source: 'web', origin: { kind: 'segment', payload: '{}' } }] });
    await own.upsertAccounts([{ ...base, plan: 'pro' }]);
    const rows = await own.query(sql`SELECT plan, traits FROM accounts`);
    assert.deepEqual(rows, [{ plan: 'pro', traits: '{"region":"eu"}' }]);
  });

  it('numbers quarantine entries and counts them by reason in stats', async () => {
    const q = { kind: 'event' as const, source: 'test', file: 'f.jsonl', line: 7, reason: 'invalid_json', field: null, message: 'bad', payload: '{', receivedAt: Date.now() };
    await store.addToQuarantine([q, { ...q, line: 9, reason: 'missing_field', field: 'action' }]);
    await store.addToQuarantine([{ ...q, line: 12 }]);
    // Numbered in the order written: DuckDB counts 1, 2, 3; ClickHouse takes them from the clock.
    const ids = await store.query<{ id: string; line: string }>(sql`SELECT id, line FROM quarantine ORDER BY id`);
    assert.deepEqual(ids.map((r) => Number(r.line)), [7, 9, 12]);
    assert.equal(new Set(ids.map((r) => r.id)).size, 3);
    const s = await store.stats();
    assert.deepEqual(s.quarantine_by_reason, { invalid_json: 2, missing_field: 1 });
    assert.equal(s.quarantined, 3);
    assert.equal(s.accounts, 1);
    assert.equal(s.events, 8);
    assert.equal(s.newest_event_at, new Date(day(9)).toISOString());
    assert.equal(s.oldest_event_at, new Date(day(1)).toISOString());
    assert.deepEqual(s.events_by_source, { test: 8 });
  });

  // A promise of the engines with transactions only (ClickHouse has none): asked only of them.
  if (d.capabilities.transactions) it('a read beside a write sees the data before it or after it, never half of it', async () => {
    const own = await engine.open();
    const accounts = Array.from({ length: 5000 }, (_, i) => ({ accountId: `acc_${i}`, name: null, createdAt: day(1), plan: 'pro', seats: 1, churnedAt: null }));
    // The write goes in many statements; reads asked meanwhile count what they see.
    let done = false;
    const write = own.upsertAccounts(accounts).finally(() => (done = true));
    const seen = new Set<number>();
    while (!done) seen.add(Number((await own.query<{ n: string }>(sql`SELECT count(*) AS n FROM accounts`))[0].n));
    await write;
    seen.add(Number((await own.query<{ n: string }>(sql`SELECT count(*) AS n FROM accounts`))[0].n));
    assert.deepEqual([...seen].filter((n) => n !== 0 && n !== 5000), []);
    assert.ok(seen.has(5000));
    await own.close();
  });

  it('appends rows to a table by column name: dates as timestamps, objects as JSON, a missing required value refused', async () => {
    await store.append('launch_ledger', [
      { launch: 'l1', kind: 'declaration', recorded_at: new Date(day(3, 9)), hash: 'abc', body: { outcome: { target: 0.1 } } },
      { launch: 'l1', kind: 'report', recorded_at: new Date(day(4, 9)), body: '{"verdict":"met"}' },
    ]);
    const rows = await store.query<{ kind: string; at: string; hash: string | null; body: string }>(
      sql`SELECT kind, ${d.epochMs(sql`recorded_at`)} AS at, hash, body FROM launch_ledger WHERE launch = ${'l1'} ORDER BY recorded_at`,
    );
    assert.deepEqual(rows.map((r) => [r.kind, Number(r.at), r.hash, JSON.parse(r.body)]), [
      ['declaration', day(3, 9), 'abc', { outcome: { target: 0.1 } }],
      ['report', day(4, 9), null, { verdict: 'met' }],
    ]);
    await assert.rejects(store.append('launch_ledger', [{ launch: 'l1', kind: 'x', body: {} }]), /invalid launch_ledger row: recorded_at is required/);
  });

  it('reads a result column by column, as the same values row objects give', async () => {
    const q = sql`SELECT kind, ${d.cast(d.epochMs(sql`recorded_at`), 'double')} AS at, hash FROM launch_ledger WHERE launch = ${'l1'} ORDER BY recorded_at`;
    const rows = await store.query<Record<string, unknown>>(q);
    const columns = await store.queryColumns(q);
    assert.deepEqual(Object.keys(columns), ['kind', 'at', 'hash']);
    assert.deepEqual(columns, { kind: rows.map((r) => r.kind), at: rows.map((r) => r.at), hash: rows.map((r) => r.hash) });
    assert.deepEqual(columns.at, [day(3, 9), day(4, 9)]);
  });

  it("tests a metadata key's text as comparing jsonText does: strings, numbers, booleans, null, empty and quoted texts, absent keys", async () => {
    const metadata = [{ state: 'resolved' }, { state: 'unresolved' }, { state: '' }, { state: '"q"' }, { state: 'a"b' }, { state: 3 }, { state: 3.5 }, { state: true }, { state: null }, { other: 'resolved' }, { state: 'resolved', n: 1 }, {}];
    const texts = ['resolved', '', '"q"', 'a"b', '3', '3.5', 'true', 'null', '"resolved"'];
    const m = ident('metadata');
    let matched = 0;
    for (const json of metadata.map((x) => JSON.stringify(x))) {
      for (const text of texts) {
        const [r] = await store.query<{ is: unknown; compared: unknown }>(
          sql`SELECT CASE WHEN ${d.jsonTextIs(m, 'state', text)} THEN 1 ELSE 0 END AS is, CASE WHEN ${d.jsonText(m, 'state')} = ${text} THEN 1 ELSE 0 END AS compared
            FROM (SELECT ${json} AS metadata) AS t`,
        );
        assert.equal(Number(r.is), Number(r.compared), `${json} against ${JSON.stringify(text)}`);
        matched += Number(r.is);
      }
    }
    assert.ok(matched >= 8, 'the grid has matches to compare');
  });

  it('zips bound lists into rows, NULLs kept', async () => {
    const rows = await store.query<Record<string, unknown>>(sql`SELECT i, t, ${d.dayText(sql`day`)} AS day FROM ${d.zipRows([
      { name: 'i', type: 'integer', values: [2, 1, null] },
      { name: 't', type: 'text', values: ['b', null, "it's"] },
      { name: 'day', type: 'date', values: ['2025-01-02', null, '2025-01-03'] },
    ])} AS z ORDER BY t`);
    assert.deepEqual(rows.map((r) => [r.i === null ? null : Number(r.i), r.t, r.day]), [[2, 'b', '2025-01-02'], [null, "it's", '2025-01-03'], [1, null, null]]);
  });

  it('keeps the values of a bound list that starts with NULL', async () => {
    // A matcher without a place first in a list of places once read every place as NULL on DuckDB.
    const rows = await store.query<Record<string, unknown>>(sql`SELECT i, t FROM ${d.zipRows([
      { name: 'i', type: 'integer', values: [null, 7] },
      { name: 't', type: 'text', values: [null, 'reports'] },
    ])} AS z ORDER BY t`);
    assert.deepEqual(rows.map((r) => [r.i === null ? null : Number(r.i), r.t]), [[7, 'reports'], [null, null]]);
  });

  it('keeps the values of a bound list of numbers that starts with a whole one', async () => {
    // DuckDB's client typed such a list as 32-bit integers, refusing fractions and larger numbers.
    const rows = await store.query<Record<string, unknown>>(sql`SELECT x, n, t FROM ${d.zipRows([
      { name: 'x', type: 'double', values: [1, 2.5, 3] },
      { name: 'n', type: 'bigint', values: [1, 2 ** 40, 2] },
      { name: 't', type: 'text', values: ['a', 'b', 'c'] },
    ])} AS z ORDER BY t`);
    assert.deepEqual(rows.map((r) => [Number(r.x), Number(r.n), r.t]), [[1, 1, 'a'], [2.5, 2 ** 40, 'b'], [3, 2, 'c']]);
  });

  it('keeps its data across reopening', async () => {
    const place = await engine.place();
    const a = await place.open();
    await a.insertEvents([ev('x')], 'test');
    await a.close();
    const b = await place.open();
    assert.deepEqual(await b.insertEvents([ev('x'), ev('y')], 'test'), { inserted: 1, duplicates: 1 });
    assert.equal((await b.stats()).events, 2);
    await b.close();
  });
});

describeEngines('ClickHouse schema versions', (engine) => {
  if (!engine.name.startsWith('clickhouse')) return;
  it('records its schema version, and refuses a schema newer than this Cairn', async () => {
    const place = await engine.place();
    const first = await place.open();
    const [{ v }] = await first.query<{ v: string }>(sql`SELECT max(version) AS v FROM cairn_schema`);
    assert.equal(Number(v), SCHEMA_VERSION);
    await first.execute(sql`INSERT INTO cairn_schema VALUES (${SCHEMA_VERSION + 1}, ${Date.now()})`);
    await first.close();
    await assert.rejects(place.open(), new RegExp(`schema is version ${SCHEMA_VERSION + 1}, newer than this Cairn`));
  });

  // A new store runs the first step alone; it must end where a version 1 store ends after every step.
  it('makes the same tables, columns and keys in an empty database as a version 1 store has after every step', async () => {
    const schemaOf = async (store: Store) => ({
      tables: await store.query(sql`SELECT name, engine, sorting_key FROM system.tables WHERE database = currentDatabase() ORDER BY name`),
      columns: await store.query(sql`SELECT table, name, type FROM system.columns WHERE database = currentDatabase() ORDER BY table, name`),
    });
    const fresh = await (await engine.place()).open();
    const upgraded = await (await engine.earlierPlace()).open();
    try {
      const [made, migrated] = [await schemaOf(fresh), await schemaOf(upgraded)];
      assert.ok(made.tables.some((t) => t.name === 'webhook_deliveries'), 'the newest tables are made');
      assert.deepEqual(made, migrated);
    } finally {
      await fresh.close();
      await upgraded.close();
    }
  });

  // Version 3 was made twice before the two met: with the statuses (now 3) or with the launch
  // ledger (now 4). A store at either gains what it lacks. One host: a cluster runs the same steps on each.
  const STATUS_TABLES = ['account_status', 'milestone_status', 'milestone_changes', 'framework_versions', 'status_refreshes'];
  for (const [made, lacking] of [
    ['the statuses', ['launch_ledger']],
    ['the launch ledger', STATUS_TABLES],
  ] as const) {
    if (engine.name !== 'clickhouse-cluster') it(`brings a version 3 store made with ${made} to version ${SCHEMA_VERSION}, its rows kept`, async () => {
      const place = await engine.place();
      const store = await place.open();
      await store.insertEvents([ev('kept')], 'web');
      const entry = { launch: 'l', kind: 'declaration', recorded_at: new Date(day(2)), hash: 'h', body: { a: 1 } };
      await store.append('launch_ledger', [entry]);
      for (const table of lacking) {
        await store.execute(sql`DROP TABLE IF EXISTS ${raw(table)}`);
        await store.execute(sql`DROP TABLE IF EXISTS ${raw(`${table}_data`)}`);
      }
      await store.execute(sql`DROP TABLE cairn_schema`);
      await store.execute(sql`CREATE TABLE cairn_schema (version UInt32, applied_at Int64) ENGINE = TinyLog`);
      await store.execute(sql`INSERT INTO cairn_schema VALUES (1, 0), (2, 0), (3, 0)`);
      await store.close();

      const migrated = await place.open();
      try {
        const [{ v }] = await migrated.query<{ v: string }>(sql`SELECT max(version) AS v FROM cairn_schema`);
        assert.equal(Number(v), SCHEMA_VERSION);
        const ledgerKept = !lacking.includes('launch_ledger');
        for (const table of ['launch_ledger', ...STATUS_TABLES]) {
          const [{ n }] = await migrated.query<{ n: string }>(sql`SELECT count(*) AS n FROM ${raw(table)}`);
          assert.equal(Number(n), table === 'launch_ledger' && ledgerKept ? 1 : 0, table);
        }
        await migrated.append('launch_ledger', [{ ...entry, kind: 'report' }]);
        const kinds = await migrated.query<{ kind: string }>(sql`SELECT kind FROM launch_ledger ORDER BY kind`);
        assert.deepEqual(kinds.map((k) => k.kind), ledgerKept ? ['declaration', 'report'] : ['report']);
        assert.equal((await migrated.stats()).events, 1);
      } finally {
        await migrated.close();
      }
    });
  }
});

describeEngines('two writers storing the same new ids at the same moment', (engine) => {
  // DuckDB allows one writing process; the race is ClickHouse's (two collectors on one store).
  if (!engine.name.startsWith('clickhouse')) return;
  it('keep each id once and count each once in the rollup', async () => {
    const place = await engine.place();
    const [one, two] = [await place.open(), await place.open()];
    try {
      const batch = Array.from({ length: 50 }, (_, i) => ev(`race-${i}`, { accountId: `acc_${i % 5}`, count: 1 + (i % 3) }));
      // Two collectors of one source (its write key on both): the same ids.
      await Promise.all([one.insertEvents(batch, 'web'), two.insertEvents(batch, 'web')]);
      const d = one.dialect;
      const [counts] = await one.query<{ events: string; ids: string; total: string; rollup: string }>(
        sql`SELECT (SELECT count() FROM events) AS events, (SELECT ${d.cast(sql`count(DISTINCT message_id)`, 'bigint')} FROM events) AS ids,
          (SELECT sum(count) FROM events) AS total, (SELECT sum(n) FROM account_activity) AS rollup`,
      );
      assert.equal(Number(counts.events), 50);
      assert.equal(Number(counts.ids), 50);
      assert.equal(Number(counts.rollup), Number(counts.total));
    } finally {
      await one.close();
      await two.close();
    }
  });
});
