// The privacy capability's public face: everything other modules may use of it.
export { type AthleteSettings, DEFAULT_SETTINGS, getSettings, updateSettings } from './settings.js';
export {
  addZone,
  deleteZone,
  distanceM,
  insideAnyZone,
  type LatLng,
  listZones,
  type PrivacyZone,
  validateZone,
  visibleRuns,
  visibleSegments,
  ZoneError,
} from './zones.js';
