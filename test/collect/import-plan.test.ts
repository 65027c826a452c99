import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { importEvents } from '../../src/collect/index.js';
import { parseTrackingPlan } from '../../src/config/index.js';
import { sql } from '../../src/store/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';

const NOW = Date.UTC(2026, 0, 1);
// The collector's rules: (closed, conversation) breaking its plan is quarantined; (viewed, report)
// breaking its plan is flagged (stored and counted); unplanned events are flagged.
const PLAN = parseTrackingPlan(`unplanned: flag
events:
  - action: closed
    object: conversation
    places: [inbox]
    metadata: { state: { type: string, required: true, enum: [resolved, unresolved] } }
  - { action: viewed, object: report, places: [reports], violations: flag }
`);

const line = (i: number, over: Record<string, unknown>) =>
  JSON.stringify({ message_id: `m${i}`, timestamp: new Date(Date.UTC(2025, 0, 1 + (i % 2)) + i * 60e3).toISOString(), account_id: 'acc_1', action: 'closed', object: 'conversation', place: 'inbox', metadata: { state: 'resolved' }, ...over });

const LINES = [
  line(1, {}), //                                          stored
  line(2, { metadata: { state: 'lost' } }), //             quarantined: metadata_enum
  line(3, { place: 'settings' }), //                       quarantined: unplanned_place
  line(4, { action: 'viewed', object: 'report', place: 'reports' }), // stored
  line(5, { action: 'viewed', object: 'report', place: 'inbox' }), //  flagged: unplanned_place
  line(6, { action: 'exported', object: 'csv', metadata: { token: 'sk_live_secret' } }), // flagged: unplanned_event
  line(7, { action: 'exported', object: 'csv' }), //       flagged: unplanned_event
  line(8, { action: 'exported', object: 'csv' }), //       flagged: unplanned_event
];

describeEngines('imports are checked against the tracking plan, as the collector checks', async (engine) => {
  const dir = await tempDir();
  const jsonl = join(dir, 'events.jsonl');
  await writeFile(jsonl, LINES.join('\n') + '\n');
  const csv = join(dir, 'events.csv');
  const rows = LINES.map((l) => JSON.parse(l) as Record<string, unknown>);
  await writeFile(
    csv,
    ['message_id,timestamp,account_id,action,object,place,metadata', ...rows.map((r) => [r.message_id, r.timestamp, r.account_id, r.action, r.object, r.place, `"${JSON.stringify(r.metadata).replaceAll('"', '""')}"`].join(','))].join('\n') + '\n',
  );

  for (const [name, file, workers] of [
    ['JSON lines, inline', jsonl, 0],
    ['JSON lines, parser threads', jsonl, 2],
    ['CSV', csv, 0],
  ] as const) {
    it(`${name}: stores the accepted and the flagged, quarantines the violations with the plan's reason`, async () => {
      const store = await engine.open();
      const r = await importEvents(store, [file], { now: NOW, workers, plan: PLAN });
      const offset = file === csv ? 1 : 0; // the header is line 1 of a CSV
      assert.deepEqual(r, { imported: 6, duplicates: 0, quarantined: 2, flagged: 4, lines: 8 + offset });
      const quarantined = await store.query<{ line: string; reason: string; field: string }>(sql`SELECT line, reason, field FROM quarantine ORDER BY line`);
      assert.deepEqual(
        quarantined.map((q) => [Number(q.line), q.reason, q.field]),
        [
          [2 + offset, 'metadata_enum', 'metadata.state'],
          [3 + offset, 'unplanned_place', 'place'],
        ],
      );
      const flagged = await store.query<{ action: string; reason: string; n: string }>(sql`SELECT action, reason, sum(n) AS n FROM plan_violations GROUP BY action, reason ORDER BY action`);
      assert.deepEqual(flagged.map((f) => [f.action, f.reason, Number(f.n)]), [
        ['exported', 'unplanned_event', 3],
        ['viewed', 'unplanned_place', 1],
      ]);
      // Tallied per day: the three unplanned exports fall on two days.
      const examples = await store.query<{ example: string }>(sql`SELECT example FROM plan_violations WHERE action = 'exported'`);
      assert.equal(examples.length, 2);
      // The example is the event as checked: a credential in its metadata is not kept.
      assert.ok(examples.every((e) => JSON.parse(e.example).action === 'exported' && !e.example.includes('sk_live_secret')), JSON.stringify(examples));
    });
  }

  it('without a plan every valid event is stored', async () => {
    const store = await engine.open();
    assert.deepEqual(await importEvents(store, [jsonl], { now: NOW, workers: 0 }), { imported: 8, duplicates: 0, quarantined: 0, lines: 8 });
  });
});
