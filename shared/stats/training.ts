// Per-sport figures, this year against earlier years, and the training calendar: SQL over indexed rows on the athlete's local calendar.
import type { Queryable } from '../db/index.js';
import { addDays, dayOfYear, isLeapYear, weekStart } from './calendar.js';
import { RIDE_TYPES, RUN_TYPES, SWIM_TYPES, WALK_TYPES, type SportGroup } from './sports.js';

/** The sport switch: every sport, or one group. */
export type SportFilter = 'all' | SportGroup;
export const SPORT_FILTERS: readonly SportFilter[] = ['all', 'run', 'ride', 'swim', 'walk', 'other'];

export function parseSportFilter(value: unknown): SportFilter {
  return SPORT_FILTERS.includes(value as SportFilter) ? (value as SportFilter) : 'all';
}

const KNOWN = [...RIDE_TYPES, ...RUN_TYPES, ...SWIM_TYPES, ...WALK_TYPES];
const GROUP_TYPES: Record<Exclude<SportGroup, 'other'>, readonly string[]> = { ride: RIDE_TYPES, run: RUN_TYPES, swim: SWIM_TYPES, walk: WALK_TYPES };

/**
 * A WHERE fragment choosing the filter's sport types, with the types as its one parameter at `param`. "Other" is
 * every type outside the four groups, so a sport Strava adds tomorrow shows up there rather than nowhere.
 */
export function sportCondition(filter: SportFilter, param: string): { sql: string; value: string[] } {
  if (filter === 'all') return { sql: `(${param}::text[] is not null)`, value: [] };
  if (filter === 'other') return { sql: `not (sport_type = any(${param}::text[]))`, value: KNOWN };
  return { sql: `sport_type = any(${param}::text[])`, value: [...GROUP_TYPES[filter]] };
}

export function inFilter(filter: SportFilter, sportType: string): boolean {
  if (filter === 'all') return true;
  if (filter === 'other') return !KNOWN.includes(sportType);
  return GROUP_TYPES[filter].includes(sportType);
}

/**
 * "Started by now", as in results.ts: an activity whose owner hides its start time shows 00:00:01 local and counts
 * from the start of its day.
 */
const startedBy = (param: string) =>
  `(start_date_local <= ${param}::timestamp or (start_date_local::time = time '00:00:01' and start_date_local::date <= ${param}::timestamp::date))`;

export interface Totals {
  count: number;
  distance: number;
  movingTime: number;
  elevationGain: number;
}

export interface SportFigures {
  year: Totals;
  all: Totals;
  /** The longest activity of the sport (by distance), if any covered distance. */
  longest: { id: number; name: string; date: string; distance: number; movingTime: number } | null;
}

const EMPTY: Totals = { count: 0, distance: 0, movingTime: 0, elevationGain: 0 };

/** This year's and all-time totals of one sport filter, and its longest activity. Pace or speed is distance ÷ time. */
export async function sportFigures(db: Queryable, athleteId: number, filter: SportFilter, yearStart: string, until: string): Promise<SportFigures> {
  const sport = sportCondition(filter, '$4');
  const [totals, longest] = await Promise.all([
    db.query<Totals & { period: 'year' | 'all' }>(
      `select p.period, count(*)::integer as count, coalesce(sum(distance), 0)::float8 as distance,
              coalesce(sum(moving_time), 0)::float8 as "movingTime", coalesce(sum(total_elevation_gain), 0)::float8 as "elevationGain"
       from (values ('year', $2::timestamp), ('all', '-infinity'::timestamp)) as p(period, since)
       join activities on athlete_id = $1::bigint and start_date_local >= p.since and ${startedBy('$3')} and ${sport.sql}
       group by p.period`,
      [athleteId, `${yearStart}T00:00:00`, until, sport.value],
    ),
    db.query<{ id: number; name: string; date: string; distance: number; movingTime: number }>(
      `select id, name, to_char(start_date_local, 'YYYY-MM-DD') as date, distance, moving_time as "movingTime"
       from activities where athlete_id = $1::bigint and distance > 0 and ${startedBy('$2')} and ${sport.sql.replaceAll('$4', '$3')}
       order by distance desc, start_date desc limit 1`,
      [athleteId, until, sport.value],
    ),
  ]);
  const of = (period: 'year' | 'all'): Totals => {
    const row = totals.rows.find((r) => r.period === period);
    return row ? { count: row.count, distance: row.distance, movingTime: row.movingTime, elevationGain: row.elevationGain } : { ...EMPTY };
  };
  const top = longest.rows[0];
  return { year: of('year'), all: of('all'), longest: top ? { ...top, id: Number(top.id) } : null };
}

