import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { importAccountHistory, importAccounts, STATE_DIR, stateDir } from '../collect/index.js';
import { initWorkspace, isInside, loadWorkspace, CONFIG_FILE, DEFAULT_STORE_FILE, type Workspace } from '../config/index.js';
import { describeScore, generateDemo, LAUNCH_EVENTS_FILE, scoreDiscovery, type PlantedLaunch, type PlantedTruth } from '../demo/index.js';
import { IMPORT_SOURCE } from '../model/index.js';
import { sql, type Store } from '../store/index.js';
import { DEMO_WORLDS, DISCOVER_DEFAULTS } from './choices.js';
import { oneOf, positiveInt, usageError } from './errors.js';
import { importEventFiles } from './import.js';
import { formatNumber, print, printJson, printPairs, terminalText } from './output.js';
import { accessNote } from './serve.js';
import { startServer } from '../server/index.js';
import { progressBar } from './progress-bar.js';
import { notOwned, recordOwned } from './owned-files.js';
import { openStore, withStore } from './workspace.js';
import { computeFunnel } from '../milestones/index.js';
import { printFunnel } from './funnel.js';
import { refreshJson, refreshWorkspace } from './refresh.js';
import { printReview, reviewOut, runReview, writeReviewReport } from './review.js';
import { renderReviewReport } from '../review/index.js';
import { discoverAndWrite, discoveryOut, printDiscovery } from './discover.js';
import { printDemoLaunches, runDemoLaunches } from './demo-launches.js';

export interface DemoOptions {
  dir: string;
  seed: string;
  accounts: string;
  months: string;
  world: string;
  discover: boolean;
  drift: boolean;
  review: boolean;
  /** Serve the dashboard on the demo until SIGINT or SIGTERM (`--no-serve`: end after the summary). */
  serve: boolean;
  port: string;
  force?: boolean;
  json?: boolean;
}

/** The source of the demo's data: imported, but apart from any other import. */
const DEMO_SOURCE = 'demo';
/** Where the demo lists what it made, so a later run replaces that and nothing else. */
const DEMO_MARKER = join(STATE_DIR, 'demo.json');
/** The files the demo generates, relative to its folder. */
const DEMO_FILES = ['data/events.jsonl', 'data/events-late.jsonl', LAUNCH_EVENTS_FILE, 'data/accounts.csv', 'data/account-history.csv', 'ground-truth.json'];

/**
 * `cairn demo`: generates the demo help desk's data into a workspace, imports it and sums up
 * what is there: the funnel, discovery and the review compared with the planted truth, and the
 * planted launches' verdicts against what was planted. Data and store are
 * made anew on every run, config files a person may have edited are kept; a folder holding a
 * workspace, store or data the demo did not make is refused unless --force, and a store outside
 * the folder is never replaced.
 */
