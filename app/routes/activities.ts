// The activities list (search, filters, pages, thumbnails) and one activity: details, charts, splits, GPX and CSV.
import { startTimeOfDay } from '../../shared/stats/index.js';
import { Hono, type Context } from 'hono';
import {
  athleteSports,
  athleteTracks,
  computeSplits,
  ensureStreams,
  exportFileName,
  getOwnActivity,
  parseDate,
  searchActivities,
  storedStreams,
} from '../../shared/activities/index.js';
import type { ActivityDetail, Streams } from '../../shared/activities/index.js';
import type { LatLng } from '../../shared/privacy/index.js';
import { AppError } from '../errors.js';
import { lineChart } from '../../shared/stats/index.js';
import type { AppEnv } from '../env.js';
import { requireAthlete } from '../session.js';
import { leafletAssets } from '../static.js';
import { page } from '../views.js';
import { paceLabel } from './results.js';
import { stravaWebUrl, viewerOf, type Viewer } from '../viewer.js';

export const PER_PAGE = 25;

function activityId(c: Context<AppEnv>): number {
  const raw = c.req.param('id') ?? '';
  return /^-?\d{1,19}$/.test(raw) ? Number(raw) : NaN;
}

/** The athlete's own activity or a 404 that says nothing about whether the id exists for someone else. */
async function ownActivity(c: Context<AppEnv>): Promise<ActivityDetail> {
  const activity = await getOwnActivity(c.get('deps').pool, c.get('athlete').id, activityId(c));
  if (!activity) throw new AppError(404, 'errNoActivity');
  return activity;
}

type StreamState = { kind: 'ok'; streams: Streams } | { kind: 'unavailable' } | { kind: 'fetching' };

async function streamsOf(c: Context<AppEnv>, activity: ActivityDetail): Promise<StreamState> {
  const deps = c.get('deps');
  try {
    return { kind: 'ok', streams: await ensureStreams(deps, c.get('athlete').id, activity.id) };
  } catch (error) {
    c.get('log').warn('Streams unavailable', { activityId: activity.id, error });
    return { kind: 'unavailable' };
  }
}

/**
 * The kept streams, or "fetching" when Strava has not been asked yet: the first open of an activity answers at once
 * with what the summary holds, and the page's script asks /activities/:id/streams, which waits on Strava, then fills
 * the page in. `wait` (the no-JavaScript link) fetches them within the request instead.
 */
async function streamsOrFetching(c: Context<AppEnv>, activity: ActivityDetail, wait: boolean): Promise<StreamState> {
  if (!wait && activity.id > 0 && !(await storedStreams(c.get('deps').pool, c.get('athlete').id, activity.id))) return { kind: 'fetching' };
  return streamsOf(c, activity);
}

/** Axis steps for paces: 5, 10, 15, 30 seconds, then whole minutes, so a pace axis reads 4:30 / 5:00 / 5:30. */
function durationStep(range: number): number {
  for (const step of [5, 10, 15, 30, 60, 120, 300, 600]) if (range / step <= 4) return step;
  return 900;
}

