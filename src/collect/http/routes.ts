/**
 * The collector's endpoints (contract in ARCHITECTURE.md): native `/v1/events`, Segment's
 * `/v1/batch|track|identify|group|page|screen` and short forms, PostHog's `/batch`, `/capture`,
 * `/e`, `/i/v0/e`. Each decodes the body, finds the write key where that protocol puts it,
 * applies the limits and hands the messages to the Collector; a 200 means they are durable.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BODY_LIMITS, CONTENT_TYPES, HttpError, badBody, checkContentType, decodeBody, deeperThan, parseJson, tooLarge } from './body.js';
import type { Collector, PreRejected } from './collector.js';
import { redactCredentials } from '../../model/index.js';
import { isObject, type Protocol } from './protocols.js';

export interface KeyCheck {
  /** The source a write key belongs to, or null for an unknown or revoked key. */
  verify(key: string): string | null;
  /** A source's own rate limit, when its key has one. */
  rateLimitOf?(source: string): number | undefined;
}

export interface CollectorRoutesOptions {
  collector: Collector;
  keys: KeyCheck;
  /** Events per second each write key may send, on average (bursts up to one second's worth). */
  rateLimit: number;
}

const SEGMENT_TYPES: Record<string, string> = {
  track: 'track', t: 'track', identify: 'identify', i: 'identify', group: 'group', g: 'group',
  page: 'page', p: 'page', screen: 'screen', s: 'screen', alias: 'alias', a: 'alias',
};

type Raw = Record<string, unknown>;

/** Finds the write key and the messages in a decoded body, as one protocol's endpoint lays them out. */
type Read = (body: unknown, req: FastifyRequest) => { key: string | undefined; messages: unknown[] };

