import { createHash } from 'node:crypto';
import { withoutCredentials } from './credentials.js';
import { ok, rejected, type Checked } from './result.js';

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
} as const;

// Control characters would break line-oriented exports and terminal output.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

type Raw = Record<string, unknown>;

/** A text field: null when absent; numbers read as text; bounded length, no control characters. */
export function textValue(v: unknown, field: string, max: number): Checked<string | null> {
  if (v === undefined || v === null || v === '') return ok(null);
  if (typeof v === 'number' && Number.isFinite(v)) v = String(v);
  if (typeof v !== 'string') return rejected('invalid_field', `${field} must be a string, got ${typeOf(v)}`, field);
  if (v.length > max) return rejected('invalid_field', `${field} is longer than ${max} characters`, field);
  if (CONTROL.test(v)) return rejected('invalid_field', `${field} contains control characters`, field);
  return ok(v);
}

function text(raw: Raw, key: string, required: boolean, max: number): Checked<string | null> {
  const checked = textValue(raw[key], key, max);
  if (checked.ok && checked.value === null && required) return rejected('missing_field', `${key} is required`, key);
  return checked;
}

/** A JSON value's kind for messages: null and array apart from object. */
export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

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
  if ('event' in raw && !('action' in raw)) {
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

  let metadata: Record<string, unknown> = {};
  const m = raw.metadata;
  if (m !== undefined && m !== null) {
    if (typeof m !== 'object' || Array.isArray(m)) {
      return rejected('invalid_field', `metadata must be a JSON object, got ${typeOf(m)}`, 'metadata');
    }
    metadata = withoutCredentials(m as Record<string, unknown>);
  }

  let count = 1;
  if (raw.count !== undefined && raw.count !== null && raw.count !== '') {
    const c = typeof raw.count === 'string' ? Number(raw.count) : raw.count;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > LIMITS.maxCount) {
      return rejected('invalid_field', `count must be an integer ≥ 1, got ${JSON.stringify(raw.count)}`, 'count');
    }
    count = c;
  }

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
    count,
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

/** Maps a Segment track call onto the native fields; explicit properties.action/object/place win. */
function fromSegment(s: Raw): Checked<Raw> {
  const props = (s.properties && typeof s.properties === 'object' && !Array.isArray(s.properties) ? s.properties : {}) as Raw;
  const context = (s.context && typeof s.context === 'object' ? s.context : {}) as Raw;
  const name = typeof s.event === 'string' ? splitEventName(s.event) : null;
  const { action: pAction, object: pObject, place: pPlace, account_id: pAccount, ...metadata } = props;
  const action = pAction ?? name?.action;
  const object = pObject ?? name?.object;
  if (action === undefined || object === undefined) {
    return rejected('invalid_field', `event name ${JSON.stringify(s.event)} is not "Object Action" and properties name no action/object`, 'event');
  }
  return ok({
    message_id: s.messageId ?? s.message_id,
    timestamp: s.timestamp ?? s.sentAt ?? s.receivedAt,
    account_id: context.groupId ?? s.groupId ?? pAccount ?? s.account_id,
    user_id: s.userId ?? s.user_id,
    anonymous_id: s.anonymousId ?? s.anonymous_id,
    action,
    object,
    place: pPlace ?? (context.page && typeof context.page === 'object' ? (context.page as Raw).path : undefined),
    metadata,
    count: s.count,
  });
}
