import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chiSquareUpperTail, logFactorial, normalCritical, normalTwoSidedP } from '../../src/stats/index.js';
import { assertClose } from './helpers.js';

describe('chiSquareUpperTail', () => {
  test('matches the critical values printed in every chi-square table', () => {
    // Standard tables (e.g. Abramowitz & Stegun 26.8): P(X ≥ x) for the listed df.
    assertClose(chiSquareUpperTail(3.841459, 1), 0.05, 1e-7);
    assertClose(chiSquareUpperTail(6.634897, 1), 0.01, 1e-7);
    assertClose(chiSquareUpperTail(10.827566, 1), 0.001, 1e-8);
    assertClose(chiSquareUpperTail(5.991465, 2), 0.05, 1e-7);
    assertClose(chiSquareUpperTail(18.307038, 10), 0.05, 1e-7);
  });

  test('keeps tiny p-values instead of rounding them to 0', () => {
    // R: pchisq(100, 1, lower.tail = FALSE) = 1.523971e-23 (also scipy chi2.sf).
    const p = chiSquareUpperTail(100, 1);
    assertClose(p / 1.523971e-23, 1, 1e-6);
    // With df = 2 the tail is exactly exp(-x/2).
    assertClose(chiSquareUpperTail(200, 2) / Math.exp(-100), 1, 1e-12);
  });

  test('edges: 0 and below give 1, infinity gives 0, NaN stays NaN', () => {
    assert.equal(chiSquareUpperTail(0, 1), 1);
    assert.equal(chiSquareUpperTail(Infinity, 1), 0);
    assert.ok(Number.isNaN(chiSquareUpperTail(NaN, 1)));
    assert.throws(() => chiSquareUpperTail(1, 0), /^Error: invalid df: 0$/);
  });
});

describe('normal helpers', () => {
  test('two-sided critical values and p-values agree with the normal table', () => {
    assertClose(normalCritical(0.95), 1.959964, 1e-6);
    assertClose(normalCritical(0.99), 2.575829, 1e-6);
    assertClose(normalTwoSidedP(1.959964), 0.05, 1e-7);
    assertClose(normalTwoSidedP(-2.575829), 0.01, 1e-7);
  });
});

describe('logFactorial', () => {
  test('equals ln(n!) on both sides of the table/Stirling switch', () => {
    assert.equal(logFactorial(0), 0);
    assertClose(logFactorial(10), Math.log(3628800), 1e-12);
    // ln(1000!) = 5912.128178488163 (lgamma(1001) in R and scipy).
    assertClose(logFactorial(1000), 5912.128178488163, 1e-9);
    assertClose(logFactorial(256) - logFactorial(255), Math.log(256), 1e-10);
    assertClose(logFactorial(257) - logFactorial(256), Math.log(257), 1e-10);
  });

  test('rejects negative and fractional n', () => {
    assert.throws(() => logFactorial(-1), /^Error: invalid n: -1$/);
    assert.throws(() => logFactorial(2.5), /^Error: invalid n: 2.5$/);
  });
});
