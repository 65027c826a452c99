/**
 * mulberry32: a tiny 32-bit seeded PRNG (Tommy Ettinger's, as popularised by bryc). Returns
 * a function yielding floats in [0, 1); the same seed always gives the same sequence.
 */
export function mulberry32(seed: number): () => number {
  if (!Number.isInteger(seed)) throw new Error(`invalid seed: ${seed}`);
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
