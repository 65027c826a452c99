import { percent, qValue, rounded, withRange } from '../model/figure-text.js';
import type { Interval } from '../stats/index.js';

/** Number formatting shared by the review's words and reports ("—" for nothing); the rules are core's, which the dashboard shares. */
export const fmt = {
  num: rounded,
  pct: percent,
  iv: (i: Interval) => withRange(i),
  q: qValue,
};
