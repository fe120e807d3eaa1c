// Athlete rows, the only writer of the athletes table: connect (insert or update), read, every status change, and delete.
import type { Queryable } from '../db/index.js';
import { isSafeId, UnsafeIdError } from '../strava/index.js';
import type { DetailedAthlete } from '../strava/index.js';

export type AthleteStatus = 'connected' | 'disconnected' | 'banned';

export interface Athlete {
  id: number;
  username: string | null;
  firstname: string;
  lastname: string;
  profileUrl: string | null;
  city: string | null;
  country: string | null;
  measurementPreference: 'meters' | 'feet';
  scopes: string[];
  status: AthleteStatus;
  statusReason: string | null;
  connectedAt: Date;
  /** Sessions issued under another epoch are over (logout, reconnect, ban, deletion). */
  sessionEpoch: string;
}

const COLUMNS = `id, username, firstname, lastname, profile_url as "profileUrl", city, country,
  measurement_preference as "measurementPreference", scopes, status, status_reason as "statusReason",
  connected_at as "connectedAt", session_epoch as "sessionEpoch"`;

/** Strava's placeholder avatar paths are relative ("avatar/athlete/large.png"): keep only real URLs. */
function avatarUrl(athlete: DetailedAthlete): string | null {
  const url = athlete.profile ?? athlete.profile_medium ?? null;
  return url && /^https?:\/\//.test(url) ? url : null;
}

/** Connecting again updates the same row; a banned athlete stays banned. */
export async function upsertConnectedAthlete(db: Queryable, athlete: DetailedAthlete, scopes: readonly string[]): Promise<Athlete> {
  if (!isSafeId(athlete.id)) throw new UnsafeIdError('athlete', [String(athlete.id)]);
  const { rows } = await db.query<Athlete>(
    `insert into athletes as a (id, username, firstname, lastname, profile_url, city, country, measurement_preference, scopes, status, connected_at)
     values ($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text[], 'connected', now())
     on conflict (id) do update set
       (username, firstname, lastname, profile_url, city, country, measurement_preference, scopes) =
         (excluded.username, excluded.firstname, excluded.lastname, excluded.profile_url, excluded.city, excluded.country,
          excluded.measurement_preference, excluded.scopes),
       status = case when a.status = 'banned' then a.status else 'connected' end,
       status_reason = case when a.status = 'banned' then a.status_reason else null end,
       connected_at = now(),
       -- Connecting again ends every session issued before it (a cookie copied earlier stops working).
       session_epoch = gen_random_uuid()::text,
       updated_at = now()
     returning ${COLUMNS}`,
    [
      athlete.id,
      athlete.username ?? null,
      athlete.firstname ?? '',
      athlete.lastname ?? '',
      avatarUrl(athlete),
      athlete.city ?? null,
      athlete.country ?? null,
      athlete.measurement_preference === 'feet' ? 'feet' : 'meters',
      [...scopes],
    ],
  );
  return rows[0]!;
}

/**
 * Athletes who hold a grant of this application at Strava, which is what Strava's athlete limit counts: connected and
 * banned ones (a ban is ours, the grant stays); not those whose access Strava already refused.
 */
export async function countAuthorizedAthletes(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::integer as n from athletes where status <> 'disconnected'`);
  return rows[0]?.n ?? 0;
}

export async function getAthlete(db: Queryable, id: number): Promise<Athlete | undefined> {
  const { rows } = await db.query<Athlete>(`select ${COLUMNS} from athletes where id = $1::bigint`, [id]);
  return rows[0];
}

/** Records the scopes Strava actually granted (when they turn out narrower than the sign-in claimed). */
export async function setAthleteScopes(db: Queryable, id: number, scopes: readonly string[]): Promise<Athlete | undefined> {
  const { rows } = await db.query<Athlete>(`update athletes set scopes = $2::text[], updated_at = now() where id = $1::bigint returning ${COLUMNS}`, [
    id,
    [...scopes],
  ]);
  return rows[0];
}

/** Ends every session of the athlete (logout, ban): the next request with an older cookie is signed out. */
export async function revokeSessions(db: Queryable, id: number): Promise<void> {
  await db.query('update athletes set session_epoch = gen_random_uuid()::text, updated_at = now() where id = $1::bigint', [id]);
}

/** Removes the athlete; tokens, activities and every other row of theirs go with it (on delete cascade). */
export async function deleteAthlete(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query('delete from athletes where id = $1::bigint', [id]);
  return (rowCount ?? 0) > 0;
}

/** Ban: only a status change here; the caller records who did it. Returns false when the athlete was already banned. */
export async function markBanned(db: Queryable, id: number, reason: string | null): Promise<boolean> {
  const { rowCount } = await db.query(
    // A new session epoch: the banned athlete's open sessions end with the ban.
    `update athletes set status = 'banned', status_reason = $2::text, session_epoch = gen_random_uuid()::text, updated_at = now()
     where id = $1::bigint and status <> 'banned'`,
    [id, reason],
  );
  return (rowCount ?? 0) > 0;
}

/** Unban: connected again if the site still holds tokens, otherwise disconnected until they sign in. */
export async function markUnbanned(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `update athletes a set
       status = case when exists (select 1 from tokens t where t.athlete_id = a.id) then 'connected' else 'disconnected' end,
       status_reason = null, updated_at = now()
     where a.id = $1::bigint and a.status = 'banned'`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/** A connected athlete whose refresh token Strava refused is disconnected (a banned one stays banned). */
export async function markDisconnected(db: Queryable, id: number, reason: string): Promise<void> {
  await db.query(`update athletes set status = 'disconnected', status_reason = $2::text, updated_at = now() where id = $1::bigint and status = 'connected'`, [
    id,
    reason,
  ]);
}

/** Whether the athlete connected after `eventTime` (whole seconds); undefined for an unknown athlete. */
export async function connectedSince(db: Queryable, id: number, eventTime: number): Promise<boolean | undefined> {
  const { rows } = await db.query<{ reconnected: boolean }>(
    `select connected_at >= to_timestamp($2::bigint + 1) as reconnected from athletes where id = $1::bigint`,
    [id, eventTime],
  );
  return rows[0]?.reconnected;
}

export async function athleteExists(db: Queryable, id: number): Promise<boolean> {
  const { rows } = await db.query('select 1 from athletes where id = $1::bigint', [id]);
  return rows.length > 0;
}

/**
 * Strava's agreement: a deauthorized athlete's data goes, unless they connected again after the deauthorization
 * (event times are whole seconds). Returns whether the athlete was deleted.
 */
export async function deleteAthleteConnectedBefore(db: Queryable, id: number, eventTime: number): Promise<boolean> {
  const { rows } = await db.query(`delete from athletes where id = $1::bigint and connected_at < to_timestamp($2::bigint + 1) returning id`, [id, eventTime]);
  return rows.length > 0;
}
