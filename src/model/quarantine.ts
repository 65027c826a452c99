/**
 * What kind of input a quarantined payload was, which says how to read it again on replay:
 * `event` a native event (import line or `/v1/events` item), `segment` one Segment call (track,
 * identify, group, page, screen), `posthog` one PostHog event; `account` and `account_history`
 * CSV rows.
 */
export type QuarantineKind = 'event' | 'segment' | 'posthog' | 'account' | 'account_history';

/** An input kept aside with the reason it failed, so a person can fix the cause and replay it. */
export interface QuarantineEntry {
  kind: QuarantineKind;
  /** Where it came from: `import`, or a write key's source name. */
  source: string;
  /** File and 1-based line for imports; null for what arrived over HTTP. */
  file: string | null;
  line: number | null;
  reason: string;
  field: string | null;
  message: string;
  /** The input as received (the raw line), so it can be replayed. */
  payload: string;
  receivedAt: number;
}
