// The stand-in's world: chats with their messages, the webhook and its queue of updates, rate limits and faults.
import type { InlineKeyboardMarkup, TelegramUpdate } from '../../shared/telegram/index.js';

export interface StandInUser {
  id: number;
  firstName: string;
  username?: string;
  languageCode?: string;
}

export interface StoredFile {
  fileId: string;
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

/** One message in a chat as the person sees it now (edits applied, deletions marked). */
export interface ChatMessage {
  messageId: number;
  from: 'user' | 'bot';
  date: number;
  /** The user's words, or the bot's text as sent (HTML when parseMode is HTML). */
  text: string;
  parseMode?: 'HTML' | undefined;
  replyMarkup?: InlineKeyboardMarkup | undefined;
  document?: StoredFile | undefined;
  photo?: StoredFile | undefined;
  edited: boolean;
  deleted: boolean;
}

/** A call the bot made that Telegram accepted: what tests assert was (and was not) sent. */
export interface SentRecord {
  method: 'sendMessage' | 'editMessageText' | 'deleteMessage' | 'sendDocument' | 'sendPhoto' | 'answerCallbackQuery';
  chatId: number;
  messageId: number;
  text?: string | undefined;
  parseMode?: string | undefined;
  replyMarkup?: InlineKeyboardMarkup | undefined;
  file?: StoredFile | undefined;
}

/** Every call, accepted or refused, with Telegram's answer. */
export interface CallRecord {
  method: string;
  chatId?: number | undefined;
  ok: boolean;
  errorCode?: number | undefined;
  description?: string | undefined;
}

export interface Chat {
  user: StandInUser;
  blocked: boolean;
  messages: ChatMessage[];
  nextMessageId: number;
}

export interface Webhook {
  url: string;
  secretToken: string | undefined;
  allowedUpdates: string[] | undefined;
  maxConnections: number;
  lastErrorDate?: number | undefined;
  lastErrorMessage?: string | undefined;
}

export interface Limit {
  /** Calls allowed in a window. */
  limit: number;
  windowMs: number;
}

export interface RateLimits {
  /** Across every chat (Telegram: about 30 messages a second). */
  global: Limit;
  /** In one chat (Telegram: about one a second, with short bursts). */
  perChat: Limit;
}

export const TELEGRAM_RATE_LIMITS: RateLimits = { global: { limit: 30, windowMs: 1000 }, perChat: { limit: 5, windowMs: 5000 } };

/** Sliding windows of accepted sends; a send over a window is refused with the seconds until it frees up. */
export class RateLimiter {
  private globalTimes: number[] = [];
  private chatTimes = new Map<number, number[]>();

  constructor(
    public limits: RateLimits,
    private readonly now: () => number,
  ) {}

  /** Seconds to wait (429's retry_after) when over a limit, or 0 when the send is taken and counted. */
  take(chatId: number): number {
    const now = this.now();
    const chat = this.chatTimes.get(chatId) ?? [];
    const waits = [this.waitFor(this.globalTimes, this.limits.global, now), this.waitFor(chat, this.limits.perChat, now)];
    const wait = Math.max(...waits);
    if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
    this.globalTimes.push(now);
    chat.push(now);
    this.chatTimes.set(chatId, chat);
    return 0;
  }

  private waitFor(times: number[], limit: Limit, now: number): number {
    while (times.length > 0 && times[0]! <= now - limit.windowMs) times.shift();
    return times.length < limit.limit ? 0 : times[0]! + limit.windowMs - now;
  }
}

export interface PendingUpdate {
  update: TelegramUpdate;
  /** Resolves when a delivery attempt succeeded, or (for a caller waiting on it) when the first attempt failed. */
  settled: Array<(outcome: DeliveryOutcome) => void>;
}

export interface DeliveryOutcome {
  delivered: boolean;
  /** The webhook's HTTP status; 0 when it could not be reached; undefined without a webhook (getUpdates). */
  status?: number | undefined;
}
