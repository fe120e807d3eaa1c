// Synthesises an activity's GPS loop, elevation profile and time series from its record, deterministically.

import { encodePolyline } from '../../shared/activities/index.js';
import type { ActivityRecord, GeoPoint } from './model.js';
import { Random, mixSeed } from './random.js';

type LatLngPair = [number, number];

/** Metres per degree of latitude on a sphere of the mean Earth radius, so haversine agrees with our lengths. */
const METERS_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;
const LOOP_SAMPLES = 1024;
const ALTITUDE_SAMPLES = 2000;
/** Above this many points the "device" records less often, as smart recording does on long rides. */
const MAX_STREAM_POINTS = 12_000;

interface Harmonic {
  k: number;
  amplitude: number;
  phase: number;
}

/** The geometry of one activity: a closed loop through its start, and an elevation curve along it. */
export interface Shape {
  readonly record: ActivityRecord;
  /** Loop polygon in metres relative to the start, with cumulative length per vertex. */
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly cumulative: Float64Array;
  readonly origin: GeoPoint | null;
  readonly altitude: { harmonics: Harmonic[]; scale: number; min: number; max: number };
}

function altitudeShape(record: ActivityRecord): Shape['altitude'] {
  const rnd = new Random(mixSeed(record.shapeSeed, 'altitude'));
  const harmonics: Harmonic[] = [];
  for (let k = 1; k <= 5; k++) harmonics.push({ k, amplitude: rnd.range(0.2, 1) / k ** 0.8, phase: rnd.range(0, 2 * Math.PI) });
  let min = Infinity;
  let max = -Infinity;
  let gain = 0;
  let prev = 0;
  for (let i = 0; i <= ALTITUDE_SAMPLES; i++) {
    const v = evalHarmonics(harmonics, i / ALTITUDE_SAMPLES);
    if (i > 0 && v > prev) gain += v - prev;
    prev = v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  // Gain scales linearly with amplitude, so one factor makes the profile climb exactly the recorded gain.
  const scale = gain > 0 ? record.totalElevationGain / gain : 0;
  return { harmonics, scale, min, max };
}

function evalHarmonics(harmonics: Harmonic[], f: number): number {
  let v = 0;
  for (const h of harmonics) v += h.amplitude * Math.sin(2 * Math.PI * h.k * f + h.phase);
  return v;
}

function evalHarmonicsSlope(harmonics: Harmonic[], f: number): number {
  let v = 0;
  for (const h of harmonics) v += h.amplitude * 2 * Math.PI * h.k * Math.cos(2 * Math.PI * h.k * f + h.phase);
  return v;
}

export function buildShape(record: ActivityRecord): Shape {
  const rnd = new Random(mixSeed(record.shapeSeed, 'loop'));
  const rotation = rnd.range(0, 2 * Math.PI);
  const direction = rnd.chance(0.5) ? 1 : -1;
  const stretch = rnd.range(0.65, 1.35);
  // Low harmonics give the loop its overall form; high ones the wiggle of real streets and paths. The radius
  // stays positive (amplitudes sum below 1), so the loop never crosses itself.
  const harmonics: Harmonic[] = [
    { k: 2, amplitude: rnd.range(0.05, 0.35), phase: rnd.range(0, 2 * Math.PI) },
    { k: 3, amplitude: rnd.range(0, 0.2), phase: rnd.range(0, 2 * Math.PI) },
    { k: 4, amplitude: rnd.range(0, 0.1), phase: rnd.range(0, 2 * Math.PI) },
    { k: 5, amplitude: rnd.range(0, 0.06), phase: rnd.range(0, 2 * Math.PI) },
    { k: rnd.int(11, 19), amplitude: rnd.range(0.004, 0.018), phase: rnd.range(0, 2 * Math.PI) },
    { k: rnd.int(23, 37), amplitude: rnd.range(0.002, 0.007), phase: rnd.range(0, 2 * Math.PI) },
  ];
  const cosR = Math.cos(rotation);
  const sinR = Math.sin(rotation);
  const unit = (theta: number): [number, number] => {
    let r = 1;
    for (const h of harmonics) r += h.amplitude * Math.sin(h.k * theta + h.phase);
    const x = r * Math.cos(theta);
    const y = r * Math.sin(theta) * stretch;
    return [x * cosR - y * sinR, x * sinR + y * cosR];
  };
  const [x0, y0] = unit(0);
  const xs = new Float64Array(LOOP_SAMPLES + 1);
  const ys = new Float64Array(LOOP_SAMPLES + 1);
  const cumulative = new Float64Array(LOOP_SAMPLES + 1);
  for (let i = 0; i <= LOOP_SAMPLES; i++) {
    const [x, y] = unit((direction * 2 * Math.PI * i) / LOOP_SAMPLES);
    xs[i] = x - x0;
    ys[i] = y - y0;
    if (i > 0) cumulative[i] = cumulative[i - 1]! + Math.hypot(xs[i]! - xs[i - 1]!, ys[i]! - ys[i - 1]!);
  }
  // Scale the unit loop so its polygon is exactly the activity's distance long.
  const total = cumulative[LOOP_SAMPLES]!;
  const scale = total > 0 ? record.distance / total : 0;
  for (let i = 0; i <= LOOP_SAMPLES; i++) {
    xs[i] = xs[i]! * scale;
    ys[i] = ys[i]! * scale;
    cumulative[i] = cumulative[i]! * scale;
  }
  return { record, xs, ys, cumulative, origin: record.start, altitude: altitudeShape(record) };
}

/** Position at a fraction of the loop's length, in degrees. */
export function pointAt(shape: Shape, fraction: number): LatLngPair {
  const origin = shape.origin;
  if (!origin) throw new Error('activity has no GPS track');
  const { xs, ys, cumulative } = shape;
  const target = Math.min(1, Math.max(0, fraction)) * cumulative[LOOP_SAMPLES]!;
  let lo = 0;
  let hi = LOOP_SAMPLES;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! <= target) lo = mid;
    else hi = mid;
  }
  const span = cumulative[hi]! - cumulative[lo]!;
  const t = span > 0 ? (target - cumulative[lo]!) / span : 0;
  const x = xs[lo]! + (xs[hi]! - xs[lo]!) * t;
  const y = ys[lo]! + (ys[hi]! - ys[lo]!) * t;
  const lat = origin.lat + y / METERS_PER_DEGREE;
  const lng = origin.lng + x / (METERS_PER_DEGREE * Math.cos((origin.lat * Math.PI) / 180));
  return [lat, lng];
}

