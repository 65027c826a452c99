import { resolve } from 'node:path';
import { loadWorkspace, resolveWorkspaceDir, type Workspace } from '../config/index.js';
import { DuckDbStore } from '../store/duckdb/duckdb-store.js';
import type { Store } from '../store/index.js';
import { CliError, usageError } from './errors.js';

/**
 * The composition root: the one place that picks an engine for a workspace. Feature code
 * receives a `Store` and never knows which engine is behind it.
 */
export async function openStore(ws: Workspace, opts: { defaultThreads?: number } = {}): Promise<Store> {
  const engine = ws.config.engine;
  if (engine.kind === 'duckdb') {
    const path = resolve(ws.dir, engine.path);
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
  throw usageError(`${ws.files.config}: engine kind "${engine.kind}" is not available in this version of Cairn; use duckdb`);
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
