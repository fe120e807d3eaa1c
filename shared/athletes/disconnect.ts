// "Disconnect and delete my data": revoke the app at Strava, then delete every row of the athlete.
import type { Logger } from '../log.js';
import type { Queryable } from '../db/types.js';
import type { StravaClient } from '../strava/client.js';
import { StravaUnauthorizedError } from '../strava/errors.js';
import { getAccessToken, ReconnectRequiredError } from '../tokens/access.js';
import type { TokenCipher } from '../tokens/cipher.js';
import { deleteAthlete } from './store.js';

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
    // Through the shared refresh path: an expired token is refreshed (once, across instances) before revoking.
    await deps.strava.deauthorize(await getAccessToken(deps, athleteId));
    revokedAtStrava = true;
  } catch (error) {
    // Strava already refusing our tokens (revoked there, or refresh refused) is the outcome we wanted.
    revokedAtStrava = error instanceof StravaUnauthorizedError || error instanceof ReconnectRequiredError;
    if (!revokedAtStrava) deps.log.warn('Could not deauthorize at Strava; deleting the data anyway', { error, athleteId });
  }
  // The athlete asked for deletion: it happens whatever Strava said.
  const deleted = await deleteAthlete(deps.pool, athleteId);
  deps.log.info('Athlete disconnected and data deleted', { athleteId, revokedAtStrava });
  return { revokedAtStrava, deleted };
}
