// The bot: reads one update, works out who is speaking (only a linked private chat speaks for an athlete), answers it.
import type pg from 'pg';
import { banAthlete, isAdmin, listAthletes, recordAdminAction, unbanAthlete } from '../admin/index.js';
import { getAthlete } from '../athletes/index.js';
import { isLocale, type Locale, messages } from '../i18n/index.js';
import type { Logger } from '../log.js';
import type { Period } from '../stats/index.js';
import {
  activityAnswer,
  cardAnswer,
  findAnswer,
  gpxAnswer,
  helpAnswer,
  langAnswer,
  type LoadStreams,
  type Outgoing,
  type Reader,
  readerFor,
  recentAnswer,
  setUnits,
  statsAnswer,
  text,
  unitsAnswer,
  yearAnswer,
} from './answers.js';
import { TelegramApiError, type TelegramBotApi, type TelegramMessage, type TelegramUpdate } from './bot-api.js';
import { escapeHtml, splitMessage } from './html.js';
import { type ChatLink, linkOfChat, redeemStartCode, setChatLocale, unlinkChat } from './links.js';
import { failedUpdateCount } from './updates.js';

/** The Strava webhook subscription as the admin commands see it; the app builds these from its own wiring. */
export interface BotAdminOperations {
  viewSubscription(): Promise<{ id: number; callbackUrl: string; pointsHere: boolean } | null>;
  createSubscription(): Promise<number>;
  deleteSubscription(id: number): Promise<void>;
  /** The callback URL the subscription should have, with its secret masked. */
  expectedCallback: string;
  /** Strava events that exhausted their deliveries (Pub/Sub's dead-letter topic, or the laptop bus's). */
  deadLetterCount(): Promise<number>;
  /** A refusal from Strava as an admin reads it. */
  describeRefusal(error: unknown): string;
}

export interface BotDeps {
  pool: pg.Pool;
  api: TelegramBotApi;
  log: Logger;
  adminAthleteIds: readonly number[];
  /** Where the settings page is, for a chat that is not linked yet. */
  publicBaseUrl: string;
  loadStreams: LoadStreams;
  admin: BotAdminOperations;
  now?: () => Date;
}

interface Incoming {
  chatId: number;
  chatType: string;
  chatTitle: string;
  languageCode: string | undefined;
  text: string | undefined;
  callback: { id: string; data: string; messageId: number | undefined } | undefined;
}

function incomingOf(update: TelegramUpdate): Incoming | undefined {
  const message = update.message;
  if (message) return { ...chatOf(message), languageCode: message.from?.language_code, text: message.text, callback: undefined };
  const query = update.callback_query;
  if (query?.message) {
    return {
      ...chatOf(query.message),
      languageCode: query.from.language_code,
      text: undefined,
      callback: { id: query.id, data: query.data ?? '', messageId: query.message.message_id },
    };
  }
  return undefined; // edits, channel posts and the rest: nothing to answer
}

function chatOf(message: TelegramMessage) {
  const chat = message.chat;
  const title = chat.username ? `@${chat.username}` : (chat.first_name ?? String(chat.id));
  return { chatId: chat.id, chatType: chat.type, chatTitle: title };
}

/** "/stats@TrainingRoomBot month" → ["stats", "month"]; plain words are no command. */
function parseCommand(raw: string): { command: string; args: string } | undefined {
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+([\s\S]*))?$/.exec(raw.trim());
  return match ? { command: match[1]!.toLowerCase(), args: (match[2] ?? '').trim() } : undefined;
}

const guessLocale = (languageCode: string | undefined): Locale => (languageCode?.toLowerCase().startsWith('ru') ? 'ru' : 'en');

export interface TelegramBot {
  /** Answers one update; throws when an answer could not be sent (the caller records it and Telegram redelivers). */
  handleUpdate(update: TelegramUpdate): Promise<void>;
}

