import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { binDataset } from '../../../src/stats/forest/binning.js';
import { mulberry32 } from '../../../src/stats/index.js';

/** One column: `zeros` of the rows 0 (a few −0), the rest counts and negative values, shuffled. */
function zeroHeavyColumn(rows: number, zeroShare: number, distinct: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: rows }, () => {
    if (random() < zeroShare) return random() < 0.1 ? -0 : 0;
    const value = 1 + Math.floor(random() * random() * distinct);
    return random() < 0.2 ? -value / 4 : value;
  });
}

function binColumn(column: Float64Array, bins: number) {
  const binned = binDataset(column, new Uint8Array(column.length), column.length, 1, bins);
  return { codes: [...binned.codes], cuts: [...binned.cuts] };
}

describe('binDataset', () => {
  for (const distinct of [20, 500]) {
    test(`a zero-heavy column (${distinct} distinct nonzero values) is binned as if no value were zero`, () => {
      // Shifting every value keeps their order and ties but leaves no zero, so zeros must
      // take the same bins through their shortcut as through the whole sort.
      const column = zeroHeavyColumn(3000, 0.65, distinct, distinct);
      const shifted = column.map((v) => v + 0.5);
      for (const bins of [16, 64, 256]) {
        const plain = binColumn(shifted, bins);
        const zeroHeavy = binColumn(column, bins);
        assert.deepEqual(zeroHeavy.codes, plain.codes, `codes with ${bins} bins`);
        assert.equal(zeroHeavy.cuts.length, plain.cuts.length);
        zeroHeavy.cuts.forEach((cut, b) => assert.ok(Math.abs(cut + 0.5 - plain.cuts[b]) < 1e-9, `cut ${b}`));
      }
    });
  }

  test('code b holds exactly the values in (cut b − 1, cut b], one bin per value when few', () => {
    const column = zeroHeavyColumn(2000, 0.7, 30, 3);
    const { codes, cuts } = binColumn(column, 64);
    const distinct = new Set([...column].map((v) => (v === 0 ? 0 : v))).size;
    assert.equal(cuts.length + 1, distinct);
    column.forEach((v, i) => {
      const b = codes[i];
      assert.ok((b === 0 || cuts[b - 1] < v) && (b === cuts.length || v <= cuts[b]), `row ${i}: ${v} in bin ${b}`);
    });
  });

  test('many distinct values: at most `bins` bins, zeros in one of them', () => {
    const column = zeroHeavyColumn(5000, 0.6, 3000, 4);
    const { codes, cuts } = binColumn(column, 32);
    assert.ok(cuts.length <= 31 && cuts.length >= 25, `${cuts.length} cuts`);
    const zeroCodes = new Set(codes.filter((_, i) => column[i] === 0));
    assert.equal(zeroCodes.size, 1);
    for (let i = 1; i < cuts.length; i++) assert.ok(cuts[i] > cuts[i - 1]);
  });
});
