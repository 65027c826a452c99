import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEngines } from '../engines.js';
import { parseMilestones } from '../../src/config/index.js';
import { computeMilestones, type AccountStatus } from '../../src/milestones/engine.js';
import { describeMatcher } from '../../src/milestones/matchers.js';
import type { ClickHouseDriver } from '../../src/store/clickhouse/clickhouse-driver.js';
import { sql } from '../../src/store/index.js';
import { at, ev, storeWith } from '../fixtures.js';

// Every expected value below is worked out by hand from the events written in each test.
const day = at;

const framework = (yaml: string) => parseMilestones(yaml, 'milestones.yaml');
const byId = (accounts: AccountStatus[], id: string) => {
  const a = accounts.find((x) => x.account_id === id);
  assert.ok(a, `account ${id} is in the report`);
  return a;
};

/** Maturity in two categories within 30 days; automation needs `need` mature features at once. */
const maturityYaml = (need: number) => `milestones:
  maturity:
    kind: categories
    window_days: 30
    mature_in_at_least: 2
    categories:
      automation:
        basic: [ { action: created, object: macro } ]
        mature: [ { action: published, object: workflow }, { action: enabled, object: resolution_bot } ]
        mature_at_least: ${need}
      interoperability:
        basic: []
        mature: [ { action: created, object: webhook } ]
`;

