import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLaunch } from '../../src/config/index.js';
import { buildOutcomeReport, canonicalJson, declarationHash, declarationOf, launchesDue, launchLedger, readLedger, reportContract, syncDeclaration } from '../../src/outcomes/index.js';
import { bucketOf, day, event, FRAMEWORK, fixtureStore, launchFile, PLAN, weeklyConversations } from './launch-fixtures.js';
import { describeEngines, type TestEngine } from '../engines.js';

const WS = { milestones: FRAMEWORK, trackingPlan: PLAN };
const at = (d: number, hour = 10) => Date.parse(`${day(d)}T${String(hour).padStart(2, '0')}:00:00Z`);
const NAME = 'helper';
// Hundreds of accounts per store: on the engines in this process; test/parity/outcomes-parity.test.ts
// shows the servers build the same reports, ledgers and due lists.
const IN_PROCESS = { demo: true };

const file = (o: { target?: string; impact?: string; size?: string; events?: boolean; outcome?: boolean; comment?: string } = {}) => `${o.comment ?? ''}problem: p
owner: o
size: ${o.size ?? 'big'}
launched_at: ${day(0)}
${
  o.outcome === false
    ? ''
    : `outcome:
  metric: { kind: count, when: { action: closed, object: conversation }, within_days: 28 }
  direction: increase
  target: ${o.target ?? '{ relative: 0.1 }'}
`
}${o.impact ?? ''}${
  o.events === false
    ? ''
    : `events:
  awareness: [{ action: viewed, object: tip }]
  activation: [{ action: used, object: helper }]
`
}holdout: { segment: "bucket < 20", randomized: true }
`;

/** A fresh store each time: the ledger is per store. */
async function world(engine: TestEngine) {
  const treated = (id: string) => bucketOf(NAME, id) >= 20;
  const { accounts, events } = weeklyConversations({ accounts: 500, seed: 3, end: 130, rate: (a, w) => (w >= 0 && treated(a.id) ? 4.5 : 3.5) });
  for (const a of accounts) {
    const e = Math.max(0, a.signup);
    if (treated(a.id)) events.push(event(a.id, e + 1, 'viewed', 'tip', { place: 'inbox' }), event(a.id, e + 2, 'used', 'helper'), event(a.id, e + 9, 'used', 'helper'));
  }
  return fixtureStore(engine, accounts, events);
}

describeEngines('pre-registration', async (engine) => {
  test('the declaration is recorded with its hash once, and again only when it changes', async () => {
    const store = await world(engine);
    const v1 = await launchFile(NAME, file());
    await syncDeclaration(store, v1, at(-40));
    await syncDeclaration(store, v1, at(-39));
    // A comment or the problem statement is not part of the promise.
    await syncDeclaration(store, await launchFile(NAME, file({ comment: '# reworded\n' })), at(-38));
    let ledger = await readLedger(store, NAME);
    assert.deepEqual(ledger.map((r) => [r.kind, r.recorded_at]), [['declaration', at(-40)]]);
    assert.equal(ledger[0].hash, declarationHash(declarationOf(v1.config)));
    await syncDeclaration(store, await launchFile(NAME, file({ target: '{ relative: 0.2 }' })), at(-20));
    ledger = await readLedger(store, NAME);
    assert.equal(ledger.length, 2);
    assert.notEqual(ledger[1].hash, ledger[0].hash);
    // The hash is over canonical JSON: key order does not matter.
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } }), '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
    assert.equal(declarationHash(declarationOf(parseLaunch(file(), 'x.yaml'))), ledger[0].hash);
  });

  test('an edit after launch is an amendment: the verdict keeps the pre-registered target, new metrics are exploratory', async () => {
    const store = await world(engine);
    await syncDeclaration(store, await launchFile(NAME, file()), at(-30));
    // After launch the team lowers the target and adds a metric it can point to.
    const amended = await launchFile(
      NAME,
      file({ target: '{ relative: 0.02 }', impact: 'impact:\n  retention:\n    metric: { kind: retention, days: 28 }\n    direction: increase\n    target: { absolute: 0.01 }\n' }),
    );
    await syncDeclaration(store, amended, at(40));
    const r = await buildOutcomeReport(store, WS, amended, { at: day(120), now: at(121) });
    assert.equal(r.preregistration.pre_registered, true);
    assert.deepEqual(r.preregistration.amendments, [{ recorded_at: new Date(at(40)).toISOString(), changed: ['impact', 'outcome'], after_launch: true }]);
    assert.deepEqual(r.outcome!.target, { relative: 0.1 }, 'judged against the target declared before launch');
    assert.equal(r.outcome!.exploratory, false);
    assert.deepEqual(r.impact, []);
    assert.deepEqual(r.exploratory.map((m) => [m.role, m.exploratory, m.first_declared, m.target]), [
      ['outcome', true, day(40), { relative: 0.02 }],
      ['retention', true, day(40), { absolute: 0.01 }],
    ]);
    assert.ok(r.flags.includes('taking_credit'));
    assert.match(r.flag_details.find((f) => f.code === 'taking_credit')!.message, /retention \(still a customer 28 days after exposure\), first declared/);
    // Exploratory metrics are measured and shown, never counted.
    assert.ok(r.exploratory[1].estimate !== null);
  });

  test('edits before launch are amendments too, and the last one before launch is the promise', async () => {
    const store = await world(engine);
    await syncDeclaration(store, await launchFile(NAME, file()), at(-30));
    const final = await launchFile(NAME, file({ target: '{ relative: 0.15 }' }));
    await syncDeclaration(store, final, at(-10));
    const r = await buildOutcomeReport(store, WS, final, { at: day(120), now: at(121) });
    assert.deepEqual(r.preregistration.amendments.map((a) => [a.changed, a.after_launch]), [[['outcome'], false]]);
    assert.deepEqual(r.outcome!.target, { relative: 0.15 });
    assert.deepEqual(r.exploratory, []);
    assert.ok(!r.flags.includes('taking_credit'));
  });

  test('first declared after launch: flagged, and the result is exploratory, not a verdict', async () => {
    const store = await world(engine);
    const r = await buildOutcomeReport(store, WS, await launchFile(NAME, file()), { at: day(120), now: at(60) });
    assert.equal(r.preregistration.pre_registered, false);
    assert.ok(r.flags.includes('no_outcome_before_launch'));
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.reason, new RegExp(`first declared on ${day(60)}, after launch: the result is exploratory, not a verdict`));
    assert.equal(r.outcome!.exploratory, true);
    assert.ok(r.outcome!.estimate! > 0, 'still measured');
  });
}, IN_PROCESS);

