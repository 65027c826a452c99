import { resolve } from 'node:path';
import { loadWorkspace, resolveWorkspaceDir, type Workspace } from '../config/index.js';
import { DuckDbStore } from '../store/duckdb/duckdb-store.js';
import type { Store } from '../store/index.js';
import { usageError } from './errors.js';

/**
 * The composition root: the one place that picks an engine for a workspace. Feature code
 * receives a `Store` and never knows which engine is behind it.
 */
export async function openStore(ws: Workspace): Promise<Store> {
  const engine = ws.config.engine;
  if (engine.kind === 'duckdb') return DuckDbStore.open({ path: resolve(ws.dir, engine.path) });
  throw usageError(`${ws.files.config}: engine kind "${engine.kind}" is not available in this version of Cairn; use duckdb`);
}

export interface GlobalOptions {
  workspace?: string;
}

/** Loads the workspace named by --workspace, CAIRN_WORKSPACE or the current folder, and its store. */
export async function withWorkspace<T>(opts: GlobalOptions, work: (ws: Workspace, store: Store) => Promise<T>): Promise<T> {
  const ws = await loadWorkspace(resolveWorkspaceDir(opts.workspace));
  const store = await openStore(ws);
  try {
    return await work(ws, store);
  } finally {
    await store.close();
  }
}
