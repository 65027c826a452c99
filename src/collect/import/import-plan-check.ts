import type { TrackingPlan } from '../../config/index.js';
import type { PlanViolation, TrackedEvent } from '../../model/index.js';
import { compilePlan, type PlanCheck } from '../http/plan-check.js';

/**
 * The tracking plan applied to imported events with the collector's rules (plan-check.ts):
 * accepted events are stored, flagged ones stored and counted as plan violations, the rest
 * quarantined with the plan's reason. Violations are tallied per day, event, reason and field
 * (one example each: the event as checked, credentials already stripped from its metadata),
 * so a file of millions of unplanned events stays a few rows.
 */
export class ImportPlanCheck {
  private readonly check: PlanCheck | null;
  private readonly tally = new Map<string, PlanViolation>();

  constructor(
    plan: TrackingPlan | undefined,
    private readonly source: string,
  ) {
    this.check = plan ? compilePlan(plan) : null;
  }

  /** Null to store the event (flagged or not); otherwise why it goes to quarantine. */
  admit(e: TrackedEvent): { reason: string; field: string | null; message: string } | null {
    if (!this.check) return null;
    const verdict = this.check(e);
    if (verdict.disposition === 'accept') return null;
    if (verdict.disposition === 'quarantine') return verdict;
    const key = [Math.floor(e.timestamp / 86_400_000), e.action, e.object, verdict.reason, verdict.field ?? ''].join('\u0001');
    const seen = this.tally.get(key);
    if (seen) seen.count = (seen.count ?? 1) + 1;
    else this.tally.set(key, { source: this.source, action: e.action, object: e.object, reason: verdict.reason, field: verdict.field, timestamp: e.timestamp, example: JSON.stringify(e), count: 1 });
    return null;
  }

  /** The flagged events so far, tallied; clears the tally. */
  takeViolations(): PlanViolation[] {
    const out = [...this.tally.values()];
    this.tally.clear();
    return out;
  }
}
