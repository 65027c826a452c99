/** Parquet export (DuckDB in memory, whatever the workspace's engine) keeps every value it is given. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { writeParquet } from '../../src/store/duckdb/duckdb-parquet.js';
import { tempDir } from '../tmp.js';

it('writes columns whose first values are NULL without losing the rest', async () => {
  const file = join(await tempDir(), 'rows.parquet');
  const rows = [
    ['a', null, null],
    ['b', 2.5, 'x'],
    ['c', 3, null],
  ];
  await writeParquet(file, [{ name: 'id', type: 'text' }, { name: 'score', type: 'double' }, { name: 'note', type: 'text' }], rows);
  const bytes = await readFile(file);
  const back = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), compressors });
  assert.deepEqual(back, [
    { id: 'a', score: null, note: null },
    { id: 'b', score: 2.5, note: 'x' },
    { id: 'c', score: 3, note: null },
  ]);
});

it('writes numbers after a whole first one: fractions, and whole numbers beyond 32 bits', async () => {
  const file = join(await tempDir(), 'rows.parquet');
  const rows = [
    [1, 3, true],
    [0.25, 2 ** 40, false],
    [2, null, null],
  ];
  await writeParquet(file, [{ name: 'progress', type: 'double' }, { name: 'age', type: 'bigint' }, { name: 'reached', type: 'boolean' }], rows);
  const bytes = await readFile(file);
  const back = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), compressors });
  assert.deepEqual(
    back.map((r) => [r.progress, r.age === null ? null : Number(r.age), r.reached]),
    [
      [1, 3, true],
      [0.25, 2 ** 40, false],
      [2, null, null],
    ],
  );
});
