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
  ) {
    super(message);
  }
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
    throw new HttpError(400, `${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Whether a parsed value nests objects and arrays deeper than `max`; iterative, so any depth is safe. */
export function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Whether one message is over the per-message size limit. */
export function tooLarge(message: unknown, bodyBytes: number): boolean {
  // Only a body larger than the limit can hold a message larger than it.
  if (bodyBytes <= BODY_LIMITS.eventBytes) return false;
  const text = JSON.stringify(message);
  return text.length * 3 > BODY_LIMITS.eventBytes && Buffer.byteLength(text) > BODY_LIMITS.eventBytes;
}
