/**
 * The anti-patterns of outcome work, flagged where they happen (reports, `cairn launch due`):
 *  - no_outcome_before_launch: nothing was declared before launch, or no outcome in it;
 *  - no_metric: the launch file declares no outcome at all;
 *  - no_instrumentation: the gate fails (events unplanned, missing, violating the plan);
 *  - ship_and_move_on: a checkpoint passed, with its grace period, and no report for it;
 *  - taking_credit: metrics reported that were declared only after launch;
 *  - rushing: a report before its first checkpoint, or before any outcome window closed.
 */
import { dayText } from './day-numbers.js';

export type AntiPattern = 'no_outcome_before_launch' | 'no_metric' | 'no_instrumentation' | 'ship_and_move_on' | 'taking_credit' | 'rushing';

export interface Flag {
  code: AntiPattern;
  message: string;
}

/** Days after a checkpoint before a missing report is overdue. */
export const GRACE_DAYS = 14;

export interface CheckpointStatus {
  days: number;
  date: string;
  status: 'upcoming' | 'due' | 'overdue' | 'reported';
  /** Days of the reports that cover it (their `at` falls between it and the next checkpoint). */
  reports: string[];
}

/** Where each checkpoint stands on `today`, given the `at` days of the reports produced. */
export function checkpointStatus(launchDay: number, checkpoints: readonly number[], reportDays: readonly number[], today: number): CheckpointStatus[] {
  return checkpoints.map((days, i) => {
    const from = launchDay + days;
    const until = i + 1 < checkpoints.length ? launchDay + checkpoints[i + 1] : Infinity;
    const reports = reportDays.filter((d) => d >= from && d < until).sort((a, b) => a - b);
    const status = reports.length > 0 ? 'reported' : today < from ? 'upcoming' : today < from + GRACE_DAYS ? 'due' : 'overdue';
    return { days, date: dayText(from), status, reports: [...new Set(reports)].map(dayText) };
  });
}

export function shipAndMoveOn(statuses: readonly CheckpointStatus[]): Flag | null {
  const missed = statuses.filter((s) => s.status === 'overdue');
  if (missed.length === 0) return null;
  const list = missed.map((s) => `${s.days}-day (${s.date})`).join(', ');
  return { code: 'ship_and_move_on', message: `no report for the ${list} checkpoint${missed.length > 1 ? 's' : ''}: the launch shipped and the team moved on` };
}
