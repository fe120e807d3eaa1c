// The imports table: one history import per athlete, its cursor and progress, and the lease one invocation holds.
import type { Queryable } from '../db/index.js';
import { estimateTotal, STATS_COUNTED_SPORTS } from './estimate.js';

export type ImportStatus = 'pending' | 'running' | 'waiting' | 'done' | 'failed';

export interface ImportRow {
  athleteId: number;
  status: ImportStatus;
  cursorBefore: number | null;
  pages: number;
  imported: number;
  lastError: string | null;
  failures: number;
  nextAttemptAt: Date | null;
  claimId: string | null;
  claimedUntil: Date | null;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
  /** Runs, rides and swims in Strava's all-time totals, asked for once per import. */
  statsCount: number | null;
  statsAskedAt: Date | null;
}

const COLUMNS = `athlete_id as "athleteId", status, cursor_before as "cursorBefore", pages, imported, last_error as "lastError",
  failures, next_attempt_at as "nextAttemptAt", claim_id as "claimId", claimed_until as "claimedUntil",
  requested_at as "requestedAt", started_at as "startedAt", finished_at as "finishedAt", updated_at as "updatedAt",
  stats_count as "statsCount", stats_asked_at as "statsAskedAt"`;

// bigint columns arrive as strings unless the pool's parser is installed; numbers either way.
function normalise(row: ImportRow | undefined): ImportRow | undefined {
  if (!row) return undefined;
  return { ...row, athleteId: Number(row.athleteId), cursorBefore: row.cursorBefore === null ? null : Number(row.cursorBefore) };
}

export async function getImport(db: Queryable, athleteId: number): Promise<ImportRow | undefined> {
  const { rows } = await db.query<ImportRow>(`select ${COLUMNS} from imports where athlete_id = $1::bigint`, [athleteId]);
  return normalise(rows[0]);
}

/**
 * Makes sure the athlete has an import that will run: creates it, or brings a failed one back (from its cursor).
 * `restart` starts a finished or failed import over from the newest activity. Returns the row and whether a
 * request should be published (a done, running or waiting import needs none).
 */
export async function requestImport(db: Queryable, athleteId: number, options: { restart?: boolean } = {}): Promise<{ row: ImportRow; shouldRun: boolean }> {
  const restart = options.restart === true;
  const { rows } = await db.query<ImportRow & { changed: boolean }>(
    `insert into imports as i (athlete_id) values ($1::bigint)
     on conflict (athlete_id) do update set
       status = 'pending',
       cursor_before = case when $2::boolean then null else i.cursor_before end,
       pages = case when $2::boolean then 0 else i.pages end,
       imported = case when $2::boolean then 0 else i.imported end,
       started_at = case when $2::boolean then null else i.started_at end,
       stats_count = case when $2::boolean then null else i.stats_count end,
       stats_asked_at = case when $2::boolean then null else i.stats_asked_at end,
       finished_at = null,
       last_error = null,
       failures = 0,
       next_attempt_at = null,
       requested_at = now(),
       updated_at = now()
     where i.status = 'failed' or ($2::boolean and i.status = 'done')
     returning ${COLUMNS}`,
    [athleteId, restart],
  );
  const changed = normalise(rows[0]);
  if (changed) return { row: changed, shouldRun: true };
  const row = (await getImport(db, athleteId))!;
  // A pending import whose request may have been lost is worth another request; duplicates are cheap (the lease).
  return { row, shouldRun: row.status === 'pending' };
}

export interface ClaimOptions {
  athleteId: number;
  claimId: string;
  leaseMs: number;
  /** The budget clock: an import paused until a window reset is not claimed before it. */
  now: Date;
}

/**
 * Takes the lease on an unfinished import whose pause (if any) is over. Undefined when someone else holds it,
 * it is paused, finished or failed, or there is none: read the row to tell which.
 */
export async function claimImport(db: Queryable, options: ClaimOptions): Promise<ImportRow | undefined> {
  const { rows } = await db.query<ImportRow>(
    `update imports set
       status = 'running',
       claim_id = $2::uuid,
       claimed_until = now() + $3::integer * interval '1 millisecond',
       started_at = coalesce(started_at, now()),
       next_attempt_at = null,
       updated_at = now()
     where athlete_id = $1::bigint
       and status in ('pending', 'running', 'waiting')
       and (claimed_until is null or claimed_until < now())
       and (next_attempt_at is null or next_attempt_at <= $4::timestamptz)
     returning ${COLUMNS}`,
    [options.athleteId, options.claimId, options.leaseMs, options.now],
  );
  return normalise(rows[0]);
}

/**
 * Records a saved page under the lease (call inside the transaction that upserted the page): the new cursor,
 * the count, a renewed lease. False when the lease was lost (it ran out and another invocation took over): the
 * caller must roll back and stop.
 */
