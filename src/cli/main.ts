/**
 * The `cairn` command. Verbs parse their options, open the workspace through `workspace.ts`
 * (the composition root) and call the feature folders; every verb has --json for scripts.
 * Exit codes: 0 ok, 1 failure, 2 bad usage or bad config.
 *
 * The command table below declares every verb — name, arguments, options, help — and loads
 * its module only when it runs, so `cairn --help` and bad usage load nothing heavy (no
 * DuckDB, fastify, statistics). To add a verb, declare it here and end with
 *   .action(async (arg, opts) => (await import('./my-verb.js')).runMyVerb(arg, opts, globals()));
 * where `my-verb.ts` exports `runMyVerb`. Import only commander, `errors.ts` and `choices.ts`
 * (the words options accept) statically: test/cli/built-cli.test.ts fails on anything else.
 */
import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { DEMO_WORLDS, DISCOVER_DEFAULTS, EXPORT_FORMATS, FUNNEL_BY, INIT_EXAMPLES, LAUNCH_REPORT_FORMATS, OUTPUT_FORMATS, RETENTION_KINDS, REVIEW_COHORTS, REVIEW_FORMATS } from './choices.js';
import { EXIT, reportError } from './errors.js';

const AS_OF = 'use only data up to this day (YYYY-MM-DD; default today)';

