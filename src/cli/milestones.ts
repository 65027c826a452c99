import { milestonesCsv, type SourcedReport } from '../milestones/index.js';
import { asOfOption } from './as-of.js';
import { OUTPUT_FORMATS } from './choices.js';
import { oneOf } from './errors.js';
import { formatNumber, print, printExport, printJson } from './output.js';
import { workspaceStatuses } from './refresh.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';
import { exportOut, writeAccountsExport } from './export-file.js';

/** Where a report's statuses came from, for a person. */
export const statusesNote = (r: Pick<SourcedReport, 'source' | 'framework_version'>) =>
  r.source === 'materialized' ? `materialized statuses, framework version ${r.framework_version}` : 'computed now';

function printTable(report: SourcedReport, names: string[]): void {
  const cell = (reached: boolean, progress: number) => (reached ? '✓' : `${Math.round(progress * 100)}%`);
  const head = ['account', 'stage', ...names, 'next best step'];
  const rows = report.accounts.map((a) => [
    a.account_id + (a.churned ? ' (churned)' : ''),
    a.stage,
    ...names.map((n) => cell(a.milestones[n].reached, a.milestones[n].progress)),
    a.next_best_step ? a.next_best_step.action : '',
  ]);
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  print(line(head));
  for (const r of rows) print(line(r));
  print(`\n${formatNumber(report.accounts.length)} accounts as of ${report.as_of} (${statusesNote(report)})`);
}

/** `cairn milestones`: every account on the framework as of a day. */
export async function runMilestones(opts: { asOf?: string; format: string; json?: boolean; out?: string; force?: boolean }, globals: GlobalOptions): Promise<void> {
  const out = exportOut(opts);
  const format = opts.json ? 'json' : out ? 'table' : oneOf('--format', opts.format, OUTPUT_FORMATS);
  const asOf = asOfOption(opts.asOf);
  await withWorkspace(globals, async (ws, store) => {
    const report = await workspaceStatuses(ws, store, asOf);
    const names = Object.keys(ws.milestones.milestones);
    const json = { as_of: report.as_of, source: report.source, framework_version: report.framework_version, accounts: report.accounts };
    if (out) {
      await writeAccountsExport(out.file, out.format, report.accounts, names, json);
      return print(`${formatNumber(report.accounts.length)} accounts as of ${report.as_of} written to ${out.file} (${out.format})`);
    }
    if (format === 'json') return printJson(json);
    if (format === 'csv') return printExport(milestonesCsv(report.accounts, names));
    printTable(report, names);
  });
}
