/**
 * The SDKs teams already use, unmodified, sending to the real server on loopback: Segment's
 * analytics-node, posthog-node, RudderStack's Node SDK (gzip) and Cairn's own sdk/. Each has
 * its own write key; every event must be stored once, under its source, with the right
 * account, action, object, place and metadata, and group calls must give accounts their facts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { PostHog } from 'posthog-node';
import { createCairn } from '../../../sdk/index.js';
import { createKey, sql, startInProcess, withStore, workspace, type InProcessServer } from './helpers.js';

const TRACKS = 200;
const NAMES = [
  ['Conversation Closed', 'closed', 'conversation'],
  ['Report Exported', 'exported', 'report'],
  ['Help Center Article Published', 'published', 'help_center_article'],
] as const;

/** The i-th event a client sends, and what the store must hold for it. */
function planned(prefix: string, i: number) {
  const [name, action, object] = NAMES[i % NAMES.length];
  return {
    n: i,
    name,
    action,
    object,
    // user k belongs to account k % 4, so account (i % 4) is the user's (i % 8) own account.
    account: `${prefix}_acc${i % 4}`,
    user: `${prefix}_u${i % 8}`,
    place: i % 5 === 0 ? '/inbox' : null,
    metadata: { n: i, channel: i % 2 ? 'email' : 'chat' },
  };
}
const accountTraits = (prefix: string, k: number) => ({ name: `Acme ${prefix} ${k}`, plan: k % 2 ? 'pro' : 'starter', seats: 5 + k, industry: 'retail' });

/** A callback-style send turned into a promise that rejects on a delivery error. */
const delivered = (send: (cb: (err?: unknown) => void) => void) =>
  new Promise<void>((resolve, reject) => send((err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())));

interface StoredEvent {
  message_id: string;
  account_id: string;
  user_id: string | null;
  action: string;
  object: string;
  place: string | null;
  metadata: string;
}

