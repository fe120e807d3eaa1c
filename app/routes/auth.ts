// Sign-in with Strava: /login sends the athlete to Strava, /exchange_token brings them back connected.
import { Hono } from 'hono';
import type { Context } from 'hono';
import {
  ApplicationPausedError,
  connectAthlete,
  missingScopes,
  parseScopes,
  PAUSED_HEADING,
  PAUSED_MESSAGE,
  REQUESTED_SCOPES,
} from '../../shared/athletes/connect.js';
import { countAuthorizedAthletes, revokeSessions } from '../../shared/athletes/store.js';
import { AppError } from '../../shared/errors.js';
import { INACTIVE_RETRY_MS } from '../../shared/strava/application.js';
import { startHistoryImport } from '../../shared/imports/requests.js';
import type { AppEnv } from '../env.js';
import { consumeOAuthState, endSession, issueOAuthState, requireAthlete, requireCsrf, startSession } from '../session.js';
import { page } from '../views.js';

const SCOPE_NAMES: Record<string, string> = {
  read: 'see your public profile',
  'activity:read_all': 'see your activities, including private ones',
  'profile:read_all': 'see your bikes and shoes',
};

/** The plain page for a paused application: the athlete can do nothing about it, so it says so and no more. */
function pausedPage(c: Context<AppEnv>) {
  return page(c, 'connect-problem', { title: 'Connection paused', heading: PAUSED_HEADING, message: PAUSED_MESSAGE }, 503);
}

function fullPage(c: Context<AppEnv>) {
  return page(
    c,
    'connect-problem',
    {
      title: 'This site is full',
      heading: 'This site is full',
      message: 'This site has reached the number of athletes Strava lets it serve, so Strava did not connect you. Nothing was shared and nothing was stored. Please let the site\u2019s owner know.',
    },
    403,
  );
}

/**
 * Strava does not say why it turned an athlete away when the application is full (athletes saw its own "limit of
 * connected athletes" page and the site got a callback without a code): any refusal while at the cap is taken as that.
 */
async function atAthleteCap(c: Context<AppEnv>): Promise<boolean> {
  const deps = c.get('deps');
  return (await countAuthorizedAthletes(deps.pool)) >= deps.config.strava.athleteLimit;
}

export const authRoutes = new Hono<AppEnv>()
  .get('/login', async (c) => {
    const { strava, config, application } = c.get('deps');
    // While Strava says the application is inactive, sending the athlete there only ends on an error. A sign-in is let
    // through once the last answer is older than the retry interval, so a sign-in can also find the pause over.
    const status = await application.read();
    if (status.status === 'inactive' && status.checkedAt && Date.now() - status.checkedAt.getTime() < INACTIVE_RETRY_MS) return pausedPage(c);
    const state = await issueOAuthState(c);
    // force: after a refused or partial grant the athlete must see the consent page again.
    const force = c.req.query('force') === '1';
    return c.redirect(
      strava.authorizeUrl({
        redirectUri: `${config.publicBaseUrl}/exchange_token`,
        state,
        scopes: REQUESTED_SCOPES,
        approvalPrompt: force ? 'force' : 'auto',
      }),
    );
  })

  .get('/exchange_token', async (c) => {
    const deps = c.get('deps');
    const stateCheck = await consumeOAuthState(c, c.req.query('state'));
    if (stateCheck !== 'ok') {
      deps.log.warn('Sign-in refused: OAuth state check failed', { reason: stateCheck });
      const expired = stateCheck === 'expired';
      return page(
        c,
        'connect-problem',
        {
          title: expired ? 'Sign-in took too long' : 'Sign-in could not be verified',
          heading: expired ? 'That sign-in took too long' : 'We could not verify this sign-in',
          message: expired
            ? 'For your safety a sign-in must finish within ten minutes. Please start again.'
            : 'This sign-in was not started from this browser, or the link was changed. Please start again from here.',
        },
        400,
      );
    }

    const refused = c.req.query('error') !== undefined || !c.req.query('code');
    if (refused && (await atAthleteCap(c))) {
      deps.log.warn('Sign-in refused by Strava while the site is at its athlete limit', { limit: deps.config.strava.athleteLimit });
      return fullPage(c);
    }

    if (c.req.query('error') === 'access_denied') {
      return page(c, 'connect-problem', {
        title: 'Not connected',
        heading: 'You chose not to connect',
        message: 'Nothing was shared and nothing was stored. You can connect whenever you like.',
      });
    }

    const code = c.req.query('code');
    if (!code) {
      return page(c, 'connect-problem', { title: 'Sign-in failed', heading: 'Strava did not send a sign-in code', message: 'Please try again.' }, 400);
    }

    const granted = parseScopes(c.req.query('scope'));
    const missing = missingScopes(granted);
    if (missing.length > 0) {
      return page(c, 'connect-problem', {
        title: 'More access needed',
        heading: 'We need a little more access',
        message: 'Your results are built from your activities, so the site needs permission to:',
        needs: missing.map((scope) => SCOPE_NAMES[scope] ?? scope),
        force: true,
      });
    }

    let result;
    try {
      result = await connectAthlete(deps, code, granted);
    } catch (error) {
      if (error instanceof ApplicationPausedError) return pausedPage(c);
      // Strava refusing the code at the cap is the other way a full application can turn an athlete away.
      if (error instanceof AppError && error.status === 400 && (await atAthleteCap(c))) return fullPage(c);
      throw error;
    }
    const stillMissing = missingScopes(result.athlete.scopes);
    if (stillMissing.length > 0) {
      // Strava granted less than the callback URL said: ask again rather than show an empty page.
      return page(c, 'connect-problem', {
        title: 'More access needed',
        heading: 'We need a little more access',
        message: 'Your results are built from your activities, so the site needs permission to:',
        needs: stillMissing.map((scope) => SCOPE_NAMES[scope] ?? scope),
        force: true,
      });
    }
    // The latest page is in; the rest of the history follows in the background (never failing the sign-in).
    await startHistoryImport({ pool: deps.pool, log: deps.log, bus: deps.bus, topic: deps.config.pubsub.backfillTopic }, result.athlete.id);
    await startSession(c, result.athlete);
    deps.log.info('Athlete connected', { athleteId: result.athlete.id, imported: result.imported, importFailed: result.importFailed });
    return c.redirect('/results', 303);
  })

  // A form with the CSRF token like every other; it ends every session of the athlete, not only this browser's.
  .post('/logout', requireAthlete, requireCsrf, async (c) => {
    await revokeSessions(c.get('deps').pool, c.get('athlete').id);
    endSession(c);
    c.header('Cache-Control', 'no-store');
    return c.redirect('/', 303);
  });
