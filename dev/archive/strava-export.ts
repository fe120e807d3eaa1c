// Writes activities as Strava's bulk export lays them out: activities.csv plus one file each under activities/, mixing FIT, GPX and TCX, gzipped and not.
import { Encoder, Profile, Utils } from '@garmin/fitsdk';
import { gzipSync } from 'node:zlib';
import type { Streams } from '../../shared/activities/index.js';
import { FitWriter, type FitFields } from './fit-writer.js';
import { ZipWriter } from './zip-writer.js';

/** The streams an export file carries, as Strava's streams; time (seconds from the start) is always there. */
export type ExportStreams = Pick<Streams, 'distance' | 'latlng' | 'altitude' | 'velocity_smooth' | 'heartrate' | 'cadence' | 'watts'> & {
  time: number[];
};

export interface ExportActivity {
  id: number;
  name: string;
  sportType: string;
  /** Epoch milliseconds, UTC. */
  startDate: number;
  /** Seconds east of UTC where it happened. */
  utcOffsetS: number;
  elapsedTime: number;
  movingTime: number;
  distance: number;
  elevationGain: number;
  maxHeartrate: number | null;
  commute: boolean;
  /** null: a manual entry, listed in the CSV without a file. */
  streams: ExportStreams | null;
}

type Layout = 'fit.gz' | 'gpx' | 'tcx.gz' | 'fit' | 'gpx.gz' | 'tcx';
/** The mix real exports show: mostly gzipped FIT from devices, GPX and TCX from older uploads and apps. */
const LAYOUTS: Layout[] = ['fit.gz', 'fit.gz', 'gpx', 'tcx.gz', 'fit', 'gpx.gz', 'tcx'];

const FIT_SPORT: Record<string, [string, string]> = {
  Run: ['running', 'generic'],
  TrailRun: ['running', 'trail'],
  VirtualRun: ['running', 'treadmill'],
  Ride: ['cycling', 'generic'],
  VirtualRide: ['cycling', 'virtualActivity'],
  GravelRide: ['cycling', 'gravelCycling'],
  MountainBikeRide: ['cycling', 'mountain'],
  Walk: ['walking', 'generic'],
  Hike: ['hiking', 'generic'],
  Swim: ['swimming', 'generic'],
};
const TCX_SPORT = (sport: string) => (/Run/.test(sport) ? 'Running' : /Ride/.test(sport) ? 'Biking' : 'Other');
const SEMICIRCLES = 2 ** 31 / 180;

