/**
 * Plain readers for the demo's output, used by the tests to check the files and to recompute
 * the planted truth from them without any Cairn code.
 */

import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

export interface DemoEvent {
  messageId: string;
  ts: number;
  accountId: string;
  userId: string;
  action: string;
  object: string;
  place: string;
  metadata: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One line of either shape (native or Segment "Object Action"), or null when it is not a valid event. */
export function parseEventLine(line: string): DemoEvent | null {
  try {
    return toEvent(JSON.parse(line));
  } catch {
    return null;
  }
}

/** An already-parsed line as an event, or null when it is not a valid one. */
export function toEvent(raw: unknown): DemoEvent | null {
  if (!isObject(raw)) return null;
  let e: Omit<DemoEvent, 'ts'> & { timestamp: unknown };
  if (raw.type === 'track') {
    const words = String(raw.event ?? '').split(' ');
    const props = isObject(raw.properties) ? { ...raw.properties } : {};
    const place = String(props.place ?? '');
    delete props.place;
    e = {
      messageId: String(raw.messageId ?? ''),
      timestamp: raw.timestamp,
      accountId: isObject(raw.context) ? String(raw.context.groupId ?? '') : '',
      userId: String(raw.userId ?? ''),
      action: words.length > 1 ? words[words.length - 1].toLowerCase() : '',
      object: words.slice(0, -1).join('_').toLowerCase(),
      place,
      metadata: props,
    };
  } else {
    e = {
      messageId: typeof raw.message_id === 'string' ? raw.message_id : '',
      timestamp: raw.timestamp,
      accountId: typeof raw.account_id === 'string' ? raw.account_id : '',
      userId: typeof raw.user_id === 'string' ? raw.user_id : '',
      action: typeof raw.action === 'string' ? raw.action : '',
      object: typeof raw.object === 'string' ? raw.object : '',
      place: typeof raw.place === 'string' ? raw.place : '',
      metadata: raw.metadata === undefined ? {} : (raw.metadata as Record<string, unknown>),
    };
  }
  const ts = typeof e.timestamp === 'string' && /Z$/.test(e.timestamp) ? Date.parse(e.timestamp) : Number.NaN;
  if (!e.messageId || !e.accountId || !e.userId || !e.action || !e.object || !e.place || Number.isNaN(ts) || !isObject(e.metadata)) {
    return null;
  }
  const { timestamp: _ignored, ...rest } = e;
  return { ...rest, ts };
}

export function readLines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface EventFiles {
  /** De-duplicated by message id, across files. */
  events: DemoEvent[];
  lines: number;
  malformed: number;
  duplicates: number;
  idsPerFile: Set<string>[];
}

export function readEventFiles(paths: readonly string[]): EventFiles {
  const seen = new Map<string, string>();
  const out: EventFiles = { events: [], lines: 0, malformed: 0, duplicates: 0, idsPerFile: [] };
  for (const path of paths) {
    const ids = new Set<string>();
    out.idsPerFile.push(ids);
    for (const line of readLines(path)) {
      out.lines++;
      const e = parseEventLine(line);
      if (!e) {
        out.malformed++;
        continue;
      }
      ids.add(e.messageId);
      const before = seen.get(e.messageId);
      if (before !== undefined) {
        if (before !== line) throw new Error(`message id ${e.messageId} re-used with different content`);
        out.duplicates++;
        continue;
      }
      seen.set(e.messageId, line);
      out.events.push(e);
    }
  }
  return out;
}

export function readCsv(path: string): Record<string, string>[] {
  return parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

export interface AccountView {
  id: string;
  plan: string;
  createdAt: number;
  churned: boolean;
  /** NaN while a customer. */
  churnedAt: number;
  /** Closed conversations within `withinDays` of signup. */
  closedEarly: number;
  /** First use of each "action object". */
  firstUse: Map<string, number>;
}

/** Joins accounts.csv with the events, counting closed conversations in the activation window. */
export function accountViews(accountsCsv: string, events: readonly DemoEvent[], withinDays: number): Map<string, AccountView> {
  const views = new Map<string, AccountView>();
  for (const row of readCsv(accountsCsv)) {
    views.set(row.account_id, {
      id: row.account_id,
      plan: row.plan,
      createdAt: Date.parse(row.created_at),
      churned: row.churned_at !== '',
      churnedAt: row.churned_at === '' ? Number.NaN : Date.parse(row.churned_at),
      closedEarly: 0,
      firstUse: new Map(),
    });
  }
  for (const e of events) {
    const v = views.get(e.accountId);
    if (!v) continue;
    const key = `${e.action} ${e.object}`;
    const first = v.firstUse.get(key);
    if (first === undefined || e.ts < first) v.firstUse.set(key, e.ts);
    if (key === 'closed conversation' && e.ts < v.createdAt + withinDays * 86_400_000) v.closedEarly++;
  }
  return views;
}

/** Share retained (not churned by the end) in a group, with its size. */
export function retention(group: readonly AccountView[]): { n: number; share: number } {
  const kept = group.filter((a) => !a.churned).length;
  return { n: group.length, share: group.length ? kept / group.length : Number.NaN };
}
