/** Another product's data, for discovery on data that is not the demo's. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from '../../src/stats/index.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Another product's data: accounts send messages and view dashboards; those that send at least
 * 8 messages in their first 30 days mostly stay. No help-desk events at all.
 */
export async function writeProduct(dir: string, opts: { accounts: number; signupFrom: string; signupDays: number; seed: number }) {
  const random = mulberry32(opts.seed);
  const accounts = ['account_id,name,created_at,plan,seats,churned_at'];
  const events: string[] = [];
  const start = Date.parse(`${opts.signupFrom}T00:00:00Z`);
  for (let i = 0; i < opts.accounts; i++) {
    const signup = start + Math.floor(random() * opts.signupDays * DAY);
    const messages = Math.floor(random() * 16);
    const stays = random() < (messages >= 8 ? 0.85 : 0.35);
    const churn = stays ? '' : iso(signup + (60 + Math.floor(random() * 240)) * DAY);
    accounts.push(`a${i},Account ${i},${iso(signup)},${random() < 0.3 ? 'team' : 'solo'},${1 + Math.floor(random() * 3)},${churn}`);
    const event = (day: number, action: string, object: string) =>
      events.push(JSON.stringify({ timestamp: iso(signup + day * DAY + 3_600_000), account_id: `a${i}`, user_id: `u${i}`, action, object }));
    for (let m = 0; m < messages; m++) event(Math.floor(random() * 30), 'sent', 'message');
    for (let v = Math.floor(random() * 6); v > 0; v--) event(Math.floor(random() * 30), 'viewed', 'dashboard');
    if (random() < 0.6) event(Math.floor(random() * 5), 'connected', 'calendar');
  }
  await writeFile(join(dir, 'accounts.csv'), accounts.join('\n') + '\n');
  await writeFile(join(dir, 'events.jsonl'), events.join('\n') + '\n');
  return { accounts: join(dir, 'accounts.csv'), events: join(dir, 'events.jsonl') };
}
