// Strava's webhook callback: answers the subscription validation and publishes each valid event to Pub/Sub, nothing slower.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { InvalidEventError, MAX_EVENT_BYTES, parseWebhookEvent } from '../../shared/events/index.js';
import { createSubscriptionIdCache, type SubscriptionIdCache } from '../../shared/strava/index.js';
import { ConfigError } from '../../shared/platform/config.js';
import type { AppDeps, AppEnv } from '../env.js';
import { createFailureThrottle, sourceOf, type FailureThrottle } from '../webhook-throttle.js';

/** Shorter path secrets are guessable; the app refuses webhook traffic rather than pretend they protect anything. */
export const MIN_PATH_SECRET_LENGTH = 16;

/**
 * Why this path secret cannot guard the webhook, or undefined when it can: at least 16 characters that are safe in a
 * URL path, and not a word or a repeated pattern (at least eight different characters).
 */
export function weakPathSecret(secret: string | undefined): string | undefined {
  if (secret === undefined || secret === '') return 'it is not set';
  if (secret.length < MIN_PATH_SECRET_LENGTH) return `it is shorter than ${MIN_PATH_SECRET_LENGTH} characters`;
  if (!/^[A-Za-z0-9._~-]+$/.test(secret)) return 'it has characters other than letters, digits and . _ ~ -';
  if (new Set(secret).size < 8) return 'it is not random (fewer than eight different characters)';
  return undefined;
}

/**
 * Production refuses to start without a strong path secret: Strava does not sign events, so the path is what keeps
 * strangers from posting them at all.
 */
export function requireWebhookPathSecret(pathSecret: string | undefined): void {
  const weak = weakPathSecret(pathSecret);
  if (weak) {
    throw new ConfigError(
      `WEBHOOK_PATH_SECRET (secret "webhook-path-secret") cannot guard the webhook: ${weak}. ` +
        'Set it to 16 or more random characters, e.g. `openssl rand -hex 16`, then create the subscription with it.',
    );
  }
}

const caches = new WeakMap<AppDeps, SubscriptionIdCache>();
const throttles = new WeakMap<AppDeps, FailureThrottle>();

/** The check of incoming subscription ids for this app; the admin page invalidates it after creating or deleting the subscription. */
export function subscriptionCache(deps: AppDeps): SubscriptionIdCache {
  if (deps.webhookSubscriptions) return deps.webhookSubscriptions;
  let cache = caches.get(deps);
  if (!cache) {
    cache = createSubscriptionIdCache({
      strava: deps.stravaApplication,
      db: deps.pool,
      log: deps.log,
    });
    caches.set(deps, cache);
  }
  return cache;
}

function throttleOf(deps: AppDeps): FailureThrottle {
  let throttle = throttles.get(deps);
  if (!throttle) {
    throttle = deps.webhookThrottle ?? createFailureThrottle();
    throttles.set(deps, throttle);
  }
  return throttle;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing about the secret.
  return timingSafeEqual(digest(given), digest(expected));
}

/** The configured path secret, judged and hashed once rather than on every event (it changes only with a restart). */
interface PathSecret {
  value: string;
  weakness: string | undefined;
  digest: Buffer;
}
let judged: PathSecret | undefined;
function pathSecretOf(value: string): PathSecret {
  if (judged?.value !== value) judged = { value, weakness: weakPathSecret(value), digest: digest(value) };
  return judged;
}

type Gate = { ok: true } | { ok: false; response: Response };

/** A failed call from `source`: counted, and answered 429 once the source has failed too often. */
function refuse(c: Context<AppEnv>, source: string, status: 400 | 403 | 404, error: string): { ok: false; response: Response } {
  const throttle = throttleOf(c.get('deps'));
  throttle.failed(source);
  return { ok: false, response: c.json({ error }, status) };
}

/**
 * The callback is /webhook/<secret> (or plain /webhook outside production when no secret is configured). Only a call
 * on the right path is Strava's: it is never throttled. Wrong paths are counted per source and, past a small burst,
 * refused with 429 before any check runs, so guessing the secret (or probing) is slow.
 */
