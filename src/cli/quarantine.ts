import { listQuarantine, replayQuarantine, showQuarantine, type QuarantineDetail, type QuarantineList, type ReplaySummary } from '../collect/index.js';
import { CliError, positiveInt } from './errors.js';
import { formatNumber, print, printJson, printPairs, printTable } from './output.js';
import { writeThenRefresh } from './refresh.js';
import { adminFind, adminRequest, viaStoreOrServer } from './running-server.js';
import type { GlobalOptions } from './workspace.js';

const MAX_ID = Number.MAX_SAFE_INTEGER;

interface FilterOptions {
  source?: string;
  reason?: string;
  json?: boolean;
}

const query = (f: Record<string, string | number | undefined>) =>
  new URLSearchParams(Object.entries(f).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]]))).toString();

const clip = (text: string, n: number) => (text.length > n ? text.slice(0, n - 1) + '…' : text);

/** `cairn quarantine list`: the newest entries and counts by reason and source. */
export async function runQuarantineList(opts: FilterOptions & { limit: string }, globals: GlobalOptions): Promise<void> {
  const limit = positiveInt(opts.limit, '--limit', 100_000);
  const filter = { source: opts.source, reason: opts.reason, limit };
  const list = await viaStoreOrServer(
    globals,
    (h) => adminRequest<QuarantineList>(h, `/v1/admin/quarantine?${query(filter)}`),
    (_ws, store) => listQuarantine(store, filter),
  );
  if (opts.json) return printJson(list);
  printList(list);
}

/** `cairn quarantine show ID`: one entry, its whole payload included. */
export async function runQuarantineShow(idText: string, opts: { json?: boolean }, globals: GlobalOptions): Promise<void> {
  const id = positiveInt(idText, 'id', MAX_ID);
  const entry = await viaStoreOrServer(
    globals,
    (h) => adminFind<QuarantineDetail>(h, `/v1/admin/quarantine/${id}`),
    (_ws, store) => showQuarantine(store, id),
  );
  if (!entry) throw new CliError(`no quarantine entry ${id} (see \`cairn quarantine list\`)`);
  if (opts.json) return printJson(entry);
  const { payload, ...rest } = entry;
  printPairs(Object.entries(rest).map(([k, v]) => [k, v === null ? null : String(v)]));
  print('\npayload');
  print(pretty(payload));
}

/** `cairn quarantine replay`: entries checked again; what passes now is stored. */
export async function runQuarantineReplay(opts: FilterOptions & { id?: string[]; dryRun?: boolean }, globals: GlobalOptions): Promise<void> {
  const ids = opts.id?.map((v) => positiveInt(v, '--id', MAX_ID));
  const filter = { ids, source: opts.source, reason: opts.reason };
  // A running server replays with the plan it has re-read from the file, the same one.
  const r = await viaStoreOrServer(
    globals,
    (h) => adminRequest<ReplaySummary>(h, '/v1/admin/quarantine/replay', { ...filter, dry_run: opts.dryRun ?? false }),
    async (ws, store) => {
      const replay = () =>
        replayQuarantine(store, ws.trackingPlan, { ...filter, dryRun: opts.dryRun, posthogGroupType: ws.config.server.posthog_group_type, accountFacts: ws.config.collect.account_facts });
      // What a replay stores moves milestones like an import does.
      return opts.dryRun ? replay() : (await writeThenRefresh(ws, store, replay)).result;
    },
  );
  if (opts.json) return printJson(r);
  printReplay(r, opts.dryRun ?? false);
}

function printList(list: QuarantineList): void {
  if (list.total === 0) return print('quarantine is empty');
  printTable(
    ['id', 'received', 'kind', 'source', 'reason', 'message', 'payload'],
    list.entries.map((e) => [String(e.id), e.received_at.slice(0, 19).replace('T', ' '), e.kind, e.source, e.reason, clip(e.message, 60), clip(e.preview, 50)]),
  );
  print(`\n${formatNumber(list.entries.length)} of ${formatNumber(list.total)} entries shown, newest first`);
  print('\nby reason');
  printPairs(Object.entries(list.by_reason).map(([k, v]) => [k, formatNumber(v)]));
  print('\nby source');
  printPairs(Object.entries(list.by_source).map(([k, v]) => [k, formatNumber(v)]));
}

function printReplay(r: ReplaySummary, dryRun: boolean): void {
  if (r.selected === 0) return print('no quarantine entries match');
  const verb = dryRun ? 'would replay' : 'replayed';
  const dups = r.duplicates > 0 ? ` (${formatNumber(r.duplicates)} events were already stored and are not counted again)` : '';
  print(`${verb} ${formatNumber(r.replayed)} of ${formatNumber(r.selected)} entries${dups}`);
  if (r.still_failing > 0) print(`  ${formatNumber(r.still_failing)} still failing: fix the tracking plan or the sender`);
  if (r.not_replayable > 0) print(`  ${formatNumber(r.not_replayable)} CSV rows of accounts or account history: fix the file and run \`cairn import accounts|account-history\` again`);
  if (Object.keys(r.by_reason).length > 0) {
    print('\nstill in quarantine, by reason');
    printPairs(Object.entries(r.by_reason).map(([k, v]) => [k, formatNumber(v)]));
  }
}

/** JSON indented for reading; anything else (a CSV line, a cut-off line) as it is. */
function pretty(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}
