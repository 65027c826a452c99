import type { ConfigDiagnostic } from './config-error.js';
import { parseConfigText, readConfigFile } from './parse-config-text.js';
import { trackingPlanSchema, type TrackingPlan } from './schemas/tracking-plan-schema.js';
import type { YamlSource } from './yaml-source.js';

/** Validates the text of a `tracking-plan.yaml`; throws one ConfigError listing every problem. */
export function parseTrackingPlan(text: string, file = 'tracking-plan.yaml'): TrackingPlan {
  return parseConfigText(file, text, trackingPlanSchema, [checkDuplicateEvents]);
}

export async function loadTrackingPlan(file: string): Promise<TrackingPlan> {
  return parseTrackingPlan(await readConfigFile(file), file);
}

/** An (action, object) pair declared twice is ambiguous for validation: report the second. */
function checkDuplicateEvents(raw: unknown, source: YamlSource): ConfigDiagnostic[] {
  const events = typeof raw === 'object' && raw !== null ? (raw as { events?: unknown }).events : undefined;
  if (!Array.isArray(events)) return [];
  const first = new Map<string, number>();
  const out: ConfigDiagnostic[] = [];
  events.forEach((event: unknown, i) => {
    if (typeof event !== 'object' || event === null) return;
    const { action, object } = event as { action?: unknown; object?: unknown };
    if (typeof action !== 'string' || typeof object !== 'string') return;
    const key = JSON.stringify([action, object]);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, i);
      return;
    }
    const line = source.diagnostic(['events', earlier], '').line;
    out.push(
      source.diagnostic(['events', i], `duplicate event (${action}, ${object}): already declared at line ${line} (events[${earlier}])`),
    );
  });
  return out;
}
