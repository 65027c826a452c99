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
 * Idle tree-growing threads, kept for the next fit: a new thread pays ~0.1 s to start and to
 * compile the tree code again. Unreferenced while idle, so they never keep the process alive.
 */
const idle: Worker[] = [];

function takeWorker(): Worker {
  let worker = idle.pop();
  if (worker === undefined) {
    const created = new Worker(forestThreadCode(), { eval: true });
    // A thread that dies while idle is only dropped: a job's own listeners report failures.
    created.on('error', () => {});
    created.on('exit', () => {
      const i = idle.indexOf(created);
      if (i >= 0) idle.splice(i, 1);
    });
    worker = created;
  }
  worker.ref();
  return worker;
}

function releaseWorker(worker: Worker): void {
  worker.unref();
  if (idle.length < availableParallelism()) idle.push(worker);
  else void worker.terminate();
}

/** Runs one job on a thread; the thread goes back to the idle ones only if it answered. */
function runJob(worker: Worker, job: ForestJob): Promise<GrownTree[]> {
  return new Promise<GrownTree[]>((resolve, reject) => {
    const settle = (error: Error | undefined, trees?: GrownTree[]) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (error) {
        void worker.terminate();
        reject(error);
      } else {
        releaseWorker(worker);
        resolve(trees!);
      }
    };
    const onMessage = (reply: ForestReply) =>
      reply.ok ? settle(undefined, reply.trees) : settle(new Error(`forest thread failed: ${reply.error}`));
    const onError = (err: Error) => settle(err);
    const onExit = (code: number) => settle(new Error(`forest thread exited: ${code}`));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(job);
  });
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
  const next = new Int32Array(new SharedArrayBuffer(4));
  const job: ForestJob = { data, params, seed, trees, next };
  const results = await Promise.all(Array.from({ length: threads }, () => runJob(takeWorker(), job)));
  const grown = results.flat();
  grown.sort((a, b) => a.index - b.index);
  return grown;
}
