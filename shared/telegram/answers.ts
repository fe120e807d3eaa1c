// What the bot says to a linked athlete: their totals, averages, forecast, activities and settings, in their language and units.
import { type ActivityDetail, athleteTracks, getOwnActivity, parseDate, recentActivities, searchActivities } from '../activities/index.js';
import type { Streams } from '../activities/index.js';
import type { Queryable } from '../db/index.js';
import { createFormatter, type Formatter, type Locale, messages, type Messages } from '../i18n/index.js';
import { getSettings, updateSettings } from '../privacy/index.js';
import { type ActivityRef, athleteTimeZone, loadResultsStats, localDate, type Period, PERIODS, yearRates } from '../stats/index.js';
import { unitsFor, type Units } from '../units.js';
import type { InlineKeyboardButton, InlineKeyboardMarkup, TelegramFile } from './bot-api.js';
import { CARD_ROUTE_BOX, renderCardPng } from './card.js';
import { escapeHtml } from './html.js';

/** One thing the bot sends: a message (or an edit of the one a button was under), a file or a picture. */
export type Outgoing =
  | { kind: 'text'; html: string; keyboard?: InlineKeyboardMarkup | undefined; edit?: boolean }
  | { kind: 'document'; file: TelegramFile; captionHtml?: string }
  | { kind: 'photo'; file: TelegramFile; captionHtml?: string };

/** Who is asking and how they read. */
export interface Reader {
  athleteId: number;
  firstname: string;
  measurementPreference: 'meters' | 'feet';
  locale: Locale;
  units: Units;
  t: Messages;
  fmt: Formatter;
}

export async function readerFor(db: Queryable, athlete: { id: number; firstname: string; measurementPreference: 'meters' | 'feet' }, locale: Locale) {
  const settings = await getSettings(db, athlete.id);
  const units = settings.units ?? unitsFor(athlete.measurementPreference);
  return {
    athleteId: athlete.id,
    firstname: athlete.firstname,
    measurementPreference: athlete.measurementPreference,
    locale,
    units,
    t: messages(locale),
    fmt: createFormatter(locale, units),
  } satisfies Reader;
}

export const text = (html: string, keyboard?: InlineKeyboardMarkup, edit = false): Outgoing => ({ kind: 'text', html, keyboard, edit });
const keyboard = (rows: InlineKeyboardButton[][]): InlineKeyboardMarkup => ({ inline_keyboard: rows });

interface FigureSet {
  count?: number;
  distance: number;
  movingTime: number;
  elevationGain: number;
}

/** "3 act. · 25.0 km · 2:10:00 · ↑ 150 m": what a line of figures reads, zero parts left out. */
function figureLine(r: Reader, figures: FigureSet): string {
  const parts = [
    ...(figures.count !== undefined ? [r.t.botActivitiesCount(r.fmt.number(figures.count))] : []),
    ...(figures.distance > 0 ? [r.fmt.distance(figures.distance)] : []),
    r.fmt.duration(figures.movingTime),
    ...(figures.elevationGain > 0 ? [`↑ ${r.fmt.elevation(figures.elevationGain)}`] : []),
  ];
  return escapeHtml(parts.join(' · '));
}

const sportName = (r: Reader, sportType: string) => escapeHtml(sportType === '' ? r.t.allSports : r.fmt.sport(sportType));

const PERIOD_LABEL = (t: Messages): Record<Period, string> => ({ week: t.periodWeek, month: t.periodMonth, year: t.periodYear, all: t.periodAll });

const periodKeyboard = (r: Reader, current: Period) =>
  keyboard([PERIODS.map((period) => ({ text: `${period === current ? '• ' : ''}${PERIOD_LABEL(r.t)[period]}`, callback_data: `stats:${period}` }))]);

async function statsOf(db: Queryable, r: Reader, now: Date) {
  const timeZone = await athleteTimeZone(db, r.athleteId);
  return loadResultsStats(db, r.athleteId, now, timeZone, r.units);
}

/** /stats: one period's totals per sport, with the others a button away (the button edits this message). */
export async function statsAnswer(db: Queryable, r: Reader, now: Date, period: Period, edit = false): Promise<Outgoing> {
  const stats = await statsOf(db, r, now);
  const rows = stats.totals[period];
  const lines = [r.t.botStatsTitle(escapeHtml(PERIOD_LABEL(r.t)[period]))];
  if (rows.length === 0) lines.push(escapeHtml(r.t.botNothingInPeriod));
  else {
    const all = rows.reduce(
      (sum, row) => ({
        count: sum.count + row.count,
        distance: sum.distance + row.distance,
        movingTime: sum.movingTime + row.movingTime,
        elevationGain: sum.elevationGain + row.elevationGain,
      }),
      { count: 0, distance: 0, movingTime: 0, elevationGain: 0 },
    );
    lines.push(`<b>${sportName(r, '')}</b>: ${figureLine(r, all)}`);
    for (const row of rows) lines.push(`${sportName(r, row.sportType)}: ${figureLine(r, row)}`);
  }
  return text(lines.join('\n'), periodKeyboard(r, period), edit);
}

