import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkInstrumentation } from '../../src/outcomes/index.js';
import { NO_WRITE } from '../../src/store/index.js';
import { day, event, fixtureStore, launchFile, PLAN } from './launch-fixtures.js';
import { describeEngines } from '../engines.js';

const head = (launched: boolean) => `problem: p\nowner: o\nsize: small\n${launched ? `launched_at: ${day(0)}\n` : ''}`;
const EVENTS = `events:
  awareness: [{ action: viewed, object: tip, place: inbox }]
  activation: [{ action: used, object: helper, metadata: { mode: quick } }]
`;
const codes = (g: { problems: { code: string; stage: string }[] }) => g.problems.map((p) => `${p.stage}:${p.code}`);

describeEngines('instrumentation gate (cairn launch check)', async (engine) => {
  const empty = await fixtureStore(engine, [{ id: 'a', signup: -10 }], []);

  test('before launch: passes when every event is planned as written', async () => {
    const g = await checkInstrumentation(empty, await launchFile('helper', head(false) + EVENTS), PLAN, day(-3));
    assert.equal(g.launched, false);
    assert.equal(g.passed, true, JSON.stringify(g.problems));
    assert.deepEqual(g.events.map((e) => [e.stage, e.event, e.planned, e.arrived]), [
      ['awareness', 'viewed tip (in inbox)', true, null],
      ['activation', 'used helper (mode = quick)', true, null],
    ]);
  });

  test('before launch: fails on events, places and metadata the plan does not have, and on no events at all', async () => {
    const bad = await launchFile(
      'helper',
      head(false) +
        `outcome:
  metric: { kind: count, when: { action: exported, object: report }, within_days: 30 }
  direction: increase
  target: { relative: 0.1 }
events:
  awareness: [{ action: viewed, object: tip, place: settings }]
  intent: [{ action: clicked, object: banner }]
  activation: [{ action: used, object: helper, metadata: { mode: turbo } }, { action: used, object: helper, metadata: { speed: 2 } }]
`,
    );
    const g = await checkInstrumentation(empty, bad, PLAN, day(-3));
    assert.equal(g.passed, false);
    assert.deepEqual(codes(g), ['awareness:place_not_planned', 'intent:not_in_plan', 'activation:metadata_not_planned', 'activation:metadata_not_planned', 'outcome:not_in_plan']);
    assert.match(g.problems[1].message, /^intent: \(clicked, banner\) is not in tracking-plan\.yaml: add it before launch$/);
    assert.match(g.problems[2].message, /metadata\.mode = "turbo" is not one of the planned values \("quick", "full"\)/);
    const none = await checkInstrumentation(empty, await launchFile('helper', head(false)), PLAN, day(-3));
    assert.deepEqual(codes(none), ['events:no_events']);
  });

  test('after launch: fails until every event has arrived', async () => {
    const launch = await launchFile('helper', head(true) + EVENTS);
    const g = await checkInstrumentation(empty, launch, PLAN, day(5));
    assert.deepEqual(codes(g), ['awareness:not_arrived', 'activation:not_arrived']);
    assert.match(g.problems[0].message, new RegExp(`viewed tip \\(in inbox\\) has not arrived since launch \\(${day(0)}\\)`));

    const arrived = await fixtureStore(engine, [{ id: 'a', signup: -10 }], [
      event('a', -2, 'used', 'helper'), // before launch: does not count
      event('a', 1, 'viewed', 'tip', { place: 'inbox' }),
    ]);
    assert.deepEqual(codes(await checkInstrumentation(arrived, launch, PLAN, day(5))), ['activation:not_arrived']);
    await arrived.insertEvents([event('a', 2, 'used', 'helper', { metadata: { mode: 'quick' } })], 'test');
    const ok = await checkInstrumentation(arrived, launch, PLAN, day(5));
    assert.equal(ok.passed, true, JSON.stringify(ok.problems));
    assert.deepEqual(ok.events.map((e) => [e.arrived, e.first_seen]), [[1, day(1)], [1, day(2)]]);
  });

  test('after launch: fails when events arrive with plan violations or are quarantined', async () => {
    const launch = await launchFile('helper', head(true) + EVENTS);
    const store = await fixtureStore(engine, [{ id: 'a', signup: -10 }], [event('a', 1, 'viewed', 'tip', { place: 'inbox' }), event('a', 2, 'used', 'helper')]);
    const when = Date.parse(`${day(3)}T12:00:00Z`);
    await store.applyCollected({
      ...NO_WRITE,
      violations: [{ source: 'web', action: 'viewed', object: 'tip', reason: 'unplanned_metadata', field: 'metadata.x', timestamp: when, example: '{}' }],
    });
    await store.addToQuarantine([
      { kind: 'event', source: 'web', file: null, line: null, reason: 'metadata_enum', field: 'metadata.mode', message: 'metadata.mode must be one of "quick", "full", got "turbo"', payload: '{}', receivedAt: when },
      { kind: 'event', source: 'web', file: null, line: null, reason: 'unplanned_place', field: 'place', message: 'place "x" is not planned for (used, helper); expected one of inbox', payload: '{}', receivedAt: when },
      { kind: 'event', source: 'web', file: null, line: null, reason: 'unplanned_place', field: 'place', message: 'place "x" is not planned for (used, helper); expected one of inbox', payload: '{}', receivedAt: Date.parse(`${day(-1)}T12:00:00Z`) },
    ]);
    const g = await checkInstrumentation(store, launch, PLAN, day(5));
    assert.deepEqual(codes(g), ['awareness:violations', 'activation:quarantined']);
    assert.match(g.problems[0].message, /arrived with 1 plan violations since launch \(unplanned_metadata 1\)/);
    // Only the message naming (used, helper), and only since launch.
    assert.match(g.problems[1].message, /^activation: 1 \(used, helper\) events quarantined since launch \(unplanned_place 1\)/);
  });
});
