import type { PerSeatMilestone } from '../../config/index.js';
import { ident, raw, sql } from '../../store/index.js';
import { addDays } from '../days.js';
import { describeMatcher } from '../matchers.js';
import type { Prepare } from '../types.js';

/**
 * Utilization per seat: matching events per calendar month (or trailing 30 days) divided by
 * the seats the account held, at least `per_month_per_seat_at_least`. The seats for a month are
 * those in effect on its first day (or on signup, in the signup month), from account history,
 * else the account's seats, else 1: a change of seats counts from the next month, as billing
 * does, and a reached date never moves when later history arrives. Zero seats never reach it.
 * Reached on the day the period's count first met threshold × seats.
 */
export const preparePerSeat: Prepare<PerSeatMilestone> = (name, config, matchers, key) => {
  const m = matchers.id(config.count);
  const rate = config.per_month_per_seat_at_least;
  const what = describeMatcher(config.count);
  const rolling = config.period === 'rolling_30d';
  return {
    name,
    config,
    query(d, tables) {
      const days = ident(`${key}_days`);
      const monthSeats = ident(`${key}_month_seats`);
      const usage = ident(`${key}_usage`);
      const seatsNow = ident(`${key}_seats_now`);
      const from = ident(`${key}_per_seat`);
      const month = raw(d.monthStart('x.day'));
      const periodCount = raw(d.rollingDaysSum('x.n', 'x.account_id', 'x.day', 30));
      const thisMonthOf = (asOf: string) => raw(d.monthStart(asOf));
      const lastMonthOf = (asOf: string) => raw(d.monthStart(d.addDays(d.monthStart(asOf), '-1')));
      const seatsNowCte = sql`${seatsNow} AS (
            SELECT a.account_id, coalesce(${raw(d.argMax('h.seats', 'h.valid_from'))}, max(a.seats), 1) AS seats_now
            FROM ${tables.accounts} a LEFT JOIN account_history h ON h.account_id = a.account_id
              AND CAST(h.valid_from AS DATE) <= CASE WHEN a.signup_day > ${thisMonthOf('a.as_of')} THEN a.signup_day ELSE ${thisMonthOf('a.as_of')} END
            GROUP BY a.account_id
          )`;
      const fromCte = sql`${from} AS (
            SELECT n.account_id, n.seats_now, u.reached_day, u.best_rate, u.this_month_count, u.this_month_seats, u.last_month_count, u.last_month_seats
            FROM ${seatsNow} n LEFT JOIN ${usage} u ON u.account_id = n.account_id
          )`;
      const columns = ['seats_now', 'reached_day', 'best_rate', 'this_month_count', 'this_month_seats', 'last_month_count', 'last_month_seats'];
      // History in effect on the first day of month `u.month` (or on signup, in the signup month).
      const historyOfMonth = sql`LEFT JOIN account_history h ON h.account_id = u.account_id
              AND CAST(h.valid_from AS DATE) <= CASE WHEN u.signup_day > u.month THEN u.signup_day ELSE u.month END`;
      if (!rolling) {
        // Calendar months. Counts are at least 1 a day, so a month's running count is largest
        // on its last use day (its total) and crosses threshold × seats only in a month whose
        // total does: months are summed without a window, and the running count is needed
        // only in each account's first such month, for the day it crossed.
        const first = ident(`${key}_first`);
        const reached = ident(`${key}_reached`);
        return {
          ctes: [
            sql`${days} AS (
              SELECT x.account_id, x.day, ${month} AS month, x.n
              FROM ${tables.daily} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
              WHERE x.m = ${m} AND x.day >= a.signup_day
            )`,
            sql`${monthSeats} AS (
              SELECT u.account_id, u.month, u.total, u.as_of, coalesce(${raw(d.argMax('h.seats', 'h.valid_from'))}, u.account_seats, 1) AS seats
              FROM (
                SELECT x.account_id, x.month, sum(x.n) AS total, a.signup_day, a.seats AS account_seats, a.as_of
                FROM ${days} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
                GROUP BY x.account_id, x.month, a.signup_day, a.seats, a.as_of
              ) u ${historyOfMonth}
              GROUP BY u.account_id, u.month, u.total, u.account_seats, u.as_of
            )`,
            sql`${first} AS (
              SELECT s.account_id, s.month, s.seats FROM ${monthSeats} s
              JOIN (SELECT account_id, min(month) AS month FROM ${monthSeats} WHERE seats > 0 AND total >= ${rate} * seats GROUP BY account_id) f
                ON f.account_id = s.account_id AND f.month = s.month
            )`,
            sql`${reached} AS (
              SELECT account_id, min(CASE WHEN period_count >= ${rate} * seats THEN day END) AS reached_day
              FROM (
                SELECT x.account_id, x.day, f.seats, sum(x.n) OVER (PARTITION BY x.account_id ORDER BY x.day ROWS UNBOUNDED PRECEDING) AS period_count
                FROM ${days} x JOIN ${first} f ON f.account_id = x.account_id AND f.month = x.month
              ) w GROUP BY account_id
            )`,
            sql`${usage} AS (
              SELECT s.account_id, min(r.reached_day) AS reached_day,
                max(CASE WHEN s.seats > 0 THEN CAST(s.total AS DOUBLE) / s.seats END) AS best_rate,
                max(CASE WHEN s.month = ${thisMonthOf('s.as_of')} THEN s.total END) AS this_month_count,
                max(CASE WHEN s.month = ${thisMonthOf('s.as_of')} THEN s.seats END) AS this_month_seats,
                max(CASE WHEN s.month = ${lastMonthOf('s.as_of')} THEN s.total END) AS last_month_count,
                max(CASE WHEN s.month = ${lastMonthOf('s.as_of')} THEN s.seats END) AS last_month_seats
              FROM ${monthSeats} s LEFT JOIN ${reached} r ON r.account_id = s.account_id
              GROUP BY s.account_id
            )`,
            seatsNowCte,
            fromCte,
          ],
          from,
          columns,
        };
      }
      return {
        ctes: [
          // Use days since signup with the trailing 30 days' count, and what the month's seats need.
          sql`${days} AS (
            SELECT x.account_id, x.day, ${month} AS month, ${periodCount} AS period_count, a.signup_day, a.seats AS account_seats, a.as_of
            FROM ${tables.daily} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
            WHERE x.m = ${m} AND x.day >= a.signup_day
          )`,
          sql`${monthSeats} AS (
            SELECT u.account_id, u.month, ${raw(d.argMax('h.seats', 'h.valid_from'))} AS history_seats
            FROM (SELECT DISTINCT account_id, month, signup_day FROM ${days}) u ${historyOfMonth}
            GROUP BY u.account_id, u.month
          )`,
          sql`${usage} AS (
            SELECT account_id,
              min(CASE WHEN seats > 0 AND period_count >= ${rate} * seats THEN day END) AS reached_day,
              max(CASE WHEN seats > 0 THEN CAST(period_count AS DOUBLE) / seats END) AS best_rate,
              max(CASE WHEN month = ${thisMonthOf('as_of')} THEN period_count END) AS this_month_count,
              max(CASE WHEN month = ${thisMonthOf('as_of')} THEN seats END) AS this_month_seats,
              max(CASE WHEN month = ${lastMonthOf('as_of')} THEN period_count END) AS last_month_count,
              max(CASE WHEN month = ${lastMonthOf('as_of')} THEN seats END) AS last_month_seats
            FROM (
              SELECT u.account_id, u.day, u.month, u.period_count, u.as_of, coalesce(s.history_seats, u.account_seats, 1) AS seats
              FROM ${days} u JOIN ${monthSeats} s ON s.account_id = u.account_id AND s.month = u.month
            ) rated GROUP BY account_id
          )`,
          seatsNowCte,
          fromCte,
        ],
        from,
        columns,
      };
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
    advise(_account, result) {
      const { seats, this_month_count } = result.detail as { seats: number; this_month_count: number };
      if (seats <= 0) return { action: 'Buy seats', reason: `${name}: the account holds no seats, so no use per seat can count` };
      const target = Math.ceil(rate * seats);
      const gap = Math.max(1, target - this_month_count);
      return {
        action: `${gap} more ${what} this month`,
        reason: `${name}: ${this_month_count} of ${target} needed this month (${rate} per seat × ${seats} seats)`,
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
