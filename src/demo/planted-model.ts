/**
 * The planted causal model: the truth the demo hides in its data and writes to
 * ground-truth.json. Churn (and dormancy) are drawn at each calendar-month end from
 * behaviour up to that moment only, so causes always precede their effects.
 *
 * Causal paths: fit → setup → conversation volume → activation / utilization → feature
 * adoption → maturity; churn hazard = plan base × the hazard ratios below. Fit also lowers
 * churn by itself (a confounder of every usage feature), the decoys share the drivers'
 * adoption and do nothing, and the two traps never touch churn at all. Effects are modest
 * and partly smooth, so discovery can fail here. The null world keeps all behaviour and
 * plants no effect on churn or dormancy.
 */

export const DAY_MS = 86_400_000;

/** 'planted': the model below; 'null': the same behaviour, churn independent of everything. */
export type DemoWorld = 'planted' | 'null';
export const WORLDS: readonly DemoWorld[] = ['planted', 'null'];

export const ACTIVATION = {
  action: 'closed',
  object: 'conversation',
  atLeast: 20,
  withinDays: 90,
  /** Applies from the month end at which the count has been reached (within the window). */
  hazardRatio: 0.55,
  /** Activated accounts keep the habit: their conversation rate rises by this factor. */
  rateBoost: 1.15,
  dormancyHazardRatio: 0.45,
} as const;

export const UTILIZATION = {
  action: 'closed',
  object: 'conversation',
  metadata: { state: 'resolved' },
  perMonthPerSeatAtLeast: 3,
  /** Applies to the churn decision at the end of the calendar month that met the bar. */
  hazardRatio: 0.65,
  dormancyHazardRatio: 0.4,
} as const;

/**
 * Retention also rises gradually with use, not only at the thresholds: each month's churn
 * hazard × this per doubling of its resolved conversations per seat above (or below) the
 * median (`medianPerSeat`), within ± `maxDoublings`.
 */
export const USAGE = { hazardRatioPerDoubling: 0.9, maxDoublings: 2, medianPerSeat: 3 } as const;

/** Account fit lowers churn by itself, per standard deviation: it confounds every usage feature. */
export const FIT = { churnHazardRatioPerSd: 0.8 } as const;

/** Mature features that lower churn by themselves (modestly, hazard ratios 0.8–0.9), from the month end after first use. */
export const DRIVERS = [
  { action: 'published', object: 'workflow', category: 'automation', hazardRatio: 0.8 },
  { action: 'created', object: 'ticket_type', category: 'support_operations', hazardRatio: 0.8 },
  { action: 'synced', object: 'salesforce', category: 'interoperability', hazardRatio: 0.8 },
  { action: 'sent', object: 'outbound_message', category: 'support_channels', hazardRatio: 0.85 },
  { action: 'created', object: 'custom_report', category: 'reporting', hazardRatio: 0.85 },
  { action: 'enabled', object: 'resolution_bot', category: 'automation', hazardRatio: 0.85 },
  { action: 'called', object: 'api', category: 'interoperability', hazardRatio: 0.9 },
  { action: 'connected', object: 'whatsapp_channel', category: 'support_channels', hazardRatio: 0.9 },
] as const;

/**
 * Decoys: one per driver, in its category, adopted and used exactly as the driver is (so as
 * much driven by fit), with no effect on churn and no part in planted maturity.
 */
export const DECOYS = [
  { action: 'configured', object: 'ai_agent', twin: 'published workflow' },
  { action: 'created', object: 'conversation_attribute', twin: 'created ticket_type' },
  { action: 'connected', object: 'jira', twin: 'synced salesforce' },
  { action: 'launched', object: 'product_tour', twin: 'sent outbound_message' },
  { action: 'created', object: 'dashboard', twin: 'created custom_report' },
  { action: 'created', object: 'custom_bot', twin: 'enabled resolution_bot' },
  { action: 'created', object: 'webhook', twin: 'called api' },
  { action: 'connected', object: 'sms_channel', twin: 'connected whatsapp_channel' },
] as const;

export const MATURITY = {
  matureInAtLeast: 3,
  /** A category is mature while one of its mature features was used in this trailing window. */
  windowDays: 90,
  hazardRatio: 0.7,
  /** Mature-level catalog features that do not count towards planted maturity (the trap and the decoys). */
  excluded: [{ action: 'created', object: 'custom_sla_rule' }, ...DECOYS.map(({ action, object }) => ({ action, object }))],
} as const;

/** Once churn is decided, use fades (× this) until the account leaves. */
export const FADE_BEFORE_CHURN = 0.4;

/** The null world: one monthly churn and dormancy hazard for every account, whatever it does. */
export const NULL_WORLD = { monthlyChurn: 0.045, monthlyDormancy: 0.015 } as const;

/**
 * Setup steps: how often each is done (for an average-fit account), and how much a missing
 * step cuts the conversation rate. Office hours and contact import are routine: no effect.
 */
export const SETUP_EFFECTS: Readonly<Record<string, { completion: number; rateWhenMissing: number }>> = {
  install_messenger: { completion: 0.86, rateWhenMissing: 0.5 },
  invite_teammates: { completion: 0.78, rateWhenMissing: 0.85 },
  connect_email: { completion: 0.68, rateWhenMissing: 0.7 },
  set_office_hours: { completion: 0.62, rateWhenMissing: 1 },
  create_team_inbox: { completion: 0.55, rateWhenMissing: 0.85 },
  import_contacts: { completion: 0.5, rateWhenMissing: 1 },
  create_assignment_rule: { completion: 0.4, rateWhenMissing: 0.85 },
};

export const CONVERSATIONS = {
  /** Closed conversations per seat per month for an average account with setup done. */
  perSeatMedian: 3.8,
  fitWeight: 0.35,
  accountSd: 0.3,
  /** Month-to-month wobble, AR(1) on the log rate. */
  monthlySd: 0.22,
  monthlyPersistence: 0.6,
  /** Engaged accounts grow, disengaged ones fade: log-rate slope per month per unit of fit. */
  trendPerMonth: 0.03,
  /** Ramp in the first two account months. */
  ramp: [0.6, 0.85],
  resolvedShare: 0.78,
  neverClosedShare: 0.05,
} as const;

export const DORMANCY = {
  /** Monthly hazard of going silent (no events, still paying) before the ratios above. */
  monthlyHazardBase: 0.026,
  /** A dormant account sends no events; analyses should call it dormant after this many silent days. */
  silentDays: 60,
  targetShareOfSurvivors: 0.08,
} as const;

export const TRAPS = {
  ubiquitous: { action: 'customized', object: 'messenger_appearance', prevalence: 0.97, withinDays: 10 },
  premiumNiche: { action: 'created', object: 'custom_sla_rule', adoption: 0.6, withinDays: 25 },
} as const;

/** Signups at the end of the span arrive this many times faster than at its start. */
export const SIGNUP_GROWTH = 3;

export const NOISE = {
  malformedEvery: 20_000,
  segmentEvery: 5_000,
  duplicateRate: 0.002,
  /** Share of events.jsonl lines re-sent again in events-late.jsonl. */
  lateDuplicateRate: 0.001,
  /** Share of events held back from events.jsonl and delivered in events-late.jsonl. */
  lateRate: 0.002,
  lateRecentRate: 0.05,
  lateRecentDays: 21,
  /** Share of lines written after their successor (clock skew between devices). */
  swapRate: 0.01,
} as const;
