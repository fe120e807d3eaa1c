// What an AI note is written from: a handful of aggregates, never a track, a position, a name or a stream.
import type { Queryable } from '../db/index.js';
import { createFormatter, type Locale } from '../i18n/index.js';
import type { Units } from '../units.js';
import { addDays, localNow } from '../stats/index.js';
import { RIDE_TYPES } from '../stats/index.js';

/**
 * Figures go to the model in the athlete's units, as numbers to reason with and as the words to write them with
 * ("46,4 ми" in Russian for an athlete who reads miles): a model asked to convert or format numbers gets it wrong now
 * and then, and copies a given phrase faithfully.
 */
export interface FunFactInput {
  language: Locale;
  units: Units;
  sport_type: string;
  /** In kilometres or miles (`distance_unit`). */
  distance: number;
  distance_unit: string;
  distance_text: string;
}

export interface WindowTotals {
  sport_type: string;
  activities: number;
  /** In kilometres or miles, metres or feet: the input's `units`. */
  distance: number;
  moving_hours: number;
  elevation: number;
  distance_text: string;
  moving_time_text: string;
  elevation_text: string;
}

export interface CoachInput {
  language: Locale;
  units: Units;
  last_four_weeks: WindowTotals[];
  four_weeks_before: WindowTotals[];
  /** All sports' moving time in each window, written as the page writes it. */
  last_four_weeks_time_text: string;
  four_weeks_before_time_text: string;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** The latest ride (any kind of bike) with a distance; an athlete who never rides gets no fun fact. */
export async function funFactInput(db: Queryable, athleteId: number, language: Locale, units: Units): Promise<FunFactInput | undefined> {
  const { rows } = await db.query<{ sportType: string; distance: number }>(
    `select sport_type as "sportType", distance from activities
     where athlete_id = $1::bigint and distance > 0 and sport_type = any($2::text[]) order by start_date desc limit 1`,
    [athleteId, [...RIDE_TYPES]],
  );
  const row = rows[0];
  if (!row) return undefined;
  const fmt = createFormatter(language, units);
  return {
    language,
    units,
    sport_type: row.sportType,
    distance: r1(fmt.distanceValue(row.distance)),
    distance_unit: fmt.distanceUnit,
    distance_text: fmt.distance(row.distance),
  };
}

/** The 28 local days up to today against the 28 before them, per sport. */
export async function coachInput(
  db: Queryable,
  athleteId: number,
  now: Date,
  timeZone: string,
  language: Locale,
  units: Units,
): Promise<CoachInput | undefined> {
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
  const fmt = createFormatter(language, units);
  const inWindow = (recent: boolean) => rows.filter((row) => row.recent === recent);
  const pick = (recent: boolean): WindowTotals[] =>
    inWindow(recent).map((row) => ({
      sport_type: row.sportType,
      activities: row.count,
      distance: r1(fmt.distanceValue(row.distance)),
      moving_hours: r1(row.movingTime / 3600),
      elevation: Math.round(fmt.elevationValue(row.elevation)),
      distance_text: fmt.distance(row.distance),
      moving_time_text: fmt.hours(row.movingTime),
      elevation_text: fmt.elevation(row.elevation),
    }));
  const timeText = (recent: boolean) => fmt.hours(inWindow(recent).reduce((sum, row) => sum + row.movingTime, 0));
  return {
    language,
    units,
    last_four_weeks: pick(true),
    four_weeks_before: pick(false),
    last_four_weeks_time_text: timeText(true),
    four_weeks_before_time_text: timeText(false),
  };
}