export function altitudeAt(shape: Shape, fraction: number): number {
  const a = shape.altitude;
  return shape.record.baseAltitude + a.scale * (evalHarmonics(a.harmonics, fraction) - a.min);
}

/** Grade as a fraction (0.05 = 5 %). */
export function gradeAt(shape: Shape, fraction: number): number {
  if (shape.record.distance <= 0) return 0;
  return (shape.altitude.scale * evalHarmonicsSlope(shape.altitude.harmonics, fraction)) / shape.record.distance;
}

export interface SummaryGeometry {
  summaryPolyline: string;
  startLatLng: LatLngPair | null;
  endLatLng: LatLngPair | null;
  elevHigh: number | null;
  elevLow: number | null;
}

const round = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

// Keyed by record identity: several sandboxes in one process may reuse the same ids with different data.
const summaryCache = new WeakMap<ActivityRecord, SummaryGeometry>();
const shapeCache = new Map<number, Shape>();
const SHAPE_CACHE_SIZE = 64;

export function shapeOf(record: ActivityRecord): Shape {
  const cached = shapeCache.get(record.id);
  if (cached && cached.record === record) {
    // Re-insert to keep the map in least-recently-used order.
    shapeCache.delete(record.id);
    shapeCache.set(record.id, cached);
    return cached;
  }
  const shape = buildShape(record);
  shapeCache.delete(record.id);
  shapeCache.set(record.id, shape);
  if (shapeCache.size > SHAPE_CACHE_SIZE) shapeCache.delete(shapeCache.keys().next().value!);
  return shape;
}

