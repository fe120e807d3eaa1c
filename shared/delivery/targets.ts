// The chat services as delivery targets: how each sends, edits and deletes a message, and how each answer is read
// (sent, rate limited, gone for good, worth a retry). Redirects are never followed: a webhook answers itself or fails.
import { createHash } from 'node:crypto';
import { httpFailureClass } from '../http-failure.js';

export type DisabledReason = 'blocked' | 'chat_not_found' | 'webhook_gone' | 'channel_archived' | 'forbidden';

export type TargetFailure =
  /** The destination refuses for good: it is switched off and the athlete sees why. */
  | { kind: 'gone'; reason: DisabledReason }
  /** Too fast: nothing was posted; wait this long. */
  | { kind: 'rate-limited'; retryAfterMs: number }
  /** The service or the network failed; a later attempt may succeed. */
  | { kind: 'transient' }
  /** The message to edit or delete is no longer there (removed in the chat, or too old for the service). */
  | { kind: 'message-gone' }
  /** This message is refused for good (malformed, too long); retrying it would fail the same way. */
  | { kind: 'refused' };

export class TargetError extends Error {
  override readonly name = 'TargetError';
  constructor(
    readonly failure: TargetFailure,
    readonly detail: string,
  ) {
    super(`${failure.kind}: ${detail}`);
  }
}

export interface Sent {
  /** What edits and deletes need later; Slack's incoming webhooks give none. */
  messageId: string | undefined;
  /** The service said its bucket is empty: nothing more goes to this target for this long. */
  pauseMs?: number;
}

export interface Pacing {
  /** One key per chat or webhook: its own limit. */
  key: string;
  intervalMs: number;
}

/** The service-side operations of one destination. A target without edit or remove cannot do them (Slack). */
export interface DeliveryTarget {
  service: 'telegram' | 'slack' | 'discord';
  /** Every key to wait for before a request, the target's own first (a chat, a webhook), then the service-wide one. */
  pacing: readonly Pacing[];
  send(message: RenderedMessage): Promise<Sent>;
  edit?(messageId: string, message: RenderedMessage): Promise<Sent>;
  remove?(messageId: string): Promise<Sent>;
}

/** One activity's message as each service's markup writes it. */
export interface RenderedMessage {
  text: string;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** Slack lets an incoming webhook post about one message a second, with short bursts. */
export const SLACK_INTERVAL_MS = 1_000;
/** Discord: 5 requests per 2 seconds per webhook, and 30 messages a minute per channel, whichever is tighter. */
export const DISCORD_INTERVAL_MS = 2_000;

async function request(fetcher: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetcher(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new TargetError({ kind: 'transient' }, `no answer: ${(error as Error).message}`);
  }
}

function seconds(value: string | null | undefined, fallbackMs: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.ceil(n * 1000) : fallbackMs;
}

/** Slack's incoming webhook: POST only; it can neither edit nor delete what it posted. */
export function slackTarget(url: URL, pacingKey: string, fetcher: typeof fetch = fetch): DeliveryTarget {
  return {
    service: 'slack',
    pacing: [{ key: pacingKey, intervalMs: SLACK_INTERVAL_MS }],
    async send(message) {
      const res = await request(fetcher, url.href, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: message.text, mrkdwn: true, unfurl_links: false, unfurl_media: false }),
      });
      const body = (await res.text().catch(() => '')).slice(0, 200);
      if (res.status === 200) return { messageId: undefined };
      throw new TargetError(slackFailure(res, body), `Slack answered ${res.status} ${body}`);
    },
  };
}

function slackFailure(res: Response, body: string): TargetFailure {
  const failure = httpFailureClass(res.status);
  if (failure === 'throttled') return { kind: 'rate-limited', retryAfterMs: seconds(res.headers.get('retry-after'), SLACK_INTERVAL_MS) };
  if (res.status === 410 || body.includes('channel_is_archived')) return { kind: 'gone', reason: 'channel_archived' };
  // no_service, no_team, team_disabled, channel_not_found: the webhook was removed or its app uninstalled.
  if (res.status === 404) return { kind: 'gone', reason: 'webhook_gone' };
  // invalid_token, action_prohibited, posting_to_general_channel_denied: a workspace admin's refusal.
  if (res.status === 403 || res.status === 401) return { kind: 'gone', reason: 'forbidden' };
  if (failure === 'unavailable') return { kind: 'transient' };
  return { kind: 'refused' };
}

