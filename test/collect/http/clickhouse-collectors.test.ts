/**
 * Two `cairn serve` processes (two workspaces, two write-ahead logs) on one ClickHouse store, a
 * single server and a 2-shard cluster (the CI servers; CAIRN_CLICKHOUSE_URL and
 * CAIRN_CLICKHOUSE_CLUSTER_URLS). Clients send to the first and retry a batch against the
 * second when the first fails or, for some, even after it answered (a lost reply); the first
 * is killed with SIGKILL mid-stream and restarted; a real Segment client sends through it
 * too. Every acknowledged event is stored exactly once, and the rollup counts each once. Both
 * servers refresh the milestone statuses of the same accounts meanwhile: each change is
 * recorded once, under seq numbers neither server gave twice.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import { openStore } from '../../../src/cli/workspace.js';
import { loadWorkspace } from '../../../src/config/index.js';
import { changesAfter, refreshStatuses, today } from '../../../src/milestones/index.js';
import { bearer, createKey, killChildren, spawnServer, sql, waitFor, withStore, workspace, type ChildServer } from './helpers.js';

const BATCH = 20;
/** The template's setup steps: accounts reach setup (5 of them) while the servers run. */
const STEPS = [['installed', 'messenger'], ['invited', 'teammate'], ['connected', 'email_channel'], ['set', 'office_hours'], ['created', 'team_inbox'], ['imported', 'contacts']];
const ACCOUNTS = Array.from({ length: 7 }, (_, i) => `acc_${i}`);
const run = `${process.pid}_${Date.now() % 1_000_000}`;

const targets: { name: string; engine: string }[] = [];
if (process.env.CAIRN_CLICKHOUSE_URL) {
  targets.push({ name: 'a ClickHouse server', engine: `  kind: clickhouse\n  url: ${process.env.CAIRN_CLICKHOUSE_URL}\n  database: cairn_serve_${run}_single` });
}
const clusterUrls = process.env.CAIRN_CLICKHOUSE_CLUSTER_URLS?.split(',').filter(Boolean) ?? [];
if (clusterUrls.length && process.env.CAIRN_CLICKHOUSE_CLUSTER) {
  targets.push({
    name: 'a 2-shard ClickHouse cluster',
    engine: `  kind: clickhouse\n  url: ${clusterUrls[0]}\n  database: cairn_serve_${run}_cluster\n  cluster: ${process.env.CAIRN_CLICKHOUSE_CLUSTER}\n  hosts: [${clusterUrls.join(', ')}]`,
  });
}

