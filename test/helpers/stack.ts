// The app, a Strava sandbox and a fresh database, wired together on random local ports for one test file.
import { randomBytes } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../../app/app.js';
import type { AppDeps } from '../../app/env.js';
import { loadConfig } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { createRuntime, type Runtime } from '../../shared/runtime.js';
import { loadSecrets } from '../../shared/secrets.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../dev/sandbox/server.js';
import { freshDatabase, type TestDatabase } from './database.js';

export interface TestStack {
  baseUrl: string;
  sandbox: Sandbox;
  db: TestDatabase;
  runtime: Runtime;
  /** Every log line the app wrote, for asserting that nothing secret was logged. */
  logLines: string[];
  close(): Promise<void>;
}

export interface TestStackOptions {
  sandbox?: SandboxOptions;
  now?: () => Date;
  env?: Record<string, string>;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const sandbox = await startSandbox({ port: 0, ...options.sandbox });
  const db = await freshDatabase();

  // Listen first so the real port is known before the config (and its OAuth redirect URL) is built.
  let handler: (request: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: (request) => handler(request), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;
  const baseUrl = `http://127.0.0.1:${port}`;

  const env = {
    PORT: String(port),
    PUBLIC_BASE_URL: baseUrl,
    DATABASE_URL: db.url,
    STRAVA_CLIENT_ID: sandbox.clientId,
    STRAVA_CLIENT_SECRET: sandbox.clientSecret,
    STRAVA_API_BASE_URL: sandbox.apiBaseUrl,
    STRAVA_OAUTH_BASE_URL: sandbox.oauthBaseUrl,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_FORMAT: 'json',
    ...options.env,
  };
  const logLines: string[] = [];
  const log: Logger = createLogger({ format: 'json', level: 'debug', write: (line) => logLines.push(line) });
  const runtime = await createRuntime(loadConfig(env), await loadSecrets({ env }), { log, poolMax: 5, stravaRetryDelayMs: () => 5 });
  const deps: AppDeps = { ...runtime, ...(options.now ? { now: options.now } : {}) };
  const app = createApp(deps);
  handler = (request) => app.fetch(request);

  return {
    baseUrl,
    sandbox,
    db,
    runtime,
    logLines,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
      await db.close();
      await sandbox.close();
    },
  };
}
