import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { csvText } from '../../src/model/index.js';

describe('csvText', () => {
  it('neutralises text cells a spreadsheet would run as a formula: quote-prefixed and quoted', () => {
    const cells = ['=HYPERLINK("http://evil.example","x")', '+1+2', '-2+3', '@SUM(A1)', '\tx', '\rx', '\nx', '＝1', '－1', 'ok', 'a-b=c'];
    assert.equal(
      csvText([cells]),
      `"'=HYPERLINK(""http://evil.example"",""x"")","'+1+2","'-2+3","'@SUM(A1)","'\tx","'\rx","'\nx","'＝1","'－1",ok,a-b=c\n`,
    );
    // Read back, each cell is the text with one quote in front: shown as text, never run.
    assert.deepEqual(parse(csvText([cells]))[0], cells.map((c, i) => (i < 9 ? `'${c}` : c)));
  });

  it('leaves numbers Cairn computed as numbers, and writes booleans, nulls and objects plainly', () => {
    assert.equal(csvText([[-0.5, -3, 0, 1e21, true, false, null, undefined, { a: [1] }, '']]), '-0.5,-3,0,1e+21,true,false,,,"{""a"":[1]}",\n');
  });

  it('quotes commas, quotes and line breaks (a lone CR too), one row per line', () => {
    assert.equal(csvText([['a,b', 'say "hi"', 'two\nlines', 'cr\rhere'], ['x']]), '"a,b","say ""hi""","two\nlines","cr\rhere"\nx\n');
  });
});
