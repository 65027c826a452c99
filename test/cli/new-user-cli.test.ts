import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeProduct } from '../discover/new-product.js';
import { tempDir } from '../tmp.js';
import { cairn } from './run-cli.js';

async function workspace(args: string[], data: Parameters<typeof writeProduct>[1]): Promise<string> {
  const ws = join(await tempDir(), 'ws');
  assert.equal((await cairn(['init', ws, ...args])).code, 0);
  await writeProduct(ws, data);
  assert.equal((await cairn(['-w', ws, 'import', 'accounts', join(ws, 'accounts.csv')])).code, 0);
  assert.equal((await cairn(['-w', ws, 'import', 'events', join(ws, 'events.jsonl')])).code, 0);
  return ws;
}

describe("discovery on a new user's own data", { timeout: 240_000 }, () => {
  it('falls back to the most predictive repeated action when the configured core action has no events, naming both', async () => {
    const ws = await workspace(['--example', 'helpdesk'], { accounts: 900, signupFrom: '2024-01-01', signupDays: 540, seed: 1 });
    const r = await cairn(['-w', ws, 'discover', '--retention-days', '180', '--early-days', '30', '--trees', '40', '--fits', '2', '--json']);
    const out = JSON.parse(r.stdout);
    const warning = out.warnings.find((w: string) => w.startsWith('The core action closed conversation'));
    assert.ok(warning, JSON.stringify(out.warnings));
    assert.match(warning, /the current framework's activation counts it \(milestones\.yaml\)\) has no events in the first 30 days of any judged account: discovery counts sent message instead \(the most predictive repeated action/);
    assert.match(warning, /pass --core-action "ACTION OBJECT"/);
    assert.equal(`${out.activation.action} ${out.activation.object}`, 'sent message');
    assert.ok(Math.abs(out.activation.at_least - 8) <= 1, `activation at least ${out.activation.at_least}`);
    assert.equal(r.code, out.verdict.proposed.length ? 0 : 1, r.stderr);
  });

  it('judges as of the newest churn date when accounts signed up together and sent events only then', async () => {
    const ws = await workspace([], { accounts: 300, signupFrom: '2025-01-01', signupDays: 4, seed: 2 });
    const r = await cairn(['-w', ws, 'discover', '--retention-days', '180', '--early-days', '30', '--trees', '30', '--fits', '2', '--json']);
    const out = JSON.parse(r.stdout);
    const newestChurn = '2025-11-'; // signups 2025-01-01..04, churn 60..300 days later
    assert.ok(out.as_of.startsWith(newestChurn) || out.as_of.startsWith('2025-10-'), out.as_of);
    assert.ok(out.as_of > '2025-07-04', `as of ${out.as_of}: every account is old enough to judge at 180 days`);
    assert.equal(out.data.left_out.too_young, 0);
    assert.ok(out.data.labelled > 250, JSON.stringify(out.data));
    assert.ok(out.warnings.some((w: string) => /^As of \d{4}-\d{2}-\d{2}, the newest day in the data \(from churn dates\); pass --as-of/.test(w)), JSON.stringify(out.warnings));
    assert.equal(out.split.how, 'day', 'all signed up within days: held out from a signup day, not a month');
    assert.ok(out.warnings.some((w: string) => /No account history: plan and seats are the accounts' current ones/.test(w)));
    // The blank workspace has no framework yet: nothing to review, said plainly.
    const review = await cairn(['-w', ws, 'review']);
    assert.equal(review.code, 2, review.stderr);
    assert.match(review.stderr, /milestones\.yaml declares no milestones, so there is nothing to review: run `cairn discover`/);
  });
});
