// Google encoded polyline format (precision 5), as Strava uses for map.polyline and map.summary_polyline.

export type LatLngPair = [number, number];

function encodeValue(value: number): string {
  let v = value < 0 ? ~(value << 1) : value << 1;
  let out = '';
  while (v >= 0x20) {
    out += String.fromCharCode((0x20 | (v & 0x1f)) + 63);
    v >>>= 5;
  }
  return out + String.fromCharCode(v + 63);
}

export function encodePolyline(points: readonly LatLngPair[], precision = 5): string {
  const factor = 10 ** precision;
  let prevLat = 0;
  let prevLng = 0;
  let out = '';
  for (const [lat, lng] of points) {
    // Round each absolute value first so rounding errors do not accumulate along the line.
    const la = Math.round(lat * factor);
    const ln = Math.round(lng * factor);
    out += encodeValue(la - prevLat) + encodeValue(ln - prevLng);
    prevLat = la;
    prevLng = ln;
  }
  return out;
}

export function decodePolyline(encoded: string, precision = 5): LatLngPair[] {
  const factor = 10 ** precision;
  const points: LatLngPair[] = [];
  let index = 0;
  let lat = 0;
  let lng = 0;
  const nextValue = (): number => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      if (index >= encoded.length) throw new Error('truncated polyline');
      byte = encoded.charCodeAt(index++) - 63;
      result |= (byte & 0x1f) << shift;
      shift += 5;
    } while (byte >= 0x20);
    return result & 1 ? ~(result >> 1) : result >> 1;
  };
  while (index < encoded.length) {
    lat += nextValue();
    lng += nextValue();
    points.push([lat / factor, lng / factor]);
  }
  return points;
}
