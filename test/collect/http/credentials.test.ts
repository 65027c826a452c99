/**
 * Credentials never reach stored data, and the store and log are private files. Clients put keys
 * in bodies (posthog-js's properties.token, Segment's writeKey, headers copied into context): on
 * every protocol, and through imports, none of them is in the log, events, traits, quarantine
 * or plan-violation examples. Store, log and secrets are created owner-only.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cairn } from '../../cli/run-cli.js';
import { basic, bearer, createKey, post, sql, startInProcess, withStore, workspace, type InProcessServer } from './helpers.js';

const ISO = new Date(Date.now() - 3_600_000).toISOString();
/** A secret that is not a Cairn key: what a client's own token looks like. */
const SECRET = 'sk_live_Zq9XvBt3LmN8pQr2';
const mode = (file: string) => statSync(file).mode & 0o777;

describe('credentials in bodies are not stored; store and log are private', () => {
  let ws: string;
  let server: InProcessServer;
  let key: string;
  /** Everything the collector's log held, read right after each acknowledgement. */
  let logText = '';
  const walDir = () => join(ws, '.cairn', 'wal');
  const readLog = () => {
    for (const name of readdirSync(walDir())) {
      try {
        logText += readFileSync(join(walDir(), name), 'utf8');
      } catch {
        // applied and deleted meanwhile
      }
    }
  };
  const send = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await post(server.url + path, body, headers);
    readLog();
    return r;
  };

  before(async () => {
    // Unplanned events are flagged, so their examples are kept in plan_violations.
    ws = await workspace({ plan: 'unplanned: flag\nevents:\n  - { action: closed, object: conversation, metadata: { state: { type: string, required: true } } }\n' });
    key = await createKey(ws, 'web');
    server = await startInProcess(ws);
  });
  after(() => server?.close());

  it('takes requests that carry keys and tokens on every protocol', async () => {
    const hdrs = { Authorization: `Bearer ${SECRET}`, 'X-Api-Key': SECRET };
    const replies = [
      // posthog-js puts the project key in every event's properties.
      await send('/batch', { api_key: key, batch: [{ event: 'Report Exported', uuid: 'ph-1', distinct_id: 'u_1', timestamp: ISO, properties: { token: key, $token: key, $groups: { company: 'acc_c' }, $lib: 'web', format: 'csv' } }] }),
      await send('/capture', { api_key: key, event: '$identify', distinct_id: 'u_1', properties: { token: key, $set: { email: 'a@b.c', api_key: SECRET } } }),
      await send('/capture', { api_key: key, event: '$groupidentify', distinct_id: 'u_1', properties: { token: key, $group_type: 'company', $group_key: 'acc_c', $group_set: { name: 'Acme', writeKey: SECRET } } }),
      await send('/e', { api_key: key, event: '$autocapture', uuid: 'ph-q', distinct_id: 'u_1', properties: { token: key } }),
      // Segment: writeKey in the body, headers copied into context and properties.
      await send('/v1/track', { writeKey: key, messageId: 'sg-1', event: 'Report Exported', userId: 'u_1', timestamp: ISO, context: { groupId: 'acc_c', headers: hdrs }, properties: { headers: hdrs, write_key: SECRET } }),
      await send('/v1/track', { writeKey: key, messageId: 'sg-q', event: 'Report Exported', userId: 'u_1', timestamp: 'whenever', context: { groupId: 'acc_c', headers: hdrs } }),
      await send('/v1/identify', { writeKey: key, userId: 'u_2', traits: { email: 'b@c.d', token: SECRET, nested: { Authorization: SECRET } } }),
      await send('/v1/group', { writeKey: key, userId: 'u_2', groupId: 'acc_d', traits: { plan: 'pro', apiKey: SECRET } }),
      await send('/v1/batch', { writeKey: key, batch: [{ type: 'track', messageId: 'sg-v', event: 'Conversation Closed', userId: 'u_1', timestamp: ISO, context: { groupId: 'acc_c' }, properties: { token: SECRET } }] }),
      // Native: metadata holding a header; a body and a line that cannot be read, naming the key.
      await send('/v1/events', [{ message_id: 'nt-1', timestamp: ISO, account_id: 'acc_c', action: 'viewed', object: 'report', metadata: { headers: hdrs, list: [{ token: SECRET }] } }], bearer(key)),
      await send('/v1/batch', `{"writeKey":"${key}","batch":[{"token":"${SECRET}",`, basic(key)),
      await send('/v1/events', `{"message_id":"nt-2","metadata":{"api_key":"${SECRET}"},\n{"message_id":"nt-3","timestamp":"${ISO}","account_id":"acc_c","action":"viewed","object":"report","metadata":{"Authorization":"${SECRET}"}}`, bearer(key)),
    ];
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 400, 200]);
    assert.ok(logText.includes('ph-1') && logText.includes('sg-q'), 'the log was read while it held the requests');
    assert.ok(!logText.includes(key), 'the write key is not in the log');
    assert.ok(!logText.includes(SECRET), 'no token is in the log');
  });

  it('creates the log, the private folder and its files owner-only while serving', () => {
    assert.equal(mode(join(ws, '.cairn')), 0o700);
    assert.equal(mode(walDir()), 0o700);
    for (const name of readdirSync(walDir())) assert.equal(mode(join(walDir(), name)), 0o600, name);
    for (const name of ['server.json', 'keys.json', 'admin-token', '.gitignore']) assert.equal(mode(join(ws, '.cairn', name)), 0o600, name);
    assert.equal(mode(join(ws, 'cairn.duckdb')), 0o600);
  });

  it('stored nothing that holds a key or token: events, traits, quarantine, plan-violation examples', async () => {
    await server.close();
    // Imports keep raw lines of what they quarantine: redacted too.
    const file = join(ws, 'events.jsonl');
    writeFileSync(file, [
      JSON.stringify({ message_id: 'im-1', timestamp: ISO, account_id: 'acc_c', action: 'viewed', object: 'report', metadata: { token: SECRET, kept: 1 } }),
      `{"message_id":"im-2","writeKey":"${SECRET}",`,
      JSON.stringify({ message_id: 'im-3', timestamp: 'soon', account_id: 'acc_c', action: 'viewed', object: 'report', api_key: SECRET }),
    ].join('\n'));
    const r = await cairn(['import', 'events', file, '--json', '-w', ws]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(mode(join(ws, 'cairn.duckdb')), 0o600);

    await withStore(ws, async (q) => {
      const texts = await q<{ what: string; text: string }>(sql`
        SELECT 'event ' || message_id AS what, metadata AS text FROM events
        UNION ALL SELECT 'user ' || user_id, traits FROM users
        UNION ALL SELECT 'account ' || account_id, traits FROM accounts
        UNION ALL SELECT 'quarantine ' || reason, payload FROM quarantine
        UNION ALL SELECT 'violation ' || reason, example FROM plan_violations`);
      const leaks = texts.filter((t) => t.text.includes(key) || t.text.includes(SECRET)).map((t) => `${t.what}: ${t.text}`);
      assert.deepEqual(leaks, []);
      const what = new Set(texts.map((t) => t.what.split(' ')[0]));
      assert.deepEqual([...what].sort(), ['account', 'event', 'quarantine', 'user', 'violation'], 'every kind of stored text was looked at');
      // What is not a credential stays.
      const [ph] = await q<{ metadata: string }>(sql`SELECT metadata FROM events WHERE message_id = 'ph-1'`);
      assert.deepEqual(JSON.parse(ph.metadata), { format: 'csv' });
      const [im] = await q<{ metadata: string }>(sql`SELECT metadata FROM events WHERE message_id = 'im-1'`);
      assert.deepEqual(JSON.parse(im.metadata), { kept: 1 });
      const [user] = await q<{ traits: string }>(sql`SELECT traits FROM users WHERE user_id = 'u_2'`);
      assert.deepEqual(JSON.parse(user.traits), { email: 'b@c.d', nested: {} });
      const reasons = await q<{ reason: string }>(sql`SELECT reason FROM quarantine ORDER BY id`);
      assert.deepEqual(reasons.map((x) => x.reason).sort(), ['invalid_json', 'invalid_json', 'invalid_json', 'invalid_timestamp', 'invalid_timestamp', 'missing_metadata', 'system_event']);
    });
  });
});
