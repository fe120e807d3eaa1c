// The results page's statistics, each one SQL query over the athlete's indexed rows: nothing loads every activity.
import type { Queryable } from '../db/index.js';
import type { Units } from '../units.js';
import { addDays, localNow, weekStart, type LocalNow } from './calendar.js';
import { RIDE_TYPES, RUN_TYPES, SPORT_GROUPS, sportGroup, type SportGroup } from './sports.js';
import { totalsByPeriod, type TotalsByPeriod } from './totals.js';

export interface ActivityRef {
  id: number;
  name: string;
  sportType: string;
  /** "YYYY-MM-DDTHH:MM:SS", the wall-clock time where it happened. */
  startDateLocal: string;
  distance: number;
  movingTime: number;
  elevationGain: number;
}

export interface Streaks {
  /** Consecutive days with an activity ending today, or yesterday while today is still open. */
  current: number;
  longest: number;
  longestFrom: string | null;
  longestTo: string | null;
}

export interface BestWeek {
  /** Monday of the week, "YYYY-MM-DD". */
  weekStart: string;
  movingTime: number;
  distance: number;
  count: number;
}

export interface WeekVolume {
  weekStart: string;
  group: SportGroup;
  movingTime: number;
  distance: number;
}

export interface ResultsStats {
  now: LocalNow;
  totals: TotalsByPeriod;
  /** Eddington numbers in the athlete's unit (km or miles). */
  eddington: { ride: number; run: number };
  longest: ActivityRef | null;
  biggestClimb: ActivityRef | null;
  streaks: Streaks;
  bestWeek: BestWeek | null;
  /** The last 52 weeks, oldest first, one entry per week and sport group that had any activity. */
  weekly: WeekVolume[];
  /** Monday of the first of the 52 weeks. */
  weeklyFrom: string;
}

export const WEEKS_IN_CHART = 52;

export const unitLength = (units: Units): number => (units === 'imperial' ? 1609.344 : 1000);

const LOCAL_TEXT = `to_char(start_date_local, 'YYYY-MM-DD"T"HH24:MI:SS')`;

/**
 * "Started by now", for per-day figures. An activity whose owner hides its start time shows 00:00:01 local: only its
 * date is real, so it counts from the start of that day rather than from one second past midnight.
 */
const startedBy = (param: string) =>
  `(start_date_local <= ${param}::timestamp or (start_date_local::time = time '00:00:01' and start_date_local::date <= ${param}::timestamp::date))`;

/**
 * Eddington number: the largest E such that on at least E days the athlete covered at least E units.
 * Days are local calendar days; several activities on one day add up.
 */
export async function eddington(db: Queryable, athleteId: number, sportTypes: readonly string[], unitMeters: number, until: string): Promise<number> {
  const { rows } = await db.query<{ e: number }>(
    `with days as (
       select sum(distance) / $3::float8 as units
       from activities
       where athlete_id = $1::bigint and sport_type = any($2::text[]) and ${startedBy('$4')}
       group by start_date_local::date
     ), ranked as (
       select units, row_number() over (order by units desc) as n from days
     )
     select coalesce(max(n) filter (where units >= n), 0)::integer as e from ranked`,
    [athleteId, [...sportTypes], unitMeters, until],
  );
  return rows[0]?.e ?? 0;
}

export async function streaks(db: Queryable, athleteId: number, today: string, until: string): Promise<Streaks> {
  // Gaps and islands: consecutive dates minus their rank share one value per run of days.
  const { rows } = await db.query<{ first: string; last: string; len: number }>(
    `with days as (
       select distinct start_date_local::date as day from activities
       where athlete_id = $1::bigint and ${startedBy('$2')}
     ), islands as (
       select day, day - (row_number() over (order by day))::integer as grp from days
     )
     select min(day)::text as first, max(day)::text as last, count(*)::integer as len
     from islands group by grp
     order by len desc, max(day) desc`,
    [athleteId, until],
  );
  const longest = rows[0];
  const yesterday = addDays(today, -1);
  const current = rows.find((run) => run.last === today || run.last === yesterday);
  return {
    current: current?.len ?? 0,
    longest: longest?.len ?? 0,
    longestFrom: longest?.first ?? null,
    longestTo: longest?.last ?? null,
  };
}

