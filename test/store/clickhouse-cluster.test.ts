/**
 * A 2-shard ClickHouse cluster of its own (two Debian clickhouse-server processes on loopback,
 * started by .ci/clickhouse.sh): rows are spread by account over both shards, and a stopped
 * shard fails a query with an error naming it, never a smaller answer. Runs where the CI
 * servers run (CAIRN_CLICKHOUSE_CLUSTER_URLS set).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { openClickHouseStore } from '../../src/store/clickhouse/clickhouse-config.js';
import { sql, type Store } from '../../src/store/index.js';
import { tracked } from '../fixtures.js';

const SCRIPT = fileURLToPath(new URL('../../.ci/clickhouse.sh', import.meta.url));

if (process.env.CAIRN_CLICKHOUSE_CLUSTER_URLS) {
  describe('a 2-shard ClickHouse cluster', () => {
    let dir: string;
    let store: Store;
    let urls: string[];
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'cairn-shards-'));
      // Above the CI servers' range (.ci/run: 20000–59999).
      const base = 60000 + (process.pid % 50) * 100;
      const env = execFileSync('bash', [SCRIPT, 'cluster', dir, String(base)], { encoding: 'utf8' });
      urls = /CAIRN_CLICKHOUSE_CLUSTER_URLS=(\S+)/.exec(env)![1].split(',');
      store = await openClickHouseStore({ url: urls[0], database: 'cairn_shards', cluster: 'cairn_two_shards', hosts: urls });
    });
    after(async () => {
      await store?.close();
      execFileSync('bash', [SCRIPT, 'stop', dir]);
      await rm(dir, { recursive: true, force: true });
    });

    it('spreads accounts over both shards and answers over all of them', async () => {
      const events = Array.from({ length: 40 }, (_, i) => tracked(`m${i}`, { accountId: `acc_${i % 8}` }));
      assert.deepEqual(await store.insertEvents(events, 'test'), { inserted: 40, duplicates: 0 });
      assert.deepEqual(await store.insertEvents(events.slice(0, 10), 'test'), { inserted: 0, duplicates: 10 });
      const [{ n }] = await store.query<{ n: string }>(sql`SELECT count() AS n FROM events`);
      assert.equal(Number(n), 40);
      const local = await Promise.all(urls.map(async (url) => {
        const res = await fetch(`${url}/?database=cairn_shards`, { method: 'POST', body: 'SELECT count() FROM events_data_local' });
        return Number((await res.text()).trim());
      }));
      assert.equal(local[0] + local[1], 40);
      assert.ok(local[0] > 0 && local[1] > 0, `both shards hold rows: ${local}`);
    });

    it('names a stopped shard instead of answering from the other one', async () => {
      const pid = Number(readFileSync(`${dir}/shard2/pid`, 'utf8'));
      process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      const port = new URL(urls[1]).port;
      const tcp = String(Number(port) + 1);
      await assert.rejects(store.query(sql`SELECT count() AS n FROM events`), (err: Error) => {
        assert.match(err.message, new RegExp(`shard 127\\.0\\.0\\.1:${tcp} of cluster cairn_two_shards did not answer`));
        return true;
      });
    });
  });
}
