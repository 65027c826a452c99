import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { describeEngines } from '../engines.js';
import { listQuarantine } from '../../src/collect/index.js';
import { ident, sql } from '../../src/store/index.js';
import { readStats } from '../../src/store/stats-queries.js';
import { ev as fixtureEvent } from '../fixtures.js';

const ev = (id: string, timestamp: number) => fixtureEvent('acc_1', '2025-01-01', 'closed', 'conversation', { messageId: id, timestamp });

/** Linear interpolation between closest ranks, as quantile_cont does. */
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
}

describeEngines('stats per source', async (engine) => {
  const store = await engine.open();
  const start = Date.now();
  // web: 10 events sent 1..10 s before they arrive; mobile: 4 events, two of them received 30 min ago
  // and two 2 h ago (outside both windows); an import of old history.
  await store.insertEvents(Array.from({ length: 10 }, (_, i) => ev(`w${i}`, start - (i + 1) * 1000)), 'web');
  const insertOld = (id: string, receivedAgoMs: number) =>
    // Backdated arrival needs a direct insert; on ClickHouse `events` is a view over events_data.
    store.execute(sql`INSERT INTO ${ident(store.dialect.name === 'clickhouse' ? 'events_data' : 'events')} VALUES (${id}, 'acc_2', NULL, NULL, 'opened', 'conversation', NULL, '{}',
      ${new Date(start - receivedAgoMs - 60_000)}, 1, ${new Date(start - receivedAgoMs)}, 'mobile')`);
  await insertOld('m1', 30 * 60_000);
  await insertOld('m2', 30 * 60_000);
  await insertOld('m3', 2 * 3_600_000);
  await insertOld('m4', 2 * 3_600_000);
  await store.addToQuarantine([
    { kind: 'segment', source: 'mobile', file: null, line: null, reason: 'unplanned_event', field: null, message: 'm', payload: '{}', receivedAt: start },
    { kind: 'segment', source: 'mobile', file: null, line: null, reason: 'unplanned_event', field: null, message: 'm', payload: '{}', receivedAt: start },
    { kind: 'event', source: 'partner', file: null, line: null, reason: 'metadata_type', field: 'metadata.x', message: 'm', payload: '{}', receivedAt: start },
  ]);
  await store.applyCollected({
    events: [],
    quarantine: [],
    accounts: [],
    users: [],
    violations: ['unplanned_place', 'unplanned_place', 'unplanned_event'].map((reason) => ({
      source: 'web', action: 'closed', object: 'conversation', reason, field: null, timestamp: start, example: '{}',
    })),
  });
  const s = await readStats(store, Date.now());

  it('keeps the existing fields', () => {
    assert.equal(s.events, 14);
    assert.equal(s.quarantined, 3);
    assert.deepEqual(s.events_by_source, { web: 10, mobile: 4 });
    assert.deepEqual(s.quarantine_by_reason, { unplanned_event: 2, metadata_type: 1 });
  });

  it('gives each source its events, rates, lag and failures', async () => {
    assert.deepEqual(Object.keys(s.sources), ['web', 'mobile', 'partner']);
    const web = s.sources.web;
    assert.equal(web.events, 10);
    assert.equal(web.events_per_second_5m, 0.0333);
    assert.equal(web.events_per_second_1h, 0.00278);
    const rows = await store.query<{ lag: string }>(sql`SELECT ${store.dialect.epochMs(sql`received_at`)} - ${store.dialect.epochMs(sql`timestamp`)} AS lag FROM events WHERE source = 'web'`);
    const lags = rows.map((r) => Number(r.lag)).sort((a, b) => a - b);
    assert.equal(web.lag_p50_ms, Math.round(quantile(lags, 0.5)));
    assert.equal(web.lag_p95_ms, Math.round(quantile(lags, 0.95)));
    // 5.5 s plus however long the store took to write (seconds on a loaded machine).
    assert.ok(web.lag_p50_ms! >= 5000 && web.lag_p50_ms! < 60_000, `about 5.5 s, got ${web.lag_p50_ms}`);
    assert.deepEqual(web.quarantine_by_reason, {});
    assert.deepEqual(web.flagged_by_reason, { unplanned_place: 2, unplanned_event: 1 });

    const mobile = s.sources.mobile;
    assert.equal(mobile.events, 4);
    assert.equal(mobile.events_per_second_5m, 0);
    assert.equal(mobile.events_per_second_1h, 0.000556);
    assert.deepEqual([mobile.lag_p50_ms, mobile.lag_p95_ms], [60_000, 60_000], 'only the last hour counts');
    assert.deepEqual(mobile.quarantine_by_reason, { unplanned_event: 2 });

    assert.deepEqual(s.sources.partner, {
      events: 0,
      events_per_second_5m: 0,
      events_per_second_1h: 0,
      lag_p50_ms: null,
      lag_p95_ms: null,
      quarantine_by_reason: { metadata_type: 1 },
      flagged_by_reason: {},
      users_moved: 0,
    });
  });
});

describeEngines('stats and the quarantine list: source names are data, never object keys looked up', async (engine) => {
  const store = await engine.open();
  // Names an import's --source once allowed: as plain-object keys they reached Object.prototype.
  for (const source of ['__proto__', 'constructor', 'toString']) {
    await store.insertEvents([ev(`${source}-1`, Date.now() - 1000), ev(`${source}-2`, Date.now() - 1000)], source);
    await store.addToQuarantine([{ kind: 'event', source, file: null, line: null, reason: 'invalid_json', field: null, message: 'm', payload: '{', receivedAt: Date.now() }]);
  }

  it('counts each under its own name and leaves Object.prototype alone', async () => {
    const s = await readStats(store);
    for (const source of ['__proto__', 'constructor', 'toString']) {
      assert.ok(Object.hasOwn(s.sources, source), source);
      assert.equal(s.sources[source].events, 2, source);
      assert.deepEqual(s.sources[source].quarantine_by_reason, { invalid_json: 1 });
      assert.equal(s.events_by_source[source], 2);
    }
    assert.deepEqual(s.quarantine_by_reason, { invalid_json: 3 });
    const list = await listQuarantine(store);
    assert.deepEqual(Object.entries(list.by_source).sort(), [['__proto__', 1], ['constructor', 1], ['toString', 1]]);
    assert.equal(Object.getPrototypeOf(s.sources), Object.prototype);
    assert.equal(({} as Record<string, unknown>).events, undefined, 'no property leaked onto every object');
    assert.equal((Object as unknown as Record<string, unknown>).events, undefined);
  });
});
