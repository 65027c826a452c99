import type { AccountPatch, PlanViolation, UserPatch } from '../model/index.js';
import { join, sql, type SqlFragment } from './sql/fragment.js';
import type { Store } from './store.js';

/**
 * What every engine does the same way with a collector's patches and flagged events: read the
 * stored rows, apply the patches in order, group the violations. Each engine then writes the
 * rows in its own way.
 */
export interface AccountRow {
  accountId: string;
  name: string | null;
  createdAt: number;
  plan: string | null;
  seats: number | null;
  churnedAt: number | null;
  traits: Record<string, unknown>;
}

export interface UserRow {
  userId: string;
  accountId: string;
  firstSeen: number;
  traits: Record<string, unknown>;
}

/** Ids per IN list. */
const IN_CHUNK = 1000;

/** The rows `select` gives for the ids, IN_CHUNK bound ids per statement. */
export async function queryByIds<T>(store: Store, select: (ids: SqlFragment) => SqlFragment, ids: readonly (string | number)[]): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) out.push(...(await store.query<T>(select(join(ids.slice(i, i + IN_CHUNK).map((id) => sql`${id}`))))));
  return out;
}

/** The accounts the patches name, as stored, with the patches applied in order: named fields replace, traits merge. */
export async function patchedAccounts(store: Store, patches: readonly AccountPatch[]): Promise<AccountRow[]> {
  const d = store.dialect;
  const stored = await queryByIds<{ account_id: string; name: string | null; created_at: string | number; plan: string | null; seats: string | number | null; churned_at: string | number | null; traits: string }>(
    store,
    (ids) => sql`SELECT account_id, name, ${d.epochMs(sql`created_at`)} AS created_at, plan, seats, ${d.epochMs(sql`churned_at`)} AS churned_at, traits
      FROM accounts WHERE account_id IN (${ids})`,
    [...new Set(patches.map((p) => p.accountId))],
  );
  const rows = new Map<string, AccountRow>(
    stored.map((r) => [
      r.account_id,
      {
        accountId: r.account_id,
        name: r.name,
        createdAt: Number(r.created_at),
        plan: r.plan,
        seats: r.seats === null ? null : Number(r.seats),
        churnedAt: r.churned_at === null ? null : Number(r.churned_at),
        traits: JSON.parse(r.traits) as Record<string, unknown>,
      },
    ]),
  );
  for (const p of patches) {
    const row = rows.get(p.accountId) ?? { accountId: p.accountId, name: null, createdAt: p.createdAt ?? p.seenAt, plan: null, seats: null, churnedAt: null, traits: {} };
    if (p.name !== undefined) row.name = p.name;
    if (p.plan !== undefined) row.plan = p.plan;
    if (p.seats !== undefined) row.seats = p.seats;
    if (p.createdAt !== undefined) row.createdAt = p.createdAt;
    if (p.churnedAt !== undefined) row.churnedAt = p.churnedAt;
    row.traits = { ...row.traits, ...p.traits };
    rows.set(p.accountId, row);
  }
  return [...rows.values()];
}

/** The users the patches name, as stored, with the patches applied in order: the account when named, the earliest time seen, traits merged. */
export async function patchedUsers(store: Store, patches: readonly UserPatch[]): Promise<UserRow[]> {
  const d = store.dialect;
  const stored = await queryByIds<{ user_id: string; account_id: string; first_seen: string | number; traits: string }>(
    store,
    (ids) => sql`SELECT user_id, account_id, ${d.epochMs(sql`first_seen`)} AS first_seen, traits FROM users WHERE user_id IN (${ids})`,
    [...new Set(patches.map((p) => p.userId))],
  );
  const rows = new Map<string, UserRow>(
    stored.map((r) => [r.user_id, { userId: r.user_id, accountId: r.account_id, firstSeen: Number(r.first_seen), traits: JSON.parse(r.traits) as Record<string, unknown> }]),
  );
  for (const p of patches) {
    // A user not yet seen in any account gets '' until an event or a group call names one.
    const row = rows.get(p.userId) ?? { userId: p.userId, accountId: '', firstSeen: p.seenAt, traits: {} };
    if (p.accountId !== null) row.accountId = p.accountId;
    row.firstSeen = Math.min(row.firstSeen, p.seenAt);
    row.traits = { ...row.traits, ...p.traits };
    rows.set(p.userId, row);
  }
  return [...rows.values()];
}

/** Violations counted per day, source, event and reason, with the first example of each. */
export function groupViolations(violations: readonly PlanViolation[]): { v: PlanViolation; day: string; n: number }[] {
  const groups = new Map<string, { v: PlanViolation; day: string; n: number }>();
  for (const v of violations) {
    const day = new Date(v.timestamp).toISOString().slice(0, 10);
    const key = [day, v.source, v.action, v.object, v.reason, v.field ?? ''].join('\u0001');
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { v, day, n: 1 });
  }
  return [...groups.values()];
}
