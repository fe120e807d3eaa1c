// The home page: what the site does and the "Connect with Strava" button.
import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { readSession } from '../session.js';
import { page } from '../views.js';
import { textsOf } from '../locale.js';

export const homeRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const signedIn = (await readSession(c)) !== undefined;
  return page(c, 'home', { title: textsOf(c).homeTitle, signedIn });
});
