import { csvText } from '../model/index.js';
import type { AccountStatus } from './engine.js';

/** One row per account, a column group per milestone: what spreadsheets and CRMs import (CLI and API alike). */
export function milestonesCsv(accounts: readonly AccountStatus[], names: readonly string[]): string {
  const header = ['account_id', 'stage', 'churned', 'signup_day', 'age_days', 'plan', 'seats'];
  for (const n of names) header.push(`${n}_reached`, `${n}_reached_at`, `${n}_progress`);
  header.push('next_milestone', 'next_action', 'next_reason');
  const rows = accounts.map((a) => {
    const row: unknown[] = [a.account_id, a.stage, a.churned, a.signup_day, a.age_days, a.plan, a.seats];
    for (const n of names) row.push(a.milestones[n].reached, a.milestones[n].reached_at, a.milestones[n].progress.toFixed(3));
    row.push(a.next_best_step?.milestone, a.next_best_step?.action, a.next_best_step?.reason);
    return row;
  });
  return csvText([header, ...rows]);
}
