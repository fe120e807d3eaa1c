// One slice of an athlete's history import: pages of 200, newest first, each saved with its cursor, within budgets.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { UnsafeActivityIdError, upsertActivities } from '../activities/index.js';
import { withTransaction } from '../db/index.js';
import { withoutDeletedActivities } from '../events/index.js';
import type { StravaBudget } from '../strava/index.js';
import { INACTIVE_RETRY_MS } from '../strava/index.js';
import { causedByInactiveApplication, StravaError, StravaRateLimitError, StravaUnauthorizedError } from '../strava/index.js';
import type { SummaryActivity } from '../strava/index.js';
import { getAccessToken, ReconnectRequiredError, TokenRefreshError, type TokenDeps } from '../tokens/index.js';
import { statsCountOf } from './estimate.js';
import { advanceImport, claimImport, getImport, recordImportStats, releaseImport, type ImportEnd } from './store.js';

/** Strava's largest page. */
export const IMPORT_PAGE_SIZE = 200;
/**
 * How long an invocation owns an import without saving a page. Longer than the slowest page (three 15 s Strava
 * attempts, a token refresh that may wait two minutes, the save); renewed with every page.
 */
export const DEFAULT_LEASE_MS = 5 * 60_000;

export interface ImportDeps extends TokenDeps {
  pool: pg.Pool;
  budget: StravaBudget;
}

/** Seams for tests: a failure injected here stands in for a crash at that point. */
export interface ImportHooks {
  /** A page came back from Strava and is not saved yet: a crash here loses only this page. */
  afterFetch?: (athleteId: number, page: number) => void | Promise<void>;
  /** A page and its cursor are saved. */
  afterSave?: (athleteId: number, page: number) => void | Promise<void>;
}

export interface ImportSliceOptions {
  /** No page starts after this long; what is left goes to the next request. */
  timeBudgetMs: number;
  leaseMs?: number;
  perPage?: number;
  /** Measures the time budget; injectable. */
  clock?: () => number;
  hooks?: ImportHooks;
}

export type SliceOutcome =
  | { kind: 'done'; pages: number; imported: number }
  /** The time budget ran out with more history to fetch: another request should continue. */
  | { kind: 'more'; pages: number; imported: number }
  /** The rate-limit budget (or a 429) stopped it; it goes on after `nextAttemptAt`. */
  | { kind: 'waiting'; pages: number; imported: number; nextAttemptAt: Date; reason: string }
  | { kind: 'failed'; pages: number; imported: number; reason: string }
  /** Another invocation holds the lease: nothing done. */
  | { kind: 'busy' }
  /** Paused until a window resets, and that time has not come. */
  | { kind: 'paused'; nextAttemptAt: Date | null }
  /** Already done or failed: nothing to do. */
  | { kind: 'finished'; status: 'done' | 'failed' }
  /** This athlete has no import. */
  | { kind: 'missing' }
  /** The lease ran out mid-way and another invocation took over; this one stopped without saving its page. */
  | { kind: 'lost'; pages: number; imported: number };

class LeaseLostError extends Error {}

function startEpoch(activity: SummaryActivity): number {
  return Math.floor(Date.parse(activity.start_date) / 1000);
}

