import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, it } from 'node:test';
import { importAccounts, importEvents } from '../../src/collect/index.js';
import { HELPDESK_DIR, loadMilestones } from '../../src/config/index.js';
import { discover, type DiscoveryResult } from '../../src/discover/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';
import { writeProduct } from './new-product.js';

// Another product's data with the help-desk framework as the current one: its core action
// (closed conversation) has no events, so discovery counts the most predictive repeated action.
describeEngines('the core action falls back to one in the data', async (engine) => {
  const store = await engine.open();
  let result: DiscoveryResult;

  before(async () => {
    const files = await writeProduct(await tempDir(), { accounts: 900, signupFrom: '2024-01-01', signupDays: 540, seed: 1 });
    await importAccounts(store, files.accounts);
    await importEvents(store, [files.events], { workers: 0 });
    result = await discover(store, {
      asOf: '2025-12-31',
      retention: { kind: 'still_customer', days: 180, dormantDays: 30, earlyDays: 30 },
      current: await loadMilestones(join(HELPDESK_DIR, 'milestones.yaml')),
      seed: 1,
      trees: 40,
      refits: 2,
    });
  });

  it('counts sent message, names both actions and says how to choose another', () => {
    const e = result.evidence;
    const warning = e.warnings.find((w) => w.startsWith('The core action closed conversation'));
    assert.ok(warning, JSON.stringify(e.warnings));
    assert.match(warning, /has no events in the first 30 days of any judged account: discovery counts sent message instead/);
    assert.match(warning, /pass --core-action "ACTION OBJECT"/);
    assert.equal(`${e.activation!.action} ${e.activation!.object}`, 'sent message');
    assert.ok(Math.abs(e.activation!.choice.threshold - 8) <= 1, `activation at least ${e.activation!.choice.threshold}`);
  });
});
