import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kaplanMeier, logRankTest } from '../../src/stats/index.js';
import { assertClose, assertInterval } from './helpers.js';

// Freireich et al. (1963), Blood 21:699: weeks in remission for 21 leukemia patients per arm
// (the Gehan data); false marks a censored time.
const sixMp = {
  times: [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35],
  events: [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0].map((e) => e === 1),
};
const placebo = {
  times: [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23],
  events: new Array<boolean>(21).fill(true),
};

describe('kaplanMeier', () => {
  const curve = kaplanMeier(sixMp.times, sixMp.events);
  const at = (time: number) => {
    const step = curve.find((s) => s.time === time);
    assert.ok(step, `no step at ${time}`);
    return step;
  };

  test('6-MP arm: the textbook survival estimates', () => {
    // Kleinbaum & Klein, "Survival Analysis", ch. 2; R survfit(Surv(time, status) ~ 1).
    const expected: Array<[number, number]> = [[6, 0.857], [7, 0.807], [10, 0.753], [13, 0.69], [16, 0.627], [22, 0.538], [23, 0.448]];
    for (const [time, survival] of expected) assertClose(at(time).survival, survival, 5e-4, `S(${time})`);
    assertClose(at(6).survival, 18 / 21, 1e-15);
  });

  test("Greenwood standard errors match R's survfit std.err column", () => {
    const expected: Array<[number, number]> = [[6, 0.0764], [7, 0.0869], [10, 0.0963], [13, 0.1068], [16, 0.1141], [22, 0.1282], [23, 0.1346]];
    for (const [time, se] of expected) assertClose(at(time).standardError, se, 5e-5, `se(${time})`);
  });

  test('log-log interval at t = 6, by hand', () => {
    // Greenwood sum 3/(21·18) = 0.0079365; ln S = −0.154151; se of ln(−ln S) = √0.0079365/0.154151
    // = 0.577917; limits S^exp(±1.959964·0.577917) = 0.857^3.10418, 0.857^0.32215 = 0.61972, 0.95155.
    assertInterval(at(6), 0.61972, 0.95155, 5e-5);
  });

  test('numbers at risk, events and censoring per distinct time', () => {
    assert.deepEqual(
      curve.slice(0, 4).map(({ time, atRisk, events, censored }) => [time, atRisk, events, censored]),
      [[6, 21, 3, 1], [7, 17, 1, 0], [9, 16, 0, 1], [10, 15, 1, 1]],
    );
    // Censoring-only times keep the curve flat, and it never rises.
    assert.equal(at(9).survival, at(7).survival);
    for (let i = 1; i < curve.length; i++) assert.ok(curve[i].survival <= curve[i - 1].survival);
    for (const step of curve) assert.ok(step.low <= step.survival && step.survival <= step.high);
  });

  test('input order does not matter', () => {
    const order = sixMp.times.map((_, i) => i).reverse();
    const shuffled = kaplanMeier(order.map((i) => sixMp.times[i]), order.map((i) => sixMp.events[i]));
    assert.deepEqual(shuffled, curve);
  });

  test('edges: no subjects, no events, and everyone failing', () => {
    assert.deepEqual(kaplanMeier([], []), []);
    const censoredOnly = kaplanMeier([3, 5], [false, false]);
    assert.deepEqual(censoredOnly.map((s) => [s.survival, s.low, s.high]), [[1, 1, 1], [1, 1, 1]]);
    const allFail = kaplanMeier([1, 2], [true, true]);
    assert.equal(allFail[0].survival, 0.5);
    assert.equal(allFail[1].survival, 0);
    assert.ok(Number.isNaN(allFail[1].low) && Number.isNaN(allFail[1].high));
  });

  test('invalid input names the value', () => {
    assert.throws(() => kaplanMeier([1, 2], [true]), /^Error: invalid events: length 1 \(times 2\)$/);
    assert.throws(() => kaplanMeier([1, -2], [true, true]), /^Error: invalid times\[1\]: -2$/);
    assert.throws(() => kaplanMeier([1, NaN], [true, true]), /^Error: invalid times\[1\]: NaN$/);
    assert.throws(() => kaplanMeier([1], [1 as unknown as boolean]), /^Error: invalid events\[0\]: 1$/);
    assert.throws(() => kaplanMeier([1], [true], { confidence: 1.2 }), /^Error: invalid confidence: 1.2$/);
  });
});

describe('logRankTest', () => {
  test('6-MP vs placebo: chi-square 16.79, p ≈ 4e-5', () => {
    // Kleinbaum & Klein ch. 2: O = 9 vs E = 19.25 (6-MP), O = 21 vs E = 10.75 (placebo),
    // log-rank = 16.79; R survdiff prints Chisq = 16.8 on 1 df, p = 4e-05.
    const result = logRankTest(sixMp, placebo);
    assertClose(result.chiSquare, 16.79, 5e-3);
    assert.ok(result.pValue > 3.5e-5 && result.pValue < 4.5e-5, `p ${result.pValue}`);
    assert.equal(result.observedA, 9);
    assert.equal(result.observedB, 21);
    assertClose(result.expectedA, 19.25, 5e-3);
    assertClose(result.expectedB, 10.75, 5e-3);
  });

  test('symmetric in the groups; identical groups give 0', () => {
    assertClose(logRankTest(placebo, sixMp).chiSquare, logRankTest(sixMp, placebo).chiSquare, 1e-12);
    const same = logRankTest(sixMp, sixMp);
    assertClose(same.chiSquare, 0, 1e-12);
    assertClose(same.pValue, 1, 1e-12);
  });

  test('no events at all: no test (NaN)', () => {
    const result = logRankTest({ times: [1, 2], events: [false, false] }, { times: [3], events: [false] });
    assert.ok(Number.isNaN(result.chiSquare) && Number.isNaN(result.pValue));
  });

  test('invalid input names the group and value', () => {
    assert.throws(() => logRankTest(sixMp, { times: [1], events: [] }), /^Error: invalid groupB\.events: length 0 \(times 1\)$/);
    assert.throws(() => logRankTest({ times: [-1], events: [true] }, placebo), /^Error: invalid groupA\.times\[0\]: -1$/);
  });
});
