// Writes for activities that come from files (a Strava export or single uploads): the activities capability stays the only writer of activities and streams.
import type { Queryable } from '../db/index.js';
import type { ActivityRow } from './store.js';
import type { Streams } from './streams.js';

/** An activity's summary as read from a file and the export's CSV; ids are Strava's when the CSV names one. */
export type FileActivity = Omit<ActivityRow, 'id' | 'private' | 'startDateLocal'> & {
  /** Wall-clock time where it happened, as "YYYY-MM-DDTHH:MM:SS". */
  startDateLocal: string;
  maxHeartrate: number | null;
  /** Where it came from, kept in the raw column as the API's JSON is for API rows. */
  origin: Record<string, unknown>;
};

// Older than any API snapshot: the API's summary always wins over a file's when both exist.
const FILE_EVENT_TIME = new Date(0);

const INSERT = `insert into activities (
    id, athlete_id, name, sport_type, start_date, start_date_local, timezone, distance, moving_time, elapsed_time,
    total_elevation_gain, average_speed, max_speed, average_heartrate, max_heartrate, manual, private, summary_polyline,
    raw, event_time, source)
  values ($1::bigint, $2::bigint, $3::text, $4::text, $5::timestamptz, $6::timestamp, $7::text, $8::float8, $9::integer,
    $10::integer, $11::float8, $12::float8, $13::float8, $14::float8, $15::float8, $16::boolean, true, $17::text,
    $18::jsonb, $19::timestamptz, $20::text)`;

function values(id: number, athleteId: number, a: FileActivity, source: 'archive' | 'upload'): unknown[] {
  return [
    id,
    athleteId,
    a.name.slice(0, 255),
    a.sportType,
    a.startDate,
    a.startDateLocal,
    a.timezone,
    a.distance,
    Math.round(a.movingTime),
    Math.round(a.elapsedTime),
    a.totalElevationGain,
    a.averageSpeed,
    a.maxSpeed,
    a.averageHeartrate,
    a.maxHeartrate,
    a.manual,
    a.summaryPolyline,
    JSON.stringify({ source, ...a.origin }),
    FILE_EVENT_TIME,
    source,
  ];
}

export type ExistingActivity = { id: number; athleteId: number; hasStreams: boolean };

/** The activity with this id, whoever it belongs to, and whether it has streams worth keeping. */
export async function findActivity(db: Queryable, id: number): Promise<ExistingActivity | undefined> {
  const { rows } = await db.query<ExistingActivity>(
    `select a.id, a.athlete_id as "athleteId", coalesce(s.streams <> '{}'::jsonb, false) as "hasStreams"
     from activities a left join activity_streams s on s.activity_id = a.id where a.id = $1::bigint`,
    [id],
  );
  return rows[0];
}

/**
 * Adds an activity the export lists under its Strava id, unless it is already there. Private until the API says
 * otherwise: the export does not say who may see it, and nothing here is shown to anyone but its athlete anyway.
 */
export async function insertArchiveActivity(db: Queryable, athleteId: number, stravaId: number, activity: FileActivity): Promise<boolean> {
  const { rowCount } = await db.query(`${INSERT} on conflict (id) do nothing`, values(stravaId, athleteId, activity, 'archive'));
  return (rowCount ?? 0) > 0;
}

/** Adds a file without a Strava id as an activity of its own, under a fresh negative id. */
export async function insertUploadedActivity(db: Queryable, athleteId: number, activity: FileActivity): Promise<number> {
  const { rows } = await db.query<{ id: number }>(`select -nextval('uploaded_activity_ids') as id`);
  const id = rows[0]!.id;
  await db.query(INSERT, values(id, athleteId, activity, 'upload'));
  return id;
}

/**
 * The athlete's activity that is this same one recorded elsewhere: a start within two minutes and a distance
 * within 5% (or both without distance). Closest start first.
 */
export async function findSameActivity(db: Queryable, athleteId: number, startDate: Date, distance: number): Promise<ExistingActivity | undefined> {
  const { rows } = await db.query<ExistingActivity>(
    `select a.id, a.athlete_id as "athleteId", coalesce(s.streams <> '{}'::jsonb, false) as "hasStreams"
     from activities a left join activity_streams s on s.activity_id = a.id
     where a.athlete_id = $1::bigint
       and a.start_date between $2::timestamptz - interval '2 minutes' and $2::timestamptz + interval '2 minutes'
       and (greatest(a.distance, $3::float8) < 50 or abs(a.distance - $3::float8) <= 0.05 * greatest(a.distance, $3::float8))
     order by abs(extract(epoch from a.start_date - $2::timestamptz)) limit 1`,
    [athleteId, startDate, distance],
  );
  return rows[0];
}

/**
 * Keeps streams read from a file for the athlete's activity. Streams already fetched from Strava stay; an empty
 * record (Strava had none) is replaced, since the file has them.
 */
export async function attachFileStreams(db: Queryable, athleteId: number, activityId: number, streams: Streams): Promise<boolean> {
  if (Object.keys(streams).length === 0) return false;
  const { rowCount } = await db.query(
    `insert into activity_streams (activity_id, athlete_id, streams)
     select id, athlete_id, $3::jsonb from activities where id = $1::bigint and athlete_id = $2::bigint
     on conflict (activity_id) do update set streams = excluded.streams, fetched_at = now()
       where activity_streams.streams = '{}'::jsonb`,
    [activityId, athleteId, JSON.stringify(streams)],
  );
  return (rowCount ?? 0) > 0;
}

/** The time zone the athlete's Strava activities mostly carry ("(GMT+01:00) Europe/Berlin"), for files that state none. */
export async function usualTimezone(db: Queryable, athleteId: number): Promise<string | undefined> {
  const { rows } = await db.query<{ timezone: string }>(
    `select timezone from activities where athlete_id = $1::bigint and timezone is not null and source = 'strava'
     group by timezone order by count(*) desc limit 1`,
    [athleteId],
  );
  return rows[0]?.timezone;
}
