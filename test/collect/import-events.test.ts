import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { importEvents } from '../../src/collect/index.js';
import { sql, type Store } from '../../src/store/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';

const NOW = Date.UTC(2026, 0, 1);
const good = (i: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    message_id: `m${i}`,
    timestamp: new Date(Date.UTC(2025, 0, 1) + i * 3600e3).toISOString(),
    account_id: `acc_${i % 3}`,
    user_id: `u_${i % 5}`,
    action: 'closed',
    object: 'conversation',
    place: 'inbox',
    metadata: { state: i % 2 ? 'resolved' : 'unresolved' },
    ...over,
  });

/** Ten lines: 5 good events, one duplicate id, three bad lines at known line numbers. */
const JSONL_LINES = [
  good(1),
  good(2),
  '{"message_id": "broken", "action": ', // 3: invalid JSON
  good(3),
  '', // 5: blank, skipped
  good(4, { action: undefined }), // 6: missing action
  good(1), // 7: retry of line 1
  good(5, { timestamp: 'last tuesday' }), // 8: bad timestamp
  JSON.stringify({ type: 'track', event: 'Workflow Published', messageId: 'seg1', timestamp: '2025-02-01T00:00:00Z', userId: 'u_1', context: { groupId: 'acc_1' }, properties: { steps: 3 } }),
  good(6),
];

async function quarantined(store: Store) {
  return store.query<{ file: string; line: string; reason: string; field: string | null; payload: string }>(
    sql`SELECT file, line, reason, field, payload FROM quarantine ORDER BY file, line`,
  );
}

