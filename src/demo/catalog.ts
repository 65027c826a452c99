/**
 * The demo product's feature catalog: an Intercom-like help desk.
 *
 * Every tracked feature is an (action, object) pair used in a place. The demo generator, the
 * seed framework template (examples/helpdesk/milestones.yaml) and the tests all read this one
 * list, so the names agree everywhere.
 */

export type Category =
  | 'support_channels'
  | 'automation'
  | 'support_operations'
  | 'interoperability'
  | 'reporting';

export const CATEGORIES: readonly Category[] = [
  'support_channels',
  'automation',
  'support_operations',
  'interoperability',
  'reporting',
];

export type Plan = 'starter' | 'pro' | 'premium';

export interface Feature {
  action: string;
  object: string;
  place: string;
  /** Maturity category, or null for features outside the five categories. */
  category: Category | null;
  /** Level within the category in the seed framework: basic use or mature use. */
  level: 'basic' | 'mature' | null;
  /** Plans on which the feature exists; all plans when absent. */
  plans?: readonly Plan[];
  /** A second place it is also used in, for this share of its events (a place variant). */
  altPlace?: { place: string; share: number };
}

/** The seven setup steps, in the order accounts usually do them. */
export const SETUP_STEPS = [
  { id: 'install_messenger', label: 'Install the Messenger', action: 'installed', object: 'messenger', place: 'settings' },
  { id: 'invite_teammates', label: 'Invite teammates', action: 'invited', object: 'teammate', place: 'settings' },
  { id: 'connect_email', label: 'Connect an email channel', action: 'connected', object: 'email_channel', place: 'settings' },
  { id: 'set_office_hours', label: 'Set office hours', action: 'set', object: 'office_hours', place: 'settings' },
  { id: 'create_team_inbox', label: 'Create a team inbox', action: 'created', object: 'team_inbox', place: 'inbox' },
  { id: 'import_contacts', label: 'Import contacts', action: 'imported', object: 'contacts', place: 'contacts' },
  { id: 'create_assignment_rule', label: 'Configure an assignment rule', action: 'created', object: 'assignment_rule', place: 'automation' },
] as const;

/** The core action: conversations opened and closed, with metadata.state resolved or not. */
export const CONVERSATION = { object: 'conversation', opened: 'opened', closed: 'closed', place: 'inbox' } as const;

/** Features also used in a second place: discovery sees each place as a variant of the pair. */
const PLACE_VARIANTS: Readonly<Record<string, { place: string; share: number }>> = {
  'published workflow': { place: 'workflow_builder', share: 0.35 },
  'sent outbound_message': { place: 'messenger', share: 0.3 },
  'configured ai_agent': { place: 'inbox', share: 0.3 },
  'viewed report': { place: 'inbox', share: 0.3 },
  'used macro': { place: 'messenger', share: 0.25 },
};

const f = (
  action: string,
  object: string,
  place: string,
  category: Category | null,
  level: 'basic' | 'mature' | null,
  plans?: readonly Plan[],
): Feature => {
  const altPlace = PLACE_VARIANTS[`${action} ${object}`];
  return { action, object, place, category, level, ...(plans ? { plans } : {}), ...(altPlace ? { altPlace } : {}) };
};

