// Worker thread: grows its share of a forest's trees from the shared binned data.
import { parentPort } from 'node:worker_threads';
import type { BinnedData } from './binning.js';
import { treeGrower, type GrownTree, type TreeParams } from './tree.js';

export interface ForestJob {
  data: BinnedData;
  params: TreeParams;
  seed: number;
  trees: number;
  /** The next tree to grow, shared by all threads (taken with Atomics.add). */
  next: Int32Array;
}

export type ForestReply = { ok: true; trees: GrownTree[] } | { ok: false; error: string };

// Guarded so importing this file for its types outside a thread does nothing.
parentPort?.on('message', (job: ForestJob) => {
  try {
    const trees: GrownTree[] = [];
    const growTree = treeGrower(job.data, job.params, job.seed);
    for (let t = Atomics.add(job.next, 0, 1); t < job.trees; t = Atomics.add(job.next, 0, 1)) {
      trees.push(growTree(t));
    }
    const transfer: ArrayBuffer[] = [];
    for (const { tree, importance, inBag, oobLeaves } of trees) {
      for (const array of [tree.feature, tree.threshold, tree.left, tree.right, tree.value, importance, inBag, oobLeaves]) {
        transfer.push(array.buffer as ArrayBuffer);
      }
    }
    parentPort!.postMessage({ ok: true, trees } satisfies ForestReply, transfer);
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).stack ?? String(err) } satisfies ForestReply);
  }
});
