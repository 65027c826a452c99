import { readFile } from 'node:fs/promises';
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

/** Reads a config file; a missing or unreadable file is a ConfigError naming it. */
export async function readConfigFile(file: string, missingHint = ''): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw ConfigError.forFile(file, `file not found${missingHint ? `: ${missingHint}` : ''}`);
    throw ConfigError.forFile(file, `cannot read: ${(err as Error).message}`);
  }
}
