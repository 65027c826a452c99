import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONVERSATION, FEATURES, SETUP_STEPS } from '../../src/demo/catalog.js';
import { generateDemo, type DemoResult } from '../../src/demo/generate.js';
import { readCsv, readEventFiles, readLines, toEvent, type DemoEvent, type EventFiles } from './demo-files.js';

const CATALOG_PAIRS = new Set([
  ...SETUP_STEPS.map((s) => `${s.action} ${s.object}`),
  `${CONVERSATION.opened} ${CONVERSATION.object}`,
  `${CONVERSATION.closed} ${CONVERSATION.object}`,
  ...FEATURES.map((f) => `${f.action} ${f.object}`),
]);
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

describe('demo files: formats and noise', () => {
  let root: string;
  let result: DemoResult;
  let events: EventFiles;
  let accounts: Record<string, string>[];
  let history: Record<string, string>[];
  let truth: { end: string; plans: Record<string, { price_per_seat: number; seats: [number, number] }> };
  /** events.jsonl, each line with its JSON (undefined when not JSON) and event (null when malformed). */
  let main: { line: string; raw: any; event: DemoEvent | null }[];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cairn-demo-formats-'));
    result = await generateDemo({ dir: root, seed: 3, accounts: 500 });
    events = readEventFiles(result.files.events);
    accounts = readCsv(result.files.accounts);
    history = readCsv(result.files.accountHistory);
    truth = JSON.parse(readFileSync(result.files.groundTruth, 'utf8'));
    main = readLines(result.files.events[0]).map((line) => {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        return { line, raw: undefined, event: null };
      }
      return { line, raw, event: toEvent(raw) };
    });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('counts what it wrote', () => {
    assert.equal(result.counts.accounts, 500);
    assert.equal(events.lines, result.counts.eventLines);
    assert.equal(events.malformed, result.counts.malformedLines);
    assert.equal(events.duplicates, result.counts.duplicateLines);
    assert.ok(result.counts.users >= result.counts.accounts);
  });

  it('writes native lines with every required field, and Segment-shaped lines that map to the catalog', () => {
    let native = 0;
    let segment = 0;
    const problems: string[] = [];
    for (const { line, raw, event: e } of main) {
      if (!e) continue;
      if (raw.type === 'track') {
        segment++;
        if (!/^([A-Z][a-z]+ )+[A-Z][a-z]+$/.test(raw.event) || typeof raw.properties.place !== 'string') problems.push(line);
      } else {
        native++;
        const fields = ['message_id', 'timestamp', 'account_id', 'user_id', 'action', 'object', 'place'];
        if (fields.some((f) => typeof raw[f] !== 'string') || !ISO_Z.test(raw.timestamp) || typeof raw.metadata !== 'object' || 'count' in raw) {
          problems.push(line);
        }
      }
      if (!CATALOG_PAIRS.has(`${e.action} ${e.object}`) || !/^acc_\d{5}$/.test(e.accountId) || !e.userId.startsWith(`u_${e.accountId.slice(4)}_`)) {
        problems.push(line);
      }
    }
    assert.deepEqual(problems.slice(0, 3), []);
    assert.ok(native > 100_000, `native lines: ${native}`);
    assert.ok(segment > 0 && segment < native / 1000, `segment lines: ${segment}`);
  });

  it('uses at least 50 distinct (action, object) pairs, closes conversations as resolved or unresolved', () => {
    const pairs = new Set(events.events.map((e) => `${e.action} ${e.object}`));
    assert.ok(pairs.size >= 50, `only ${pairs.size} pairs`);
    const states = new Set(events.events.filter((e) => e.action === 'closed' && e.object === 'conversation').map((e) => e.metadata.state));
    assert.deepEqual([...states].sort(), ['resolved', 'unresolved']);
  });

  it('writes accounts.csv and account-history.csv with the v1 headers and consistent rows', () => {
    assert.equal(readLines(result.files.accounts)[0], 'account_id,name,created_at,plan,seats,churned_at');
    assert.equal(readLines(result.files.accountHistory)[0], 'account_id,valid_from,plan,seats,mrr,status');
    assert.equal(accounts.length, 500);
    assert.equal(new Set(accounts.map((a) => a.account_id)).size, 500);
    assert.ok(accounts.some((a) => a.name.includes(',')), 'some names need CSV quoting');
    const rowsByAccount = new Map<string, Record<string, string>[]>();
    for (const h of history) rowsByAccount.set(h.account_id, [...(rowsByAccount.get(h.account_id) ?? []), h]);
    assert.equal(rowsByAccount.size, 500);
    let seatChanges = 0;
    for (const a of accounts) {
      const rows = rowsByAccount.get(a.account_id)!;
      assert.equal(rows[0].valid_from, a.created_at);
      const last = rows[rows.length - 1];
      if (a.churned_at) {
        assert.equal(last.status, 'churned');
        assert.equal(last.valid_from, a.churned_at);
        assert.equal(last.mrr, '0');
      } else {
        assert.equal(last.status, 'active');
      }
      for (const r of rows.filter((row) => row.status === 'active')) {
        const plan = truth.plans[r.plan];
        assert.ok(plan, `unknown plan ${r.plan}`);
        assert.equal(Number(r.mrr), plan.price_per_seat * Number(r.seats));
        assert.ok(Number(r.seats) >= plan.seats[0] && Number(r.seats) <= plan.seats[1], `${r.plan} with ${r.seats} seats`);
      }
      assert.equal(a.seats, last.seats);
      assert.equal(a.plan, last.plan);
      if (new Set(rows.map((r) => r.seats)).size > 1) seatChanges++;
      for (let i = 1; i < rows.length; i++) assert.ok(rows[i].valid_from > rows[i - 1].valid_from);
    }
    assert.ok(seatChanges >= 25, `only ${seatChanges} accounts changed seats`);
    const churned = accounts.filter((a) => a.churned_at).length;
    assert.ok(churned > 25 && churned < 250, `churned: ${churned}`);
  });

  it('sends events only while an account exists, up to the end of the data', () => {
    const byId = new Map(accounts.map((a) => [a.account_id, a]));
    const endMs = Date.parse(truth.end) + 86_400_000;
    const outside = events.events.filter((e) => {
      const a = byId.get(e.accountId);
      return !a || e.ts < Date.parse(a.created_at) || e.ts >= (a.churned_at ? Date.parse(a.churned_at) : endMs);
    });
    assert.deepEqual(outside.slice(0, 3), []);
  });

  it('adds malformed lines of every kind, and retried duplicates', () => {
    const parsed = main.filter((m) => m.event === null).map((m) => m.raw as Record<string, unknown> | undefined);
    assert.ok(parsed.length >= 5, `malformed: ${parsed.length}`);
    assert.ok(parsed.length < events.lines / 5_000);
    assert.ok(parsed.includes(undefined), 'a truncated line');
    assert.ok(parsed.some((p) => p && p.action === undefined), 'a line without action');
    assert.ok(parsed.some((p) => p && typeof p.timestamp === 'string' && Number.isNaN(Date.parse(p.timestamp))), 'a bad timestamp');
    assert.ok(parsed.some((p) => p && typeof p.metadata === 'string'), 'non-object metadata');
    assert.ok(parsed.some((p) => p && p.account_id === ''), 'an empty account_id');

    const mainIds = main.map((m) => m.event?.messageId).filter(Boolean);
    assert.ok(mainIds.length - new Set(mainIds).size > 0, 'duplicates inside events.jsonl');
    const rate = result.counts.duplicateLines / result.counts.eventLines;
    assert.ok(rate > 0.001 && rate < 0.006, `duplicate rate ${rate}`);
  });

  it('delivers late events and re-sent duplicates in events-late.jsonl', () => {
    const [mainIds, lateIds] = events.idsPerFile;
    const resent = [...lateIds].filter((id) => mainIds.has(id));
    const lateOnly = [...lateIds].filter((id) => !mainIds.has(id));
    assert.ok(resent.length > 0, 'late file re-sends events already in events.jsonl');
    assert.ok(lateOnly.length > resent.length, 'late file holds events missing from events.jsonl');
    const mainMax = main.reduce((max, m) => Math.max(max, m.event?.ts ?? 0), 0);
    const lateEvents = readLines(result.files.events[1]).map((l) => toEvent(JSON.parse(l)));
    assert.ok(lateEvents.every((e) => e !== null && e.ts < mainMax), 'late events are older than the main file reaches');
  });

  it('is not sorted by time', () => {
    const ts = main.map((m) => m.event?.ts).filter((t): t is number => t !== undefined);
    let backwards = 0;
    for (let i = 1; i < ts.length; i++) if (ts[i] < ts[i - 1]) backwards++;
    assert.ok(backwards > 500, `only ${backwards} steps back in time`);
  });
});
