// Activity JSON as Strava shapes it: SummaryActivity (lists) and DetailedActivity (GET /activities/{id}).

import { summaryGear } from './athletes.js';
import type { ActivityRecord, AthleteRecord } from './model.js';
import { activityTypeOf } from './sports.js';
import { isoSeconds, stravaTimezoneLabel, utcOffsetSeconds } from './time.js';
import { detailedPolyline, splitsOf, streamLength, streamsOf, summaryGeometry } from './track.js';

const r1 = (v: number): number => Math.round(v * 10) / 10;
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

function dates(a: ActivityRecord): { start_date: string; start_date_local: string; timezone: string; utc_offset: number } {
  const offset = utcOffsetSeconds(a.tzName, a.startDate);
  return {
    start_date: isoSeconds(a.startDate),
    // Strava writes local wall-clock time with a misleading `Z`; clients must not treat it as UTC.
    start_date_local: isoSeconds(a.startDate + offset * 1000),
    timezone: stravaTimezoneLabel(a.tzName),
    utc_offset: offset,
  };
}

/**
 * `listed`: as GET /athlete/activities shows it, where older records lack sport_type, have start_latlng null and a map
 * without summary_polyline, and the distance may disagree with the detail's.
 */
export function summaryActivity(a: ActivityRecord, athlete: AthleteRecord, options: { listed?: boolean } = {}): Record<string, unknown> {
  const geo = summaryGeometry(a);
  const averageSpeed = a.movingTime > 0 ? r3(a.distance / a.movingTime) : 0;
  const hasHeartrate = a.averageHeartrate !== null;
  const json: Record<string, unknown> = {
    resource_state: 2,
    athlete: { id: a.athleteId, resource_state: 1 },
    name: a.name,
    distance: r1(a.distance),
    moving_time: a.movingTime,
    elapsed_time: a.elapsedTime,
    total_elevation_gain: r1(a.totalElevationGain),
    type: activityTypeOf(a.sportType),
    sport_type: a.sportType,
    workout_type: a.workoutType,
    id: a.id,
    external_id: a.externalId,
    upload_id: a.uploadId,
    ...dates(a),
    location_city: null,
    location_state: null,
    location_country: athlete.country,
    achievement_count: a.achievementCount,
    kudos_count: a.kudosCount,
    comment_count: a.commentCount,
    athlete_count: a.athleteCount,
    photo_count: 0,
    map: { id: `a${a.id}`, summary_polyline: geo.summaryPolyline, resource_state: 2 },
    trainer: a.trainer,
    commute: a.commute,
    manual: a.manual,
    private: a.visibility === 'only_me',
    visibility: a.visibility,
    flagged: false,
    gear_id: a.gearId,
    // Activities without GPS carry empty arrays here on today's Strava, not null.
    start_latlng: geo.startLatLng ?? [],
    end_latlng: geo.endLatLng ?? [],
    average_speed: averageSpeed,
    max_speed: a.maxSpeed,
  };
  if (a.averageCadence !== null) json.average_cadence = a.averageCadence;
  if (a.averageWatts !== null) {
    json.average_watts = a.averageWatts;
    json.kilojoules = r1((a.averageWatts * a.movingTime) / 1000);
  }
  if (a.deviceWatts !== null) json.device_watts = a.deviceWatts;
  if (a.deviceWatts && a.weightedAverageWatts !== null) json.weighted_average_watts = a.weightedAverageWatts;
  if (a.deviceWatts && a.maxWatts !== null) json.max_watts = a.maxWatts;
  json.has_heartrate = hasHeartrate;
  if (hasHeartrate) {
    json.average_heartrate = a.averageHeartrate;
    json.max_heartrate = a.maxHeartrate;
  }
  json.heartrate_opt_out = false;
  json.display_hide_heartrate_option = hasHeartrate;
  if (geo.elevHigh !== null && geo.elevLow !== null) {
    json.elev_high = geo.elevHigh;
    json.elev_low = geo.elevLow;
  }
  if (a.uploadId !== null) json.upload_id_str = String(a.uploadId);
  json.from_accepted_tag = false;
  json.pr_count = a.prCount;
  json.total_photo_count = a.totalPhotoCount;
  json.has_kudoed = false;
  if (a.sufferScore !== null) json.suffer_score = a.sufferScore;
  if (a.deviceName !== null) json.device_name = a.deviceName;
  if (options.listed && a.listDistance !== undefined) json.distance = r1(a.listDistance);
  if (options.listed && a.legacyShape) {
    delete json.sport_type;
    json.start_latlng = null;
    json.end_latlng = null;
    json.map = { id: `a${a.id}`, resource_state: 2 };
  }
  return json;
}

