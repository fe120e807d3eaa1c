// Every route of one athlete for the heatmap, in one answer: summary polylines cut by the privacy zones and re-encoded
// (the privacy gate, tracks.ts, hands it the athlete's zones).
import type { Queryable } from '../db/index.js';
import { type PrivacyZone, visibleSegments } from '../privacy/index.js';
import { decodePolyline, encodePolyline } from './polyline.js';

export interface HeatmapRoutes {
  /** Activities with a route drawn. */
  activities: number;
  /** Encoded polylines, one per visible piece of route (a privacy zone splits a route in pieces). */
  routes: string[];
}

/**
 * One query for every summary polyline (the list's own, a few hundred bytes each), so thousands of activities
 * cost one request and one pass; nothing inside a privacy zone leaves this function.
 */
export async function heatmapRoutes(db: Queryable, athleteId: number, zones: readonly PrivacyZone[]): Promise<HeatmapRoutes> {
  const { rows } = await db.query<{ polyline: string }>(
    `select summary_polyline as polyline from activities
      where athlete_id = $1::bigint and summary_polyline is not null and summary_polyline <> ''
      order by start_date desc`,
    [athleteId],
  );
  const routes: string[] = [];
  let activities = 0;
  for (const row of rows) {
    let pieces: string[];
    try {
      pieces = visibleSegments(decodePolyline(row.polyline), zones)
        .filter((segment) => segment.length > 1)
        .map((segment) => encodePolyline(segment));
    } catch {
      continue;
    }
    if (pieces.length > 0) activities++;
    routes.push(...pieces);
  }
  return { activities, routes };
}
