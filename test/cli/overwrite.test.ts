/**
 * No command deletes or overwrites what it did not make without --force, and never outside
 * the workspace: `cairn demo` in a workspace with its own data, a store path outside the
 * workspace, `cairn discover --out` over someone's files.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../tmp.js';
import { cairn } from './run-cli.js';

const DEMO = ['--accounts', '30', '--months', '6', '--no-discover', '--json'];
// Unplanned in `cairn init`'s empty plan: stored and flagged.
const eventsLine = (id: string) =>
  JSON.stringify({ message_id: id, timestamp: '2025-01-01T00:00:00Z', account_id: 'acc_1', action: 'closed', object: 'conversation', place: 'inbox', metadata: { conversation_id: id, state: 'resolved' } });

async function workspaceWithEvents(dir: string, source = 'import'): Promise<void> {
  assert.equal((await cairn(['init', dir])).code, 0);
  const file = join(dir, 'mine.jsonl');
  await writeFile(file, [eventsLine('m1'), eventsLine('m2'), eventsLine('m3')].join('\n'));
  const r = await cairn(['import', 'events', file, '--source', source, '-w', dir]);
  assert.equal(r.code, 0, r.stderr);
}

const events = async (dir: string) => JSON.parse((await cairn(['stats', '--json', '-w', dir])).stdout).events as number;

describe('cairn demo never replaces what it did not make', () => {
  it('refuses a workspace it did not create (exit 2), naming what is there and how to go on; --force replaces the store', async () => {
    const dir = join(await tempDir(), 'ws');
    await workspaceWithEvents(dir);
    const r = await cairn(['demo', '--dir', dir, ...DEMO]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /holds what the demo did not make: .*cairn\.yaml, .*cairn\.duckdb/);
    assert.match(r.stderr, /another --dir, or add --force/);
    assert.equal(await events(dir), 3, 'the store is untouched');

    const forced = await cairn(['demo', '--dir', dir, '--force', ...DEMO]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(JSON.parse(forced.stdout).events > 100);
    assert.equal((await cairn(['demo', '--dir', dir, ...DEMO])).code, 2, 'still a workspace the demo did not create');
  });

  it('runs again in its own folder, but not once live data was collected into its store', async () => {
    const dir = join(await tempDir(), 'demo');
    const first = await cairn(['demo', '--dir', dir, ...DEMO]);
    assert.equal(first.code, 0, first.stderr);
    const again = await cairn(['demo', '--dir', dir, ...DEMO]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).events, JSON.parse(first.stdout).events);

    const file = join(dir, 'live.jsonl');
    await writeFile(file, eventsLine('live-1'));
    assert.equal((await cairn(['import', 'events', file, '--source', 'web', '-w', dir])).code, 0);
    const refused = await cairn(['demo', '--dir', dir, ...DEMO]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /cairn\.duckdb \(with data from web\)/);
  });

  it('refuses a folder holding data files it did not make, and leaves them alone', async () => {
    const dir = join(await tempDir(), 'stuff');
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'accounts.csv'), 'precious\n');
    const r = await cairn(['demo', '--dir', dir, ...DEMO]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /data\/accounts\.csv/);
    assert.equal(await readFile(join(dir, 'data', 'accounts.csv'), 'utf8'), 'precious\n');
    assert.ok(!existsSync(join(dir, 'cairn.yaml')), 'nothing was made either');
  });
});

describe('engine.path outside the workspace', () => {
  it('is a config error pointing at the line unless allow_outside_workspace; the demo never replaces it, even with --force', async () => {
    const root = await tempDir();
    const dir = join(root, 'ws');
    assert.equal((await cairn(['init', dir])).code, 0);
    const victim = join(root, 'victim.txt');
    await writeFile(victim, 'not a database\n');
    await writeFile(join(dir, 'cairn.yaml'), 'version: 1\nengine:\n  kind: duckdb\n  path: ../victim.txt\n');
    const stats = await cairn(['stats', '-w', dir]);
    assert.equal(stats.code, 2);
    assert.match(stats.stderr, /cairn\.yaml:4:9: engine\.path: expected a file inside the workspace .*got "\.\.\/victim\.txt".*allow_outside_workspace: true/);
    for (const force of [[], ['--force']]) {
      const r = await cairn(['demo', '--dir', dir, ...force, ...DEMO]);
      assert.equal(r.code, 2, r.stderr);
    }
    await writeFile(join(dir, 'cairn.yaml'), 'version: 1\nengine:\n  kind: duckdb\n  path: ../victim.txt\n  allow_outside_workspace: true\n');
    for (const force of [[], ['--force']]) {
      const r = await cairn(['demo', '--dir', dir, ...force, ...DEMO]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /names the store .*victim\.txt, outside .*the demo replaces only a store inside its folder/);
    }
    assert.equal(await readFile(victim, 'utf8'), 'not a database\n', 'the file outside is untouched');
    assert.ok(!existsSync(join(root, 'victim.txt.wal')));

    // Deliberately outside, on a new file: it works.
    await writeFile(join(dir, 'cairn.yaml'), 'version: 1\nengine:\n  kind: duckdb\n  path: ../shared/store.duckdb\n  allow_outside_workspace: true\n');
    await mkdir(join(root, 'shared'));
    assert.equal((await cairn(['stats', '-w', dir])).code, 0);
    assert.ok(existsSync(join(root, 'shared', 'store.duckdb')));
  });

  it('may never be one of the workspace files', async () => {
    const dir = join(await tempDir(), 'ws');
    assert.equal((await cairn(['init', dir])).code, 0);
    for (const path of ['milestones.yaml', '.cairn/keys.json', '.', 'launches/x.duckdb']) {
      await writeFile(join(dir, 'cairn.yaml'), `version: 1\nengine: { kind: duckdb, path: "${path}", allow_outside_workspace: true }\n`);
      const r = await cairn(['stats', '-w', dir]);
      assert.equal(r.code, 2, path);
      assert.match(r.stderr, /engine\.path: expected a database file, got .*: that is the workspace/, path);
    }
  });
});

describe('cairn discover --out', () => {
  it('refuses to replace files it did not write (before the long run), and replaces its own', async () => {
    const root = await tempDir();
    const dir = join(root, 'ws');
    assert.equal((await cairn(['init', dir])).code, 0);
    const out = join(root, 'site');
    await mkdir(out);
    await writeFile(join(out, 'report.html'), '<p>my own page</p>');
    const r = await cairn(['discover', '-w', dir, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /site\/report\.html exist and were not written by cairn discover: use another --out, or --force/);
    assert.equal(await readFile(join(out, 'report.html'), 'utf8'), '<p>my own page</p>');
    // With --force it runs (and fails only for want of data), having written its files.
    const forced = await cairn(['discover', '-w', dir, '--out', out, '--force']);
    assert.equal(forced.code, 1, forced.stderr);
    assert.match(await readFile(join(out, 'report.html'), 'utf8'), /<!doctype html>/);
    // Its own files it replaces without being told.
    assert.equal((await cairn(['discover', '-w', dir, '--out', out])).code, 1);
  });
});

describe('cairn review --out', () => {
  it('refuses to replace a file it did not write (before the review runs), and replaces its own', async () => {
    const root = await tempDir();
    const dir = join(root, 'ws');
    assert.equal((await cairn(['init', dir, '--example', 'helpdesk'])).code, 0);
    const page = join(root, 'site', 'index.html');
    await mkdir(join(root, 'site'));
    await writeFile(page, '<p>my own page</p>');
    const r = await cairn(['review', '-w', dir, '--format', 'html', '--out', page]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /site\/index\.html exists and was not written by cairn review: use another --out, or --force/);
    assert.equal(await readFile(page, 'utf8'), '<p>my own page</p>');
    const forced = await cairn(['review', '-w', dir, '--format', 'html', '--out', page, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(await readFile(page, 'utf8'), /<!doctype html>/i);
    // Its own report it replaces without being told, in any format; the default HTML file too.
    assert.equal((await cairn(['review', '-w', dir, '--format', 'md', '--out', page])).code, 0);
    assert.match(await readFile(page, 'utf8'), /^# Framework review as of/);
    assert.equal((await cairn(['review', '-w', dir, '--format', 'html'])).code, 0);
    assert.ok(existsSync(join(dir, 'review', 'review.html')));
  });
});