describe('real clients against the real server', () => {
  let ws: string;
  let server: InProcessServer;
  const keys: Record<string, string> = {};
  const errors: string[] = [];

  before(async () => {
    ws = await workspace();
    for (const source of ['segment', 'posthog', 'rudder', 'cairn-sdk']) keys[source] = await createKey(ws, source);
    server = await startInProcess(ws);
  });
  after(() => server?.close());

  it('@segment/analytics-node: group, identify, tracks (some naming the account only through the group call) and a page', async () => {
    const analytics = new SegmentAnalytics({ writeKey: keys.segment, host: server.url, path: '/v1/batch', flushAt: 40, flushInterval: 50, maxRetries: 3 });
    analytics.on('error', (err) => errors.push(`segment: ${String((err as { reason?: unknown }).reason ?? err)}`));
    // Group calls first, acknowledged, so the users are in their accounts before the tracks that rely on it.
    await Promise.all(
      Array.from({ length: 8 }, (_, k) =>
        delivered((cb) => {
          if (k < 4) analytics.group({ userId: `seg_u${k}`, groupId: `seg_acc${k}`, traits: accountTraits('seg', k) }, cb);
          else analytics.group({ userId: `seg_u${k}`, groupId: `seg_acc${k % 4}` }, cb);
        }),
      ),
    );
    const sends: Promise<void>[] = [];
    for (let k = 0; k < 8; k++) sends.push(delivered((cb) => analytics.identify({ userId: `seg_u${k}`, traits: { email: `seg${k}@example.com` } }, cb)));
    for (let i = 0; i < TRACKS; i++) {
      const p = planned('seg', i);
      sends.push(
        delivered((cb) =>
          analytics.track(
            {
              userId: p.user,
              event: p.name,
              ...(i % 2 === 0 ? { messageId: `seg-${i}` } : {}),
              properties: { ...p.metadata, ...(p.place ? { place: p.place } : {}) },
              ...(i % 2 === 0 ? { context: { groupId: p.account } } : {}),
            },
            cb,
          ),
        ),
      );
    }
    sends.push(delivered((cb) => analytics.page({ userId: 'seg_u0', name: 'Pricing', properties: { path: '/pricing', n: 1000 } }, cb)));
    await Promise.all(sends);
    await analytics.closeAndFlush();
  });

  it('posthog-node: groupIdentify, identify, captures with and without $groups (gzip), and a $pageview', async () => {
    // Watches what the client sends (it still sends it with the real fetch).
    const sent: string[] = [];
    const watch = (url: string, options: { headers?: Record<string, string> }) => {
      sent.push(`${new URL(url).pathname} ${options.headers?.['Content-Encoding'] ?? 'plain'}`);
      return fetch(url, options as RequestInit);
    };
    const client = new PostHog(keys.posthog, { host: server.url, flushAt: 40, flushInterval: 50, fetchRetryCount: 3, fetchRetryDelay: 50, fetch: watch as never });
    client.on('error', (err) => errors.push(`posthog: ${String(err)}`));
    for (let k = 0; k < 4; k++) client.groupIdentify({ groupType: 'company', groupKey: `ph_acc${k}`, properties: accountTraits('ph', k) });
    for (let k = 0; k < 8; k++) client.identify({ distinctId: `ph_u${k}`, properties: { email: `ph${k}@example.com` } });
    const capture = (i: number) => {
      const p = planned('ph', i);
      // After their first event, users' later events may leave $groups out: the collector remembers.
      const groups = i < 8 || i % 2 === 0 ? { groups: { company: p.account } } : {};
      client.capture({ distinctId: p.user, event: p.name, properties: { ...p.metadata, ...(p.place ? { place: p.place } : {}) }, ...groups });
    };
    for (let i = 0; i < 8; i++) capture(i);
    await client.flush();
    for (let i = 8; i < TRACKS; i++) capture(i);
    client.capture({ distinctId: 'ph_u0', event: '$pageview', properties: { $current_url: 'https://app.example.com/pricing?x=1', n: 1000 }, groups: { company: 'ph_acc0' } });
    await client.flush();
    await client.shutdown();
    assert.ok(sent.length >= 3, `${sent.length} requests`);
    assert.deepEqual([...new Set(sent)], ['/batch/ gzip']);
  });

  it('@rudderstack/rudder-sdk-node: group, identify, tracks (gzip, Basic auth) and a page', async () => {
    const client = new RudderAnalytics(keys.rudder, {
      dataPlaneUrl: server.url,
      flushAt: 40,
      flushInterval: 50,
      retryCount: 2,
      logLevel: 'error',
      errorHandler: (err: unknown) => errors.push(`rudder: ${String(err)}`),
    });
    await Promise.all(
      Array.from({ length: 4 }, (_, k) => delivered((cb) => client.group({ userId: `rs_u${k}`, groupId: `rs_acc${k}`, traits: accountTraits('rs', k) }, cb))),
    );
    await Promise.all(Array.from({ length: 4 }, (_, k) => delivered((cb) => client.group({ userId: `rs_u${k + 4}`, groupId: `rs_acc${k}` }, cb))));
    const sends: Promise<void>[] = [];
    for (let k = 0; k < 8; k++) sends.push(delivered((cb) => client.identify({ userId: `rs_u${k}`, traits: { email: `rs${k}@example.com` } }, cb)));
    for (let i = 0; i < TRACKS; i++) {
      const p = planned('rs', i);
      const context: { groupId?: string; page?: { path: string } } = {};
      if (i % 2 === 0) context.groupId = p.account;
      // Rudder's place for the page is the context.
      if (p.place) context.page = { path: p.place };
      sends.push(delivered((cb) => client.track({ userId: p.user, event: p.name, properties: p.metadata, context }, cb)));
    }
    sends.push(delivered((cb) => client.page({ userId: 'rs_u0', name: 'Pricing', properties: { path: '/pricing', n: 1000 } }, cb)));
    await client.flush();
    await Promise.all(sends);
    assert.equal((client as unknown as { gzip: boolean }).gzip, true, 'sent gzipped');
  });

  it("Cairn's own sdk: one client per user session: identify, group, track with place and metadata", async () => {
    // The SDK remembers one user and one account, as in a browser session: one client per user.
    const sessions = Array.from({ length: 8 }, (_, k) => {
      const cairn = createCairn({ host: server.url, writeKey: keys['cairn-sdk'], flushAt: 40, flushIntervalMs: 50, retryBaseMs: 20, retryMaxMs: 200, onError: (e) => errors.push(`sdk: ${e.message}`) });
      cairn.identify(`sdk_u${k}`, { email: `sdk${k}@example.com` });
      cairn.group(`sdk_acc${k % 4}`, k < 4 ? accountTraits('sdk', k) : {});
      return cairn;
    });
    for (let i = 0; i < TRACKS; i++) {
      const p = planned('sdk', i);
      sessions[i % 8].track(p.action, p.object, { metadata: p.metadata, ...(p.place ? { place: p.place } : {}) });
    }
    sessions[0].track('viewed', 'page', { place: '/pricing', metadata: { n: 1000 } });
    await Promise.all(sessions.map((s) => s.close()));
  });

  it('every event is stored once, under its source, with the right account, action, object, place and metadata', async () => {
    assert.deepEqual(errors, [], 'no client reported an error');
    await server.close();
    await withStore(ws, async (q) => {
      const counts = await q<{ source: string; n: number; ids: number }>(
        sql`SELECT source, count(*)::INTEGER AS n, count(DISTINCT message_id)::INTEGER AS ids FROM events GROUP BY source ORDER BY source`,
      );
      assert.deepEqual(
        counts,
        ['cairn-sdk', 'posthog', 'rudder', 'segment'].map((source) => ({ source, n: TRACKS + 1, ids: TRACKS + 1 })),
      );
      const [{ q: quarantined }] = await q<{ q: number }>(sql`SELECT count(*)::INTEGER AS q FROM quarantine`);
      assert.equal(quarantined, 0, 'nothing quarantined');

      for (const [source, prefix] of [
        ['segment', 'seg'],
        ['posthog', 'ph'],
        ['rudder', 'rs'],
        ['cairn-sdk', 'sdk'],
      ] as const) {
        const rows = await q<StoredEvent>(sql`SELECT message_id, account_id, user_id, action, object, place, metadata::VARCHAR AS metadata FROM events WHERE source = ${source}`);
        const byN = new Map(rows.map((r) => [(JSON.parse(r.metadata) as { n: number }).n, r]));
        assert.equal(byN.size, TRACKS + 1, `${source}: one event per n`);
        const wrong: string[] = [];
        for (let i = 0; i < TRACKS; i++) {
          const p = planned(prefix, i);
          const r = byN.get(i)!;
          const got = { account: r.account_id, user: r.user_id, action: r.action, object: r.object, place: r.place, metadata: JSON.parse(r.metadata) };
          const want = { account: p.account, user: p.user, action: p.action, object: p.object, place: p.place, metadata: p.metadata };
          if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${source} #${i}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
        }
        assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} events mapped wrongly`);
        const page = byN.get(1000)!;
        assert.deepEqual([page.account_id, page.user_id, page.action, page.object, page.place], [`${prefix}_acc0`, `${prefix}_u0`, 'viewed', 'page', '/pricing'], `${source} page`);
      }
      // Segment keeps the ids the caller chose.
      const segIds = await q<{ message_id: string }>(sql`SELECT message_id FROM events WHERE source = 'segment' AND message_id LIKE 'seg-%'`);
      assert.equal(segIds.length, TRACKS / 2);

      const accounts = await q<{ account_id: string; name: string; plan: string; seats: number; traits: string }>(
        sql`SELECT account_id, name, plan, seats, traits::VARCHAR AS traits FROM accounts ORDER BY account_id`,
      );
      const want = ['ph', 'rs', 'sdk', 'seg'].flatMap((prefix) =>
        [0, 1, 2, 3].map((k) => {
          const { name, plan, seats, ...traits } = accountTraits(prefix, k);
          return { account_id: `${prefix}_acc${k}`, name, plan, seats, traits };
        }),
      );
      assert.deepEqual(
        accounts.map((a) => ({ ...a, traits: JSON.parse(a.traits) })),
        want.sort((a, b) => (a.account_id < b.account_id ? -1 : 1)),
      );

      const users = await q<{ user_id: string; account_id: string; traits: string }>(sql`SELECT user_id, account_id, traits::VARCHAR AS traits FROM users ORDER BY user_id`);
      const expectedUsers = ['ph', 'rs', 'sdk', 'seg']
        .flatMap((prefix) => Array.from({ length: 8 }, (_, k) => ({ user_id: `${prefix}_u${k}`, account_id: `${prefix}_acc${k % 4}`, email: `${prefix}${k}@example.com` })))
        .sort((a, b) => (a.user_id < b.user_id ? -1 : 1));
      assert.deepEqual(
        users.map((u) => ({ user_id: u.user_id, account_id: u.account_id, email: (JSON.parse(u.traits) as { email?: string }).email })),
        expectedUsers,
      );
    });
  });
});
