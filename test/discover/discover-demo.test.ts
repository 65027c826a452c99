import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { importAccountHistory, importAccounts, importEvents } from '../../src/collect/index.js';
import { loadMilestones, parseMilestones } from '../../src/config/index.js';
import { TEMPLATE_DIR } from '../../src/config/workspace.js';
import { generateDemo } from '../../src/demo/generate.js';
import { scoreDiscovery, type DiscoveryScore, type PlantedTruth } from '../../src/demo/score-discovery.js';
import { discover, type DiscoveryResult } from '../../src/discover/index.js';
import { computeMilestones } from '../../src/milestones/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';
import { join } from 'node:path';

// Discovery end to end on the demo, scored against the truth it planted. The demo needs enough
// accounts old enough to judge at 365 days for the planted effects to show (~2,500 judged here,
// ~500 not retained); smaller samples give honest but wide intervals (see the CLI test).
describeEngines(
  'discovery on the demo, against the planted truth',
  async (engine) => {
  const store = await engine.open();
  let result: DiscoveryResult;
  let score: DiscoveryScore;

  before(async () => {
    const dir = await tempDir();
    const demo = await generateDemo({ dir, seed: 42, accounts: 6000, months: 30 });
    await importAccounts(store, demo.files.accounts);
    await importAccountHistory(store, demo.files.accountHistory);
    await importEvents(store, demo.files.events);
    const current = await loadMilestones(join(TEMPLATE_DIR, 'milestones.yaml'));
    result = await discover(store, {
      asOf: '2026-10-31',
      retention: { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 },
      current,
      seed: 1,
    });
    score = scoreDiscovery(result.evidence, JSON.parse(await readFile(demo.files.groundTruth, 'utf8')) as PlantedTruth);
  });

  it('ranks every planted driver in the top fifth of the importance list', () => {
    const top = Math.ceil(score.ranked / 5);
    for (const d of score.drivers) assert.ok(d.rank !== null && d.rank <= top, `${d.key} ranked ${d.rank} of ${score.ranked} (top ${top})`);
    assert.ok(result.evidence.model!.held_out_auc > 0.65, `held-out AUC ${result.evidence.model!.held_out_auc}`);
  });

  it('flags the ubiquitous and the premium-niche traps with the right reason, and keeps them out of the proposal', () => {
    const [ubiquitous, niche] = score.traps;
    assert.ok(ubiquitous.flagged, 'customized messenger_appearance flagged ubiquitous');
    assert.match(ubiquitous.reason!, /cannot tell customers apart/);
    assert.ok(niche.flagged, 'created custom_sla_rule flagged premium_niche');
    assert.match(niche.reason!, /premium plan.*plan's effect/);
    for (const t of score.traps) assert.ok(!result.proposal!.yaml.includes(`object: ${t.key.split(' ')[1]} }`), `${t.key} is in the proposal`);
  });

  it('proposes activation and utilization thresholds within ±20% of the planted ones', () => {
    assert.equal(score.activation!.within_days[1], 90);
    assert.ok(Math.abs(score.activation!.relative_error!) <= 0.2, `activation ${score.activation!.proposed} vs ${score.activation!.planted}`);
    assert.ok(Math.abs(score.utilization!.relative_error!) <= 0.2, `utilization ${score.utilization!.proposed} vs ${score.utilization!.planted}`);
    const a = result.evidence.activation!;
    assert.ok(a.threshold_interval.low <= a.choice.threshold && a.choice.threshold <= a.threshold_interval.high);
  });

  it('chooses the setup steps that raise activation, 5 to 9 steps', () => {
    assert.deepEqual(score.setup.found.sort(), score.setup.effective.sort());
    assert.ok(score.setup.chosen.length >= 5 && score.setup.chosen.length <= 9, `${score.setup.chosen.length} steps`);
  });

  it('writes a proposal the milestone engine runs as is, and validation shows each milestone goes with retention', async () => {
    const framework = parseMilestones(result.proposal!.yaml);
    assert.deepEqual(Object.keys(framework.milestones), ['setup', 'activation', 'utilization', 'maturity']);
    const report = await computeMilestones(store, framework, '2026-10-31');
    for (const name of Object.keys(framework.milestones)) {
      const reached = report.accounts.filter((a) => a.milestones[name].reached).length;
      assert.ok(reached > 0 && reached < report.accounts.length, `${name}: ${reached} of ${report.accounts.length}`);
    }
    const v = result.evidence.validation!;
    for (const m of v.milestones) {
      assert.ok(m.log_rank.p_value < 0.001, `${m.milestone} log-rank p ${m.log_rank.p_value}`);
      assert.ok(m.retention_reached.estimate > m.retention_not_reached.estimate, m.milestone);
    }
    for (const link of v.chain) assert.ok(link.risk_ratio.low > 1, `${link.from} → ${link.to}: ${JSON.stringify(link.risk_ratio)}`);
  });
},
  { timeout: 3_600_000, demo: true },
);
