/**
 * The anti-patterns of outcome work, flagged where they happen (reports, `cairn launch due`):
 *  - no_outcome_before_launch: nothing was declared before launch, or no outcome in it;
 *  - no_metric: the launch file declares no outcome at all;
 *  - no_instrumentation: the gate fails (events unplanned, missing, violating the plan);
 *  - ship_and_move_on: a checkpoint passed, with its grace period, and no report for it;
 *  - taking_credit: metrics reported that were declared only after launch;
 *  - rushing: a report before its first checkpoint, or before any outcome window closed.
 */
import type { Launch } from '../config/index.js';
import { dayText } from './day-numbers.js';
import type { GateResult } from './instrumentation-gate.js';
import type { Preregistration } from './ledger.js';

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

export interface AntiPatternInput {
  launch: Launch;
  launchDay: number | null;
  /** The report's day, or today for `cairn launch due`. */
  at: number;
  firstCheckpoint: number;
  prereg: Preregistration;
  gate: GateResult;
  statuses: readonly CheckpointStatus[];
  /** Metrics declared only after launch. */
  exploratory: readonly { role: string; label?: string; first_declared?: string | null }[];
  /** A report's verdict (rushing is a report's flag); absent for `cairn launch due`. */
  verdict?: string;
}

export function antiPatterns(x: AntiPatternInput): Flag[] {
  const flags: Flag[] = [];
  const launched = x.launchDay !== null && x.at >= x.launchDay;
  if (!x.launch.config.outcome) flags.push({ code: 'no_metric', message: 'no outcome declared: which customer behaviour should change, and by how much?' });
  if (launched && (!x.prereg.pre_registered || !x.prereg.judged.outcome)) {
    flags.push({
      code: 'no_outcome_before_launch',
      message: x.prereg.pre_registered
        ? `the declaration recorded before launch (${x.launch.config.launched_at}) had no outcome`
        : `nothing was declared before launch (${x.launch.config.launched_at}); first recorded ${x.prereg.first_recorded_at?.slice(0, 10) ?? 'now'}`,
    });
  }
  if (!x.gate.passed) flags.push({ code: 'no_instrumentation', message: x.gate.problems.map((p) => p.message).join('; ') });
  const missed = shipAndMoveOn(x.statuses);
  if (missed) flags.push(missed);
  if (x.exploratory.length > 0) {
    const list = x.exploratory.map((m) => `${m.role}${m.label ? ` (${m.label})` : ''}, first declared ${m.first_declared ?? 'now'}`).join('; ');
    flags.push({ code: 'taking_credit', message: `declared after launch, so exploratory and not counted: ${list}` });
  }
  if (x.verdict !== undefined && launched) {
    const first = x.launchDay! + x.firstCheckpoint;
    if (x.at < first) flags.push({ code: 'rushing', message: `reported before the first checkpoint (${x.firstCheckpoint} days, ${dayText(first)})` });
    else if (x.verdict === 'too_early') flags.push({ code: 'rushing', message: 'reported before enough exposure or data to judge' });
  }
  return flags;
}
