import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { QuarantineEntry } from '../../src/model/index.js';
import { openStore } from '../../src/cli/workspace.js';
import { loadWorkspace } from '../../src/config/index.js';
import { tempDir } from '../tmp.js';
import { cairn } from './run-cli.js';

describe('cairn keys', async () => {
  const dir = await tempDir();
  const ws = join(dir, 'ws');
  before(async () => assert.equal((await cairn(['init', ws, '--example', 'helpdesk'])).code, 0));

  it('create --json prints exactly { name, key }, once per active name', async () => {
    const r = await cairn(['-w', ws, 'keys', 'create', 'web', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['name', 'key']);
    assert.equal(out.name, 'web');
    assert.match(out.key, /^cairn_[0-9A-Za-z]{32}$/);
    assert.ok(!(await readFile(join(ws, '.cairn', 'keys.json'), 'utf8')).includes(out.key));

    const taken = await cairn(['-w', ws, 'keys', 'create', 'web']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /already active/);
    const bad = await cairn(['-w', ws, 'keys', 'create', 'Not OK']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /a key name must be/);
    assert.equal((await cairn(['-w', ws, 'keys', 'create', 'import'])).code, 2);
  });

  it('create prints the key for a person, saying it is not shown again', async () => {
    const r = await cairn(['-w', ws, 'keys', 'create', 'backend']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cairn_[0-9A-Za-z]{32}/);
    assert.match(r.stdout, /not shown again/);
  });

  it('list and revoke work while another process holds the store', async () => {
    const store = await openStore(await loadWorkspace(ws));
    try {
      const list = await cairn(['-w', ws, 'keys', 'list', '--json']);
      assert.equal(list.code, 0, list.stderr);
      const { keys } = JSON.parse(list.stdout);
      assert.deepEqual(keys.map((k: { name: string }) => k.name), ['web', 'backend']);
      assert.deepEqual(Object.keys(keys[0]), ['name', 'prefix', 'created_at', 'revoked_at', 'rate_limit']);

      const revoke = await cairn(['-w', ws, 'keys', 'revoke', 'backend', '--json']);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.deepEqual(JSON.parse(revoke.stdout), { name: 'backend', revoked: true });
    } finally {
      await store.close();
    }
    const human = await cairn(['-w', ws, 'keys', 'list']);
    assert.match(human.stdout, /^name\s+prefix\s+created\s+revoked/);
    assert.match(human.stdout, /backend\s+cairn_\S+…\s+\S+\s+\d{4}-/);
  });

  it('revoking an unknown or already revoked name exits 1 naming it', async () => {
    const r = await cairn(['-w', ws, 'keys', 'revoke', 'backend']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no active key named "backend"/);
    assert.equal((await cairn(['-w', ws, 'keys', 'revoke', 'nobody'])).code, 1);
  });

  it('exits 2 outside a workspace', async () => {
    const r = await cairn(['keys', 'list'], { cwd: dir, env: { CAIRN_WORKSPACE: '' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no cairn\.yaml in .*cairn init/);
  });
});

describe('cairn quarantine', async () => {
  const dir = await tempDir();
  const ws = join(dir, 'ws');
  const T = '2025-03-01T12:00:00.000Z';
  const closed = { message_id: 'q1', timestamp: T, account_id: 'acc_1', user_id: 'u_1', action: 'closed', object: 'conversation', place: 'inbox', metadata: { conversation_id: 'c1', state: 'pending' } };
  const base = { file: null, line: null, field: null, message: 'as it was', receivedAt: Date.parse(T) };
  let ids: number[] = [];

  before(async () => {
    assert.equal((await cairn(['init', ws, '--example', 'helpdesk'])).code, 0);
    const store = await openStore(await loadWorkspace(ws));
    const entries: QuarantineEntry[] = [
      { ...base, kind: 'event', source: 'web', reason: 'unplanned_event', payload: JSON.stringify(closed) },
      { ...base, kind: 'account', source: 'import', reason: 'invalid_field', payload: 'acc_1,Acme,not-a-date,pro,3,', file: 'accounts.csv', line: 2 },
      { ...base, kind: 'event', source: 'import', reason: 'invalid_json', payload: '{"cut', file: 'e.jsonl', line: 7 },
    ];
    await store.addToQuarantine(entries);
    await store.close();
  });

  it('list --json gives the entries, newest first, with counts by reason and source', async () => {
    const r = await cairn(['-w', ws, 'quarantine', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['total', 'by_reason', 'by_source', 'entries']);
    assert.equal(out.total, 3);
    assert.deepEqual(out.by_source, { import: 2, web: 1 });
    assert.deepEqual(out.by_reason, { invalid_field: 1, invalid_json: 1, unplanned_event: 1 });
    assert.deepEqual(Object.keys(out.entries[0]), ['id', 'received_at', 'kind', 'source', 'file', 'line', 'reason', 'field', 'message', 'preview']);
    ids = out.entries.map((e: { id: number }) => e.id).reverse();
    assert.equal(out.entries[2].preview, JSON.stringify(closed).slice(0, 120) + '…');

    const one = JSON.parse((await cairn(['-w', ws, 'quarantine', 'list', '--source', 'import', '--reason', 'invalid_json', '--limit', '1', '--json'])).stdout);
    assert.deepEqual([one.total, one.entries.length, one.entries[0].line], [1, 1, 7]);
    const human = await cairn(['-w', ws, 'quarantine', 'list']);
    assert.match(human.stdout, /^id\s+received\s+kind\s+source\s+reason\s+message\s+payload/);
    assert.match(human.stdout, /3 of 3 entries shown/);
    assert.equal((await cairn(['-w', ws, 'quarantine', 'list', '--limit', '0'])).code, 2);
  });

  it('show gives everything, the whole payload included; an unknown id exits 1', async () => {
    const r = await cairn(['-w', ws, 'quarantine', 'show', String(ids[0]), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.payload, JSON.stringify(closed));
    assert.deepEqual([out.id, out.kind, out.source, out.reason], [ids[0], 'event', 'web', 'unplanned_event']);
    const human = await cairn(['-w', ws, 'quarantine', 'show', String(ids[0])]);
    assert.match(human.stdout, /payload\n\{\n {2}"message_id": "q1"/);
    const missing = await cairn(['-w', ws, 'quarantine', 'show', '99999']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no quarantine entry 99999/);
    assert.equal((await cairn(['-w', ws, 'quarantine', 'show', 'abc'])).code, 2);
  });

  it('replay --dry-run counts and writes nothing; replay brings reasons up to date', async () => {
    const dry = await cairn(['-w', ws, 'quarantine', 'replay', '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const expected = { selected: 3, replayed: 0, duplicates: 0, still_failing: 2, not_replayable: 1, by_reason: { invalid_field: 1, invalid_json: 1, metadata_enum: 1 } };
    assert.deepEqual(JSON.parse(dry.stdout), expected);
    const still = JSON.parse((await cairn(['-w', ws, 'quarantine', 'show', String(ids[0]), '--json'])).stdout);
    assert.equal(still.reason, 'unplanned_event', 'a dry run changes nothing');

    const r = await cairn(['-w', ws, 'quarantine', 'replay', '--json']);
    assert.deepEqual(JSON.parse(r.stdout), expected);
    const now = JSON.parse((await cairn(['-w', ws, 'quarantine', 'show', String(ids[0]), '--json'])).stdout);
    assert.deepEqual([now.reason, now.field], ['metadata_enum', 'metadata.state']);
  });

  it('after the plan is fixed, replay stores the event once and it leaves quarantine', async () => {
    const planFile = join(ws, 'tracking-plan.yaml');
    const plan = await readFile(planFile, 'utf8');
    assert.ok(plan.includes('enum: [resolved, unresolved]'));
    await writeFile(planFile, plan.replace('enum: [resolved, unresolved]', 'enum: [resolved, unresolved, pending]'));

    const r = await cairn(['-w', ws, 'quarantine', 'replay', '--id', String(ids[0]), String(ids[2])]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replayed 1 of 2 entries/);
    assert.match(r.stdout, /1 still failing/);
    const again = JSON.parse((await cairn(['-w', ws, 'quarantine', 'replay', '--id', String(ids[0]), '--json'])).stdout);
    assert.equal(again.selected, 0);

    const stats = JSON.parse((await cairn(['-w', ws, 'stats', '--json'])).stdout);
    assert.equal(stats.events, 1);
    assert.equal(stats.quarantined, 2);
    assert.equal(stats.sources.web.events, 1);
    assert.deepEqual(stats.sources.import.quarantine_by_reason, { invalid_field: 1, invalid_json: 1 });
    const human = await cairn(['-w', ws, 'stats']);
    assert.match(human.stdout, /by source/);
    assert.match(human.stdout, /web\s+1\s/);
    assert.equal((await cairn(['-w', ws, 'quarantine', 'replay', '--id', 'x'])).code, 2);
  });
});
