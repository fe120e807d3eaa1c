// What a parsed activity file holds (columns of samples), and the activity summary and streams derived from it.
import { encodePolyline, type Streams } from '../activities/index.js';
import { distanceM } from '../privacy/index.js';
import { LIMITS } from './limits.js';
import { ArchiveReasonError, because } from './reasons.js';

export type FileFormat = 'fit' | 'gpx' | 'tcx';

/** Samples in columns (one entry per point, NaN where a value is missing), which keeps a long track compact. */
export interface Track {
  format: FileFormat;
  /** Epoch milliseconds. */
  time: number[];
  lat: number[];
  lng: number[];
  altitude: number[];
  heartrate: number[];
  cadence: number[];
  watts: number[];
  temp: number[];
  /** Cumulative metres as the device recorded them. */
  distance: number[];
  speed: number[];
  /** What the file states about the whole activity; preferred over figures computed from samples. */
  stated: {
    sport?: string;
    name?: string;
    startDate?: Date;
    /** Seconds east of UTC where the activity happened, when the file says (FIT's local timestamp). */
    utcOffsetS?: number;
    distance?: number;
    elapsedTime?: number;
    movingTime?: number;
    elevationGain?: number;
    averageHeartrate?: number;
    maxHeartrate?: number;
    maxSpeed?: number;
  };
}

export function emptyTrack(format: FileFormat): Track {
  return { format, time: [], lat: [], lng: [], altitude: [], heartrate: [], cadence: [], watts: [], temp: [], distance: [], speed: [], stated: {} };
}

export function pushPoint(
  track: Track,
  p: Partial<Record<'time' | 'lat' | 'lng' | 'altitude' | 'heartrate' | 'cadence' | 'watts' | 'temp' | 'distance' | 'speed', number>>,
): void {
  const v = (x: number | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : NaN);
  track.time.push(v(p.time));
  const lat = v(p.lat);
  const lng = v(p.lng);
  // A position must be on the globe; (0,0) from a device without a fix is as good as none.
  const valid = lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180 && !(lat === 0 && lng === 0);
  track.lat.push(valid ? lat : NaN);
  track.lng.push(valid ? lng : NaN);
  track.altitude.push(v(p.altitude));
  track.heartrate.push(v(p.heartrate));
  track.cadence.push(v(p.cadence));
  track.watts.push(v(p.watts));
  track.temp.push(v(p.temp));
  track.distance.push(v(p.distance));
  track.speed.push(v(p.speed));
}

/** The summary and streams of one activity, ready for the activities capability to store. */
export interface DerivedActivity {
  sportType: string;
  name: string | undefined;
  startDate: Date;
  utcOffsetS: number | undefined;
  distance: number;
  movingTime: number;
  elapsedTime: number;
  elevationGain: number;
  averageSpeed: number | null;
  maxSpeed: number | null;
  averageHeartrate: number | null;
  maxHeartrate: number | null;
  summaryPolyline: string | null;
  streams: Streams;
  /** Hours the streams cover, for the stored-bytes-per-hour figure. */
  hours: number;
}

export class TrackError extends ArchiveReasonError {
  override readonly name = 'TrackError';
}

const MOVING_SPEED = 0.5; // m/s: slower than this counts as standing still, as Strava's moving time does.
const ELEVATION_HYSTERESIS = 2; // m: GPS and barometer noise below this is not climbing.
const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const finiteOr = <T>(x: number, fallback: T): number | T => (Number.isFinite(x) ? x : fallback);

/** Keeps only samples with a time, ordered; thins evenly past the point cap. */
function usableIndexes(track: Track): number[] {
  const idx: number[] = [];
  let lastTime = -Infinity;
  for (let i = 0; i < track.time.length; i++) {
    const t = track.time[i]!;
    if (!Number.isFinite(t) || t < lastTime) continue;
    idx.push(i);
    lastTime = t;
  }
  if (idx.length <= LIMITS.maxPoints) return idx;
  const step = idx.length / LIMITS.maxPoints;
  const thinned: number[] = [];
  for (let k = 0; k < LIMITS.maxPoints; k++) thinned.push(idx[Math.floor(k * step)]!);
  return thinned;
}

/** A summary polyline of at most ~300 points, as Strava's list answers carry. */
function summaryPolyline(latlng: [number, number][]): string | null {
  if (latlng.length < 2) return null;
  const step = Math.max(1, Math.ceil(latlng.length / 300));
  const picked = latlng.filter((_, i) => i % step === 0);
  if (picked[picked.length - 1] !== latlng[latlng.length - 1]) picked.push(latlng[latlng.length - 1]!);
  return encodePolyline(picked);
}

/**
 * Turns a parsed file into an activity summary and Strava-shaped streams. Stated figures win over computed ones;
 * a file without any timed sample is refused (it has no activity to show).
 */
