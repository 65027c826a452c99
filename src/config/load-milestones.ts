import { checkMilestoneGraph } from './check-milestone-graph.js';
import { parseConfigText, readConfigFile } from './parse-config-text.js';
import { milestonesConfigSchema, type MilestonesConfig } from './schemas/milestones-schema.js';
import { checkSegmentExpressions } from './check-segments.js';

/** Validates the text of a `milestones.yaml`; throws one ConfigError listing every problem. */
export function parseMilestones(text: string, file = 'milestones.yaml'): MilestonesConfig {
  return parseConfigText(file, text, milestonesConfigSchema, [checkMilestoneGraph, checkSegmentExpressions]);
}

export async function loadMilestones(file: string): Promise<MilestonesConfig> {
  return parseMilestones(await readConfigFile(file), file);
}
