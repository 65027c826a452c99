/**
 * The CLI on a ClickHouse server (the CI server, CAIRN_CLICKHOUSE_URL): `cairn init --engine
 * clickhouse`, `cairn migrate --to clickhouse` of a DuckDB demo workspace with its counts
 * checked and cairn.yaml switched, after which the verbs answer as they did on DuckDB, the
 * materialized statuses and their history included.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tempDir } from '../tmp.js';
import { cairn } from './run-cli.js';

const url = process.env.CAIRN_CLICKHOUSE_URL;
const run = `${process.pid}_${Date.now() % 1_000_000}`;

if (url) {
  describe('cairn on a ClickHouse server', async () => {
    const dir = await tempDir();
    const ws = join(dir, 'demo');
    const AS_OF = '2026-10-31';
    before(async () => {
      const r = await cairn(['demo', '--no-serve', '--dir', ws, '--accounts', '120', '--seed', '5', '--no-discover', '--json']);
      assert.equal(r.code, 0, r.stderr);
    });

    it('init --engine clickhouse writes the engine block; the first command makes the schema', async () => {
      const fresh = join(dir, 'fresh');
      const init = await cairn(['init', fresh, '--engine', 'clickhouse', '--url', url, '--database', `cairn_cli_${run}_init`]);
      assert.equal(init.code, 0, init.stderr);
      assert.match(await readFile(join(fresh, 'cairn.yaml'), 'utf8'), /engine:\n {2}kind: clickhouse\n {2}url: http:\/\/127\.0\.0\.1:\d+\n {2}database: cairn_cli_\w+_init\n/);
      const stats = await cairn(['-w', fresh, 'stats', '--json']);
      assert.equal(stats.code, 0, stats.stderr);
      assert.equal(JSON.parse(stats.stdout).events, 0);
      const bad = await cairn(['init', join(dir, 'bad'), '--engine', 'clickhouse']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--engine clickhouse needs --url/);
    });

    it('migrate --to clickhouse copies, checks the counts, switches, and the verbs answer alike', async () => {
      const before = await cairn(['-w', ws, 'milestones', '--as-of', AS_OF, '--format', 'csv']);
      // The demo recorded its launches' declarations and reports: the ledger moves with the data.
      const launchVerbs = [['launch', 'due', '--at', AS_OF, '--json'], ['launch', 'report', 'reply_suggestions', '--at', AS_OF, '--json', '--no-record']];
      const launches = [];
      for (const verb of launchVerbs) launches.push(await cairn(['-w', ws, ...verb]));
      assert.ok((JSON.parse(launches[0].stdout) as { launches: { checkpoints: { status: string }[] }[] }).launches.some((l) => l.checkpoints.some((c) => c.status === 'reported')));
      const account = JSON.parse((await cairn(['-w', ws, 'account', 'acc_00001', '--json'])).stdout);
      const statuses = JSON.parse((await cairn(['-w', ws, 'milestones', '--json'])).stdout);
      assert.equal(statuses.source, 'materialized');
      // Read once the statuses are today's (the line above refreshed them), as it is read after the move.
      const funnel = await cairn(['-w', ws, 'funnel', '--as-of', AS_OF, '--json']);
      const database = `cairn_cli_${run}_migrated`;
      const r = await cairn(['-w', ws, 'migrate', '--to', 'clickhouse', url, '--database', database, '--switch', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { ok: boolean; counts: { what: string; source: number; clickhouse: number; ok: boolean }[] };
      assert.ok(out.ok);
      assert.ok(out.counts.find((c) => c.what === 'events')!.source > 10_000);
      assert.ok(out.counts.every((c) => c.ok && c.source === c.clickhouse));
      assert.match(await readFile(join(ws, 'cairn.yaml'), 'utf8'), new RegExp(`kind: clickhouse\\n.*\\n {2}database: ${database}`));
      const after = await cairn(['-w', ws, 'milestones', '--as-of', AS_OF, '--format', 'csv']);
      assert.equal(after.code, 0, after.stderr);
      assert.equal(after.stdout, before.stdout);
      assert.equal((await cairn(['-w', ws, 'funnel', '--as-of', AS_OF, '--json'])).stdout, funnel.stdout);
      assert.ok(out.counts.find((c) => c.what === 'launch_ledger')!.source > 0);
      for (const [i, verb] of launchVerbs.entries()) {
        const again = await cairn(['-w', ws, ...verb]);
        assert.equal(again.code, 0, again.stderr);
        assert.equal(again.stdout, launches[i].stdout, verb.join(' '));
      }
      // The statuses came along: read as they were, the history with its seq numbers, and refreshes go on above them.
      assert.deepEqual(JSON.parse((await cairn(['-w', ws, 'milestones', '--json'])).stdout), statuses);
      assert.deepEqual(JSON.parse((await cairn(['-w', ws, 'account', 'acc_00001', '--json'])).stdout).history, account.history);
      const refresh = JSON.parse((await cairn(['-w', ws, 'refresh', '--json'])).stdout);
      assert.deepEqual([refresh.kind, refresh.framework_version, refresh.changes], ['full', 1, 0]);
    });

    it('migrate refuses a database that holds data, unless --force', async () => {
      const other = join(dir, 'other');
      assert.equal((await cairn(['demo', '--no-serve', '--dir', other, '--accounts', '20', '--seed', '6', '--no-discover', '--json'])).code, 0);
      const database = `cairn_cli_${run}_taken`;
      assert.equal((await cairn(['-w', other, 'migrate', '--to', 'clickhouse', url, '--database', database])).code, 0);
      const again = await cairn(['-w', other, 'migrate', '--to', 'clickhouse', url, '--database', database]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /already holds [\d,]+ events .* use --force/);
    });
  });
}
