// "Disconnect and delete my data": revoke the app at Strava, then delete every row of the athlete.
import type { Logger } from '../log.js';
import type { Queryable } from '../db/index.js';
import type { StravaClient } from '../strava/index.js';
import { StravaError } from '../strava/index.js';
import type { TokenCipher } from '../tokens/index.js';
import { loadTokens } from '../tokens/index.js';
import { deleteAthlete } from '../athletes/index.js';

export interface DisconnectDeps {
  pool: Queryable;
  strava: StravaClient;
  cipher: TokenCipher;
  log: Logger;
}

export interface DisconnectResult {
  /** False when Strava could not be told; the athlete can revoke access in Strava's settings. */
  revokedAtStrava: boolean;
  deleted: boolean;
}

export async function disconnectAndDelete(deps: DisconnectDeps, athleteId: number): Promise<DisconnectResult> {
  let revokedAtStrava = false;
  try {
    // The refresh token revokes the whole grant (revoking one token revokes the other) and, unlike the access token,
    // needs no refresh first: an expired access token cannot stand in the way of leaving.
    const tokens = await loadTokens(deps.pool, deps.cipher, athleteId);
    if (tokens) {
      await deps.strava.revoke(tokens.refreshToken, 'refresh_token');
      revokedAtStrava = true;
    }
  } catch (error) {
    // Strava no longer knowing the token (revoked there already) is the outcome we wanted.
    revokedAtStrava = error instanceof StravaError && (error.kind === 'unauthorized' || (error.status === 400 && error.kind === 'refused'));
    if (!revokedAtStrava) deps.log.warn('Could not revoke access at Strava; deleting the data anyway', { error, athleteId });
  }
  // The athlete asked for deletion: it happens whatever Strava said.
  const deleted = await deleteAthlete(deps.pool, athleteId);
  deps.log.info('Athlete disconnected and data deleted', { athleteId, revokedAtStrava });
  return { revokedAtStrava, deleted };
}
