// Worker thread: parses JSON-lines chunks into batch files, so both cores parse.
import { parentPort } from 'node:worker_threads';
import { parseChunkToFile, type ParseOptions } from './parse-lines.js';

export interface WorkerJob {
  id: number;
  file: string;
  firstLine: number;
  fileNo: number;
  bytes: Uint8Array;
  outPath: string;
  options: ParseOptions;
}

parentPort!.on('message', (job: WorkerJob) => {
  try {
    const text = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength).toString('utf8');
    const result = parseChunkToFile({ file: job.file, firstLine: job.firstLine, fileNo: job.fileNo, text }, job.outPath, job.options);
    parentPort!.postMessage({ id: job.id, ok: true, result }, [result.hashes.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ id: job.id, ok: false, error: (err as Error).stack ?? String(err) });
  }
});
