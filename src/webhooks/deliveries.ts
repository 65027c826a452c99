import type { MilestonesConfig, WebhooksConfig } from '../config/index.js';
import { changesAfter, feedHeads, frameworkLanguage, segmentChangesAfter } from '../milestones/index.js';
import { NO_WRITE, raw, sql, type SqlFragment, type Store } from '../store/index.js';
import type { Endpoint } from './endpoints.js';
import { milestoneEvent, segmentEvent, type WebhookEvent } from './events.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import { slackMessage } from './slack.js';

/** A row of webhook_deliveries as read. */
export interface Delivery {
  id: string;
  endpoint: string;
  event_id: string;
  event_type: string;
  account_id: string;
  payload: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface DeliveryRun {
  /** Deliveries made from new feed rows. */
  enqueued: number;
  delivered: number;
  /** Attempts that failed and will be tried again. */
  retrying: number;
  /** Deliveries that failed their last attempt: dead letters now. */
  dead: number;
  /** When the next pending delivery is due (epoch ms), or null. */
  next_due: number | null;
}

/** The idempotency key of an event for an endpoint: one delivery, however often it is tried. */
export const deliveryKey = (eventId: string, endpoint: string) => `${eventId}.${endpoint}`;

const cursorName = (endpoint: string, feed: 'milestones' | 'segments') => `webhook_${endpoint}_${feed}`;
const PAGE = 1000;
/** Deliveries attempted per run at most; the rest wait for the next. */
const ATTEMPTS_PER_RUN = 500;

/**
 * One run of webhook deliveries, the only one at a time across processes (lease `webhooks`):
 * the feeds' new rows become deliveries (one per event and endpoint that wants it, keyed by
 * its idempotency key: a key already stored is never made again), each endpoint's cursor
 * moves past them, then every pending delivery that is due is attempted. A delivery is sent
 * until it is acknowledged (2xx), then never again; after `max_attempts` it is a dead letter.
 * A new endpoint starts at the feeds' heads: it is sent what happens from then on.
 */
export function deliverWebhooks(
  store: Store,
  opts: { config: WebhooksConfig; endpoints: readonly Endpoint[]; framework: MilestonesConfig; now?: () => number; fetch?: typeof fetch },
): Promise<DeliveryRun> {
  return store.withLease('webhooks', async () => {
    const now = opts.now ?? Date.now;
    const enqueued = await enqueue(store, opts.endpoints, opts.framework, now());
    // Deliveries of endpoints taken out of cairn.yaml wait, untried, until one of that name is back.
    const configured = sql`endpoint IN (SELECT name FROM ${store.dialect.zipRows([{ name: 'name', type: 'text', values: opts.endpoints.map((e) => e.name) }])} e)`;
    const due = opts.endpoints.length ? await readDeliveries(store, sql`status = 'pending' AND next_attempt_at <= ${new Date(now())} AND ${configured}`, ATTEMPTS_PER_RUN) : [];
    const byName = new Map(opts.endpoints.map((e) => [e.name, e]));
    const run: DeliveryRun = { enqueued, delivered: 0, retrying: 0, dead: 0, next_due: null };
    // Endpoints side by side, each one's deliveries in the order they were made.
    await Promise.all(
      [...byName.values()].map(async (endpoint) => {
        for (const d of due.filter((x) => x.endpoint === endpoint.name)) {
          const next = await attempt(d, endpoint, opts.config, now, opts.fetch ?? fetch);
          await store.writeRows('webhook_deliveries', [next]);
          if (next.status === 'delivered') run.delivered++;
          else if (next.status === 'dead') run.dead++;
          else run.retrying++;
        }
      }),
    );
    const [{ at }] = await store.query<{ at: string | number | null }>(
      sql`SELECT min(${store.dialect.epochMs(sql`next_attempt_at`)}) AS at FROM webhook_deliveries WHERE status = 'pending' AND ${opts.endpoints.length ? configured : sql`1 = 0`}`,
    );
    run.next_due = at === null ? null : Number(at);
    return run;
  });
}

/** Turns the feeds' rows after each endpoint's cursor into deliveries; returns how many were made. */
async function enqueue(store: Store, endpoints: readonly Endpoint[], framework: MilestonesConfig, now: number): Promise<number> {
  if (endpoints.length === 0) return 0;
  const words = frameworkLanguage(framework);
  const heads = await feedHeads(store);
  let made = 0;
  for (const feed of ['milestones', 'segments'] as const) {
    const cursors = new Map<string, number>();
    for (const e of endpoints) {
      const at = await store.checkpoint(cursorName(e.name, feed));
      cursors.set(e.name, at ?? heads[feed]);
      if (at === null) await setCheckpoint(store, cursorName(e.name, feed), heads[feed]);
    }
    let from = Math.min(...cursors.values());
    for (;;) {
      const page =
        feed === 'milestones'
          ? (await changesAfter(store, from, PAGE)).map((c) => ({ seq: c.seq, event: milestoneEvent(c, words), segment: null }))
          : (await segmentChangesAfter(store, from, PAGE)).map((c) => ({ seq: c.seq, event: segmentEvent(c, words), segment: c.segment }));
      if (page.length === 0) break;
      const rows: Record<string, unknown>[] = [];
      for (const { seq, event, segment } of page) {
        if (!event) continue;
        for (const e of endpoints) if (seq > cursors.get(e.name)! && wants(e, event, segment)) rows.push(newDelivery(event, e, now));
      }
      const stored = await existingKeys(store, rows.map((r) => String(r.id)));
      const fresh = rows.filter((r) => !stored.has(String(r.id)));
      await store.writeRows('webhook_deliveries', fresh);
      made += fresh.length;
      from = page[page.length - 1].seq;
      // The cursor moves once the page's deliveries are stored: a run cut short makes them again, and the keys keep them once.
      for (const e of endpoints) {
        if (cursors.get(e.name)! < from) {
          cursors.set(e.name, from);
          await setCheckpoint(store, cursorName(e.name, feed), from);
        }
      }
      if (page.length < PAGE) break;
    }
  }
  return made;
}

function wants(e: Endpoint, event: WebhookEvent, segment: string | null): boolean {
  return e.events.has(event.type) && (segment === null || e.segments === null || e.segments.has(segment));
}

/** The row of a new delivery: its body as it will be sent, every time. */
function newDelivery(event: WebhookEvent, e: Endpoint, now: number): Record<string, unknown> {
  return {
    id: deliveryKey(event.id, e.name),
    endpoint: e.name,
    event_id: event.id,
    event_type: event.type,
    account_id: event.data.account_id,
    payload: JSON.stringify(e.format === 'slack' ? slackMessage(event) : event),
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    last_status: null,
    last_error: null,
    created_at: now,
    updated_at: now,
  };
}

async function existingKeys(store: Store, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await store.query<{ id: string }>(
    sql`SELECT id FROM webhook_deliveries WHERE id IN (SELECT id FROM ${store.dialect.zipRows([{ name: 'id', type: 'text', values: ids }])} k)`,
  );
  return new Set(rows.map((r) => r.id));
}

const setCheckpoint = (store: Store, name: string, value: number) => store.applyCollected({ ...NO_WRITE, checkpoint: { name, value } });

/**
 * One attempt: POST the stored body (signed for JSON endpoints); a 2xx is delivered, anything
 * else (or no answer within the timeout) waits `first_delay × 2^(n−1)`, capped, half of it
 * random (jitter, so failures do not come back in step), or the receiver's Retry-After when
 * longer; after `max_attempts` the delivery is dead. Redirects are not followed.
 */
async function attempt(d: Delivery, e: Endpoint, config: WebhooksConfig, now: () => number, send: typeof fetch): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Cairn-Webhooks/1', 'idempotency-key': d.id };
  if (e.format === 'json') {
    headers['cairn-event-id'] = d.event_id;
    headers['cairn-event-type'] = d.event_type;
    headers[SIGNATURE_HEADER] = signatureHeader(e.secret!, d.payload, Math.floor(now() / 1000));
  }
  let status: number | null = null;
  let error: string | null = null;
  let retryAfter = 0;
  try {
    const res = await send(e.url, { method: 'POST', headers, body: d.payload, redirect: 'manual', signal: AbortSignal.timeout(config.timeout_seconds * 1000) });
    status = res.status;
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    retryAfter = Number(res.headers.get('retry-after')) || 0;
  } catch (err) {
    error = (err as Error).name === 'TimeoutError' ? `no answer within ${config.timeout_seconds} s` : `${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause: Error }).cause.message}` : ''}`;
  }
  const attempts = d.attempts + 1;
  const at = now();
  const base = { ...d, attempts, last_status: status, last_error: error, updated_at: at };
  if (error === null) return { ...base, status: 'delivered', next_attempt_at: null };
  if (attempts >= config.retry.max_attempts) return { ...base, status: 'dead', next_attempt_at: null };
  const wait = Math.min(config.retry.max_delay_seconds, config.retry.first_delay_seconds * 2 ** (attempts - 1)) * 1000;
  const jittered = wait / 2 + Math.random() * (wait / 2);
  return { ...base, status: 'pending', next_attempt_at: Math.round(at + Math.max(jittered, Math.min(retryAfter, config.retry.max_delay_seconds) * 1000)) };
}

/** Deliveries matching a condition, oldest first. */
export async function readDeliveries(store: Store, where: SqlFragment, limit: number): Promise<Delivery[]> {
  const d = store.dialect;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`invalid limit: ${limit}`);
  const rows = await store.query<Record<string, string | number | null>>(
    sql`SELECT id, endpoint, event_id, event_type, account_id, payload, status, attempts, ${d.epochMs(sql`next_attempt_at`)} AS next_attempt_at,
      last_status, last_error, ${d.epochMs(sql`created_at`)} AS created_at, ${d.epochMs(sql`updated_at`)} AS updated_at
    FROM webhook_deliveries WHERE ${where} ORDER BY created_at, id LIMIT ${raw(String(limit))}`,
  );
  const num = (v: string | number | null) => (v === null ? null : Number(v));
  return rows.map((r) => ({
    ...(r as unknown as Delivery),
    attempts: Number(r.attempts),
    next_attempt_at: num(r.next_attempt_at),
    last_status: num(r.last_status),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
  }));
}

export interface ReplayResult {
  /** Dead letters put back to be delivered. */
  replayed: string[];
  /** Ids asked for that are not dead letters: delivered (never sent twice), pending, or unknown. */
  refused: { id: string; reason: string }[];
}

/** Puts dead letters (these, or all) back to be delivered under their own keys, with their attempts counted anew. */
export function replayDeadLetters(store: Store, opts: { ids?: readonly string[]; all?: boolean; now?: number }): Promise<ReplayResult> {
  return store.withLease('webhooks', async () => {
    const now = opts.now ?? Date.now();
    const ids = opts.ids ?? [];
    const rows = opts.all
      ? await readDeliveries(store, sql`status = 'dead'`, 100_000)
      : ids.length
        ? await readDeliveries(store, sql`id IN (SELECT id FROM ${store.dialect.zipRows([{ name: 'id', type: 'text', values: ids }])} k)`, 100_000)
        : [];
    const found = new Map(rows.map((r) => [r.id, r]));
    const refused = ids.flatMap((id) => {
      const r = found.get(id);
      if (!r) return [{ id, reason: 'no such delivery' }];
      return r.status === 'dead' ? [] : [{ id, reason: r.status === 'delivered' ? 'delivered already: never sent twice' : 'pending: it is being tried' }];
    });
    const dead = rows.filter((r) => r.status === 'dead');
    await store.writeRows('webhook_deliveries', dead.map((r) => ({ ...r, status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })));
    return { replayed: dead.map((r) => r.id), refused };
  });
}