export function deriveActivity(track: Track): DerivedActivity {
  const idx = usableIndexes(track);
  const startMs = track.stated.startDate?.getTime() ?? (idx.length > 0 ? track.time[idx[0]!]! : NaN);
  if (!Number.isFinite(startMs)) throw new TrackError(because('noTimedSamples'));
  const t0 = idx.length > 0 ? track.time[idx[0]!]! : startMs;
  const time = idx.map((i) => Math.round((track.time[i]! - t0) / 1000));
  const hasGps = idx.some((i) => Number.isFinite(track.lat[i]!));
  const some = (col: number[]) => idx.some((i) => Number.isFinite(col[i]!));

  // Distance: the device's cumulative figure, else summed from positions.
  let distance: number[] | undefined;
  if (some(track.distance)) {
    let last = 0;
    distance = idx.map((i) => {
      const d = track.distance[i]!;
      if (Number.isFinite(d) && d >= last) last = d;
      return round(last, 1);
    });
  } else if (hasGps) {
    let sum = 0;
    let prev: [number, number] | undefined;
    distance = idx.map((i) => {
      const lat = track.lat[i]!;
      const lng = track.lng[i]!;
      if (Number.isFinite(lat)) {
        const here: [number, number] = [lat, lng];
        if (prev) sum += distanceM(prev, here);
        prev = here;
      }
      return round(sum, 1);
    });
  }

  // Positions with gaps filled by the last fix, as Strava's latlng stream has one pair per sample.
  let latlng: [number, number][] | undefined;
  if (hasGps) {
    const first = idx.find((i) => Number.isFinite(track.lat[i]!))!;
    let last: [number, number] = [round(track.lat[first]!, 6), round(track.lng[first]!, 6)];
    latlng = idx.map((i) => {
      if (Number.isFinite(track.lat[i]!)) last = [round(track.lat[i]!, 6), round(track.lng[i]!, 6)];
      return last;
    });
  }

  const column = (col: number[], digits: number): number[] | undefined => {
    if (!some(col)) return undefined;
    let last = idx.map((i) => col[i]!).find(Number.isFinite) ?? 0;
    return idx.map((i) => {
      if (Number.isFinite(col[i]!)) last = col[i]!;
      return round(last, digits);
    });
  };

  // Speed: the device's, else from distance over time, smoothed over a few samples.
  let velocity: number[] | undefined = column(track.speed, 2);
  if (!velocity && distance && time.length > 1) {
    velocity = time.map((_, k) => {
      const a = Math.max(0, k - 2);
      const b = Math.min(time.length - 1, k + 2);
      const dt = time[b]! - time[a]!;
      return dt > 0 ? round((distance![b]! - distance![a]!) / dt, 2) : 0;
    });
  }

  const streams: Streams = {};
  if (time.length > 0) streams.time = time;
  if (distance) streams.distance = distance;
  if (latlng) streams.latlng = latlng;
  const altitude = column(track.altitude, 1);
  if (altitude) streams.altitude = altitude;
  if (velocity) streams.velocity_smooth = velocity;
  const hr = column(track.heartrate, 0);
  if (hr) streams.heartrate = hr;
  const cadence = column(track.cadence, 0);
  if (cadence) streams.cadence = cadence;
  const watts = column(track.watts, 0);
  if (watts) streams.watts = watts;
  const temp = column(track.temp, 0);
  if (temp) streams.temp = temp;

  const elapsed = time.length > 0 ? time[time.length - 1]! : 0;
  let moving = 0;
  if (velocity) {
    for (let k = 1; k < time.length; k++) {
      const dt = time[k]! - time[k - 1]!;
      // Long gaps are pauses (auto-pause or a stop), never moving time.
      if (dt > 0 && dt <= 30 && velocity[k]! >= MOVING_SPEED) moving += dt;
    }
  } else moving = elapsed;

  let gain = 0;
  if (altitude) {
    let ref = altitude[0]!;
    for (const a of altitude) {
      if (a > ref + ELEVATION_HYSTERESIS) {
        gain += a - ref;
        ref = a;
      } else if (a < ref - ELEVATION_HYSTERESIS) ref = a;
    }
  }

  const totalDistance = track.stated.distance ?? (distance ? distance[distance.length - 1]! : 0);
  const movingTime = Math.round(track.stated.movingTime ?? moving);
  const hrValues = hr ?? [];
  // A loop, not Math.max(...xs): a long track would overflow the call stack.
  const maxOf = (xs: number[]) => {
    let m = -Infinity;
    for (const x of xs) if (x > m) m = x;
    return xs.length > 0 ? m : NaN;
  };
  const avgOf = (xs: number[]) => (xs.length > 0 ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);

  return {
    sportType: track.stated.sport ?? 'Workout',
    name: track.stated.name,
    startDate: new Date(startMs),
    utcOffsetS: track.stated.utcOffsetS,
    distance: round(totalDistance, 1),
    movingTime,
    elapsedTime: Math.round(track.stated.elapsedTime ?? elapsed),
    elevationGain: round(track.stated.elevationGain ?? gain, 1),
    averageSpeed: movingTime > 0 && totalDistance > 0 ? round(totalDistance / movingTime, 3) : null,
    maxSpeed: finiteOr(track.stated.maxSpeed ?? maxOf(velocity ?? []), null),
    averageHeartrate: finiteOr(track.stated.averageHeartrate ?? round(avgOf(hrValues), 1), null),
    maxHeartrate: finiteOr(track.stated.maxHeartrate ?? maxOf(hrValues), null),
    summaryPolyline: latlng ? summaryPolyline(latlng) : null,
    streams,
    hours: elapsed / 3600,
  };
}
