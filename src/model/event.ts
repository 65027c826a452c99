import { createHash } from 'node:crypto';
import { withoutCredentials } from './credentials.js';
import { ok, rejected, type Checked } from './result.js';
import { numberValue } from './number.js';
import { textField, typeOf, wellFormedJson } from './text.js';

/** One tracked occurrence: a user's action on an object, in a place, with metadata. */
export interface TrackedEvent {
  /** Unique per source (model/source.ts); a re-sent event with the same id is stored once. */
  messageId: string;
  accountId: string;
  userId: string | null;
  anonymousId: string | null;
  action: string;
  object: string;
  place: string | null;
  metadata: Record<string, unknown>;
  /** Milliseconds since the epoch, UTC. */
  timestamp: number;
  /** How many occurrences this line stands for (pre-aggregated data); 1 by default. */
  count: number;
}

/** Bounds that keep a name usable as an identifier in reports and URLs. */
export const LIMITS = {
  nameLength: 200,
  idLength: 256,
  metadataBytes: 16 * 1024,
  maxCount: 1_000_000_000,
  /** Events older than this are certainly a unit or parsing mistake. */
  earliest: Date.UTC(1990, 0, 1),
  /** Clocks drift; a day ahead is tolerated, more is a mistake. */
  futureSlackMs: 24 * 3600 * 1000,
  /** The last instant an account's date (signup, churn, history) may name: stores hold no later. */
  latestDate: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
  /** Seats an account may hold: within a 32-bit column, and far above any real team. */
  maxSeats: 1_000_000_000,
  /** Monthly revenue of one account, in the file's currency. */
  maxMrr: 1e12,
} as const;

type Raw = Record<string, unknown>;

/** How many occurrences one line may stand for. */
const COUNT = { integer: true, min: 1, max: LIMITS.maxCount };

const text = (raw: Raw, key: string, required: boolean, max: number) => textField(raw[key], key, max, required);

/** Parses an ISO-8601 string (zone-less means UTC) or epoch milliseconds into epoch milliseconds. */
export function parseTimestamp(v: unknown): number | null {
  // Beyond ±8.64e15 ms a number is no date at all (Date cannot hold it).
  if (typeof v === 'number') return Number.isFinite(v) && Math.abs(v) <= 8.64e15 ? v : null;
  if (typeof v !== 'string' || v.length < 10 || v.length > 40) return null;
  // A date-only or zone-less ISO string is read as UTC, not local time.
  // "2024-05-01 10:00:00" (SQL style) reads as ISO.
  let s = v.charCodeAt(10) === 32 ? v.slice(0, 10) + 'T' + v.slice(11) : v;
  if (s.length === 10) s += 'T00:00:00Z';
  else if (!/[zZ]$|[+-]\d\d:?\d\d$/.test(s)) s += 'Z';
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

/** A present timestamp, readable and within the bounds events are held to (1990 to a day ahead of `now`). */
export function timestampValue(v: unknown, field: string, now: number): Checked<number> {
  const ms = parseTimestamp(v);
  if (ms === null) return rejected('invalid_timestamp', `${field} must be ISO-8601 or epoch milliseconds, got ${JSON.stringify(v)?.slice(0, 60)}`, field);
  if (ms < LIMITS.earliest || ms > now + LIMITS.futureSlackMs) {
    return rejected('timestamp_out_of_range', `${field} ${new Date(ms).toISOString()} is before 1990 or more than a day in the future`, field);
  }
  return ok(ms);
}

export interface NormalizeOptions {
  /** Now, in epoch ms: the upper bound for timestamps. */
  now: number;
}

/**
 * Checks one raw event (native import format v1 or a Segment-shaped track call) and returns
 * the normalized event or the reason it cannot be stored.
 */
export function normalizeEvent(input: unknown, opts: NormalizeOptions): Checked<TrackedEvent> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return rejected('not_an_object', `an event must be a JSON object, got ${typeOf(input)}`);
  }
  let raw = input as Raw;
  if (Object.hasOwn(raw, 'event') && !Object.hasOwn(raw, 'action')) {
    const mapped = fromSegment(raw);
    if (!mapped.ok) return mapped;
    raw = mapped.value;
  }

  const action = text(raw, 'action', true, LIMITS.nameLength);
  if (!action.ok) return action;
  const object = text(raw, 'object', true, LIMITS.nameLength);
  if (!object.ok) return object;
  const place = text(raw, 'place', false, LIMITS.nameLength);
  if (!place.ok) return place;
  const accountId = text(raw, 'account_id', true, LIMITS.idLength);
  if (!accountId.ok) return accountId;
  const userId = text(raw, 'user_id', false, LIMITS.idLength);
  if (!userId.ok) return userId;
  const anonymousId = text(raw, 'anonymous_id', false, LIMITS.idLength);
  if (!anonymousId.ok) return anonymousId;

  if (raw.timestamp === undefined || raw.timestamp === null || raw.timestamp === '') {
    return rejected('missing_field', 'timestamp is required', 'timestamp');
  }
  const checkedTime = timestampValue(raw.timestamp, 'timestamp', opts.now);
  if (!checkedTime.ok) return checkedTime;
  const timestamp = checkedTime.value;

  const m = objectField(raw.metadata, 'metadata');
  if (!m.ok) return m;
  const metadata = wellFormedJson(withoutCredentials(m.value));

  const count = numberValue(raw.count, 'count', COUNT);
  if (!count.ok) return count;

  const id = text(raw, 'message_id', false, LIMITS.idLength);
  if (!id.ok) return id;
  const event: TrackedEvent = {
    messageId: '',
    accountId: accountId.value!,
    userId: userId.value,
    anonymousId: anonymousId.value,
    action: action.value!,
    object: object.value!,
    place: place.value,
    metadata,
    timestamp,
    count: count.value ?? 1,
  };
  event.messageId = id.value ?? deriveMessageId(event);
  return ok(event);
}

