/**
 * Shared pieces of the collector's HTTP tests: a temporary workspace with its own tracking
 * plan, the real server in this process (fast) or as `cairn serve` in a child process (for
 * kill -9), write keys, and reading the store once the server has let go of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WriteKeys } from '../../../src/collect/http/keys.js';
import { initWorkspace, loadWorkspace } from '../../../src/config/index.js';
import { startServer, type RunningServer, type ServeOptions } from '../../../src/server/serve.js';
import { openStore } from '../../../src/cli/workspace.js';
import { sql, type SqlFragment } from '../../../src/store/index.js';
import { FROM_SOURCES } from '../../cli/run-cli.js';

/** Temporary workspaces, removed when the test process exits (hooks would remove them too early from a before()). */
const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export const BIN = fileURLToPath(new URL('../../../bin/cairn.js', import.meta.url));

/** Accepts every (action, object): the tests check mapping and storage, not the plan. */
export const ACCEPT_ALL = 'unplanned: accept\nevents: []\n';

/**
 * A fresh workspace (removed when the test process exits) with the given tracking plan, server
 * settings and engine (`cairn.yaml` lines under `engine:`; DuckDB by default).
 */
export async function workspace(opts: { plan?: string; server?: string; engine?: string } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-http-'));
  made.push(dir);
  await initWorkspace(dir, { template: 'helpdesk' });
  await writeFile(join(dir, 'tracking-plan.yaml'), opts.plan ?? ACCEPT_ALL);
  if (opts.server || opts.engine) {
    const engine = opts.engine ?? '  kind: duckdb\n  path: cairn.duckdb';
    await writeFile(join(dir, 'cairn.yaml'), `version: 1\nengine:\n${engine}\n${opts.server ? `server:\n${opts.server}\n` : ''}`);
  }
  return dir;
}

/** Creates a write key the way `cairn keys create` does (same code, no process start). */
export async function createKey(ws: string, name: string): Promise<string> {
  return (await WriteKeys.open(ws)).create(name);
}

export interface InProcessServer extends RunningServer {
  /** Stops the server (drains) and closes the store; safe to call twice. */
  close(): Promise<void>;
}

/** The real server on 127.0.0.1, port 0, in this process, on the workspace's store; `asOf`: the day it judges (the demo's). */
export async function startInProcess(ws: string, opts: Pick<ServeOptions, 'asOf'> = {}): Promise<InProcessServer> {
  const workspace = await loadWorkspace(ws);
  const store = await openStore(workspace);
  const running = await startServer(workspace, store, { port: 0, host: '127.0.0.1', ...opts });
  let closed: Promise<void> | null = null;
  return {
    ...running,
    close: () => (closed ??= running.stop().then(() => store.close())),
  };
}

export interface ChildServer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  stderr(): string;
}

/** Child servers started and not yet seen to exit; `killChildren()` ends them (for after() hooks). */
const children = new Set<ChildProcess>();

/** SIGKILLs every child server still running (a failed test must not leave one holding the event loop). */
export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** `cairn serve --json --port 0 -w WS` in a child process; resolves once it prints its address. */
export async function spawnServer(ws: string): Promise<ChildServer> {
  const child = spawn(process.execPath, [BIN, 'serve', '--json', '--port', '0', '--host', '127.0.0.1', '-w', ws], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...FROM_SOURCES },
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    // A liveness guard: a ClickHouse store checks its schema on every host first, and a loaded machine is slow.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cairn serve did not start within 300 s:\n${err}`));
    }, 300_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      // The address is printed as one JSON document, possibly over several lines.
      let printed: { url?: string };
      try {
        printed = JSON.parse(out) as { url?: string };
      } catch {
        return;
      }
      clearTimeout(timer);
      if (typeof printed.url === 'string') resolve(printed.url);
      else {
        child.kill('SIGKILL');
        reject(new Error(`cairn serve printed no url: ${out}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`cairn serve exited (${code}) before listening:\n${err}`));
    });
  });
  return { url, pid: child.pid!, child, exited, stderr: () => err };
}

/** Runs `work` on the workspace's store; only once no server holds it. */
export async function withStore<T>(ws: string, work: (q: <R = Record<string, unknown>>(f: SqlFragment) => Promise<R[]>) => Promise<T>): Promise<T> {
  const store = await openStore(await loadWorkspace(ws));
  try {
    return await work((f) => store.query(f));
  } finally {
    await store.close();
  }
}

export { sql };

/** Polls `check` until it returns a truthy value (returned) or the time is up (throws). The limit guards liveness only: a shared, loaded machine may take long. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 300_000, everyMs = 50): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A POST with a JSON (or raw) body; answers with status, parsed body and headers. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body),
  });
  return readResponse(res);
}

/** Status, body (parsed when JSON) and headers of a response. */
export async function readResponse(res: Response): Promise<{ status: number; body: any; headers: Headers }> {
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
export const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
