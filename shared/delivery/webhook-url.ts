// Which pasted URLs are Slack or Discord incoming webhooks: the service's own host and path shape, nothing else, so the
// site never becomes a way to make requests to an address someone chose (SSRF).

export type WebhookService = 'slack' | 'discord';

/** Why a pasted URL is refused; settings names each in the athlete's language. */
export type WebhookUrlProblem = 'empty' | 'too-long' | 'not-a-url' | 'not-https' | 'wrong-host' | 'wrong-shape';

export class InvalidWebhookUrlError extends Error {
  override readonly name = 'InvalidWebhookUrlError';
  constructor(
    readonly service: WebhookService,
    readonly problem: WebhookUrlProblem,
  ) {
    super(`not a ${service} incoming webhook URL (${problem})`);
  }
}

/**
 * Where each service's webhooks live. Production knows only the real hosts; a laptop or a test adds the origin of the
 * local stand-in (SLACK_WEBHOOK_BASE_URL, DISCORD_WEBHOOK_BASE_URL), which the config refuses in production.
 */
export interface WebhookOrigins {
  slack: readonly string[];
  discord: readonly string[];
}

export const REAL_WEBHOOK_ORIGINS: WebhookOrigins = Object.freeze({
  slack: Object.freeze(['https://hooks.slack.com']),
  discord: Object.freeze(['https://discord.com', 'https://discordapp.com', 'https://ptb.discord.com', 'https://canary.discord.com']),
});

export function webhookOrigins(standIns: { slack?: string | undefined; discord?: string | undefined } = {}): WebhookOrigins {
  const origin = (url: string | undefined) => (url ? [new URL(url).origin] : []);
  return Object.freeze({
    slack: Object.freeze([...REAL_WEBHOOK_ORIGINS.slack, ...origin(standIns.slack)]),
    discord: Object.freeze([...REAL_WEBHOOK_ORIGINS.discord, ...origin(standIns.discord)]),
  });
}

const MAX_URL_LENGTH = 300;

// Slack: /services/T…/B…/<24 characters>; Discord: /api[/v<n>]/webhooks/<snowflake>/<token>. Anchored, and matched
// against the path the URL parser normalised, so dot segments, encoded slashes or a second path cannot slip through.
const PATH_SHAPES: Record<WebhookService, RegExp> = {
  slack: /^\/services\/T[A-Z0-9]{6,16}\/B[A-Z0-9]{6,16}\/[A-Za-z0-9]{20,40}$/,
  discord: /^\/api(?:\/v\d{1,2})?\/webhooks\/\d{15,21}\/[A-Za-z0-9_-]{50,100}$/,
};

/**
 * The canonical form of a pasted webhook URL (rebuilt from the parsed origin and path, nothing else kept), or an
 * InvalidWebhookUrlError saying what is wrong with it.
 */
export function parseWebhookUrl(service: WebhookService, input: string, origins: WebhookOrigins = REAL_WEBHOOK_ORIGINS): URL {
  const text = input.trim();
  if (text === '') throw new InvalidWebhookUrlError(service, 'empty');
  if (text.length > MAX_URL_LENGTH) throw new InvalidWebhookUrlError(service, 'too-long');
  // Whitespace, control characters and backslashes inside a URL are tricks (parsers disagree on them), never typos.
  if (/[\s\u0000-\u001f\u007f\\]/.test(text)) throw new InvalidWebhookUrlError(service, 'not-a-url');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidWebhookUrlError(service, 'not-a-url');
  }
  const allowed = origins[service];
  if (url.username || url.password) throw new InvalidWebhookUrlError(service, 'wrong-host');
  if (!allowed.includes(url.origin)) {
    // The real host over plain HTTP is still the wrong scheme, said as such.
    const httpsTwin = `https://${url.host}`;
    throw new InvalidWebhookUrlError(service, url.protocol === 'http:' && allowed.includes(httpsTwin) ? 'not-https' : 'wrong-host');
  }
  if (url.search || url.hash || !PATH_SHAPES[service].test(url.pathname)) throw new InvalidWebhookUrlError(service, 'wrong-shape');
  // A rebuilt URL: the origin from the allow-list and the checked path, so nothing the parser ignored survives.
  return new URL(`${url.origin}${url.pathname}`);
}

/** What settings shows of a stored URL: enough to recognise it, too little to use it. */
export function webhookUrlHint(url: URL): string {
  const path = url.pathname;
  return `${url.host}${path.slice(0, path.indexOf('/', 1) + 1)}…${path.slice(-4)}`;
}
