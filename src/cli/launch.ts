/**
 * `cairn launch new|check|report|due`: declare a launch's outcome before building, gate on its
 * instrumentation, report its outcome at each checkpoint, and list what is owed.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
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
import { LAUNCH_REPORT_FORMATS as FORMATS } from './choices.js';
import { CliError, EXIT, oneOf, usageError } from './errors.js';
import { print, printJson, printTable } from './output.js';
import { notOwned, recordOwned } from './owned-files.js';
import { withStore, type GlobalOptions } from './workspace.js';
import type { Job } from '../server/index.js';
import type { Store } from '../store/index.js';

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

/**
 * `cairn serve`'s launches job: the launch files as they are now, each declaration recorded when
 * it is new or changed (so the ledger holds the promise from before launch day even if no one ran
 * a launch command), failed posts re-sent, and what is due counted. Runs at start too.
 */
export function launchesJob(ws: Workspace, store: Store): Job {
  return {
    name: 'launches',
    schedule: ws.config.scheduler.launches,
    dueAtStart: () => true,
    run: async () => {
      // The files as they are now: milestones.yaml and tracking-plan.yaml may have changed since the start.
      const now = await loadWorkspace(ws.dir);
      const launches = await loadLaunches(now.dir, { milestones: Object.keys(now.milestones.milestones) });
      const resent = await resendFailed(store, now.dir, launches);
      const due = await launchesDue(store, now, launches, { today: new Date().toISOString().slice(0, 10) });
      return { launches: launches.length, due: due.due, overdue: due.overdue, failed_shares: due.failed_shares, resent: resent.length };
    },
  };
}

/** Lists, in each folder reports go to, the files `launch report` wrote, so it replaces those and nothing else. */
const OUT_MARKER = '.cairn-launch-reports.json';

async function workspace(globals: GlobalOptions): Promise<Workspace> {
  return loadWorkspace(resolveWorkspaceDir(globals.workspace));
}

/** `cairn launch new NAME`: launches/NAME.yaml from a commented template, and its feedback folder. */
export async function runLaunchNew(name: string, opts: { owner?: string; force?: boolean; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const ws = await workspace(globals);
  const created = await scaffoldLaunch(ws.dir, name, { owner: opts.owner, force: opts.force });
  if (opts.json) return printJson(created);
  print(`created ${created.file}`);
  print(`created ${created.feedbackDir}/`);
  print(`\nnext: write the outcome you expect, then \`cairn launch check ${name}\` in CI before shipping`);
}

/** `cairn launch check NAME`: the instrumentation gate; exit 1 with the problems listed. */
export async function runLaunchCheck(name: string, opts: { at?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const at = asOfOption(opts.at);
  const ws = await workspace(globals);
  const launch = await openLaunch(ws, name);
  const gate = await withStore(ws, async (_ws, store) => {
    await syncDeclaration(store, launch, Date.now());
    return checkInstrumentation(store, launch, ws.trackingPlan, at);
  });
  if (opts.json) printJson(gate);
  else printGate(gate);
  if (!gate.passed) throw new CliError(`${name} is not ready to ship: ${gate.problems.length} instrumentation problem${gate.problems.length === 1 ? '' : 's'}`, EXIT.failure);
}

interface ReportOptions {
  at?: string;
  format: string;
  json?: boolean;
  out?: string;
  force?: boolean;
  share?: boolean;
  record: boolean;
}

/** `cairn launch report NAME`: the outcome report as Markdown, HTML (to a file) or JSON; --json is the scripts' contract. */
export async function runLaunchReport(name: string, opts: ReportOptions, globals: GlobalOptions): Promise<void> {
  const format = opts.json ? 'json' : oneOf('--format', opts.format, FORMATS);
  const at = asOfOption(opts.at);
  const ws = await workspace(globals);
  const launch = await openLaunch(ws, name);
  const out = opts.out ? path.resolve(opts.out) : format === 'html' ? path.join(ws.dir, 'launches', name, 'reports', `${at}.html`) : null;
  // Checked before the report is built and recorded: nothing is done when the file is not ours to replace.
  if (out && !opts.force && (await notOwned(path.dirname(out), path.join(path.dirname(out), OUT_MARKER), [out])).length > 0) {
    throw usageError(`${out} exists and was not written by cairn launch report: use another --out, or --force to replace it`);
  }
  await withStore(ws, async (_ws, store) => {
    const report = await buildOutcomeReport(store, ws, launch, { at, record: opts.record });
    const markdown = renderMarkdown(report);
    const text = opts.json ? JSON.stringify(reportContract(report), null, 2) + '\n' : format === 'json' ? JSON.stringify(report, null, 2) + '\n' : format === 'html' ? renderHtml(report) : markdown;
    if (out) {
      await mkdir(path.dirname(out), { recursive: true });
      await recordOwned(path.dirname(out), path.join(path.dirname(out), OUT_MARKER), 'cairn launch report', [out]);
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
}

/** `cairn launch due`: reports due and overdue, anti-patterns, failed posts (re-sent with --resend). */
export async function runLaunchDue(opts: { at?: string; resend?: boolean; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const today = asOfOption(opts.at);
  const ws = await workspace(globals);
  const launches = await loadLaunches(ws.dir, { milestones: Object.keys(ws.milestones.milestones) });
  await withStore(ws, async (_ws, store) => {
    const resent = opts.resend ? await resendFailed(store, ws.dir, launches) : [];
    const due = await launchesDue(store, ws, launches, { today });
    if (opts.json) return printJson({ ...due, resent: resent.map((r) => ({ launch: r.launch, at: r.at, status: r.status, attempts: r.attempts, error: r.error })) });
    for (const r of resent) print(`resent ${r.launch} ${r.at}: ${r.status}${r.error ? ` (${r.error})` : ''}`);
    if (launches.length === 0) return print(`no launches in ${path.join(ws.dir, 'launches')}: \`cairn launch new NAME\` writes one`);
    printDue(due);
  });
}
