/**
 * A corpus of malformed and hostile requests against the real server: each gets its exact
 * status, the server answers /v1/health after each, what can be kept is in quarantine with its
 * reason (under the key's source), what is good is stored, and hostile text is stored as data.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WriteKeys } from '../../../src/collect/http/keys.js';
import { ident } from '../../../src/store/index.js';
import { cairn } from '../../cli/run-cli.js';
import { basic, bearer, createKey, post, readResponse, sql, startInProcess, waitFor, withStore, workspace, type InProcessServer } from './helpers.js';

const NOW = Date.now();
const ISO = new Date(NOW - 3_600_000).toISOString();
const SQL = "'); DROP TABLE events; --";

type Headers = Record<string, string>;
interface Request {
  method?: string;
  path: string;
  headers?: Headers;
  /** JSON-serialised unless a string or bytes. */
  body?: unknown;
  /** Bytes written to a bare TCP socket instead of an HTTP request (the status is read from the reply). */
  raw?: string;
}
interface Case extends Request {
  status: number;
  /** The reply's error names the problem (4xx). */
  error?: RegExp;
  /** Counts in a 200 reply. */
  reply?: Partial<Record<'accepted' | 'flagged' | 'quarantined' | 'skipped', number>>;
  /** Reasons of the quarantine entries whose payload holds this case's marker. */
  quarantine?: string[];
  /** Events stored whose message_id starts with the marker. */
  stored?: number;
  /** Whether the reply carries CORS headers (checked when set). */
  cors?: boolean;
  /** Requests sent first, each expecting 200 (another source's, for cross-source cases). */
  first?: Request[];
}

/** A native event carrying the case's marker as its id. */
const native = (m: string, over: Record<string, unknown> = {}) => ({ message_id: m, timestamp: ISO, account_id: 'acc_h', user_id: 'u_h', action: 'closed', object: 'conversation', ...over });
const segTrack = (m: string, over: Record<string, unknown> = {}) => ({ type: 'track', messageId: m, timestamp: ISO, userId: 'u_h', event: 'Report Exported', context: { groupId: 'acc_h' }, ...over });
const phEvent = (m: string, over: Record<string, unknown> = {}) => ({ event: 'Report Exported', uuid: m, distinct_id: 'u_h', timestamp: ISO, properties: { $groups: { company: 'acc_h' } }, ...over });
const nested = (levels: number, inner: unknown): unknown => {
  let v = inner;
  for (let i = 0; i < levels; i++) v = { d: v };
  return v;
};
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
/** n native events of one account, ids `${prefix}0…`. */
const nativeBatch = (prefix: string, n: number, account: string) => Array.from({ length: n }, (_, i) => native(`${prefix}${i}`, { account_id: account }));

