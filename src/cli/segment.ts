import { milestonesCsv, segmentMembers } from '../milestones/index.js';
import { asOfOption } from './as-of.js';
import { OUTPUT_FORMATS } from './choices.js';
import { oneOf, usageError } from './errors.js';
import { statusesNote } from './milestones.js';
import { workspaceStatuses } from './refresh.js';
import { formatNumber, print, printExport, printJson } from './output.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';
import { exportOut, writeAccountsExport } from './export-file.js';

/** `cairn segment NAME`: the accounts of a declared segment. */
export async function runSegment(name: string, opts: { asOf?: string; format: string; json?: boolean; out?: string; force?: boolean }, globals: GlobalOptions): Promise<void> {
  const out = exportOut(opts);
  const format = opts.json ? 'json' : out ? 'table' : oneOf('--format', opts.format, OUTPUT_FORMATS);
  const asOf = asOfOption(opts.asOf);
  await withWorkspace(globals, async (ws, store) => {
    const known = Object.keys(ws.milestones.segments);
    if (!known.includes(name)) {
      throw usageError(`no segment ${JSON.stringify(name)} in ${ws.files.milestones}; segments: ${known.join(', ') || 'none declared'}`);
    }
    const report = await workspaceStatuses(ws, store, asOf);
    const members = await segmentMembers(store, ws.milestones, name, report);
    const json = { segment: name, expression: ws.milestones.segments[name], as_of: asOf, source: report.source, framework_version: report.framework_version, count: members.length, accounts: members };
    if (out) {
      await writeAccountsExport(out.file, out.format, members, Object.keys(ws.milestones.milestones), json);
      return print(`${name}: ${formatNumber(members.length)} accounts as of ${asOf} written to ${out.file} (${out.format})`);
    }
    if (format === 'json') return printJson(json);
    if (format === 'csv') return printExport(milestonesCsv(members, Object.keys(ws.milestones.milestones)));
    print(`${name}: ${ws.milestones.segments[name]}`);
    for (const a of members) print(`  ${a.account_id.padEnd(16)} ${a.stage.padEnd(12)} ${a.next_best_step ? `next: ${a.next_best_step.action}` : ''}`);
    print(`\n${formatNumber(members.length)} of ${formatNumber(report.accounts.length)} accounts as of ${asOf} (${statusesNote(report)})`);
  });
}
