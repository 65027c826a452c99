import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseMilestones } from '../../src/config/index.js';
import { refreshSegments, refreshStatuses, segmentChangesAfter, feedHeads, type SegmentChange } from '../../src/milestones/index.js';
import { describeEngines } from '../engines.js';
import { ev, storeWith } from '../fixtures.js';

const framework = (segments: string) =>
  parseMilestones(`milestones:
  setup:
    kind: checklist
    label: Set up
    steps:
      - { id: install, label: Install the Messenger, when: { action: installed, object: messenger } }
      - { id: invite, label: Invite teammates, when: { action: invited, object: teammate } }
segments:
${segments}`);

const FIRST = framework(`  stuck: "stage = 'signed_up' and age_days > 10"
  set_up: "milestones.setup.reached"
`);

const rows = (changes: SegmentChange[]) => changes.map((c) => [c.account_id, c.segment, c.change, c.day, c.cause].join(' '));

describeEngines('segment changes', (engine) => {
  it('records entries and exits after each status refresh: the first judgement as backfill, later ones as data, a new expression as framework', async () => {
    const store = await storeWith({
      engine,
      accounts: [
        { id: 'a', signup: '2025-01-01' },
        { id: 'b', signup: '2025-01-10' },
        { id: 'c', signup: '2025-01-14' },
      ],
      events: [ev('a', '2025-01-02', 'installed', 'messenger'), ev('a', '2025-01-03', 'invited', 'teammate'), ev('b', '2025-01-11', 'installed', 'messenger')],
    });
    assert.equal(await refreshSegments(store, FIRST), null, 'nothing is judged before the statuses are refreshed');
    await refreshStatuses(store, FIRST, { asOf: '2025-01-15' });
    const first = await refreshSegments(store, FIRST);
    assert.equal(first?.changes, 1);
    assert.deepEqual(rows(await segmentChangesAfter(store, 0)), ['a set_up entered 2025-01-15 backfill']);

    // Days later b is stuck (age 11), c not yet; b then finishes setup the same day it is judged.
    await refreshStatuses(store, FIRST, { asOf: '2025-01-21' });
    await refreshSegments(store, FIRST);
    const cursor = (await feedHeads(store)).segments;
    assert.deepEqual(rows(await segmentChangesAfter(store, first!.seq!.last)), ['b stuck entered 2025-01-21 data']);
    await store.insertEvents([ev('b', '2025-01-21', 'invited', 'teammate')], 'test');
    await refreshStatuses(store, FIRST, { asOf: '2025-01-21', accounts: ['b'] });
    const incremental = await refreshSegments(store, FIRST, { accounts: ['b'] });
    assert.equal(incremental?.accounts, 1, 'only the account the refresh covered is judged');
    assert.deepEqual(rows(await segmentChangesAfter(store, cursor)), ['b stuck left 2025-01-21 data', 'b set_up entered 2025-01-21 data']);

    // A new expression: what it changes is the framework's doing; an unchanged segment records nothing.
    const second = framework(`  stuck: "stage = 'signed_up' and age_days > 5"
  set_up: "milestones.setup.reached"
`);
    await refreshStatuses(store, second, { asOf: '2025-01-21' });
    const head = (await feedHeads(store)).segments;
    await refreshSegments(store, second);
    assert.deepEqual(rows(await segmentChangesAfter(store, head)), ['c stuck entered 2025-01-21 framework']);

    const all = await segmentChangesAfter(store, 0);
    assert.deepEqual(all.map((c) => c.seq), [...all.map((c) => c.seq)].sort((x, y) => x - y));
    assert.equal(new Set(all.map((c) => c.seq)).size, all.length, 'seq numbers unique');
    assert.equal((await feedHeads(store)).segments, all[all.length - 1].seq);
    // Again with nothing new: nothing recorded.
    assert.equal((await refreshSegments(store, second))?.changes, 0);
  });
});
