import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../tmp.js';
import { cairn } from './run-cli.js';

describe('cairn CLI', async () => {
  const dir = await tempDir();
  const ws = join(dir, 'ws');

  it('prints help naming the verbs, exit 0', async () => {
    const r = await cairn(['--help']);
    assert.equal(r.code, 0);
    for (const verb of ['demo', 'init', 'import', 'stats']) assert.match(r.stdout, new RegExp(`\\b${verb}\\b`));
  });

  it('exits 2 on an unknown verb or option', async () => {
    assert.equal((await cairn(['frobnicate'])).code, 2);
    assert.equal((await cairn(['stats', '--no-such-flag'])).code, 2);
  });

  it('init writes a workspace and refuses to overwrite it', async () => {
    const r = await cairn(['init', ws, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).created.length, 4);
    assert.equal(statSync(join(ws, 'cairn.yaml')).mode & 0o777, 0o600, 'cairn.yaml may hold a password');
    const again = await cairn(['init', ws]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists; use --force/);
    const unknown = await cairn(['init', join(dir, 'other'), '--example', 'crm']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--example must be one of helpdesk, got "crm"/);
    // The example and a ClickHouse engine together: the example's framework, the engine block, owner-only.
    const both = join(dir, 'helpdesk-on-clickhouse');
    const r2 = await cairn(['init', both, '--example', 'helpdesk', '--engine', 'clickhouse', '--url', 'http://127.0.0.1:8123', '--json']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(JSON.parse(r2.stdout).template, 'helpdesk');
    assert.match(readFileSync(join(both, 'cairn.yaml'), 'utf8'), /engine:\n {2}kind: clickhouse\n {2}url: http:\/\/127\.0\.0\.1:8123\n/);
    assert.match(readFileSync(join(both, 'milestones.yaml'), 'utf8'), /stuck_in_setup/);
    assert.equal(statSync(join(both, 'cairn.yaml')).mode & 0o777, 0o600);
  });

  it('imports events and reports { imported, duplicates, quarantined, flagged }, then stats', async () => {
    const file = join(dir, 'e.jsonl');
    // Declared in the plan (imports are checked against it; `cairn init`'s empty plan would flag them).
    await writeFile(join(ws, 'tracking-plan.yaml'), 'unplanned: flag\nevents:\n  - { action: closed, object: conversation, places: [inbox] }\n');
    const line = (id: string, t: string) =>
      JSON.stringify({ message_id: id, timestamp: t, account_id: 'acc_1', user_id: 'u_1', action: 'closed', object: 'conversation', place: 'inbox', metadata: { conversation_id: id, state: 'resolved' } });
    await writeFile(file, [line('a', '2025-01-01T00:00:00Z'), line('b', '2025-01-02T00:00:00Z'), 'nope', line('a', '2025-01-01T00:00:00Z')].join('\n'));
    const r = await cairn(['--workspace', ws, 'import', 'events', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { statuses, ...counts } = JSON.parse(r.stdout);
    assert.deepEqual(counts, { imported: 2, duplicates: 1, quarantined: 1, flagged: 0, lines: 4 });
    // The first import backfills the statuses (no account facts yet: none placed).
    assert.deepEqual([statuses.kind, statuses.accounts, statuses.framework_version], ['backfill', 0, 1]);
    const s = await cairn(['stats', '--json'], { env: { CAIRN_WORKSPACE: ws } });
    assert.equal(s.code, 0, s.stderr);
    const stats = JSON.parse(s.stdout);
    assert.equal(stats.events, 2);
    assert.equal(stats.users, 1);
    assert.equal(stats.quarantined, 1);
    assert.equal(stats.newest_event_at, '2025-01-02T00:00:00.000Z');
    assert.deepEqual(stats.quarantine_by_reason, { invalid_json: 1 });
    const human = await cairn(['stats'], { cwd: ws });
    assert.match(human.stdout, /events\s+2/);
  });

  it('exits 2 naming a missing file', async () => {
    const r = await cairn(['-w', ws, 'import', 'events', join(dir, 'missing.jsonl')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no such file: .*missing\.jsonl/);
  });

  it('exits 2 with file:line when the config is wrong', async () => {
    const config = join(ws, 'cairn.yaml');
    const text = await readFile(config, 'utf8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => /^engine:/.test(l));
    assert.ok(at >= 0, 'the template has an engine key');
    lines[at + 1] = '  kind: oracle';
    await writeFile(config, lines.join('\n'));
    const r = await cairn(['-w', ws, 'stats']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`cairn\\.yaml:${at + 2}:`));
  });

  it('exits 2 outside a workspace, saying how to make one', async () => {
    const r = await cairn(['stats'], { cwd: dir, env: { CAIRN_WORKSPACE: '' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no cairn\.yaml in .*cairn init/);
  });
});
