/** Buffered file output that honours stream backpressure. */

import { createWriteStream, type WriteStream } from 'node:fs';

const CHUNK_BYTES = 1 << 20;
/** Lines are joined into a short string first: one encode per ~30 lines is cheaper than per line. */
const PENDING_CHARS = 1 << 12;

/**
 * Encodes lines into reused 1 MB byte chunks (one string per chunk would be a rope that costs
 * more to flatten than to build); callers await `drained()` between units of work.
 */
export class BufferedWriter {
  private buffer: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private pending = '';
  private readonly spare: Buffer[] = [];
  private readonly stream: WriteStream;
  private blocked = false;
  private failure: Error | null = null;
  lines = 0;

  /** `ascii` skips UTF-8 encoding: only for text known to be ASCII (the event lines). */
  constructor(
    readonly path: string,
    private readonly encoding: 'utf8' | 'ascii' = 'utf8',
  ) {
    // About one chunk queued before backpressure: memory stays at a few MB at any size.
    this.stream = createWriteStream(path, { highWaterMark: CHUNK_BYTES });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  /** Appends one line; `line` must end with a newline. */
  write(line: string): void {
    this.lines++;
    this.pending += line;
    if (this.pending.length >= PENDING_CHARS) this.encodePending();
  }

  private encodePending(): void {
    const text = this.pending;
    this.pending = '';
    // 3 bytes per UTF-16 unit is the UTF-8 worst case; a longer text gets a buffer of its own.
    const worst = this.encoding === 'ascii' ? text.length : text.length * 3;
    if (this.used + worst > CHUNK_BYTES) {
      this.flush();
      if (worst > CHUNK_BYTES) {
        if (!this.stream.write(text)) this.blocked = true;
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, this.encoding === 'ascii' ? 'latin1' : 'utf8');
  }

  private flush(): void {
    if (this.pending.length > 0) this.encodePending();
    if (this.used === 0) return;
    // The stream holds the chunk until it is written; then it is reused, as fresh memory is slow.
    const chunk = this.buffer;
    if (!this.stream.write(chunk.subarray(0, this.used), () => this.spare.push(chunk))) this.blocked = true;
    this.buffer = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }

  /** Resolves once the stream can take more (immediately unless it signalled backpressure). */
  async drained(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.blocked) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.stream.once('error', onError);
      this.stream.once('drain', () => {
        this.stream.off('error', onError);
        resolve();
      });
    });
    this.blocked = false;
  }

  async close(): Promise<void> {
    this.flush();
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}
