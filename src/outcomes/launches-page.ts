/**
 * What the dashboard's Launches page shows, as one JSON-safe value the API serves: every
 * launch with the outcome it promised (the pre-registered declaration), its checkpoints
 * (overdue ones marked), the report horizons of 1, 3, 6 and 12 months with the verdict and
 * grade recorded at each, its anti-patterns, the reports recorded and their verdicts, failed
 * Slack posts, and its adoption funnel as of the day asked.
 */
import type { Expectation, Launch } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { AdoptionFunnel } from './adoption-funnel.js';
import type { CheckpointStatus } from './anti-patterns.js';
import { launchesDue, type DueLaunch } from './launch-due.js';
import { declarationOf, declarations, preregistration, reports as recordedReports, type Amendment, type ReportRecord } from './ledger.js';
import { metricLabel, metricScale } from './metric-values.js';
import { readLastActivityDay, readLedger } from './outcome-queries.js';
import { launchFunnel, readAccountsOnce, type ReportWorkspace } from './outcome-report.js';

/** The report horizons the page lays launches out by: 1, 3, 6 and 12 months after launch, in days (a big launch's default checkpoints). */
export const REPORT_HORIZONS = [30, 90, 180, 365] as const;

/** The outcome a launch promised: its judged declaration's (pre-registered when recorded by the launch day). */
export interface PromisedOutcome {
  metric: Expectation['metric'];
  label: string;
  /** proportion: the metric is a share, its effects differences in proportions; mean otherwise. */
  scale: 'proportion' | 'mean';
  direction: Expectation['direction'];
  target: Expectation['target'];
  rationale: string | null;
}

/** A declared checkpoint with where it stands and the last report recorded for it. */
export interface HorizonCheckpoint {
  days: number;
  date: string;
  status: CheckpointStatus['status'];
  report: (ReportRecord & { recorded_at: string }) | null;
}

/**
 * One report horizon of a launch: the checkpoints declared from it up to the next horizon
 * (1 month: before 90 days; 3 months: 90–179; 6 months: 180–364; 12 months: 365 on), so a
 * launch with its own checkpoints (120 days) is laid out with the others. Empty: none declared.
 */
export interface HorizonCell {
  days: (typeof REPORT_HORIZONS)[number];
  checkpoints: HorizonCheckpoint[];
}

export interface LaunchesPageEntry extends DueLaunch {
  problem: string;
  /** What the launch promised; null when its declaration names no outcome. */
  promised: PromisedOutcome | null;
  /** The promise was recorded by the launch day (or the launch is still planned). */
  pre_registered: boolean;
  amendments: Amendment[];
  /** A checkpoint passed its grace days with no report. */
  overdue: boolean;
  horizons: HorizonCell[];
  /** Reports recorded in the ledger, oldest first. */
  reports: (ReportRecord & { recorded_at: string })[];
  /** The verdict of the last report recorded, or null. */
  latest: { at: string; verdict: string; design: string | null } | null;
  funnel: AdoptionFunnel | null;
}

export interface LaunchesPage {
  today: string;
  due: number;
  overdue: number;
  failed_shares: number;
  horizons: readonly number[];
  launches: LaunchesPageEntry[];
}

const promiseOf = (o: Expectation | null): PromisedOutcome | null =>
  o && {
    metric: o.metric,
    label: metricLabel(o.metric),
    scale: metricScale(o.metric),
    direction: o.direction,
    target: o.target,
    rationale: o.rationale ?? null,
  };

/** Each horizon's checkpoints and the last report recorded for each (a report covers the checkpoint its `checkpoint` names). */
function horizonCells(checkpoints: readonly CheckpointStatus[], reports: LaunchesPageEntry['reports']): HorizonCell[] {
  return REPORT_HORIZONS.map((days, i) => {
    const until = REPORT_HORIZONS[i + 1] ?? Infinity;
    const from = i === 0 ? 0 : days;
    return {
      days,
      checkpoints: checkpoints
        .filter((c) => c.days >= from && c.days < until)
        .map((c) => ({ days: c.days, date: c.date, status: c.status, report: reports.filter((r) => r.checkpoint === c.days).at(-1) ?? null })),
    };
  });
}

/**
 * Records each launch's declaration when it changed, as every launch command does. With
 * `funnels: false` each funnel is left null, for a caller whose outcome report measured it.
 */
export async function launchesPage(store: Store, ws: ReportWorkspace, launches: readonly Launch[], options: { today: string; now?: number; funnels?: boolean }): Promise<LaunchesPage> {
  const due = await launchesDue(store, ws, launches, options);
  const entries: LaunchesPageEntry[] = [];
  const accounts = readAccountsOnce(store);
  const lastDay = await readLastActivityDay(store);
  for (const [i, launch] of launches.entries()) {
    const rows = await readLedger(store, launch.name);
    const prereg = preregistration(declarations(rows), declarationOf(launch.config), launch.config.launched_at);
    const reports = recordedReports(rows).map((r) => ({ ...r, recorded_at: new Date(r.recorded_at).toISOString() }));
    const last = reports.at(-1);
    const { checkpoints } = due.launches[i];
    entries.push({
      ...due.launches[i],
      problem: launch.config.problem,
      promised: promiseOf(prereg.judged.outcome ?? null),
      pre_registered: prereg.pre_registered,
      amendments: prereg.amendments,
      overdue: checkpoints.some((c) => c.status === 'overdue'),
      horizons: horizonCells(checkpoints, reports),
      reports,
      latest: last ? { at: last.at, verdict: last.verdict, design: last.design } : null,
      funnel: options.funnels === false ? null : await launchFunnel(store, launch, prereg.judged, options.today, lastDay, accounts),
    });
  }
  return { ...due, horizons: REPORT_HORIZONS, launches: entries };
}
