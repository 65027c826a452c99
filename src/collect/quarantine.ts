/**
 * The quarantine as a person works with it: list what failed and why, look at one entry, and
 * replay entries once the tracking plan is fixed. Replay reads each payload as it arrived,
 * maps and checks it exactly as the collector does, and stores what now passes in the same
 * transaction that removes it from quarantine, so nothing is stored twice or lost.
 */
import type { TrackingPlan } from '../config/index.js';
import { IMPORT_SOURCE, type AccountFactsAuthority, type AccountPatch, type PlanViolation, type QuarantineEntry, type QuarantineKind, type TrackedEvent, type UserPatch } from '../model/index.js';
import { join, raw, sortedCounts, sql, tally, type QuarantineChange, type SqlFragment, type Store } from '../store/index.js';
import { admit, type AdmitContext, type Admitted } from './http/admit.js';
import { compilePlan } from './http/plan-check.js';
import { QUARANTINE_KIND, type Protocol } from './http/protocols.js';

export interface QuarantineFilter {
  source?: string;
  reason?: string;
  /** Only these entries. */
  ids?: readonly number[];
}

/** An entry as listed: the model's fields with its id, without the payload but for its start. */
export type QuarantineSummaryRow = Omit<QuarantineEntry, 'payload' | 'receivedAt'> & {
  id: number;
  received_at: string;
  /** The payload's start, on one line. */
  preview: string;
};

export interface QuarantineList {
  /** Entries matching the filter, all of them (the list shows at most `limit`). */
  total: number;
  by_reason: Record<string, number>;
  by_source: Record<string, number>;
  entries: QuarantineSummaryRow[];
}

export type QuarantineDetail = Omit<QuarantineSummaryRow, 'preview'> & { payload: string };

export interface ReplayOptions extends QuarantineFilter {
  /** Check and count, write nothing. */
  dryRun?: boolean;
  posthogGroupType?: string;
  /** Who decides account facts the accounts file named (`collect.account_facts`); default `import`. */
  accountFacts?: AccountFactsAuthority;
}

export interface ReplaySummary {
  selected: number;
  /** Entries that now pass and left quarantine (their events stored or recognised as stored). */
  replayed: number;
  /** Replayed events whose message id was already stored: removed from quarantine, not stored again. */
  duplicates: number;
  still_failing: number;
  /** CSV rows of accounts and account history: fix the file and import it again instead. */
  not_replayable: number;
  /** Reasons of the selected entries that stay in quarantine, as they read now. */
  by_reason: Record<string, number>;
}

const PREVIEW_CHARS = 120;
/** Entries replayed per transaction, so memory stays bounded on a large quarantine. */
const REPLAY_PAGE = 5_000;
/** Bound values per IN list. */
const IN_CHUNK = 1_000;

/** How each kind of payload is read again; CSV rows have no protocol. */
const PROTOCOL_OF = Object.fromEntries(Object.entries(QUARANTINE_KIND).map(([p, k]) => [k, p])) as Partial<Record<QuarantineKind, Protocol>>;

function whereOf(f: QuarantineFilter): SqlFragment {
  const conds = [sql`1 = 1`];
  if (f.source !== undefined) conds.push(sql`source = ${f.source}`);
  if (f.reason !== undefined) conds.push(sql`reason = ${f.reason}`);
  if (f.ids !== undefined) conds.push(f.ids.length ? sql`id IN (${join(f.ids.map((id) => sql`${id}`))})` : sql`1 = 0`);
  return join(conds, ' AND ');
}

interface StoredRow {
  id: string | number;
  received_at: string | number;
  kind: QuarantineKind;
  source: string;
  file: string | null;
  line: string | number | null;
  reason: string;
  field: string | null;
  message: string;
}

const columns = (store: Store) =>
  sql`id, ${store.dialect.epochMs(sql`received_at`)} AS received_at, kind, source, file, line, reason, field, message`;

function entryOf(r: StoredRow): Omit<QuarantineSummaryRow, 'preview'> {
  return {
    id: Number(r.id),
    received_at: new Date(Number(r.received_at)).toISOString(),
    kind: r.kind,
    source: r.source,
    file: r.file,
    line: r.line === null ? null : Number(r.line),
    reason: r.reason,
    field: r.field,
    message: r.message,
  };
}

