import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { runDemoLaunches } from '../../src/cli/demo-launches.js';
import { importAccountHistory, importAccounts, importEvents } from '../../src/collect/index.js';
import { initWorkspace, loadWorkspace } from '../../src/config/index.js';
import { generateDemo } from '../../src/demo/generate.js';
import type { PlantedLaunch } from '../../src/demo/launches.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';

// One demo, imported into each engine in this process (the parity suite compares the servers).
const dir = await tempDir();
await initWorkspace(dir, { template: 'helpdesk' });
const ws = await loadWorkspace(dir);
// With drift, as `cairn demo` plants it: the launches' verdicts must not depend on it.
const demo = await generateDemo({ dir, seed: 11, accounts: 700, months: 30, launches: true, drift: true });

describeEngines('the demo plants three launches and the reports find what was planted', async (engine) => {
  const store = await engine.open();
  await importAccounts(store, demo.files.accounts);
  await importAccountHistory(store, demo.files.accountHistory);
  const imported = await importEvents(store, demo.files.events, { plan: ws.trackingPlan });
  const truth = JSON.parse(await readFile(demo.files.groundTruth, 'utf8')) as { launches: PlantedLaunch[] };
  const results = await runDemoLaunches(ws, store, truth.launches, '2026-10-31');
  const byName = Object.fromEntries(results.map((r) => [r.launch, r]));

  test('the planted launches are in ground-truth.json and their events pass the demo plan, sent only while the account is a customer', async () => {
    assert.deepEqual(truth.launches.map((l) => [l.name, l.expected]), [
      ['reply_suggestions', ['met']],
      ['inbox_shortcuts', ['not_met', 'inconclusive']],
      ['csv_export_v2', ['inconclusive']],
    ]);
    assert.equal(imported.flagged, 0);
    // account_id,name,created_at,plan,seats,churned_at: names may hold commas, so read the times by their shape.
    const accounts = new Map(
      (await readFile(demo.files.accounts, 'utf8'))
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => {
          const [created, churned] = l.match(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g)!;
          return [l.slice(0, l.indexOf(',')), { created: Date.parse(created), churned: churned ? Date.parse(churned) : Infinity }] as const;
        }),
    );
    const lines = (await readFile(demo.files.events.at(-1)!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { account_id: string; timestamp: string });
    assert.ok(lines.length > 1000);
    const outside = lines.filter((e) => {
      const a = accounts.get(e.account_id)!;
      const ts = Date.parse(e.timestamp);
      return ts < a.created || ts >= a.churned || ts >= Date.parse('2026-11-01');
    });
    assert.deepEqual(outside.slice(0, 3), []);
  });

  test('a real effect with a randomized holdout: met at every checkpoint, the interval around the effect planted', () => {
    const r = byName.reply_suggestions;
    assert.deepEqual(r.reports.map((x) => [x.checkpoint, x.verdict, x.design]), [
      [30, 'met', 'randomized_holdout'],
      [90, 'met', 'randomized_holdout'],
      [180, 'met', 'randomized_holdout'],
    ]);
    const last = r.reports.at(-1)!;
    const planted = truth.launches[0].realized_effect!;
    assert.ok(planted > 1, `planted ${planted}`);
    assert.ok(last.low! < planted && planted < last.high!, `[${last.low}, ${last.high}] around ${planted}`);
    assert.equal(r.agrees, true);
  });

  test('no effect, adopters self-select: the naive comparison would claim success, the report does not', () => {
    const r = byName.inbox_shortcuts;
    assert.ok(r.naive!.low! > 0.03, `naive ${r.naive!.estimate}`);
    assert.notEqual(r.reports.at(-1)!.verdict, 'met');
    assert.equal(r.agrees, true);
  });

  test('never instrumented: inconclusive, flagged', () => {
    const r = byName.csv_export_v2;
    assert.equal(r.reports.at(-1)!.verdict, 'inconclusive');
    assert.ok(r.reports.at(-1)!.flags.includes('no_instrumentation'));
    assert.equal(r.agrees, true);
  });
}, { demo: true });
