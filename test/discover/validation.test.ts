import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CurvePoint } from '../../src/discover/evidence.js';
import { thinCurve, validateMilestones } from '../../src/discover/validation.js';
import { kaplanMeier, mulberry32, wilsonInterval } from '../../src/stats/index.js';

const close = (actual: number, expected: number, tol = 1e-9, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected}`);

/** A step curve drawn "step-after": survival of the last point at or before `day`. */
function survivalAt(curve: readonly CurvePoint[], day: number): number {
  let s = 1;
  for (const p of curve) {
    if (p.day > day) break;
    s = p.survival;
  }
  return s;
}

/**
 * 2000 accounts alive at the landmark; every other one reached the milestone. Churn is
 * exponential with hazard 1/200 per day without the milestone and half that with it; follow-up
 * is censored uniformly between 30 and 365 days. The label: still a customer 180 days on.
 */
function planted(seed: number) {
  const random = mulberry32(seed);
  const n = 2000;
  const reached = new Uint8Array(n);
  const followDays: number[] = [];
  const event: boolean[] = [];
  const retained: boolean[] = [];
  for (let i = 0; i < n; i++) {
    reached[i] = i % 2;
    const hazard = reached[i] ? 1 / 400 : 1 / 200;
    const churnDay = -Math.log(1 - random()) / hazard;
    const censorDay = 30 + random() * 335;
    followDays.push(Math.min(churnDay, censorDay));
    event.push(churnDay <= censorDay);
    retained.push(churnDay > 180);
  }
  return { followDays, event, retained, reached };
}

describe('validateMilestones', () => {
  const data = planted(42);
  const evidence = validateMilestones({
    landmarkDays: 90,
    eventLabel: 'churn',
    followDays: data.followDays,
    event: data.event,
    retained: data.retained,
    milestones: [{ name: 'activation', reached: data.reached }],
  });
  const [m] = evidence.milestones;

  it('half the hazard: a clear log-rank difference and a higher curve for the reached', () => {
    assert.equal(evidence.landmark_days, 90);
    assert.equal(evidence.event, 'churn');
    assert.equal(m.milestone, 'activation');
    assert.equal(m.reached, 1000);
    assert.equal(m.not_reached, 1000);
    assert.ok(m.log_rank.p_value < 0.01, `p ${m.log_rank.p_value}`);
    assert.ok(m.log_rank.chi_square > 6.63, `chi-square ${m.log_rank.chi_square}`);
    for (const day of [30, 90, 180, 270, 360]) {
      const [r, nr] = [survivalAt(m.curve_reached, day), survivalAt(m.curve_not_reached, day)];
      assert.ok(r > nr, `day ${day}: reached ${r}, not reached ${nr}`);
    }
    // Exponential survival at day 180: e^−0.45 = 0.638 with the milestone, e^−0.9 = 0.407 without.
    close(survivalAt(m.curve_reached, 180), Math.exp(-0.45), 0.05, 'S(180) reached');
    close(survivalAt(m.curve_not_reached, 180), Math.exp(-0.9), 0.05, 'S(180) not reached');
  });

  it('the retention label: Wilson rates and a risk ratio above 1', () => {
    const kept = (group: number) => data.retained.filter((r, i) => r && data.reached[i] === group).length;
    assert.deepEqual(m.retention_reached, wilsonInterval(kept(1), 1000));
    assert.deepEqual(m.retention_not_reached, wilsonInterval(kept(0), 1000));
    close(m.risk_ratio.estimate, kept(1) / kept(0), 1e-12, 'risk ratio');
    assert.ok(m.risk_ratio.low > 1, `risk ratio ${JSON.stringify(m.risk_ratio)}`);
  });

  it('curves: at most 60 points, from day 0 at survival 1, ending at the last Kaplan–Meier step', () => {
    for (const [curve, group] of [[m.curve_reached, 1], [m.curve_not_reached, 0]] as const) {
      assert.ok(curve.length <= 60 && curve.length > 10, `${curve.length} points`);
      assert.deepEqual(curve[0], { day: 0, survival: 1, low: 1, high: 1, at_risk: 1000 });
      const times = data.followDays.filter((_, i) => data.reached[i] === group);
      const full = kaplanMeier(times, data.event.filter((_, i) => data.reached[i] === group));
      const end = full[full.length - 1];
      assert.deepEqual(curve[curve.length - 1], { day: end.time, survival: end.survival, low: end.low, high: end.high, at_risk: end.atRisk });
      for (let i = 1; i < curve.length; i++) {
        assert.ok(curve[i].day > curve[i - 1].day && curve[i].survival <= curve[i - 1].survival);
      }
    }
  });

  it('chain: rates worked by hand on ten accounts', () => {
    //               account: 0  1  2  3  4  5  6  7  8  9
    const setup = Uint8Array.of(1, 1, 1, 1, 1, 1, 0, 0, 0, 0);
    const activation = Uint8Array.of(1, 1, 1, 1, 0, 0, 1, 0, 0, 0);
    const retained = [1, 1, 1, 0, 1, 0, 0, 0, 1, 0].map((r) => r === 1);
    const e = validateMilestones({
      landmarkDays: 60,
      eventLabel: 'churn or dormancy',
      followDays: [10, 20, 30, 5, 40, 7, 3, 2, 50, 1],
      event: retained.map((r) => !r),
      retained,
      milestones: [
        { name: 'setup', reached: setup },
        { name: 'activation', reached: activation },
      ],
    });
    assert.deepEqual(e.chain.map((l) => [l.from, l.to]), [['setup', 'activation'], ['activation', 'retained']]);
    const [first, second] = e.chain;
    // setup → activation: 4 of the 6 set up activated (0–3); 1 of the 4 others did (6).
    assert.deepEqual(first.rate_given_from, wilsonInterval(4, 6));
    assert.deepEqual(first.rate_given_not_from, wilsonInterval(1, 4));
    // RR = (4/6)/(1/4) = 8/3; Katz se = √(1/4 − 1/6 + 1/1 − 1/4) = 0.9128709;
    // limits (8/3)·e^∓(1.959964 × 0.9128709) = 0.445586, 15.959007.
    close(first.risk_ratio.estimate, 8 / 3, 1e-12, 'RR');
    close(first.risk_ratio.low, 0.445586, 1e-6, 'RR low');
    close(first.risk_ratio.high, 15.959007, 1e-6, 'RR high');
    // activation → retained: activated 0,1,2,3,6 → 3 retained of 5; the others 4,5,7,8,9 → 2 of 5.
    assert.deepEqual(second.rate_given_from, wilsonInterval(3, 5));
    assert.deepEqual(second.rate_given_not_from, wilsonInterval(2, 5));
    // RR = 1.5; se = √(1/3 − 1/5 + 1/2 − 1/5) = 0.6582806; limits 0.412821, 5.450304.
    close(second.risk_ratio.estimate, 1.5, 1e-12, 'RR');
    close(second.risk_ratio.low, 0.412821, 1e-6, 'RR low');
    close(second.risk_ratio.high, 5.450304, 1e-6, 'RR high');
    // Per milestone, the label: set up 4 of 6 retained, the others 1 of 4.
    const [s] = e.milestones;
    assert.equal(s.reached, 6);
    assert.equal(s.not_reached, 4);
    assert.deepEqual(s.retention_reached, wilsonInterval(4, 6));
    assert.deepEqual(s.retention_not_reached, wilsonInterval(1, 4));
    close(s.risk_ratio.estimate, 8 / 3, 1e-12);
    // Ten points or fewer are not thinned: day 0 plus one step per distinct time.
    assert.equal(s.curve_reached.length, 7);
    assert.equal(s.curve_not_reached.length, 5);
  });

  it('chain: a custom order, and a single milestone leads straight to retained', () => {
    const a = Uint8Array.of(1, 0, 1, 0);
    const b = Uint8Array.of(1, 1, 0, 0);
    const base = { landmarkDays: 30, eventLabel: 'churn', followDays: [1, 2, 3, 4], event: [false, true, false, true], retained: [true, false, true, false] };
    const e = validateMilestones({ ...base, milestones: [{ name: 'a', reached: a }, { name: 'b', reached: b }], chain: ['b', 'a'] });
    assert.deepEqual(e.chain.map((l) => `${l.from}→${l.to}`), ['b→a', 'a→retained']);
    assert.deepEqual(e.milestones.map((x) => x.milestone), ['a', 'b']);
    const single = validateMilestones({ ...base, milestones: [{ name: 'a', reached: a }] });
    assert.deepEqual(single.chain.map((l) => `${l.from}→${l.to}`), ['a→retained']);
    assert.deepEqual(validateMilestones({ ...base, milestones: [] }).chain, []);
  });

  it('empty groups: NaN rates and log-rank, empty curves, no throw', () => {
    const all = Uint8Array.of(1, 1, 1);
    const e = validateMilestones({
      landmarkDays: 30,
      eventLabel: 'churn',
      followDays: [5, 10, 15],
      event: [true, false, true],
      retained: [false, true, false],
      milestones: [{ name: 'setup', reached: all }],
    });
    const [s] = e.milestones;
    assert.equal(s.not_reached, 0);
    assert.deepEqual(s.curve_not_reached, []);
    assert.equal(s.curve_reached.length, 4);
    assert.ok(Number.isNaN(s.log_rank.chi_square) && Number.isNaN(s.log_rank.p_value));
    assert.ok(Number.isNaN(s.retention_not_reached.estimate));
    assert.ok(Number.isNaN(s.risk_ratio.estimate));
    const [link] = e.chain;
    assert.ok(Number.isNaN(link.rate_given_not_from.estimate));
    assert.ok(Number.isNaN(link.risk_ratio.estimate));
    close(link.rate_given_from.estimate, 1 / 3, 1e-12);

    const none = validateMilestones({ landmarkDays: 30, eventLabel: 'churn', followDays: [], event: [], retained: [], milestones: [{ name: 'setup', reached: new Uint8Array(0) }] });
    assert.equal(none.milestones[0].reached, 0);
    assert.deepEqual(none.milestones[0].curve_reached, []);
    assert.ok(Number.isNaN(none.milestones[0].log_rank.p_value));
  });

  it('invalid input names the value', () => {
    const base = { landmarkDays: 30, eventLabel: 'churn', followDays: [1, 2], event: [true, false], retained: [false, true], milestones: [] };
    assert.throws(() => validateMilestones({ ...base, followDays: [1, -2] }), /^Error: invalid followDays: -2 at account 1$/);
    assert.throws(() => validateMilestones({ ...base, event: [true] }), /^Error: invalid event length: 1 \(followDays 2\)$/);
    assert.throws(() => validateMilestones({ ...base, milestones: [{ name: 'retained', reached: Uint8Array.of(1, 0) }] }), /^Error: invalid milestone name: retained/);
    assert.throws(() => validateMilestones({ ...base, milestones: [{ name: 'a', reached: Uint8Array.of(1) }] }), /^Error: invalid reached length: 1 for a/);
    assert.throws(() => validateMilestones({ ...base, chain: ['nope'] }), /^Error: invalid chain: nope \(not a milestone\)$/);
  });
});

describe('thinCurve', () => {
  // A Kaplan–Meier curve of 1000 subjects with distinct times: 1001 points with day 0.
  const random = mulberry32(5);
  const times = Array.from({ length: 1000 }, () => 1 + random() * 364);
  const steps = kaplanMeier(times, times.map(() => random() < 0.7));
  const points: CurvePoint[] = [
    { day: 0, survival: 1, low: 1, high: 1, at_risk: 1000 },
    ...steps.map((s) => ({ day: s.time, survival: s.survival, low: s.low, high: s.high, at_risk: s.atRisk })),
  ];
  const thin = thinCurve(points);

  it('keeps at most 60 original points, the first and the last among them', () => {
    assert.ok(thin.length <= 60 && thin.length >= 50, `${thin.length} points`);
    assert.equal(thin[0], points[0]);
    assert.equal(thin[thin.length - 1], points[points.length - 1]);
    let from = 0;
    for (const p of thin) {
      const at = points.indexOf(p, from);
      assert.ok(at >= from, 'kept points are original points, in order');
      from = at + 1;
    }
    for (const max of [2, 3, 10, 59]) {
      const t = thinCurve(points, max);
      assert.ok(t.length <= max, `${t.length} > ${max}`);
      assert.equal(t[t.length - 1], points[points.length - 1]);
    }
  });

  it('keeps the step shape: never below the curve, and each drop delayed by at most one bucket of days', () => {
    const span = points[points.length - 1].day;
    const delay = (2 * span) / (60 - 2); // u gives days half its weight
    for (const p of points) {
      assert.ok(survivalAt(thin, p.day) >= p.survival, `above at day ${p.day}`);
      assert.ok(survivalAt(thin, p.day + delay) <= p.survival, `caught up by day ${p.day + delay}`);
    }
  });

  it('short curves come back unchanged', () => {
    const short = points.slice(0, 40);
    assert.deepEqual(thinCurve(short), short);
    assert.notEqual(thinCurve(short), short);
    assert.throws(() => thinCurve(points, 1), /^Error: invalid maxPoints: 1$/);
  });
});
