import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effect, interval, percent, pValue, qValue, rounded, targetText, withRange } from '../../src/model/figure-text.js';

describe('figure text', () => {
  it('writes effects in points of a share or as signed differences, intervals in brackets', () => {
    assert.equal(effect(0.031, 'proportion'), '+3.1 pts');
    assert.equal(effect(-0.0172, 'proportion'), '−1.7 pts');
    assert.equal(effect(-12.345, 'mean'), '−12.3');
    assert.equal(effect(null, 'mean'), '—');
    assert.equal(interval(-0.017, 0.047, 'proportion'), '[−1.7 pts, +4.7 pts]');
    assert.equal(interval(null, 0.047, 'proportion'), '');
  });

  it('writes a promised target, absolute or relative, in its direction', () => {
    assert.equal(targetText({ direction: 'increase', target: { absolute: 0.03 }, scale: 'proportion' }), '+3.0 pts');
    assert.equal(targetText({ direction: 'decrease', target: { relative: 0.1 }, scale: 'mean' }), '−10%');
  });

  it('writes the review figures: rounded, shares, an estimate with its range, q-values', () => {
    assert.equal(rounded(1.23456), '1.23');
    assert.equal(rounded(0.12345, 3), '0.123');
    assert.equal(percent(0.456), '46%');
    assert.equal(percent(0.0456), '4.6%');
    assert.equal(withRange({ estimate: 1.32, low: 1.1, high: 1.581 }), '1.32 [1.1–1.58]');
    assert.equal(withRange({ estimate: 0.5, low: 0.41, high: 0.59 }, percent), '50% [41%–59%]');
    // No estimate (a step every account did): a dash, not "— [0–—]".
    assert.equal(withRange({ estimate: NaN, low: 0, high: NaN }), '—');
    assert.equal(qValue(0.00042), '<0.001');
    assert.equal(qValue(0.01234), '0.012');
    assert.equal(pValue(0.01234), '0.012');
    assert.equal(qValue(null), '—');
  });
});
