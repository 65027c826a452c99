import type { ThresholdMilestone } from '../../config/index.js';
import { raw, sql } from '../../store/index.js';
import { addDays, asDay, asNumber, byAccount, daysBetween } from '../days.js';
import { describeMatcher } from '../matchers.js';
import type { Prepare } from '../types.js';

/** A threshold: `at_least` matching events within `within_days` of signup; reached the day the count crossed. */
export const prepareThreshold: Prepare<ThresholdMilestone> = (name, config, matchers) => {
  const m = matchers.id(config.count);
  const what = describeMatcher(config.count);
  return {
    name,
    config,
    async load({ store, tables }) {
      const d = store.dialect;
      const windowEnd = raw(d.addDays('a.signup_day', String(config.within_days)));
      return byAccount(
        await store.query(sql`SELECT account_id, sum(c) AS total, min(CASE WHEN cum >= ${config.at_least} THEN day END) AS reached_day
          FROM (
            SELECT x.account_id, x.day, x.n AS c,
              sum(x.n) OVER (PARTITION BY x.account_id ORDER BY x.day ROWS UNBOUNDED PRECEDING) AS cum
            FROM ${tables.daily} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
            WHERE x.m = ${m} AND x.day >= a.signup_day AND x.day < ${windowEnd}
          ) w GROUP BY account_id`),
      );
    },
    evaluate(account, row, asOf) {
      const count = asNumber(row?.total);
      const reachedAt = asDay(row?.reached_day);
      const lastDay = addDays(account.signup_day, config.within_days - 1);
      const daysLeft = Math.max(0, daysBetween(asOf, lastDay));
      return {
        reached: reachedAt !== null,
        reached_at: reachedAt,
        progress: Math.min(1, count / config.at_least),
        detail: { count, at_least: config.at_least, within_days: config.within_days, counts: what, window_ends: lastDay, window_open: asOf <= lastDay, days_left: asOf <= lastDay ? daysLeft : 0 },
      };
    },
    advise(_account, result) {
      const { count, window_open, days_left, window_ends } = result.detail as { count: number; window_open: boolean; days_left: number; window_ends: string };
      const more = config.at_least - count;
      if (!window_open) {
        return { action: `Reach ${config.at_least} ${what}`, reason: `${name}: the ${config.within_days}-day window closed on ${window_ends} with ${count} of ${config.at_least}` };
      }
      return {
        action: `${more} more ${what}`,
        reason: `${name}: ${count} of ${config.at_least} ${what} so far; ${days_left} days left in the ${config.within_days}-day window (until ${window_ends})`,
      };
    },
  };
};
