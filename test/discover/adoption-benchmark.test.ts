import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { importAccountHistory, importAccounts, importEvents } from '../../src/collect/index.js';
import { generateDemo } from '../../src/demo/generate.js';
import {
  adoptionBenchmark,
  buildFeatureMatrix,
  columnIndex,
  labelAccounts,
  univariateEvidence,
  type AdoptionBenchmark,
  type UnivariateEvidence,
} from '../../src/discover/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';

const vector = (n: number, f: (i: number) => boolean) => Uint8Array.from({ length: n }, (_, i) => (f(i) ? 1 : 0));

describe('adoptionBenchmark on hand-built data', () => {
  // 200 accounts: 0..39 premium, retaining 80% whether or not they use 'niche' (0..19 use it,
  // 16 of them retain; 16 of 20..39 retain); 40..199 basic, retaining 64 of 160 (40%).
  const n = 200;
  const planOf = Array.from({ length: n }, (_, i) => (i < 40 ? 'premium' : 'basic'));
  const retained = Array.from({ length: n }, (_, i) => (i < 20 ? i < 16 : i < 40 ? i < 36 : i < 104));
  const keys = ['niche', 'everyone', 'driver', 'rare'];
  const used = [
    vector(n, (i) => i < 20),
    vector(n, (i) => i % 100 >= 3), // 194 of 200 = 97%
    // Used by the retained half of each plan's retainers and few churners: a real, plan-independent lift.
    vector(n, (i) => (i < 40 ? i % 2 === 0 && retained[i] : retained[i] ? i % 2 === 0 : i % 10 === 0)),
    vector(n, (i) => i === 1 || i === 100 || i === 150),
  ];
  const evidence = univariateEvidence({ retained, used, keys, strata: [{ name: 'plan', values: planOf }] });
  const bench = adoptionBenchmark(evidence, { planOf, used, keys });
  const byKey = (k: string) => [evidence.find((e) => e.key === k)!, bench.find((b) => b.key === k)!] as const;

  it('flags a feature used only on premium, whose lift is the plan, as premium_niche naming the plan', () => {
    const [e, b] = byKey('niche');
    // Crude RR = (16/20) / (80/180) = 1.8, significant; the CMH RR within plan is exactly 1.
    assert.ok(Math.abs(e.riskRatio.estimate - 1.8) < 1e-12);
    assert.ok(e.riskRatio.low > 1 && e.pValue! < 0.01, `crude ${JSON.stringify(e.riskRatio)} p ${e.pValue}`);
    assert.ok(Math.abs(e.stratified.plan.riskRatio.estimate - 1) < 1e-12);
    assert.deepEqual(b.flags, ['premium_niche']);
    assert.match(b.reasons[0], /100% of its users are on the premium plan \(20% of accounts\)/);
    assert.match(b.reasons[0], /crude risk ratio 1\.80 \(95% CI/);
    assert.match(b.reasons[0], /stratified by plan the risk ratio is 1\.00 \(95% CI .*contains 1/);
  });

  it('flags a feature used by 97% of accounts as ubiquitous, whatever its test says', () => {
    const [e, b] = byKey('everyone');
    assert.equal(e.users, 194);
    assert.equal(e.tooLittleData, null); // 6 non-users are enough to test, but not to tell customers apart
    assert.deepEqual(b.flags, ['ubiquitous']);
    assert.deepEqual(b.reasons, ['used by 97% of accounts: it cannot tell customers apart']);
  });

  it('does not flag a plan-independent driver, nor a feature with too little data', () => {
    const [e, b] = byKey('driver');
    assert.ok(e.riskRatio.low > 1 && e.stratified.plan.riskRatio.low > 1, JSON.stringify(e.stratified.plan));
    assert.deepEqual(b, { key: 'driver', flags: [], reasons: [] });
    const [rare, rb] = byKey('rare');
    assert.equal(rare.pValue, null);
    assert.deepEqual(rb.flags, []);
  });

  it('honours the thresholds', () => {
    const loose = adoptionBenchmark(evidence, { planOf, used, keys }, { ubiquitousAbove: 0.98 });
    assert.deepEqual(loose.find((b) => b.key === 'everyone')!.flags, []);
    // With premium holding the majority the concentration is no niche.
    const strict = adoptionBenchmark(evidence, { planOf, used, keys }, { minorityBelow: 0.1 });
    assert.deepEqual(strict.find((b) => b.key === 'niche')!.flags, []);
  });

  it('refuses evidence without the plan stratification', () => {
    const bare = univariateEvidence({ retained, used, keys });
    assert.throws(() => adoptionBenchmark(bare, { planOf, used, keys }), /no stratification named 'plan'/);
    assert.throws(() => adoptionBenchmark(evidence, { planOf, used: used.slice(1), keys: keys.slice(1) }), /no usage vector for feature niche/);
  });
});

// At 400 demo accounts only ~75 are old enough to label and 3 of them created an SLA rule:
// too little data to judge. 800 accounts give ~150 labelled, 12 of them SLA-rule users.
describeEngines('adoptionBenchmark on the demo (800 accounts)', async (engine) => {
  const dir = await tempDir();
  const store = await engine.open();
  let evidence: UnivariateEvidence[];
  let bench: AdoptionBenchmark[];

  before(async () => {
    const demo = await generateDemo({ dir, seed: 5, accounts: 800 });
    await importAccounts(store, demo.files.accounts);
    await importAccountHistory(store, demo.files.accountHistory);
    await importEvents(store, demo.files.events, { workers: 0 });
    const labels = await labelAccounts(store, { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 }, '2026-10-31');
    const matrix = await buildFeatureMatrix(store, labels.labelled, 90);
    const w = matrix.columns.length;
    const keys = matrix.features.map((f) => f.key);
    const used = keys.map((k) => {
      const c = columnIndex(matrix, k, 'used');
      return Uint8Array.from({ length: matrix.rows }, (_, i) => matrix.x[i * w + c]);
    });
    const planOf = labels.labelled.map((a) => a.plan ?? '(none)');
    const retained = labels.labelled.map((a) => a.retained);
    evidence = univariateEvidence({ retained, used, keys, strata: [{ name: 'plan', values: planOf }] });
    bench = adoptionBenchmark(evidence, { planOf, used, keys });
  });

  it('flags customized messenger_appearance as ubiquitous', () => {
    const b = bench.find((x) => x.key === 'customized messenger_appearance')!;
    assert.ok(b.flags.includes('ubiquitous'), JSON.stringify(b));
  });

  it('flags created custom_sla_rule as premium_niche: its lift shrinks to ~1 within plan', () => {
    const e = evidence.find((x) => x.key === 'created custom_sla_rule')!;
    const b = bench.find((x) => x.key === 'created custom_sla_rule')!;
    assert.equal(e.tooLittleData, null);
    assert.ok(e.riskRatio.estimate > 1.1, `crude ${JSON.stringify(e.riskRatio)}`);
    const s = e.stratified.plan.riskRatio;
    assert.ok(s.low < 1 && s.high > 1, `stratified ${JSON.stringify(s)}`);
    assert.deepEqual(b.flags, ['premium_niche']);
    assert.match(b.reasons[0], /on the premium plan/);
  });
}, { demo: true });