/** The fields of a summary representation that depend on geometry; cached because lists ask for them often. */
export function summaryGeometry(record: ActivityRecord): SummaryGeometry {
  const cached = summaryCache.get(record);
  if (cached) return cached;
  let result: SummaryGeometry;
  if (!record.start || record.distance <= 0) {
    result = { summaryPolyline: '', startLatLng: null, endLatLng: null, elevHigh: null, elevLow: null };
  } else {
    const shape = buildShape(record);
    // Strava's summary polyline is a simplified line of a few hundred points at most.
    const count = Math.max(40, Math.min(200, Math.round(record.distance / 80)));
    const points: LatLngPair[] = [];
    for (let i = 0; i <= count; i++) points.push(pointAt(shape, i / count));
    const start = points[0]!;
    const end = points[points.length - 1]!;
    const a = shape.altitude;
    result = {
      summaryPolyline: encodePolyline(points),
      // Strava publishes start/end to two decimals (about a kilometre), not the exact doorstep.
      startLatLng: [round(start[0], 2), round(start[1], 2)],
      endLatLng: [round(end[0], 2), round(end[1], 2)],
      elevHigh: round(record.baseAltitude + a.scale * (a.max - a.min), 1),
      elevLow: round(record.baseAltitude, 1),
    };
  }
  summaryCache.set(record, result);
  return result;
}

/** The detailed polyline: denser than the summary one, as on GET /activities/{id}. */
export function detailedPolyline(record: ActivityRecord): string {
  if (!record.start || record.distance <= 0) return '';
  const shape = shapeOf(record);
  const count = Math.max(200, Math.min(2000, Math.round(record.distance / 15)));
  const points: LatLngPair[] = [];
  for (let i = 0; i <= count; i++) points.push(pointAt(shape, i / count));
  return encodePolyline(points);
}

// ---- motion: how fast the athlete moved along the loop ----

interface Motion {
  /** Segment boundaries are evenly spaced in distance. */
  segments: number;
  segmentLength: number;
  speed: Float64Array;
  /** Moving time at each boundary (length segments + 1). */
  cumulativeTime: Float64Array;
  /** Moving-time instants at which the athlete stopped, and for how long. */
  pauses: Array<{ at: number; seconds: number }>;
}

function speedFactor(record: ActivityRecord, shape: Shape, f: number, noise: Harmonic[]): number {
  const grade = gradeAt(shape, f);
  let factor: number;
  switch (record.streamKind) {
    case 'ride':
    case 'virtual':
      factor = grade > 0 ? 1 / (1 + 15 * grade) : 1 + Math.min(0.5, -grade * 8);
      break;
    case 'hike':
      factor = grade > 0 ? 1 / (1 + 8 * grade) : 1 / (1 + 3 * -grade);
      break;
    case 'run':
    case 'walk':
      factor = Math.min(1.2, Math.max(0.5, Math.exp(grade > 0 ? -5 * grade : -2 * grade)));
      break;
    default:
      factor = 1;
  }
  if (record.intervals && record.distance > 4000) {
    const d = f * record.distance;
    const warmup = 2000;
    const rep = 800;
    const recovery = 400;
    const reps = Math.min(8, Math.floor((record.distance - warmup - 1500) / (rep + recovery)));
    const into = d - warmup;
    if (d < warmup) factor *= 0.9;
    else if (into < reps * (rep + recovery)) factor *= into % (rep + recovery) < rep ? 1.22 : 0.74;
    else factor *= 0.92;
  }
  return factor * (1 + evalHarmonics(noise, f));
}

