import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { wilsonInterval } from '../../src/stats/index.js';
import { assertClose, assertInterval } from './helpers.js';

describe('wilsonInterval', () => {
  test('reproduces the score-method examples of Newcombe (1998), Stat Med 17:857–872', () => {
    assertInterval(wilsonInterval(81, 263), 0.2553, 0.3662, 5e-5);
    assertInterval(wilsonInterval(15, 148), 0.0624, 0.1605, 5e-5);
    assertInterval(wilsonInterval(0, 20), 0, 0.1611, 5e-5);
    assertInterval(wilsonInterval(1, 29), 0.0061, 0.1718, 5e-5);
  });

  test('the estimate is the observed proportion', () => {
    assertClose(wilsonInterval(81, 263).estimate, 81 / 263, 1e-15);
  });

  test('0 successes pins low at exactly 0; all successes pin high at exactly 1', () => {
    assert.equal(wilsonInterval(0, 7).low, 0);
    assert.equal(wilsonInterval(7, 7).high, 1);
    // Symmetry: n − x successes mirror x successes.
    const low = wilsonInterval(3, 10);
    const high = wilsonInterval(7, 10);
    assertClose(low.low, 1 - high.high, 1e-12);
    assertClose(low.high, 1 - high.low, 1e-12);
  });

  test('a higher confidence gives a wider interval', () => {
    const narrow = wilsonInterval(40, 100, 0.9);
    const wide = wilsonInterval(40, 100, 0.99);
    assert.ok(wide.low < narrow.low && wide.high > narrow.high);
  });

  test('no trials: estimate NaN, interval [0, 1]', () => {
    const empty = wilsonInterval(0, 0);
    assert.ok(Number.isNaN(empty.estimate));
    assert.equal(empty.low, 0);
    assert.equal(empty.high, 1);
  });

  test('invalid input names the value', () => {
    assert.throws(() => wilsonInterval(5, 3), /^Error: invalid successes: 5 \(trials 3\)$/);
    assert.throws(() => wilsonInterval(-1, 3), /^Error: invalid successes: -1 \(trials 3\)$/);
    assert.throws(() => wilsonInterval(1.5, 3), /^Error: invalid successes: 1.5 \(trials 3\)$/);
    assert.throws(() => wilsonInterval(1, NaN), /^Error: invalid trials: NaN$/);
    assert.throws(() => wilsonInterval(1, 3, 1.2), /^Error: invalid confidence: 1.2$/);
    assert.throws(() => wilsonInterval(1, 3, 0), /^Error: invalid confidence: 0$/);
  });
});
