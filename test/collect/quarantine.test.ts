import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { listQuarantine, replayQuarantine, showQuarantine } from '../../src/collect/quarantine.js';
import { parseTrackingPlan } from '../../src/config/index.js';
import type { QuarantineEntry } from '../../src/model/index.js';
import { describeEngines } from '../engines.js';
import { ident, sql, type Store } from '../../src/store/index.js';

const T = Date.UTC(2025, 2, 1, 12);
const RECEIVED = T + 5_000;

/** A message quarantined as the collector does it: the raw message as JSON, with its reason. */
const entry = (kind: QuarantineEntry['kind'], source: string, message: unknown, reason = 'unplanned_event'): QuarantineEntry => ({
  kind,
  source,
  file: null,
  line: null,
  reason,
  field: null,
  message: 'was not in the plan',
  payload: typeof message === 'string' ? message : JSON.stringify(message),
  receivedAt: RECEIVED,
});

const native = (id: string, over: Record<string, unknown> = {}) => ({
  message_id: id,
  timestamp: new Date(T).toISOString(),
  account_id: 'acc_1',
  user_id: 'u_1',
  action: 'exported',
  object: 'report',
  metadata: { format: 'csv' },
  ...over,
});

const BEFORE = parseTrackingPlan('unplanned: quarantine\nevents: []');
const FIXED = parseTrackingPlan(`
unplanned: quarantine
events:
  - action: exported
    object: report
    metadata: { format: { type: string, enum: [csv, pdf] } }
  - { action: closed, object: conversation }
`);

