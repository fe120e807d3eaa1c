// The athlete's results page: the year so far with forecast, sabermetrics, charts, totals, recent activities, AI notes.
import { Hono } from 'hono';
import { latestActivityWithDistance, recentActivities, type ActivityRow } from '../../shared/activities/index.js';
import { athleteTracks, type AthleteTracks } from '../../shared/activities/index.js';
import type { Queryable } from '../../shared/db/index.js';
import { getImportProgress, type ImportProgress } from '../../shared/imports/index.js';
import { insightsConfigured, notesFor, type InsightDeps, type NoteView } from '../../shared/insights/index.js';
import { localDate, addDays } from '../../shared/stats/index.js';
import { horizontalBars, stackedBars } from '../../shared/stats/index.js';
import { weeksSoFar, yearRates } from '../../shared/stats/index.js';
import { loadResultsStats, WEEKS_IN_CHART, type ActivityRef, type ResultsStats } from '../../shared/stats/index.js';
import { GROUP_COLOURS, SPORT_GROUPS, sportGroup, type SportGroup } from '../../shared/stats/index.js';
import { athleteTimeZone, PERIODS, type Period } from '../../shared/stats/index.js';
import type { AppEnv } from '../env.js';
import { requireAthlete } from '../session.js';
import { page, renderPage } from '../views.js';
import { pageLocals } from '../locale.js';
import { stravaWebUrl, viewerOf, type Viewer } from '../viewer.js';
import { localNow } from '../../shared/stats/index.js';
import { parseSportFilter } from '../../shared/stats/index.js';
import { loadTrainingFigures, trainingView } from './training.js';

// Ten keep the page light on a phone; the activities page has the rest.
const RECENT_LIMIT = 10;

export function groupLabel(viewer: Pick<Viewer, 't'>, group: SportGroup): string {
  const { t } = viewer;
  return { ride: t.groupRide, run: t.groupRun, swim: t.groupSwim, walk: t.groupWalk, other: t.groupOther }[group];
}

function activityView(activity: ActivityRow, viewer: Viewer, stravaWeb: string, tracks: AthleteTracks) {
  const { fmt } = viewer;
  return {
    id: activity.id,
    name: activity.name,
    sport: fmt.sport(activity.sportType),
    date: fmt.date(localDate(activity.startDateLocal)),
    distance: activity.distance > 0 ? fmt.distance(activity.distance) : '—',
    movingTime: fmt.duration(activity.movingTime),
    pace: fmt.paceOrSpeed(activity.sportType, activity.distance, activity.movingTime),
    paceLabel: paceLabel(viewer, activity.sportType),
    elevation: activity.totalElevationGain > 0 ? fmt.elevation(activity.totalElevationGain) : '—',
    stravaUrl: activity.id > 0 ? `${stravaWeb}/activities/${activity.id}` : null,
    thumb: tracks.thumbnail(activity.summaryPolyline),
  };
}

/** "Pace" for sports read as time per distance, "Speed" for the rest. */
export function paceLabel(viewer: Pick<Viewer, 't' | 'fmt'>, sportType: string): string {
  return viewer.fmt.usesPace(sportType) ? viewer.t.chartPace : viewer.t.chartSpeed;
}

function refView(ref: ActivityRef | null, viewer: Viewer) {
  if (!ref) return null;
  const { fmt } = viewer;
  return {
    id: ref.id,
    name: ref.name,
    sport: fmt.sport(ref.sportType),
    date: fmt.date(ref.startDateLocal),
    distance: fmt.distance(ref.distance),
    elevation: fmt.elevation(ref.elevationGain),
  };
}

/** Distance, time and climbing; sports that never move (yoga, weights) show time only. */
function figures(f: { distance: number; movingTime: number; elevationGain: number }, viewer: Viewer): string[] {
  const { fmt } = viewer;
  return [f.distance > 0 ? fmt.distance(f.distance) : '', fmt.hours(f.movingTime), f.elevationGain > 0 ? fmt.elevation(f.elevationGain) : ''].filter(Boolean);
}

