import type { Milestone } from '../config/index.js';
import { describeMatcher } from './matchers.js';

/** What a milestone is called and what reaching it takes: the parts of the framework's language (language.ts) its kinds and stages use too. */

/** A milestone's label: its `label`, else its name. */
export const milestoneLabel = (name: string, m: Pick<Milestone, 'label'> | undefined): string => m?.label ?? name;

/** What reaching a milestone takes, in words, with its figures. */
export function milestoneDefinition(m: Milestone): string {
  switch (m.kind) {
    case 'checklist': {
      const n = m.steps.length;
      const needed = m.at_least ?? n;
      return `${needed === n ? `all ${n}` : `at least ${needed} of ${n}`} steps: ${m.steps.map((s) => s.label ?? s.id).join(', ')}`;
    }
    case 'threshold':
      return `at least ${m.at_least} ${describeMatcher(m.count)} within ${m.within_days} days of signup`;
    case 'per_seat':
      return `at least ${m.per_month_per_seat_at_least} ${describeMatcher(m.count)} per seat per ${m.period === 'calendar_month' ? 'calendar month' : '30 days'}`;
    case 'categories': {
      const names = Object.entries(m.categories).map(([k, c]) => c.label ?? k);
      return `mature in at least ${m.mature_in_at_least} of ${names.length} categories (${names.join(', ')}) within the last ${m.window_days} days`;
    }
  }
}
