/**
 * sdk/checklist.js in a real browser (Debian's chromium through playwright-core): a product
 * page on one origin embeds the script from `cairn serve` on another, which renders the
 * account's checklist from /v1/checklist with the token its backend signed.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { loadWorkspace } from '../../src/config/index.js';
import { today } from '../../src/milestones/index.js';
import { IdentitySecrets, identityToken } from '../../src/collect/index.js';
import { startServer } from '../../src/server/index.js';
import { openStore } from '../../src/cli/workspace.js';
import { workspace } from '../collect/http/helpers.js';

/** Debian's chromium (.ci/run installs it). */
const CHROMIUM = '/usr/bin/chromium';

/** A product page that embeds the checklist script. */
function pageServer(html: (origin: string) => string): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

describe('the embeddable checklist in Chromium', () => {
  it('renders the steps done and missing, the stage and the next step accessibly, and says so when the page may not read it', async () => {
    const ws = await workspace();
    const day = today();
    const at = Date.parse(`${day}T00:00:00Z`);
    let cairnUrl = '';
    let token = '';
    const page = (origin: string) => `<!doctype html><html lang="en"><head><title>Acme app</title></head><body>
      <main><h1>Welcome</h1><div id="onboarding"></div></main>
      <script src="${cairnUrl}/v1/checklist.js" data-target="#onboarding" data-account="acme" data-token="${token}" data-origin="${origin}" defer></script></body></html>`;
    const allowed = await pageServer(page);
    const refused = await pageServer(page);
    after(() => Promise.all([allowed, refused].map((p) => new Promise((r) => p.server.close(r)))));
    await writeFile(join(ws, 'cairn.yaml'), `version: 1\nchecklist:\n  allowed_origins: ["${allowed.origin}"]\nserver:\n  status_refresh_seconds: 0\n`);
    const loaded = await loadWorkspace(ws);
    const store = await openStore(loaded);
    await store.upsertAccounts([{ accountId: 'acme', name: 'Acme', createdAt: at, plan: 'pro', seats: 1, churnedAt: null }]);
    const event = (action: string, object: string, i: number) => ({ messageId: `m${i}`, accountId: 'acme', userId: null, anonymousId: null, action, object, place: null, metadata: {}, timestamp: at + i, count: 1 });
    await store.insertEvents([event('installed', 'messenger', 1), event('invited', 'teammate', 2), event('connected', 'email_channel', 3)], 'web');
    const { secret } = await (await IdentitySecrets.open(ws)).create();
    token = identityToken(secret, 'acme');
    const server = await startServer(loaded, store, { port: 0, host: '127.0.0.1' });
    cairnUrl = server.url;
    after(async () => {
      await server.stop();
      await store.close();
    });

    let browser: Browser | null = null;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (e) => errors.push(e.message));
      await tab.goto(allowed.origin);
      const heading = tab.getByRole('heading', { name: 'Set up' });
      await heading.waitFor({ timeout: 20_000 });
      // The progress bar is named by its heading and says how far along.
      const progress = tab.getByRole('progressbar', { name: 'Set up' });
      assert.deepEqual([await progress.getAttribute('value'), await progress.getAttribute('max')], ['3', '5']);
      const items = await tab.locator('#onboarding ol li').allInnerTexts();
      assert.equal(items.length, 7);
      // Done or not in words for screen readers (the marks are hidden from them).
      const read = await tab.locator('#onboarding ol li').evaluateAll((lis) => lis.map((li) => [...li.childNodes].filter((n) => !(n instanceof Element && n.getAttribute('aria-hidden') === 'true')).map((n) => n.textContent).join('')));
      assert.deepEqual(read.slice(0, 4), ['Done: Install the Messenger', 'Done: Invite teammates', 'Done: Connect an email channel', 'To do: Set office hours']);
      assert.match(await tab.locator('#onboarding').innerText(), /3 of 5 steps done/);
      assert.match(await tab.locator('#onboarding').innerText(), /Stage: Signed up \(1 of 5\)/);
      assert.match(await tab.locator('#onboarding').innerText(), /Next step: Set office hours/);
      assert.equal(await tab.getByRole('status').innerText(), '', 'the live region is quiet once loaded');
      assert.deepEqual(errors, []);
      await tab.screenshot({ path: join(ws, 'checklist.png') });

      // A page of an origin cairn.yaml does not list: the browser reads nothing, and the page says so.
      const other = await browser.newPage();
      await other.goto(refused.origin);
      const status = other.getByRole('status');
      await other.waitForFunction(() => (document.querySelector('[role=status]')?.textContent ?? '').includes('could not'), undefined, { timeout: 20_000 });
      assert.match(await status.innerText(), /the checklist could not be loaded/);
      assert.equal(await other.locator('#onboarding ol').count(), 0);
    } finally {
      await browser?.close();
    }
  });
});
