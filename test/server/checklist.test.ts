import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { loadWorkspace } from '../../src/config/index.js';
import { today } from '../../src/milestones/index.js';
import { IdentitySecrets, identityToken } from '../../src/collect/index.js';
import { startServer } from '../../src/server/index.js';
import { describeEngines } from '../engines.js';
import { workspace } from '../collect/http/helpers.js';

const PAGE = 'https://app.example.com';

describeEngines('the in-product checklist', (engine) => {
  it('answers an account its own steps with the token its backend signs, refuses bad and other accounts\' tokens, and browsers of other origins', async () => {
    const ws = await workspace();
    await writeFile(join(ws, 'cairn.yaml'), `version: 1\nchecklist:\n  allowed_origins: ["${PAGE}"]\nserver:\n  status_refresh_seconds: 0\n`);
    const store = await engine.open();
    const day = today();
    const at = Date.parse(`${day}T00:00:00Z`);
    await store.upsertAccounts(['acme', 'globex'].map((id) => ({ accountId: id, name: id, createdAt: at, plan: 'pro', seats: 1, churnedAt: null })));
    const event = (action: string, object: string, i: number) => ({ messageId: `m${i}`, accountId: 'acme', userId: null, anonymousId: null, action, object, place: null, metadata: {}, timestamp: at + i, count: 1 });
    await store.insertEvents([event('installed', 'messenger', 1), event('invited', 'teammate', 2)], 'web');
    const server = await startServer(await loadWorkspace(ws), store, { port: 0, host: '127.0.0.1' });
    after(() => server.stop());
    const get = (id: string, token?: string, origin?: string) =>
      fetch(`${server.url}/v1/checklist/${encodeURIComponent(id)}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(origin ? { origin } : {}) } });

    assert.equal((await get('acme', 'a'.repeat(64))).status, 503, 'no identity secret yet');
    const secrets = await IdentitySecrets.open(ws);
    const { secret } = await secrets.create();
    const token = identityToken(secret, 'acme');

    const ok = await get('acme', token, PAGE);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), PAGE);
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    const body = (await ok.json()) as { known: boolean; stage: { name: string; label: string }; checklists: { label: string; done: number; needed: number; steps: { id: string; label: string; done: boolean }[] }[]; next_best_step: { action: string; reason: string } };
    assert.equal(body.known, true);
    assert.deepEqual(body.stage.label, 'Signed up');
    const [setup] = body.checklists;
    assert.deepEqual([setup.label, setup.done, setup.needed], ['Set up', 2, 5]);
    assert.deepEqual(setup.steps.filter((s) => s.done).map((s) => s.label), ['Install the Messenger', 'Invite teammates']);
    assert.equal(body.next_best_step.action, 'Connect an email channel');
    assert.equal(body.next_best_step.reason, 'Set up: 2 of 5 steps done; "Connect an email channel" is the next step not yet done');

    // Bad tokens read nothing: none, malformed, another account's, the right form signed with another secret.
    for (const [bad, status] of [[undefined, 401], ['nope', 401], [token.toUpperCase(), 401], [identityToken(secret, 'globex'), 403], [identityToken('other secret', 'acme'), 403]] as const) {
      const r = await get('acme', bad);
      assert.equal(r.status, status, String(bad));
      const text = await r.text();
      assert.doesNotMatch(text, /Install|steps|stage/);
    }
    assert.equal((await get('globex', token)).status, 403, "acme's token does not read globex");
    // An account not seen yet: every step missing, the first one next.
    const fresh = (await (await get('newco', identityToken(secret, 'newco'))).json()) as { known: boolean; checklists: { done: number }[]; next_best_step: { action: string } };
    assert.deepEqual([fresh.known, fresh.checklists[0].done, fresh.next_best_step.action], [false, 0, 'Install the Messenger']);

    // CORS: configured origins only, preflight too.
    const other = await get('acme', token, 'https://evil.example');
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const preflight = (origin: string) => fetch(`${server.url}/v1/checklist/acme`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const allowed = await preflight(PAGE);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), PAGE);
    assert.equal(allowed.headers.get('access-control-allow-headers'), 'authorization');
    const refused = await preflight('https://evil.example');
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);

    // Rotation: the new secret works at once, the old one through its grace period, then not.
    const rotated = await secrets.create({ rotate: true, graceHours: 1 });
    assert.equal((await get('acme', identityToken(rotated.secret, 'acme'))).status, 200);
    assert.equal((await get('acme', token)).status, 200, 'the previous secret in its grace period');
    await secrets.create({ rotate: true, graceHours: 0 });
    assert.equal((await get('acme', token)).status, 403);
    const script = await fetch(`${server.url}/v1/checklist.js`);
    assert.match(await script.text(), /CairnChecklist/);
  });
});