async function topActivity(db: Queryable, athleteId: number, column: 'distance' | 'total_elevation_gain', until: string): Promise<ActivityRef | null> {
  const { rows } = await db.query<ActivityRef>(
    `select id, name, sport_type as "sportType", ${LOCAL_TEXT} as "startDateLocal", distance,
            moving_time as "movingTime", total_elevation_gain as "elevationGain"
     from activities
     where athlete_id = $1::bigint and ${column} > 0 and start_date_local <= $2::timestamp
     order by ${column} desc, start_date desc limit 1`,
    [athleteId, until],
  );
  return rows[0] ?? null;
}

export const longestActivity = (db: Queryable, athleteId: number, until: string) => topActivity(db, athleteId, 'distance', until);
export const biggestClimb = (db: Queryable, athleteId: number, until: string) => topActivity(db, athleteId, 'total_elevation_gain', until);

/** The week (Monday to Sunday, local) with the most moving time across every sport. */
export async function bestWeek(db: Queryable, athleteId: number, until: string): Promise<BestWeek | null> {
  const { rows } = await db.query<BestWeek>(
    `select date_trunc('week', start_date_local)::date::text as "weekStart",
            sum(moving_time)::float8 as "movingTime", sum(distance)::float8 as distance, count(*)::integer as count
     from activities where athlete_id = $1::bigint and start_date_local <= $2::timestamp
     group by 1 order by 2 desc, 1 desc limit 1`,
    [athleteId, until],
  );
  return rows[0] ?? null;
}

/** Moving time and distance per week and sport for the 52 weeks up to now. */
export async function weeklyVolume(db: Queryable, athleteId: number, from: string, until: string): Promise<WeekVolume[]> {
  const { rows } = await db.query<{ weekStart: string; sportType: string; movingTime: number; distance: number }>(
    `select date_trunc('week', start_date_local)::date::text as "weekStart", sport_type as "sportType",
            sum(moving_time)::float8 as "movingTime", sum(distance)::float8 as distance
     from activities
     where athlete_id = $1::bigint and start_date_local >= $2::timestamp and start_date_local <= $3::timestamp
     group by 1, 2 order by 1`,
    [athleteId, from, until],
  );
  return mergeGroups(rows);
}

/** Folds per-sport rows into sport groups (a few dozen rows: cheaper here than a CASE in SQL). */
export function mergeGroups(rows: readonly { weekStart: string; sportType: string; movingTime: number; distance: number }[]): WeekVolume[] {
  const merged = new Map<string, WeekVolume>();
  for (const row of rows) {
    const group = sportGroup(row.sportType);
    const key = `${row.weekStart}|${group}`;
    const entry = merged.get(key) ?? { weekStart: row.weekStart, group, movingTime: 0, distance: 0 };
    entry.movingTime += row.movingTime;
    entry.distance += row.distance;
    merged.set(key, entry);
  }
  return [...merged.values()].sort((a, b) =>
    a.weekStart < b.weekStart ? -1 : a.weekStart > b.weekStart ? 1 : SPORT_GROUPS.indexOf(a.group) - SPORT_GROUPS.indexOf(b.group),
  );
}

export function chartStart(today: string): string {
  return addDays(weekStart(today), -7 * (WEEKS_IN_CHART - 1));
}

export async function loadResultsStats(db: Queryable, athleteId: number, now: Date, timeZone: string, units: Units): Promise<ResultsStats> {
  const local = localNow(now, timeZone);
  const until = local.wallClock;
  const from = chartStart(local.today);
  const unit = unitLength(units);
  const [totals, ride, run, longest, climb, streak, best, weekly] = await Promise.all([
    totalsByPeriod(db, athleteId, now, timeZone),
    eddington(db, athleteId, RIDE_TYPES, unit, until),
    eddington(db, athleteId, RUN_TYPES, unit, until),
    longestActivity(db, athleteId, until),
    biggestClimb(db, athleteId, until),
    streaks(db, athleteId, local.today, until),
    bestWeek(db, athleteId, until),
    weeklyVolume(db, athleteId, `${from}T00:00:00`, until),
  ]);
  return {
    now: local,
    totals,
    eddington: { ride, run },
    longest,
    biggestClimb: climb,
    streaks: streak,
    bestWeek: best,
    weekly,
    weeklyFrom: from,
  };
}