describeEngines('milestone engine', (engine) => {
  it('checklist: reached on the day the last needed step was done, with missing steps named', async () => {
    const store = await storeWith({
      engine,
      accounts: [
        { id: 'a', signup: '2025-01-10' },
        { id: 'b', signup: '2025-01-10' },
        { id: 'c', signup: '2025-01-10' },
      ],
      events: [
        ev('a', '2025-01-10', 'installed', 'messenger'),
        ev('a', '2025-01-15', 'invited', 'teammate'),
        ev('a', '2025-01-20', 'invited', 'teammate'),
        ev('b', '2025-01-11', 'created', 'macro'),
        ev('c', '2025-01-08', 'installed', 'messenger'), // before signup: done all the same
        ev('c', '2025-01-12', 'created', 'macro'),
      ],
    });
    const f = framework(`milestones:
  setup:
    kind: checklist
    at_least: 2
    steps:
      - { id: install, label: Install, when: { action: installed, object: messenger } }
      - { id: invite, label: Invite, when: { action: invited, object: teammate } }
      - { id: macro, label: Macro, when: { action: created, object: macro } }
`);
    const { accounts } = await computeMilestones(store, f, '2025-02-01');
    const a = byId(accounts, 'a').milestones.setup;
    assert.deepEqual([a.reached, a.reached_at, a.progress], [true, '2025-01-15', 1]);
    assert.deepEqual(a.detail.missing, ['macro']);
    const b = byId(accounts, 'b').milestones.setup;
    assert.deepEqual([b.reached, b.reached_at, b.progress], [false, null, 0.5]);
    assert.deepEqual(b.detail.missing, ['install', 'invite']);
    assert.deepEqual(byId(accounts, 'b').next_best_step, {
      milestone: 'setup',
      action: 'Install',
      reason: 'setup: 1 of 2 steps done; "Install" is the next step not yet done',
    });
    const c = byId(accounts, 'c').milestones.setup;
    assert.deepEqual([c.reached, c.reached_at], [true, '2025-01-12']);
    // As of the 14th, a had one step: not reached yet.
    const early = await computeMilestones(store, f, '2025-01-14');
    assert.deepEqual([byId(early.accounts, 'a').milestones.setup.reached, byId(early.accounts, 'a').milestones.setup.progress], [false, 0.5]);
  });

  it('threshold: counts within the window from signup (last day included), honours count, ignores what came before', async () => {
    const store = await storeWith({
      engine,
      accounts: [
        { id: 'a', signup: '2025-03-01' },
        { id: 'b', signup: '2025-03-01' },
        { id: 'c', signup: '2025-03-01' },
      ],
      events: [
        ev('a', '2025-03-01', 'closed', 'conversation'),
        ev('a', '2025-03-03', 'closed', 'conversation'),
        ev('a', '2025-03-10', 'closed', 'conversation'), // day 9 of a 10-day window: inside
        ev('b', '2025-02-27', 'closed', 'conversation'), // before signup: not counted
        ev('b', '2025-03-01', 'closed', 'conversation'),
        ev('b', '2025-03-05', 'closed', 'conversation'),
        ev('b', '2025-03-11', 'closed', 'conversation'), // day 10: outside
        ev('c', '2025-03-02', 'closed', 'conversation', { count: 3 }),
      ],
    });
    const f = framework(`milestones:
  activation:
    kind: threshold
    count: { action: closed, object: conversation }
    within_days: 10
    at_least: 3
`);
    const { accounts } = await computeMilestones(store, f, '2025-04-01');
    const a = byId(accounts, 'a').milestones.activation;
    assert.deepEqual([a.reached, a.reached_at, a.detail.count, a.detail.window_ends], [true, '2025-03-10', 3, '2025-03-10']);
    const b = byId(accounts, 'b').milestones.activation;
    assert.deepEqual([b.reached, b.detail.count, b.detail.window_open], [false, 2, false]);
    assert.equal(b.progress, 2 / 3);
    assert.match(byId(accounts, 'b').next_best_step!.reason, /window closed on 2025-03-10 with 2 of 3/);
    // Counts other than one read in the plural.
    assert.equal(byId(accounts, 'b').next_best_step!.action, 'Reach 3 closed conversations');
    const c = byId(accounts, 'c').milestones.activation;
    assert.deepEqual([c.reached, c.reached_at], [true, '2025-03-02']);
    // Mid-window: a has 2 and 4 days left (the 6th to the 10th, counted from the 6th).
    const mid = await computeMilestones(store, f, '2025-03-06');
    const am = byId(mid.accounts, 'a');
    assert.deepEqual([am.milestones.activation.reached, am.milestones.activation.detail.count, am.milestones.activation.detail.days_left], [false, 2, 4]);
    assert.equal(am.next_best_step!.action, '1 more closed conversation');
    assert.match(am.next_best_step!.reason, /: 2 of 3 closed conversations so far; 4 days left/);
  });

  it('per seat: resolved only, seats from the first of the month, zero seats never reach', async () => {
    const resolved = { metadata: { state: 'resolved' } };
    const store = await storeWith({
      engine,
      accounts: [
        { id: 'grow', signup: '2025-01-01', seats: 10 },
        { id: 'zero', signup: '2025-01-01', seats: 0 },
        { id: 'nohist', signup: '2025-01-01', seats: null },
      ],
      history: [
        { accountId: 'grow', validFrom: day('2025-01-01', 9), plan: 'pro', seats: 2, mrr: 200, status: 'active' },
        { accountId: 'grow', validFrom: day('2025-02-15', 0), plan: 'pro', seats: 10, mrr: 1000, status: 'active' },
        { accountId: 'zero', validFrom: day('2025-01-01', 9), plan: 'pro', seats: 0, mrr: 0, status: 'active' },
      ],
      events: [
        // January: 3 resolved for 2 seats = 1.5 < 2; unresolved ones do not count.
        ...['2025-01-05', '2025-01-06', '2025-01-07'].map((d) => ev('grow', d, 'closed', 'conversation', resolved)),
        ...['2025-01-08', '2025-01-09'].map((d) => ev('grow', d, 'closed', 'conversation', { metadata: { state: 'unresolved' } })),
        // February: seats went to 10 on the 15th, but February is judged on its first day's 2 seats:
        // the 4th resolved conversation (the 20th) makes 4 / 2 = 2.
        ...['2025-02-16', '2025-02-17', '2025-02-18', '2025-02-20'].map((d) => ev('grow', d, 'closed', 'conversation', resolved)),
        ...['2025-01-05', '2025-01-06', '2025-01-07'].map((d) => ev('zero', d, 'closed', 'conversation', resolved)),
        // No history and no seats: one seat, so 2 resolved in a month are enough.
        ...['2025-01-05', '2025-01-09'].map((d) => ev('nohist', d, 'closed', 'conversation', resolved)),
      ],
    });
    const f = framework(`milestones:
  utilization:
    kind: per_seat
    count: { action: closed, object: conversation, metadata: { state: resolved } }
    per_month_per_seat_at_least: 2
`);
    const { accounts } = await computeMilestones(store, f, '2025-03-10');
    const g = byId(accounts, 'grow').milestones.utilization;
    assert.deepEqual([g.reached, g.reached_at, g.detail.best_rate], [true, '2025-02-20', 2]);
    assert.deepEqual([g.detail.last_month, g.detail.last_month_rate, g.detail.seats], ['2025-02', 2, 10]);
    const z = byId(accounts, 'zero').milestones.utilization;
    assert.deepEqual([z.reached, z.progress], [false, 0]);
    assert.equal(byId(accounts, 'zero').next_best_step!.action, 'Buy seats');
    const n = byId(accounts, 'nohist').milestones.utilization;
    assert.deepEqual([n.reached, n.reached_at], [true, '2025-01-09']);
    // As of the end of January, grow was at 1.5 of 2.
    const jan = await computeMilestones(store, f, '2025-01-31');
    const gj = byId(jan.accounts, 'grow').milestones.utilization;
    assert.deepEqual([gj.reached, gj.progress], [false, 0.75]);
  });

  it('categories: mature when enough categories overlap within the window; reached stays reached', async () => {
    const store = await storeWith({
      engine,
      accounts: [{ id: 'a', signup: '2025-01-01' }, { id: 'two', signup: '2025-01-01' }],
      events: [
        ev('a', '2025-01-01', 'published', 'workflow'), // automation on Jan 1 – Jan 30
        ev('a', '2025-02-10', 'created', 'webhook'), // interop on Feb 10 – Mar 11: no overlap with Jan
        ev('a', '2025-02-15', 'enabled', 'resolution_bot'), // automation again: overlap from Feb 15
        ev('a', '2025-02-16', 'created', 'macro'), // basic only
        // "two" needs two distinct mature automation features within 30 days.
        ev('two', '2025-01-01', 'published', 'workflow'),
        ev('two', '2025-01-05', 'created', 'webhook'),
        ev('two', '2025-02-20', 'enabled', 'resolution_bot'),
        ev('two', '2025-02-25', 'published', 'workflow'),
      ],
    });
    const one = await computeMilestones(store, framework(maturityYaml(1)), '2025-02-20');
    const a = byId(one.accounts, 'a').milestones.maturity;
    assert.deepEqual([a.reached, a.reached_at, a.detail.mature_now], [true, '2025-02-15', 2]);
    // Long after, both categories have lapsed, yet the milestone stays reached on the same day.
    const later = byId((await computeMilestones(store, framework(maturityYaml(1)), '2025-06-01')).accounts, 'a').milestones.maturity;
    assert.deepEqual([later.reached, later.reached_at, later.detail.mature_now], [true, '2025-02-15', 0]);
    const levels = (later.detail.categories as { level: string }[]).map((c) => c.level);
    assert.deepEqual(levels, ['absent', 'absent']);
    // Two mature automation features needed: "two" gets the second on Feb 25, but its webhook
    // (Jan 5) lapsed on Feb 4, so it never has both categories at once.
    const two = byId((await computeMilestones(store, framework(maturityYaml(2)), '2025-03-01')).accounts, 'two').milestones.maturity;
    assert.equal(two.reached, false);
    const cats = two.detail.categories as { name: string; level: string }[];
    assert.deepEqual(cats.map((c) => [c.name, c.level]), [['automation', 'mature'], ['interoperability', 'absent']]);
    assert.equal(byId((await computeMilestones(store, framework(maturityYaml(2)), '2025-03-01')).accounts, 'two').next_best_step!.action, 'Use created webhook');
    // With one feature enough, "two" was mature in both on Jan 5.
    const twoEasy = byId((await computeMilestones(store, framework(maturityYaml(1)), '2025-03-01')).accounts, 'two').milestones.maturity;
    assert.deepEqual([twoEasy.reached, twoEasy.reached_at], [true, '2025-01-05']);
  });

  it('categories: a use counts for window_days days from its own; a feature lapsing and another starting on one day keep the category', async () => {
    const store = await storeWith({
      engine,
      accounts: ['last_day', 'day_after', 'handover', 'pair'].map((id) => ({ id, signup: '2025-01-01' })),
      events: [
        // The Jan 1 workflow counts through Jan 30 (30 days), not on Jan 31.
        ev('last_day', '2025-01-01', 'published', 'workflow'),
        ev('last_day', '2025-01-30', 'created', 'webhook'),
        ev('day_after', '2025-01-01', 'published', 'workflow'),
        ev('day_after', '2025-01-31', 'created', 'webhook'),
        // The workflow lapses on Jan 31 as the bot starts: automation stays on.
        ev('handover', '2025-01-01', 'published', 'workflow'),
        ev('handover', '2025-01-31', 'enabled', 'resolution_bot'),
        ev('handover', '2025-01-31', 'created', 'webhook'),
        ev('pair', '2025-01-01', 'published', 'workflow'),
        ev('pair', '2025-01-30', 'enabled', 'resolution_bot'),
        ev('pair', '2025-01-30', 'created', 'webhook'),
      ],
    });
    const reached = async (need: number) =>
      Object.fromEntries((await computeMilestones(store, framework(maturityYaml(need)), '2025-03-01')).accounts.map((a) => [a.account_id, a.milestones.maturity.reached_at]));
    assert.deepEqual(await reached(1), { last_day: '2025-01-30', day_after: null, handover: '2025-01-31', pair: '2025-01-30' });
    // Both automation features at once: only "pair" has them, on Jan 30.
    assert.deepEqual(await reached(2), { last_day: null, day_after: null, handover: null, pair: '2025-01-30' });
  });

  it('matchers of one action and object told apart by place, and one for any place, each count their own events', async () => {
    const store = await storeWith({
      engine,
      accounts: [{ id: 'a', signup: '2025-01-01' }, { id: 'b', signup: '2025-01-01' }],
      events: [
        ev('a', '2025-01-03', 'opened', 'inbox', { place: 'web' }),
        ev('a', '2025-01-05', 'opened', 'inbox', { place: 'mobile' }),
        ev('b', '2025-01-04', 'opened', 'inbox'),
        ev('b', '2025-01-06', 'opened', 'inbox', { place: 'desktop' }),
      ],
    });
    const f = framework(`milestones:
  setup:
    kind: checklist
    steps:
      - { id: web, label: Web, when: { action: opened, object: inbox, place: web } }
      - { id: mobile, label: Mobile, when: { action: opened, object: inbox, place: mobile } }
      - { id: anywhere, label: Anywhere, when: { action: opened, object: inbox } }
  activation:
    kind: threshold
    count: { action: opened, object: inbox }
    within_days: 30
    at_least: 2
`);
    const { accounts } = await computeMilestones(store, f, '2025-02-01');
    const a = byId(accounts, 'a').milestones;
    assert.deepEqual([a.setup.reached_at, a.setup.detail.missing, a.activation.reached_at], ['2025-01-05', [], '2025-01-05']);
    const b = byId(accounts, 'b').milestones;
    assert.deepEqual([b.setup.reached, b.setup.detail.missing, b.activation.reached_at], [false, ['web', 'mobile'], '2025-01-06']);
  });

  if (engine.name.startsWith('clickhouse')) {
    it('an event two writers stored at once counts once, through the rollup\'s correction', async () => {
      const store = await storeWith({ engine, accounts: [{ id: 'dup', signup: '2025-01-01' }] });
      const twice = ev('dup', '2025-01-02', 'closed', 'conversation', { metadata: { state: 'resolved' } });
      // Another collector stores the id after this write found it new, just before this write
      // stores it: two rows of it, both counted by the rollup's view.
      const driver = (store as unknown as { driver: ClickHouseDriver }).driver;
      let raced = false;
      Object.assign(store, {
        driver: {
          ...driver,
          async command(query: string, params: Readonly<Record<string, unknown>>) {
            if (!raced && query.startsWith('INSERT INTO events_data')) {
              raced = true;
              await driver.insertTsv('events_data', ['message_id', 'account_id', 'action', 'object', 'metadata', 'timestamp', 'count', 'received_at', 'source'],
                `${twice.messageId}\tdup\tclosed\tconversation\t{"state":"resolved"}\t${twice.timestamp}\t1\t${twice.timestamp}\ttest\n`);
            }
            return driver.command(query, params);
          },
        } satisfies ClickHouseDriver,
      });
      assert.deepEqual(await store.insertEvents([twice], 'test'), { inserted: 1, duplicates: 0 });
      assert.ok(raced);
      const [{ n }] = await store.query<{ n: string }>(sql`SELECT count() AS n FROM activity_corrections`);
      assert.ok(Number(n) > 0, 'a correction is pending');
      // From the rollup, and from raw events (a matcher on metadata).
      const f = framework(`milestones:
  activation:
    kind: threshold
    count: { action: closed, object: conversation }
    within_days: 30
    at_least: 2
  resolved:
    kind: threshold
    count: { action: closed, object: conversation, metadata: { state: resolved } }
    within_days: 30
    at_least: 2
`);
      const counts = async () => {
        const { milestones } = byId((await computeMilestones(store, f, '2025-02-01')).accounts, 'dup');
        return [milestones.activation.reached_at, milestones.activation.detail.count, milestones.resolved.reached_at, milestones.resolved.detail.count];
      };
      assert.deepEqual(await counts(), [null, 1, null, 1]);
      await store.insertEvents([ev('dup', '2025-01-03', 'closed', 'conversation', { metadata: { state: 'resolved' } })], 'test');
      assert.deepEqual(await counts(), ['2025-01-03', 2, '2025-01-03', 2]);
    });
  }

  it('stages follow requires; churned accounts keep their stage and get no next step; accounts without events start at the start', async () => {
    const store = await storeWith({
      engine,
      accounts: [
        { id: 'active', signup: '2025-01-01' },
        { id: 'skipped_setup', signup: '2025-01-01' },
        { id: 'churned', signup: '2025-01-01', churned: '2025-02-01' },
        { id: 'later_churn', signup: '2025-01-01', churned: '2025-06-01' },
        { id: 'silent', signup: '2025-01-01' },
        { id: 'future', signup: '2025-05-01' },
      ],
      events: [
        ...['active', 'churned', 'later_churn'].flatMap((a) => [ev(a, '2025-01-02', 'installed', 'messenger'), ev(a, '2025-01-03', 'closed', 'conversation'), ev(a, '2025-01-04', 'closed', 'conversation')]),
        ev('skipped_setup', '2025-01-03', 'closed', 'conversation'),
        ev('skipped_setup', '2025-01-04', 'closed', 'conversation'),
      ],
    });
    const f = framework(`milestones:
  setup:
    kind: checklist
    steps: [ { id: install, label: Install the Messenger, when: { action: installed, object: messenger } } ]
  activation:
    kind: threshold
    requires: [setup]
    count: { action: closed, object: conversation }
    within_days: 30
    at_least: 2
`);
    const report = await computeMilestones(store, f, '2025-03-01');
    assert.deepEqual(report.stages.map((s) => s.name), ['signed_up', 'setup', 'activation']);
    assert.deepEqual(report.accounts.map((a) => a.account_id), ['active', 'churned', 'later_churn', 'silent', 'skipped_setup']);
    assert.equal(byId(report.accounts, 'active').stage, 'activation');
    assert.equal(byId(report.accounts, 'active').next_best_step, null);
    const skipped = byId(report.accounts, 'skipped_setup');
    assert.deepEqual([skipped.stage, skipped.milestones.activation.reached], ['signed_up', true]);
    assert.equal(skipped.next_best_step!.action, 'Install the Messenger');
    const churned = byId(report.accounts, 'churned');
    assert.deepEqual([churned.churned, churned.stage, churned.next_best_step], [true, 'activation', null]);
    assert.equal(byId(report.accounts, 'later_churn').churned, false);
    const silent = byId(report.accounts, 'silent');
    assert.deepEqual([silent.stage, silent.milestones.setup.progress, silent.milestones.activation.progress, silent.age_days], ['signed_up', 0, 0, 59]);
  });

  it('per seat over a rolling 30 days: reached once any 30-day span holds threshold × seats', async () => {
    const store = await storeWith({
      engine,
      accounts: [{ id: 'r', signup: '2025-01-01', seats: 1 }],
      // Two at the end of January and one early in February: 3 in 30 days, never 3 in a month.
      events: ['2025-01-25', '2025-01-30', '2025-02-05'].map((d) => ev('r', d, 'closed', 'conversation')),
    });
    const rolling = await computeMilestones(store, framework(`milestones:
  utilization:
    kind: per_seat
    period: rolling_30d
    count: { action: closed, object: conversation }
    per_month_per_seat_at_least: 3
`), '2025-03-01');
    assert.deepEqual([byId(rolling.accounts, 'r').milestones.utilization.reached_at], ['2025-02-05']);
    const monthly = await computeMilestones(store, framework(`milestones:
  utilization:
    kind: per_seat
    count: { action: closed, object: conversation }
    per_month_per_seat_at_least: 3
`), '2025-03-01');
    assert.equal(byId(monthly.accounts, 'r').milestones.utilization.reached, false);
  });

  it('recomputes from the data: a late event older than the as-of day moves a reached day earlier', async () => {
    const store = await storeWith({
      engine,
      accounts: [{ id: 'late', signup: '2025-01-01' }],
      events: ['2025-01-02', '2025-01-20'].map((d) => ev('late', d, 'closed', 'conversation')),
    });
    const f = framework(`milestones:
  activation:
    kind: threshold
    count: { action: closed, object: conversation }
    within_days: 30
    at_least: 2
`);
    const before = byId((await computeMilestones(store, f, '2025-02-01')).accounts, 'late').milestones.activation;
    assert.equal(before.reached_at, '2025-01-20');
    await store.insertEvents([ev('late', '2025-01-05', 'closed', 'conversation')], 'test');
    const after = byId((await computeMilestones(store, f, '2025-02-01')).accounts, 'late').milestones.activation;
    assert.equal(after.reached_at, '2025-01-05');
  });
});

it('a matcher in words: its object in the plural for counts other than one', () => {
  const m = (object: string) => ({ action: 'closed', object, metadata: { state: 'resolved' } });
  assert.equal(describeMatcher(m('conversation')), 'closed conversation (state = resolved)');
  assert.equal(describeMatcher(m('conversation'), 1), 'closed conversation (state = resolved)');
  assert.equal(describeMatcher(m('conversation'), 20), 'closed conversations (state = resolved)');
  assert.deepEqual(['inbox', 'policy', 'day', 'csv', 'search'].map((o) => describeMatcher({ action: 'x', object: o }, 0)), ['x inboxes', 'x policies', 'x days', 'x csvs', 'x searches']);
});
