import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { csvRecords } from '../../src/collect/import/csv-records.js';

/** Reads CSV text given in chunks (to cut lines and \r\n pairs anywhere), as [line, fields | problem, raw]. */
async function read(...chunks: string[]): Promise<[number, string[] | string, string][]> {
  const input = { stream: Readable.from(chunks.map((c) => Buffer.from(c))), size: 0, position: () => 0 };
  const out: [number, string[] | string, string][] = [];
  for await (const r of csvRecords(input)) out.push([r.line, r.kind === 'record' ? Object.values(r.values) : r.message, r.raw]);
  return out;
}

describe('csvRecords', () => {
  it('reads RFC 4180: quoted commas, doubled quotes, empty fields, line breaks inside quotes, any line end', async () => {
    assert.deepEqual(await read('a,b\r\n', '"x,1","say ""hi"""\n', ',\r', '"",""\n', '"two\nlines",z'), [
      [2, ['x,1', 'say "hi"'], '"x,1","say ""hi"""'],
      [3, ['', ''], ','],
      [4, ['', ''], '"",""'],
      [5, ['two\nlines', 'z'], '"two\nlines",z'],
    ]);
  });

  it('keeps \\r\\n whole when a chunk ends between the two, and drops a byte-order mark', async () => {
    assert.deepEqual(await read('\ufeffa,b\r', '\n1,2\r', '\n3,4'), [
      [2, ['1', '2'], '1,2'],
      [3, ['3', '4'], '3,4'],
    ]);
  });

  it('one malformed record is one problem with the record whole, and reading goes on at the next line', async () => {
    const out = await read('a,b\n', 'x"y,1\n', '"q"r,2\n', '3\n', 'ok,4\n');
    assert.deepEqual(
      out.map(([line, what, raw]) => [line, typeof what === 'string' ? 'problem' : what, raw]),
      [
        [2, 'problem', 'x"y,1'],
        [3, 'problem', '"q"r,2'],
        [4, 'problem', '3'],
        [5, ['ok', '4'], 'ok,4'],
      ],
    );
    assert.match(out[0][1] as string, /^column 1: a quote inside an unquoted field/);
    assert.match(out[1][1] as string, /^column 1: a quoted field must end at its closing quote, got "r" after it$/);
    assert.equal(out[2][1], 'expected 2 columns (a,b), got 1');
  });

  it('a quote that never closes costs its own line, not the rest of the file', async () => {
    const out = await read('a,b\n1,"never closed\n2,two\n3,"three"\n');
    assert.deepEqual(
      out.map(([line, what, raw]) => [line, typeof what === 'string' ? 'problem' : what, raw]),
      [
        [2, 'problem', '1,"never closed'],
        [3, ['2', 'two'], '2,two'],
        [4, ['3', 'three'], '3,"three"'],
      ],
    );
    assert.match(out[0][1] as string, /a quoted field opens on this line and does not close as it should \(column 2: a quoted field must end/);
    const atEnd = await read('a,b\n1,"open to the end\n');
    assert.deepEqual(atEnd.map(([line, , raw]) => [line, raw]), [[2, '1,"open to the end']]);
    assert.match(atEnd[0][1] as string, /still open at the end of the file/);
  });

  it('a column named twice: the last one counts, as a key given twice in JSON', async () => {
    assert.deepEqual(await read('a,b,A\n1,2,3\n'), [[2, ['3', '2'], '1,2,3']]);
  });

  it('a header named __proto__ is a column like any other', async () => {
    const input = { stream: Readable.from([Buffer.from('__proto__,constructor\n1,2\n')]), size: 0, position: () => 0 };
    for await (const r of csvRecords(input)) {
      assert.equal(r.kind, 'record');
      if (r.kind === 'record') assert.deepEqual(Object.entries(r.values), [['__proto__', '1'], ['constructor', '2']]);
    }
  });
});
