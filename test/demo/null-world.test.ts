import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateDemo } from '../../src/demo/generate.js';
import { accountViews, readEventFiles, type AccountView } from './demo-files.js';

const DAY = 86_400_000;

describe('the null world plants nothing', () => {
  let root: string;
  let truth: Record<string, any>;
  let views: AccountView[];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cairn-demo-null-'));
    await generateDemo({ dir: root, seed: 9, accounts: 1500, months: 30, world: 'null', noise: false });
    truth = JSON.parse(readFileSync(join(root, 'ground-truth.json'), 'utf8'));
    views = [...accountViews(join(root, 'data/accounts.csv'), readEventFiles([join(root, 'data/events.jsonl')]).events, 90).values()];
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('says so in ground-truth.json: no threshold, driver or maturity, one churn hazard for every plan', () => {
    assert.equal(truth.world, 'null');
    assert.equal(truth.activation, null);
    assert.equal(truth.utilization, null);
    assert.equal(truth.maturity, null);
    assert.deepEqual(truth.drivers, []);
    assert.equal(new Set(Object.values(truth.plans).map((p: any) => p.monthly_churn_base)).size, 1);
  });

  it('keeps the behaviour: accounts still set up, talk to customers and adopt features', () => {
    const used = (key: string) => views.filter((v) => v.firstUse.has(key)).length / views.length;
    assert.ok(used('closed conversation') > 0.9);
    assert.ok(used('installed messenger') > 0.6);
    assert.ok(used('published workflow') > 0.05);
  });

  it('gives accounts alive at day 120 the same year-one retention, activated or not, whatever their plan', () => {
    const endMs = Date.parse(truth.end) + DAY;
    const alive = views.filter((v) => v.createdAt <= endMs - 365 * DAY && !(v.churnedAt < v.createdAt + 120 * DAY));
    const kept = (group: AccountView[]) => group.filter((v) => !(v.churnedAt < v.createdAt + 365 * DAY)).length / group.length;
    const activated = alive.filter((v) => v.closedEarly >= 20);
    const not = alive.filter((v) => v.closedEarly < 20);
    assert.ok(activated.length > 80 && not.length > 80, `${activated.length} / ${not.length}`);
    // Two standard errors of a difference of shares near 0.7 in groups this size: about 0.09.
    assert.ok(Math.abs(kept(activated) - kept(not)) < 0.09, `activated ${kept(activated)}, not ${kept(not)}`);
    const starter = alive.filter((v) => v.plan === 'starter');
    const others = alive.filter((v) => v.plan !== 'starter');
    assert.ok(Math.abs(kept(starter) - kept(others)) < 0.09, `starter ${kept(starter)}, others ${kept(others)}`);
  });
});
