import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { keyNameProblem, WriteKeyError, WriteKeys } from '../collect/index.js';
import { CONFIG_FILE, resolveWorkspaceDir } from '../config/index.js';
import { CliError, positiveInt, usageError } from './errors.js';
import { print, printJson, printTable } from './output.js';
import type { GlobalOptions } from './workspace.js';

/**
 * The workspace folder only: keys must be manageable while `cairn serve` holds the store, so
 * these verbs neither open the store nor need the other config files to be valid.
 */
function workspaceDir(opts: GlobalOptions): string {
  const dir = resolveWorkspaceDir(opts.workspace);
  if (!existsSync(path.join(dir, CONFIG_FILE))) throw usageError(`no ${CONFIG_FILE} in ${dir}: run \`cairn init ${dir}\``);
  return dir;
}

export function registerKeys(program: Command, globals: () => GlobalOptions): void {
  const cmd = program
    .command('keys')
    .description('write keys for the collector: one per source, stored hashed in .cairn/keys.json');

  cmd
    .command('create')
    .description('create a write key; its name becomes the source of the events sent with it')
    .argument('<name>', 'source name: a-z, 0-9, _ and -')
    .option('--rate-limit <n>', "events per second this key may send (default: server.rate_limit in cairn.yaml)")
    .option('--json', 'print { name, key } as JSON')
    .action(async (name: string, opts: { json?: boolean; rateLimit?: string }) => {
      const problem = keyNameProblem(name);
      if (problem) throw usageError(problem);
      const rateLimit = opts.rateLimit === undefined ? undefined : positiveInt(opts.rateLimit, '--rate-limit', 1e9);
      const keys = await WriteKeys.open(workspaceDir(globals()));
      let key: string;
      try {
        key = await keys.create(name, { rateLimit });
      } catch (err) {
        if (err instanceof WriteKeyError) throw new CliError(err.message);
        throw err;
      }
      if (opts.json) return printJson({ name, key });
      print(`write key for source ${name}:`);
      print(`  ${key}`);
      print('It is not shown again: store it now. Send it as `Authorization: Bearer <key>`.');
    });

  cmd
    .command('revoke')
    .description('revoke the active write key of a source; a running server refuses it within a second')
    .argument('<name>', 'source name')
    .option('--json', 'print { name, revoked } as JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const keys = await WriteKeys.open(workspaceDir(globals()));
      if (!(await keys.revoke(name))) throw new CliError(`no active key named ${JSON.stringify(name)} (see \`cairn keys list\`)`);
      if (opts.json) return printJson({ name, revoked: true });
      print(`revoked the key of ${name}`);
    });

  cmd
    .command('list')
    .description('list write keys: name, prefix, when created and revoked (keys themselves are not stored)')
    .option('--json', 'print the keys as JSON')
    .action(async (opts: { json?: boolean }) => {
      const keys = await WriteKeys.open(workspaceDir(globals()));
      const rows = keys.list().map(({ name, prefix, created_at, revoked_at, rate_limit }) => ({ name, prefix, created_at, revoked_at, rate_limit: rate_limit ?? null }));
      if (opts.json) return printJson({ keys: rows });
      if (rows.length === 0) return print('no write keys yet: `cairn keys create NAME`');
      printTable(
        ['name', 'prefix', 'created', 'revoked', 'rate limit'],
        rows.map((r) => [r.name, `${r.prefix}…`, r.created_at, r.revoked_at ?? '', r.rate_limit === null ? 'default' : `${r.rate_limit}/s`]),
      );
    });
}