function csvField(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** "Mar 14, 2021, 12:00:00 PM" in UTC, as English exports write Activity Date. */
function stravaDate(ms: number): string {
  const d = new Date(ms);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const h = d.getUTCHours();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 === 0 ? 12 : h % 12}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

const CSV_HEADER = [
  'Activity ID',
  'Activity Date',
  'Activity Name',
  'Activity Type',
  'Activity Description',
  'Elapsed Time',
  'Distance',
  'Max Heart Rate',
  'Relative Effort',
  'Commute',
  'Activity Private Note',
  'Activity Gear',
  'Filename',
  'Athlete Weight',
  'Bike Weight',
  'Elapsed Time',
  'Moving Time',
  'Distance',
  'Max Speed',
  'Average Speed',
  'Elevation Gain',
];

/** An activity's FIT messages in file order, as [message number, fields]: what fitFile writes. */
export function* fitMessages(a: ExportActivity): Generator<[number, FitFields]> {
  const s = a.streams!;
  const M = Profile.MesgNum as Record<string, number>;
  const start = Utils.convertDateToDateTime(new Date(a.startDate));
  const [sport, subSport] = FIT_SPORT[a.sportType] ?? ['generic', 'generic'];
  yield [M.FILE_ID!, { type: 'activity', manufacturer: 'development', product: 0, timeCreated: start, serialNumber: 1 }];
  yield [M.EVENT!, { timestamp: start, event: 'timer', eventType: 'start' }];
  for (let i = 0; i < s.time.length; i++) {
    const record: FitFields = { timestamp: start + Math.round(s.time[i]!) };
    const p = s.latlng?.[i];
    if (p) {
      record.positionLat = Math.round(p[0] * SEMICIRCLES);
      record.positionLong = Math.round(p[1] * SEMICIRCLES);
    }
    if (s.distance) record.distance = s.distance[i];
    if (s.altitude) record.enhancedAltitude = s.altitude[i];
    if (s.velocity_smooth) record.enhancedSpeed = s.velocity_smooth[i];
    if (s.heartrate) record.heartRate = s.heartrate[i];
    if (s.cadence) record.cadence = s.cadence[i];
    if (s.watts) record.power = s.watts[i];
    yield [M.RECORD!, record];
  }
  const end = start + Math.round(s.time[s.time.length - 1] ?? 0);
  yield [M.EVENT!, { timestamp: end, event: 'timer', eventType: 'stopAll' }];
  yield [
    M.SESSION!,
    {
      timestamp: end,
      startTime: start,
      totalElapsedTime: a.elapsedTime,
      totalTimerTime: a.movingTime,
      totalDistance: a.distance,
      totalAscent: Math.round(a.elevationGain),
      sport,
      subSport,
      event: 'lap',
      eventType: 'stop',
      firstLapIndex: 0,
      numLaps: 1,
    },
  ];
  yield [
    M.ACTIVITY!,
    {
      timestamp: end,
      localTimestamp: end + a.utcOffsetS,
      numSessions: 1,
      totalTimerTime: a.movingTime,
      type: 'manual',
      event: 'activity',
      eventType: 'stop',
    },
  ];
}

export function fitFile(a: ExportActivity): Buffer {
  const fit = new FitWriter();
  for (const [mesgNum, fields] of fitMessages(a)) fit.write(mesgNum, fields);
  return fit.close();
}

/** The same file through the FIT SDK's own Encoder: the reference the writer is tested and benchmarked against. */
export function fitFileBySdkEncoder(a: ExportActivity): Buffer {
  const encoder = new Encoder();
  for (const [mesgNum, fields] of fitMessages(a)) encoder.onMesg(mesgNum as Parameters<Encoder['onMesg']>[0], fields as Parameters<Encoder['onMesg']>[1]);
  return Buffer.from(encoder.close());
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

export function gpxFile(a: ExportActivity): Buffer {
  const s = a.streams!;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gpx creator="StravaGPX" version="1.1" xmlns="http://www.topografix.com/GPX/1/1" xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">',
    ` <metadata><time>${iso(a.startDate)}</time></metadata>`,
    ` <trk><name>${a.name.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</name><type>${/Run/.test(a.sportType) ? 'running' : /Ride/.test(a.sportType) ? 'cycling' : a.sportType.toLowerCase()}</type><trkseg>`,
  ];
  for (let i = 0; i < s.time.length; i++) {
    const p = s.latlng?.[i];
    if (!p) continue;
    const ext = [s.heartrate ? `<gpxtpx:hr>${s.heartrate[i]}</gpxtpx:hr>` : '', s.cadence ? `<gpxtpx:cad>${s.cadence[i]}</gpxtpx:cad>` : ''].join('');
    out.push(
      `  <trkpt lat="${p[0]}" lon="${p[1]}">${s.altitude ? `<ele>${s.altitude[i]}</ele>` : ''}<time>${iso(a.startDate + Math.round(s.time[i]!) * 1000)}</time>${ext ? `<extensions><gpxtpx:TrackPointExtension>${ext}</gpxtpx:TrackPointExtension></extensions>` : ''}</trkpt>`,
    );
  }
  out.push(' </trkseg></trk>', '</gpx>', '');
  return Buffer.from(out.join('\n'));
}

export function tcxFile(a: ExportActivity): Buffer {
  const s = a.streams!;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">',
    ` <Activities><Activity Sport="${TCX_SPORT(a.sportType)}"><Id>${iso(a.startDate)}</Id>`,
    `  <Lap StartTime="${iso(a.startDate)}"><TotalTimeSeconds>${a.movingTime}</TotalTimeSeconds><DistanceMeters>${a.distance}</DistanceMeters><Track>`,
  ];
  for (let i = 0; i < s.time.length; i++) {
    const p = s.latlng?.[i];
    out.push(
      `   <Trackpoint><Time>${iso(a.startDate + Math.round(s.time[i]!) * 1000)}</Time>` +
        (p ? `<Position><LatitudeDegrees>${p[0]}</LatitudeDegrees><LongitudeDegrees>${p[1]}</LongitudeDegrees></Position>` : '') +
        (s.altitude ? `<AltitudeMeters>${s.altitude[i]}</AltitudeMeters>` : '') +
        (s.distance ? `<DistanceMeters>${s.distance[i]}</DistanceMeters>` : '') +
        (s.heartrate ? `<HeartRateBpm><Value>${s.heartrate[i]}</Value></HeartRateBpm>` : '') +
        (s.cadence ? `<Cadence>${s.cadence[i]}</Cadence>` : '') +
        (s.watts ? `<Extensions><ns3:TPX><ns3:Watts>${s.watts[i]}</ns3:Watts></ns3:TPX></Extensions>` : '') +
        '</Trackpoint>',
    );
  }
  out.push('  </Track></Lap></Activity></Activities>', '</TrainingCenterDatabase>', '');
  return Buffer.from(out.join('\n'));
}

