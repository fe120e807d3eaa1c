// The sandbox's control API under /sandbox: play the athlete's part at Strava (record, edit, delete, revoke) and push the matching webhook events.

import { Hono, type Context } from 'hono';
import { summaryActivity } from './activities.js';
import type { SandboxContext, SandboxEnv } from './context.js';
import { SandboxError, faults } from './errors.js';
import type { ActivityEdit } from './state.js';
import { activityTypeOf } from './sports.js';

const MAX_NAME = 255;

async function jsonBody(c: Context<SandboxEnv>): Promise<Record<string, unknown>> {
  const body = (await c.req.json().catch(() => undefined)) as unknown;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SandboxError(400, { message: 'Bad Request', errors: [{ resource: 'Request', field: 'body', code: 'a JSON object is required' }] });
  }
  return body as Record<string, unknown>;
}

function invalid(field: string, code: string): SandboxError {
  return new SandboxError(400, faults.badRequest('Activity', field, code));
}

function nameOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_NAME)
    throw invalid('name', 'a non-empty string of at most 255 characters is required');
  return value;
}

function sportTypeOf(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Z][A-Za-z]{1,40}$/.test(value)) throw invalid('sport_type', 'a Strava sport type such as Run or Ride is required');
  return value;
}

function numberOf(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw invalid(field, `a number of at least ${min} is required`);
  return value;
}

function idParam(c: Context<SandboxEnv>): number {
  const raw = c.req.param('id') ?? '';
  if (!/^\d{1,15}$/.test(raw)) throw new SandboxError(404, faults.notFound('resource'));
  return Number(raw);
}

