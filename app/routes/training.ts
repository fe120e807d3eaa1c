// The training views (sport switch, per-sport figures, best efforts, goals, year over year, calendar, gear) and their settings forms.
import { Hono, type Context } from 'hono';
import type { Queryable } from '../../shared/db/index.js';
import {
  bestEfforts,
  bestEffortsByYear,
  EFFORT_DISTANCES,
  enrichmentProgress,
  type BestEffort,
  type EnrichmentProgress,
  type YearBest,
} from '../../shared/efforts/index.js';
import { canListGear, listGear, needsReminder, saveProfileGear, setReplaceAt, type GearItem } from '../../shared/gear/index.js';
import { GOAL_METRICS, goalProgress, listGoals, measureOf, setGoal, type Goal, type GoalMetric } from '../../shared/goals/index.js';
import { dayOfYear, type LocalNow } from '../../shared/stats/index.js';
import { GROUP_COLOURS } from '../../shared/stats/index.js';
import { heatGrid, seriesChart, yearLinesChart } from '../../shared/stats/index.js';
import {
  CALENDAR_WEEKS,
  calendarStart,
  dailyVolume,
  SPORT_FILTERS,
  sportFigures,
  yearOverYear,
  yearOverYearStart,
  yearTotalsByGroup,
  type CalendarDay,
  type CumulativeMetric,
  type SportFigures,
  type SportFilter,
  type Totals,
  type YearLine,
} from '../../shared/stats/index.js';
import { getAccessToken } from '../../shared/tokens/index.js';
import { FEET_PER_METER, METERS_PER_MILE } from '../../shared/units.js';
import type { AppEnv } from '../env.js';
import { requireAthlete, requireCsrf } from '../session.js';
import type { Viewer } from '../viewer.js';
import { viewerOf } from '../viewer.js';

/** Everything the training views show, as numbers: from SQL here, or from all activities in memory (the benchmark's baseline). */
export interface TrainingFigures {
  now: LocalNow;
  filter: SportFilter;
  /** The chosen sport's own figures; none for all sports (the page above already has them). */
  sport: SportFigures | null;
  yoyMetric: CumulativeMetric;
  yoy: YearLine[];
  days: CalendarDay[];
  calendarFrom: string;
  groupTotals: Map<SportFilter, Totals>;
  goals: Goal[];
  bests: BestEffort[];
  bestsByYear: YearBest[];
  progress: EnrichmentProgress;
  gear: GearItem[];
}

/** Distance reads across one sport; across all sports (or the odd mix in "other") time is what adds up. */
export const yoyMetricOf = (filter: SportFilter): CumulativeMetric => (filter === 'all' || filter === 'other' ? 'movingTime' : 'distance');

export async function loadTrainingFigures(db: Queryable, athleteId: number, filter: SportFilter, now: LocalNow): Promise<TrainingFigures> {
  const until = now.wallClock;
  const yearStart = `${now.year}-01-01`;
  const calendarFrom = calendarStart(now.today);
  const yoyMetric = yoyMetricOf(filter);
  // One read of the days serves both the year-over-year lines and the calendar.
  const firstDay = [yearOverYearStart(now.year), calendarFrom].sort()[0]!;
  const [sport, daily, groupTotals, goals, bests, bestsByYear, progress, gear] = await Promise.all([
    filter === 'all' ? null : sportFigures(db, athleteId, filter, yearStart, until),
    dailyVolume(db, athleteId, filter, firstDay, until),
    yearTotalsByGroup(db, athleteId, yearStart, until),
    listGoals(db, athleteId),
    bestEfforts(db, athleteId),
    bestEffortsByYear(db, athleteId),
    enrichmentProgress(db, athleteId),
    listGear(db, athleteId),
  ]);
  const yoy = yearOverYear(daily, { metric: yoyMetric, year: now.year, dayOfYear: now.dayOfYear });
  const days = daily.filter((d) => d.date >= calendarFrom);
  return { now, filter, sport, yoyMetric, yoy, days, calendarFrom, groupTotals, goals, bests, bestsByYear, progress, gear };
}

