// Strava's activities.csv: a strict RFC 4180 reader and the columns the import uses (the Strava id, the file, the summary).
import { ArchiveReasonError, because } from './reasons.js';

export class CsvError extends ArchiveReasonError {
  override readonly name = 'CsvError';
}

/** Parses RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks). Bytes must be UTF-8. */
export function parseCsv(bytes: Uint8Array): string[][] {
  let text: string;
  try {
    // fatal: a file in another encoding is refused rather than read as mojibake that silently mismatches names.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new CsvError(because('csvNotUtf8'));
  }
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\r' || ch === '\n') {
      row.push(field);
      field = '';
      rows.push(row);
      row = [];
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (quoted) throw new CsvError(because('csvOpenQuote'));
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** One activity as the export lists it; numbers in SI units (the export's second set of columns). */
export interface CsvActivity {
  id: number;
  name: string;
  /** Strava's activity type as the export names it ("Run", "Ride", "Nordic Ski"). */
  type: string;
  /** UTC start, when the date could be read. */
  startDate: Date | null;
  elapsedTime: number | null;
  movingTime: number | null;
  distance: number | null;
  elevationGain: number | null;
  maxHeartrate: number | null;
  commute: boolean;
  /** The activity's file inside the archive ("activities/1234.fit.gz"), or null for a manual entry. */
  filename: string | null;
}

const num = (value: string | undefined): number | null => {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value.replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
};

/**
 * Strava writes dates like "Mar 14, 2021, 12:00:00 PM" (English exports) in UTC; other languages vary, so an
 * unreadable date is null and the file's own timestamps are used instead.
 */
export function parseStravaDate(value: string): Date | null {
  const m = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}):(\d{2}) ?([AP]M)?$/.exec(value.trim());
  if (m) {
    const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[1]!);
    if (month < 0) return null;
    let hour = Number(m[4]);
    if (m[7] === 'PM' && hour < 12) hour += 12;
    if (m[7] === 'AM' && hour === 12) hour = 0;
    return new Date(Date.UTC(Number(m[3]), month, Number(m[2]), hour, Number(m[5]), Number(m[6])));
  }
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(value.trim())
    ? new Date(value.trim().replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? '' : 'Z'))
    : null;
  return iso && !Number.isNaN(iso.getTime()) ? iso : null;
}

/**
 * Reads the export's activities.csv. Columns are found by header name; where a name repeats (Strava lists
 * "Distance" and "Elapsed Time" twice, first in display units, then in metres and seconds) the last one is SI.
 */
export function readActivitiesCsv(bytes: Uint8Array): CsvActivity[] {
  const rows = parseCsv(bytes);
  const header = rows[0];
  if (!header) throw new CsvError(because('csvEmpty'));
  const last = new Map<string, number>();
  const first = new Map<string, number>();
  header.forEach((name, index) => {
    const key = name.trim().toLowerCase();
    last.set(key, index);
    if (!first.has(key)) first.set(key, index);
  });
  const idColumn = first.get('activity id');
  if (idColumn === undefined) throw new CsvError(because('csvNoIdColumn'));
  const col = (row: string[], key: string, which: Map<string, number> = last) => {
    const index = which.get(key);
    return index === undefined ? undefined : row[index];
  };
  const out: CsvActivity[] = [];
  for (const row of rows.slice(1)) {
    const rawId = row[idColumn]?.trim() ?? '';
    if (!/^\d{1,19}$/.test(rawId)) continue;
    const id = Number(rawId);
    if (!Number.isSafeInteger(id) || id <= 0) continue;
    const filename = col(row, 'filename')?.trim() || null;
    out.push({
      id,
      name: (col(row, 'activity name', first) ?? '').slice(0, 255),
      type: (col(row, 'activity type', first) ?? '').trim(),
      startDate: parseStravaDate(col(row, 'activity date', first) ?? ''),
      elapsedTime: num(col(row, 'elapsed time')),
      movingTime: num(col(row, 'moving time')),
      distance: num(col(row, 'distance')),
      elevationGain: num(col(row, 'elevation gain')),
      maxHeartrate: num(col(row, 'max heart rate', first)),
      commute: /^(true|1)$/i.test(col(row, 'commute', first)?.trim() ?? ''),
      filename,
    });
  }
  return out;
}
