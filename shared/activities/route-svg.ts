// Draws a track (already stripped of privacy zones) as an SVG path fitted into a box: thumbnails and the activity map.
import { visibleSegments, type LatLng, type PrivacyZone } from '../privacy/index.js';
import { decodePolyline } from './polyline.js';

export interface RoutePath {
  /** The `d` attribute; empty when nothing is left to draw. */
  d: string;
  width: number;
  height: number;
}

/**
 * Projects with an equirectangular projection around the track's mean latitude (exact enough for a
 * route a few dozen kilometres across), fits it into the box keeping its aspect, and drops points closer
 * than `minStep` pixels to the previous kept one so a thumbnail stays a few hundred bytes.
 */
export function routePath(segments: readonly (readonly LatLng[])[], width: number, height: number, padding = 2, minStep = 1.5): RoutePath {
  const all = segments.flat();
  if (all.length < 2) return { d: '', width, height };
  let minLat = Infinity;
  let maxLat = -Infinity;
  let minLng = Infinity;
  let maxLng = -Infinity;
  for (const [lat, lng] of all) {
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
    minLng = Math.min(minLng, lng);
    maxLng = Math.max(maxLng, lng);
  }
  const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLng - minLng) * kx, 1e-9);
  const spanY = Math.max(maxLat - minLat, 1e-9);
  const scale = Math.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY);
  const offsetX = (width - spanX * scale) / 2;
  const offsetY = (height - spanY * scale) / 2;
  const digits = width > 200 ? 1 : 0;
  const f = 10 ** digits;
  const round = (v: number) => Math.round(v * f) / f;

  const parts: string[] = [];
  for (const segment of segments) {
    if (segment.length < 2) continue;
    let lastX = NaN;
    let lastY = NaN;
    let kept = 0;
    segment.forEach(([lat, lng], i) => {
      const x = round(offsetX + (lng - minLng) * kx * scale);
      const y = round(offsetY + (maxLat - lat) * scale);
      const isLast = i === segment.length - 1;
      if (kept > 0 && !isLast && Math.hypot(x - lastX, y - lastY) < minStep) return;
      parts.push(`${kept === 0 ? 'M' : 'L'}${x} ${y}`);
      lastX = x;
      lastY = y;
      kept++;
    });
  }
  return { d: parts.join(''), width, height };
}

export const THUMB_WIDTH = 64;
export const THUMB_HEIGHT = 48;

/** A list thumbnail from Strava's summary polyline, with the privacy zones cut out. */
export function thumbnailPath(summaryPolyline: string | null, zones: readonly PrivacyZone[]): string {
  if (!summaryPolyline) return '';
  return routePath(visibleSegments(decodePolyline(summaryPolyline), zones), THUMB_WIDTH, THUMB_HEIGHT, 3, 2).d;
}
