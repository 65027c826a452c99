import { resolve } from 'node:path';
import { loadWorkspace, readSecretFile, resolveWorkspaceDir, SecretError, type Workspace } from '../config/index.js';
import type { ClickHouseConnection } from '../store/clickhouse/clickhouse-config.js';
import type { RestoringStore, Store } from '../store/index.js';
import { CliError, usageError } from './errors.js';

/**
 * The composition root: the one place that picks an engine for a workspace. Feature code
 * receives a `Store` and never knows which engine is behind it. Each engine's module loads
 * only when a workspace uses it: DuckDB's native library alone takes ~0.2 s.
 */
export async function openStore(ws: Workspace, opts: { defaultThreads?: number } = {}): Promise<Store> {
  const engine = ws.config.engine;
  if (engine.kind === 'duckdb') {
    const path = resolve(ws.dir, engine.path);
    const { DuckDbStore } = await import('../store/duckdb/duckdb-store.js');
    try {
      const settings: Record<string, string> = {};
      if (engine.memory_limit) settings.memory_limit = engine.memory_limit;
      const threads = engine.threads ?? opts.defaultThreads;
      if (threads) settings.threads = String(threads);
      return await DuckDbStore.open({ path, settings });
    } catch (err) {
      // DuckDB lets one process open a file; the usual other one is `cairn serve`.
      const pid = /Conflicting lock is held in .*\(PID (\d+)\)/.exec((err as Error).message)?.[1];
      if (pid === undefined) throw err;
      throw new CliError(
        `the store ${path} is in use by process ${pid}; if that is \`cairn serve\`, stop it first ` +
          '(`cairn stats`, `cairn quarantine` and `cairn keys` work while it runs)',
      );
    }
  }
  const password = await clickhousePassword(ws.dir, engine.password_file);
  const { openClickHouseStore } = await import('../store/clickhouse/clickhouse-config.js');
  try {
    return await openClickHouseStore({ url: engine.url, database: engine.database, username: engine.username, password, cluster: engine.cluster, hosts: engine.hosts });
  } catch (err) {
    throw new CliError(`cannot open the ClickHouse store at ${engine.url} (database ${engine.database}): ${(err as Error).message}`);
  }
}

/** A ClickHouse store to copy a workspace into (`cairn migrate`); the password from $CAIRN_CLICKHOUSE_PASSWORD. */
export async function openClickHouseTarget(target: ClickHouseConnection): Promise<RestoringStore> {
  const { openClickHouseStore } = await import('../store/clickhouse/clickhouse-config.js');
  try {
    return await openClickHouseStore({ ...target, password: process.env.CAIRN_CLICKHOUSE_PASSWORD });
  } catch (err) {
    throw new CliError(`cannot open the ClickHouse store at ${target.url} (database ${target.database}): ${(err as Error).message}`);
  }
}

/** The ClickHouse password: from password_file (owner-only), else $CAIRN_CLICKHOUSE_PASSWORD, else none. */
async function clickhousePassword(dir: string, file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return process.env.CAIRN_CLICKHOUSE_PASSWORD;
  try {
    return await readSecretFile(dir, file, 'password_file');
  } catch (err) {
    throw err instanceof SecretError ? usageError(err.message) : err;
  }
}

/** Writes a Parquet file through an in-memory DuckDB (whatever engine the workspace uses). */
export async function writeParquetFile(file: string, columns: readonly import('../store/duckdb/duckdb-parquet.js').ParquetColumn[], rows: readonly (readonly unknown[])[]): Promise<void> {
  const { writeParquet } = await import('../store/duckdb/duckdb-parquet.js');
  await writeParquet(file, columns, rows);
}

export interface GlobalOptions {
  workspace?: string;
}

/** Loads the workspace named by --workspace, CAIRN_WORKSPACE or the current folder, and its store. */
export async function withWorkspace<T>(opts: GlobalOptions, work: (ws: Workspace, store: Store) => Promise<T>): Promise<T> {
  return withStore(await loadWorkspace(resolveWorkspaceDir(opts.workspace)), work);
}

/** Opens a loaded workspace's store for the work and closes it after. */
export async function withStore<T>(ws: Workspace, work: (ws: Workspace, store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(ws);
  try {
    return await work(ws, store);
  } finally {
    await store.close();
  }
}
