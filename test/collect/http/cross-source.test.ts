/**
 * One source cannot alter another's data: message ids are unique per source (an import's
 * overlap every source); group calls keep the rules an imported account keeps, and the accounts
 * file stays authoritative unless cairn.yaml says otherwise; users moved between accounts by a
 * call are recorded with the source that moved them.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cairn } from '../../cli/run-cli.js';
import { basic, bearer, createKey, post, sql, startInProcess, waitFor, withStore, workspace } from './helpers.js';

const ISO = new Date(Date.now() - 3_600_000).toISOString();
const native = (id: string, account = 'acc_x') => ({ message_id: id, timestamp: ISO, account_id: account, action: 'closed', object: 'conversation' });

/** Waits until the server has stored `n` events. */
async function stored(url: string, token: string, n: number) {
  await waitFor(async () => ((await (await fetch(`${url}/v1/admin/stats`, { headers: bearer(token) })).json()) as { events: number }).events >= n, `${n} events stored`);
}

/** An import's counts, without the status refresh that follows it. */
const importCounts = (stdout: string) => {
  const { statuses: _refresh, ...counts } = JSON.parse(stdout) as Record<string, unknown>;
  return counts;
};

describe('message ids are unique per source', () => {
  it("one source's id does not swallow another's; the same source's retry and an import's overlap are duplicates", async () => {
    const ws = await workspace();
    const web = await createKey(ws, 'web');
    const backend = await createKey(ws, 'backend');
    const file = join(ws, 'backfill.jsonl');
    await writeFile(file, [native('shared-1'), native('imported-1'), native('backfill-web-1')].map((e) => JSON.stringify(e)).join('\n'));
    const imported = await cairn(['import', 'events', file, '--json', '-w', ws]);
    assert.deepEqual(importCounts(imported.stdout), { imported: 3, duplicates: 0, quarantined: 0, flagged: 0, lines: 3 });

    const s = await startInProcess(ws);
    try {
      const send = async (key: string, ids: string[]) => (await post(`${s.url}/v1/events`, ids.map((id) => native(id)), bearer(key))).body;
      assert.equal((await send(web, ['web-1', 'both-1'])).accepted, 2);
      assert.equal((await send(backend, ['both-1', 'backend-1'])).accepted, 2);
      // A retry from the same source, and live copies of imported ids: stored once.
      assert.equal((await send(web, ['both-1', 'web-1', 'imported-1'])).accepted, 3);
      assert.equal((await send(backend, ['shared-1'])).accepted, 1);
      await new Promise((r) => setTimeout(r, 1500));
      await stored(s.url, s.adminToken, 7);
    } finally {
      await s.close();
    }
    // An import with the live source's name overlaps that source only; the default overlaps all.
    await writeFile(file, [native('web-1'), native('backend-1'), native('fresh-1')].map((e) => JSON.stringify(e)).join('\n'));
    const asWeb = await cairn(['import', 'events', file, '--source', 'web', '--json', '-w', ws]);
    assert.deepEqual(importCounts(asWeb.stdout), { imported: 2, duplicates: 1, quarantined: 0, flagged: 0, lines: 3 });
    const asImport = await cairn(['import', 'events', file, '--json', '-w', ws]);
    assert.deepEqual(importCounts(asImport.stdout), { imported: 0, duplicates: 3, quarantined: 0, flagged: 0, lines: 3 });

    await withStore(ws, async (q) => {
      const rows = await q<{ message_id: string; source: string }>(sql`SELECT message_id, source FROM events ORDER BY message_id, source`);
      assert.deepEqual(rows.map((r) => `${r.message_id} ${r.source}`), [
        'backend-1 backend',
        'backend-1 web',
        'backfill-web-1 import',
        'both-1 backend',
        'both-1 web',
        'fresh-1 web',
        'imported-1 import',
        'shared-1 import',
        'web-1 web',
      ]);
    });
  });
});

