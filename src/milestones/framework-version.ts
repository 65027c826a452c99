import { createHash } from 'node:crypto';
import type { MilestonesConfig } from '../config/index.js';
import { sql, type Store } from '../store/index.js';
import { asDay } from './days.js';
import type { Day } from './types.js';

/**
 * Framework versions: every milestones.yaml a refresh has used, numbered 1, 2, … in the order
 * they took effect. A version is the framework as read (its canonical JSON, so comments and
 * layout do not count); going back to an earlier file is a new version with the same hash.
 */
export interface FrameworkVersion {
  version: number;
  /** sha256 of the canonical JSON, hex. */
  hash: string;
  /** The day its first refresh judged (the as-of day it took effect on). */
  effective_day: Day;
  recorded_at: string;
}

/** The framework as JSON, in the file's order (milestone order is meaningful). */
export const canonicalFramework = (framework: MilestonesConfig): string => JSON.stringify(framework);

export const frameworkHash = (framework: MilestonesConfig): string => createHash('sha256').update(canonicalFramework(framework)).digest('hex');

/** Every version in order, oldest first. */
export async function frameworkVersions(store: Store): Promise<FrameworkVersion[]> {
  const d = store.dialect;
  const rows = await store.query<{ version: number | string; hash: string; effective_day: string; recorded_at: string }>(
    sql`SELECT version, hash, ${d.dayText(sql`effective_day`)} AS effective_day, ${d.epochMs(sql`recorded_at`)} AS recorded_at
      FROM framework_versions ORDER BY version`,
  );
  return rows.map((r) => ({ version: Number(r.version), hash: r.hash, effective_day: asDay(r.effective_day)!, recorded_at: new Date(Number(r.recorded_at)).toISOString() }));
}

/** The version in effect (the last recorded), or null before the first refresh. */
export async function currentFrameworkVersion(store: Store): Promise<FrameworkVersion | null> {
  const all = await frameworkVersions(store);
  return all.length ? all[all.length - 1] : null;
}

/** The version a framework is, when it is the one in effect; null when it would be new. */
export async function versionOf(store: Store, framework: MilestonesConfig): Promise<FrameworkVersion | null> {
  const current = await currentFrameworkVersion(store);
  return current && current.hash === frameworkHash(framework) ? current : null;
}
