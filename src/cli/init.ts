import type { Command } from 'commander';
import { initWorkspace, TEMPLATES, type TemplateName } from '../config/index.js';
import { oneOf, usageError } from './errors.js';
import { print, printJson } from './output.js';

interface InitOptions {
  force?: boolean;
  json?: boolean;
  engine: string;
  url?: string;
  database?: string;
  cluster?: string;
  username?: string;
  example?: string;
}

const EXAMPLES = Object.keys(TEMPLATES).filter((t) => t !== 'blank') as TemplateName[];

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a workspace for your product: cairn.yaml, an empty milestones.yaml (cairn discover proposes one), a tracking plan that flags what it does not know, launches/')
    .argument('[dir]', 'folder for the workspace', '.')
    .option('--example <name>', `start from an example instead: ${EXAMPLES.join(', ')} (the demo help desk's tracking plan and framework)`)
    .option('--engine <kind>', 'duckdb (one file in the workspace) or clickhouse (a server or cluster)', 'duckdb')
    .option('--url <url>', 'ClickHouse HTTP URL, such as http://localhost:8123 (with --engine clickhouse)')
    .option('--database <name>', 'ClickHouse database (default cairn)')
    .option('--cluster <name>', 'ClickHouse cluster to shard the tables over (from the servers\' remote_servers)')
    .option('--username <name>', 'ClickHouse user (default "default"); the password comes from $CAIRN_CLICKHOUSE_PASSWORD or password_file')
    .option('--force', 'overwrite existing config files')
    .option('--json', 'print the created files as JSON')
    .action(async (dir: string, opts: InitOptions) => {
      const template = opts.example === undefined ? 'blank' : oneOf('--example', opts.example, EXAMPLES);
      if (opts.engine !== 'duckdb' && opts.engine !== 'clickhouse') throw usageError(`invalid --engine: ${opts.engine} (duckdb or clickhouse)`);
      if (opts.engine === 'clickhouse' && !opts.url) throw usageError('--engine clickhouse needs --url, such as --url http://localhost:8123');
      if (opts.engine === 'duckdb' && (opts.url || opts.database || opts.cluster || opts.username)) {
        throw usageError('--url, --database, --cluster and --username go with --engine clickhouse');
      }
      const clickhouse = opts.engine === 'clickhouse' ? { url: opts.url!, database: opts.database, cluster: opts.cluster, username: opts.username } : undefined;
      const { created } = await initWorkspace(dir, { force: opts.force, template, clickhouse });
      if (opts.json) return printJson({ created, template });
      for (const f of created) print(`created ${f}`);
      if (template === 'blank') {
        print('\nnext: `cairn import events FILE…` and `cairn import accounts FILE`, then `cairn stats` and `cairn discover` to propose milestones from your data');
      } else {
        print(`\nthe ${template} example: its tracking plan and milestones describe the demo product; next: \`cairn import events FILE…\` then \`cairn stats\``);
      }
    });
}
