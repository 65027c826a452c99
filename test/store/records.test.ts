import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from '../../src/store/index.js';
import { describeEngines } from '../engines.js';

const delivery = (id: string, status: string, attempts: number, at: number) => ({
  id,
  endpoint: 'crm',
  event_id: `evt_${id}`,
  event_type: 'milestone.reached',
  account_id: 'acme',
  payload: '{"a":1}',
  status,
  attempts,
  next_attempt_at: status === 'pending' ? at : null,
  last_status: attempts > 0 ? 500 : null,
  last_error: null,
  created_at: 1_700_000_000_000,
  updated_at: at,
});

describeEngines('records of what Cairn did', (engine) => {
  it('keyed rows replace their key (the last written wins), other rows are appended', async () => {
    const store = await engine.open();
    await store.writeRows('webhook_deliveries', [delivery('a', 'pending', 0, 1_700_000_000_000), delivery('b', 'pending', 0, 1_700_000_000_000)]);
    await store.writeRows('webhook_deliveries', [delivery('a', 'pending', 1, 1_700_000_001_000), delivery('a', 'delivered', 2, 1_700_000_002_000)]);
    const rows = await store.query<{ id: string; status: string; attempts: number | string; at: string | number | null }>(
      sql`SELECT id, status, attempts, ${store.dialect.epochMs(sql`next_attempt_at`)} AS at FROM webhook_deliveries ORDER BY id`,
    );
    assert.deepEqual(rows.map((r) => [r.id, r.status, Number(r.attempts), r.at === null ? null : Number(r.at)]), [
      ['a', 'delivered', 2, null],
      ['b', 'pending', 0, 1_700_000_000_000],
    ]);
    const run = { id: 'r1', job: 'review', slot: 1_700_000_000_000, started_at: 1_700_000_000_100, finished_at: 1_700_000_000_900, status: 'ok', result: '{"n":1}', error: null };
    await store.writeRows('job_runs', [run, { ...run, id: 'r2' }]);
    const [{ n }] = await store.query<{ n: string | number }>(sql`SELECT count(*) AS n FROM job_runs`);
    assert.equal(Number(n), 2);
  });

  it('a lease is held by one holder at a time, across stores on one place, and is freed when the work fails', async () => {
    const place = await engine.place();
    const a = await place.open();
    // DuckDB lets one process hold a file: there both holders share one store.
    const b = engine.name === 'duckdb' ? a : await place.open();
    try {
      const log: string[] = [];
      const hold = (store: typeof a, who: string) =>
        store.withLease('test_lease', async () => {
          log.push(`${who} in`);
          await new Promise((r) => setTimeout(r, 150));
          log.push(`${who} out`);
          return who;
        });
      const results = await Promise.all([hold(a, 'a'), hold(b, 'b'), hold(a, 'c')]);
      assert.deepEqual(results, ['a', 'b', 'c']);
      // Never two inside at once: every "in" is followed by its own "out".
      for (let i = 0; i < log.length; i += 2) assert.equal(log[i + 1], log[i].replace(' in', ' out'));
      await assert.rejects(a.withLease('test_lease', async () => Promise.reject(new Error('boom'))), /boom/);
      assert.equal(await b.withLease('test_lease', async () => 'after'), 'after');
      await assert.rejects(a.withLease('Bad name;', async () => 1), /invalid lease name/);
    } finally {
      if (b !== a) await b.close();
      await a.close();
    }
  });
});
