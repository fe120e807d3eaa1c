// A client of the Telegram Bot API (api.telegram.org or the laptop stand-in): one method per call the product makes.
import { httpFailureClass } from '../http-failure.js';

/** Telegram's inline keyboard: rows of buttons, each answering with callback data or opening a link. */
export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
}
export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

export interface TelegramMessage {
  message_id: number;
  date: number;
  chat: { id: number; type: string; username?: string; first_name?: string };
  from?: { id: number; is_bot: boolean; first_name: string; username?: string; language_code?: string };
  text?: string;
}

export interface TelegramUpdate {
  update_id: number;
  message?: TelegramMessage;
  edited_message?: TelegramMessage;
  callback_query?: {
    id: string;
    from: { id: number; is_bot: boolean; first_name: string; username?: string; language_code?: string };
    message?: TelegramMessage;
    data?: string;
  };
}

export interface WebhookInfo {
  url: string;
  has_custom_certificate: boolean;
  pending_update_count: number;
  last_error_date?: number;
  last_error_message?: string;
  max_connections?: number;
  allowed_updates?: string[];
}

export interface SendMessageOptions {
  /** Markup goes with parse_mode HTML: every piece of athlete text in it must pass through escapeHtml. */
  replyMarkup?: InlineKeyboardMarkup;
  disableLinkPreview?: boolean;
}

export interface TelegramFile {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface SetWebhookOptions {
  url: string;
  /** Sent back by Telegram in X-Telegram-Bot-Api-Secret-Token on every update (1–256 of A–Z a–z 0–9 _ -). */
  secretToken: string;
  allowedUpdates?: string[];
  dropPendingUpdates?: boolean;
  maxConnections?: number;
}

/**
 * Why a call failed, as far as a sender needs to know: retry later (`rate_limited`, `server`, `network`), or stop
 * sending to this chat (`chat_not_found`, `blocked`), or fix the call (`bad_request`, `unauthorized`, `not_found`).
 */
export type TelegramFailure = 'rate_limited' | 'server' | 'network' | 'chat_not_found' | 'blocked' | 'bad_request' | 'unauthorized' | 'not_found';

export class TelegramApiError extends Error {
  /** Telegram's error_code (the HTTP status), 0 when no answer came. */
  readonly error_code: number;
  readonly description: string;
  /** Seconds to wait before the next call, from parameters.retry_after on a 429. */
  readonly retryAfter: number | undefined;
  readonly method: string;
  readonly reason: TelegramFailure;

  constructor(method: string, errorCode: number, description: string, retryAfter?: number, options?: { cause?: unknown }) {
    super(`Telegram ${method} failed: ${errorCode} ${description}`, options);
    this.name = 'TelegramApiError';
    this.method = method;
    this.error_code = errorCode;
    this.description = description;
    this.retryAfter = retryAfter;
    this.reason = classify(errorCode, description);
  }

  /** Worth trying again later (the same call may well succeed): rate limits, Telegram's own failures, no answer. */
  get transient(): boolean {
    return this.reason === 'rate_limited' || this.reason === 'server' || this.reason === 'network';
  }

  /** Retrying changes nothing: the chat is gone or blocked us, or the call itself is wrong. */
  get permanent(): boolean {
    return !this.transient;
  }

