// The privacy gate: the one way an athlete's tracks leave the domain (thumbnails, route maps, GPX, CSV), each already cut by their privacy zones.
import type { Queryable } from '../db/index.js';
import { listZones, visibleSegments, type LatLng, type PrivacyZone } from '../privacy/index.js';
import type { ActivityDetail } from './detail.js';
import { toCsv, toGpx } from './export.js';
import { decodePolyline } from './polyline.js';
import { routePath, thumbnailPath, type RoutePath } from './route-svg.js';
import type { Streams } from './streams.js';

export interface AthleteTracks {
  /** A list thumbnail from the summary polyline. */
  thumbnail(summaryPolyline: string | null): string;
  /** The activity page's map: the recorded track when there is one, the summary polyline otherwise. */
  routeMap(
    activity: Pick<ActivityDetail, 'summaryPolyline'>,
    streams: Streams,
    size: { width: number; height: number; padding: number; minStep: number },
  ): RoutePath;
  gpx(activity: ActivityDetail, streams: Streams): string;
  csv(activity: ActivityDetail, streams: Streams): string;
}

/** Reads the athlete's zones once; nothing handed out by the result shows a point inside them or a line across them. */
export async function athleteTracks(db: Queryable, athleteId: number): Promise<AthleteTracks> {
  return tracksWithin(await listZones(db, athleteId));
}

export function tracksWithin(zones: readonly PrivacyZone[]): AthleteTracks {
  return {
    thumbnail: (summaryPolyline) => thumbnailPath(summaryPolyline, zones),
    routeMap(activity, streams, size) {
      const track: LatLng[] = streams.latlng?.length ? streams.latlng : activity.summaryPolyline ? decodePolyline(activity.summaryPolyline) : [];
      return routePath(visibleSegments(track, zones), size.width, size.height, size.padding, size.minStep);
    },
    gpx: (activity, streams) => toGpx(activity, streams, zones),
    csv: (activity, streams) => toCsv(activity, streams, zones),
  };
}
