/**
 * What the dashboard's Launches page shows, as one JSON-safe value the API serves: every
 * launch with its checkpoints (overdue ones marked), its anti-patterns, the reports recorded
 * and their verdicts, failed Slack posts, and its adoption funnel as of the day asked.
 */
import type { Launch } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { AdoptionFunnel } from './adoption-funnel.js';
import { launchesDue, type DueLaunch } from './launch-due.js';
import { launchLedger, type ReportRecord } from './ledger.js';
import { launchFunnel, readAccountsOnce, type ReportWorkspace } from './outcome-report.js';

export interface LaunchesPageEntry extends DueLaunch {
  problem: string;
  /** A checkpoint passed its grace days with no report. */
  overdue: boolean;
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
  launches: LaunchesPageEntry[];
}

/** Records each launch's declaration when it changed, as every launch command does. */
export async function launchesPage(store: Store, ws: ReportWorkspace, launches: readonly Launch[], options: { today: string; now?: number }): Promise<LaunchesPage> {
  const due = await launchesDue(store, ws, launches, options);
  const entries: LaunchesPageEntry[] = [];
  const accounts = readAccountsOnce(store);
  for (const [i, launch] of launches.entries()) {
    const { reports } = await launchLedger(store, launch.name);
    const last = reports.at(-1);
    entries.push({
      ...due.launches[i],
      problem: launch.config.problem,
      overdue: due.launches[i].checkpoints.some((c) => c.status === 'overdue'),
      reports,
      latest: last ? { at: last.at, verdict: last.verdict, design: last.design } : null,
      funnel: await launchFunnel(store, launch, options.today, accounts),
    });
  }
  return { ...due, launches: entries };
}
