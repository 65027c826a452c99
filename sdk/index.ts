/**
 * Cairn's own SDK for browsers and Node: queues track, identify and group calls, and delivers
 * them to the collector's Segment-compatible `POST /v1/batch` in order, one request at a time,
 * retrying until acknowledged (the server de-duplicates by messageId, so retries are safe).
 * In a browser it hands what is queued to `navigator.sendBeacon` when the page is hidden or
 * left. No dependencies: globalThis.fetch, crypto and TextEncoder only, so one file serves both.
 */

/** The collector's limits: bigger requests or events are refused, so the SDK never sends them. */
export const LIMITS = {
  requestBytes: 500_000,
  eventsPerRequest: 2_500,
  eventBytes: 32 * 1024,
  /** Browsers refuse a beacon once the page's pending beacons would pass 64 KiB. */
  beaconBytes: 64_000,
} as const;

/** Property names the collector reads as the event's own fields, so metadata cannot use them. */
const RESERVED_METADATA = ['action', 'object', 'place', 'account_id'];

export interface CairnOptions {
  /** The collector's base URL, e.g. `https://cairn.example.com` or `http://127.0.0.1:4318`. */
  host: string;
  writeKey: string;
  /** Send as soon as this many calls are queued. Default 20. */
  flushAt?: number;
  /** Send whatever is queued this long after the first call of a batch. Default 5,000 ms. */
  flushIntervalMs?: number;
  /** Upper bound for one request body; capped at the server's 500 KB. Default 400,000. */
  maxBatchBytes?: number;
  /** Retries of one request before its calls are dropped (and reported). Default 8. */
  maxRetries?: number;
  /** Calls kept waiting at most; beyond it the oldest is dropped (and reported). Default 10,000. */
  maxQueue?: number;
  /** Exponential backoff with full jitter: base and cap. Defaults 200 ms and 30 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A request taking longer is aborted and retried. Default 15,000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Calls that could not be delivered, and why; defaults to console.error. Never thrown. */
  onError?: (err: CairnError) => void;
}

export interface TrackOptions {
  place?: string;
  metadata?: Record<string, unknown>;
  /** When it happened; default now. */
  timestamp?: Date | string | number;
  /** The account; default the one remembered by group(). */
  accountId?: string;
  /** The user; default the one remembered by identify(). */
  userId?: string;
}

/** One Segment call as sent in a `/v1/batch` body. */
export type CairnCall =
  | {
      type: 'track';
      event: string;
      messageId: string;
      timestamp: string;
      userId?: string;
      properties: Record<string, unknown>;
      /** The account; Segment's place for it on a track call. */
      context: { groupId: string };
    }
  | { type: 'identify'; messageId: string; timestamp: string; userId: string; traits: Record<string, unknown>; context?: { groupId: string } }
  | { type: 'group'; messageId: string; timestamp: string; groupId: string; userId?: string; traits: Record<string, unknown> };

export type CairnErrorKind =
  /** 400 or another non-retryable answer: the request was refused as a whole. */
  | 'rejected'
  /** 401/403: the write key is wrong; nothing sent with it will be accepted. */
  | 'unauthorized'
  /** 413 for a single call: it can never be accepted. */
  | 'too_large'
  /** A call over the 32 KB per-event limit, dropped before sending. */
  | 'event_too_large'
  /** The collector stayed unreachable or failing through every retry. */
  | 'retries_exhausted'
  /** More than maxQueue calls waiting: the oldest was dropped. */
  | 'queue_full';

