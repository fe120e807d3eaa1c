// Every update Telegram delivers, by update_id: a redelivered one is handled once, a failed one is kept, not lost.
import type { Queryable } from '../db/index.js';
import type { TelegramUpdate } from './bot-api.js';

export const chatOfUpdate = (update: TelegramUpdate): number | undefined =>
  update.message?.chat.id ?? update.edited_message?.chat.id ?? update.callback_query?.message?.chat.id ?? update.callback_query?.from.id;

/**
 * Records an update before it is handled; false when this update_id was handled already (Telegram redelivers an
 * update whose answer it did not see), so its command does not run twice. A failed one may be claimed again, and so
 * may one whose handler stopped half-way.
 */
export async function claimUpdate(db: Queryable, update: TelegramUpdate): Promise<boolean> {
  const { rows } = await db.query<{ update_id: string }>(
    `insert into telegram_updates (update_id, chat_id, status, payload, attempts) values ($1::bigint, $2::bigint, 'received', $3::jsonb, 1)
     on conflict (update_id) do update set attempts = telegram_updates.attempts + 1, status = 'received', received_at = now()
       -- failed, or claimed by an instance that stopped before finishing (Telegram waits 60 s at most for an answer)
       where telegram_updates.status = 'failed' or (telegram_updates.status = 'received' and telegram_updates.received_at < now() - interval '2 minutes')
     returning update_id`,
    [update.update_id, chatOfUpdate(update) ?? null, JSON.stringify(update)],
  );
  return rows.length > 0;
}

/** Handled: the payload (the athlete's words) is not kept longer than needed. */
export async function markUpdateDone(db: Queryable, updateId: number): Promise<void> {
  await db.query(`update telegram_updates set status = 'done', payload = null, last_error = null, handled_at = now() where update_id = $1::bigint`, [updateId]);
  if (updateId % FORGET_EVERY === 0) await forgetHandledUpdates(db);
}

/** How often (in update ids) handled updates are forgotten: rarely enough to cost nothing, often enough to stay small. */
const FORGET_EVERY = 100;

/**
 * Telegram gives up redelivering an update within a day, so a handled one from more than two days ago can never come
 * again: its row only held the update_id for idempotency. Failed ones stay for the operator's count.
 */
export async function forgetHandledUpdates(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(`delete from telegram_updates where status = 'done' and handled_at < now() - interval '2 days'`);
  return rowCount ?? 0;
}

export async function markUpdateFailed(db: Queryable, updateId: number, error: string): Promise<void> {
  await db.query(`update telegram_updates set status = 'failed', last_error = $2::text, handled_at = now() where update_id = $1::bigint`, [
    updateId,
    error.slice(0, 500),
  ]);
}

/** Updates that could not be handled, for the admin's count. */
export async function failedUpdateCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from telegram_updates where status = 'failed'`);
  return rows[0]?.n ?? 0;
}
