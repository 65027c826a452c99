import { Cron } from 'croner';
import { REVIEW_PERIODS, type ReviewConfig } from '../config/index.js';
import type { Day } from '../milestones/index.js';

const MONTHS: Record<(typeof REVIEW_PERIODS)[number], number> = { month: 1, quarter: 3, half_year: 6, year: 12 };

/**
 * When the next review is due after one run on `after`: the first day of the next period
 * (calendar months, quarters from January, halves, years), or the next time the cron
 * expression fires (UTC).
 */
export function nextReviewDue(every: ReviewConfig['every'], after: Day): Day {
  if (every in MONTHS) {
    const months = MONTHS[every as keyof typeof MONTHS];
    const month = Number(after.slice(5, 7)) - 1;
    const start = Math.floor(month / months) * months;
    return new Date(Date.UTC(Number(after.slice(0, 4)), start + months, 1)).toISOString().slice(0, 10);
  }
  const next = new Cron(every, { paused: true, timezone: 'UTC' }).nextRun(new Date(`${after}T23:59:59.999Z`));
  if (!next) throw new Error(`invalid review.every: ${every} (it never fires again)`);
  return next.toISOString().slice(0, 10);
}

/** The cron expression (UTC) a review period runs on: 06:00 on the first day of each period; a cron expression as it is. */
export function reviewCron(every: ReviewConfig['every']): string {
  const months = MONTHS[every as keyof typeof MONTHS];
  if (months === undefined) return every;
  const starts = Array.from({ length: 12 / months }, (_, i) => 1 + i * months);
  return `0 6 1 ${months === 1 ? '*' : starts.join(',')} *`;
}