/** An event as a native message (import format v1), so it can be quarantined and replayed. */
export const nativeOf = (e: TrackedEvent) => ({
  message_id: e.messageId,
  account_id: e.accountId,
  user_id: e.userId,
  anonymous_id: e.anonymousId,
  action: e.action,
  object: e.object,
  place: e.place,
  metadata: e.metadata,
  timestamp: e.timestamp,
  count: e.count,
});

/** A stable id from the event's content, so re-importing the same id-less file stores nothing twice. */
export function deriveMessageId(e: Omit<TrackedEvent, 'messageId'>): string {
  const h = createHash('sha1');
  h.update(`${e.accountId}\u0001${e.userId ?? ''}\u0001${e.anonymousId ?? ''}\u0001${e.action}\u0001${e.object}\u0001`);
  h.update(`${e.place ?? ''}\u0001${e.timestamp}\u0001${e.count}\u0001${JSON.stringify(e.metadata)}`);
  return 'd_' + h.digest('hex').slice(0, 32);
}

/**
 * Splits a Segment-style "Object Action" name: the last word is the action, the words before
 * it the object, in snake_case ("Help Center Article Published" → help_center_article, published).
 */
export function splitEventName(name: string): { object: string; action: string } | null {
  const words = name.trim().split(/[\s_]+/).filter(Boolean).map((w) => w.toLowerCase());
  if (words.length < 2) return null;
  return { action: words[words.length - 1], object: words.slice(0, -1).join('_') };
}

/** A part of a message that must be a JSON object when present ({} when absent): never silently dropped. */
export function objectField(v: unknown, field: string): Checked<Raw> {
  if (v === undefined || v === null) return ok({});
  if (typeof v !== 'object' || Array.isArray(v)) return rejected('invalid_field', `${field} must be a JSON object, got ${typeOf(v)}`, field);
  return ok(v as Raw);
}

/** Maps a Segment track call onto the native fields; explicit properties.action/object/place win. */
function fromSegment(s: Raw): Checked<Raw> {
  const props = objectField(s.properties, 'properties');
  if (!props.ok) return props;
  const context = objectField(s.context, 'context');
  if (!context.ok) return context;
  const name = typeof s.event === 'string' ? splitEventName(s.event) : null;
  const { action: pAction, object: pObject, place: pPlace, account_id: pAccount, ...metadata } = props.value;
  const action = pAction ?? name?.action;
  const object = pObject ?? name?.object;
  if (action === undefined || object === undefined) {
    return rejected('invalid_field', `event name ${JSON.stringify(s.event)} is not "Object Action" and properties name no action/object`, 'event');
  }
  return ok({
    message_id: s.messageId ?? s.message_id,
    timestamp: s.timestamp ?? s.sentAt ?? s.receivedAt,
    account_id: context.value.groupId ?? s.groupId ?? pAccount ?? s.account_id,
    user_id: s.userId ?? s.user_id,
    anonymous_id: s.anonymousId ?? s.anonymous_id,
    action,
    object,
    place: pPlace ?? (context.value.page && typeof context.value.page === 'object' ? (context.value.page as Raw).path : undefined),
    metadata,
    count: s.count,
  });
}
