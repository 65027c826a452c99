import assert from 'node:assert/strict';

/** Asserts |actual − expected| ≤ tolerance, naming both numbers when it fails. */
export function assertClose(actual: number, expected: number, tolerance: number, what = 'value'): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

/** Asserts an interval's low and high, each to within `tolerance`. */
export function assertInterval(
  actual: { low: number; high: number },
  low: number,
  high: number,
  tolerance: number,
): void {
  assertClose(actual.low, low, tolerance, 'low');
  assertClose(actual.high, high, tolerance, 'high');
}
