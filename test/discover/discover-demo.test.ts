import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, it } from 'node:test';
import { importAccountHistory, importAccounts, importEvents } from '../../src/collect/index.js';
import { HELPDESK_DIR, loadMilestones, parseMilestones } from '../../src/config/index.js';
import { describeScore, generateDemo, scoreDiscovery, type DiscoveryScore, type PlantedTruth } from '../../src/demo/index.js';
import { discover, type DiscoveryResult } from '../../src/discover/index.js';
import { computeMilestones } from '../../src/milestones/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';

// Discovery end to end on the demo (its planted world: modest drivers with decoys, a trend and a
// step in retention, confounding by fit), with the help-desk framework as the current one, scored
// against the truth it planted. ~2,400 accounts are old enough to judge at 365 days; the later
// ~700 of them are held out.
describeEngines(
  'discovery on the demo, against the planted truth',
  async (engine) => {
  const store = await engine.open();
  let result: DiscoveryResult;
  let score: DiscoveryScore;

  before(async () => {
    const dir = await tempDir();
    const demo = await generateDemo({ dir, seed: 42, accounts: 6000, months: 30, noise: false });
    await importAccounts(store, demo.files.accounts);
    await importAccountHistory(store, demo.files.accountHistory);
    await importEvents(store, demo.files.events);
    const current = await loadMilestones(join(HELPDESK_DIR, 'milestones.yaml'));
    result = await discover(store, {
      asOf: '2026-10-31',
      retention: { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 },
      current,
      seed: 1,
    });
    score = scoreDiscovery(result.evidence, JSON.parse(await readFile(demo.files.groundTruth, 'utf8')) as PlantedTruth);
  });

  it('chooses on the earlier cohorts, judges on the later, and proposes what beats its null there', () => {
    const e = result.evidence;
    assert.equal(e.split!.how, 'month');
    assert.ok(e.split!.held_out.cohorts[0] > e.split!.selection.cohorts[1]);
    assert.ok(e.model!.null_test.passed, `forest held-out AUC ${e.model!.held_out_auc} vs null ${e.model!.null_test.null_95}`);
    for (const name of ['activation', 'utilization'] as const) {
      const m = e[name]!;
      assert.ok(m.proposed && m.null_test!.p_holm! < 0.05 && m.held_out!.youden_j > m.null_test!.null_95, `${name}: ${JSON.stringify(m.null_test)}`);
    }
    assert.deepEqual(e.verdict.proposed, score.proposed);
  });

  it("covers the planted activation and utilization thresholds with their intervals, counting what was planted", () => {
    for (const t of [score.activation!, score.utilization!]) {
      assert.ok(t.comparable, `counts ${t.counts}`);
      assert.ok(t.covered, `proposed ${t.proposed} [${t.interval}] vs planted ${t.planted}`);
      assert.ok(Math.abs(t.relative_error!) <= 0.2, `proposed ${t.proposed} vs planted ${t.planted}`);
    }
    assert.equal(score.activation!.within_days[1], 90);
  });

  it('reports how the ranking finds the planted causes: precision and recall in the top k, and drivers against their decoys', () => {
    assert.equal(score.top.k, 10);
    assert.ok(score.top.precision !== null && score.top.recall !== null);
    assert.ok(score.top.hits.includes('closed conversation'), `top 10: ${score.top.hits}`);
    assert.equal(score.decoys.length, score.drivers.length);
    assert.ok(score.driver_vs_decoy_auc! > 0.5, `drivers above decoys with chance ${score.driver_vs_decoy_auc}`);
    const lines = describeScore(score).join('\n');
    assert.match(lines, /top 10 of \d+ behaviours: precision [\d.]+, recall [\d.]+ of the 9 planted causes/);
    assert.match(lines, /a driver ranks above a decoy with chance [\d.]+/);
    // The same measures for the order by lift within plan and breadth of use.
    const e = score.by_engagement;
    assert.ok(e.precision !== null && e.recall !== null && e.driver_vs_decoy_auc !== null, JSON.stringify(e));
    assert.ok(result.evidence.features.some((f) => f.stratified.engagement?.strata_used >= 10), 'plan × fifths of breadth');
    assert.match(lines, /ordered instead by lift within plan and breadth of use: top 10 precision [\d.]+, recall [\d.]+; a driver above a decoy with chance [\d.]+/);
  });

  it('flags the ubiquitous and the premium-niche traps with the right reason, and keeps them out of the proposal', () => {
    const [ubiquitous, niche] = score.traps;
    assert.ok(ubiquitous.flagged, 'customized messenger_appearance flagged ubiquitous');
    assert.match(ubiquitous.reason!, /cannot tell customers apart/);
    assert.ok(niche.flagged, 'created custom_sla_rule flagged premium_niche');
    assert.match(niche.reason!, /premium plan.*plan's effect/);
    for (const t of score.traps) assert.ok(!result.proposal!.yaml.includes(`object: ${t.key.split(' ')[1]} }`), `${t.key} is in the proposal`);
  });

  it('chooses the setup steps that raise activation', () => {
    assert.deepEqual(score.setup.found.sort(), score.setup.effective.sort());
    assert.ok(score.setup.chosen.length <= 9, `${score.setup.chosen.length} steps`);
  });

  it('writes a proposal the milestone engine runs as is, and validates it on the held-out accounts', async () => {
    const framework = parseMilestones(result.proposal!.yaml);
    assert.deepEqual(Object.keys(framework.milestones), result.evidence.verdict.proposed);
    const report = await computeMilestones(store, framework, '2026-10-31');
    for (const name of Object.keys(framework.milestones)) {
      const reached = report.accounts.filter((a) => a.milestones[name].reached).length;
      assert.ok(reached > 0 && reached < report.accounts.length, `${name}: ${reached} of ${report.accounts.length}`);
    }
    const v = result.evidence.validation!;
    assert.equal(v.accounts!.count, result.evidence.split!.held_out.accounts);
    for (const m of v.milestones) {
      assert.ok(m.log_rank.p_value < 0.01, `${m.milestone} log-rank p ${m.log_rank.p_value}`);
      assert.ok(m.retention_reached.estimate > m.retention_not_reached.estimate, m.milestone);
    }
  });
},
  { timeout: 3_600_000, demo: true },
);
