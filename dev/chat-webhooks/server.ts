// A stand-in for Slack's and Discord's incoming webhooks on a real port: their paths, answers, errors and rate limits,
// and a page showing what was posted. `npm start` runs it; tests drive its faults.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hook, HookService, PostedMessage } from './hooks.js';
import { hooksPage } from './page.js';

export type { Hook, HookService, PostedMessage } from './hooks.js';

export interface WebhookLimits {
  /** Slack: about one message a second per webhook, with short bursts. */
  slack: { limit: number; windowMs: number };
  /** Discord: 5 requests per 2 seconds per webhook, announced in X-RateLimit-* headers. */
  discord: { limit: number; windowMs: number };
}

export const WEBHOOK_LIMITS: WebhookLimits = { slack: { limit: 3, windowMs: 3_000 }, discord: { limit: 5, windowMs: 2_000 } };

export interface ChatWebhookStandIn {
  /** The origin both services answer on: SLACK_WEBHOOK_BASE_URL and DISCORD_WEBHOOK_BASE_URL. */
  baseUrl: string;
  /** A new webhook of the service, as the service would show it to the athlete. */
  createHook(service: HookService): string;
  hook(url: string): Hook | undefined;
  hooks(): Hook[];
  /** Messages still visible in the hook's channel. */
  visible(url: string): PostedMessage[];
  removeHook(url: string): void;
  archiveChannel(url: string): void;
  /** The next `count` requests to the hook answer `status` (5xx, or 429 with a retry of `retryAfterSeconds`). */
  failNext(url: string, count: number, status: number, retryAfterSeconds?: number): void;
  setLimits(limits: Partial<WebhookLimits>): void;
  /** Every request answered, in order: what tests assert about pacing and rate limits. */
  requests: { method: string; service: HookService; status: number; at: number }[];
  close(): Promise<void>;
}