/** Whether the failure is the athlete's (reconnect needed, access gone) rather than a passing one. */
function permanentReason(error: unknown): string | undefined {
  if (error instanceof ReconnectRequiredError) return `reconnect_required:${error.reason}`;
  if (error instanceof UnsafeActivityIdError) return error.message.slice(0, 300);
  if (error instanceof TokenRefreshError && !error.transient) return 'token_refresh_refused';
  if (error instanceof StravaUnauthorizedError) return 'strava_unauthorized';
  if (error instanceof StravaError && !error.transient) return `strava_${error.status}${error.fault?.message ? `: ${error.fault.message}` : ''}`;
  return undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * One request for Strava's all-time totals, so the page can say "412 of about 1,180". The estimate is a nicety: any
 * refusal but a rate limit or an inactive application (which pause the whole import, and ask again after) is recorded
 * as "could not say", and the import goes on without it.
 */
async function askStats(deps: ImportDeps, athleteId: number, claimId: string, accessToken: string, log: ImportDeps['log']): Promise<void> {
  let statsCount: number | null = null;
  try {
    statsCount = statsCountOf(await deps.strava.getAthleteStats(accessToken, athleteId));
  } catch (error) {
    if (error instanceof StravaRateLimitError || causedByInactiveApplication(error)) throw error;
    log.warn('Strava did not give the athlete stats; the import goes on without an estimate of its size', { error });
  }
  await recordImportStats(deps.pool, { athleteId, claimId, statsCount });
}

/**
 * Runs the athlete's import until it is done, the time budget ends, or the rate-limit budget says stop. Throws
 * only for passing failures (Strava 5xx or unreachable, database trouble) after freeing the import for a retry.
 */
export async function runImportSlice(deps: ImportDeps, athleteId: number, options: ImportSliceOptions): Promise<SliceOutcome> {
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const perPage = options.perPage ?? IMPORT_PAGE_SIZE;
  const log = deps.log.child({ athleteId, job: 'history_import' });
  const claimId = randomUUID();

  const row = await claimImport(deps.pool, { athleteId, claimId, leaseMs, now: deps.budget.now() });
  if (!row) {
    const current = await getImport(deps.pool, athleteId);
    if (!current) return { kind: 'missing' };
    if (current.status === 'done' || current.status === 'failed') return { kind: 'finished', status: current.status };
    const leased = current.claimedUntil !== null && current.claimedUntil.getTime() > Date.now();
    return leased ? { kind: 'busy' } : { kind: 'paused', nextAttemptAt: current.nextAttemptAt };
  }

  let cursor = row.cursorBefore;
  let pages = 0;
  let imported = row.imported;
  // Ask for one second past the cursor: activities that started in the same second as the oldest saved one may
  // straddle the page boundary. Dropped only if a whole page shares that second, which would otherwise repeat.
  let overlap = true;
  const release = (end: ImportEnd) => releaseImport(deps.pool, athleteId, claimId, end);

  try {
    if (row.statsAskedAt === null) {
      // Its own reservation: refused, the estimate waits for the next slice, as the pages would.
      const reservation = await deps.budget.reserveBackground();
      if (reservation.granted) await askStats(deps, athleteId, claimId, await getAccessToken(deps, athleteId), log);
    }
    for (;;) {
      if (clock() - startedAt >= options.timeBudgetMs) {
        await release({ status: 'pending' });
        log.info('History import paused: time budget used, continuing in the next request', { pages, imported });
        return { kind: 'more', pages, imported };
      }

      const reservation = await deps.budget.reserveBackground();
      if (!reservation.granted) {
        const reason = `budget_${reservation.limit}`;
        await release({ status: 'waiting', nextAttemptAt: reservation.retryAt, reason });
        log.info('History import waiting for the Strava rate-limit window to reset', { pages, imported, resumesAt: reservation.retryAt.toISOString(), reason });
        return { kind: 'waiting', pages, imported, nextAttemptAt: reservation.retryAt, reason };
      }

      const accessToken = await getAccessToken(deps, athleteId);
      const fetchedAt = new Date();
      const before = cursor === null ? undefined : cursor + (overlap ? 1 : 0);
      const page = await deps.strava.listActivities(accessToken, { perPage, ...(before !== undefined ? { before } : {}) });
      await options.hooks?.afterFetch?.(athleteId, pages + 1);

      // Strava only lists the token owner's activities; the filter guards against a confused caller.
      const own = page.filter((activity) => activity.athlete?.id === undefined || activity.athlete.id === athleteId);
      const older = own.filter((activity) => cursor === null || startEpoch(activity) < cursor);
      if (older.length === 0 && own.length >= perPage && overlap) {
        // A full page all in the cursor's second: step past that second rather than ask for the same page again.
        overlap = false;
        continue;
      }
      overlap = true;
      const nextCursor = older.length > 0 ? Math.min(...older.map(startEpoch)) : cursor;

      if (own.length > 0) {
        // The last answer holds only the overlap (or ties new to us): saved too, but it is not a page of history.
        const countPage = older.length > 0;
        const saved = await withTransaction(deps.pool, async (client) => {
          // Strava may still list an activity whose delete event is already applied: it must not come back.
          await upsertActivities(client, athleteId, await withoutDeletedActivities(client, own), fetchedAt);
          const advanced = await advanceImport(client, { athleteId, claimId, cursorBefore: nextCursor ?? 0, leaseMs, countPage });
          if (!advanced) throw new LeaseLostError();
          return advanced;
        });
        imported = saved.imported;
        cursor = nextCursor;
        if (countPage) {
          pages++;
          await options.hooks?.afterSave?.(athleteId, pages);
        }
      }

      // Nothing older than what is saved: the whole history is in (Strava gives no total; an empty page ends it).
      if (older.length === 0) {
        await release({ status: 'done' });
        log.info('History import finished', { imported });
        return { kind: 'done', pages, imported };
      }
    }
  } catch (error) {
    if (error instanceof LeaseLostError) {
      log.warn('History import lost its lease to another invocation; stopping', { pages });
      return { kind: 'lost', pages, imported };
    }
    if (error instanceof StravaRateLimitError) {
      // Never retried at once: the window has to reset first, whoever else is calling.
      const nextAttemptAt = deps.budget.resumeAfterRateLimit(error.usage);
      await release({ status: 'waiting', nextAttemptAt, reason: 'strava_429' });
      log.warn('Strava answered 429 to the history import; waiting for the window to reset', { pages, resumesAt: nextAttemptAt.toISOString() });
      return { kind: 'waiting', pages, imported, nextAttemptAt, reason: 'strava_429' };
    }
    if (causedByInactiveApplication(error)) {
      // The site's problem, not the athlete's: pause and ask Strava again later; the shared status logs it once.
      const nextAttemptAt = new Date(deps.budget.now().getTime() + INACTIVE_RETRY_MS);
      await release({ status: 'waiting', nextAttemptAt, reason: 'application_inactive' });
      return { kind: 'waiting', pages, imported, nextAttemptAt, reason: 'application_inactive' };
    }
    const reason = permanentReason(error);
    if (reason !== undefined) {
      await release({ status: 'failed', reason });
      log.warn('History import failed and will not be retried until the athlete reconnects', { reason, pages, error });
      return { kind: 'failed', pages, imported, reason };
    }
    // Passing trouble: free the import at once (a crash would leave the lease to run out) and let the caller retry.
    await release({ status: 'retry', reason: describe(error) }).catch(() => undefined);
    throw error;
  }
}
