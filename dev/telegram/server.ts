// A local stand-in for the Telegram Bot API: /bot<token>/<method> answers as api.telegram.org does, errors included,
// delivers the chat's updates to the bot's webhook, records what the bot sent, and serves a page to chat as a person.
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  escapeHtml,
  type InlineKeyboardMarkup,
  parseTelegramHtml,
  TELEGRAM_CAPTION_LIMIT,
  TELEGRAM_MESSAGE_LIMIT,
  type TelegramUpdate,
} from '../../shared/telegram/index.js';
import {
  type CallRecord,
  type Chat,
  type ChatMessage,
  type DeliveryOutcome,
  type PendingUpdate,
  RateLimiter,
  type RateLimits,
  type SentRecord,
  type StandInUser,
  type StoredFile,
  TELEGRAM_RATE_LIMITS,
  type Webhook,
} from './model.js';
import { chooseLocale } from '../../shared/i18n/index.js';
import { chatPage } from './page.js';

export type { CallRecord, ChatMessage, DeliveryOutcome, RateLimits, SentRecord, StandInUser } from './model.js';
export { TELEGRAM_RATE_LIMITS } from './model.js';

/** The person chatting on the laptop's chat page. */
export const DEMO_TELEGRAM_USER: StandInUser = { id: 700_001, firstName: 'Demo', username: 'demo_athlete' };

export interface TelegramStandInOptions {
  /** 0 = a free port; default 8092. */
  port?: number;
  host?: string;
  /** The bot's token (the URL's /bot<token>/); a random one by default. */
  token?: string;
  botUsername?: string;
  rateLimits?: Partial<RateLimits>;
  /** Wait before redelivering an update the webhook refused (Telegram backs off for seconds to minutes). */
  redeliveryDelayMs?: number;
  now?: () => number;
}

export interface TelegramStandIn {
  /** Where the Bot API answers: TELEGRAM_API_BASE_URL (http://127.0.0.1:PORT). */
  baseUrl: string;
  /** The chat page, and what t.me links become: http://127.0.0.1:PORT/<bot>?start=… */
  url: string;
  token: string;
  botUsername: string;
  /** Accepted calls, in order. */
  sent: SentRecord[];
  /** Every call, with Telegram's answer. */
  calls: CallRecord[];
  /** The chat as the person sees it (edits applied; deleted messages are marked). */
  conversation(chatId: number): ChatMessage[];
  /** The bot's messages still visible in a chat, oldest first. */
  botMessages(chatId: number): ChatMessage[];
  /** The person writes to the bot; resolves once the webhook answered the update (or it was queued without one). */
  userSays(chatId: number, text: string, user?: Partial<StandInUser>): Promise<DeliveryOutcome>;
  /** The person presses an inline button under a bot message. */
  pressButton(chatId: number, messageId: number, callbackData: string): Promise<DeliveryOutcome>;
  /** Sends an update as it is (replays, hand-made updates); it gets the next update_id unless it has one. */
  deliver(update: Omit<TelegramUpdate, 'update_id'> & { update_id?: number }): Promise<DeliveryOutcome>;
  /** The person blocks the bot: sends answer 403. */
  blockBot(chatId: number): void;
  unblockBot(chatId: number): void;
  /** The chat disappears: sends answer 400 chat not found. */
  forgetChat(chatId: number): void;
  /** The next `count` calls of `method` (any when omitted) fail with this answer. */
  failNext(count: number, failure: { errorCode: number; description: string; retryAfter?: number; method?: string }): void;
  setRateLimits(limits: Partial<RateLimits>): void;
  webhook(): { url: string; secretToken: string | undefined; pending: number; lastErrorMessage: string | undefined };
  close(): Promise<void>;
}

type Params = Record<string, unknown>;

class ApiRefusal extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

const badRequest = (what: string) => new ApiRefusal(400, `Bad Request: ${what}`);
const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;
const RATE_LIMITED_METHODS = new Set(['sendMessage', 'editMessageText', 'sendDocument', 'sendPhoto']);
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

