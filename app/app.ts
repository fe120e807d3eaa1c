// Builds the web app from its dependencies: middleware, routes by area, one error handler.
import { Hono, type Context } from 'hono';
import { compress } from 'hono/compress';
import { secureHeaders } from 'hono/secure-headers';
import { AppError } from './errors.js';
import { traceFields } from '../shared/log.js';
import type { AppDeps, AppEnv } from './env.js';
import { pageLocals, localeMiddleware, textsOf } from './locale.js';
import { accountRoutes } from './routes/account.js';
import { activitiesRoutes } from './routes/activities.js';
import { adminRoutes } from './routes/admin.js';
import { archiveRoutes } from './routes/archive.js';
import { authRoutes } from './routes/auth.js';
import { deliveryRoutes } from './routes/delivery.js';
import { heatmapPages } from './routes/heatmap.js';
import { homeRoutes } from './routes/home.js';
import { resultsRoutes } from './routes/results.js';
import { settingsRoutes } from './routes/settings.js';
import { telegramEnabled, telegramSettingsRoutes, telegramWebhookRoutes } from './routes/telegram.js';
import { trainingRoutes } from './routes/training.js';
import { isAbandonedBody, webhookRoutes } from './routes/webhook.js';
import { staticRoutes } from './static.js';
import { loadOptionalAthlete } from './session.js';
import { page, renderPage } from './views.js';

