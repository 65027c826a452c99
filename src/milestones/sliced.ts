import { setImmediate } from 'node:timers/promises';

/** Items handled between two turns of the event loop. */
const SLICE = 2000;

/** Maps a long list in slices, yielding between them, so a server answers its requests during a refresh. */
export async function mapSliced<T, U>(items: readonly T[], fn: (item: T) => U): Promise<U[]> {
  const out = new Array<U>(items.length);
  for (let i = 0; i < items.length; i++) {
    out[i] = fn(items[i]);
    if (i % SLICE === SLICE - 1) await setImmediate();
  }
  return out;
}