describeEngines('quarantine replay', async (engine) => {
  // A fresh store for every test.
  let store: Store;
  const count = async (table: string) => Number((await store.query<{ n: string }>(sql`SELECT count(*) AS n FROM ${ident(table)}`))[0].n);
  const events = () => count('events');
  const quarantined = () => count('quarantine');

  beforeEach(async () => {
    store = await engine.open();
  });

  it('stores an entry once the plan lists it, removing it from quarantine in the same write', async () => {
    await store.addToQuarantine([entry('event', 'web', native('m1'))]);
    const before = await replayQuarantine(store, BEFORE);
    assert.deepEqual(before, { selected: 1, replayed: 0, duplicates: 0, still_failing: 1, not_replayable: 0, by_reason: { unplanned_event: 1 } });

    const r = await replayQuarantine(store, FIXED);
    assert.deepEqual(r, { selected: 1, replayed: 1, duplicates: 0, still_failing: 0, not_replayable: 0, by_reason: {} });
    assert.equal(await quarantined(), 0);
    const rows = await store.query<{ message_id: string; source: string; ts: string; rec: string }>(
      sql`SELECT message_id, source, ${store.dialect.epochMs(sql`timestamp`)} AS ts, ${store.dialect.epochMs(sql`received_at`)} AS rec FROM events`,
    );
    assert.deepEqual(rows.map((e) => [e.message_id, e.source, Number(e.ts)]), [['m1', 'web', T]]);

    const again = await replayQuarantine(store, FIXED);
    assert.deepEqual(again, { selected: 0, replayed: 0, duplicates: 0, still_failing: 0, not_replayable: 0, by_reason: {} });
    assert.equal(await events(), 1, 'replaying twice stores nothing twice');
  });

  it('an entry whose event is already stored leaves quarantine as a duplicate, not counted again', async () => {
    await store.insertEvents([{ messageId: 'm2', accountId: 'acc_1', userId: 'u_1', anonymousId: null, action: 'exported', object: 'report', place: null, metadata: {}, timestamp: T, count: 1 }], 'web');
    await store.addToQuarantine([entry('event', 'web', native('m2')), entry('event', 'web', native('m3')), entry('event', 'web', native('m3'))]);
    const r = await replayQuarantine(store, FIXED);
    assert.deepEqual([r.selected, r.replayed, r.duplicates], [3, 3, 2]);
    assert.equal(await events(), 2);
    assert.equal(await quarantined(), 0);
  });

  it("counts duplicates by source, as the store does: another source's id is not one, an import's is; the dry run agrees", async () => {
    const stored = (id: string, source: string) =>
      store.insertEvents([{ messageId: id, accountId: 'acc_1', userId: 'u_1', anonymousId: null, action: 'exported', object: 'report', place: null, metadata: {}, timestamp: T, count: 1 }], source);
    await stored('x1', 'backend');
    await stored('x2', 'import');
    await store.addToQuarantine([entry('event', 'web', native('x1')), entry('event', 'web', native('x2'))]);
    const dry = await replayQuarantine(store, FIXED, { dryRun: true });
    assert.deepEqual([dry.replayed, dry.duplicates], [2, 1]);
    const r = await replayQuarantine(store, FIXED);
    assert.deepEqual([r.replayed, r.duplicates], [2, 1]);
    const rows = await store.query<{ message_id: string; source: string }>(sql`SELECT message_id, source FROM events ORDER BY message_id, source`);
    assert.deepEqual(rows.map((e) => `${e.message_id} ${e.source}`), ['x1 backend', 'x1 web', 'x2 import']);
  });

  it('an entry that fails again stays, with the reason it fails for now', async () => {
    await store.addToQuarantine([entry('event', 'web', native('bad', { metadata: { format: 'xls' } })), entry('event', 'web', native('good'))]);
    const r = await replayQuarantine(store, FIXED);
    assert.deepEqual(r, { selected: 2, replayed: 1, duplicates: 0, still_failing: 1, not_replayable: 0, by_reason: { metadata_enum: 1 } });
    const left = await listQuarantine(store);
    assert.equal(left.total, 1);
    const [e] = left.entries;
    assert.deepEqual([e.reason, e.field], ['metadata_enum', 'metadata.format']);
    assert.match(e.message, /metadata\.format must be one of "csv", "pdf", got "xls"/);
    assert.equal(await events(), 1);
  });

  it('a dry run counts what would happen and writes nothing', async () => {
    await store.addToQuarantine([entry('event', 'web', native('d1')), entry('event', 'web', native('d2', { metadata: { format: 1 } }))]);
    const before = await listQuarantine(store);
    const r = await replayQuarantine(store, FIXED, { dryRun: true });
    assert.deepEqual(r, { selected: 2, replayed: 1, duplicates: 0, still_failing: 1, not_replayable: 0, by_reason: { metadata_type: 1 } });
    assert.equal(await events(), 0);
    assert.deepEqual(await listQuarantine(store), before, 'entries and their reasons unchanged');
  });

  it('flagged on replay: stored and counted as a plan violation', async () => {
    await store.addToQuarantine([entry('event', 'app', native('f1', { action: 'frobbed', object: 'widget' }))]);
    const r = await replayQuarantine(store, parseTrackingPlan('unplanned: flag\nevents: []'));
    assert.equal(r.replayed, 1);
    const v = await store.query<{ source: string; reason: string; n: string }>(sql`SELECT source, reason, sum(n) AS n FROM plan_violations GROUP BY source, reason`);
    assert.deepEqual(v.map((x) => [x.source, x.reason, Number(x.n)]), [['app', 'unplanned_event', 1]]);
    assert.equal(await events(), 1);
  });

  it('reads Segment and PostHog payloads, finding the account of a known user', async () => {
    await store.insertEvents([{ messageId: 'seen', accountId: 'acc_9', userId: 'u_9', anonymousId: null, action: 'closed', object: 'conversation', place: null, metadata: {}, timestamp: T, count: 1 }], 'web');
    await store.addToQuarantine([
      entry('segment', 'seg', { type: 'track', event: 'Report Exported', userId: 'u_9', messageId: 's1', timestamp: new Date(T).toISOString(), properties: { format: 'pdf' } }),
      entry('posthog', 'ph', { event: 'report exported', distinct_id: 'u_9', uuid: 'p1', timestamp: new Date(T).toISOString(), properties: { format: 'csv' } }),
      entry('segment', 'seg', { type: 'identify', userId: 'u_new', traits: { company: { id: 'acc_new' } } }, 'invalid_field'),
      entry('segment', 'seg', { type: 'track', event: 'Report Exported', userId: 'u_new', messageId: 's2', properties: {} }),
    ]);
    const r = await replayQuarantine(store, FIXED);
    assert.deepEqual([r.replayed, r.still_failing], [4, 0]);
    const rows = await store.query<{ message_id: string; account_id: string; source: string; ts: string }>(
      sql`SELECT message_id, account_id, source, ${store.dialect.epochMs(sql`timestamp`)} AS ts FROM events WHERE message_id <> 'seen' ORDER BY message_id`,
    );
    assert.deepEqual(rows.map((e) => [e.message_id, e.account_id, e.source]), [['p1', 'acc_9', 'ph'], ['s1', 'acc_9', 'seg'], ['s2', 'acc_new', 'seg']]);
    assert.equal(Number(rows[2].ts), RECEIVED, 'a call without a timestamp keeps the time it arrived');
    const [u] = await store.query<{ account_id: string }>(sql`SELECT account_id FROM users WHERE user_id = 'u_new'`);
    assert.equal(u.account_id, 'acc_new');
  });

  it('leaves what it cannot read: non-JSON lines keep their reason, CSV account rows are not replayable', async () => {
    await store.addToQuarantine([
      { ...entry('event', 'import', 'acc_1,2025-01-01,closed', 'invalid_json'), file: 'e.csv', line: 3 },
      { ...entry('account', 'import', 'acc_1,Acme,not-a-date,pro,3,', 'invalid_field'), file: 'accounts.csv', line: 2 },
    ]);
    const r = await replayQuarantine(store, FIXED);
    assert.deepEqual(r, { selected: 2, replayed: 0, duplicates: 0, still_failing: 1, not_replayable: 1, by_reason: { invalid_field: 1, invalid_json: 1 } });
    assert.equal(await quarantined(), 2);
  });

  it('replays only the selected ids, reason or source', async () => {
    await store.addToQuarantine([entry('event', 'a', native('i1')), entry('event', 'b', native('i2')), entry('event', 'b', native('i3'), 'other')]);
    const ids = (await listQuarantine(store)).entries.map((e) => e.id).sort((x, y) => x - y);
    assert.equal((await replayQuarantine(store, FIXED, { ids: [ids[0]] })).replayed, 1);
    assert.equal((await replayQuarantine(store, FIXED, { source: 'b', reason: 'other' })).replayed, 1);
    assert.equal((await replayQuarantine(store, FIXED, { ids: [] })).selected, 0);
    const left = await listQuarantine(store);
    assert.deepEqual(left.entries.map((e) => e.id), [ids[1]]);
  });
});

