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
    for (const [dir, accounts] of [[ws, '1500'], [tiny, '40']] as const) {
      const r = await cairn(['demo', '--dir', dir, '--accounts', accounts, '--months', '36', '--seed', '3', '--no-discover', '--json']);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  it('--json prints the summary and writes the proposal, evidence and report', async () => {
    const r = await cairn(['-w', ws, 'discover', '--trees', '50', '--fits', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.as_of, '2026-10-31', 'as of the last day with events');
    assert.deepEqual(out.retention, { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 });
    assert.ok(out.data.labelled > 400 && out.data.churned > 100, JSON.stringify(out.data));
    assert.equal(out.split.how, 'month');
    assert.equal(out.split.selection.accounts + out.split.held_out.accounts, out.data.labelled);
    assert.ok(out.split.held_out.cohorts[0] > out.split.selection.cohorts[1], 'the held-out cohorts are the later ones');
    assert.match(out.caveat, /associations in observational data, not causes/);
    assert.ok(out.model.null_test.passed && out.model.null_test.permutations === 200);
    assert.ok(out.verdict.proposed.includes('activation'), out.verdict.statement);
    assert.ok(out.activation.held_out.youden_j > out.activation.null_test.null_95);
    const f = out.features[0];
    for (const key of ['key', 'importance', 'rank', 'rank_interval', 'prevalence', 'risk_ratio', 'q_value', 'flags']) assert.ok(key in f, key);
    for (const part of ['setup', 'activation', 'utilization', 'maturity', 'validation', 'model']) assert.ok(part in out, part);
    assert.ok(out.features.some((x: { flags: string[] }) => x.flags.includes('ubiquitous')));
    for (const file of Object.values(out.files) as string[]) assert.ok(existsSync(file), file);
    const framework = parseMilestones(await readFile(out.files.proposal, 'utf8'));
    assert.deepEqual(Object.keys(framework.milestones), out.verdict.proposed);
    const evidence = JSON.parse(await readFile(out.files.evidence, 'utf8'));
    assert.equal(evidence.version, 2);
    assert.equal(evidence.validation.accounts.count, out.split.held_out.accounts);
    assert.match(await readFile(out.files.report, 'utf8'), /<svg/);
  });

  it('says in words what it found, where it chose and where it judged, and that these are associations', async () => {
    const r = await cairn(['-w', ws, 'discover', '--trees', '30', '--fits', '2', '--permutations', '200', '--out', join(root, 'words')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /chosen on\s+\d+ accounts signed up \d{4}-\d{2} to \d{4}-\d{2}/);
    assert.match(r.stdout, /judged on\s+\d+ held out, signed up/);
    assert.match(r.stdout, /associations in observational data, not causes/);
    assert.match(r.stdout, /activation: at least \d+ closed conversation within \d+ days \(95% bootstrap interval/);
    assert.match(r.stdout, /held out: J [\d.]+, sensitivity \d+%, specificity \d+%, PPV \d+% \(null 95th percentile [-\d.]+, p [\d.e-]+, Holm [\d.e-]+\) — proposed/);
    assert.match(r.stdout, /validation on \d+ held-out accounts/);
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
