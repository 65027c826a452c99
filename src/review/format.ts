import type { Interval } from '../stats/index.js';

/** Number formatting shared by the review's words and reports ("—" for nothing). */
export const fmt = {
  num: (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : String(Math.round(x * 10 ** digits) / 10 ** digits)),
  pct: (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(Math.abs(x) < 0.1 ? 1 : 0)}%`),
  iv: (i: Interval, digits = 2) => `${fmt.num(i.estimate, digits)} [${fmt.num(i.low, digits)}–${fmt.num(i.high, digits)}]`,
  q: (q: number) => (!Number.isFinite(q) ? '—' : q < 0.001 ? '<0.001' : String(Number(q.toPrecision(2)))),
};
