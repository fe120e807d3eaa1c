// Google's encoded polyline format (precision 5), as Strava sends summary_polyline: decoding, and encoding for the heatmap.
import type { LatLng } from '../privacy/index.js';

export function decodePolyline(encoded: string, precision = 5): LatLng[] {
  const factor = 10 ** precision;
  const points: LatLng[] = [];
  let index = 0;
  let lat = 0;
  let lng = 0;
  const next = (): number | undefined => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      if (index >= encoded.length) return undefined;
      byte = encoded.charCodeAt(index++) - 63;
      result |= (byte & 0x1f) << shift;
      shift += 5;
    } while (byte >= 0x20);
    return result & 1 ? ~(result >> 1) : result >> 1;
  };
  while (index < encoded.length) {
    const dLat = next();
    const dLng = next();
    // A truncated or corrupt polyline yields the points decoded so far rather than an error page.
    if (dLat === undefined || dLng === undefined) break;
    lat += dLat;
    lng += dLng;
    points.push([lat / factor, lng / factor]);
  }
  return points;
}

function encodeNumber(value: number): string {
  let v = value < 0 ? ~(value << 1) : value << 1;
  let out = '';
  while (v >= 0x20) {
    out += String.fromCharCode((0x20 | (v & 0x1f)) + 63);
    v >>= 5;
  }
  return out + String.fromCharCode(v + 63);
}

/** Google's encoded polyline (precision 5), the format Strava's summary polylines use. */
export function encodePolyline(points: readonly LatLng[]): string {
  let lat = 0;
  let lng = 0;
  let out = '';
  for (const [pLat, pLng] of points) {
    const a = Math.round(pLat * 1e5);
    const b = Math.round(pLng * 1e5);
    out += encodeNumber(a - lat) + encodeNumber(b - lng);
    lat = a;
    lng = b;
  }
  return out;
}
