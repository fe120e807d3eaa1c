// The athlete's bikes and shoes: the public face (the only writer of gear), from one /athlete answer, with totals from stored activities.
import type { Queryable } from '../db/index.js';

export interface ProfileGear {
  id?: unknown;
  name?: unknown;
  nickname?: unknown;
  primary?: unknown;
  retired?: unknown;
  distance?: unknown;
}

export interface GearItem {
  id: string;
  kind: 'bike' | 'shoe';
  name: string;
  primary: boolean;
  retired: boolean;
  /** Strava's own total for the item (all its activities, also ones not imported here), as of the last profile read. */
  stravaDistance: number;
  replaceAt: number | null;
  /** From the activities stored here that name this gear. */
  count: number;
  distance: number;
  movingTime: number;
  /** The distance the reminder measures: the larger of Strava's and the stored total (either can be ahead). */
  wear: number;
}

function items(list: unknown, kind: 'bike' | 'shoe') {
  if (!Array.isArray(list)) return [];
  return (list as ProfileGear[])
    .filter((g) => typeof g?.id === 'string' && g.id.length > 0 && g.id.length <= 64)
    .map((g) => ({
      id: g.id as string,
      kind,
      name: String((typeof g.nickname === 'string' && g.nickname) || (typeof g.name === 'string' && g.name) || g.id).slice(0, 200),
      primary: g.primary === true,
      retired: g.retired === true,
      distance: typeof g.distance === 'number' && Number.isFinite(g.distance) ? Math.max(0, g.distance) : 0,
    }));
}

/** The optional scope without which Strava lists no bikes or shoes on the athlete's profile. */
export const GEAR_SCOPE = 'profile:read_all';

/** Whether the athlete's grant lets Strava list their gear. */
export const canListGear = (scopes: readonly string[]): boolean => scopes.includes(GEAR_SCOPE);

/**
 * Stores the bikes and shoes of a detailed athlete as Strava listed them (kept replace-at reminders stay). Strava lists
 * gear only to tokens with profile:read_all: an answer without the lists changes nothing. Returns how many were listed.
 */
export async function saveProfileGear(db: Queryable, athleteId: number, profile: { bikes?: unknown; shoes?: unknown }): Promise<number | undefined> {
  if (!Array.isArray(profile.bikes) && !Array.isArray(profile.shoes)) return undefined;
  const all = [...items(profile.bikes, 'bike'), ...items(profile.shoes, 'shoe')];
  await db.query(
    `with listed as (
       select * from unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[], $7::float8[])
         as g(id, kind, name, is_primary, retired, distance)
     ), gone as (
       delete from gear where athlete_id = $1::bigint and not (id = any($2::text[]))
     )
     insert into gear (athlete_id, id, kind, name, is_primary, retired, strava_distance)
     select $1::bigint, id, kind, name, is_primary, retired, distance from listed
     on conflict (athlete_id, id) do update set kind = excluded.kind, name = excluded.name, is_primary = excluded.is_primary,
       retired = excluded.retired, strava_distance = excluded.strava_distance, fetched_at = now()`,
    [
      athleteId,
      all.map((g) => g.id),
      all.map((g) => g.kind),
      all.map((g) => g.name),
      all.map((g) => g.primary),
      all.map((g) => g.retired),
      all.map((g) => g.distance),
    ],
  );
  return all.length;
}

/** Every item with its totals from stored activities; active gear first (primary first), retired last. */
export async function listGear(db: Queryable, athleteId: number): Promise<GearItem[]> {
  const { rows } = await db.query<Omit<GearItem, 'wear'>>(
    `select g.id, g.kind, g.name, g.is_primary as primary, g.retired, g.strava_distance as "stravaDistance", g.replace_at as "replaceAt",
            coalesce(t.count, 0)::integer as count, coalesce(t.distance, 0)::float8 as distance, coalesce(t.moving_time, 0)::float8 as "movingTime"
     from gear g
     left join lateral (
       select count(*) as count, sum(a.distance) as distance, sum(a.moving_time) as moving_time
       from activities a where a.athlete_id = g.athlete_id and a.gear_id = g.id
     ) t on true
     where g.athlete_id = $1::bigint
     order by g.retired, g.kind, g.is_primary desc, g.name, g.id`,
    [athleteId],
  );
  return rows.map((row) => ({ ...row, wear: Math.max(row.stravaDistance, row.distance) }));
}

/** The athlete's "replace at" distance for one item (metres), or none. False when the item is not theirs. */
export async function setReplaceAt(db: Queryable, athleteId: number, gearId: string, meters: number | null): Promise<boolean> {
  const { rowCount } = await db.query('update gear set replace_at = $3::float8 where athlete_id = $1::bigint and id = $2::text', [athleteId, gearId, meters]);
  return rowCount === 1;
}

/** Share of the replace-at distance from which the results page starts reminding. */
export const REMIND_FROM = 0.9;

export function needsReminder(item: GearItem): 'due' | 'soon' | undefined {
  if (item.retired || !item.replaceAt) return undefined;
  if (item.wear >= item.replaceAt) return 'due';
  if (item.wear >= item.replaceAt * REMIND_FROM) return 'soon';
  return undefined;
}
