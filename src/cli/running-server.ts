import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adminToken, STATE_DIR } from '../collect/index.js';
import { loadWorkspace, resolveWorkspaceDir, type Workspace } from '../config/index.js';
import type { Store } from '../store/index.js';
import { SERVER_FILE } from '../server/index.js';
import { CliError } from './errors.js';
import { withStore, type GlobalOptions } from './workspace.js';

/** A `cairn serve` running on the workspace, and how to reach its admin API. */
export interface ServerHandle {
  url: string;
  pid: number;
  token: string;
}

/** The server named in `.cairn/server.json` if its process is alive, else null. */
export async function runningServer(wsDir: string): Promise<ServerHandle | null> {
  let info: { url?: unknown; pid?: unknown };
  try {
    info = JSON.parse(await readFile(join(wsDir, STATE_DIR, SERVER_FILE), 'utf8')) as typeof info;
  } catch {
    return null;
  }
  if (typeof info.url !== 'string' || typeof info.pid !== 'number') return null;
  try {
    process.kill(info.pid, 0);
  } catch {
    return null; // left behind by a server that was killed
  }
  return { url: info.url, pid: info.pid, token: await adminToken(wsDir) };
}

/** Calls the admin API; a refusal becomes a CliError carrying the server's words. */
export async function adminRequest<T>(h: ServerHandle, path: string, body?: unknown): Promise<T> {
  return (await call<T>(h, path, body, false))!;
}

/** Reads one thing from the admin API: null when it does not exist (404). */
export function adminFind<T>(h: ServerHandle, path: string): Promise<T | null> {
  return call<T>(h, path, undefined, true);
}

async function call<T>(h: ServerHandle, path: string, body: unknown, notFoundIsNull: boolean): Promise<T | null> {
  let res: Response;
  try {
    res = await fetch(h.url + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`cairn serve (pid ${h.pid}) holds the store but does not answer at ${h.url}: ${(err as Error).message}`);
  }
  if (res.status === 404 && notFoundIsNull) return null;
  const json = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new CliError(`cairn serve answered ${res.status}: ${json.error ?? res.statusText}`);
  return json as T;
}

/**
 * Runs a verb on the workspace's store, or, while `cairn serve` holds the store (DuckDB allows
 * one process), through the server's admin API.
 */
export async function viaStoreOrServer<T>(
  opts: GlobalOptions,
  remote: (h: ServerHandle, ws: Workspace) => Promise<T>,
  local: (ws: Workspace, store: Store) => Promise<T>,
): Promise<T> {
  const ws = await loadWorkspace(resolveWorkspaceDir(opts.workspace));
  const server = await runningServer(ws.dir);
  return server ? remote(server, ws) : withStore(ws, local);
}
