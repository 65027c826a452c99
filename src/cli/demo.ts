import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { importAccountHistory, importAccounts } from '../collect/index.js';
import { initWorkspace, loadWorkspace, CONFIG_FILE } from '../config/index.js';
import { describeScore, generateDemo, scoreDiscovery, type PlantedDrift, type PlantedTruth } from '../demo/index.js';
import { positiveInt } from './errors.js';
import { runEventImport } from './import.js';
import { formatNumber, print, printJson, printPairs, progressBar } from './output.js';
import { openStore } from './workspace.js';
import { computeFunnel } from '../milestones/index.js';
import { printFunnel } from './funnel.js';
import { printDiscovery, runDiscovery } from './discover.js';
import { refreshJson, refreshWorkspace } from './refresh.js';
import { printReview, runReview } from './review.js';
import { renderReviewReport } from '../review/index.js';

interface DemoOptions {
  dir: string;
  seed: string;
  accounts: string;
  months: string;
  discover: boolean;
  drift: boolean;
  review: boolean;
  json?: boolean;
}

/**
 * `cairn demo`: generates the demo help desk's data into a workspace, imports it and sums up
 * what is there: the funnel, then discovery compared with the planted truth. The demo owns its folder: data and store are made anew on every run, while
 * config files a person may have edited are kept.
 */
export async function runDemo(opts: DemoOptions) {
  const seed = positiveInt(opts.seed, '--seed', 2 ** 31 - 1);
  const accounts = positiveInt(opts.accounts, '--accounts', 50_000);
  const months = positiveInt(opts.months, '--months', 240);
  const dir = resolve(opts.dir);
  const started = Date.now();
  if (!existsSync(join(dir, CONFIG_FILE))) await initWorkspace(dir);
  const ws = await loadWorkspace(dir);
  if (ws.config.engine.kind === 'duckdb') {
    const db = resolve(dir, ws.config.engine.path);
    await Promise.all([rm(db, { force: true }), rm(db + '.wal', { force: true })]);
  }

  const bar = progressBar(!opts.json, 'accounts');
  const generated = await generateDemo({ dir, seed, accounts, months, drift: opts.drift, onProgress: (done, total) => bar.update(done, total, 'generating') });
  bar.stop();

  const store = await openStore(ws);
  try {
    const facts = await importAccounts(store, generated.files.accounts, 'demo');
    const history = await importAccountHistory(store, generated.files.accountHistory, 'demo');
    const events = await runEventImport(store, generated.files.events, { json: opts.json, source: 'demo', maxLineBytes: ws.config.import.max_line_bytes });
    // Every account placed on the framework, with its history backfilled.
    const statuses = await refreshWorkspace(ws, store);
    const stats = await store.stats();
    // The demo's data ends on a fixed day; judge the framework as of then, not today.
    const asOf = stats.newest_event_at ? stats.newest_event_at.slice(0, 10) : new Date().toISOString().slice(0, 10);
    const funnel = await computeFunnel(store, ws.milestones, asOf);
    const discovery = opts.discover ? await runDiscovery(ws, store, { asOf, seed: '1', trees: '100', fits: '5', json: opts.json }) : null;
    // The framework reviewed on the demo's cohorts: with drift planted, it should find it.
    const review = opts.review ? await runReview(ws, store, { asOf }) : null;
    const reviewFile = join(dir, 'review', 'review.html');
    if (review) {
      await mkdir(dirname(reviewFile), { recursive: true });
      await writeFile(reviewFile, renderReviewReport(review));
    }
    const truth = JSON.parse(await readFile(generated.files.groundTruth, 'utf8')) as PlantedTruth & { drift?: PlantedDrift };
    const score = discovery ? scoreDiscovery(discovery.result.evidence, truth) : null;
    const summary = {
      workspace: dir,
      seed,
      accounts: stats.accounts,
      users: stats.users,
      events: stats.events,
      imported: { events: events.imported, duplicates: events.duplicates, quarantined: events.quarantined + facts.quarantined + history.quarantined },
      history_rows: history.imported,
      oldest_event_at: stats.oldest_event_at,
      newest_event_at: stats.newest_event_at,
      quarantine_by_reason: stats.quarantine_by_reason,
      ground_truth: generated.files.groundTruth,
      statuses: refreshJson(statuses),
      funnel: { as_of: funnel.as_of, stages: funnel.total.stages, milestones: funnel.total.milestones, headline: funnel.total.headline },
      discovery: discovery && { proposed: discovery.result.proposal !== null, warnings: discovery.result.evidence.warnings, files: discovery.files, vs_planted_truth: score },
      review: review && {
        as_of: review.as_of,
        framework_version: review.framework.version,
        recommendations: Object.fromEntries(review.milestones.map((m) => [m.milestone, m.recommendation])),
        diff: review.proposal.diff,
        next_due: review.schedule.next_due,
        report: reviewFile,
        planted_drift: truth.drift ?? null,
      },
      seconds: (Date.now() - started) / 1000,
    };
    if (opts.json) return printJson(summary);
    print(`Cairn demo: an Intercom-like help desk, in ${dir}`);
    printPairs([
      ['accounts', formatNumber(summary.accounts)],
      ['users', formatNumber(summary.users)],
      ['events stored', formatNumber(summary.events)],
      ['duplicates skipped', formatNumber(events.duplicates)],
      ['quarantined', `${formatNumber(summary.imported.quarantined)} (${Object.entries(stats.quarantine_by_reason).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'})`],
      ['account history rows', formatNumber(history.imported)],
      ['events span', `${stats.oldest_event_at?.slice(0, 10)} → ${stats.newest_event_at?.slice(0, 10)}`],
      ['planted truth', generated.files.groundTruth],
      ['milestone history', `${formatNumber(statuses.changes)} changes backfilled as of ${statuses.as_of}`],
      ['took', `${summary.seconds.toFixed(1)} s`],
    ]);
    print('');
    printFunnel({ ...funnel, history: [] });
    if (discovery) {
      print('');
      printDiscovery(discovery.result.evidence, discovery.files);
      print('');
      for (const line of describeScore(score!)) print(line);
    }
    if (review) {
      print('');
      printReview(review);
      print(`\nreview report: ${reviewFile}`);
      if (truth.drift) print(`planted drift (ground-truth.json): from signups on ${truth.drift.signups_from}, ${truth.drift.setup_step_done_by_everyone} done by everyone; a bot closes conversations, so activation's cut moved from ${truth.drift.activation.at_least_before} to about ${truth.drift.activation.at_least_after}`);
    }
    const w = `--workspace ${opts.dir}`;
    print('\nnext:');
    for (const verb of ['discover', 'review --format html', 'milestones', 'account acc_00001', 'segment stuck_in_setup', 'funnel --by plan']) print(`  cairn ${w} ${verb} --as-of ${asOf}`);
    print(`  cairn ${w} keys create web && cairn ${w} serve     # collect live events`);
  } finally {
    await store.close();
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('generate a realistic help-desk SaaS with a planted truth, import it, and sum it up')
    .option('--dir <dir>', 'workspace folder for the demo', './cairn-demo')
    .option('--seed <n>', 'random seed: the same seed gives the same data', '42')
    .option('--accounts <n>', 'accounts to generate (up to 50,000)', '4000')
    .option('--months <n>', 'months over which accounts sign up', '30')
    .option('--no-discover', 'skip discovery (faster)')
    .option('--no-drift', 'plant no drift in recent cohorts (the review then finds none)')
    .option('--no-review', 'skip the framework review at the end')
    .option('--json', 'print the summary as JSON')
    .action(runDemo);
}
