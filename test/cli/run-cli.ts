import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));

/** The tests run the sources, never a build in dist/ (test/cli/built-cli.test.ts checks that one). */
export const FROM_SOURCES = { CAIRN_FROM_SOURCES: '1' };

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

type RunOptions = { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number };

/** Runs the real `cairn` command in a child process, as a user would; `timeoutMs` ends one that should have exited. */
export function cairn(args: string[], opts: RunOptions = {}): Promise<CliRun> {
  return runBin(BIN, args, { ...opts, env: { ...FROM_SOURCES, ...opts.env } });
}

/** Runs a `bin/cairn.js` (this package's or a copy's) in a child process with the environment given. */
export function runBin(bin: string, args: string[], opts: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 0 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
