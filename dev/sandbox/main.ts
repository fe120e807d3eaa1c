// CLI: runs the Strava sandbox on STRAVA_SANDBOX_PORT (default 8090) until Ctrl-C.

import { startSandbox } from './server.js';

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) {
    console.error(`${name} must be a number (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

const log = (severity: string, message: string): void => console.log(JSON.stringify({ severity, message }));

const sandbox = await startSandbox({
  port: envNumber('STRAVA_SANDBOX_PORT') ?? 8090,
  host: process.env.STRAVA_SANDBOX_HOST || undefined,
  clientId: process.env.STRAVA_SANDBOX_CLIENT_ID || undefined,
  clientSecret: process.env.STRAVA_SANDBOX_CLIENT_SECRET || undefined,
  latencyMs: envNumber('STRAVA_SANDBOX_LATENCY_MS'),
  statePath: process.env.STRAVA_SANDBOX_STATE_PATH || undefined,
  seed: envNumber('STRAVA_SANDBOX_SEED'),
  callbackDomain: process.env.STRAVA_SANDBOX_CALLBACK_DOMAIN || undefined,
  log: process.env.STRAVA_SANDBOX_QUIET ? undefined : (line) => log('DEBUG', line),
});

log('INFO', `Strava sandbox listening on ${sandbox.url}`);
console.log(`
  Strava sandbox  ${sandbox.url}
  API base        ${sandbox.apiBaseUrl}
  OAuth base      ${sandbox.oauthBaseUrl}
  client_id       ${sandbox.clientId}
  client_secret   ${process.env.STRAVA_SANDBOX_CLIENT_SECRET ? '(from STRAVA_SANDBOX_CLIENT_SECRET)' : '(built-in sandbox default)'}
  demo athlete    ${sandbox.demoAthleteId}
`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) process.exit(130);
  stopping = true;
  log('INFO', `${signal}: stopping the Strava sandbox`);
  sandbox.close().then(
    () => process.exit(0),
    (err: unknown) => {
      log('ERROR', `sandbox did not close cleanly: ${String(err)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
