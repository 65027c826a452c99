// One CART classification tree (Gini) grown on binned data; flat typed arrays so threads can pass it cheaply.
import { mulberry32 } from '../random.js';
import type { BinnedData } from './binning.js';

/** A fitted tree as parallel arrays indexed by node; node 0 is the root. */
export interface FlatTree {
  /** Split feature, or −1 at a leaf. */
  feature: Int32Array;
  /** Rows with x[feature] ≤ threshold go left. */
  threshold: Float64Array;
  /** Child node indices, −1 at a leaf. */
  left: Int32Array;
  right: Int32Array;
  /** Share of positives among the node's (bootstrap-weighted) training rows. */
  value: Float64Array;
}

/** Growth limits shared by every tree of a forest. */
export interface TreeParams {
  /** Features drawn (without replacement) at every split. */
  maxFeatures: number;
  /** Least bootstrap draws a leaf may hold. */
  minSamplesLeaf: number;
  /** Deepest level a split may happen at (root is 0); Infinity for none. */
  maxDepth: number;
}

/** A tree plus its Gini decrease per feature, as a share of the root's weight, and its bootstrap. */
export interface GrownTree {
  index: number;
  tree: FlatTree;
  importance: Float64Array;
  /** Rows the bootstrap drew, as bits: row i is bit (i & 31) of word i >>> 5. */
  inBag: Uint32Array;
  /** The leaf each row the bootstrap did not draw reaches, in row order. */
  oobLeaves: Int32Array;
}

/** Most rows a tree can grow on: a histogram bin packs draws and positive draws in one double. */
export const MAX_ROWS = 2 ** 26;