/** The newest entries matching the filter, and counts by reason and source over all of them. */
export async function listQuarantine(store: Store, filter: QuarantineFilter & { limit?: number } = {}): Promise<QuarantineList> {
  const where = whereOf(filter);
  const limit = Math.max(0, Math.trunc(filter.limit ?? 50));
  const rows = await store.query<StoredRow & { preview: string; payload_length: string | number }>(
    sql`SELECT ${columns(store)}, ${store.dialect.textPrefix(sql`payload`, PREVIEW_CHARS)} AS preview, ${store.dialect.textLength(sql`payload`)} AS payload_length
      FROM quarantine WHERE ${where} ORDER BY id DESC LIMIT ${raw(String(limit))}`,
  );
  const counts = await store.query<{ source: string; reason: string; n: string | number }>(
    sql`SELECT source, reason, count(*) AS n FROM quarantine WHERE ${where} GROUP BY source, reason`,
  );
  const list: QuarantineList = { total: 0, by_reason: {}, by_source: {}, entries: [] };
  const byReason = new Map<string, number>();
  const bySource = new Map<string, number>();
  for (const c of counts) {
    const n = Number(c.n);
    list.total += n;
    tally(byReason, c.reason, n);
    tally(bySource, c.source, n);
  }
  list.by_reason = sortedCounts(byReason);
  list.by_source = sortedCounts(bySource);
  list.entries = rows.map((r) => {
    const cut = Number(r.payload_length) > PREVIEW_CHARS;
    return { ...entryOf(r), preview: r.preview.replace(/\s+/g, ' ') + (cut ? '…' : '') };
  });
  return list;
}

/** One entry with its whole payload, or null when there is no such id. */
export async function showQuarantine(store: Store, id: number): Promise<QuarantineDetail | null> {
  const [row] = await store.query<StoredRow & { payload: string }>(sql`SELECT ${columns(store)}, payload FROM quarantine WHERE id = ${id}`);
  return row ? { ...entryOf(row), payload: row.payload } : null;
}

type Entry = ReturnType<typeof entryOf> & { receivedAt: number; payload: string };

/** What replaying one entry gives: something to store, or why it still fails. */
type Outcome = Admitted | { pass: 'not_replayable' };

/** user → account in `accounts`: from the store and from what this replay has seen so far. */
type ReplayContext = Omit<AdmitContext, 'now'>;

/**
 * Replays the entries matching the filter against `plan` (the current tracking plan). Each page
 * of entries is one `applyCollected`: stored events, patches and the removal of the entries
 * that now pass commit together. Entries that fail again stay, with their reason brought up
 * to date.
 */
export async function replayQuarantine(store: Store, plan: TrackingPlan, opts: ReplayOptions = {}): Promise<ReplaySummary> {
  const summary: ReplaySummary = { selected: 0, replayed: 0, duplicates: 0, still_failing: 0, not_replayable: 0, by_reason: {} };
  const ctx: ReplayContext = { check: compilePlan(plan), accounts: new Map(), posthogGroupType: opts.posthogGroupType };
  const where = whereOf(opts);
  const reasons = new Map<string, number>();
  for (let after = 0; ; ) {
    const rows = await store.query<StoredRow & { payload: string }>(
      sql`SELECT ${columns(store)}, payload FROM quarantine WHERE ${where} AND id > ${after} ORDER BY id LIMIT ${raw(String(REPLAY_PAGE))}`,
    );
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1].id);
    const entries: Entry[] = rows.map((r) => ({ ...entryOf(r), receivedAt: Number(r.received_at), payload: r.payload }));
    summary.selected += entries.length;
    await replayPage(store, entries, ctx, opts, summary, reasons);
  }
  summary.by_reason = sortedCounts(reasons);
  return summary;
}

