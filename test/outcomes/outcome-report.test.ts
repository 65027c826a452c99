import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildOutcomeReport, type DesignResult, type OutcomeReport } from '../../src/outcomes/index.js';
import { mulberry32 } from '../../src/stats/index.js';
import { bucketOf, day, event, FRAMEWORK, fixtureStore, launchFile, PLAN, poisson, weeklyConversations, type FixtureAccount } from './launch-fixtures.js';
import { describeEngines } from '../engines.js';

const WS = { milestones: FRAMEWORK, trackingPlan: PLAN };
const BEFORE = Date.parse(`${day(-30)}T10:00:00Z`); // declarations recorded a month before launch
const design = (r: OutcomeReport, name: DesignResult['name']) => r.outcome!.designs.find((d) => d.name === name)!;
// Hundreds of accounts per store: on the engines in this process; test/parity/outcomes-parity.test.ts
// shows the servers build the same reports, ledgers and due lists.
const IN_PROCESS = { demo: true };

const countLaunch = (extra = '') => `problem: Teams repeat the same answers
owner: ana
size: small
launched_at: ${day(0)}
outcome:
  metric: { kind: count, when: { action: closed, object: conversation }, within_days: 28 }
  direction: increase
  target: { relative: 0.1 }
events:
  awareness: [{ action: viewed, object: tip }]
  activation: [{ action: used, object: helper }]
${extra}`;

/** Every account of the treated arm sees the tip and uses the helper twice soon after exposure. */
function useHelper(accounts: FixtureAccount[], treated: (a: FixtureAccount) => boolean) {
  return accounts.flatMap((a) => {
    const e = Math.max(0, a.signup);
    if (!treated(a) || (a.churn ?? Infinity) <= e) return [];
    return [event(a.id, e + 1, 'viewed', 'tip', { place: 'inbox' }), event(a.id, e + 2, 'used', 'helper'), event(a.id, e + 10, 'used', 'helper')];
  });
}

describeEngines('outcome report: a real effect with a randomized holdout', async (engine) => {
  // 30% more conversations a week for accounts not held out, from launch: 3.5 × 0.3 × 4 weeks
  // = +4.2 conversations per account in 28 days, against a target of +10% (about +1.4).
  const name = 'helper';
  const treated = (a: FixtureAccount) => bucketOf(name, a.id) >= 20;
  const { accounts, events } = weeklyConversations({ accounts: 800, seed: 7, end: 120, rate: (a, w) => (w >= 0 && treated(a) ? 3.5 * 1.3 : 3.5) });
  const store = await fixtureStore(engine, accounts, [...events, ...useHelper(accounts, treated)]);
  const launch = await launchFile(name, countLaunch('holdout: { segment: "bucket < 20", randomized: true }\n'));
  const r = await buildOutcomeReport(store, WS, launch, { at: day(120), now: BEFORE });

  test('the randomized holdout decides; its interval covers the planted +4.2 and the verdict is met', () => {
    assert.equal(r.design, 'randomized_holdout');
    const o = r.outcome!;
    assert.equal(o.grade, 'A');
    assert.ok(o.low! <= 4.2 && 4.2 <= o.high!, `[${o.low}, ${o.high}] covers 4.2`);
    assert.equal(r.verdict, 'met', r.reason);
    assert.ok(o.treated.n > 500 && o.control.n > 100, `${o.treated.n} treated, ${o.control.n} held out`);
    // Expected: +10% of the holdout's mean.
    assert.ok(Math.abs(o.expected! - 0.1 * o.control.value!) < 1e-9);
    assert.ok(o.power! > 0.8);
    assert.deepEqual(r.flags, []);
  });

  test('placebo before launch passes; difference in differences agrees; the funnel counts adoption', () => {
    assert.equal(design(r, 'randomized_holdout').placebo?.passed, true);
    const did = design(r, 'difference_in_differences');
    assert.equal(did.diagnostics.comparison, 'holdout');
    assert.ok(did.low! <= 4.2 && 4.2 <= did.high!);
    const last = r.funnel!.weeks.at(-1)!;
    // Everyone exposed uses the helper in two distinct weeks (days +2 and +10), within ~12 days.
    assert.ok(last.stages.adoption.share! > 0.9, `adoption ${last.stages.adoption.share}`);
  });
}, IN_PROCESS);

describeEngines('outcome report: no effect', async (engine) => {
  const name = 'helper';
  const { accounts, events } = weeklyConversations({ accounts: 800, seed: 8, end: 120, rate: () => 3.5 });
  const store = await fixtureStore(engine, accounts, [...events, ...useHelper(accounts, (a) => bucketOf(name, a.id) >= 20)]);
  const launch = await launchFile(name, countLaunch('holdout: { segment: "bucket < 20", randomized: true }\n'));
  const r = await buildOutcomeReport(store, WS, launch, { at: day(120), now: BEFORE });

  test('the interval covers zero and the verdict is not "met"', () => {
    assert.equal(r.design, 'randomized_holdout');
    assert.ok(r.outcome!.low! <= 0 && 0 <= r.outcome!.high!);
    assert.notEqual(r.verdict, 'met');
    assert.ok(['not_met', 'inconclusive'].includes(r.verdict), r.verdict);
  });
}, IN_PROCESS);

