/**
 * The engine behind permutation importance, held out and out of bag, in-process or in a worker
 * thread: plain typed arrays in, drops in AUC out. Imports nothing that cannot run in a thread.
 */
import { aucOfSplit } from './auc.js';
import type { FlatTree } from './tree.js';

/**
 * Every tree of a forest renumbered breadth first, so that a node's children are consecutive,
 * in two arrays indexed by a global node id (tree t's root is `roots[t]`): split[m] is the
 * threshold, or the value at a leaf; child[2m] the left child's id (the right is one more) and
 * child[2m + 1] the feature tested, −1 at a leaf. A step of a walk touches one or two cache lines
 * instead of five. 16 bytes a node.
 */
export interface PackedForest {
  roots: Uint32Array;
  split: Float64Array;
  child: Int32Array;
}

/** Packs trees; in shared memory when worker threads are to read them. */
export function packForest(trees: readonly FlatTree[], shared: boolean): PackedForest {
  let total = 0;
  for (const tree of trees) total += tree.feature.length;
  const split = new Float64Array(shared ? new SharedArrayBuffer(8 * total) : new ArrayBuffer(8 * total));
  const child = new Int32Array(shared ? new SharedArrayBuffer(8 * total) : new ArrayBuffer(8 * total));
  const roots = new Uint32Array(trees.length);
  let maxNodes = 0;
  for (const tree of trees) maxNodes = Math.max(maxNodes, tree.feature.length);
  const old = new Int32Array(maxNodes); // old id of each new node, in breadth-first order
  let base = 0;
  trees.forEach((tree, t) => {
    const { feature, threshold, left, right, value } = tree;
    roots[t] = base;
    let next = 1;
    old[0] = 0;
    for (let m = 0; m < next; m++) {
      const o = old[m];
      const id = base + m;
      if (feature[o] < 0) {
        split[id] = value[o];
        child[2 * id] = -1;
        child[2 * id + 1] = -1;
        continue;
      }
      split[id] = threshold[o];
      child[2 * id] = base + next;
      child[2 * id + 1] = feature[o];
      old[next++] = left[o];
      old[next++] = right[o];
    }
    base += feature.length;
  });
  return { roots, split, child };
}

export interface ShuffleJob {
  forest: PackedForest;
  /** Row-major n × features; read only. */
  x: Float64Array;
  y: Uint8Array;
  n: number;
  features: number;
  /** Every group of columns (checked); the job scores those listed in `groupIds`. */
  groups: Int32Array[];
  groupIds: number[];
  repeats: number;
  seed: number;
  /** Null: every tree scores every row. Otherwise tree t skips row i when bit i of its words is set. */
  inBag: { stride: number; words: Uint32Array } | null;
  /**
   * Memory for one block of groups: per row, 12 bytes per shuffle (a permutation entry and a
   * running sum) and 8 per column (a copy to gather from). At least one group goes in a block.
   */
  blockBytes: number;
}

export interface ShuffleResult {
  /** Per entry of `groupIds`. */
  mean: Float64Array;
  sd: Float64Array;
  baseAuc: number;
}

/**
 * Drops in AUC for the job's groups. Group g's shuffle r is a Fisher–Yates permutation of the
 * rows drawn with mulberry32(seed) advanced by (g·repeats + r)·(n − 1) draws: exactly the draws
 * of shuffling every group in order from one generator, whichever groups a job scores.
 *
 * Groups go in blocks so that one walk to each row's leaf serves a whole block, as many as
 * `blockBytes` allows. Rows go in chunks (their shuffled values gathered once per chunk), and
 * every tree scores a chunk's rows at once. The walk to a row's leaf records its path; then, for
 * each node of the path that tests a column of a block group, each of that group's shuffles is
 * checked at that node. Where the shuffled value takes the path's own branch nothing changes; at
 * the first node where it does not, the row is walked down the other branch, with the group's
 * columns shuffled, to its new leaf. Sums stay per (row, group, shuffle) and run in tree order,
 * as predictProba's do, so a score no shuffle changed equals the unshuffled one exactly.
 */
