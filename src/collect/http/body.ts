/**
 * Reading a request body safely: gzip recognised by its bytes or its header and inflated with
 * a cap (a small bomb cannot grow past the batch limit), JSON parsed with errors that say
 * where, nesting depth bounded without recursion.
 */
import { gunzipSync, inflateSync } from 'node:zlib';

export const BODY_LIMITS = {
  /** One message, as JSON. */
  eventBytes: 32 * 1024,
  /** One request, decompressed. */
  batchBytes: 500 * 1024,
  batchEvents: 2500,
  /** Objects and arrays inside one request body (a batch wrapper and its messages). */
  depth: 32,
} as const;

/** A request the collector refuses, with the status and the words the client gets. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
    /** The quarantine reason when the refused body is kept (bad JSON, too deep, wrong shape). */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** A body that was read but cannot be taken: 400, and kept in quarantine under `reason`. */
export const badBody = (reason: string, message: string) => new HttpError(400, message, undefined, reason);

/**
 * What the collector's endpoints read; anything else (multipart, XML, octet-stream…) is refused
 * (415) rather than guessed at. text/plain is how beacons and analytics.js send JSON without a
 * preflight; the form type is how curl -d and rudder-sdk-node's gzip bodies are labelled, and
 * posthog-js's `data=<base64>` posts really are forms.
 */
const JSON_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];
export const CONTENT_TYPES = {
  json: JSON_TYPES,
  /** The native endpoint takes JSON lines too. */
  native: [...JSON_TYPES, 'application/x-ndjson', 'application/jsonl', 'application/jsonlines', 'application/x-jsonlines'],
} as const;

/**
 * Refuses a body of a type the endpoint does not read (415), naming what it takes. No
 * Content-Type at all is read as JSON (many HTTP clients send none); `+json` types are JSON.
 */
export function checkContentType(header: string | undefined, accepted: readonly string[]): void {
  const type = (header ?? '').split(';')[0].trim().toLowerCase();
  if (type === '' || accepted.includes(type) || (type.startsWith('application/') && type.endsWith('+json'))) return;
  throw new HttpError(415, `Content-Type ${JSON.stringify(type)} is not read here; send ${accepted.join(', ')}`);
}

/** The body's bytes, inflated when gzip (magic bytes or Content-Encoding) or deflate. */
export function decodeBody(body: Buffer, contentEncoding: string | undefined): Buffer {
  const encoding = (contentEncoding ?? '').toLowerCase().trim();
  const gzip = body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
  if (!gzip && encoding !== 'gzip' && encoding !== 'deflate') {
    if (encoding && encoding !== 'identity') throw new HttpError(415, `Content-Encoding ${JSON.stringify(encoding)} is not supported; use gzip or none`);
    return body;
  }
  try {
    const opts = { maxOutputLength: BODY_LIMITS.batchBytes };
    return encoding === 'deflate' && !gzip ? inflateSync(body, opts) : gunzipSync(body, opts);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new HttpError(413, `body is larger than ${BODY_LIMITS.batchBytes / 1024} KB once decompressed`);
    }
    throw new HttpError(400, `body is not valid ${encoding === 'deflate' && !gzip ? 'deflate' : 'gzip'} data: ${e.message}`);
  }
}

/** JSON.parse with an error naming the problem and its place. */
export function parseJson(text: string, what = 'body'): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badBody('invalid_json', `${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Whether a parsed value nests objects and arrays deeper than `max`. Recursion stops at `max`,
 * so any input depth is safe (JSON.parse itself does not recurse).
 */
export function deeperThan(value: unknown, max: number, depth = 1): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth > max) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (deeperThan(value[i], max, depth + 1)) return true;
    return false;
  }
  for (const key in value) if (deeperThan((value as Record<string, unknown>)[key], max, depth + 1)) return true;
  return false;
}

/** Whether one message is over the per-message size limit. */
export function tooLarge(message: unknown, bodyBytes: number): boolean {
  // Only a body larger than the limit can hold a message larger than it.
  if (bodyBytes <= BODY_LIMITS.eventBytes) return false;
  const text = JSON.stringify(message);
  return text.length * 3 > BODY_LIMITS.eventBytes && Buffer.byteLength(text) > BODY_LIMITS.eventBytes;
}