function periodRows(stats: ResultsStats, period: Period, viewer: Viewer) {
  const { fmt } = viewer;
  return stats.totals[period].map((row) => ({
    sport: fmt.sport(row.sportType),
    count: fmt.number(row.count),
    distance: row.distance > 0 ? fmt.distance(row.distance) : '—',
    time: fmt.hours(row.movingTime),
    elevation: row.elevationGain > 0 ? fmt.elevation(row.elevationGain) : '—',
  }));
}

function periodLabel(viewer: Viewer, period: Period): string {
  const { t } = viewer;
  return { week: t.periodWeek, month: t.periodMonth, year: t.periodYear, all: t.periodAll }[period];
}

function weeklyChart(stats: ResultsStats, viewer: Viewer) {
  const { fmt, t } = viewer;
  const byWeek = new Map<string, Map<SportGroup, number>>();
  for (const entry of stats.weekly) {
    const groups = byWeek.get(entry.weekStart) ?? new Map<SportGroup, number>();
    groups.set(entry.group, (groups.get(entry.group) ?? 0) + entry.movingTime);
    byWeek.set(entry.weekStart, groups);
  }
  const columns = Array.from({ length: WEEKS_IN_CHART }, (_, i) => {
    const week = addDays(stats.weeklyFrom, 7 * i);
    const groups = byWeek.get(week);
    return {
      label: fmt.shortDate(week),
      showLabel: i % 13 === 0 || i === WEEKS_IN_CHART - 1,
      parts: SPORT_GROUPS.map((group) => {
        const seconds = groups?.get(group) ?? 0;
        return {
          value: seconds / 3600,
          fill: GROUP_COLOURS[group],
          title: `${t.bestWeekOf(fmt.date(week))}: ${groupLabel(viewer, group)} ${fmt.hours(seconds)}`,
        };
      }),
    };
  });
  const present = new Set(stats.weekly.map((entry) => entry.group));
  return {
    ...stackedBars(columns, { height: 200, formatTick: (v) => t.hoursShort(fmt.number(v, 0)) }),
    legend: SPORT_GROUPS.filter((group) => present.has(group)).map((group) => ({ label: groupLabel(viewer, group), fill: GROUP_COLOURS[group] })),
  };
}

function sportChart(stats: ResultsStats, viewer: Viewer) {
  const { fmt } = viewer;
  const rows = [...stats.totals.year]
    .sort((a, b) => b.movingTime - a.movingTime)
    .map((row) => ({
      label: fmt.sport(row.sportType),
      value: row.movingTime,
      valueLabel: fmt.hours(row.movingTime),
      fill: GROUP_COLOURS[sportGroup(row.sportType)],
    }));
  return horizontalBars(rows, { rowHeight: 36 });
}

/**
 * The history import as the athlete should hear of it: while it runs the page already shows what is in, so it says
 * how far it got (and, when Strava's all-time counts gave an estimate, how far that is of the whole); a finished
 * import says so once, within a day of finishing, and then nothing.
 */
export function importNotice(progress: ImportProgress | undefined, viewer: Pick<Viewer, 't' | 'fmt'>, now = new Date()) {
  if (!progress) return undefined;
  const { t, fmt } = viewer;
  const expected = progress.expected && progress.expected > 0 ? Math.max(progress.expected, progress.imported) : undefined;
  const importing =
    expected !== undefined
      ? t.importingOf(fmt.number(progress.imported), fmt.number(expected), expected)
      : progress.imported > 0
        ? t.importingSoFar(fmt.number(progress.imported), progress.imported)
        : t.importingStarted;
  const percent = expected !== undefined ? Math.min(99, Math.floor((progress.imported / expected) * 100)) : undefined;
  const active = { active: true, reconnect: false, ...(percent !== undefined ? { percent } : {}) };
  switch (progress.status) {
    case 'pending':
    case 'running':
      return { status: progress.status, lines: [importing], ...active };
    case 'waiting':
      return { status: progress.status, lines: [importing, t.importPaused], ...active };
    case 'failed':
      return { status: progress.status, lines: [t.importFailed], active: false, reconnect: true };
    case 'done': {
      const finished = progress.finishedAt?.getTime();
      if (finished === undefined || now.getTime() - finished > 24 * 3600 * 1000) return undefined;
      return { status: progress.status, lines: [t.importDone(fmt.number(progress.imported), progress.imported)], active: false, reconnect: false };
    }
  }
}

