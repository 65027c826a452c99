import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCairnConfig, parseMilestones } from '../../src/config/index.js';
import { nextReviewDue, reviewFramework } from '../../src/review/index.js';
import { describeEngines } from '../engines.js';
import { ev, storeWith, type TestAccount } from '../fixtures.js';

const framework = parseMilestones(`milestones:
  activation:
    kind: threshold
    count: { action: closed, object: conversation }
    within_days: 10
    at_least: 2
`);
// Retention judged 60 days after signup; milestones read at day 10.
const config = parseCairnConfig('version: 1\nretention: { days: 60, early_days: 10 }\nreview: { cohorts: month }\n');

describeEngines('the review judges a cohort only once every account of it can be judged', (engine) => {
  it('leaves a cohort whose last signups are younger than the horizon out of every figure, as not yet judged', async () => {
    // Three monthly cohorts; as of 2025-05-15 January and February are past their horizon
    // (31 Jan + 60 = 1 Apr; 28 Feb + 60 = 29 Apr), March is not (31 Mar + 60 = 30 May), though
    // its first signups are (1 Mar + 60 = 30 Apr).
    const accounts: TestAccount[] = [];
    const events = [];
    for (const [month, days] of [['01', 31], ['02', 28], ['03', 31]] as const) {
      for (let d = 1; d <= days; d += 3) {
        const id = `a${month}${String(d).padStart(2, '0')}`;
        const signup = `2025-${month}-${String(d).padStart(2, '0')}`;
        const active = d % 2 === 1;
        accounts.push({ id, signup, ...(active ? {} : { churned: `2025-${month === '01' ? '02' : month === '02' ? '03' : '04'}-${String(Math.min(d, 28)).padStart(2, '0')}` }) });
        if (active) events.push(ev(id, signup, 'closed', 'conversation'), ev(id, signup, 'closed', 'conversation'));
      }
    }
    const store = await storeWith({ engine, accounts, events });
    const r = await reviewFramework(store, { framework, config, asOf: '2025-05-15' });
    assert.deepEqual(
      r.cohorts.map((c) => [c.cohort, c.status, c.judged_from]),
      [
        ['2025-01', 'judged', '2025-04-01'],
        ['2025-02', 'judged', '2025-04-29'],
        ['2025-03', 'observed', '2025-05-30'],
      ],
    );
    const m = r.milestones[0];
    assert.deepEqual(m.cohorts.map((c) => c.group), ['2025-01', '2025-02']);
    assert.deepEqual([r.reference_cohorts, r.recent_cohorts], [['2025-01'], ['2025-02']]);
    // Every account churns a month after signup or not at all: none before the landmark.
    const judged = accounts.filter((a) => a.signup < '2025-03-01');
    assert.equal(m.reference.accounts + m.recent.accounts, judged.length, 'every judged account, none of March');
    assert.ok(m.drift.some((d) => d.cohort === '2025-03' && d.status === 'observed'), 'March shows its drift');
    assert.ok(r.stage.discrimination.every((d) => d.group !== '2025-03'));
    assert.deepEqual(r.schedule, { every: 'quarter', next_due: '2025-07-01' });
  });
});

describe('when the next review is due', () => {
  it('follows the period or the cron expression', () => {
    assert.equal(nextReviewDue('quarter', '2026-10-31'), '2027-01-01');
    assert.equal(nextReviewDue('quarter', '2026-01-01'), '2026-04-01');
    assert.equal(nextReviewDue('month', '2026-12-06'), '2027-01-01');
    assert.equal(nextReviewDue('half_year', '2026-03-15'), '2026-07-01');
    assert.equal(nextReviewDue('year', '2026-03-15'), '2027-01-01');
    // 06:00 on the 1st of January, April, July, October.
    assert.equal(nextReviewDue('0 6 1 1,4,7,10 *', '2026-04-01'), '2026-07-01');
  });
});
