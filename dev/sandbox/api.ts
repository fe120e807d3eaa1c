// REST routes under /api/v3: bearer auth, scopes, rate limits, and the athlete/activity/stream/stats endpoints.

import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { detailedActivity, summaryActivity } from './activities.js';
import { athleteStats, detailedAthlete, summaryAthlete } from './athletes.js';
import type { SandboxContext, SandboxEnv } from './context.js';
import { SandboxError, emptyNotFound, faultForStatus, faults } from './errors.js';
import type { ActivityRecord, AthleteRecord } from './model.js';
import { canReadActivities, canReadFullProfile, canReadPrivateActivities, canReadProfile } from './scopes.js';
import { streamsOf, type TrackStreams } from './track.js';

const STREAM_KEYS = ['time', 'distance', 'latlng', 'altitude', 'velocity_smooth', 'heartrate', 'cadence', 'watts', 'temp', 'moving', 'grade_smooth'] as const;
type StreamKey = (typeof STREAM_KEYS)[number];
const RESOLUTIONS: Record<string, number> = { low: 100, medium: 1000, high: 10_000 };

function bearerToken(c: Context<SandboxEnv>, host: 'legacy' | 'next'): string | undefined {
  const header = c.req.header('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  // The old host still accepts access_token in the query string; the new one (from 2027-06-01) only the header.
  return match?.[1] ?? (host === 'legacy' ? c.req.query('access_token') : undefined);
}

/** Ends the connection without an answer, as a host that is gone or not up yet does. */
function dropConnection(c: Context<SandboxEnv>): Response {
  (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming?.socket?.destroy();
  return c.body(null, 502);
}

function setHeaders(c: Context<SandboxEnv>, headers: Record<string, string>): void {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
}

function intParam(c: Context<SandboxEnv>, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new SandboxError(400, faults.badRequest('Application', name));
  return Math.floor(n);
}

export function apiRoutes(ctx: SandboxContext, host: 'legacy' | 'next' = 'legacy'): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();

  const gearDistance =
    (athleteId: number) =>
    (gearId: string): number =>
      ctx.store.activitiesOf(athleteId).reduce((sum, a) => (a.gearId === gearId ? sum + a.distance : sum), 0);

  const athleteOf = (c: Context<SandboxEnv>): AthleteRecord => {
    const athlete = ctx.store.athletes.get(c.get('auth').athleteId);
    if (!athlete) throw new SandboxError(401, faults.invalidAccessToken());
    return athlete;
  };

  /** The activity if this token may see it; otherwise the same 404 whether it is missing, someone else's or private. */
  const visibleActivity = (c: Context<SandboxEnv>): ActivityRecord => {
    const auth = c.get('auth');
    if (!canReadActivities(auth.scopes)) throw new SandboxError(401, faults.missingPermission('activity:read'));
    const raw = c.req.param('id') ?? '';
    const activity = /^\d+$/.test(raw) ? ctx.store.activity(Number(raw)) : undefined;
    if (!activity || activity.athleteId !== auth.athleteId || (activity.visibility === 'only_me' && !canReadPrivateActivities(auth.scopes))) {
      // Strava's own 404 for an activity can come with an empty body.
      throw emptyNotFound();
    }
    return activity;
  };

  // Order matters: injected faults first (so any request can be made to fail), then auth, then the rate limit,
  // which only charges requests Strava could attribute to the application.
  app.use('*', async (c, next) => {
    const serving = host === 'legacy' ? ctx.application.legacyHost : ctx.application.nextHost;
    if (serving === 'gone' || serving === 'down') return dropConnection(c);
    if (serving === 'redirect') {
      const url = new URL(c.req.url);
      return c.redirect(`${ctx.nextHostUrl}${url.pathname.replace(/^\/api\/v3/, '')}${url.search}`, 301);
    }
    ctx.counters.apiRequests++;
    const isRead = c.req.method === 'GET' || c.req.method === 'HEAD';
    const injected = ctx.faults.take(c.req.method, c.req.path);
    if (injected !== null) {
      setHeaders(c, ctx.limiter.hit(isRead).headers);
      return c.json(faultForStatus(injected), injected as ContentfulStatusCode);
    }
    // 401s carry no rate-limit headers, as Strava's do not.
    if (host === 'next' && c.req.query('access_token') !== undefined && !c.req.header('authorization')) {
      throw new SandboxError(401, faults.applicationUnauthorized());
    }
    const token = bearerToken(c, host);
    const auth = token ? ctx.tokens.verify(token) : null;
    if (!auth) throw new SandboxError(401, faults.invalidAccessToken());
    const limit = ctx.limiter.hit(isRead);
    setHeaders(c, limit.headers);
    if (ctx.application.status === 'inactive') throw new SandboxError(403, faults.applicationInactive());
    if (!limit.allowed) throw new SandboxError(429, faults.rateLimitExceeded());
    c.set('auth', auth);
    await next();
  });

  app.get('/athlete', (c) => {
    const auth = c.get('auth');
    const athlete = athleteOf(c);
    if (!canReadProfile(auth.scopes)) return c.json(summaryAthlete(athlete, ctx.origin));
    return c.json(detailedAthlete(athlete, ctx.origin, canReadFullProfile(auth.scopes), gearDistance(athlete.id)));
  });

  app.get('/athlete/activities', (c) => {
    const auth = c.get('auth');
    if (!canReadActivities(auth.scopes)) throw new SandboxError(401, faults.missingPermission('activity:read'));
    const athlete = athleteOf(c);
    const before = intParam(c, 'before');
    const after = intParam(c, 'after');
    const page = Math.max(1, intParam(c, 'page') ?? 1);
    const requested = intParam(c, 'per_page') ?? 30;
    const perPage = requested < 1 ? 30 : Math.min(200, requested);
    const showPrivate = canReadPrivateActivities(auth.scopes);
    const matching = ctx.store.activitiesOf(athlete.id).filter((a) => {
      if (a.visibility === 'only_me' && !showPrivate) return false;
      const startSeconds = Math.floor(a.startDate / 1000);
      if (before !== undefined && startSeconds >= before) return false;
      if (after !== undefined && startSeconds <= after) return false;
      return true;
    });
    const slice = matching.slice((page - 1) * perPage, page * perPage);
    return c.json(slice.map((a) => summaryActivity(a, athlete, { listed: true })));
  });

  app.get('/activities/:id', (c) => {
    const activity = visibleActivity(c);
    const athlete = athleteOf(c);
    return c.json(detailedActivity(activity, athlete, gearDistance(athlete.id)));
  });

  app.get('/activities/:id/streams', (c) => {
    const activity = visibleActivity(c);
    const keyByType = (c.req.query('key_by_type') ?? 'false').toLowerCase() === 'true';
    const requested = (c.req.query('keys') ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter((k): k is StreamKey => (STREAM_KEYS as readonly string[]).includes(k));
    const seriesType = c.req.query('series_type') === 'time' ? 'time' : 'distance';
    const resolutionParam = c.req.query('resolution');
    const target = resolutionParam ? RESOLUTIONS[resolutionParam] : undefined;
    const streams = streamsOf(activity);
    if (!streams) return c.json(keyByType ? {} : []);
    // Strava always adds the series stream (distance by default) even when it was not asked for.
    const keys = [...new Set<StreamKey>([...requested, seriesType])];
    const originalSize = streams.time.length;
    const indices = target !== undefined && originalSize > target ? sampleIndices(originalSize, target) : null;
    const entries: Array<[StreamKey, Record<string, unknown>]> = [];
    for (const key of keys) {
      const data = streams[key as keyof TrackStreams] as unknown[] | undefined;
      if (!data) continue;
      entries.push([
        key,
        {
          data: indices ? indices.map((i) => data[i]) : data,
          series_type: seriesType,
          original_size: originalSize,
          resolution: resolutionParam && target !== undefined ? resolutionParam : 'high',
        },
      ]);
    }
    if (keyByType) return c.json(Object.fromEntries(entries));
    return c.json(entries.map(([type, s]) => ({ type, ...s })));
  });

  app.get('/athletes/:id/stats', (c) => {
    const auth = c.get('auth');
    const raw = c.req.param('id');
    const id = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!ctx.store.athletes.has(id)) throw new SandboxError(404, faults.notFound('Athlete'));
    if (id !== auth.athleteId) throw new SandboxError(403, faults.forbidden('Athlete', 'id'));
    const athlete = athleteOf(c);
    return c.json(athleteStats(athlete, ctx.store.activitiesOf(athlete.id), ctx.now().getTime()));
  });

  app.all('*', () => {
    throw new SandboxError(404, faults.notFound('resource', 'path'));
  });

  return app;
}

/** Evenly spaced indices that keep the first and last point, as a downsampled Strava stream does. */
function sampleIndices(size: number, target: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < target; i++) out.push(Math.round((i * (size - 1)) / (target - 1)));
  return out;
}