function buildMotion(record: ActivityRecord, shape: Shape): Motion {
  const rnd = new Random(mixSeed(record.shapeSeed, 'motion'));
  const noise: Harmonic[] = [
    { k: rnd.int(2, 4), amplitude: 0.04, phase: rnd.range(0, 2 * Math.PI) },
    { k: rnd.int(9, 15), amplitude: 0.025, phase: rnd.range(0, 2 * Math.PI) },
    { k: rnd.int(31, 47), amplitude: 0.012, phase: rnd.range(0, 2 * Math.PI) },
  ];
  const segments = record.distance > 0 ? Math.max(400, Math.min(20_000, Math.round(record.distance / 5))) : 1;
  const segmentLength = record.distance / segments;
  const speed = new Float64Array(segments);
  let rawTime = 0;
  for (let i = 0; i < segments; i++) {
    const factor = record.distance > 0 ? Math.max(0.2, speedFactor(record, shape, (i + 0.5) / segments, noise)) : 1;
    speed[i] = factor;
    rawTime += segmentLength / factor;
  }
  // Scale relative speeds so the whole loop takes exactly the recorded moving time.
  const k = record.movingTime > 0 && rawTime > 0 ? rawTime / record.movingTime : 0;
  const cumulativeTime = new Float64Array(segments + 1);
  for (let i = 0; i < segments; i++) {
    speed[i] = speed[i]! * k;
    cumulativeTime[i + 1] = cumulativeTime[i]! + (speed[i]! > 0 ? segmentLength / speed[i]! : record.movingTime / segments);
  }
  const pauseTotal = Math.max(0, record.elapsedTime - record.movingTime);
  const pauses: Motion['pauses'] = [];
  if (pauseTotal > 0) {
    if (pauseTotal > 600) {
      const first = Math.round(pauseTotal * rnd.range(0.55, 0.8));
      pauses.push({ at: Math.round(record.movingTime * 0.42), seconds: first });
      pauses.push({ at: Math.round(record.movingTime * 0.71), seconds: pauseTotal - first });
    } else {
      pauses.push({ at: Math.round(record.movingTime * rnd.range(0.3, 0.7)), seconds: pauseTotal });
    }
  }
  return { segments, segmentLength, speed, cumulativeTime, pauses };
}

/** Distance covered after `t` seconds of moving time. */
function distanceAtTime(motion: Motion, t: number, hint: { segment: number }): { distance: number; speed: number } {
  const { cumulativeTime, speed, segmentLength, segments } = motion;
  let i = hint.segment;
  while (i < segments - 1 && cumulativeTime[i + 1]! <= t) i++;
  hint.segment = i;
  const v = speed[i]!;
  const d = Math.min(segments * segmentLength, i * segmentLength + Math.max(0, t - cumulativeTime[i]!) * v);
  return { distance: d, speed: v };
}

export interface TrackStreams {
  time: number[];
  distance: number[];
  latlng?: LatLngPair[];
  altitude?: number[];
  velocity_smooth?: number[];
  heartrate?: number[];
  cadence?: number[];
  watts?: number[];
  moving?: boolean[];
  grade_smooth?: number[];
}

/**
 * Rescales a series so its mean and maximum equal the activity's recorded averages. Values clipped at the
 * floor (a stopped athlete's zero watts) would pull the mean up, so the target is corrected a few times.
 */
function fitMeanMax(values: number[], mean: number, max: number, floor: number): number[] {
  if (values.length === 0) return values;
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const top = Math.max(...values);
  const spread = top - m;
  let target = mean;
  let out = values;
  for (let iteration = 0; iteration < 8; iteration++) {
    const scale = spread > 1e-9 ? (max - target) / spread : 0;
    out = values.map((v) => Math.max(floor, target + (v - m) * scale));
    const achieved = out.reduce((a, b) => a + b, 0) / out.length;
    if (Math.abs(achieved - mean) < 0.05) break;
    target -= achieved - mean;
  }
  return out;
}

/** Number of points in each of an activity's streams, without generating them (laps index into streams). */
export function streamLength(record: ActivityRecord): number {
  if (record.manual || record.streamKind === 'none' || record.movingTime <= 0) return 0;
  const dt = Math.max(1, Math.ceil(record.movingTime / MAX_STREAM_POINTS));
  return Math.ceil(record.movingTime / dt) + 1;
}

