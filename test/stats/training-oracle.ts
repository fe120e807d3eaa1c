// The training figures computed the slow obvious way, from every row loaded into memory: the tests' cross-check and the benchmark's baseline.
import type { TrainingFigures } from '../../app/routes/training.js';
import { yoyMetricOf } from '../../app/routes/training.js';
import type { Queryable } from '../../shared/db/types.js';
import { SHORTEST } from '../../shared/efforts/distances.js';
import { sportOfType, type BestEffort, type YearBest } from '../../shared/efforts/index.js';
import type { GearItem } from '../../shared/gear/index.js';
import type { Goal } from '../../shared/goals/index.js';
import { addDays, type LocalNow } from '../../shared/stats/calendar.js';
import type { MemoryActivity } from './oracle.js';
import { calendarStart, cumulate, inFilter, SPORT_FILTERS, type CalendarDay, type SportFilter, type Totals } from '../../shared/stats/training.js';

/** A row as the statistics oracle loads it, with the training sections' own fields. */
export interface OracleActivity extends Omit<MemoryActivity, 'totalElevationGain'> {
  elevationGain: number;
  manual: boolean;
  gearId: string | null;
}

export interface OracleData {
  activities: OracleActivity[];
  efforts: { activityId: number; effort: string; elapsedTime: number; startDateLocal: string }[];
  scanned: Set<number>;
  gear: Omit<GearItem, 'count' | 'distance' | 'movingTime' | 'wear'>[];
  goals: Goal[];
}

/** Every row of the athlete the training views read, as a page without SQL aggregates would start. */
export async function loadEverything(db: Queryable, athleteId: number): Promise<OracleData> {
  const [activities, efforts, scans, gear, goals] = await Promise.all([
    db.query<OracleActivity>(
      `select id, name, sport_type as "sportType", to_char(start_date_local, 'YYYY-MM-DD"T"HH24:MI:SS') as "startDateLocal",
              start_date as "startDate", distance, moving_time as "movingTime", total_elevation_gain as "elevationGain", manual,
              raw->>'gear_id' as "gearId"
       from activities where athlete_id = $1::bigint`,
      [athleteId],
    ),
    db.query<OracleData['efforts'][number]>(
      `select activity_id as "activityId", effort, elapsed_time as "elapsedTime", to_char(start_date_local, 'YYYY-MM-DD"T"HH24:MI:SS') as "startDateLocal"
       from best_efforts where athlete_id = $1::bigint`,
      [athleteId],
    ),
    db.query<{ id: number }>('select activity_id as id from effort_scans where athlete_id = $1::bigint', [athleteId]),
    db.query<OracleData['gear'][number]>(
      `select id, kind, name, is_primary as primary, retired, strava_distance as "stravaDistance", replace_at as "replaceAt" from gear where athlete_id = $1::bigint`,
      [athleteId],
    ),
    db.query<Goal>('select sport_group as "sportGroup", metric, target from goals where athlete_id = $1::bigint', [athleteId]),
  ]);
  return {
    activities: activities.rows.map((a) => ({ ...a, id: Number(a.id) })),
    efforts: efforts.rows.map((e) => ({ ...e, activityId: Number(e.activityId) })),
    scanned: new Set(scans.rows.map((r) => Number(r.id))),
    gear: gear.rows,
    goals: goals.rows,
  };
}

const startedBy = (a: OracleActivity, until: string) =>
  a.startDateLocal <= until || (a.startDateLocal.slice(11) === '00:00:01' && a.startDateLocal.slice(0, 10) <= until.slice(0, 10));

function totalsOf(list: readonly OracleActivity[]): Totals {
  return list.reduce(
    (t, a) => ({
      count: t.count + 1,
      distance: t.distance + a.distance,
      movingTime: t.movingTime + a.movingTime,
      elevationGain: t.elevationGain + a.elevationGain,
    }),
    { count: 0, distance: 0, movingTime: 0, elevationGain: 0 },
  );
}

const dayOfYear = (date: string) => Math.round((Date.parse(`${date.slice(0, 10)}T00:00:00Z`) - Date.UTC(Number(date.slice(0, 4)), 0, 1)) / 86_400_000) + 1;

