// The privacy capability's public face: everything other modules may use of it.
export { type AthleteSettings, DEFAULT_SETTINGS, getSettings, updateSettings } from './settings.js';
export {
  addZone,
  deleteZone,
  distanceM,
  insideAnyZone,
  type LatLng,
  listZones,
  MAX_RADIUS_M,
  MIN_RADIUS_M,
  type PrivacyZone,
  validateZone,
  visibleRuns,
  visibleSegments,
  ZoneError,
  type ZoneField,
  type ZoneFieldProblem,
  zoneFieldErrors,
} from './zones.js';
