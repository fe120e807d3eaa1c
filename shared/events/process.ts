// Applies one Strava webhook event to the database, exactly once in effect: throws for transient failures (retry), records and returns otherwise.
import type pg from 'pg';
import { upsertActivities } from '../activities/store.js';
import { withTransaction } from '../db/transaction.js';
import type { Logger } from '../log.js';
import type { StravaClient } from '../strava/client.js';
import type { SummaryActivity } from '../strava/types.js';
import { StravaError, StravaNotFoundError } from '../strava/errors.js';
import { getAccessToken, ReconnectRequiredError, TokenRefreshError } from '../tokens/access.js';
import type { TokenCipher } from '../tokens/cipher.js';
import { activityDeletedSince, claimEvent, finishEvent, forgetAthleteEvents } from './store.js';
import { InvalidEventError, isDeauthorization, type StravaWebhookEvent } from './webhook-event.js';

export interface ProcessorDeps {
  pool: pg.Pool;
  strava: StravaClient;
  cipher: TokenCipher;
  log: Logger;
}

export type EventOutcome =
  | { status: 'processed' | 'ignored' | 'failed'; reason?: string }
  /** Already in a final state: a redelivery or a replay, and nothing was done. */
  | { status: 'duplicate' };

type Final = { status: 'processed' | 'ignored' | 'failed'; reason?: string; forgetUpdates?: boolean };

/** Whether a failure is worth a redelivery. Unknown errors are: a dead letter is visible, a wrongly dropped event is not. */
export function isTransient(error: unknown): boolean {
  if (error instanceof StravaError) return error.transient;
  if (error instanceof TokenRefreshError) return error.transient;
  if (error instanceof ReconnectRequiredError || error instanceof InvalidEventError) return false;
  return true;
}

function describe(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 500);
}

/**
 * Records the delivery in webhook_events, applies the event unless it was already applied, and records the outcome.
 * Throws (after recording `retrying` when the database allows) when a later delivery may succeed.
 */
export async function processWebhookEvent(deps: ProcessorDeps, event: StravaWebhookEvent, messageId?: string): Promise<EventOutcome> {
  const claim = await claimEvent(deps.pool, event, messageId);
  const log = deps.log.child({ webhookEventId: claim.id, objectType: event.object_type, aspectType: event.aspect_type, ownerId: event.owner_id });
  if (claim.kind === 'done') {
    log.info('Webhook event already handled; nothing to do', { status: claim.status });
    return { status: 'duplicate' };
  }
  try {
    const outcome = await apply(deps, event, claim.id);
    log.info(`Webhook event ${outcome.status}`, { objectId: event.object_id, reason: outcome.reason, attempt: claim.attempts });
    return { status: outcome.status, ...(outcome.reason ? { reason: outcome.reason } : {}) };
  } catch (error) {
    if (isTransient(error)) {
      log.warn('Webhook event failed for now; it will be redelivered', { objectId: event.object_id, attempt: claim.attempts, error });
      await finishEvent(deps.pool, claim.id, 'retrying', describe(error)).catch(() => undefined);
      throw error;
    }
    log.error('Webhook event failed for good', { objectId: event.object_id, error });
    await finishEvent(deps.pool, claim.id, 'failed', describe(error));
    return { status: 'failed', reason: describe(error) };
  }
}

async function apply(deps: ProcessorDeps, event: StravaWebhookEvent, eventId: number): Promise<Final> {
  if (event.object_type === 'athlete') return applyAthlete(deps, event, eventId);
  const known = await deps.pool.query('select 1 from athletes where id = $1::bigint', [event.owner_id]);
  if (known.rows.length === 0) {
    // Someone else's data: acknowledged, recorded without the titles it carried.
    return finish(deps.pool, eventId, { status: 'ignored', reason: 'unknown athlete', forgetUpdates: true });
  }
  switch (event.aspect_type) {
    case 'create':
      return applySnapshot(deps, event, eventId, 'create');
    case 'update':
      return applyUpdate(deps, event, eventId);
    case 'delete':
      return applyDelete(deps, event, eventId);
  }
}

async function finish(db: pg.Pool | pg.PoolClient, eventId: number, outcome: Final): Promise<Final> {
  await finishEvent(db, eventId, outcome.status, outcome.reason, { forgetUpdates: outcome.forgetUpdates });
  return outcome;
}