describeEngines('importEvents', async (engine) => {
  const fresh = () => engine.open();
  const dir = await tempDir();

  it('imports JSON lines, quarantining bad lines with file, line and reason', async () => {
    const store = await fresh();
    const file = join(dir, 'events.jsonl');
    await writeFile(file, JSONL_LINES.join('\n') + '\n');
    const r = await importEvents(store, [file], { now: NOW, workers: 0 });
    assert.deepEqual(r, { imported: 5, duplicates: 1, quarantined: 3, lines: 10 });
    const q = await quarantined(store);
    assert.deepEqual(
      q.map((e) => [e.file, Number(e.line), e.reason, e.field]),
      [
        ['events.jsonl', 3, 'invalid_json', null],
        ['events.jsonl', 6, 'missing_field', 'action'],
        ['events.jsonl', 8, 'invalid_timestamp', 'timestamp'],
      ],
    );
    assert.equal(q[0].payload, JSONL_LINES[2], 'the raw line is kept for replay');
    const seg = await store.query(sql`SELECT account_id, action, object, metadata FROM events WHERE message_id = 'seg1'`);
    assert.deepEqual(seg, [{ account_id: 'acc_1', action: 'published', object: 'workflow', metadata: '{"steps":3}' }]);
  });

  it('de-duplicates message ids across imports', async () => {
    const store = await fresh();
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    await writeFile(a, [good(1), good(2), good(3)].join('\n'));
    await writeFile(b, [good(3), good(4), good(1)].join('\n'));
    assert.deepEqual(await importEvents(store, [a], { now: NOW, workers: 0 }), { imported: 3, duplicates: 0, quarantined: 0, lines: 3 });
    assert.deepEqual(await importEvents(store, [b], { now: NOW, workers: 0 }), { imported: 1, duplicates: 2, quarantined: 0, lines: 3 });
    assert.deepEqual(await importEvents(store, [a, b], { now: NOW, workers: 0 }), { imported: 0, duplicates: 6, quarantined: 0, lines: 6 });
    assert.equal((await store.stats()).events, 4);
  });

  it('reads gzipped JSON lines by their bytes, whatever the name, and CRLF line ends', async () => {
    const store = await fresh();
    const file = join(dir, 'events.data');
    await writeFile(file, gzipSync(JSONL_LINES.join('\r\n')));
    const r = await importEvents(store, [file], { now: NOW, workers: 0 });
    assert.deepEqual(r, { imported: 5, duplicates: 1, quarantined: 3, lines: 10 });
    assert.deepEqual((await quarantined(store)).map((q) => Number(q.line)), [3, 6, 8]);
  });

  it('gives the same events and line numbers on parser threads with chunks cut mid-file', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i % 250 === 17 ? '{oops' : good(i)));
    const file = join(dir, 'many.jsonl');
    await writeFile(file, lines.join('\n'));
    const inline = await fresh();
    const threaded = await fresh();
    const a = await importEvents(inline, [file], { now: NOW, workers: 0 });
    const b = await importEvents(threaded, [file], { now: NOW, workers: 2, chunkBytes: 16 * 1024, mergeRows: 700 });
    assert.deepEqual(a, b);
    assert.deepEqual(a, { imported: 2988, duplicates: 0, quarantined: 12, lines: 3000 });
    const expected = lines.flatMap((l, i) => (l === '{oops' ? [i + 1] : []));
    assert.deepEqual((await quarantined(threaded)).map((q) => Number(q.line)), expected);
    const digest = (s: Store) => s.query(sql`SELECT message_id, account_id, ${s.dialect.epochMs(sql`timestamp`)} AS t, metadata FROM events ORDER BY message_id`);
    assert.deepEqual(await digest(threaded), await digest(inline));
  });

  it('quarantines a line longer than the limit without stopping', async () => {
    const store = await fresh();
    const file = join(dir, 'long.jsonl');
    await writeFile(file, [good(1, { metadata: { blob: 'x'.repeat(40_000) } }), good(2)].join('\n'));
    const r = await importEvents(store, [file], { now: NOW, workers: 0 });
    assert.deepEqual(r, { imported: 1, duplicates: 0, quarantined: 1, lines: 2 });
    assert.equal((await quarantined(store))[0].reason, 'line_too_long');
  });

  it('imports CSV with a metadata column, quarantining bad rows by line', async () => {
    const store = await fresh();
    const file = join(dir, 'events.csv');
    await writeFile(
      file,
      [
        'message_id,timestamp,account_id,user_id,action,object,place,metadata,count',
        'c1,2025-01-01T10:00:00Z,acc_1,u_1,closed,conversation,inbox,"{""state"":""resolved""}",',
        'c2,2025-01-01T11:00:00Z,acc_1,u_1,opened,conversation,inbox,,3',
        'c3,2025-01-01T12:00:00Z,acc_1,u_1,closed,conversation,inbox,{not json},',
        'c4,2025-01-01T12:00:00Z,acc_1,u_1,closed',
        'c5,2025-01-01T13:00:00Z,,u_1,closed,conversation,inbox,,',
        'c6,"2025-01-01T14:00:00Z",acc_2,u_2,"tagged","conversation","inbox","{""tag"":""billing, urgent""}",',
      ].join('\n'),
    );
    const r = await importEvents(store, [file], { now: NOW });
    assert.deepEqual(r, { imported: 3, duplicates: 0, quarantined: 3, lines: 7 });
    assert.deepEqual(
      (await quarantined(store)).map((q) => [Number(q.line), q.reason]),
      [
        [4, 'invalid_row'],
        [5, 'invalid_row'],
        [6, 'missing_field'],
      ],
    );
    const rows = await store.query(sql`SELECT message_id, count, metadata FROM events ORDER BY message_id`);
    assert.deepEqual(rows, [
      { message_id: 'c1', count: 1, metadata: '{"state":"resolved"}' },
      { message_id: 'c2', count: 3, metadata: '{}' },
      { message_id: 'c6', count: 1, metadata: '{"tag":"billing, urgent"}' },
    ]);
  });

  it('CSV: one malformed row is one quarantine entry with the row whole; quoted metadata over several lines is read', async () => {
    const store = await fresh();
    const file = join(dir, 'events-malformed.csv');
    await writeFile(
      file,
      [
        'message_id,timestamp,account_id,action,object,metadata,count', //                  1
        'k1,2025-01-01T10:00:00Z,acc_1,closed,conversation,,', //                          2
        'k2,2025-01-01T10:00:00Z,acc_1,closed,conversation,"{""a"":"x"""}",', //           3  a lone quote mid-field
        'k3,2025-01-01T10:00:00Z,acc_1,closed,conversation,"{""state"":', //                4  JSON over two lines
        '""resolved""}",2', //                                                              5
        'k4,2025-01-01T10:00:00Z,acc_1,"closed,conversation,,', //                          6  never closed
        'k5,2025-01-01T10:00:00Z,acc_1,closed,conversation,,0x10', //                       7  not a decimal count
        'k6,2025-01-01T10:00:00Z,acc_\u001b[2J,closed,conversation,,', //                   8  ESC in an id
        'k7,2025-01-01T10:00:00Z,acc_1,closed,conversation,,', //                          9
      ].join('\n'),
    );
    const r = await importEvents(store, [file], { now: NOW });
    assert.deepEqual(r, { imported: 3, duplicates: 0, quarantined: 4, lines: 9 });
    assert.deepEqual(
      (await quarantined(store)).map((q) => [Number(q.line), q.reason, q.field, q.payload]),
      [
        [3, 'invalid_row', null, 'k2,2025-01-01T10:00:00Z,acc_1,closed,conversation,"{""a"":"x"""}",'],
        [6, 'invalid_row', null, 'k4,2025-01-01T10:00:00Z,acc_1,"closed,conversation,,'],
        [7, 'invalid_field', 'count', 'k5,2025-01-01T10:00:00Z,acc_1,closed,conversation,,0x10'],
        [8, 'invalid_text', 'account_id', 'k6,2025-01-01T10:00:00Z,acc_\u001b[2J,closed,conversation,,'],
      ],
    );
    const rows = await store.query(sql`SELECT message_id, count, metadata FROM events ORDER BY message_id`);
    assert.deepEqual(rows, [
      { message_id: 'k1', count: 1, metadata: '{}' },
      { message_id: 'k3', count: 2, metadata: '{"state":"resolved"}' },
      { message_id: 'k7', count: 1, metadata: '{}' },
    ]);
  });

  it('imports Parquet, nested metadata and typed timestamps included', async () => {
    const store = await fresh();
    const file = join(dir, 'events.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`COPY (
      SELECT 'p' || i AS message_id, TIMESTAMP '2025-01-01 00:00:00' + INTERVAL (i) HOUR AS timestamp, 'acc_1' AS account_id,
        'u_1' AS user_id, 'closed' AS action, CASE WHEN i = 3 THEN NULL ELSE 'conversation' END AS object, 'inbox' AS place,
        {'state': 'resolved', 'n': i} AS metadata
      FROM range(5) t(i)) TO '${file}' (FORMAT parquet)`);
    conn.closeSync();
    db.closeSync();
    const r = await importEvents(store, [file], { now: NOW });
    assert.deepEqual(r, { imported: 4, duplicates: 0, quarantined: 1, lines: 5 });
    const [q] = await quarantined(store);
    assert.deepEqual([Number(q.line), q.reason, q.field], [4, 'missing_field', 'object']);
    const rows = await store.query(sql`SELECT ${store.dialect.epochMs(sql`timestamp`)} AS t, metadata FROM events WHERE message_id = 'p2'`);
    assert.deepEqual(rows, [{ t: String(Date.UTC(2025, 0, 1, 2)), metadata: '{"state":"resolved","n":2}' }]);
  });
});
