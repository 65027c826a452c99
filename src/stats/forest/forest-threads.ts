import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { threadCode } from '../thread-code.js';
import type { BinnedData } from './binning.js';
import type { ForestJob, ForestReply } from './forest-worker.js';
import type { GrownTree, TreeParams } from './tree.js';

/** The tree-growing thread's code. */
const forestThreadCode = () => threadCode(new URL('./forest-worker.ts', import.meta.url));

/** Default thread count: two, or one on a single-core machine. */
export function defaultThreads(): number {
  return Math.min(2, availableParallelism());
}

/**
 * Grows trees 0 … trees − 1 on `threads` threads. Each thread takes the next tree from a shared
 * counter, so a thread slowed by a busy machine takes fewer; every tree draws from its own seed,
 * so which thread grew it does not matter. The binned data lives in shared memory, so each
 * thread gets it once without a copy. Resolves in tree order.
 */
export async function growTreesInThreads(
  data: BinnedData,
  params: TreeParams,
  seed: number,
  trees: number,
  threads: number,
): Promise<GrownTree[]> {
  const code = forestThreadCode();
  const next = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true }));
  try {
    const results = await Promise.all(
      workers.map(
        (worker) =>
          new Promise<GrownTree[]>((resolve, reject) => {
            worker.once('message', (reply: ForestReply) => {
              if (reply.ok) resolve(reply.trees);
              else reject(new Error(`forest thread failed: ${reply.error}`));
            });
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`forest thread exited: ${code}`)));
            worker.postMessage({ data, params, seed, trees, next } satisfies ForestJob);
          }),
      ),
    );
    const grown = results.flat();
    grown.sort((a, b) => a.index - b.index);
    return grown;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
