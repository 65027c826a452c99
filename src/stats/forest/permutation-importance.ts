import { mulberry32 } from '../random.js';
import { auc } from './auc.js';
import { checkDataset, type Dataset, type ForestModel } from './forest.js';
import type { FlatTree } from './tree.js';

/** Features scored per pass over the trees: trades walks to the leaf for memory. */
const BLOCK = 16;

/** Options for {@link permutationImportance}. */
export interface PermutationOptions {
  /** Shuffles per feature (default 5). */
  repeats?: number;
  /** Seed for the shuffles. */
  seed: number;
  /** Rows to evaluate on, e.g. held out from training (default all). */
  rows?: Uint32Array;
}

/**
 * Drop in AUC when one feature's values are shuffled among the evaluated rows, per feature:
 * mean and sample SD over the repeats (SD 0 for one repeat). A row's tree prediction can only
 * change if its path tests the shuffled feature, so each tree re-walks just those rows, from
 * the first such node. Sums run in tree order, so scores (and their ties) match predictProba's.
 * Memory: shuffled columns and running sums for 16 features at a time (16 × repeats × rows each).
 */
export function permutationImportance(
  model: ForestModel,
  data: Dataset,
  opts: PermutationOptions,
): { mean: Float64Array; sd: Float64Array } {
  checkDataset(data);
  const { repeats = 5, seed } = opts;
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`invalid repeats: ${repeats}`);
  if (!Number.isInteger(seed)) throw new Error(`invalid seed: ${seed}`);
  const features = data.features;
  if (features !== model.features) throw new Error(`invalid features: ${features} (model: ${model.features})`);
  const picked = opts.rows ?? Uint32Array.from({ length: data.rows }, (_, i) => i);
  for (let k = 0; k < picked.length; k++) {
    if (picked[k] >= data.rows) throw new Error(`invalid rows[${k}]: ${picked[k]}`);
  }

  // Copy the evaluated rows so the caller's arrays are never touched.
  const n = picked.length;
  const x = new Float64Array(n * features);
  const y = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    x.set(data.x.subarray(picked[k] * features, (picked[k] + 1) * features), k * features);
    y[k] = data.y[picked[k]];
  }
  const trees = model.trees;
  const base = model.predictProba(x, n);
  const baseAuc = auc(base, y);

  // Features go in blocks so one walk to each row's leaf serves the whole block.
  const block = Math.min(features, BLOCK);
  const random = mulberry32(seed);
  const shuffled = new Float64Array(block * repeats * n); // [(b * repeats + r) * n + i]
  const sums = new Float64Array(block * repeats * n); // same layout: tree values so far
  const scores = new Float64Array(n);
  const drops = new Float64Array(repeats);
  const mean = new Float64Array(features);
  const sd = new Float64Array(features);
  for (let first = 0; first < features; first += block) {
    const width = Math.min(block, features - first);
    // Shuffles are drawn feature by feature, then repeat by repeat, whatever the block size.
    for (let b = 0; b < width; b++) {
      for (let r = 0; r < repeats; r++) {
        const column = shuffled.subarray((b * repeats + r) * n, (b * repeats + r + 1) * n);
        for (let i = 0; i < n; i++) column[i] = x[i * features + first + b];
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          const swap = column[i];
          column[i] = column[j];
          column[j] = swap;
        }
      }
    }
    sums.fill(0);
    for (const tree of trees) {
      const { feature, threshold, left, right, value } = tree;
      const firstTest = firstTestingNode(tree, first, width);
      for (let i = 0; i < n; i++) {
        const rowBase = i * features;
        let leaf = 0;
        while (feature[leaf] >= 0) leaf = x[rowBase + feature[leaf]] <= threshold[leaf] ? left[leaf] : right[leaf];
        for (let b = 0; b < width; b++) {
          const f = first + b;
          const start = firstTest[leaf * width + b];
          for (let r = 0; r < repeats; r++) {
            let m = leaf;
            if (start >= 0) {
              // Only the path below the first node testing f can change.
              const v = shuffled[(b * repeats + r) * n + i];
              m = start;
              while (feature[m] >= 0) {
                const g = feature[m];
                m = (g === f ? v : x[rowBase + g]) <= threshold[m] ? left[m] : right[m];
              }
            }
            sums[(b * repeats + r) * n + i] += value[m];
          }
        }
      }
    }
    for (let b = 0; b < width; b++) {
      const f = first + b;
      for (let r = 0; r < repeats; r++) {
        for (let i = 0; i < n; i++) scores[i] = sums[(b * repeats + r) * n + i] / trees.length;
        drops[r] = baseAuc - auc(scores, y);
      }
      let sum = 0;
      for (let r = 0; r < repeats; r++) sum += drops[r];
      mean[f] = sum / repeats;
      let squares = 0;
      for (let r = 0; r < repeats; r++) squares += (drops[r] - mean[f]) ** 2;
      sd[f] = repeats > 1 ? Math.sqrt(squares / (repeats - 1)) : 0;
    }
  }
  return { mean, sd };
}

/**
 * For every node and each feature first … first + width − 1: the first node on the path from
 * the root to it (itself excluded) that tests the feature, or −1. One forward pass suffices
 * because a child's id is always larger than its parent's.
 */
function firstTestingNode(tree: FlatTree, first: number, width: number): Int32Array {
  const { feature, left, right } = tree;
  const table = new Int32Array(feature.length * width).fill(-1);
  for (let node = 0; node < feature.length; node++) {
    const g = feature[node];
    if (g < 0) continue;
    for (let side = 0; side < 2; side++) {
      const child = side === 0 ? left[node] : right[node];
      for (let b = 0; b < width; b++) {
        const inherited = table[node * width + b];
        table[child * width + b] = inherited >= 0 ? inherited : g === first + b ? node : -1;
      }
    }
  }
  return table;
}
