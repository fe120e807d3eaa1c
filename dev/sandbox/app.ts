// Assembles the sandbox's Hono app: shared middleware, one router per area, and Strava-shaped errors.

import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { matchedRoutes } from 'hono/route';
import { apiRoutes } from './api.js';
import { archiveExportRoutes } from './archive-export.js';
import { avatarRoutes } from './avatar.js';
import { controlRoutes } from './control.js';
import type { SandboxContext, SandboxEnv } from './context.js';
import { SandboxError, faults } from './errors.js';
import { oauthRoutes } from './oauth.js';
import { indexPage } from './pages.js';
import { DEMO_ATHLETE_ID } from './seed.js';
import { pushSubscriptionRoutes } from './push-subscriptions.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The API alone at the root, as Strava's new host serves it from 2027-06-01 (https://www.api-v3.strava.com). */
export function createNextHostApp(ctx: SandboxContext): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();
  app.use('*', async (c, next) => {
    if (ctx.latency.ms > 0) await sleep(ctx.latency.ms);
    await next();
    const key = `${c.req.method} (next host)`;
    ctx.counters.byRoute[key] = (ctx.counters.byRoute[key] ?? 0) + 1;
  });
  app.route('/push_subscriptions', pushSubscriptionRoutes(ctx));
  app.route('/', apiRoutes(ctx, 'next'));
  app.onError((err, c) => {
    if (err instanceof SandboxError)
      return err.body === null ? new Response(null, { status: err.status }) : c.json(err.body, err.status as ContentfulStatusCode);
    return c.json({ message: 'Internal Server Error', errors: [] }, 500);
  });
  return app;
}

export function createApp(ctx: SandboxContext): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = matchedRoutes(c)
      .filter((r) => r.method !== 'ALL')
      .at(-1);
    // API routes are named as Strava documents them (relative to /api/v3): "GET /activities/:id".
    const path = route ? route.path.replace(/^\/api\/v3(?=\/)/, '') : '(unmatched)';
    const key = `${c.req.method} ${path}`;
    ctx.counters.byRoute[key] = (ctx.counters.byRoute[key] ?? 0) + 1;
    // Path only: query strings can carry codes and tokens, which must never reach a log.
    ctx.log?.(`${c.req.method} ${c.req.path} ${c.res.status} ${Math.round(performance.now() - started)}ms`);
  });

  const delay = async (_c: unknown, next: () => Promise<void>): Promise<void> => {
    if (ctx.latency.ms > 0) await sleep(ctx.latency.ms);
    await next();
  };
  app.use('/api/*', delay);
  app.use('/oauth/*', delay);

  app.route('/oauth', oauthRoutes(ctx));
  // Before the API router: push subscriptions authenticate with the client secret, not an athlete's bearer token.
  app.route('/api/v3/push_subscriptions', pushSubscriptionRoutes(ctx));
  app.route('/api/v3', apiRoutes(ctx, 'legacy'));
  app.route('/sandbox', avatarRoutes(ctx));
  app.route('/sandbox', controlRoutes(ctx));
  app.route('/sandbox', archiveExportRoutes(ctx));

  app.get('/', (c) => {
    const demo = ctx.store.athletes.get(DEMO_ATHLETE_ID)!;
    return c.html(indexPage({ origin: ctx.origin, clientId: ctx.clientId, demoAthlete: demo, activityCount: ctx.store.activitiesOf(demo.id).length }));
  });

  app.notFound((c) => c.json(faults.notFound('resource', 'path'), 404));

  app.onError((err, c) => {
    if (err instanceof SandboxError)
      return err.body === null ? new Response(null, { status: err.status }) : c.json(err.body, err.status as ContentfulStatusCode);
    ctx.log?.(`error ${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return c.json({ message: 'Internal Server Error', errors: [] }, 500);
  });

  return app;
}
