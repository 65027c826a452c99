// Worker thread: one share of each phase of a permutation importance, on shared memory.
import { parentPort } from 'node:worker_threads';
import { ShuffleEngine, type ShuffleSetup } from './shuffle-engine.js';

/** The setup once, then one message per phase of a block; each answered by a reply. */
export type PermutationMessage =
  | { kind: 'setup'; setup: ShuffleSetup }
  | { kind: 'prepare' | 'score'; blk: number; part: number; parts: number }
  | { kind: 'drops'; blk: number; part: number; parts: number; baseAuc: number };

export type PermutationReply = { ok: true; drops?: Float64Array } | { ok: false; error: string };

let engine: ShuffleEngine | undefined;

// Guarded so importing this file for its types outside a thread does nothing.
parentPort?.on('message', (message: PermutationMessage) => {
  try {
    if (message.kind === 'setup') {
      engine = new ShuffleEngine(message.setup);
      parentPort!.postMessage({ ok: true } satisfies PermutationReply);
    } else if (message.kind === 'drops') {
      const drops = engine!.drops(message.blk, message.part, message.parts, message.baseAuc);
      parentPort!.postMessage({ ok: true, drops } satisfies PermutationReply, [drops.buffer as ArrayBuffer]);
    } else {
      engine![message.kind](message.blk, message.part, message.parts);
      parentPort!.postMessage({ ok: true } satisfies PermutationReply);
    }
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).stack ?? String(err) } satisfies PermutationReply);
  }
});
