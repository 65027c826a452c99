/**
 * How each catalog feature is adopted and used over time: its monthly adoption hazard, how
 * much account fit matters, how often an adopter keeps using it, and its events per month.
 */

import { FEATURES, type Feature } from './catalog.js';
import { featureIndex } from './event-types.js';
import { DECOYS } from './planted-model.js';

export interface FeatureUsage {
  /** Monthly hazard of first use for an average account before the boosts below. */
  adoptHazard: number;
  /** Log-hazard weight of account fit: engaged accounts try more. */
  fitWeight: number;
  /** Chance an adopter uses it again in a given month. */
  activeProb: number;
  /** Extra events in an active month beyond the first (Poisson mean). */
  extraMean: number;
  /** Scale extra events with seats (per-agent work such as using macros). */
  perSeat: boolean;
  /** Feature that must be adopted first (index in FEATURES). */
  requires: number;
  /** Metadata objects to pick from, as JSON text. */
  metadata: readonly string[];
}

const EMPTY = ['{}'] as const;
const pickJson = (key: string, values: readonly (string | number)[]): string[] =>
  values.map((v) => JSON.stringify({ [key]: v }));

const BY_LEVEL: Record<'basic' | 'mature' | 'routine', Omit<FeatureUsage, 'requires' | 'metadata'>> = {
  basic: { adoptHazard: 0.25, fitWeight: 0.3, activeProb: 0.25, extraMean: 0.2, perSeat: false },
  mature: { adoptHazard: 0.013, fitWeight: 0.3, activeProb: 0.55, extraMean: 0.5, perSeat: false },
  routine: { adoptHazard: 0.9, fitWeight: 0, activeProb: 0.45, extraMean: 0.1, perSeat: true },
};

type Override = Partial<Omit<FeatureUsage, 'requires'>> & { requires?: string };

