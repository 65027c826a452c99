/**
 * The `cairn` command: one file per verb, each registering itself on the program. Verbs parse
 * their options, open the workspace through `workspace.ts` (the composition root) and call the
 * feature folders; every verb has --json for scripts. Exit codes: 0 ok, 1 failure, 2 bad usage
 * or bad config.
 */
import { Command, CommanderError } from 'commander';
import { registerDemo } from './demo.js';
import { EXIT, reportError } from './errors.js';
import { registerImport } from './import.js';
import { registerInit } from './init.js';
import { registerStats } from './stats.js';
import { registerMilestones } from './milestones.js';
import { registerAccount } from './account.js';
import { registerSegment } from './segment.js';
import { registerFunnel } from './funnel.js';
import { registerDiscover } from './discover.js';
import { registerServe } from './serve.js';
import { registerKeys } from './keys.js';
import { registerQuarantine } from './quarantine.js';
import { registerLaunch } from './launch.js';
import { registerMigrate } from './migrate.js';

export function buildProgram(): Command {
  const program = new Command('cairn')
    .description('Find the milestones that predict retention, place every account on them, and report the outcome of every launch.')
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
  registerDemo(program);
  registerInit(program);
  registerImport(program, globals);
  registerStats(program, globals);
  registerMilestones(program, globals);
  registerAccount(program, globals);
  registerSegment(program, globals);
  registerFunnel(program, globals);
  registerDiscover(program, globals);
  registerServe(program, globals);
  registerKeys(program, globals);
  registerQuarantine(program, globals);
  registerLaunch(program, globals);
  registerMigrate(program, globals);
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
