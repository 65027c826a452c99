import type { TemplateName } from '../config/index.js';
import type { DemoWorld } from '../demo/index.js';
import type { RetentionKind } from '../discover/index.js';
import type { FunnelBy } from '../milestones/index.js';

/**
 * The words options accept: the command table shows them in help, the verbs check them.
 * Only types are imported here, so `cairn --help` stays light.
 */
export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
/** What `--out FILE` writes (by --format, else the file's extension). */
export const EXPORT_FORMATS = ['csv', 'json', 'parquet'] as const;
export const FUNNEL_BY: readonly FunnelBy[] = ['all', 'signup_month', 'plan'];
export const RETENTION_KINDS: readonly RetentionKind[] = ['still_customer', 'not_dormant'];
/** `cairn discover`'s defaults, as option text: the command table shows them, the demo runs with them. */
export const DISCOVER_DEFAULTS = { seed: '1', trees: '100', fits: '10', bootstrap: '200', permutations: '200' } as const;
export const REVIEW_FORMATS = ['table', 'json', 'md', 'html'] as const;
export const REVIEW_COHORTS = ['quarter', 'month'] as const;
/** `cairn init --example`: the templates other than the blank one. */
export const INIT_EXAMPLES: readonly Exclude<TemplateName, 'blank'>[] = ['helpdesk'];
export const DEMO_WORLDS: readonly DemoWorld[] = ['planted', 'null'];
export const LAUNCH_REPORT_FORMATS = ['md', 'html', 'json'] as const;
