import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cairn } from '../cli/run-cli.js';
import { tempDir } from '../tmp.js';

const root = new URL('../../', import.meta.url);

/** The shell commands in the README's Quick start code block. */
async function quickStartCommands(): Promise<string[]> {
  const readme = await readFile(new URL('README.md', root), 'utf8');
  const section = readme.split(/^## /m).find((s) => /^quick ?start/i.test(s));
  assert.ok(section, 'README has a Quick start section');
  const block = section.match(/```(?:sh|bash)?\n([\s\S]*?)```/);
  assert.ok(block, 'the Quick start has a code block');
  return block[1].split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

describe('the README quick start', async () => {
  const dir = await tempDir();

  it('has exactly two commands: install and run the demo, run the tests; CI runs the second', async () => {
    const [install, test, ...rest] = await quickStartCommands();
    assert.deepEqual(rest, []);
    assert.match(install, /npm (install|ci)\b.*&&.*cairn demo/);
    assert.equal(test, 'npm test');
    const ci = await readFile(new URL('.ci/run', root), 'utf8');
    assert.match(ci, /^npm test$/m);
  });

  it('cairn demo generates, imports and sums up a small demo, and does so again the same way', async () => {
    const ws = join(dir, 'demo');
    const args = ['demo', '--no-serve', '--dir', ws, '--accounts', '150', '--seed', '7', '--json'];
    const first = await cairn(args);
    assert.equal(first.code, 0, first.stderr);
    const a = JSON.parse(first.stdout);
    assert.equal(a.accounts, 150);
    assert.ok(a.events > 10_000, `events: ${a.events}`);
    assert.ok(a.users > 150);
    assert.ok(a.imported.duplicates > 0, 'the demo sends retries, which are skipped');
    assert.ok(a.imported.quarantined > 0, 'the demo has malformed lines, which are quarantined');
    assert.equal(a.events, a.imported.events);
    const again = JSON.parse((await cairn(args)).stdout);
    for (const key of ['accounts', 'users', 'events', 'imported', 'history_rows', 'newest_event_at', 'quarantine_by_reason'] as const) {
      assert.deepEqual(again[key], a[key], key);
    }
    const stats = await cairn(['--workspace', ws, 'stats', '--json']);
    assert.equal(stats.code, 0, stats.stderr);
    const s = JSON.parse(stats.stdout);
    assert.equal(s.events, a.events);
    assert.equal(s.quarantined, a.imported.quarantined);
    assert.equal(s.accounts_without_facts, 0);
  });
});