describeEngines('anti-patterns', async (engine) => {
  test('no metric, and no instrumentation', async () => {
    const store = await world(engine);
    const r = await buildOutcomeReport(store, WS, await launchFile(NAME, file({ outcome: false, events: false, size: 'small' })), { at: day(120), now: at(-30) });
    assert.deepEqual(r.flags, ['no_metric', 'no_outcome_before_launch', 'no_instrumentation']);
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.reason, /No outcome was declared/);
    // The --json contract keeps its shape: every key, null where nothing was declared.
    const nothing = { n: 0, value: null };
    assert.deepEqual(reportContract(r), {
      launch: NAME,
      at: day(120),
      verdict: 'inconclusive',
      design: null,
      outcome: { metric: null, expected: null, estimate: null, low: null, high: null, p_value: null, treated: nothing, control: nothing },
      flags: ['no_metric', 'no_outcome_before_launch', 'no_instrumentation'],
    });
  });

  test('rushing: a report before the first checkpoint is too early', async () => {
    const store = await world(engine);
    const r = await buildOutcomeReport(store, WS, await launchFile(NAME, file()), { at: day(20), now: at(-30) });
    assert.equal(r.verdict, 'too_early');
    assert.ok(r.flags.includes('rushing'));
    assert.match(r.flag_details.find((f) => f.code === 'rushing')!.message, new RegExp(`before the first checkpoint \\(30 days, ${day(30)}\\)`));
  });

  test('ship and move on: a checkpoint passed with no report is flagged by reports and by due', async () => {
    const store = await world(engine);
    const launch = await launchFile(NAME, file());
    await syncDeclaration(store, launch, at(-30));
    // Big launch: 30, 90, 180, 365 days. On day 120, the 30-day report was never produced.
    const r = await buildOutcomeReport(store, WS, launch, { at: day(120), now: at(121) });
    assert.ok(r.flags.includes('ship_and_move_on'));
    assert.match(r.flag_details.find((f) => f.code === 'ship_and_move_on')!.message, new RegExp(`30-day \\(${day(30)}\\)`));
    assert.deepEqual(r.checkpoints.map((c) => [c.days, c.status]), [[30, 'overdue'], [90, 'reported'], [180, 'upcoming'], [365, 'upcoming']]);
    let due = await launchesDue(store, WS, [launch], { today: day(120), now: at(121) });
    assert.deepEqual(due.launches[0].checkpoints.map((c) => c.status), ['overdue', 'overdue', 'upcoming', 'upcoming']);
    assert.equal(due.overdue, 2);
    assert.ok(due.launches[0].flags.some((f) => f.code === 'ship_and_move_on'));

    // Producing (recording) the 30- and 90-day reports clears it; a checkpoint inside its grace is due.
    await buildOutcomeReport(store, WS, launch, { at: day(31), now: at(121), record: true });
    await buildOutcomeReport(store, WS, launch, { at: day(95), now: at(121), record: true });
    due = await launchesDue(store, WS, [launch], { today: day(185), now: at(185) });
    assert.deepEqual(due.launches[0].checkpoints.map((c) => [c.status, c.reports]), [
      ['reported', [day(31)]],
      ['reported', [day(95)]],
      ['due', []],
      ['upcoming', []],
    ]);
    assert.deepEqual([due.due, due.overdue], [1, 0]);
    assert.ok(!due.launches[0].flags.some((f) => f.code === 'ship_and_move_on'));
    // The ledger as the API would serve it: one declaration, the two reports recorded.
    const ledger = await launchLedger(store, NAME);
    assert.deepEqual(ledger.declarations.map((d) => d.recorded_at), [new Date(at(-30)).toISOString()]);
    assert.deepEqual(ledger.reports.map((r) => [r.at, r.checkpoint, r.counted]), [[day(31), 30, ['outcome']], [day(95), 90, ['outcome']]]);
    assert.deepEqual(ledger.shares, []);
  });
}, IN_PROCESS);
