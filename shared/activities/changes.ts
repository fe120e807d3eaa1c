// Changes to stored activities from webhook events: a fetched snapshot or a delete, each as of
// the event's time so a late, stale event never overwrites newer data.
import type pg from 'pg';
import type { Queryable } from '../db/index.js';
import type { SummaryActivity } from '../strava/index.js';
import { upsertActivities } from './store.js';

/** Serialises the writes for one activity across deliveries and instances, so a delete and a create cannot interleave. */
export async function lockActivity(client: pg.PoolClient, activityId: number): Promise<void> {
  await lockActivities(client, [activityId]);
}

/**
 * The same lock for several activities (an import page), taken in ascending id order so two transactions sharing
 * activities can never each hold one the other waits for. Held until the transaction ends.
 */
export async function lockActivities(client: pg.PoolClient, activityIds: readonly number[]): Promise<void> {
  const ids = [...new Set(activityIds)].sort((a, b) => a - b);
  await client.query(`select pg_advisory_xact_lock(hashtextextended('activity:' || id::text, 0)) from unnest($1::bigint[]) as id`, [ids]);
}

/** Which of these activities are stored. */
export async function storedActivityIds(db: Queryable, activityIds: readonly number[]): Promise<Set<number>> {
  const { rows } = await db.query<{ id: number }>('select id from activities where id = any($1::bigint[])', [[...activityIds]]);
  return new Set(rows.map((row) => Number(row.id)));
}

/**
 * Stores a fetched activity as of `eventTime`, keeping any title, type or privacy an update newer than that set:
 * the snapshot wins for everything else.
 */
export async function storeSnapshot(client: pg.PoolClient, ownerId: number, activity: SummaryActivity, eventTime: number): Promise<void> {
  const before = await client.query<{ name: string; sport_type: string; private: boolean; visibility: string | null; raw: unknown }>(
    'select name, sport_type, private, visibility, raw from activities where id = $1::bigint for update',
    [activity.id],
  );
  await upsertActivities(client, ownerId, [activity], new Date(eventTime * 1000));
  const old = before.rows[0];
  if (!old) return;
  await client.query(
    `update activities a set
       name = case when newer.name then $3::text else a.name end,
       sport_type = case when newer.sport_type then $4::text else a.sport_type end,
       private = case when newer.private then $5::boolean else a.private end,
       visibility = case when newer.private then $6::text else a.visibility end,
       raw = a.raw
         || case when newer.name then jsonb_build_object('name', $7::jsonb->'name') else '{}'::jsonb end
         || case when newer.sport_type then jsonb_build_object('type', $7::jsonb->'type', 'sport_type', $7::jsonb->'sport_type') else '{}'::jsonb end
         || case when newer.private then jsonb_build_object('private', $7::jsonb->'private') else '{}'::jsonb end
     from (select coalesce((field_event_times->>'name')::bigint, 0) > $2::bigint as name,
                  coalesce((field_event_times->>'sport_type')::bigint, 0) > $2::bigint as sport_type,
                  coalesce((field_event_times->>'private')::bigint, 0) > $2::bigint as private
           from activities where id = $1::bigint) as newer
     where a.id = $1::bigint and (newer.name or newer.sport_type or newer.private)`,
    [activity.id, eventTime, old.name, old.sport_type, old.private, old.visibility, JSON.stringify(old.raw)],
  );
}

/**
 * How the stored activity stands against an event at `eventTime`: whether it is the athlete's, whether a fetch at
 * least that late is stored (`newer`), and whether it was stored after that second (`recreated`: event times are
 * whole seconds). Undefined when there is no such row.
 */
export async function storedActivityAsOf(
  db: Queryable,
  activityId: number,
  athleteId: number,
  eventTime: number,
): Promise<{ newer: boolean; recreated: boolean; mine: boolean } | undefined> {
  const { rows } = await db.query<{ newer: boolean; recreated: boolean; mine: boolean }>(
    `select event_time >= to_timestamp($2::bigint) as newer, event_time >= to_timestamp($2::bigint + 1) as recreated,
       athlete_id = $3::bigint as mine
     from activities where id = $1::bigint`,
    [activityId, eventTime, athleteId],
  );
  return rows[0];
}

/**
 * Deletes the athlete's activity unless it was stored after the delete (event times are whole seconds: data stored
 * within the delete's second counts as older). Returns whether a row of that id is still there afterwards.
 */
export async function deleteActivityAsOf(db: Queryable, activityId: number, athleteId: number, eventTime: number): Promise<{ survived: boolean }> {
  await db.query(`delete from activities where id = $1::bigint and athlete_id = $2::bigint and event_time < to_timestamp($3::bigint + 1)`, [
    activityId,
    athleteId,
    eventTime,
  ]);
  const survivor = await db.query('select 1 from activities where id = $1::bigint', [activityId]);
  return { survived: survivor.rows.length > 0 };
}
