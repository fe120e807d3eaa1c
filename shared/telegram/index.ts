// The Telegram capability's public face: the Bot API client, its errors, HTML and length helpers, chat links and updates.
export {
  createTelegramBotApi,
  TelegramApiError,
  type InlineKeyboardButton,
  type InlineKeyboardMarkup,
  type SendMessageOptions,
  type SetWebhookOptions,
  type TelegramBotApi,
  type TelegramBotApiOptions,
  type TelegramFailure,
  type TelegramFile,
  type TelegramMessage,
  type TelegramUpdate,
  type WebhookInfo,
} from './bot-api.js';
export {
  escapeHtml,
  parseTelegramHtml,
  splitMessage,
  TELEGRAM_CAPTION_LIMIT,
  TELEGRAM_MESSAGE_LIMIT,
  trimMessage,
  visibleLength,
  type ParsedHtml,
} from './html.js';
export {
  type ChatLink,
  createStartCode,
  linkedChatId,
  linkOfAthlete,
  linkOfChat,
  type RedeemOutcome,
  redeemStartCode,
  setChatLocale,
  START_CODE_TTL_MS,
  unlinkAthlete,
  unlinkChat,
} from './links.js';
export { chatOfUpdate, claimUpdate, failedUpdateCount, markUpdateDone, markUpdateFailed } from './updates.js';
export { type BotAdminOperations, type BotDeps, createTelegramBot, type TelegramBot } from './bot.js';
export type { LoadStreams } from './answers.js';
export { CARD_HEIGHT, CARD_WIDTH } from './card.js';
export { sameSecret, telegramWebhookPath, telegramWebhookUrl, WEBHOOK_SECRET_PATTERN } from './webhook.js';
