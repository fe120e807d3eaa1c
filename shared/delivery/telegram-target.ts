// The athlete's linked Telegram chat as a delivery target, through the Telegram capability's Bot API client.
import { createHash } from 'node:crypto';
import { escapeHtml, linkedChatId, TelegramApiError, type TelegramBotApi } from '../telegram/index.js';
import type { TelegramDelivery } from './deliver.js';
import { telegramMessage } from './message.js';
import { type DeliveryTarget, TargetError, type TargetFailure } from './targets.js';

/** Telegram: about one message a second in one chat. */
export const TELEGRAM_CHAT_INTERVAL_MS = 1_000;
/**
 * Telegram: about 30 messages a second across all chats of one bot. Slots 36 ms apart (under 28 a second): a request
 * leaves a little after its slot, and at 34 ms that jitter put 31 in some second (bench/delivery.ts counted 429s).
 */
export const TELEGRAM_BOT_INTERVAL_MS = 36;

function failureOf(error: TelegramApiError): TargetFailure {
  switch (error.reason) {
    case 'rate_limited':
      return { kind: 'rate-limited', retryAfterMs: (error.retryAfter ?? 1) * 1000 };
    case 'blocked':
      return { kind: 'gone', reason: 'blocked' };
    case 'chat_not_found':
      return { kind: 'gone', reason: 'chat_not_found' };
    case 'bad_request':
      // Deleted in the chat, or older than the 48 hours in which a bot may delete its messages.
      return /message to (edit|delete) not found|message can't be (deleted|edited)/i.test(error.description) ? { kind: 'message-gone' } : { kind: 'refused' };
    default:
      // Telegram's own failures, no answer, and a wrong bot token (the operator's to fix, not the athlete's): retried,
      // then dead-lettered where the operator sees them.
      return { kind: 'transient' };
  }
}

async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof TelegramApiError) throw new TargetError(failureOf(error), error.message);
    throw error;
  }
}

export function telegramDelivery(api: TelegramBotApi): TelegramDelivery {
  return {
    async chatOf(db, athleteId) {
      const chatId = await linkedChatId(db, athleteId);
      return chatId === null ? undefined : String(chatId);
    },
    render: (parts) => telegramMessage(parts, escapeHtml),
    target(chatId): DeliveryTarget {
      const chat = Number(chatId);
      // A digest, not the chat id: the pacing table outlives the athlete's data.
      const chatKey = `telegram:chat:${createHash('sha256').update(chatId).digest('hex').slice(0, 32)}`;
      return {
        service: 'telegram',
        pacing: [
          { key: chatKey, intervalMs: TELEGRAM_CHAT_INTERVAL_MS },
          { key: 'telegram:bot', intervalMs: TELEGRAM_BOT_INTERVAL_MS },
        ],
        send: (message) => call(async () => ({ messageId: String((await api.sendMessage(chat, message.text)).message_id) })),
        edit: (messageId, message) =>
          call(async () => {
            try {
              await api.editMessageText(chat, Number(messageId), message.text);
            } catch (error) {
              // Already reads so (a redelivered edit): done.
              if (!(error instanceof TelegramApiError && /message is not modified/i.test(error.description))) throw error;
            }
            return { messageId };
          }),
        remove: (messageId) =>
          call(async () => {
            await api.deleteMessage(chat, Number(messageId));
            return { messageId };
          }),
      };
    },
  };
}
