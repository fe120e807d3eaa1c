// The privacy gate: the one way an athlete's tracks leave the domain (thumbnails, route maps, GPX, CSV, the heatmap), each already cut by their privacy zones.
import type { Queryable } from '../db/index.js';
import { listZones, visibleSegments, type LatLng, type PrivacyZone } from '../privacy/index.js';
import type { ActivityDetail } from './detail.js';
import { toCsv, toGpx } from './export.js';
import { type HeatmapRoutes, heatmapRoutes } from './heatmap.js';
import { decodePolyline } from './polyline.js';
import { routePath, thumbnailPath, type RoutePath } from './route-svg.js';
import type { Streams } from './streams.js';

/** The route map's drawing, with the visible parts it was drawn from (for the live map) and whether there was any track. */
export interface RouteMap extends RoutePath {
  visible: LatLng[][];
  /** The activity had a track of two points or more (so an empty drawing means the zones hid all of it). */
  hadTrack: boolean;
}

export interface AthleteTracks {
  /** The athlete has privacy zones (so exports and maps leave points out). */
  readonly hasZones: boolean;
  /** A list thumbnail from the summary polyline. */
  thumbnail(summaryPolyline: string | null): string;
  /** The activity page's map: the recorded track when there is one, the summary polyline otherwise. */
  routeMap(
    activity: Pick<ActivityDetail, 'summaryPolyline'>,
    streams: Streams,
    size: { width: number; height: number; padding: number; minStep: number },
  ): RouteMap;
  gpx(activity: ActivityDetail, streams: Streams): string;
  csv(activity: ActivityDetail, streams: Streams): string;
  /** Every route of the athlete, for the heatmap page. */
  heatmap(): Promise<HeatmapRoutes>;
}

/** Reads the athlete's zones once; nothing handed out by the result shows a point inside them or a line across them. */
export async function athleteTracks(db: Queryable, athleteId: number): Promise<AthleteTracks> {
  const zones = await listZones(db, athleteId);
  return { ...tracksWithin(zones), heatmap: () => heatmapRoutes(db, athleteId, zones) };
}

function tracksWithin(zones: readonly PrivacyZone[]): Omit<AthleteTracks, 'heatmap'> {
  return {
    hasZones: zones.length > 0,
    thumbnail: (summaryPolyline) => thumbnailPath(summaryPolyline, zones),
    routeMap(activity, streams, size) {
      const track: LatLng[] = streams.latlng?.length ? streams.latlng : activity.summaryPolyline ? decodePolyline(activity.summaryPolyline) : [];
      const visible = visibleSegments(track, zones);
      return { ...routePath(visible, size.width, size.height, size.padding, size.minStep), visible, hadTrack: track.length >= 2 };
    },
    gpx: (activity, streams) => toGpx(activity, streams, zones),
    csv: (activity, streams) => toCsv(activity, streams, zones),
  };
}
