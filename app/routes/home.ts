// The home page: what the site does and the "Connect with Strava" button.
import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { readSession } from '../session.js';
import { textsOf } from '../locale.js';
import { page } from '../views.js';

export const homeRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const signedIn = (await readSession(c)) !== undefined;
  // Sent here from a page that needs a session: say why, next to the button.
  const askSignIn = !signedIn && c.req.query('signin') === '1';
  return page(c, 'home', { title: textsOf(c).homeTitle, signedIn, askSignIn });
});
