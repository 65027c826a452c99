/**
 * Durable acknowledgement under kill -9: `cairn serve` runs as a child process while clients
 * send batches with unique message ids without pause; the server is killed with SIGKILL
 * mid-stream and restarted on the same workspace, twice; the clients retry. Every batch that got
 * a 200 must be stored, every event once; batches never acknowledged may be stored, never twice.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bearer, createKey, killChildren, spawnServer, sql, waitFor, withStore, workspace, type ChildServer } from './helpers.js';

const BATCH = 25;
const KILLS = 2;

interface Batch {
  ids: string[];
  acked: boolean;
  /** Requests sent for it (the same ids each time). */
  attempts: number;
}

describe('kill -9 while clients send', () => {
  let server: ChildServer | null = null;
  after(killChildren);

  it('loses no acknowledged event and stores none twice', async (t) => {
    const ws = await workspace();
    const key = await createKey(ws, 'crash');
    server = await spawnServer(ws);
    // The clients follow the server to its new port after a restart, as through a load balancer.
    const target = { url: server.url };

    const batches: Batch[] = [];
    let stopping = false;
    const acked = () => batches.filter((b) => b.acked).length;
    const failures = { network: 0, status: new Map<number, number>() };

    /** Sends batches one after another; `retrySame` retries a failed batch with its ids, else moves on to a new one. */
    const client = async (name: string, retrySame: boolean) => {
      for (let n = 0; !stopping; n++) {
        const batch: Batch = { ids: Array.from({ length: BATCH }, (_, i) => `${name}-${n}-${i}`), acked: false, attempts: 0 };
        batches.push(batch);
        const body = JSON.stringify(batch.ids.map((id) => ({ message_id: id, timestamp: new Date().toISOString(), account_id: `acc_${name}`, action: 'sent', object: 'batch', metadata: { n } })));
        while (!batch.acked) {
          batch.attempts++;
          try {
            const res = await fetch(`${target.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(key) }, body, signal: AbortSignal.timeout(5_000) });
            await res.arrayBuffer();
            if (res.status === 200) batch.acked = true;
            else failures.status.set(res.status, (failures.status.get(res.status) ?? 0) + 1);
          } catch {
            failures.network++;
          }
          if (batch.acked || stopping) break;
          await new Promise((r) => setTimeout(r, 25));
          if (!retrySame) break;
        }
      }
    };
    const clients = [client('r1', true), client('r2', true), client('g1', false)];

    for (let kill = 0; kill < KILLS; kill++) {
      const before = acked();
      await waitFor(() => acked() >= before + 20, 'batches acknowledged before the kill', undefined, 10);
      const dying: ChildServer = server;
      process.kill(dying.pid, 'SIGKILL');
      assert.equal(await dying.exited, 'SIGKILL');
      server = await spawnServer(ws);
      target.url = server.url;
    }
    const afterLast = acked();
    await waitFor(() => acked() >= afterLast + 20, 'batches acknowledged after the last restart', undefined, 10);
    stopping = true;
    await Promise.all(clients);

    // SIGTERM drains: everything acknowledged is stored before it exits.
    const last: ChildServer = server;
    last.child.kill('SIGTERM');
    assert.equal(await last.exited, 0, last.stderr());
    server = null;

    const retried = batches.filter((b) => b.attempts > 1);
    assert.ok(failures.network > 0, 'the kills interrupted requests in flight');
    assert.ok(retried.length > 0, 'some batches were sent again after a failure');
    assert.deepEqual([...failures.status.keys()].filter((s) => s !== 503), [], `no refusals other than 503 while closing: ${JSON.stringify([...failures.status])}`);

    await withStore(ws, async (q) => {
      const rows = await q<{ message_id: string; n: number }>(sql`SELECT message_id, count(*)::INTEGER AS n FROM events GROUP BY message_id`);
      const stored = new Map(rows.map((r) => [r.message_id, r.n]));
      const twice = rows.filter((r) => r.n > 1).map((r) => r.message_id);
      assert.deepEqual(twice, [], 'no event stored twice');
      const lost = batches.filter((b) => b.acked).flatMap((b) => b.ids.filter((id) => !stored.has(id)));
      assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged events lost`);
      const sentIds = new Set(batches.flatMap((b) => b.ids));
      assert.deepEqual(rows.filter((r) => !sentIds.has(r.message_id)), [], 'nothing stored that was not sent');
      const ackedEvents = acked() * BATCH;
      const unackedStored = rows.length - ackedEvents;
      assert.ok(unackedStored >= 0 && unackedStored <= (batches.length - acked()) * BATCH);
      const [{ q: quarantined }] = await q<{ q: number }>(sql`SELECT count(*)::INTEGER AS q FROM quarantine`);
      assert.equal(quarantined, 0);
      t.diagnostic(
        `${batches.length} batches, ${acked()} acknowledged (all stored once), ${retried.length} sent more than once, ` +
          `${failures.network} requests cut off, ${unackedStored} events of unacknowledged batches stored`,
      );
    });
  });

  it('starts although a complete log line is damaged: the line goes to quarantine (wal_corrupt) and the log names file and line', async () => {
    const ws = await workspace();
    const wal = join(ws, '.cairn', 'wal');
    mkdirSync(wal, { recursive: true });
    const good = { t: 'q', q: { kind: 'event', source: 'web', file: null, line: null, reason: 'invalid_json', field: null, message: 'bad', payload: '{x', receivedAt: Date.now() } };
    writeFileSync(join(wal, 'gen-000000000001.side.jsonl'), `${JSON.stringify(good)}\n{"t":"q","q":{"kind":"ev\u0001 damaged\n`);
    const s = await spawnServer(ws);
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0, s.stderr());
    assert.match(s.stderr(), /gen-000000000001\.side\.jsonl:2: unreadable, set aside in quarantine as wal_corrupt/);
    await withStore(ws, async (q) => {
      const rows = await q<{ reason: string; line: number; payload: string }>(sql`SELECT reason, line::INTEGER AS line, payload FROM quarantine ORDER BY id`);
      assert.deepEqual(rows.map((r) => r.reason), ['invalid_json', 'wal_corrupt']);
      assert.equal(rows[1].line, 2);
      assert.match(rows[1].payload, /damaged/);
    });
  });
});
