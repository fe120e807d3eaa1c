// The activities capability's public face: everything other modules may use of it.
export {
  attachFileStreams,
  type FileActivity,
  findActivity,
  findSameActivity,
  insertArchiveActivity,
  insertUploadedActivity,
  usualTimezone,
} from './archive.js';
export { deleteActivityAsOf, lockActivities, lockActivity, storedActivityAsOf, storedActivityIds, storeSnapshot } from './changes.js';
export { type ActivityDetail, getOwnActivity, keptToThemselves } from './detail.js';
export { exportFileName } from './export.js';
export type { HeatmapRoutes } from './heatmap.js';
export { decodePolyline, encodePolyline } from './polyline.js';
export { athleteSports, parseDate, searchActivities } from './search.js';
export { computeSplits } from './splits.js';
export { type ActivityRow, latestActivityWithDistance, recentActivities, UnsafeActivityIdError, upsertActivities } from './store.js';
export { ensureStreams, storedStreams, type Streams, StreamsUnavailableError } from './streams.js';
export { type AthleteTracks, athleteTracks, type RouteMap } from './tracks.js';
