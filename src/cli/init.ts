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

/** `cairn init [dir]`: a workspace from the template, on DuckDB or ClickHouse. */
export async function runInit(dir: string, opts: InitOptions): Promise<void> {
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
}
