import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engagementStrata, FEATURE_MEASURES, univariateEvidence, type FeatureInfo, type FeatureMatrix } from '../../src/discover/index.js';
import { mulberry32 } from '../../src/stats/index.js';

const info = (key: string, place: string | null = null): FeatureInfo => {
  const [action, object] = key.split(' ');
  return { key: place ? `${key} @${place}` : key, action, object, place, accounts: 0, prevalence: 0 };
};

/** A matrix whose `used` columns come from `uses(i)` (keys used by row i); the other columns follow. */
function matrixOf(rows: number, features: FeatureInfo[], uses: (i: number) => string[]): FeatureMatrix {
  const width = features.length * FEATURE_MEASURES.length;
  const x = new Float64Array(rows * width);
  for (let i = 0; i < rows; i++) {
    const keys = new Set(uses(i));
    features.forEach((f, k) => {
      if (keys.has(f.key)) x.set([1, 2, 2, 1], i * width + k * FEATURE_MEASURES.length);
    });
  }
  return { rows, features, columns: features.flatMap((f) => FEATURE_MEASURES.map((m) => `${f.key}:${m}`)), x, accountIds: Array.from({ length: rows }, (_, i) => `a${i}`) };
}

describe('engagementStrata', () => {
  it('labels each account with its plan and its fifth of distinct pairs used (place variants not counted twice)', () => {
    const features = [info('a x'), info('b x'), info('c x'), info('d x'), info('a x', 'inbox')];
    // Row i uses the first i % 5 pairs; row 4 also uses a place variant, which adds no breadth.
    const matrix = matrixOf(10, features, (i) => ['a x', 'b x', 'c x', 'd x'].slice(0, i % 5).concat(i === 4 ? ['a x @inbox'] : []));
    const plans = Array.from({ length: 10 }, (_, i) => (i < 5 ? 'pro' : 'starter'));
    const strata = engagementStrata(matrix, Int32Array.from({ length: 10 }, (_, i) => i), plans);
    assert.deepEqual(strata.slice(0, 5), ['pro | breadth 1/5', 'pro | breadth 2/5', 'pro | breadth 3/5', 'pro | breadth 4/5', 'pro | breadth 5/5']);
    assert.equal(strata[7], 'starter | breadth 3/5');
    assert.throws(() => engagementStrata(matrix, [0, 1], ['pro']), /invalid plans length: 1 \(rows = 2\)/);
  });

  it('takes the lift from a behaviour that only engaged accounts use, and keeps a real one', () => {
    // Fit raises the use of everything and retention; `decoy` follows fit only, `driver` also lifts retention.
    const rows = 6000;
    const random = mulberry32(7);
    const routine = ['r1 x', 'r2 x', 'r3 x', 'r4 x', 'r5 x', 'r6 x', 'r7 x', 'r8 x'];
    const features = [...routine, 'decoy x', 'driver x'].map((k) => info(k));
    const fit = Array.from({ length: rows }, () => random() * 2 - 1);
    const usage = fit.map((f) => [...routine, 'decoy x', 'driver x'].filter(() => random() < 0.3 + 0.3 * f));
    const matrix = matrixOf(rows, features, (i) => usage[i]);
    const retained = usage.map((u, i) => random() < 0.5 + 0.25 * fit[i] + (u.includes('driver x') ? 0.1 : 0));
    const all = Int32Array.from({ length: rows }, (_, i) => i);
    const strata = [{ name: 'engagement', values: engagementStrata(matrix, all, Array(rows).fill('pro')) }];
    const used = features.map((_, k) => Uint8Array.from({ length: rows }, (_, i) => matrix.x[i * matrix.columns.length + k * FEATURE_MEASURES.length]));
    const [decoy, driver] = univariateEvidence({ retained, used, keys: features.map((f) => f.key), strata }).slice(-2);
    assert.ok(decoy.riskRatio.low > 1.1, `crude decoy RR ${JSON.stringify(decoy.riskRatio)}`);
    const d = decoy.stratified.engagement.riskRatio;
    assert.ok(d.low < 1 && d.high > 1 && d.estimate < 1 + (decoy.riskRatio.estimate - 1) / 2, `decoy by engagement ${JSON.stringify(d)}`);
    assert.ok(driver.stratified.engagement.riskRatio.low > 1.05, `driver by engagement ${JSON.stringify(driver.stratified.engagement.riskRatio)}`);
  });
});
