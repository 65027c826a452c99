import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { Collector } from '../../../src/collect/http/collector.js';
import { walCheckpointName } from '../../../src/collect/http/wal.js';
import { parseTrackingPlan } from '../../../src/config/index.js';
import { sql, type CollectedWrite, type Store } from '../../../src/store/index.js';
import { describeEngines } from '../../engines.js';
import { tempDir } from '../../tmp.js';

/**
 * A real store that refuses any write holding the poisoned event or account, as a store refuses
 * a value it cannot hold: the fault is injected, everything else is the real store.
 */
function refusing(store: Store): Store {
  const inFiles = (files: string[]) => files.some((f) => readFileSync(f, 'utf8').includes('\tpoison\t'));
  const poisoned = (w: CollectedWrite) =>
    w.accounts.some((a) => a.accountId === 'poison') ||
    w.events.some((p) => ('events' in p ? p.events.some((e) => e.messageId === 'poison') : inFiles(p.batch.files)));
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'applyCollected') return (w: CollectedWrite) => (poisoned(w) ? Promise.reject(new Error('Conversion Error: value out of range')) : target.applyCollected(w));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Waits for `what` (a liveness guard: the assertions after it say what was expected). */
const until = async (what: () => Promise<boolean>) => {
  for (const end = Date.now() + 300_000; Date.now() < end && !(await what()); ) await new Promise((r) => setTimeout(r, 50));
};

describeEngines('a generation the store refuses', (engine) => {
  it('is stored piece by piece: the good events and patches land, the refused ones are quarantined, nothing blocks what follows', async () => {
    const dir = await tempDir();
    const real = await engine.open();
    const errors: string[] = [];
    const c = await Collector.open({
      store: refusing(real),
      plan: parseTrackingPlan('unplanned: accept\nevents: []\n'),
      walDir: join(dir, 'wal'),
      generationMs: 50,
      onApplyError: (e) => errors.push((e as Error).message),
    });
    const t = '2025-05-02T10:00:00Z';
    const event = (id: string) => ({ message_id: id, timestamp: t, account_id: 'a1', action: 'closed', object: 'conversation' });
    const first = await c.ingest('web', 'native', [event('good-1'), event('poison'), event('good-2')], Date.now());
    assert.equal(first.accepted, 3);
    await c.ingest('web', 'segment', [{ type: 'group', groupId: 'poison', traits: { name: 'X' } }, { type: 'group', groupId: 'a1', traits: { name: 'Acme' } }], Date.now());
    await c.ingest('web', 'native', [event('later')], Date.now());

    await until(async () => c.health().queued_events === 0 && c.health().queued_generations === 0 && c.health().apply_error === null);
    await c.close();
    assert.ok(errors.length >= 3, 'retried as a whole first');
    const ids = (await real.query<{ message_id: string }>(sql`SELECT message_id FROM events ORDER BY message_id`)).map((r) => r.message_id);
    assert.deepEqual(ids, ['good-1', 'good-2', 'later']);
    const q = await real.query<{ reason: string; payload: string; message: string }>(sql`SELECT reason, payload, message FROM quarantine ORDER BY id`);
    assert.deepEqual(q.map((r) => r.reason), ['store_rejected', 'store_rejected']);
    assert.equal(JSON.parse(q[0].payload).message_id, 'poison', 'the refused event is kept as a replayable native event');
    assert.match(q[0].message, /Conversion Error/);
    assert.equal(JSON.parse(q[1].payload).groupId, 'poison');
    const accounts = await real.query<{ account_id: string; name: string }>(sql`SELECT account_id, name FROM accounts`);
    assert.deepEqual(accounts, [{ account_id: 'a1', name: 'Acme' }]);
    assert.ok((await real.checkpoint(await walCheckpointName(join(dir, 'wal'))))! >= 1);
    await real.close();
  });
});
