import type { Day } from './types.js';

const DAY_MS = 86_400_000;

export const toDay = (ms: number): Day => new Date(ms).toISOString().slice(0, 10);

// Tens of thousands of accounts share a few hundred days: parse each day once.
const parsed = new Map<Day, number>();
export function dayMs(day: Day): number {
  let ms = parsed.get(day);
  if (ms === undefined) {
    ms = Date.parse(`${day}T00:00:00Z`);
    if (parsed.size > 100_000) parsed.clear();
    parsed.set(day, ms);
  }
  return ms;
}

export const addDays = (day: Day, n: number): Day => toDay(dayMs(day) + n * DAY_MS);
export const daysBetween = (from: Day, to: Day): number => Math.round((dayMs(to) - dayMs(from)) / DAY_MS);

/** Checks a user-given date and returns it as a day. */
export function parseDay(text: string): Day | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || toDay(ms) !== text ? null : text;
}

/** Rows come back from the store as text or numbers; dates as 'YYYY-MM-DD'. */
export const asDay = (v: unknown): Day | null => (v === null || v === undefined ? null : String(v).slice(0, 10));
