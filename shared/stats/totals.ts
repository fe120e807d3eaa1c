// Totals by sport for this week, month, year and all time, computed in SQL on the athlete's local calendar.
import type { Queryable } from '../db/index.js';

export type Period = 'week' | 'month' | 'year' | 'all';
export const PERIODS: readonly Period[] = ['week', 'month', 'year', 'all'];

export interface SportTotals {
  sportType: string;
  count: number;
  distance: number;
  movingTime: number;
  elevationGain: number;
}

export type TotalsByPeriod = Record<Period, SportTotals[]>;

/** "(GMT+01:00) Europe/Berlin" → "Europe/Berlin", if the runtime knows the zone. */
export function ianaZone(stravaTimezone: string | null | undefined): string {
  const name = stravaTimezone?.replace(/^\([^)]*\)\s*/, '').trim();
  if (!name) return 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return name;
  } catch {
    return 'UTC';
  }
}

/** The zone of the athlete's latest activity: where "this week" is for them. */
export async function athleteTimeZone(db: Queryable, athleteId: number): Promise<string> {
  const { rows } = await db.query<{ timezone: string | null }>(
    'select timezone from activities where athlete_id = $1::bigint order by start_date desc limit 1',
    [athleteId],
  );
  return ianaZone(rows[0]?.timezone);
}

export async function totalsByPeriod(db: Queryable, athleteId: number, now: Date, timeZone: string): Promise<TotalsByPeriod> {
  // Weeks start on Monday (ISO), months and years on the athlete's local calendar.
  const { rows } = await db.query<SportTotals & { period: Period }>(
    `with local_now as (select ($2::timestamptz at time zone $3::text) as t)
     select p.period, a.sport_type as "sportType", count(*)::integer as count,
            coalesce(sum(a.distance), 0)::float8 as distance,
            coalesce(sum(a.moving_time), 0)::float8 as "movingTime",
            coalesce(sum(a.total_elevation_gain), 0)::float8 as "elevationGain"
     from local_now
     cross join lateral (values
       ('week', date_trunc('week', local_now.t)),
       ('month', date_trunc('month', local_now.t)),
       ('year', date_trunc('year', local_now.t)),
       ('all', '-infinity'::timestamp)
     ) as p(period, since)
     join activities a on a.athlete_id = $1::bigint and a.start_date_local >= p.since and a.start_date_local <= local_now.t
     group by p.period, a.sport_type
     order by p.period, count(*) desc, a.sport_type`,
    [athleteId, now, timeZone],
  );
  const totals: TotalsByPeriod = { week: [], month: [], year: [], all: [] };
  for (const { period, ...row } of rows) totals[period].push(row);
  return totals;
}
