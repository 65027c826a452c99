import { mulberry32 } from '../random.js';
import { auc } from './auc.js';
import { checkDataset, type Dataset, type ForestModel, type ForestResult, type InBag } from './forest.js';
import type { FlatTree } from './tree.js';

/**
 * Memory for one block of groups: 12 bytes per row and shuffle (a permutation entry and a running
 * sum). More groups per block means fewer walks to each row's leaf.
 */
const MAX_BLOCK_BYTES = 96 << 20;
/** Shuffled values gathered per chunk of rows (8 bytes each). */
const CHUNK_VALUES = 1 << 19;

/** Options for {@link permutationImportance}. */
export interface PermutationOptions {
  /** Shuffles per feature or group (default 5). */
  repeats?: number;
  /** Seed for the shuffles. */
  seed: number;
  /** Rows to evaluate on, e.g. held out from training (default all). */
  rows?: Uint32Array;
  /**
   * Column groups, each shuffled as one: its columns get the same row permutation, as for one
   * feature measured by several columns. Results are then per group, in this order. Default:
   * every column on its own (the same as `[[0], [1], …]`, shuffle for shuffle).
   */
  groups?: readonly (readonly number[])[];
}

/** Options for {@link oobPermutationImportance}. */
export interface OobPermutationOptions {
  /** Shuffles per feature or group (default 5). */
  repeats?: number;
  /** Seed for the shuffles. */
  seed: number;
  /** Column groups shuffled as one; see {@link PermutationOptions.groups}. */
  groups?: readonly (readonly number[])[];
}

/** Drop in AUC per feature (or group): mean and sample SD over the repeats (SD 0 for one repeat). */
export interface PermutationImportance {
  mean: Float64Array;
  sd: Float64Array;
  /** AUC before any shuffle. */
  baseAuc: number;
}

/**
 * Drop in AUC when one feature's values (or one group's columns, together) are shuffled among
 * the evaluated rows. A row's tree prediction can only change if its path tests a shuffled
 * column, so each tree re-walks just those rows, from the first such node. Sums run in tree
 * order, so scores (and their ties) match predictProba's.
 * Memory: shuffled values and running sums for up to 16 features or groups at a time, at most
 * 32 MB each.
 */
export function permutationImportance(model: ForestModel, data: Dataset, opts: PermutationOptions): PermutationImportance {
  checkDataset(data);
  const { repeats = 5, seed } = opts;
  checkRepeatsAndSeed(repeats, seed);
  const features = data.features;
  if (features !== model.features) throw new Error(`invalid features: ${features} (model: ${model.features})`);
  const groups = checkGroups(opts.groups, features);
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
  return shuffleImportance({ trees: model.trees, x, y, n, features, groups, repeats, seed, inBag: null });
}

/**
 * Out-of-bag permutation importance: the drop in out-of-bag AUC when a feature (or group) is
 * shuffled among the training rows, each row scored only by the trees that did not draw it.
 * `data` must be the data set `fit` was trained on. No rows need holding out, and each tree
 * walks only its ~37% out-of-bag rows. Deterministic for a seed, and the same whatever thread
 * count trained the forest (the forest and its bootstraps are). With no shuffle the scores are
 * exactly `fit.oobProba`, so `baseAuc` is `fit.oobAuc`.
 */
export function oobPermutationImportance(fit: ForestResult, data: Dataset, opts: OobPermutationOptions): PermutationImportance {
  checkDataset(data);
  const { repeats = 5, seed } = opts;
  checkRepeatsAndSeed(repeats, seed);
  const { features, rows } = data;
  const { model, inBag } = fit;
  if (features !== model.features) throw new Error(`invalid features: ${features} (model: ${model.features})`);
  if (rows !== inBag.rows) throw new Error(`invalid rows: ${rows} (trained on ${inBag.rows})`);
  if (inBag.trees !== model.trees.length) throw new Error(`invalid inBag trees: ${inBag.trees} (model: ${model.trees.length})`);
  const groups = checkGroups(opts.groups, features);
  return shuffleImportance({ trees: model.trees, x: data.x, y: data.y, n: rows, features, groups, repeats, seed, inBag });
}

function checkRepeatsAndSeed(repeats: number, seed: number): void {
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`invalid repeats: ${repeats}`);
  if (!Number.isInteger(seed)) throw new Error(`invalid seed: ${seed}`);
}

/** The groups as typed arrays (one per column when not given), or throws. */
function checkGroups(groups: readonly (readonly number[])[] | undefined, features: number): Int32Array[] {
  if (groups === undefined) return Array.from({ length: features }, (_, f) => Int32Array.of(f));
  if (groups.length === 0) throw new Error(`invalid groups: empty`);
  return groups.map((group, k) => {
    if (group.length === 0) throw new Error(`invalid groups[${k}]: empty`);
    const seen = new Set<number>();
    for (const column of group) {
      if (!Number.isInteger(column) || column < 0 || column >= features) {
        throw new Error(`invalid groups[${k}]: column ${column} (features = ${features})`);
      }
      if (seen.has(column)) throw new Error(`invalid groups[${k}]: column ${column} twice`);
      seen.add(column);
    }
    return Int32Array.from(group);
  });
}

