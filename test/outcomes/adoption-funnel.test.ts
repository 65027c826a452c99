import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildOutcomeReport } from '../../src/outcomes/index.js';
import { wilsonInterval } from '../../src/stats/index.js';
import { day, event, FRAMEWORK, fixtureStore, launchFile, PLAN } from './launch-fixtures.js';
import { describeEngines } from '../engines.js';

describeEngines('adoption funnel, worked by hand', async (engine) => {
  // Launch on day 0; the report on day 20 covers weeks 0 (days 0–6), 1 (7–13) and 2 (14–20).
  // a: aware d1, intent d2, activated d3, used again d9 (a second week: adopted d9) and d11
  //    (2 days of use in week 1's 7 days: engaged then, not in week 2);
  // b: aware d5 only; c: intent d8 without awareness (counts as aware: stages nest);
  // d: signs up d10 and uses it d12 (exposed from week 1, activated);
  // e: churned before launch (never exposed); f: outside the audience (starter).
  // Measurement stops at the last day with data, so f's event on day 20 makes the data reach it.
  const store = await fixtureStore(
    engine,
    [
      { id: 'a', signup: -100 },
      { id: 'b', signup: -50 },
      { id: 'c', signup: -30 },
      { id: 'd', signup: 10 },
      { id: 'e', signup: -200, churn: -5 },
      { id: 'f', signup: -100, plan: 'starter' },
    ],
    [
      event('a', 1, 'viewed', 'tip', { place: 'inbox' }),
      event('a', 2, 'opened', 'helper'),
      event('a', 3, 'used', 'helper'),
      event('a', 9, 'used', 'helper'),
      event('a', 11, 'used', 'helper'),
      event('b', 5, 'viewed', 'tip', { place: 'inbox' }),
      event('c', 8, 'opened', 'helper'),
      event('d', 12, 'used', 'helper'),
      event('f', 3, 'used', 'helper'),
      event('f', 10, 'used', 'helper'),
      event('f', 20, 'used', 'helper'), // data run to day 20
    ],
  );
  const launch = await launchFile(
    'helper',
    `problem: p
owner: o
size: small
launched_at: ${day(0)}
audience: "plan = 'pro'"
events:
  awareness: [{ action: viewed, object: tip }]
  intent: [{ action: opened, object: helper }]
  activation: [{ action: used, object: helper }]
funnel: { adoption_weeks: 2, engagement_days: 2, engagement_window_days: 7 }
`,
  );
  const r = await buildOutcomeReport(store, { milestones: FRAMEWORK, trackingPlan: PLAN }, launch, { at: day(20) });
  const f = r.funnel!;
  const counts = (w: number) => [f.weeks[w].exposed, ...f.stages.map((s) => f.weeks[w].stages[s].count)];

  test('three weeks, each with exposed accounts and counts per stage', () => {
    assert.deepEqual(f.weeks.map((w) => [w.week, w.start, w.end, w.partial]), [
      [0, day(0), day(6), false],
      [1, day(7), day(13), false],
      [2, day(14), day(20), false],
    ]);
    //                       exposed aware intent activ adopt engaged
    assert.deepEqual(counts(0), [3, 2, 1, 1, 0, 0]);
    assert.deepEqual(counts(1), [4, 4, 3, 2, 1, 1]);
    assert.deepEqual(counts(2), [4, 4, 3, 2, 1, 0]);
  });

  test('shares of the exposed accounts with Wilson 95% intervals', () => {
    const s = f.weeks[1].stages.intent;
    const w = wilsonInterval(3, 4);
    assert.deepEqual([s.share, s.low, s.high], [0.75, w.low, w.high]);
    assert.deepEqual(f.declared, { awareness: true, intent: true, activation: true, adoption: true, engagement: true });
    assert.deepEqual(f.definitions, { adoption_weeks: 2, engagement_days: 2, engagement_window_days: 7 });
  });

  test('a last week cut short by the report day is marked partial', async () => {
    const short = await buildOutcomeReport(store, { milestones: FRAMEWORK, trackingPlan: PLAN }, launch, { at: day(16) });
    const last = short.funnel!.weeks.at(-1)!;
    assert.deepEqual([last.week, last.end, last.partial], [2, day(16), true]);
  });
});
