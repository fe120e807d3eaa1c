// The events capability's public face: everything other modules may use of it.
export { type ProcessorDeps, processWebhookEvent, retryDeferredEvents } from './process.js';
export {
  DEFAULT_MAX_DELIVERIES,
  exhaustedWebhookEvents,
  recentWebhookEvents,
  unconfirmedWebhookEvents,
  webhookEventCounts,
  withoutDeletedActivities,
} from './store.js';
export { InvalidEventError, MAX_EVENT_BYTES, parseWebhookEvent, type StravaWebhookEvent } from './webhook-event.js';
