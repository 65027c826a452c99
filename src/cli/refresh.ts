import { readFile } from 'node:fs/promises';
import type { Workspace } from '../config/index.js';
import { markStatusesStale, materializedFunnelStatuses, refreshSegments, refreshStatuses, statusesAsOf, type RefreshSummary, type SourcedReport } from '../milestones/index.js';
import type { Store } from '../store/index.js';
import { formatNumber, print, printJson, terminalText } from './output.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';

/** milestones.yaml as text, kept with a framework version a refresh is the first to use. */
const fileText = (ws: Workspace) => readFile(ws.files.milestones, 'utf8').catch(() => undefined);

/** Brings the workspace's materialized statuses up to date as of today (or `asOf`), then who is in each segment. */
export async function refreshWorkspace(ws: Workspace, store: Store, opts: { accounts?: Iterable<string>; asOf?: string } = {}): Promise<RefreshSummary> {
  const { accounts, asOf } = opts;
  const summary = await refreshStatuses(store, ws.milestones, { accounts, asOf, fileText: await fileText(ws) });
  if (Object.keys(ws.milestones.segments).length > 0) await refreshSegments(store, ws.milestones, { accounts: summary.kind === 'incremental' ? accounts : undefined });
  return summary;
}

/**
 * Runs a write (an import, a replay) and then refreshes the statuses; they are marked stale
 * first, so a crash between the two leaves readers computing rather than trusting them. A
 * refresh that fails does not fail the write: it says so and how to finish it.
 */
export async function writeThenRefresh<T>(ws: Workspace, store: Store, write: () => Promise<T>): Promise<{ result: T; statuses: RefreshSummary | null }> {
  await markStatusesStale(store);
  const result = await write();
  try {
    return { result, statuses: await refreshWorkspace(ws, store) };
  } catch (err) {
    process.stderr.write(terminalText(`cairn: milestone statuses not refreshed (${(err as Error).message}); run \`cairn refresh\`\n`));
    return { result, statuses: null };
  }
}

/** The statuses as of a day: materialized when current (refreshed first when the day is today and they are not), else computed. */
export async function workspaceStatuses(ws: Workspace, store: Store, asOf: string, accounts?: readonly string[]): Promise<SourcedReport> {
  return statusesAsOf(store, ws.milestones, asOf, { refresh: true, accounts, fileText: await fileText(ws) });
}

/** The materialized statuses as of a day when current (refreshed first when the day is today), else null; as the funnel reads them. */
export async function workspaceFunnelStatuses(ws: Workspace, store: Store, asOf: string) {
  return materializedFunnelStatuses(store, ws.milestones, asOf, { refresh: true, fileText: await fileText(ws) });
}

/** One line for a person about a refresh. */
export function describeRefresh(s: RefreshSummary): string {
  const what = s.kind === 'backfill' ? 'history backfilled' : s.kind === 'incremental' ? `${formatNumber(s.accounts)} accounts refreshed` : 'refreshed';
  const version = `framework version ${s.framework_version}${s.new_version ? ' (new)' : ''}`;
  return `milestone statuses ${what} as of ${s.as_of}, ${version}: ${formatNumber(s.changes)} changes recorded (${s.seconds.toFixed(1)} s)`;
}

/** The summary as --json shows it beside a write's own figures. */
export const refreshJson = (s: RefreshSummary | null) =>
  s && { as_of: s.as_of, kind: s.kind, framework_version: s.framework_version, accounts: s.accounts, changes: s.changes, seq: s.seq };

/** `cairn refresh`: the materialized statuses brought up to date, and what changed. */
export async function runRefresh(opts: { json?: boolean }, globals: GlobalOptions): Promise<void> {
  await withWorkspace(globals, async (ws, store) => {
    const s = await refreshWorkspace(ws, store);
    if (opts.json) return printJson(s);
    print(describeRefresh(s));
  });
}
