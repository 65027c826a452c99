/**
 * `cairn launch due`: for every launch, its checkpoints (reported, due, overdue, upcoming), the
 * anti-patterns visible without running a report, and posts that failed and wait to be sent
 * again. Reading a launch here records its declaration, like every launch command.
 */
import type { Launch } from '../config/index.js';
import type { Store } from '../store/index.js';
import { antiPatterns, checkpointStatus, type CheckpointStatus, type Flag } from './anti-patterns.js';
import { dayNumber, dayText } from './day-numbers.js';
import { checkInstrumentation } from './instrumentation-gate.js';
import { declarationOf, declarations, exploratoryMetrics, failedShares, preregistration, reports, syncDeclaration } from './ledger.js';
import { metricLabel } from './metric-values.js';
import type { ReportWorkspace } from './outcome-report.js';

export interface DueLaunch {
  launch: string;
  owner: string;
  size: 'small' | 'big';
  launched_at: string | null;
  checkpoints: CheckpointStatus[];
  flags: Flag[];
  failed_shares: { at: string; attempts: number; error: string | null; recorded_at: string }[];
}

export interface DueList {
  today: string;
  due: number;
  overdue: number;
  failed_shares: number;
  launches: DueLaunch[];
}

export async function launchesDue(store: Store, ws: ReportWorkspace, launches: readonly Launch[], options: { today: string; now?: number }): Promise<DueList> {
  const today = dayNumber(options.today);
  const now = options.now ?? Date.now();
  const out: DueLaunch[] = [];
  for (const launch of launches) {
    const ledger = await syncDeclaration(store, launch, now);
    const history = declarations(ledger);
    const current = declarationOf(launch.config);
    const prereg = preregistration(history, current, launch.config.launched_at);
    const launchDay = launch.config.launched_at ? dayNumber(launch.config.launched_at) : null;
    const statuses = launchDay === null ? [] : checkpointStatus(launchDay, prereg.judged.checkpoints, reports(ledger).map((r) => dayNumber(r.at)), today);
    const gate = await checkInstrumentation(store, launch, ws.trackingPlan, options.today);
    const exploratory = exploratoryMetrics(current, prereg, history).map((m) => ({ role: m.role, label: metricLabel(m.expectation.metric), first_declared: m.first_declared }));
    out.push({
      launch: launch.name,
      owner: launch.config.owner,
      size: launch.config.size,
      launched_at: launch.config.launched_at ?? null,
      checkpoints: statuses,
      flags: antiPatterns({ launch, launchDay, at: today, firstCheckpoint: prereg.judged.checkpoints[0], prereg, gate, statuses, exploratory }),
      failed_shares: failedShares(ledger).map((f) => ({ at: f.at, attempts: f.attempts, error: f.error, recorded_at: new Date(f.recorded_at).toISOString() })),
    });
  }
  const count = (status: CheckpointStatus['status']) => out.reduce((n, l) => n + l.checkpoints.filter((c) => c.status === status).length, 0);
  return { today: dayText(today), due: count('due'), overdue: count('overdue'), failed_shares: out.reduce((n, l) => n + l.failed_shares.length, 0), launches: out };
}
