import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseMilestones, SegmentExpressionError } from '../../src/config/index.js';
import { accountsMatching, computeMilestones, readStatusRows, refreshStatuses, segmentCondition, statusKeys, statusPage } from '../../src/milestones/index.js';
import { describeEngines } from '../engines.js';
import { at, ev } from '../fixtures.js';

const framework = parseMilestones(`milestones:
  setup:
    kind: checklist
    at_least: 2
    steps:
      - { id: install, when: { action: installed, object: messenger } }
      - { id: invite, when: { action: invited, object: teammate } }
      - { id: connect, when: { action: connected, object: email } }
  activation:
    kind: threshold
    requires: [setup]
    count: { action: closed, object: conversation }
    within_days: 30
    at_least: 2
`);
const AS_OF = '2025-03-15';

/** Plans and seats with nulls, churned and not, active lately or long ago or never. */
const ACCOUNTS = [
  { id: 'a', signup: '2025-01-05', plan: 'pro', seats: 1 },
  { id: 'b', signup: '2025-01-10', plan: 'team', seats: 5 },
  { id: 'c', signup: '2025-01-20', plan: null, seats: 2, churned: '2025-02-10' },
  { id: 'd', signup: '2025-02-01', plan: 'pro', seats: null },
  { id: 'e', signup: '2025-03-01', plan: 'team', seats: 3 },
  { id: 'f', signup: '2025-03-10', plan: null, seats: null },
];
const EVENTS = [
  ev('a', '2025-01-05', 'installed', 'messenger'),
  ev('a', '2025-01-08', 'invited', 'teammate'),
  ev('a', '2025-01-09', 'closed', 'conversation'),
  ev('a', '2025-03-14', 'closed', 'conversation'),
  ev('b', '2025-01-02', 'installed', 'messenger'),
  ev('b', '2025-01-20', 'connected', 'email'),
  ev('b', '2025-01-21', 'closed', 'conversation'),
  ev('c', '2025-01-21', 'installed', 'messenger'),
  ev('c', '2025-01-22', 'connected', 'email'),
  ev('c', '2025-01-23', 'closed', 'conversation'),
  ev('c', '2025-01-24', 'closed', 'conversation'),
  ev('d', '2025-02-03', 'invited', 'teammate'),
  ev('e', '2025-03-01', 'installed', 'messenger'),
  ev('e', '2025-03-01', 'invited', 'teammate'),
  ev('e', '2025-03-15', 'closed', 'conversation'),
];

/** Every field, every operator, nulls on both sides of `not`, and booleans every way they can be written. */
const EXPRESSIONS = [
  "stage = 'signed_up' and age_days > 14",
  "stage != 'signed_up'",
  "account_id in ('a', 'c') or account_id = 'zz'",
  "plan = 'pro'",
  "plan != 'pro'",
  "not plan = 'pro'",
  'plan is null',
  'plan is not null',
  "plan in ('pro', 'team')",
  "plan not in ('pro')",
  'seats > 2',
  'seats <= 1.5',
  'seats in (1, 5)',
  'seats not in (1)',
  'not (seats > 2)',
  'seats is null',
  'churned',
  'not churned',
  'churned = false',
  'churned != true',
  'churned in (true, false)',
  'churned not in (true, false)',
  'churned not in (true)',
  'age_days >= 60 or days_since_last_event > 20',
  'days_since_last_event is null',
  'days_since_last_event is not null',
  'days_since_last_event < 30',
  'days_since_last_event in (0, 1)',
  'not days_since_last_event > 5',
  'milestones.setup.reached',
  'not milestones.setup.reached',
  'milestones.setup.reached = false',
  'milestones.activation.reached != false',
  'milestones.activation.progress >= 0.5',
  'milestones.activation.progress in (0, 1)',
  'milestones.setup.days_to_reach <= 3',
  'milestones.setup.days_to_reach is null',
  'not milestones.setup.days_to_reach > 5',
  "milestones.setup.reached_at >= '2025-01-20'",
  "milestones.setup.reached_at = '2025-01-08'",
  "milestones.setup.reached_at < '2025-01-08T12:00:00Z'",
  'milestones.setup.reached_at is not null',
  "milestones.activation.reached_at not in ('2025-01-09')",
  "(stage = 'setup' or churned) and not milestones.activation.reached",
  "not (plan = 'pro' or seats > 2) and not milestones.activation.reached_at is null",
];

describeEngines('segment expressions in SQL', (engine) => {
  it('keep the same accounts as the evaluator, over the materialized and the computed statuses', async () => {
    const store = await engine.open();
    await store.upsertAccounts(
      ACCOUNTS.map((a) => ({ accountId: a.id, name: a.id, createdAt: at(a.signup, 9), plan: a.plan, seats: a.seats, churnedAt: a.churned ? at(a.churned) : null })),
    );
    await store.insertEvents(EVENTS, 'test');
    await refreshStatuses(store, framework, { asOf: AS_OF });
    const stored = await readStatusRows(store, framework);
    const computed = await computeMilestones(store, framework, AS_OF);
    for (const text of EXPRESSIONS) {
      const expected = (await accountsMatching(store, framework, text, { as_of: AS_OF, accounts: stored.accounts })).map((a) => a.account_id);
      const fromComputed = (await accountsMatching(store, framework, text, computed)).map((a) => a.account_id);
      assert.deepEqual(fromComputed, expected, `${text}: the materialized and computed statuses differ`);
      const condition = segmentCondition(store.dialect, framework, text, AS_OF);
      const keyed = await statusKeys(store, AS_OF, { segments: [condition] }, { column: 'account_id' });
      assert.deepEqual(keyed.map((k) => k.account_id).sort(), expected, `${engine.name}: ${text}`);
      const page = await statusPage(store, { segments: [condition] }, { column: 'account_id', desc: false }, 50, 0);
      assert.deepEqual([page.total, page.ids], [expected.length, expected], `${engine.name}: ${text} paged`);
    }
    // Two at once, with the other filters.
    const both = ['milestones.setup.reached', "plan = 'team'"].map((t) => segmentCondition(store.dialect, framework, t, AS_OF));
    const page = await statusPage(store, { segments: both, churned: false }, { column: 'signup_day', desc: true }, 1, 0);
    assert.deepEqual(page, { total: 2, ids: ['e'] });
  });

  it('bind every value and throw the evaluator’s errors', async () => {
    const store = await engine.open();
    const hostile = "x' OR 1 = 1 --";
    const { sql: condition } = segmentCondition(store.dialect, framework, `plan = "${hostile}" or milestones.setup.reached_at > '2025-01-01'`, AS_OF);
    const text = condition.parts.flatMap((p) => ('text' in p ? [p.text] : [])).join('');
    assert.ok(!text.includes(hostile) && !text.includes('2025-01-01'), text);
    assert.ok(condition.parts.some((p) => 'param' in p && p.param === hostile));
    assert.throws(() => segmentCondition(store.dialect, framework, 'seats > "many"', AS_OF), (err: Error) => err instanceof SegmentExpressionError && /seats is a number/.test(err.message));
    assert.throws(() => segmentCondition(store.dialect, framework, 'milestones.nope.reached', AS_OF), /unknown milestone 'nope'/);
    assert.throws(() => segmentCondition(store.dialect, framework, 'stage = ', AS_OF), SegmentExpressionError);
  });
});
