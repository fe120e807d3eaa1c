// webhook_events: claiming an event for processing (the dedupe), recording its outcome, and the reads the admin page needs.
import type pg from 'pg';
import { lockActivities, storedActivityIds } from '../activities/index.js';
import type { Queryable } from '../db/index.js';
import { dedupeKey, type StravaWebhookEvent } from './webhook-event.js';

export type WebhookEventStatus = 'received' | 'retrying' | 'deferred' | 'processed' | 'ignored' | 'unconfirmed' | 'failed';

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
       where w.status not in ('processed', 'ignored', 'unconfirmed', 'failed')
     returning id, attempts`,
    [
      key,
      event.subscription_id,
      event.object_type,
      event.object_id,
      event.aspect_type,
      event.owner_id,
      event.event_time,
      JSON.stringify(event.updates),
      messageId ?? null,
    ],
  );
  if (rows[0]) return { kind: 'new', id: rows[0].id, attempts: rows[0].attempts };
  const done = await db.query<{ id: number; status: WebhookEventStatus }>('select id, status from webhook_events where dedupe_key = $1::text', [key]);
  return { kind: 'done', id: done.rows[0]!.id, status: done.rows[0]!.status };
}

export async function finishEvent(
  db: Queryable,
  id: number,
  status: Exclude<WebhookEventStatus, 'received' | 'deferred'>,
  error?: string,
  options: { forgetUpdates?: boolean } = {},
): Promise<void> {
  await db.query(
    `update webhook_events set status = $2::text, error = $3::text, updated_at = now(), retry_at = null,
       finished_at = case when $2::text = 'retrying' then null else now() end,
       updates = case when $4::boolean then '{}'::jsonb else updates end
     where id = $1::bigint`,
    [id, status, error ?? null, options.forgetUpdates === true],
  );
}

/** Parks an event until `retryAt` (Strava's budget is spent for now); the scheduled job picks it up again. */
export async function deferEvent(db: Queryable, id: number, retryAt: Date, reason: string): Promise<void> {
  await db.query(
    `update webhook_events set status = 'deferred', error = $3::text, retry_at = $2::timestamptz, updated_at = now(), finished_at = null
     where id = $1::bigint`,
    [id, retryAt, reason],
  );
}

/** Deferred events whose time has come, oldest event first, rebuilt as Strava sent them (minus nothing: every field is kept). */
export async function dueDeferredEvents(db: Queryable, limit: number): Promise<StravaWebhookEvent[]> {
  const { rows } = await db.query<{
    subscription_id: string;
    object_type: 'activity' | 'athlete';
    object_id: string;
    aspect_type: 'create' | 'update' | 'delete';
    owner_id: string;
    event_time: string;
    updates: Record<string, string>;
  }>(
    `select subscription_id::text, object_type, object_id::text, aspect_type, owner_id::text,
       extract(epoch from event_time)::bigint::text as event_time, updates
     from webhook_events where status = 'deferred' and retry_at <= now()
     order by event_time, id limit $1::integer`,
    [Math.max(1, Math.trunc(limit))],
  );
  return rows.map((row) => ({
    subscription_id: Number(row.subscription_id),
    object_type: row.object_type,
    object_id: Number(row.object_id),
    aspect_type: row.aspect_type,
    owner_id: Number(row.owner_id),
    event_time: Number(row.event_time),
    updates: row.updates,
  }));
}

/**
 * Takes one Strava request from the athlete's share for webhook events in this quarter hour, or says no. One athlete
 * (or someone forging events in their name) can never spend more than `perWindow` requests a window on events.
 */
export async function reserveEventSpend(db: Queryable, athleteId: number, windowStart: Date, perWindow: number): Promise<boolean> {
  const { rows } = await db.query(
    `insert into webhook_event_spend as s (athlete_id, window_start, used) values ($1::bigint, $2::timestamptz, 1)
     on conflict (athlete_id) do update set
       used = case when s.window_start < excluded.window_start then 1 else s.used + 1 end,
       window_start = greatest(s.window_start, excluded.window_start)
     where s.window_start < excluded.window_start or s.used < $3::integer
     returning used`,
    [athleteId, windowStart, perWindow],
  );
  return rows.length > 0;
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
 * holds while it applies an event to that activity, activities' lockActivity) and drops the activities a
 * processed delete removed. Under the locks a delete is either committed and seen here, or waits until this
 * transaction's rows are in and then removes them, so an import page can never bring a deleted activity back. One
 * whose row exists again was created after its delete (Strava turns "Only You" into delete + create) and stays.
 */
export async function withoutDeletedActivities<T extends { id: number }>(client: pg.PoolClient, activities: readonly T[]): Promise<T[]> {
  if (activities.length === 0) return [];
  const ids = activities.map((activity) => activity.id);
  await lockActivities(client, ids);
  const deleted = await deletedActivityIds(client, ids);
  if (deleted.size === 0) return [...activities];
  for (const id of await storedActivityIds(client, [...deleted])) deleted.delete(id);
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

/** Destructive events Strava did not confirm, newest first (admin page): each changed nothing. */
export async function unconfirmedWebhookEvents(db: Queryable, limit = 50): Promise<WebhookEventRow[]> {
  const { rows } = await db.query<WebhookEventRow>(
    `select id, object_type as "objectType", object_id as "objectId", aspect_type as "aspectType", owner_id as "ownerId",
       event_time as "eventTime", updates, status, attempts, error, received_at as "receivedAt", finished_at as "finishedAt"
     from webhook_events where status = 'unconfirmed' order by received_at desc, id desc limit $1::integer`,
    [Math.max(1, Math.min(500, Math.trunc(limit)))],
  );
  return rows;
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
  const counts: WebhookEventCounts = {
    received: 0,
    retrying: 0,
    deferred: 0,
    processed: 0,
    ignored: 0,
    unconfirmed: 0,
    failed: 0,
    total: 0,
    lastReceivedAt: null,
  };
  for (const row of rows) {
    counts[row.status] = row.count;
    counts.total += row.count;
    if (row.last && (!counts.lastReceivedAt || row.last > counts.lastReceivedAt)) counts.lastReceivedAt = row.last;
  }
  return counts;
}
