// The environment a process of the product needs to run against a test's sandbox and database, as a deployment would set it.
import type { Sandbox } from '../../dev/sandbox/server.js';

export interface TestParts {
  sandbox: Pick<Sandbox, 'clientId' | 'clientSecret' | 'apiBaseUrl' | 'oauthBaseUrl'>;
  databaseUrl: string;
  encryptionKey: string;
}

export function productEnvironment(parts: TestParts): Record<string, string> {
  return {
    DATABASE_URL: parts.databaseUrl,
    STRAVA_CLIENT_ID: parts.sandbox.clientId,
    STRAVA_CLIENT_SECRET: parts.sandbox.clientSecret,
    STRAVA_API_BASE_URL: parts.sandbox.apiBaseUrl,
    STRAVA_OAUTH_BASE_URL: parts.sandbox.oauthBaseUrl,
    TOKEN_ENCRYPTION_KEY: parts.encryptionKey,
  };
}

/** For a function under test that reads process.env on its first call, as it does when deployed. */
export function useProductEnvironment(parts: TestParts, extra: Record<string, string> = {}): void {
  for (const name of ['GOOGLE_CLOUD_PROJECT', 'K_SERVICE', 'NODE_ENV', 'INSTANCE_CONNECTION_NAME']) delete process.env[name];
  Object.assign(process.env, productEnvironment(parts), { LOG_FORMAT: 'json', LOG_LEVEL: 'error' }, extra);
}