export interface ResultsDeps {
  pool: Queryable;
  config: { strava: { oauthBaseUrl: string } };
  now?: (() => Date) | undefined;
}

/** What the page is made from, read side by side: the figures, the latest and recent activities, their tracks, the import. */
export interface ResultsParts {
  stats: ResultsStats;
  latest: ActivityRow | undefined;
  recent: ActivityRow[];
  tracks: AthleteTracks;
  progress: ImportProgress | undefined;
}

/** Everything on the page except the AI notes and the training sections; the athlete's zone when the caller has it. */
export async function resultsPageData(deps: ResultsDeps, viewer: Viewer, stravaWeb: string, knownTimeZone?: string) {
  const { pool } = deps;
  const { athlete } = viewer;
  const now = deps.now?.() ?? new Date();
  const timeZone = knownTimeZone ?? (await athleteTimeZone(pool, athlete.id));
  const [stats, rest] = await Promise.all([loadResultsStats(pool, athlete.id, now, timeZone, viewer.units), resultsPartsBesideFigures(pool, athlete.id)]);
  return resultsView({ stats, ...rest }, viewer, stravaWeb, timeZone, now);
}

/** The page's parts beside the figures, read side by side (the benchmark pairs them with its in-memory figures). */
export async function resultsPartsBesideFigures(pool: Queryable, athleteId: number): Promise<Omit<ResultsParts, 'stats'>> {
  const [latest, recent, tracks, progress] = await Promise.all([
    latestActivityWithDistance(pool, athleteId),
    recentActivities(pool, athleteId, RECENT_LIMIT),
    athleteTracks(pool, athleteId),
    getImportProgress(pool, athleteId),
  ]);
  return { latest, recent, tracks, progress };
}

/** The page's view of its parts, in the reader's language and units; no I/O. */
export function resultsView(parts: ResultsParts, viewer: Viewer, stravaWeb: string, timeZone: string, now: Date) {
  const { stats, latest, recent, tracks, progress } = parts;
  const { athlete, fmt, t } = viewer;
  const day = stats.now.dayOfYear;
  const rates = yearRates(stats.totals.year, stats.now).map((rate) => ({
    sport: rate.sportType === '' ? t.allSports : fmt.sport(rate.sportType),
    all: rate.sportType === '',
    count: fmt.number(rate.count),
    soFar: figures(rate, viewer),
    weekly: figures(rate.weekly, viewer),
    forecast: figures(rate.forecast, viewer),
  }));
  return {
    timeZone,
    title: `${athlete.firstname} ${athlete.lastname}`.trim() || t.yourResults,
    units: viewer.units,
    needsReconnect: athlete.status === 'disconnected',
    importProgress: importNotice(progress, viewer, now),
    year: {
      heading: t.thisYear(stats.now.year),
      rates: stats.totals.year.length > 0 ? rates : [],
      how: t.forecastHow(day, stats.now.daysInYear, fmt.number(weeksSoFar(day), 1)),
    },
    saber: {
      eddingtonRide: stats.eddington.ride,
      eddingtonRun: stats.eddington.run,
      eddingtonHow: t.eddingtonHow(fmt.distanceUnit),
      unit: fmt.distanceUnit,
      longest: refView(stats.longest, viewer),
      climb: refView(stats.biggestClimb, viewer),
      currentStreak: t.days(stats.streaks.current),
      longestStreak: t.days(stats.streaks.longest),
      longestRange:
        stats.streaks.longestFrom && stats.streaks.longestTo ? t.fromTo(fmt.date(stats.streaks.longestFrom), fmt.date(stats.streaks.longestTo)) : '',
      bestWeek: stats.bestWeek
        ? {
            label: t.bestWeekOf(fmt.date(stats.bestWeek.weekStart)),
            time: fmt.hours(stats.bestWeek.movingTime),
            distance: fmt.distance(stats.bestWeek.distance),
            count: t.activitiesCount(stats.bestWeek.count),
          }
        : null,
    },
    weekly: weeklyChart(stats, viewer),
    sports: sportChart(stats, viewer),
    week: { label: periodLabel(viewer, 'week'), rows: periodRows(stats, 'week', viewer) },
    periods: PERIODS.filter((period) => period !== 'week').map((period) => ({
      label: periodLabel(viewer, period),
      rows: periodRows(stats, period, viewer),
    })),
    latest: latest ? activityView(latest, viewer, stravaWeb, tracks) : undefined,
    recent: recent.map((activity) => activityView(activity, viewer, stravaWeb, tracks)),
    unitsLabel: t.inUnits(viewer.units),
  };
}