describe('account facts from the collector', () => {
  const accountsCsv = 'account_id,name,created_at,plan,seats,churned_at\nacc_1,Acme,2024-01-01,pro,5,\n';

  async function setUp(config = '') {
    const ws = await workspace();
    if (config) await writeFile(join(ws, 'cairn.yaml'), `version: 1\n${config}\n`);
    await writeFile(join(ws, 'accounts.csv'), accountsCsv);
    const r = await cairn(['import', 'accounts', join(ws, 'accounts.csv'), '-w', ws]);
    assert.equal(r.code, 0, r.stderr);
    return { ws, web: await createKey(ws, 'web'), backend: await createKey(ws, 'backend') };
  }
  const account = (ws: string, id: string) =>
    withStore(ws, async (q) => (await q<Record<string, unknown>>(sql`SELECT name, plan, seats, epoch_ms(churned_at) AS churned_at, traits, facts_source FROM accounts WHERE account_id = ${id}`))[0]);
  const quarantined = (ws: string) => withStore(ws, (q) => q<{ reason: string; field: string; source: string; message: string; payload: string }>(sql`SELECT reason, field, source, message, payload FROM quarantine ORDER BY id`));

  it('the accounts file stays authoritative: a group call cannot change plan, seats or name (kept as traits); its other traits merge', async () => {
    const { ws, web } = await setUp();
    const s = await startInProcess(ws);
    try {
      const r = await post(`${s.url}/v1/group`, { groupId: 'acc_1', traits: { name: 'Evil', plan: 'enterprise', seats: 99, region: 'eu' } }, basic(web));
      assert.equal(r.body.accepted, 1);
      await post(`${s.url}/v1/group`, { groupId: 'acc_2', traits: { name: 'Beta', plan: 'starter' } }, basic(web));
    } finally {
      await s.close();
    }
    const a = await account(ws, 'acc_1');
    assert.deepEqual({ ...a, traits: JSON.parse(a.traits as string) }, {
      name: 'Acme', plan: 'pro', seats: 5, churned_at: null, facts_source: 'import',
      traits: { region: 'eu', name: 'Evil', plan: 'enterprise', seats: 99 },
    });
    // An account only the collector knows takes the call's facts, and says where they came from.
    const b = await account(ws, 'acc_2');
    assert.deepEqual([b.name, b.plan, b.facts_source], ['Beta', 'starter', 'web']);
  });

  it('collect.account_facts: collector lets group calls change what the file named', async () => {
    const { ws, web } = await setUp('collect:\n  account_facts: collector');
    const s = await startInProcess(ws);
    try {
      await post(`${s.url}/v1/group`, { groupId: 'acc_1', traits: { plan: 'enterprise', seats: 9 } }, basic(web));
    } finally {
      await s.close();
    }
    const a = await account(ws, 'acc_1');
    assert.deepEqual([a.plan, a.seats, a.facts_source, a.traits], ['enterprise', 9, 'web', '{}']);
    // A later import of the file takes them back.
    await cairn(['import', 'accounts', join(ws, 'accounts.csv'), '-w', ws]);
    const again = await account(ws, 'acc_1');
    assert.deepEqual([again.plan, again.seats, again.facts_source], ['pro', 5, 'import']);
  });

  it('facts that break the import rules are quarantined with the reason: churn before signup (alone or with the stored facts), seats out of range', async () => {
    for (const authority of ['import', 'collector']) {
      const { ws, backend } = await setUp(`collect: { account_facts: ${authority} }`);
      const s = await startInProcess(ws);
      try {
        const both = await post(`${s.url}/v1/group`, { writeKey: backend, groupId: 'acc_9', traits: { created_at: '2024-05-01', churned_at: '2024-04-01' } });
        assert.equal(both.body.quarantined, 1, authority);
        const seats = await post(`${s.url}/v1/group`, { writeKey: backend, groupId: 'acc_1', traits: { seats: 3_000_000_000 } });
        assert.equal(seats.body.quarantined, 1, authority);
        // Alone the call looks fine; with the file's created_at (2024-01-01) it is not.
        const stored = await post(`${s.url}/v1/g`, { writeKey: backend, messageId: 'g-churn', groupId: 'acc_1', traits: { churned_at: '2023-06-01', region: 'us' } });
        assert.equal(stored.body.accepted, 1, authority);
      } finally {
        await s.close();
      }
      const a = await account(ws, 'acc_1');
      assert.deepEqual([a.churned_at, a.traits], [null, '{}'], `${authority}: nothing of the refused call applied`);
      const q = await quarantined(ws);
      assert.deepEqual(q.map((e) => [e.reason, e.field, e.source]), [
        ['invalid_field', 'traits.churned_at', 'backend'],
        ['invalid_field', 'traits.seats', 'backend'],
        ['invalid_field', 'traits.churned_at', 'backend'],
      ], authority);
      assert.match(q[2].message, /churned_at is before created_at \(stored account acc_1: created_at 2024-01-01T00:00:00.000Z, churned_at 2023-06-01T00:00:00.000Z\)/);
      assert.equal(JSON.parse(q[2].payload).messageId, 'g-churn', 'the call is kept whole, to replay once fixed');
      assert.ok(!q[2].payload.includes(backend), 'without its write key');
    }
  });
});

