// Reads one activity for its owner only: another athlete's id answers "not found", never their data.
import type { Queryable } from '../db/index.js';
import type { ActivityRow } from './store.js';

/** The stored row's fields, with the local start as text (as the page prints it) and the maximum heart rate. */
export interface ActivityDetail extends Omit<ActivityRow, 'startDateLocal' | 'private'> {
  /** "YYYY-MM-DDTHH:MM:SS" wall-clock where it happened. */
  startDateLocal: string;
  maxHeartrate: number | null;
}

export async function getOwnActivity(db: Queryable, athleteId: number, activityId: number): Promise<ActivityDetail | undefined> {
  // Uploaded files without a Strava id have negative ids of their own.
  if (!Number.isSafeInteger(activityId) || activityId === 0) return undefined;
  const { rows } = await db.query<ActivityDetail>(
    `select id, name, sport_type as "sportType", start_date as "startDate",
            to_char(start_date_local, 'YYYY-MM-DD"T"HH24:MI:SS') as "startDateLocal", timezone, distance,
            moving_time as "movingTime", elapsed_time as "elapsedTime", total_elevation_gain as "totalElevationGain",
            average_speed as "averageSpeed", max_speed as "maxSpeed", average_heartrate as "averageHeartrate",
            max_heartrate as "maxHeartrate", manual, summary_polyline as "summaryPolyline"
     from activities where id = $1::bigint and athlete_id = $2::bigint`,
    [activityId, athleteId],
  );
  return rows[0];
}

/** Whether the owner keeps the activity to themselves (Strava's "Only You"): such an activity is never sent to a chat. */
export async function keptToThemselves(db: Queryable, athleteId: number, activityId: number): Promise<boolean> {
  const { rows } = await db.query<{ only: boolean }>(
    `select (private or coalesce(visibility, '') = 'only_me') as only from activities where id = $1::bigint and athlete_id = $2::bigint`,
    [activityId, athleteId],
  );
  return rows[0]?.only ?? false;
}
