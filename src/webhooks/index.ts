/**
 * Webhooks: what happens to accounts, pushed to the tools teams act in. Milestones reached or
 * lost, stage changes and segment entries and exits (the milestone_changes and segment_changes
 * feeds) become signed JSON deliveries, or Slack Block Kit messages, to the endpoints of
 * cairn.yaml; each is kept in webhook_deliveries under its idempotency key, retried with
 * backoff until acknowledged, then never sent again; what fails every attempt is a dead
 * letter, replayable. The signature and its check are in signature.ts.
 */
export { deliverWebhooks, replayDeadLetters, readDeliveries, deliveryKey, type Delivery, type DeliveryRun, type ReplayResult } from './deliveries.js';
export { resolveEndpoints, EndpointError, type Endpoint } from './endpoints.js';
export { milestoneEvent, segmentEvent, type WebhookEvent } from './events.js';
export { slackMessage } from './slack.js';
export { signatureHeader, verifyWebhookSignature, webhookSignatureProblem, SIGNATURE_HEADER, type VerifyOptions } from './signature.js';
export { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher.js';