describe('users moved between accounts', () => {
  it('records who moved which user where, shown by cairn stats and cairn account', async () => {
    const ws = await workspace();
    const web = await createKey(ws, 'web');
    const backend = await createKey(ws, 'backend');
    const s = await startInProcess(ws);
    try {
      await post(`${s.url}/v1/identify`, { userId: 'u_1', timestamp: '2025-01-02T00:00:00Z', traits: { company: { id: 'acc_a' } } }, basic(web));
      await post(`${s.url}/v1/identify`, { userId: 'u_1', timestamp: '2025-01-03T00:00:00Z', context: { groupId: 'acc_a' } }, basic(web));
      await post(`${s.url}/v1/group`, { userId: 'u_1', groupId: 'acc_b', timestamp: '2025-01-04T00:00:00Z' }, basic(backend));
      await post(`${s.url}/capture`, { api_key: web, event: '$identify', distinct_id: 'u_1', timestamp: '2025-01-05T00:00:00Z', properties: { $groups: { company: 'acc_a' } } });
    } finally {
      await s.close();
    }
    await withStore(ws, async (q) => {
      const moves = await q<Record<string, string>>(sql`SELECT user_id, from_account, to_account, source, CAST(changed_at AS VARCHAR) AS changed_at FROM user_account_changes ORDER BY changed_at`);
      assert.deepEqual(moves, [
        { user_id: 'u_1', from_account: 'acc_a', to_account: 'acc_b', source: 'backend', changed_at: '2025-01-04 00:00:00' },
        { user_id: 'u_1', from_account: 'acc_b', to_account: 'acc_a', source: 'web', changed_at: '2025-01-05 00:00:00' },
      ]);
    });
    const stats = JSON.parse((await cairn(['stats', '--json', '-w', ws])).stdout);
    assert.equal(stats.users_moved, 2);
    assert.deepEqual([stats.sources.backend.users_moved, stats.sources.web.users_moved], [1, 1]);
    await writeFile(join(ws, 'accounts.csv'), 'account_id,name,created_at,plan,seats,churned_at\nacc_b,B,2024-01-01,pro,2,\n');
    await cairn(['import', 'accounts', join(ws, 'accounts.csv'), '-w', ws]);
    const acc = await cairn(['account', 'acc_b', '--as-of', '2025-02-01', '--json', '-w', ws]);
    assert.equal(acc.code, 0, acc.stderr);
    assert.deepEqual(JSON.parse(acc.stdout).users_moved.map((m: Record<string, string>) => [m.from_account, m.to_account, m.source]), [
      ['acc_a', 'acc_b', 'backend'],
      ['acc_b', 'acc_a', 'web'],
    ]);
    const human = await cairn(['account', 'acc_b', '--as-of', '2025-02-01', '-w', ws]);
    assert.match(human.stdout, /u_1: acc_a → acc_b {2}\(source backend\)/);
  });
});