/** Independent seeds per tree and stream (murmur3's finaliser), so results ignore thread count. */
export function treeSeed(seed: number, tree: number, stream: 0 | 1): number {
  let h = (seed ^ Math.imul(tree + 1, 0x9e3779b9) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Bootstrap draw counts per row for one tree; replayable from the seed to find out-of-bag rows. */
export function bootstrapCounts(rows: number, seed: number, tree: number, counts = new Uint32Array(rows)): Uint32Array {
  const random = mulberry32(treeSeed(seed, tree, 0));
  counts.fill(0);
  for (let i = 0; i < rows; i++) counts[Math.floor(random() * rows)]++;
  return counts;
}

/**
 * Grows the trees of one forest, tree `index` at each call, reusing its working arrays from tree
 * to tree (so one grower per thread). In-bag rows are kept once with their draw count as weight,
 * and one index array is partitioned stably in place (rows stay in increasing order within
 * every node), so no node copies data and codes are read in order. A node's histograms for all
 * its drawn features are filled in one pass over its rows.
 */
export function treeGrower(data: BinnedData, params: TreeParams, seed: number): (index: number) => GrownTree {
  const { rows, features, codes, y, cuts, cutOffsets } = data;
  const { maxFeatures, minSamplesLeaf, maxDepth } = params;
  const counts = new Uint32Array(rows);
  const order = new Int32Array(rows);
  const scratch = new Int32Array(rows);
  // Each row's draws and positive draws in one double (draws + positives · 2^shift), so a
  // histogram bin is one sum: a node holds at most `rows` draws, so up to MAX_ROWS it is exact.
  const shift = 2 ** Math.ceil(Math.log2(rows + 1));
  const packed = new Float64Array(rows);
  const featureOrder = new Int32Array(features);
  const hist = new Float64Array(maxFeatures * 256); // a histogram per drawn feature, all zero between uses
  const drawn = new Int32Array(maxFeatures);
  const best = new Float64Array(4); // score, bin, left weight, left positives
  // Node arrays grow by doubling and are kept for the next tree; each tree gets trimmed copies.
  let capacity = 64;
  let feature = new Int32Array(capacity);
  let threshold = new Float64Array(capacity);
  let left = new Int32Array(capacity);
  let right = new Int32Array(capacity);
  let value = new Float64Array(capacity);
  let splitBin = new Uint8Array(capacity);

  return function growTree(index: number): GrownTree {
    bootstrapCounts(rows, seed, index, counts);
    const random = mulberry32(treeSeed(seed, index, 1));
    let inBag = 0;
    for (let i = 0; i < rows; i++) if (counts[i] > 0) order[inBag++] = i;
    for (let i = 0; i < rows; i++) packed[i] = counts[i] * (1 + y[i] * shift);
    // A fresh draw order per tree, so a tree does not depend on the ones grown before it.
    for (let f = 0; f < features; f++) featureOrder[f] = f;
    const importance = new Float64Array(features);

    let rootWeight = 0;
    let rootPositive = 0;
    for (let k = 0; k < inBag; k++) {
      rootWeight += counts[order[k]];
      rootPositive += counts[order[k]] * y[order[k]];
    }
    // Pending nodes, six numbers each: id, row range, depth, and weights (total, positive) from the
    // parent's split. Depth-first, so it holds about one node per level.
    const stack: number[] = [0, 0, inBag, 0, rootWeight, rootPositive];
    let nodes = 1;

    while (stack.length > 0) {
      const positive = stack.pop()!;
      const weight = stack.pop()!;
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const node = stack.pop()!;
      value[node] = positive / weight;
      feature[node] = -1;
      threshold[node] = 0; // the arrays are reused: a leaf must not keep an old split's
      left[node] = right[node] = -1;
      if (positive === 0 || positive === weight || depth >= maxDepth || weight < 2 * minSamplesLeaf) continue;

      // Minimising weighted child Gini is maximising Σ (p² + q²) / w over the children.
      const parentScore = (positive * positive + (weight - positive) * (weight - positive)) / weight;
      let bestScore = parentScore * (1 + 1e-12);
      let bestFeature = -1;
      let bestBin = -1;
      let bestLeftWeight = 0;
      let bestLeftPositive = 0;
      let splittable = 0;
      for (let k = 0; k < maxFeatures; k++) {
        // Partial Fisher–Yates: a fresh draw without replacement at every split.
        const pick = k + Math.floor(random() * (features - k));
        const f = featureOrder[pick];
        featureOrder[pick] = featureOrder[k];
        featureOrder[k] = f;
        if (cutOffsets[f + 1] > cutOffsets[f]) drawn[splittable++] = f; // one bin: nothing to split
      }
      fillHistograms(codes, features, drawn, splittable, order, start, end, packed, hist);
      for (let k = 0; k < splittable; k++) {
        const f = drawn[k];
        if (scanHistogram(hist, k << 8, shift, weight, positive, minSamplesLeaf, bestScore, best)) {
          bestScore = best[0];
          bestFeature = f;
          bestBin = best[1];
          bestLeftWeight = best[2];
          bestLeftPositive = best[3];
        }
      }
      if (bestFeature < 0) continue;

      // Partition this node's slice of the index array, codes ≤ bestBin first, keeping rows in
      // increasing order on both sides: histograms then read the codes front to back.
      let i = start;
      let moved = 0;
      for (let k = start; k < end; k++) {
        // Branch-free: the side is as good as random, so a branch would often mispredict.
        const row = order[k];
        const right = (bestBin - codes[row * features + bestFeature]) >>> 31;
        order[i] = row;
        scratch[moved] = row;
        i += right ^ 1;
        moved += right;
      }
      for (let k = 0; k < moved; k++) order[i + k] = scratch[k];
      // Weighted Gini decrease: w·G − w_L·G_L − w_R·G_R = score − parentScore.
      importance[bestFeature] += bestScore - parentScore;
      feature[node] = bestFeature;
      threshold[node] = cuts[cutOffsets[bestFeature] + bestBin];
      splitBin[node] = bestBin;
      const leftNode = nodes++;
      const rightNode = nodes++;
      left[node] = leftNode;
      right[node] = rightNode;
      // Push right first so the left subtree is grown first (depth-first, small stack).
      stack.push(rightNode, i, end, depth + 1, weight - bestLeftWeight, positive - bestLeftPositive);
      stack.push(leftNode, start, i, depth + 1, bestLeftWeight, bestLeftPositive);
      if (nodes > capacity) {
        capacity *= 2;
        feature = resized(feature, new Int32Array(capacity));
        threshold = resized(threshold, new Float64Array(capacity));
        left = resized(left, new Int32Array(capacity));
        right = resized(right, new Int32Array(capacity));
        value = resized(value, new Float64Array(capacity));
        splitBin = resized(splitBin, new Uint8Array(capacity));
      }
    }

    for (let f = 0; f < features; f++) importance[f] /= rootWeight;

    // Out-of-bag rows walked on their codes here, in the thread: "code ≤ bin" on the training
    // data is exactly "value ≤ threshold", so the leaves are those predictProba finds.
    const inBagWords = new Uint32Array((rows + 31) >>> 5);
    const oobLeaves = new Int32Array(rows - inBag);
    for (let i = 0, k = 0; i < rows; i++) {
      if (counts[i] > 0) {
        inBagWords[i >>> 5] |= 1 << (i & 31);
        continue;
      }
      let node = 0;
      while (feature[node] >= 0) node = codes[i * features + feature[node]] <= splitBin[node] ? left[node] : right[node];
      oobLeaves[k++] = node;
    }
    return {
      index,
      tree: {
        feature: feature.slice(0, nodes),
        threshold: threshold.slice(0, nodes),
        left: left.slice(0, nodes),
        right: right.slice(0, nodes),
        value: value.slice(0, nodes),
      },
      importance,
      inBag: inBagWords,
      oobLeaves,
    };
  };
}

function resized<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Adds each row of order[start, end) to histogram k (hist[k·256 + code]) for each of the drawn
 * features, in one pass: a row's codes share a cache line.
 */
function fillHistograms(
  codes: Uint8Array,
  features: number,
  drawn: Int32Array,
  count: number,
  order: Int32Array,
  start: number,
  end: number,
  packed: Float64Array,
  hist: Float64Array,
): void {
  let k = 0;
  // Four features per pass: a row's index and weight are read once for four histograms.
  for (; k + 4 <= count; k += 4) {
    const f0 = drawn[k], f1 = drawn[k + 1], f2 = drawn[k + 2], f3 = drawn[k + 3];
    const h0 = k << 8, h1 = h0 + 256, h2 = h0 + 512, h3 = h0 + 768;
    for (let i = start; i < end; i++) {
      const row = order[i];
      const sum = packed[row];
      const base = row * features;
      hist[h0 + codes[base + f0]] += sum;
      hist[h1 + codes[base + f1]] += sum;
      hist[h2 + codes[base + f2]] += sum;
      hist[h3 + codes[base + f3]] += sum;
    }
  }
  for (; k < count; k++) {
    const f = drawn[k];
    const h = k << 8;
    for (let i = start; i < end; i++) {
      const row = order[i];
      hist[h + codes[row * features + f]] += packed[row];
    }
  }
}

/**
 * Best split "bin ≤ b" in the histogram at hist[offset …] (cells of draws + positives · shift)
 * that beats `bestScore` (Σ (p² + q²) / w over the children, which is minimum weighted Gini);
 * writes it into `best` and returns true if found. Leaves the histogram all zero.
 */
function scanHistogram(
  hist: Float64Array,
  offset: number,
  shift: number,
  weight: number,
  positive: number,
  minSamplesLeaf: number,
  bestScore: number,
  best: Float64Array,
): boolean {
  let found = false;
  let leftWeight = 0;
  let leftPositive = 0;
  // Clears each bin it reads; past the bin that completes the weight all bins are empty.
  for (let b = offset, last = offset + 256; leftWeight < weight && b < last; b++) {
    // An empty bin splits the rows exactly as the bin before it did.
    const cell = hist[b];
    if (cell === 0) continue;
    hist[b] = 0;
    const positiveDraws = Math.floor(cell / shift);
    leftWeight += cell - positiveDraws * shift;
    leftPositive += positiveDraws;
    const rightWeight = weight - leftWeight;
    if (leftWeight < minSamplesLeaf || rightWeight < minSamplesLeaf) continue;
    const rightPositive = positive - leftPositive;
    const leftNegative = leftWeight - leftPositive;
    const rightNegative = rightWeight - rightPositive;
    const score =
      (leftPositive * leftPositive + leftNegative * leftNegative) / leftWeight +
      (rightPositive * rightPositive + rightNegative * rightNegative) / rightWeight;
    if (score > bestScore) {
      bestScore = score;
      found = true;
      best[0] = score;
      best[1] = b - offset;
      best[2] = leftWeight;
      best[3] = leftPositive;
    }
  }
  return found;
}

/** Leaf reached by row `row` of row-major `x` with `features` columns. */
export function leafOf(tree: FlatTree, x: Float64Array, row: number, features: number): number {
  const { feature, threshold, left, right } = tree;
  const base = row * features;
  let node = 0;
  while (feature[node] >= 0) node = x[base + feature[node]] <= threshold[node] ? left[node] : right[node];
  return node;
}
