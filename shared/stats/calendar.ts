// The athlete's local calendar: "now" as wall-clock time in their zone, days of the year, Monday-based weeks.
import { zonedParts } from '../time-zones.js';

export interface LocalNow {
  /** Wall-clock time in the athlete's zone, "YYYY-MM-DDTHH:MM:SS": compared with start_date_local as is. */
  wallClock: string;
  /** "YYYY-MM-DD" of today in the athlete's zone. */
  today: string;
  year: number;
  /** 1 on 1 January; today is counted as a day so far. */
  dayOfYear: number;
  daysInYear: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function localNow(now: Date, timeZone: string): LocalNow {
  const p = zonedParts(timeZone, now.getTime());
  const two = (n: number) => String(n).padStart(2, '0');
  const year = p.year;
  const date = `${String(year).padStart(4, '0')}-${two(p.month)}-${two(p.day)}`;
  return {
    wallClock: `${date}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}`,
    today: date,
    year,
    dayOfYear: dayOfYear(date),
    daysInYear: isLeapYear(year) ? 366 : 365,
  };
}

/** 1 on 1 January of the date's own year ("YYYY-MM-DD"), up to 365 or 366. */
export function dayOfYear(date: string): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.UTC(Number(date.slice(0, 4)), 0, 1)) / 86_400_000) + 1;
}

/** "YYYY-MM-DD" plus `days` (negative goes back). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The Monday on or before a date (ISO weeks, as Postgres date_trunc('week') cuts them). */
export function weekStart(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

/** The local calendar date of a start_date_local value (a Date read as UTC wall-clock, or a string). */
export function localDate(value: Date | string): string {
  return typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10);
}

/**
 * Strava shows an activity whose owner hides its start time as starting at 00:00:01 local (changelog, July 2024). The
 * date is real; the time is not, so no figure or page may treat it as a time of day.
 */
export const HIDDEN_START_TIME = '00:00:01';

/** "HH:MM" of a local start ("YYYY-MM-DDTHH:MM:SS"), or undefined when the owner hides the start time. */
export function startTimeOfDay(startDateLocal: string): string | undefined {
  const time = startDateLocal.slice(11, 19);
  if (time === HIDDEN_START_TIME || time.length < 5) return undefined;
  return time.slice(0, 5);
}