/** A sport group's word in the reader's language. */
export function filterLabel(viewer: Pick<Viewer, 't'>, filter: SportFilter): string {
  const { t } = viewer;
  return { all: t.allSports, ride: t.groupRide, run: t.groupRun, swim: t.groupSwim, walk: t.groupWalk, other: t.groupOther }[filter];
}

/** A sport type that stands for the group when formatting pace or speed: pace for runs and walks, per 100 m for swims. */
const REPRESENTATIVE: Record<SportFilter, string> = { all: 'Workout', run: 'Run', ride: 'Ride', swim: 'Swim', walk: 'Walk', other: 'Workout' };

function measure(viewer: Viewer, metric: GoalMetric, value: number): string {
  const { fmt } = viewer;
  return metric === 'distance' ? fmt.distance(value) : metric === 'time' ? fmt.hours(value) : fmt.elevation(value);
}

/** A month's short name ("Jan", "янв."): the day is dropped from the short date. */
const monthName = (viewer: Viewer, date: string) => viewer.fmt.shortDate(date).replace(/^\d+\s*/, '');

function monthTicks(viewer: Viewer, year: number) {
  return [0, 3, 6, 9].map((m) => {
    const date = `${year}-${String(m + 1).padStart(2, '0')}-01`;
    return { day: dayOfYear(date), label: monthName(viewer, date) };
  });
}

function effortsView(f: TrainingFigures, viewer: Viewer) {
  const { t, fmt } = viewer;
  const sports = f.filter === 'all' ? (['run', 'ride'] as const) : f.filter === 'run' || f.filter === 'ride' ? ([f.filter] as const) : ([] as const);
  if (sports.length === 0) return null;
  const byKey = new Map(f.bests.map((b) => [b.effort, b]));
  const groups = sports.map((sport) => {
    const rows = EFFORT_DISTANCES.filter((d) => d.sport === sport)
      .map((d) => {
        const best = byKey.get(d.key);
        if (!best) return null;
        return {
          key: d.key,
          name: t.effortNames[d.key] ?? d.key,
          time: fmt.duration(best.elapsedTime),
          pace: fmt.paceOrSpeed(sport === 'run' ? 'Run' : 'Ride', d.meters, best.elapsedTime),
          date: fmt.date(best.date),
          activityId: best.activityId,
          activityName: best.activityName,
        };
      })
      .filter((row) => row !== null);
    const progress = sport === 'run' ? f.progress.runs : f.progress.rides;
    return {
      sport,
      heading: sport === 'run' ? t.groupRun : t.groupRide,
      paceHeading: sport === 'run' ? t.chartPace : t.chartSpeed,
      rows,
      chart: bestsChart(
        rows.map((r) => r.key),
        f,
        byKey,
        viewer,
      ),
      none: sport === 'run' ? t.bestEffortsRunsNone : t.bestEffortsRidesNone,
      progress:
        progress.total > 0 && progress.searched < progress.total
          ? t.bestEffortsProgress(fmt.number(progress.searched), fmt.number(progress.total), sport === 'run')
          : '',
    };
  });
  return { groups, any: groups.some((g) => g.rows.length > 0) };
}

