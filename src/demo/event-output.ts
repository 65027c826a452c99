/**
 * Turns simulated events into import-format-v1 JSONL lines and adds the noise real pipelines
 * deliver: Segment-shaped lines, retried duplicates, late arrivals in a second file, clock
 * skew and a few malformed lines. Noise draws use their own random stream, so the planted
 * behaviour is identical with and without noise.
 */

import { EVENT_TYPES } from './event-types.js';
import { accountTag, messageTag } from './ids.js';
import { DAY_MS, NOISE } from './planted-model.js';
import { Rng, hashSeed } from './random.js';
import { THREE, TWO, isoUtc } from './time.js';
import type { BufferedWriter } from './writers.js';

export interface NoiseCounts {
  malformedLines: number;
  duplicateLines: number;
  segmentLines: number;
  lateEvents: number;
  swappedLines: number;
}

const NOISE_STREAM = 0x6e6f6973;

/** Zero-padded to 6 digits (or more), without padStart on the hot path. */
function seqText(n: number): string {
  return n < 1_000_000 ? THREE[Math.floor(n / 1000)] + THREE[n % 1000] : String(n);
}

export class EventOutput {
  readonly counts: NoiseCounts = { malformedLines: 0, duplicateLines: 0, segmentLines: 0, lateEvents: 0, swappedLines: 0 };
  private rng = new Rng(0);
  private seq = 0;
  private accountTag = '';
  private messageTag = '';
  private messagePrefix = '';
  private accountPart = '';
  private held: string | null = null;
  private readonly retries: { line: string; due: number }[] = [];
  private readonly recentFrom: number;
  /** Nothing from the last day arrives late, so events.jsonl reaches the end of the data. */
  private readonly lateBefore: number;

  constructor(
    private readonly main: BufferedWriter,
    /** Null when noise is off: everything then goes to the main file, clean. */
    private readonly late: BufferedWriter | null,
    private readonly seed: number,
    endMs: number,
  ) {
    this.recentFrom = endMs - NOISE.lateRecentDays * DAY_MS;
    this.lateBefore = endMs - DAY_MS;
  }

  get lines(): number {
    return this.main.lines + (this.late ? this.late.lines : 0);
  }

  startAccount(index: number): void {
    this.seq = 0;
    this.accountTag = accountTag(index);
    this.messageTag = messageTag(index);
    this.messagePrefix = `{"message_id":"m_${this.messageTag}_`;
    this.accountPart = `","account_id":"acc_${this.accountTag}","user_id":"u_${this.accountTag}_`;
    this.rng = new Rng(hashSeed(this.seed ^ NOISE_STREAM, index));
  }

  readonly emit = (ts: number, type: number, user: number, metadata: string): void => {
    const seq = seqText(++this.seq);
    const line =
      this.messagePrefix + seq + '","timestamp":"' + isoUtc(ts) + this.accountPart + (user < 100 ? TWO[user] : String(user)) +
      EVENT_TYPES[type].jsonMiddle + metadata + '}\n';
    if (!this.late) {
      this.main.write(line);
      return;
    }
    // One draw picks at most one kind of noise; the thresholds stack.
    let u = this.rng.next();
    if ((u -= ts >= this.lateBefore ? 0 : ts >= this.recentFrom ? NOISE.lateRecentRate : NOISE.lateRate) < 0) {
      this.counts.lateEvents++;
      this.late.write(line);
    } else if ((u -= NOISE.swapRate) < 0) {
      this.writeMain(line, true);
    } else if ((u -= NOISE.duplicateRate) < 0) {
      this.writeMain(line, false);
      this.retries.push({ line, due: this.main.lines + 1 + this.rng.int(200) });
    } else if ((u -= NOISE.lateDuplicateRate) < 0) {
      this.writeMain(line, false);
      this.counts.duplicateLines++;
      this.late.write(line);
    } else if ((u -= 1 / NOISE.segmentEvery) < 0) {
      this.counts.segmentLines++;
      this.writeMain(this.segmentLine(seq, ts, type, user, metadata), false);
    } else if ((u -= 1 / NOISE.malformedEvery) < 0) {
      this.writeMain(line, false);
      this.writeMain(this.malformedLine(ts, type, user, metadata), false);
    } else {
      this.writeMain(line, false);
    }
  };

  /** Writes what is still held back; call once at the end. */
  finish(): void {
    if (this.held) this.main.write(this.held);
    this.held = null;
    for (const r of this.retries) this.main.write(r.line);
    this.counts.duplicateLines += this.retries.length;
    this.retries.length = 0;
  }

  private writeMain(line: string, hold: boolean): void {
    if (hold && !this.held) {
      this.held = line; // written after the next line: out of order
      this.counts.swappedLines++;
      return;
    }
    this.main.write(line);
    if (this.held) {
      this.main.write(this.held);
      this.held = null;
    }
    if (this.retries.length > 0 && this.retries[0].due <= this.main.lines) {
      this.main.write(this.retries.shift()!.line);
      this.counts.duplicateLines++;
    }
  }

  private segmentLine(seq: string, ts: number, type: number, user: number, metadata: string): string {
    const t = EVENT_TYPES[type];
    return (
      JSON.stringify({
        type: 'track',
        event: t.segmentName,
        messageId: `m_${this.messageTag}_${seq}`,
        timestamp: isoUtc(ts),
        userId: `u_${this.accountTag}_${user < 100 ? TWO[user] : user}`,
        context: { groupId: `acc_${this.accountTag}` },
        properties: { ...JSON.parse(metadata), place: t.place },
      }) + '\n'
    );
  }

  /** Five kinds of broken line, in rotation so every kind shows up. */
  private malformedLine(ts: number, type: number, user: number, metadata: string): string {
    const kind = this.counts.malformedLines++ % 5;
    const t = EVENT_TYPES[type];
    const event: Record<string, unknown> = {
      message_id: `m_${this.messageTag}_bad${this.counts.malformedLines}`,
      timestamp: isoUtc(ts),
      account_id: `acc_${this.accountTag}`,
      user_id: `u_${this.accountTag}_${user < 100 ? TWO[user] : user}`,
      action: t.action,
      object: t.object,
      place: t.place,
      metadata: JSON.parse(metadata),
    };
    if (kind === 0) {
      const text = JSON.stringify(event);
      return text.slice(0, Math.floor(text.length * 0.6)) + '\n';
    }
    if (kind === 1) delete event.action;
    if (kind === 2) event.timestamp = 'last tuesday';
    if (kind === 3) event.metadata = 'state=resolved';
    if (kind === 4) event.account_id = '';
    return JSON.stringify(event) + '\n';
  }
}
