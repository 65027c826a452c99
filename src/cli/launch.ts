import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { launchFile, loadLaunch, loadLaunches, loadWorkspace, resolveWorkspaceDir, scaffoldLaunch, type Launch, type Workspace } from '../config/index.js';
import {
  buildOutcomeReport,
  checkInstrumentation,
  launchesDue,
  renderHtml,
  renderMarkdown,
  reportContract,
  resendFailed,
  shareReport,
  syncDeclaration,
  type DueList,
  type GateResult,
} from '../outcomes/index.js';
import { asOfOption } from './as-of.js';
import { CliError, EXIT, oneOf, usageError } from './errors.js';
import { print, printJson, printTable } from './output.js';
import { withStore, type GlobalOptions } from './workspace.js';

const FORMATS = ['md', 'html', 'json'] as const;

/** A launch of the workspace by name, checked against its milestones. */
async function openLaunch(ws: Workspace, name: string): Promise<Launch> {
  const file = launchFile(ws.dir, name);
  if (!existsSync(file)) throw usageError(`no launch ${JSON.stringify(name)}: ${file} does not exist (create it with \`cairn launch new ${name}\`)`);
  return loadLaunch(file, { milestones: Object.keys(ws.milestones.milestones) });
}

function printGate(g: GateResult): void {
  print(`${g.launch}: instrumentation ${g.passed ? 'passed' : 'FAILED'} as of ${g.at}${g.launched ? '' : ' (not launched yet: plan checks only)'}`);
  if (g.events.length) {
    printTable(
      ['step', 'event', 'planned', 'since launch', 'first seen'],
      g.events.map((e) => [e.stage, e.event, e.planned ? 'yes' : 'NO', e.arrived === null ? '—' : String(e.arrived), e.first_seen ?? '—']),
      '  ',
    );
  }
  for (const p of g.problems) print(`  ✗ ${p.message}`);
}

function printDue(d: DueList): void {
  print(`Launches as of ${d.today}: ${d.due} report${d.due === 1 ? '' : 's'} due, ${d.overdue} overdue, ${d.failed_shares} failed post${d.failed_shares === 1 ? '' : 's'}`);
  for (const l of d.launches) {
    print(`\n${l.launch} (${l.size}, owner ${l.owner}) ${l.launched_at ? `launched ${l.launched_at}` : 'planned'}`);
    for (const c of l.checkpoints) print(`  ${String(c.days).padStart(4)} days  ${c.date}  ${c.status.toUpperCase()}${c.reports.length ? `  (report ${c.reports.join(', ')})` : ''}`);
    for (const f of l.flags) print(`  ⚠ ${f.code}: ${f.message}`);
    for (const s of l.failed_shares) print(`  ✗ post of the ${s.at} report failed after ${s.attempts} attempt(s): ${s.error} — \`cairn launch due --resend\``);
  }
}

