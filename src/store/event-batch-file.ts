import { closeSync, openSync, writeSync } from 'node:fs';
import type { TrackedEvent } from '../model/index.js';

/**
 * The normalized batch file: how checked events travel from the parsers (on any thread) to an
 * engine's bulk loader. Tab-separated, one event per line, no quoting: every text field has
 * been checked free of control characters, and metadata is JSON (which escapes them), so a
 * tab or newline can only be a separator. Empty means NULL. Both engines load it natively.
 */
export const EVENT_BATCH_COLUMNS = [
  ['seq', 'bigint'],
  ['message_id', 'text'],
  ['account_id', 'text'],
  ['user_id', 'text'],
  ['anonymous_id', 'text'],
  ['action', 'text'],
  ['object', 'text'],
  ['place', 'text'],
  ['metadata', 'text'],
  ['timestamp_ms', 'bigint'],
  ['count', 'integer'],
] as const;

const FLUSH_BYTES = 1 << 20;

/** Appends events to a batch file; `seq` orders them so the first of a duplicate wins. */
export class EventBatchWriter {
  private fd: number;
  private buffer = '';
  rows = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(seq: number, e: TrackedEvent): void {
    this.buffer += `${seq}\t${e.messageId}\t${e.accountId}\t${e.userId ?? ''}\t${e.anonymousId ?? ''}\t${e.action}\t${e.object}\t${e.place ?? ''}\t${JSON.stringify(e.metadata)}\t${e.timestamp}\t${e.count}\n`;
    this.rows++;
    if (this.buffer.length >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.buffer) writeSync(this.fd, this.buffer);
    this.buffer = '';
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
