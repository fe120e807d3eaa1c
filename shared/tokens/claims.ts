// SQL for the per-athlete refresh claim: claim-or-read in one statement, store or reject under a compare-and-swap, release.
import pg from 'pg';
import type { Queryable } from '../db/index.js';
import { withTransaction } from '../db/index.js';
import { markDisconnected, type AthleteStatus } from '../athletes/index.js';

// The statements are deliberately not named (prepared): the embedded laptop database serves every pool connection
// from one session, where statement names collide.

/** What one claim attempt saw: the athlete, their encrypted tokens, and whether this caller now holds the claim. */
export interface ClaimResult {
  athleteId: number;
  /** Undefined when no such athlete exists. */
  status: AthleteStatus | undefined;
  accessCipher: Buffer | null;
  refreshCipher: Buffer | null;
  expiresAt: Date | null;
  /** The token expires within the window asked for. */
  due: boolean;
  /** This caller holds the refresh claim now and must store, reject or release. */
  claimed: boolean;
  /** The claim just taken had been left behind by a holder that never finished (a crash mid-refresh). */
  takenOver: boolean;
  /** Someone else holds an unexpired claim. */
  claimHeldElsewhere: boolean;
  refreshFailedAt: Date | null;
  /** The database clock, which every claim deadline is measured against. */
  dbNow: Date;
}

interface ClaimRow {
  status: AthleteStatus | null;
  access_token: Buffer | null;
  refresh_token: Buffer | null;
  expires_at: Date | null;
  due: boolean | null;
  claimed: boolean;
  taken_over: boolean;
  claim_held_elsewhere: boolean | null;
  refresh_failed_at: Date | null;
  db_now: Date;
}

export interface ClaimParams {
  athleteId: number;
  claimId: string;
  /** Due means expiring within this many milliseconds of the database's now(). */
  windowMs: number;
  claimTtlMs: number;
  /**
   * A waiter passes the time it started waiting: a refresh that failed after that is the one it waited for,
   * so it does not claim and call Strava again straight away (no herd of retries after a 429).
   */
  notFailedSince?: Date | undefined;
}

/**
 * One round trip: claims the athlete's refresh when the token is due, the athlete connected, and nobody holds an
 * unexpired claim; otherwise just reads. `skip locked` makes a concurrent claimer a waiter instead of blocking.
 * The update returns the token columns of the row version it claimed, so a claimer never refreshes a stale token.
 */
export async function claimOrRead(db: Queryable, params: ClaimParams): Promise<ClaimResult> {
  const { rows } = await db.query<ClaimRow>({
    text: `with target as (
       select t.athlete_id, t.refresh_claim_id as previous_claim
         from tokens t
         join athletes a on a.id = t.athlete_id
        where t.athlete_id = $1::bigint
          and a.status = 'connected'
          and t.expires_at <= now() + $3::double precision * interval '1 millisecond'
          and (t.refresh_claimed_until is null or t.refresh_claimed_until <= now())
          and ($5::timestamptz is null or t.refresh_failed_at is null or t.refresh_failed_at < $5::timestamptz)
        for update of t skip locked
     ), claimed as (
       update tokens t
          set refresh_claim_id = $2::uuid,
              refresh_claimed_until = now() + $4::double precision * interval '1 millisecond'
         from target
        where t.athlete_id = target.athlete_id
       returning t.access_token, t.refresh_token, t.expires_at, target.previous_claim
     )
     select a.status,
            coalesce(c.access_token, t.access_token) as access_token,
            coalesce(c.refresh_token, t.refresh_token) as refresh_token,
            coalesce(c.expires_at, t.expires_at) as expires_at,
            coalesce(c.expires_at, t.expires_at) <= now() + $3::double precision * interval '1 millisecond' as due,
            c.expires_at is not null as claimed,
            c.previous_claim is not null as taken_over,
            c.expires_at is null and t.refresh_claimed_until > now() as claim_held_elsewhere,
            t.refresh_failed_at,
            now() as db_now
       from (select $1::bigint as id) wanted
       left join athletes a on a.id = wanted.id
       left join tokens t on t.athlete_id = wanted.id
       left join claimed c on true`,
    values: [params.athleteId, params.claimId, params.windowMs, params.claimTtlMs, params.notFailedSince ?? null],
  });
  const row = rows[0]!;
  return {
    athleteId: params.athleteId,
    status: row.status ?? undefined,
    accessCipher: row.access_token,
    refreshCipher: row.refresh_token,
    expiresAt: row.expires_at,
    due: row.due ?? false,
    claimed: row.claimed,
    takenOver: row.taken_over,
    claimHeldElsewhere: row.claim_held_elsewhere ?? false,
    refreshFailedAt: row.refresh_failed_at,
    dbNow: row.db_now,
  };
}

export interface StoreRefreshedParams {
  athleteId: number;
  claimId: string;
  /** The refresh token ciphertext the refresh was made with: the write happens only if it is still the stored one. */
  usedRefreshCipher: Buffer;
  accessCipher: Buffer;
  refreshCipher: Buffer;
  expiresAt: Date;
}

/**
 * Stores a refresh answer and releases the claim if it is still ours. The guard is the old refresh token, not the
 * claim: a holder whose claim lapsed but whose refresh Strava accepted still has the only valid tokens, and must
 * store them; if the stored token changed (a reconnect wrote new ones), ours are not written over theirs.
 * Returns false when the guard did not match.
 */
