import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

export type FileFormat = 'jsonl' | 'csv' | 'parquet';

/** Format from the name; compression is read from the bytes, not trusted from the name. */
export function detectFormat(path: string): FileFormat {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.parquet')) return 'parquet';
  if (name.endsWith('.csv')) return 'csv';
  return 'jsonl';
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export interface OpenedFile {
  stream: Readable;
  size: number;
  /** Bytes of the file read so far (compressed bytes for gzip), for progress. */
  position: () => number;
}

/** Opens a file as a byte stream, gunzipping when its first bytes say gzip. */
export async function openInput(path: string): Promise<OpenedFile> {
  const { size } = await stat(path);
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = (await isGzip(path)) ? file.pipe(createGunzip()) : file;
  if (stream !== file) file.on('error', (err) => stream.destroy(err));
  return { stream, size, position: () => file.bytesRead };
}