export function computeTrainingFigures(data: OracleData, filter: SportFilter, now: LocalNow): TrainingFigures {
  const until = now.wallClock;
  const yearStart = `${now.year}-01-01T00:00:00`;
  const past = data.activities.filter((a) => startedBy(a, until));
  const mine = past.filter((a) => inFilter(filter, a.sportType));

  let sport: TrainingFigures['sport'] = null;
  if (filter !== 'all') {
    let longest: OracleActivity | undefined;
    for (const a of mine) {
      if (a.distance <= 0) continue;
      if (!longest || a.distance > longest.distance || (a.distance === longest.distance && a.startDate > longest.startDate)) longest = a;
    }
    sport = {
      year: totalsOf(mine.filter((a) => a.startDateLocal >= yearStart)),
      all: totalsOf(mine),
      longest: longest
        ? { id: longest.id, name: longest.name, date: longest.startDateLocal.slice(0, 10), distance: longest.distance, movingTime: longest.movingTime }
        : null,
    };
  }

  const yoyMetric = yoyMetricOf(filter);
  const perDay = new Map<string, { year: number; day: number; total: number }>();
  for (const a of mine) {
    const year = Number(a.startDateLocal.slice(0, 4));
    if (year < now.year - 5) continue;
    const key = a.startDateLocal.slice(0, 10);
    const entry = perDay.get(key) ?? { year, day: dayOfYear(key), total: 0 };
    entry.total += yoyMetric === 'distance' ? a.distance : a.movingTime;
    perDay.set(key, entry);
  }
  const yoy = cumulate([...perDay.values()], now.year, now.dayOfYear, 5);

  const calendarFrom = calendarStart(now.today);
  const byDay = new Map<string, CalendarDay>();
  for (const a of mine) {
    const date = a.startDateLocal.slice(0, 10);
    if (date < calendarFrom) continue;
    const entry = byDay.get(date) ?? { date, distance: 0, movingTime: 0, count: 0 };
    entry.distance += a.distance;
    entry.movingTime += a.movingTime;
    entry.count++;
    byDay.set(date, entry);
  }
  const days = [...byDay.values()].sort((a, b) => (a.date < b.date ? -1 : 1));

  const thisYear = past.filter((a) => a.startDateLocal >= yearStart);
  const groupTotals = new Map<SportFilter, Totals>(SPORT_FILTERS.map((f) => [f, totalsOf(thisYear.filter((a) => inFilter(f, a.sportType)))]));

  const byId = new Map(data.activities.map((a) => [a.id, a]));
  // Fastest first; on a tie the earlier start, then the lower id (as the SQL orders them).
  const before = (e: { elapsedTime: number; local: string; activityId: number }, old: typeof e | undefined) =>
    !old ||
    e.elapsedTime < old.elapsedTime ||
    (e.elapsedTime === old.elapsedTime && (e.local < old.local || (e.local === old.local && e.activityId < old.activityId)));
  const bests = new Map<string, BestEffort & { local: string }>();
  const yearBests = new Map<string, YearBest & { local: string; activityId: number }>();
  for (const e of data.efforts) {
    const a = byId.get(e.activityId)!;
    const candidate = { elapsedTime: e.elapsedTime, local: e.startDateLocal, activityId: e.activityId };
    if (before(candidate, bests.get(e.effort))) {
      bests.set(e.effort, {
        effort: e.effort,
        elapsedTime: e.elapsedTime,
        activityId: e.activityId,
        activityName: a.name,
        date: e.startDateLocal.slice(0, 10),
        local: e.startDateLocal,
      });
    }
    const key = `${e.effort}|${e.startDateLocal.slice(0, 4)}`;
    if (before(candidate, yearBests.get(key))) {
      yearBests.set(key, {
        effort: e.effort,
        year: Number(e.startDateLocal.slice(0, 4)),
        elapsedTime: e.elapsedTime,
        local: e.startDateLocal,
        activityId: e.activityId,
      });
    }
  }

  const eligible = data.activities.filter((a) => {
    const s = sportOfType(a.sportType);
    return s !== undefined && !a.manual && a.distance >= SHORTEST[s];
  });
  const count = (s: 'run' | 'ride') => {
    const list = eligible.filter((a) => sportOfType(a.sportType) === s);
    return { searched: list.filter((a) => data.scanned.has(a.id)).length, total: list.length };
  };

  const gear: GearItem[] = data.gear.map((g) => {
    const used = data.activities.filter((a) => a.gearId === g.id);
    const distance = used.reduce((s, a) => s + a.distance, 0);
    return { ...g, count: used.length, distance, movingTime: used.reduce((s, a) => s + a.movingTime, 0), wear: Math.max(g.stravaDistance, distance) };
  });
  gear.sort(
    (a, b) =>
      Number(a.retired) - Number(b.retired) ||
      (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) ||
      Number(b.primary) - Number(a.primary) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );

  return {
    now,
    filter,
    sport,
    yoyMetric,
    yoy,
    days,
    calendarFrom,
    groupTotals,
    goals: [...data.goals].sort((a, b) => SPORT_FILTERS.indexOf(a.sportGroup) - SPORT_FILTERS.indexOf(b.sportGroup)),
    bests: [...bests.values()].map(({ local: _local, ...rest }) => rest).sort((a, b) => (a.effort < b.effort ? -1 : 1)),
    bestsByYear: [...yearBests.values()]
      .map(({ local: _local, activityId: _id, ...rest }) => rest)
      .sort((a, b) => (a.effort < b.effort ? -1 : a.effort > b.effort ? 1 : a.year - b.year)),
    progress: { runs: count('run'), rides: count('ride') },
    gear,
  };
}

/** Days as the calendar shows them, for tests: "YYYY-MM-DD" from a start and a count. */
export const daysFrom = (from: string, n: number) => Array.from({ length: n }, (_, i) => addDays(from, i));
