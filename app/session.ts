// Signed HttpOnly cookies: the athlete's session, the short-lived OAuth state, and CSRF tokens derived from the session.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { getAthlete } from '../shared/athletes/index.js';
import { AppError } from './errors.js';
import type { AppEnv } from './env.js';

const SESSION_COOKIE = 'session';
const STATE_COOKIE = 'oauth_state';
const SESSION_MAX_AGE_S = 30 * 24 * 3600;
export const STATE_MAX_AGE_S = 10 * 60;

function secret(c: Context<AppEnv>): string {
  return c.get('deps').secrets.sessionSecret!;
}

function cookieOptions(c: Context<AppEnv>, maxAge: number) {
  return {
    httpOnly: true,
    // Lax: the cookie must come along on the top-level redirect back from Strava.
    sameSite: 'Lax' as const,
    secure: c.get('deps').config.secureCookies,
    path: '/',
    maxAge,
  };
}

interface Session {
  athleteId: number;
  issuedAt: number;
  /** The athlete's session epoch when it was issued: a different one now means the session was revoked. */
  epoch: string;
}

export async function startSession(c: Context<AppEnv>, athlete: { id: number; sessionEpoch: string }): Promise<void> {
  await setSignedCookie(c, SESSION_COOKIE, `${athlete.id}.${Date.now()}.${athlete.sessionEpoch}`, secret(c), cookieOptions(c, SESSION_MAX_AGE_S));
}

export function endSession(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: c.get('deps').config.secureCookies });
}

export async function readSession(c: Context<AppEnv>): Promise<Session | undefined> {
  const value = await getSignedCookie(c, secret(c), SESSION_COOKIE);
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+)\.(\d+)\.([0-9a-f-]{36})$/.exec(value);
  if (!match) return undefined;
  const session = { athleteId: Number(match[1]), issuedAt: Number(match[2]), epoch: match[3]! };
  if (Date.now() - session.issuedAt > SESSION_MAX_AGE_S * 1000) return undefined;
  return session;
}

/** The CSRF token is a MAC of the session, so it needs no storage and dies with the session. */
function csrfFor(c: Context<AppEnv>, session: Session): string {
  return createHmac('sha256', secret(c)).update(`csrf:${session.athleteId}:${session.issuedAt}:${session.epoch}`).digest('base64url');
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Whoever the session cookie names, if it still stands (not revoked, not banned); sets nothing. */
async function sessionAthlete(c: Context<AppEnv>) {
  const session = await readSession(c);
  if (!session) return { session: undefined, athlete: undefined };
  const athlete = await getAthlete(c.get('deps').pool, session.athleteId);
  if (!athlete || athlete.sessionEpoch !== session.epoch) return { session: undefined, athlete: undefined, stale: true };
  return { session, athlete };
}

/**
 * Pages of the signed-in athlete: a missing, forged or expired session is sent to the home page (with its
 * "Connect with Strava"), never shown data or an error page.
 */
export const requireAthlete: MiddlewareHandler<AppEnv> = async (c, next) => {
  const found = await sessionAthlete(c);
  if (!found.session || !found.athlete) {
    // Deleted, or signed out / reconnected / banned since this cookie was issued.
    if (found.stale) endSession(c);
    c.header('Cache-Control', 'no-store');
    return c.redirect('/?signin=1', 303);
  }
  const { athlete, session } = found;
  if (athlete.status === 'banned') {
    endSession(c);
    throw new AppError(403, 'errAccountBanned');
  }
  c.set('athlete', athlete);
  c.set('csrfToken', csrfFor(c, session));
  await next();
  // Private pages never sit in a shared or back-button cache.
  c.header('Cache-Control', 'no-store');
};

/** For pages anyone may see (a 404): the signed-in athlete's navigation stays, nobody is turned away. */
export async function loadOptionalAthlete(c: Context<AppEnv>): Promise<void> {
  try {
    const found = await sessionAthlete(c);
    if (found.session && found.athlete && found.athlete.status !== 'banned') {
      c.set('athlete', found.athlete);
      c.set('csrfToken', csrfFor(c, found.session));
    }
  } catch {
    // A page about a missing page must not fail on the session.
  }
}

/** For state-changing forms; runs after requireAthlete. */
export const requireCsrf: MiddlewareHandler<AppEnv> = async (c, next) => {
  const body = await c.req.parseBody();
  const sent = typeof body.csrf === 'string' ? body.csrf : '';
  if (!sameToken(sent, c.get('csrfToken'))) throw new AppError(403, 'errFormExpired');
  await next();
};

/** A fresh random state for one sign-in attempt; the signed cookie ties it to this browser. */
export async function issueOAuthState(c: Context<AppEnv>): Promise<string> {
  const state = randomBytes(24).toString('base64url');
  await setSignedCookie(c, STATE_COOKIE, `${state}.${Date.now() + STATE_MAX_AGE_S * 1000}`, secret(c), cookieOptions(c, STATE_MAX_AGE_S));
  return state;
}

export type StateCheck = 'ok' | 'missing' | 'mismatch' | 'expired';

/** Single use: the cookie is cleared whatever the outcome. */
export async function consumeOAuthState(c: Context<AppEnv>, returned: string | undefined): Promise<StateCheck> {
  const value = await getSignedCookie(c, secret(c), STATE_COOKIE);
  deleteCookie(c, STATE_COOKIE, { path: '/', secure: c.get('deps').config.secureCookies });
  if (typeof value !== 'string' || !returned) return 'missing';
  const dot = value.lastIndexOf('.');
  const expected = value.slice(0, dot);
  if (!sameToken(expected, returned)) return 'mismatch';
  if (Number(value.slice(dot + 1)) < Date.now()) return 'expired';
  return 'ok';
}