export function controlRoutes(ctx: SandboxContext): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();
  const authorized = (athleteId: number): boolean => ctx.tokens.grantedScopes(athleteId, ctx.clientId) !== null;

  // The application's standing at Strava: inactive (owner without a subscription), its athlete limit, and which API
  // hosts answer. Each field is optional; the answer is the settings after the change.
  app.get('/application', (c) => c.json(applicationJson()));
  app.post('/application', async (c) => {
    const body = await jsonBody(c);
    const invalidSetting = (field: string, code: string) => new SandboxError(400, faults.badRequest('Application', field, code));
    if (body.status !== undefined && body.status !== 'active' && body.status !== 'inactive') throw invalidSetting('status', 'active or inactive');
    if (
      body.athlete_limit !== undefined &&
      body.athlete_limit !== null &&
      (typeof body.athlete_limit !== 'number' || !Number.isInteger(body.athlete_limit) || body.athlete_limit < 0)
    ) {
      throw invalidSetting('athlete_limit', 'a whole number or null');
    }
    if (body.legacy_host !== undefined && !['serve', 'redirect', 'gone'].includes(body.legacy_host as string))
      throw invalidSetting('legacy_host', 'serve, redirect or gone');
    if (body.next_host !== undefined && !['serve', 'down'].includes(body.next_host as string)) throw invalidSetting('next_host', 'serve or down');
    if (body.status !== undefined) ctx.application.status = body.status as 'active' | 'inactive';
    if (body.athlete_limit !== undefined) ctx.application.athleteLimit = body.athlete_limit as number | null;
    if (body.legacy_host !== undefined) ctx.application.legacyHost = body.legacy_host as 'serve' | 'redirect' | 'gone';
    if (body.next_host !== undefined) ctx.application.nextHost = body.next_host as 'serve' | 'down';
    return c.json(applicationJson());
  });
  const applicationJson = () => ({
    status: ctx.application.status,
    athlete_limit: ctx.application.athleteLimit,
    authorized_athletes: ctx.store.grants.filter((g) => g.clientId === ctx.clientId).length,
    legacy_host: ctx.application.legacyHost,
    next_host: ctx.application.nextHost,
    next_host_url: ctx.nextHostUrl,
  });

  // The list shows this distance while the detail keeps the real one, as a real activity listed at 0 m did.
  app.post('/activities/:id/list-distance', async (c) => {
    const id = idParam(c);
    if (!ctx.store.activity(id)) throw new SandboxError(404, faults.notFound('Activity'));
    const body = await jsonBody(c);
    const distance = numberOf(body.distance, 'distance', 0);
    ctx.store.editActivity(id, { listDistance: distance });
    return c.json({ id, list_distance: distance });
  });

  app.get('/athletes', (c) =>
    c.json(
      [...ctx.store.athletes.values()].map((a) => ({
        id: a.id,
        firstname: a.firstname,
        lastname: a.lastname,
        username: a.username,
        authorized: authorized(a.id),
        activity_count: ctx.store.activitiesOf(a.id).length,
      })),
    ),
  );

  // Records an activity as if uploaded, and pushes the `create` event.
  app.post('/athletes/:id/activities', async (c) => {
    const athleteId = idParam(c);
    const athlete = ctx.store.athletes.get(athleteId);
    if (!athlete) throw new SandboxError(404, faults.notFound('Athlete'));
    const body = await jsonBody(c);
    const startDate = body.start_date;
    if (typeof startDate !== 'string' || Number.isNaN(Date.parse(startDate))) throw invalid('start_date', 'an ISO 8601 date-time is required');
    if (body.private !== undefined && typeof body.private !== 'boolean') throw invalid('private', 'true or false');
    if (body.manual !== undefined && typeof body.manual !== 'boolean') throw invalid('manual', 'true or false');
    if (body.legacy !== undefined && typeof body.legacy !== 'boolean') throw invalid('legacy', 'true or false');
    const id = ctx.store.addActivity(athleteId, {
      name: nameOf(body.name),
      sport_type: sportTypeOf(body.sport_type),
      distance: numberOf(body.distance, 'distance', 0),
      moving_time: numberOf(body.moving_time, 'moving_time', 1),
      start_date: startDate,
      ...(typeof body.private === 'boolean' ? { private: body.private } : {}),
      ...(typeof body.manual === 'boolean' ? { manual: body.manual } : {}),
      ...(body.legacy === true ? { legacy: true } : {}),
    });
    const event = ctx.webhooks.emit({ aspect_type: 'create', object_type: 'activity', object_id: id, owner_id: athleteId, updates: {} }, authorized(athleteId));
    return c.json({ activity: summaryActivity(ctx.store.activity(id)!, athlete), event }, 201);
  });

  // Edits what Strava's `update` events carry (title, type, privacy) and pushes one event with the changed fields.
  app.put('/activities/:id', async (c) => {
    const id = idParam(c);
    const existing = ctx.store.activity(id);
    if (!existing) throw new SandboxError(404, faults.notFound('Activity'));
    const body = await jsonBody(c);
    const edit: ActivityEdit = {};
    const updates: Record<string, string> = {};
    if (body.name !== undefined) {
      edit.name = nameOf(body.name);
      if (edit.name !== existing.name) updates.title = edit.name;
    }
    if (body.sport_type !== undefined) {
      edit.sportType = sportTypeOf(body.sport_type);
      // Strava's update events carry the older `type`, which folds newer sport types into their parent.
      if (edit.sportType !== existing.sportType) updates.type = activityTypeOf(edit.sportType);
    }
    if (body.private !== undefined || body.visibility !== undefined) {
      if (body.private !== undefined && typeof body.private !== 'boolean') throw invalid('private', 'true or false');
      if (body.visibility !== undefined && body.visibility !== 'everyone' && body.visibility !== 'followers_only' && body.visibility !== 'only_me') {
        throw invalid('visibility', 'everyone, followers_only or only_me');
      }
      const visibility = (body.visibility as ActivityEdit['visibility']) ?? (body.private ? 'only_me' : 'everyone');
      if (visibility !== existing.visibility) edit.visibility = visibility;
      // Strava's event says only private "true" or "false": Everyone and Followers look the same in it.
      const wasPrivate = existing.visibility === 'only_me';
      if ((visibility === 'only_me') !== wasPrivate) updates.private = String(visibility === 'only_me');
    }
    if (body.name === undefined && body.sport_type === undefined && body.private === undefined && body.visibility === undefined) {
      throw invalid('body', 'name, sport_type, private or visibility is required');
    }
    const athlete = ctx.store.athletes.get(existing.athleteId)!;
    const updated = Object.keys(edit).length > 0 ? ctx.store.editActivity(id, edit)! : existing;
    // Nothing changed, nothing to tell: Strava sends no event for a save without changes.
    const event =
      Object.keys(updates).length > 0
        ? ctx.webhooks.emit({ aspect_type: 'update', object_type: 'activity', object_id: id, owner_id: athlete.id, updates }, authorized(athlete.id))
        : null;
    return c.json({ activity: summaryActivity(updated, athlete), event });
  });

  app.delete('/activities/:id', (c) => {
    const id = idParam(c);
    const removed = ctx.store.deleteActivity(id);
    if (!removed) throw new SandboxError(404, faults.notFound('Activity'));
    const event = ctx.webhooks.emit(
      { aspect_type: 'delete', object_type: 'activity', object_id: id, owner_id: removed.athleteId, updates: {} },
      authorized(removed.athleteId),
    );
    return c.json({ deleted: id, event });
  });

  // The athlete revokes the application in their Strava settings: tokens stop working and the event is pushed.
  app.post('/athletes/:id/deauthorize', (c) => {
    const athleteId = idParam(c);
    if (!ctx.store.athletes.has(athleteId)) throw new SandboxError(404, faults.notFound('Athlete'));
    const wasAuthorized = authorized(athleteId);
    ctx.tokens.deauthorize(athleteId, ctx.clientId);
    const event = ctx.webhooks.emit(
      { aspect_type: 'update', object_type: 'athlete', object_id: athleteId, owner_id: athleteId, updates: { authorized: 'false' } },
      wasAuthorized,
    );
    return c.json({ deauthorized: athleteId, event });
  });

  return app;
}
