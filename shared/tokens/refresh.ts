// One token refresh under a held claim: ask Strava, store the rotated tokens first, or mark the athlete disconnected.
import { tokenContext } from './store.js';
import type { Queryable } from '../db/index.js';
import type { Logger } from '../log.js';
import type { StravaClient } from '../strava/index.js';
import { StravaError, StravaRequestError, StravaUnauthorizedError } from '../strava/index.js';
import type { TokenSet } from '../strava/index.js';
import type { TokenCipher } from './cipher.js';
import { rejectRefresh, releaseClaim, storeRefreshed, type ClaimResult } from './claims.js';

/** What token code needs; a Runtime has all of it. */
export interface TokenDeps {
  pool: Queryable;
  strava: StravaClient;
  cipher: TokenCipher;
  log: Logger;
}

/** Seams for tests that need to stand in the one window a crash can hurt. */
export interface RefreshHooks {
  /** Runs after Strava answered a refresh and before the answer is stored: where a crash loses a rotated token. */
  afterStravaAnswer?: (athleteId: number) => void | Promise<void>;
}

/** Why an athlete was marked disconnected; stored in athletes.status_reason. */
export const DISCONNECT_REASONS = {
  /** Strava refused the refresh token: the athlete revoked access, or it was rotated and the new one never stored. */
  refreshTokenRejected: 'refresh_token_rejected',
  /** As above, right after taking over a claim whose holder never finished: almost surely a crash mid-refresh. */
  refreshAnswerLost: 'refresh_answer_lost',
  /** Strava answered 401 to the refresh. */
  unauthorized: 'strava_unauthorized',
} as const;

/** The athlete must connect again through Strava's consent page; no refresh will be attempted. */
export class ReconnectRequiredError extends Error {
  readonly athleteId: number;
  readonly reason: string;
  constructor(athleteId: number, reason: string) {
    super(`Athlete ${athleteId} must reconnect with Strava (${reason})`);
    this.name = 'ReconnectRequiredError';
    this.athleteId = athleteId;
    this.reason = reason;
  }
}

/** A refresh did not happen; `transient` says whether trying again later can help. */
export class TokenRefreshError extends Error {
  readonly athleteId: number;
  readonly transient: boolean;
  constructor(athleteId: number, message: string, transient: boolean, options?: { cause?: unknown }) {
    super(`Token refresh for athlete ${athleteId}: ${message}`, options);
    this.name = 'TokenRefreshError';
    this.athleteId = athleteId;
    this.transient = transient;
  }
}

export type RefreshOutcome =
  | { kind: 'refreshed'; accessToken: string; expiresAt: Date; rotated: boolean }
  /** Another writer stored different tokens while we refreshed; read them again. */
  | { kind: 'superseded' }
  | { kind: 'disconnected'; reason: string }
  | { kind: 'failed'; error: TokenRefreshError };

export interface RefreshOptions {
  hooks?: RefreshHooks | undefined;
  /** Delays between attempts to store a refresh answer; a lost answer costs the athlete a reconnect, so retry. */
  storeRetryDelaysMs?: readonly number[];
}

const DEFAULT_STORE_RETRY_DELAYS_MS = [100, 500, 2_000, 5_000];

/**
 * The client id or secret refused: our fault, not the athlete's. A 401 naming resource "Application" with an empty field
 * is Strava's answer to a bad token, so only the credential fields count here (see classifyStravaFailure).
 */