export async function advanceImport(
  db: Queryable,
  options: { athleteId: number; claimId: string; cursorBefore: number; leaseMs: number; countPage?: boolean },
): Promise<{ imported: number } | undefined> {
  const { rows } = await db.query<{ imported: number }>(
    `update imports set
       cursor_before = $3::bigint,
       pages = pages + case when $5::boolean then 1 else 0 end,
       imported = (select count(*)::integer from activities
                   where athlete_id = $1::bigint and start_date >= to_timestamp($3::bigint)),
       failures = 0,
       last_error = null,
       claimed_until = now() + $4::integer * interval '1 millisecond',
       updated_at = now()
     where athlete_id = $1::bigint and claim_id = $2::uuid
     returning imported`,
    [options.athleteId, options.claimId, options.cursorBefore, options.leaseMs, options.countPage !== false],
  );
  return rows[0];
}

/** Keeps what Strava's athlete stats said (null: it could not say), under the lease; asked once per import. */
export async function recordImportStats(db: Queryable, options: { athleteId: number; claimId: string; statsCount: number | null }): Promise<void> {
  await db.query(
    `update imports set stats_count = $3::integer, stats_asked_at = now(), updated_at = now()
     where athlete_id = $1::bigint and claim_id = $2::uuid`,
    [options.athleteId, options.claimId, options.statsCount],
  );
}

export type ImportEnd =
  | { status: 'done' }
  /** Time ran out with more to do: free for the next request. */
  | { status: 'pending' }
  | { status: 'waiting'; nextAttemptAt: Date; reason: string }
  | { status: 'failed'; reason: string }
  /** A passing failure: free for a retry, with the reason kept for operators. */
  | { status: 'retry'; reason: string };

/** Ends this invocation's work on the import and gives up the lease. No-op if the lease was lost meanwhile. */
export async function releaseImport(db: Queryable, athleteId: number, claimId: string, end: ImportEnd): Promise<boolean> {
  const status = end.status === 'retry' ? 'pending' : end.status;
  const { rowCount } = await db.query(
    `update imports set
       status = $3::text,
       claim_id = null,
       claimed_until = null,
       next_attempt_at = $4::timestamptz,
       last_error = case when $5::text is null then last_error else $5::text end,
       failures = failures + case when $6::boolean then 1 else 0 end,
       finished_at = case when $3::text = 'done' then now() else finished_at end,
       updated_at = now()
     where athlete_id = $1::bigint and claim_id = $2::uuid`,
    [athleteId, claimId, status, end.status === 'waiting' ? end.nextAttemptAt : null, 'reason' in end ? end.reason : null, end.status === 'retry'],
  );
  return rowCount === 1;
}

/**
 * Unfinished imports nobody is working on that should be running: paused ones whose window has reset, and
 * pending or running ones untouched for `stalledAfterMs` (a lost request, a crashed invocation whose lease ran out).
 */
export async function findResumable(db: Queryable, options: { now: Date; stalledAfterMs: number; limit: number }): Promise<number[]> {
  const { rows } = await db.query<{ athlete_id: string | number }>(
    `select i.athlete_id from imports i
     join athletes a on a.id = i.athlete_id and a.status = 'connected'
     where i.status in ('pending', 'running', 'waiting')
       and (i.claimed_until is null or i.claimed_until < now())
       and (i.next_attempt_at is null or i.next_attempt_at <= $1::timestamptz)
       and (i.status = 'waiting' or i.updated_at < now() - $2::integer * interval '1 millisecond')
     order by i.updated_at
     limit $3::integer`,
    [options.now, options.stalledAfterMs, options.limit],
  );
  return rows.map((row) => Number(row.athlete_id));
}

export interface ImportProgress {
  status: ImportStatus;
  /** Activities imported so far (newest back to where the import has reached). */
  imported: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Set while paused for Strava's rate limit: when it goes on by itself. */
  resumesAt: Date | null;
  /** About how many activities the whole history holds (Strava's all-time counts), when known. */
  expected?: number | null;
}

/** Of the activities imported so far, those Strava's all-time totals count: runs, rides and swims visible to Everyone. */
async function importedCounted(db: Queryable, athleteId: number, cursorBefore: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::integer as n from activities
     where athlete_id = $1::bigint and start_date >= to_timestamp($2::bigint) and sport_type = any($3::text[])
       and coalesce(visibility, case when private then 'only_me' else 'everyone' end) = 'everyone'`,
    [athleteId, cursorBefore, [...STATS_COUNTED_SPORTS]],
  );
  return rows[0]?.n ?? 0;
}

/** What the results page shows about the athlete's history import; undefined when there has never been one. */
export async function getImportProgress(db: Queryable, athleteId: number): Promise<ImportProgress | undefined> {
  const row = await getImport(db, athleteId);
  if (!row) return undefined;
  const running = row.status !== 'done' && row.status !== 'failed';
  const expected =
    running && row.statsCount !== null && row.cursorBefore !== null
      ? estimateTotal({ statsCount: row.statsCount, imported: row.imported, importedCounted: await importedCounted(db, athleteId, row.cursorBefore) })
      : undefined;
  return {
    status: row.status,
    imported: row.imported,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    resumesAt: row.status === 'waiting' ? row.nextAttemptAt : null,
    expected: expected ?? null,
  };
}
