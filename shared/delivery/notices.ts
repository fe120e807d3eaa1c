// Notices of changed activities: written in the transaction that applies a webhook event, published after it commits.
import type pg from 'pg';
import { withTransaction } from '../db/index.js';
import { forgetIdleKeys } from './pacing.js';

export type ActivityChange = 'created' | 'updated' | 'deleted';

/** What the delivery topic carries: ids only, never a name or a URL (the function reads those when it delivers). */
export interface DeliveryNotice {
  noticeId: number;
  athleteId: number;
  activityId: number;
  change: ActivityChange;
}

export class InvalidDeliveryNoticeError extends Error {
  override readonly name = 'InvalidDeliveryNoticeError';
}

export function parseDeliveryNotice(value: unknown): DeliveryNotice {
  const v = value as Partial<Record<keyof DeliveryNotice, unknown>> | null;
  const id = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x);
  if (!v || typeof v !== 'object' || !id(v.noticeId) || !id(v.athleteId) || !id(v.activityId)) {
    throw new InvalidDeliveryNoticeError('a delivery notice needs numeric noticeId, athleteId and activityId');
  }
  if (v.change !== 'created' && v.change !== 'updated' && v.change !== 'deleted') throw new InvalidDeliveryNoticeError('unknown change');
  return { noticeId: v.noticeId as number, athleteId: v.athleteId as number, activityId: v.activityId as number, change: v.change };
}

/** An update this long after the message went out is no longer worth an edit: the chat has moved on. */
export const EDIT_WINDOW_MS = 10 * 60_000;

/**
 * Records a notice when there is something to deliver: a new activity of an athlete with a destination on, or a change
 * to an activity whose message is out there (an edit within the window, a delete at any time). Returns its id.
 */
export async function noteActivityChange(
  client: pg.PoolClient,
  change: { athleteId: number; activityId: number; change: ActivityChange },
): Promise<number | undefined> {
  const { rows } = await client.query<{ id: string }>(
    `insert into delivery_notices (athlete_id, activity_id, change)
     select $1::bigint, $2::bigint, $3::text
     where case $3::text
       when 'created' then exists (select 1 from delivery_destinations where athlete_id = $1::bigint and enabled)
       when 'updated' then exists (select 1 from deliveries where activity_id = $2::bigint and athlete_id = $1::bigint and status = 'sent'
                                   and sent_at > now() - $4::int * interval '1 millisecond')
       else exists (select 1 from deliveries where activity_id = $2::bigint and athlete_id = $1::bigint and status = 'sent')
     end
     returning id`,
    [change.athleteId, change.activityId, change.change, EDIT_WINDOW_MS],
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

/**
 * Publishes the athlete's notices not yet published, oldest first, and marks them. Rows are locked while they are
 * published, so two instances sweeping at once do not both publish one; a publish that fails leaves the rest for the
 * next sweep (the redelivery of the same event), and the delivery is idempotent if one was published twice.
 */
export async function publishPendingNotices(pool: pg.Pool, athleteId: number, publish: (notice: DeliveryNotice) => Promise<string>): Promise<number> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string; activity_id: string; change: ActivityChange }>(
      `select id, activity_id, change from delivery_notices where athlete_id = $1::bigint and published_at is null
       order by id limit 100 for update skip locked`,
      [athleteId],
    );
    for (const row of rows) {
      await publish({ noticeId: Number(row.id), athleteId, activityId: Number(row.activity_id), change: row.change });
      await client.query('update delivery_notices set published_at = now() where id = $1::bigint', [row.id]);
    }
    // Published notices are kept a day for the record, then go.
    await client.query(`delete from delivery_notices where athlete_id = $1::bigint and published_at < now() - interval '1 day'`, [athleteId]);
    return rows.length;
  });
}

/**
 * The safety net for notices no processor handler published: those written by deferred events the scheduled job
 * applied, or left by a publish that failed when no redelivery followed. Only notices older than `olderThanMs` are
 * taken, so a handler about to publish its own is not raced. Returns how many were published.
 */
export async function publishWaitingNotices(pool: pg.Pool, publish: (notice: DeliveryNotice) => Promise<string>, olderThanMs = 60_000): Promise<number> {
  const { rows } = await pool.query<{ athlete_id: string }>(
    `select distinct athlete_id from delivery_notices
     where published_at is null and created_at < now() - $1::int * interval '1 millisecond' limit 500`,
    [olderThanMs],
  );
  let published = 0;
  for (const row of rows) published += await publishPendingNotices(pool, Number(row.athlete_id), publish);
  // The scheduled job's housekeeping of the pacing table rides along.
  await forgetIdleKeys(pool);
  return published;
}
