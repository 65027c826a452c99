import { checkCount } from './validate.js';

/**
 * Counts of a 2×2 table. Rows are the groups (exposed, unexposed), columns the outcome
 * (yes, no): the exposed risk is a / (a + b), the unexposed risk c / (c + d).
 */
export interface Table2x2 {
  /** Exposed with the outcome. */
  a: number;
  /** Exposed without the outcome. */
  b: number;
  /** Unexposed with the outcome. */
  c: number;
  /** Unexposed without the outcome. */
  d: number;
}

/** Throws unless all four cells are non-negative integers; `where` names the table. */
export function checkTable2x2(a: number, b: number, c: number, d: number, where = ''): void {
  checkCount(`${where}a`, a);
  checkCount(`${where}b`, b);
  checkCount(`${where}c`, c);
  checkCount(`${where}d`, d);
}
