import { initWorkspace } from '../config/index.js';
import { INIT_EXAMPLES } from './choices.js';
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

/** `cairn init [dir]`: a workspace for the user's product (or an example), on DuckDB or ClickHouse. */
export async function runInit(dir: string, opts: InitOptions): Promise<void> {
  const template = opts.example === undefined ? 'blank' : oneOf('--example', opts.example, INIT_EXAMPLES);
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
}
