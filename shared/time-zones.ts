// Wall-clock time in an IANA zone through Intl (no time zone database of our own): an instant's local date and
// time there, and the zone's offset from UTC at that instant. The statistics, the archive import and the sandbox
// all read zones this one way.

export interface ZonedParts {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone, kept: building one is far dearer than using it. An unknown zone throws a RangeError. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local calendar date and wall-clock time of an instant in `timeZone`. */
export function zonedParts(timeZone: string, epochMs: number): ZonedParts {
  const parts = formatter(timeZone).formatToParts(new Date(epochMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** Offset of `timeZone` from UTC at that instant, in seconds (what Strava calls utc_offset). */
export function utcOffsetSeconds(timeZone: string, epochMs: number): number {
  const p = zonedParts(timeZone, epochMs);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 1000);
}
