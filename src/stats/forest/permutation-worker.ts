// Worker thread: scores its share of the groups for permutation importance from shared memory.
import { parentPort } from 'node:worker_threads';
import { shuffleImportance, type ShuffleJob, type ShuffleResult } from './shuffle-engine.js';

export type PermutationReply = { ok: true; result: ShuffleResult } | { ok: false; error: string };

// Guarded so importing this file for its types outside a thread does nothing.
parentPort?.on('message', (job: ShuffleJob) => {
  try {
    const result = shuffleImportance(job);
    parentPort!.postMessage({ ok: true, result } satisfies PermutationReply, [result.mean.buffer as ArrayBuffer, result.sd.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).stack ?? String(err) } satisfies PermutationReply);
  }
});
