import type { Matcher } from '../config/index.js';
import { describeMatcher } from '../milestones/index.js';
import { countInRanges, type DailyCounts } from './early-activity.js';

/** An action to count, and why it was chosen. */
export interface CountedAction {
  matcher: Matcher;
  because: string;
}

export interface CoreActionInput {
  daily: DailyCounts;
  /** Judged accounts, whose early windows are checked for events. */
  accountIds: readonly string[];
  earlyDays: number;
  /** From --core-action, else the current framework's activation; null when neither names one. */
  configured: CountedAction | null;
  /** The current framework's utilization count, if any (it may add a metadata filter). */
  configuredUtilization: CountedAction | null;
  /** The most predictive repeated action, the stand-in when nothing configured has events. */
  best: CountedAction | null;
}

export interface CoreActions {
  core: CountedAction | null;
  utilization: CountedAction | null;
  warnings: string[];
}

const HINT = 'pass --core-action "ACTION OBJECT" to count another';

/**
 * The core action activation counts, and the action utilization counts per seat. A configured
 * action with no events in any judged account's early window (another product's template, a
 * renamed event) is replaced by the most predictive repeated action, with a warning naming both.
 */
export async function chooseCoreActions(input: CoreActionInput): Promise<CoreActions> {
  const { daily, accountIds, earlyDays, configured, configuredUtilization, best } = input;
  const warnings: string[] = [];
  const hasEvents = async (m: Matcher): Promise<boolean> => {
    const [counts] = await countInRanges(daily, accountIds, m, [{ from: 0, to: earlyDays }]);
    return counts.some((c) => c > 0);
  };
  const none = (what: CountedAction) => `${describeMatcher(what.matcher)} (${what.because}) has no events in the first ${earlyDays} days of any judged account`;
  const standIn = (what: CountedAction): CountedAction | null => {
    const instead = best ? `discovery counts ${describeMatcher(best.matcher)} instead (${best.because})` : 'no action is repeated enough to stand in for it';
    warnings.push(`The core action ${none(what)}: ${instead}. To count another, ${HINT}.`);
    return best;
  };

  let core: CountedAction | null = configured;
  if (core && !(await hasEvents(core.matcher))) core = standIn(core);
  else if (!core) core = best;
  if (!core) warnings.push(`No repeated action to count, so no activation or utilization threshold; ${HINT}.`);

  let utilization: CountedAction | null = core;
  if (configuredUtilization && core === configured) {
    utilization = (await hasEvents(configuredUtilization.matcher)) ? configuredUtilization : core;
    if (utilization !== configuredUtilization) warnings.push(`The utilization action ${none(configuredUtilization)}: utilization counts the core action instead.`);
  }
  if (utilization && utilization === core) utilization = { matcher: core!.matcher, because: `the core action (${core!.because})` };
  return { core, utilization, warnings };
}
