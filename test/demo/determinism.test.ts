import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateDemo, type DemoResult } from '../../src/demo/generate.js';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const allFiles = (r: DemoResult): string[] => [...r.files.events, r.files.accounts, r.files.accountHistory, r.files.groundTruth];

describe('demo generator determinism', () => {
  let root: string;
  let first: DemoResult;
  let again: DemoResult;
  let otherSeed: DemoResult;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cairn-demo-determinism-'));
    first = await generateDemo({ dir: join(root, 'a'), seed: 7, accounts: 300 });
    again = await generateDemo({ dir: join(root, 'b'), seed: 7, accounts: 300 });
    otherSeed = await generateDemo({ dir: join(root, 'c'), seed: 8, accounts: 300 });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('writes byte-identical files for the same options', () => {
    assert.equal(allFiles(first).length, 5);
    assert.deepEqual(allFiles(first).map(sha256), allFiles(again).map(sha256));
    assert.deepEqual(first.counts, again.counts);
  });

  it('writes different files for a different seed', () => {
    const a = allFiles(first).map(sha256);
    const c = allFiles(otherSeed).map(sha256);
    for (let i = 0; i < a.length; i++) assert.notEqual(a[i], c[i], allFiles(first)[i]);
  });

  it('returns absolute paths under dir/data and dir', () => {
    assert.equal(first.files.events[0], join(root, 'a', 'data', 'events.jsonl'));
    assert.equal(first.files.events[1], join(root, 'a', 'data', 'events-late.jsonl'));
    assert.equal(first.files.groundTruth, join(root, 'a', 'ground-truth.json'));
    for (const f of allFiles(first)) assert.ok(existsSync(f), f);
  });

  it('generates the same behaviour without noise, in one clean file', async () => {
    const clean = await generateDemo({ dir: join(root, 'clean'), seed: 7, accounts: 300, noise: false });
    assert.deepEqual(clean.files.events, [join(root, 'clean', 'data', 'events.jsonl')]);
    assert.equal(clean.counts.malformedLines, 0);
    assert.equal(clean.counts.duplicateLines, 0);
    assert.equal(sha256(clean.files.accounts), sha256(first.files.accounts));
    assert.equal(sha256(clean.files.accountHistory), sha256(first.files.accountHistory));
    // Noise only adds, reshapes or moves lines: the events are the same ones.
    const noisy = first.counts.eventLines - first.counts.malformedLines - first.counts.duplicateLines;
    assert.equal(clean.counts.eventLines, noisy);
  });

  it('stops starting accounts once maxEvents lines are written, and reports progress', async () => {
    const progress: [number, number][] = [];
    const r = await generateDemo({ dir: join(root, 'capped'), seed: 7, accounts: 300, maxEvents: 5_000, onProgress: (d, t) => progress.push([d, t]) });
    assert.ok(r.counts.eventLines >= 5_000);
    assert.ok(r.counts.accounts < 300);
    const accountRows = readFileSync(r.files.accounts, 'utf8').trim().split('\n').length - 1;
    assert.equal(accountRows, r.counts.accounts);
    assert.deepEqual(progress.at(-1), [r.counts.accounts, 300]);
    // The capped run is a prefix of the full one: each account's life does not depend on the cap.
    const full = readFileSync(first.files.accounts, 'utf8').split('\n');
    const capped = readFileSync(r.files.accounts, 'utf8').trim().split('\n');
    assert.deepEqual(capped, full.slice(0, capped.length));
  });

  it('rejects bad options with a message naming the option', async () => {
    await assert.rejects(generateDemo({ dir: join(root, 'bad'), accounts: 0 }), /invalid accounts: 0/);
    await assert.rejects(generateDemo({ dir: join(root, 'bad'), end: '31/10/2026' }), /invalid end: 31\/10\/2026/);
  });
});