export async function runDemo(opts: DemoOptions) {
  const seed = positiveInt(opts.seed, '--seed', 2 ** 31 - 1);
  const port = opts.port === '0' ? 0 : positiveInt(opts.port, '--port', 65535);
  const accounts = positiveInt(opts.accounts, '--accounts', 50_000);
  const months = positiveInt(opts.months, '--months', 240);
  const world = oneOf('--world', opts.world, DEMO_WORLDS);
  const dir = resolve(opts.dir);
  const started = Date.now();
  const existing = existsSync(join(dir, CONFIG_FILE)) ? await loadWorkspace(dir) : null;
  const engine = existing?.config.engine ?? { kind: 'duckdb', path: DEFAULT_STORE_FILE };
  const db = engine.kind === 'duckdb' ? resolve(dir, engine.path) : null;
  if (!opts.force) await checkDemoFolder(dir, existing, db);
  else if (db && !isInside(dir, db)) throw outsideStore(dir, db);
  const made = existing ? [] : (await initWorkspace(dir, { template: 'helpdesk' })).created;
  const ws = existing ?? (await loadWorkspace(dir));
  if (opts.discover) await discoveryOut(ws, { force: opts.force });
  const reviewFile = opts.review ? await reviewOut(ws, undefined, opts.force) : null;
  await stateDir(dir);
  await recordOwned(dir, join(dir, DEMO_MARKER), 'cairn demo', [...made, ...demoFiles(dir, db)]);
  if (db) await Promise.all([rm(db, { force: true }), rm(db + '.wal', { force: true })]);

  const bar = progressBar(!opts.json, 'accounts');
  const generated = await generateDemo({ dir, seed, accounts, months, world, drift: opts.drift && world === 'planted', launches: world === 'planted', onProgress: (done, total) => bar.update(done, total, 'generating') });
  bar.stop();

  const store = await openStore(ws);
  let asOf: string;
  let summaryJson: Record<string, unknown>;
  try {
    // The demo remakes its DuckDB file; a ClickHouse database it did not make is not its to fill.
    if (ws.config.engine.kind === 'clickhouse' && (await store.stats()).events > 0) {
      throw usageError(`the demo imports into an empty store, and ClickHouse database ${ws.config.engine.database} holds events: name a new database in ${join(dir, CONFIG_FILE)}`);
    }
    const facts = await importAccounts(store, generated.files.accounts, DEMO_SOURCE);
    const history = await importAccountHistory(store, generated.files.accountHistory, DEMO_SOURCE);
    // Checked against tracking-plan.yaml as any import is.
    const events = await importEventFiles(store, generated.files.events, { json: opts.json, source: DEMO_SOURCE, maxLineBytes: ws.config.import.max_line_bytes, plan: ws.trackingPlan });
    const stats = await store.stats();
    // The demo's data ends on a fixed day; judge the framework as of then, not today.
    asOf = stats.newest_event_at ? stats.newest_event_at.slice(0, 10) : new Date().toISOString().slice(0, 10);
    // Every account placed on the framework as of then (the dashboard's day), with its history backfilled.
    const statuses = await refreshWorkspace(ws, store, { asOf });
    const funnel = await computeFunnel(store, ws.milestones, asOf);
    // Half discover's refits: the demo trades some rank-interval precision for time.
    const discovery = opts.discover ? await discoverAndWrite(ws, store, { ...DISCOVER_DEFAULTS, fits: '5', asOf, json: opts.json, force: opts.force }) : null;
    // The framework reviewed on the demo's cohorts: with drift planted, it should find it.
    // A workspace kept with --force may have no framework yet (`cairn init`'s): nothing to review.
    const reviewable = Object.keys(ws.milestones.milestones).length > 0;
    const review = reviewFile && reviewable ? await runReview(ws, store, { asOf }) : null;
    if (review) await writeReviewReport(reviewFile!, renderReviewReport(review));
    const truth = JSON.parse(await readFile(generated.files.groundTruth, 'utf8')) as PlantedTruth & { launches?: PlantedLaunch[] };
    const score = discovery ? scoreDiscovery(discovery.result.evidence, truth) : null;
    const launches = await runDemoLaunches(ws, store, truth.launches ?? [], asOf);
    const summary = {
      workspace: dir,
      seed,
      world,
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
      launches,
      seconds: (Date.now() - started) / 1000,
    };
    summaryJson = summary;
    if (opts.json) {
      if (!opts.serve) printJson(summary);
    } else {
      print(`Cairn demo: an Intercom-like help desk${world === 'null' ? ' where nothing predicts retention (the null world)' : ''}, in ${dir}`);
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
      if (reviewFile && !reviewable) print(`\nno review: ${ws.files.milestones} declares no milestones (adopt discovery's proposal, then \`cairn review\`)`);
      if (review) {
        print('');
        printReview(review);
        print(`\nreview report: ${reviewFile}`);
        if (truth.drift) print(`planted drift (ground-truth.json): from signups on ${truth.drift.signups_from}, ${truth.drift.setup_step_done_by_everyone} done by everyone; a bot closes conversations, so activation's cut moved from ${truth.drift.activation.at_least_before} to about ${truth.drift.activation.at_least_after}`);
      }
      if (launches.length) {
        print('');
        printDemoLaunches(launches);
      }
      const w = `--workspace ${opts.dir}`;
      print('\nnext:');
      for (const verb of ['discover', 'review --format html', 'milestones', 'account acc_00001', 'segment stuck_in_setup', 'funnel --by plan']) print(`  cairn ${w} ${verb} --as-of ${asOf}`);
      for (const verb of ['launch report reply_suggestions --format html', 'launch due']) print(`  cairn ${w} ${verb} --at ${asOf}`);
      print(`  cairn ${w} keys create web && cairn ${w} serve     # collect live events`);
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  if (!opts.serve) return store.close();
  await serveDemo(ws, store, port, asOf, opts.json ? summaryJson : null);
}

/**
 * The demo's last step: the dashboard on its store, on loopback, judged as of the demo's last
 * day, with no token (the demo's data is made up, and only this machine can reach it), until
 * SIGINT or SIGTERM. The URL is the last line printed (JSON with --json).
 */
async function serveDemo(ws: Workspace, store: Store, port: number, asOf: string, json: Record<string, unknown> | null): Promise<void> {
  const log = (line: string) => process.stderr.write(terminalText(`cairn demo: ${line}\n`));
  let running;
  try {
    running = await startServer(ws, store, { port, host: '127.0.0.1', withoutToken: 'admin', asOf, log });
  } catch (err) {
    await store.close();
    throw err;
  }
  const stopped = new Promise<void>((resolve) => {
    const stop = () => void running.stop().then(() => store.close()).then(resolve, resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  if (json) printJson({ ...json, dashboard: `${running.url}/`, pid: process.pid });
  else print(`\ndashboard: ${running.url}/   (as of ${asOf}; ${accessNote(running.withoutToken)}; Ctrl-C stops it)`);
  await stopped;
}

/** What the demo writes and replaces in its folder: data files, and the store (with its .wal) when it is a file. */
const demoFiles = (dir: string, db: string | null) => [...DEMO_FILES.map((f) => join(dir, f)), ...(db ? [db, `${db}.wal`] : [])];

const outsideStore = (dir: string, db: string) =>
  usageError(`${join(dir, CONFIG_FILE)} names the store ${db}, outside ${dir}; the demo replaces only a store inside its folder: use another --dir`);

/**
 * Refuses (usage error naming what is there and how to go on) a folder holding a workspace,
 * store or data files the demo did not make — by its marker, and by the sources of the data in
 * the store — and a store outside the folder.
 */
async function checkDemoFolder(dir: string, ws: Workspace | null, db: string | null): Promise<void> {
  if (db && !isInside(dir, db)) throw outsideStore(dir, db);
  const theirs = await notOwned(dir, join(dir, DEMO_MARKER), [join(dir, CONFIG_FILE), ...demoFiles(dir, db)]);
  if (theirs.length === 0 && db && existsSync(db)) {
    // Listed as the demo's, but live data may have been collected into it since.
    const others = ws ? await withStore(ws, (_ws, store) => foreignSources(store)) : ['an unknown source'];
    if (others.length > 0) theirs.push(`${db} (with data from ${others.join(', ')})`);
  }
  if (theirs.length > 0) {
    throw usageError(
      `${dir} holds what the demo did not make: ${theirs.join(', ')}. The demo would replace its store and data files ` +
        `(config files are kept): run it with another --dir, or add --force to replace them`,
    );
  }
}

/** Sources other than the demo's own with data in the store (collected live, imported). */
async function foreignSources(store: Store): Promise<string[]> {
  const rows = await store.query<{ source: string }>(
    sql`SELECT source FROM events WHERE source <> ${DEMO_SOURCE} UNION SELECT source FROM quarantine WHERE source <> ${DEMO_SOURCE}
      UNION SELECT facts_source FROM accounts WHERE facts_source IS NOT NULL AND facts_source <> ${IMPORT_SOURCE} ORDER BY 1`,
  );
  return rows.map((r) => r.source);
}