/** /weekavg and /forecast: the year's rates per sport, computed by the stats face exactly as the results page does. */
export async function yearAnswer(db: Queryable, r: Reader, now: Date, what: 'weekly' | 'forecast'): Promise<Outgoing> {
  const stats = await statsOf(db, r, now);
  const { year, dayOfYear, daysInYear } = stats.now;
  if (stats.totals.year.length === 0) return text(escapeHtml(r.t.botNoActivitiesYear));
  const rates = yearRates(stats.totals.year, stats.now);
  const weeks = r.fmt.number(Math.max(1, dayOfYear / 7), 1);
  const lines = [what === 'weekly' ? r.t.botWeekAvgTitle(year, escapeHtml(weeks)) : r.t.botForecastTitle(year)];
  for (const rate of rates) {
    const name = rate.sportType === '' ? `<b>${sportName(r, '')}</b>` : sportName(r, rate.sportType);
    lines.push(`${name}: ${figureLine(r, what === 'weekly' ? rate.weekly : rate.forecast)}`);
  }
  if (what === 'forecast') lines.push('', `<i>${escapeHtml(r.t.botForecastHow(dayOfYear, daysInYear))}</i>`);
  return text(lines.join('\n'));
}

type ListedRow = Pick<ActivityRef, 'id' | 'name' | 'sportType' | 'startDateLocal' | 'distance' | 'movingTime'>;

/** A list of activities: a line each, and a button each to open it. */
function activityList(r: Reader, title: string, rows: readonly ListedRow[]): Outgoing {
  const lines = [title];
  const buttons: InlineKeyboardButton[][] = [];
  rows.forEach((row, i) => {
    const figures = [
      r.fmt.date(row.startDateLocal),
      r.fmt.sport(row.sportType),
      ...(row.distance > 0 ? [r.fmt.distance(row.distance)] : []),
      r.fmt.duration(row.movingTime),
    ];
    lines.push(`${i + 1}. <b>${escapeHtml(row.name)}</b>\n${escapeHtml(figures.join(' · '))}`);
    // Button labels are plain text (Telegram does not read markup there); the name is cut to fit a phone's row.
    const label = [...row.name].length > 28 ? `${[...row.name].slice(0, 27).join('')}…` : row.name;
    buttons.push([{ text: `${i + 1}. ${label || '—'}`, callback_data: `act:${row.id}` }]);
  });
  return text(lines.join('\n'), keyboard(buttons));
}

export const RECENT_COUNT = 5;
export const FIND_COUNT = 10;

export async function recentAnswer(db: Queryable, r: Reader): Promise<Outgoing> {
  const rows = await recentActivities(db, r.athleteId, RECENT_COUNT);
  if (rows.length === 0) return text(escapeHtml(r.t.botNoActivities));
  return activityList(
    r,
    r.t.botRecentTitle,
    rows.map((row) => ({ ...row, startDateLocal: localDate(row.startDateLocal) })),
  );
}

/** "2026-05-17" or "17.05.2026" as a day; anything else is words in the name. */
function asDay(query: string): string | undefined {
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(query);
  const iso = dotted ? `${dotted[3]}-${dotted[2]!.padStart(2, '0')}-${dotted[1]!.padStart(2, '0')}` : query;
  return parseDate(iso);
}

export async function findAnswer(db: Queryable, r: Reader, query: string): Promise<Outgoing> {
  const what = query.trim().slice(0, 100);
  if (what === '') return text(escapeHtml(r.t.botFindUsage));
  const day = asDay(what);
  const found = await searchActivities(db, r.athleteId, { ...(day ? { from: day, to: day } : { q: what }), page: 1, perPage: FIND_COUNT });
  if (found.total === 0) return text(escapeHtml(r.t.botFindNone(what)));
  return activityList(r, r.t.botFindTitle(escapeHtml(what), escapeHtml(r.fmt.number(found.total))), found.rows);
}

function detailFigures(r: Reader, activity: ActivityDetail): { label: string; value: string }[] {
  return [
    ...(activity.distance > 0 ? [{ label: r.t.distance, value: r.fmt.distance(activity.distance) }] : []),
    { label: r.t.botMovingTime, value: r.fmt.duration(activity.movingTime) },
    ...(activity.distance > 0 && activity.movingTime > 0
      ? [{ label: r.t.paceSpeed, value: r.fmt.paceOrSpeed(activity.sportType, activity.distance, activity.movingTime) }]
      : []),
    ...(activity.totalElevationGain > 0 ? [{ label: r.t.elevation, value: r.fmt.elevation(activity.totalElevationGain) }] : []),
    ...(activity.averageHeartrate ? [{ label: r.t.botAvgHeartrate, value: r.t.botBpm(r.fmt.number(activity.averageHeartrate)) }] : []),
  ];
}