describeEngines('quarantine list and show', async (engine) => {
  const store = await engine.open();
  const long = native('x', { metadata: { text: 'y'.repeat(500) } });
  await store.addToQuarantine([
    entry('event', 'web', native('l1')),
    entry('event', 'web', long, 'metadata_type'),
    entry('posthog', 'ph', { event: '$autocapture' }, 'system_event'),
  ]);

  it('lists the newest first with counts over the whole selection', async () => {
    const list = await listQuarantine(store, { limit: 2 });
    assert.equal(list.total, 3);
    assert.deepEqual(list.by_source, { web: 2, ph: 1 });
    assert.deepEqual(list.by_reason, { metadata_type: 1, system_event: 1, unplanned_event: 1 });
    assert.deepEqual(list.entries.map((e) => e.reason), ['system_event', 'metadata_type']);
    const cut = list.entries[1];
    assert.ok(cut.preview.endsWith('…') && cut.preview.length <= 121, 'a short preview');
    assert.deepEqual(Object.keys(cut), ['id', 'received_at', 'kind', 'source', 'file', 'line', 'reason', 'field', 'message', 'preview']);
    assert.equal(cut.received_at, new Date(RECEIVED).toISOString());
  });

  it('filters by source and reason', async () => {
    assert.equal((await listQuarantine(store, { source: 'web' })).total, 2);
    const r = await listQuarantine(store, { source: 'web', reason: 'metadata_type' });
    assert.deepEqual([r.total, r.entries.length, r.by_reason], [1, 1, { metadata_type: 1 }]);
  });

  it('shows one entry with its whole payload', async () => {
    const id = (await listQuarantine(store, { reason: 'metadata_type' })).entries[0].id;
    const shown = await showQuarantine(store, id);
    assert.equal(shown?.payload, JSON.stringify(long));
    assert.equal(shown?.kind, 'event');
    assert.equal(await showQuarantine(store, 999_999), null);
  });
});
