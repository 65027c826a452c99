import type { PerDialect, SqlDialect, SqlFragment } from '../../store/index.js';
import { ident, sql, type Ident } from '../../store/index.js';
import type { ActivityTables } from '../daily-activity.js';
import type { ArrayDef, MilestoneQuery } from '../types.js';
import { arrayNext, dayRunningSumReaches, def, historySeatsOn, matcherSlice, maxOf } from './array-sql.js';

export interface PerSeatSpec {
  key: string;
  /** The matcher's id in the daily table. */
  m: number;
  /** Events per month per seat. */
  rate: number;
  /** Trailing 30 days rather than calendar months. */
  rolling: boolean;
}

/** The columns every engine's builder returns, in this order (see per-seat.ts `evaluate`). */
export const PER_SEAT_COLUMNS = ['seats_now', 'reached_day', 'best_rate', 'this_month_count', 'this_month_seats', 'last_month_count', 'last_month_seats'];

/**
 * Per account: the seats now, the day the period's count first met rate × seats, the best
 * rate, and this and last month's count and seats.
 */
export const PER_SEAT_SQL: PerDialect<(spec: PerSeatSpec, d: SqlDialect, tables: ActivityTables) => MilestoneQuery> = {
  duckdb({ key, m, rate, rolling }, d, tables) {
    const days = ident(`${key}_days`);
    const monthSeats = ident(`${key}_month_seats`);
    const usage = ident(`${key}_usage`);
    const seatsNow = ident(`${key}_seats_now`);
    const from = ident(`${key}_per_seat`);
    const month = d.monthStart(sql`x.day`);
    const thisMonthOf = (asOf: SqlFragment) => d.monthStart(asOf);
    const lastMonthOf = (asOf: SqlFragment) => d.monthStart(d.addDays(d.monthStart(asOf), -1));
    const historySeats = d.argMax(sql`h.seats`, sql`h.valid_from`);
    const seatsNowCte = sql`${seatsNow} AS (
          SELECT a.account_id, coalesce(${historySeats}, max(a.seats), 1) AS seats_now
          FROM ${tables.accounts} a LEFT JOIN account_history h ON h.account_id = a.account_id
            AND ${d.day(sql`h.valid_from`)} <= CASE WHEN a.signup_day > ${thisMonthOf(sql`a.as_of`)} THEN a.signup_day ELSE ${thisMonthOf(sql`a.as_of`)} END
          GROUP BY a.account_id
        )`;
    const fromCte = sql`${from} AS (
          SELECT n.account_id, n.seats_now, u.reached_day, u.best_rate, u.this_month_count, u.this_month_seats, u.last_month_count, u.last_month_seats
          FROM ${seatsNow} n LEFT JOIN ${usage} u ON u.account_id = n.account_id
        )`;
    // History in effect on the first day of month `u.month` (or on signup, in the signup month).
    const historyOfMonth = sql`LEFT JOIN account_history h ON h.account_id = u.account_id
            AND ${d.day(sql`h.valid_from`)} <= CASE WHEN u.signup_day > u.month THEN u.signup_day ELSE u.month END`;
    if (!rolling) {
      // Calendar months. Counts are at least 1 a day, so a month's running count is largest
      // on its last use day (its total) and crosses threshold × seats only in a month whose
      // total does: months are summed without a window, and the running count is needed
      // only in each account's first such month, for the day it crossed.
      const first = ident(`${key}_first`);
      const reached = ident(`${key}_reached`);
      return {
        kind: 'ctes',
        ctes: [
          sql`${days} AS (
            SELECT x.account_id, x.day, ${month} AS month, x.n
            FROM ${tables.daily} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
            WHERE x.m = ${m} AND x.day >= a.signup_day
          )`,
          sql`${monthSeats} AS (
            SELECT u.account_id, u.month, u.total, u.as_of, coalesce(${historySeats}, u.account_seats, 1) AS seats
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
              max(CASE WHEN s.month = ${thisMonthOf(sql`s.as_of`)} THEN s.total END) AS this_month_count,
              max(CASE WHEN s.month = ${thisMonthOf(sql`s.as_of`)} THEN s.seats END) AS this_month_seats,
              max(CASE WHEN s.month = ${lastMonthOf(sql`s.as_of`)} THEN s.total END) AS last_month_count,
              max(CASE WHEN s.month = ${lastMonthOf(sql`s.as_of`)} THEN s.seats END) AS last_month_seats
            FROM ${monthSeats} s LEFT JOIN ${reached} r ON r.account_id = s.account_id
            GROUP BY s.account_id
          )`,
          seatsNowCte,
          fromCte,
        ],
        from,
        columns: PER_SEAT_COLUMNS,
      };
    }
    return {
      kind: 'ctes',
      ctes: [
        // Use days since signup with the trailing 30 days' count, and what the month's seats need.
        sql`${days} AS (
          SELECT x.account_id, x.day, ${month} AS month,
            sum(x.n) OVER (PARTITION BY x.account_id ORDER BY x.day RANGE BETWEEN INTERVAL 29 DAYS PRECEDING AND CURRENT ROW) AS period_count,
            a.signup_day, a.seats AS account_seats, a.as_of
          FROM ${tables.daily} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
          WHERE x.m = ${m} AND x.day >= a.signup_day
        )`,
        sql`${monthSeats} AS (
          SELECT u.account_id, u.month, ${historySeats} AS history_seats
          FROM (SELECT DISTINCT account_id, month, signup_day FROM ${days}) u ${historyOfMonth}
          GROUP BY u.account_id, u.month
        )`,
        sql`${usage} AS (
          SELECT account_id,
            min(CASE WHEN seats > 0 AND period_count >= ${rate} * seats THEN day END) AS reached_day,
            max(CASE WHEN seats > 0 THEN CAST(period_count AS DOUBLE) / seats END) AS best_rate,
            max(CASE WHEN month = ${thisMonthOf(sql`as_of`)} THEN period_count END) AS this_month_count,
            max(CASE WHEN month = ${thisMonthOf(sql`as_of`)} THEN seats END) AS this_month_seats,
            max(CASE WHEN month = ${lastMonthOf(sql`as_of`)} THEN period_count END) AS last_month_count,
            max(CASE WHEN month = ${lastMonthOf(sql`as_of`)} THEN seats END) AS last_month_seats
          FROM (
            SELECT u.account_id, u.day, u.month, u.period_count, u.as_of, coalesce(s.history_seats, u.account_seats, 1) AS seats
            FROM ${days} u JOIN ${monthSeats} s ON s.account_id = u.account_id AND s.month = u.month
          ) rated GROUP BY account_id
        )`,
        seatsNowCte,
        fromCte,
      ],
      from,
      columns: PER_SEAT_COLUMNS,
    };
  },
  clickhouse({ key, m, rate, rolling }, d, tables) {
    // The as-of day as a value: 18.16 does not see a SELECT's aliases inside lambdas.
    const asOf = d.date(tables.asOf);
    const name = (part: string) => ident(`${key}_${part}`);
    const [days, counts, months, monthList, monthEnds, totals, monthSeats, first, rollingCounts, daySeats] = [
      'days', 'counts', 'months', 'month_list', 'month_ends', 'totals', 'month_seats', 'first', 'rolling_counts', 'day_seats',
    ].map(name);
    // Seats for a month: history in effect on its first day (or on signup), else the account's, else 1.
    // ifNull, not coalesce: a non-Nullable result (18.16 mishandles Nullable arrays in lambdas).
    const seatsOfMonth = (month: SqlFragment) => sql`ifNull(${historySeatsOn(sql`greatest(signup_day, ${month})`)}, ifNull(seats, 1))`;
    const thisMonth = sql`toStartOfMonth(${asOf})`;
    const lastMonth = sql`toStartOfMonth(addDays(toStartOfMonth(${asOf}), -1))`;
    const defs: ArrayDef[][] = [
      [
        def(days, sql`arrayFilter(d -> d >= signup_day, ${matcherSlice('days', m)})`),
        def(counts, sql`arrayFilter((n, d) -> d >= signup_day, ${matcherSlice('ns', m)}, ${matcherSlice('days', m)})`),
      ],
      [def(months, sql`arrayMap(d -> toStartOfMonth(d), ${days})`)],
    ];
    const seatsNow = seatsOfMonth(thisMonth);
    if (!rolling) {
      // Calendar months: totals per month; the running count only in the first month that crosses.
      const at = (list: Ident, i: SqlFragment) => sql`arrayElement(${list}, ${i})`;
      const inMonth = (month: SqlFragment) => sql`indexOf(${monthList}, ${month})`;
      const ofMonth = (list: Ident, month: SqlFragment) => sql`if(${inMonth(month)} = 0, NULL, ${at(list, inMonth(month))})`;
      const firstMonth = at(monthList, sql`${first}`);
      // Months come sorted: at a month's last use the running count holds the totals so far (one
      // pass; a sum per month over all uses was months × uses per account). 1970-01-02 starts no month.
      const nextMonths = arrayNext(sql`${months}`, sql`toDate('1970-01-02')`);
      defs.push(
        [
          def(monthList, sql`arrayFilter((x, y) -> x != y, ${months}, ${nextMonths})`),
          def(monthEnds, sql`arrayFilter((c, x, y) -> x != y, arrayCumSum(${counts}), ${months}, ${nextMonths})`),
        ],
        [
          def(totals, sql`arrayMap((e, before) -> e - before, ${monthEnds}, arraySlice(arrayPushFront(${monthEnds}, toInt64(0)), 1, length(${monthEnds})))`),
          def(monthSeats, sql`arrayMap(mo -> ${seatsOfMonth(sql`mo`)}, ${monthList})`),
        ],
        [def(first, sql`arrayFirstIndex((t, s) -> s > 0 AND t >= ${rate} * s, ${totals}, ${monthSeats})`)],
      );
      return {
        kind: 'arrays',
        defs,
        values: [
          seatsNow,
          sql`if(${first} = 0, NULL, ${dayRunningSumReaches(
            sql`arrayFilter((d, x) -> x = ${firstMonth}, ${days}, ${months})`,
            sql`arrayFilter((n, x) -> x = ${firstMonth}, ${counts}, ${months})`,
            sql`${rate} * ${at(monthSeats, sql`${first}`)}`,
          )})`,
          maxOf(sql`arrayMap((t, s) -> t / s, arrayFilter((t, s) -> s > 0, ${totals}, ${monthSeats}), arrayFilter(s -> s > 0, ${monthSeats}))`),
          ofMonth(totals, thisMonth),
          ofMonth(monthSeats, thisMonth),
          ofMonth(totals, lastMonth),
          ofMonth(monthSeats, lastMonth),
        ],
      };
    }
    // Trailing 30 days (this one included) at each use day, against that month's seats.
    defs.push([
      def(rollingCounts, sql`arrayMap(on -> arraySum(arrayFilter((c, x) -> x > addDays(on, -30) AND x <= on, ${counts}, ${days})), ${days})`),
      def(daySeats, sql`arrayMap(mo -> ${seatsOfMonth(sql`mo`)}, ${months})`),
    ]);
    const crosses = sql`s > 0 AND p >= ${rate} * s`;
    const inMonth = (list: Ident, month: SqlFragment) => maxOf(sql`arrayFilter((v, x) -> x = ${month}, ${list}, ${months})`);
    return {
      kind: 'arrays',
      defs,
      values: [
        seatsNow,
        sql`if(arrayExists((p, s) -> ${crosses}, ${rollingCounts}, ${daySeats}), arrayFirst((d, p, s) -> ${crosses}, ${days}, ${rollingCounts}, ${daySeats}), NULL)`,
        maxOf(sql`arrayMap((p, s) -> p / s, arrayFilter((p, s) -> s > 0, ${rollingCounts}, ${daySeats}), arrayFilter(s -> s > 0, ${daySeats}))`),
        inMonth(rollingCounts, thisMonth),
        inMonth(daySeats, thisMonth),
        inMonth(rollingCounts, lastMonth),
        inMonth(daySeats, lastMonth),
      ],
    };
  },
};
