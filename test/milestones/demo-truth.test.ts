import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { importAccountHistory, importAccounts, importEvents } from '../../src/collect/index.js';
import { parseMilestones, HELPDESK_DIR } from '../../src/config/index.js';
import { generateDemo } from '../../src/demo/generate.js';
import { computeFunnel, computeMilestones, type AccountStatus } from '../../src/milestones/index.js';
import { wilsonInterval } from '../../src/stats/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';

// The demo plants activation (20 closed conversations in 90 days) as a cause of retention; the
// engine, run with the seed framework, must show it.
describeEngines('milestones on the demo', async (engine) => {
  const dir = await tempDir();
  const store = await engine.open();
  const framework = parseMilestones(await readFile(`${HELPDESK_DIR}/milestones.yaml`, 'utf8'));
  const END = '2026-10-31';
  let report: { accounts: AccountStatus[] };

  before(async () => {
    const demo = await generateDemo({ dir, seed: 11, accounts: 800 });
    await importAccounts(store, demo.files.accounts);
    await importAccountHistory(store, demo.files.accountHistory);
    await importEvents(store, demo.files.events, { workers: 0 });
    report = await computeMilestones(store, framework, END);
  });

  it('never takes back a milestone: reached as of an earlier day stays reached on the same day', async () => {
    const earlier = await computeMilestones(store, framework, '2026-03-31');
    const later = new Map(report.accounts.map((a) => [a.account_id, a]));
    let checked = 0;
    for (const a of earlier.accounts) {
      for (const [name, m] of Object.entries(a.milestones)) {
        if (!m.reached) continue;
        checked++;
        assert.equal(later.get(a.account_id)!.milestones[name].reached_at, m.reached_at, `${a.account_id} ${name}`);
      }
    }
    assert.ok(checked > 300, `checked ${checked} reached milestones`);
  });

  it('shows the planted truth: activated accounts churn less, set-up accounts activate more', () => {
    // Accounts old enough for their activation window to have closed.
    const judged = report.accounts.filter((a) => a.age_days >= 180);
    const churnRate = (list: AccountStatus[]) => wilsonInterval(list.filter((a) => a.churned).length, list.length);
    const activated = churnRate(judged.filter((a) => a.milestones.activation.reached));
    const notActivated = churnRate(judged.filter((a) => !a.milestones.activation.reached));
    assert.ok(activated.high < notActivated.low, `activated churn ${activated.estimate.toFixed(2)} vs not ${notActivated.estimate.toFixed(2)}`);
    const activationRate = (list: AccountStatus[]) => wilsonInterval(list.filter((a) => a.milestones.activation.reached).length, list.length);
    const setUp = activationRate(judged.filter((a) => a.milestones.setup.reached));
    const notSetUp = activationRate(judged.filter((a) => !a.milestones.setup.reached));
    assert.ok(setUp.low > notSetUp.high, `activation after setup ${setUp.estimate.toFixed(2)} vs without ${notSetUp.estimate.toFixed(2)}`);
  });

  it('gives a funnel whose shares fall stage by stage and a headline in range', async () => {
    const f = await computeFunnel(store, framework, END);
    const shares = f.stages.map((s) => f.total.stages[s.name].share!);
    for (let i = 1; i < shares.length; i++) assert.ok(shares[i] <= shares[i - 1], `stage ${f.stages[i].name}`);
    assert.ok(f.total.headline && f.total.headline.share! > 0.1 && f.total.headline.share! < 0.8, `headline ${f.total.headline?.share}`);
    assert.equal(f.history.at(-1)!.month_end, END);
  });
}, { demo: true });
