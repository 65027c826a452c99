import { open } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigError, type ConfigDiagnostic } from './config-error.js';
import { configErrorMap, diagnosticsFromZod } from './diagnostics-from-zod.js';
import { YamlSource } from './yaml-source.js';

/** Checks the schema cannot express (references between entries); runs on the raw data. */
export type ConfigCheck = (raw: unknown, source: YamlSource) => ConfigDiagnostic[];

/**
 * Parses one YAML config file and validates it: YAML syntax first (a broken document is
 * reported alone), then the schema and the extra checks together, so one run lists every
 * problem in the file. Throws one ConfigError; returns the data with defaults applied.
 */
export function parseConfigText<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  checks: readonly ConfigCheck[] = [],
): z.output<S> {
  const source = YamlSource.parse(file, text);
  if (source.syntaxErrors.length > 0) throw new ConfigError(source.syntaxErrors);
  const result = schema.safeParse(source.value, { error: configErrorMap, reportInput: true });
  const diagnostics = result.success ? [] : diagnosticsFromZod(result.error.issues, source);
  for (const check of checks) diagnostics.push(...check(source.value, source));
  if (diagnostics.length > 0 || !result.success) throw new ConfigError(diagnostics);
  return result.data;
}

/**
 * The most a config file may hold. Reading YAML with its line numbers takes about a second and
 * 100 MB a megabyte (an 11 MB plan took 8 s and 880 MB, and the server re-reads the plan on
 * its event loop); 1 MB is some 4,000 planned events with their metadata.
 */
export const MAX_CONFIG_BYTES = 1 << 20;

/** Reads a config file; a missing, unreadable or oversized file is a ConfigError naming it. */
export async function readConfigFile(file: string, missingHint = ''): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
    // Read at most one byte over the limit: a huge file (or a device) is never read whole.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let size = 0;
    while (size < buffer.length) {
      const { bytesRead } = await handle.read(buffer, size, buffer.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    if (size > MAX_CONFIG_BYTES) {
      const { size: total } = await handle.stat();
      const mb = (n: number) => `${(n / (1 << 20)).toFixed(1)} MB`;
      throw ConfigError.forFile(file, `the file is ${total > MAX_CONFIG_BYTES ? mb(total) : `over ${mb(MAX_CONFIG_BYTES)}`}; config files are limited to ${mb(MAX_CONFIG_BYTES)} (a larger one takes seconds and hundreds of MB to read)`);
    }
    return new TextDecoder().decode(buffer.subarray(0, size));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw ConfigError.forFile(file, `file not found${missingHint ? `: ${missingHint}` : ''}`);
    throw ConfigError.forFile(file, `cannot read: ${(err as Error).message}`);
  } finally {
    await handle?.close();
  }
}