export function shuffleImportance(job: ShuffleJob): ShuffleResult {
  const { forest, x, y, n, features, groups, groupIds, repeats, inBag } = job;
  const { roots, split, child } = forest;
  const trees = roots.length;
  const stride = inBag?.stride ?? 0;
  const words = inBag?.words;

  // Trees scoring each row; rows no tree scores (drawn by every tree) are left out of the AUC.
  const den = new Float64Array(n);
  if (words) {
    for (let t = 0; t < trees; t++) {
      const base = t * stride;
      for (let i = 0; i < n; i++) if (((words[base + (i >>> 5)] >>> (i & 31)) & 1) === 0) den[i]++;
    }
  } else den.fill(trees);
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < n; i++) if (den[i] > 0) y[i] === 1 ? positives++ : negatives++;
  const positiveRows = new Uint32Array(positives);
  const negativeRows = new Uint32Array(negatives);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (den[i] === 0) continue;
    if (y[i] === 1) positiveRows[p++] = i;
    else negativeRows[q++] = i;
  }
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  const scratch = new Float64Array(Math.max(positives, negatives));
  /** AUC of per-row sums sums[row · step + at] / den[row]. */
  const aucOf = (sums: Float64Array, step: number, at: number): number => {
    if (positives === 0 || negatives === 0) return NaN;
    for (let k = 0; k < positives; k++) pos[k] = sums[positiveRows[k] * step + at] / den[positiveRows[k]];
    for (let k = 0; k < negatives; k++) neg[k] = sums[negativeRows[k] * step + at] / den[negativeRows[k]];
    return aucOfSplit(pos, neg, scratch);
  };

  const G = groupIds.length;
  // Blocks of consecutive groups within blockBytes: per row, each group costs a permutation entry
  // and a running sum per shuffle (12 bytes) and a copy of each of its columns (8 bytes).
  const blockStarts = [0];
  let maxCells = 0;
  let maxColumns = 0;
  for (let g = 0, cells = 0, columns = 0; g <= G; g++) {
    const k = g < G ? groups[groupIds[g]].length : 0;
    if (g === G || (cells > 0 && n * (12 * (cells + repeats) + 8 * (columns + k)) > job.blockBytes)) {
      maxCells = Math.max(maxCells, cells);
      maxColumns = Math.max(maxColumns, columns);
      if (g === G) break;
      blockStarts.push(g);
      cells = 0;
      columns = 0;
    }
    cells += repeats;
    columns += k;
  }
  blockStarts.push(G);
  const permutations = new Uint32Array(maxCells * n);
  const sumsBuffer = new Float64Array(maxCells * n);
  const columnsBuffer = new Float64Array(maxColumns * n);
  let maxNodes = 1;
  for (let t = 0; t < trees; t++) maxNodes = Math.max(maxNodes, (t + 1 < trees ? roots[t + 1] : split.length) - roots[t]);
  const path = new Int32Array(maxNodes + 1);

  const full = new Int32Array(Math.ceil(repeats / BATCH));
  for (let batch = 0; batch < full.length; batch++) full[batch] = 2 ** Math.min(BATCH, repeats - batch * BATCH) - 1;
  const baseSum = new Float64Array(n);
  let baseAuc = NaN;
  const drops = new Float64Array(repeats);
  const mean = new Float64Array(G);
  const sd = new Float64Array(G);
  for (let blk = 0; blk + 1 < blockStarts.length; blk++) {
    const first = blockStarts[blk];
    const width = blockStarts[blk + 1] - first;
    const cells = width * repeats; // a row's running sums: block group b, shuffle r at b·repeats + r
    // A chunk row's shuffled values: group b's c-th column, shuffle r, at offset[b] + r·size[b] + c.
    const offset = new Int32Array(width + 1);
    const size = new Int32Array(width);
    // member[b·features + column]: the column's place in block group b, or −1.
    const member = new Int32Array(width * features).fill(-1);
    // The block groups holding each column g: memberOf[columnStart[g] … columnStart[g + 1]).
    const columnStart = new Int32Array(features + 1);
    for (let b = 0; b < width; b++) {
      const group = groups[groupIds[first + b]];
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
    for (let b = 0; b < width; b++) for (const column of groups[groupIds[first + b]]) memberOf[fill[column]++] = b;
    const S = offset[width];

    for (let b = 0; b < width; b++) {
      for (let r = 0; r < repeats; r++) {
        const perm = permutations.subarray((b * repeats + r) * n, (b * repeats + r + 1) * n);
        shufflePermutation(perm, startState(job.seed, (groupIds[first + b] * repeats + r) * (n - 1)));
      }
    }

    const sums = sumsBuffer.subarray(0, n * cells);
    sums.fill(0);
    const chunk = Math.max(1, Math.min(n, Math.floor(CHUNK_VALUES / S)));
    const block: Block = {
      split,
      child,
      roots,
      oob: words !== undefined,
      words: words ?? new Uint32Array(0),
      stride,
      x,
      features,
      repeats,
      cells,
      S,
      offset,
      size,
      member,
      columnStart,
      memberOf,
      shuffled: new Float64Array(chunk * S),
      sums,
      baseSum: first === 0 ? baseSum : null,
      path,
      alive: new Int32Array(width * full.length),
      full,
      movedLeaf: new Int32Array(cells),
      stack: new Int32Array(2 * (BATCH + 1)),
    };
    for (let b = 0; b < width; b++) block.alive.set(full, b * full.length);
    // The block's columns, each contiguous, so the shuffles gather from a small array.
    const columnValues = columnsBuffer.subarray(0, (offset[width] / repeats) * n);
    for (let b = 0, at = 0; b < width; b++) {
      for (const column of groups[groupIds[first + b]]) {
        for (let i = 0; i < n; i++) columnValues[at + i] = x[i * features + column];
        at += n;
      }
    }
    for (let lo = 0; lo < n; lo += chunk) {
      const hi = Math.min(n, lo + chunk);
      for (let b = 0; b < width; b++) {
        const k = size[b];
        for (let c = 0; c < k; c++) {
          const columnBase = ((offset[b] / repeats + c) * n);
          for (let r = 0; r < repeats; r++) {
            const permBase = (b * repeats + r) * n;
            const at = offset[b] + r * k + c;
            for (let i = lo; i < hi; i++) block.shuffled[(i - lo) * S + at] = columnValues[columnBase + permutations[permBase + i]];
          }
        }
      }
      for (let t = 0; t < trees; t += TILE) scoreTrees(block, t, Math.min(trees, t + TILE), lo, hi);
    }

    if (first === 0) baseAuc = aucOf(baseSum, 1, 0);
    for (let b = 0; b < width; b++) {
      for (let r = 0; r < repeats; r++) drops[r] = baseAuc - aucOf(sums, cells, b * repeats + r);
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

/** One block of groups' state, for {@link scoreTree}; every field always of one type. */
interface Block {
  split: Float64Array;
  child: Int32Array;
  roots: Uint32Array;
  /** Whether trees skip their in-bag rows (`words`, `stride` words a tree). */
  oob: boolean;
  words: Uint32Array;
  stride: number;
  x: Float64Array;
  features: number;
  repeats: number;
  /** Running sums per row. */
  cells: number;
  /** Shuffled values per chunk row. */
  S: number;
  offset: Int32Array;
  size: Int32Array;
  member: Int32Array;
  columnStart: Int32Array;
  memberOf: Int32Array;
  /** The chunk's shuffled values, row-major from its first row. */
  shuffled: Float64Array;
  sums: Float64Array;
  /** Unshuffled sums, filled in the first block only. */
  baseSum: Float64Array | null;
  path: Int32Array;
  /** Per block group and batch of up to BATCH shuffles: those still on the row's path, as bits. */
  alive: Int32Array;
  /** Per batch: all its shuffles' bits. */
  full: Int32Array;
  /** Per cell: the leaf a shuffle that left the path reached. */
  movedLeaf: Int32Array;
  /** Pending (node, mask) pairs of a walk off the path. */
  stack: Int32Array;
}

/** Shuffles handled together as bits of one mask (bit 30 is the highest used, to stay positive). */
const BATCH = 30;
const TILE = Number(process.env.TILE ?? 8);

/**
 * Tree t's share of every sum for rows lo … hi − 1 (the chunk whose shuffled values are in
 * block.shuffled). Its own function, so it is optimised as a whole and re-entered per tree.
 *
 * Shuffles of a group are tracked as bit masks: `alive` holds those still on the row's own path.
 * The shuffles that leave the path at the same node walk the other branch together, splitting
 * only where a node tests one of the group's columns and they disagree, so shared stretches of
 * the walk are taken once.
 */
function scoreTrees(block: Block, t0: number, t1: number, lo: number, hi: number): void {
  const { split, child, oob, words, x, features, repeats, cells, S, offset, size, member, columnStart, memberOf } = block;
  const { shuffled, sums, baseSum, path, alive, full, movedLeaf, stack } = block;
  const batches = full.length;
  const stride = block.stride;
  for (let i = lo; i < hi; i++) for (let t = t0; t < t1; t++) {
    const root = block.roots[t];
    if (oob && ((words[t * stride + (i >>> 5)] >>> (i & 31)) & 1) !== 0) continue;
    const rowBase = i * features;
    const valueRow = (i - lo) * S;
    let depth = 0;
    let leaf = root;
    for (let f = child[2 * leaf + 1]; f >= 0; f = child[2 * leaf + 1]) {
      path[depth++] = leaf;
      leaf = child[2 * leaf] + +(x[rowBase + f] > split[leaf]);
    }
    path[depth] = leaf;
    const leafValue = split[leaf];
    if (baseSum !== null) baseSum[i] += leafValue;

    for (let q = 0; q < depth; q++) {
      const node = path[q];
      const g = child[2 * node + 1];
      const end = columnStart[g + 1];
      if (columnStart[g] === end) continue;
      const cut = split[node];
      const wentRight = path[q + 1] !== child[2 * node];
      const other = child[2 * node] + (wentRight ? 0 : 1);
      for (let e = columnStart[g]; e < end; e++) {
        const b = memberOf[e];
        const k = size[b];
        const memberBase = b * features;
        const groupBase = valueRow + offset[b];
        for (let batch = 0; batch < batches; batch++) {
          const live = alive[b * batches + batch];
          if (live === 0) continue;
          const r0 = batch * BATCH;
          const own = groupBase + member[memberBase + g] + r0 * k;
          let right = 0;
          const count = batch + 1 < batches ? BATCH : repeats - r0;
          for (let r = 0, at = own; r < count; r++, at += k) right |= +(shuffled[at] > cut) << r;
          const leave = (wentRight ? ~right : right) & live;
          if (leave === 0) continue;
          alive[b * batches + batch] = live & ~leave;
          // Walk the other branch with the group shuffled, the leaving shuffles together.
          const batchBase = groupBase + r0 * k;
          let sp = 0;
          stack[sp++] = other;
          stack[sp++] = leave;
          while (sp > 0) {
            let mask = stack[--sp];
            let m = stack[--sp];
            for (let h = child[2 * m + 1]; h >= 0; h = child[2 * m + 1]) {
              const c = member[memberBase + h];
              if (c < 0) {
                m = child[2 * m] + +(x[rowBase + h] > split[m]);
                continue;
              }
              const cutHere = split[m];
              let goRight = 0;
              for (let rest = mask; rest !== 0; rest &= rest - 1) {
                const bit = rest & -rest;
                if (shuffled[batchBase + (31 - Math.clz32(bit)) * k + c] > cutHere) goRight |= bit;
              }
              const l = child[2 * m];
              if (goRight === 0) m = l;
              else if (goRight === mask) m = l + 1;
              else {
                stack[sp++] = l + 1;
                stack[sp++] = goRight;
                mask &= ~goRight;
                m = l;
              }
            }
            const cellBase = b * repeats + r0;
            for (let rest = mask; rest !== 0; rest &= rest - 1) movedLeaf[cellBase + 31 - Math.clz32(rest & -rest)] = m;
          }
        }
      }
    }

    const sumBase = i * cells;
    for (let b = 0, cell = 0; b < cells / repeats; b++) {
      for (let batch = 0; batch < batches; batch++) {
        const live = alive[b * batches + batch];
        const count = Math.min(BATCH, repeats - batch * BATCH);
        if (live === full[batch]) {
          for (let r = 0; r < count; r++) sums[sumBase + cell++] += leafValue;
          continue;
        }
        for (let r = 0; r < count; r++, cell++) sums[sumBase + cell] += (live >>> r) & 1 ? leafValue : split[movedLeaf[cell]];
        alive[b * batches + batch] = full[batch];
      }
    }
  }
}

/** Shuffled values gathered per chunk of rows (8 bytes each). */
const CHUNK_VALUES = Number(process.env.CHUNK ?? 1 << 19);

/**
 * The state of mulberry32(seed) (src/stats/random.ts's generator) after `skip` draws, as an
 * int32: the state just adds a constant per draw, so skipping ahead is one multiplication.
 */
function startState(seed: number, skip: number): number {
  return ((seed >>> 0) + Math.imul(skip % 4294967296 >>> 0, 0x6d2b79f5)) | 0;
}

/**
 * Fills `perm` with a Fisher–Yates permutation of 0 … n − 1 drawn by mulberry32 from `start`
 * (see startState). Shuffling a column in place with the same draws moves value perm[i] to row i.
 */
function shufflePermutation(perm: Uint32Array, start: number): void {
  const n = perm.length;
  let state = start >>> 0;
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const j = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (i + 1));
    const swap = perm[i];
    perm[i] = perm[j];
    perm[j] = swap;
  }
}

