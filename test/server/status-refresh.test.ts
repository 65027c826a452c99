import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadWorkspace } from '../../src/config/index.js';
import { changesAfter, computeMilestones, statusesAsOf, statusState, today } from '../../src/milestones/index.js';
import { openStore } from '../../src/cli/workspace.js';
import { createKey, startInProcess, workspace } from '../collect/http/helpers.js';

const until = async (what: () => boolean, ms = 60_000) => {
  for (const end = Date.now() + ms; !what(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('cairn serve keeps milestone statuses following the events', () => {
  it('refreshes the accounts each generation touched, records their changes, and follows a new milestones.yaml', async () => {
    const ws = await workspace({ server: '  status_refresh_seconds: 0.2' });
    const day = today();
    // Two accounts that signed up today, with the template's framework.
    const store = await openStore(await loadWorkspace(ws));
    const at = Date.parse(`${day}T00:00:00Z`);
    await store.upsertAccounts(['acme', 'globex'].map((id) => ({ accountId: id, name: id, createdAt: at, plan: 'pro', seats: 1, churnedAt: null })));
    await store.close();

    const key = await createKey(ws, 'web');
    const server = await startInProcess(ws);
    after(() => server.close());
    await until(() => (server.refresher?.refreshes ?? 0) >= 1);
    assert.equal(server.refresher!.last!.kind, 'backfill');

    const steps = ['installed messenger', 'invited teammate', 'connected email_channel', 'set office_hours', 'created team_inbox'];
    const body = steps.map((s, i) => {
      const [action, object] = s.split(' ');
      return { message_id: `m${i}`, timestamp: new Date().toISOString(), account_id: 'acme', action, object };
    });
    const r = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 200);
    await until(() => server.refresher!.last!.kind === 'incremental');
    assert.deepEqual([server.refresher!.last!.accounts, server.refresher!.last!.changes], [1, 2], 'acme only: setup reached and the stage moved');

    // A new framework: every account judged by it (a full refresh), version 2.
    const text = (await import('node:fs')).readFileSync(join(ws, 'milestones.yaml'), 'utf8').replace('at_least: 5', 'at_least: 6');
    await writeFile(join(ws, 'milestones.yaml'), text);
    await until(() => server.refresher!.last!.framework_version === 2);
    assert.equal(server.refresher!.last!.kind, 'full');

    await server.close();
    const reopened = await openStore(await loadWorkspace(ws));
    after(() => reopened.close());
    const state = await statusState(reopened);
    assert.deepEqual([state!.as_of, state!.framework_version, state!.stale], [day, 2, false]);
    const framework = (await loadWorkspace(ws)).milestones;
    const read = await statusesAsOf(reopened, framework, day);
    assert.equal(read.source, 'materialized');
    assert.deepEqual(read.accounts, (await computeMilestones(reopened, framework, day)).accounts);
    const changes = await changesAfter(reopened, 0);
    assert.deepEqual(
      changes.map((c) => [c.account_id, c.kind, c.name, c.change, c.day, c.cause, c.framework_version]),
      [
        ['acme', 'milestone', 'setup', 'reached', day, 'data', 1],
        ['acme', 'stage', 'set_up', 'reached', day, 'data', 1],
        ['acme', 'milestone', 'setup', 'lost', day, 'framework', 2],
        ['acme', 'stage', 'signed_up', 'lost', day, 'framework', 2],
      ],
    );
  });

  it('materializes statuses for the day the server judges when one is fixed (the demo), from the refresher and the scheduled job alike', async () => {
    const AS_OF = '2025-03-15';
    for (const seconds of [0.2, 0]) {
      const ws = await workspace({ server: `  status_refresh_seconds: ${seconds}` });
      const store = await openStore(await loadWorkspace(ws));
      await store.upsertAccounts(['acme', 'globex'].map((id) => ({ accountId: id, name: id, createdAt: Date.parse('2025-03-01T00:00:00Z'), plan: 'pro', seats: 1, churnedAt: null })));
      await store.close();
      const server = await startInProcess(ws, { asOf: AS_OF });
      after(() => server.close());
      if (server.refresher) {
        await server.refresher.flush();
        assert.equal(server.refresher.last?.as_of, AS_OF, 'the start-up refresh');
      }
      const run = await server.scheduler.runJob('refresh_statuses');
      assert.equal(run.status, 'ok', run.error ?? '');
      assert.equal((run.result as { as_of: string }).as_of, AS_OF, `the scheduled refresh (status_refresh_seconds ${seconds})`);
      await server.close();
      const reopened = await openStore(await loadWorkspace(ws));
      after(() => reopened.close());
      assert.equal((await statusState(reopened))?.as_of, AS_OF);
      assert.equal((await statusesAsOf(reopened, (await loadWorkspace(ws)).milestones, AS_OF)).source, 'materialized', "the dashboard's default day reads stored statuses");
    }
  });
});