function charts(activity: ActivityDetail, streams: Streams, viewer: Viewer) {
  const { fmt, t } = viewer;
  const byDistance = (streams.distance?.length ?? 0) > 1 && activity.distance > 0;
  const swim = fmt.splitMeters(activity.sportType) < 200;
  // Swims chart against metres (or yards): a pool session is a few hundred of them, not "0.4 km".
  const xs = byDistance
    ? streams.distance!.map((d) => (swim ? (fmt.units === 'imperial' ? d / 0.9144 : d) : fmt.distanceValue(d)))
    : (streams.time ?? []).map((s) => s / 60);
  const xUnit = swim ? (fmt.units === 'imperial' ? t.unitYards : t.unitMeters) : fmt.distanceUnit;
  const formatX = byDistance
    ? (v: number) => `${fmt.number(v, !swim && v < 10 && v % 1 !== 0 ? 1 : 0)} ${xUnit}`
    : (v: number) => `${fmt.number(v, 0)} ${t.unitMinutes}`;
  const size = { height: 180, formatX };
  const out: { id: string; title: string; chart: NonNullable<ReturnType<typeof lineChart>>; colour: string }[] = [];
  /** A series against the x axis; a chart with nothing to draw is left out. */
  const add = (
    id: string,
    title: string,
    colour: string,
    ys: readonly (number | null)[],
    options: { invert?: boolean; formatY?: (v: number) => string; yStep?: (range: number) => number } = {},
  ) => {
    const chart = lineChart(xs, ys, { ...size, formatY: (v) => fmt.number(v, 0), ...options });
    if (chart) out.push({ id, title, chart, colour });
  };
  if (streams.altitude)
    add(
      'elevation',
      `${t.chartElevation} (${fmt.elevationUnit})`,
      '#6d6d78',
      streams.altitude.map((m) => fmt.elevationValue(m)),
    );
  if (streams.velocity_smooth && byDistance) {
    if (fmt.usesPace(activity.sportType)) {
      const paces = streams.velocity_smooth.map((v) => fmt.paceValue(v, activity.sportType));
      add('pace', `${t.chartPace} (${fmt.paceUnit(activity.sportType)})`, '#0072b2', paces, {
        invert: true,
        formatY: (v) => fmt.duration(v),
        yStep: durationStep,
      });
    } else {
      add(
        'speed',
        `${t.chartSpeed} (${fmt.speedUnit})`,
        '#0072b2',
        streams.velocity_smooth.map((v) => fmt.speedValue(v)),
      );
    }
  }
  if (streams.heartrate) add('heartrate', `${t.chartHeartrate} (${t.bpm})`, '#d55e00', streams.heartrate);
  if (streams.cadence)
    add(
      'cadence',
      t.chartCadence,
      '#009e73',
      streams.cadence.map((v) => (v > 0 ? v : null)),
    );
  return out;
}

/** At most this many points go to the browser's map: plenty for a screen, a few tens of kilobytes. */
const MAP_POINTS = 1500;

/** The visible parts of the route for the live map, thinned evenly and rounded to about a metre. */
export function mapSegments(segments: readonly (readonly LatLng[])[]): [number, number][][] {
  const total = segments.reduce((sum, segment) => sum + segment.length, 0);
  const every = Math.max(1, Math.ceil(total / MAP_POINTS));
  const round = (v: number) => Math.round(v * 1e5) / 1e5;
  return segments
    .filter((segment) => segment.length > 1)
    .map((segment) => segment.filter((_, i) => i % every === 0 || i === segment.length - 1).map(([lat, lng]) => [round(lat), round(lng)] as [number, number]));
}

export const SPLITS_SHOWN = 10;

/** "+12 m", "−3 m", and "0 m" rather than "−0 m" for a drop that rounds away. */
function elevationChange(meters: number | null, fmt: Viewer['fmt']): string {
  if (meters === null) return '—';
  const shown = Math.round(fmt.elevationValue(meters));
  return `${shown > 0 ? '+' : shown < 0 ? '−' : ''}${fmt.elevation(Math.abs(meters))}`;
}

/** What the map script needs: the visible route, the tile template and attribution, the reader's units and words. */
export function mapView(c: Context<AppEnv>, viewer: Viewer, segments: [number, number][][]) {
  const tiles = c.get('deps').config.map;
  return {
    route: JSON.stringify(segments),
    tiles: tiles.tileUrl,
    attribution: tiles.attribution,
    attributionUrl: tiles.attributionUrl ?? '',
    imperial: viewer.units === 'imperial' ? '1' : '',
    words: JSON.stringify({
      start: viewer.t.mapStart,
      finish: viewer.t.mapFinish,
      tilesFailed: viewer.t.mapTilesFailed,
      zoomIn: viewer.t.mapZoomIn,
      zoomOut: viewer.t.mapZoomOut,
      units: viewer.t.mapScaleUnits,
    }),
  };
}

