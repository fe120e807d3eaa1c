// webhook_events: claiming an event for processing (the dedupe), recording its outcome, and the reads the admin page needs.
import type pg from 'pg';
import type { Queryable } from '../db/types.js';
import { dedupeKey, type StravaWebhookEvent } from './webhook-event.js';

export type WebhookEventStatus = 'received' | 'retrying' | 'processed' | 'ignored' | 'failed';
export const FINAL_STATUSES: readonly WebhookEventStatus[] = ['processed', 'ignored', 'failed'];

export type Claim = { kind: 'new'; id: number; attempts: number } | { kind: 'done'; id: number; status: WebhookEventStatus };

/**
 * Records a delivery of the event. An event already in a final state is reported as done, so a redelivered or
 * replayed event changes nothing; otherwise its attempt count goes up and it is processed (again).
 */
export async function claimEvent(db: Queryable, event: StravaWebhookEvent, messageId: string | undefined): Promise<Claim> {
  const key = dedupeKey(event);
  const { rows } = await db.query<{ id: number; attempts: number }>(
    `insert into webhook_events as w (dedupe_key, subscription_id, object_type, object_id, aspect_type, owner_id, event_time,
       updates, status, attempts, message_id)
     values ($1::text, $2::bigint, $3::text, $4::bigint, $5::text, $6::bigint, to_timestamp($7::bigint), $8::jsonb, 'received', 1, $9::text)
     on conflict (dedupe_key) do update set attempts = w.attempts + 1, status = 'received', updated_at = now()
       where w.status not in ('processed', 'ignored', 'failed')
     returning id, attempts`,
    [key, event.subscription_id, event.object_type, event.object_id, event.aspect_type, event.owner_id, event.event_time,
      JSON.stringify(event.updates), messageId ?? null],
  );
  if (rows[0]) return { kind: 'new', id: rows[0].id, attempts: rows[0].attempts };
  const done = await db.query<{ id: number; status: WebhookEventStatus }>('select id, status from webhook_events where dedupe_key = $1::text', [key]);
  return { kind: 'done', id: done.rows[0]!.id, status: done.rows[0]!.status };
}

export async function finishEvent(
  db: Queryable,
  id: number,
  status: Exclude<WebhookEventStatus, 'received'>,
  error?: string,
  options: { forgetUpdates?: boolean } = {},
): Promise<void> {
  await db.query(
    `update webhook_events set status = $2::text, error = $3::text, updated_at = now(),
       finished_at = case when $2::text = 'retrying' then null else now() end,
       updates = case when $4::boolean then '{}'::jsonb else updates end
     where id = $1::bigint`,
    [id, status, error ?? null, options.forgetUpdates === true],
  );
}