for (const target of targets) {
  describe(`two cairn serve on ${target.name}`, () => {
    after(killChildren);

    it('stores every acknowledged event once, retried against the other server, through kill -9', async (t) => {
      const [wsA, wsB] = [await workspace({ engine: target.engine }), await workspace({ engine: target.engine })];
      const [keyA, keyB] = [await createKey(wsA, 'web'), await createKey(wsB, 'web')];
      const store = await openStore(await loadWorkspace(wsA));
      await store.upsertAccounts(ACCOUNTS.map((id) => ({ accountId: id, name: id, createdAt: Date.parse('2026-09-01T00:00:00Z'), plan: 'pro', seats: 1, churnedAt: null })));
      await store.close();
      let a: ChildServer = await spawnServer(wsA);
      const b: ChildServer = await spawnServer(wsB);
      const send = async (url: string, key: string, ids: string[], n: number) => {
        const [action, object] = STEPS[Math.floor(n / 7) % STEPS.length];
        const body = JSON.stringify(ids.map((id) => ({ message_id: id, timestamp: '2026-10-01T12:00:00Z', account_id: ACCOUNTS[n % 7], action, object })));
        const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(key) }, body, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        return res.status === 200;
      };

      const acked = new Set<string>();
      let stopping = false;
      let retriedElsewhere = 0;
      const client = async (name: string) => {
        for (let n = 0; !stopping; n++) {
          const ids = Array.from({ length: BATCH }, (_, i) => `${name}-${n}-${i}`);
          let ok = await send(a.url, keyA, ids, n).catch(() => false);
          // A lost reply or a dead server: the same batch again, to the other server.
          if (!ok || n % 3 === 0) {
            retriedElsewhere++;
            ok = (await send(b.url, keyB, ids, n).catch(() => false)) || ok;
          }
          if (ok) for (const id of ids) acked.add(id);
        }
      };
      const clients = [client('c1'), client('c2')];

      // A real SDK client through the first server, across its kill and restart.
      const segment = new SegmentAnalytics({ writeKey: keyA, host: a.url, path: '/v1/batch', flushAt: 10, flushInterval: 50, maxRetries: 20 });
      const segmentIds = Array.from({ length: 60 }, (_, i) => `seg-${i}`);
      segmentIds.slice(0, 30).forEach((messageId) => segment.track({ messageId, userId: 'u1', event: 'Report Viewed', context: { groupId: 'acc_seg' } } as never));

      await waitFor(() => acked.size >= 400, 'events acknowledged before the kill', undefined, 20);
      process.kill(a.pid, 'SIGKILL');
      assert.equal(await a.exited, 'SIGKILL');
      const before = acked.size;
      await waitFor(() => acked.size >= before + 200, 'events acknowledged by the other server alone', undefined, 20);
      a = await spawnServer(wsA);
      const segmentAgain = new SegmentAnalytics({ writeKey: keyA, host: a.url, path: '/v1/batch', flushAt: 10, flushInterval: 50, maxRetries: 20 });
      // The SDK resends what it had in flight, and the rest; some of it to the other server as well.
      segmentIds.forEach((messageId) => segmentAgain.track({ messageId, userId: 'u1', event: 'Report Viewed', context: { groupId: 'acc_seg' } } as never));
      const segmentB = new SegmentAnalytics({ writeKey: keyB, host: b.url, path: '/v1/batch', flushAt: 10, flushInterval: 50, maxRetries: 20 });
      segmentIds.slice(20, 40).forEach((messageId) => segmentB.track({ messageId, userId: 'u1', event: 'Report Viewed', context: { groupId: 'acc_seg' } } as never));
      const afterRestart = acked.size;
      await waitFor(() => acked.size >= afterRestart + 200, 'events acknowledged after the restart', undefined, 20);
      stopping = true;
      await Promise.all(clients);
      await Promise.all([segmentAgain.closeAndFlush(), segmentB.closeAndFlush(), segment.closeAndFlush({ timeout: 1_000 }).catch(() => undefined)]);

      // SIGTERM drains both: what they acknowledged is stored before they exit.
      for (const s of [a, b]) {
        s.child.kill('SIGTERM');
        assert.equal(await s.exited, 0, s.stderr());
      }

      await withStore(wsA, async (q) => {
        const rows = await q<{ message_id: string }>(sql`SELECT message_id FROM events`);
        const stored = new Set(rows.map((r) => r.message_id));
        assert.equal(rows.length, stored.size, 'no message id stored twice');
        const lost = [...acked].filter((id) => !stored.has(id));
        assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged events lost`);
        assert.deepEqual(segmentIds.filter((id) => !stored.has(id)), [], 'every Segment event stored');
        const [counts] = await q<{ events: string; rollup: string }>(
          sql`SELECT (SELECT sum(count) FROM events) AS events, (SELECT sum(n) FROM account_activity) AS rollup`,
        );
        assert.equal(Number(counts.rollup), Number(counts.events), 'the rollup counts every stored event once');
        t.diagnostic(`${acked.size} events acknowledged, ${stored.size} stored once, ${retriedElsewhere} batches sent to both servers`);
      });

      const ws = await loadWorkspace(wsA);
      const check = await openStore(ws);
      try {
        const changes = await changesAfter(check, 0, 100_000);
        assert.equal(new Set(changes.map((c) => c.seq)).size, changes.length, 'no seq given twice');
        const setup = changes.filter((c) => c.kind === 'milestone' && c.name === 'setup');
        assert.ok(setup.length > 0, 'accounts reached setup while the servers ran');
        assert.equal(new Set(setup.map((c) => c.account_id)).size, setup.length, 'each account reached setup once in the feed');
        const refreshes = await check.query<{ id: string | number }>(sql`SELECT id FROM status_refreshes`);
        assert.equal(new Set(refreshes.map((r) => Number(r.id))).size, refreshes.length, 'no refresh id given twice');
        // Both servers refreshed what they had on the way out: nothing is left to record.
        assert.equal((await refreshStatuses(check, ws.milestones, { asOf: today() })).changes, 0);
        t.diagnostic(`${refreshes.length} status refreshes by the two servers, ${changes.length} changes recorded`);
      } finally {
        await check.close();
      }
    });
  });
}