function checkPath(c: Context<AppEnv>): Gate {
  const deps = c.get('deps');
  const configured = deps.secrets.webhookPathSecret ?? deps.config.webhookPathSecret;
  const expected = configured === undefined ? undefined : pathSecretOf(configured);
  const given = c.req.param('secret');
  if (expected !== undefined && given !== undefined && expected.weakness === undefined && timingSafeEqual(digest(given), expected.digest)) {
    return { ok: true };
  }
  if (expected === undefined && given === undefined && !deps.config.production) return { ok: true };
  // Only failures need to know who is calling: Strava's own pushes skip this.
  const source = sourceOf(c, deps.config.production);
  if (!throttleOf(deps).allowed(source)) {
    c.get('log').warn('Webhook call refused: too many failed calls from this source');
    return { ok: false, response: c.json({ error: 'too many requests' }, 429, { 'retry-after': '60' }) };
  }
  if (expected?.weakness !== undefined) {
    c.get('log').error(`WEBHOOK_PATH_SECRET cannot guard the webhook (${expected.weakness}); webhook calls are refused until it is changed`);
    return { ok: false, response: c.json({ error: 'webhook misconfigured' }, 503) };
  }
  if (expected === undefined) {
    c.get('log').error('WEBHOOK_PATH_SECRET is not set; production refuses webhook calls without it');
    return refuse(c, source, 404, 'not found');
  }
  c.get('log').warn('Webhook call on a wrong path refused');
  return refuse(c, source, 404, 'not found');
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
    return refuse(c, sourceOf(c, c.get('deps').config.production), 403, 'verify token mismatch').response;
  }
  log.info('Webhook subscription validated');
  return c.json({ 'hub.challenge': challenge });
}

/** The same answer whether the event was published or dropped: it must not tell a right subscription id from a wrong one. */
const ACCEPTED = { received: true } as const;

/** A client that went away mid-body: its problem, not ours (4xx semantics, logged as a warning). */
export function isAbandonedBody(error: unknown): boolean {
  for (
    let e = error as { name?: string; code?: string; message?: string; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (e.name === 'AbortError' || e.code === 'ECONNRESET' || e.code === 'ERR_STREAM_PREMATURE_CLOSE' || e.code === 'ABORT_ERR') return true;
    if (typeof e.message === 'string' && /aborted|terminated|premature close|socket hang up/i.test(e.message)) return true;
  }
  return false;
}

async function receive(c: Context<AppEnv>): Promise<Response> {
  const gate = checkPath(c);
  if (!gate.ok) return gate.response;
  const deps = c.get('deps');
  const log = c.get('log');
  let text: string;
  try {
    text = await c.req.text();
  } catch (error) {
    if (!isAbandonedBody(error)) throw error;
    log.warn('Webhook event not read: the client abandoned the request body', { status: 400, error });
    return c.json({ error: 'the request body was not received' }, 400);
  }
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
  const subscription = subscriptionCache(deps).check(event.subscription_id);
  if (subscription === 'foreign') {
    // Dropped, and answered exactly like an accepted event, so that guessing the id learns nothing.
    log.warn('Webhook event dropped: not for our subscription', { subscriptionId: event.subscription_id, objectType: event.object_type });
    return c.json(ACCEPTED);
  }
  if (subscription === 'unknown') {
    // Nothing on record yet (first start, Strava not answering): the right path says it is Strava's, and the
    // processor confirms anything destructive with Strava itself, so publishing loses nothing and risks nothing.
    log.warn('Webhook event accepted before the subscription id is known', { subscriptionId: event.subscription_id });
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
  // One line per event: the request's own access line carries what was published.
  c.set('logFields', {
    outcome: 'published',
    messageId,
    objectType: event.object_type,
    objectId: event.object_id,
    aspectType: event.aspect_type,
    ownerId: event.owner_id,
  });
  return c.json(ACCEPTED);
}

async function apiHeaders(c: Context<AppEnv>, next: () => Promise<void>): Promise<void> {
  for (const [name, value] of API_HEADERS) c.header(name, value);
  await next();
}

function tooLarge(c: Context<AppEnv>): Response {
  c.get('log').warn('Webhook event refused: body too large');
  return c.json({ error: `the body is larger than ${MAX_EVENT_BYTES} bytes` }, 413);
}

const streamedLimit = bodyLimit({ maxSize: MAX_EVENT_BYTES, onError: tooLarge });

/**
 * Strava's pushes declare their length: judged by the header alone, the body is then read once, straight from the
 * socket. Only a body without a length (chunked) goes through the counting stream, which costs a Request per call.
 */
const limit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const length = c.req.header('content-length');
  if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamedLimit(c, next);
  if (!/^\d+$/.test(length) || Number(length) > MAX_EVENT_BYTES) return tooLarge(c);
  await next();
};

/**
 * The headers a JSON answer to a server needs (OWASP's REST set): never cached, never sniffed or framed, HTTPS only.
 * Set before the handler so they are part of the answer as it is made: the page headers' after-the-fact rewrite of
 * every answer is what made an acknowledgement cost twice the bare publish.
 */
const API_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Cache-Control', 'no-store'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
];

export const webhookRoutes = new Hono<AppEnv>()
  .use('/webhook', apiHeaders)
  .use('/webhook/*', apiHeaders)
  .get('/webhook', validation)
  .get('/webhook/:secret', validation)
  .post('/webhook', limit, receive)
  .post('/webhook/:secret', limit, receive);