/** A processed delete at or after `eventTime`: a create or update that old must not bring the activity back. */
export async function activityDeletedSince(db: Queryable, activityId: number, eventTime: number): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from webhook_events
     where object_type = 'activity' and object_id = $1::bigint and aspect_type = 'delete' and status = 'processed'
       and event_time >= to_timestamp($2::bigint)
     limit 1`,
    [activityId, eventTime],
  );
  return rows.length > 0;
}

/** Of these activity ids, the ones a processed delete event removed (for importers, so history does not resurrect them). */
export async function deletedActivityIds(db: Queryable, activityIds: readonly number[]): Promise<Set<number>> {
  if (activityIds.length === 0) return new Set();
  const { rows } = await db.query<{ id: number }>(
    `select distinct object_id as id from webhook_events
     where object_type = 'activity' and aspect_type = 'delete' and status = 'processed' and object_id = any($1::bigint[])`,
    [[...activityIds]],
  );
  return new Set(rows.map((row) => Number(row.id)));
}

/**
 * For importers, inside the transaction that saves the page: takes each activity's lock (the one the event processor
 * holds while it applies an event to that activity: process.ts lockActivity, same key) and drops the activities a
 * processed delete removed. Under the locks a delete is either committed and seen here, or waits until this
 * transaction's rows are in and then removes them, so an import page can never bring a deleted activity back. One
 * whose row exists again was created after its delete (Strava turns "Only You" into delete + create) and stays.
 */
export async function withoutDeletedActivities<T extends { id: number }>(client: pg.PoolClient, activities: readonly T[]): Promise<T[]> {
  if (activities.length === 0) return [];
  // Ascending order, so two importers sharing activities can never each hold a lock the other waits for.
  const ids = [...new Set(activities.map((activity) => activity.id))].sort((a, b) => a - b);
  await client.query(`select pg_advisory_xact_lock(hashtextextended('activity:' || id::text, 0)) from unnest($1::bigint[]) as id`, [ids]);
  const deleted = await deletedActivityIds(client, ids);
  if (deleted.size === 0) return [...activities];
  const { rows } = await client.query<{ id: number }>('select id from activities where id = any($1::bigint[])', [[...deleted]]);
  for (const row of rows) deleted.delete(Number(row.id));
  return activities.filter((activity) => !deleted.has(activity.id));
}

/** An athlete's events go with the athlete (titles in `updates` are theirs), except the one recording the deletion. */
export async function forgetAthleteEvents(db: Queryable, athleteId: number, keepId: number): Promise<number> {
  const { rowCount } = await db.query('delete from webhook_events where owner_id = $1::bigint and id <> $2::bigint', [athleteId, keepId]);
  return rowCount ?? 0;
}

export interface WebhookEventRow {
  id: number;
  objectType: string;
  objectId: number;
  aspectType: string;
  ownerId: number;
  eventTime: Date;
  updates: Record<string, string>;
  status: WebhookEventStatus;
  attempts: number;
  error: string | null;
  receivedAt: Date;
  finishedAt: Date | null;
}

/** The latest events, newest first (admin page). */
export async function recentWebhookEvents(db: Queryable, limit = 50): Promise<WebhookEventRow[]> {
  const { rows } = await db.query<WebhookEventRow>(
    `select id, object_type as "objectType", object_id as "objectId", aspect_type as "aspectType", owner_id as "ownerId",
       event_time as "eventTime", updates, status, attempts, error, received_at as "receivedAt", finished_at as "finishedAt"
     from webhook_events order by received_at desc, id desc limit $1::integer`,
    [Math.max(1, Math.min(500, Math.trunc(limit)))],
  );
  return rows;
}

/** Terraform's var.max_delivery_attempts default: Pub/Sub moves a message to the dead-letter topic after this many. */
export const DEFAULT_MAX_DELIVERIES = 10;

/**
 * Events whose every delivery failed: still `retrying` after `maxDeliveries` attempts, so Pub/Sub has given up on them
 * and they wait in the dead-letter topic (replay them with `npm run events:replay`).
 */
export async function exhaustedWebhookEvents(db: Queryable, maxDeliveries = DEFAULT_MAX_DELIVERIES): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    `select count(*)::integer as count from webhook_events where status = 'retrying' and attempts >= $1::integer`,
    [maxDeliveries],
  );
  return rows[0]?.count ?? 0;
}

export type WebhookEventCounts = Record<WebhookEventStatus, number> & { total: number; lastReceivedAt: Date | null };

/** How many events are in each state, and when the last one arrived (admin page). */
export async function webhookEventCounts(db: Queryable): Promise<WebhookEventCounts> {
  const { rows } = await db.query<{ status: WebhookEventStatus; count: number; last: Date | null }>(
    `select status, count(*)::integer as count, max(received_at) as last from webhook_events group by status`,
  );
  const counts: WebhookEventCounts = { received: 0, retrying: 0, processed: 0, ignored: 0, failed: 0, total: 0, lastReceivedAt: null };
  for (const row of rows) {
    counts[row.status] = row.count;
    counts.total += row.count;
    if (row.last && (!counts.lastReceivedAt || row.last > counts.lastReceivedAt)) counts.lastReceivedAt = row.last;
  }
  return counts;
}
