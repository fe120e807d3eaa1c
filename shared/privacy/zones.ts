// Privacy zones: circles an athlete draws around places (home, work) whose points never leave the app.
import type { Queryable } from '../db/index.js';

export interface PrivacyZone {
  id: number;
  lat: number;
  lng: number;
  radiusM: number;
}

export type LatLng = readonly [number, number];

export const MIN_RADIUS_M = 50;
export const MAX_RADIUS_M = 10_000;
export const MAX_ZONES = 20;

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine). */
export function distanceM(a: LatLng, b: LatLng): number {
  const dLat = rad(b[0] - a[0]);
  const dLng = rad(b[1] - a[1]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[0])) * Math.cos(rad(b[0])) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function insideAnyZone(point: LatLng, zones: readonly PrivacyZone[]): boolean {
  for (const zone of zones) if (distanceM(point, [zone.lat, zone.lng]) <= zone.radiusM) return true;
  return false;
}

/**
 * Indexes of the points outside every zone, grouped into runs of consecutive points, so a line drawn
 * from them never bridges a zone (a straight line across a hidden doorstep would point right at it).
 */
export function visibleRuns(points: readonly (LatLng | null | undefined)[], zones: readonly PrivacyZone[]): number[][] {
  const runs: number[][] = [];
  let current: number[] = [];
  points.forEach((point, i) => {
    const hidden = !point || insideAnyZone(point, zones);
    if (hidden) {
      if (current.length > 0) runs.push(current);
      current = [];
    } else current.push(i);
  });
  if (current.length > 0) runs.push(current);
  return runs;
}

/** The visible parts of a track as separate segments of points. */
export function visibleSegments(points: readonly LatLng[], zones: readonly PrivacyZone[]): LatLng[][] {
  if (zones.length === 0) return points.length > 0 ? [[...points]] : [];
  return visibleRuns(points, zones).map((run) => run.map((i) => points[i]!));
}

export async function listZones(db: Queryable, athleteId: number): Promise<PrivacyZone[]> {
  const { rows } = await db.query<PrivacyZone>(`select id, lat, lng, radius_m as "radiusM" from privacy_zones where athlete_id = $1::bigint order by id`, [
    athleteId,
  ]);
  return rows;
}

export class ZoneError extends Error {}

/** A number typed into a form: blank or missing is not zero (Number('') is 0, which would put a zone at 0,0). */
function formNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return NaN;
  // "52,52" is how much of Europe writes 52.52.
  return Number(value.trim().replace(/^(-?\d+),(\d+)$/, '$1.$2'));
}

export function validateZone(input: { lat: unknown; lng: unknown; radiusM: unknown }): { lat: number; lng: number; radiusM: number } {
  const lat = formNumber(input.lat);
  const lng = formNumber(input.lng);
  const radiusM = formNumber(input.radiusM);
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) throw new ZoneError('latitude');
  if (!Number.isFinite(lng) || lng < -180 || lng > 180) throw new ZoneError('longitude');
  if (!Number.isFinite(radiusM) || radiusM < MIN_RADIUS_M || radiusM > MAX_RADIUS_M) throw new ZoneError('radius');
  return { lat, lng, radiusM };
}

export type ZoneField = 'latitude' | 'longitude' | 'radius';
export type ZoneFieldProblem = 'missing' | 'not-a-number' | 'out-of-range';

/** Every field's problem at once, so a form can mark each wrong field and say why. */
export function zoneFieldErrors(input: { lat: unknown; lng: unknown; radiusM: unknown }): Partial<Record<ZoneField, ZoneFieldProblem>> {
  const errors: Partial<Record<ZoneField, ZoneFieldProblem>> = {};
  const check = (field: ZoneField, value: unknown, min: number, max: number) => {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) errors[field] = 'missing';
    else if (!Number.isFinite(formNumber(value))) errors[field] = 'not-a-number';
    else if (formNumber(value) < min || formNumber(value) > max) errors[field] = 'out-of-range';
  };
  check('latitude', input.lat, -90, 90);
  check('longitude', input.lng, -180, 180);
  check('radius', input.radiusM, MIN_RADIUS_M, MAX_RADIUS_M);
  return errors;
}

/** Adds a zone unless the athlete already has the maximum; returns the new id or undefined. */
export async function addZone(db: Queryable, athleteId: number, zone: { lat: number; lng: number; radiusM: number }): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(
    `insert into privacy_zones (athlete_id, lat, lng, radius_m)
     select $1::bigint, $2::float8, $3::float8, $4::float8
     where (select count(*) from privacy_zones where athlete_id = $1::bigint) < $5::integer
     returning id`,
    [athleteId, zone.lat, zone.lng, zone.radiusM, MAX_ZONES],
  );
  return rows[0]?.id;
}

/** Deletes only the athlete's own zone: another athlete's id deletes nothing. */
export async function deleteZone(db: Queryable, athleteId: number, zoneId: number): Promise<boolean> {
  const { rowCount } = await db.query('delete from privacy_zones where id = $1::bigint and athlete_id = $2::bigint', [zoneId, athleteId]);
  return (rowCount ?? 0) > 0;
}