/** Why calls were dropped; `calls` are the dropped calls themselves, e.g. to keep them elsewhere. */
export class CairnError extends Error {
  override readonly name = 'CairnError';
  constructor(
    readonly kind: CairnErrorKind,
    message: string,
    readonly calls: CairnCall[],
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface Cairn {
  /** Remembers the user for later calls and sends an identify call. */
  identify(userId: string, traits?: Record<string, unknown>): string;
  /** Remembers the account for later calls and sends a group call (with the current user). */
  group(accountId: string, traits?: Record<string, unknown>): string;
  /** Queues an event; returns its messageId. Throws when no account is known. */
  track(action: string, object: string, options?: TrackOptions): string;
  /** Sends everything queued; resolves once acknowledged or given up (never rejects). */
  flush(): Promise<void>;
  /** Flushes, then stops timers and browser listeners; later calls throw. */
  close(): Promise<void>;
}

export function createCairn(options: CairnOptions): Cairn {
  return new Client(options);
}

/**
 * The bodies to hand to `navigator.sendBeacon`, in order, each under `maxBytes`. A beacon cannot
 * carry headers, so the write key travels in the body (the collector reads `writeKey` there).
 */
export function beaconBodies(writeKey: string, calls: CairnCall[], maxBytes: number = LIMITS.beaconBytes): string[] {
  const items = calls.map(serialize);
  const bodies: string[] = [];
  for (let at = 0; at < items.length; ) {
    const n = fitting(items, at, maxBytes, writeKey);
    bodies.push(bodyOf(items.slice(at, at + n), writeKey));
    at += n;
  }
  return bodies;
}

// ---------------------------------------------------------------------------------------------

/** A call with its JSON kept, so sizes are exact and it is serialized once. */
interface Item {
  call: CairnCall;
  json: string;
  bytes: number;
}

const encoder = new TextEncoder();
const byteLength = (s: string): number => encoder.encode(s).length;

function serialize(call: CairnCall): Item {
  const json = JSON.stringify(call);
  return { call, json, bytes: byteLength(json) };
}

function bodyOf(items: Item[], writeKey?: string): string {
  const key = writeKey === undefined ? '' : `"writeKey":${JSON.stringify(writeKey)},`;
  return `{${key}"batch":[${items.map((i) => i.json).join(',')}]}`;
}

/** How many items from `start` fit one body under `maxBytes` (always at least one). */
function fitting(items: Item[], start: number, maxBytes: number, writeKey?: string): number {
  let bytes = byteLength(bodyOf([], writeKey));
  let n = 0;
  while (start + n < items.length && n < LIMITS.eventsPerRequest) {
    const add = items[start + n].bytes + (n > 0 ? 1 : 0);
    if (n > 0 && bytes + add > maxBytes) break;
    bytes += add;
    n++;
  }
  return n;
}

function uuid(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  // Browsers offer randomUUID only on https pages; getRandomValues works everywhere.
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function isoTime(t: Date | string | number | undefined): string {
  if (t === undefined) return new Date().toISOString();
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) throw new TypeError(`cairn: timestamp ${JSON.stringify(t)} is not a date`);
  // A string is kept as given: its offset says where the user was.
  return typeof t === 'string' ? t : d.toISOString();
}

function requireId(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new TypeError(`cairn: ${what} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

/** Seconds or an HTTP date, in ms; null when absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

type Timer = ReturnType<typeof setTimeout>;
/** Lets Node exit while only this timer is pending; a no-op in browsers. */
const unref = (t: Timer): void => (t as { unref?: () => void }).unref?.();
const ref = (t: Timer): void => (t as { ref?: () => void }).ref?.();

/** The browser globals used, typed here so the file needs no DOM types and runs in Node. */
interface Listening {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}
interface BrowserGlobals {
  window?: Listening;
  document?: Listening & { visibilityState?: string };
  navigator?: { sendBeacon?: (url: string, data: Blob) => boolean };
}

const browser = (): BrowserGlobals => globalThis as BrowserGlobals;

type Outcome = { ok: true } | { ok: false; status?: number; retryAfter: number | null; detail: string };

class Client implements Cairn {
  private readonly url: string;
  private readonly writeKey: string;
  private readonly flushAt: number;
  private readonly flushIntervalMs: number;
  private readonly maxBatchBytes: number;
  private readonly maxRetries: number;
  private readonly maxQueue: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly onError: (err: CairnError) => void;

  private userId: string | undefined;
  private accountId: string | undefined;
  private queue: Item[] = [];
  /** The calls of the request being delivered; a beacon resends them too (dedupe makes it safe). */
  private inflight: Item[] = [];
  private draining: Promise<void> | null = null;
  private flushTimer: Timer | null = null;
  private backoffTimer: Timer | null = null;
  /** Callers awaiting flush()/close(): while any wait, backoff keeps Node alive so nothing is lost at exit. */
  private waiting = 0;
  private closed = false;
  private readonly onHide: () => void;
  private readonly onVisibility: () => void;

  constructor(o: CairnOptions) {
    this.url = `${requireId(o.host, 'host').replace(/\/+$/, '')}/v1/batch`;
    this.writeKey = requireId(o.writeKey, 'writeKey');
    this.flushAt = Math.max(1, o.flushAt ?? 20);
    this.flushIntervalMs = Math.max(0, o.flushIntervalMs ?? 5_000);
    this.maxBatchBytes = Math.min(LIMITS.requestBytes, o.maxBatchBytes ?? 400_000);
    this.maxRetries = Math.max(0, o.maxRetries ?? 8);
    this.maxQueue = Math.max(1, o.maxQueue ?? 10_000);
    this.retryBaseMs = o.retryBaseMs ?? 200;
    this.retryMaxMs = o.retryMaxMs ?? 30_000;
    this.timeoutMs = o.timeoutMs ?? 15_000;
    // Called unbound, browsers' fetch throws "Illegal invocation".
    this.fetch = o.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.onError = o.onError ?? ((err) => console.error(`cairn: ${err.message}`));

    this.onHide = () => this.beacon();
    this.onVisibility = () => {
      if (browser().document?.visibilityState === 'hidden') this.beacon();
    };
    const { window, document } = browser();
    if (window !== undefined && document !== undefined) {
      window.addEventListener('pagehide', this.onHide);
      document.addEventListener('visibilitychange', this.onVisibility);
    }
  }

  identify(userId: string, traits: Record<string, unknown> = {}): string {
    this.userId = requireId(userId, 'userId');
    const call: CairnCall = { type: 'identify', messageId: uuid(), timestamp: isoTime(undefined), userId, traits };
    if (this.accountId !== undefined) call.context = { groupId: this.accountId };
    return this.enqueue(call);
  }

  group(accountId: string, traits: Record<string, unknown> = {}): string {
    this.accountId = requireId(accountId, 'accountId');
    const call: CairnCall = { type: 'group', messageId: uuid(), timestamp: isoTime(undefined), groupId: accountId, traits };
    if (this.userId !== undefined) call.userId = this.userId;
    return this.enqueue(call);
  }

  track(action: string, object: string, o: TrackOptions = {}): string {
    requireId(action, 'action');
    requireId(object, 'object');
    const account = o.accountId ?? this.accountId;
    if (account === undefined || account === '') {
      throw new Error(`cairn: track("${action}", "${object}") needs an account: call group(accountId) first or pass { accountId }`);
    }
    const metadata = o.metadata ?? {};
    for (const key of RESERVED_METADATA) {
      if (key in metadata) throw new TypeError(`cairn: metadata.${key} is reserved (it names the event's own field); rename it`);
    }
    const properties: Record<string, unknown> = { ...metadata, action, object };
    if (o.place !== undefined) properties.place = o.place;
    const userId = o.userId ?? this.userId;
    const call: CairnCall = {
      type: 'track',
      // Only for people reading the payload: the collector takes action/object from properties.
      event: `${object} ${action}`,
      messageId: uuid(),
      timestamp: isoTime(o.timestamp),
      properties,
      context: { groupId: account },
    };
    if (userId !== undefined) call.userId = userId;
    return this.enqueue(call);
  }

  async flush(): Promise<void> {
    this.waiting++;
    if (this.backoffTimer !== null) ref(this.backoffTimer);
    try {
      // Loop: calls queued while the last request finished start another drain.
      while (this.queue.length > 0 || this.draining !== null) await this.drain();
    } finally {
      this.waiting--;
    }
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      const { window, document } = browser();
      window?.removeEventListener('pagehide', this.onHide);
      document?.removeEventListener('visibilitychange', this.onVisibility);
    }
    await this.flush();
    this.clearFlushTimer();
  }

  // -------------------------------------------------------------------------------------------

  private enqueue(call: CairnCall): string {
    if (this.closed) throw new Error('cairn: the client is closed');
    const item = serialize(call);
    if (item.bytes > LIMITS.eventBytes) {
      this.report('event_too_large', `${call.type} ${call.messageId} is ${item.bytes} bytes, over the ${LIMITS.eventBytes}-byte limit per event; dropped`, [item]);
      return call.messageId;
    }
    this.queue.push(item);
    if (this.queue.length > this.maxQueue) {
      const dropped = this.queue.splice(0, this.queue.length - this.maxQueue);
      this.report('queue_full', `more than ${this.maxQueue} calls waiting; dropped the oldest ${dropped.length}`, dropped);
    }
    if (this.queue.length >= this.flushAt) void this.drain();
    else this.scheduleFlush();
    return call.messageId;
  }

  /** Starts delivering the queue unless already doing so; resolves when the run ends. */
  private drain(): Promise<void> {
    this.clearFlushTimer();
    this.draining ??= this.deliverQueue().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async deliverQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const n = fitting(this.queue, 0, this.maxBatchBytes);
      this.inflight = this.queue.splice(0, n);
      try {
        await this.deliver(this.inflight);
      } catch (err) {
        // deliver() reports its own failures; this guards against a bug dropping the queue silently.
        this.report('rejected', `unexpected error: ${String(err)}`, this.inflight);
      }
      this.inflight = [];
    }
  }

