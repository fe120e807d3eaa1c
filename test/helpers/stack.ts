// The app, a Strava sandbox and a fresh database, wired together on random local ports for one test file.
import { randomBytes } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../../app/app.js';
import type { AppDeps } from '../../app/env.js';
import type { ObjectStore } from '../../shared/archive/index.js';
import type { EventBus } from '../../shared/platform/bus.js';
import { createInProcessBus } from '../../shared/platform/in-process-bus.js';
import { loadConfig } from '../../shared/platform/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { createRuntime, type Runtime } from '../../shared/platform/runtime.js';
import { loadSecrets } from '../../shared/platform/secrets.js';
import { createServices } from '../../shared/services.js';
import { DEMO_ATHLETE_ID } from '../../dev/sandbox/seed.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../dev/sandbox/server.js';
import { freshDatabase, type TestDatabase } from './database.js';
import { productEnvironment } from './environment.js';
import { CookieClient } from './http.js';

export interface TestStack {
  baseUrl: string;
  sandbox: Sandbox;
  db: TestDatabase;
  runtime: Runtime;
  /** What the app was built from (for reaching its per-app parts, such as the webhook's subscription cache). */
  deps: AppDeps;
  /** What the app publishes to: the options' bus, or an in-process bus wired to the webhook event processor. */
  bus: EventBus;
  /** Every log line the app wrote, for asserting that nothing secret was logged. */
  logLines: string[];
  /**
   * A browser-like client whose requests to the app are answered in process (`app.request`): for route tests, where
   * the network is not the subject. Requests to the sandbox still go over HTTP, as Strava's would.
   */
  client(): CookieClient;
  /** One request to the app in process, by path (`app.request`). */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface TestStackOptions {
  sandbox?: SandboxOptions;
  now?: () => Date;
  env?: Record<string, string>;
  bus?: EventBus;
  /** Where archive uploads go; without it the archive page says import is not set up. */
  archiveStore?: ObjectStore;
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
    ...productEnvironment({ sandbox, databaseUrl: db.url, encryptionKey: randomBytes(32).toString('base64') }),
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    LOG_FORMAT: 'json',
    // Nothing here reaches the internet: pages draw routes as vectors unless a test brings its own tile server.
    MAP_TILE_URL: 'off',
    ...options.env,
  };
  const logLines: string[] = [];
  const log: Logger = createLogger({ format: 'json', level: 'debug', write: (line) => logLines.push(line) });
  const runtime = await createRuntime(loadConfig(env), await loadSecrets({ env }), { log, poolMax: 5, stravaRetryDelayMs: () => 5 });
  const inProcess = options.bus ? undefined : createInProcessBus({ log, backoffMs: () => 10 });
  const bus = options.bus ?? inProcess!;
  const services = createServices(runtime, bus, { archiveStore: options.archiveStore });
  // Only the event processor listens: an import request the app publishes is left for the tests that run imports.
  inProcess?.subscribe(runtime.config.pubsub.eventsTopic, services.handlers.events);
  const deps: AppDeps = { ...services, ...(options.now ? { now: options.now } : {}) };
  const app = createApp(deps);
  handler = (request) => app.fetch(request);

  return {
    baseUrl,
    sandbox,
    db,
    runtime,
    deps,
    bus,
    logLines,
    client: () => new CookieClient({ origin: baseUrl, fetch: (request) => app.fetch(request) }),
    request: async (path, init) => app.request(`${baseUrl}${path}`, init),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // A bus passed in belongs to the test that made it.
      if (!options.bus) await bus.close();
      await runtime.close();
      await db.close();
      await sandbox.close();
    },
  };
}

/**
 * The demo athlete's latest activity that has a recording (optionally of one sport). The sandbox's history ends
 * today, so "the first row of the list" is whatever today's seed made it, sometimes an activity typed in by hand.
 */
export async function latestRecorded(stack: TestStack, sportType?: string): Promise<string> {
  const { rows } = await stack.runtime.pool.query<{ id: string }>(
    `select id from activities
     where athlete_id = $1::bigint and not manual and coalesce(summary_polyline, '') <> '' and ($2::text is null or sport_type = $2)
     order by start_date desc limit 1`,
    [DEMO_ATHLETE_ID, sportType ?? null],
  );
  if (!rows[0]) throw new Error(`the demo athlete has no recorded ${sportType ?? 'activity'}`);
  return rows[0].id;
}
