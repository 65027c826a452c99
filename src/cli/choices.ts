import type { RetentionKind } from '../discover/index.js';
import type { FunnelBy } from '../milestones/index.js';

/**
 * The words options accept: the command table shows them in help, the verbs check them.
 * Only types are imported here, so `cairn --help` stays light.
 */
export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export const FUNNEL_BY: readonly FunnelBy[] = ['all', 'signup_month', 'plan'];
export const RETENTION_KINDS: readonly RetentionKind[] = ['still_customer', 'not_dormant'];
export const REVIEW_FORMATS = ['table', 'json', 'md', 'html'] as const;
export const REVIEW_COHORTS = ['quarter', 'month'] as const;
