// The one way to get an athlete's Strava access token: the stored one, or a refresh that one instance at a time performs.
import { randomUUID } from 'node:crypto';
import { claimOrRead, type ClaimResult } from './claims.js';
import { tokenContext } from './store.js';
import { ReconnectRequiredError, refreshClaimed, TokenRefreshError, type RefreshHooks, type TokenDeps } from './refresh.js';

export { ReconnectRequiredError, TokenRefreshError, type TokenDeps } from './refresh.js';

/** Strava only hands out a new access token when the current one has an hour or less left. */
export const REFRESH_WINDOW_MS = 60 * 60_000;
/**
 * Longer than the worst refresh: the Strava client's three 15 s attempts plus the store retries. Only a crashed
 * holder's claim ever runs out; a live one releases it.
 */
export const DEFAULT_CLAIM_TTL_MS = 120_000;

export interface AccessTokenOptions {
  /** Refresh when the token expires within this window (default one hour, Strava's rotation rule). */
  refreshWindowMs?: number;
  claimTtlMs?: number;
  /** How long to wait for another instance's refresh before falling back or giving up. */
  maxWaitMs?: number;
  /** First delay between polls of the row while someone else refreshes; grows to 250 ms. */
  pollIntervalMs?: number;
  /**
   * When a refresh fails for a passing reason (429, 5xx, network) and the current token still has at least this
   * long to live, it is returned instead of an error: a Strava hiccup should not break a page that can still load.
   */
  fallbackMinValidityMs?: number;
  hooks?: RefreshHooks;
  storeRetryDelaysMs?: readonly number[];
}

const DEFAULTS = {
  refreshWindowMs: REFRESH_WINDOW_MS,
  claimTtlMs: DEFAULT_CLAIM_TTL_MS,
  maxWaitMs: 10_000,
  pollIntervalMs: 25,
  fallbackMinValidityMs: 60_000,
};

// Concurrent callers in one process share one lookup per athlete, so fifty requests for one page poll the row once.
// Keyed by the pool: two runtimes in one process (tests of two "instances") stay independent.
const inFlight = new WeakMap<object, Map<number, Promise<string>>>();

/**
 * The athlete's access token, refreshed first when it expires within the hour. Throws ReconnectRequiredError
 * when the athlete must go through Strava's consent again, TokenRefreshError when a refresh failed (see
 * `transient`).
 */
export function getAccessToken(deps: TokenDeps, athleteId: number, options: AccessTokenOptions = {}): Promise<string> {
  let perPool = inFlight.get(deps.pool);
  if (!perPool) {
    perPool = new Map();
    inFlight.set(deps.pool, perPool);
  }
  const pending = perPool.get(athleteId);
  if (pending) return pending;
  const lookup = obtain(deps, athleteId, { ...DEFAULTS, ...options }).finally(() => perPool.delete(athleteId));
  perPool.set(athleteId, lookup);
  return lookup;
}

type Resolved = typeof DEFAULTS & AccessTokenOptions;

async function obtain(deps: TokenDeps, athleteId: number, options: Resolved): Promise<string> {
  const startedAt = Date.now();
  let waitingSince: Date | undefined;
  let delay = options.pollIntervalMs;
  for (;;) {
    const claimId = randomUUID();
    const row = await claimOrRead(deps.pool, {
      athleteId,
      claimId,
      windowMs: options.refreshWindowMs,
      claimTtlMs: options.claimTtlMs,
      notFailedSince: waitingSince,
    });
    if (row.status === undefined) throw new ReconnectRequiredError(athleteId, 'unknown_athlete');
    if (row.status !== 'connected') throw new ReconnectRequiredError(athleteId, row.status);
    if (!row.accessCipher) throw new ReconnectRequiredError(athleteId, 'no_tokens');
    if (!row.due) return decryptAccess(deps, row);

    if (row.claimed) {
      const outcome = await refreshClaimed(deps, row, claimId, {
        hooks: options.hooks,
        ...(options.storeRetryDelaysMs ? { storeRetryDelaysMs: options.storeRetryDelaysMs } : {}),
      });
      switch (outcome.kind) {
        case 'refreshed':
          return outcome.accessToken;
        case 'disconnected':
          throw new ReconnectRequiredError(athleteId, outcome.reason);
        case 'superseded':
          continue;
        case 'failed':
          return fallbackOrThrow(deps, row, outcome.error, options);
      }
    }

    // Someone else holds the claim, or the refresh we were waiting for failed: wait for its outcome, bounded.
    waitingSince ??= row.dbNow;
    const waitedFor = row.refreshFailedAt !== null && row.refreshFailedAt >= waitingSince && !row.claimHeldElsewhere;
    if (waitedFor) {
      return fallbackOrThrow(deps, row, new TokenRefreshError(athleteId, 'the refresh running elsewhere failed', true), options);
    }
    if (Date.now() - startedAt >= options.maxWaitMs) {
      return fallbackOrThrow(deps, row, new TokenRefreshError(athleteId, 'timed out waiting for a refresh running elsewhere', true), options);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 250);
  }
}

function decryptAccess(deps: TokenDeps, row: ClaimResult): string {
  return deps.cipher.decrypt(row.accessCipher!, tokenContext(row.athleteId, 'access'));
}

/** A token that still works beats an error page; an expired one does not. */
function fallbackOrThrow(deps: TokenDeps, row: ClaimResult, error: TokenRefreshError, options: Resolved): string {
  const remainingMs = row.expiresAt ? row.expiresAt.getTime() - row.dbNow.getTime() : 0;
  if (error.transient && remainingMs >= options.fallbackMinValidityMs) {
    deps.log.warn('Token refresh failed; using the current token while it lasts', {
      athleteId: row.athleteId,
      remainingSeconds: Math.round(remainingMs / 1000),
      error,
    });
    return decryptAccess(deps, row);
  }
  throw error;
}
