// best_efforts and effort_scans: saving what one activity holds, and the bests, their history and progress for a page.
import type { Queryable } from '../db/index.js';
import { RIDE_TYPES, RUN_TYPES } from '../stats/index.js';
import type { Effort } from './compute.js';
import { EFFORT_DISTANCES, SHORTEST, type EffortSport } from './distances.js';

export type ScanSource = 'strava' | 'streams' | 'none';

export const sportOfType = (sportType: string): EffortSport | undefined =>
  RUN_TYPES.includes(sportType) ? 'run' : RIDE_TYPES.includes(sportType) ? 'ride' : undefined;

/**
 * Activities that can hold a best effort: runs and rides long enough for the shortest distance, recorded rather than
 * typed in (a manual entry has no streams). $1 is the athlete; the caller names the activities table `a`.
 */
export const ELIGIBLE = `a.athlete_id = $1::bigint and not a.manual and (
  (a.sport_type = any('{${RUN_TYPES.join(',')}}'::text[]) and a.distance >= ${SHORTEST.run}) or
  (a.sport_type = any('{${RIDE_TYPES.join(',')}}'::text[]) and a.distance >= ${SHORTEST.ride}))`;

/**
 * Replaces what is known of one activity's efforts and marks it searched, in one statement each on the caller's
 * transaction. Strava's own efforts are never replaced by ones computed from streams.
 */
export async function saveActivityEfforts(
  db: Queryable,
  athleteId: number,
  activityId: number,
  efforts: readonly Effort[],
  source: ScanSource,
): Promise<boolean> {
  if (source === 'streams') {
    const { rows } = await db.query('select 1 from effort_scans where activity_id = $1::bigint and source = $2::text', [activityId, 'strava']);
    if (rows.length > 0) return false;
  }
  await db.query('delete from best_efforts where activity_id = $1::bigint and athlete_id = $2::bigint', [activityId, athleteId]);
  if (efforts.length > 0 && source !== 'none') {
    await db.query(
      `insert into best_efforts (activity_id, athlete_id, effort, elapsed_time, start_date_local, source)
       select a.id, a.athlete_id, e.effort, e.elapsed_time, a.start_date_local, $5::text
       from activities a cross join unnest($3::text[], $4::integer[]) as e(effort, elapsed_time)
       where a.id = $1::bigint and a.athlete_id = $2::bigint
       on conflict (activity_id, effort) do update set elapsed_time = excluded.elapsed_time, source = excluded.source`,
      [activityId, athleteId, efforts.map((e) => e.effort), efforts.map((e) => e.elapsedTime), source],
    );
  }
  // Only for an activity that is still there and still the athlete's (it may have been deleted meanwhile).
  const { rowCount } = await db.query(
    `insert into effort_scans (activity_id, athlete_id, source)
     select id, athlete_id, $3::text from activities where id = $1::bigint and athlete_id = $2::bigint
     on conflict (activity_id) do update set source = excluded.source, scanned_at = now()`,
    [activityId, athleteId, source],
  );
  return (rowCount ?? 0) > 0;
}

export interface BestEffort {
  effort: string;
  elapsedTime: number;
  activityId: number;
  activityName: string;
  /** "YYYY-MM-DD" local. */
  date: string;
}

/**
 * The fastest effort per distance; on a tie the earlier one, as it was set first. One index probe per distance (the
 * index is ordered exactly so), however many efforts the history holds.
 */
export async function bestEfforts(db: Queryable, athleteId: number): Promise<BestEffort[]> {
  const { rows } = await db.query<BestEffort>(
    `select k.effort, b.elapsed_time as "elapsedTime", b.activity_id as "activityId", a.name as "activityName",
            to_char(b.start_date_local, 'YYYY-MM-DD') as date
     from unnest($2::text[]) as k(effort)
     cross join lateral (
       select elapsed_time, activity_id, start_date_local from best_efforts
       where athlete_id = $1::bigint and effort = k.effort
       order by elapsed_time, start_date_local, activity_id limit 1
     ) b
     join activities a on a.id = b.activity_id
     order by k.effort`,
    [athleteId, EFFORT_DISTANCES.map((d) => d.key)],
  );
  return rows.map((r) => ({ ...r, activityId: Number(r.activityId) }));
}

export interface YearBest {
  effort: string;
  year: number;
  elapsedTime: number;
}

/**
 * The fastest time per distance in each local calendar year: how each best has moved over the years. Read from the
 * index alone (effort, time and date are all in it).
 */
export async function bestEffortsByYear(db: Queryable, athleteId: number): Promise<YearBest[]> {
  const { rows } = await db.query<YearBest>(
    `select effort, date_part('year', start_date_local)::integer as year, min(elapsed_time)::integer as "elapsedTime"
     from best_efforts where athlete_id = $1::bigint
     group by 1, 2 order by 1, 2`,
    [athleteId],
  );
  return rows;
}

export interface EnrichmentProgress {
  runs: { searched: number; total: number };
  rides: { searched: number; total: number };
}

/** How many of the athlete's runs and rides have been searched for best efforts so far. */
export async function enrichmentProgress(db: Queryable, athleteId: number): Promise<EnrichmentProgress> {
  const { rows } = await db.query<{ sport: EffortSport; total: number; searched: number }>(
    `select case when a.sport_type = any('{${RUN_TYPES.join(',')}}'::text[]) then 'run' else 'ride' end as sport,
            count(*)::integer as total, count(s.activity_id)::integer as searched
     from activities a left join effort_scans s on s.activity_id = a.id
     where ${ELIGIBLE}
     group by 1`,
    [athleteId],
  );
  const of = (sport: EffortSport) => rows.find((r) => r.sport === sport) ?? { searched: 0, total: 0 };
  return { runs: { searched: of('run').searched, total: of('run').total }, rides: { searched: of('ride').searched, total: of('ride').total } };
}
