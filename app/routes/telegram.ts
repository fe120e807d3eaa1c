// The Telegram bot on the app: Telegram's webhook (secret path and header, updates once by update_id) and the settings' connect and disconnect.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ensureStreams } from '../../shared/activities/index.js';
import {
  claimUpdate,
  createStartCode,
  createTelegramBot,
  linkOfAthlete,
  markUpdateDone,
  markUpdateFailed,
  sameSecret,
  START_CODE_TTL_MS,
  TelegramApiError,
  type TelegramBot,
  type TelegramUpdate,
  telegramWebhookPath,
  unlinkAthlete,
} from '../../shared/telegram/index.js';
import type { AppDeps, AppEnv } from '../env.js';
import { requireAthlete, requireCsrf } from '../session.js';
import { botAdminOperations } from './admin.js';

/** Telegram's updates are small; a chat message is at most 4,096 characters. */
const MAX_UPDATE_BYTES = 256 * 1024;

/** The bot is on when the app holds its token, the webhook secret and the bot's username. */
export function telegramEnabled(deps: AppDeps): boolean {
  return Boolean(deps.telegram && deps.secrets.telegramWebhookSecret && deps.config.telegram.botUsername);
}

const bots = new WeakMap<AppDeps, TelegramBot>();

function botOf(deps: AppDeps): TelegramBot {
  let bot = bots.get(deps);
  if (!bot) {
    bot = createTelegramBot({
      pool: deps.pool,
      api: deps.telegram!,
      log: deps.log,
      adminAthleteIds: deps.config.adminAthleteIds,
      publicBaseUrl: deps.config.publicBaseUrl,
      loadStreams: (athleteId, activityId) => ensureStreams(deps, athleteId, activityId),
      admin: botAdminOperations(deps),
      ...(deps.now ? { now: deps.now } : {}),
    });
    bots.set(deps, bot);
  }
  return bot;
}

/** A body that is an update: an object with a whole, positive update_id. Anything else is refused before it is stored. */
function asUpdate(body: unknown): TelegramUpdate | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const id = (body as { update_id?: unknown }).update_id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? (body as TelegramUpdate) : undefined;
}

async function receive(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get('deps');
  const log = c.get('log');
  const secret = deps.secrets.telegramWebhookSecret;
  if (!secret || !deps.telegram) return c.json({ ok: false }, 404);
  // Both must match: the path (derived from the secret) and the header Telegram sends. Neither says which failed.
  const pathOk = sameSecret(c.req.path, telegramWebhookPath(secret));
  const headerOk = sameSecret(c.req.header('x-telegram-bot-api-secret-token'), secret);
  if (!pathOk || !headerOk) {
    log.warn('Telegram update refused: wrong or missing secret');
    return c.json({ ok: false }, 401);
  }
  let update: TelegramUpdate | undefined;
  try {
    update = asUpdate(await c.req.json());
  } catch {
    update = undefined;
  }
  if (!update) return c.json({ ok: false, error: 'not a Telegram update' }, 400);
  if (!(await claimUpdate(deps.pool, update))) {
    log.info('Telegram update already handled', { updateId: update.update_id });
    return c.json({ ok: true });
  }
  try {
    await botOf(deps).handleUpdate(update);
    await markUpdateDone(deps.pool, update.update_id);
    return c.json({ ok: true });
  } catch (error) {
    const described = error instanceof TelegramApiError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await markUpdateFailed(deps.pool, update.update_id, described);
    // A chat that blocked the bot or a refused message fails the same way again: Telegram need not redeliver it.
    const permanent = error instanceof TelegramApiError && error.permanent;
    log[permanent ? 'warn' : 'error']('Telegram update not answered', { updateId: update.update_id, error: described, redelivered: !permanent });
    return permanent ? c.json({ ok: true }) : c.json({ ok: false }, 500);
  }
}

const limit = bodyLimit({ maxSize: MAX_UPDATE_BYTES, onError: (c) => c.json({ ok: false, error: 'update too large' }, 413) });

/** Mounted before the pages' middleware: Telegram reads JSON, not pages. */
export const telegramWebhookRoutes = new Hono<AppEnv>().post('/telegram/:pathSecret', limit, receive);

/** The settings section: whether the bot is on, and the chat linked to this athlete. */
export async function telegramSettings(deps: AppDeps, athleteId: number) {
  if (!telegramEnabled(deps)) return { enabled: false as const };
  const link = await linkOfAthlete(deps.pool, athleteId);
  return {
    enabled: true as const,
    minutes: Math.round(START_CODE_TTL_MS / 60_000),
    link: link ? { chat: link.chatTitle, since: link.linkedAt.toISOString().slice(0, 10) } : null,
  };
}

export const telegramSettingsRoutes = new Hono<AppEnv>()
  // A POST (with the CSRF token) makes the one-time code, so no page or link ever holds one a visitor could reuse.
  .post('/settings/telegram/connect', requireAthlete, requireCsrf, async (c) => {
    const deps = c.get('deps');
    if (!telegramEnabled(deps)) return c.redirect('/settings#telegram', 303);
    const code = await createStartCode(deps.pool, c.get('athlete').id);
    c.get('log').info('Telegram start code issued', { athleteId: c.get('athlete').id });
    const base = deps.config.telegram.linkBaseUrl.replace(/\/+$/, '');
    return c.redirect(`${base}/${deps.config.telegram.botUsername}?start=${code}`, 303);
  })
  .post('/settings/telegram/disconnect', requireAthlete, requireCsrf, async (c) => {
    const deps = c.get('deps');
    await unlinkAthlete(deps.pool, c.get('athlete').id);
    c.get('log').info('Telegram chat unlinked from settings', { athleteId: c.get('athlete').id });
    return c.redirect('/settings?telegram=off#telegram', 303);
  });
