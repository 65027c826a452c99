import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { launchBucket } from '../../src/outcomes/index.js';
import { mulberry32 } from '../../src/stats/index.js';
import { tempDir } from '../tmp.js';
import { cairn } from './run-cli.js';

const LAUNCH = Date.parse('2026-06-01T00:00:00Z');
const iso = (d: number, h = 12) => new Date(LAUNCH + d * 86_400_000 + h * 3_600_000).toISOString();

const LAUNCH_FILE = `problem: Teams repeat the same answers
owner: ana
size: small
launched_at: 2026-06-01
outcome:
  metric: { kind: count, when: { action: closed, object: conversation }, within_days: 28 }
  direction: increase
  target: { relative: 0.1 }
events:
  awareness: [{ action: viewed, object: tip }]
  activation: [{ action: used, object: helper }]
holdout: { segment: "bucket < 20", randomized: true }
`;

describe('cairn launch', async () => {
  const ws = join(await tempDir(), 'ws');
  before(async () => {
    assert.equal((await cairn(['init', ws, '--example', 'helpdesk'])).code, 0);
    // A small help desk: 300 accounts, conversations every week, the helper for those not held out.
    const random = mulberry32(4);
    const accounts = ['account_id,name,created_at,plan,seats,churned_at'];
    const events: string[] = [];
    for (let i = 0; i < 300; i++) {
      const id = `acc_${i}`;
      const signup = -300 + i;
      accounts.push(`${id},${id},${iso(signup, 9)},pro,3,`);
      const treated = launchBucket('helper', id) >= 20;
      for (let w = Math.ceil(signup / 7); 7 * w <= 100; w++) {
        const n = 1 + Math.floor(random() * (w >= 0 && treated ? 8 : 6));
        events.push(JSON.stringify({ timestamp: iso(7 * w), account_id: id, action: 'closed', object: 'conversation', place: 'inbox', count: n, metadata: { conversation_id: `c${i}_${w}`, state: 'resolved' } }));
      }
      if (treated) {
        events.push(JSON.stringify({ timestamp: iso(Math.max(0, signup) + 1), account_id: id, action: 'viewed', object: 'tip', place: 'inbox' }));
        events.push(JSON.stringify({ timestamp: iso(Math.max(0, signup) + 2), account_id: id, action: 'used', object: 'helper', place: 'inbox' }));
      }
    }
    await writeFile(join(ws, 'accounts.csv'), accounts.join('\n') + '\n');
    await writeFile(join(ws, 'events.jsonl'), events.join('\n') + '\n');
    await writeFile(join(ws, 'launches', 'helper.yaml'), LAUNCH_FILE);
    await writeFile(join(ws, 'launches', 'export.yaml'), LAUNCH_FILE.replace('{ action: viewed, object: tip }', '{ action: exported, object: answers }'));
    await appendFile(join(ws, 'tracking-plan.yaml'), '  - { action: viewed, object: tip }\n  - { action: used, object: helper }\n');
    assert.equal((await cairn(['-w', ws, 'import', 'accounts', join(ws, 'accounts.csv')])).code, 0);
    const imported = await cairn(['-w', ws, 'import', 'events', join(ws, 'events.jsonl'), '--json']);
    assert.equal(imported.code, 0, imported.stderr);
  });

  it('new writes a commented launch file and refuses to overwrite it', async () => {
    const r = await cairn(['-w', ws, 'launch', 'new', 'inbox_search', '--owner', 'ana']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created .*launches\/inbox_search\.yaml/);
    assert.match(await readFile(join(ws, 'launches', 'inbox_search.yaml'), 'utf8'), /^# Launch: inbox_search/);
    const again = await cairn(['-w', ws, 'launch', 'new', 'inbox_search']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists; use --force to overwrite/);
  });

  it('check exits 1 listing what is missing, and 0 when every event is planned and arriving', async () => {
    const failing = await cairn(['-w', ws, 'launch', 'check', 'export', '--at', '2026-09-01']);
    assert.equal(failing.code, 1);
    assert.match(failing.stdout, /awareness: \(exported, answers\) is not in tracking-plan\.yaml: add it before launch/);
    assert.match(failing.stdout, /awareness: exported answers has not arrived since launch \(2026-06-01\)/);
    assert.match(failing.stderr, /export is not ready to ship: 2 instrumentation problems/);
    const json = await cairn(['-w', ws, 'launch', 'check', 'helper', '--at', '2026-09-01', '--json']);
    assert.equal(json.code, 0, json.stdout + json.stderr);
    const gate = JSON.parse(json.stdout);
    assert.equal(gate.passed, true);
    assert.deepEqual(gate.events.map((e: { stage: string; arrived: number }) => e.stage), ['awareness', 'activation', 'outcome']);
  });

  it('report --json prints exactly the contract', async () => {
    const r = await cairn(['-w', ws, 'launch', 'report', 'helper', '--at', '2026-09-01', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['launch', 'at', 'verdict', 'design', 'outcome', 'flags']);
    assert.deepEqual(Object.keys(out.outcome), ['metric', 'expected', 'estimate', 'low', 'high', 'p_value', 'treated', 'control']);
    assert.deepEqual(Object.keys(out.outcome.treated), ['n', 'value']);
    assert.deepEqual(Object.keys(out.outcome.control), ['n', 'value']);
    assert.equal(out.launch, 'helper');
    assert.equal(out.at, '2026-09-01');
    assert.ok(['met', 'not_met', 'inconclusive', 'too_early'].includes(out.verdict));
    assert.equal(out.design, 'randomized_holdout');
    assert.deepEqual(out.outcome.metric, { kind: 'count', when: { action: 'closed', object: 'conversation' }, within_days: 28 });
    for (const k of ['expected', 'estimate', 'low', 'high', 'p_value']) assert.equal(typeof out.outcome[k], 'number', k);
    assert.ok(out.outcome.low < out.outcome.estimate && out.outcome.estimate < out.outcome.high);
    assert.ok(Number.isInteger(out.outcome.treated.n) && out.outcome.treated.n > 100);
    assert.ok(Array.isArray(out.flags) && out.flags.every((f: unknown) => typeof f === 'string'));
    // Declared today, after a launch in the past: said so.
    assert.ok(out.flags.includes('no_outcome_before_launch'));
  });

  it('report in markdown, HTML (to a file) and full JSON; due lists the checkpoint', async () => {
    const md = await cairn(['-w', ws, 'launch', 'report', 'helper', '--at', '2026-09-01', '--no-record']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Outcome report: helper, 30-day checkpoint\n\n\*\*Verdict: /);
    assert.match(md.stdout, /## Adoption funnel/);
    const html = await cairn(['-w', ws, 'launch', 'report', 'helper', '--at', '2026-09-01', '--format', 'html']);
    assert.equal(html.code, 0, html.stderr);
    const file = join(ws, 'launches', 'helper', 'reports', '2026-09-01.html');
    assert.match(html.stdout, new RegExp(`wrote ${file}`));
    const page = await readFile(file, 'utf8');
    assert.match(page, /<svg viewBox="0 0 640 \d+" role="img" aria-label="Adoption funnel, week \d+">/);
    const full = JSON.parse((await cairn(['-w', ws, 'launch', 'report', 'helper', '--at', '2026-09-01', '--format', 'json', '--no-record'])).stdout);
    assert.equal(full.outcome.designs.length, 4);
    const due = JSON.parse((await cairn(['-w', ws, 'launch', 'due', '--at', '2026-09-01', '--json'])).stdout);
    const helper = due.launches.find((l: { launch: string }) => l.launch === 'helper');
    assert.deepEqual(helper.checkpoints.map((c: { days: number; status: string }) => [c.days, c.status]), [[30, 'reported']]);
  });

  it('report --out replaces only a file a report wrote, unless --force (checked before the report is recorded)', async () => {
    const page = join(ws, 'site', 'helper.html');
    await mkdir(join(ws, 'site'), { recursive: true });
    await writeFile(page, '<p>my own page</p>');
    const ledger = async () => JSON.parse((await cairn(['-w', ws, 'launch', 'due', '--at', '2026-09-01', '--json'])).stdout).launches.find((l: { launch: string }) => l.launch === 'helper').checkpoints[0].reports;
    const recorded = await ledger();
    const r = await cairn(['-w', ws, 'launch', 'report', 'helper', '--at', '2026-09-02', '--format', 'html', '--out', page]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /site\/helper\.html exists and was not written by cairn launch report: use another --out, or --force/);
    assert.equal(await readFile(page, 'utf8'), '<p>my own page</p>');
    assert.deepEqual(await ledger(), recorded, 'nothing recorded');
    const forced = await cairn(['-w', ws, 'launch', 'report', 'helper', '--at', '2026-09-02', '--format', 'html', '--out', page, '--force', '--no-record']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(await readFile(page, 'utf8'), /^<!doctype html>/);
    // Its own file it replaces without being told, in any format.
    assert.equal((await cairn(['-w', ws, 'launch', 'report', 'helper', '--at', '2026-09-02', '--out', page, '--no-record'])).code, 0);
    assert.match(await readFile(page, 'utf8'), /^# Outcome report: helper/);
  });

  it('bad usage and bad launch files exit 2, naming the file and line', async () => {
    const unknown = await cairn(['-w', ws, 'launch', 'report', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no launch "nope": .* \(create it with `cairn launch new nope`\)/);
    await writeFile(join(ws, 'launches', 'broken.yaml'), 'problem: p\nowner: o\nsize: medium\n');
    const broken = await cairn(['-w', ws, 'launch', 'check', 'broken']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /launches\/broken\.yaml:3:7: size: expected one of small, big, got "medium"/);
    assert.equal((await cairn(['-w', ws, 'launch', 'report', 'helper', '--format', 'pdf'])).code, 2);
  });
});