/** The one policy every answer carries: everything from this site, images also from the tile host and the avatar's. */
export function contentSecurityPolicy(tileSource: string | undefined, avatar: string | undefined, uploads = false, formRedirect?: string): string {
  const images = ["'self'", 'data:', ...(tileSource ? [tileSource] : []), ...(avatar && avatar !== tileSource ? [avatar] : [])];
  return [
    "default-src 'self'",
    `img-src ${images.join(' ')}`,
    "style-src 'self'",
    "script-src 'self'",
    // Archive uploads go from the browser straight to Cloud Storage's resumable session.
    `connect-src 'self'${uploads ? ' https://storage.googleapis.com' : ''}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    // "Connect Telegram" posts here and is redirected on to the bot (t.me): browsers hold the redirect to this list too.
    `form-action 'self'${formRedirect ? ` ${formRedirect}` : ''}`,
    "frame-ancestors 'none'",
  ].join('; ');
}

function avatarSource(c: Context<AppEnv>): string | undefined {
  let url: string | null | undefined;
  try {
    url = c.get('athlete')?.profileUrl;
  } catch {
    return undefined;
  }
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const telegramLinkOrigin = telegramEnabled(deps) ? new URL(deps.config.telegram.linkBaseUrl).origin : undefined;

  app.use(async (c, next) => {
    const log = deps.log.child(traceFields(c.req.header('x-cloud-trace-context'), deps.config.googleCloudProject));
    c.set('deps', deps);
    c.set('log', log);
    const started = performance.now();
    await next();
    // The path only: query strings carry OAuth codes. Telegram's webhook path is a secret of its own.
    log.info(`${c.req.method} ${c.req.path.replace(/^\/telegram\/.*/, '/telegram/\u2022\u2022\u2022')} ${c.res.status}`, {
      ...c.get('logFields'),
      httpRequest: { requestMethod: c.req.method, status: c.res.status, latency: `${((performance.now() - started) / 1000).toFixed(3)}s` },
    });
  });

  // Strava's webhook answers JSON to Strava, reads no query or form field into the database and has no page to
  // translate: it is mounted before the page middleware and page headers (it sets the API's own), so every event is acknowledged with the least work.
  app.route('/', webhookRoutes);

  app.use(
    secureHeaders({
      // Set below per answer: images may come from the tile host and the signed-in athlete's avatar host, no others.
      contentSecurityPolicy: undefined,
      // The avatar and "View on Strava" links go elsewhere; they need no referrer. (The map asks for the origin
      // alone on tile requests itself, as OpenStreetMap's tile policy requires.)
      referrerPolicy: 'same-origin',
    }),
  );
  // Most answers (every signed-out page, every asset) carry the policy without an avatar host: built once.
  const uploads = deps.config.archiveBucket !== undefined;
  const withoutAvatar = contentSecurityPolicy(deps.config.map.tileSource, undefined, uploads, telegramLinkOrigin);
  app.use(async (c, next) => {
    await next();
    const avatar = avatarSource(c);
    c.header('Content-Security-Policy', avatar ? contentSecurityPolicy(deps.config.map.tileSource, avatar, uploads, telegramLinkOrigin) : withoutAvatar);
  });

  // Telegram's webhook answers JSON to Telegram and, like Strava's, needs no page middleware.
  app.route('/', telegramWebhookRoutes);

  // Pages, styles, scripts and the heatmap's routes go compressed to browsers that take it (App Engine's front end
  // compresses too; a self-hosted server then needs no proxy for it).
  app.use(compress());

  app.use(localeMiddleware);

  // NUL cannot be stored in PostgreSQL text and no real form or link carries it: refused here, once, for every query
  // parameter and form field, so no handler ever sends it to the database (where it would be a 500).
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    let bad = /%00/i.test(url.pathname);
    for (const [key, value] of url.searchParams) if (key.includes('\u0000') || value.includes('\u0000')) bad = true;
    if (!bad && c.req.method === 'POST' && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header('content-type') ?? '')) {
      // Parsed once here; Hono keeps the result, so handlers and requireCsrf read the same body.
      const body = await c.req.parseBody({ all: true });
      for (const [key, value] of Object.entries(body)) {
        const values = Array.isArray(value) ? value : [value];
        if (key.includes('\u0000') || values.some((v) => typeof v === 'string' && v.includes('\u0000'))) bad = true;
      }
    }
    if (bad) throw new AppError(400, 'errBadCharacter');
    await next();
  });

  app.route('/', staticRoutes());
  // One file per area, in this order.
  for (const area of [
    homeRoutes,
    authRoutes,
    resultsRoutes,
    accountRoutes,
    activitiesRoutes,
    settingsRoutes,
    telegramSettingsRoutes,
    trainingRoutes,
    deliveryRoutes,
    archiveRoutes,
    adminRoutes,
    heatmapPages,
  ]) {
    app.route('/', area);
  }

  app.get('/healthz', (c) => c.text('ok'));

  app.notFound(async (c) => {
    await loadOptionalAthlete(c);
    return page(c, 'error', { title: textsOf(c).notFound, status: 404, message: textsOf(c).errNoPage, signIn: false }, 404);
  });

  app.onError((error, c) => {
    const log = c.get('log') ?? deps.log;
    // A client that went away mid-body is its own failure (4xx), not ours: a warning, not an error report.
    const abandoned = !(error instanceof AppError) && isAbandonedBody(error);
    const known = error instanceof AppError;
    const status = known ? error.status : abandoned ? 400 : 500;
    if (status >= 500) log.error(error.message, { error, path: c.req.path });
    else log.warn(error.message, { status, path: c.req.path, ...(error.cause ? { cause: error.cause } : {}) });
    const message = textsOf(c)[known ? error.publicMessage : abandoned ? 'errIncompleteRequest' : 'errInternal'];
    let athlete: unknown;
    try {
      athlete = c.get('athlete');
    } catch {
      athlete = undefined;
    }
    return c.html(
      renderPage('error', {
        ...pageLocals(c),
        title: status === 401 ? textsOf(c).connectTitle : textsOf(c).errorTitle,
        status,
        message,
        athlete,
        signIn: status === 401,
      }),
      status as 400,
    );
  });

  // Hono answers HEAD by copying the GET answer into a new Response, and with @hono/node-server's Response that copy
  // loses headers set by middleware (the CSP among them). HEAD is answered here as GET without the body instead.
  const fetchAny = app.fetch;
  app.fetch = async (request, env, executionCtx) => {
    if (request.method !== 'HEAD') return fetchAny(request, env, executionCtx);
    const answer = await fetchAny(new Request(request.url, { method: 'GET', headers: request.headers }), env, executionCtx);
    // Headers first: touching the body of @hono/node-server's Response rebuilds it from its original init.
    const headers = new Headers(answer.headers);
    const { status, statusText } = answer;
    await answer.body?.cancel();
    return new Response(null, { status, statusText, headers });
  };

  return app;
}