interface ShuffleJob {
  trees: readonly FlatTree[];
  /** Row-major n × features; read only. */
  x: Float64Array;
  y: Uint8Array;
  n: number;
  features: number;
  groups: Int32Array[];
  repeats: number;
  seed: number;
  /** Null: every tree scores every row. Otherwise a tree scores only the rows it did not draw. */
  inBag: InBag | null;
}

/**
 * The engine of both importances. Every group's shuffles are drawn group by group, repeat by
 * repeat, from one generator (so results do not depend on how the work is split) and kept as
 * row permutations. Groups go in blocks so that one walk to each row's leaf serves a whole block;
 * a block holds as many groups as MAX_BLOCK_BYTES allows (12 bytes per row and shuffle: the
 * permutation and the running sum).
 *
 * Rows go in chunks (their shuffled values gathered once per chunk), and every tree scores a
 * chunk's rows at once. The walk to a row's leaf records its path; then, for each node of the
 * path that tests a column of a block group, each of that group's shuffles is checked at that
 * node. Where the shuffled value takes the path's own branch nothing changes; at the first node
 * where it does not, the row is walked down the other branch, with the group's columns shuffled,
 * to its new leaf. Sums stay per (row, group, shuffle) and run in tree order, as predictProba's
 * do, so a score that no shuffle changed equals the unshuffled one exactly.
 */
