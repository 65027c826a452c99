import type { PerSeatMilestone } from '../../config/index.js';
import { raw, sql } from '../../store/index.js';
import { addDays, asDay, asNumber, byAccount } from '../days.js';
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
export const preparePerSeat: Prepare<PerSeatMilestone> = (name, config, matchers) => {
  const m = matchers.id(config.count);
  const rate = config.per_month_per_seat_at_least;
  const what = describeMatcher(config.count);
  const rolling = config.period === 'rolling_30d';
  return {
    name,
    config,
    async load({ store, tables }) {
      const d = store.dialect;
      const month = raw(d.monthStart('x.day'));
      const periodCount = rolling
        ? raw(d.rollingDaysSum('x.n', 'x.account_id', 'x.day', 30))
        : sql`sum(x.n) OVER (PARTITION BY x.account_id, ${month} ORDER BY x.day ROWS UNBOUNDED PRECEDING)`;
      const thisMonthOf = (asOf: string) => raw(d.monthStart(asOf));
      const thisMonth = thisMonthOf('as_of');
      const lastMonth = raw(d.monthStart(d.addDays(d.monthStart('as_of'), '-1')));
      const seatsNow = byAccount(
        await store.query(sql`SELECT a.account_id, coalesce(${raw(d.argMax('h.seats', 'h.valid_from'))}, max(a.seats), 1) AS seats_now
          FROM ${tables.accounts} a LEFT JOIN account_history h ON h.account_id = a.account_id
            AND CAST(h.valid_from AS DATE) <= CASE WHEN a.signup_day > ${thisMonthOf('a.as_of')} THEN a.signup_day ELSE ${thisMonthOf('a.as_of')} END
          GROUP BY a.account_id`),
      );
      const usage = byAccount(
        await store.query(sql`WITH days AS (
            SELECT x.account_id, x.day, ${month} AS month, ${periodCount} AS period_count
            FROM ${tables.daily} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
            WHERE x.m = ${m} AND x.day >= a.signup_day
          ),
          month_seats AS (
            SELECT m.account_id, m.month,
              ${raw(d.argMax('h.seats', 'h.valid_from'))} AS history_seats
            FROM (SELECT DISTINCT account_id, ${raw(d.monthStart('day'))} AS month FROM ${tables.daily} WHERE m = ${m}) m
            JOIN ${tables.accounts} a ON a.account_id = m.account_id
            LEFT JOIN account_history h ON h.account_id = m.account_id
              AND CAST(h.valid_from AS DATE) <= CASE WHEN a.signup_day > m.month THEN a.signup_day ELSE m.month END
            GROUP BY m.account_id, m.month
          ),
          rated AS (
            SELECT days.*, coalesce(s.history_seats, a.seats, 1) AS seats, a.as_of
            FROM days JOIN month_seats s ON s.account_id = days.account_id AND s.month = days.month
            JOIN ${tables.accounts} a ON a.account_id = days.account_id
          )
          SELECT account_id,
            min(CASE WHEN seats > 0 AND period_count >= ${rate} * seats THEN day END) AS reached_day,
            max(CASE WHEN seats > 0 THEN CAST(period_count AS DOUBLE) / seats END) AS best_rate,
            max(CASE WHEN month = ${thisMonth} THEN period_count END) AS this_month_count,
            max(CASE WHEN month = ${thisMonth} THEN seats END) AS this_month_seats,
            max(CASE WHEN month = ${lastMonth} THEN period_count END) AS last_month_count,
            max(CASE WHEN month = ${lastMonth} THEN seats END) AS last_month_seats
          FROM rated GROUP BY account_id`),
      );
      for (const [id, row] of seatsNow) usage.set(id, { ...usage.get(id), ...row });
      return usage;
    },
    evaluate(account, row, asOf) {
      const reachedAt = asDay(row?.reached_day);
      const best = asNumber(row?.best_rate);
      const seatsNow = asNumber(row?.seats_now ?? 1);
      const monthRate = (count: unknown, seats: unknown) =>
        seats === null || seats === undefined ? (count ? null : 0) : Number(seats) > 0 ? asNumber(count) / Number(seats) : null;
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
          last_month_rate: round(monthRate(row?.last_month_count, row?.last_month_seats ?? seatsNow)),
          this_month_rate_so_far: round(monthRate(row?.this_month_count, row?.this_month_seats ?? seatsNow)),
          this_month_count: asNumber(row?.this_month_count),
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

const previousMonth = (asOf: string): string => addDays(`${asOf.slice(0, 7)}-01`, -1).slice(0, 7);
