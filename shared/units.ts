// Formats distances, durations, elevation and pace or speed in the athlete's units.

export type Units = 'metric' | 'imperial';

export const unitsFor = (measurementPreference: string | null | undefined): Units =>
  measurementPreference === 'feet' ? 'imperial' : 'metric';

const METERS_PER_MILE = 1609.344;
const FEET_PER_METER = 3.28084;

// Sports where athletes think in pace (time per distance) rather than speed.
const PACE_SPORTS = new Set(['Run', 'TrailRun', 'VirtualRun', 'Walk', 'Hike', 'Snowshoe']);
const SWIM_SPORTS = new Set(['Swim']);

function grouped(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatDistance(meters: number, units: Units): string {
  if (units === 'imperial') return `${grouped(meters / METERS_PER_MILE, 1)} mi`;
  return `${grouped(meters / 1000, 1)} km`;
}

export function formatElevation(meters: number, units: Units): string {
  return units === 'imperial' ? `${grouped(meters * FEET_PER_METER, 0)} ft` : `${grouped(meters, 0)} m`;
}

/** "1:05:09" for an hour and more, "42:07" below. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return h > 0 ? `${h}:${mm}:${String(s).padStart(2, '0')}` : `${mm}:${String(s).padStart(2, '0')}`;
}

/** Long totals read better as hours: "123h 04m". */
export function formatHours(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return `${grouped(Math.floor(minutes / 60), 0)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** Pace for runs and walks (/km or /mi), per 100 m (or 100 yd) for swims, speed for everything else. */
export function formatPaceOrSpeed(sportType: string, distance: number, movingTime: number, units: Units): string {
  if (distance <= 0 || movingTime <= 0) return '—';
  const metersPerSecond = distance / movingTime;
  if (SWIM_SPORTS.has(sportType)) {
    const per = units === 'imperial' ? 91.44 : 100;
    return `${formatDuration(per / metersPerSecond)} /${units === 'imperial' ? '100yd' : '100m'}`;
  }
  if (PACE_SPORTS.has(sportType)) {
    const per = units === 'imperial' ? METERS_PER_MILE : 1000;
    return `${formatDuration(per / metersPerSecond)} /${units === 'imperial' ? 'mi' : 'km'}`;
  }
  const perHour = units === 'imperial' ? (metersPerSecond * 3600) / METERS_PER_MILE : metersPerSecond * 3.6;
  return `${grouped(perHour, 1)} ${units === 'imperial' ? 'mph' : 'km/h'}`;
}

/** "TrailRun" → "Trail Run", "EBikeRide" → "E-Bike Ride". */
export function sportLabel(sportType: string): string {
  return sportType.replace(/^E(?=[A-Z])/, 'E-').replace(/([a-z])([A-Z])/g, '$1 $2');
}
