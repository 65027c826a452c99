import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { escapeBatchBackslashes, tsvRows } from '../../src/store/clickhouse/clickhouse-tsv.js';

const escaped = async (chunks: string[]) => {
  const out: Buffer[] = [];
  for await (const b of Readable.from(chunks.map((c) => Buffer.from(c))).pipe(escapeBatchBackslashes())) out.push(b as Buffer);
  return Buffer.concat(out).toString();
};

describe('ClickHouse tab-separated text', () => {
  it('doubles every backslash of a batch file, at either end of a chunk and side by side, and leaves the rest', async () => {
    assert.equal(await escaped(['plain\ttext\n']), 'plain\ttext\n');
    assert.equal(await escaped(['\\a\\\\b\\', '\\', 'c\\"é\\u00e9\n']), '\\\\a\\\\\\\\b\\\\\\\\c\\\\"é\\\\u00e9\n');
  });

  it('escapes values held in memory, NULL as \\N', () => {
    assert.equal(tsvRows([['a\tb', null, 3, 'x\\y\nz']]), 'a\\tb\t\\N\t3\tx\\\\y\\nz\n');
  });
});
