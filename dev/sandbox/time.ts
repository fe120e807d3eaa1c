// Time-zone arithmetic and Strava's date formats (seconds precision, `Z` even on local times).

import { utcOffsetSeconds } from '../../shared/time-zones.js';

export { utcOffsetSeconds };

/** Strava labels zones with their standard (non-DST) offset, e.g. "(GMT+01:00) Europe/Berlin". */
export function stravaTimezoneLabel(tzName: string, year = 2024): string {
  const jan = utcOffsetSeconds(tzName, Date.UTC(year, 0, 15));
  const jul = utcOffsetSeconds(tzName, Date.UTC(year, 6, 15));
  const standard = Math.min(jan, jul);
  const sign = standard < 0 ? '-' : '+';
  const abs = Math.abs(standard);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  return `(GMT${sign}${hh}:${mm}) ${tzName}`;
}

/** ISO 8601 without milliseconds, the way Strava writes every timestamp. */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Local wall-clock time → UTC epoch ms (good to the minute outside DST switch hours). */
export function localToUtc(tzName: string, year: number, month0: number, day: number, hour: number, minute: number): number {
  const wall = Date.UTC(year, month0, day, hour, minute);
  const guess = wall - utcOffsetSeconds(tzName, wall) * 1000;
  return wall - utcOffsetSeconds(tzName, guess) * 1000;
}

/** The local calendar date and hour of an instant in a zone. */
export function localParts(tzName: string, epochMs: number): { year: number; month0: number; day: number; hour: number; weekday: number } {
  const shifted = new Date(epochMs + utcOffsetSeconds(tzName, epochMs) * 1000);
  return {
    year: shifted.getUTCFullYear(),
    month0: shifted.getUTCMonth(),
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    weekday: shifted.getUTCDay(),
  };
}
