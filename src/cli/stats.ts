import type { Command } from 'commander';
import { formatNumber, print, printJson, printPairs } from './output.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';

export function registerStats(program: Command, globals: () => GlobalOptions): void {
  program
    .command('stats')
    .description('counts, quarantine reasons and freshness of the stored data')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withWorkspace(globals(), async (_ws, store) => {
        const s = await store.stats();
        if (opts.json) return printJson(s);
        const lagHours = s.newest_event_at ? (Date.now() - Date.parse(s.newest_event_at)) / 3.6e6 : null;
        printPairs([
          ['events', formatNumber(s.events)],
          ['accounts', formatNumber(s.accounts)],
          ['accounts without facts', formatNumber(s.accounts_without_facts)],
          ['users', formatNumber(s.users)],
          ['quarantined', formatNumber(s.quarantined)],
          ['oldest event', s.oldest_event_at],
          ['newest event', s.newest_event_at && `${s.newest_event_at} (${formatAge(lagHours!)} ago)`],
          ['last received', s.last_received_at],
        ]);
        if (s.quarantined > 0) {
          print('\nquarantine by reason');
          printPairs(Object.entries(s.quarantine_by_reason).map(([k, v]) => [k, formatNumber(v)]));
        }
        if (Object.keys(s.events_by_source).length > 0) {
          print('\nevents by source');
          printPairs(Object.entries(s.events_by_source).map(([k, v]) => [k, formatNumber(v)]));
        }
      });
    });
}

function formatAge(hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${Math.round(hours / 24)} days`;
}