/** An activity's details, with buttons for its GPX file and share card; another athlete's id is "not yours". */
export async function activityAnswer(db: Queryable, r: Reader, activityId: number): Promise<Outgoing> {
  const activity = await getOwnActivity(db, r.athleteId, activityId);
  if (!activity) return text(escapeHtml(r.t.botActivityGone));
  const lines = [
    `<b>${escapeHtml(activity.name)}</b>`,
    escapeHtml(`${r.fmt.sport(activity.sportType)} · ${r.fmt.date(activity.startDateLocal)} ${activity.startDateLocal.slice(11, 16)}`),
    ...detailFigures(r, activity).map((figure) => `${escapeHtml(figure.label)}: <b>${escapeHtml(figure.value)}</b>`),
  ];
  return text(
    lines.join('\n'),
    keyboard([
      [
        { text: r.t.botGpxButton, callback_data: `gpx:${activity.id}` },
        { text: r.t.botCardButton, callback_data: `card:${activity.id}` },
      ],
    ]),
  );
}

export type LoadStreams = (athleteId: number, activityId: number) => Promise<Streams>;

/** The GPX file through the privacy gate: points inside the athlete's zones are not in it. */
export async function gpxAnswer(db: Queryable, r: Reader, activityId: number, loadStreams: LoadStreams): Promise<Outgoing> {
  const activity = await getOwnActivity(db, r.athleteId, activityId);
  if (!activity) return text(escapeHtml(r.t.botActivityGone));
  const streams = await loadStreams(r.athleteId, activity.id);
  if (!streams.latlng?.length) return text(escapeHtml(r.t.botNoGpx));
  const tracks = await athleteTracks(db, r.athleteId);
  const gpx = tracks.gpx(activity, streams);
  return {
    kind: 'document',
    file: { filename: `${activity.startDateLocal.slice(0, 10)}-${activity.id}.gpx`, contentType: 'application/gpx+xml', bytes: new TextEncoder().encode(gpx) },
    captionHtml: `<b>${escapeHtml(activity.name)}</b>\n${escapeHtml(r.t.botGpxCaption(tracks.hasZones))}`,
  };
}

/** The share card: the route as the privacy gate draws it (summary polyline when the streams cannot be had) and the figures. */
export async function cardAnswer(db: Queryable, r: Reader, activityId: number, loadStreams: LoadStreams): Promise<Outgoing> {
  const activity = await getOwnActivity(db, r.athleteId, activityId);
  if (!activity) return text(escapeHtml(r.t.botActivityGone));
  let streams: Streams = {};
  try {
    streams = await loadStreams(r.athleteId, activity.id);
  } catch {
    // The summary polyline still draws the route.
  }
  const tracks = await athleteTracks(db, r.athleteId);
  const route = tracks.routeMap(activity, streams, CARD_ROUTE_BOX);
  const png = await renderCardPng({
    title: activity.name,
    subtitle: `${r.fmt.sport(activity.sportType)} · ${r.fmt.date(activity.startDateLocal)}`,
    figures: detailFigures(r, activity).slice(0, 4),
    routePath: route.d,
    siteName: r.t.siteName,
  });
  return {
    kind: 'photo',
    file: { filename: `${activity.id}.png`, contentType: 'image/png', bytes: png },
    captionHtml: `<b>${escapeHtml(activity.name)}</b>`,
  };
}

export function langAnswer(r: Reader): Outgoing {
  return text(
    escapeHtml(r.t.botLangAsk),
    keyboard([
      [
        { text: 'English', callback_data: 'lang:en' },
        { text: 'Русский', callback_data: 'lang:ru' },
      ],
    ]),
  );
}

const unitsName = (r: Reader, units: Units) => (units === 'imperial' ? r.t.botUnitsImperial : r.t.botUnitsMetric);

export function unitsAnswer(r: Reader): Outgoing {
  return text(
    escapeHtml(r.t.botUnitsAsk(unitsName(r, r.units))),
    keyboard([
      [
        { text: r.t.botUnitsMetric, callback_data: 'units:metric' },
        { text: r.t.botUnitsImperial, callback_data: 'units:imperial' },
      ],
    ]),
  );
}

/** The athlete's units, the same setting the site's settings page changes. */
export async function setUnits(db: Queryable, r: Reader, units: Units): Promise<Outgoing> {
  await updateSettings(db, r.athleteId, { units });
  return text(escapeHtml(r.t.botUnitsSet(unitsName(r, units))));
}

export function helpAnswer(r: Reader, admin: boolean, unknown = false): Outgoing {
  return text([...(unknown ? [escapeHtml(r.t.botUnknown), ''] : []), r.t.botHelp, ...(admin ? [r.t.botAdminHelp] : [])].join('\n'));
}
