import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseMilestones } from '../../src/config/index.js';
import { computeFunnel } from '../../src/milestones/index.js';
import type { TrackedEvent } from '../../src/model/index.js';
import { wilsonInterval } from '../../src/stats/index.js';
import { describeEngines } from '../engines.js';

const at = (iso: string) => Date.parse(`${iso}T12:00:00Z`);
let n = 0;
const ev = (account: string, iso: string, action: string, object: string): TrackedEvent => ({
  messageId: `f${n++}`, accountId: account, userId: null, anonymousId: null, action, object, place: null, metadata: {}, timestamp: at(iso), count: 1,
});

describeEngines('funnel', async (engine) => {
  const store = await engine.open();
  // Four accounts: two set up (after 4 and 10 days), one of them churned in March; one premium.
  await store.upsertAccounts([
    { accountId: 'a', name: 'a', createdAt: at('2025-01-01'), plan: 'pro', seats: 1, churnedAt: null },
    { accountId: 'b', name: 'b', createdAt: at('2025-01-20'), plan: 'pro', seats: 1, churnedAt: at('2025-03-15') },
    { accountId: 'c', name: 'c', createdAt: at('2025-02-10'), plan: 'premium', seats: 1, churnedAt: null },
    { accountId: 'd', name: 'd', createdAt: at('2025-02-11'), plan: 'pro', seats: 1, churnedAt: null },
  ]);
  await store.insertEvents([ev('a', '2025-01-05', 'installed', 'messenger'), ev('b', '2025-01-30', 'installed', 'messenger'), ev('c', '2025-02-11', 'viewed', 'inbox')], 'test');
  const framework = parseMilestones(`milestones:
  setup:
    kind: checklist
    steps: [ { id: install, when: { action: installed, object: messenger } } ]
`);

  it('gives shares with their Wilson intervals, medians, stages and month-end history', async () => {
    const f = await computeFunnel(store, framework, '2025-03-31');
    assert.equal(f.total.accounts, 4);
    assert.equal(f.total.churned, 1);
    const w = wilsonInterval(2, 4);
    assert.deepEqual(f.total.milestones.setup.reached, { n: 2, of: 4, share: 0.5, low: w.low, high: w.high });
    assert.equal(f.total.milestones.setup.median_days, 7, 'median of 4 and 10 days');
    assert.deepEqual(Object.keys(f.total.stages), ['signed_up', 'setup']);
    assert.equal(f.total.stages.setup.n, 2);
    assert.equal(f.total.stages.signed_up.n, 4);
    assert.equal(f.headline, null, 'no state-like milestone, no headline');
    assert.deepEqual(
      f.history.map((h) => [h.month_end, h.accounts, h.milestones.setup.n]),
      [
        ['2025-01-31', 2, 2],
        ['2025-02-28', 4, 2],
        ['2025-03-31', 4, 2],
      ],
    );
  });

  it('groups by plan and by signup month', async () => {
    const byPlan = await computeFunnel(store, framework, '2025-03-31', 'plan');
    assert.deepEqual(byPlan.cohorts.map((c) => [c.cohort, c.accounts, c.milestones.setup.reached.n]), [
      ['premium', 1, 0],
      ['pro', 3, 2],
    ]);
    const byMonth = await computeFunnel(store, framework, '2025-03-31', 'signup_month');
    assert.deepEqual(byMonth.cohorts.map((c) => [c.cohort, c.accounts]), [
      ['2025-01', 2],
      ['2025-02', 2],
    ]);
  });

  it('reports the maturity headline among current customers, now and at each month end', async () => {
    await store.insertEvents([ev('a', '2025-03-01', 'published', 'workflow'), ev('c', '2025-03-02', 'published', 'workflow'), ev('b', '2025-03-01', 'published', 'workflow')], 'test');
    const withMaturity = parseMilestones(`milestones:
  maturity:
    kind: categories
    window_days: 30
    mature_in_at_least: 1
    categories:
      automation: { basic: [], mature: [ { action: published, object: workflow } ] }
`);
    const f = await computeFunnel(store, withMaturity, '2025-03-20');
    // b churned on the 15th: of the three customers left, a and c are mature.
    assert.deepEqual([f.total.headline?.n, f.total.headline?.of], [2, 3]);
    assert.match(f.headline!.meaning, /at least 1 categories/);
    assert.deepEqual(f.history.map((h) => [h.month_end, h.headline?.n, h.headline?.of]), [
      ['2025-01-31', 0, 2],
      ['2025-02-28', 0, 4],
    ]);
  });
});
