// FIT activity files through Garmin's official FIT SDK: integrity checked first, then records, session and local time.
import { Decoder, Stream } from '@garmin/fitsdk';
import { ArchiveReasonError, because } from './reasons.js';
import { fitSport } from './sports.js';
import { emptyTrack, pushPoint, type Track } from './track.js';

export class FitError extends ArchiveReasonError {
  override readonly name = 'FitError';
}

/** Seconds from the Unix epoch to the FIT epoch (1989-12-31T00:00:00Z). */
const FIT_EPOCH_S = 631_065_600;
const SEMICIRCLE_TO_DEG = 180 / 2 ** 31;

const asDate = (v: unknown): Date | undefined => (v instanceof Date && !Number.isNaN(v.getTime()) ? v : undefined);
const asNum = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function isFit(bytes: Uint8Array): boolean {
  // Header: size (12 or 14) at 0, ".FIT" at 8.
  return bytes.length >= 12 && (bytes[0] === 12 || bytes[0] === 14) && bytes[8] === 0x2e && bytes[9] === 0x46 && bytes[10] === 0x49 && bytes[11] === 0x54;
}

export function parseFit(bytes: Uint8Array): Track {
  if (!isFit(bytes)) throw new FitError(because('notFit'));
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new Decoder(Stream.fromBuffer(buffer));
  // The CRC covers every byte: a truncated or altered file fails here, before anything is read from it.
  if (!decoder.checkIntegrity()) throw new FitError(because('fitTruncated'));
  const { messages, errors } = decoder.read({
    applyScaleAndOffset: true,
    expandSubFields: true,
    expandComponents: true,
    convertTypesToStrings: true,
    convertDateTimesToDates: true,
    mergeHeartRates: true,
  });
  if (errors.length > 0) throw new FitError(because('fitUndecodable', errors[0]!.message));
  const fileType = messages.fileIdMesgs?.[0]?.type;
  if (fileType !== undefined && fileType !== 'activity') throw new FitError(because('fitNotActivity', String(fileType)));
  const records = messages.recordMesgs ?? [];
  const track = emptyTrack('fit');
  for (const r of records) {
    const lat = asNum(r.positionLat);
    const lng = asNum(r.positionLong);
    pushPoint(track, {
      time: asDate(r.timestamp)?.getTime(),
      lat: lat === undefined ? undefined : lat * SEMICIRCLE_TO_DEG,
      lng: lng === undefined ? undefined : lng * SEMICIRCLE_TO_DEG,
      altitude: asNum(r.enhancedAltitude) ?? asNum(r.altitude),
      heartrate: asNum(r.heartRate),
      cadence: asNum(r.cadence),
      watts: asNum(r.power),
      temp: asNum(r.temperature),
      distance: asNum(r.distance),
      speed: asNum(r.enhancedSpeed) ?? asNum(r.speed),
    });
  }
  const sessions = messages.sessionMesgs ?? [];
  const session = sessions[0];
  if (session) {
    // A multisport file has one session per leg: the whole is one activity, summed.
    const sum = (key: 'totalDistance' | 'totalElapsedTime' | 'totalTimerTime' | 'totalAscent') => {
      const values = sessions.map((s) => asNum(s[key])).filter((v): v is number => v !== undefined);
      return values.length > 0 ? values.reduce((a, b) => a + b, 0) : undefined;
    };
    track.stated = {
      sport: fitSport(session.sport, session.subSport),
      startDate: asDate(session.startTime),
      distance: sum('totalDistance'),
      elapsedTime: sum('totalElapsedTime'),
      movingTime: sum('totalTimerTime'),
      elevationGain: sum('totalAscent'),
      averageHeartrate: asNum(session.avgHeartRate),
      maxHeartrate: asNum(session.maxHeartRate),
      maxSpeed: asNum(session.enhancedMaxSpeed) ?? asNum(session.maxSpeed),
    };
  }
  const activity = messages.activityMesgs?.[0];
  const utc = asDate(activity?.timestamp);
  const local = asNum(activity?.localTimestamp);
  if (utc && local !== undefined) {
    // local_timestamp is the same instant in local wall-clock seconds since the FIT epoch: the difference is the offset.
    const offset = Math.round((local + FIT_EPOCH_S - utc.getTime() / 1000) / 900) * 900;
    if (Math.abs(offset) <= 14 * 3600) track.stated.utcOffsetS = offset;
  }
  return track;
}
