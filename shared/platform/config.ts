// Reads the environment once into a typed, frozen configuration that fails fast naming what is missing.
import { LEGACY_API_BASE_URL, NEXT_API_BASE_URL, NEXT_API_FROM, ApiHostSelector } from '../strava/index.js';
import { fromRoot } from '../paths.js';

export interface EnvVarSpec {
  readonly purpose: string;
  /** What applies when the variable is unset; absent means "required" or "off". */
  readonly default?: string;
  /** Also a secret: read from Secret Manager in production when the variable itself is unset. */
  readonly secret?: boolean;
}

/** OpenStreetMap's standard tiles: free for light use with this attribution, under the OSM tile usage policy. */
export const OSM_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
export const OSM_ATTRIBUTION = '\u00a9 OpenStreetMap contributors';
export const OSM_COPYRIGHT_URL = 'https://www.openstreetmap.org/copyright';

/** Every variable the project reads. The README table and the deployment checks are built from this. */
export const KNOWN_ENV_VARS = Object.freeze({
  PORT: { purpose: 'HTTP port the app listens on', default: '8080' },
  HOST: {
    purpose: 'Address the app listens on',
    default: '127.0.0.1 under npm start (this machine only); every interface in production',
  },
  PUBLIC_BASE_URL: {
    purpose: 'Public origin of the app, used for the OAuth redirect and links',
    default: 'http://localhost:$PORT outside production; required in production',
  },
  NODE_ENV: { purpose: '`production` turns on production behaviour (Secure cookies, JSON logs, no embedded database)' },
  STRAVA_CLIENT_ID: {
    purpose: 'Client id of your Strava API application (npm start runs a local Strava sandbox when it is unset)',
  },
  STRAVA_CLIENT_SECRET: { purpose: 'Client secret of your Strava API application', secret: true },
  STRAVA_API_BASE_URL: {
    purpose: 'Strava REST API base URL; when set it is used as it is, with no switch and no fallback',
    default: `${LEGACY_API_BASE_URL} until ${NEXT_API_FROM.toISOString().slice(0, 10)}, then ${NEXT_API_BASE_URL}, each falling back to the other when it cannot be reached`,
  },
  STRAVA_OAUTH_BASE_URL: { purpose: 'Strava OAuth base URL', default: 'https://www.strava.com/oauth' },
  STRAVA_ATHLETE_LIMIT: {
    purpose:
      'Athletes your Strava API application may serve (Standard Tier: 10); the admin page counts against it and a refused sign-in at the limit says the site is full',
    default: '10',
  },
  STRAVA_SANDBOX_PORT: { purpose: 'Port of the local Strava sandbox that npm start runs', default: '8090' },
  CHAT_WEBHOOKS_PORT: { purpose: 'Port of the local Slack/Discord webhook stand-in that npm start runs', default: '8093' },
  STRAVA_VERIFY_TOKEN: { purpose: 'Token Strava echoes when validating the webhook subscription', secret: true },
  WEBHOOK_PATH_SECRET: { purpose: 'Unguessable path segment of the webhook callback URL (Strava does not sign events)', secret: true },
  DATABASE_URL: { purpose: 'PostgreSQL connection string (takes precedence over the Cloud SQL connector)' },
  INSTANCE_CONNECTION_NAME: { purpose: 'Cloud SQL instance (project:region:instance), connected with IAM authentication' },
  DATABASE_USER: { purpose: 'Database user for the Cloud SQL connector (IAM: the service account email without .gserviceaccount.com)' },
  DATABASE_NAME: { purpose: 'Database name for the Cloud SQL connector', default: 'training' },
  DATABASE_PASSWORD: { purpose: 'Database password, only for built-in (non-IAM) Cloud SQL users', secret: true },
  DATA_DIR: { purpose: 'Where the embedded database and laptop state are kept', default: '.data' },
  SESSION_SECRET: { purpose: 'Signs session and OAuth state cookies (32+ random characters)', secret: true },
  TOKEN_ENCRYPTION_KEY: { purpose: 'AES-256-GCM key for Strava tokens at rest: 32 bytes as base64 or 64 hex digits', secret: true },
  OPENAI_API_KEY: { purpose: 'Enables AI notes when set', secret: true },
  OPENAI_BASE_URL: { purpose: 'Any OpenAI-compatible endpoint', default: 'https://api.openai.com/v1' },
  GOOGLE_CLOUD_PROJECT: { purpose: 'Google Cloud project; when set, unset secrets are read from Secret Manager' },
  LOG_FORMAT: { purpose: '`json` (Cloud Logging) or `pretty`', default: 'json in production, pretty elsewhere' },
  LOG_LEVEL: { purpose: 'Lowest severity logged: debug, info, warning, error', default: 'info' },
  ADMIN_ATHLETE_IDS: { purpose: 'Comma-separated Strava athlete ids allowed on /admin' },
  MAP_TILE_URL: {
    purpose: 'Raster tile URL template for the maps ({z}/{x}/{y}, optional {s} and {r}); `off` draws routes without tiles',
    default: OSM_TILE_URL,
  },
  MAP_ATTRIBUTION: {
    purpose: 'Attribution shown on every map, as the tile provider requires',
    default: `${OSM_ATTRIBUTION} with MAP_TILE_URL unset; none otherwise`,
  },
  PUBSUB_TOPIC_EVENTS: { purpose: 'Pub/Sub topic webhook events are published to', default: 'strava-events' },
  PUBSUB_TOPIC_BACKFILL: { purpose: 'Pub/Sub topic history import requests are published to', default: 'strava-backfill' },
  PUBSUB_TOPIC_ARCHIVE: {
    purpose: 'Pub/Sub topic the upload bucket notifies of new objects, and archive imports queue their next slice on',
    default: 'archive-uploads',
  },
  PUBSUB_TOPIC_DELIVERIES: {
    purpose: "Pub/Sub topic notices of new, renamed and deleted activities are published to, for delivery to the athletes' own chats",
    default: 'activity-deliveries',
  },
  SLACK_WEBHOOK_BASE_URL: {
    purpose: 'Laptop and tests only: the origin of a Slack incoming-webhook stand-in, accepted beside https://hooks.slack.com (refused in production)',
  },
  DISCORD_WEBHOOK_BASE_URL: {
    purpose: 'Laptop and tests only: the origin of a Discord webhook stand-in, accepted beside https://discord.com (refused in production)',
  },
  ARCHIVE_BUCKET: {
    purpose: 'Cloud Storage bucket archive uploads go to (the browser sends them straight there); unset: a folder in DATA_DIR',
  },
  UPDATE_TOKENS_REQUIRE_AUTH: {
    purpose: 'update_tokens refuses calls without a bearer OIDC token from UPDATE_TOKENS_INVOKER (`true`/`false`; the platform verifies the signature)',
    default: 'true in production, false elsewhere',
  },
  TELEGRAM_BOT_TOKEN: {
    purpose:
      'Token of the Telegram bot from @BotFather; the bot, the settings\' "Connect Telegram" and delivery of new activities to linked chats are off without it',
    secret: true,
  },
  TELEGRAM_WEBHOOK_SECRET: {
    purpose: 'Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token with every update (1–256 of A–Z a–z 0–9 _ -); also derives the webhook path',
    secret: true,
  },
  TELEGRAM_BOT_USERNAME: { purpose: "The bot's username without @, for the t.me/<bot>?start=… link; required with TELEGRAM_BOT_TOKEN" },
  TELEGRAM_API_BASE_URL: { purpose: 'Telegram Bot API base URL (npm start points it at the local stand-in)', default: 'https://api.telegram.org' },
  TELEGRAM_LINK_BASE_URL: { purpose: 'Where "Connect Telegram" opens the bot (npm start points it at the local chat page)', default: 'https://t.me' },
  TELEGRAM_PORT: { purpose: 'Port of the local Telegram Bot API stand-in and chat page that npm start runs', default: '8092' },
  UPDATE_TOKENS_INVOKER: {
    purpose: 'Service account email Cloud Scheduler calls update_tokens as; required when UPDATE_TOKENS_REQUIRE_AUTH is on',
  },
  UPDATE_TOKENS_INTERVAL_MINUTES: {
    purpose: 'How often Cloud Scheduler (or the laptop timer) runs update_tokens; tokens expiring within this plus the margin are refreshed',
    default: '30',
  },
  UPDATE_TOKENS_MARGIN_MINUTES: {
    purpose: 'Added to the interval when choosing which tokens to refresh; Strava only rotates a token with an hour or less left',
    default: '60',
  },
  UPDATE_TOKENS_CONCURRENCY: { purpose: 'Token refreshes update_tokens runs at once', default: '10' },
  UPDATE_TOKENS_TIME_BUDGET_SECONDS: {
    purpose:
      'update_tokens starts no refresh after this long and leaves the rest to the next run; keep the function timeout at least 60 s above it (Terraform sets 540 s)',
    default: '420',
  },
} satisfies Record<string, EnvVarSpec>);

