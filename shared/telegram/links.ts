// Which Telegram chat speaks for which athlete: one-time start codes from the settings page, and the links they make.
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/index.js';
import type { Locale } from '../i18n/index.js';

/** How long a "Connect Telegram" link works: long enough to open Telegram and press Start. */
export const START_CODE_TTL_MS = 15 * 60_000;

// Telegram's start parameter allows A–Z a–z 0–9 _ - and at most 64 characters; 18 random bytes make 24 of them.
const START_CODE_PATTERN = /^[A-Za-z0-9_-]{24}$/;

const hashCode = (code: string) => createHash('sha256').update(code, 'utf8').digest();

/**
 * A new one-time code bound to the signed-in athlete (any earlier unused one stops working). Only its hash is stored:
 * the code itself exists in the link shown to the athlete and nowhere else.
 */
export async function createStartCode(db: Queryable, athleteId: number, ttlMs = START_CODE_TTL_MS): Promise<string> {
  const code = randomBytes(18).toString('base64url');
  await db.query('delete from telegram_start_codes where athlete_id = $1::bigint and used_at is null', [athleteId]);
  // Spent and expired codes are kept a day, to answer "already used" or "expired" rather than "not valid", then go.
  await db.query(`delete from telegram_start_codes where expires_at < now() - interval '1 day'`);
  await db.query(
    `insert into telegram_start_codes (code_hash, athlete_id, expires_at) values ($1::bytea, $2::bigint, now() + make_interval(secs => $3::float8))`,
    [hashCode(code), athleteId, ttlMs / 1000],
  );
  return code;
}

export type RedeemOutcome = { linked: true; athleteId: number } | { linked: false; reason: 'unknown' | 'expired' | 'used' };

/**
 * Binds the chat that sent `/start <code>` to the athlete the code was made for, once. The athlete comes from the
 * code alone: nothing the chat says chooses whom it speaks for. A chat that spoke for another athlete now speaks
 * for this one (one athlete per chat, one chat per athlete).
 */
export async function redeemStartCode(db: Queryable, code: string, chat: { chatId: number; title: string }): Promise<RedeemOutcome> {
  if (!START_CODE_PATTERN.test(code)) return { linked: false, reason: 'unknown' };
  const hash = hashCode(code);
  const { rows } = await db.query<{ athlete_id: string }>(
    `update telegram_start_codes set used_at = now()
      where code_hash = $1::bytea and used_at is null and expires_at > now()
      returning athlete_id`,
    [hash],
  );
  const row = rows[0];
  if (!row) {
    const { rows: seen } = await db.query<{ used: boolean }>('select used_at is not null as used from telegram_start_codes where code_hash = $1::bytea', [
      hash,
    ]);
    return { linked: false, reason: seen[0] === undefined ? 'unknown' : seen[0].used ? 'used' : 'expired' };
  }
  const athleteId = Number(row.athlete_id);
  await db.query('delete from telegram_links where chat_id = $1::bigint or athlete_id = $2::bigint', [chat.chatId, athleteId]);
  await db.query('insert into telegram_links (athlete_id, chat_id, chat_title) values ($1::bigint, $2::bigint, $3::text)', [
    athleteId,
    chat.chatId,
    chat.title.slice(0, 200),
  ]);
  return { linked: true, athleteId };
}

export interface ChatLink {
  athleteId: number;
  chatId: number;
  chatTitle: string;
  locale: Locale;
  linkedAt: Date;
}

const LINK_COLUMNS = `athlete_id::float8 as "athleteId", chat_id::float8 as "chatId", chat_title as "chatTitle", locale, linked_at as "linkedAt"`;

/** The chat an athlete linked, for sending them their own data; null when none is. */
export async function linkedChatId(db: Queryable, athleteId: number): Promise<number | null> {
  const { rows } = await db.query<{ chat_id: string }>('select chat_id from telegram_links where athlete_id = $1::bigint', [athleteId]);
  return rows[0] ? Number(rows[0].chat_id) : null;
}

/** The athlete's link as the settings page shows it. */
export async function linkOfAthlete(db: Queryable, athleteId: number): Promise<ChatLink | null> {
  const { rows } = await db.query<ChatLink>(`select ${LINK_COLUMNS} from telegram_links where athlete_id = $1::bigint`, [athleteId]);
  return rows[0] ?? null;
}

/** Whom a chat speaks for; null for a chat nobody linked. */
export async function linkOfChat(db: Queryable, chatId: number): Promise<ChatLink | null> {
  const { rows } = await db.query<ChatLink>(`select ${LINK_COLUMNS} from telegram_links where chat_id = $1::bigint`, [chatId]);
  return rows[0] ?? null;
}

export async function unlinkAthlete(db: Queryable, athleteId: number): Promise<boolean> {
  const { rowCount } = await db.query('delete from telegram_links where athlete_id = $1::bigint', [athleteId]);
  await db.query('delete from telegram_start_codes where athlete_id = $1::bigint', [athleteId]);
  return (rowCount ?? 0) > 0;
}

export async function unlinkChat(db: Queryable, chatId: number): Promise<boolean> {
  const { rowCount } = await db.query('delete from telegram_links where chat_id = $1::bigint', [chatId]);
  return (rowCount ?? 0) > 0;
}

export async function setChatLocale(db: Queryable, chatId: number, locale: Locale): Promise<void> {
  await db.query('update telegram_links set locale = $2::text where chat_id = $1::bigint', [chatId, locale]);
}