export type CumulativeMetric = 'distance' | 'movingTime';

export interface YearLine {
  year: number;
  /** Running total at the end of each day of the year: index 0 is 1 January. The current year stops at today. */
  cumulative: number[];
}

/** Days of the year in local calendar terms: 1 January is day 1, 31 December day 365 or 366. */
export const daysIn = (year: number) => (isLeapYear(year) ? 366 : 365);

/**
 * This year and up to `earlier` years before it: the total by each day of the year, run up from the per-day sums of
 * `dailyVolume` (which the calendar reads too, so the page asks for them once).
 */
export function yearOverYear(
  days: readonly CalendarDay[],
  options: { metric: CumulativeMetric; year: number; dayOfYear: number; earlier?: number },
): YearLine[] {
  const perDay = days.map((d) => ({
    year: Number(d.date.slice(0, 4)),
    day: dayOfYear(d.date),
    total: options.metric === 'distance' ? d.distance : d.movingTime,
  }));
  return cumulate(perDay, options.year, options.dayOfYear, options.earlier ?? 5);
}

/** The first day `yearOverYear` reads: 1 January of the earliest year it compares. */
export const yearOverYearStart = (year: number, earlier = 5) => `${year - earlier}-01-01`;

/** Running totals from per-day sums; years with nothing at all are left out, except this year. */
export function cumulate(rows: readonly { year: number; day: number; total: number }[], year: number, dayOfYear: number, earlier: number): YearLine[] {
  const lines: YearLine[] = [];
  for (let y = year - earlier; y <= year; y++) {
    const days = rows.filter((r) => r.year === y);
    if (days.length === 0 && y !== year) continue;
    const length = y === year ? dayOfYear : daysIn(y);
    const perDay = new Array<number>(length).fill(0);
    for (const d of days) if (d.day >= 1 && d.day <= length) perDay[d.day - 1]! += d.total;
    let sum = 0;
    lines.push({ year: y, cumulative: perDay.map((v) => (sum += v)) });
  }
  return lines;
}

export interface CalendarDay {
  /** "YYYY-MM-DD" local. */
  date: string;
  distance: number;
  movingTime: number;
  count: number;
}

/** Weeks the training calendar shows: a year, ending with the current week. */
export const CALENDAR_WEEKS = 53;

export function calendarStart(today: string): string {
  return addDays(weekStart(today), -7 * (CALENDAR_WEEKS - 1));
}

/** Distance, moving time and activity count per local day from `from` to now (days without activities are left out). */
export async function dailyVolume(db: Queryable, athleteId: number, filter: SportFilter, from: string, until: string): Promise<CalendarDay[]> {
  const sport = sportCondition(filter, '$4');
  const { rows } = await db.query<CalendarDay>(
    `select start_date_local::date::text as date, sum(distance)::float8 as distance, sum(moving_time)::float8 as "movingTime", count(*)::integer as count
     from activities
     where athlete_id = $1::bigint and start_date_local >= $2::timestamp and ${startedBy('$3')} and ${sport.sql}
     group by 1 order by 1`,
    [athleteId, `${from}T00:00:00`, until, sport.value],
  );
  return rows;
}

/** Totals of this year per sport group: what yearly goals are measured against. */
export async function yearTotalsByGroup(db: Queryable, athleteId: number, yearStart: string, until: string): Promise<Map<SportFilter, Totals>> {
  const { rows } = await db.query<Totals & { sportType: string }>(
    `select sport_type as "sportType", count(*)::integer as count, sum(distance)::float8 as distance,
            sum(moving_time)::float8 as "movingTime", sum(total_elevation_gain)::float8 as "elevationGain"
     from activities where athlete_id = $1::bigint and start_date_local >= $2::timestamp and ${startedBy('$3')}
     group by 1`,
    [athleteId, `${yearStart}T00:00:00`, until],
  );
  const out = new Map<SportFilter, Totals>(SPORT_FILTERS.map((f) => [f, { ...EMPTY }]));
  for (const row of rows) {
    for (const filter of SPORT_FILTERS) {
      if (!inFilter(filter, row.sportType)) continue;
      const t = out.get(filter)!;
      t.count += row.count;
      t.distance += row.distance;
      t.movingTime += row.movingTime;
      t.elevationGain += row.elevationGain;
    }
  }
  return out;
}
