import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { openStore } from '../../src/cli/workspace.js';
import { loadWorkspace } from '../../src/config/index.js';
import { computeFunnel, computeMilestones, today } from '../../src/milestones/index.js';
import { tempDir } from '../tmp.js';
import { reviewJob } from '../../src/cli/review.js';
import { Scheduler } from '../../src/server/index.js';
import { cairn } from './run-cli.js';

// One small demo serves every verb; each test reads it in its own way.
const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
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
    assert.match(human.stdout, /milestones\n {2}Set up +reached /, 'milestones by their labels');
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

  it("readers take the materialized statuses of the demo's day (the demo refreshed them as of then), and refresh today's first, to the same figures", async () => {
    const milestones = JSON.parse((await cairn(['-w', ws, 'milestones', '--as-of', AS_OF, '--json'])).stdout);
    assert.deepEqual([milestones.as_of, milestones.source, milestones.framework_version], [AS_OF, 'materialized', 1]);
    const funnel = JSON.parse((await cairn(['-w', ws, 'funnel', '--as-of', AS_OF, '--by', 'plan', '--json'])).stdout);
    assert.equal(funnel.source, 'materialized');
    const segment = JSON.parse((await cairn(['-w', ws, 'segment', 'stuck_in_setup', '--as-of', AS_OF, '--json'])).stdout);
    assert.equal(segment.source, 'materialized');
    const account = JSON.parse((await cairn(['-w', ws, 'account', 'acc_00001', '--as-of', AS_OF, '--json'])).stdout);
    assert.equal(account.source, 'materialized');
    assert.ok(account.history.length > 0 && account.history.every((c: { cause: string }) => c.cause === 'backfill'));
    const human = await cairn(['-w', ws, 'account', 'acc_00001', '--as-of', AS_OF]);
    assert.match(human.stdout, /milestone history \(recorded by each refresh; framework version in brackets\)\n {2}\d{4}-\d{2}-\d{2} {2}reached [\w ]+ {2}\[v1\] {2}\(backfilled\)/);
    // Today is later than the demo's day: a reader of today refreshes first.
    const day = today();
    const current = JSON.parse((await cairn(['-w', ws, 'milestones', '--json'])).stdout);
    assert.deepEqual([current.as_of, current.source, current.framework_version], [day, 'materialized', 1]);
    assert.equal(JSON.parse((await cairn(['-w', ws, 'milestones', '--as-of', AS_OF, '--json'])).stdout).source, 'computed');

    const wsl = await loadWorkspace(ws);
    const store = await openStore(wsl);
    try {
      assert.deepEqual(milestones.accounts, JSON.parse(JSON.stringify((await computeMilestones(store, wsl.milestones, AS_OF)).accounts)));
      assert.deepEqual(current.accounts, JSON.parse(JSON.stringify((await computeMilestones(store, wsl.milestones, day)).accounts)));
      const { source: _s, framework_version: _v, ...figures } = funnel;
      assert.deepEqual(figures, JSON.parse(JSON.stringify(await computeFunnel(store, wsl.milestones, AS_OF, 'plan'))));
    } finally {
      await store.close();
    }
  });

  it('funnel --json by plan has every share with its interval', async () => {
    const r = await cairn(['-w', ws, 'funnel', '--as-of', AS_OF, '--by', 'plan', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse(r.stdout);
    assert.deepEqual(f.cohorts.map((c: { cohort: string }) => c.cohort), ['premium', 'pro', 'starter']);
    for (const c of [f.total, ...f.cohorts]) {
      for (const m of Object.values(c.milestones) as { reached: { n: number; share: number; low: number; high: number }; median_days: number; median_days_low: number | null; median_days_high: number | null }[]) {
        assert.ok(m.reached.low <= m.reached.share && m.reached.share <= m.reached.high);
        // Order statistics bracket the median from 6 accounts on, and none are claimed below.
        assert.equal(m.median_days_low === null, m.reached.n < 6);
        if (m.median_days_low !== null) assert.ok(m.median_days_low <= m.median_days && m.median_days <= m.median_days_high!);
      }
    }
    assert.ok(f.history.length >= 17);
    // In the terminal, median days and their interval read with one decimal at most.
    const table = await cairn(['-w', ws, 'funnel', '--as-of', AS_OF]);
    const medians = [...table.stdout.matchAll(/\] +([\d.]+) \[([\d.]+)–([\d.]+)\]$/gm)].flatMap((m) => m.slice(1));
    assert.ok(medians.length >= 3, table.stdout);
    for (const d of medians) assert.match(d, /^\d+(\.\d)?$/);
  });
  // Last: it changes milestones.yaml.
  it('refresh records what a new milestones.yaml changed, once; account shows it; review reads in the terminal', async () => {
    const same = await cairn(['-w', ws, 'refresh', '--json']);
    assert.equal(same.code, 0, same.stderr);
    assert.deepEqual(pick(JSON.parse(same.stdout), ['kind', 'framework_version', 'new_version', 'changes', 'seq']), { kind: 'full', framework_version: 1, new_version: false, changes: 0, seq: null });
    // Activation raised to one above the lowest count that reached it: that account loses it.
    type Row = { account_id: string; milestones: { activation: { reached: boolean; detail: { count: number } } } };
    const before = (JSON.parse((await cairn(['-w', ws, 'milestones', '--json'])).stdout).accounts as Row[]).filter((a) => a.milestones.activation.reached);
    const lowest = before.reduce((x, y) => (y.milestones.activation.detail.count < x.milestones.activation.detail.count ? y : x));
    const file = join(ws, 'milestones.yaml');
    const text = await readFile(file, 'utf8');
    assert.match(text, /at_least: 20\n/);
    await writeFile(file, text.replace(/at_least: 20\n/, `at_least: ${lowest.milestones.activation.detail.count + 1}\n`));

    const stricter = await cairn(['-w', ws, 'refresh']);
    assert.equal(stricter.code, 0, stricter.stderr);
    assert.match(stricter.stdout, /^milestone statuses refreshed as of \d{4}-\d{2}-\d{2}, framework version 2 \(new\): [1-9][\d,]* changes recorded/);
    const again = JSON.parse((await cairn(['-w', ws, 'refresh', '--json'])).stdout);
    assert.deepEqual(pick(again, ['framework_version', 'new_version', 'changes']), { framework_version: 2, new_version: false, changes: 0 }, 'nothing twice');
    const report = JSON.parse((await cairn(['-w', ws, 'milestones', '--json'])).stdout);
    assert.deepEqual([report.source, report.framework_version], ['materialized', 2]);

    const account = JSON.parse((await cairn(['-w', ws, 'account', lowest.account_id, '--json'])).stdout);
    const lost = (account.history as { cause: string; framework_version: number; kind: string; name: string; change: string }[]).filter((c) => c.framework_version === 2);
    assert.deepEqual(lost.find((c) => c.kind === 'milestone'), { ...lost.find((c) => c.kind === 'milestone'), name: 'activation', change: 'lost', cause: 'framework' });
    const human = await cairn(['-w', ws, 'account', lowest.account_id]);
    assert.match(human.stdout, /lost Activated {2}\[v2\] {2}\(new framework\)/);

    const table = await cairn(['-w', ws, 'review', '--as-of', AS_OF]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Framework review as of 2026-10-31: framework version 2 \(/);
  });

  it('the review as a job of cairn serve: due by review.every, recorded with its summary, the report written where cairn review writes it', async () => {
    const workspace = await loadWorkspace(ws);
    const store = await openStore(workspace);
    try {
      const job = reviewJob(workspace, store);
      assert.equal(job.schedule, '0 6 1 1,4,7,10 *', 'quarterly: 06:00 UTC on the first day of each quarter');
      assert.equal(job.dueAtStart!(null), false, 'never run: it waits for its schedule');
      assert.equal(job.dueAtStart!(new Date(Date.now() - 200 * 86_400_000)), true, 'a quarter missed while down: at once');
      assert.equal(job.dueAtStart!(new Date()), false);
      const run = await new Scheduler({ store }).register(job).runJob('review');
      assert.equal(run.status, 'ok', run.error ?? '');
      const result = run.result as { report: string; next_due: string; recommendations: Record<string, number> };
      assert.equal(result.report, join(ws, 'review', 'review.html'));
      assert.match(await readFile(result.report, 'utf8'), /<h2>Set up /);
      assert.match(result.next_due, /^\d{4}-\d{2}-01$/);
      assert.equal(Object.values(result.recommendations).reduce((a, b) => a + b, 0), 4);
      assert.deepEqual((await store.stats()).jobs.review.last.result, result);
    } finally {
      await store.close();
    }
  });
});
