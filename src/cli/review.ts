import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadWorkspace, type Workspace } from '../config/index.js';
import { nextReviewDue, renderReviewReport, reviewCron, reviewFramework, reviewMarkdown, reviewText, type FrameworkReview } from '../review/index.js';
import type { Job } from '../server/index.js';
import type { Store } from '../store/index.js';
import { asOfOption } from './as-of.js';
import { REVIEW_COHORTS, REVIEW_FORMATS } from './choices.js';
import { lastEventDay } from './discover.js';
import { oneOf, positiveInt, usageError } from './errors.js';
import { print, printExport, printJson } from './output.js';
import { notOwned, recordOwned } from './owned-files.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';

export interface ReviewCliOptions {
  asOf?: string;
  cohorts?: string;
  recent?: string;
  seed?: string;
}

/** Runs the review on a workspace with its cairn.yaml settings, the command line's overriding them. */
export async function runReview(ws: Workspace, store: Store, opts: ReviewCliOptions): Promise<FrameworkReview> {
  // `cairn init` writes no milestones for a new product: there is nothing to review yet.
  if (Object.keys(ws.milestones.milestones).length === 0) {
    throw usageError(`${ws.files.milestones} declares no milestones, so there is nothing to review: run \`cairn discover\` and adopt its proposed-milestones.yaml first`);
  }
  const asOf = opts.asOf === undefined ? await lastEventDay(store) : asOfOption(opts.asOf);
  const cohorts = opts.cohorts === undefined ? ws.config.review.cohorts : oneOf('--cohorts', opts.cohorts, REVIEW_COHORTS);
  return reviewFramework(store, {
    framework: ws.milestones,
    fileText: await readFile(ws.files.milestones, 'utf8'),
    config: { retention: ws.config.retention, review: { ...ws.config.review, cohorts } },
    asOf,
    recent: opts.recent === undefined ? undefined : positiveInt(opts.recent, '--recent', 1000),
    seed: opts.seed === undefined ? 1 : positiveInt(opts.seed, '--seed', 2 ** 31 - 1),
  });
}

/** Lists the reports reviews wrote in a folder, so a later review replaces those and nothing else. */
const OUT_MARKER = '.cairn-review.json';

/** Where a review report goes (default review/review.html); a usage error when a file there was not written by a review, unless `force`. */
export async function reviewOut(ws: Workspace, out: string | undefined, force?: boolean): Promise<string> {
  const file = out ? resolve(out) : join(ws.dir, 'review', 'review.html');
  const theirs = force ? [] : await notOwned(dirname(file), join(dirname(file), OUT_MARKER), [file]);
  if (theirs.length > 0) throw usageError(`${file} exists and was not written by cairn review: use another --out, or --force to replace it`);
  return file;
}

/** Writes a report where {@link reviewOut} said, recording it as the review's. */
export async function writeReviewReport(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await recordOwned(dirname(file), join(dirname(file), OUT_MARKER), 'cairn review', [file]);
  await writeFile(file, text);
}

/** The review's terminal lines, for `cairn demo` too. */
export function printReview(review: FrameworkReview): void {
  for (const line of reviewText(review).trimEnd().split('\n')) print(line);
}

/** `cairn review`: the periodic framework review, as a table, JSON, Markdown or an HTML report. */
export async function runReviewVerb(opts: ReviewCliOptions & { format: string; out?: string; force?: boolean; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const format = opts.json ? 'json' : oneOf('--format', opts.format, REVIEW_FORMATS);
  await withWorkspace(globals, async (ws, store) => {
    // Checked before the review runs.
    const out = opts.out || format === 'html' ? await reviewOut(ws, opts.out, opts.force) : null;
    const review = await runReview(ws, store, opts);
    const text = format === 'json' ? JSON.stringify(review, null, 2) + '\n' : format === 'md' ? reviewMarkdown(review) : format === 'html' ? renderReviewReport(review) : null;
    if (out && text !== null) {
      await writeReviewReport(out, text);
      return print(`review as of ${review.as_of} written to ${out}; next review due ${review.schedule.next_due}`);
    }
    if (format === 'json') return printJson(review);
    if (format === 'md') return printExport(text!);
    printReview(review);
  });
}

/**
 * The review as a job of `cairn serve`: at the start of each period of review.every (or its
 * cron), and at start when one was missed while the server was down; it writes the HTML
 * report where `cairn review --format html` does and keeps a summary as the run's result.
 */
export function reviewJob(ws: Workspace, store: Store): Job {
  const every = ws.config.review.every;
  return {
    name: 'review',
    schedule: reviewCron(every),
    dueAtStart: (lastOk) => lastOk !== null && nextReviewDue(every, lastOk.toISOString().slice(0, 10)) <= new Date().toISOString().slice(0, 10),
    run: async () => {
      // The files as they are now: milestones.yaml may have changed since the server started.
      const now = await loadWorkspace(ws.dir);
      const out = await reviewOut(now, undefined);
      const review = await runReview(now, store, {});
      await writeReviewReport(out, renderReviewReport(review));
      const actions: Record<string, number> = {};
      for (const m of review.milestones) actions[m.recommendation.action] = (actions[m.recommendation.action] ?? 0) + 1;
      return { as_of: review.as_of, report: out, recommendations: actions, next_due: review.schedule.next_due };
    },
  };
}
