import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tempDir } from '../tmp.js';
import { cairn } from './run-cli.js';

// One small demo serves every verb; each test reads it in its own way.
describe('milestone verbs', async () => {
  const ws = join(await tempDir(), 'demo');
  const AS_OF = '2026-10-31';
  before(async () => {
    const r = await cairn(['demo', '--no-serve', '--dir', ws, '--accounts', '120', '--seed', '5', '--json']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('milestones --json keeps the output contract', async () => {
    const r = await cairn(['-w', ws, 'milestones', '--as-of', AS_OF, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.as_of, AS_OF);
    assert.equal(out.accounts.length, 120);
    const a = out.accounts[0];
    for (const key of ['account_id', 'stage', 'churned', 'milestones', 'next_best_step']) assert.ok(key in a, key);
    assert.deepEqual(Object.keys(a.milestones), ['setup', 'activation', 'utilization', 'maturity']);
    for (const m of Object.values(a.milestones) as { reached: boolean; reached_at: string | null; progress: number; detail: object }[]) {
      assert.equal(typeof m.reached, 'boolean');
      assert.ok(m.reached_at === null || /^\d{4}-\d{2}-\d{2}$/.test(m.reached_at));
      assert.ok(m.progress >= 0 && m.progress <= 1);
      assert.equal(typeof m.detail, 'object');
    }
    const withStep = out.accounts.find((x: { next_best_step: unknown }) => x.next_best_step);
    assert.deepEqual(Object.keys(withStep.next_best_step), ['milestone', 'action', 'reason']);
  });

  it('milestones --format csv writes one row per account with a column group per milestone', async () => {
    const r = await cairn(['-w', ws, 'milestones', '--as-of', AS_OF, '--format', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 121);
    assert.match(lines[0], /^account_id,stage,churned,.*setup_reached,setup_reached_at,setup_progress,.*maturity_progress,next_milestone,next_action,next_reason$/);
  });

  it('account ID reads like a person wants, and --json gives the same with its timeline', async () => {
    const human = await cairn(['-w', ws, 'account', 'acc_00001', '--as-of', AS_OF]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^acc_00001 as of 2026-10-31/);
    assert.match(human.stdout, /milestones\n {2}setup/);
    assert.match(human.stdout, /timeline\n {2}\d{4}-\d{2}-\d{2} {2}signed up/);
    const json = JSON.parse((await cairn(['-w', ws, 'account', 'acc_00001', '--as-of', AS_OF, '--json'])).stdout);
    assert.equal(json.account_id, 'acc_00001');
    assert.equal(json.timeline[0].what, 'signed up');
    assert.ok(json.activity.length > 0);
  });

  it('exits 1 for an unknown account and 2 for a bad date, format or cohort', async () => {
    const missing = await cairn(['-w', ws, 'account', 'acc_99999', '--as-of', AS_OF]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no account "acc_99999"/);
    assert.equal((await cairn(['-w', ws, 'milestones', '--as-of', '2026-02-30'])).code, 2);
    assert.equal((await cairn(['-w', ws, 'milestones', '--format', 'xml'])).code, 2);
    assert.equal((await cairn(['-w', ws, 'funnel', '--by', 'colour'])).code, 2);
  });

  it('segment lists the accounts its expression selects', async () => {
    const r = await cairn(['-w', ws, 'segment', 'stuck_in_setup', '--as-of', AS_OF, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.count, out.accounts.length);
    assert.ok(out.count > 0);
    for (const a of out.accounts) {
      assert.equal(a.stage, 'signed_up');
      assert.ok(a.age_days > 14);
    }
  });

  it('funnel --json by plan has every share with its interval', async () => {
    const r = await cairn(['-w', ws, 'funnel', '--as-of', AS_OF, '--by', 'plan', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse(r.stdout);
    assert.deepEqual(f.cohorts.map((c: { cohort: string }) => c.cohort), ['premium', 'pro', 'starter']);
    for (const c of [f.total, ...f.cohorts]) {
      for (const m of Object.values(c.milestones) as { reached: { share: number; low: number; high: number } }[]) {
        assert.ok(m.reached.low <= m.reached.share && m.reached.share <= m.reached.high);
      }
    }
    assert.ok(f.history.length >= 17);
  });
});
