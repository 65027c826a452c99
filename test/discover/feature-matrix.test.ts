import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFeatureMatrix, type FeatureMatrix } from '../../src/discover/index.js';
import { ev, storeWith } from '../fixtures.js';

// Early window 30 days. p signs up 2025-01-01: window [2025-01-01, 2025-01-31), last day 2025-01-30.
// q signs up 2025-01-10: window [2025-01-10, 2025-02-09). r signs up 2025-02-01. s has no events.
const EARLY = 30;
const fixture = () =>
  storeWith({
    accounts: [
      { id: 'p', signup: '2025-01-01', seats: 4 },
      { id: 'q', signup: '2025-01-10', seats: 1 },
      { id: 'r', signup: '2025-02-01', seats: null },
      { id: 's', signup: '2025-01-01' },
      { id: 'other', signup: '2025-01-01' },
    ],
    batches: [
      [
        ev('p', '2024-12-31', 'created', 'macro', { count: 50 }), // before signup: not counted
        ev('p', '2025-01-01', 'created', 'macro', { count: 3 }),
        ev('p', '2025-01-30', 'created', 'macro', { count: 2 }), // last day of the window: counted
        ev('p', '2025-01-31', 'created', 'macro', { count: 70 }), // the day after: not counted
        ev('p', '2025-01-02', 'closed', 'conversation', { place: 'inbox', count: 5 }),
        ev('p', '2025-01-02', 'closed', 'conversation', { place: 'mobile', count: 3 }),
        ev('p', '2025-01-03', 'closed', 'conversation', { place: 'inbox', count: 2 }),
        ev('p', '2025-01-04', 'invited', 'teammate', { place: 'settings' }), // one place only
        ev('q', '2025-01-10', 'invited', 'teammate', { place: 'settings' }),
        ev('q', '2025-02-08', 'created', 'macro'),
        ev('r', '2025-02-05', 'viewed', 'report', { count: 2 }),
        ev('other', '2025-01-05', 'exported', 'csv'), // not among the accounts asked for
      ],
      // A second write: the rollup gets delta rows for keys it already holds.
      [ev('p', '2025-01-01', 'created', 'macro', { count: 1 }), ev('q', '2025-02-08', 'created', 'macro')],
    ],
  });

// Asked in this order; the matrix keeps it.
const accounts = [
  { account_id: 's', signup_day: '2025-01-01', seats: 1 },
  { account_id: 'r', signup_day: '2025-02-01', seats: null },
  { account_id: 'q', signup_day: '2025-01-10', seats: 1 },
  { account_id: 'p', signup_day: '2025-01-01', seats: 4 },
];

/** used, count, active_days, per_seat of one feature for one account. */
function cell(m: FeatureMatrix, account: string, key: string): number[] {
  const row = m.accountIds.indexOf(account);
  const col = m.columns.indexOf(`${key}:used`);
  assert.ok(row >= 0 && col >= 0, `${account} / ${key}`);
  const w = m.columns.length;
  return [...m.x.subarray(row * w + col, row * w + col + 4)];
}