/** The corpus; `m` is the case's marker, unique and never a substring of another's. */
function corpus(key: string, revoked: string, other: string, admin: string): [string, (m: string) => Case][] {
  const K = bearer(key);
  const hdrs = { Authorization: `Bearer ${key}`, 'X-Api-Key': key };
  return [
    // --- keys ---------------------------------------------------------------------------------
    ['no key at all', (m) => ({ path: '/v1/events', body: [native(m)], status: 401, error: /write key is required/ })],
    ['an unknown key', (m) => ({ path: '/v1/events', headers: bearer('cairn_' + 'A'.repeat(32)), body: [native(m)], status: 401, error: /unknown or revoked/ })],
    ['a revoked key', (m) => ({ path: '/v1/events', headers: bearer(revoked), body: [native(m)], status: 401, error: /unknown or revoked/ })],
    ['a revoked key in a Segment body', (m) => ({ path: '/v1/batch', body: { writeKey: revoked, batch: [segTrack(m)] }, status: 401 })],
    ['a revoked key as PostHog api_key', (m) => ({ path: '/batch', body: { api_key: revoked, batch: [phEvent(m)] }, status: 401 })],
    ['the key in the query string of the native endpoint', (m) => ({ path: `/v1/events?api_key=${key}`, body: [native(m)], status: 401 })],
    ['the key in a made-up header', (m) => ({ path: '/v1/events', headers: { 'x-api-key': key }, body: [native(m)], status: 401 })],
    ['the key as the Basic-auth password instead of the user', (m) => ({ path: '/v1/batch', headers: { authorization: `Basic ${Buffer.from(`:${key}`).toString('base64')}` }, body: { batch: [segTrack(m)] }, status: 401 })],
    ['an unknown auth scheme', (m) => ({ path: '/v1/events', headers: { authorization: `Token ${key}` }, body: [native(m)], status: 401 })],
    ['an empty Bearer', (m) => ({ path: '/v1/events', headers: { authorization: 'Bearer ' }, body: [native(m)], status: 401 })],
    ['a 10 KB key', (m) => ({ path: '/v1/events', headers: bearer('cairn_' + 'x'.repeat(10_000)), body: [native(m)], status: 401 })],
    ['a key with SQL in it', (m) => ({ path: '/v1/events', headers: bearer(`cairn_${SQL}`), body: [native(m)], status: 401 })],
    ['writeKey of the wrong type in a Segment body', (m) => ({ path: '/v1/batch', body: { writeKey: 12345, batch: [segTrack(m)] }, status: 401 })],
    ['a bad JSON body with an unknown key: refused, not kept', (m) => ({ path: '/v1/events', headers: bearer('cairn_nope'), body: `[{"message_id":"${m}",`, status: 401 })],

    // --- bodies that cannot be read ------------------------------------------------------------
    ['bad JSON', (m) => ({ path: '/v1/events', headers: K, body: `[{"message_id":"${m}", "action": }]`, status: 400, error: /not valid JSON/, quarantine: ['invalid_json'] })],
    ['bad JSON to Segment (kept under the header key)', (m) => ({ path: '/v1/batch', headers: basic(key), body: `{"batch":[{"messageId":"${m}"`, status: 400, error: /not valid JSON/, quarantine: ['invalid_json'] })],
    ['bad JSON to PostHog without a header key: nothing to keep it under', (m) => ({ path: '/batch', body: `{"api_key":"${key}","batch":[{"uuid":"${m}"`, status: 400, error: /not valid JSON/ })],
    ['bad JSON without any key', (m) => ({ path: '/v1/events', body: `{"${m}`, status: 400, error: /not valid JSON/ })],
    ['an empty body', () => ({ path: '/v1/events', headers: K, body: '', status: 400, error: /not valid JSON/, quarantine: [] })],
    ['NaN in JSON', (m) => ({ path: '/v1/events', headers: K, body: `[{"message_id":"${m}","count":NaN}]`, status: 400, quarantine: ['invalid_json'] })],
    ['a byte-order mark before the JSON', (m) => ({ path: '/v1/events', headers: K, body: '\ufeff' + JSON.stringify([native(m)]), status: 200, stored: 1 })],
    ['JSON lines with one broken line: the rest stored', (m) => ({
      path: '/v1/events',
      headers: K,
      body: [JSON.stringify(native(`${m}1`)), `{"message_id":"${m}2",`, JSON.stringify(native(`${m}3`))].join('\n'),
      status: 200,
      reply: { accepted: 2, quarantined: 1 },
      stored: 2,
      quarantine: ['invalid_json'],
    })],
    ['truncated gzip', (m) => ({ path: '/v1/events', headers: K, body: new Uint8Array(gzipSync(JSON.stringify([native(m)]))).subarray(0, 25), status: 400, error: /not valid gzip/ })],
    ['a gzip bomb (20 MB of zeros)', () => ({ path: '/v1/events', headers: K, body: new Uint8Array(gzipSync(Buffer.alloc(20 << 20))), status: 413, error: /once decompressed/ })],
    ['a gzip bomb to PostHog', () => ({ path: '/batch', headers: { 'content-encoding': 'gzip' }, body: new Uint8Array(gzipSync(Buffer.alloc(20 << 20, 0x20))), status: 413 })],
    ['Content-Encoding gzip on a plain body', (m) => ({ path: '/v1/events', headers: { ...K, 'content-encoding': 'gzip' }, body: [native(m)], status: 400, error: /gzip/ })],
    ['Content-Encoding deflate on a plain body', (m) => ({ path: '/v1/events', headers: { ...K, 'content-encoding': 'deflate' }, body: [native(m)], status: 400, error: /deflate/ })],
    ['an unknown Content-Encoding', (m) => ({ path: '/v1/events', headers: { ...K, 'content-encoding': 'br' }, body: [native(m)], status: 415, error: /not supported/ })],
    ['a list of Content-Encodings', (m) => ({ path: '/v1/events', headers: { ...K, 'content-encoding': 'gzip, br' }, body: [native(m)], status: 415 })],
    ['gzip bytes labelled deflate: the bytes decide', (m) => ({ path: '/v1/events', headers: { ...K, 'content-encoding': 'deflate' }, body: new Uint8Array(gzipSync(JSON.stringify([native(m)]))), status: 200, stored: 1 })],
    ['a 10 MB body', (m) => ({ path: '/v1/events', headers: K, body: JSON.stringify([native(m, { metadata: { pad: 'x'.repeat(10 << 20) } })]), status: 413, error: /larger than 500 KB/ })],
    ['a body just over 500 KB', (m) => ({ path: '/v1/events', headers: K, body: JSON.stringify([native(m)]) + ' '.repeat(500 * 1024), status: 413 })],
    ['invalid UTF-8 bytes inside a string: stored with replacement characters', (m) => ({
      path: '/v1/events',
      headers: K,
      body: new Uint8Array(Buffer.concat([Buffer.from(`[{"message_id":"${m}","timestamp":"${ISO}","account_id":"acc_h","action":"closed","object":"conversation","place":"in`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('box"}]')])),
      status: 200,
      stored: 1,
    })],
    ['a lone surrogate in the place: quarantined', (m) => ({ path: '/v1/events', headers: K, body: `[{"message_id":"${m}","timestamp":"${ISO}","account_id":"acc_h","action":"closed","object":"conversation","place":"\\udc00"}]`, status: 200, quarantine: ['invalid_text'] })],
    ['lone surrogates in metadata keys and values: stored, made U+FFFD', (m) => ({ path: '/v1/events', headers: K, body: `[{"message_id":"${m}","timestamp":"${ISO}","account_id":"acc_h","action":"closed","object":"conversation","metadata":{"s":"\\ud800x","k\\udfff":["\\udc00"]}}]`, status: 200, stored: 1 })],
    ['two account ids differing in a lone surrogate: both quarantined, never merged', (m) => ({ path: '/v1/events', headers: K, body: [native(`${m}a`, { account_id: 'acc_\ud800' }), native(`${m}b`, { account_id: 'acc_\udfff' })], status: 200, reply: { quarantined: 2 }, quarantine: ['invalid_text', 'invalid_text'] })],
    ['two message ids differing in a lone surrogate', (m) => ({ path: '/v1/events', headers: K, body: [native(`${m}\ud800`), native(`${m}\udbff`)], status: 200, reply: { quarantined: 2 }, quarantine: ['invalid_text', 'invalid_text'] })],
    ['a lone surrogate in an anonymous id', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { anonymous_id: '\udfffanon' })], status: 200, quarantine: ['invalid_text'] })],
    ['a lone surrogate in a Segment userId', (m) => ({ path: '/v1/batch', headers: basic(key), body: { batch: [segTrack(m, { userId: 'u\udfff' })] }, status: 200, quarantine: ['invalid_text'] })],
    ['a lone surrogate in a Segment event name', (m) => ({ path: '/v1/batch', headers: basic(key), body: { batch: [segTrack(m, { event: 'Report Exported\ud800' })] }, status: 200, quarantine: ['invalid_text'] })],
    ['a lone surrogate in a PostHog distinct_id', (m) => ({ path: '/batch', body: { api_key: key, batch: [phEvent(m, { distinct_id: 'u\ud800' })] }, status: 200, quarantine: ['invalid_text'] })],
    ['a lone surrogate in a PostHog group', (m) => ({ path: '/batch', body: { api_key: key, batch: [phEvent(m, { properties: { $groups: { company: 'acc\udc00' } } })] }, status: 200, quarantine: ['invalid_text'] })],
    ['a lone surrogate in a group call name', (m) => ({ path: '/v1/group', headers: basic(key), body: { messageId: m, groupId: `${m}acc`, traits: { name: 'n\ud800' } }, status: 200, quarantine: ['invalid_text'] })],

    // --- shape ---------------------------------------------------------------------------------
    ['nesting 100,000 levels deep', (m) => ({ path: '/v1/events', headers: K, body: '['.repeat(100_000) + `"${m}"` + ']'.repeat(100_000), status: 400, error: /deeper than 32/, quarantine: ['too_deep'] })],
    ['objects nested 50,000 levels deep in metadata', (m) => ({ path: '/v1/events', headers: K, body: `[{"message_id":"${m}","metadata":` + '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_001) + ']', status: 400, quarantine: ['too_deep'] })],
    ['33 levels: one too deep', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { metadata: nested(31, 1) })], status: 400, quarantine: ['too_deep'] })],
    ['32 levels: just deep enough', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { metadata: nested(30, 1) })], status: 200, stored: 1 })],
    ['2,501 messages', (m) => ({ path: '/v1/events', headers: K, body: Array.from({ length: 2501 }, (_, i) => ({ message_id: `${m}${i}` })), status: 413, error: /at most 2500/ })],
    ['2,501 messages to Segment', (m) => ({ path: '/v1/batch', headers: basic(key), body: { batch: Array.from({ length: 2501 }, (_, i) => ({ messageId: `${m}${i}` })) }, status: 413 })],
    ['2,501 messages to PostHog', (m) => ({ path: '/batch', body: { api_key: key, batch: Array.from({ length: 2501 }, (_, i) => ({ uuid: `${m}${i}` })) }, status: 413 })],
    ['2,500 messages: all stored', (m) => ({ path: '/v1/events', headers: K, body: Array.from({ length: 2500 }, (_, i) => native(`${m}${i}`)), status: 200, reply: { accepted: 2500 }, stored: 2500 })],
    ['a message over 32 KB (huge metadata): quarantined, its neighbour stored', (m) => ({
      path: '/v1/events',
      headers: K,
      body: [native(`${m}big`, { metadata: { blob: 'x'.repeat(40 * 1024) } }), native(`${m}ok`)],
      status: 200,
      reply: { accepted: 1, quarantined: 1 },
      stored: 1,
      quarantine: ['event_too_large'],
    })],
    ['a message of multi-byte characters over 32 KB', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { metadata: { blob: '€'.repeat(12_000) } })], status: 200, reply: { quarantined: 1 }, quarantine: ['event_too_large'] })],
    ['a body that is null', () => ({ path: '/v1/events', headers: K, body: 'null', status: 200, reply: { quarantined: 1 }, quarantine: [] })],
    ['a body that is a number', (m) => ({ path: '/v1/events', headers: K, body: `[${m.length}, "${m}"]`, status: 200, reply: { quarantined: 2 }, quarantine: ['not_an_object'] })],
    ['arrays where events are expected', (m) => ({ path: '/v1/events', headers: K, body: [[native(m)]], status: 200, reply: { quarantined: 1 }, quarantine: ['not_an_object'] })],
    ['a Segment batch that is not an array', (m) => ({ path: '/v1/batch', headers: basic(key), body: { batch: { 0: segTrack(m) } }, status: 400, error: /"batch" array/, quarantine: ['invalid_batch'] })],
    ['a Segment batch that is not an array, key only in the body: nothing to keep it under', (m) => ({ path: '/v1/batch', body: { writeKey: key, batch: { 0: segTrack(m) } }, status: 400, error: /"batch" array/ })],
    ['a Segment track call that is an array', (m) => ({ path: '/v1/track', headers: basic(key), body: [segTrack(m)], status: 400, error: /JSON object/, quarantine: ['not_an_object'] })],
    ['a PostHog body that is a string', (m) => ({ path: '/capture', body: `"${m}"`, headers: { authorization: `Bearer ${key}` }, status: 400, error: /PostHog request/, quarantine: ['not_an_object'] })],
    ['a PostHog form post with lz64', () => ({ path: '/e/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'data=N4Ig&compression=lz64', status: 400, error: /lz64/ })],
    ['a PostHog form post without data', () => ({ path: '/e/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'foo=bar', status: 400, error: /data field/ })],
    ['a PostHog form post whose data is not base64 JSON', () => ({ path: '/e/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'data=!!!notbase64', status: 400, error: /data is not valid JSON/ })],
    ['duplicate message ids inside one batch: stored once', (m) => ({ path: '/v1/events', headers: K, body: [native(m), native(m), native(m)], status: 200, reply: { accepted: 3 }, stored: 1 })],
    ['__proto__ naming the account in native fields: not read as one', (m) => ({
      path: '/v1/events',
      headers: K,
      body: `[{"message_id":"${m}","timestamp":"${ISO}","action":"closed","object":"conversation","__proto__":{"account_id":"acc_evil"}}]`,
      status: 200,
      quarantine: ['missing_field'],
    })],
    ['metadata keys named __proto__, constructor and toString: stored as data', (m) => ({
      path: '/v1/events',
      headers: K,
      body: `[{"message_id":"${m}","timestamp":"${ISO}","account_id":"acc_h","action":"closed","object":"conversation","metadata":{"__proto__":{"polluted":true},"constructor":"c","toString":"t"}}]`,
      status: 200,
      stored: 1,
    })],
    ['__proto__ naming the account in Segment properties and context: not read as one', (m) => ({
      path: '/v1/batch',
      headers: basic(key),
      body: `{"batch":[{"type":"track","messageId":"${m}1","timestamp":"${ISO}","userId":"${m}stranger","event":"Report Exported","properties":{"__proto__":{"account_id":"acc_evil"}}},{"type":"track","messageId":"${m}2","timestamp":"${ISO}","userId":"${m}stranger","event":"Report Exported","context":{"__proto__":{"groupId":"acc_evil"}}}]}`,
      status: 200,
      reply: { quarantined: 2 },
      quarantine: ['missing_field', 'missing_field'],
    })],
    ['__proto__ naming the account in PostHog properties: not read as one', (m) => ({
      path: '/batch',
      body: `{"api_key":"${key}","batch":[{"event":"Report Exported","uuid":"${m}","distinct_id":"${m}stranger","timestamp":"${ISO}","properties":{"__proto__":{"account_id":"acc_evil","$groups":{"company":"acc_evil"}}}}]}`,
      status: 200,
      quarantine: ['missing_field'],
    })],
    ['__proto__ carrying facts in Segment group and identify traits: not read as facts', (m) => ({
      path: '/v1/batch',
      headers: basic(key),
      body: `{"batch":[{"type":"group","messageId":"${m}g","groupId":"${m}acc","traits":{"__proto__":{"plan":"enterprise","seats":500}}},{"type":"identify","messageId":"${m}i","userId":"${m}user","traits":{"__proto__":{"company":{"id":"acc_evil"}}}}]}`,
      status: 200,
      reply: { accepted: 2 },
    })],
    ['a key given twice in one object: the last one counts', (m) => ({
      path: '/v1/events',
      headers: K,
      body: `[{"message_id":"${m}","timestamp":"${ISO}","account_id":"acc_first","action":"closed","object":"conversation","account_id":"acc_last"}]`,
      status: 200,
      stored: 1,
    })],
    ['__proto__ and constructor keys', (m) => ({
      path: '/v1/track',
      body: `{"writeKey":"${key}","__proto__":{"polluted":true},"messageId":"${m}","event":"Report Exported","groupId":"acc_h","timestamp":"${ISO}","properties":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}`,
      status: 200,
      stored: 1,
    })],

    // --- fields --------------------------------------------------------------------------------
    ['NUL byte in the action', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { action: 'clo\u0000sed' })], status: 200, reply: { quarantined: 1 }, quarantine: ['invalid_text'] })],
    ['NUL byte in the account id', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { account_id: 'acc\u0000' })], status: 200, quarantine: ['invalid_text'] })],
    ['NUL byte in the message id', (m) => ({ path: '/v1/events', headers: K, body: [native(`${m}\u0000`)], status: 200, quarantine: ['invalid_text'] })],
    ['NUL bytes in a Segment event name', (m) => ({ path: '/v1/batch', headers: basic(key), body: { batch: [segTrack(m, { event: 'Report\u0000 Exported' })] }, status: 200, quarantine: ['invalid_text'] })],
    ['a C1 control (CSI) in a user id', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { user_id: 'u\u009b31m' })], status: 200, quarantine: ['invalid_text'] })],
    ['ESC and BEL in a group name (a terminal title): quarantined', (m) => ({ path: '/v1/group', headers: basic(key), body: { messageId: m, groupId: `${m}acc`, traits: { name: '\u001b]0;pwned-title\u0007' } }, status: 200, quarantine: ['invalid_text'] })],
    ['ESC in a PostHog group key', (m) => ({ path: '/batch', body: { api_key: key, batch: [{ event: '$groupidentify', uuid: m, distinct_id: 'u_h', properties: { $group_type: 'company', $group_key: 'acc\u001b[2J' } }] }, status: 200, quarantine: ['invalid_text'] })],
    ['NUL bytes in metadata keys and values: stored as data', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { metadata: { 'k\u0000': 'v\u0000x', n: '\u0000' } })], status: 200, reply: { accepted: 1 }, stored: 1 })],
    ['a newline and a tab in the place', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { place: 'in\tbox\n' })], status: 200, quarantine: ['invalid_text'] })],
    ['action of the wrong type (boolean)', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { action: true })], status: 200, quarantine: ['invalid_field'] })],
    ['object of the wrong type (object)', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { object: { name: 'x' } })], status: 200, quarantine: ['invalid_field'] })],
    ['account id of the wrong type (array)', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { account_id: ['acc_h'] })], status: 200, quarantine: ['invalid_field'] })],
    ['user id of the wrong type (object)', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { user_id: { id: 1 } })], status: 200, quarantine: ['invalid_field'] })],
    ['message id of the wrong type (boolean)', (m) => ({ path: '/v1/events', headers: K, body: [native('x', { message_id: false, object: m })], status: 200, quarantine: ['invalid_field'] })],
    ['metadata of the wrong type (array)', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { metadata: ['a'] })], status: 200, quarantine: ['invalid_field'] })],
    ['metadata of the wrong type (string)', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { metadata: 'a=1' })], status: 200, quarantine: ['invalid_field'] })],
    ['count of the wrong type', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { count: -3 })], status: 200, quarantine: ['invalid_field'] })],
    ['a count of "0x10" is not read as 16', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { count: '0x10' })], status: 200, quarantine: ['invalid_field'] })],
    ['a count of "Infinity"', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { count: 'Infinity' })], status: 200, quarantine: ['invalid_field'] })],
    ['timestamp of the wrong type (object)', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { timestamp: { iso: ISO } })], status: 200, quarantine: ['invalid_timestamp'] })],
    ['numbers as strings and strings as numbers: read as such', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { count: '3', account_id: 123, place: 7 })], status: 200, reply: { accepted: 1 }, stored: 1 })],
    ['missing action and object', (m) => ({ path: '/v1/events', headers: K, body: [{ message_id: m, timestamp: ISO, account_id: 'acc_h' }], status: 200, quarantine: ['missing_field'] })],
    ['an over-long action name', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { action: 'a'.repeat(201) })], status: 200, quarantine: ['invalid_field'] })],
    ['an over-long message id', (m) => ({ path: '/v1/events', headers: K, body: [native(m + 'x'.repeat(300))], status: 200, quarantine: ['invalid_field'] })],
    ['a timestamp far in the future', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { timestamp: '2999-01-01T00:00:00Z' })], status: 200, quarantine: ['timestamp_out_of_range'] })],
    ['a timestamp two days ahead', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { timestamp: NOW + 2 * 86_400_000 })], status: 200, quarantine: ['timestamp_out_of_range'] })],
    ['a timestamp before 1990', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { timestamp: '1989-12-31T23:59:59Z' })], status: 200, quarantine: ['timestamp_out_of_range'] })],
    ['a timestamp of 0 (1970)', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { timestamp: 0 })], status: 200, quarantine: ['timestamp_out_of_range'] })],
    ['a garbage timestamp', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { timestamp: 'last tuesday, roughly' })], status: 200, quarantine: ['invalid_timestamp'] })],
    ['a timestamp without a timestamp in it', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { timestamp: '2024-13-45T99:99:99Z' })], status: 200, quarantine: ['invalid_timestamp'] })],
    ['a group call with a timestamp the store cannot hold', (m) => ({ path: '/v1/group', headers: basic(key), body: { messageId: m, groupId: `${m}acc`, timestamp: 1e20, traits: { created_at: 1e20 } }, status: 200, quarantine: ['invalid_timestamp'] })],
    ['a group call with created_at beyond year 9999', (m) => ({ path: '/v1/group', headers: basic(key), body: { messageId: m, groupId: `${m}acc`, traits: { created_at: 9e15 } }, status: 200, quarantine: ['invalid_field'] })],
    ['an identify call a century ahead', (m) => ({ path: '/v1/identify', headers: basic(key), body: { messageId: m, userId: `${m}u`, timestamp: '2125-01-01T00:00:00Z' }, status: 200, quarantine: ['timestamp_out_of_range'] })],
    ['SQL in every text field: stored verbatim', (m) => ({
      path: '/v1/events',
      headers: K,
      body: [{ message_id: `${m}${SQL}`, timestamp: ISO, account_id: `acc'; DELETE FROM accounts; --`, user_id: "Robert'); DROP TABLE users;--", action: SQL, object: 'x" OR 1=1 --', place: "%' UNION SELECT * FROM keys --", metadata: { q: "'; DROP TABLE quarantine; --", "k'ey": '\\' } }],
      status: 200,
      reply: { accepted: 1 },
      stored: 1,
    })],
    ['SQL in a group call: stored verbatim', (m) => ({ path: '/v1/group', headers: basic(key), body: { messageId: m, groupId: `${m}${SQL}`, traits: { name: SQL, plan: "pro'--" } }, status: 200, reply: { accepted: 1 } })],
    ['SQL in a quarantined payload: kept verbatim', (m) => ({ path: '/v1/events', headers: K, body: [native(`${m}${SQL}`, { timestamp: SQL })], status: 200, quarantine: ['invalid_timestamp'] })],
    ['unicode everywhere: stored verbatim', (m) => ({
      path: '/v1/events',
      headers: K,
      body: [native(m, { account_id: 'ácc_日本', user_id: 'مرحبا', action: 'geöffnet', object: '会話', place: '📥 e\u0301', metadata: { emoji: '👩‍👩‍👧', rtl: '\u202eabc' } })],
      status: 200,
      stored: 1,
    })],

    // --- Segment and PostHog specifics ---------------------------------------------------------
    ['a Segment call of an unknown type', (m) => ({ path: '/v1/batch', headers: basic(key), body: { batch: [segTrack(m, { type: 'delete' })] }, status: 200, reply: { quarantined: 1 }, quarantine: ['invalid_field'] })],
    ['a Segment call without a type or event', (m) => ({ path: '/v1/batch', headers: basic(key), body: { batch: [{ messageId: m, userId: 'u_h' }] }, status: 200, quarantine: ['invalid_field'] })],
    ['a Segment alias: nothing to store', (m) => ({ path: '/v1/alias', headers: basic(key), body: { messageId: m, userId: 'u_h', previousId: 'anon' }, status: 200, reply: { skipped: 1 } })],
    ['a Segment track with a one-word name', (m) => ({ path: '/v1/t', headers: basic(key), body: { messageId: m, event: 'Signup', context: { groupId: 'acc_h' } }, status: 200, quarantine: ['invalid_field'] })],
    ['a Segment track whose context is a string', (m) => ({ path: '/v1/track', headers: basic(key), body: segTrack(m, { context: 'acc_h', userId: `${m}nobody` }), status: 200, quarantine: ['invalid_field'] })],
    ['a Segment identify without a userId', (m) => ({ path: '/v1/identify', headers: basic(key), body: { messageId: m, anonymousId: 'a', traits: {} }, status: 200, quarantine: ['missing_field'] })],
    ['a Segment group with negative seats', (m) => ({ path: '/v1/g', headers: basic(key), body: { messageId: m, groupId: 'acc_h', traits: { seats: -5 } }, status: 200, quarantine: ['invalid_field'] })],
    ['a Segment group with 3,000,000,000 seats (beyond the store\'s column)', (m) => ({ path: '/v1/g', headers: basic(key), body: { messageId: m, groupId: 'acc_h', traits: { seats: 3_000_000_000 } }, status: 200, quarantine: ['invalid_field'] })],
    ['a Segment group with seats of "0x10"', (m) => ({ path: '/v1/g', headers: basic(key), body: { messageId: m, groupId: 'acc_h', traits: { seats: '0x10' } }, status: 200, quarantine: ['invalid_field'] })],
    ['Segment properties that are an array: quarantined, not dropped', (m) => ({ path: '/v1/batch', headers: basic(key), body: { batch: [segTrack(m, { properties: ['state', 'resolved'] })] }, status: 200, quarantine: ['invalid_field'] })],
    ['formula cells in a group call: stored as data (CSV exports neutralise them)', (m) => ({ path: '/v1/group', headers: basic(key), body: { messageId: m, groupId: `=HYPERLINK("http://evil.example/${m}","x")`, traits: { name: `@SUM(1+1)${m}`, plan: '+pro' } }, status: 200, reply: { accepted: 1 } })],
    ['Segment text/plain bodies are read as JSON', (m) => ({ path: '/v1/batch', headers: { ...basic(key), 'content-type': 'text/plain' }, body: JSON.stringify({ batch: [segTrack(m)] }), status: 200, stored: 1 })],
    ['PostHog $autocapture', (m) => ({ path: '/batch', body: { api_key: key, batch: [phEvent(m, { event: '$autocapture' })] }, status: 200, reply: { quarantined: 1 }, quarantine: ['system_event'] })],
    ['PostHog $pageleave and $feature_flag_called', (m) => ({ path: '/i/v0/e/', body: [phEvent(`${m}a`, { event: '$pageleave', api_key: key }), phEvent(`${m}b`, { event: '$feature_flag_called' })], status: 200, quarantine: ['system_event', 'system_event'] })],
    ['PostHog event without a name', (m) => ({ path: '/capture/', body: { api_key: key, uuid: m, distinct_id: 'u_h' }, status: 200, quarantine: ['missing_field'] })],
    ['PostHog $pageview with no account', (m) => ({ path: '/e', body: { token: key, event: '$pageview', uuid: m, distinct_id: `${m}stranger` }, status: 200, quarantine: ['missing_field'] })],
    ['PostHog properties that are an array', (m) => ({ path: '/capture', body: { api_key: key, ...phEvent(m, { properties: ['x'], distinct_id: `${m}stranger` }) }, status: 200, quarantine: ['invalid_field'] })],
    ['PostHog $groups that is a string', (m) => ({ path: '/capture', body: { api_key: key, ...phEvent(m, { properties: { $groups: 'acc_h' } }) }, status: 200, quarantine: ['invalid_field'] })],
    ['PostHog $identify with $set that is not an object', (m) => ({ path: '/capture', body: { api_key: key, ...phEvent(m, { event: '$identify', properties: { $set: ['x'] } }) }, status: 200, quarantine: ['invalid_field'] })],
    ['PostHog reply shape', (m) => ({ path: '/batch/', body: { api_key: key, batch: [phEvent(m)] }, status: 200, reply: { accepted: 1 }, stored: 1 })],

    // --- credentials in bodies: accepted, never stored (checked after stopping) -----------------
    ['posthog-js: the key in every event as properties.token', (m) => ({ path: '/batch', body: { api_key: key, batch: [phEvent(m, { properties: { token: key, $token: key, $groups: { company: 'acc_h' }, kept: 1 } })] }, status: 200, stored: 1 })],
    ['a Segment writeKey in a quarantined call', (m) => ({ path: '/v1/track', body: { writeKey: key, messageId: m, event: 'Signup', context: { groupId: 'acc_h' } }, status: 200, quarantine: ['invalid_field'] })],
    ['headers copied into context and metadata', (m) => ({ path: '/v1/batch', body: { writeKey: key, batch: [segTrack(m, { context: { groupId: 'acc_h', headers: hdrs }, properties: { headers: hdrs, write_key: key } })] }, status: 200, stored: 1 })],
    ['headers in a quarantined native event', (m) => ({ path: '/v1/events', headers: K, body: [native(m, { timestamp: 'never', metadata: { Authorization: `Bearer ${key}` } })], status: 200, quarantine: ['invalid_timestamp'] })],
    ['an unreadable body naming the key', (m) => ({ path: '/v1/batch', headers: basic(key), body: `{"writeKey":"${key}","batch":[{"messageId":"${m}"`, status: 400, quarantine: ['invalid_json'] })],
    ['an unreadable JSON line naming the key', (m) => ({ path: '/v1/events', headers: K, body: `{"message_id":"${m}","api_key":"${key}",\n${JSON.stringify(native(`${m}ok`))}`, status: 200, stored: 1, quarantine: ['invalid_json'] })],
    ['traits holding keys', (m) => ({ path: '/v1/identify', headers: basic(key), body: { messageId: m, userId: `${m}u`, traits: { token: key, nested: { apiKey: key } } }, status: 200, reply: { accepted: 1 } })],

    // --- one source against another's data ------------------------------------------------------
    ['an id another source already sent: each keeps its own', (m) => ({ first: [{ path: '/v1/events', headers: bearer(other), body: [native(m)] }], path: '/v1/events', headers: K, body: [native(m)], status: 200, reply: { accepted: 1 }, stored: 2 })],
    ['an id this source already sent: stored once', (m) => ({ first: [{ path: '/v1/events', headers: K, body: [native(m)] }], path: '/v1/events', headers: K, body: [native(m)], status: 200, reply: { accepted: 1 }, stored: 1 })],
    ["a group call rewriting an imported account's facts: kept as traits", (m) => ({ path: '/v1/group', headers: basic(key), body: { messageId: m, groupId: 'acc_imported', traits: { plan: 'enterprise', seats: 99, name: 'Evil' } }, status: 200, reply: { accepted: 1 } })],
    ['a group call churning an imported account before it signed up', (m) => ({ path: '/v1/group', headers: basic(key), body: { messageId: m, groupId: 'acc_imported', traits: { churned_at: '2020-01-01' } }, status: 200, quarantine: ['invalid_field'] })],
    ['a group call with churned_at before created_at', (m) => ({ path: '/v1/group', headers: basic(key), body: { messageId: m, groupId: `${m}acc`, traits: { created_at: '2024-02-01', churned_at: '2024-01-01' } }, status: 200, reply: { quarantined: 1 }, quarantine: ['invalid_field'] })],
    ["a group call moving another source's user", (m) => ({
      first: [{ path: '/v1/identify', headers: basic(other), body: { userId: `${m}u`, traits: { company: { id: 'acc_theirs' } } } }],
      path: '/v1/group', headers: basic(key), body: { messageId: m, userId: `${m}u`, groupId: 'acc_mine' }, status: 200, reply: { accepted: 1 },
    })],

    // --- the admin API: weak or partial tokens, other origins, no CORS ---------------------------
    ['the admin token with a character missing', () => ({ method: 'GET', path: '/v1/admin/stats', headers: bearer(admin.slice(0, -1)), status: 401 })],
    ['the admin token with a character more', () => ({ method: 'GET', path: '/v1/admin/stats', headers: bearer(admin + 'x'), status: 401 })],
    ['the admin token in other case', () => ({ method: 'GET', path: '/v1/admin/stats', headers: bearer(admin.toUpperCase() === admin ? admin.toLowerCase() : admin.toUpperCase()), status: 401 })],
    ['an empty admin token', () => ({ method: 'GET', path: '/v1/admin/stats', headers: { authorization: 'Bearer ' }, status: 401, cors: false })],
    ['a text/plain replay from another origin', () => ({ path: '/v1/admin/quarantine/replay', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' }, body: '{"dry_run":true}', status: 401, cors: false })],
    ['the admin token from another origin', () => ({ method: 'GET', path: '/v1/admin/stats', headers: { ...bearer(admin), origin: 'https://evil.example' }, status: 403, cors: false })],
    ['a CORS preflight to the admin API', () => ({ method: 'OPTIONS', path: '/v1/admin/quarantine/replay', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' }, status: 404, cors: false })],
    ['a CORS preflight to health', () => ({ method: 'OPTIONS', path: '/v1/health', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' }, status: 404, cors: false })],

    // --- HTTP itself ---------------------------------------------------------------------------
    ['GET on an ingest endpoint', () => ({ method: 'GET', path: '/v1/events', headers: K, status: 404, error: /no such endpoint/ })],
    ['PUT on the Segment batch', (m) => ({ method: 'PUT', path: '/v1/batch', headers: basic(key), body: { batch: [segTrack(m)] }, status: 404 })],
    ['DELETE on PostHog capture', () => ({ method: 'DELETE', path: '/capture', status: 404 })],
    ['PATCH on the native endpoint', (m) => ({ method: 'PATCH', path: '/v1/events', headers: K, body: [native(m)], status: 404 })],
    ['a CORS preflight', () => ({ method: 'OPTIONS', path: '/v1/batch', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' }, status: 204, cors: true })],
    ['an unknown path', (m) => ({ path: '/v1/evnts', headers: K, body: [native(m)], status: 404 })],
    ['the path in capitals', (m) => ({ path: '/V1/EVENTS', headers: K, body: [native(m)], status: 404 })],
    ['an encoded NUL in the path', () => ({ path: '/v1/events%00', headers: K, body: [], status: 404 })],
    ['a path traversal to the admin API', () => ({ path: '', raw: 'GET /v1/events/../admin/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', status: 404 })],
    ['an encoded path traversal to the admin API: it is the admin API, and wants its token', () => ({ method: 'GET', path: '/v1/events/%2e%2e/admin/stats', status: 401 })],
    ['the admin API with a write key', () => ({ method: 'GET', path: '/v1/admin/stats', headers: K, status: 401 })],
    ['the admin API with no token', () => ({ method: 'GET', path: '/v1/admin/stats', status: 401 })],
    ['an 8 KB path', () => ({ path: '/v1/' + 'a'.repeat(8_000), headers: K, body: [], status: 404 })],
    ['huge headers (20 KB)', (m) => ({ path: '/v1/events', headers: { ...K, 'x-padding': 'p'.repeat(20_000) }, body: [native(m)], status: 431 })],
    ['no Content-Type at all', (m) => ({ path: '/v1/events', headers: { ...K, 'content-type': '' }, body: utf8(JSON.stringify([native(m)])), status: 200, stored: 1 })],
    ['a multipart Content-Type on a JSON body: not guessed at', (m) => ({ path: '/v1/events', headers: { ...K, 'content-type': 'multipart/form-data; boundary=x' }, body: [native(m)], status: 415, error: /multipart\/form-data.*application\/json/ })],
    ['an XML Content-Type to Segment', (m) => ({ path: '/v1/batch', headers: { ...basic(key), 'content-type': 'application/xml' }, body: { batch: [segTrack(m)] }, status: 415 })],
    ['JSON labelled as a form post (curl -d, rudder-sdk-node): read as JSON', (m) => ({ path: '/v1/events', headers: { ...K, 'content-type': 'application/x-www-form-urlencoded' }, body: [native(m)], status: 200, stored: 1 })],
    ['application/octet-stream to PostHog', (m) => ({ path: '/batch', headers: { 'content-type': 'application/octet-stream' }, body: { api_key: key, batch: [phEvent(m)] }, status: 415 })],
    ['JSON lines labelled application/x-ndjson', (m) => ({ path: '/v1/events', headers: { ...K, 'content-type': 'application/x-ndjson' }, body: [native(`${m}1`), native(`${m}2`)].map((e) => JSON.stringify(e)).join('\n'), status: 200, stored: 2 })],
    ['a beacon: text/plain with the key in the body', (m) => ({ path: '/v1/events', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: { writeKey: key, batch: [native(m)] }, status: 200, stored: 1 })],
    ['a vendor +json Content-Type with a charset', (m) => ({ path: '/v1/batch', headers: { ...basic(key), 'content-type': 'application/vnd.segment+json; charset=utf-8' }, body: { batch: [segTrack(m)] }, status: 200, stored: 1 })],
    ['the admin replay as a text/plain form (a cross-site request)', () => ({ path: '/v1/admin/quarantine/replay', headers: { 'content-type': 'text/plain' }, body: '{}', status: 401 })],
    ['a request line that is not HTTP', () => ({ path: '', raw: 'HELLO THERE\r\n\r\n', status: 400 })],
    ['both Content-Length and chunked (smuggling)', () => ({
      path: '',
      raw: `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      status: 400,
    })],
    ['broken chunked encoding', () => ({ path: '', raw: `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n\r\n`, status: 400 })],
  ];
}

/** Sends a request as bytes on a bare socket; resolves with the status of the reply (0 when none). */
function rawRequest(url: string, bytes: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let reply = '';
    const done = () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0));
    socket.on('data', (c) => (reply += c.toString('latin1')));
    socket.on('close', done);
    socket.on('error', done);
    // A liveness guard only: every request here gets an answer, late on a loaded machine.
    socket.setTimeout(120_000, () => socket.destroy());
  });
}

async function send(url: string, r: Request): Promise<{ status: number; body: any; headers: globalThis.Headers | null }> {
  if (r.raw !== undefined) return { status: await rawRequest(url, r.raw), body: null, headers: null };
  const headers: Headers = { 'content-type': 'application/json', ...r.headers };
  if (headers['content-type'] === '') delete headers['content-type'];
  const body = r.body === undefined ? undefined : typeof r.body === 'string' || r.body instanceof Uint8Array ? r.body : JSON.stringify(r.body);
  return readResponse(await fetch(url + r.path, { method: r.method ?? 'POST', headers, body: body as BodyInit | undefined }));
}

describe('hostile and malformed requests', () => {
  let ws: string;
  let server: InProcessServer;
  let key: string;
  let cases: { name: string; m: string; c: Case }[];

  before(async () => {
    ws = await workspace();
    key = await createKey(ws, 'hostile');
    const other = await createKey(ws, 'other');
    const keys = await WriteKeys.open(ws);
    const revoked = await keys.create('gone');
    await keys.revoke('gone');
    // An account from the accounts file, which the collector's calls may not rewrite.
    await writeFile(join(ws, 'accounts.csv'), 'account_id,name,created_at,plan,seats,churned_at\nacc_imported,Imported,2024-01-01,pro,5,\n');
    assert.equal((await cairn(['import', 'accounts', join(ws, 'accounts.csv'), '-w', ws])).code, 0);
    server = await startInProcess(ws);
    cases = corpus(key, revoked, other, server.adminToken).map(([name, make], i) => {
      const m = `hx${String(i).padStart(3, '0')}x`;
      return { name, m, c: make(m) };
    });
  });
  after(() => server?.close());

  it('has at least 50 kinds of request', () => {
    assert.ok(cases.length >= 50, `${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'names are unique');
  });

  it('answers each with its exact status, naming the problem, and stays up after each', async () => {
    const failures: string[] = [];
    for (const { name, c } of cases) {
      const problems: string[] = [];
      for (const f of c.first ?? []) {
        const r = await send(server.url, f);
        if (r.status !== 200) problems.push(`a first request answered ${r.status}`);
      }
      const r = await send(server.url, c);
      if (r.status !== c.status) problems.push(`status ${r.status}, expected ${c.status} (${JSON.stringify(r.body).slice(0, 200)})`);
      if (c.error && !(typeof r.body === 'object' && r.body !== null && r.body.ok === false && c.error.test(r.body.error))) {
        problems.push(`error ${JSON.stringify(r.body).slice(0, 200)} does not match ${c.error}`);
      }
      if (c.status === 200 && c.reply) {
        for (const [k, v] of Object.entries(c.reply)) if (r.body?.[k] !== v) problems.push(`reply.${k} = ${r.body?.[k]}, expected ${v}`);
      }
      if (c.cors !== undefined && (r.headers?.get('access-control-allow-origin') !== null) !== c.cors) problems.push(`CORS headers ${c.cors ? 'missing' : 'present'}`);
      if (c.status === 200 && c.path.startsWith('/v1/') && r.body?.ok !== true) problems.push(`a Segment/native 200 says ok: ${JSON.stringify(r.body)}`);
      if (c.status === 200 && !c.path.startsWith('/v1/') && r.body?.status !== 1) problems.push(`a PostHog 200 says status 1: ${JSON.stringify(r.body)}`);
      const health = await fetch(`${server.url}/v1/health`);
      if (health.status !== 200) problems.push(`health ${health.status} after it: ${await health.text()}`);
      else await health.body?.cancel();
      if (problems.length) failures.push(`${name}: ${problems.join('; ')}`);
    }
    assert.deepEqual(failures, []);
    // Nothing leaked into the server's own objects.
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
  });

  it(
    'an epoch timestamp beyond what a Date holds (1e20) is quarantined, not a 500 for the whole request',
    async () => {
      const own = await workspace();
      const k = await createKey(own, 'huge');
      const s = await startInProcess(own);
      try {
        const r = await post(`${s.url}/v1/events`, [native('huge-1', { timestamp: 1e20 }), native('huge-2')], bearer(k));
        assert.equal((await fetch(`${s.url}/v1/health`)).status, 200);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.deepEqual([r.body.accepted, r.body.quarantined], [1, 1]);
      } finally {
        await s.close();
      }
    },
  );

  it('a key over its rate limit gets 429 with Retry-After, and gets through after waiting', async () => {
    const limited = await workspace({ server: '  rate_limit: 100' });
    const k = await createKey(limited, 'flood');
    const s = await startInProcess(limited);
    try {
      const batch = (p: string, n: number) => nativeBatch(p, n, 'acc_f');
      // A burst of up to a second's worth goes through; the next request has to wait.
      assert.equal((await post(`${s.url}/v1/events`, batch('f1-', 150), bearer(k))).status, 200);
      const refused = await post(`${s.url}/v1/events`, batch('f2-', 50), bearer(k));
      assert.equal(refused.status, 429);
      assert.match(refused.body.error, /rate limit of 100 events\/s/);
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
      await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
      assert.equal((await post(`${s.url}/v1/events`, batch('f2-', 50), bearer(k))).status, 200);
      const stats = await waitFor(async () => {
        const st = (await (await fetch(`${s.url}/v1/admin/stats`, { headers: bearer(s.adminToken) })).json()) as { events: number };
        return st.events === 200 ? st : null;
      }, 'the accepted events stored');
      assert.equal(stats.events, 200, 'the refused request stored nothing; its retry stored it once');
    } finally {
      await s.close();
    }
  });

  it("a key's own rate limit (cairn keys create --rate-limit) applies to it alone", async () => {
    const ws = await workspace();
    const slow = await (await WriteKeys.open(ws)).create('slow', { rateLimit: 100 });
    const fast = await createKey(ws, 'fast');
    const s = await startInProcess(ws);
    try {
      const batch = (p: string, n: number) => nativeBatch(p, n, 'acc_r');
      assert.equal((await post(`${s.url}/v1/events`, batch('s1-', 100), bearer(slow))).status, 200);
      const refused = await post(`${s.url}/v1/events`, batch('s2-', 100), bearer(slow));
      assert.equal(refused.status, 429);
      assert.match(refused.body.error, /write key slow is over its rate limit of 100 events\/s/);
      for (let i = 0; i < 3; i++) assert.equal((await post(`${s.url}/v1/events`, batch(`f${i}-`, 1000), bearer(fast))).status, 200);
    } finally {
      await s.close();
    }
  });

  it('after stopping: what was storable is in quarantine with its reason, the good events are stored, hostile text is data', async () => {
    await server.close();
    await withStore(ws, async (q) => {
      const quarantine = await q<{ reason: string; source: string; kind: string; payload: string }>(sql`SELECT reason, source, kind, payload FROM quarantine`);
      const events = await q<{ message_id: string; source: string }>(sql`SELECT message_id, source FROM events`);
      const marker = (name: string) => cases.find((c) => c.name === name)!.m;
      const failures: string[] = [];
      let expectedQuarantine = 0;
      let expectedEvents = 0;
      for (const { name, m, c } of cases) {
        const reasons = quarantine.filter((e) => e.payload.includes(m)).map((e) => e.reason).sort();
        const want = [...(c.quarantine ?? [])].sort();
        if (JSON.stringify(reasons) !== JSON.stringify(want)) failures.push(`${name}: quarantined as ${JSON.stringify(reasons)}, expected ${JSON.stringify(want)}`);
        const stored = events.filter((e) => e.message_id.startsWith(m)).length;
        if (stored !== (c.stored ?? 0)) failures.push(`${name}: ${stored} events stored, expected ${c.stored ?? 0}`);
        expectedQuarantine += c.reply?.quarantined ?? c.quarantine?.length ?? 0;
        expectedEvents += c.stored ?? 0;
      }
      assert.deepEqual(failures, []);
      // The empty and the null body hold no marker: the totals account for them.
      assert.equal(quarantine.length, expectedQuarantine + 1, 'no other quarantine entries (+1: the empty body)');
      assert.equal(events.length, expectedEvents);
      assert.ok(quarantine.every((e) => e.source === 'hostile'), 'every entry is under the source of the key that sent it');
      assert.deepEqual([...new Set(events.map((e) => e.source))].sort(), ['hostile', 'other']);
      assert.deepEqual(events.filter((e) => e.source === 'other').map((e) => e.message_id), [marker('an id another source already sent: each keeps its own')]);

      // No key or token a client put in a body was stored, anywhere.
      const texts = await q<{ text: string }>(sql`SELECT metadata AS text FROM events UNION ALL SELECT traits FROM users UNION ALL SELECT traits FROM accounts
        UNION ALL SELECT payload FROM quarantine UNION ALL SELECT example FROM plan_violations`);
      assert.deepEqual(texts.filter((t) => t.text.includes(key)).map((t) => t.text), []);
      const [ph] = await q<{ metadata: string }>(sql`SELECT metadata FROM events WHERE message_id = ${marker('posthog-js: the key in every event as properties.token')}`);
      assert.deepEqual(JSON.parse(ph.metadata), { kept: 1 });

      // The accounts file's facts stand; what a call said of them is kept as traits.
      const [imported] = await q<{ name: string; plan: string; seats: number; churned_at: string | null; traits: string; facts_source: string }>(
        sql`SELECT name, plan, seats, churned_at, traits, facts_source FROM accounts WHERE account_id = 'acc_imported'`,
      );
      assert.deepEqual({ ...imported, traits: JSON.parse(imported.traits) }, { name: 'Imported', plan: 'pro', seats: 5, churned_at: null, facts_source: 'import', traits: { plan: 'enterprise', seats: 99, name: 'Evil' } });
      const moved = await q<{ from_account: string; to_account: string; source: string }>(sql`SELECT from_account, to_account, source FROM user_account_changes`);
      assert.deepEqual(moved, [{ from_account: 'acc_theirs', to_account: 'acc_mine', source: 'hostile' }]);
      assert.deepEqual(quarantine.find((e) => e.payload === '')?.reason, 'invalid_json', 'the empty body is kept');
      assert.deepEqual(quarantine.filter((e) => e.payload === 'null').map((e) => e.reason), ['not_an_object']);

      // Hostile text is data: stored as it was sent, and every table is still there.
      const [sqlRow] = await q<Record<string, string>>(
        sql`SELECT message_id, account_id, user_id, action, object, place, metadata::VARCHAR AS metadata FROM events WHERE message_id = ${marker('SQL in every text field: stored verbatim') + SQL}`,
      );
      assert.deepEqual(
        { ...sqlRow, metadata: JSON.parse(sqlRow.metadata) },
        {
          message_id: marker('SQL in every text field: stored verbatim') + SQL,
          account_id: `acc'; DELETE FROM accounts; --`,
          user_id: "Robert'); DROP TABLE users;--",
          action: SQL,
          object: 'x" OR 1=1 --',
          place: "%' UNION SELECT * FROM keys --",
          metadata: { q: "'; DROP TABLE quarantine; --", "k'ey": '\\' },
        },
      );
      const [account] = await q<{ name: string; plan: string }>(sql`SELECT name, plan FROM accounts WHERE account_id = ${marker('SQL in a group call: stored verbatim') + SQL}`);
      assert.deepEqual(account, { name: SQL, plan: "pro'--" });
      const sqlPayload = quarantine.find((e) => e.payload.includes(marker('SQL in a quarantined payload: kept verbatim')))!;
      assert.equal(JSON.parse(sqlPayload.payload).timestamp, SQL);
      for (const table of ['events', 'accounts', 'users', 'quarantine', 'account_activity', 'checkpoints']) {
        const [{ n }] = await q<{ n: number }>(sql`SELECT count(*)::INTEGER AS n FROM ${ident(table)}`);
        assert.ok(n >= 0, table);
      }

      const [uni] = await q<Record<string, string>>(sql`SELECT account_id, user_id, action, object, place, metadata::VARCHAR AS metadata FROM events WHERE message_id = ${marker('unicode everywhere: stored verbatim')}`);
      assert.deepEqual(
        { ...uni, metadata: JSON.parse(uni.metadata) },
        { account_id: 'ácc_日本', user_id: 'مرحبا', action: 'geöffnet', object: '会話', place: '📥 e\u0301', metadata: { emoji: '👩‍👩‍👧', rtl: '\u202eabc' } },
      );
      const [nul] = await q<{ metadata: string }>(sql`SELECT metadata::VARCHAR AS metadata FROM events WHERE message_id = ${marker('NUL bytes in metadata keys and values: stored as data')}`);
      assert.deepEqual(JSON.parse(nul.metadata), { 'k\u0000': 'v\u0000x', n: '\u0000' });
      const [bad] = await q<{ place: string }>(sql`SELECT place FROM events WHERE message_id = ${marker('invalid UTF-8 bytes inside a string: stored with replacement characters')}`);
      assert.match(bad.place, /^in\ufffd+box$/);
      const [numbers] = await q<{ account_id: string; place: string; count: number }>(sql`SELECT account_id, place, count FROM events WHERE message_id = ${marker('numbers as strings and strings as numbers: read as such')}`);
      assert.deepEqual(numbers, { account_id: '123', place: '7', count: 3 });
      const [deepest] = await q<{ metadata: string }>(sql`SELECT metadata::VARCHAR AS metadata FROM events WHERE message_id = ${marker('32 levels: just deep enough')}`);
      assert.deepEqual(JSON.parse(deepest.metadata), nested(30, 1));
      // Well-formed, so the engine can query it: a lone surrogate in JSON stops every JSON function.
      const [lone] = await q<{ s: string }>(sql`SELECT json_extract_string(metadata, '$.s') AS s FROM events WHERE message_id = ${marker('lone surrogates in metadata keys and values: stored, made U+FFFD')}`);
      assert.equal(lone.s, '\ufffdx');
      const [protoKeys] = await q<{ metadata: string }>(sql`SELECT metadata::VARCHAR AS metadata FROM events WHERE message_id = ${marker('metadata keys named __proto__, constructor and toString: stored as data')}`);
      assert.equal(protoKeys.metadata.replace(/\s/g, ''), '{"__proto__":{"polluted":true},"constructor":"c","toString":"t"}');
      const [twice] = await q<{ account_id: string }>(sql`SELECT account_id FROM events WHERE message_id = ${marker('a key given twice in one object: the last one counts')}`);
      assert.equal(twice.account_id, 'acc_last');
      const traitsCase = marker('__proto__ carrying facts in Segment group and identify traits: not read as facts');
      const [group] = await q<{ plan: string | null; seats: number | null }>(sql`SELECT plan, seats FROM accounts WHERE account_id = ${traitsCase + 'acc'}`);
      assert.deepEqual(group, { plan: null, seats: null });
      const [user] = await q<{ account_id: string }>(sql`SELECT account_id FROM users WHERE user_id = ${traitsCase + 'user'}`);
      assert.equal(user.account_id, '', 'the user is in no account');
    });

    // Formula cells are data in the store and text in every CSV export.
    const formula = cases.find((c) => c.name.startsWith('formula cells in a group call'))!.m;
    const csv = await cairn(['milestones', '--format', 'csv', '-w', ws]);
    assert.equal(csv.code, 0, csv.stderr);
    const row = csv.stdout.split('\n').find((l) => l.includes(formula))!;
    assert.ok(row.startsWith(`"'=HYPERLINK(""http://evil.example/${formula}"",""x"")"`), row);
    assert.ok(row.includes(`,"'+pro",`), row);

    // The CLI reads the same quarantine, by reason.
    const listed = await cairn(['quarantine', 'list', '--json', '--limit', '1', '-w', ws]);
    assert.equal(listed.code, 0, listed.stderr);
    const list = JSON.parse(listed.stdout) as { total: number; by_reason: Record<string, number>; by_source: Record<string, number> };
    assert.deepEqual(Object.keys(list.by_source), ['hostile']);
    for (const reason of ['invalid_json', 'too_deep', 'event_too_large', 'not_an_object', 'invalid_field', 'missing_field', 'invalid_timestamp', 'timestamp_out_of_range', 'system_event']) {
      assert.ok((list.by_reason[reason] ?? 0) > 0, `quarantine list shows ${reason}: ${JSON.stringify(list.by_reason)}`);
    }
  });
});
