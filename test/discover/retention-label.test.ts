import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelAccounts, type RetentionLabels, type RetentionSettings } from '../../src/discover/index.js';
import { at, ev, storeWith } from '../fixtures.js';

// Settings: judged 100 days after signup, early window 30 days, dormant after 20 silent days.
// For a signup on 2025-01-01: the early window is [2025-01-01, 2025-01-31), day 100 is 2025-04-11,
// and the not_dormant window is (2025-03-22, 2025-04-11]. As of 2025-12-31, accounts that signed
// up after 2025-09-22 are too young (2025-09-22 + 100 days = 2025-12-31 exactly: judged).
const AS_OF = '2025-12-31';
const base = { days: 100, dormantDays: 20, earlyDays: 30 } as const;
const S: RetentionSettings = { kind: 'still_customer', ...base };
const N: RetentionSettings = { kind: 'not_dormant', ...base };

const fixture = () =>
  storeWith({
    accounts: [
      { id: 'steady', signup: '2025-01-01', seats: 3, plan: 'basic' },
      { id: 'young', signup: '2025-10-01' },
      { id: 'exactly', signup: '2025-09-22' },
      { id: 'early_churn', signup: '2025-01-01', churned: '2025-01-20' },
      { id: 'late_churn', signup: '2025-01-01', churned: '2025-06-01' },
      { id: 'lost', signup: '2025-01-01', churned: '2025-03-01' },
      { id: 'churn_on_day', signup: '2025-01-01', churned: '2025-04-11' },
      { id: 'silent', signup: '2025-01-01' },
      { id: 'edge', signup: '2025-01-01', seats: null },
      { id: 'hist', signup: '2025-01-01', seats: 9, plan: 'enterprise' },
      { id: 'hist_early', signup: '2025-01-01' },
    ],
    history: [
      { accountId: 'hist', validFrom: at('2025-01-01'), plan: 'basic', seats: 2, mrr: null, status: 'active' },
      { accountId: 'hist', validFrom: at('2025-01-25'), plan: 'pro', seats: 4, mrr: null, status: 'active' },
      { accountId: 'hist', validFrom: at('2025-02-15'), plan: 'pro', seats: 4, mrr: null, status: 'churned' },
      { accountId: 'hist_early', validFrom: at('2025-01-30'), plan: null, seats: null, mrr: null, status: 'churned' },
    ],
    batches: [
      [
        ev('steady', '2025-04-05', 'closed', 'conversation'),
        ev('exactly', '2025-12-30', 'closed', 'conversation'),
        ev('late_churn', '2025-04-01', 'closed', 'conversation'),
        ev('silent', '2025-01-05', 'closed', 'conversation'),
        ev('silent', '2025-03-22', 'closed', 'conversation'), // day 80: just outside (day 80, day 100]
        ev('silent', '2025-04-12', 'closed', 'conversation'), // day 101: after the judging day
        ev('edge', '2025-04-11', 'closed', 'conversation'), // day 100: inside
        ev('churn_on_day', '2025-04-10', 'closed', 'conversation'),
        ev('hist', '2025-04-01', 'closed', 'conversation'),
        ev('young', '2025-12-01', 'closed', 'conversation'),
      ],
    ],
  });

const retainedOf = (r: RetentionLabels) => Object.fromEntries(r.labelled.map((a) => [a.account_id, a.retained]));

describe('retention label', () => {
  it('still_customer: leaves out the too young and the early churned; churn after `days` is retained', async () => {
    const store = await fixture();
    const r = await labelAccounts(store, S, AS_OF);
    assert.deepEqual(r.leftOut, { tooYoung: 1, churnedInEarlyWindow: 2 });
    assert.deepEqual(retainedOf(r), {
      churn_on_day: false, // churned on day 100 itself: not a customer at day 100
      edge: true,
      exactly: true,
      hist: false, // churned on 2025-02-15 by history, after the early window
      late_churn: true,
      lost: false,
      silent: true,
      steady: true,
    });
    assert.deepEqual(r.settings, S);
  });

  it('not_dormant: also needs activity in the last dormant_days before day `days`', async () => {
    const store = await fixture();
    const r = await labelAccounts(store, N, AS_OF);
    assert.deepEqual(r.leftOut, { tooYoung: 1, churnedInEarlyWindow: 2 });
    assert.deepEqual(retainedOf(r), {
      churn_on_day: false, // active on day 99, but churned by day 100
      edge: true, // active on day 100 exactly
      exactly: true,
      hist: false,
      late_churn: true, // active on day 90, churned after day 100
      lost: false,
      silent: false, // silent from day 81 to day 100
      steady: true,
    });
  });

  it('takes plan and seats at the end of the early window, with signup day and month', async () => {
    const store = await fixture();
    const r = await labelAccounts(store, S, AS_OF);
    const by = new Map(r.labelled.map((a) => [a.account_id, a]));
    // History: seats 2 (basic) from 01-01, 4 (pro) from 01-25; the window ends 01-30. accounts says 9.
    assert.deepEqual(by.get('hist'), {
      account_id: 'hist',
      signup_day: '2025-01-01',
      plan: 'pro',
      seats: 4,
      signup_month: '2025-01',
      churn_day: '2025-02-15',
      retained: false,
    });
    assert.equal(by.get('steady')!.seats, 3);
    assert.equal(by.get('steady')!.plan, 'basic');
    assert.equal(by.get('edge')!.seats, 1); // no history, no seats on the account
    assert.equal(by.get('exactly')!.signup_month, '2025-09');
  });

  it('judges against the as-of date only', async () => {
    const store = await fixture();
    // As of 2025-04-10, day 100 of the 2025-01-01 signups has not come: all are too young.
    const r = await labelAccounts(store, S, '2025-04-10');
    assert.equal(r.labelled.length, 0);
    assert.equal(r.leftOut.tooYoung, 9); // the 2025-01-01 signups; later ones have not signed up yet
    const r2 = await labelAccounts(store, S, '2025-04-11');
    assert.equal(r2.leftOut.tooYoung, 0);
    assert.equal(r2.leftOut.churnedInEarlyWindow, 2);
    assert.equal(r2.labelled.length, 7);
  });

  it('rejects settings that cannot be judged', async () => {
    const store = await storeWith({ accounts: [] });
    await assert.rejects(labelAccounts(store, { ...S, earlyDays: 100 }, AS_OF), /earlyDays/);
    await assert.rejects(labelAccounts(store, { ...S, days: 0 }, AS_OF), /days/);
    await assert.rejects(labelAccounts(store, S, '2025-02-30'), /as-of/);
  });
});
