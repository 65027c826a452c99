import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parseMilestones } from '../../src/config/index.js';
import type { FrameworkReview } from '../../src/review/index.js';
import { cairn } from '../cli/run-cli.js';
import { tempDir } from '../tmp.js';

// cairn demo plants drift in the cohorts that signed up from 2025-01 on (src/demo/drift.ts):
// the Messenger comes installed for everyone, and a bot closes conversations, so the count
// of closed conversations that marks activation moved up. Utilization and maturity did not move.
describe('the review on the drifted demo', { timeout: 900_000 }, async () => {
  const ws = join(await tempDir(), 'demo');
  let summary: { review: { recommendations: Record<string, { action: string; value?: number; steps?: string[]; key?: string }>; planted_drift: { signups_from: string } } };
  let review: FrameworkReview;
  before(async () => {
    const r = await cairn(['demo', '--no-serve', '--dir', ws, '--no-discover', '--json']);
    assert.equal(r.code, 0, r.stderr);
    summary = JSON.parse(r.stdout);
    const again = await cairn(['-w', ws, 'review', '--json']);
    assert.equal(again.code, 0, again.stderr);
    review = JSON.parse(again.stdout);
  });

  it('recommends the planted changes and keeps the milestones that did not drift', () => {
    const rec = summary.review.recommendations;
    assert.equal(summary.review.planted_drift.signups_from, '2025-01-01');
    assert.deepEqual([rec.setup.action, rec.setup.steps], ['replace_step', ['install_messenger']]);
    assert.equal(rec.activation.action, 'adjust_threshold');
    assert.equal(rec.activation.key, 'at_least');
    assert.ok(rec.activation.value! >= 25 && rec.activation.value! <= 100, `activation moved up from 20, to ${rec.activation.value}`);
    assert.equal(rec.utilization.action, 'keep');
    assert.equal(rec.maturity.action, 'keep');
    // The same review again from the command line, with the same seed: the same verdicts.
    assert.deepEqual(Object.fromEntries(review.milestones.map((m) => [m.milestone, m.recommendation])), rec);
  });

  it('judges only cohorts past their horizon, and proposes a milestones.yaml that loads', async () => {
    const judged = review.cohorts.filter((c) => c.status === 'judged').map((c) => c.cohort);
    assert.deepEqual([...review.reference_cohorts, ...review.recent_cohorts], judged);
    for (const c of review.cohorts) if (c.status !== 'judged') assert.ok(c.judged_from > review.as_of, c.cohort);
    for (const m of review.milestones) assert.deepEqual(m.cohorts.map((c) => c.group), judged);
    const proposed = parseMilestones(review.proposal.yaml!);
    assert.deepEqual(proposed.milestones.setup.kind === 'checklist' && proposed.milestones.setup.steps.map((s) => s.id).includes('install_messenger'), false);
    assert.equal(proposed.milestones.activation.kind === 'threshold' && proposed.milestones.activation.at_least, summary.review.recommendations.activation.value);
    assert.match(review.proposal.diff!, /^--- milestones.yaml\n\+\+\+ milestones.yaml \(proposed\)\n@@/, 'a unified diff as git writes it, without an underline');
    assert.match(review.proposal.diff!, /^-\s+- id: install_messenger$/m);
    assert.equal(review.framework.version, 1);
    assert.match(review.schedule.next_due, /^\d{4}-\d{2}-01$/);
  });

  it('writes the report as Markdown and as an HTML page with charts', async () => {
    const md = await cairn(['-w', ws, 'review', '--format', 'md']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Framework review as of 2026-10-31/);
    assert.match(md.stdout, /\| activation \| \*\*adjust at_least to \d+\*\* \|/);
    const html = await cairn(['-w', ws, 'review', '--format', 'html']);
    assert.equal(html.code, 0, html.stderr);
    const page = await readFile(join(ws, 'review', 'review.html'), 'utf8');
    assert.match(page, /<svg[^>]*aria-label="Lift in retention by cohort/);
    assert.match(page, /Reliability: retention by stage/);
    assert.doesNotMatch(page, /<script|https?:\/\//);
  });
});