const OVERRIDES: Record<string, Override> = {
  'customized messenger_appearance': { adoptHazard: 0, activeProb: 0.08, extraMean: 0.3 }, // the ubiquitous trap: adopted separately
  'sent chat_message': { adoptHazard: 0.5, activeProb: 0.42, extraMean: 0.3, perSeat: true },
  'received email': { adoptHazard: 0.4, activeProb: 0.42, extraMean: 0.3, perSeat: true },
  'published help_center_article': { adoptHazard: 0.2, activeProb: 0.3, extraMean: 0.6, metadata: pickJson('locale', ['en', 'en', 'en', 'fr', 'de', 'es']) },
  'created macro': { adoptHazard: 0.3, activeProb: 0.18, extraMean: 0.18 },
  'used macro': { requires: 'created macro', adoptHazard: 0.6, activeProb: 0.42, extraMean: 0.3, perSeat: true },
  'enabled auto_reply': { adoptHazard: 0.2, activeProb: 0.06, extraMean: 0 },
  'enabled conversation_routing': { adoptHazard: 0.12, activeProb: 0.06, extraMean: 0 },
  'assigned conversation': { adoptHazard: 0.5, activeProb: 0.42, extraMean: 0.3, perSeat: true },
  'tagged conversation': { adoptHazard: 0.35, activeProb: 0.42, extraMean: 0.3, perSeat: true, metadata: pickJson('tag', ['billing', 'bug', 'feature_request', 'onboarding', 'vip']) },
  'snoozed conversation': { adoptHazard: 0.25, activeProb: 0.33, extraMean: 0.3 },
  'added note': { adoptHazard: 0.35, activeProb: 0.42, extraMean: 0.24, perSeat: true },
  'mentioned teammate': { adoptHazard: 0.25, activeProb: 0.33, extraMean: 0.3 },
  'installed app': { adoptHazard: 0.2, activeProb: 0.09, extraMean: 0, metadata: pickJson('app', ['stripe', 'shopify', 'google_meet', 'calendly', 'zoom']) },
  'connected slack': { adoptHazard: 0.18, activeProb: 0.06, extraMean: 0 },
  'synced hubspot': { adoptHazard: 0.1, activeProb: 0.33, extraMean: 0.3 },
  'viewed report': { adoptHazard: 0.3, activeProb: 0.42, extraMean: 0.48, metadata: pickJson('report', ['conversations', 'team_performance', 'response_times', 'csat']) },
  'exported csv': { adoptHazard: 0.12, activeProb: 0.24, extraMean: 0.12 },
  'viewed csat_report': { adoptHazard: 0.15, activeProb: 0.33, extraMean: 0.18 },
  // mature
  'connected whatsapp_channel': { activeProb: 0.25, extraMean: 0 },
  'enabled phone_channel': { adoptHazard: 0.012, activeProb: 0.2, extraMean: 0 },
  'sent outbound_message': { adoptHazard: 0.028, activeProb: 0.7, extraMean: 0.8 },
  'published workflow': { adoptHazard: 0.028, activeProb: 0.6, extraMean: 0.3 },
  'triggered workflow': { requires: 'published workflow', adoptHazard: 0.8, activeProb: 0.9, extraMean: 1, perSeat: true },
  'enabled resolution_bot': { adoptHazard: 0.014, activeProb: 0.3, extraMean: 0 },
  'created bot_answer': { requires: 'enabled resolution_bot', adoptHazard: 0.5, activeProb: 0.5, extraMean: 0.8 },
  'created ticket_type': { adoptHazard: 0.028, activeProb: 0.5, extraMean: 0.2 },
  'configured round_robin': { adoptHazard: 0.014, activeProb: 0.2, extraMean: 0 },
  'created custom_sla_rule': { adoptHazard: 0, fitWeight: 0, activeProb: 0.3, extraMean: 0.2 }, // the premium-niche trap: adopted separately
  'merged conversation': { adoptHazard: 0.021, activeProb: 0.6, extraMean: 0.5 },
  'created side_conversation': { adoptHazard: 0.014, activeProb: 0.6, extraMean: 0.5 },
  'synced salesforce': { adoptHazard: 0.028, activeProb: 0.8, extraMean: 0.5 },
  'called api': { adoptHazard: 0.014, activeProb: 0.9, extraMean: 2, metadata: pickJson('endpoint', ['/conversations', '/contacts', '/tickets', '/articles']) },
  'installed custom_app': { adoptHazard: 0.007, activeProb: 0.3, extraMean: 0 },
  'created data_connector': { adoptHazard: 0.007, activeProb: 0.3, extraMean: 0 },
  'created custom_report': { adoptHazard: 0.028, activeProb: 0.6, extraMean: 0.3 },
  'scheduled report': { requires: 'viewed report', adoptHazard: 0.018, activeProb: 0.5, extraMean: 0 },
  'shared dashboard': { requires: 'created dashboard', adoptHazard: 0.4, activeProb: 0.5, extraMean: 0.3 },
  'exported dataset': { adoptHazard: 0.009, activeProb: 0.5, extraMean: 0.3 },
  // routine, outside the categories
  'viewed inbox': { extraMean: 0.3, activeProb: 0.9 },
  'searched conversations': { extraMean: 0.1 },
  'updated profile': { activeProb: 0.1, perSeat: false, extraMean: 0 },
  'viewed contact': { extraMean: 0.2 },
  'changed notification_settings': { activeProb: 0.06, perSeat: false, extraMean: 0 },
  'viewed billing': { activeProb: 0.15, perSeat: false, extraMean: 0 },
};

/** A decoy is adopted and used exactly as its twin driver is. */
const TWIN: Record<string, string> = Object.fromEntries(DECOYS.map((d) => [`${d.action} ${d.object}`, d.twin]));

function usageOf(feature: Feature): FeatureUsage {
  const key = `${feature.action} ${feature.object}`;
  const twin = TWIN[key];
  const o = twin ? { ...OVERRIDES[twin], metadata: OVERRIDES[key]?.metadata } : (OVERRIDES[key] ?? {});
  const base = BY_LEVEL[feature.level ?? 'routine'];
  return {
    ...base,
    ...o,
    requires: o.requires ? featureIndex(...(o.requires.split(' ') as [string, string])) : -1,
    metadata: o.metadata ?? EMPTY,
  };
}

/** Usage parameters, indexed like FEATURES. */
export const FEATURE_USAGE: readonly FeatureUsage[] = FEATURES.map(usageOf);

// A misspelt override or twin would silently fall back to defaults: fail loudly instead.
for (const key of [...Object.keys(OVERRIDES), ...Object.keys(TWIN), ...Object.values(TWIN)]) featureIndex(...(key.split(' ') as [string, string]));
