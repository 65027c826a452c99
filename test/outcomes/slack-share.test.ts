import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import { buildOutcomeReport, launchesDue, readLedger, renderMarkdown, resendFailed, shareReport } from '../../src/outcomes/index.js';
import { tempDir } from '../tmp.js';
import { day, event, FRAMEWORK, fixtureStore, launchFile, PLAN } from './launch-fixtures.js';
import { describeEngines } from '../engines.js';

const WS = { milestones: FRAMEWORK, trackingPlan: PLAN };
const FAST = { baseDelayMs: 5, maxDelayMs: 20 };

/** A local incoming webhook: answers each request with the next status of `statuses` (then 200). */
async function webhook(statuses: number[], headers: Record<string, string> = {}) {
  const received: { body: Record<string, unknown>; contentType: string | undefined }[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    received.push({ body: JSON.parse(text), contentType: req.headers['content-type'] });
    const status = statuses.shift() ?? 200;
    res.writeHead(status, { 'content-type': 'text/plain', ...(status === 200 ? {} : headers) });
    res.end(status === 200 ? 'ok' : 'upstream trouble');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/secret`, received, statuses };
}

describeEngines('sharing a report to a Slack-compatible webhook', async (engine) => {
  const store = await fixtureStore(
    engine,
    [{ id: 'a', signup: -100 }, { id: 'b', signup: -100 }],
    [event('a', 1, 'viewed', 'tip', { place: 'inbox' }), event('a', 2, 'used', 'helper'), event('b', 40, 'closed', 'conversation')],
  );
  const yaml = (share: string) => `problem: Teams repeat the same answers
owner: ana
size: small
launched_at: ${day(0)}
outcome:
  metric: { kind: retention, days: 28 }
  direction: increase
  target: { absolute: 0.03 }
events:
  awareness: [{ action: viewed, object: tip }]
  activation: [{ action: used, object: helper }]
share:
${share}`;
  const launch = await launchFile('helper', yaml('  slack: { webhook_env: CAIRN_TEST_HOOK }\n'));
  const report = await buildOutcomeReport(store, WS, launch, { at: day(35) });
  const markdown = renderMarkdown(report);

  test('posts Block Kit with the headline figures and the full report; retried after a 500; recorded without the URL', async () => {
    const hook = await webhook([500]);
    const shared = await shareReport(store, '/nowhere', launch, report, { markdown, env: { CAIRN_TEST_HOOK: hook.url }, retry: FAST, now: 1_000 });
    assert.deepEqual([shared.status, shared.attempts, shared.http_status], ['sent', 2, 200]);
    assert.equal(hook.received.length, 2);
    const body = hook.received[1].body as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[]; attachments: { title: string; text: string }[] };
    assert.equal(hook.received[1].contentType, 'application/json');
    assert.deepEqual(body.blocks.slice(0, 3).map((b) => b.type), ['header', 'section', 'section']);
    assert.equal(body.blocks[0].text!.text, 'Outcome report: helper, 30-day checkpoint');
    assert.match(body.blocks[1].text!.text, new RegExp(`^\\*Verdict: ${report.verdict.replace('_', ' ')}\\.\\* `));
    assert.deepEqual(body.blocks[2].fields!.map((f) => f.text.split('\n')[0]), ['*Outcome*', '*Expected*', '*Measured*', '*Design*', '*Adoption*', '*Owner*']);
    assert.match(body.blocks[2].fields![1].text, /\+3\.0 pts/);
    assert.match(body.text, /^Outcome report: helper, 30-day checkpoint: /);
    // No report_url: the full report travels as an attachment.
    assert.equal(body.attachments[0].title, 'Full report');
    assert.ok(body.attachments[0].text.startsWith('# Outcome report: helper'));
    const rows = await readLedger(store, 'helper');
    const share = rows.filter((r) => r.kind === 'share').at(-1)!;
    assert.equal((share.body as { status: string }).status, 'sent');
    assert.ok(!JSON.stringify(rows).includes('secret'), 'the webhook URL is never stored');
  });

  test('with report_url, a link to the full report instead of an attachment', async () => {
    const hook = await webhook([]);
    const linked = await launchFile('helper', yaml('  slack: { webhook_env: CAIRN_TEST_HOOK }\n  report_url: https://reports.example.com/{launch}/{at}.html\n'));
    await shareReport(store, '/nowhere', linked, report, { markdown, env: { CAIRN_TEST_HOOK: hook.url }, retry: FAST });
    const body = hook.received[0].body as { blocks: { text?: { text: string } }[]; attachments?: unknown };
    assert.equal(body.blocks.at(-1)!.text!.text, `<https://reports.example.com/helper/${day(35)}.html|Full report>`);
    assert.equal(body.attachments, undefined);
  });

  test('a post that keeps failing is recorded, listed by due, and sent again by resend', async () => {
    const down = await webhook([500, 503, 502]);
    const failed = await shareReport(store, '/nowhere', launch, report, { markdown, env: { CAIRN_TEST_HOOK: down.url }, retry: { ...FAST, attempts: 3 } });
    assert.deepEqual([failed.status, failed.attempts, failed.http_status, failed.error], ['failed', 3, 502, 'HTTP 502: upstream trouble']);
    let due = await launchesDue(store, WS, [launch], { today: day(36) });
    assert.deepEqual(due.launches[0].failed_shares.map((s) => [s.at, s.attempts]), [[day(35), 3]]);
    assert.equal(due.failed_shares, 1);

    const up = await webhook([]);
    const resent = await resendFailed(store, '/nowhere', [launch], { env: { CAIRN_TEST_HOOK: up.url }, retry: FAST });
    assert.deepEqual(resent.map((r) => [r.launch, r.at, r.status]), [['helper', day(35), 'sent']]);
    assert.deepEqual(up.received[0].body, down.received[0].body, 'the same message is sent again');
    due = await launchesDue(store, WS, [launch], { today: day(36) });
    assert.equal(due.failed_shares, 0);
  });

  test('a 4xx is not retried; 429 waits as Retry-After says', async () => {
    const gone = await webhook([404]);
    const r = await shareReport(store, '/nowhere', launch, report, { markdown, env: { CAIRN_TEST_HOOK: gone.url }, retry: FAST });
    assert.deepEqual([r.status, r.attempts, r.http_status], ['failed', 1, 404]);
    const busy = await webhook([429], { 'retry-after': '1' });
    const started = Date.now();
    const ok = await shareReport(store, '/nowhere', launch, report, { markdown, env: { CAIRN_TEST_HOOK: busy.url }, retry: { baseDelayMs: 1, maxDelayMs: 300 } });
    assert.deepEqual([ok.status, ok.attempts], ['sent', 2]);
    assert.ok(Date.now() - started >= 290, 'waited for Retry-After (capped at maxDelayMs)');
  });

  test('the webhook is a secret: a missing variable, or a file others can read, fails and says how to fix it', async () => {
    const missing = await shareReport(store, '/nowhere', launch, report, { markdown, env: {}, retry: FAST });
    assert.deepEqual([missing.status, missing.attempts, missing.error], ['failed', 0, '$CAIRN_TEST_HOOK is not set: export the incoming-webhook URL in it']);

    const dir = await tempDir();
    await mkdir(path.join(dir, '.cairn'));
    const hook = await webhook([]);
    const secret = path.join(dir, '.cairn', 'slack-webhook');
    await writeFile(secret, hook.url + '\n');
    await chmod(secret, 0o644);
    const fileLaunch = await launchFile('helper', yaml('  slack: { webhook_file: .cairn/slack-webhook }\n'));
    const open = await shareReport(store, dir, fileLaunch, report, { markdown, retry: FAST });
    assert.equal(open.error, '.cairn/slack-webhook is readable by others (mode 644): run chmod 600 .cairn/slack-webhook');
    await chmod(secret, 0o600);
    assert.equal((await shareReport(store, dir, fileLaunch, report, { markdown, retry: FAST })).status, 'sent');
    assert.equal(hook.received.length, 1);

    const outside = await launchFile('helper', yaml('  slack: { webhook_file: hook.txt }\n'));
    assert.match((await shareReport(store, dir, outside, report, { markdown, retry: FAST })).error!, /keep it under \.cairn\//);
    const plain = await shareReport(store, dir, launch, report, { markdown, env: { CAIRN_TEST_HOOK: 'http://hooks.example.com/x' }, retry: FAST });
    assert.match(plain.error!, /expected https/);
  });
});
