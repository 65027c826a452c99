import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WAL_CHECKPOINT, WriteAheadLog, type ClosedGeneration, type SideRecord } from '../../../src/collect/http/wal.js';
import type { AccountPatch, PlanViolation, QuarantineEntry, TrackedEvent, UserPatch } from '../../../src/model/index.js';
import { describeEngines, type TestEngine } from '../../engines.js';
import { sql } from '../../../src/store/index.js';
import { tracked } from '../../fixtures.js';
import { tempDir } from '../../tmp.js';

const T = Date.UTC(2025, 4, 2, 10);

const ev = (id: string, over: Partial<TrackedEvent> = {}): TrackedEvent => tracked(id, { metadata: { id }, timestamp: T, ...over });
const q = (payload: string): QuarantineEntry => ({ kind: 'event', source: 'web', file: null, line: null, reason: 'invalid_json', field: null, message: 'bad', payload, receivedAt: T });
const account: AccountPatch = { accountId: 'acc_1', name: 'Acme', plan: 'pro', seats: 3, traits: { region: 'eu' }, seenAt: T, source: 'web', origin: { kind: 'segment', payload: '{}' } };
const user: UserPatch = { userId: 'u_1', accountId: 'acc_1', traits: { email: 'a@b.c' }, seenAt: T, source: 'web' };
const violation: PlanViolation = { source: 'web', action: 'closed', object: 'conversation', reason: 'unplanned_event', field: null, timestamp: T, example: '{}' };

/** Effectively never closes by age: rotation in these tests is by event count or close(). */
const NEVER = 1e9;
const gen = (id: number) => `gen-${String(id).padStart(12, '0')}`;
/** The message ids in a batch file, in order. */
const idsIn = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[3]);
const genFiles = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('gen-')).sort();

async function openLog(dir: string, applied: number | null, opts: { maxEvents?: number; maxAgeMs?: number } = {}) {
  const closed: ClosedGeneration[] = [];
  const { wal, leftOver } = await WriteAheadLog.open({ dir, maxEvents: opts.maxEvents ?? 1_000, maxAgeMs: opts.maxAgeMs ?? NEVER }, applied, (g) => closed.push(g));
  return { wal, leftOver, closed };
}

/** Stores generations as the collector's applier does, in a fresh in-memory store; returns what it holds. */
async function applied(engine: TestEngine, gens: ClosedGeneration[]) {
  const store = await engine.open();
  for (const g of gens) await store.applyCollected({ ...g.write, checkpoint: { name: WAL_CHECKPOINT, value: g.id } });
  const events = await store.query<{ message_id: string; source: string; account_id: string; place: string | null; metadata: string }>(
    sql`SELECT message_id, source, account_id, place, metadata FROM events ORDER BY message_id`,
  );
  const [{ n: quarantined }] = await store.query<{ n: number }>(sql`SELECT ${store.dialect.cast(sql`count(*)`, 'integer')} AS n FROM quarantine`);
  const accounts = await store.query<{ account_id: string; name: string; plan: string; seats: number }>(sql`SELECT account_id, name, plan, seats FROM accounts`);
  const users = await store.query<{ user_id: string; account_id: string }>(sql`SELECT user_id, account_id FROM users`);
  return { events, quarantined, accounts, users, checkpoint: await store.checkpoint(WAL_CHECKPOINT) };
}

