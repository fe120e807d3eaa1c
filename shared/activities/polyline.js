// @ts-check
// Google's encoded polyline format (precision 5), as Strava sends summary_polyline: decoding, and encoding for the heatmap.
// Plain JavaScript because the heatmap page's browser decodes the same routes with this very file (served as
// /static/polyline.js); the JSDoc types keep it checked like the TypeScript around it.

/** @typedef {import('../privacy/index.js').LatLng} LatLng */

/**
 * The points of an encoded polyline. A truncated or corrupt polyline yields the points decoded so far rather than an error.
 * @param {string} encoded
 * @param {number} [precision]
 * @returns {LatLng[]}
 */
export function decodePolyline(encoded, precision = 5) {
  const factor = 10 ** precision;
  /** @type {LatLng[]} */
  const points = [];
  let index = 0;
  let lat = 0;
  let lng = 0;
  // One signed value: 5-bit chunks, least significant first, the sign in the lowest bit.
  /** @returns {number | undefined} */
  const next = () => {
    let result = 0;
    let shift = 0;
    let byte;
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
    if (dLat === undefined || dLng === undefined) break;
    lat += dLat;
    lng += dLng;
    points.push([lat / factor, lng / factor]);
  }
  return points;
}

/**
 * @param {number} value
 * @returns {string}
 */
function encodeNumber(value) {
  let v = value < 0 ? ~(value << 1) : value << 1;
  let out = '';
  while (v >= 0x20) {
    out += String.fromCharCode((0x20 | (v & 0x1f)) + 63);
    v >>= 5;
  }
  return out + String.fromCharCode(v + 63);
}

/**
 * Google's encoded polyline (precision 5), the format Strava's summary polylines use.
 * @param {readonly LatLng[]} points
 * @returns {string}
 */
export function encodePolyline(points) {
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
