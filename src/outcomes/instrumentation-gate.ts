/**
 * The instrumentation gate (`cairn launch check`): "if a feature is not instrumented, it is not
 * ready to ship". Every event the launch names (its funnel steps, and the events its count
 * metrics count) must be in the tracking plan as written, place and metadata included; once
 * launched, each must have arrived since the launch day, with no plan violations flagged and
 * none quarantined. Passes only with no problem.
 */
import type { Launch, Matcher, TrackingPlan } from '../config/index.js';
import { describeMatcher } from '../milestones/index.js';
import type { Store } from '../store/index.js';
import { FUNNEL_STAGES } from './adoption-funnel.js';
import { dayNumber, dayText } from './day-numbers.js';
import { declaredMetrics, declarationOf } from './ledger.js';
import { readArrivals, readQuarantineMessages, readViolations } from './outcome-queries.js';

export type GateProblemCode = 'no_events' | 'not_in_plan' | 'place_not_planned' | 'metadata_not_planned' | 'not_arrived' | 'violations' | 'quarantined';

export interface GateProblem {
  code: GateProblemCode;
  /** Which part of the launch names the event: awareness…engagement, outcome, or an impact. */
  stage: string;
  event: string | null;
  message: string;
}

export interface GateEvent {
  stage: string;
  event: string;
  action: string;
  object: string;
  place: string | null;
  planned: boolean;
  /** Events since launch (null before launch). */
  arrived: number | null;
  first_seen: string | null;
  violations: Record<string, number>;
  quarantined: Record<string, number>;
}

export interface GateResult {
  launch: string;
  at: string;
  launched: boolean;
  passed: boolean;
  events: GateEvent[];
  problems: GateProblem[];
}

/** Quarantine reasons the tracking plan gives (src/collect/http/plan-check.ts). */
const PLAN_REASONS = ['unplanned_event', 'unplanned_place', 'missing_metadata', 'metadata_type', 'metadata_enum', 'unplanned_metadata'];

/** The events a launch names, with the part that names them. */
export function launchMatchers(launch: Launch): { stage: string; matcher: Matcher }[] {
  const out: { stage: string; matcher: Matcher }[] = [];
  const events = launch.config.events;
  if (events) for (const stage of FUNNEL_STAGES) for (const matcher of events[stage] ?? []) out.push({ stage, matcher });
  for (const m of declaredMetrics(declarationOf(launch.config))) {
    if (m.expectation.metric.kind === 'count') out.push({ stage: m.role, matcher: m.expectation.metric.when });
  }
  return out;
}

/** The gate as of `asOf` ('YYYY-MM-DD'). */
export async function checkInstrumentation(store: Store, launch: Launch, plan: TrackingPlan, asOf: string): Promise<GateResult> {
  const at = dayNumber(asOf);
  const problems: GateProblem[] = [];
  const matchers = launchMatchers(launch);
  if (!launch.config.events) {
    problems.push({ code: 'no_events', stage: 'events', event: null, message: 'no events declared: say which (action, object) mean awareness, intent, activation, adoption and engagement' });
  }
  const launchedAt = launch.config.launched_at;
  const launched = launchedAt !== undefined && dayNumber(launchedAt) <= at;
  const from = launched ? dayNumber(launchedAt!) : 0;
  const pairs = [...new Map(matchers.map(({ matcher: m }) => [`${m.action}\u0001${m.object}`, { action: m.action, object: m.object }])).values()];
  const [arrivals, violations, quarantine] = launched
    ? await Promise.all([readArrivals(store, pairs, from), readViolations(store, pairs, from), readQuarantineMessages(store, PLAN_REASONS, from)])
    : [[], [], []];

  const events: GateEvent[] = [];
  for (const { stage, matcher: m } of matchers) {
    const event = describeMatcher(m);
    const planned = plan.events.find((e) => e.action === m.action && e.object === m.object);
    const problem = (code: GateProblemCode, message: string) => problems.push({ code, stage, event, message: `${stage}: ${message}` });
    if (!planned) problem('not_in_plan', `(${m.action}, ${m.object}) is not in tracking-plan.yaml: add it before launch`);
    else {
      if (m.place !== undefined && planned.places && !planned.places.includes(m.place)) {
        problem('place_not_planned', `place ${JSON.stringify(m.place)} is not planned for (${m.action}, ${m.object}); the plan allows ${planned.places.join(', ')}`);
      }
      for (const [key, value] of Object.entries(m.metadata ?? {})) {
        const field = planned.metadata[key];
        if (!field) problem('metadata_not_planned', `metadata.${key} is not declared for (${m.action}, ${m.object}) in tracking-plan.yaml`);
        else if (field.enum && !field.enum.includes(value)) {
          problem('metadata_not_planned', `metadata.${key} = ${JSON.stringify(value)} is not one of the planned values (${field.enum.map((v) => JSON.stringify(v)).join(', ')})`);
        }
      }
    }
    const mine = arrivals.filter((r) => r.action === m.action && r.object === m.object && (m.place === undefined || r.place === m.place));
    const arrived = launched ? mine.reduce((s, r) => s + r.n, 0) : null;
    const first = mine.length ? Math.min(...mine.map((r) => r.first)) : null;
    const tag = `(${m.action}, ${m.object})`;
    const flagged = Object.fromEntries(violations.filter((v) => v.action === m.action && v.object === m.object).map((v) => [v.reason, v.n]));
    const kept: Record<string, number> = {};
    for (const q of quarantine) if (q.message.includes(tag)) kept[q.reason] = (kept[q.reason] ?? 0) + q.n;
    if (launched) {
      if (arrived === 0) problem('not_arrived', `${event} has not arrived since launch (${launchedAt})`);
      const v = Object.values(flagged).reduce((s, n) => s + n, 0);
      if (v > 0) problem('violations', `${event} arrived with ${v} plan violations since launch (${describeCounts(flagged)})`);
      const k = Object.values(kept).reduce((s, n) => s + n, 0);
      if (k > 0) problem('quarantined', `${k} ${tag} events quarantined since launch (${describeCounts(kept)}): see \`cairn quarantine list\``);
    }
    events.push({ stage, event, action: m.action, object: m.object, place: m.place ?? null, planned: planned !== undefined, arrived, first_seen: first === null ? null : dayText(first), violations: flagged, quarantined: kept });
  }
  return { launch: launch.name, at: dayText(at), launched, passed: problems.length === 0, events, problems };
}

const describeCounts = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
