import type { PerSeatMilestone } from '../../config/index.js';
import { addDays } from '../days.js';
import { describeMatcher } from '../matchers.js';
import { milestoneLabel } from '../terms.js';
import type { Prepare } from '../types.js';
import { PER_SEAT_COLUMNS, PER_SEAT_SQL } from './per-seat-sql.js';

/**
 * Utilization per seat: matching events per calendar month (or trailing 30 days) divided by
 * the seats the account held, at least `per_month_per_seat_at_least`. The seats for a month are
 * those in effect on its first day (or on signup, in the signup month), from account history,
 * else the account's seats, else 1: a change of seats counts from the next month, as billing
 * does, and a reached date never moves when later history arrives. Zero seats never reach it.
 * Reached on the day the period's count first met threshold × seats.
 */
export const preparePerSeat: Prepare<PerSeatMilestone> = (name, config, matchers, key) => {
  // Reasons speak the framework's language: the milestone's label.
  const label = milestoneLabel(name, config);
  const m = matchers.id(config.count);
  const rate = config.per_month_per_seat_at_least;
  const what = describeMatcher(config.count);
  const rolling = config.period === 'rolling_30d';
  return {
    name,
    config,
    width: PER_SEAT_COLUMNS.length,
    query(d, tables) {
      return d.pick(PER_SEAT_SQL)({ key, m, rate, rolling }, d, tables);
    },
    evaluate(_account, cells, at, asOf) {
      const reachedAt = cells[at + 1] || null;
      const best = cells[at + 2] ? Number(cells[at + 2]) : 0;
      const seatsNow = cells[at] ? Number(cells[at]) : 1;
      // A month without use days has no seats of its own: it takes the seats now.
      const monthRate = (count: string, seats: string) => {
        const held = seats ? Number(seats) : seatsNow;
        return held > 0 ? (count ? Number(count) : 0) / held : null;
      };
      return {
        reached: reachedAt !== null,
        reached_at: reachedAt,
        progress: reachedAt !== null ? 1 : Math.min(1, best / rate),
        detail: {
          counts: what,
          per_month_per_seat_at_least: rate,
          period: config.period,
          seats: seatsNow,
          best_rate: round(best),
          last_month: previousMonth(asOf),
          last_month_rate: round(monthRate(cells[at + 5], cells[at + 6])),
          this_month_rate_so_far: round(monthRate(cells[at + 3], cells[at + 4])),
          this_month_count: cells[at + 3] ? Number(cells[at + 3]) : 0,
        },
      };
    },
    advance(cells, at, counts, account, asOf) {
      const added = counts.get(m) ?? 0;
      if (added === 0 || asOf < account.signup_day) return true;
      // The trailing 30 days' count on the as-of day is not among the values.
      if (rolling) return false;
      // A month's first use takes the month's seats: those of the seats now (the same rule).
      const count = (cells[at + 3] ? Number(cells[at + 3]) : 0) + added;
      if (!cells[at + 3]) cells[at + 4] = cells[at] || '1';
      const seats = Number(cells[at + 4]);
      cells[at + 3] = String(count);
      if (seats > 0) {
        // Earlier months did not cross (no reached day), so this one crosses on the as-of day.
        if (!cells[at + 1] && count >= rate * seats) cells[at + 1] = asOf;
        if (!cells[at + 2] || count / seats > Number(cells[at + 2])) cells[at + 2] = String(count / seats);
      }
      return true;
    },
    advise(_account, result) {
      const { seats, this_month_count } = result.detail as { seats: number; this_month_count: number };
      if (seats <= 0) return { action: 'Buy seats', reason: `${label}: the account holds no seats, so no use per seat can count` };
      const target = Math.ceil(rate * seats);
      const gap = Math.max(1, target - this_month_count);
      return {
        action: `${gap} more ${describeMatcher(config.count, gap)} this month`,
        reason: `${label}: ${this_month_count} of ${target} needed this month (${rate} per seat × ${seats} seats)`,
      };
    },
  };
};

const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 100) / 100);

// Asked once per account with the same as-of day: remember the last answer.
let previous = { asOf: '', month: '' };
const previousMonth = (asOf: string): string => {
  if (previous.asOf !== asOf) previous = { asOf, month: addDays(`${asOf.slice(0, 7)}-01`, -1).slice(0, 7) };
  return previous.month;
};