function shuffleImportance(job: ShuffleJob): PermutationImportance {
  const { trees, x, y, n, features, groups, repeats, inBag } = job;
  const stride = inBag?.stride ?? 0;
  const words = inBag?.words;

  // Trees scoring each row; rows no tree scores (drawn by every tree) are left out of the AUC.
  const den = new Float64Array(n);
  if (words) {
    for (let t = 0; t < trees.length; t++) {
      const base = t * stride;
      for (let i = 0; i < n; i++) if (((words[base + (i >>> 5)] >>> (i & 31)) & 1) === 0) den[i]++;
    }
  } else den.fill(trees.length);
  let scored = 0;
  for (let i = 0; i < n; i++) if (den[i] > 0) scored++;
  const kept = new Uint32Array(scored);
  const keptY = new Uint8Array(scored);
  for (let i = 0, k = 0; i < n; i++) {
    if (den[i] === 0) continue;
    kept[k] = i;
    keptY[k++] = y[i];
  }
  const scores = new Float64Array(scored);

  const G = groups.length;
  const blockWidth = Math.max(1, Math.min(G, Math.floor(MAX_BLOCK_BYTES / (12 * repeats * n))));
  const permutations = new Uint32Array(blockWidth * repeats * n);
  const sumsBuffer = new Float64Array(blockWidth * repeats * n);
  const packed = trees.map(packTree);
  let maxNodes = 1;
  for (const tree of trees) maxNodes = Math.max(maxNodes, tree.feature.length);
  const path = new Int32Array(maxNodes);

  const random = mulberry32(job.seed);
  const baseSum = new Float64Array(n);
  let baseAuc = NaN;
  const drops = new Float64Array(repeats);
  const mean = new Float64Array(G);
  const sd = new Float64Array(G);
  for (let first = 0; first < G; first += blockWidth) {
    const width = Math.min(blockWidth, G - first);
    const cells = width * repeats; // a row's running sums: group b, shuffle r at b·repeats + r
    // A chunk row's shuffled values: group b's c-th column, shuffle r, at offset[b] + r·size[b] + c.
    const offset = new Int32Array(width + 1);
    const size = new Int32Array(width);
    // member[b·features + column]: the column's place in group b, or −1.
    const member = new Int32Array(width * features).fill(-1);
    // The block groups holding each column g: memberOf[columnStart[g] … columnStart[g + 1]).
    const columnStart = new Int32Array(features + 1);
    for (let b = 0; b < width; b++) {
      const group = groups[first + b];
      size[b] = group.length;
      offset[b + 1] = offset[b] + repeats * group.length;
      for (let c = 0; c < group.length; c++) {
        member[b * features + group[c]] = c;
        columnStart[group[c] + 1]++;
      }
    }
    for (let g = 0; g < features; g++) columnStart[g + 1] += columnStart[g];
    const memberOf = new Int32Array(columnStart[features]);
    const fill = columnStart.slice(0, features);
    for (let b = 0; b < width; b++) for (const column of groups[first + b]) memberOf[fill[column]++] = b;
    const S = offset[width];

    // Fisher–Yates on row indices: the same draws as shuffling one column in place.
    for (let p = 0; p < cells; p++) {
      const perm = permutations.subarray(p * n, (p + 1) * n);
      for (let i = 0; i < n; i++) perm[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const swap = perm[i];
        perm[i] = perm[j];
        perm[j] = swap;
      }
    }

    const sums = sumsBuffer.subarray(0, n * cells);
    sums.fill(0);
    const chunk = Math.max(1, Math.min(n, Math.floor(CHUNK_VALUES / S)));
    const shuffled = new Float64Array(chunk * S);
    const moved = new Int32Array(cells).fill(-1); // a row's new leaf per cell; −1 while on its path
    for (let lo = 0; lo < n; lo += chunk) {
      const hi = Math.min(n, lo + chunk);
      for (let b = 0; b < width; b++) {
        const group = groups[first + b];
        const k = group.length;
        for (let r = 0; r < repeats; r++) {
          const permBase = (b * repeats + r) * n;
          for (let c = 0; c < k; c++) {
            const column = group[c];
            const at = offset[b] + r * k + c;
            for (let i = lo; i < hi; i++) shuffled[(i - lo) * S + at] = x[permutations[permBase + i] * features + column];
          }
        }
      }

      for (let t = 0; t < trees.length; t++) {
        const { split, child } = packed[t];
        const bagBase = t * stride;
        for (let i = lo; i < hi; i++) {
          if (words && ((words[bagBase + (i >>> 5)] >>> (i & 31)) & 1) !== 0) continue;
          const rowBase = i * features;
          const valueRow = (i - lo) * S;
          let depth = 0;
          let leaf = 0;
          for (let f = child[1]; f >= 0; f = child[2 * leaf + 1]) {
            path[depth++] = leaf;
            leaf = child[2 * leaf] + (x[rowBase + f] > split[leaf] ? 1 : 0);
          }
          path[depth] = leaf;
          const leafValue = split[leaf];
          if (first === 0) baseSum[i] += leafValue;

          for (let q = 0; q < depth; q++) {
            const node = path[q];
            const g = child[2 * node + 1];
            const end = columnStart[g + 1];
            if (columnStart[g] === end) continue;
            const cut = split[node];
            const wentRight = path[q + 1] !== child[2 * node];
            for (let e = columnStart[g]; e < end; e++) {
              const b = memberOf[e];
              const k = size[b];
              const memberBase = b * features;
              const groupBase = valueRow + offset[b];
              const own = member[memberBase + g];
              for (let r = 0; r < repeats; r++) {
                const cell = b * repeats + r;
                if (moved[cell] >= 0) continue; // left the path higher up
                const shuffleBase = groupBase + r * k;
                if (shuffled[shuffleBase + own] > cut === wentRight) continue;
                // Leaves the path here: walk the other branch with the group shuffled.
                let m = child[2 * node] + (wentRight ? 0 : 1);
                for (let h = child[2 * m + 1]; h >= 0; h = child[2 * m + 1]) {
                  const c = member[memberBase + h];
                  m = child[2 * m] + ((c >= 0 ? shuffled[shuffleBase + c] : x[rowBase + h]) > split[m] ? 1 : 0);
                }
                moved[cell] = m;
              }
            }
          }

          const sumBase = i * cells;
          for (let cell = 0; cell < cells; cell++) {
            const m = moved[cell];
            if (m < 0) sums[sumBase + cell] += leafValue;
            else {
              sums[sumBase + cell] += split[m];
              moved[cell] = -1;
            }
          }
        }
      }
    }

    if (first === 0) {
      for (let k = 0; k < scored; k++) scores[k] = baseSum[kept[k]] / den[kept[k]];
      baseAuc = auc(scores, keptY);
    }
    for (let b = 0; b < width; b++) {
      for (let r = 0; r < repeats; r++) {
        const at = b * repeats + r;
        for (let k = 0; k < scored; k++) scores[k] = sums[kept[k] * cells + at] / den[kept[k]];
        drops[r] = baseAuc - auc(scores, keptY);
      }
      const g = first + b;
      let sum = 0;
      for (let r = 0; r < repeats; r++) sum += drops[r];
      mean[g] = sum / repeats;
      let squares = 0;
      for (let r = 0; r < repeats; r++) squares += (drops[r] - mean[g]) ** 2;
      sd[g] = repeats > 1 ? Math.sqrt(squares / (repeats - 1)) : 0;
    }
  }
  return { mean, sd, baseAuc };
}

/**
 * A tree renumbered breadth first so a node's children are consecutive, in two small arrays:
 * split[node] is the threshold (the value at a leaf); child[2·node] the left child (right is one
 * more) and child[2·node + 1] the feature tested (−1 at a leaf). A walk touches one or two cache
 * lines per level instead of five.
 */
function packTree(tree: FlatTree): { split: Float64Array; child: Int32Array } {
  const { feature, threshold, left, right, value } = tree;
  const nodes = feature.length;
  const split = new Float64Array(nodes);
  const child = new Int32Array(2 * nodes);
  const old = new Int32Array(nodes); // old id of each new node, in breadth-first order
  let next = 1;
  for (let m = 0; m < next; m++) {
    const o = old[m];
    if (feature[o] < 0) {
      split[m] = value[o];
      child[2 * m] = -1;
      child[2 * m + 1] = -1;
      continue;
    }
    split[m] = threshold[o];
    child[2 * m] = next;
    child[2 * m + 1] = feature[o];
    old[next++] = left[o];
    old[next++] = right[o];
  }
  return { split, child };
}
