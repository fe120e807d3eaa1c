// Units of measure: the athlete's system and the constants and sport groups every formatter shares.

export type Units = 'metric' | 'imperial';

export const unitsFor = (measurementPreference: string | null | undefined): Units => (measurementPreference === 'feet' ? 'imperial' : 'metric');

export const METERS_PER_MILE = 1609.344;
export const FEET_PER_METER = 3.28084;
export const METERS_PER_100_YARDS = 91.44;

/** Sports where athletes think in pace (time per distance) rather than speed. */
export const PACE_SPORTS: ReadonlySet<string> = new Set(['Run', 'TrailRun', 'VirtualRun', 'Walk', 'Hike', 'Snowshoe']);
/** Swims read as time per 100 m (or 100 yd). */
export const SWIM_SPORTS: ReadonlySet<string> = new Set(['Swim']);

/** "1:05:09" for an hour and more, "42:07" below; the same in every language. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return h > 0 ? `${h}:${mm}:${String(s).padStart(2, '0')}` : `${mm}:${String(s).padStart(2, '0')}`;
}

/** "TrailRun" → "Trail Run", "EBikeRide" → "E-Bike Ride". */
export function sportLabel(sportType: string): string {
  return sportType.replace(/^E(?=[A-Z])/, 'E-').replace(/([a-z])([A-Z])/g, '$1 $2');
}
