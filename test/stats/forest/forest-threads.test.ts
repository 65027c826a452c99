import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { binDataset } from '../../../src/stats/forest/binning.js';
import { growTreesInThreads } from '../../../src/stats/forest/forest-threads.js';
import { treeGrower, type TreeParams } from '../../../src/stats/forest/tree.js';
import { usageDataset } from './synthetic.js';

const data = usageDataset(300, 9);
const binned = binDataset(data.x, data.y, data.rows, data.features, 64);
const params: TreeParams = { maxFeatures: 4, minSamplesLeaf: 1, maxDepth: Infinity };

describe('growTreesInThreads', () => {
  test('grows every tree once, in order, as one thread would; again on the kept threads', async () => {
    const grow = treeGrower(binned, params, 4);
    const expected = Array.from({ length: 7 }, (_, t) => grow(t));
    for (let fit = 0; fit < 2; fit++) assert.deepEqual(await growTreesInThreads(binned, params, 4, 7, 2), expected);
  });

  test('a thread that fails rejects the fit, and the next fit still runs', async () => {
    const broken = { ...binned, codes: undefined as unknown as Uint8Array };
    await assert.rejects(growTreesInThreads(broken, params, 4, 3, 2), /forest thread failed: TypeError/);
    const grown = await growTreesInThreads(binned, params, 4, 3, 2);
    const grow = treeGrower(binned, params, 4);
    assert.deepEqual(grown, [0, 1, 2].map((t) => grow(t)));
  });
});
