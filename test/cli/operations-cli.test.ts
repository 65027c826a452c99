/**
 * Operating the framework from the CLI: exports of milestones and segments to files, the one
 * language a label change reads in everywhere, webhook dead letters in `cairn stats` and
 * replayed with `cairn webhooks replay`, and webhook config checked at its line.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { openStore } from '../../src/cli/workspace.js';
import { loadWorkspace } from '../../src/config/index.js';
import { refreshSegments, refreshStatuses, today } from '../../src/milestones/index.js';
import { IdentitySecrets, identityToken } from '../../src/collect/index.js';
import { startServer } from '../../src/server/index.js';
import { deliverWebhooks, resolveEndpoints } from '../../src/webhooks/index.js';
import { tempDir } from '../tmp.js';
import { cairn } from './run-cli.js';

const day = today();
const ok = (r: { code: number; stderr: string }) => assert.equal(r.code, 0, r.stderr);

describe('operating the framework from the CLI', async () => {
  const dir = await tempDir();
  const ws = join(dir, 'ws');
  const received: { path: string; body: string }[] = [];
  let receiver: Server;
  let base = '';
  let downIsUp = false;

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(req.url === '/down' && !downIsUp ? 500 : 200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    ok(await cairn(['init', ws, '--example', 'helpdesk']));
    // Account ids a spreadsheet would run as formulas, and one set up today.
    await writeFile(
      join(dir, 'accounts.csv'),
      `account_id,name,created_at,plan,seats,churned_at\nacme,Acme,${day}T00:00:00Z,pro,2,\n"=HYPERLINK(""http://x"")",Evil,${day}T00:00:00Z,pro,1,\n-beta,Beta,${day}T00:00:00Z,basic,1,\n`,
    );
    ok(await cairn(['-w', ws, 'import', 'accounts', join(dir, 'accounts.csv')]));
    const events = ['installed messenger', 'invited teammate'].map((s, i) => {
      const [action, object] = s.split(' ');
      return JSON.stringify({ message_id: `e${i}`, timestamp: `${day}T01:00:0${i}Z`, account_id: 'acme', action, object });
    });
    await writeFile(join(dir, 'events.jsonl'), events.join('\n') + '\n');
    ok(await cairn(['-w', ws, 'import', 'events', join(dir, 'events.jsonl')]));
  });
  after(() => new Promise<void>((r) => receiver.close(() => r())));

  it('exports milestones and segments to CSV, JSON and Parquet, neutralising formula cells and refusing to overwrite without --force', async () => {
    const csv = join(dir, 'milestones.csv');
    ok(await cairn(['-w', ws, 'milestones', '--out', csv]));
    const text = await readFile(csv, 'utf8');
    assert.match(text, /^account_id,stage,churned,/);
    assert.match(text, /\n"'=HYPERLINK\(""http:\/\/x""\)",signed_up,/, 'a formula cell is written as text');
    assert.match(text, /\n"'-beta",signed_up,/);
    assert.doesNotMatch(text, /\n=|\n-beta/);
    const again = await cairn(['-w', ws, 'milestones', '--out', csv]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists: choose another --out, or --force to replace it/);
    ok(await cairn(['-w', ws, 'milestones', '--out', csv, '--force']));

    const json = JSON.parse(await readFile((ok(await cairn(['-w', ws, 'milestones', '--out', join(dir, 'm.json')])), join(dir, 'm.json')), 'utf8'));
    const printed = JSON.parse((await cairn(['-w', ws, 'milestones', '--json'])).stdout);
    assert.deepEqual(json, printed, 'the file holds what --json prints');

    const parquet = join(dir, 'milestones.parquet');
    ok(await cairn(['-w', ws, 'milestones', '--out', parquet]));
    const bytes = await readFile(parquet);
    const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), compressors })) as Record<string, unknown>[];
    const acme = rows.find((r) => r.account_id === 'acme')!;
    assert.equal(rows.length, 3);
    assert.deepEqual([acme.stage, acme.churned, acme.seats, acme.setup_reached, acme.setup_progress], ['signed_up', false, 2n, false, 0.4]);
    assert.equal(rows.some((r) => r.account_id === '=HYPERLINK("http://x")'), true, 'Parquet keeps values as they are: no spreadsheet runs it');

    const segment = join(dir, 'stuck.json');
    ok(await cairn(['-w', ws, 'segment', 'stuck_in_setup', '--out', segment, '--format', 'json']));
    assert.equal(JSON.parse(await readFile(segment, 'utf8')).segment, 'stuck_in_setup');
    const bad = await cairn(['-w', ws, 'segment', 'stuck_in_setup', '--out', join(dir, 'x.txt')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format csv\|json\|parquet, or end the file in \.csv, \.json or \.parquet/);
  });

  it('a label changed in milestones.yaml reads the same in the CLI, the webhook body, the Slack post and the checklist', async () => {
    const file = join(ws, 'milestones.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('label: Set up\n', 'label: Ready to go\n'));
    await writeFile(
      join(ws, 'cairn.yaml'),
      `version: 1\nwebhooks:\n  endpoints:\n    crm: { url: "${base}/crm", secret_env: CRM_SECRET, events: [milestone.reached] }\n    cs: { url: "${base}/cs", format: slack, events: [milestone.reached] }\n    down: { url: "${base}/down", secret_env: CRM_SECRET, events: [milestone.reached] }\n  retry: { max_attempts: 1 }\nserver:\n  status_refresh_seconds: 0\n`,
    );
    const workspace = await loadWorkspace(ws);
    const store = await openStore(workspace);
    try {
      const endpoints = await resolveEndpoints(workspace.config.webhooks, ws, { CRM_SECRET: 'whsec_crm' });
      const deliver = () => deliverWebhooks(store, { config: workspace.config.webhooks, endpoints, framework: workspace.milestones });
      await refreshStatuses(store, workspace.milestones);
      await refreshSegments(store, workspace.milestones);
      await deliver(); // new endpoints start here
      // acme does three more steps today: it reaches setup.
      const at = Date.parse(`${day}T02:00:00Z`);
      await store.insertEvents(['connected email_channel', 'set office_hours', 'created team_inbox'].map((s, i) => ({ messageId: `f${i}`, accountId: 'acme', userId: null, anonymousId: null, action: s.split(' ')[0], object: s.split(' ')[1], place: null, metadata: {}, timestamp: at + i, count: 1 })), 'web');
      await refreshStatuses(store, workspace.milestones, { accounts: ['acme'] });
      const run = await deliver();
      assert.deepEqual([run.delivered, run.dead], [2, 1]);
      const body = JSON.parse(received.find((r) => r.path === '/crm')!.body);
      const slack = JSON.parse(received.find((r) => r.path === '/cs')!.body);
      assert.equal(body.data.summary, 'acme reached Ready to go');
      assert.equal(body.data.milestone.label, 'Ready to go');
      assert.equal(slack.text, 'acme reached Ready to go');
      assert.match(JSON.stringify(slack.blocks), /\*Ready to go\*: at least 5 of 7 steps: Install the Messenger/);

      process.env.CRM_SECRET = 'whsec_crm';
      const server = await startServer(workspace, store, { port: 0, host: '127.0.0.1' });
      try {
        const { secret } = await (await IdentitySecrets.open(ws)).create();
        const checklist = await (await fetch(`${server.url}/v1/checklist/acme`, { headers: { authorization: `Bearer ${identityToken(secret, 'acme')}` } })).json();
        assert.equal(checklist.checklists[0].label, 'Ready to go');
        assert.equal(checklist.stage.label, 'Set up', 'the stage keeps its own label');
      } finally {
        await server.stop();
      }
    } finally {
      await store.close();
    }
    const account = await cairn(['-w', ws, 'account', 'acme']);
    ok(account);
    assert.match(account.stdout, /milestones\n {2}Ready to go +reached /);
    assert.match(account.stdout, /reached Ready to go {2}\[v2\]/);
  });

  it('cairn stats lists the dead letter, and cairn webhooks replay delivers it once', async () => {
    const stats = await cairn(['-w', ws, 'stats']);
    ok(stats);
    assert.match(stats.stdout, /webhooks: 2 delivered, 0 pending, 1 dead letters/);
    assert.match(stats.stdout, /evt_m\d+\.down +down +milestone\.reached +acme +1 +HTTP 500/);
    const id = /(evt_m\d+\.down)/.exec(stats.stdout)![1];
    assert.equal((await cairn(['-w', ws, 'webhooks', 'replay'])).code, 2, 'names what to replay');
    const unset = await cairn(['-w', ws, 'webhooks', 'replay', '--all'], { env: { CRM_SECRET: '' } });
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /webhooks\.endpoints\.crm\.secret_env: the environment variable CRM_SECRET is not set/);
    downIsUp = true;
    const replay = await cairn(['-w', ws, 'webhooks', 'replay', '--id', id, '--json'], { env: { CRM_SECRET: 'whsec_crm' } });
    ok(replay);
    assert.deepEqual(JSON.parse(replay.stdout), { replayed: [id], refused: [], delivered: 1 });
    assert.equal(received.filter((r) => r.path === '/down').length, 2);
    const twice = JSON.parse((await cairn(['-w', ws, 'webhooks', 'replay', '--id', id, '--json'], { env: { CRM_SECRET: 'whsec_crm' } })).stdout);
    assert.deepEqual(twice.refused.map((r: { reason: string }) => r.reason), ['delivered already: never sent twice']);
    const json = JSON.parse((await cairn(['-w', ws, 'stats', '--json'])).stdout);
    assert.deepEqual([json.webhooks.delivered, json.webhooks.dead], [3, 0]);
  });

  it('points at the line of a webhook naming a segment milestones.yaml does not have', async () => {
    const text = await readFile(join(ws, 'cairn.yaml'), 'utf8');
    await writeFile(join(ws, 'cairn.yaml'), text.replace('events: [milestone.reached] }\n    cs:', 'events: [segment.entered], segments: [stuck_in_setup, nope] }\n    cs:'));
    const r = await cairn(['-w', ws, 'stats']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cairn\.yaml:4:\d+: webhooks\.endpoints\.crm\.segments\[1\]: expected a segment of milestones\.yaml \(stuck_in_setup, activated_underutilised\), got "nope"/);
  });
});
