// `npm start`: the whole product on a laptop — local Strava sandbox, embedded PostgreSQL, migrations, the app.
import { existsSync } from 'node:fs';
import { createApp } from '../app/app.js';
import { closeServer, listen } from '../app/serve.js';
import { loadConfig } from '../shared/config.js';
import { migrate } from '../shared/db/migrate.js';
import { fromRoot } from '../shared/paths.js';
import { createRuntime } from '../shared/runtime.js';
import { loadSecrets } from '../shared/secrets.js';
import { ensureDevSecrets } from './secrets.js';
import { startSandbox, type Sandbox } from './sandbox/server.js';

async function main(): Promise<void> {
  if (existsSync(fromRoot('.env'))) process.loadEnvFile(fromRoot('.env'));
  const env = process.env;
  const dataDir = env.DATA_DIR || fromRoot('.data');
  await ensureDevSecrets(dataDir);

  let sandbox: Sandbox | undefined;
  if (!env.STRAVA_CLIENT_ID) {
    sandbox = await startSandbox({
      port: Number(env.STRAVA_SANDBOX_PORT || 8090),
      statePath: `${dataDir}/sandbox-state.json`,
    });
    env.STRAVA_CLIENT_ID = sandbox.clientId;
    env.STRAVA_CLIENT_SECRET = sandbox.clientSecret;
    env.STRAVA_API_BASE_URL = sandbox.apiBaseUrl;
    env.STRAVA_OAUTH_BASE_URL = sandbox.oauthBaseUrl;
  }

  const config = loadConfig(env);
  const secrets = await loadSecrets({ env });
  const runtime = await createRuntime(config, secrets);
  const applied = await migrate(runtime.pool);
  if (applied.length > 0) runtime.log.info(`Applied migrations ${applied.join(', ')}`);

  const { server, port } = await listen(createApp(runtime), config.port);
  const url = config.publicBaseUrl;
  const database = config.database.kind === 'embedded' ? `embedded PostgreSQL in ${config.database.dataDir}` : 'PostgreSQL from DATABASE_URL';
  const strava = sandbox ? `local Strava sandbox at ${sandbox.url} (demo athlete ready)` : `Strava at ${config.strava.apiBaseUrl}`;
  process.stdout.write(
    [
      '',
      `  Training Room is running: ${url}`,
      `  · database: ${database}`,
      `  · strava:   ${strava}`,
      `  · app port: ${port}`,
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n') + '\n',
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await closeServer(server);
    await runtime.close();
    await sandbox?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  const err = error as NodeJS.ErrnoException;
  if (err?.code === 'EADDRINUSE') {
    process.stderr.write(`Cannot start: a port is already in use (${err.message}). Set PORT or STRAVA_SANDBOX_PORT to free ones.\n`);
  } else {
    process.stderr.write(`Cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof Error && err.cause) process.stderr.write(`  cause: ${String((err.cause as Error).message ?? err.cause)}\n`);
  }
  process.exit(1);
});