export function createTelegramBot(deps: BotDeps): TelegramBot {
  const now = () => deps.now?.() ?? new Date();
  const settingsUrl = `${deps.publicBaseUrl.replace(/\/+$/, '')}/settings#telegram`;

  async function send(chatId: number, outgoing: Outgoing[], editMessageId: number | undefined): Promise<void> {
    const caption = (item: { captionHtml?: string }) => (item.captionHtml === undefined ? {} : { captionHtml: item.captionHtml });
    for (const item of outgoing) {
      if (item.kind === 'document') await politely(() => deps.api.sendDocument(chatId, item.file, caption(item)));
      else if (item.kind === 'photo') await politely(() => deps.api.sendPhoto(chatId, item.file, caption(item)));
      else {
        const pieces = splitMessage(item.html);
        if (item.edit && editMessageId !== undefined && pieces.length === 1) {
          try {
            await politely(() => deps.api.editMessageText(chatId, editMessageId, pieces[0]!, item.keyboard ? { replyMarkup: item.keyboard } : {}));
            continue;
          } catch (error) {
            // Pressing the button of what is already shown changes nothing; any other refusal sends it anew.
            if (error instanceof TelegramApiError && /message is not modified/.test(error.description)) continue;
            if (!(error instanceof TelegramApiError) || error.transient) throw error;
          }
        }
        for (const [i, piece] of pieces.entries()) {
          const last = i === pieces.length - 1;
          await politely(() => deps.api.sendMessage(chatId, piece, last && item.keyboard ? { replyMarkup: item.keyboard } : {}));
        }
      }
    }
  }

  /** A chat nobody linked: /start with a code links it; everything else is told how to link. */
  async function unlinked(incoming: Incoming): Promise<Outgoing[]> {
    const t = messages(guessLocale(incoming.languageCode));
    const command = incoming.text ? parseCommand(incoming.text) : undefined;
    if (command?.command === 'start' && command.args) return startWithCode(incoming, command.args);
    return [text(escapeHtml(t.botNotLinked(settingsUrl)))];
  }

  async function startWithCode(incoming: Incoming, code: string): Promise<Outgoing[]> {
    const locale = guessLocale(incoming.languageCode);
    const t = messages(locale);
    const outcome = await redeemStartCode(deps.pool, code, { chatId: incoming.chatId, title: incoming.chatTitle });
    if (!outcome.linked) {
      deps.log.info('Telegram start code refused', { reason: outcome.reason });
      return [text(escapeHtml({ unknown: t.botCodeUnknown, expired: t.botCodeExpired, used: t.botCodeUsed }[outcome.reason]))];
    }
    await setChatLocale(deps.pool, incoming.chatId, locale);
    deps.log.info('Telegram chat linked', { athleteId: outcome.athleteId });
    const athlete = await getAthlete(deps.pool, outcome.athleteId);
    return [text(escapeHtml(t.botWelcome(athlete?.firstname || '')))];
  }

  async function linked(incoming: Incoming, link: ChatLink): Promise<Outgoing[]> {
    const athlete = await getAthlete(deps.pool, link.athleteId);
    const locale = link.locale;
    if (!athlete) return [text(escapeHtml(messages(locale).botNotLinked(settingsUrl)))];
    if (athlete.status === 'banned') return [text(escapeHtml(messages(locale).botBanned))];
    const r = await readerFor(deps.pool, athlete, locale);
    const admin = isAdmin(deps.adminAthleteIds, athlete.id);
    if (incoming.callback) return pressed(r, incoming, incoming.callback.data);
    const command = incoming.text ? parseCommand(incoming.text) : undefined;
    if (!command) return [helpAnswer(r, admin, true)];
    switch (command.command) {
      case 'start':
        // A new code on a linked chat links it afresh (perhaps to another account the same person owns).
        return command.args ? startWithCode(incoming, command.args) : [helpAnswer(r, admin)];
      case 'help':
        return [helpAnswer(r, admin)];
      case 'stats':
        return [await statsAnswer(deps.pool, r, now(), asPeriod(command.args))];
      case 'weekavg':
        return [await yearAnswer(deps.pool, r, now(), 'weekly')];
      case 'forecast':
        return [await yearAnswer(deps.pool, r, now(), 'forecast')];
      case 'recent':
        return [await recentAnswer(deps.pool, r)];
      case 'find':
        return [await findAnswer(deps.pool, r, command.args)];
      case 'lang':
        return isLocale(command.args) ? changeLocale(incoming, command.args) : [langAnswer(r)];
      case 'units':
        return command.args === 'metric' || command.args === 'imperial' ? [await setUnits(deps.pool, r, command.args)] : [unitsAnswer(r)];
      case 'unlink':
        await unlinkChat(deps.pool, incoming.chatId);
        deps.log.info('Telegram chat unlinked from the chat', { athleteId: athlete.id });
        return [text(escapeHtml(r.t.botUnlinked))];
    }
    // Admin commands answer admins only; anyone else gets exactly what any unknown input gets.
    if (admin) {
      const answer = await adminCommand(r, command.command, command.args);
      if (answer) return answer;
    }
    return [helpAnswer(r, admin, true)];
  }

  async function changeLocale(incoming: Incoming, locale: Locale): Promise<Outgoing[]> {
    await setChatLocale(deps.pool, incoming.chatId, locale);
    return [text(escapeHtml(messages(locale).botLangSet))];
  }

  async function pressed(r: Reader, incoming: Incoming, data: string): Promise<Outgoing[]> {
    const [action, value = ''] = data.split(':', 2);
    const id = Number(value);
    const activityId = /^-?\d{1,19}$/.test(value) && Number.isSafeInteger(id) ? id : undefined;
    if (action === 'stats') return [await statsAnswer(deps.pool, r, now(), asPeriod(value), true)];
    if (action === 'act' && activityId !== undefined) return [await activityAnswer(deps.pool, r, activityId)];
    if (action === 'gpx' && activityId !== undefined) return [await gpxAnswer(deps.pool, r, activityId, deps.loadStreams)];
    if (action === 'card' && activityId !== undefined) return [await cardAnswer(deps.pool, r, activityId, deps.loadStreams)];
    if (action === 'lang' && isLocale(value)) return changeLocale(incoming, value);
    if (action === 'units' && (value === 'metric' || value === 'imperial')) return [await setUnits(deps.pool, r, value)];
    return [helpAnswer(r, isAdmin(deps.adminAthleteIds, r.athleteId), true)];
  }

  /** Admin commands, audited like the admin page's actions (with `via: telegram`); undefined for no such command. */
  async function adminCommand(r: Reader, command: string, args: string): Promise<Outgoing[] | undefined> {
    const audit = (action: string, detail: Record<string, unknown> = {}, target: number | null = null) =>
      recordAdminAction(deps.pool, { adminAthleteId: r.athleteId, action, targetAthleteId: target, detail: { via: 'telegram', ...detail } });
    const n = r.fmt.number;
    switch (command) {
      case 'athletes': {
        const { rows, total } = await listAthletes(deps.pool, 50);
        await audit('telegram_athletes_view');
        const status = { connected: r.t.statusConnected, disconnected: r.t.statusDisconnected, banned: r.t.statusBanned };
        const lines = rows.map((row) =>
          escapeHtml(r.t.botAdminAthleteLine(String(row.id), row.name || `#${row.id}`, status[row.status], n(row.activityCount), row.lastActivity ?? '—')),
        );
        return [text([r.t.botAdminAthletesTitle(escapeHtml(n(total))), ...lines].join('\n'))];
      }
      case 'ban':
      case 'unban': {
        const match = /^(\d{1,15})(?:\s+([\s\S]+))?$/.exec(args);
        if (!match) return [text(escapeHtml(command === 'ban' ? r.t.botAdminUsageBan : r.t.botAdminUsageUnban))];
        const target = Number(match[1]);
        if (command === 'ban' && target === r.athleteId) return [text(escapeHtml(r.t.botAdminBanSelf))];
        const reason = match[2]?.trim().slice(0, 200) || null;
        // banAthlete and unbanAthlete write the audit row in the same transaction as the change.
        const changed = command === 'ban' ? await banAthlete(deps.pool, r.athleteId, target, reason) : await unbanAthlete(deps.pool, r.athleteId, target);
        if (!changed) await audit(`telegram_${command}_unchanged`, {}, target);
        deps.log.info(`Admin ${command} from Telegram`, { adminAthleteId: r.athleteId, athleteId: target, changed });
        const id = String(target);
        return [text(escapeHtml(!changed ? r.t.botAdminNoChange(id) : command === 'ban' ? r.t.botAdminBanned(id) : r.t.botAdminUnbanned(id)))];
      }
      case 'subscription':
        return [await subscriptionCommand(r, args, audit)];
      case 'deadletters': {
        const [events, updates] = await Promise.all([deps.admin.deadLetterCount(), failedUpdateCount(deps.pool)]);
        await audit('telegram_dead_letters_view', { events, updates });
        return [text(r.t.botAdminDeadLetters(escapeHtml(n(events)), escapeHtml(n(updates))))];
      }
    }
    return undefined;
  }

  async function subscriptionCommand(r: Reader, args: string, audit: (action: string, detail?: Record<string, unknown>) => Promise<void>): Promise<Outgoing> {
    const refused = async (action: string, error: unknown) => {
      const reason = deps.admin.describeRefusal(error);
      await audit(action, { outcome: 'refused', reason });
      return text(escapeHtml(r.t.botAdminStravaRefused(reason)));
    };
    if (args === 'create') {
      try {
        const id = await deps.admin.createSubscription();
        await audit('webhook_subscription_create', { outcome: 'created', subscriptionId: id });
        return text(escapeHtml(r.t.botAdminSubscriptionCreated(String(id))));
      } catch (error) {
        return refused('webhook_subscription_create', error);
      }
    }
    if (args === 'delete') {
      try {
        const current = await deps.admin.viewSubscription();
        if (!current) return text(r.t.botAdminNoSubscription(escapeHtml(deps.admin.expectedCallback)));
        await deps.admin.deleteSubscription(current.id);
        await audit('webhook_subscription_delete', { outcome: 'deleted', subscriptionId: current.id });
        return text(escapeHtml(r.t.botAdminSubscriptionDeleted(String(current.id))));
      } catch (error) {
        return refused('webhook_subscription_delete', error);
      }
    }
    try {
      const current = await deps.admin.viewSubscription();
      await audit('webhook_subscription_view', { subscriptionId: current?.id ?? null });
      if (!current) return text(r.t.botAdminNoSubscription(escapeHtml(deps.admin.expectedCallback)));
      return text(
        r.t.botAdminSubscription(escapeHtml(String(current.id)), escapeHtml(current.callbackUrl), escapeHtml(current.pointsHere ? r.t.botYes : r.t.botNo)),
      );
    } catch (error) {
      return refused('webhook_subscription_view', error);
    }
  }

  return {
    async handleUpdate(update) {
      const incoming = incomingOf(update);
      if (!incoming) return;
      // Only a private chat is the athlete alone: in a group, others would read their data. Groups get nothing.
      if (incoming.chatType !== 'private') return;
      const link = await linkOfChat(deps.pool, incoming.chatId);
      const outgoing = link ? await linked(incoming, link) : await unlinked(incoming);
      if (incoming.callback) {
        // The button stops spinning whatever happens next; an expired query is nothing to fail over.
        await deps.api.answerCallbackQuery(incoming.callback.id).catch((error: unknown) => {
          if (!(error instanceof TelegramApiError) || error.transient) throw error;
        });
      }
      await send(incoming.chatId, outgoing, incoming.callback?.messageId);
    },
  };
}

/** Telegram asks a bot over its pace to wait: a short wait is taken here (Telegram waits up to a minute for the answer). */
export const MAX_RETRY_AFTER_S = 5;

async function politely<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof TelegramApiError) || error.reason !== 'rate_limited' || (error.retryAfter ?? Infinity) > MAX_RETRY_AFTER_S) throw error;
    await new Promise((resolve) => setTimeout(resolve, (error.retryAfter ?? 1) * 1000));
    return call();
  }
}

const asPeriod = (value: string): Period => (value === 'month' || value === 'year' || value === 'all' ? value : 'week');
