// Best efforts from an activity's streams (fastest time over each standard distance) and from Strava's detail.
import type { Streams } from '../activities/index.js';
import { distancesFor, EFFORT_DISTANCES, type EffortSport } from './distances.js';

export interface Effort {
  effort: string;
  /** Whole seconds, as Strava counts them. */
  elapsedTime: number;
}

/**
 * Faster than anyone moves on foot or by bike: between two samples this is a GPS jump (a tunnel, a lost fix, a
 * device restarted elsewhere), and no effort may be timed across it, or one glitch would make a world record.
 */
export const MAX_SPEED: Record<EffortSport, number> = { run: 12.5, ride: 30 };

const EARTH_RADIUS_M = 6_371_008.8;

function haversine(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLng = (b[1] - a[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The cumulative distance at each sample: Strava's (and the archive's) distance stream when there is one, otherwise
 * summed from the positions. Undefined when neither is there.
 */
export function cumulativeDistance(streams: Streams): number[] | undefined {
  const time = streams.time;
  if (!time) return undefined;
  if (streams.distance && streams.distance.length === time.length) return streams.distance;
  const latlng = streams.latlng;
  if (!latlng || latlng.length !== time.length) return undefined;
  const out: number[] = [0];
  for (let i = 1; i < latlng.length; i++) out.push(out[i - 1]! + haversine(latlng[i - 1]!, latlng[i]!));
  return out;
}

/**
 * Splits the samples into stretches no effort may cross: a step back in time or distance, a missing value, or a jump
 * faster than MAX_SPEED. A pause (time passing, distance not) stays inside a stretch: it is part of elapsed time, as on
 * Strava, so a window holding a pause is simply slower.
 */
function stretches(time: readonly number[], dist: readonly number[], maxSpeed: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 1; i <= time.length; i++) {
    const broken =
      i === time.length ||
      !Number.isFinite(time[i]) ||
      !Number.isFinite(dist[i]) ||
      time[i]! < time[i - 1]! ||
      dist[i]! < dist[i - 1]! ||
      dist[i]! - dist[i - 1]! > maxSpeed * Math.max(time[i]! - time[i - 1]!, 1);
    if (broken) {
      if (i - start >= 2) out.push([start, i - 1]);
      start = i;
    }
  }
  return out;
}

/**
 * The fastest elapsed time over `meters` within samples [from, to]: for each end sample, the latest start from which
 * at least `meters` were covered, with the start placed between two samples where exactly `meters` remain (linear in
 * time), so a 1 Hz stream gives the same answer as a finer one. Two pointers: linear in the number of samples.
 */
function fastestOver(time: readonly number[], dist: readonly number[], from: number, to: number, meters: number): number | undefined {
  if (dist[to]! - dist[from]! < meters) return undefined;
  let best = Infinity;
  let i = from;
  for (let j = from + 1; j <= to; j++) {
    if (dist[j]! - dist[from]! < meters) continue;
    while (i + 1 < j && dist[j]! - dist[i + 1]! >= meters) i++;
    const over = dist[j]! - meters - dist[i]!; // metres between sample i and the exact start
    const step = dist[i + 1]! - dist[i]!;
    const startTime = step > 0 ? time[i]! + ((time[i + 1]! - time[i]!) * over) / step : time[i]!;
    best = Math.min(best, time[j]! - startTime);
  }
  return Number.isFinite(best) ? best : undefined;
}

/** The best effort at each of the sport's standard distances the streams cover. */
export function effortsFromStreams(streams: Streams, sport: EffortSport): Effort[] {
  const time = streams.time;
  const dist = cumulativeDistance(streams);
  if (!time || !dist || time.length < 2) return [];
  const parts = stretches(time, dist, MAX_SPEED[sport]);
  const efforts: Effort[] = [];
  for (const distance of distancesFor(sport)) {
    let best = Infinity;
    for (const [from, to] of parts) best = Math.min(best, fastestOver(time, dist, from, to, distance.meters) ?? Infinity);
    // Rounded as Strava rounds; never zero (a distance covered in no time is a broken stream, caught above).
    if (Number.isFinite(best)) efforts.push({ effort: distance.key, elapsedTime: Math.max(1, Math.round(best)) });
  }
  return efforts;
}

/**
 * Strava's own best efforts from a detailed run (DetailedActivity.best_efforts), matched by name, or by distance within
 * 1% for names Strava may spell differently; other distances (2 mile, 15k…) are not kept.
 */
export function effortsFromDetail(raw: unknown): Effort[] | undefined {
  const list = (raw as { best_efforts?: unknown } | null)?.best_efforts;
  if (!Array.isArray(list)) return undefined;
  const best = new Map<string, number>();
  for (const item of list as { name?: unknown; distance?: unknown; elapsed_time?: unknown }[]) {
    const elapsed = typeof item?.elapsed_time === 'number' && Number.isFinite(item.elapsed_time) ? Math.round(item.elapsed_time) : 0;
    if (elapsed <= 0) continue;
    const name = typeof item.name === 'string' ? item.name : '';
    const meters = typeof item.distance === 'number' ? item.distance : NaN;
    const match =
      EFFORT_DISTANCES.find((d) => d.sport === 'run' && d.stravaNames.includes(name)) ??
      EFFORT_DISTANCES.find((d) => d.sport === 'run' && Math.abs(meters - d.meters) <= d.meters * 0.01);
    if (!match) continue;
    best.set(match.key, Math.min(best.get(match.key) ?? Infinity, elapsed));
  }
  return [...best].map(([effort, elapsedTime]) => ({ effort, elapsedTime }));
}