function notesView(viewer: Viewer, configured: boolean, notes: NoteView[]) {
  const { t } = viewer;
  return {
    configured,
    enabled: viewer.settings.aiNotes,
    pending: notes.some((note) => note.status === 'pending'),
    items: notes
      .filter((note) => note.status !== 'none')
      .map((note) => ({
        heading: note.kind === 'fun_fact' ? t.aiFunFact : t.aiCoach,
        status: note.status,
        text: note.output?.text ?? '',
      })),
  };
}

async function loadNotes(deps: InsightDeps & { now?: (() => Date) | undefined }, viewer: Viewer, timeZone: string, start: boolean) {
  const configured = insightsConfigured(deps);
  if (!configured || !viewer.settings.aiNotes || viewer.athlete.status === 'banned') return notesView(viewer, configured, []);
  try {
    const notes = await notesFor(deps, {
      athleteId: viewer.athlete.id,
      now: deps.now?.() ?? new Date(),
      timeZone,
      language: viewer.locale,
      units: viewer.units,
      start,
    });
    return notesView(viewer, configured, notes);
  } catch (error) {
    // Notes are extras: whatever goes wrong, the page shows "no note right now".
    deps.log.warn('Could not read AI notes', { error, athleteId: viewer.athlete.id });
    return notesView(viewer, configured, [{ kind: 'fun_fact', status: 'failed' }]);
  }
}

export const resultsRoutes = new Hono<AppEnv>()
  .get('/results', requireAthlete, async (c) => {
    const deps = c.get('deps');
    const viewer = await viewerOf(c);
    const timeZone = await athleteTimeZone(deps.pool, viewer.athlete.id);
    // The sport switch picks what the training sections show; everything above them stays all sports. The three
    // parts read different rows, so they are read side by side.
    const local = localNow(deps.now?.() ?? new Date(), timeZone);
    const [data, notes, figures] = await Promise.all([
      resultsPageData(deps, viewer, stravaWebUrl(c), timeZone),
      loadNotes(deps, viewer, timeZone, true),
      loadTrainingFigures(deps.pool, viewer.athlete.id, parseSportFilter(c.req.query('sport')), local),
    ]);
    return page(c, 'results', { ...data, notes, training: trainingView(figures, viewer), csrfToken: c.get('csrfToken') });
  })
  // The import banner alone: the page's script polls it while the history import runs.
  .get('/results/import-progress', requireAthlete, async (c) => {
    const deps = c.get('deps');
    const viewer = await viewerOf(c);
    const progress = await getImportProgress(deps.pool, viewer.athlete.id);
    c.header('cache-control', 'no-store');
    return c.html(
      renderPage('partials/import-progress', { ...pageLocals(c), title: '', importProgress: importNotice(progress, viewer, deps.now?.() ?? new Date()) }),
    );
  })
  // The notes block alone: the page's script polls it while a note is being written.
  .get('/results/notes', requireAthlete, async (c) => {
    const deps = c.get('deps');
    const viewer = await viewerOf(c);
    const timeZone = await athleteTimeZone(deps.pool, viewer.athlete.id);
    const notes = await loadNotes(deps, viewer, timeZone, false);
    c.header('cache-control', 'no-store');
    return c.html(renderPage('partials/notes', { ...pageLocals(c), title: '', notes }));
  });