function isApplicationFault(error: StravaError): boolean {
  return error.kind === 'application_refused';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Refreshes the athlete's tokens under a claim this caller holds (`claim.claimed`). No transaction spans the HTTP
 * call. The answer is stored before it is returned, so nothing can use a rotated-away refresh token from here on.
 */
export async function refreshClaimed(deps: TokenDeps, claim: ClaimResult, claimId: string, options: RefreshOptions = {}): Promise<RefreshOutcome> {
  const { athleteId } = claim;
  const log = deps.log.child({ athleteId });
  const usedRefreshCipher = claim.refreshCipher!;

  let refreshToken: string;
  try {
    refreshToken = deps.cipher.decrypt(usedRefreshCipher, tokenContext(athleteId, 'refresh'));
  } catch (cause) {
    await releaseClaim(deps.pool, athleteId, claimId, 'undecryptable');
    log.error('Stored refresh token cannot be decrypted (was TOKEN_ENCRYPTION_KEY changed?)', { error: cause });
    return { kind: 'failed', error: new TokenRefreshError(athleteId, 'stored refresh token cannot be decrypted', false, { cause }) };
  }

  let answer: TokenSet;
  try {
    answer = await deps.strava.refreshToken(refreshToken);
  } catch (error) {
    return await handleRefusal(deps, log, claim, claimId, usedRefreshCipher, error);
  }

  // From here until the write succeeds, the only copy of a rotated refresh token is in this process.
  await options.hooks?.afterStravaAnswer?.(athleteId);
  const rotated = answer.refresh_token !== refreshToken;
  const expiresAt = new Date(answer.expires_at * 1000);
  const stored = {
    athleteId,
    claimId,
    usedRefreshCipher,
    accessCipher: deps.cipher.encrypt(answer.access_token, tokenContext(athleteId, 'access')),
    refreshCipher: deps.cipher.encrypt(answer.refresh_token, tokenContext(athleteId, 'refresh')),
    expiresAt,
  };
  const delays = options.storeRetryDelaysMs ?? DEFAULT_STORE_RETRY_DELAYS_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const written = await storeRefreshed(deps.pool, stored);
      if (!written) {
        // A reconnect stored other tokens meanwhile; theirs win, and our answer is still a valid token to use now.
        log.warn('Stored tokens changed during the refresh; keeping the stored ones');
        await releaseClaim(deps.pool, athleteId, claimId, undefined).catch(() => undefined);
      }
      return { kind: 'refreshed', accessToken: answer.access_token, expiresAt, rotated };
    } catch (error) {
      if (attempt >= delays.length) {
        // The claim is left to lapse: the next refresher will find the old token refused and mark the athlete
        // disconnected, which asks them to reconnect, instead of leaving them silently broken.
        log.error('Refreshed Strava tokens could not be stored; the athlete will have to reconnect', { error, rotated });
        return { kind: 'failed', error: new TokenRefreshError(athleteId, 'refreshed tokens could not be stored', true, { cause: error }) };
      }
      log.warn('Storing refreshed tokens failed; retrying', { error, attempt: attempt + 1 });
      await sleep(delays[attempt]!);
    }
  }
}

async function handleRefusal(
  deps: TokenDeps,
  log: Logger,
  claim: ClaimResult,
  claimId: string,
  usedRefreshCipher: Buffer,
  error: unknown,
): Promise<RefreshOutcome> {
  const { athleteId } = claim;
  const refused =
    (error instanceof StravaRequestError && error.invalidRefreshToken) || (error instanceof StravaUnauthorizedError && !isApplicationFault(error));
  if (refused) {
    const reason =
      error instanceof StravaUnauthorizedError
        ? DISCONNECT_REASONS.unauthorized
        : claim.takenOver
          ? DISCONNECT_REASONS.refreshAnswerLost
          : DISCONNECT_REASONS.refreshTokenRejected;
    const stillStored = await rejectRefresh(deps.pool, { athleteId, claimId, usedRefreshCipher, reason });
    if (!stillStored) {
      // Someone stored a newer token while we were asking: the refusal was about a token nobody uses any more.
      log.info('Refresh refused for a token that was already replaced; using the stored one');
      return { kind: 'superseded' };
    }
    log.warn('Strava refused the refresh; athlete marked disconnected and asked to reconnect', { reason, status: (error as StravaError).status });
    return { kind: 'disconnected', reason };
  }

  const transient = !(error instanceof StravaError) || error.transient;
  const failure = error instanceof StravaError ? `strava_${error.status}` : 'error';
  await releaseClaim(deps.pool, athleteId, claimId, failure).catch((releaseError: unknown) => {
    // The claim lapses on its own; nothing else to do.
    log.warn('Could not release the refresh claim', { error: releaseError });
  });
  if (error instanceof StravaError && error.kind === 'application_inactive') {
    // Said once per pause by the shared application status, not once per athlete.
    log.debug('Token refresh paused: Strava says the application is inactive');
  } else if (error instanceof StravaError && !error.transient) {
    log.error("Strava refused the refresh for a reason that is not the athlete's (check the client id and secret)", { error });
  } else {
    log.warn('Token refresh failed; will try again later', { error });
  }
  return {
    kind: 'failed',
    error: new TokenRefreshError(athleteId, error instanceof Error ? error.message : String(error), transient, { cause: error }),
  };
}