describe('feature matrix', () => {
  it('measures each feature in the early window only, per account, in the order given', async () => {
    const store = await fixture();
    const m = await buildFeatureMatrix(store, accounts, EARLY);
    assert.equal(m.rows, 4);
    assert.deepEqual(m.accountIds, ['s', 'r', 'q', 'p']);
    assert.deepEqual(
      m.features.map((f) => [f.key, f.accounts, f.prevalence]),
      [
        ['closed conversation', 1, 0.25],
        ['closed conversation @inbox', 1, 0.25],
        ['closed conversation @mobile', 1, 0.25],
        ['created macro', 2, 0.5],
        ['invited teammate', 2, 0.5],
        ['viewed report', 1, 0.25],
      ],
    );
    assert.equal(m.columns.length, 24);
    assert.deepEqual(m.columns.slice(0, 4), [
      'closed conversation:used',
      'closed conversation:count',
      'closed conversation:active_days',
      'closed conversation:per_seat',
    ]);
    assert.equal(m.x.length, 4 * 24);
    // p, 4 seats: macro 3 + 1 on 01-01 and 2 on 01-30 (not 12-31, not 01-31) → 6 on 2 days.
    assert.deepEqual(cell(m, 'p', 'created macro'), [1, 6, 2, 1.5]);
    // Conversations 5 + 3 on 01-02 and 2 on 01-03 → 10 on 2 days; by place inbox 7 on 2, mobile 3 on 1.
    assert.deepEqual(cell(m, 'p', 'closed conversation'), [1, 10, 2, 2.5]);
    assert.deepEqual(cell(m, 'p', 'closed conversation @inbox'), [1, 7, 2, 1.75]);
    assert.deepEqual(cell(m, 'p', 'closed conversation @mobile'), [1, 3, 1, 0.75]);
    assert.deepEqual(cell(m, 'p', 'invited teammate'), [1, 1, 1, 0.25]);
    assert.deepEqual(cell(m, 'p', 'viewed report'), [0, 0, 0, 0]);
    // q: two writes of a macro on 02-08 (its window's second-to-last day) → 2 on 1 day.
    assert.deepEqual(cell(m, 'q', 'created macro'), [1, 2, 1, 2]);
    assert.deepEqual(cell(m, 'q', 'invited teammate'), [1, 1, 1, 1]);
    // r: no seats → counted as one seat.
    assert.deepEqual(cell(m, 'r', 'viewed report'), [1, 2, 1, 2]);
    // s: nothing.
    assert.ok(m.x.subarray(0, 24).every((v) => v === 0));
    // A place-level feature only where a pair has two places: invited teammate has one.
    assert.equal(m.features.find((f) => f.key === 'closed conversation @inbox')!.place, 'inbox');
    assert.ok(!m.features.some((f) => f.key.startsWith('invited teammate @')));
  });

  it('leaves out places when asked, and features used by too few accounts', async () => {
    const store = await fixture();
    const noPlaces = await buildFeatureMatrix(store, accounts, EARLY, { places: false });
    assert.deepEqual(
      noPlaces.features.map((f) => f.key),
      ['closed conversation', 'created macro', 'invited teammate', 'viewed report'],
    );
    assert.deepEqual(cell(noPlaces, 'p', 'closed conversation'), [1, 10, 2, 2.5]);
    const common = await buildFeatureMatrix(store, accounts, EARLY, { minAccounts: 2 });
    assert.deepEqual(
      common.features.map((f) => f.key),
      ['created macro', 'invited teammate'],
    );
    assert.deepEqual(cell(common, 'p', 'created macro'), [1, 6, 2, 1.5]);
  });

  it('a shorter window cuts later days', async () => {
    const store = await fixture();
    // 2 days: p's window is 01-01 and 01-02.
    const m = await buildFeatureMatrix(store, accounts, 2);
    assert.deepEqual(cell(m, 'p', 'created macro'), [1, 4, 1, 1]);
    assert.deepEqual(cell(m, 'p', 'closed conversation'), [1, 8, 1, 2]);
    assert.deepEqual(cell(m, 'p', 'closed conversation @inbox'), [1, 5, 1, 1.25]);
    // q invited on its signup day (kept); r viewed a report on its fifth day (gone); p invited on its fourth.
    assert.deepEqual(cell(m, 'q', 'invited teammate'), [1, 1, 1, 1]);
    assert.deepEqual(cell(m, 'p', 'invited teammate'), [0, 0, 0, 0]);
    assert.ok(!m.features.some((f) => f.key === 'viewed report'));
  });

  it('handles no accounts and rejects a bad window', async () => {
    const store = await fixture();
    const m = await buildFeatureMatrix(store, [], EARLY);
    assert.equal(m.rows, 0);
    assert.equal(m.x.length, 0);
    await assert.rejects(buildFeatureMatrix(store, accounts, 0), /earlyDays/);
  });
});
