// Activity rows: batch upserts from Strava summaries and the reads the results page needs.
import type { Queryable } from '../db/index.js';
import { isSafeId, UnsafeIdError } from '../strava/index.js';
import type { SummaryActivity } from '../strava/index.js';

/**
 * Strava ids are 64-bit. Every id so far fits a JavaScript number exactly (about 1.6e10 today, 2^53 is 9e15), and the
 * whole product (pages, events, exports) handles ids as numbers; one beyond 2^53 arrives from the parser as its exact
 * digits and is refused here, by name, rather than stored under a rounded id that belongs to no activity.
 */
export class UnsafeActivityIdError extends UnsafeIdError {
  constructor(ids: string[]) {
    super('activity', ids);
    this.name = 'UnsafeActivityIdError';
  }
}

export interface ActivityRow {
  id: number;
  name: string;
  sportType: string;
  startDate: Date;
  startDateLocal: Date;
  timezone: string | null;
  distance: number;
  movingTime: number;
  elapsedTime: number;
  totalElevationGain: number;
  averageSpeed: number | null;
  maxSpeed: number | null;
  averageHeartrate: number | null;
  manual: boolean;
  private: boolean;
  summaryPolyline: string | null;
}

const COLUMNS = `id, name, sport_type as "sportType", start_date as "startDate", start_date_local as "startDateLocal",
  timezone, distance, moving_time as "movingTime", elapsed_time as "elapsedTime",
  total_elevation_gain as "totalElevationGain", average_speed as "averageSpeed", max_speed as "maxSpeed",
  average_heartrate as "averageHeartrate", manual, private, summary_polyline as "summaryPolyline"`;