/** The distances Strava lists best efforts for on a run, with its names for them. */
const BEST_EFFORT_DISTANCES: readonly [string, number][] = [
  ['400m', 400],
  ['1/2 mile', 804.672],
  ['1k', 1000],
  ['1 mile', 1609.344],
  ['2 mile', 3218.688],
  ['5k', 5000],
  ['10k', 10000],
  ['15k', 15000],
  ['10 mile', 16093.44],
  ['20k', 20000],
  ['Half-Marathon', 21097.5],
  ['30k', 30000],
  ['Marathon', 42195],
];

/**
 * A run's best_efforts as Strava's detail carries them: for each distance the track covers, the fastest stretch from one
 * stream sample to another (whole samples, whole seconds, as Strava's start_index/end_index describe it).
 */
function bestEffortsOf(a: ActivityRecord, startDate: string, startDateLocal: string): Record<string, unknown>[] {
  const streams = streamsOf(a);
  if (!streams) return [];
  const { time, distance } = streams;
  const efforts: Record<string, unknown>[] = [];
  BEST_EFFORT_DISTANCES.forEach(([name, meters], n) => {
    let best: { from: number; to: number; seconds: number } | undefined;
    let j = 0;
    for (let i = 0; i < distance.length; i++) {
      if (j < i) j = i;
      while (j < distance.length && distance[j]! - distance[i]! < meters) j++;
      if (j >= distance.length) break;
      const seconds = time[j]! - time[i]!;
      if (!best || seconds < best.seconds) best = { from: i, to: j, seconds };
    }
    if (!best) return;
    const offset = time[best.from]! * 1000;
    efforts.push({
      id: a.id * 100 + n,
      resource_state: 2,
      name,
      activity: { id: a.id, resource_state: 1 },
      athlete: { id: a.athleteId, resource_state: 1 },
      elapsed_time: Math.round(best.seconds),
      moving_time: Math.round(best.seconds),
      start_date: new Date(Date.parse(startDate) + offset).toISOString().replace('.000Z', 'Z'),
      start_date_local: new Date(Date.parse(startDateLocal) + offset).toISOString().replace('.000Z', 'Z'),
      distance: meters,
      start_index: best.from,
      end_index: best.to,
      pr_rank: null,
      achievements: [],
    });
  });
  return efforts;
}

export function detailedActivity(a: ActivityRecord, athlete: AthleteRecord, gearDistance: (gearId: string) => number): Record<string, unknown> {
  const summary = summaryActivity(a, athlete);
  const geo = summaryGeometry(a);
  const gear = a.gearId ? athlete.gear.find((g) => g.id === a.gearId) : undefined;
  const gearJson = gear ? summaryGear(gear, athlete, gearDistance(gear.id)) : undefined;
  const { start_date, start_date_local } = dates(a);
  const points = streamLength(a);
  const averageSpeed = a.movingTime > 0 ? r3(a.distance / a.movingTime) : 0;
  const lap: Record<string, unknown> = {
    id: a.id * 10 + 1,
    resource_state: 2,
    name: 'Lap 1',
    activity: { id: a.id, resource_state: 1 },
    athlete: { id: a.athleteId, resource_state: 1 },
    elapsed_time: a.elapsedTime,
    moving_time: a.movingTime,
    start_date,
    start_date_local,
    distance: r1(a.distance),
    start_index: 0,
    end_index: Math.max(0, points - 1),
    total_elevation_gain: r1(a.totalElevationGain),
    average_speed: averageSpeed,
    max_speed: a.maxSpeed,
    lap_index: 1,
    split: 1,
  };
  if (a.averageCadence !== null) lap.average_cadence = a.averageCadence;
  if (a.averageWatts !== null) {
    lap.average_watts = a.averageWatts;
    lap.device_watts = a.deviceWatts ?? false;
  }
  if (a.averageHeartrate !== null) {
    lap.average_heartrate = a.averageHeartrate;
    lap.max_heartrate = a.maxHeartrate;
  }
  const isRun = activityTypeOf(a.sportType) === 'Run';
  const json: Record<string, unknown> = {
    ...summary,
    resource_state: 3,
    map: { id: `a${a.id}`, polyline: detailedPolyline(a), resource_state: 3, summary_polyline: geo.summaryPolyline },
    description: a.description,
    calories: a.calories,
    segment_efforts: [],
    splits_metric: splitsOf(a, 1000),
    splits_standard: splitsOf(a, 1609.34),
    laps: a.manual ? [] : [lap],
    ...(isRun ? { best_efforts: bestEffortsOf(a, start_date, start_date_local) } : {}),
    photos: { primary: null, count: 0 },
    hide_from_home: false,
    embed_token: `${a.id.toString(16)}${a.shapeSeed.toString(16)}`.slice(0, 40),
  };
  if (gearJson) json.gear = gearJson;
  if (a.deviceName !== null) json.device_name = a.deviceName;
  return json;
}
