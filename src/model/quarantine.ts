/** What kind of input a quarantined payload was. */
export type QuarantineKind = 'event' | 'account' | 'account_history';

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