/** Strava writes local wall-clock times with a misleading "Z"; keep them as plain timestamps. */
function localTimestamp(value: string): string {
  return value.replace(/(Z|[+-]\d\d:?\d\d)$/, '');
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/**
 * Inserts or updates many activities in one statement. `eventTime` is when this data was current at
 * Strava; a row already holding newer data is left alone, so a late, stale write cannot win.
 */
export async function upsertActivities(db: Queryable, athleteId: number, activities: readonly SummaryActivity[], eventTime: Date): Promise<number> {
  if (activities.length === 0) return 0;
  const unsafe = activities.filter((a) => !isSafeId(a.id));
  if (unsafe.length > 0) throw new UnsafeActivityIdError(unsafe.map((a) => String(a.id)));
  const { rowCount } = await db.query(
    `insert into activities as a (
       id, athlete_id, name, sport_type, start_date, start_date_local, timezone, distance, moving_time, elapsed_time,
       total_elevation_gain, average_speed, max_speed, average_heartrate, max_heartrate, manual, private, visibility,
       summary_polyline, raw, event_time)
     select r.id, $1::bigint, r.name, r.sport_type, r.start_date, r.start_date_local, r.timezone, r.distance,
       r.moving_time, r.elapsed_time, r.total_elevation_gain, r.average_speed, r.max_speed, r.average_heartrate,
       r.max_heartrate, r.manual, r.private, r.visibility, r.summary_polyline, r.raw::jsonb, $2::timestamptz
     from unnest(
       $3::bigint[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamp[], $8::text[], $9::float8[],
       $10::integer[], $11::integer[], $12::float8[], $13::float8[], $14::float8[], $15::float8[], $16::float8[],
       $17::boolean[], $18::boolean[], $19::text[], $20::text[], $21::text[]
     ) as r(id, name, sport_type, start_date, start_date_local, timezone, distance, moving_time, elapsed_time,
            total_elevation_gain, average_speed, max_speed, average_heartrate, max_heartrate, manual, private,
            visibility, summary_polyline, raw)
     on conflict (id) do update set
       name = excluded.name,
       sport_type = excluded.sport_type,
       start_date = excluded.start_date,
       start_date_local = excluded.start_date_local,
       timezone = excluded.timezone,
       distance = case when (a.raw->>'resource_state' = '3' and coalesce(excluded.raw->>'resource_state', '') <> '3') then a.distance else excluded.distance end,
       moving_time = case when (a.raw->>'resource_state' = '3' and coalesce(excluded.raw->>'resource_state', '') <> '3') then a.moving_time else excluded.moving_time end,
       elapsed_time = case when (a.raw->>'resource_state' = '3' and coalesce(excluded.raw->>'resource_state', '') <> '3') then a.elapsed_time else excluded.elapsed_time end,
       total_elevation_gain = case when (a.raw->>'resource_state' = '3' and coalesce(excluded.raw->>'resource_state', '') <> '3') then a.total_elevation_gain else excluded.total_elevation_gain end,
       average_speed = case when (a.raw->>'resource_state' = '3' and coalesce(excluded.raw->>'resource_state', '') <> '3') then a.average_speed else excluded.average_speed end,
       max_speed = case when (a.raw->>'resource_state' = '3' and coalesce(excluded.raw->>'resource_state', '') <> '3') then a.max_speed else excluded.max_speed end,
       average_heartrate = case when (a.raw->>'resource_state' = '3' and coalesce(excluded.raw->>'resource_state', '') <> '3') then a.average_heartrate else excluded.average_heartrate end,
       max_heartrate = case when (a.raw->>'resource_state' = '3' and coalesce(excluded.raw->>'resource_state', '') <> '3') then a.max_heartrate else excluded.max_heartrate end,
       manual = excluded.manual,
       private = excluded.private,
       visibility = excluded.visibility,
       summary_polyline = case when (a.raw->>'resource_state' = '3' and coalesce(excluded.raw->>'resource_state', '') <> '3') then a.summary_polyline else excluded.summary_polyline end,
       -- The detail (resource_state 3) wins over a list's summary of the same activity for every figure: the two can
       -- disagree (a real activity listed at 0 m had 101 km in its detail). Title, type and privacy follow the newer.
       raw = case when (a.raw->>'resource_state' = '3' and coalesce(excluded.raw->>'resource_state', '') <> '3') then a.raw || jsonb_build_object('name', excluded.raw->'name', 'type', excluded.raw->'type',
                    'sport_type', excluded.raw->'sport_type', 'private', excluded.raw->'private', 'visibility', excluded.raw->'visibility')
                  else excluded.raw end,
       event_time = excluded.event_time,
       updated_at = now()
     where a.athlete_id = excluded.athlete_id and a.event_time <= excluded.event_time`,
    [
      athleteId,
      eventTime,
      activities.map((a) => a.id),
      activities.map((a) => a.name ?? ''),
      activities.map((a) => a.sport_type ?? a.type ?? 'Workout'),
      activities.map((a) => a.start_date),
      activities.map((a) => localTimestamp(a.start_date_local ?? a.start_date)),
      activities.map((a) => a.timezone ?? null),
      activities.map((a) => num(a.distance) ?? 0),
      activities.map((a) => Math.round(num(a.moving_time) ?? 0)),
      activities.map((a) => Math.round(num(a.elapsed_time) ?? 0)),
      activities.map((a) => num(a.total_elevation_gain) ?? 0),
      activities.map((a) => num(a.average_speed)),
      activities.map((a) => num(a.max_speed)),
      activities.map((a) => num(a.average_heartrate)),
      activities.map((a) => num(a.max_heartrate)),
      activities.map((a) => a.manual === true),
      activities.map((a) => a.private === true),
      activities.map((a) => (typeof a.visibility === 'string' ? a.visibility : null)),
      activities.map((a) => a.map?.summary_polyline || null),
      activities.map((a) => JSON.stringify(a)),
    ],
  );
  return rowCount ?? 0;
}

export async function recentActivities(db: Queryable, athleteId: number, limit: number): Promise<ActivityRow[]> {
  const { rows } = await db.query<ActivityRow>(`select ${COLUMNS} from activities where athlete_id = $1::bigint order by start_date desc limit $2::integer`, [
    athleteId,
    limit,
  ]);
  return rows;
}

export async function latestActivityWithDistance(db: Queryable, athleteId: number): Promise<ActivityRow | undefined> {
  const { rows } = await db.query<ActivityRow>(
    `select ${COLUMNS} from activities
     where athlete_id = $1::bigint and distance > 0
     order by start_date desc limit 1`,
    [athleteId],
  );
  return rows[0];
}
