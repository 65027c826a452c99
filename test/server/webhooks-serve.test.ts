import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadWorkspace } from '../../src/config/index.js';
import { today } from '../../src/milestones/index.js';
import { openStore } from '../../src/cli/workspace.js';
import { verifyCairnSignature } from '../../sdk/webhook-signature.js';
import { createKey, startInProcess, workspace } from '../collect/http/helpers.js';

const until = async (what: () => boolean, ms = 60_000) => {
  for (const end = Date.now() + ms; !what(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('cairn serve pushes what events change to webhooks', () => {
  it('events in, statuses and segments refreshed, a signed delivery out, the first try refused and the retry taken', async () => {
    const got: { body: string; signature: string; key: string }[] = [];
    let refused = 0;
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        // The first delivery is refused: the dispatcher's own timer must bring it back.
        if (refused++ === 0) return res.writeHead(503).end();
        got.push({ body, signature: String(req.headers['cairn-signature']), key: String(req.headers['idempotency-key']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    after(() => new Promise<void>((r) => receiver.close(() => r())));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const ws = await workspace();
    await writeFile(
      join(ws, 'cairn.yaml'),
      `version: 1\nserver:\n  status_refresh_seconds: 0.2\nwebhooks:\n  endpoints:\n    crm: { url: "${url}", secret_env: SERVE_TEST_SECRET, events: [milestone.reached] }\n  retry: { first_delay_seconds: 0.2, max_delay_seconds: 0.5 }\n`,
    );
    process.env.SERVE_TEST_SECRET = 'whsec_serve';
    const store = await openStore(await loadWorkspace(ws));
    const at = Date.parse(`${today()}T00:00:00Z`);
    await store.upsertAccounts([{ accountId: 'acme', name: 'Acme', createdAt: at, plan: 'pro', seats: 1, churnedAt: null }]);
    await store.close();
    const key = await createKey(ws, 'web');
    const server = await startInProcess(ws);
    after(() => server.close());
    await until(() => (server.refresher?.refreshes ?? 0) >= 1 && (server.webhooks?.runs ?? 0) >= 1);

    const steps = ['installed messenger', 'invited teammate', 'connected email_channel', 'set office_hours', 'created team_inbox'];
    const body = steps.map((s, i) => ({ message_id: `m${i}`, timestamp: new Date().toISOString(), account_id: 'acme', action: s.split(' ')[0], object: s.split(' ')[1] }));
    const r = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 200);
    await until(() => got.length >= 1);
    const [delivery] = got;
    const event = JSON.parse(delivery.body) as { type: string; data: { summary: string } };
    assert.deepEqual([event.type, event.data.summary], ['milestone.reached', 'acme reached Set up']);
    assert.equal(verifyCairnSignature(delivery.body, delivery.signature, 'whsec_serve'), true);
    assert.equal(refused, 2, 'refused once, then taken');
    const health = (await (await fetch(`${server.url}/v1/health`)).json()) as { webhooks: { endpoints: string[] }; scheduler: { jobs: string[] } };
    assert.deepEqual(health.webhooks.endpoints, ['crm']);
    assert.deepEqual(health.scheduler.jobs, ['refresh_statuses']);
  });
});
