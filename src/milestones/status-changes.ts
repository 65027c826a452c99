import type { Stage } from './stages.js';
import type { Day } from './types.js';

/** What a change compares: an account's stage and the day each milestone was reached (null: not reached). */
export interface StatusSnapshot {
  stage: string;
  reached: Readonly<Record<string, Day | null>>;
}

/** One change of one account, as `milestone_changes` keeps it (without its number and version). */
export interface StatusChange {
  account_id: string;
  kind: 'milestone' | 'stage';
  /** The milestone; for a stage, the stage the account is in after the change. */
  name: string;
  change: 'reached' | 'lost';
  /** For a stage, the stage before; null for a milestone. */
  previous: string | null;
  /**
   * The day it happened: the day reached (which late data may put in the past; the signup day
   * for what was done before signing up), or the as-of day of a loss.
   */
  day: Day;
}

/**
 * The changes from `before` to `after` for one account, as of `asOf`. `before` null is an
 * account seen for the first time: in the first stage with nothing reached, as it was the day
 * before it signed up.
 *
 * A milestone is reached on its reached day and lost on the as-of day it was found lost. A
 * stage moves forward through each stage it entered, on the day it entered it (the latest
 * reached day of its milestone and every earlier stage's); stages entered on one day are one
 * move, as a day-by-day refresh would see them. A move back is one change, on the as-of day.
 * Nothing happens before the account signed up (`signupDay`): steps done before count from
 * that day. So recomputing day by day and diffing gives the same changes as one diff from
 * nothing (the backfill), as long as a reached day never moves.
 */
export function statusChanges(
  accountId: string,
  stages: readonly Stage[],
  before: StatusSnapshot | null,
  after: StatusSnapshot,
  asOf: Day,
  signupDay: Day,
): StatusChange[] {
  const out: StatusChange[] = [];
  const from = (day: Day) => (day < signupDay ? signupDay : day);
  for (const [name, day] of Object.entries(after.reached)) {
    const was = before ? (before.reached[name] ?? null) : null;
    if (day !== null && was === null) out.push({ account_id: accountId, kind: 'milestone', name, change: 'reached', previous: null, day: from(day) });
    else if (day === null && was !== null) out.push({ account_id: accountId, kind: 'milestone', name, change: 'lost', previous: null, day: asOf });
  }
  const was = Math.max(0, before ? stages.findIndex((s) => s.name === before.stage) : 0);
  const to = stages.findIndex((s) => s.name === after.stage);
  if (to < was) {
    out.push({ account_id: accountId, kind: 'stage', name: after.stage, change: 'lost', previous: stages[was].name, day: asOf });
  } else if (to > was) {
    // The day each stage up to `to` was entered: its milestone's reached day, or a later earlier one's.
    const entered: Day[] = [];
    let latest = signupDay;
    for (let k = 1; k <= to; k++) {
      const day = after.reached[stages[k].milestone ?? ''] ?? asOf;
      if (day > latest) latest = day;
      entered[k] = latest;
    }
    let previous = was;
    for (let k = was + 1; k <= to; k++) {
      if (k < to && entered[k + 1] === entered[k]) continue;
      out.push({ account_id: accountId, kind: 'stage', name: stages[k].name, change: 'reached', previous: stages[previous].name, day: entered[k] });
      previous = k;
    }
  }
  return out;
}
