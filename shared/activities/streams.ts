// An activity's streams (time, position, altitude, speed, heart rate, cadence): fetched from Strava once and kept.
import type { Queryable } from '../db/index.js';
import type { Logger } from '../log.js';
import type { StravaClient } from '../strava/index.js';
import { StravaNotFoundError } from '../strava/index.js';
import type { StreamSet } from '../strava/index.js';
import type { TokenCipher } from '../tokens/index.js';
import { getAccessToken } from '../tokens/index.js';

export const STREAM_KEYS = [
  'time',
  'distance',
  'latlng',
  'altitude',
  'velocity_smooth',
  'heartrate',
  'cadence',
  'moving',
  'grade_smooth',
  'watts',
  'temp',
] as const;

export interface Streams {
  time?: number[];
  distance?: number[];
  latlng?: [number, number][];
  altitude?: number[];
  velocity_smooth?: number[];
  heartrate?: number[];
  cadence?: number[];
  moving?: boolean[];
  grade_smooth?: number[];
  watts?: number[];
  /** Degrees Celsius, from devices that record it (files from an archive; Strava's own `temp` stream). */
  temp?: number[];
}

export interface StreamDeps {
  pool: Queryable;
  strava: StravaClient;
  cipher: TokenCipher;
  log: Logger;
  /**
   * Called once streams fetched from Strava are kept, so what is read from them (best efforts) is found at once
   * rather than at the next scheduled run; a failure here is logged and leaves the streams kept for that run.
   */
  onStreamsFetched?: (athleteId: number, activityId: number) => Promise<void>;
}

export class StreamsUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamsUnavailableError';
  }
}

/** Keeps only known streams whose data is an array, so a surprise in Strava's answer cannot break a page. */
export function normalizeStreams(set: StreamSet | null | undefined): Streams {
  const out: Record<string, unknown[]> = {};
  if (!set || typeof set !== 'object') return out;
  // key_by_type=true gives an object; without it Strava answers an array of {type, data}.
  const entries: [string, unknown][] = Array.isArray(set) ? (set as { type?: string; data?: unknown }[]).map((s) => [String(s.type), s]) : Object.entries(set);
  for (const [key, value] of entries) {
    if (!(STREAM_KEYS as readonly string[]).includes(key)) continue;
    const data = (value as { data?: unknown } | undefined)?.data;
    if (Array.isArray(data)) out[key] = data;
  }
  return out as Streams;
}

export async function storedStreams(db: Queryable, athleteId: number, activityId: number): Promise<Streams | undefined> {
  const { rows } = await db.query<{ streams: Streams }>('select streams from activity_streams where activity_id = $1::bigint and athlete_id = $2::bigint', [
    activityId,
    athleteId,
  ]);
  return rows[0]?.streams;
}

async function saveStreams(db: Queryable, athleteId: number, activityId: number, streams: Streams): Promise<void> {
  // The activity must still be the athlete's; a concurrent fetch of the same activity is harmless.
  await db.query(
    `insert into activity_streams (activity_id, athlete_id, streams)
     select id, athlete_id, $3::jsonb from activities where id = $1::bigint and athlete_id = $2::bigint
     on conflict (activity_id) do nothing`,
    [activityId, athleteId, JSON.stringify(streams)],
  );
}

async function fetchStreams(deps: StreamDeps, athleteId: number, activityId: number): Promise<Streams> {
  let accessToken: string;
  try {
    // Refreshed first when it is about to expire; one refresh at a time per athlete across instances.
    accessToken = await getAccessToken(deps, athleteId);
  } catch (error) {
    throw new StreamsUnavailableError('no usable Strava token for this athlete', { cause: error });
  }
  let streams: Streams;
  try {
    streams = normalizeStreams(await deps.strava.getStreams(accessToken, activityId, STREAM_KEYS));
  } catch (error) {
    // Strava has no streams for manual entries: remember that, so the page never asks again.
    if (error instanceof StravaNotFoundError) streams = {};
    else throw new StreamsUnavailableError('Strava did not send the streams', { cause: error });
  }
  await saveStreams(deps.pool, athleteId, activityId, streams);
  deps.log.info('Activity streams fetched and kept', { athleteId, activityId, points: streams.time?.length ?? 0 });
  try {
    await deps.onStreamsFetched?.(athleteId, activityId);
  } catch (error) {
    deps.log.warn('Could not read the new streams further; the next scheduled run will', { athleteId, activityId, error });
  }
  return streams;
}

// One fetch per activity at a time in this process, however many tabs ask at once.
const inFlight = new Map<number, Promise<Streams>>();

/** The kept streams, or fetched from Strava the first time they are needed. */
export async function ensureStreams(deps: StreamDeps, athleteId: number, activityId: number): Promise<Streams> {
  const kept = await storedStreams(deps.pool, athleteId, activityId);
  if (kept) return kept;
  // An uploaded file without a Strava id has nothing to fetch: what its file held is all there is.
  if (activityId < 0) return {};
  let pending = inFlight.get(activityId);
  if (!pending) {
    pending = fetchStreams(deps, athleteId, activityId).finally(() => inFlight.delete(activityId));
    inFlight.set(activityId, pending);
  }
  return pending;
}
