// Reads one activity for its owner only: another athlete's id answers "not found", never their data.
import type { Queryable } from '../db/types.js';

export interface ActivityDetail {
  id: number;
  name: string;
  sportType: string;
  /** Instant the activity started (UTC). */
  startDate: Date;
  /** "YYYY-MM-DDTHH:MM:SS" wall-clock where it happened. */
  startDateLocal: string;
  timezone: string | null;
  distance: number;
  movingTime: number;
  elapsedTime: number;
  totalElevationGain: number;
  averageSpeed: number | null;
  maxSpeed: number | null;
  averageHeartrate: number | null;
  maxHeartrate: number | null;
  manual: boolean;
  summaryPolyline: string | null;
}

export async function getOwnActivity(db: Queryable, athleteId: number, activityId: number): Promise<ActivityDetail | undefined> {
  if (!Number.isSafeInteger(activityId) || activityId <= 0) return undefined;
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
