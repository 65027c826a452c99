import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Scheduler } from '../../src/server/index.js';
import { sql } from '../../src/store/index.js';
import { describeEngines } from '../engines.js';

describeEngines('the scheduler of cairn serve', (engine) => {
  it('runs a job on a real schedule at seconds resolution, records each run with its result or error, and cairn stats shows them', async () => {
    const store = await engine.open();
    let n = 0;
    const scheduler = new Scheduler({ store })
      .register({ name: 'tick', schedule: '* * * * * *', run: async () => ({ n: ++n }) })
      .register({
        name: 'broken',
        schedule: '* * * * * *',
        run: async () => {
          throw new Error('no data yet');
        },
      });
    await scheduler.start();
    assert.ok(scheduler.nextRuns().tick);
    await new Promise((r) => setTimeout(r, 2600));
    await scheduler.stop();
    const runs = await store.query<{ job: string; status: string; result: string | null; error: string | null; slot: string | number; started: string | number }>(
      sql`SELECT job, status, result, error, ${store.dialect.epochMs(sql`slot`)} AS slot, ${store.dialect.epochMs(sql`started_at`)} AS started FROM job_runs ORDER BY job, started_at`,
    );
    const ticks = runs.filter((r) => r.job === 'tick');
    assert.ok(ticks.length >= 2, `ran every second: ${ticks.length} runs`);
    assert.deepEqual(ticks.map((r) => JSON.parse(r.result!).n), ticks.map((_, i) => i + 1));
    for (const r of ticks) {
      assert.equal(r.status, 'ok');
      assert.equal(Number(r.slot) % 1000, 0, 'the slot is the second the schedule fired for');
      assert.ok(Number(r.started) - Number(r.slot) < 1000);
    }
    const broken = runs.filter((r) => r.job === 'broken');
    assert.ok(broken.length >= 2);
    assert.deepEqual([...new Set(broken.map((r) => `${r.status} ${r.error}`))], ['failed no data yet']);
    const stats = (await store.stats()).jobs;
    assert.equal(stats.tick.runs, ticks.length);
    assert.equal(stats.tick.failed, 0);
    assert.deepEqual(stats.tick.last.result, { n: ticks.length });
    assert.equal(stats.broken.failed, broken.length);
    assert.equal(stats.broken.last.error, 'no data yet');
    assert.equal(stats.broken.last_ok_at, null);
  });

  it('runs a slot once across processes sharing the store, and a job due at start at once', async () => {
    const place = await engine.place();
    const a = await place.open();
    const b = engine.name === 'duckdb' ? a : await place.open();
    try {
      let runs = 0;
      const job = { name: 'report', schedule: '0 6 1 * *', run: async () => ++runs };
      const one = new Scheduler({ store: a }).register(job);
      const two = new Scheduler({ store: b }).register(job);
      const slot = new Date(Date.UTC(2026, 0, 1, 6));
      const results = await Promise.all([one.runJob('report', slot), two.runJob('report', slot)]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['ok', 'skipped']);
      assert.equal(runs, 1);
      assert.equal((await one.runJob('report', new Date(Date.UTC(2026, 1, 1, 6)))).status, 'ok');
      assert.equal(runs, 2);

      // Due at start when its last run is older than its period: it runs without waiting for the schedule.
      let late = 0;
      const three = new Scheduler({ store: a }).register({ ...job, name: 'late', dueAtStart: (last) => last === null, run: async () => ++late });
      await three.start();
      for (let i = 0; i < 100 && late === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await three.stop();
      assert.equal(late, 1);
      assert.throws(() => three.register({ ...job, name: 'Bad name' }), /invalid job name/);
    } finally {
      if (b !== a) await b.close();
      await a.close();
    }
  });
});
