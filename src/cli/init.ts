import type { Command } from 'commander';
import { initWorkspace } from '../config/index.js';
import { usageError } from './errors.js';
import { print, printJson } from './output.js';

interface InitOptions {
  force?: boolean;
  json?: boolean;
  engine: string;
  url?: string;
  database?: string;
  cluster?: string;
  username?: string;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a workspace: cairn.yaml, milestones.yaml (the seed framework), tracking-plan.yaml, launches/')
    .argument('[dir]', 'folder for the workspace', '.')
    .option('--engine <kind>', 'duckdb (one file in the workspace) or clickhouse (a server or cluster)', 'duckdb')
    .option('--url <url>', 'ClickHouse HTTP URL, such as http://localhost:8123 (with --engine clickhouse)')
    .option('--database <name>', 'ClickHouse database (default cairn)')
    .option('--cluster <name>', 'ClickHouse cluster to shard the tables over (from the servers\' remote_servers)')
    .option('--username <name>', 'ClickHouse user (default "default"); the password comes from $CAIRN_CLICKHOUSE_PASSWORD or password_file')
    .option('--force', 'overwrite existing config files')
    .option('--json', 'print the created files as JSON')
    .action(async (dir: string, opts: InitOptions) => {
      if (opts.engine !== 'duckdb' && opts.engine !== 'clickhouse') throw usageError(`invalid --engine: ${opts.engine} (duckdb or clickhouse)`);
      if (opts.engine === 'clickhouse' && !opts.url) throw usageError('--engine clickhouse needs --url, such as --url http://localhost:8123');
      if (opts.engine === 'duckdb' && (opts.url || opts.database || opts.cluster || opts.username)) {
        throw usageError('--url, --database, --cluster and --username go with --engine clickhouse');
      }
      const clickhouse = opts.engine === 'clickhouse' ? { url: opts.url!, database: opts.database, cluster: opts.cluster, username: opts.username } : undefined;
      const { created } = await initWorkspace(dir, { force: opts.force, clickhouse });
      if (opts.json) return printJson({ created });
      for (const f of created) print(`created ${f}`);
      print('\nnext: `cairn import events FILE…` then `cairn stats`');
    });
}