export function buildProgram(): Command {
  const program = new Command('cairn')
    .description('Find the milestones that predict retention, place every account on them, and report the outcome of every launch.')
    .version(packageJson.version, '-V, --version', 'print the version')
    .option('-w, --workspace <dir>', 'workspace folder (default: $CAIRN_WORKSPACE or the current folder)')
    .showHelpAfterError('(run `cairn --help` for the verbs)')
    .addHelpText(
      'after',
      `
Every verb takes --json. A workspace is a folder with cairn.yaml, milestones.yaml,
tracking-plan.yaml and launches/ (\`cairn init\`); events are stored in cairn.duckdb there.
Launches: \`cairn launch new NAME\` declares the outcome before building, \`launch check\`
gates on instrumentation (CI), \`launch report\` judges it at each checkpoint
(--json: { launch, at, verdict, design, outcome, flags }), \`launch due\` lists what is owed.

Import format v1: events as JSON lines (.jsonl, gzip or not), CSV or Parquet with
message_id?, timestamp, account_id, user_id?, action, object, place?, metadata?, count?;
Segment-shaped lines too. Accounts CSV: account_id,name,created_at,plan,seats,churned_at.
Account history CSV: account_id,valid_from,plan,seats,mrr,status. Bad rows go to
quarantine with file, line and reason.

Exit codes: 0 ok, 1 failure, 2 bad usage or bad config (the message names file and line).`,
    )
    .exitOverride();
  const globals = () => program.opts<{ workspace?: string }>();

  program
    .command('demo')
    .description('generate a realistic help-desk SaaS with a planted truth, import it, and sum it up')
    .option('--dir <dir>', 'workspace folder for the demo', './cairn-demo')
    .option('--seed <n>', 'random seed: the same seed gives the same data', '42')
    .option('--accounts <n>', 'accounts to generate (up to 50,000)', '4000')
    .option('--months <n>', 'months over which accounts sign up', '30')
    .option('--world <world>', `planted: the help desk with its planted truth; null: the same behaviour, nothing planted, no drift (${DEMO_WORLDS.join(', ')})`, 'planted')
    .option('--no-discover', 'skip discovery (faster)')
    .option('--no-drift', 'plant no drift in recent cohorts (the review then finds none)')
    .option('--no-review', 'skip the framework review at the end')
    .option('--force', 'replace a store and data files in --dir that the demo did not make (never a store outside it)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts) => (await import('./demo.js')).runDemo(opts));

  program
    .command('init')
    .description('create a workspace for your product: cairn.yaml, an empty milestones.yaml (cairn discover proposes one), a tracking plan that flags what it does not know, launches/')
    .argument('[dir]', 'folder for the workspace', '.')
    .option('--example <name>', `start from an example instead: ${INIT_EXAMPLES.join(', ')} (the demo help desk's tracking plan and framework)`)
    .option('--engine <kind>', 'duckdb (one file in the workspace) or clickhouse (a server or cluster)', 'duckdb')
    .option('--url <url>', 'ClickHouse HTTP URL, such as http://localhost:8123 (with --engine clickhouse)')
    .option('--database <name>', 'ClickHouse database (default cairn)')
    .option('--cluster <name>', "ClickHouse cluster to shard the tables over (from the servers' remote_servers)")
    .option('--username <name>', 'ClickHouse user (default "default"); the password comes from $CAIRN_CLICKHOUSE_PASSWORD or password_file')
    .option('--force', 'overwrite existing config files')
    .option('--json', 'print the created files as JSON')
    .action(async (dir, opts) => (await import('./init.js')).runInit(dir, opts));

  const imports = program.command('import').description('import events, accounts or account history from files (import format v1)');
  imports
    .command('events')
    .description('import events from JSON lines (.jsonl, .jsonl.gz), CSV or Parquet files; Segment-shaped lines too')
    .argument('<files...>', 'event files')
    .option('--source <name>', 'source recorded on the events; an id it already stored is a duplicate (import: an id any source stored)', 'import')
    .option('--json', 'print { imported, duplicates, quarantined } as JSON')
    .action(async (files, opts) => (await import('./import.js')).runImportEvents(files, opts, globals()));
  for (const [kind, label] of [
    ['accounts', 'accounts CSV: account_id,name,created_at,plan,seats,churned_at'],
    ['account-history', 'account history CSV: account_id,valid_from,plan,seats,mrr,status'],
  ] as const) {
    imports
      .command(kind)
      .description(`import an ${label}`)
      .argument('<file>', 'CSV file with a header row')
      .option('--json', 'print { imported, quarantined } as JSON')
      .action(async (file, opts) => (await import('./import.js')).runImportCsv(kind, file, opts, globals()));
  }

  program
    .command('stats')
    .description('counts, freshness, and per source: events/s received, lag to storage, quarantined and flagged by reason')
    .option('--json', 'print as JSON')
    .action(async (opts) => (await import('./stats.js')).runStats(opts, globals()));

  program
    .command('milestones')
    .description('every account on the framework as of a date: stage, milestones, next best step')
    .option('--as-of <date>', AS_OF)
    .option('--format <format>', `output: ${OUTPUT_FORMATS.join(', ')}; with --out: ${EXPORT_FORMATS.join(', ')}`, 'table')
    .option('--out <file>', 'write to a file: CSV, JSON or Parquet by --format or the extension (.csv, .json, .parquet)')
    .option('--force', 'replace a file already at --out')
    .option('--json', 'same as --format json')
    .action(async (opts) => (await import('./milestones.js')).runMilestones(opts, globals()));

  program
    .command('account')
    .description('one account: stage, milestones, next best step and its reason, timeline')
    .argument('<id>', 'account id')
    .option('--as-of <date>', AS_OF)
    .option('--json', 'print as JSON')
    .action(async (id, opts) => (await import('./account.js')).runAccount(id, opts, globals()));

  program
    .command('segment')
    .description('the accounts of a segment declared in milestones.yaml (e.g. stuck_in_setup), to act on or export')
    .argument('<name>', 'segment name')
    .option('--as-of <date>', AS_OF)
    .option('--format <format>', `output: ${OUTPUT_FORMATS.join(', ')}; with --out: ${EXPORT_FORMATS.join(', ')}`, 'table')
    .option('--out <file>', 'write to a file: CSV, JSON or Parquet by --format or the extension (.csv, .json, .parquet)')
    .option('--force', 'replace a file already at --out')
    .option('--json', 'same as --format json')
    .action(async (name, opts) => (await import('./segment.js')).runSegment(name, opts, globals()));

  program
    .command('funnel')
    .description('share of accounts at each stage and milestone, median days to each, the maturity headline, by cohort, with 95% intervals and history')
    .option('--as-of <date>', AS_OF)
    .option('--by <cohort>', `group by: ${FUNNEL_BY.join(', ')}`, 'all')
    .option('--json', 'print as JSON')
    .action(async (opts) => (await import('./funnel.js')).runFunnel(opts, globals()));

  program
    .command('discover')
    .description('find, backwards from retention, which early behaviours predict it; propose setup, activation, utilization and maturity with the evidence')
    .option('--as-of <date>', 'use only data up to this day (YYYY-MM-DD; default the newest day among events, churn dates and account history)')
    .option('--retention <kind>', `retention label: ${RETENTION_KINDS.join(', ')} (default from cairn.yaml)`)
    .option('--retention-days <n>', 'judge retention this many days after signup (default from cairn.yaml)')
    .option('--early-days <n>', 'measure behaviour in the first this many days (default from cairn.yaml)')
    .option('--dormant-days <n>', 'not_dormant: activity needed within the last this many days (default from cairn.yaml)')
    .option('--core-action <pair>', 'the action activation counts, as "ACTION OBJECT" (default: from milestones.yaml, else the most predictive repeated action)')
    .option('--seed <n>', 'random seed: the same seed gives the same result', DISCOVER_DEFAULTS.seed)
    .option('--trees <n>', 'trees per forest fit', DISCOVER_DEFAULTS.trees)
    .option('--fits <n>', 'forest refits on bootstrap samples of accounts, for importance and rank intervals', DISCOVER_DEFAULTS.fits)
    .option('--bootstrap <n>', 'bootstrap resamples of accounts for threshold intervals', DISCOVER_DEFAULTS.bootstrap)
    .option('--permutations <n>', 'label permutations in each null check', DISCOVER_DEFAULTS.permutations)
    .option('--out <dir>', 'folder for proposed-milestones.yaml, evidence.json and report.html (default <workspace>/discovery)')
    .option('--force', 'replace those files in --out even if cairn discover did not write them')
    .option('--json', 'print a summary as JSON')
    .action(async (opts) => (await import('./discover.js')).runDiscover(opts, globals()));

  program
    .command('serve')
    .description('runs the collector (native, Segment- and PostHog-compatible endpoints) and the API on the workspace store')
    .option('--port <n>', 'port (default: server.port in cairn.yaml, 4318; 0 picks a free one)')
    .option('--host <host>', 'interface to listen on (default: server.host, 127.0.0.1)')
    .option('--json', 'print the address as JSON when listening')
    .action(async (opts) => (await import('./serve.js')).runServe(opts, globals()));

  const keys = program.command('keys').description('write keys for the collector: one per source, stored hashed in .cairn/keys.json');
  keys
    .command('create')
    .description('create a write key; its name becomes the source of the events sent with it')
    .argument('<name>', 'source name: a-z, 0-9, _ and -')
    .option('--rate-limit <n>', 'events per second this key may send (default: server.rate_limit in cairn.yaml)')
    .option('--json', 'print { name, key } as JSON')
    .action(async (name, opts) => (await import('./keys.js')).runKeysCreate(name, opts, globals()));
  keys
    .command('revoke')
    .description('revoke the active write key of a source; a running server refuses it within a second')
    .argument('<name>', 'source name')
    .option('--json', 'print { name, revoked } as JSON')
    .action(async (name, opts) => (await import('./keys.js')).runKeysRevoke(name, opts, globals()));
  keys
    .command('list')
    .description('list write keys: name, prefix, when created and revoked (keys themselves are not stored)')
    .option('--json', 'print the keys as JSON')
    .action(async (opts) => (await import('./keys.js')).runKeysList(opts, globals()));

  keys
    .command('identity')
    .description("the identity secret the product's backend signs account ids with for the in-product checklist (token = hex HMAC-SHA256(secret, account id)); made once, shown on demand")
    .option('--rotate', 'replace it; the previous one is still accepted for --grace-hours')
    .option('--grace-hours <n>', 'hours the previous secret is still accepted after --rotate', '24')
    .option('--json', 'print { secret, created, previous_valid_until } as JSON')
    .action(async (opts) => (await import('./keys.js')).runKeysIdentity(opts, globals()));

  const webhooks = program.command('webhooks').description('webhook deliveries of milestone, stage and segment changes (endpoints in cairn.yaml)');
  webhooks
    .command('replay')
    .description('deliver dead letters again (deliveries that failed every attempt), under their own idempotency keys; `cairn stats` lists them')
    .option('--id <ids...>', 'only these deliveries')
    .option('--all', 'every dead letter')
    .option('--json', 'print { replayed, refused, delivered } as JSON')
    .action(async (opts) => (await import('./webhooks.js')).runWebhooksReplay(opts, globals()));

  const quarantine = program
    .command('quarantine')
    .description('what failed validation, kept with its reason: list it, look at it, replay it after fixing the tracking plan');
  quarantine
    .command('list')
    .description('the newest entries with their reason and a payload preview, and counts by reason and source')
    .option('--source <name>', 'only entries from this source')
    .option('--reason <reason>', 'only entries with this reason')
    .option('--limit <n>', 'entries to show', '50')
    .option('--json', 'print { total, by_reason, by_source, entries } as JSON')
    .action(async (opts) => (await import('./quarantine.js')).runQuarantineList(opts, globals()));
  quarantine
    .command('show')
    .description('one entry with everything kept about it, the whole payload included')
    .argument('<id>', 'entry id (from `cairn quarantine list`)')
    .option('--json', 'print the entry as JSON')
    .action(async (id, opts) => (await import('./quarantine.js')).runQuarantineShow(id, opts, globals()));
  quarantine
    .command('replay')
    .description('check entries again with the current tracking plan; store what now passes and remove it from quarantine')
    .option('--id <ids...>', 'only these entries')
    .option('--source <name>', 'only entries from this source')
    .option('--reason <reason>', 'only entries with this reason')
    .option('--dry-run', 'check and count, store nothing')
    .option('--json', 'print { selected, replayed, duplicates, still_failing, not_replayable, by_reason } as JSON')
    .action(async (opts) => (await import('./quarantine.js')).runQuarantineReplay(opts, globals()));

  program
    .command('refresh')
    .description("bring every account's materialized milestone status up to date as of today and record what changed (imports and `cairn serve` do this themselves)")
    .option('--json', 'print the refresh as JSON')
    .action(async (opts) => (await import('./refresh.js')).runRefresh(opts, globals()));

  program
    .command('review')
    .description('the periodic framework review: does each milestone still predict retention on recent signup cohorts, what drifted, what to change (with a milestones.yaml diff), and when the next review is due')
    .option('--as-of <date>', 'judge data up to this day (YYYY-MM-DD; default the last day with events)')
    .option('--cohorts <unit>', `signup cohorts: ${REVIEW_COHORTS.join(', ')} (default review.cohorts in cairn.yaml)`)
    .option('--recent <n>', 'how many of the latest judged cohorts are "recent" (default the later half)')
    .option('--seed <n>', 'bootstrap seed: the same data and seed give the same review', '1')
    .option('--format <format>', `output: ${REVIEW_FORMATS.join(', ')}`, 'table')
    .option('--out <file>', 'write the report to this file (html: default <workspace>/review/review.html)')
    .option('--force', 'replace a file at --out that cairn review did not write')
    .option('--json', 'same as --format json')
    .action(async (opts) => (await import('./review.js')).runReviewVerb(opts, globals()));

  const launch = program
    .command('launch')
    .description('launches: declare the outcome before building, gate on instrumentation, report outcomes at checkpoints');
  launch
    .command('new')
    .description('write launches/NAME.yaml from a commented template, and launches/NAME/feedback/')
    .argument('<name>', 'launch name: lowercase letters, digits and underscores')
    .option('--owner <who>', 'who answers for the outcome')
    .option('--force', 'overwrite an existing launch file')
    .option('--json', 'print the created paths as JSON')
    .action(async (name, opts) => (await import('./launch.js')).runLaunchNew(name, opts, globals()));
  launch
    .command('check')
    .description('the instrumentation gate: exit 1 when the launch events are not in tracking-plan.yaml, or after launch have not arrived or arrive with violations')
    .argument('<name>', 'launch name')
    .option('--at <date>', 'check as of this day (YYYY-MM-DD; default today)')
    .option('--json', 'print the result as JSON')
    .action(async (name, opts) => (await import('./launch.js')).runLaunchCheck(name, opts, globals()));
  launch
    .command('report')
    .description('the outcome report: expected vs measured with the strongest design the data allow, the adoption funnel, feedback, decisions, verdict')
    .argument('<name>', 'launch name')
    .option('--at <date>', 'report as of this day (YYYY-MM-DD; default today)')
    .option('--format <format>', `output: ${LAUNCH_REPORT_FORMATS.join(', ')} (html is written to a file)`, 'md')
    .option('--json', 'print { launch, at, verdict, design, outcome, flags } (the contract scripts use)')
    .option('--out <file>', 'write the report to this file')
    .option('--force', 'replace a file at --out that cairn launch report did not write')
    .option('--share', "post it to the launch's Slack webhook (share.slack)")
    .option('--no-record', 'do not record the report in the ledger (a preview)')
    .action(async (name, opts) => (await import('./launch.js')).runLaunchReport(name, opts, globals()));
  launch
    .command('due')
    .description('reports due and overdue for every launch, anti-patterns, and Slack posts that failed')
    .option('--at <date>', 'as of this day (YYYY-MM-DD; default today)')
    .option('--resend', 'send the failed Slack posts again')
    .option('--json', 'print the list as JSON')
    .action(async (opts) => (await import('./launch.js')).runLaunchDue(opts, globals()));

  program
    .command('migrate')
    .description('copy the workspace store into ClickHouse and check the counts (the DuckDB file is left as it is)')
    .argument('<url>', 'the ClickHouse HTTP URL, such as http://localhost:8123')
    .requiredOption('--to <engine>', 'the engine to copy into: clickhouse')
    .option('--database <name>', 'ClickHouse database', 'cairn')
    .option('--cluster <name>', 'shard the tables over this cluster (remote_servers)')
    .option('--hosts <urls>', "every cluster host's URL, comma-separated (default: the cluster's hosts at the URL's port)")
    .option('--username <name>', 'ClickHouse user (the password comes from $CAIRN_CLICKHOUSE_PASSWORD)')
    .option('--switch', 'once copied and checked, point cairn.yaml at ClickHouse')
    .option('--force', 'copy into a database that already holds data (message ids already there are kept once)')
    .option('--json', 'print the counts as JSON')
    .action(async (url, opts) => (await import('./migrate.js')).runMigrate(url, opts, globals()));

  program.commands.forEach(function override(c: Command) {
    c.exitOverride();
    c.commands.forEach(override);
  });
  return program;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit with 0; everything else commander rejects is bad usage.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(err);
  }
}
