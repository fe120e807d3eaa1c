// Strava's webhook callback: answers the subscription validation and publishes each valid event to Pub/Sub, nothing slower.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { InvalidEventError, MAX_EVENT_BYTES, parseWebhookEvent } from '../../shared/events/webhook-event.js';
import { createSubscriptionIdCache, type SubscriptionIdCache } from '../../shared/strava/subscriptions.js';
import type { AppDeps, AppEnv } from '../env.js';

/** Shorter path secrets are guessable; the app refuses webhook traffic rather than pretend they protect anything. */
export const MIN_PATH_SECRET_LENGTH = 16;

const caches = new WeakMap<AppDeps, SubscriptionIdCache>();

/** The check of incoming subscription ids for this app; the admin page forgets it after creating or deleting the subscription. */
export function subscriptionCache(deps: AppDeps): SubscriptionIdCache {
  if (deps.webhookSubscriptions) return deps.webhookSubscriptions;
  let cache = caches.get(deps);
  if (!cache) {
    cache = createSubscriptionIdCache({
      apiBaseUrl: deps.config.strava.apiBaseUrl,
      clientId: deps.config.strava.clientId,
      clientSecret: deps.secrets.stravaClientSecret ?? '',
    });
    caches.set(deps, cache);
  }
  return cache;
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing about the secret.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

type Gate = { ok: true } | { ok: false; response: Response };

/** The callback is /webhook, or /webhook/<secret> when a path secret is configured (then plain /webhook is not found). */
function checkPath(c: Context<AppEnv>): Gate {
  const deps = c.get('deps');
  const expected = deps.secrets.webhookPathSecret ?? deps.config.webhookPathSecret;
  const given = c.req.param('secret');
  if (expected === undefined) return given === undefined ? { ok: true } : { ok: false, response: c.json({ error: 'not found' }, 404) };
  if (expected.length < MIN_PATH_SECRET_LENGTH) {
    c.get('log').error(`WEBHOOK_PATH_SECRET is shorter than ${MIN_PATH_SECRET_LENGTH} characters; webhook calls are refused until it is longer`);
    return { ok: false, response: c.json({ error: 'webhook misconfigured' }, 503) };
  }
  if (given === undefined || !sameSecret(given, expected)) {
    c.get('log').warn('Webhook call on a wrong path refused');
    return { ok: false, response: c.json({ error: 'not found' }, 404) };
  }
  return { ok: true };
}

async function validation(c: Context<AppEnv>): Promise<Response> {
  const gate = checkPath(c);
  if (!gate.ok) return gate.response;
  const log = c.get('log');
  const mode = c.req.query('hub.mode');
  const challenge = c.req.query('hub.challenge');
  const token = c.req.query('hub.verify_token');
  if (mode !== 'subscribe' || !challenge || challenge.length > 512 || token === undefined) {
    log.warn('Webhook validation request without hub.mode=subscribe, hub.challenge and hub.verify_token');
    return c.json({ error: 'expected hub.mode=subscribe, hub.challenge and hub.verify_token' }, 400);
  }
  const expected = c.get('deps').secrets.webhookVerifyToken;
  if (!expected) {
    log.error('Webhook validation refused: STRAVA_VERIFY_TOKEN is not set');
    return c.json({ error: 'verify token mismatch' }, 403);
  }
  if (!sameSecret(token, expected)) {
    log.warn('Webhook validation refused: wrong verify token');
    return c.json({ error: 'verify token mismatch' }, 403);
  }
  log.info('Webhook subscription validated');
  return c.json({ 'hub.challenge': challenge });
}

async function receive(c: Context<AppEnv>): Promise<Response> {
  const gate = checkPath(c);
  if (!gate.ok) return gate.response;
  const deps = c.get('deps');
  const log = c.get('log');
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    log.warn('Webhook event refused: not JSON', { bytes: Buffer.byteLength(text) });
    return c.json({ error: 'the body must be JSON' }, 400);
  }
  let event;
  try {
    event = parseWebhookEvent(body);
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    log.warn('Webhook event refused: malformed', { reason: error.message });
    return c.json({ error: error.message }, 400);
  }
  const known = await subscriptionCache(deps).matches(event.subscription_id);
  if (known === undefined) {
    // Strava could not tell us our subscription id: a 5xx makes Strava retry once it can.
    log.error('Webhook event not accepted: the subscription on record could not be looked up', { subscriptionId: event.subscription_id });
    return c.json({ error: 'try again later' }, 503);
  }
  if (!known) {
    log.warn('Webhook event refused: not for our subscription', { subscriptionId: event.subscription_id, objectType: event.object_type });
    return c.json({ error: 'unknown subscription' }, 403);
  }
  let messageId: string;
  try {
    messageId = await deps.bus.publish(deps.config.pubsub.eventsTopic, event, {
      attributes: { object_type: event.object_type, aspect_type: event.aspect_type, owner_id: String(event.owner_id) },
    });
  } catch (error) {
    log.error('Webhook event not published; Strava will retry', { error, objectType: event.object_type, aspectType: event.aspect_type });
    return c.json({ error: 'could not queue the event' }, 503);
  }
  log.info('Webhook event published', { messageId, objectType: event.object_type, aspectType: event.aspect_type, ownerId: event.owner_id });
  return c.json({ received: true });
}

const limit = bodyLimit({
  maxSize: MAX_EVENT_BYTES,
  onError: (c) => {
    c.get('log').warn('Webhook event refused: body too large');
    return c.json({ error: `the body is larger than ${MAX_EVENT_BYTES} bytes` }, 413);
  },
});

export const webhookRoutes = new Hono<AppEnv>()
  .get('/webhook', validation)
  .get('/webhook/:secret', validation)
  .post('/webhook', limit, receive)
  .post('/webhook/:secret', limit, receive);