  /** The chat can no longer be written to: the athlete blocked the bot, deleted the chat or it never existed. */
  get chatUnreachable(): boolean {
    return this.reason === 'chat_not_found' || this.reason === 'blocked';
  }
}

function classify(errorCode: number, description: string): TelegramFailure {
  if (errorCode === 0) return 'network';
  const failure = httpFailureClass(errorCode);
  if (failure === 'throttled') return 'rate_limited';
  if (failure === 'unavailable') return 'server';
  if (errorCode === 401) return 'unauthorized';
  if (errorCode === 403) return 'blocked'; // "bot was blocked by the user", "user is deactivated", "bot was kicked…"
  if (errorCode === 404) return 'not_found';
  if (/chat not found|user not found|chat_id is empty|PEER_ID_INVALID/i.test(description)) return 'chat_not_found';
  return 'bad_request';
}

export interface TelegramBotApi {
  sendMessage(chatId: number, html: string, options?: SendMessageOptions): Promise<TelegramMessage>;
  editMessageText(chatId: number, messageId: number, html: string, options?: SendMessageOptions): Promise<TelegramMessage>;
  deleteMessage(chatId: number, messageId: number): Promise<boolean>;
  sendDocument(chatId: number, file: TelegramFile, options?: { captionHtml?: string }): Promise<TelegramMessage>;
  sendPhoto(chatId: number, file: TelegramFile, options?: { captionHtml?: string; replyMarkup?: InlineKeyboardMarkup }): Promise<TelegramMessage>;
  answerCallbackQuery(callbackQueryId: string, text?: string): Promise<boolean>;
  setWebhook(options: SetWebhookOptions): Promise<boolean>;
  getWebhookInfo(): Promise<WebhookInfo>;
  deleteWebhook(options?: { dropPendingUpdates?: boolean }): Promise<boolean>;
  getMe(): Promise<{ id: number; is_bot: boolean; first_name: string; username: string }>;
}

export interface TelegramBotApiOptions {
  /** https://api.telegram.org, or the stand-in's address. */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** A call that takes longer is abandoned as a network failure (transient). */
  timeoutMs?: number;
}

interface ApiAnswer {
  ok: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export function createTelegramBotApi(options: TelegramBotApiOptions): TelegramBotApi {
  const fetchImpl = options.fetch ?? fetch;
  const base = `${options.baseUrl.replace(/\/+$/, '')}/bot${options.token}`;
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function call<T>(method: string, body: Record<string, unknown> | FormData): Promise<T> {
    const isForm = body instanceof FormData;
    let response: Response;
    try {
      response = await fetchImpl(`${base}/${method}`, {
        method: 'POST',
        ...(isForm ? {} : { headers: { 'content-type': 'application/json' } }),
        body: isForm ? body : JSON.stringify(dropUndefined(body)),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // The token is part of the URL: the error names the method only.
      throw new TelegramApiError(method, 0, 'no answer from the Bot API', undefined, { cause: (error as Error)?.name });
    }
    let answer: ApiAnswer | undefined;
    try {
      answer = (await response.json()) as ApiAnswer;
    } catch {
      answer = undefined;
    }
    if (!answer || typeof answer.ok !== 'boolean') {
      throw new TelegramApiError(method, response.ok ? 502 : response.status, `unreadable answer (HTTP ${response.status})`);
    }
    if (!answer.ok) {
      const retryAfter = answer.parameters?.retry_after;
      throw new TelegramApiError(
        method,
        answer.error_code ?? response.status,
        answer.description ?? `HTTP ${response.status}`,
        typeof retryAfter === 'number' ? retryAfter : undefined,
      );
    }
    return answer.result as T;
  }

  const messageBody = (chatId: number, html: string, extra: SendMessageOptions = {}) => ({
    chat_id: chatId,
    text: html,
    parse_mode: 'HTML',
    reply_markup: extra.replyMarkup,
    link_preview_options: extra.disableLinkPreview === false ? undefined : { is_disabled: true },
  });

  const fileForm = (chatId: number, field: 'document' | 'photo', file: TelegramFile, captionHtml?: string, replyMarkup?: InlineKeyboardMarkup) => {
    const form = new FormData();
    form.set('chat_id', String(chatId));
    form.set(field, new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.contentType }), file.filename);
    if (captionHtml !== undefined) {
      form.set('caption', captionHtml);
      form.set('parse_mode', 'HTML');
    }
    if (replyMarkup) form.set('reply_markup', JSON.stringify(replyMarkup));
    return form;
  };

  return {
    sendMessage: (chatId, html, extra) => call('sendMessage', messageBody(chatId, html, extra)),
    editMessageText: (chatId, messageId, html, extra) => call('editMessageText', { ...messageBody(chatId, html, extra), message_id: messageId }),
    deleteMessage: (chatId, messageId) => call('deleteMessage', { chat_id: chatId, message_id: messageId }),
    sendDocument: (chatId, file, extra = {}) => call('sendDocument', fileForm(chatId, 'document', file, extra.captionHtml)),
    sendPhoto: (chatId, file, extra = {}) => call('sendPhoto', fileForm(chatId, 'photo', file, extra.captionHtml, extra.replyMarkup)),
    answerCallbackQuery: (callbackQueryId, text) => call('answerCallbackQuery', { callback_query_id: callbackQueryId, text }),
    setWebhook: (o) =>
      call('setWebhook', {
        url: o.url,
        secret_token: o.secretToken,
        allowed_updates: o.allowedUpdates,
        drop_pending_updates: o.dropPendingUpdates,
        max_connections: o.maxConnections,
      }),
    getWebhookInfo: () => call('getWebhookInfo', {}),
    deleteWebhook: (o = {}) => call('deleteWebhook', { drop_pending_updates: o.dropPendingUpdates }),
    getMe: () => call('getMe', {}),
  };
}

function dropUndefined(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}
