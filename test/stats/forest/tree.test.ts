import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { binDataset } from '../../../src/stats/forest/binning.js';
import { bootstrapCounts, treeGrower, type TreeParams } from '../../../src/stats/forest/tree.js';
import { usageDataset } from './synthetic.js';

const data = usageDataset(400, 5);
const binned = binDataset(data.x, data.y, data.rows, data.features, 256); // ≤ 256 values a column: exact bins
const everyFeature: TreeParams = { maxFeatures: data.features, minSamplesLeaf: 1, maxDepth: Infinity };

/** Σ (p² + q²) / w over both sides of "x[f] ≤ threshold", weighted by bootstrap draws: the higher, the lower the Gini. */
function splitScore(counts: Uint32Array, f: number, threshold: number): number {
  const side = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i < data.rows; i++) {
    const s = data.x[i * data.features + f] <= threshold ? 0 : 1;
    side[s][0] += counts[i];
    side[s][1] += counts[i] * data.y[i];
  }
  return side.reduce((sum, [w, p]) => (w === 0 ? sum : sum + (p * p + (w - p) * (w - p)) / w), 0);
}

describe('treeGrower', () => {
  test('splits the root where weighted Gini is lowest over every feature and threshold', () => {
    for (const t of [0, 1, 2]) {
      const { tree } = treeGrower(binned, everyFeature, 7)(t);
      const counts = bootstrapCounts(data.rows, 7, t);
      let bestScore = -Infinity;
      for (let f = 0; f < data.features; f++) {
        const values = [...new Set(Array.from({ length: data.rows }, (_, i) => data.x[i * data.features + f]))].sort((a, b) => a - b);
        for (let k = 0; k + 1 < values.length; k++) bestScore = Math.max(bestScore, splitScore(counts, f, (values[k] + values[k + 1]) / 2));
      }
      const ours = splitScore(counts, tree.feature[0], tree.threshold[0]);
      assert.ok(Math.abs(ours - bestScore) < 1e-9 * bestScore, `tree ${t}: root score ${ours}, best ${bestScore}`);
    }
  });

  test('a grower reused from tree to tree grows each tree as a fresh one does', () => {
    const params: TreeParams = { maxFeatures: 4, minSamplesLeaf: 2, maxDepth: Infinity };
    const reused = treeGrower(binned, params, 3);
    const grown = [0, 1, 2, 3].map((t) => reused(t));
    for (const t of [3, 1]) assert.deepEqual(grown[t], treeGrower(binned, params, 3)(t), `tree ${t}`);
  });

  test('every leaf holds the share of positives among the draws that reach it', () => {
    const { tree } = treeGrower(binned, { maxFeatures: 5, minSamplesLeaf: 3, maxDepth: Infinity }, 11)(0);
    const counts = bootstrapCounts(data.rows, 11, 0);
    const weight = new Float64Array(tree.feature.length);
    const positive = new Float64Array(tree.feature.length);
    for (let i = 0; i < data.rows; i++) {
      let node = 0;
      while (tree.feature[node] >= 0) node = data.x[i * data.features + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
      weight[node] += counts[i];
      positive[node] += counts[i] * data.y[i];
    }
    for (let node = 0; node < tree.feature.length; node++) {
      if (tree.feature[node] >= 0) continue;
      assert.ok(weight[node] >= 3, `leaf ${node} holds ${weight[node]} draws`);
      assert.equal(tree.value[node], positive[node] / weight[node]);
    }
  });
});
