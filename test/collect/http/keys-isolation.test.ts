import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cairn } from '../../cli/run-cli.js';
import { basic, bearer, post, sql, startInProcess, waitFor, withStore, workspace, type InProcessServer } from './helpers.js';

const ISO = () => new Date(Date.now() - 60_000).toISOString();

/** One request per protocol, each with `n` events whose ids start with `prefix`, sent with `key`. */
async function sendAll(url: string, key: string, prefix: string, n = 5) {
  const ids = (p: string) => Array.from({ length: n }, (_, i) => `${prefix}-${p}-${i}`);
  const native = await post(
    `${url}/v1/events`,
    ids('n').map((id) => ({ message_id: id, timestamp: ISO(), account_id: `${prefix}_acc`, user_id: `${prefix}_u`, action: 'closed', object: 'conversation' })),
    bearer(key),
  );
  const segment = await post(
    `${url}/v1/batch`,
    { batch: ids('s').map((id) => ({ type: 'track', messageId: id, timestamp: ISO(), userId: `${prefix}_u`, event: 'Report Exported', context: { groupId: `${prefix}_acc` } })) },
    basic(key),
  );
  const segmentBodyKey = await post(`${url}/v1/track`, { writeKey: key, messageId: `${prefix}-t-0`, timestamp: ISO(), event: 'Report Exported', context: { groupId: `${prefix}_acc` } });
  const posthog = await post(`${url}/batch/`, {
    api_key: key,
    batch: ids('p').map((id) => ({ event: 'Report Exported', uuid: id, distinct_id: `${prefix}_u`, timestamp: ISO(), properties: { $groups: { company: `${prefix}_acc` } } })),
  });
  // One bad message per key, to be quarantined under the key's source.
  const bad = await post(`${url}/v1/events`, [{ message_id: `${prefix}-bad`, timestamp: 'garbage', account_id: 'x', action: 'a', object: 'b' }], bearer(key));
  return [native.status, segment.status, segmentBodyKey.status, posthog.status, bad.status];
}