export type EnvVarName = keyof typeof KNOWN_ENV_VARS;

export type DatabaseConfig =
  | { readonly kind: 'url'; readonly url: string }
  | {
      readonly kind: 'cloud-sql';
      readonly instanceConnectionName: string;
      readonly user: string;
      readonly database: string;
    }
  | { readonly kind: 'embedded'; readonly dataDir: string };

export interface Config {
  readonly production: boolean;
  readonly port: number;
  /** Address to listen on; undefined means the entry point's own default. */
  readonly host: string | undefined;
  readonly publicBaseUrl: string;
  readonly secureCookies: boolean;
  readonly strava: {
    readonly clientId: string;
    /** STRAVA_API_BASE_URL, or the host Strava's schedule names for the day the configuration was read. */
    readonly apiBaseUrl: string;
    /** STRAVA_API_BASE_URL as set; undefined means "follow Strava's schedule" (see apiHostSelector). */
    readonly apiBaseUrlOverride: string | undefined;
    readonly oauthBaseUrl: string;
    readonly athleteLimit: number;
  };
  readonly database: DatabaseConfig;
  readonly dataDir: string;
  readonly googleCloudProject: string | undefined;
  readonly openaiBaseUrl: string | undefined;
  readonly log: { readonly format: 'json' | 'pretty'; readonly level: 'debug' | 'info' | 'warning' | 'error' };
  readonly adminAthleteIds: readonly number[];
  readonly webhookPathSecret: string | undefined;
  readonly pubsub: { readonly eventsTopic: string; readonly backfillTopic: string; readonly archiveTopic: string; readonly deliveriesTopic: string };
  /** Stand-ins for Slack's and Discord's webhook hosts (laptop and tests); production has none and accepts only the real hosts. */
  readonly delivery: { readonly slackWebhookBaseUrl: string | undefined; readonly discordWebhookBaseUrl: string | undefined };
  /** Where archive uploads are kept: a bucket, or (laptop and tests) a folder under dataDir. */
  readonly archiveBucket: string | undefined;
  /** Map tiles; undefined tiles mean routes are drawn on a plain background. */
  readonly map: MapConfig;
  /** The Telegram bot's public settings (its token and webhook secret are secrets). */
  readonly telegram: { readonly apiBaseUrl: string; readonly linkBaseUrl: string; readonly botUsername: string | undefined };
}