const streamCache = new Map<number, { record: ActivityRecord; streams: TrackStreams }>();
const STREAM_CACHE_SIZE = 16;

/** Full-resolution streams of an activity; null when it has none (manual entries). */
export function streamsOf(record: ActivityRecord): TrackStreams | null {
  if (record.manual || record.streamKind === 'none' || record.movingTime <= 0) return null;
  const cached = streamCache.get(record.id);
  if (cached && cached.record === record) return cached.streams;
  const streams = generateStreams(record);
  streamCache.delete(record.id);
  streamCache.set(record.id, { record, streams });
  if (streamCache.size > STREAM_CACHE_SIZE) streamCache.delete(streamCache.keys().next().value!);
  return streams;
}

function generateStreams(record: ActivityRecord): TrackStreams {
  const shape = shapeOf(record);
  const motion = buildMotion(record, shape);
  const rnd = new Random(mixSeed(record.shapeSeed, 'streams'));
  const hasGps = record.start !== null && record.distance > 0 && record.streamKind !== 'static' && record.streamKind !== 'swim';
  const moves = record.distance > 0 && record.streamKind !== 'static';
  const dt = Math.max(1, Math.ceil(record.movingTime / MAX_STREAM_POINTS));
  const averageSpeed = record.distance / record.movingTime;

  const time: number[] = [];
  const distance: number[] = [];
  const latlng: LatLngPair[] = [];
  const altitude: number[] = [];
  const velocity: number[] = [];
  const grade: number[] = [];
  const moving: boolean[] = [];
  const effort: number[] = [];
  const cadenceRaw: number[] = [];
  const powerRaw: number[] = [];

  const hint = { segment: 0 };
  let pauseOffset = 0;
  let nextPause = 0;
  let lag = 0.7;
  const tau = record.streamKind === 'swim' ? 20 : 40;
  for (let tm = 0; ; tm = Math.min(record.movingTime, tm + dt)) {
    let resumed = false;
    const pause = motion.pauses[nextPause];
    if (pause && tm >= pause.at && tm > 0) {
      pauseOffset += pause.seconds;
      nextPause++;
      resumed = true;
      // Heart rate settles while standing still.
      lag *= 0.85;
    }
    const { distance: d, speed } = moves ? distanceAtTime(motion, tm, hint) : { distance: 0, speed: 0 };
    const f = record.distance > 0 ? d / record.distance : 0;
    const isMoving = moves && tm > 0 && !resumed;
    time.push(tm + pauseOffset);
    distance.push(Math.round(d * 10) / 10);
    moving.push(isMoving);
    velocity.push(isMoving ? Math.round(speed * 100) / 100 : 0);
    const g = hasGps ? gradeAt(shape, f) : 0;
    if (hasGps) {
      const p = pointAt(shape, f);
      latlng.push([Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6]);
      altitude.push(Math.round(altitudeAt(shape, f) * 10) / 10);
      grade.push(Math.round(g * 1000) / 10);
    }
    // Effort drives heart rate through a lag, with a warm-up and a slow cardiac drift.
    let target: number;
    if (record.streamKind === 'static') {
      target = 0.85 + 0.3 * Math.max(0, Math.sin((2 * Math.PI * tm) / 240)) ** 6;
    } else if (record.streamKind === 'ride' || record.streamKind === 'virtual') {
      target = 1 + 6 * Math.max(0, g) - (g < -0.02 ? 0.15 : 0);
    } else {
      target = averageSpeed > 0 ? (0.6 + (0.4 * speed) / averageSpeed) * (1 + 3 * Math.max(0, g)) : 1;
    }
    target *= Math.min(1, 0.78 + (0.22 * tm) / 480) * (1 + (0.05 * tm) / Math.max(1, record.movingTime));
    const alpha = 1 - Math.exp(-dt / tau);
    lag += (target - lag) * alpha;
    effort.push(lag + rnd.normal(0, 0.006));
    if (record.averageCadence !== null) {
      const coasting = (record.streamKind === 'ride' || record.streamKind === 'virtual') && g < -0.03;
      cadenceRaw.push(isMoving && !coasting ? record.averageCadence * (1 + 0.06 * (speed / averageSpeed - 1)) + rnd.normal(0, 1.5) : 0);
    }
    if (record.deviceWatts && record.averageWatts !== null) {
      powerRaw.push(isMoving ? Math.max(0, (0.55 + (0.45 * speed) / averageSpeed) * (1 + 9 * g) + rnd.normal(0, 0.06)) : 0);
    }
    if (tm >= record.movingTime) break;
  }

  const out: TrackStreams = { time, distance };
  if (moves) out.velocity_smooth = velocity;
  if (record.streamKind !== 'static') out.moving = moving;
  if (hasGps) {
    out.latlng = latlng;
    out.altitude = altitude;
    out.grade_smooth = grade;
  }
  if (record.averageHeartrate !== null && record.maxHeartrate !== null) {
    out.heartrate = fitMeanMax(effort, record.averageHeartrate, record.maxHeartrate, 55).map((v) => Math.round(v));
  }
  if (record.averageCadence !== null && cadenceRaw.length > 0) {
    // Strava's average cadence ignores the zeros of coasting and stops; shift the pedalling part to match.
    const active = cadenceRaw.filter((v) => v > 0);
    const mean = active.length ? active.reduce((a, b) => a + b, 0) / active.length : 0;
    const shift = record.averageCadence - mean;
    out.cadence = cadenceRaw.map((v) => (v > 0 ? Math.max(1, Math.round(v + shift)) : 0));
  }
  if (record.deviceWatts && record.averageWatts !== null && powerRaw.length > 0) {
    const max = record.maxWatts ?? record.averageWatts * 2.5;
    out.watts = fitMeanMax(powerRaw, record.averageWatts, max, 0).map((v) => Math.round(v));
  }
  return out;
}