export async function storeRefreshed(db: Queryable, params: StoreRefreshedParams): Promise<boolean> {
  const { rowCount } = await db.query({
    text: `update tokens
        set access_token = $3::bytea,
            refresh_token = $4::bytea,
            expires_at = $5::timestamptz,
            refreshed_at = now(),
            refresh_failed_at = null,
            refresh_failure = null,
            updated_at = now(),
            refresh_claim_id = case when refresh_claim_id = $2::uuid then null else refresh_claim_id end,
            refresh_claimed_until = case when refresh_claim_id = $2::uuid then null else refresh_claimed_until end
      where athlete_id = $1::bigint
        and refresh_token = $6::bytea`,
    values: [params.athleteId, params.claimId, params.accessCipher, params.refreshCipher, params.expiresAt, params.usedRefreshCipher],
  });
  return (rowCount ?? 0) > 0;
}

/**
 * Strava refused the refresh token for good: marks the athlete disconnected and releases the claim, but only if
 * the refused token is still the stored one (if another instance stored a newer one meanwhile, nothing is wrong).
 * Returns whether the refused token was still stored.
 */
export async function rejectRefresh(
  db: Queryable,
  params: { athleteId: number; claimId: string; usedRefreshCipher: Buffer; reason: string },
): Promise<boolean> {
  // The token and the athlete's status change together: nobody sees a refused token on a connected athlete.
  const matched = await inTransaction(db, async (client) => {
    const { rows } = await client.query<{ athlete_id: number }>(
      `update tokens
          set refresh_claim_id = null,
              refresh_claimed_until = null,
              refresh_failed_at = now(),
              refresh_failure = $3::text
        where athlete_id = $1::bigint
          and refresh_token = $2::bytea
       returning athlete_id`,
      [params.athleteId, params.usedRefreshCipher, params.reason],
    );
    if (rows.length === 0) return false;
    await markDisconnected(client, params.athleteId, params.reason);
    return true;
  });
  if (!matched) await releaseClaim(db, params.athleteId, params.claimId, undefined);
  return matched;
}

/** On a pool, one transaction; on a client (already in one) or a stand-in that only queries, the statements as they come. */
function inTransaction<T>(db: Queryable, work: (client: Queryable) => Promise<T>): Promise<T> {
  return db instanceof pg.Pool ? withTransaction(db, work) : work(db);
}

/** Gives the claim back; with a failure, records it so waiters stop waiting for a refresh that did not happen. */
export async function releaseClaim(db: Queryable, athleteId: number, claimId: string, failure: string | undefined): Promise<void> {
  await db.query(
    `update tokens
        set refresh_claim_id = null,
            refresh_claimed_until = null,
            refresh_failed_at = case when $3::text is null then refresh_failed_at else now() end,
            refresh_failure = coalesce($3::text, refresh_failure)
      where athlete_id = $1::bigint
        and refresh_claim_id = $2::uuid`,
    [athleteId, claimId, failure ?? null],
  );
}

/** Connected athletes whose token expires within the window given by the numbered parameter. */
const dueFilter = (windowParam: string) => `a.status = 'connected' and t.expires_at <= now() + ${windowParam}::double precision * interval '1 millisecond'`;

/** How many connected athletes' tokens expire within the window. */
export async function countDue(db: Queryable, windowMs: number): Promise<number> {
  const { rows } = await db.query<{ due: number }>(
    `select count(*)::integer as due from tokens t join athletes a on a.id = t.athlete_id where ${dueFilter('$1')}`,
    [windowMs],
  );
  return rows[0]!.due;
}

/**
 * Claims the next due athletes after `afterId` in id order, up to `limit`, in one statement, returning their tokens:
 * the job's one round trip per batch instead of one per athlete. Rows another instance holds are skipped, not waited
 * for. The batch shares one claim id; each row is still stored or released on its own.
 */
export async function claimDueBatch(
  db: Queryable,
  params: { claimId: string; windowMs: number; claimTtlMs: number; afterId: number; limit: number },
): Promise<ClaimResult[]> {
  const { rows } = await db.query<ClaimRow & { athlete_id: number }>({
    text: `with target as (
       select t.athlete_id, t.refresh_claim_id as previous_claim
         from tokens t
         join athletes a on a.id = t.athlete_id
        where ${dueFilter('$2')}
          and (t.refresh_claimed_until is null or t.refresh_claimed_until <= now())
          and t.athlete_id > $4::bigint
        order by t.athlete_id
        limit $5::integer
        for update of t skip locked
     )
     update tokens t
        set refresh_claim_id = $1::uuid,
            refresh_claimed_until = now() + $3::double precision * interval '1 millisecond'
       from target
      where t.athlete_id = target.athlete_id
     returning t.athlete_id, 'connected' as status, t.access_token, t.refresh_token, t.expires_at, true as due, true as claimed,
               target.previous_claim is not null as taken_over, false as claim_held_elsewhere, t.refresh_failed_at, now() as db_now`,
    values: [params.claimId, params.windowMs, params.claimTtlMs, params.afterId, params.limit],
  });
  return rows
    .sort((a, b) => a.athlete_id - b.athlete_id)
    .map((row) => ({
      athleteId: row.athlete_id,
      status: 'connected',
      accessCipher: row.access_token,
      refreshCipher: row.refresh_token,
      expiresAt: row.expires_at,
      due: true,
      claimed: true,
      takenOver: row.taken_over,
      claimHeldElsewhere: false,
      refreshFailedAt: row.refresh_failed_at,
      dbNow: row.db_now,
    }));
}

/** Gives back claims taken in a batch that the run will not get to (the deadline came first). */
export async function releaseClaims(db: Queryable, athleteIds: readonly number[], claimId: string): Promise<void> {
  if (athleteIds.length === 0) return;
  await db.query(
    `update tokens set refresh_claim_id = null, refresh_claimed_until = null
      where athlete_id = any($1::bigint[]) and refresh_claim_id = $2::uuid`,
    [[...athleteIds], claimId],
  );
}
