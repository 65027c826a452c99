import type { AccountHistoryRow, TrackedEvent } from '../src/model/index.js';
import type { Store } from '../src/store/index.js';
import { ENGINES, type TestEngine } from './engines.js';

export const at = (iso: string, hour = 12) => Date.parse(`${iso}T${String(hour).padStart(2, '0')}:00:00Z`);
/** One event by id with plain defaults: user u_1 of acc_1 closed a conversation in the inbox, 1 Jan 2025 noon. */
export const tracked = (id: string, over: Partial<TrackedEvent> = {}): TrackedEvent => ({
  messageId: id,
  accountId: 'acc_1',
  userId: 'u_1',
  anonymousId: null,
  action: 'closed',
  object: 'conversation',
  place: 'inbox',
  metadata: {},
  timestamp: Date.UTC(2025, 0, 1, 12),
  count: 1,
  ...over,
});

let seq = 0;
export const ev = (account: string, iso: string, action: string, object: string, over: Partial<TrackedEvent> = {}): TrackedEvent => ({
  messageId: `t${seq++}`,
  accountId: account,
  userId: `${account}_u`,
  anonymousId: null,
  action,
  object,
  place: null,
  metadata: {},
  timestamp: at(iso),
  count: 1,
  ...over,
});

export interface TestAccount {
  id: string;
  signup: string;
  churned?: string;
  seats?: number | null;
  plan?: string;
}

/**
 * A small fresh store (on `engine`, DuckDB by default) with accounts (created at 09:00 UTC on their signup day), account
 * history and events; `batches` are written one by one, so the rollup holds several delta
 * rows per key, as after several imports.
 */
export async function storeWith(opts: { accounts: TestAccount[]; events?: TrackedEvent[]; batches?: TrackedEvent[][]; history?: AccountHistoryRow[]; engine?: TestEngine; store?: Store }) {
  const store = opts.store ?? (await (opts.engine ?? ENGINES[0]).open());
  await store.upsertAccounts(
    opts.accounts.map((a) => ({
      accountId: a.id,
      name: a.id,
      createdAt: at(a.signup, 9),
      plan: a.plan ?? 'pro',
      seats: a.seats === undefined ? 1 : a.seats,
      churnedAt: a.churned ? at(a.churned) : null,
    })),
  );
  if (opts.history) await store.upsertAccountHistory(opts.history);
  if (opts.events) await store.insertEvents(opts.events, 'test');
  for (const batch of opts.batches ?? []) await store.insertEvents(batch, 'test');
  return store;
}
