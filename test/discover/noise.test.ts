import assert from 'node:assert/strict';
import { test } from 'node:test';
import { univariateEvidence } from '../../src/discover/index.js';
import { mulberry32 } from '../../src/stats/index.js';

// Features drawn independently of retention: whatever the raw p-values do, none may survive
// Benjamini–Hochberg at 5% (the family-wise chance of a false discovery is at most 5% here, and
// these seeds are fixed).
test('pure noise: no feature is significant after FDR control, though some raw p-values are small', () => {
  for (const seed of [1, 2, 3]) {
    const random = mulberry32(seed);
    const n = 1500;
    const retained = Array.from({ length: n }, () => random() < 0.8);
    const keys = Array.from({ length: 80 }, (_, j) => `used feature_${j}`);
    const used = keys.map(() => {
      const prevalence = 0.05 + random() * 0.85;
      return Uint8Array.from({ length: n }, () => (random() < prevalence ? 1 : 0));
    });
    const plan = Array.from({ length: n }, () => (random() < 0.6 ? 'starter' : 'pro'));
    const evidence = univariateEvidence({ retained, used, keys, strata: [{ name: 'plan', values: plan }] });
    const tested = evidence.filter((e) => e.pValue !== null);
    assert.equal(tested.length, 80);
    const significant = evidence.filter((e) => e.qValue !== null && e.qValue < 0.05);
    assert.deepEqual(significant.map((e) => e.key), [], `seed ${seed}`);
    if (seed === 1) assert.ok(tested.some((e) => e.pValue! < 0.1), 'some raw p-values are small by chance');
  }
});
