import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeScore, scoreDiscovery, type PlantedTruth } from '../../src/demo/index.js';
import { driftTruth } from '../../src/demo/drift.js';
import { evidenceFixture } from '../discover/evidence-fixture.js';

const truth = (drift: boolean): PlantedTruth => ({
  world: 'planted',
  activation: { action: 'closed', object: 'conversation', at_least: 20, within_days: 90 },
  utilization: null,
  drivers: [],
  setup_effects: [],
  maturity: null,
  traps: { ubiquitous: { action: 'viewed', object: 'inbox' }, premium_niche: { action: 'created', object: 'custom_sla_rule' } },
  ...(drift ? { drift: driftTruth(Date.UTC(2024, 0, 1)) } : {}),
});

it("the demo's score names planted drift, the months discovery chose and judged on, and activation's moved cut", () => {
  const score = scoreDiscovery(evidenceFixture(), truth(true));
  assert.deepEqual(score.drift, { signups_from: '2024-01-01', step: 'install_messenger', activation_at_least: 50, chosen_on: ['2023-01', '2023-12'], judged_on: ['2024-01', '2024-06'] });
  assert.match(
    describeScore(score).at(-1)!,
    /^ {2}planted drift from signups on 2024-01-01 \(discovery chose on signups 2023-01 to 2023-12, judged on 2024-01 to 2024-06\): install_messenger done by everyone, .* activation's cut is about 50 closed conversations, not 20/,
  );
  const none = scoreDiscovery(evidenceFixture(), truth(false));
  assert.equal(none.drift, null);
  assert.ok(!describeScore(none).some((l) => l.includes('drift')));
});
