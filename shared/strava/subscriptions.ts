// Strava's webhook subscription (one per application): view, create, delete, and a cached id for checking incoming events.
import { parseFault, StravaError, StravaServerError, toStravaError } from './errors.js';
import { parseJsonExact } from './json.js';

export interface SubscriptionClientOptions {
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface PushSubscription {
  id: number;
  application_id?: number;
  callback_url: string;
  created_at?: string;
  updated_at?: string;
}

async function call<T>(options: SubscriptionClientOptions, method: string, path: string, body?: URLSearchParams): Promise<T> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const credentials = new URLSearchParams({ client_id: options.clientId, client_secret: options.clientSecret });
  // Strava reads the credentials from the form on create, from the query string on view and delete.
  const url = `${options.apiBaseUrl}/push_subscriptions${path}${body ? '' : `?${credentials}`}`;
  let response: Response;
  try {
    response = await doFetch(url, {
      method,
      headers: { accept: 'application/json' },
      ...(body ? { body: new URLSearchParams([...credentials, ...body]) } : {}),
      // Create waits for Strava's own validation GET to the callback (up to two seconds).
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (cause) {
    throw new StravaServerError(0, undefined, { cause });
  }
  const text = await response.text();
  if (response.ok) {
    try {
      return (text === '' ? undefined : parseJsonExact(text)) as T;
    } catch (cause) {
      throw new StravaServerError(response.status, undefined, { cause });
    }
  }
  // Error bodies may be empty, not JSON, or carry `errors` as a string: parseFault reads them all.
  throw toStravaError(response.status, parseFault(text));
}

/** The application's subscription, or undefined when it has none. */
export async function viewSubscription(options: SubscriptionClientOptions): Promise<PushSubscription | undefined> {
  const list = await call<PushSubscription[] | undefined>(options, 'GET', '');
  return Array.isArray(list) ? list[0] : undefined;
}

/**
 * Creates the subscription. Strava first calls `callbackUrl` with the hub.challenge GET, so the app must be running
 * there with the same verify token.
 */
export async function createSubscription(options: SubscriptionClientOptions, callbackUrl: string, verifyToken: string): Promise<{ id: number }> {
  if (callbackUrl.length > 255) throw new RangeError('Strava accepts callback URLs of at most 255 characters');
  return call<{ id: number }>(options, 'POST', '', new URLSearchParams({ callback_url: callbackUrl, verify_token: verifyToken }));
}

export async function deleteSubscription(options: SubscriptionClientOptions, id: number): Promise<void> {
  await call<void>(options, 'DELETE', `/${encodeURIComponent(String(id))}`);
}

/** Strava's explanation of a refused create, e.g. "callback url: GET to callback URL does not return 200". */
export function describeStravaRefusal(error: unknown): string {
  if (!(error instanceof StravaError)) return error instanceof Error ? error.message : String(error);
  const details = error.fault?.errors?.map((e) => [e.field, e.code].filter(Boolean).join(': ')).filter(Boolean) ?? [];
  return details.length > 0 ? `${error.message} (${details.join('; ')})` : error.message;
}

export interface SubscriptionIdCache {
  /** Whether `id` is the application's subscription; undefined when that cannot be known right now. */
  matches(id: number): Promise<boolean | undefined>;
  /** Forget the cached id (after creating or deleting the subscription). */
  invalidate(): void;
}

/**
 * The subscription id on record at Strava, looked up once and kept, so checking an event costs no request. An id that
 * does not match triggers one fresh look-up at most every `recheckMs` (the subscription may have been recreated), so
 * forged events cannot make us hammer Strava.
 */
export function createSubscriptionIdCache(options: SubscriptionClientOptions, settings: { ttlMs?: number; recheckMs?: number; now?: () => number } = {}): SubscriptionIdCache {
  const ttlMs = settings.ttlMs ?? 60 * 60_000;
  const recheckMs = settings.recheckMs ?? 60_000;
  const now = settings.now ?? Date.now;
  let cached: { id: number | null; at: number } | undefined;
  let inFlight: Promise<number | null> | undefined;

  const lookUp = (): Promise<number | null> => {
    inFlight ??= viewSubscription(options)
      .then((subscription) => {
        cached = { id: subscription?.id ?? null, at: now() };
        return cached.id;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    async matches(id) {
      try {
        if (!cached || now() - cached.at > ttlMs) return (await lookUp()) === id;
        if (cached.id === id) return true;
        if (now() - cached.at < recheckMs) return false;
        return (await lookUp()) === id;
      } catch {
        // Strava unreachable: a known id still decides; otherwise nobody can tell.
        if (cached) return cached.id === id;
        return undefined;
      }
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** The callback URL for this deployment: <public base URL>/webhook, plus the path secret when one is set. */
export function webhookCallbackUrl(publicBaseUrl: string, pathSecret: string | undefined): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/webhook${pathSecret ? `/${encodeURIComponent(pathSecret)}` : ''}`;
}

/**
 * Makes `callbackUrl` the application's subscription through Strava's validation round trip: an existing subscription
 * to another URL (or to this one, when `recreate`) is deleted first, since Strava allows only one.
 */
export async function ensureSubscription(
  options: SubscriptionClientOptions,
  callbackUrl: string,
  verifyToken: string,
  settings: { recreate?: boolean } = {},
): Promise<{ id: number; created: boolean }> {
  const existing = await viewSubscription(options);
  if (existing && existing.callback_url === callbackUrl && !settings.recreate) return { id: existing.id, created: false };
  if (existing) await deleteSubscription(options, existing.id);
  const { id } = await createSubscription(options, callbackUrl, verifyToken);
  return { id, created: true };
}