describe('write keys: isolation between sources, and revocation', () => {
  let ws: string;
  let server: InProcessServer;
  const keys: Record<string, string> = {};

  before(async () => {
    ws = await workspace();
    // Created one after the other: two processes replacing keys.json at once may lose one.
    for (const name of ['alpha', 'beta']) {
      const r = await cairn(['keys', 'create', name, '--json', '-w', ws]);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { name: string; key: string };
      assert.equal(out.name, name);
      keys[name] = out.key;
    }
    server = await startInProcess(ws);
  });
  after(() => server?.close());

  const stats = async () => {
    const res = await fetch(`${server.url}/v1/admin/stats`, { headers: bearer(server.adminToken) });
    assert.equal(res.status, 200);
    return (await res.json()) as { events_by_source: Record<string, number>; sources: Record<string, { quarantine_by_reason: Record<string, number> }> };
  };

  it('events sent with each key are stored under that key, and only that key, as source', async () => {
    assert.deepEqual(await sendAll(server.url, keys.alpha, 'a'), [200, 200, 200, 200, 200]);
    assert.deepEqual(await sendAll(server.url, keys.beta, 'b', 7), [200, 200, 200, 200, 200]);
    const s = await waitFor(async () => {
      const st = await stats();
      const stored = st.events_by_source.alpha === 16 && st.events_by_source.beta === 22;
      // The bad messages were sent last: they may be in a later log generation than the events.
      const kept = st.sources.alpha?.quarantine_by_reason.invalid_timestamp === 1 && st.sources.beta?.quarantine_by_reason.invalid_timestamp === 1;
      return stored && kept ? st : null;
    }, 'both sources stored');
    assert.deepEqual(s.events_by_source, { alpha: 16, beta: 22 });
    assert.deepEqual(s.sources.alpha.quarantine_by_reason, { invalid_timestamp: 1 });
    assert.deepEqual(s.sources.beta.quarantine_by_reason, { invalid_timestamp: 1 });
  });

  it('a key in the body names the source even when another key is in the header', async () => {
    // Segment's clients put the key in both; a body key of another source is that source's.
    const r = await post(`${server.url}/v1/track`, { writeKey: keys.beta, messageId: 'mixed-1', timestamp: ISO(), event: 'Report Exported', context: { groupId: 'b_acc' } }, basic(keys.alpha));
    assert.equal(r.status, 200);
    const unknownInBody = await post(`${server.url}/v1/track`, { writeKey: 'cairn_nope', messageId: 'mixed-2', timestamp: ISO(), event: 'Report Exported', context: { groupId: 'a_acc' } }, basic(keys.alpha));
    assert.equal(unknownInBody.status, 401, 'an unknown key is refused, whatever else came with it');
  });

  it('after `cairn keys revoke`, the key gets 401 on every endpoint and nothing is stored; the other key still works', async () => {
    const r = await cairn(['keys', 'revoke', 'alpha', '-w', ws]);
    assert.equal(r.code, 0, r.stderr);
    // The server re-reads the keys file every second.
    await waitFor(async () => (await post(`${server.url}/v1/events`, [], bearer(keys.alpha))).status === 401, 'the revoked key refused', undefined, 100);
    assert.deepEqual(await sendAll(server.url, keys.alpha, 'revoked'), [401, 401, 401, 401, 401]);
    const body = (await post(`${server.url}/v1/events`, [], bearer(keys.alpha))).body as { ok: boolean; error: string };
    assert.deepEqual(body, { ok: false, error: 'unknown or revoked write key' });
    assert.deepEqual(await sendAll(server.url, keys.beta, 'b2'), [200, 200, 200, 200, 200]);

    // A new key for the same name works; the revoked one stays refused.
    const created = await cairn(['keys', 'create', 'alpha', '--json', '-w', ws]);
    assert.equal(created.code, 0, created.stderr);
    const fresh = (JSON.parse(created.stdout) as { key: string }).key;
    await waitFor(async () => (await post(`${server.url}/v1/events`, [], bearer(fresh))).status === 200, 'the new key accepted', undefined, 100);
    assert.equal((await post(`${server.url}/v1/events`, [], bearer(keys.alpha))).status, 401);
    assert.deepEqual(await sendAll(server.url, fresh, 'a2', 2), [200, 200, 200, 200, 200]);
  });

  it('in the store: every event and quarantine entry is under the source of the key that sent it', async () => {
    await server.close();
    await withStore(ws, async (q) => {
      const events = await q<{ message_id: string; source: string; account_id: string }>(sql`SELECT message_id, source, account_id FROM events ORDER BY message_id`);
      const bySource = (s: string) => events.filter((e) => e.source === s).map((e) => e.message_id);
      assert.equal(events.length, 16 + 22 + 1 + 16 + 7);
      assert.ok(bySource('alpha').every((id) => /^a2?-/.test(id)), `alpha holds only alpha's events: ${bySource('alpha')}`);
      assert.ok(bySource('beta').every((id) => /^b2?-/.test(id) || id === 'mixed-1'), `beta holds only beta's events: ${bySource('beta')}`);
      assert.equal(bySource('alpha').length, 16 + 7);
      assert.equal(bySource('beta').length, 22 + 1 + 16);
      assert.deepEqual(events.filter((e) => e.message_id.startsWith('revoked') || e.message_id === 'mixed-2'), [], 'nothing sent with a refused key');
      for (const e of events) assert.equal(e.account_id, e.message_id === 'mixed-1' ? 'b_acc' : `${e.message_id.split('-')[0]}_acc`, e.message_id);

      const quarantine = await q<{ source: string; payload: string }>(sql`SELECT source, payload FROM quarantine ORDER BY source, payload`);
      assert.deepEqual(
        quarantine.map((e) => [e.source, (JSON.parse(e.payload) as { message_id: string }).message_id]),
        [
          ['alpha', 'a-bad'],
          ['alpha', 'a2-bad'],
          ['beta', 'b-bad'],
          ['beta', 'b2-bad'],
        ],
      );
    });
  });
});