/** Discord's webhook: ?wait=true returns the message, whose id edits (PATCH) and deletes (DELETE) it later. */
export function discordTarget(url: URL, pacingKey: string, fetcher: typeof fetch = fetch): DeliveryTarget {
  const pacing = [{ key: pacingKey, intervalMs: DISCORD_INTERVAL_MS }];
  const call = async (method: string, path: string, payload?: unknown): Promise<Response> => {
    const res = await request(fetcher, `${url.href}${path}`, {
      method,
      ...(payload === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) }),
    });
    if (res.ok) return res;
    const text = (await res.text().catch(() => '')).slice(0, 300);
    throw new TargetError(await discordFailure(res, text), `Discord answered ${res.status} ${text}`);
  };
  // No mention in a message ever notifies anyone, whatever the name says; no link preview either.
  const payload = (message: RenderedMessage) => ({ content: message.text, allowed_mentions: { parse: [] }, flags: 4 });
  return {
    service: 'discord',
    pacing,
    async send(message) {
      const res = await call('POST', '?wait=true', payload(message));
      const body = (await res.json().catch(() => ({}))) as { id?: unknown };
      return withPause({ messageId: typeof body.id === 'string' ? body.id : undefined }, res.headers);
    },
    async edit(messageId, message) {
      const res = await call('PATCH', `/messages/${encodeURIComponent(messageId)}`, payload(message));
      return withPause({ messageId }, res.headers);
    },
    async remove(messageId) {
      const res = await call('DELETE', `/messages/${encodeURIComponent(messageId)}`);
      return withPause({ messageId }, res.headers);
    },
  };
}

async function discordFailure(res: Response, text: string): Promise<TargetFailure> {
  let body: { code?: number; retry_after?: number } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON (a proxy's page): the status decides.
  }
  const failure = httpFailureClass(res.status);
  if (failure === 'throttled') {
    const fromBody = typeof body.retry_after === 'number' ? Math.ceil(body.retry_after * 1000) : undefined;
    return { kind: 'rate-limited', retryAfterMs: fromBody ?? seconds(res.headers.get('retry-after'), DISCORD_INTERVAL_MS) };
  }
  // 10008 Unknown Message: deleted in the channel; the webhook itself is fine.
  if (res.status === 404 && body.code === 10008) return { kind: 'message-gone' };
  // 10015 Unknown Webhook, 50027 Invalid Webhook Token: deleted in the channel's settings.
  if (res.status === 404 || res.status === 401) return { kind: 'gone', reason: 'webhook_gone' };
  if (res.status === 403) return { kind: 'gone', reason: 'forbidden' };
  if (failure === 'unavailable') return { kind: 'transient' };
  return { kind: 'refused' };
}

/** Discord says how much of a webhook's bucket is left (X-RateLimit-*); an empty bucket pauses it until it refills. */
function withPause(sent: Sent, headers: Headers): Sent {
  if (headers.get('x-ratelimit-remaining') !== '0') return sent;
  return { ...sent, pauseMs: seconds(headers.get('x-ratelimit-reset-after'), DISCORD_INTERVAL_MS) };
}

/**
 * The target of a checked webhook URL. Its pacing key is a digest of the URL, so the settings page's test message and
 * the deliveries share one pace, and no URL (a credential) is written where the pacing is kept.
 */
export function webhookTarget(service: 'slack' | 'discord', url: URL, fetcher: typeof fetch = fetch): DeliveryTarget {
  const key = `${service}:${createHash('sha256').update(url.href).digest('hex').slice(0, 32)}`;
  return service === 'slack' ? slackTarget(url, key, fetcher) : discordTarget(url, key, fetcher);
}
