import { readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * Files a verb makes and may later replace (the demo's store and data, discovery's report):
 * a marker file lists them, and the verb replaces only what it lists. Anything else already
 * in their place was not made by the verb, and needs --force.
 */
interface Marker {
  by: string;
  files: string[];
  updated_at: string;
}

async function readMarker(marker: string): Promise<Marker | null> {
  try {
    const m = JSON.parse(await readFile(marker, 'utf8')) as Partial<Marker>;
    return Array.isArray(m.files) ? (m as Marker) : null;
  } catch {
    return null;
  }
}

/** The paths (absolute) that exist but the marker, kept in their folder `base`, does not list. */
export async function notOwned(base: string, marker: string, paths: readonly string[]): Promise<string[]> {
  const listed = new Set((await readMarker(marker))?.files ?? []);
  return paths.filter((p) => existsSync(p) && !listed.has(relative(base, p)));
}

/** Adds `paths` (absolute, inside `base`) to the marker as made by `by`. */
export async function recordOwned(base: string, marker: string, by: string, paths: readonly string[]): Promise<void> {
  const files = new Set((await readMarker(marker))?.files ?? []);
  for (const p of paths) files.add(relative(base, p));
  const tmp = join(dirname(marker), `.${process.pid}.marker.tmp`);
  await writeFile(tmp, JSON.stringify({ by, files: [...files].sort(), updated_at: new Date().toISOString() }, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, marker);
}
