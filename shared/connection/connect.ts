// Connecting an athlete: exchange the OAuth code, store the athlete and encrypted tokens, import the latest page.
import type pg from 'pg';
import { importRecentActivities } from '../imports/index.js';
import { withTransaction } from '../db/index.js';
import type { Logger } from '../log.js';
import type { StravaClient } from '../strava/index.js';
import { StravaError, StravaRequestError, StravaUnauthorizedError } from '../strava/index.js';
import type { DetailedAthlete } from '../strava/index.js';
import type { TokenCipher } from '../tokens/index.js';
import { saveTokens } from '../tokens/index.js';
import { GEAR_SCOPE, saveProfileGear } from '../gear/index.js';
import { getAthlete, setAthleteScopes, upsertConnectedAthlete, type Athlete } from '../athletes/index.js';

/** What the site asks for, and what it cannot work without. */
// profile:read_all is optional: Strava lists bikes and shoes on /athlete only with it; without it there is just no gear.
export const REQUESTED_SCOPES = ['read', 'activity:read_all', GEAR_SCOPE] as const;

export function missingScopes(granted: readonly string[]): string[] {
  const has = new Set(granted);
  const missing: string[] = [];
  if (!has.has('read')) missing.push('read');
  if (!has.has('activity:read_all') && !has.has('activity:read')) missing.push('activity:read_all');
  return missing;
}

export function parseScopes(scope: string | undefined): string[] {
  return (scope ?? '').split(/[,\s]+/).filter(Boolean);
}

/**
 * Why a sign-in could not connect the athlete. The domain names the reason; the web app chooses the status and the
 * words (a refused code is the visitor's to retry, Strava being down is ours to wait out, a paused application the
 * site owner's to sort out).
 */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    readonly reason: 'code-refused' | 'banned' | 'strava-unavailable' | 'application-paused',
    options?: { cause?: unknown; rateLimited?: boolean },
  ) {
    super(`connect failed: ${reason}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.rateLimited = options?.rateLimited === true;
  }
  readonly rateLimited: boolean;
}

export interface ConnectDeps {
  pool: pg.Pool;
  strava: StravaClient;
  cipher: TokenCipher;
  log: Logger;
}

export interface ConnectResult {
  athlete: Athlete;
  imported: number;
  /** Set when the first import failed; the athlete is connected all the same. */
  importFailed: boolean;
}

export async function connectAthlete(deps: ConnectDeps, code: string, grantedScopes: readonly string[]): Promise<ConnectResult> {
  let exchange;
  try {
    exchange = await deps.strava.exchangeCode(code);
  } catch (error) {
    if (error instanceof StravaError && error.kind === 'application_inactive') throw new ConnectError('application-paused', { cause: error });
    if (error instanceof StravaRequestError) {
      throw new ConnectError('code-refused', { cause: error });
    }
    throw unavailable(error);
  }

  const existing = await getAthlete(deps.pool, exchange.athlete.id);
  if (existing?.status === 'banned') throw new ConnectError('banned');

  // The token answer carries only a summary; units live on the detailed athlete.
  let profile: DetailedAthlete = exchange.athlete;
  try {
    profile = { ...exchange.athlete, ...(await deps.strava.getAthlete(exchange.access_token)) };
  } catch (error) {
    deps.log.warn('Could not read the athlete profile; using the summary from the token answer', { error, athleteId: exchange.athlete.id });
  }

  // The callback URL's `scope` is whatever the browser sent back, and anyone can edit it. Strava's own word wins:
  // the scope its token answer reports, when it reports one; otherwise the claim stands until the token shows it
  // false (below: a refused activity list drops the activity scopes from the record).
  const reported = typeof exchange.scope === 'string' ? parseScopes(exchange.scope) : undefined;
  const scopes = reported ?? [...grantedScopes];

  // Athlete and tokens land together or not at all; no Strava call happens inside the transaction.
  let athlete = await withTransaction(deps.pool, async (client) => {
    const row = await upsertConnectedAthlete(client, profile, scopes);
    // Bikes and shoes come with the profile answer read above: no request of their own.
    await saveProfileGear(client, row.id, profile as { bikes?: unknown; shoes?: unknown });
    await saveTokens(client, deps.cipher, row.id, {
      accessToken: exchange.access_token,
      refreshToken: exchange.refresh_token,
      expiresAt: new Date(exchange.expires_at * 1000),
    });
    return row;
  });

  try {
    const imported = await importRecentActivities(deps.pool, deps.strava, athlete.id, exchange.access_token);
    return { athlete, imported, importFailed: false };
  } catch (error) {
    if (error instanceof StravaUnauthorizedError) {
      // The token cannot read activities: the callback claimed a scope Strava did not grant. Record the truth.
      deps.log.warn('The granted scope does not include activities, whatever the callback said', { athleteId: athlete.id });
      athlete =
        (await setAthleteScopes(
          deps.pool,
          athlete.id,
          scopes.filter((scope) => !scope.startsWith('activity:')),
        )) ?? athlete;
    } else {
      deps.log.warn('First activity import failed; the athlete is connected and can retry', { error, athleteId: athlete.id });
    }
    return { athlete, imported: 0, importFailed: true };
  }
}

// By the error's kind, not its status: Strava also reports an exhausted limit as a 403 that names the rate limit.
function unavailable(error: unknown): ConnectError {
  return new ConnectError('strava-unavailable', { cause: error, rateLimited: error instanceof StravaError && error.kind === 'rate_limited' });
}
