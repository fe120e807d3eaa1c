// Resolves secrets from the environment or, in Google Cloud, from Secret Manager (fetched once and cached).
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { EnvVarName } from './config.js';

type SecretManagerClientOptions = NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>;

export type SecretReader = 'app' | 'process-strava-event' | 'update-tokens' | 'backfill' | 'import-archive' | 'deliver-activities';

export interface SecretSpec {
  readonly env: EnvVarName;
  /** Secret id in Secret Manager (Terraform creates the container, operators add the value). */
  readonly secretId: string;
  readonly purpose: string;
  readonly required: boolean;
  readonly readBy: readonly SecretReader[];
}

export const SECRET_SPECS = Object.freeze({
  stravaClientSecret: {
    env: 'STRAVA_CLIENT_SECRET',
    secretId: 'strava-client-secret',
    purpose: 'Strava API application client secret (token exchange and refresh)',
    required: true,
    readBy: ['app', 'process-strava-event', 'update-tokens', 'backfill'],
  },
  sessionSecret: {
    env: 'SESSION_SECRET',
    secretId: 'session-secret',
    purpose: 'signs session and OAuth state cookies',
    required: true,
    readBy: ['app'],
  },
  tokenEncryptionKey: {
    env: 'TOKEN_ENCRYPTION_KEY',
    secretId: 'token-encryption-key',
    purpose: "encrypts Strava tokens and athletes' chat webhook URLs at rest (AES-256-GCM, 32 bytes as base64 or hex)",
    required: true,
    readBy: ['app', 'process-strava-event', 'update-tokens', 'backfill', 'deliver-activities'],
  },
  webhookVerifyToken: {
    env: 'STRAVA_VERIFY_TOKEN',
    secretId: 'strava-verify-token',
    purpose: 'answers Strava webhook subscription validation',
    required: false,
    readBy: ['app'],
  },
  webhookPathSecret: {
    env: 'WEBHOOK_PATH_SECRET',
    secretId: 'webhook-path-secret',
    purpose: 'unguessable path segment of the webhook callback URL (Strava does not sign events)',
    required: false,
    readBy: ['app'],
  },
  openaiApiKey: {
    env: 'OPENAI_API_KEY',
    secretId: 'openai-api-key',
    purpose: 'enables AI notes',
    required: false,
    readBy: ['app'],
  },
  telegramBotToken: {
    env: 'TELEGRAM_BOT_TOKEN',
    secretId: 'telegram-bot-token',
    purpose: "the Telegram bot's token from @BotFather (the bot and the delivery of new activities to linked chats are off without it)",
    required: false,
    readBy: ['app', 'deliver-activities'],
  },
  telegramWebhookSecret: {
    env: 'TELEGRAM_WEBHOOK_SECRET',
    secretId: 'telegram-webhook-secret',
    purpose: 'checked against X-Telegram-Bot-Api-Secret-Token on every update, and derives the webhook path',
    required: false,
    readBy: ['app'],
  },
  databasePassword: {
    env: 'DATABASE_PASSWORD',
    secretId: 'database-password',
    purpose: 'password of a built-in Cloud SQL user (unused with IAM database authentication)',
    required: false,
    readBy: ['app', 'process-strava-event', 'update-tokens', 'backfill', 'import-archive', 'deliver-activities'],
  },
} satisfies Record<string, SecretSpec>);

export type SecretName = keyof typeof SECRET_SPECS;
export type Secrets = { readonly [K in SecretName]: string | undefined };

/** Fetches the latest version of a secret; implemented by Secret Manager in production and a fake in tests. */
export interface SecretStore {
  fetch(secretId: string): Promise<string | undefined>;
}

export class SecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretError';
  }
}

/**
 * Secret Manager through the official client. `clientOptions` lets tests point the client's REST
 * fallback transport at a local server; in production the defaults apply.
 */
export async function secretManagerStore(project: string, clientOptions: SecretManagerClientOptions = {}): Promise<SecretStore> {
  // Loaded lazily: only processes that read Secret Manager pay for the client.
  const { SecretManagerServiceClient: Client } = await import('@google-cloud/secret-manager');
  const client = new Client(clientOptions);
  return {
    async fetch(secretId) {
      try {
        const [version] = await client.accessSecretVersion({
          name: `projects/${project}/secrets/${secretId}/versions/latest`,
        });
        const data = version.payload?.data;
        if (data === null || data === undefined) return undefined;
        return (typeof data === 'string' ? data : Buffer.from(data).toString('utf8')).trim();
      } catch (error) {
        // NOT_FOUND (5 over gRPC, 404 over the REST fallback): a container without a value, or none: unset.
        const code = (error as { code?: number }).code;
        if (code === 5 || code === 404) return undefined;
        throw new SecretError(`Secret Manager could not read secret ${secretId}`, { cause: error });
      }
    },
  };
}

export interface LoadSecretsOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Where secrets not in the environment come from; none means the environment only. */
  store?: SecretStore | undefined;
  /**
   * The service loading them: only the secrets it reads (its `readBy`) are fetched, since in production it
   * is granted access to those alone. Without it, every secret is looked up.
   */
  reader?: SecretReader;
  /** Read only these (e.g. the migrator needs just the database password). */
  only?: readonly SecretName[];
  /** Secrets this process cannot start without (defaults to the required ones among those read). */
  need?: readonly SecretName[];
}

/** Reads secrets once: the environment wins, then the store; a missing needed secret fails fast. */
export async function loadSecrets(options: LoadSecretsOptions = {}): Promise<Secrets> {
  const env = options.env ?? process.env;
  const all = Object.keys(SECRET_SPECS) as SecretName[];
  const names = all.filter(
    (name) =>
      (options.reader === undefined || (SECRET_SPECS[name].readBy as readonly SecretReader[]).includes(options.reader)) &&
      (options.only === undefined || options.only.includes(name)),
  );
  const need = new Set(options.need ?? names.filter((name) => SECRET_SPECS[name].required));
  const values = await Promise.all(
    names.map(async (name) => {
      const spec = SECRET_SPECS[name];
      const fromEnv = env[spec.env]?.trim();
      if (fromEnv) return fromEnv;
      return options.store ? await options.store.fetch(spec.secretId) : undefined;
    }),
  );
  const found = new Map(names.map((name, i) => [name, values[i] || undefined]));
  const secrets = Object.fromEntries(all.map((name) => [name, found.get(name)])) as Secrets;
  const missing = all.filter((name) => need.has(name) && secrets[name] === undefined);
  if (missing.length > 0) {
    const where = options.store ? 'the environment or Secret Manager' : 'the environment';
    throw new SecretError(
      `Missing secret${missing.length > 1 ? 's' : ''} in ${where}: ` +
        missing.map((name) => `${SECRET_SPECS[name].env} (secret "${SECRET_SPECS[name].secretId}": ${SECRET_SPECS[name].purpose})`).join('; ') +
        '.',
    );
  }
  return Object.freeze(secrets);
}
