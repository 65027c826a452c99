import type { ThresholdMilestone } from '../../config/index.js';
import { addDays, daysBetween } from '../days.js';
import { describeMatcher } from '../matchers.js';
import { milestoneLabel } from '../terms.js';
import type { Day, Prepare } from '../types.js';
import { THRESHOLD_SQL } from './threshold-sql.js';

/** A threshold: `at_least` matching events within `within_days` of signup; reached the day the count crossed. */
export const prepareThreshold: Prepare<ThresholdMilestone> = (name, config, matchers, key) => {
  // Reasons speak the framework's language: the milestone's label.
  const label = milestoneLabel(name, config);
  const m = matchers.id(config.count);
  const what = describeMatcher(config.count);
  // Accounts share a few hundred signup days: the window's last day once per signup day.
  const lastDays = new Map<Day, Day>();
  const lastDayOf = (signup: Day): Day => {
    let last = lastDays.get(signup);
    if (last === undefined) lastDays.set(signup, (last = addDays(signup, config.within_days - 1)));
    return last;
  };
  return {
    name,
    config,
    width: 2,
    query(d, tables) {
      return d.pick(THRESHOLD_SQL)({ key, m, withinDays: config.within_days, atLeast: config.at_least }, d, tables);
    },
    evaluate(account, cells, at, asOf) {
      const count = cells[at] ? Number(cells[at]) : 0;
      const reachedAt = cells[at + 1] || null;
      const lastDay = lastDayOf(account.signup_day);
      const open = asOf <= lastDay;
      return {
        reached: reachedAt !== null,
        reached_at: reachedAt,
        progress: Math.min(1, count / config.at_least),
        detail: {
          count,
          at_least: config.at_least,
          within_days: config.within_days,
          counts: what,
          window_ends: lastDay,
          window_open: open,
          days_left: open ? Math.max(0, daysBetween(asOf, lastDay)) : 0,
        },
      };
    },
    advance(cells, at, counts, account, asOf) {
      const added = counts.get(m) ?? 0;
      // Counted only inside the window: from signup, for within_days days.
      if (added === 0 || asOf < account.signup_day || asOf > lastDayOf(account.signup_day)) return true;
      const count = (cells[at] ? Number(cells[at]) : 0) + added;
      cells[at] = String(count);
      if (!cells[at + 1] && count >= config.at_least) cells[at + 1] = asOf;
      return true;
    },
    advise(_account, result) {
      const { count, window_open, days_left, window_ends } = result.detail as { count: number; window_open: boolean; days_left: number; window_ends: string };
      const more = config.at_least - count;
      if (!window_open) {
        return { action: `Reach ${config.at_least} ${describeMatcher(config.count, config.at_least)}`, reason: `${label}: the ${config.within_days}-day window closed on ${window_ends} with ${count} of ${config.at_least}` };
      }
      return {
        action: `${more} more ${describeMatcher(config.count, more)}`,
        reason: `${label}: ${count} of ${config.at_least} ${describeMatcher(config.count, config.at_least)} so far; ${days_left} days left in the ${config.within_days}-day window (until ${window_ends})`,
      };
    },
  };
};
