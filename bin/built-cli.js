// @ts-check
// Which CLI bin/cairn.js runs: the build in dist/ while it is fresh, else the sources.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The built CLI's entry in dist/ (scripts/build.ts writes it). */
export const BUILT_ENTRY = 'cairn.js';

/**
 * The built CLI's entry (dist/cairn.js, from `npm run build`) as a URL, or null when the
 * sources must run instead: CAIRN_FROM_SOURCES is set, nothing is built, or a file or folder
 * under src/ (or package.json) changed after the build started, so it would be stale.
 * @returns {string | null}
 */
export function builtCli(root = ROOT, env = process.env) {
  if (env.CAIRN_FROM_SOURCES) return null;
  const entry = join(root, 'dist', BUILT_ENTRY);
  let built;
  try {
    built = statSync(entry).mtimeMs;
  } catch {
    return null;
  }
  /** @type {(path: string) => boolean} */
  const fresh = (path) => {
    const info = statSync(path);
    return info.mtimeMs <= built && (!info.isDirectory() || readdirSync(path).every((name) => fresh(join(path, name))));
  };
  return fresh(join(root, 'src')) && fresh(join(root, 'package.json')) ? pathToFileURL(entry).href : null;
}