async function replayPage(store: Store, entries: Entry[], ctx: ReplayContext, opts: ReplayOptions, summary: ReplaySummary, reasons: Map<string, number>): Promise<void> {
  const parsed = entries.map((e) => ({ entry: e, raw: PROTOCOL_OF[e.kind] ? parseJson(e.payload) : undefined }));
  await loadAccounts(store, parsed.flatMap((p) => userIdOf(p.entry.kind, p.raw) ?? []), ctx.accounts);

  const bySource = new Map<string, TrackedEvent[]>();
  const write = { violations: [] as PlanViolation[], accounts: [] as AccountPatch[], users: [] as UserPatch[], replayed: [] as number[] };
  const changed: QuarantineChange[] = [];
  for (const { entry, raw: message } of parsed) {
    const out = replayEntry(entry, message, ctx);
    if (out.pass === true) {
      write.replayed.push(entry.id);
      if (out.event) {
        const list = bySource.get(entry.source) ?? [];
        list.push(out.event);
        bySource.set(entry.source, list);
      }
      if (out.violation) write.violations.push(out.violation);
      if (out.account) write.accounts.push(out.account);
      if (out.user) write.users.push(out.user);
      continue;
    }
    const reason = out.pass === false ? out.reason : entry.reason;
    tally(reasons, reason, 1);
    if (out.pass === 'not_replayable') {
      summary.not_replayable++;
      continue;
    }
    summary.still_failing++;
    if (out.reason !== entry.reason || out.field !== entry.field || out.message !== entry.message) changed.push({ id: entry.id, ...out });
  }

  const events = [...bySource].map(([source, list]) => ({ source, events: list }));
  const eventCount = events.reduce((n, p) => n + p.events.length, 0);
  summary.replayed += write.replayed.length;
  if (opts.dryRun) {
    for (const p of events) summary.duplicates += p.events.length - (await countNew(store, p.source, p.events.map((e) => e.messageId)));
    return;
  }
  if (write.replayed.length > 0) {
    const r = await store.applyCollected({ events, quarantine: [], ...write, accountFacts: opts.accountFacts });
    summary.duplicates += r.duplicates;
  }
  await store.updateQuarantine(changed);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // A CSV line or a line cut at the size limit: it cannot be read as a message.
    return undefined;
  }
}

/** Reads one entry again, as the collector would have if the plan had been this one. */
function replayEntry(entry: Entry, message: unknown, ctx: ReplayContext): Outcome {
  const protocol = PROTOCOL_OF[entry.kind];
  if (!protocol) return { pass: 'not_replayable' };
  if (message === undefined) return { pass: false, reason: entry.reason, field: entry.field, message: entry.message };
  // Received-at as "now": a call without a timestamp keeps the time it arrived, not the replay's.
  return admit(protocol, message, entry.source, { now: entry.receivedAt, ...ctx }, () => entry.payload);
}

/** The user a message names, when its account may have to be looked up. */
function userIdOf(kind: QuarantineKind, message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  const props = (typeof m.properties === 'object' && m.properties !== null ? m.properties : {}) as Record<string, unknown>;
  const id = kind === 'segment' ? (m.userId ?? m.user_id) : kind === 'posthog' ? (m.distinct_id ?? props.distinct_id) : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** Adds the stored account of each user not yet known to `accounts`. */
async function loadAccounts(store: Store, userIds: string[], accounts: Map<string, string>): Promise<void> {
  const wanted = [...new Set(userIds)].filter((u) => !accounts.has(u));
  for (let i = 0; i < wanted.length; i += IN_CHUNK) {
    const ids = join(wanted.slice(i, i + IN_CHUNK).map((u) => sql`${u}`));
    const rows = await store.query<{ user_id: string; account_id: string }>(
      sql`SELECT user_id, account_id FROM users WHERE account_id <> '' AND user_id IN (${ids})`,
    );
    for (const r of rows) accounts.set(r.user_id, r.account_id);
  }
}

/** How many distinct message ids of a source are not stored yet: what a real replay would insert. */
async function countNew(store: Store, source: string, messageIds: string[]): Promise<number> {
  const unique = [...new Set(messageIds)];
  // The same rule as the store's (model/source.ts).
  const within = source === IMPORT_SOURCE ? sql`` : sql` AND source IN (${source}, ${IMPORT_SOURCE})`;
  let stored = 0;
  for (let i = 0; i < unique.length; i += IN_CHUNK) {
    const ids = join(unique.slice(i, i + IN_CHUNK).map((m) => sql`${m}`));
    const [{ n }] = await store.query<{ n: string | number }>(sql`SELECT count(DISTINCT message_id) AS n FROM events WHERE message_id IN (${ids})${within}`);
    stored += Number(n);
  }
  return unique.length - stored;
}
