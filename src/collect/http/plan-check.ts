/**
 * Checks events against the tracking plan. The plan is compiled once into a Map of per-event
 * checks, because the collector runs the result on every event it receives.
 */
import type { Disposition, MetadataField, PlannedEvent, TrackingPlan } from '../../config/index.js';
import { typeOf, type TrackedEvent } from '../../model/index.js';

export type PlanVerdict =
  | { disposition: 'accept' }
  | { disposition: 'flag' | 'quarantine'; reason: string; field: string | null; message: string };

export type PlanCheck = (e: TrackedEvent) => PlanVerdict;

const ACCEPT: PlanVerdict = { disposition: 'accept' };

const keyOf = (action: string, object: string) => action + '\u0001' + object;

const IS_TYPE: Record<MetadataField['type'], (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  array: (v) => Array.isArray(v),
};

/**
 * The plan as one function. Rules, first failure decides: (action, object) declared, place,
 * required metadata, metadata types, metadata enums, undeclared metadata keys.
 */
export function compilePlan(plan: TrackingPlan): PlanCheck {
  const checks = new Map<string, PlanCheck>();
  for (const planned of plan.events) checks.set(keyOf(planned.action, planned.object), compileEvent(planned));
  const unplanned = plan.unplanned;
  return function checkPlan(e) {
    const check = checks.get(keyOf(e.action, e.object));
    if (check) return check(e);
    if (unplanned === 'accept') return ACCEPT;
    return { disposition: unplanned, reason: 'unplanned_event', field: null, message: `(${e.action}, ${e.object}) is not in the tracking plan` };
  };
}

interface FieldCheck {
  key: string;
  field: string;
  required: boolean;
  /** The type with its article, for messages: "a string", "an array". */
  typeText: string;
  isType: (v: unknown) => boolean;
  allowed: Set<unknown> | null;
  allowedText: string;
}

function compileEvent(planned: PlannedEvent): PlanCheck {
  const name = `(${planned.action}, ${planned.object})`;
  const violations = planned.violations;
  const extra = planned.unplanned_metadata;
  const places = planned.places && violations !== 'accept' ? new Set(planned.places) : null;
  const placesText = planned.places?.join(', ') ?? '';
  const fields: FieldCheck[] =
    violations === 'accept'
      ? []
      : Object.entries(planned.metadata).map(([key, f]) => ({
          key,
          field: `metadata.${key}`,
          required: f.required,
          typeText: (/^[aeiou]/.test(f.type) ? 'an ' : 'a ') + f.type,
          isType: IS_TYPE[f.type],
          allowed: f.enum ? new Set<unknown>(f.enum) : null,
          allowedText: f.enum?.map((v) => JSON.stringify(v)).join(', ') ?? '',
        }));
  const declared = new Set(Object.keys(planned.metadata));
  const fail = (disposition: Disposition, reason: string, field: string | null, message: string): PlanVerdict =>
    disposition === 'accept' ? ACCEPT : { disposition, reason, field, message };

  return function checkEvent(e) {
    if (places && e.place !== null && !places.has(e.place)) {
      return fail(violations, 'unplanned_place', 'place', `place ${JSON.stringify(e.place)} is not planned for ${name}; expected one of ${placesText}`);
    }
    const md = e.metadata;
    for (const f of fields) {
      // Own keys only: `toString` or `constructor` inherited from Object.prototype is no metadata.
      const v = Object.hasOwn(md, f.key) ? md[f.key] : undefined;
      // null is how many SDKs say "not set".
      if (v === undefined || v === null) {
        if (f.required) return fail(violations, 'missing_metadata', f.field, `${f.field} is required for ${name}`);
        continue;
      }
      if (!f.isType(v)) return fail(violations, 'metadata_type', f.field, `${f.field} must be ${f.typeText}, got ${typeOf(v)}`);
      if (f.allowed && !f.allowed.has(v)) {
        return fail(violations, 'metadata_enum', f.field, `${f.field} must be one of ${f.allowedText}, got ${JSON.stringify(v)}`);
      }
    }
    if (extra !== 'accept') {
      for (const key of Object.keys(md)) {
        if (!declared.has(key)) return fail(extra, 'unplanned_metadata', `metadata.${key}`, `metadata.${key} is not declared for ${name}`);
      }
    }
    return ACCEPT;
  };
}