/** Registers the endpoints on a Fastify instance whose body parser hands over raw Buffers. */
export function collectorRoutes(app: FastifyInstance, opts: CollectorRoutesOptions): void {
  const { collector, keys } = opts;
  const buckets = new Map<string, { tokens: number; at: number }>();

  /** Token bucket per source, counted in events; returns the seconds to wait when empty. */
  const takeTokens = (source: string, n: number, rate: number): number | null => {
    const now = Date.now();
    const b = buckets.get(source) ?? { tokens: rate, at: now };
    b.tokens = Math.min(rate, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    buckets.set(source, b);
    // A batch larger than a second's worth passes on a full bucket, or it could never pass.
    if (b.tokens < n && b.tokens < rate) return Math.max(1, Math.ceil((n - b.tokens) / rate));
    b.tokens -= n;
    return null;
  };

  const handle = async (
    protocol: Protocol,
    req: FastifyRequest,
    reply: FastifyReply,
    read: Read,
  ) => {
    const receivedAt = Date.now();
    checkContentType(req.headers['content-type'], protocol === 'native' ? CONTENT_TYPES.native : CONTENT_TYPES.json);
    const raw = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    const bytes = decodeBody(raw, req.headers['content-encoding']);
    // A byte-order mark is legal before JSON text (RFC 8259 §8.1 lets a parser ignore it).
    const decoded = bytes.toString('utf8');
    const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
    let parsed: { key: string | undefined; messages: unknown[] } | null = null;
    let problem: HttpError | null = null;
    try {
      const body = protocol === 'native' ? parseNative(text) : parseBody(text, req.headers['content-type']);
      if (deeperThan(body, BODY_LIMITS.depth)) throw badBody('too_deep', `body nests objects or arrays deeper than ${BODY_LIMITS.depth} levels`);
      parsed = read(body, req);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      problem = err;
    }
    // The key may be in the body; an unreadable body can only be authenticated by its header.
    const key = parsed?.key ?? headerKey(req);
    // Without a key there is no source to keep a bad body under: say what is wrong with it.
    if (problem && key === undefined) throw problem;
    const source = keys.verify(key ?? '');
    if (source === null) throw new HttpError(401, key ? 'unknown or revoked write key' : 'a write key is required (Authorization: Bearer KEY, Basic auth, or writeKey / api_key in the body)');
    if (problem || !parsed) {
      // Kept, so nothing a client sent with a good key is lost.
      if (problem?.reason) await collector.quarantineBody(source, protocol, redactCredentials(text, key), problem.reason, problem.message, receivedAt);
      throw problem;
    }
    const { messages } = parsed;
    if (messages.length > BODY_LIMITS.batchEvents) throw new HttpError(413, `a batch holds at most ${BODY_LIMITS.batchEvents} messages, got ${messages.length}`);
    if (collector.overloaded) throw new HttpError(429, 'the store is behind; retry later', 1);
    const rate = keys.rateLimitOf?.(source) ?? opts.rateLimit;
    const wait = takeTokens(source, messages.length, rate);
    if (wait !== null) throw new HttpError(429, `write key ${source} is over its rate limit of ${rate} events/s`, wait);
    const pre: PreRejected[] = [];
    messages.forEach((m, index) => {
      if (m instanceof UnreadableLine) pre.push({ index, reason: 'invalid_json', message: m.error, payload: redactCredentials(m.text, key) });
      else if (tooLarge(m, bytes.length)) pre.push({ index, reason: 'event_too_large', message: `the message is larger than ${BODY_LIMITS.eventBytes / 1024} KB` });
    });
    const result = await collector.ingest(source, protocol, messages, receivedAt, pre);
    return reply.code(200).send(protocol === 'posthog' ? { status: 1, ...result } : { ok: true, success: true, ...result });
  };

  /** Each collector path takes POST, and answers browsers' CORS checks (no other route does). */
  const route = (path: string, protocol: Protocol, read: Read) => {
    app.post(path, { onRequest: allowAnyOrigin }, (req, reply) => handle(protocol, req, reply, read));
    app.options(path, preflight);
  };

  route('/v1/events', 'native', (body) => {
    if (Array.isArray(body)) return { key: undefined, messages: body };
    if (isObject(body) && Array.isArray(body.batch)) return { key: str(body.writeKey), messages: body.batch };
    return { key: undefined, messages: [body] };
  });

  for (const path of ['batch', 'b']) {
    route(`/v1/${path}`, 'segment', (body) => {
      if (!isObject(body) || !Array.isArray(body.batch)) throw badBody('invalid_batch', 'a Segment batch is an object with a "batch" array');
      // Batch-level context (library, ip) fills in each call's own.
      const context = isObject(body.context) ? body.context : null;
      const messages = context ? body.batch.map((m) => (isObject(m) ? { ...m, context: { ...context, ...(isObject(m.context) ? m.context : {}) } } : m)) : body.batch;
      return { key: str(body.writeKey), messages };
    });
  }
  for (const [path, type] of Object.entries(SEGMENT_TYPES)) {
    route(`/v1/${path}`, 'segment', (body) => {
      if (!isObject(body)) throw badBody('not_an_object', `a Segment ${type} call is a JSON object`);
      return { key: str(body.writeKey), messages: [{ ...body, type: body.type ?? type }] };
    });
  }

  for (const path of ['/batch', '/batch/', '/capture', '/capture/', '/e', '/e/', '/i/v0/e', '/i/v0/e/']) {
    route(path, 'posthog', (body, req) => {
      const query = req.query as Raw;
      // The key rides on the body, or on its first event, or in the query string.
      const keyOf = (o: Raw | undefined) => o && (str(o.api_key) ?? str(o.token) ?? (isObject(o.properties) ? str(o.properties.token) : undefined));
      const fromQuery = str(query.api_key) ?? str(query.token);
      if (Array.isArray(body)) return { key: keyOf(body.find(isObject)) ?? fromQuery, messages: body };
      if (!isObject(body)) throw badBody('not_an_object', 'a PostHog request is a JSON object or array of events');
      return { key: keyOf(body) ?? fromQuery, messages: Array.isArray(body.batch) ? body.batch : [body] };
    });
  }
}

/**
 * Browsers' SDKs send from the product's own origin; the write key, not the origin, is what is
 * checked, so any origin may POST. No credentials (cookies) are allowed, and Retry-After is
 * exposed so a browser client can honour a 429.
 */
async function allowAnyOrigin(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', 'retry-after');
}

/** The CORS preflight of a collector path: our SDK sends JSON with an Authorization header. */
async function preflight(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  await reply
    .header('access-control-allow-origin', '*')
    .header('access-control-allow-methods', 'POST')
    .header('access-control-allow-headers', 'authorization, content-type, content-encoding')
    .header('access-control-max-age', '86400')
    .code(204)
    .send();
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The key from `Authorization: Bearer KEY` or Basic auth (Segment puts it as the user name). */
function headerKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (!auth) return undefined;
  const space = auth.indexOf(' ');
  const scheme = auth.slice(0, space).toLowerCase();
  const value = auth.slice(space + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon < 0 ? decoded : decoded.slice(0, colon)) || undefined;
  }
  return undefined;
}

/** A JSON line that does not parse: quarantined on its own, the other lines go on. */
class UnreadableLine {
  constructor(
    readonly text: string,
    readonly error: string,
  ) {}
}

/** Native bodies: a JSON array, an object, or JSON lines. */
function parseNative(text: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) return parseJson(text);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length <= 1) return parseJson(text);
  return lines.map((line, i) => {
    try {
      return parseJson(line, `line ${i + 1}`);
    } catch (err) {
      return new UnreadableLine(line, (err as Error).message);
    }
  });
}

/** JSON, or a form post of `data=<base64 JSON>` (posthog-js). */
function parseBody(text: string, contentType: string | undefined): unknown {
  // curl and some clients label a raw JSON body as a form post.
  if ((contentType ?? '').startsWith('application/x-www-form-urlencoded') && !/^\s*[[{]/.test(text)) {
    const params = new URLSearchParams(text);
    if (params.get('compression') === 'lz64') throw badBody('unsupported_compression', 'lz64 compression is not supported; send gzip-js or plain JSON');
    const data = params.get('data');
    if (data === null) throw badBody('invalid_form', 'a form post needs a data field');
    return parseJson(Buffer.from(data, 'base64').toString('utf8'), 'data');
  }
  return parseJson(text);
}