  /** Sends one batch until acknowledged, split on 413, or given up (and reported). */
  private async deliver(batch: Item[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.post(batch);
      if (r.ok) return;
      if (r.status === 413) {
        if (batch.length === 1) return this.report('too_large', `the collector refused a single call as too large (413): ${r.detail}`, batch, 413);
        const half = Math.ceil(batch.length / 2);
        await this.deliver(batch.slice(0, half));
        return this.deliver(batch.slice(half));
      }
      if (r.status === 401 || r.status === 403) {
        return this.report('unauthorized', `the collector refused the write key (${r.status}): ${r.detail}`, batch, r.status);
      }
      const retryable = r.status === undefined || r.status === 408 || r.status === 429 || r.status >= 500;
      if (!retryable) return this.report('rejected', `the collector refused the request (${r.status}): ${r.detail}`, batch, r.status);
      if (attempt >= this.maxRetries) {
        return this.report('retries_exhausted', `gave up after ${attempt + 1} attempts: ${r.detail}`, batch, r.status);
      }
      // Full jitter spreads clients that failed together; the server's Retry-After wins.
      const backoff = Math.random() * Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** attempt);
      await this.sleep(r.retryAfter ?? backoff);
    }
  }

  private async post(batch: Item[]): Promise<Outcome> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    unref(timer);
    try {
      const res = await this.fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.writeKey}` },
        body: bodyOf(batch),
        signal: abort.signal,
      });
      // Read the body even when unused, so the connection is freed for reuse.
      const text = await res.text().catch(() => '');
      if (res.ok) return { ok: true };
      let detail = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as { error?: unknown };
        if (typeof parsed.error === 'string') detail = parsed.error;
      } catch {
        // not JSON: keep the text
      }
      const retryAfter = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : null;
      return { ok: false, status: res.status, retryAfter, detail: detail || res.statusText };
    } catch (err) {
      const detail = abort.signal.aborted ? `no answer within ${this.timeoutMs} ms` : err instanceof Error ? err.message : String(err);
      return { ok: false, retryAfter: null, detail };
    } finally {
      clearTimeout(timer);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.backoffTimer = setTimeout(() => {
        this.backoffTimer = null;
        resolve();
      }, ms);
      // Background retries must not hold a Node process open; an awaited flush() must.
      if (this.waiting === 0) unref(this.backoffTimer);
    });
  }

  /** The page is going away: hand the queue to the browser, which sends it even after unload. */
  private beacon(): void {
    const send = browser().navigator?.sendBeacon;
    if (typeof send !== 'function') return;
    const items = [...this.inflight, ...this.queue];
    let at = 0;
    while (at < items.length) {
      const n = fitting(items, at, LIMITS.beaconBytes, this.writeKey);
      const body = bodyOf(items.slice(at, at + n), this.writeKey);
      // text/plain keeps the beacon a "simple" CORS request: no preflight, which a beacon cannot do.
      const accepted = send.call(browser().navigator, this.url, new Blob([body], { type: 'text/plain' }));
      if (!accepted) break;
      at += n;
    }
    // What the browser took is gone from the queue; what it refused stays for fetch or the next beacon.
    const sent = new Set(items.slice(0, at));
    this.queue = this.queue.filter((i) => !sent.has(i));
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.drain();
    }, this.flushIntervalMs);
    unref(this.flushTimer);
  }

  private clearFlushTimer(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private report(kind: CairnErrorKind, message: string, items: Item[], status?: number): void {
    try {
      this.onError(new CairnError(kind, message, items.map((i) => i.call), status));
    } catch {
      // A throwing handler must not stop delivery of the rest.
    }
  }
}