export interface MapConfig {
  /** The tile URL template, or undefined for `MAP_TILE_URL=off`. */
  readonly tileUrl: string | undefined;
  /** The CSP source the tiles come from (scheme and host; `*.` when the template has `{s}`). */
  readonly tileSource: string | undefined;
  readonly attribution: string;
  /** Where the attribution links (OpenStreetMap's copyright page for OSM tiles). */
  readonly attributionUrl: string | undefined;
}

function mapConfig(env: Env): MapConfig {
  const raw = read(env, 'MAP_TILE_URL');
  const attribution = read(env, 'MAP_ATTRIBUTION');
  if (raw?.toLowerCase() === 'off') return { tileUrl: undefined, tileSource: undefined, attribution: '', attributionUrl: undefined };
  const tileUrl = raw ?? OSM_TILE_URL;
  let url: URL;
  try {
    url = new URL(tileUrl.replace('{s}', 'a'));
  } catch {
    throw new ConfigError(`MAP_TILE_URL is not a URL template: ${JSON.stringify(tileUrl)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`MAP_TILE_URL must be an http(s) URL or off, got ${url.protocol}.`);
  if (!/\{z\}/.test(tileUrl) || !/\{x\}/.test(tileUrl) || !/\{y\}/.test(tileUrl)) throw new ConfigError('MAP_TILE_URL must contain {z}, {x} and {y}.');
  const host = tileUrl.includes('{s}') ? `*.${url.host.replace(/^a\./, '')}` : url.host;
  const osm = tileUrl === OSM_TILE_URL;
  return {
    tileUrl,
    tileSource: `${url.protocol}//${host}`,
    attribution: attribution ?? (raw === undefined || osm ? OSM_ATTRIBUTION : ''),
    attributionUrl: osm ? OSM_COPYRIGHT_URL : undefined,
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: EnvVarName): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function required(env: Env, name: EnvVarName, why?: string): string {
  const value = read(env, name);
  if (value === undefined) {
    throw new ConfigError(`${name} is missing: ${why ?? KNOWN_ENV_VARS[name].purpose}.`);
  }
  return value;
}

function httpUrl(name: EnvVarName, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL: ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL, got ${url.protocol}.`);
  }
  return value.replace(/\/+$/, '');
}

function port(env: Env): number {
  const raw = read(env, 'PORT') ?? '8080';
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError(`PORT must be a port number, got ${raw}.`);
  return value;
}

function athleteIds(env: Env): number[] {
  const raw = read(env, 'ADMIN_ATHLETE_IDS');
  if (raw === undefined) return [];
  return raw.split(',').map((part) => {
    const id = Number(part.trim());
    if (!Number.isSafeInteger(id) || id <= 0) throw new ConfigError(`ADMIN_ATHLETE_IDS has a value that is not an athlete id: ${part}.`);
    return id;
  });
}

function positiveInteger(env: Env, name: EnvVarName, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a whole number of at least 1, got ${raw}.`);
  return value;
}

/** Whether the process runs as a deployed service rather than on a laptop or in tests. */
export function isProduction(env: Env): boolean {
  return env.NODE_ENV === 'production' || env.GAE_ENV === 'standard' || env.K_SERVICE !== undefined;
}

/** Just the database settings: all a migration run needs. */
export function loadDatabaseConfig(env: Env = process.env): DatabaseConfig {
  const databaseUrl = read(env, 'DATABASE_URL');
  const instance = read(env, 'INSTANCE_CONNECTION_NAME');
  if (databaseUrl !== undefined) return deepFreeze({ kind: 'url', url: databaseUrl });
  if (instance !== undefined) {
    return deepFreeze({
      kind: 'cloud-sql',
      instanceConnectionName: instance,
      user: required(env, 'DATABASE_USER', 'the IAM database user for the Cloud SQL connector (service account email without .gserviceaccount.com)'),
      database: read(env, 'DATABASE_NAME') ?? 'training',
    });
  }
  if (isProduction(env)) {
    throw new ConfigError('DATABASE_URL or INSTANCE_CONNECTION_NAME is missing: production needs a real PostgreSQL (the embedded database is for laptops).');
  }
  return deepFreeze({ kind: 'embedded', dataDir: dataDirOf(env) });
}

const dataDirOf = (env: Env) => read(env, 'DATA_DIR') ?? fromRoot('.data');

export function loadConfig(env: Env = process.env): Config {
  const production = isProduction(env);
  const listenPort = port(env);
  const publicBaseUrl = httpUrl(
    'PUBLIC_BASE_URL',
    production
      ? required(env, 'PUBLIC_BASE_URL', 'the public origin of the app (e.g. https://PROJECT.REGION.r.appspot.com), needed for the Strava OAuth redirect')
      : (read(env, 'PUBLIC_BASE_URL') ?? `http://localhost:${listenPort}`),
  );
  const dataDir = dataDirOf(env);

  const database = loadDatabaseConfig(env);

  const logFormat = read(env, 'LOG_FORMAT') ?? (production ? 'json' : 'pretty');
  if (logFormat !== 'json' && logFormat !== 'pretty') throw new ConfigError(`LOG_FORMAT must be json or pretty, got ${logFormat}.`);
  const logLevel = read(env, 'LOG_LEVEL') ?? 'info';
  if (logLevel !== 'debug' && logLevel !== 'info' && logLevel !== 'warning' && logLevel !== 'error') {
    throw new ConfigError(`LOG_LEVEL must be debug, info, warning or error, got ${logLevel}.`);
  }

  const apiOverrideRaw = read(env, 'STRAVA_API_BASE_URL');
  const apiOverride = apiOverrideRaw === undefined ? undefined : httpUrl('STRAVA_API_BASE_URL', apiOverrideRaw);

  const config: Config = {
    production,
    port: listenPort,
    host: read(env, 'HOST'),
    publicBaseUrl,
    secureCookies: production || publicBaseUrl.startsWith('https:'),
    strava: {
      clientId: required(env, 'STRAVA_CLIENT_ID'),
      apiBaseUrl: apiOverride ?? new ApiHostSelector().scheduled(),
      apiBaseUrlOverride: apiOverride,
      oauthBaseUrl: httpUrl('STRAVA_OAUTH_BASE_URL', read(env, 'STRAVA_OAUTH_BASE_URL') ?? 'https://www.strava.com/oauth'),
      athleteLimit: positiveInteger(env, 'STRAVA_ATHLETE_LIMIT', 10),
    },
    database,
    dataDir,
    googleCloudProject: read(env, 'GOOGLE_CLOUD_PROJECT'),
    openaiBaseUrl: read(env, 'OPENAI_BASE_URL'),
    log: { format: logFormat, level: logLevel },
    adminAthleteIds: athleteIds(env),
    webhookPathSecret: read(env, 'WEBHOOK_PATH_SECRET'),
    pubsub: {
      eventsTopic: read(env, 'PUBSUB_TOPIC_EVENTS') ?? 'strava-events',
      backfillTopic: read(env, 'PUBSUB_TOPIC_BACKFILL') ?? 'strava-backfill',
      archiveTopic: read(env, 'PUBSUB_TOPIC_ARCHIVE') ?? 'archive-uploads',
      deliveriesTopic: read(env, 'PUBSUB_TOPIC_DELIVERIES') ?? 'activity-deliveries',
    },
    delivery: {
      slackWebhookBaseUrl: standInUrl(env, 'SLACK_WEBHOOK_BASE_URL', production),
      discordWebhookBaseUrl: standInUrl(env, 'DISCORD_WEBHOOK_BASE_URL', production),
    },
    archiveBucket: read(env, 'ARCHIVE_BUCKET'),
    map: mapConfig(env),
    telegram: {
      apiBaseUrl: httpUrl('TELEGRAM_API_BASE_URL', read(env, 'TELEGRAM_API_BASE_URL') ?? 'https://api.telegram.org'),
      linkBaseUrl: httpUrl('TELEGRAM_LINK_BASE_URL', read(env, 'TELEGRAM_LINK_BASE_URL') ?? 'https://t.me'),
      botUsername: botUsername(env),
    },
  };
  return deepFreeze(config);
}

/** A stand-in's origin would let athletes' messages go to another host: production refuses to start with one. */
function standInUrl(env: Env, name: 'SLACK_WEBHOOK_BASE_URL' | 'DISCORD_WEBHOOK_BASE_URL', production: boolean): string | undefined {
  const value = read(env, name);
  if (value === undefined) return undefined;
  if (production) throw new ConfigError(`${name} is set, but production posts only to the real service: unset it.`);
  return httpUrl(name, value);
}

/** Telegram usernames: 5–32 of letters, digits and underscores; a leading @ is forgiven. */
function botUsername(env: Env): string | undefined {
  const raw = read(env, 'TELEGRAM_BOT_USERNAME')?.replace(/^@/, '');
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z][A-Za-z0-9_]{4,31}$/.test(raw)) throw new ConfigError(`TELEGRAM_BOT_USERNAME is not a Telegram username: ${JSON.stringify(raw)}.`);
  return raw;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