describeEngines('outcome report: adopters self-select (the trap)', async (engine) => {
  // Healthy accounts churn less and adopt more; the feature changes nothing. A naive
  // adopters-vs-non-adopters comparison shows better retention; the report must not call it success.
  const random = mulberry32(21);
  const accounts: FixtureAccount[] = [];
  const events = [];
  for (let i = 0; i < 1200; i++) {
    const health = random();
    const a: FixtureAccount = { id: `acc_${i}`, signup: -420 + Math.floor((520 * i) / 1200) };
    let churn: number | null = null;
    for (let w = Math.ceil(a.signup / 7); 7 * w <= 150; w++) {
      events.push(event(a.id, Math.max(a.signup, 7 * w), 'closed', 'conversation', { count: 1 + poisson(random, 1 + 4 * health) }));
      if (random() < 0.002 + 0.05 * (1 - health) ** 2) {
        churn = Math.max(a.signup + 1, 7 * w + 3);
        break;
      }
    }
    a.churn = churn;
    accounts.push(a);
    const e = Math.max(0, a.signup);
    if ((churn ?? Infinity) > e + 3 && random() < health ** 2) events.push(event(a.id, e + 2, 'used', 'helper'), event(a.id, e + 9, 'used', 'helper'));
  }
  const store = await fixtureStore(engine, accounts, events);
  const launch = await launchFile(
    'helper',
    `problem: p
owner: o
size: small
launched_at: ${day(0)}
outcome:
  metric: { kind: retention, days: 60 }
  direction: increase
  target: { absolute: 0.03 }
events:
  activation: [{ action: used, object: helper }]
`,
  );
  const r = await buildOutcomeReport(store, WS, launch, { at: day(150), now: BEFORE });

  test('a naive comparison would claim success: adopters retain clearly better', () => {
    const ps = design(r, 'propensity_strata');
    assert.ok(ps.applicable, ps.why_not ?? '');
    const naive = ps.diagnostics.unadjusted as { estimate: number; low: number };
    assert.ok(naive.low > 0.03, `unadjusted ${naive.estimate} [${naive.low}, …] exceeds the target`);
    assert.equal(ps.grade, 'D');
    assert.match(ps.claims, /associations, not causes/);
  });

  test('the report does not: no "met"; an adopters comparison, if judged, is called an association', () => {
    assert.notEqual(r.verdict, 'met', r.reason);
    if (r.design === 'propensity_strata') {
      assert.equal(r.verdict, 'inconclusive');
      assert.match(r.reason, /association, not that the launch caused it/);
    }
    assert.equal(design(r, 'difference_in_differences').applicable, false, 'no comparison group for retention without a holdout');
  });
}, IN_PROCESS);

describeEngines('outcome report: parallel pre-trends fail', async (engine) => {
  // The audience (pro) was already growing faster than the rest (starter) before launch.
  const { accounts, events } = weeklyConversations({
    accounts: 900,
    seed: 5,
    end: 90,
    plan: (i) => (i % 2 ? 'pro' : 'starter'),
    rate: (a, w) => (a.plan === 'pro' ? Math.max(0.5, 4 + 0.2 * w) : 4),
  });
  const store = await fixtureStore(engine, accounts, [...events, ...useHelper(accounts, (a) => a.plan === 'pro')]);
  const launch = await launchFile('helper', countLaunch(`audience: "plan = 'pro'"\n`));
  const r = await buildOutcomeReport(store, WS, launch, { at: day(90), now: BEFORE });

  test('the pre-trend test rejects parallel trends, and the design is not the one judged', () => {
    const did = design(r, 'difference_in_differences');
    assert.equal(did.diagnostics.comparison, 'outside_audience');
    const pre = did.diagnostics.pre_trend as { p_value: number; passed: boolean };
    assert.equal(pre.passed, false, `pre-trend p = ${pre.p_value}`);
    assert.equal(did.eligible, false);
    assert.notEqual(r.design, 'difference_in_differences');
    assert.ok(did.caveats.some((c) => /drifting apart before launch/.test(c)));
  });
}, IN_PROCESS);

describeEngines('outcome report: a signups impact', async (engine) => {
  // One signup every 10 days for a year before launch and 90 days after: weeks without any.
  const accounts: FixtureAccount[] = Array.from({ length: 46 }, (_, i) => ({ id: `acc_${i}`, signup: -360 + 10 * i }));
  const store = await fixtureStore(engine, accounts, accounts.map((a) => event(a.id, a.signup, 'closed', 'conversation')));
  const launch = await launchFile(
    'helper',
    countLaunch('impact:\n  acquisition: { metric: { kind: signups }, direction: increase, target: { relative: 0.2 } }\n'),
  );
  const r = await buildOutcomeReport(store, WS, launch, { at: day(90), now: BEFORE });

  test('an interrupted time series of weekly signups, weeks without a signup weighing as much as the others', () => {
    const its = r.impact[0].designs[0];
    assert.equal(its.name, 'interrupted_time_series');
    assert.ok(its.applicable, its.why_not ?? '');
    const series = its.diagnostics.series as { n: number; weight: number }[];
    assert.ok(series.some((q) => q.n === 0) && series.some((q) => q.n === 1));
    assert.ok(series.every((q) => q.weight === 1));
    // No change planted: the interval covers zero.
    assert.ok(its.low! <= 0 && 0 <= its.high!, `[${its.low}, ${its.high}]`);
  });
});
