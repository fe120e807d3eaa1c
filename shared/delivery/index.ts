// The delivery capability's public face: the athlete's destinations, the notices the processor writes, and the
// delivery function's work.
export { connectWebhook, type ConnectWebhookDeps, WebhookTestFailedError } from './connect.js';
export { DeliveryRetryError, deliverNotice, type DeliveryDeps, type DestinationOutcome, type TelegramDelivery } from './deliver.js';
export {
  DEFAULT_PREFERENCES,
  type DeliveryPreferences,
  type DestinationService,
  type DestinationView,
  enableTelegramDestination,
  getDeliveryPreferences,
  listDestinations,
  removeDestination,
  saveDeliveryPreferences,
} from './destinations.js';
export { escapeDiscord, escapeSlack } from './escape.js';
export { type MessageParts, telegramMessage } from './message.js';
export {
  type ActivityChange,
  type DeliveryNotice,
  EDIT_WINDOW_MS,
  InvalidDeliveryNoticeError,
  noteActivityChange,
  parseDeliveryNotice,
  publishPendingNotices,
  publishWaitingNotices,
} from './notices.js';
export { PacedError } from './pacing.js';
export { TELEGRAM_BOT_INTERVAL_MS, TELEGRAM_CHAT_INTERVAL_MS, telegramDelivery } from './telegram-target.js';
export { type DeliveryTarget, type DisabledReason, type Pacing, type RenderedMessage, type Sent, TargetError, type TargetFailure } from './targets.js';
export {
  InvalidWebhookUrlError,
  parseWebhookUrl,
  REAL_WEBHOOK_ORIGINS,
  type WebhookOrigins,
  webhookOrigins,
  type WebhookService,
  type WebhookUrlProblem,
} from './webhook-url.js';