export interface SplitData {
  distance: number;
  elapsed_time: number;
  elevation_difference: number;
  moving_time: number;
  split: number;
  average_speed: number;
  pace_zone: number;
}

/** Per-kilometre (or per-mile) splits from the same motion model the streams use. */
export function splitsOf(record: ActivityRecord, unit: number): SplitData[] {
  if (record.manual || record.distance <= 0 || record.streamKind === 'static') return [];
  const shape = shapeOf(record);
  const motion = buildMotion(record, shape);
  const timeAtDistance = (d: number): number => {
    const i = Math.min(motion.segments - 1, Math.floor(d / motion.segmentLength));
    const into = d - i * motion.segmentLength;
    return motion.cumulativeTime[i]! + (motion.speed[i]! > 0 ? into / motion.speed[i]! : 0);
  };
  const hasAltitude = record.start !== null && record.streamKind !== 'swim';
  const splits: SplitData[] = [];
  for (let from = 0, n = 1; from < record.distance - 0.5; from += unit, n++) {
    const to = Math.min(record.distance, from + unit);
    const t0 = timeAtDistance(from);
    const t1 = timeAtDistance(to);
    const movingTime = Math.max(1, Math.round(t1 - t0));
    const pauseSeconds = motion.pauses.filter((p) => p.at > t0 && p.at <= t1).reduce((a, p) => a + p.seconds, 0);
    const dist = to - from;
    splits.push({
      distance: Math.round(dist * 10) / 10,
      elapsed_time: movingTime + pauseSeconds,
      elevation_difference: hasAltitude ? Math.round((altitudeAt(shape, to / record.distance) - altitudeAt(shape, from / record.distance)) * 10) / 10 : 0,
      moving_time: movingTime,
      split: n,
      average_speed: Math.round((dist / movingTime) * 100) / 100,
      pace_zone: 0,
    });
  }
  return splits;
}
