import type { OpenedFile } from './file-source.js';

export interface LineChunkBytes {
  /** Whole lines; its buffer belongs to this chunk alone, so it can be transferred to a worker. */
  bytes: Uint8Array;
  /** Lines in the chunk (a last line without a newline counts). */
  lines: number;
}

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Cuts a byte stream into chunks of whole lines of about `chunkBytes`, copying each byte once
 * into a buffer the chunk owns. A line longer than a chunk grows the buffer rather than split.
 */
export async function* lineChunks(input: OpenedFile, chunkBytes: number): AsyncGenerator<LineChunkBytes> {
  let buf = new Uint8Array(chunkBytes + (chunkBytes >> 2));
  let used = 0;
  const take = function* (final: boolean): Generator<LineChunkBytes> {
    const cut = final ? used : buf.lastIndexOf(10, used - 1) + 1;
    if (cut === 0) return;
    const next = new Uint8Array(Math.max(chunkBytes + (chunkBytes >> 2), (used - cut) * 2));
    next.set(buf.subarray(cut, used));
    const bytes = buf.subarray(0, cut);
    const lines = countNewlines(bytes) + (final && bytes[cut - 1] !== 10 ? 1 : 0);
    used -= cut;
    buf = next;
    yield { bytes, lines };
  };
  for await (const data of input.stream as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < data.length) {
      if (used === buf.length) {
        const grown = new Uint8Array(buf.length * 2);
        grown.set(buf);
        buf = grown;
      }
      const n = Math.min(buf.length - used, data.length - offset);
      buf.set(data.subarray(offset, offset + n), used);
      used += n;
      offset += n;
      if (used >= chunkBytes) yield* take(false);
    }
  }
  if (used > 0) yield* take(true);
}
