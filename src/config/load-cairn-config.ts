import path from 'node:path';
import type { ConfigDiagnostic } from './config-error.js';
import { parseConfigText, readConfigFile, type ConfigCheck } from './parse-config-text.js';
import { cairnConfigSchema, type CairnConfig } from './schemas/cairn-config-schema.js';

/** Validates the text of a `cairn.yaml`; throws one ConfigError listing every problem. */
export function parseCairnConfig(text: string, file = 'cairn.yaml'): CairnConfig {
  return parseConfigText(file, text, cairnConfigSchema, [storePathCheck(path.dirname(path.resolve(file)))]);
}

export async function loadCairnConfig(file: string): Promise<CairnConfig> {
  return parseCairnConfig(await readConfigFile(file), file);
}

/** True when `file` is inside `dir` (not `dir` itself); by path, as the store would be opened. */
export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, path.resolve(dir, file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The workspace's own files and folders, which no store may be. */
const OWN = ['cairn.yaml', 'milestones.yaml', 'tracking-plan.yaml', 'launches', '.cairn'];

/**
 * The DuckDB file lives in the workspace: commands such as `cairn demo` replace it, so one
 * outside (`../victim.txt`) must be deliberate, and it can never be one of the workspace's files.
 */
function storePathCheck(wsDir: string): ConfigCheck {
  return (raw, source) => {
    const engine = typeof raw === 'object' && raw !== null ? (raw as { engine?: unknown }).engine : undefined;
    if (typeof engine !== 'object' || engine === null) return [];
    const { kind, path: file, allow_outside_workspace: allow } = engine as Record<string, unknown>;
    if ((kind !== undefined && kind !== 'duckdb') || typeof file !== 'string' || file === '') return [];
    const at = (message: string): ConfigDiagnostic[] => [source.diagnostic(['engine', 'path'], message)];
    const abs = path.resolve(wsDir, file);
    const rel = path.relative(wsDir, abs);
    const own = OWN.find((name) => rel === name || rel.startsWith(name + path.sep));
    if (own !== undefined || rel === '') return at(`expected a database file, got ${JSON.stringify(file)}: that is the workspace${own ? `'s ${own}` : ' itself'}`);
    if (!isInside(wsDir, abs) && allow !== true) {
      return at(
        `expected a file inside the workspace (${wsDir}), got ${JSON.stringify(file)}; ` +
          'if a store outside it is meant, add `allow_outside_workspace: true` under engine',
      );
    }
    return [];
  };
}