describeEngines('write-ahead log', (engine) => {
  it('append + commit puts the records on disk; a full generation is closed with its rows, per source', async () => {
    const dir = await tempDir();
    const { wal, leftOver, closed } = await openLog(dir, null, { maxEvents: 3 });
    assert.deepEqual(leftOver, []);

    const side: SideRecord[] = [
      { t: 'q', q: q('{nope') },
      { t: 'a', a: account },
    ];
    wal.append([{ source: 'web', event: ev('m1') }, { source: 'api', event: ev('m2', { accountId: 'acc_2' }) }], side);
    assert.equal(wal.openEvents, 2);
    await wal.commit();
    // Durable before the reply: the files hold the rows, though the generation is still open.
    assert.deepEqual(idsIn(join(dir, `${gen(1)}.src-web.tsv`)), ['m1']);
    assert.deepEqual(idsIn(join(dir, `${gen(1)}.src-api.tsv`)), ['m2']);
    assert.equal(readFileSync(join(dir, `${gen(1)}.side.jsonl`), 'utf8').split('\n').filter(Boolean).length, 2);
    assert.equal(closed.length, 0);

    wal.append([{ source: 'web', event: ev('m3') }], [{ t: 'u', u: user }, { t: 'v', v: violation }]);
    await wal.commit();
    assert.equal(closed.length, 1, 'the third event fills the generation');
    const [g] = closed;
    assert.equal(g.id, 1);
    assert.equal(g.events, 3);
    assert.deepEqual(
      g.write.events.map((e) => ['batch' in e ? e.batch.rows : -1, e.source]).sort(),
      [
        [1, 'api'],
        [2, 'web'],
      ],
    );
    assert.deepEqual(g.write.quarantine, [q('{nope')]);
    assert.deepEqual(g.write.accounts, [account]);
    assert.deepEqual(g.write.users, [user]);
    assert.deepEqual(g.write.violations, [violation]);
    assert.deepEqual(g.files.map((f) => f.slice(dir.length + 1)).sort(), [`${gen(1)}.side.jsonl`, `${gen(1)}.src-api.tsv`, `${gen(1)}.src-web.tsv`]);
    assert.deepEqual(idsIn(join(dir, `${gen(1)}.src-web.tsv`)), ['m1', 'm3']);
    assert.equal(wal.openEvents, 0);

    // The next generation takes what follows; close() hands it on and refuses more.
    wal.append([{ source: 'web', event: ev('m4') }], []);
    await wal.commit();
    await wal.close();
    assert.deepEqual(closed.map((c) => [c.id, c.events]), [
      [1, 3],
      [2, 1],
    ]);
    assert.throws(() => wal.append([{ source: 'web', event: ev('m5') }], []), /closed/);

    // Stored, the generations are exactly what was appended.
    const stored = await applied(engine, closed);
    assert.deepEqual(stored.events.map((e) => [e.message_id, e.source, e.account_id, e.place]), [
      ['m1', 'web', 'acc_1', 'inbox'],
      ['m2', 'api', 'acc_2', 'inbox'],
      ['m3', 'web', 'acc_1', 'inbox'],
      ['m4', 'web', 'acc_1', 'inbox'],
    ]);
    assert.deepEqual(JSON.parse(stored.events[0].metadata), { id: 'm1' });
    assert.equal(stored.quarantined, 1);
    assert.deepEqual(stored.accounts, [{ account_id: 'acc_1', name: 'Acme', plan: 'pro', seats: 3 }]);
    assert.deepEqual(stored.users, [{ user_id: 'u_1', account_id: 'acc_1' }]);
    assert.equal(stored.checkpoint, 2);
  });

  it('a generation with records is closed once it is old, even with no more requests', async () => {
    const dir = await tempDir();
    const { wal, closed } = await openLog(dir, null, { maxAgeMs: 100 });
    wal.append([{ source: 'web', event: ev('a1') }], []);
    await wal.commit();
    const until = Date.now() + 120_000;
    while (closed.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(closed.map((c) => [c.id, c.events]), [[1, 1]]);
    // An empty generation is not closed for age.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(closed.length, 1);
    await wal.close();
  });

  it('while the store is busy, an old generation stays open and grows until the store is free or it is full', async () => {
    const dir = await tempDir();
    let busy = true;
    const closed: ClosedGeneration[] = [];
    const { wal } = await WriteAheadLog.open({ dir, maxEvents: 3, maxAgeMs: 50, storeBusy: () => busy }, null, (g) => closed.push(g));
    wal.append([{ source: 'web', event: ev('b1') }], []);
    await wal.commit();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(closed.length, 0, 'old, but the store is busy');
    wal.append([{ source: 'web', event: ev('b2') }], []);
    await wal.commit();
    wal.append([{ source: 'web', event: ev('b3') }, { source: 'web', event: ev('b4') }], []);
    await wal.commit();
    assert.deepEqual(closed.map((c) => [c.id, c.events]), [[1, 4]], 'full: closed whatever the store');
    wal.append([{ source: 'web', event: ev('b5') }], []);
    await wal.commit();
    busy = false;
    wal.closeIfDue();
    const until = Date.now() + 120_000;
    while (closed.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(closed.map((c) => [c.id, c.events]), [[1, 4], [2, 1]]);
    await wal.close();
  });

  it('concurrent commits all resolve, and every record is in exactly one generation', async () => {
    const dir = await tempDir();
    const { wal, closed } = await openLog(dir, null, { maxEvents: 7 });
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        // Arrivals spread over a few turns of the event loop, so some share a commit and some rotate.
        for (let hop = 0; hop < i % 5; hop++) await new Promise((r) => setImmediate(r));
        wal.append([{ source: i % 2 ? 'web' : 'api', event: ev(`c${String(i).padStart(2, '0')}`) }], [{ t: 'q', q: q(`p${i}`) }]);
        await wal.commit();
      }),
    );
    await wal.close();
    assert.equal(closed.reduce((n, g) => n + g.events, 0), 40);
    assert.ok(closed.length > 1, `rotated: ${closed.length} generations`);
    assert.deepEqual(closed.map((g) => g.id), closed.map((_, i) => i + 1), 'generations are numbered in order');
    const stored = await applied(engine, closed);
    assert.deepEqual(stored.events.map((e) => e.message_id), Array.from({ length: 40 }, (_, i) => `c${String(i).padStart(2, '0')}`));
    assert.equal(stored.quarantined, 40);
  });

  it('reopened after a crash, it recovers the complete rows and drops a torn last line', async () => {
    const dir = await tempDir();
    const before = await openLog(dir, null);
    before.wal.append(
      [
        { source: 'web', event: ev('w1') },
        { source: 'web', event: ev('w2') },
        { source: 'web', event: ev('w3') },
        { source: 'api', event: ev('a1') },
      ],
      [
        { t: 'q', q: q('{x') },
        { t: 'a', a: account },
      ],
    );
    await before.wal.commit();
    // The process dies while writing the next request: half a line in each file, never acknowledged.
    const web = join(dir, `${gen(1)}.src-web.tsv`);
    const side = join(dir, `${gen(1)}.side.jsonl`);
    appendFileSync(web, '0\t3\t12345\tw-torn\tacc_1\tu_1');
    appendFileSync(side, '{"t":"q","q":{"kind":"event","sou');
    // ... and a source whose first line was never finished.
    writeFileSync(join(dir, `${gen(1)}.src-late.tsv`), '0\t0\t99\tlate-torn\tacc');

    const after = await openLog(dir, null);
    assert.equal(after.leftOver.length, 1);
    const [g] = after.leftOver;
    assert.equal(g.id, 1);
    assert.equal(g.events, 4);
    assert.deepEqual(
      g.write.events.map((e) => ['batch' in e ? e.batch.rows : -1, e.source]).sort(),
      [
        [1, 'api'],
        [3, 'web'],
      ],
      'the source with only a torn line has no rows',
    );
    assert.deepEqual(g.write.quarantine, [q('{x')]);
    assert.deepEqual(g.write.accounts, [account]);
    assert.deepEqual(idsIn(web), ['w1', 'w2', 'w3'], 'the torn line is cut off the file');
    assert.ok(readFileSync(web, 'utf8').endsWith('\n'));
    assert.equal(readFileSync(join(dir, `${gen(1)}.src-late.tsv`), 'utf8'), '');

    // The reopened log writes a new generation, never into the recovered one.
    after.wal.append([{ source: 'web', event: ev('w4') }], []);
    await after.wal.commit();
    await after.wal.close();
    assert.deepEqual(after.closed.map((c) => c.id), [2]);

    const stored = await applied(engine, [...after.leftOver, ...after.closed]);
    assert.deepEqual(stored.events.map((e) => e.message_id), ['a1', 'w1', 'w2', 'w3', 'w4']);
    assert.equal(stored.quarantined, 1);
  });

  it('a complete line it cannot read (disk damage) is set aside in quarantine as wal_corrupt, with file and line; the rest is stored', async () => {
    const dir = await tempDir();
    const before = await openLog(dir, null);
    before.wal.append([{ source: 'web', event: ev('c1') }, { source: 'web', event: ev('c2') }], [{ t: 'q', q: q('{x') }, { t: 'a', a: account }]);
    await before.wal.commit();
    const web = join(dir, `${gen(1)}.src-web.tsv`);
    const side = join(dir, `${gen(1)}.side.jsonl`);
    // A damaged line in the middle of each file, then a good one after it.
    const [l1, l2] = readFileSync(web, 'utf8').split('\n');
    writeFileSync(web, `${l1}\n0\t7\tgarbage\x00\xff no columns\n${l2}\n`);
    const [s1, s2] = readFileSync(side, 'utf8').split('\n');
    writeFileSync(side, `${s1}\n{"t":"q","q":{"kind":"ev\u0000 broken}\n["not","a","record"]\n${s2}\n`);

    const logged: string[] = [];
    const { leftOver, wal } = await WriteAheadLog.open({ dir, maxAgeMs: NEVER, log: (line) => logged.push(line) }, null, () => undefined);
    await wal.close();
    const [g] = leftOver;
    assert.equal(g.events, 2);
    const corrupt = g.write.quarantine.filter((e) => e.reason === 'wal_corrupt');
    assert.deepEqual(
      corrupt.map((e) => [e.file, e.line, e.source]),
      [
        [`${gen(1)}.side.jsonl`, 2, 'collector'],
        [`${gen(1)}.side.jsonl`, 3, 'collector'],
        [`${gen(1)}.src-web.tsv`, 2, 'web'],
      ],
    );
    assert.ok(corrupt[2].payload.includes('garbage'), 'the raw text is kept');
    assert.equal(logged.length, 3);
    assert.match(logged[0], new RegExp(`${gen(1)}\\.side\\.jsonl:2: .*wal_corrupt`));
    assert.deepEqual(idsIn(web), ['c1', 'c2'], 'the damaged line is taken out of the batch file');

    const stored = await applied(engine, leftOver);
    assert.deepEqual(stored.events.map((e) => e.message_id), ['c1', 'c2']);
    assert.equal(stored.quarantined, 4, 'the good entry and the three damaged lines');
    assert.deepEqual(stored.accounts.map((a) => a.account_id), ['acc_1']);
  });

  it('a generation applied again stores nothing twice (the message-id check)', async () => {
    const dir = await tempDir();
    const before = await openLog(dir, null);
    before.wal.append([{ source: 'web', event: ev('r1') }, { source: 'web', event: ev('r1') }, { source: 'web', event: ev('r2') }], []);
    await before.wal.commit();
    const first = await openLog(dir, null);
    const again = await openLog(dir, null);
    // Recovered twice and applied twice, with an id repeated inside it: each id is stored once.
    const stored = await applied(engine, [first.leftOver[0], again.leftOver[0]]);
    assert.deepEqual(stored.events.map((e) => e.message_id), ['r1', 'r2']);
  });

  it('on open, generations at or below the checkpoint are deleted and the rest handed back in order', async () => {
    const dir = await tempDir();
    const before = await openLog(dir, null, { maxEvents: 1 });
    for (const id of ['g1', 'g2', 'g3']) {
      before.wal.append([{ source: 'web', event: ev(id) }], [{ t: 'q', q: q(id) }]);
      await before.wal.commit();
    }
    assert.deepEqual(before.closed.map((c) => c.id), [1, 2, 3]);
    writeFileSync(join(dir, 'README'), 'not a generation');
    assert.ok(existsSync(join(dir, `${gen(4)}.side.jsonl`)), 'the open generation has its side file');

    const after = await openLog(dir, 2);
    assert.deepEqual(after.leftOver.map((g) => [g.id, g.events]), [
      [3, 1],
      [4, 0],
    ]);
    assert.deepEqual(after.leftOver[0].write.quarantine, [q('g3')]);
    assert.deepEqual(genFiles(dir), [`${gen(3)}.side.jsonl`, `${gen(3)}.src-web.tsv`, `${gen(4)}.side.jsonl`, `${gen(5)}.side.jsonl`]);
    assert.ok(existsSync(join(dir, 'README')), 'other files are left alone');
    await after.wal.close();
    assert.deepEqual(after.closed.map((c) => c.id), [5]);

    // A checkpoint past every file: all deleted, numbering continues after the checkpoint.
    const later = await openLog(dir, 10);
    assert.deepEqual(later.leftOver, []);
    assert.deepEqual(genFiles(dir), [`${gen(11)}.side.jsonl`]);
    later.wal.append([{ source: 'web', event: ev('g11') }], []);
    await later.wal.close();
    assert.deepEqual(later.closed.map((c) => [c.id, c.events]), [[11, 1]]);
  });
});
