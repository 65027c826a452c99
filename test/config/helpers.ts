import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/index.js';

/** Joins lines so a test can count them: the nth argument is line n. */
export const lines = (...xs: string[]): string => xs.join('\n') + '\n';

/** Runs `fn`, asserts it throws a ConfigError and returns it. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError, but nothing was thrown');
}

export async function configErrorOfAsync(fn: () => Promise<unknown>): Promise<ConfigError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError, but nothing was thrown');
}

/** `file:line: path: message` of every diagnostic, for compact assertions. */
export function summary(err: ConfigError): string[] {
  return err.diagnostics.map((d) => `${d.file}:${d.line}: ${d.path}: ${d.message}`);
}

export function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'cairn-config-'));
}