/** Colours told apart with colour-blind eyes too; a sport has at most seven distances. */
const EFFORT_PALETTE = ['#e69f00', '#0072b2', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#000000'];

/** Years the bests chart goes back: enough to see a trend, few enough to read each year's dot on a phone. */
const BESTS_CHART_YEARS = 10;

/**
 * One sport's distances, each one's best per year (of the last ten) as a share of its all-time best, so different
 * distances share a scale; none until there are two years to compare.
 */
function bestsChart(keys: readonly string[], f: TrainingFigures, byKey: ReadonlyMap<string, BestEffort>, viewer: Viewer) {
  const { t, fmt } = viewer;
  const mine = f.bestsByYear.filter((b) => keys.includes(b.effort) && b.year > f.now.year - BESTS_CHART_YEARS);
  const years = [...new Set(mine.map((b) => b.year))].sort((a, b) => a - b);
  if (years.length < 2 || keys.length === 0) return null;
  const series = keys.map((key, i) => {
    const allTime = byKey.get(key)!.elapsedTime;
    const name = t.effortNames[key] ?? key;
    return {
      label: name,
      stroke: EFFORT_PALETTE[i % EFFORT_PALETTE.length]!,
      points: mine
        .filter((b) => b.effort === key)
        .sort((a, b) => a.year - b.year)
        .map((b) => ({ x: b.year, value: (allTime / b.elapsedTime) * 100, title: `${name} ${b.year}: ${fmt.duration(b.elapsedTime)}` })),
    };
  });
  const lowest = Math.min(100, ...series.flatMap((s) => s.points.map((p) => p.value)));
  return seriesChart(series, { height: 200, xs: years, minY: Math.max(0, Math.floor(lowest / 10) * 10), maxY: 100, formatY: (v) => `${fmt.number(v, 0)}%` });
}

function goalsView(f: TrainingFigures, viewer: Viewer) {
  const { t, fmt } = viewer;
  const goals = f.goals.filter((g) => f.filter === 'all' || g.sportGroup === f.filter);
  return {
    heading: t.goalsHeading(f.now.year),
    any: f.goals.length > 0,
    items: goals.map((goal) => {
      const done = measureOf(f.groupTotals.get(goal.sportGroup)!, goal.metric);
      const p = goalProgress(goal, done, f.now);
      return {
        sport: filterLabel(viewer, goal.sportGroup),
        done: t.goalDone(measure(viewer, goal.metric, p.done), measure(viewer, goal.metric, p.target)),
        percent: fmt.number(Math.min(999, p.fraction * 100), 0),
        bar: Math.min(100, Math.round(p.fraction * 1000) / 10),
        marker: Math.min(100, Math.round((p.expected / p.target) * 1000) / 10),
        shouldBe: t.goalShouldBe(measure(viewer, goal.metric, p.expected)),
        standing: p.ahead >= 0 ? t.goalAhead(measure(viewer, goal.metric, p.ahead)) : t.goalBehind(measure(viewer, goal.metric, -p.ahead)),
        ahead: p.ahead >= 0,
        needed: p.reached ? t.goalReached : t.goalNeeded(measure(viewer, goal.metric, p.neededPerWeek)),
        reached: p.reached,
      };
    }),
  };
}

function yoyView(f: TrainingFigures, viewer: Viewer) {
  const { t, fmt } = viewer;
  const distance = f.yoyMetric === 'distance';
  const any = f.yoy.some((line) => (line.cumulative.at(-1) ?? 0) > 0);
  if (!any) return { desc: t.yoyDesc(distance), chart: null };
  const chart = yearLinesChart(f.yoy, {
    height: 220,
    currentYear: f.now.year,
    scale: distance ? fmt.distanceValue : (v) => v / 3600,
    formatTick: distance ? (v) => `${fmt.number(v, 0)} ${fmt.distanceUnit}` : (v) => t.hoursShort(fmt.number(v, 0)),
    monthTicks: monthTicks(viewer, f.now.year),
    title: (year, total) => `${year}: ${distance ? fmt.distance(total) : fmt.hours(total)}`,
  });
  return { desc: t.yoyDesc(distance), chart };
}

function calendarView(f: TrainingFigures, viewer: Viewer) {
  const { t, fmt } = viewer;
  const grid = heatGrid(f.days, f.calendarFrom, CALENDAR_WEEKS, f.now.today);
  // A CSS grid, a column per week: each day is one short element placed by the grid itself, so a year of days weighs
  // little; days with training are links to their activities, named by their title.
  return {
    weeks: grid.weeks.map((week, i) => ({
      // A month starting in the last two weeks has no room for its name before the edge of the card.
      month: week.month && i < grid.weeks.length - 2 ? monthName(viewer, week.month) : '',
      // Every other month's name is left out on a phone, where a month is narrower than its name.
      even: week.month !== null && Number(week.month.slice(5, 7)) % 2 === 0,
      days: week.days
        .filter((c) => !c.future)
        .map((c) => ({
          level: c.level,
          streak: c.inStreak,
          href: c.count > 0 ? `/activities?from=${c.date}&to=${c.date}` : null,
          title: c.count > 0 ? t.calendarDay(fmt.date(c.date), fmt.hours(c.movingTime), t.activitiesCount(c.count)) : '',
        })),
    })),
    streak: t.calendarStreak(t.days(grid.streak)),
    empty: f.days.length === 0,
  };
}

function gearView(f: TrainingFigures, viewer: Viewer) {
  const { t, fmt } = viewer;
  const kinds = f.filter === 'ride' ? ['bike'] : f.filter === 'run' ? ['shoe'] : f.filter === 'all' ? ['bike', 'shoe'] : [];
  const item = (g: GearItem) => ({
    id: g.id,
    name: g.name,
    kind: g.kind === 'bike' ? t.gearBike : t.gearShoe,
    primary: g.primary,
    distance: fmt.distance(g.wear),
    here: `${t.activitiesCount(g.count)} · ${fmt.distance(g.distance)}`,
    replaceAt: g.replaceAt ? fmt.distance(g.replaceAt) : '',
    reminder: needsReminder(g),
  });
  const mine = f.gear.filter((g) => kinds.includes(g.kind));
  return {
    show: kinds.length > 0,
    needsScope: !canListGear(viewer.athlete.scopes),
    active: mine.filter((g) => !g.retired).map(item),
    retired: mine.filter((g) => g.retired).map(item),
    reminders: f.gear
      .filter((g) => needsReminder(g))
      .map((g) =>
        needsReminder(g) === 'due'
          ? t.gearReminderDue(g.name, fmt.distance(g.wear))
          : t.gearReminderSoon(g.name, fmt.distance(g.wear), fmt.distance(g.replaceAt!)),
      ),
  };
}

function sportView(f: TrainingFigures, viewer: Viewer) {
  const { t, fmt } = viewer;
  if (!f.sport) return null;
  const label = filterLabel(viewer, f.filter);
  const rep = REPRESENTATIVE[f.filter];
  const usesSpeed = !fmt.usesPace(rep) && rep !== 'Swim';
  const row = (name: string, totals: Totals) => ({
    name,
    count: fmt.number(totals.count),
    distance: totals.distance > 0 ? fmt.distance(totals.distance) : '—',
    time: fmt.hours(totals.movingTime),
    elevation: totals.elevationGain > 0 ? fmt.elevation(totals.elevationGain) : '—',
    average: f.filter === 'other' ? '—' : fmt.paceOrSpeed(rep, totals.distance, totals.movingTime),
  });
  return {
    heading: t.sportFigures(label),
    empty: f.sport.all.count === 0 ? t.noSportYet(label) : null,
    averageLabel: usesSpeed ? t.averageSpeed : t.averagePace,
    rows: [row(t.periodThisYear, f.sport.year), row(t.periodAllTime, f.sport.all)],
    longest: f.sport.longest
      ? { id: f.sport.longest.id, name: f.sport.longest.name, date: fmt.date(f.sport.longest.date), distance: fmt.distance(f.sport.longest.distance) }
      : null,
  };
}

/** The view model of every training section, for the eta partials. */
export function trainingView(f: TrainingFigures, viewer: Viewer) {
  return {
    filter: f.filter,
    filterLabel: filterLabel(viewer, f.filter),
    switch: SPORT_FILTERS.map((filter) => ({
      label: filterLabel(viewer, filter),
      href: filter === 'all' ? '/results#training' : `/results?sport=${filter}#training`,
      current: filter === f.filter,
      colour: filter === 'all' ? '#242428' : GROUP_COLOURS[filter],
    })),
    sport: sportView(f, viewer),
    efforts: effortsView(f, viewer),
    goals: goalsView(f, viewer),
    yoy: yoyView(f, viewer),
    calendar: calendarView(f, viewer),
    gear: gearView(f, viewer),
  };
}

// ——— settings ———

function unitFactors(viewer: Viewer) {
  const imperial = viewer.units === 'imperial';
  return { distance: imperial ? METERS_PER_MILE : 1000, time: 3600, elevation: imperial ? 1 / FEET_PER_METER : 1 } as Record<GoalMetric, number>;
}

/** The goals and gear forms on the settings page, in the reader's units. */
export async function trainingSettingsData(db: Queryable, viewer: Viewer) {
  const { t, fmt } = viewer;
  const [goals, gear] = await Promise.all([listGoals(db, viewer.athlete.id), listGear(db, viewer.athlete.id)]);
  const factor = unitFactors(viewer);
  const metricLabels: Record<GoalMetric, string> = {
    distance: t.goalMetricDistance(fmt.distanceUnit),
    time: t.goalMetricTime,
    elevation: t.goalMetricElevation(fmt.elevationUnit),
  };
  return {
    goals: SPORT_FILTERS.map((filter) => {
      const goal = goals.find((g) => g.sportGroup === filter);
      return {
        filter,
        label: filterLabel(viewer, filter),
        metric: goal?.metric ?? '',
        target: goal ? String(Math.round((goal.target / factor[goal.metric]) * 10) / 10) : '',
      };
    }),
    metrics: GOAL_METRICS.map((metric) => ({ value: metric, label: metricLabels[metric] })),
    gear: gear.map((g) => ({
      id: g.id,
      name: g.name,
      kind: g.kind === 'bike' ? t.gearBike : t.gearShoe,
      retired: g.retired,
      distance: fmt.distance(g.wear),
      replaceAt: g.replaceAt ? String(Math.round((g.replaceAt / factor.distance) * 10) / 10) : '',
    })),
    replaceAtLabel: t.gearReplaceAtUnit(fmt.distanceUnit),
    gearNeedsScope: !canListGear(viewer.athlete.scopes),
  };
}

async function form(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** A positive number typed by a person ("12,5" as well as "12.5"); undefined for anything else, null for empty. */
function positive(value: string | undefined): number | null | undefined {
  const text = (value ?? '').trim().replace(',', '.');
  if (text === '') return null;
  if (!/^\d{1,9}(\.\d{1,3})?$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 ? n : undefined;
}

const GEAR_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const trainingRoutes = new Hono<AppEnv>()
  .post('/settings/goals', requireAthlete, requireCsrf, async (c) => {
    const body = await form(c);
    const viewer = await viewerOf(c);
    const factor = unitFactors(viewer);
    const changes: [SportFilter, { metric: GoalMetric; target: number } | null][] = [];
    for (const filter of SPORT_FILTERS) {
      const metric = body[`metric_${filter}`] ?? '';
      if (metric === '') {
        changes.push([filter, null]);
        continue;
      }
      const target = positive(body[`target_${filter}`]);
      if (!GOAL_METRICS.includes(metric as GoalMetric) || !target) return c.redirect('/settings?error=goal#goals', 303);
      changes.push([filter, { metric: metric as GoalMetric, target: target * factor[metric as GoalMetric] }]);
    }
    const { pool } = c.get('deps');
    for (const [filter, goal] of changes) await setGoal(pool, viewer.athlete.id, filter, goal);
    return c.redirect('/settings?saved=1#goals', 303);
  })

  .post('/settings/gear/:id/replace-at', requireAthlete, requireCsrf, async (c) => {
    const id = c.req.param('id');
    const body = await form(c);
    const value = positive(body.replace_at);
    if (!GEAR_ID.test(id) || value === undefined) return c.redirect('/settings?error=gear#gear', 303);
    const viewer = await viewerOf(c);
    await setReplaceAt(c.get('deps').pool, viewer.athlete.id, id, value === null ? null : value * unitFactors(viewer).distance);
    return c.redirect('/settings?saved=1#gear', 303);
  })

  // One /athlete request, asked for by the athlete: it goes ahead like a sign-in, not from the background budget.
  .post('/settings/gear/refresh', requireAthlete, requireCsrf, async (c) => {
    const deps = c.get('deps');
    const athleteId = c.get('athlete').id;
    // Without the scope Strava would answer with no gear: the settings page says how to allow it instead.
    if (!canListGear(c.get('athlete').scopes)) return c.redirect('/settings#gear', 303);
    try {
      const profile = await deps.strava.getAthlete(await getAccessToken(deps, athleteId));
      await saveProfileGear(deps.pool, athleteId, profile as { bikes?: unknown; shoes?: unknown });
    } catch (error) {
      c.get('log').warn('Could not refresh gear from Strava', { athleteId, error });
      return c.redirect('/settings?error=gear-refresh#gear', 303);
    }
    return c.redirect('/settings?gear=1#gear', 303);
  });
