import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parseMilestones } from '../../src/config/index.js';
import { tempDir } from '../tmp.js';
import { cairn } from './run-cli.js';

describe('cairn discover', { timeout: 3_600_000 }, async () => {
  const root = await tempDir();
  const ws = join(root, 'demo');
  const tiny = join(root, 'tiny');
  before(async () => {
    for (const [dir, accounts] of [[ws, '900'], [tiny, '40']] as const) {
      const r = await cairn(['demo', '--no-serve', '--dir', dir, '--accounts', accounts, '--months', '30', '--seed', '3', '--no-discover', '--json']);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  it('--json prints the summary and writes the proposal, evidence and report', async () => {
    const r = await cairn(['-w', ws, 'discover', '--retention-days', '180', '--early-days', '60', '--trees', '30', '--fits', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.as_of, '2026-10-31', 'as of the last day with events');
    assert.deepEqual(out.retention, { kind: 'still_customer', days: 180, dormantDays: 30, earlyDays: 60 });
    assert.ok(out.data.labelled > 100 && out.data.churned > 10, JSON.stringify(out.data));
    const f = out.features[0];
    for (const key of ['key', 'importance', 'rank', 'rank_interval', 'prevalence', 'risk_ratio', 'q_value', 'flags']) assert.ok(key in f, key);
    for (const part of ['setup', 'activation', 'utilization', 'maturity', 'validation', 'model']) assert.ok(part in out, part);
    assert.ok(out.features.some((x: { flags: string[] }) => x.flags.includes('ubiquitous')));
    for (const file of Object.values(out.files) as string[]) assert.ok(existsSync(file), file);
    const framework = parseMilestones(await readFile(out.files.proposal, 'utf8'));
    assert.ok(Object.keys(framework.milestones).includes('activation'));
    const evidence = JSON.parse(await readFile(out.files.evidence, 'utf8'));
    assert.equal(evidence.version, 1);
    assert.match(await readFile(out.files.report, 'utf8'), /<svg/);
  });

  it('says what is missing when there is too little data, and exits 1', async () => {
    const r = await cairn(['-w', tiny, 'discover', '--trees', '10', '--fits', '1']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Too little data.*at least 50 judged accounts/);
    assert.match(r.stderr, /nothing proposed/);
    assert.ok(existsSync(join(tiny, 'discovery', 'evidence.json')));
    assert.ok(!existsSync(join(tiny, 'discovery', 'proposed-milestones.yaml')));
  });

  it('rejects an early window that does not end before retention is judged (exit 2)', async () => {
    const r = await cairn(['-w', tiny, 'discover', '--retention-days', '90', '--early-days', '90']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--early-days \(90\) must be less than the retention days \(90\)/);
    const bad = await cairn(['-w', tiny, 'discover', '--core-action', 'closed']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--core-action must be "ACTION OBJECT"/);
  });
});
