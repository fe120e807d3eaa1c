// Sign-in with Strava: /login sends the athlete to Strava, /exchange_token brings them back connected.
import { Hono } from 'hono';
import type { Context } from 'hono';
import { ConnectError, connectAthlete, missingScopes, parseScopes, REQUESTED_SCOPES } from '../../shared/connection/index.js';
import { countAuthorizedAthletes, revokeSessions } from '../../shared/athletes/index.js';
import { AppError } from '../errors.js';
import { INACTIVE_RETRY_MS } from '../../shared/strava/index.js';
import { startHistoryImport } from '../../shared/imports/index.js';
import type { AppEnv } from '../env.js';
import { consumeOAuthState, endSession, issueOAuthState, requireAthlete, requireCsrf, startSession } from '../session.js';
import { page } from '../views.js';
import type { SentenceKey } from '../../shared/i18n/index.js';
import { textsOf } from '../locale.js';

const SCOPE_NAMES: Record<string, SentenceKey> = {
  read: 'connectScopeRead',
  'activity:read_all': 'connectScopeActivities',
  'profile:read_all': 'connectScopeProfile',
};

/** Asks again for the access the site cannot work without, naming each missing scope in the reader's language. */
function scopesPage(c: Context<AppEnv>, missing: readonly string[]) {
  const t = textsOf(c);
  return problemPage(c, { title: 'connectScopesTitle', heading: 'connectScopesHeading', message: 'connectScopesMessage' }, 200, {
    needs: missing.map((scope) => (SCOPE_NAMES[scope] ? t[SCOPE_NAMES[scope]] : scope)),
    force: true,
  });
}

/** The sign-in problem page, every sentence in the reader's language. */
function problemPage(
  c: Context<AppEnv>,
  texts: { title: SentenceKey; heading: SentenceKey; message: SentenceKey },
  status: 200 | 400 | 403 | 503 = 200,
  extra: Record<string, unknown> = {},
) {
  const t = textsOf(c);
  return page(c, 'connect-problem', { title: t[texts.title], heading: t[texts.heading], message: t[texts.message], ...extra }, status);
}

/** The plain page for a paused application: the athlete can do nothing about it, so it says so and no more. */
function pausedPage(c: Context<AppEnv>) {
  return problemPage(c, { title: 'connectPausedTitle', heading: 'connectPausedHeading', message: 'connectPausedMessage' }, 503);
}

function fullPage(c: Context<AppEnv>) {
  return problemPage(c, { title: 'connectFullTitle', heading: 'connectFullTitle', message: 'connectFullMessage' }, 403);
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
      return problemPage(
        c,
        expired
          ? { title: 'connectExpiredTitle', heading: 'connectExpiredHeading', message: 'connectExpiredMessage' }
          : { title: 'connectUnverifiedTitle', heading: 'connectUnverifiedHeading', message: 'connectUnverifiedMessage' },
        400,
      );
    }

    const refused = c.req.query('error') !== undefined || !c.req.query('code');
    if (refused && (await atAthleteCap(c))) {
      deps.log.warn('Sign-in refused by Strava while the site is at its athlete limit', { limit: deps.config.strava.athleteLimit });
      return fullPage(c);
    }

    if (c.req.query('error') === 'access_denied') {
      return problemPage(c, { title: 'connectDeclinedTitle', heading: 'connectDeclinedHeading', message: 'connectDeclinedMessage' });
    }

    const code = c.req.query('code');
    if (!code) {
      return problemPage(c, { title: 'connectNoCodeTitle', heading: 'connectNoCodeHeading', message: 'connectNoCodeMessage' }, 400);
    }

    const granted = parseScopes(c.req.query('scope'));
    const missing = missingScopes(granted);
    if (missing.length > 0) {
      return scopesPage(c, missing);
    }

    let result;
    try {
      result = await connectAthlete(deps, code, granted);
    } catch (error) {
      if (!(error instanceof ConnectError)) throw error;
      if (error.reason === 'application-paused') return pausedPage(c);
      // Strava refusing the code at the cap is the other way a full application can turn an athlete away.
      if (error.reason === 'code-refused' && (await atAthleteCap(c))) return fullPage(c);
      throw connectFailure(error);
    }
    const stillMissing = missingScopes(result.athlete.scopes);
    if (stillMissing.length > 0) {
      // Strava granted less than the callback URL said: ask again rather than show an empty page.
      return scopesPage(c, stillMissing);
    }
    // The latest page is in; the rest of the history follows in the background (never failing the sign-in).
    await startHistoryImport(deps, result.athlete.id);
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

/** What the visitor is told when connecting failed, by the reason the domain gives. */
function connectFailure(error: ConnectError): AppError {
  switch (error.reason) {
    case 'code-refused':
      return new AppError(400, 'errCodeRefused', { cause: error.cause });
    case 'banned':
      return new AppError(403, 'errAccountBanned');
    case 'strava-unavailable':
      return new AppError(error.rateLimited ? 503 : 502, 'errStravaDown', { cause: error.cause });
    case 'application-paused':
      return new AppError(503, 'connectPausedMessage', { cause: error.cause });
  }
}
