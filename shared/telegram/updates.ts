// Every update Telegram delivers, by update_id: a redelivered one is handled once, a failed one is kept, not lost.
import type { Queryable } from '../db/index.js';
import type { TelegramUpdate } from './bot-api.js';

export const chatOfUpdate = (update: TelegramUpdate): number | undefined =>
  update.message?.chat.id ?? update.edited_message?.chat.id ?? update.callback_query?.message?.chat.id ?? update.callback_query?.from.id;

/**
 * Records an update before it is handled; false when this update_id was handled already (Telegram redelivers an
 * update whose answer it did not see), so its command does not run twice. A failed one may be claimed again.
 */
export async function claimUpdate(db: Queryable, update: TelegramUpdate): Promise<boolean> {
  const { rows } = await db.query<{ update_id: string }>(
    `insert into telegram_updates (update_id, chat_id, status, payload, attempts) values ($1::bigint, $2::bigint, 'received', $3::jsonb, 1)
     on conflict (update_id) do update set attempts = telegram_updates.attempts + 1, status = 'received'
       where telegram_updates.status = 'failed'
     returning update_id`,
    [update.update_id, chatOfUpdate(update) ?? null, JSON.stringify(update)],
  );
  return rows.length > 0;
}

/** Handled: the payload (the athlete's words) is not kept longer than needed. */
export async function markUpdateDone(db: Queryable, updateId: number): Promise<void> {
  await db.query(`update telegram_updates set status = 'done', payload = null, last_error = null, handled_at = now() where update_id = $1::bigint`, [updateId]);
}

export async function markUpdateFailed(db: Queryable, updateId: number, error: string): Promise<void> {
  await db.query(`update telegram_updates set status = 'failed', last_error = $2::text, handled_at = now() where update_id = $1::bigint`, [
    updateId,
    error.slice(0, 500),
  ]);
}

/** Updates received but not done (failed, or cut off mid-way), oldest first, to be handled again. */
export async function pendingUpdates(db: Queryable, olderThanMs: number, limit = 50): Promise<TelegramUpdate[]> {
  const { rows } = await db.query<{ payload: TelegramUpdate }>(
    `select payload from telegram_updates
      where status <> 'done' and payload is not null and received_at < now() - make_interval(secs => $1::float8) and attempts < 5
      order by received_at limit $2::int`,
    [olderThanMs / 1000, limit],
  );
  return rows.map((row) => row.payload);
}

/** Updates that could not be handled, for the admin's count. */
export async function failedUpdateCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from telegram_updates where status = 'failed'`);
  return rows[0]?.n ?? 0;
}
