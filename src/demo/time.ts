/** UTC time helpers for the demo: a fast ISO formatter and the calendar-month grid. */

import { DAY_MS } from './planted-model.js';

/** "00".."99" and "000".."999": lookups are cheaper than padStart on hot paths. */
export const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
export const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

let cachedDay = Number.NaN;
let cachedPrefix = '';

/** `new Date(ms).toISOString()` for integer ms, without a Date per call (events of a day share the prefix). */
export function isoUtc(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let r = ms - day * DAY_MS;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const s = Math.floor(r / 1000);
  return cachedPrefix + TWO[h] + ':' + TWO[m] + ':' + TWO[s] + '.' + THREE[r - s * 1000] + 'Z';
}

/** Start of the calendar month containing ms, shifted by `add` months. */
export function monthStart(ms: number, add = 0): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1);
}

/**
 * Month starts from the month holding `from` to the first month starting after `to`, so
 * months[i]..months[i+1] is calendar month i.
 */
export function monthGrid(from: number, to: number): number[] {
  const months = [monthStart(from)];
  while (months[months.length - 1] <= to) months.push(monthStart(months[months.length - 1], 1));
  return months;
}

/** Index i with grid[i] <= ms < grid[i+1]. */
export function monthIndex(grid: readonly number[], ms: number): number {
  let lo = 0;
  let hi = grid.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (grid[mid] <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Time-of-day in ms drawn from a working-hours profile (UTC, customers across time zones),
 * as a lookup table so a draw is one random number.
 */
const HOUR_WEIGHTS = [2, 1.5, 1, 1, 1, 1.5, 3, 5, 8, 10, 10, 10, 9, 10, 10, 10, 9, 8, 6, 5, 4, 4, 3, 2.5];
const HOUR_TABLE: number[] = (() => {
  const total = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
  const table: number[] = [];
  HOUR_WEIGHTS.forEach((w, h) => {
    for (let i = 0; i < Math.round((w / total) * 1000); i++) table.push(h);
  });
  return table;
})();

/** A timestamp within [from, to): a uniform day, then a working-hours time of day. */
export function timeInWindow(u1: number, u2: number, from: number, to: number): number {
  const t = from + Math.floor(u1 * (to - from));
  if (to - from < DAY_MS) return t;
  const hourPos = u2 * HOUR_TABLE.length;
  const hour = HOUR_TABLE[Math.floor(hourPos)];
  const withinHour = Math.floor((hourPos % 1) * 3_600_000);
  const shaped = Math.floor(t / DAY_MS) * DAY_MS + hour * 3_600_000 + withinHour;
  return shaped >= from && shaped < to ? shaped : t;
}
