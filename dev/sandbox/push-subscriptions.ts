// /api/v3/push_subscriptions in the sandbox: the route file over the webhook service (webhooks.ts), which knows
// nothing of the routes' shared context.

import { Hono } from 'hono';
import type { SandboxContext, SandboxEnv } from './context.js';
import { SandboxError, faults } from './errors.js';
import { readParams } from './oauth.js';
import type { PushSubscriptionRecord } from './state.js';

function view(record: PushSubscriptionRecord): Record<string, unknown> {
  return {
    id: record.id,
    resource_state: 2,
    application_id: record.applicationId,
    callback_url: record.callbackUrl,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** /api/v3/push_subscriptions: authenticated by the application's client id and secret, not an athlete's token. */
export function pushSubscriptionRoutes(ctx: SandboxContext): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();

  const checkClient = (p: Record<string, string | undefined>): void => {
    if (!p.client_id || p.client_id !== ctx.clientId) throw new SandboxError(401, faults.badRequest('Application', 'client_id', 'invalid'));
    if (!p.client_secret || p.client_secret !== ctx.clientSecret) throw new SandboxError(401, faults.invalidClientSecret());
    // An inactive application is refused on every call, its own subscription included (API-NOTES.md, "Developer program").
    if (ctx.application.status === 'inactive') throw new SandboxError(403, faults.applicationInactive());
  };

  app.post('/', async (c) => {
    const p = await readParams(c);
    checkClient(p);
    if (!p.callback_url) throw new SandboxError(400, faults.badRequest('PushSubscription', 'callback_url', 'missing'));
    if (!p.verify_token) throw new SandboxError(400, faults.badRequest('PushSubscription', 'verify_token', 'missing'));
    const record = await ctx.webhooks.subscribe(Number(ctx.clientId), p.callback_url, p.verify_token);
    return c.json({ id: record.id }, 201);
  });

  app.get('/', async (c) => {
    checkClient(await readParams(c));
    const record = ctx.webhooks.subscription;
    return c.json(record ? [view(record)] : []);
  });

  app.delete('/:id', async (c) => {
    checkClient(await readParams(c));
    const raw = c.req.param('id');
    if (!/^\d+$/.test(raw) || !ctx.webhooks.unsubscribe(Number(raw))) throw new SandboxError(404, faults.notFound('PushSubscription'));
    return c.body(null, 204);
  });

  return app;
}
