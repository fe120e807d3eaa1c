// The same statistics computed by loading every activity into memory: the benchmark's baseline and the tests' cross-check.
import type { Queryable } from '../../shared/db/types.js';
import type { Units } from '../../shared/units.js';
import { addDays, localNow, weekStart } from '../../shared/stats/calendar.js';
import { chartStart, mergeGroups, unitLength, type ActivityRef, type ResultsStats } from '../../shared/stats/results.js';
import { RIDE_TYPES, RUN_TYPES } from '../../shared/stats/sports.js';
import type { Period, SportTotals, TotalsByPeriod } from '../../shared/stats/totals.js';

export interface MemoryActivity {
  id: number;
  name: string;
  sportType: string;
  /** "YYYY-MM-DDTHH:MM:SS" local wall-clock time. */
  startDateLocal: string;
  startDate: Date;
  distance: number;
  movingTime: number;
  totalElevationGain: number;
}

/** Every activity of the athlete, the way a page without aggregates in SQL would start. */
export async function loadAllActivities(db: Queryable, athleteId: number): Promise<MemoryActivity[]> {
  const { rows } = await db.query<MemoryActivity>(
    `select id, name, sport_type as "sportType", to_char(start_date_local, 'YYYY-MM-DD"T"HH24:MI:SS') as "startDateLocal",
            start_date as "startDate", distance, moving_time as "movingTime", total_elevation_gain as "totalElevationGain"
     from activities where athlete_id = $1::bigint`,
    [athleteId],
  );
  return rows;
}

export function eddingtonOf(activities: readonly MemoryActivity[], sportTypes: readonly string[], unitMeters: number): number {
  const days = new Map<string, number>();
  for (const a of activities) {
    if (!sportTypes.includes(a.sportType)) continue;
    const day = a.startDateLocal.slice(0, 10);
    days.set(day, (days.get(day) ?? 0) + a.distance / unitMeters);
  }
  const sorted = [...days.values()].sort((x, y) => y - x);
  let e = 0;
  while (e < sorted.length && sorted[e]! >= e + 1) e++;
  return e;
}

export function streaksOf(activities: readonly MemoryActivity[], today: string): ResultsStats['streaks'] {
  const days = [...new Set(activities.map((a) => a.startDateLocal.slice(0, 10)))].sort();
  const runs: { first: string; last: string; len: number }[] = [];
  for (const day of days) {
    const run = runs.at(-1);
    if (run && addDays(run.last, 1) === day) {
      run.last = day;
      run.len++;
    } else runs.push({ first: day, last: day, len: 1 });
  }
  let longest: (typeof runs)[number] | undefined;
  for (const run of runs) if (!longest || run.len > longest.len || (run.len === longest.len && run.last > longest.last)) longest = run;
  const yesterday = addDays(today, -1);
  const current = runs.find((run) => run.last === today || run.last === yesterday);
  return { current: current?.len ?? 0, longest: longest?.len ?? 0, longestFrom: longest?.first ?? null, longestTo: longest?.last ?? null };
}

function top(activities: readonly MemoryActivity[], pick: (a: MemoryActivity) => number): ActivityRef | null {
  let best: MemoryActivity | undefined;
  for (const a of activities) {
    if (pick(a) <= 0) continue;
    if (!best || pick(a) > pick(best) || (pick(a) === pick(best) && a.startDate > best.startDate)) best = a;
  }
  return best
    ? {
        id: best.id,
        name: best.name,
        sportType: best.sportType,
        startDateLocal: best.startDateLocal,
        distance: best.distance,
        movingTime: best.movingTime,
        elevationGain: best.totalElevationGain,
      }
    : null;
}

function totals(activities: readonly MemoryActivity[], from: string, until: string): SportTotals[] {
  const bySport = new Map<string, SportTotals>();
  for (const a of activities) {
    if (a.startDateLocal < from || a.startDateLocal > until) continue;
    const row = bySport.get(a.sportType) ?? { sportType: a.sportType, count: 0, distance: 0, movingTime: 0, elevationGain: 0 };
    row.count++;
    row.distance += a.distance;
    row.movingTime += a.movingTime;
    row.elevationGain += a.totalElevationGain;
    bySport.set(a.sportType, row);
  }
  return [...bySport.values()].sort((x, y) => y.count - x.count || (x.sportType < y.sportType ? -1 : 1));
}

export function computeResultsStats(activities: readonly MemoryActivity[], now: Date, timeZone: string, units: Units): ResultsStats {
  const local = localNow(now, timeZone);
  const until = local.wallClock;
  const past = activities.filter((a) => a.startDateLocal <= until);
  const since: Record<Period, string> = {
    week: `${weekStart(local.today)}T00:00:00`,
    month: `${local.today.slice(0, 8)}01T00:00:00`,
    year: `${local.year}-01-01T00:00:00`,
    all: '',
  };
  const byPeriod = Object.fromEntries((Object.keys(since) as Period[]).map((period) => [period, totals(past, since[period], until)])) as TotalsByPeriod;

  const weeks = new Map<string, { count: number; movingTime: number; distance: number }>();
  for (const a of past) {
    const week = weekStart(a.startDateLocal.slice(0, 10));
    const entry = weeks.get(week) ?? { count: 0, movingTime: 0, distance: 0 };
    entry.count++;
    entry.movingTime += a.movingTime;
    entry.distance += a.distance;
    weeks.set(week, entry);
  }
  let best: ResultsStats['bestWeek'] = null;
  for (const [week, entry] of weeks) {
    if (!best || entry.movingTime > best.movingTime || (entry.movingTime === best.movingTime && week > best.weekStart)) {
      best = { weekStart: week, ...entry };
    }
  }

  const from = chartStart(local.today);
  const weekly = mergeGroups(
    past
      .filter((a) => a.startDateLocal >= `${from}T00:00:00`)
      .map((a) => ({ weekStart: weekStart(a.startDateLocal.slice(0, 10)), sportType: a.sportType, movingTime: a.movingTime, distance: a.distance })),
  );
  const unit = unitLength(units);
  return {
    now: local,
    totals: byPeriod,
    eddington: { ride: eddingtonOf(past, RIDE_TYPES, unit), run: eddingtonOf(past, RUN_TYPES, unit) },
    longest: top(past, (a) => a.distance),
    biggestClimb: top(past, (a) => a.totalElevationGain),
    streaks: streaksOf(past, local.today),
    bestWeek: best,
    weekly,
    weeklyFrom: from,
  };
}
