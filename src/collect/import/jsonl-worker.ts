// Worker thread: parses JSON-lines chunks into batch files, so both cores parse.
import { parentPort } from 'node:worker_threads';
import { EventBatchWriter } from '../../store/index.js';
import { parseJsonLines, type ParseOptions } from './parse-lines.js';

export interface WorkerJob {
  id: number;
  file: string;
  firstLine: number;
  seqBase: number;
  bytes: Uint8Array;
  outPath: string;
  options: ParseOptions;
}

parentPort!.on('message', (job: WorkerJob) => {
  try {
    const writer = new EventBatchWriter(job.outPath);
    const text = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength).toString('utf8');
    const result = parseJsonLines({ file: job.file, firstLine: job.firstLine, seqBase: job.seqBase, text }, writer, job.options);
    writer.close();
    parentPort!.postMessage({ id: job.id, ok: true, result });
  } catch (err) {
    parentPort!.postMessage({ id: job.id, ok: false, error: (err as Error).stack ?? String(err) });
  }
});
