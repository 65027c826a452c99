import type { SourceStats, StoreStats } from '../store/index.js';
import { formatNumber, print, printJson, printPairs, printTable } from './output.js';
import { adminRequest, viaStoreOrServer } from './running-server.js';
import type { GlobalOptions } from './workspace.js';

/** `cairn stats`: counts, freshness and per-source rates, lag and problems. */
export async function runStats(opts: { json?: boolean }, globals: GlobalOptions): Promise<void> {
  const s = await viaStoreOrServer(
    globals,
    (h) => adminRequest<StoreStats>(h, '/v1/admin/stats'),
    (_ws, store) => store.stats(),
  );
  if (opts.json) return printJson(s);
  const age = s.newest_event_at ? Date.now() - Date.parse(s.newest_event_at) : null;
  printPairs([
    ['events', formatNumber(s.events)],
    ['accounts', formatNumber(s.accounts)],
    ['accounts without facts', formatNumber(s.accounts_without_facts)],
    ['users', formatNumber(s.users)],
    ['users moved between accounts', formatNumber(s.users_moved)],
    ['quarantined', formatNumber(s.quarantined)],
    ['oldest event', s.oldest_event_at],
    ['newest event', s.newest_event_at && `${s.newest_event_at} (${formatDuration(age!)} ago)`],
    ['last received', s.last_received_at],
  ]);
  if (s.quarantined > 0) {
    print('\nquarantine by reason');
    printPairs(Object.entries(s.quarantine_by_reason).map(([k, v]) => [k, formatNumber(v)]));
  }
  printSources(s.sources);
  printJobs(s.jobs);
  printWebhooks(s.webhooks);
}

function printJobs(jobs: StoreStats['jobs']): void {
  const entries = Object.entries(jobs);
  if (entries.length === 0) return;
  print('\nscheduled jobs (cairn serve)');
  printTable(
    ['job', 'runs', 'failed', 'last run', 'took', 'last', 'last ok'],
    entries.map(([name, j]) => [name, formatNumber(j.runs), formatNumber(j.failed), j.last.started_at, formatDuration(j.last.seconds * 1000), j.last.error ? `failed: ${j.last.error}` : j.last.status, j.last_ok_at ?? '—']),
    '  ',
  );
}

function printWebhooks(w: StoreStats['webhooks']): void {
  if (w.pending + w.delivered + w.dead === 0) return;
  print(`\nwebhooks: ${formatNumber(w.delivered)} delivered, ${formatNumber(w.pending)} pending, ${formatNumber(w.dead)} dead letters`);
  if (w.dead_letters.length === 0) return;
  print('dead letters (the newest; `cairn webhooks replay --id ID` or --all delivers them again)');
  printTable(
    ['id', 'endpoint', 'event', 'account', 'attempts', 'last error', 'failed at'],
    w.dead_letters.map((d) => [d.id, d.endpoint, d.event_type, d.account_id, String(d.attempts), d.last_error ?? '', d.failed_at]),
    '  ',
  );
}

function printSources(sources: Record<string, SourceStats>): void {
  const entries = Object.entries(sources);
  if (entries.length === 0) return;
  print('\nby source (rates by time received; lag = received − event time, last hour)');
  printTable(
    ['source', 'events', '/s 5 min', '/s 1 h', 'lag p50', 'lag p95', 'quarantined', 'flagged', 'users moved'],
    entries.map(([name, s]) => [
      name,
      formatNumber(s.events),
      String(s.events_per_second_5m),
      String(s.events_per_second_1h),
      s.lag_p50_ms === null ? '—' : formatDuration(s.lag_p50_ms),
      s.lag_p95_ms === null ? '—' : formatDuration(s.lag_p95_ms),
      formatNumber(total(s.quarantine_by_reason)),
      formatNumber(total(s.flagged_by_reason)),
      formatNumber(s.users_moved),
    ]),
    '  ',
  );
  const problems = entries.flatMap(([name, s]) => [
    ...Object.entries(s.quarantine_by_reason).map(([reason, n]) => [name, 'quarantined', reason, formatNumber(n)]),
    ...Object.entries(s.flagged_by_reason).map(([reason, n]) => [name, 'flagged', reason, formatNumber(n)]),
  ]);
  if (problems.length === 0) return;
  print('\nquarantined and flagged by source and reason');
  printTable(['source', 'what', 'reason', 'n'], problems, '  ');
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** A duration for a person: ms, s, min, h or days, whichever reads best. */
function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (abs < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (abs < 48 * 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}