/** Serialises the writes for one activity across deliveries and instances, so a delete and a create cannot interleave. */
async function lockActivity(client: pg.PoolClient, activityId: number): Promise<void> {
  await client.query(`select pg_advisory_xact_lock(hashtextextended('activity:' || $1::text, 0))`, [activityId]);
}

async function applyAthlete(deps: ProcessorDeps, event: StravaWebhookEvent, eventId: number): Promise<Final> {
  if (!isDeauthorization(event)) return finish(deps.pool, eventId, { status: 'ignored', reason: 'athlete updates other than deauthorization are not used' });
  return withTransaction(deps.pool, async (client) => {
    // Strava's agreement: a deauthorized athlete's data goes. Unless they connected again after the event.
    const deleted = await client.query(
      `delete from athletes where id = $1::bigint and connected_at < to_timestamp($2::bigint + 1) returning id`,
      [event.owner_id, event.event_time],
    );
    if (deleted.rows.length > 0) {
      await forgetAthleteEvents(client, event.owner_id, eventId);
      return finish(client, eventId, { status: 'processed', reason: 'athlete deauthorized: all their data deleted' });
    }
    const still = await client.query('select 1 from athletes where id = $1::bigint', [event.owner_id]);
    return finish(client, eventId, {
      status: 'ignored',
      reason: still.rows.length > 0 ? 'the athlete connected again after this deauthorization' : 'unknown athlete',
    });
  });
}

/**
 * Fetches the activity and stores it as of the event's time. Used for creates, and for updates of an activity we do
 * not have yet (an update that overtook its create), so neither is lost.
 */
async function applySnapshot(deps: ProcessorDeps, event: StravaWebhookEvent, eventId: number, why: 'create' | 'update'): Promise<Final> {
  const id = event.object_id;
  const current = await deps.pool.query<{ newer: boolean; mine: boolean }>(
    `select event_time >= to_timestamp($2::bigint) as newer, athlete_id = $3::bigint as mine from activities where id = $1::bigint`,
    [id, event.event_time, event.owner_id],
  );
  if (current.rows[0] && !current.rows[0].mine) return finish(deps.pool, eventId, { status: 'failed', reason: 'the activity belongs to another athlete' });
  if (current.rows[0]?.newer && why === 'create') return finish(deps.pool, eventId, { status: 'ignored', reason: 'newer data already stored' });
  if (await activityDeletedSince(deps.pool, id, event.event_time)) {
    return finish(deps.pool, eventId, { status: 'ignored', reason: 'the activity was deleted after this event' });
  }

  const accessToken = await getAccessToken(deps, event.owner_id);
  let activity;
  try {
    activity = await deps.strava.getActivity(accessToken, id);
  } catch (error) {
    // Deleted since, or made private beyond our scope: there is nothing to store, and retrying will not change that.
    if (error instanceof StravaNotFoundError) return finish(deps.pool, eventId, { status: 'ignored', reason: 'Strava has no such activity (404)' });
    throw error;
  }
  if (activity.athlete?.id !== undefined && activity.athlete.id !== event.owner_id) {
    return finish(deps.pool, eventId, { status: 'failed', reason: 'Strava returned an activity of another athlete' });
  }

  return withTransaction(deps.pool, async (client) => {
    await lockActivity(client, id);
    // Checked again under the lock: a delete may have been applied while Strava answered.
    if (await activityDeletedSince(client, id, event.event_time)) {
      return finish(client, eventId, { status: 'ignored', reason: 'the activity was deleted after this event' });
    }
    await storeSnapshot(client, event.owner_id, activity, event.event_time);
    if (why === 'update') await updateFields(client, event);
    return finish(client, eventId, { status: 'processed', reason: why === 'update' ? 'activity was unknown: fetched, then updated' : undefined });
  });
}

/**
 * The update's own fields, each applied only when the event is at least as new as what set that field last (the
 * last snapshot, or an update of that field). Returns whether anything changed.
 */
