// What an AI note is written from: a handful of aggregates, never a track, a position, a name or a stream.
import type { Queryable } from '../db/index.js';
import { addDays, localNow } from '../stats/index.js';
import { RIDE_TYPES } from '../stats/index.js';

export interface FunFactInput {
  language: 'en' | 'ru';
  sport_type: string;
  distance_km: number;
}

export interface WindowTotals {
  sport_type: string;
  activities: number;
  distance_km: number;
  moving_hours: number;
  elevation_m: number;
}

export interface CoachInput {
  language: 'en' | 'ru';
  last_four_weeks: WindowTotals[];
  four_weeks_before: WindowTotals[];
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** The latest ride (any kind of bike) with a distance; an athlete who never rides gets no fun fact. */
export async function funFactInput(db: Queryable, athleteId: number, language: 'en' | 'ru'): Promise<FunFactInput | undefined> {
  const { rows } = await db.query<{ sportType: string; distance: number }>(
    `select sport_type as "sportType", distance from activities
     where athlete_id = $1::bigint and distance > 0 and sport_type = any($2::text[]) order by start_date desc limit 1`,
    [athleteId, [...RIDE_TYPES]],
  );
  const row = rows[0];
  return row ? { language, sport_type: row.sportType, distance_km: r1(row.distance / 1000) } : undefined;
}

/** The 28 local days up to today against the 28 before them, per sport. */
export async function coachInput(db: Queryable, athleteId: number, now: Date, timeZone: string, language: 'en' | 'ru'): Promise<CoachInput | undefined> {
  const local = localNow(now, timeZone);
  const recentFrom = addDays(local.today, -27);
  const olderFrom = addDays(recentFrom, -28);
  const { rows } = await db.query<{ recent: boolean; sportType: string; count: number; distance: number; movingTime: number; elevation: number }>(
    `select start_date_local >= $3::timestamp as recent, sport_type as "sportType", count(*)::integer as count,
            sum(distance)::float8 as distance, sum(moving_time)::float8 as "movingTime", sum(total_elevation_gain)::float8 as elevation
     from activities
     where athlete_id = $1::bigint and start_date_local >= $2::timestamp and start_date_local <= $4::timestamp
     group by 1, 2 order by 1, 3 desc, 2`,
    [athleteId, `${olderFrom}T00:00:00`, `${recentFrom}T00:00:00`, local.wallClock],
  );
  if (rows.length === 0) return undefined;
  const pick = (recent: boolean): WindowTotals[] =>
    rows
      .filter((row) => row.recent === recent)
      .map((row) => ({
        sport_type: row.sportType,
        activities: row.count,
        distance_km: r1(row.distance / 1000),
        moving_hours: r1(row.movingTime / 3600),
        elevation_m: Math.round(row.elevation),
      }));
  return { language, last_four_weeks: pick(true), four_weeks_before: pick(false) };
}
