import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { beaconBodies, createCairn, LIMITS, type CairnCall, type CairnError, type CairnOptions } from '../../sdk/index.js';

/** One answer of the test collector: a status (with headers) or a dropped connection. */
type Answer = number | { status: number; headers?: Record<string, string> } | 'destroy';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: { batch: CairnCall[]; writeKey?: string };
  bytes: number;
  at: number;
  status: number | 'destroy';
}

/** A real HTTP collector on 127.0.0.1 that records every request and answers from a script (200 when empty). */
async function collector() {
  const requests: Recorded[] = [];
  const script: Answer[] = [];
  let active = 0;
  let maxActive = 0;
  const server = createServer((req, res) => {
    active++;
    maxActive = Math.max(maxActive, active);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const next = script.shift() ?? 200;
      const body = JSON.parse(raw.toString('utf8')) as Recorded['body'];
      const record = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, bytes: raw.length, at: Date.now() };
      if (next === 'destroy') {
        requests.push({ ...record, status: next });
        active--;
        req.socket.destroy();
        return;
      }
      const status = typeof next === 'object' ? next.status : next;
      requests.push({ ...record, status });
      res.on('finish', () => active--);
      const headers = { 'content-type': 'application/json', ...(typeof next === 'object' ? next.headers : {}) };
      res.writeHead(status, headers);
      res.end(JSON.stringify(status === 200 ? { ok: true, accepted: body.batch.length, quarantined: 0 } : { ok: false, error: `status ${status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    host,
    requests,
    script,
    maxActive: () => maxActive,
    /** Calls acknowledged with 200, de-duplicated by messageId as the real collector does, in first-seen order. */
    delivered(): CairnCall[] {
      const seen = new Map<string, CairnCall>();
      for (const r of requests) if (r.status === 200) for (const c of r.body.batch) if (!seen.has(c.messageId)) seen.set(c.messageId, c);
      return [...seen.values()];
    },
  };
}

/** A client with fast retries and no automatic flush unless asked, collecting what onError reports. */
function client(host: string, o: Partial<CairnOptions> = {}) {
  const errors: CairnError[] = [];
  const cairn = createCairn({
    host,
    writeKey: 'wk_test',
    flushAt: 1_000,
    flushIntervalMs: 60_000,
    retryBaseMs: 5,
    retryMaxMs: 20,
    onError: (e) => errors.push(e),
    ...o,
  });
  after(() => cairn.close());
  return { cairn, errors };
}

/** Waits for `cond`; the limit is a liveness guard (a loaded machine is slow), not a speed check. */
async function waitFor(cond: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const ids = (calls: CairnCall[]) => calls.map((c) => c.messageId);

describe('sdk: batching and delivery', () => {
  it('sends a batch when flushAt calls are queued, with the Bearer key, to /v1/batch', async () => {
    const srv = await collector();
    const { cairn } = client(srv.host, { flushAt: 3 });
    const sent = [cairn.track('created', 'project', { accountId: 'acc_1' }), cairn.track('invited', 'user', { accountId: 'acc_1' })];
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(srv.requests.length, 0, 'two calls stay queued below flushAt');
    sent.push(cairn.track('published', 'article', { accountId: 'acc_1' }));
    await waitFor(() => srv.requests.length === 1);
    const [r] = srv.requests;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/v1/batch');
    assert.equal(r.headers.authorization, 'Bearer wk_test');
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.deepEqual(ids(r.body.batch), sent);
    assert.equal(r.body.writeKey, undefined, 'the key travels in the header, not the body');
  });

  it('sends what is queued after flushIntervalMs', async () => {
    const srv = await collector();
    const { cairn } = client(srv.host, { flushIntervalMs: 40 });
    const t0 = Date.now();
    const sent = [cairn.track('created', 'project', { accountId: 'a' }), cairn.track('created', 'project', { accountId: 'a' })];
    await waitFor(() => srv.requests.length === 1);
    assert.ok(Date.now() - t0 >= 35);
    assert.deepEqual(ids(srv.requests[0].body.batch), sent);
  });

  it('maps track onto a Segment call: properties action/object/place + metadata, context.groupId, userId, timestamp', async () => {
    const srv = await collector();
    const { cairn } = client(srv.host);
    const when = new Date('2025-03-04T05:06:07.000Z');
    const id = cairn.track('published', 'help_center_article', { accountId: 'acc_9', userId: 'u_9', place: '/articles', metadata: { words: 812 }, timestamp: when });
    await cairn.flush();
    const [call] = srv.delivered();
    assert.deepEqual(call, {
      type: 'track',
      event: 'help_center_article published',
      messageId: id,
      timestamp: '2025-03-04T05:06:07.000Z',
      userId: 'u_9',
      properties: { words: 812, action: 'published', object: 'help_center_article', place: '/articles' },
      context: { groupId: 'acc_9' },
    });
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('delivers every call exactly once through 5xx and dropped connections, same messageIds, in order, one request at a time', async () => {
    const srv = await collector();
    srv.script.push(503, 'destroy', 500, 200, 502, 200);
    const { cairn, errors } = client(srv.host, { flushAt: 5 });
    const sent: string[] = [];
    for (let i = 0; i < 10; i++) sent.push(cairn.track('created', 'project', { accountId: 'a', metadata: { i } }));
    await cairn.flush();
    assert.equal(errors.length, 0);
    assert.deepEqual(ids(srv.delivered()), sent, 'no loss, no reordering');
    const tries = srv.requests.map((r) => ids(r.body.batch));
    assert.deepEqual(tries.slice(0, 4), [sent.slice(0, 5), sent.slice(0, 5), sent.slice(0, 5), sent.slice(0, 5)], 'retries resend the same ids');
    assert.deepEqual(tries.slice(4), [sent.slice(5), sent.slice(5)]);
    assert.equal(srv.maxActive(), 1);
  });

  it('gives up after maxRetries and reports the calls', async () => {
    const srv = await collector();
    srv.script.push(503, 503, 503, 503);
    const { cairn, errors } = client(srv.host, { maxRetries: 2 });
    const id = cairn.track('created', 'project', { accountId: 'a' });
    await cairn.flush();
    assert.equal(srv.requests.length, 3);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].kind, 'retries_exhausted');
    assert.equal(errors[0].status, 503);
    assert.deepEqual(ids(errors[0].calls), [id]);
  });

  for (const [status, kind] of [
    [400, 'rejected'],
    [401, 'unauthorized'],
  ] as const) {
    it(`does not retry a ${status}, reports it, and carries on with later calls`, async () => {
      const srv = await collector();
      srv.script.push(status);
      const { cairn, errors } = client(srv.host);
      const first = cairn.track('created', 'project', { accountId: 'a' });
      await cairn.flush();
      assert.equal(srv.requests.length, 1);
      assert.equal(errors.length, 1);
      assert.equal(errors[0].kind, kind);
      assert.equal(errors[0].status, status);
      assert.match(errors[0].message, new RegExp(`status ${status}`), 'the server error text is in the message');
      assert.deepEqual(ids(errors[0].calls), [first]);
      const second = cairn.track('created', 'project', { accountId: 'a' });
      await cairn.flush();
      assert.deepEqual(ids(srv.delivered()), [second]);
    });
  }

  it('splits a batch refused with 413 into halves, and drops a single call the server still refuses', async () => {
    const srv = await collector();
    srv.script.push(413, 200, 413, 200, 200);
    const { cairn, errors } = client(srv.host);
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) sent.push(cairn.track('created', 'project', { accountId: 'a' }));
    await cairn.flush();
    assert.deepEqual(srv.requests.map((r) => r.body.batch.length), [4, 2, 2, 1, 1]);
    assert.deepEqual(ids(srv.delivered()), sent);
    assert.equal(errors.length, 0);

    srv.script.push(413);
    const big = cairn.track('created', 'project', { accountId: 'a' });
    await cairn.flush();
    assert.equal(errors.length, 1);
    assert.equal(errors[0].kind, 'too_large');
    assert.deepEqual(ids(errors[0].calls), [big]);
    assert.equal(srv.requests.length, 6, 'a single refused call is not retried');
  });

  it('honours Retry-After on 429', async () => {
    const srv = await collector();
    srv.script.push({ status: 429, headers: { 'Retry-After': '1' } });
    const { cairn, errors } = client(srv.host);
    const id = cairn.track('created', 'project', { accountId: 'a' });
    await cairn.flush();
    assert.equal(srv.requests.length, 2);
    assert.ok(srv.requests[1].at - srv.requests[0].at >= 990, `waited ${srv.requests[1].at - srv.requests[0].at} ms`);
    assert.deepEqual(ids(srv.delivered()), [id]);
    assert.equal(errors.length, 0);
  });

  it('keeps each request under maxBatchBytes and 2,500 calls', async () => {
    const srv = await collector();
    const { cairn } = client(srv.host, { maxBatchBytes: 3_000 });
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) sent.push(cairn.track('created', 'project', { accountId: 'a', metadata: { pad: 'x'.repeat(200) } }));
    await cairn.flush();
    assert.ok(srv.requests.length >= 3, `${srv.requests.length} requests`);
    for (const r of srv.requests) assert.ok(r.bytes <= 3_000, `${r.bytes} bytes`);
    assert.deepEqual(ids(srv.delivered()), sent);

    // Small calls (~190 bytes): 2,500 of them fit 500 KB, so the count is what splits.
    const many = client(srv.host, { flushAt: 10_000, maxBatchBytes: 500_000 }).cairn;
    const before = srv.requests.length;
    for (let i = 0; i < 2_600; i++) many.track('x', 'y', { accountId: 'a' });
    await many.flush();
    assert.deepEqual(srv.requests.slice(before).map((r) => r.body.batch.length), [LIMITS.eventsPerRequest, 100]);
  });

  it('drops a call over 32 KB with onError and sends the rest', async () => {
    const srv = await collector();
    const { cairn, errors } = client(srv.host);
    const ok1 = cairn.track('created', 'project', { accountId: 'a' });
    const big = cairn.track('created', 'project', { accountId: 'a', metadata: { blob: 'x'.repeat(33 * 1024) } });
    const ok2 = cairn.track('created', 'project', { accountId: 'a' });
    await cairn.flush();
    assert.equal(errors.length, 1);
    assert.equal(errors[0].kind, 'event_too_large');
    assert.deepEqual(ids(errors[0].calls), [big]);
    assert.deepEqual(ids(srv.delivered()), [ok1, ok2]);
  });

  it('drops the oldest calls past maxQueue, with onError', async () => {
    const srv = await collector();
    const { cairn, errors } = client(srv.host, { maxQueue: 3 });
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push(cairn.track('created', 'project', { accountId: 'a' }));
    assert.deepEqual(errors.map((e) => e.kind), ['queue_full', 'queue_full']);
    assert.deepEqual(errors.flatMap((e) => ids(e.calls)), sent.slice(0, 2));
    await cairn.flush();
    assert.deepEqual(ids(srv.delivered()), sent.slice(2));
  });

  it('close() flushes what is queued and refuses later calls', async () => {
    const srv = await collector();
    const { cairn } = client(srv.host);
    const id = cairn.track('created', 'project', { accountId: 'a' });
    await cairn.close();
    assert.deepEqual(ids(srv.delivered()), [id]);
    assert.throws(() => cairn.track('created', 'project', { accountId: 'a' }), /closed/);
  });
});

describe('sdk: identify, group, track', () => {
  it('track without an account throws a clear error', async () => {
    const srv = await collector();
    const { cairn } = client(srv.host);
    assert.throws(() => cairn.track('created', 'project'), /needs an account: call group\(accountId\) first or pass \{ accountId \}/);
    cairn.identify('u_1');
    assert.throws(() => cairn.track('created', 'project'), /needs an account/);
    assert.throws(() => cairn.track('created', 'project', { accountId: 'a', metadata: { action: 'x' } }), /metadata.action is reserved/);
  });

  it('identify and group send the right calls and are remembered by later tracks', async () => {
    const srv = await collector();
    const { cairn } = client(srv.host);
    const i1 = cairn.identify('u_1', { email: 'ada@example.com' });
    const g1 = cairn.group('acc_1', { name: 'Acme', plan: 'pro', seats: 4 });
    const t1 = cairn.track('created', 'project');
    const t2 = cairn.track('created', 'project', { accountId: 'acc_2', userId: 'u_2' });
    await cairn.flush();
    const [identify, group, track1, track2] = srv.delivered();
    assert.deepEqual(ids([identify, group, track1, track2]), [i1, g1, t1, t2]);
    assert.equal(identify.type, 'identify');
    assert.ok(identify.type === 'identify');
    assert.equal(identify.userId, 'u_1');
    assert.deepEqual(identify.traits, { email: 'ada@example.com' });
    assert.equal(identify.context, undefined, 'no account known yet');
    assert.ok(group.type === 'group');
    assert.equal(group.groupId, 'acc_1');
    assert.equal(group.userId, 'u_1');
    assert.deepEqual(group.traits, { name: 'Acme', plan: 'pro', seats: 4 });
    assert.ok(track1.type === 'track' && track2.type === 'track');
    assert.equal(track1.userId, 'u_1');
    assert.equal(track1.context.groupId, 'acc_1');
    assert.equal(track2.userId, 'u_2');
    assert.equal(track2.context.groupId, 'acc_2');

    const i2 = cairn.identify('u_3');
    await cairn.flush();
    const again = srv.delivered().find((c) => c.messageId === i2);
    assert.ok(again?.type === 'identify');
    assert.deepEqual(again.context, { groupId: 'acc_1' }, 'identify names the remembered account');
  });
});

describe('sdk: sendBeacon', () => {
  it('beaconBodies puts the write key in the body and keeps each body under the size', () => {
    const calls: CairnCall[] = Array.from({ length: 30 }, (_, i) => ({
      type: 'track',
      event: 'project created',
      messageId: `m${i}`,
      timestamp: '2025-01-01T00:00:00.000Z',
      properties: { action: 'created', object: 'project', pad: 'x'.repeat(100) },
      context: { groupId: 'a' },
    }));
    const bodies = beaconBodies('wk_b', calls, 1_000);
    assert.ok(bodies.length > 1);
    for (const b of bodies) assert.ok(Buffer.byteLength(b) <= 1_000);
    const parsed = bodies.map((b) => JSON.parse(b) as { writeKey: string; batch: CairnCall[] });
    assert.ok(parsed.every((p) => p.writeKey === 'wk_b'));
    assert.deepEqual(parsed.flatMap((p) => ids(p.batch)), ids(calls));
    assert.deepEqual(beaconBodies('k', []), []);
  });

  it('on pagehide and visibilitychange to hidden, hands the queue to navigator.sendBeacon as text/plain', async () => {
    const srv = await collector();
    const beacons: Array<{ url: string; type: string; body: { writeKey: string; batch: CairnCall[] } }> = [];
    let accept = true;
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const nav = {
      sendBeacon(url: string, blob: Blob): boolean {
        if (!accept) return false;
        beacons.push({ url, type: blob.type, body: undefined as never });
        void blob.text().then((t) => (beacons[beacons.length - 1].body = JSON.parse(t)));
        return true;
      },
    };
    const g = globalThis as Record<string, unknown>;
    const saved = ['window', 'document', 'navigator'].map((k) => [k, Object.getOwnPropertyDescriptor(globalThis, k)] as const);
    for (const [k, v] of [['window', win], ['document', doc], ['navigator', nav]] as const) {
      Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
    }
    try {
      const { cairn } = client(srv.host);
      const a = [cairn.track('created', 'project', { accountId: 'a' }), cairn.track('invited', 'user', { accountId: 'a' })];
      win.dispatchEvent(new Event('pagehide'));
      await waitFor(() => beacons.length === 1 && beacons[0].body !== undefined);
      assert.equal(beacons[0].url, `${srv.host}/v1/batch`);
      assert.equal(beacons[0].type, 'text/plain');
      assert.equal(beacons[0].body.writeKey, 'wk_test');
      assert.deepEqual(ids(beacons[0].body.batch), a);

      const b = cairn.track('created', 'project', { accountId: 'a' });
      doc.visibilityState = 'hidden';
      doc.dispatchEvent(new Event('visibilitychange'));
      await waitFor(() => beacons.length === 2 && beacons[1].body !== undefined);
      assert.deepEqual(ids(beacons[1].body.batch), [b]);

      // What the browser refuses stays queued and goes by fetch.
      accept = false;
      const c = cairn.track('created', 'project', { accountId: 'a' });
      win.dispatchEvent(new Event('pagehide'));
      await cairn.flush();
      assert.deepEqual(ids(srv.delivered()), [c], 'beaconed calls are not sent again');

      await cairn.close();
      accept = true;
      win.dispatchEvent(new Event('pagehide'));
      assert.equal(beacons.length, 2, 'close() removes the listeners');
    } finally {
      for (const [k, d] of saved) {
        if (d === undefined) delete g[k];
        else Object.defineProperty(globalThis, k, d);
      }
    }
  });
});