const alnum = (n: number, upper = false) =>
  Array.from(
    randomBytes(n),
    (b) => (upper ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')[b % (upper ? 36 : 62)],
  ).join('');
const snowflake = () => String(BigInt(Date.now() - 1_420_070_400_000) * 4_194_304n + BigInt(randomBytes(2).readUInt16BE() % 4096));

const SLACK_PATH = /^\/services\/(T[A-Z0-9]+)\/(B[A-Z0-9]+)\/([A-Za-z0-9]+)$/;
const DISCORD_PATH = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([A-Za-z0-9_-]+)(?:\/messages\/(\d+))?$/;
const DISCORD_CONTENT_LIMIT = 2000;
const SLACK_TEXT_LIMIT = 40_000;

export interface ChatWebhookStandInOptions {
  /** 0 = a free port; default 8092. */
  port?: number;
  host?: string;
  limits?: Partial<WebhookLimits>;
  now?: () => number;
}

export async function startChatWebhookStandIn(options: ChatWebhookStandInOptions = {}): Promise<ChatWebhookStandIn> {
  const now = options.now ?? Date.now;
  let limits: WebhookLimits = { ...WEBHOOK_LIMITS, ...options.limits };
  const hooks = new Map<string, Hook>();
  const sendTimes = new Map<string, number[]>();
  const faults = new Map<string, { count: number; status: number; retryAfterSeconds: number }>();
  const requests: ChatWebhookStandIn['requests'] = [];
  let baseUrl = '';

  const keyOf = (url: string) => new URL(url).pathname.replace(/^\/api\/v\d+\//, '/api/');

  /** Milliseconds until the hook's window frees up, or 0 when this request is taken and counted. */
  function take(key: string, service: HookService): { waitMs: number; remaining: number; resetAfterMs: number } {
    const { limit, windowMs } = limits[service];
    const at = now();
    const times = (sendTimes.get(key) ?? []).filter((t) => t > at - windowMs);
    sendTimes.set(key, times);
    if (times.length >= limit) return { waitMs: times[0]! + windowMs - at, remaining: 0, resetAfterMs: times[0]! + windowMs - at };
    times.push(at);
    return { waitMs: 0, remaining: limit - times.length, resetAfterMs: times[0]! + windowMs - at };
  }

  /** Answers, and returns the status for the request log. */
  function send(res: ServerResponse, status: number, body: string | object | undefined, headers: Record<string, string> = {}): number {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const type = typeof body === 'object' ? 'application/json' : 'text/plain; charset=utf-8';
    res.writeHead(status, { ...(text ? { 'content-type': type } : {}), ...headers });
    res.end(text);
    return status;
  }

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  // Slack answers plain text: "ok", or the error's name.
  async function slack(req: IncomingMessage, res: ServerResponse, hook: Hook | undefined, key: string): Promise<number> {
    if (req.method !== 'POST') return send(res, 405, 'invalid_method');
    if (!hook || hook.state === 'removed') return send(res, 404, 'no_service');
    if (hook.state === 'archived') return send(res, 410, 'channel_is_archived');
    const fault = faults.get(key);
    if (fault && fault.count > 0) {
      fault.count--;
      if (fault.status === 429) return send(res, 429, 'rate_limited', { 'retry-after': String(fault.retryAfterSeconds) });
      return send(res, fault.status, 'internal_error');
    }
    const body = await readJson(req);
    if (!body) return send(res, 400, 'invalid_payload');
    if (typeof body.text !== 'string' || body.text.trim() === '') return send(res, 400, 'no_text');
    if (body.text.length > SLACK_TEXT_LIMIT) return send(res, 400, 'msg_too_long');
    const slot = take(key, 'slack');
    if (slot.waitMs > 0) return send(res, 429, 'rate_limited', { 'retry-after': String(Math.ceil(slot.waitMs / 1000)) });
    hook.messages.push({ id: String(hook.messages.length + 1), text: body.text, postedAt: now(), edited: false, deleted: false });
    return send(res, 200, 'ok');
  }

  async function discord(
    req: IncomingMessage,
    res: ServerResponse,
    hook: Hook | undefined,
    key: string,
    url: URL,
    messageId: string | undefined,
  ): Promise<number> {
    if (hook?.state !== 'live') return send(res, 404, { message: 'Unknown Webhook', code: 10015 });
    const fault = faults.get(key);
    const slot = take(key, 'discord');
    const bucket = {
      'x-ratelimit-limit': String(limits.discord.limit),
      'x-ratelimit-remaining': String(slot.remaining),
      'x-ratelimit-reset': ((now() + slot.resetAfterMs) / 1000).toFixed(3),
      'x-ratelimit-reset-after': (slot.resetAfterMs / 1000).toFixed(3),
      'x-ratelimit-bucket': key.split('/')[3] ?? 'webhook',
    };
    if (fault && fault.count > 0) {
      fault.count--;
      if (fault.status === 429) {
        const body = { message: 'You are being rate limited.', retry_after: fault.retryAfterSeconds, global: false };
        return send(res, 429, body, { ...bucket, 'retry-after': String(fault.retryAfterSeconds), 'x-ratelimit-scope': 'user' });
      }
      return send(res, fault.status, { message: '500: Internal Server Error', code: 0 });
    }
    if (slot.waitMs > 0) {
      const retryAfter = Number((slot.waitMs / 1000).toFixed(3));
      const body = { message: 'You are being rate limited.', retry_after: retryAfter, global: false };
      return send(res, 429, body, { ...bucket, 'retry-after': String(Math.ceil(retryAfter)), 'x-ratelimit-scope': 'user' });
    }
    const message = messageId ? hook.messages.find((m) => m.id === messageId && !m.deleted) : undefined;
    if (messageId && !message) return send(res, 404, { message: 'Unknown Message', code: 10008 }, bucket);
    if (req.method === 'DELETE' && message) {
      message.deleted = true;
      return send(res, 204, undefined, bucket);
    }
    if (req.method !== 'POST' && !(req.method === 'PATCH' && message)) return send(res, 405, { message: '405: Method Not Allowed', code: 0 }, bucket);
    const body = await readJson(req);
    if (!body) return send(res, 400, { message: 'Cannot send an empty message', code: 50006 }, bucket);
    const content = typeof body.content === 'string' ? body.content : '';
    if (content.trim() === '') return send(res, 400, { message: 'Cannot send an empty message', code: 50006 }, bucket);
    if (content.length > DISCORD_CONTENT_LIMIT) {
      const errors = { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } };
      return send(res, 400, { message: 'Invalid Form Body', code: 50035, errors }, bucket);
    }
    let target = message;
    if (target) {
      target.text = content;
      target.edited = true;
    } else {
      target = { id: snowflake(), text: content, allowedMentions: body.allowed_mentions, postedAt: now(), edited: false, deleted: false };
      hook.messages.push(target);
      // Without ?wait=true Discord answers 204 and no message: nothing to edit later.
      if (url.searchParams.get('wait') !== 'true') return send(res, 204, undefined, bucket);
    }
    const webhookId = key.split('/')[3];
    send(
      res,
      200,
      {
        id: target.id,
        type: 0,
        content: target.text,
        channel_id: '1',
        webhook_id: webhookId,
        edited_timestamp: target.edited ? new Date(now()).toISOString() : null,
      },
      bucket,
    );
    return 200;
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const serve = async (): Promise<void> => {
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(hooksPage([...hooks.values()], url.searchParams.get('lang') ?? undefined));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/control/hooks') {
        const body = await readJson(req);
        const service = body?.service === 'discord' ? 'discord' : 'slack';
        send(res, 201, { url: api.createHook(service) });
        return;
      }
      const slackMatch = SLACK_PATH.exec(url.pathname);
      const discordMatch = DISCORD_PATH.exec(url.pathname);
      if (slackMatch) {
        const key = url.pathname;
        requests.push({ method: req.method ?? '', service: 'slack', status: await slack(req, res, hooks.get(key), key), at: now() });
      } else if (discordMatch) {
        const key = `/api/webhooks/${discordMatch[1]}/${discordMatch[2]}`;
        requests.push({ method: req.method ?? '', service: 'discord', status: await discord(req, res, hooks.get(key), key, url, discordMatch[3]), at: now() });
      } else {
        send(res, 404, 'not found');
      }
    };
    serve().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, String((error as Error).message));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8092, options.host ?? '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api: ChatWebhookStandIn = {
    baseUrl,
    createHook(service) {
      const path =
        service === 'slack'
          ? `/services/T${alnum(9, true)}/B${alnum(10, true)}/${alnum(24)}`
          : `/api/webhooks/${snowflake()}/${randomBytes(51).toString('base64url')}`;
      hooks.set(path, { service, url: `${baseUrl}${path}`, state: 'live', messages: [] });
      return `${baseUrl}${path}`;
    },
    hook: (url) => hooks.get(keyOf(url)),
    hooks: () => [...hooks.values()],
    visible: (url) => hooks.get(keyOf(url))?.messages.filter((m) => !m.deleted) ?? [],
    removeHook(url) {
      const hook = hooks.get(keyOf(url));
      if (hook) hook.state = 'removed';
    },
    archiveChannel(url) {
      const hook = hooks.get(keyOf(url));
      if (hook) hook.state = 'archived';
    },
    failNext(url, count, status, retryAfterSeconds = 1) {
      faults.set(keyOf(url), { count, status, retryAfterSeconds });
    },
    setLimits(next) {
      limits = { ...limits, ...next };
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return api;
}
