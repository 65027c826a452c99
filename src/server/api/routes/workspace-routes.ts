import { frameworkLanguage, journeyStages } from '../../../milestones/index.js';
import type { ApiContext } from '../api-context.js';
import { route } from '../api-route.js';

/** The workspace's own language for the dashboard's shell: milestones, stages, segments, who is asking. */
export const workspaceRoutes = (ctx: ApiContext) => [
  route({
    method: 'GET',
    path: '/workspace',
    tag: 'workspace',
    summary: "The workspace's framework: milestone names, labels and definitions (in the words the CLI and reports use), journey stages, saved segments",
    response: { description: 'The framework as milestones.yaml declares it, the default as-of day and the role of the request' },
    handler: async ({ role }) => {
      const ws = ctx.workspace();
      const fw = ws.milestones;
      const words = frameworkLanguage(fw);
      return {
        version: ctx.version,
        as_of: ctx.defaultAsOf(),
        role,
        without_token: ctx.withoutToken,
        engine: ws.config.engine.kind,
        collector: ctx.collector !== null,
        stages: journeyStages(fw),
        milestones: Object.entries(fw.milestones).map(([name, m]) => ({ ...words.milestone(name), kind: m.kind, requires: m.requires, config: m })),
        segments: Object.entries(fw.segments).map(([name, expression]) => ({ name, expression })),
      };
    },
  }),
];