export async function startTelegramStandIn(options: TelegramStandInOptions = {}): Promise<TelegramStandIn> {
  const now = options.now ?? Date.now;
  const token = options.token ?? `${100_000 + Math.floor(Math.random() * 900_000)}:${randomBytes(24).toString('base64url')}`;
  const botUsername = options.botUsername ?? 'TrainingRoomBot';
  const botId = Number(token.split(':')[0]) || 100_001;
  const limiter = new RateLimiter({ ...TELEGRAM_RATE_LIMITS, ...options.rateLimits }, now);
  const redeliveryDelayMs = options.redeliveryDelayMs ?? 2000;
  const chats = new Map<number, Chat>();
  const files = new Map<string, StoredFile>();
  const callbackQueries = new Map<string, number>();
  const sent: SentRecord[] = [];
  const calls: CallRecord[] = [];
  const queue: PendingUpdate[] = [];
  const faults: { count: number; errorCode: number; description: string; retryAfter?: number | undefined; method?: string | undefined }[] = [];
  let webhook: Webhook | undefined;
  let nextUpdateId = 500_000_001;
  let delivering = false;
  let redeliveryTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const unixNow = () => Math.floor(now() / 1000);

  const openChat = (user: StandInUser): Chat => {
    let chat = chats.get(user.id);
    if (!chat) {
      chat = { user, blocked: false, messages: [], nextMessageId: 1 };
      chats.set(user.id, chat);
    }
    return chat;
  };

  const messageJson = (chat: Chat, message: ChatMessage) => ({
    message_id: message.messageId,
    date: message.date,
    chat: { id: chat.user.id, type: 'private', first_name: chat.user.firstName, ...(chat.user.username ? { username: chat.user.username } : {}) },
    from:
      message.from === 'bot'
        ? { id: botId, is_bot: true, first_name: 'Training Room', username: botUsername }
        : { id: chat.user.id, is_bot: false, first_name: chat.user.firstName, username: chat.user.username, language_code: chat.user.languageCode },
    ...(message.text && !message.document && !message.photo ? { text: parsedText(message) } : {}),
    ...(message.text && (message.document || message.photo) ? { caption: parsedText(message) } : {}),
    ...(message.replyMarkup ? { reply_markup: message.replyMarkup } : {}),
    ...(message.document
      ? {
          document: {
            file_id: message.document.fileId,
            file_name: message.document.filename,
            mime_type: message.document.contentType,
            file_size: message.document.bytes.length,
          },
        }
      : {}),
    ...(message.photo
      ? { photo: [{ file_id: message.photo.fileId, file_unique_id: message.photo.fileId, width: 0, height: 0, file_size: message.photo.bytes.length }] }
      : {}),
  });

  // ---- delivering updates to the webhook, in order, one at a time (as Telegram does with max_connections 1) ----
  const settle = (pending: PendingUpdate, outcome: DeliveryOutcome) => {
    for (const resolve of pending.settled.splice(0)) resolve(outcome);
  };

  async function pump(): Promise<void> {
    if (delivering || closed) return;
    delivering = true;
    try {
      while (webhook && queue.length > 0 && !closed) {
        const pending = queue[0]!;
        let status = 0;
        try {
          const response = await fetch(webhook.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(webhook.secretToken ? { 'x-telegram-bot-api-secret-token': webhook.secretToken } : {}) },
            body: JSON.stringify(pending.update),
            signal: AbortSignal.timeout(60_000),
          });
          status = response.status;
          await response.arrayBuffer();
        } catch (error) {
          webhook.lastErrorMessage = `Connection refused: ${(error as Error).message}`;
        }
        if (status >= 200 && status < 300) {
          queue.shift();
          settle(pending, { delivered: true, status });
          continue;
        }
        webhook.lastErrorDate = unixNow();
        if (status !== 0) webhook.lastErrorMessage = `Wrong response from the webhook: ${status}`;
        settle(pending, { delivered: false, status });
        clearTimeout(redeliveryTimer);
        redeliveryTimer = setTimeout(() => void pump(), redeliveryDelayMs);
        break;
      }
    } finally {
      delivering = false;
    }
  }

  function enqueue(update: TelegramUpdate): Promise<DeliveryOutcome> {
    return new Promise((resolve) => {
      const pending: PendingUpdate = { update, settled: [resolve] };
      queue.push(pending);
      if (!webhook) {
        settle(pending, { delivered: false });
        return;
      }
      // A queue waiting on a refused update keeps order: the newcomer waits behind it.
      if (queue.length > 1 && !delivering) return;
      void pump();
    });
  }

  // ---- the Bot API ----
  const chatFor = (params: Params): Chat => {
    const chatId = Number(params.chat_id);
    if (!Number.isFinite(chatId) || params.chat_id === undefined || params.chat_id === '') throw badRequest('chat_id is empty');
    const chat = chats.get(chatId);
    if (!chat) throw badRequest('chat not found');
    if (chat.blocked) throw new ApiRefusal(403, 'Forbidden: bot was blocked by the user');
    return chat;
  };

  const checkText = (text: unknown, parseMode: unknown, limit: number, tooLong: string): string => {
    const raw = typeof text === 'string' ? text : '';
    let visible = raw;
    if (parseMode === 'HTML') {
      const parsed = parseTelegramHtml(raw);
      if (!parsed.ok) throw new ApiRefusal(400, parsed.description);
      visible = parsed.text;
    } else if (parseMode !== undefined && parseMode !== '') {
      if (parseMode !== 'MarkdownV2' && parseMode !== 'Markdown') throw badRequest('unsupported parse_mode');
    }
    if (visible.length > limit) throw badRequest(tooLong);
    return raw;
  };

  const checkMarkup = (markup: unknown): InlineKeyboardMarkup | undefined => {
    if (markup === undefined || markup === '') return undefined;
    const value = (typeof markup === 'string' ? safeJson(markup) : markup) as InlineKeyboardMarkup | undefined;
    const rows = value?.inline_keyboard;
    if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row))) throw badRequest("can't parse reply keyboard markup JSON object");
    for (const button of rows.flat()) {
      if (typeof button?.text !== 'string' || button.text === '') throw badRequest('text buttons are unallowed in the inline keyboard');
      if (button.callback_data !== undefined && (Buffer.byteLength(button.callback_data) < 1 || Buffer.byteLength(button.callback_data) > 64)) {
        throw badRequest('BUTTON_DATA_INVALID');
      }
      if (button.callback_data === undefined && button.url === undefined) throw badRequest('BUTTON_TYPE_INVALID');
    }
    return value;
  };

  const botMessage = (chat: Chat, params: Params): ChatMessage => {
    const messageId = Number(params.message_id);
    const message = chat.messages.find((m) => m.messageId === messageId && m.from === 'bot' && !m.deleted);
    return message as ChatMessage;
  };

  const addBotMessage = (chat: Chat, fields: Partial<ChatMessage>): ChatMessage => {
    const message: ChatMessage = { messageId: chat.nextMessageId++, from: 'bot', date: unixNow(), text: '', edited: false, deleted: false, ...fields };
    chat.messages.push(message);
    return message;
  };

  async function fileParam(params: Params, field: 'document' | 'photo'): Promise<StoredFile> {
    const value = params[field];
    if (value instanceof File) {
      const bytes = new Uint8Array(await value.arrayBuffer());
      if (bytes.length === 0) throw badRequest(`file must be non-empty`);
      const stored = {
        fileId: `F${randomBytes(12).toString('base64url')}`,
        filename: value.name || field,
        contentType: value.type || 'application/octet-stream',
        bytes,
      };
      files.set(stored.fileId, stored);
      return stored;
    }
    if (typeof value === 'string' && files.has(value)) return files.get(value)!;
    throw badRequest(field === 'document' ? 'there is no document in the request' : 'there is no photo in the request');
  }

  const methods: Record<string, (params: Params) => Promise<unknown> | unknown> = {
    getMe: () => ({ id: botId, is_bot: true, first_name: 'Training Room', username: botUsername, can_join_groups: false, supports_inline_queries: false }),
    sendMessage: (params) => {
      const chat = chatFor(params);
      if (typeof params.text !== 'string' || params.text.trim() === '') throw badRequest('message text is empty');
      const text = checkText(params.text, params.parse_mode, TELEGRAM_MESSAGE_LIMIT, 'message is too long');
      const replyMarkup = checkMarkup(params.reply_markup);
      const message = addBotMessage(chat, { text, parseMode: params.parse_mode === 'HTML' ? 'HTML' : undefined, replyMarkup });
      sent.push({ method: 'sendMessage', chatId: chat.user.id, messageId: message.messageId, text, parseMode: message.parseMode, replyMarkup });
      return messageJson(chat, message);
    },
    editMessageText: (params) => {
      const chat = chatFor(params);
      const message = botMessage(chat, params);
      if (!message) throw badRequest('message to edit not found');
      if (typeof params.text !== 'string' || params.text.trim() === '') throw badRequest('message text is empty');
      const text = checkText(params.text, params.parse_mode, TELEGRAM_MESSAGE_LIMIT, 'MESSAGE_TOO_LONG');
      const replyMarkup = checkMarkup(params.reply_markup);
      if (text === message.text && JSON.stringify(replyMarkup) === JSON.stringify(message.replyMarkup)) {
        throw badRequest(
          'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
        );
      }
      Object.assign(message, { text, parseMode: params.parse_mode === 'HTML' ? 'HTML' : undefined, replyMarkup, edited: true });
      sent.push({ method: 'editMessageText', chatId: chat.user.id, messageId: message.messageId, text, parseMode: message.parseMode, replyMarkup });
      return messageJson(chat, message);
    },
    deleteMessage: (params) => {
      const chat = chatFor(params);
      const message = chat.messages.find((m) => m.messageId === Number(params.message_id) && !m.deleted);
      if (!message) throw badRequest('message to delete not found');
      if (message.from === 'user') throw badRequest("message can't be deleted for everyone");
      message.deleted = true;
      sent.push({ method: 'deleteMessage', chatId: chat.user.id, messageId: message.messageId });
      return true;
    },
    sendDocument: async (params) => {
      const chat = chatFor(params);
      const file = await fileParam(params, 'document');
      const caption = checkText(params.caption, params.parse_mode, TELEGRAM_CAPTION_LIMIT, 'message caption is too long');
      const message = addBotMessage(chat, { text: caption, parseMode: params.parse_mode === 'HTML' ? 'HTML' : undefined, document: file });
      sent.push({ method: 'sendDocument', chatId: chat.user.id, messageId: message.messageId, text: caption, parseMode: message.parseMode, file });
      return messageJson(chat, message);
    },
    sendPhoto: async (params) => {
      const chat = chatFor(params);
      const file = await fileParam(params, 'photo');
      const isImage = [PNG_MAGIC, JPEG_MAGIC].some((magic) => magic.every((byte, i) => file.bytes[i] === byte));
      if (!isImage) throw badRequest('IMAGE_PROCESS_FAILED');
      const caption = checkText(params.caption, params.parse_mode, TELEGRAM_CAPTION_LIMIT, 'message caption is too long');
      const replyMarkup = checkMarkup(params.reply_markup);
      const message = addBotMessage(chat, { text: caption, parseMode: params.parse_mode === 'HTML' ? 'HTML' : undefined, photo: file, replyMarkup });
      sent.push({ method: 'sendPhoto', chatId: chat.user.id, messageId: message.messageId, text: caption, parseMode: message.parseMode, file, replyMarkup });
      return messageJson(chat, message);
    },
    answerCallbackQuery: (params) => {
      const chatId = callbackQueries.get(String(params.callback_query_id));
      if (chatId === undefined) throw badRequest('query is too old and response timeout expired or query ID is invalid');
      callbackQueries.delete(String(params.callback_query_id));
      sent.push({ method: 'answerCallbackQuery', chatId, messageId: 0, text: typeof params.text === 'string' ? params.text : undefined });
      return true;
    },
    setWebhook: (params) => {
      const url = typeof params.url === 'string' ? params.url : '';
      if (url === '') {
        webhook = undefined;
        return true;
      }
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw badRequest('invalid webhook URL specified');
      }
      // Telegram takes HTTPS only; the stand-in also takes plain HTTP to this machine, where the laptop app listens.
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
      if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback))
        throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
      const secretToken = params.secret_token === undefined || params.secret_token === '' ? undefined : String(params.secret_token);
      if (secretToken !== undefined && !SECRET_TOKEN_PATTERN.test(secretToken)) throw badRequest('secret token contains unallowed characters');
      const allowed = typeof params.allowed_updates === 'string' ? safeJson(params.allowed_updates) : params.allowed_updates;
      if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') dropQueue();
      webhook = {
        url,
        secretToken,
        allowedUpdates: Array.isArray(allowed) ? (allowed as string[]) : undefined,
        maxConnections: Number(params.max_connections) || 40,
      };
      void pump();
      return true;
    },
    deleteWebhook: (params) => {
      webhook = undefined;
      if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') dropQueue();
      return true;
    },
    getWebhookInfo: () => ({
      url: webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: queue.length,
      ...(webhook?.lastErrorDate ? { last_error_date: webhook.lastErrorDate, last_error_message: webhook.lastErrorMessage } : {}),
      ...(webhook ? { max_connections: webhook.maxConnections } : {}),
      ...(webhook?.allowedUpdates ? { allowed_updates: webhook.allowedUpdates } : {}),
    }),
    getUpdates: (params) => {
      if (webhook) throw new ApiRefusal(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
      const offset = Number(params.offset) || 0;
      while (queue.length > 0 && queue[0]!.update.update_id < offset) queue.shift();
      return queue.slice(0, Number(params.limit) || 100).map((pending) => pending.update);
    },
  };

  function dropQueue(): void {
    for (const pending of queue.splice(0)) settle(pending, { delivered: false });
  }

  async function readParams(c: Context): Promise<Params> {
    const params: Params = Object.fromEntries(new URL(c.req.url).searchParams);
    if (c.req.method !== 'POST') return params;
    const type = c.req.header('content-type') ?? '';
    if (type.includes('application/json')) {
      const body = safeJson(await c.req.text());
      if (body === undefined) throw badRequest('failed to parse JSON body');
      return { ...params, ...(body as Params) };
    }
    if (type.includes('multipart/form-data') || type.includes('application/x-www-form-urlencoded')) {
      const form = await c.req.formData();
      for (const [key, value] of form.entries()) params[key] = value;
    }
    return params;
  }

  const app = new Hono();
  app.all('/bot:token{[^/]+}/:method', async (c) => {
    const method = c.req.param('method');
    const answer = (status: number, body: unknown) => c.json(body as object, status as 200);
    let chatId: number | undefined;
    try {
      if (c.req.param('token') !== token) throw new ApiRefusal(401, 'Unauthorized');
      const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
      if (!handler) throw new ApiRefusal(404, 'Not Found');
      const params = await readParams(c);
      chatId = params.chat_id === undefined ? undefined : Number(params.chat_id);
      const faultAt = faults.findIndex((fault) => fault.method === undefined || fault.method === method);
      if (faultAt >= 0) {
        const fault = faults[faultAt]!;
        if (--fault.count <= 0) faults.splice(faultAt, 1);
        throw new ApiRefusal(fault.errorCode, fault.description, fault.retryAfter);
      }
      if (RATE_LIMITED_METHODS.has(method) && chatId !== undefined && chats.has(chatId)) {
        const retryAfter = limiter.take(chatId);
        if (retryAfter > 0) throw new ApiRefusal(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter);
      }
      const result = await handler(params);
      calls.push({ method, chatId, ok: true });
      return answer(200, { ok: true, result });
    } catch (error) {
      if (!(error instanceof ApiRefusal)) throw error;
      calls.push({ method, chatId, ok: false, errorCode: error.errorCode, description: error.description });
      return answer(error.errorCode, {
        ok: false,
        error_code: error.errorCode,
        description: error.description,
        ...(error.retryAfter !== undefined ? { parameters: { retry_after: error.retryAfter } } : {}),
      });
    }
  });

  // ---- the chat page: a person's side of the conversation ----
  // The person's language, as their Telegram app would report it: the page's switch, else the browser's.
  const pageLocale = (c: Context) => chooseLocale(c.req.query('lang'), c.req.header('accept-language'));
  const pageUser = (c: Context): StandInUser => {
    const id = Number(c.req.query('chat'));
    const user = Number.isSafeInteger(id) && id > 0 ? (chats.get(id)?.user ?? { ...DEMO_TELEGRAM_USER, id }) : DEMO_TELEGRAM_USER;
    return { ...user, languageCode: pageLocale(c) };
  };
  const renderPage = (c: Context) => c.html(chatPage({ botUsername, user: pageUser(c), lang: pageLocale(c), start: c.req.query('start') }));
  app.get('/', renderPage);
  app.get(`/${botUsername}`, renderPage); // what https://t.me/<bot>?start=<code> becomes on the laptop
  app.get('/chat/messages', (c) => {
    const user = pageUser(c);
    const chat = chats.get(user.id);
    const shown = (chat?.messages ?? [])
      .filter((m) => !m.deleted)
      .map((m) => ({ ...m, document: fileLink(m.document), photo: fileLink(m.photo), html: displayHtml(m) }));
    return c.json({ messages: shown, webhook: webhook ? { pending: queue.length, lastError: webhook.lastErrorMessage ?? null } : null });
  });
  app.post('/chat/send', async (c) => {
    const body = (safeJson(await c.req.text()) ?? {}) as { text?: unknown };
    const text = typeof body.text === 'string' ? body.text.slice(0, 4096) : '';
    if (text.trim() === '') return c.json({ ok: false }, 400);
    const outcome = await userSays(pageUser(c).id, text, pageUser(c));
    return c.json({ ok: true, ...outcome });
  });
  app.post('/chat/press', async (c) => {
    const body = (safeJson(await c.req.text()) ?? {}) as { messageId?: unknown; data?: unknown };
    const outcome = await pressButton(pageUser(c).id, Number(body.messageId), String(body.data ?? ''));
    return c.json({ ok: true, ...outcome });
  });
  app.get('/files/:fileId', (c) => {
    const file = files.get(c.req.param('fileId'));
    if (!file) return c.text('Not Found', 404);
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': file.contentType,
      'content-disposition': `${file.contentType.startsWith('image/') ? 'inline' : 'attachment'}; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`,
    });
  });

  function userSays(chatId: number, text: string, user: Partial<StandInUser> = {}): Promise<DeliveryOutcome> {
    const chat = openChat({ ...DEMO_TELEGRAM_USER, ...user, id: chatId });
    if (user.languageCode) chat.user.languageCode = user.languageCode;
    chat.blocked = false; // writing to a blocked bot unblocks it, as in the app
    const message: ChatMessage = { messageId: chat.nextMessageId++, from: 'user', date: unixNow(), text, edited: false, deleted: false };
    chat.messages.push(message);
    const json = messageJson(chat, message) as TelegramUpdate['message'] & object;
    // Commands come with their entity, as Telegram marks them.
    const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
    const update: TelegramUpdate = {
      update_id: nextUpdateId++,
      message: { ...json, ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}) } as TelegramUpdate['message'] &
        object,
    };
    return enqueue(update);
  }

  function pressButton(chatId: number, messageId: number, callbackData: string): Promise<DeliveryOutcome> {
    const chat = chats.get(chatId);
    const message = chat?.messages.find((m) => m.messageId === messageId && m.from === 'bot' && !m.deleted);
    const offered = message?.replyMarkup?.inline_keyboard.flat().some((button) => button.callback_data === callbackData);
    if (!chat || !message || !offered) return Promise.resolve({ delivered: false });
    const queryId = randomBytes(8).toString('hex');
    callbackQueries.set(queryId, chatId);
    return enqueue({
      update_id: nextUpdateId++,
      callback_query: {
        id: queryId,
        from: { id: chat.user.id, is_bot: false, first_name: chat.user.firstName, ...(chat.user.username ? { username: chat.user.username } : {}) },
        message: messageJson(chat, message) as TelegramUpdate['message'] & object,
        data: callbackData,
      },
    });
  }

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 8092, hostname: options.host ?? '127.0.0.1' }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    baseUrl,
    url: baseUrl,
    token,
    botUsername,
    sent,
    calls,
    conversation: (chatId) => chats.get(chatId)?.messages ?? [],
    botMessages: (chatId) => (chats.get(chatId)?.messages ?? []).filter((m) => m.from === 'bot' && !m.deleted),
    userSays,
    pressButton,
    deliver: (update) => enqueue({ ...update, update_id: update.update_id ?? nextUpdateId++ } as TelegramUpdate),
    blockBot: (chatId) => {
      const chat = chats.get(chatId);
      if (chat) chat.blocked = true;
    },
    unblockBot: (chatId) => {
      const chat = chats.get(chatId);
      if (chat) chat.blocked = false;
    },
    forgetChat: (chatId) => void chats.delete(chatId),
    failNext: (count, failure) => void faults.push({ count, ...failure }),
    setRateLimits: (limits) => {
      limiter.limits = { ...limiter.limits, ...limits };
    },
    webhook: () => ({ url: webhook?.url ?? '', secretToken: webhook?.secretToken, pending: queue.length, lastErrorMessage: webhook?.lastErrorMessage }),
    close: async () => {
      closed = true;
      clearTimeout(redeliveryTimer);
      dropQueue();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parsedText(message: ChatMessage): string {
  if (message.parseMode !== 'HTML') return message.text;
  const parsed = parseTelegramHtml(message.text);
  return parsed.ok ? parsed.text : message.text;
}

const fileLink = (file: StoredFile | undefined) =>
  file ? { url: `/files/${file.fileId}`, filename: file.filename, contentType: file.contentType, size: file.bytes.length } : undefined;

/**
 * What the chat page shows: a bot message was checked against Telegram's HTML when it was sent, so its tags are the
 * harmless few Telegram allows (links only to http(s)); anything else, and everything the person typed, is text.
 */
function displayHtml(message: ChatMessage): string {
  // Telegram shows a deep link's Start as "/start" alone: the code is sent, not shown.
  if (message.from === 'user') return escapeHtml(message.text.replace(/^\/start\s+\S+$/, '/start'));
  if (message.parseMode !== 'HTML') return escapeHtml(message.text);
  return message.text.replace(/<(\/?)([a-zA-Z-]+)([^>]*)>/g, (_all, close: string, name: string, attributes: string) => {
    const tag = name.toLowerCase();
    const safe = ['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'blockquote'].includes(tag) ? tag : tag === 'a' ? 'a' : 'span';
    if (close) return `</${safe}>`;
    if (safe === 'a') {
      const href = /href\s*=\s*"([^"]*)"/.exec(attributes)?.[1] ?? '';
      return /^https?:\/\//.test(href) ? `<a href="${href}" rel="noopener noreferrer" target="_blank">` : '<a>';
    }
    return `<${safe}>`;
  });
}
