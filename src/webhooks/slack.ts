import type { WebhookEvent } from './events.js';

/** Slack's mrkdwn gives &, < and > meaning: data shows as text. */
const mrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * An event as a Slack message for an incoming webhook: Block Kit blocks with the summary in
 * the framework's words, and what the milestone, stage or segment means; `text` is the
 * notification's fallback. The same words as the JSON event's `summary`.
 */
export function slackMessage(e: WebhookEvent): { text: string; blocks: unknown[] } {
  const d = e.data;
  const detail = d.milestone
    ? `*${mrkdwn(d.milestone.label)}*: ${mrkdwn(d.milestone.definition)}`
    : d.stage
      ? `Stage *${mrkdwn(d.stage.label)}*${d.previous_stage ? ` (was ${mrkdwn(d.previous_stage.label)})` : ''}`
      : d.segment
        ? `Segment *${mrkdwn(d.segment.name)}*: \`${mrkdwn(d.segment.expression)}\``
        : '';
  return {
    text: d.summary,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: mrkdwn(d.summary) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: [detail, `on ${d.day}`].filter(Boolean).join(' · ') }] },
    ],
  };
}
