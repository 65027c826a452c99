import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildOutcomeReport, launchesPage } from '../../src/outcomes/index.js';
import { day, event, FRAMEWORK, fixtureStore, launchFile, PLAN } from './launch-fixtures.js';
import { describeEngines } from '../engines.js';

const WS = { milestones: FRAMEWORK, trackingPlan: PLAN };
const at = (d: number) => Date.parse(`${day(d)}T10:00:00Z`);

describeEngines("the dashboard's Launches page, as the API serves it", async (engine) => {
  const store = await fixtureStore(
    engine,
    [
      { id: 'a', signup: -100 },
      { id: 'b', signup: -50 },
      { id: 'c', signup: 10 },
    ],
    [
      event('a', 1, 'viewed', 'tip', { place: 'inbox' }),
      event('a', 2, 'used', 'helper'),
      event('a', 9, 'used', 'helper'),
      event('b', 5, 'viewed', 'tip', { place: 'inbox' }),
      event('c', 12, 'used', 'helper'),
      event('b', 45, 'closed', 'conversation'),
    ],
  );
  const helper = await launchFile(
    'helper',
    `problem: Teams repeat the same answers
owner: ana
size: big
launched_at: ${day(0)}
checkpoints: [7, 14]
outcome:
  metric: { kind: retention, days: 7 }
  direction: increase
  target: { absolute: 0.05 }
events:
  awareness: [{ action: viewed, object: tip }]
  activation: [{ action: used, object: helper }]
`,
  );
  const planned = await launchFile('export', 'problem: Exports time out\nowner: bo\nsize: small\n');
  // Declared before launch; the 7-day report produced on day 8, the 14-day one never.
  const report = await buildOutcomeReport(store, WS, helper, { at: day(8), now: at(-10), record: true });
  const page = await launchesPage(store, WS, [helper, planned], { today: day(40), now: at(40) });
  const [h, p] = page.launches;

  test('checkpoints with the overdue one marked, and the totals', () => {
    assert.deepEqual(h.checkpoints.map((c) => [c.days, c.status, c.reports]), [
      [7, 'reported', [day(8)]],
      [14, 'overdue', []],
    ]);
    assert.equal(h.overdue, true);
    assert.deepEqual([page.today, page.due, page.overdue, page.failed_shares], [day(40), 0, 1, 0]);
    assert.ok(h.flags.some((f) => f.code === 'ship_and_move_on'));
  });

  test('the reports recorded, with their verdicts, and the latest', () => {
    assert.deepEqual(h.reports.map((r) => [r.at, r.checkpoint, r.verdict, r.design]), [[day(8), 7, report.verdict, report.design]]);
    assert.deepEqual(h.latest, { at: day(8), verdict: report.verdict, design: report.design });
    assert.equal(h.problem, 'Teams repeat the same answers');
  });

  test("the adoption funnel is the one a report on the page's day shows", async () => {
    const full = await buildOutcomeReport(store, WS, helper, { at: day(40), now: at(40) });
    assert.ok(h.funnel && h.funnel.weeks.length > 0);
    assert.deepEqual(h.funnel, full.funnel);
    assert.equal(h.funnel.weeks.at(-1)!.stages.activation.count, 2);
  });

  test('a planned launch: no checkpoints, no funnel, nothing overdue; the whole page is plain JSON', () => {
    assert.deepEqual([p.launch, p.launched_at, p.checkpoints, p.overdue, p.reports, p.latest, p.funnel], ['export', null, [], false, [], null, null]);
    assert.deepEqual(JSON.parse(JSON.stringify(page)), page);
  });

  test('a store with no events yet: nothing measured, the data through no day', async () => {
    const empty = await fixtureStore(engine, [{ id: 'a', signup: -10 }], []);
    const r = await buildOutcomeReport(empty, WS, helper, { at: day(40), now: at(-10) });
    assert.deepEqual([r.data_through, r.verdict, r.funnel?.weeks.at(-1)?.stages.activation.count], [null, 'inconclusive', 0]);
    assert.equal((await launchesPage(empty, WS, [helper], { today: day(40), now: at(-10) })).launches[0].funnel?.weeks.length, r.funnel?.weeks.length);
  });
});