export function registerLaunch(program: Command, globals: () => GlobalOptions): void {
  const cmd = program.command('launch').description('launches: declare the outcome before building, gate on instrumentation, report outcomes at checkpoints');

  cmd
    .command('new')
    .description('write launches/NAME.yaml from a commented template, and launches/NAME/feedback/')
    .argument('<name>', 'launch name: lowercase letters, digits and underscores')
    .option('--owner <who>', 'who answers for the outcome')
    .option('--force', 'overwrite an existing launch file')
    .option('--json', 'print the created paths as JSON')
    .action(async (name: string, opts: { owner?: string; force?: boolean; json?: boolean }) => {
      const ws = await loadWorkspace(resolveWorkspaceDir(globals().workspace));
      const created = await scaffoldLaunch(ws.dir, name, { owner: opts.owner, force: opts.force });
      if (opts.json) return printJson(created);
      print(`created ${created.file}`);
      print(`created ${created.feedbackDir}/`);
      print(`\nnext: write the outcome you expect, then \`cairn launch check ${name}\` in CI before shipping`);
    });

  cmd
    .command('check')
    .description('the instrumentation gate: exit 1 when the launch events are not in tracking-plan.yaml, or after launch have not arrived or arrive with violations')
    .argument('<name>', 'launch name')
    .option('--at <date>', 'check as of this day (YYYY-MM-DD; default today)')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { at?: string; json?: boolean }) => {
      const at = asOfOption(opts.at);
      const ws = await loadWorkspace(resolveWorkspaceDir(globals().workspace));
      const launch = await openLaunch(ws, name);
      const gate = await withStore(ws, async (_ws, store) => {
        await syncDeclaration(store, launch, Date.now());
        return checkInstrumentation(store, launch, ws.trackingPlan, at);
      });
      if (opts.json) printJson(gate);
      else printGate(gate);
      if (!gate.passed) throw new CliError(`${name} is not ready to ship: ${gate.problems.length} instrumentation problem${gate.problems.length === 1 ? '' : 's'}`, EXIT.failure);
    });

  cmd
    .command('report')
    .description('the outcome report: expected vs measured with the strongest design the data allow, the adoption funnel, feedback, decisions, verdict')
    .argument('<name>', 'launch name')
    .option('--at <date>', 'report as of this day (YYYY-MM-DD; default today)')
    .option('--format <format>', `output: ${FORMATS.join(', ')} (html is written to a file)`, 'md')
    .option('--json', `print { launch, at, verdict, design, outcome, flags } (the contract scripts use)`)
    .option('--out <file>', 'write the report to this file')
    .option('--share', "post it to the launch's Slack webhook (share.slack)")
    .option('--no-record', 'do not record the report in the ledger (a preview)')
    .action(async (name: string, opts: { at?: string; format: string; json?: boolean; out?: string; share?: boolean; record: boolean }) => {
      const format = opts.json ? 'json' : oneOf('--format', opts.format, FORMATS);
      const at = asOfOption(opts.at);
      const ws = await loadWorkspace(resolveWorkspaceDir(globals().workspace));
      const launch = await openLaunch(ws, name);
      await withStore(ws, async (_ws, store) => {
        const report = await buildOutcomeReport(store, ws, launch, { at, record: opts.record });
        const markdown = renderMarkdown(report);
        const text = opts.json ? JSON.stringify(reportContract(report), null, 2) + '\n' : format === 'json' ? JSON.stringify(report, null, 2) + '\n' : format === 'html' ? renderHtml(report) : markdown;
        const out = opts.out ?? (format === 'html' ? path.join(ws.dir, 'launches', name, 'reports', `${at}.html`) : null);
        if (out) {
          await mkdir(path.dirname(path.resolve(out)), { recursive: true });
          await writeFile(out, text);
          if (!opts.json) print(`${report.launch}: ${report.verdict} — wrote ${out}`);
        } else process.stdout.write(text);
        if (opts.share) {
          const shared = await shareReport(store, ws.dir, launch, report, { markdown });
          if (shared.status === 'failed') {
            throw new CliError(`the Slack post failed after ${shared.attempts} attempt(s): ${shared.error}; it is recorded and \`cairn launch due --resend\` sends it again`);
          }
          process.stderr.write(`posted to Slack (${shared.attempts} attempt${shared.attempts === 1 ? '' : 's'})\n`);
        }
      });
    });

  cmd
    .command('due')
    .description('reports due and overdue for every launch, anti-patterns, and Slack posts that failed')
    .option('--at <date>', 'as of this day (YYYY-MM-DD; default today)')
    .option('--resend', 'send the failed Slack posts again')
    .option('--json', 'print the list as JSON')
    .action(async (opts: { at?: string; resend?: boolean; json?: boolean }) => {
      const today = asOfOption(opts.at);
      const ws = await loadWorkspace(resolveWorkspaceDir(globals().workspace));
      const launches = await loadLaunches(ws.dir, { milestones: Object.keys(ws.milestones.milestones) });
      await withStore(ws, async (_ws, store) => {
        const resent = opts.resend ? await resendFailed(store, ws.dir, launches) : [];
        const due = await launchesDue(store, ws, launches, { today });
        if (opts.json) return printJson({ ...due, resent: resent.map((r) => ({ launch: r.launch, at: r.at, status: r.status, attempts: r.attempts, error: r.error })) });
        for (const r of resent) print(`resent ${r.launch} ${r.at}: ${r.status}${r.error ? ` (${r.error})` : ''}`);
        if (launches.length === 0) return print(`no launches in ${path.join(ws.dir, 'launches')}: \`cairn launch new NAME\` writes one`);
        printDue(due);
      });
    });
}