async function updateFields(db: pg.PoolClient | pg.Pool, event: StravaWebhookEvent): Promise<'applied' | 'stale' | 'missing'> {
  const u = event.updates;
  const title = u.title ?? null;
  const type = u.type ?? u.sport_type ?? null;
  const isPrivate = u.private === undefined ? null : u.private === 'true';
  const { rows } = await db.query<{ applied: boolean }>(
    `with target as (
       select id, raw,
         $3::text is not null and $6::bigint >= greatest(extract(epoch from event_time), coalesce((field_event_times->>'name')::float8, 0)) as set_name,
         $4::text is not null and $6::bigint >= greatest(extract(epoch from event_time), coalesce((field_event_times->>'sport_type')::float8, 0)) as set_type,
         $5::boolean is not null and $6::bigint >= greatest(extract(epoch from event_time), coalesce((field_event_times->>'private')::float8, 0)) as set_private
       from activities where id = $1::bigint and athlete_id = $2::bigint for update),
     changed as (
       update activities a set
         name = case when t.set_name then $3::text else a.name end,
         -- Events carry the older activity type, which folds newer sport types into their parent (TrailRun is "Run"):
         -- only a different type replaces the sport type, so a "Run" update keeps a stored TrailRun.
         sport_type = case when t.set_type and coalesce(a.raw->>'type', '') <> $4::text then $4::text else a.sport_type end,
         private = case when t.set_private then $5::boolean else a.private end,
         visibility = case when not t.set_private then a.visibility when $5::boolean then 'only_me'
                           when a.visibility = 'only_me' then 'everyone' else a.visibility end,
         raw = a.raw
           || case when t.set_name then jsonb_build_object('name', $3::text) else '{}'::jsonb end
           || case when t.set_type and coalesce(a.raw->>'type', '') <> $4::text then jsonb_build_object('type', $4::text, 'sport_type', $4::text) else '{}'::jsonb end
           || case when t.set_private then jsonb_build_object('private', $5::boolean) else '{}'::jsonb end,
         field_event_times = a.field_event_times
           || case when t.set_name then jsonb_build_object('name', $6::bigint) else '{}'::jsonb end
           || case when t.set_type then jsonb_build_object('sport_type', $6::bigint) else '{}'::jsonb end
           || case when t.set_private then jsonb_build_object('private', $6::bigint) else '{}'::jsonb end,
         updated_at = now()
       from target t where a.id = t.id and (t.set_name or t.set_type or t.set_private)
       returning a.id)
     select exists (select 1 from changed) as applied from target`,
    [event.object_id, event.owner_id, title, type, isPrivate, event.event_time],
  );
  if (rows.length === 0) return 'missing';
  return rows[0]!.applied ? 'applied' : 'stale';
}

/**
 * Stores a fetched activity as of `eventTime`, keeping any title, type or privacy an update newer than that set:
 * the snapshot wins for everything else.
 */
async function storeSnapshot(client: pg.PoolClient, ownerId: number, activity: SummaryActivity, eventTime: number): Promise<void> {
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

async function applyUpdate(deps: ProcessorDeps, event: StravaWebhookEvent, eventId: number): Promise<Final> {
  const result = await withTransaction(deps.pool, async (client) => {
    await lockActivity(client, event.object_id);
    const outcome = await updateFields(client, event);
    if (outcome === 'applied') return finish(client, eventId, { status: 'processed' });
    if (outcome === 'stale') return finish(client, eventId, { status: 'ignored', reason: 'stale: newer data already stored' });
    return undefined;
  });
  return result ?? applySnapshot(deps, event, eventId, 'update');
}

async function applyDelete(deps: ProcessorDeps, event: StravaWebhookEvent, eventId: number): Promise<Final> {
  return withTransaction(deps.pool, async (client) => {
    await lockActivity(client, event.object_id);
    // Event times are whole seconds: data stored within the delete's second counts as older than the delete.
    await client.query(
      `delete from activities where id = $1::bigint and athlete_id = $2::bigint and event_time < to_timestamp($3::bigint + 1)`,
      [event.object_id, event.owner_id, event.event_time],
    );
    const survivor = await client.query('select 1 from activities where id = $1::bigint', [event.object_id]);
    if (survivor.rows.length > 0) {
      // Created again later (Strava turns "Only You" into delete + create): the later create stands.
      return finish(client, eventId, { status: 'ignored', reason: 'stale: the activity was created again after this delete' });
    }
    // Processed, whether or not there was a row: this record is what keeps a late create from bringing it back.
    return finish(client, eventId, { status: 'processed' });
  });
}