function download(c: Context<AppEnv>, body: string, type: string, name: string) {
  c.header('content-type', type);
  c.header('content-disposition', `attachment; filename="${name}"`);
  c.header('cache-control', 'private, no-store');
  return c.body(body);
}

export const activitiesRoutes = new Hono<AppEnv>()
  .get('/activities', requireAthlete, async (c) => {
    const { pool } = c.get('deps');
    const viewer = await viewerOf(c);
    const { fmt, t } = viewer;
    const query = {
      q: (c.req.query('q') ?? '').slice(0, 100),
      sport: c.req.query('sport') ?? '',
      from: parseDate(c.req.query('from')) ?? '',
      to: parseDate(c.req.query('to')) ?? '',
    };
    const pageNumber = Math.max(1, Math.min(100_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const [result, sports, tracks] = await Promise.all([
      searchActivities(pool, viewer.athlete.id, { ...query, page: pageNumber, perPage: PER_PAGE }),
      athleteSports(pool, viewer.athlete.id),
      athleteTracks(pool, viewer.athlete.id),
    ]);
    const link = (p: number) => {
      const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== ''));
      if (p > 1) params.set('page', String(p));
      const text = params.toString();
      return `/activities${text ? `?${text}` : ''}`;
    };
    const stravaWeb = stravaWebUrl(c);
    return page(c, 'activities', {
      title: t.activitiesTitle,
      query,
      sports: sports.map((s) => ({ value: s, label: fmt.sport(s), selected: s === query.sport })),
      found: t.found(result.total),
      pageOf: t.pageOf(result.page, result.pages),
      previous: result.page > 1 ? link(result.page - 1) : null,
      next: result.page < result.pages ? link(result.page + 1) : null,
      filtered: Object.values(query).some((v) => v !== ''),
      rows: result.rows.map((a) => ({
        id: a.id,
        name: a.name,
        sport: fmt.sport(a.sportType),
        date: fmt.date(a.startDateLocal),
        distance: a.distance > 0 ? fmt.distance(a.distance) : '—',
        movingTime: fmt.duration(a.movingTime),
        pace: fmt.paceOrSpeed(a.sportType, a.distance, a.movingTime),
        paceLabel: paceLabel(viewer, a.sportType),
        elevation: a.totalElevationGain > 0 ? fmt.elevation(a.totalElevationGain) : '—',
        thumb: tracks.thumbnail(a.summaryPolyline),
        stravaUrl: a.id > 0 ? `${stravaWeb}/activities/${a.id}` : null,
      })),
    });
  })

  .get('/activities/:id', requireAthlete, async (c) => {
    const activity = await ownActivity(c);
    const viewer = await viewerOf(c);
    const { fmt } = viewer;
    const [state, tracks] = await Promise.all([
      streamsOrFetching(c, activity, c.req.query('wait') === '1'),
      athleteTracks(c.get('deps').pool, viewer.athlete.id),
    ]);
    const streams = state.kind === 'ok' ? state.streams : {};
    const map = tracks.routeMap(activity, streams, { width: 720, height: 400, padding: 10, minStep: 1 });
    const visible = map.visible;
    const allSplits = computeSplits(streams, fmt.splitMeters(activity.sportType));
    const showAll = c.req.query('splits') === 'all';
    const splits = (showAll ? allSplits : allSplits.slice(0, SPLITS_SHOWN)).map((split) => ({
      index: split.index,
      distance: fmt.splitDistance(split.distance, activity.sportType),
      time: fmt.duration(split.movingTime),
      pace: fmt.paceOrSpeed(activity.sportType, split.distance, split.movingTime),
      elevation: elevationChange(split.elevationChange, fmt),
    }));
    const hasStreams = (streams.time?.length ?? 0) > 0;
    const gpx = (streams.latlng?.length ?? 0) > 0;
    const { t } = viewer;
    const tiles = c.get('deps').config.map;
    const segments = map.d ? mapSegments(visible) : [];
    return page(c, 'activity', {
      title: activity.name,
      activity: {
        id: activity.id,
        name: activity.name,
        sport: fmt.sport(activity.sportType),
        date: fmt.date(activity.startDateLocal),
        // A hidden start time (00:00:01) is no time of day: show the date alone.
        time: startTimeOfDay(activity.startDateLocal) ?? '',
        stravaUrl: activity.id > 0 ? `${stravaWebUrl(c)}/activities/${activity.id}` : null,
        figures: [
          [t.distance, activity.distance > 0 ? fmt.distance(activity.distance) : '—'],
          [t.movingTime, fmt.duration(activity.movingTime)],
          [t.elapsedTime, fmt.duration(activity.elapsedTime)],
          [paceLabel(viewer, activity.sportType), fmt.paceOrSpeed(activity.sportType, activity.distance, activity.movingTime)],
          [t.elevation, activity.totalElevationGain > 0 ? fmt.elevation(activity.totalElevationGain) : '—'],
          ...(activity.averageHeartrate ? [[t.averageHeartrate, `${fmt.number(activity.averageHeartrate, 0)} ${t.bpm}`]] : []),
          ...(activity.maxHeartrate ? [[t.maxHeartrate, `${fmt.number(activity.maxHeartrate, 0)} ${t.bpm}`]] : []),
          ...(activity.maxSpeed && !fmt.usesPace(activity.sportType)
            ? [[t.maxSpeed, `${fmt.number(fmt.speedValue(activity.maxSpeed), 1)} ${fmt.speedUnit}`]]
            : []),
        ],
      },
      streamsState: state.kind === 'ok' ? (hasStreams ? 'ok' : 'none') : state.kind,
      map,
      // Why there is no route: no GPS at all, or every point inside a privacy zone.
      mapMissing: map.d ? '' : map.hadTrack ? t.mapAllHidden : t.mapNoGps,
      liveMap: segments.length > 0 && tiles.tileUrl ? mapView(c, viewer, segments) : undefined,
      mapAssets: segments.length > 0 && tiles.tileUrl ? leafletAssets : undefined,
      charts: charts(activity, streams, viewer),
      splits,
      splitsTotal: allSplits.length,
      splitsPaceLabel: paceLabel(viewer, activity.sportType),
      splitsMore: !showAll && allSplits.length > SPLITS_SHOWN ? `/activities/${activity.id}?splits=all#splits` : null,
      splitsLess: showAll && allSplits.length > SPLITS_SHOWN ? `/activities/${activity.id}#splits` : null,
      downloads: hasStreams,
      gpx,
      downloadsNote: !tracks.hasZones ? '' : gpx ? t.downloadsNoteBoth : t.downloadsNoteCsv,
    });
  })

  // The page's script waits here on the first open: answers once the streams are kept (or Strava could not send them).
  .get('/activities/:id/streams', requireAthlete, async (c) => {
    const state = await streamsOf(c, await ownActivity(c));
    c.header('cache-control', 'no-store');
    return c.json({ state: state.kind === 'ok' ? 'ready' : 'unavailable' });
  })
  .get('/activities/:id/gpx', requireAthlete, (c) => exportActivity(c, 'gpx'))
  .get('/activities/:id/csv', requireAthlete, (c) => exportActivity(c, 'csv'));

const EXPORTS = {
  gpx: { type: 'application/gpx+xml; charset=utf-8', needs: 'latlng', missing: 'no GPS streams to export' },
  csv: { type: 'text/csv; charset=utf-8', needs: 'time', missing: 'no streams to export' },
} as const;

/** A download of the activity's streams, cut by the athlete's privacy zones like everything else that shows a track. */
async function exportActivity(c: Context<AppEnv>, kind: keyof typeof EXPORTS): Promise<Response> {
  const { type, needs, missing } = EXPORTS[kind];
  const activity = await ownActivity(c);
  const state = await streamsOf(c, activity);
  if (state.kind !== 'ok' || !state.streams[needs]?.length) throw new AppError(404, 'errNoActivity', { detail: missing });
  const tracks = await athleteTracks(c.get('deps').pool, c.get('athlete').id);
  return download(c, tracks[kind](activity, state.streams), type, exportFileName(activity, kind));
}
