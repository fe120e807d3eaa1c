// Sign-in with Strava: /login sends the athlete to Strava, /exchange_token brings them back connected.
import { Hono } from 'hono';
import { connectAthlete, missingScopes, parseScopes, REQUESTED_SCOPES } from '../../shared/athletes/connect.js';
import { startHistoryImport } from '../../shared/imports/requests.js';
import type { AppEnv } from '../env.js';
import { revokeSessions } from '../../shared/athletes/store.js';
import { consumeOAuthState, endSession, issueOAuthState, requireAthlete, requireCsrf, startSession } from '../session.js';
import { page } from '../views.js';

const SCOPE_NAMES: Record<string, string> = {
  read: 'see your public profile',
  'activity:read_all': 'see your activities, including private ones',
};

export const authRoutes = new Hono<AppEnv>()
  .get('/login', async (c) => {
    const { strava, config } = c.get('deps');
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

    const result = await connectAthlete(deps, code, granted);
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