/**
 * Writes the export through `write`, one activity at a time: only the CSV (small) and the ZIP's directory stay in
 * memory, so an archive of thousands of activities streams to disk or to a response.
 */
export async function writeStravaExport(activities: Iterable<ExportActivity>, write: (chunk: Buffer) => void | Promise<void>): Promise<void> {
  const zip = new ZipWriter(write);
  const rows: string[] = [CSV_HEADER.map(csvField).join(',')];
  let n = 0;
  for (const a of activities) {
    let filename: string | null = null;
    if (a.streams && a.streams.time.length > 1) {
      // GPX needs positions; an indoor activity goes out as FIT or TCX.
      let layout = LAYOUTS[n++ % LAYOUTS.length]!;
      if (layout.startsWith('gpx') && !a.streams.latlng) layout = 'fit.gz';
      // Strava names files after the upload, not the activity: the CSV is what links the two.
      filename = `activities/${a.id + 1_000_000_000}.${layout}`;
      const raw = layout.startsWith('fit') ? fitFile(a) : layout.startsWith('gpx') ? gpxFile(a) : tcxFile(a);
      // Gzipped files are stored as they are (deflating gzip gains nothing), the rest deflated, as Strava does.
      await zip.add(filename, layout.endsWith('.gz') ? gzipSync(raw) : raw, { compress: !layout.endsWith('.gz') });
    }
    rows.push(
      [
        a.id,
        stravaDate(a.startDate),
        a.name,
        a.sportType.replace(/([a-z])([A-Z])/g, '$1 $2'),
        '',
        a.elapsedTime,
        (a.distance / 1000).toFixed(2),
        a.maxHeartrate,
        '',
        a.commute,
        '',
        '',
        filename,
        '',
        '',
        a.elapsedTime.toFixed(1),
        a.movingTime.toFixed(1),
        a.distance.toFixed(1),
        '',
        '',
        a.elevationGain.toFixed(1),
      ]
        .map((v) => csvField(v as string | number | boolean | null))
        .join(','),
    );
  }
  await zip.add('activities.csv', Buffer.from(`${rows.join('\n')}\n`));
  await zip.add('profile.csv', Buffer.from('Athlete ID,Email Address,First Name,Last Name\n'));
  await zip.finish();
}
