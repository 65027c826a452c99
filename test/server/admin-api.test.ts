/**
 * The admin API's guard: `cairn serve` refuses to start with a weak admin token, and no web page
 * can reach the admin API (no CORS on it, foreign origins refused); the collector's endpoints
 * answer browsers' CORS checks as the SDKs need, and nothing else does.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminToken } from '../../src/collect/http/keys.js';
import { cairn } from '../cli/run-cli.js';
import { bearer, createKey, startInProcess, workspace, type InProcessServer } from '../collect/http/helpers.js';

const EVIL = 'https://evil.example';

describe('cairn serve with a weak admin token', () => {
  for (const [what, setup] of [
    ['an empty token file', async (ws: string) => writeFile(join(ws, '.cairn', 'admin-token'), '')],
    ['a whitespace token file', async (ws: string) => writeFile(join(ws, '.cairn', 'admin-token'), ' \n\t\n')],
    ['a 1-character CAIRN_ADMIN_TOKEN', async () => ({ CAIRN_ADMIN_TOKEN: 'x' })],
  ] as const) {
    it(`refuses to start with ${what} (exit 2), saying how to make one`, async () => {
      const ws = await workspace();
      await adminToken(ws, {});
      const env = (await setup(ws)) ?? {};
      // A server that starts anyway is ended after 20 s, and the test fails.
      const r = await cairn(['serve', '--port', '0', '-w', ws], { env: { CAIRN_ADMIN_TOKEN: '', ...env }, timeoutMs: 300_000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /weak admin token: .*openssl rand -hex 32/);
      assert.match(r.stderr, 'CAIRN_ADMIN_TOKEN' in env ? /CAIRN_ADMIN_TOKEN/ : /\.cairn\/admin-token/);
    });
  }
});

describe('CORS: the collector for browsers, never the admin API', () => {
  let ws: string;
  let server: InProcessServer;
  let key: string;
  before(async () => {
    ws = await workspace();
    key = await createKey(ws, 'web');
    server = await startInProcess(ws);
  });
  after(() => server?.close());

  const send = (path: string, init: RequestInit = {}) => fetch(server.url + path, { ...init, headers: { origin: EVIL, ...(init.headers as Record<string, string>) } });

  it('a text/plain POST from another origin to the admin API does not succeed, and gets no CORS headers', async () => {
    const body = JSON.stringify({ dry_run: true });
    const anonymous = await send('/v1/admin/quarantine/replay', { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('access-control-allow-origin'), null);
    // Even a page that somehow held the token is refused: the admin API answers no other origin.
    const withToken = await send('/v1/admin/quarantine/replay', { method: 'POST', headers: { 'content-type': 'text/plain', ...bearer(server.adminToken) }, body });
    assert.equal(withToken.status, 403);
    assert.match(((await withToken.json()) as { error: string }).error, /other origins/);
    assert.equal(withToken.headers.get('access-control-allow-origin'), null);
    // The CLI (no Origin) and a page of the server's own origin still get through.
    const cli = await fetch(`${server.url}/v1/admin/quarantine/replay`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(server.adminToken) }, body });
    assert.equal(cli.status, 200);
    const same = await fetch(`${server.url}/v1/admin/stats`, { headers: { origin: server.url, ...bearer(server.adminToken) } });
    assert.equal(same.status, 200);
    assert.equal(same.headers.get('access-control-allow-origin'), null);
  });

  it('a preflight to the admin API or health is not answered; GETs there carry no CORS headers', async () => {
    for (const path of ['/v1/admin/stats', '/v1/admin/quarantine/replay', '/v1/health', '/v1/nowhere']) {
      const r = await send(path, { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
      assert.equal(r.status, 404, path);
      assert.equal(r.headers.get('access-control-allow-origin'), null, path);
      assert.equal(r.headers.get('access-control-allow-methods'), null, path);
    }
    const health = await send('/v1/health');
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('access-control-allow-origin'), null);
  });

  it('collector paths answer the preflight and CORS as browsers need, on success and on refusal', async () => {
    for (const path of ['/v1/events', '/v1/batch', '/v1/t', '/batch', '/e/', '/i/v0/e']) {
      const pre = await send(path, { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
      assert.equal(pre.status, 204, path);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*', path);
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
      assert.equal(pre.headers.get('access-control-allow-credentials'), null, 'no cookies');
    }
    const ok = await send('/v1/batch', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ writeKey: key, batch: [] }) });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), '*');
    assert.match(ok.headers.get('access-control-expose-headers') ?? '', /retry-after/);
    const refused = await send('/v1/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), '*', 'a browser client can read why it was refused');
  });
});
