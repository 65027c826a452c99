/**
 * Outcomes give the same answers on every engine (test/engines.ts), the servers included: the
 * demo's three planted launches and a probe launch that reads every kind of metric (counts
 * with a place and metadata, retention, a milestone, MRR, signups), an audience and a
 * non-randomized holdout. Each engine imports the demo, records the declarations and a report
 * at every checkpoint passed (as `cairn demo` does); then every launch's whole report, the due
 * list (checkpoints, gates, anti-patterns) and the ledgers are compared with DuckDB's exactly.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runDemoLaunches } from '../../src/cli/demo-launches.js';
import { importAccountHistory, importAccounts, importEvents } from '../../src/collect/index.js';
import { initWorkspace, loadLaunches, loadWorkspace } from '../../src/config/index.js';
import { generateDemo, type PlantedLaunch } from '../../src/demo/index.js';
import { buildOutcomeReport, launchesDue, launchLedger, syncDeclaration, type OutcomeReport } from '../../src/outcomes/index.js';
import { ENGINES } from '../engines.js';
import { tempDir } from '../tmp.js';

const END = '2026-10-31';
const NOW = Date.parse(`${END}T18:00:00Z`);

const PROBE = `problem: Every metric kind on every engine
owner: qa
size: big
launched_at: 2026-04-06
audience: "plan != 'premium'"
outcome:
  metric: { kind: count, when: { action: closed, object: conversation, place: inbox, metadata: { state: resolved } }, within_days: 30 }
  direction: increase
  target: { relative: 0.05 }
impact:
  acquisition: { metric: { kind: signups }, direction: increase, target: { relative: 0.1 } }
  expansion: { metric: { kind: milestone, name: activation, within_days: 60 }, direction: increase, target: { absolute: 0.02 } }
  retention: { metric: { kind: retention, days: 90 }, direction: increase, target: { absolute: 0.02 } }
  revenue: { metric: { kind: mrr, days: 60 }, direction: increase, target: { relative: 0.02 } }
events:
  awareness: [{ action: viewed, object: inbox }]
  activation: [{ action: viewed, object: report, place: reports }]
holdout: { segment: "bucket < 30", randomized: false }
`;

interface Answers {
  reports: OutcomeReport[];
  due: unknown;
  ledgers: unknown[];
}

describe('outcomes give the same answers on every engine', { timeout: 3_600_000 }, () => {
  const results = new Map<string, Answers>();

  before(async () => {
    const dir = await tempDir();
    await initWorkspace(dir, { template: 'helpdesk' });
    const demo = await generateDemo({ dir, seed: 5, accounts: 600, months: 30, launches: true });
    await writeFile(join(dir, 'launches', 'probe.yaml'), PROBE);
    const ws = await loadWorkspace(dir);
    const launches = await loadLaunches(dir, { milestones: Object.keys(ws.milestones.milestones) });
    const planted = (JSON.parse(await readFile(demo.files.groundTruth, 'utf8')) as { launches: PlantedLaunch[] }).launches;
    for (const engine of ENGINES) {
      const store = await engine.open();
      await importAccounts(store, demo.files.accounts);
      await importAccountHistory(store, demo.files.accountHistory);
      await importEvents(store, demo.files.events, { plan: ws.trackingPlan, workers: 0, now: NOW });
      await runDemoLaunches(ws, store, planted, END);
      await syncDeclaration(store, launches.find((l) => l.name === 'probe')!, Date.parse('2026-03-20T12:00:00Z'));
      results.set(engine.name, {
        reports: await Promise.all(launches.map((l) => buildOutcomeReport(store, ws, l, { at: END, now: NOW }))),
        due: await launchesDue(store, ws, launches, { today: END, now: NOW }),
        ledgers: await Promise.all(launches.map((l) => launchLedger(store, l.name))),
      });
    }
  });

  const reference = () => results.get(ENGINES[0].name)!;
  for (const engine of ENGINES.slice(1)) {
    describe(engine.name, () => {
      for (const part of ['reports', 'due', 'ledgers'] as const) {
        it(`${part} as on ${ENGINES[0].name}`, () => assert.deepEqual(results.get(engine.name)![part], reference()[part]));
      }
    });
  }

  it('has something to compare: designs estimated for every metric kind, reports recorded, a gate failed', () => {
    const { reports, due, ledgers } = reference();
    const probe = reports.find((r) => r.launch === 'probe')!;
    assert.deepEqual(probe.impact.map((m) => [m.role, m.metric.kind]), [
      ['acquisition', 'signups'],
      ['expansion', 'milestone'],
      ['retention', 'retention'],
      ['revenue', 'mrr'],
    ]);
    for (const m of [probe.outcome!, ...probe.impact]) {
      assert.ok(m.estimate !== null, `${m.role} estimated`);
      if (m.metric.kind !== 'signups') assert.ok(m.designs.filter((d) => d.applicable).length >= 3, `${m.role}: three designs or more`);
    }
    assert.ok(probe.funnel!.weeks.some((w) => w.stages.activation.count > 0), 'the probe funnel counts activations');
    const planted = reports.find((r) => r.launch === 'reply_suggestions')!;
    assert.ok(planted.funnel!.weeks.at(-1)!.stages.adoption.count > 0);
    const l = due as { launches: { launch: string; flags: { code: string }[] }[] };
    assert.ok(l.launches.find((x) => x.launch === 'csv_export_v2')!.flags.some((f) => f.code === 'no_instrumentation'));
    assert.ok((ledgers as { reports: unknown[] }[]).some((x) => x.reports.length >= 2), 'reports recorded at checkpoints');
  });
});
