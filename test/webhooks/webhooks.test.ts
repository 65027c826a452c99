import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { parseCairnConfig, parseMilestones } from '../../src/config/index.js';
import { refreshSegments, refreshStatuses } from '../../src/milestones/index.js';
import { NO_WRITE, sql, type Store } from '../../src/store/index.js';
import { deliverWebhooks, replayDeadLetters, resolveEndpoints, webhookSignatureProblem, type WebhookEvent } from '../../src/webhooks/index.js';
import { verifyCairnSignature } from '../../sdk/webhook-signature.js';
import { describeEngines } from '../engines.js';
import { ev, storeWith } from '../fixtures.js';

const SECRET = 'whsec_test_0123456789';
const framework = parseMilestones(`milestones:
  setup:
    kind: checklist
    label: Set up
    steps:
      - { id: install, label: Install the Messenger, when: { action: installed, object: messenger } }
      - { id: invite, label: Invite teammates, when: { action: invited, object: teammate } }
segments:
  set_up: "milestones.setup.reached"
`);

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A receiver on a free port: /ok answers 200, /flaky 500 then 200, /down 500 until `up`, /slack 200. */
let server: Server;
let base = '';
const received: Received[] = [];
let downIsUp = false;
const flakySeen = new Set<string>();
before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, body });
      const key = `${path} ${String(req.headers['idempotency-key'])}`;
      let status = 200;
      if (path.startsWith('/flaky') && !flakySeen.has(key)) {
        flakySeen.add(key);
        status = 500;
      }
      if (path.startsWith('/down') && !downIsUp) status = 500;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const config = (run: string) =>
  parseCairnConfig(`version: 1
webhooks:
  endpoints:
    ok: { url: "${base}/ok/${run}", secret_env: WH_SECRET }
    flaky: { url: "${base}/flaky/${run}", secret_env: WH_SECRET, events: [milestone.reached] }
    down: { url: "${base}/down/${run}", secret_env: WH_SECRET, events: [milestone.reached] }
    cs: { url_env: WH_SLACK, format: slack, events: [segment.entered], segments: [set_up] }
  retry: { max_attempts: 3, first_delay_seconds: 0.02, max_delay_seconds: 0.05 }
  timeout_seconds: 5
`).webhooks;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function statuses(store: Store, byStatus = sql`1 = 1`) {
  return store.query<{ id: string; endpoint: string; status: string; attempts: string | number }>(sql`SELECT id, endpoint, status, attempts FROM webhook_deliveries WHERE ${byStatus} ORDER BY id`);
}