/** Product features beyond setup and the conversation core: 50+ across the five categories. */
export const FEATURES: readonly Feature[] = [
  // support channels
  f('customized', 'messenger_appearance', 'settings', 'support_channels', 'basic'),
  f('sent', 'chat_message', 'messenger', 'support_channels', 'basic'),
  f('received', 'email', 'inbox', 'support_channels', 'basic'),
  f('published', 'help_center_article', 'help_center', 'support_channels', 'basic'),
  f('connected', 'whatsapp_channel', 'settings', 'support_channels', 'mature'),
  f('connected', 'sms_channel', 'settings', 'support_channels', 'mature'),
  f('enabled', 'phone_channel', 'settings', 'support_channels', 'mature'),
  f('sent', 'outbound_message', 'outbound', 'support_channels', 'mature'),
  f('connected', 'social_channel', 'settings', 'support_channels', 'mature'),
  f('launched', 'product_tour', 'outbound', 'support_channels', 'mature'),
  // automation
  f('created', 'macro', 'inbox', 'automation', 'basic'),
  f('used', 'macro', 'inbox', 'automation', 'basic'),
  f('enabled', 'auto_reply', 'automation', 'automation', 'basic'),
  f('published', 'workflow', 'automation', 'automation', 'mature'),
  f('enabled', 'resolution_bot', 'automation', 'automation', 'mature'),
  f('created', 'custom_bot', 'automation', 'automation', 'mature'),
  f('configured', 'ai_agent', 'automation', 'automation', 'mature'),
  f('triggered', 'workflow', 'automation', 'automation', 'mature'),
  f('created', 'bot_answer', 'automation', 'automation', 'mature'),
  f('enabled', 'conversation_routing', 'automation', 'automation', 'basic'),
  // support operations
  f('assigned', 'conversation', 'inbox', 'support_operations', 'basic'),
  f('tagged', 'conversation', 'inbox', 'support_operations', 'basic'),
  f('snoozed', 'conversation', 'inbox', 'support_operations', 'basic'),
  f('added', 'note', 'inbox', 'support_operations', 'basic'),
  f('mentioned', 'teammate', 'inbox', 'support_operations', 'basic'),
  f('created', 'ticket_type', 'settings', 'support_operations', 'mature'),
  f('configured', 'round_robin', 'settings', 'support_operations', 'mature'),
  f('created', 'custom_sla_rule', 'settings', 'support_operations', 'mature', ['premium']),
  f('created', 'conversation_attribute', 'settings', 'support_operations', 'mature'),
  f('merged', 'conversation', 'inbox', 'support_operations', 'mature'),
  f('created', 'side_conversation', 'inbox', 'support_operations', 'mature'),
  // interoperability
  f('installed', 'app', 'app_store', 'interoperability', 'basic'),
  f('connected', 'slack', 'app_store', 'interoperability', 'basic'),
  f('connected', 'jira', 'app_store', 'interoperability', 'mature'),
  f('synced', 'salesforce', 'app_store', 'interoperability', 'mature'),
  f('created', 'webhook', 'developer_hub', 'interoperability', 'mature'),
  f('called', 'api', 'developer_hub', 'interoperability', 'mature'),
  f('installed', 'custom_app', 'developer_hub', 'interoperability', 'mature'),
  f('synced', 'hubspot', 'app_store', 'interoperability', 'basic'),
  f('created', 'data_connector', 'developer_hub', 'interoperability', 'mature'),
  // reporting
  f('viewed', 'report', 'reports', 'reporting', 'basic'),
  f('exported', 'csv', 'reports', 'reporting', 'basic'),
  f('viewed', 'csat_report', 'reports', 'reporting', 'basic'),
  f('created', 'custom_report', 'reports', 'reporting', 'mature'),
  f('scheduled', 'report', 'reports', 'reporting', 'mature'),
  f('created', 'dashboard', 'reports', 'reporting', 'mature'),
  f('shared', 'dashboard', 'reports', 'reporting', 'mature'),
  f('exported', 'dataset', 'reports', 'reporting', 'mature'),
  // outside the categories: routine use that predicts little
  f('viewed', 'inbox', 'inbox', null, null),
  f('searched', 'conversations', 'inbox', null, null),
  f('updated', 'profile', 'settings', null, null),
  f('viewed', 'contact', 'contacts', null, null),
  f('changed', 'notification_settings', 'settings', null, null),
  f('viewed', 'billing', 'settings', null, null),
];

for (const key of Object.keys(PLACE_VARIANTS)) {
  if (!FEATURES.some((x) => `${x.action} ${x.object}` === key)) throw new Error(`unknown demo feature: ${key}`);
}

/** The planted traps the seed article warns about. */
export const UBIQUITOUS_FEATURE = { action: 'customized', object: 'messenger_appearance' } as const;
export const PREMIUM_NICHE_FEATURE = { action: 'created', object: 'custom_sla_rule' } as const;
