// GPX and CSV built from an activity's kept streams, with every point inside a privacy zone left out.
import { insideAnyZone, visibleRuns, type PrivacyZone } from '../privacy/index.js';
import type { ActivityDetail } from './detail.js';
import type { Streams } from './streams.js';

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

function isoAt(start: Date, offsetSeconds: number | undefined): string | undefined {
  if (offsetSeconds === undefined) return undefined;
  return new Date(start.getTime() + offsetSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** A file name from the activity's date and id: names can hold anything, the date and id cannot. */
export function exportFileName(activity: Pick<ActivityDetail, 'id' | 'startDateLocal'>, extension: 'gpx' | 'csv'): string {
  return `activity-${activity.startDateLocal.slice(0, 10)}-${activity.id}.${extension}`;
}

/**
 * GPX 1.1 with Garmin's TrackPointExtension for heart rate and cadence. Points inside a zone are dropped
 * and the track is cut into segments there, so no segment joins the two sides of a hidden place.
 */
export function toGpx(activity: ActivityDetail, streams: Streams, zones: readonly PrivacyZone[]): string {
  const latlng = streams.latlng ?? [];
  const runs = visibleRuns(latlng, zones);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gpx version="1.1" creator="Training Room" xmlns="http://www.topografix.com/GPX/1/1"' +
      ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">',
    `  <metadata><name>${xml(activity.name)}</name><time>${isoAt(activity.startDate, 0)}</time></metadata>`,
    '  <trk>',
    `    <name>${xml(activity.name)}</name>`,
    `    <type>${xml(activity.sportType)}</type>`,
  ];
  for (const run of runs) {
    lines.push('    <trkseg>');
    for (const i of run) {
      const [lat, lng] = latlng[i]!;
      const parts = [`      <trkpt lat="${lat.toFixed(6)}" lon="${lng.toFixed(6)}">`];
      const ele = streams.altitude?.[i];
      if (ele !== undefined) parts.push(`<ele>${ele}</ele>`);
      const time = isoAt(activity.startDate, streams.time?.[i]);
      if (time) parts.push(`<time>${time}</time>`);
      const hr = streams.heartrate?.[i];
      const cad = streams.cadence?.[i];
      if (hr !== undefined || cad !== undefined) {
        parts.push('<extensions><gpxtpx:TrackPointExtension>');
        if (hr !== undefined) parts.push(`<gpxtpx:hr>${Math.round(hr)}</gpxtpx:hr>`);
        if (cad !== undefined) parts.push(`<gpxtpx:cad>${Math.round(cad)}</gpxtpx:cad>`);
        parts.push('</gpxtpx:TrackPointExtension></extensions>');
      }
      parts.push('</trkpt>');
      lines.push(parts.join(''));
    }
    lines.push('    </trkseg>');
  }
  lines.push('  </trk>', '</gpx>', '');
  return lines.join('\n');
}

const CSV_COLUMNS = ['time_s', 'timestamp', 'lat', 'lng', 'distance_m', 'altitude_m', 'speed_m_s', 'heartrate_bpm', 'cadence', 'watts'] as const;

/** One row per sample; a sample whose position lies in a zone is left out entirely. */
export function toCsv(activity: ActivityDetail, streams: Streams, zones: readonly PrivacyZone[]): string {
  const n = Math.max(streams.time?.length ?? 0, streams.distance?.length ?? 0, streams.latlng?.length ?? 0);
  const out = [CSV_COLUMNS.join(',')];
  for (let i = 0; i < n; i++) {
    const point = streams.latlng?.[i];
    if (point && insideAnyZone(point, zones)) continue;
    const value = (v: number | undefined) => (v === undefined || v === null ? '' : String(v));
    out.push(
      [
        value(streams.time?.[i]),
        isoAt(activity.startDate, streams.time?.[i]) ?? '',
        point ? point[0].toFixed(6) : '',
        point ? point[1].toFixed(6) : '',
        value(streams.distance?.[i]),
        value(streams.altitude?.[i]),
        value(streams.velocity_smooth?.[i]),
        value(streams.heartrate?.[i]),
        value(streams.cadence?.[i]),
        value(streams.watts?.[i]),
      ].join(','),
    );
  }
  return `${out.join('\n')}\n`;
}