describeEngines('webhooks', (engine) => {
  it('signs each event for a local receiver, retries a 500, dead-letters an endpoint that keeps failing, replays it, and never delivers a key twice', async () => {
    const run = `${engine.name}-${Date.now()}`;
    downIsUp = false;
    const mine = (prefix: string) => received.filter((r) => r.path === `/${prefix}/${run}`);
    const place = await engine.place();
    const store = await place.open();
    // DuckDB lets one process hold a file: a second dispatcher shares the store there.
    const other = engine.name === 'duckdb' ? store : await place.open();
    try {
      await storeWith({ store, accounts: [{ id: 'acme', signup: '2025-01-01' }, { id: 'beta', signup: '2025-01-01' }], events: [ev('beta', '2025-01-02', 'installed', 'messenger'), ev('beta', '2025-01-02', 'invited', 'teammate')] });
      await refreshStatuses(store, framework, { asOf: '2025-01-10' });
      await refreshSegments(store, framework);
      const webhooks = config(run);
      const endpoints = await resolveEndpoints(webhooks, '.', { WH_SECRET: SECRET, WH_SLACK: `${base}/slack/${run}` });
      const deliver = (s: Store = store) => deliverWebhooks(s, { config: webhooks, endpoints, framework });
      // New endpoints start at the feeds' heads: the backfill (beta set up) is not news, and nothing older is sent.
      assert.deepEqual(await deliver(), { enqueued: 0, delivered: 0, retrying: 0, dead: 0, next_due: null });

      // acme sets up: milestone reached, stage changed, segment entered.
      await store.insertEvents([ev('acme', '2025-01-10', 'installed', 'messenger'), ev('acme', '2025-01-10', 'invited', 'teammate')], 'test');
      await refreshStatuses(store, framework, { asOf: '2025-01-10', accounts: ['acme'] });
      await refreshSegments(store, framework, { accounts: ['acme'] });
      const first = await deliver();
      // ok: 3 events; flaky and down: the milestone; cs: the segment entry.
      assert.equal(first.enqueued, 6);
      assert.deepEqual([first.delivered, first.retrying], [4, 2]);

      const ok = mine('ok');
      assert.deepEqual(ok.map((r) => (JSON.parse(r.body) as WebhookEvent).type).sort(), ['milestone.reached', 'segment.entered', 'stage.changed']);
      for (const r of ok) {
        const event = JSON.parse(r.body) as WebhookEvent;
        const header = String(r.headers['cairn-signature']);
        assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
        assert.equal(verifyCairnSignature(r.body, header, SECRET), true, 'the receiver helper verifies it');
        assert.equal(webhookSignatureProblem({ body: r.body, header, secret: SECRET }), null);
        assert.equal(verifyCairnSignature(r.body, header, 'another secret'), false);
        assert.equal(verifyCairnSignature(r.body.replace('acme', 'acmf'), header, SECRET), false, 'a changed body fails');
        const t = Number(/t=(\d+)/.exec(header)![1]);
        assert.equal(verifyCairnSignature(r.body, header, SECRET, 300, t + 301), false, 'outside the replay window');
        assert.equal(r.headers['idempotency-key'], `${event.id}.ok`);
        assert.equal(r.headers['cairn-event-id'], event.id);
        assert.equal(event.data.account_id, 'acme');
        if (event.type === 'milestone.reached') {
          assert.equal(event.data.summary, 'acme reached Set up');
          assert.equal(event.data.milestone!.definition, 'all 2 steps: Install the Messenger, Invite teammates');
        }
      }
      const [slack] = mine('slack');
      const message = JSON.parse(slack.body) as { text: string; blocks: { type: string }[] };
      assert.equal(message.text, 'acme entered segment set_up');
      assert.deepEqual(message.blocks.map((b) => b.type), ['section', 'context']);
      assert.equal(slack.headers['cairn-signature'], undefined, 'Slack gets no signature');

      // After the backoff, the flaky endpoint takes it; down fails to the last attempt.
      await sleep(80);
      const second = await deliver();
      assert.deepEqual([second.delivered, second.retrying, second.dead], [1, 1, 0]);
      await sleep(80);
      const third = await deliver();
      assert.deepEqual([third.delivered, third.dead, third.next_due], [0, 1, null]);
      assert.equal(mine('flaky').length, 2);
      assert.equal(mine('down').length, 3);
      const [dead] = await statuses(store, sql`status = 'dead'`);
      assert.equal(dead.endpoint, 'down');
      assert.equal(Number(dead.attempts), 3);
      const stats = await store.stats();
      assert.deepEqual(stats.webhooks.dead_letters.map((d) => [d.id, d.last_error]), [[dead.id, 'HTTP 500']]);
      assert.deepEqual([stats.webhooks.delivered, stats.webhooks.pending, stats.webhooks.dead], [5, 0, 1]);

      // Replay: the dead letter is delivered under its own key; a delivered one is refused.
      downIsUp = true;
      const delivered = (await statuses(store, sql`status = 'delivered'`))[0].id;
      const replay = await replayDeadLetters(store, { ids: [dead.id, delivered, 'nope'] });
      assert.deepEqual(replay.replayed, [dead.id]);
      assert.deepEqual(replay.refused.map((r) => r.id), [delivered, 'nope']);
      assert.match(replay.refused[0].reason, /never sent twice/);
      assert.equal((await deliver()).delivered, 1);
      assert.equal(mine('down').length, 4);
      assert.equal(mine('down')[3].headers['idempotency-key'], dead.id);

      // A run cut short before its cursors moved makes the same deliveries again: their keys keep them once.
      for (const e of ['ok', 'flaky', 'down', 'cs']) for (const f of ['milestones', 'segments']) await store.applyCollected({ ...NO_WRITE, checkpoint: { name: `webhook_${e}_${f}`, value: 0 } });
      const again = await Promise.all([deliver(store), deliver(other)]);
      assert.deepEqual(again.map((r) => r.enqueued + r.delivered), [0, 0]);
      const all = received.filter((r) => r.path.endsWith(run) && (r.path.startsWith('/ok') || r.path.startsWith('/slack')));
      const keys = all.map((r) => String(r.headers['idempotency-key']));
      assert.equal(new Set(keys).size, keys.length, 'no idempotency key delivered twice');
      assert.equal((await statuses(store)).every((d) => d.status === 'delivered'), true);
    } finally {
      if (other !== store) await other.close();
      await store.close();
    }
  });
});
