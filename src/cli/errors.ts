// The class alone: config's index loads yaml and zod, which `cairn --help` must not wait for.
import { ConfigError } from '../config/config-error.js';
import { terminalText } from './output.js';

/** Exit codes every verb keeps: 0 ok, 1 failure, 2 bad usage or bad config. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure the user can act on, shown without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);

/** An option that takes one of a few words; anything else is bad usage naming the choices. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw usageError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** A whole-number option from 1 to `max`; anything else is bad usage naming the flag. */
export function positiveInt(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw usageError(`${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** Prints an error the way a person wants to read it (terminal-safe: errors quote data) and returns the exit code. */
export function reportError(err: unknown, out: NodeJS.WritableStream = process.stderr): number {
  const stderr = { write: (text: string) => out.write(terminalText(text)) };
  if (err instanceof ConfigError) {
    stderr.write(`cairn: bad config\n${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof CliError) {
    stderr.write(`cairn: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' && e.path) {
    stderr.write(`cairn: no such file: ${e.path}\n`);
    return EXIT.failure;
  }
  stderr.write(`cairn: ${e?.stack ?? String(err)}\n`);
  return EXIT.failure;
}
