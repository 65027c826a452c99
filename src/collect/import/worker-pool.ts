import { Worker } from 'node:worker_threads';
import { threadCode } from '../../stats/thread-code.js';
import type { ChunkResult } from './parse-lines.js';
import type { WorkerJob } from './jsonl-worker.js';

const parserThreadCode = () => threadCode(new URL('./jsonl-worker.ts', import.meta.url));

/** A fixed set of parser threads; `run` resolves when a chunk's batch file is written. */
export class ParserPool {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private waiting: { job: WorkerJob; resolve: (r: ChunkResult) => void; reject: (e: Error) => void }[] = [];
  private nextId = 0;
  private pending = new Map<number, { resolve: (r: ChunkResult) => void; reject: (e: Error) => void }>();

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(parserThreadCode(), { eval: true });
      worker.on('message', (msg: { id: number; ok: boolean; result?: ChunkResult; error?: string }) => {
        const p = this.pending.get(msg.id)!;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result!);
        else p.reject(new Error(`parser thread failed: ${msg.error}`));
        this.release(worker);
      });
      // A thread that dies fails the whole import rather than leaving chunks unparsed.
      worker.on('error', (err) => {
        for (const p of [...this.pending.values(), ...this.waiting]) p.reject(err);
        this.pending.clear();
        this.waiting = [];
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  run(work: Omit<WorkerJob, 'id'>): Promise<ChunkResult> {
    const job = { ...work, id: this.nextId++ };
    return new Promise((resolve, reject) => {
      const worker = this.idle.pop();
      if (worker) this.dispatch(worker, job, resolve, reject);
      else this.waiting.push({ job, resolve, reject });
    });
  }

  private dispatch(worker: Worker, job: WorkerJob, resolve: (r: ChunkResult) => void, reject: (e: Error) => void) {
    this.pending.set(job.id, { resolve, reject });
    worker.postMessage(job, [job.bytes.buffer as ArrayBuffer]);
  }

  private release(worker: Worker) {
    const next = this.waiting.shift();
    if (next) this.dispatch(worker, next.job, next.resolve, next.reject);
    else this.idle.push(worker);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
