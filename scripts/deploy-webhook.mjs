// `node scripts/deploy-webhook.mjs`: subscribes the deployed site to Strava's webhook events, unless the application has a subscription already.
//
// Runs `npm run strava:subscription` with what it needs from `terraform output` (the Client ID, the site's
// public URL, the project whose Secret Manager holds the Client Secret, verify token and webhook path secret),
// read with the operator's own credentials. Strava validates the callback against the running app, so deploy
// the app first. Safe to run again: an existing subscription is shown and left alone.
//
// With --telegram it points the Telegram bot's webhook at the site instead (`npm run telegram:webhook -- set`, the
// same environment; the bot's token and webhook secret come from Secret Manager).
//
// Usage: node scripts/deploy-webhook.mjs [--outputs FILE] [--telegram]
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DeployError, exitOnError, output, readOutputs, ROOT } from './deploy-lib.mjs';

/** The environment strava:subscription reads, from terraform output. */
export function subscriptionEnvironment(outputs) {
  const env = output(outputs, 'app_engine_env_variables');
  return {
    GOOGLE_CLOUD_PROJECT: output(outputs, 'project_id'),
    STRAVA_CLIENT_ID: env.STRAVA_CLIENT_ID,
    PUBLIC_BASE_URL: output(outputs, 'app_url'),
  };
}

function subscription(command, env, script = 'strava:subscription') {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['run', '--silent', script, '--', command], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    shell: process.platform === 'win32',
  });
  process.stdout.write(run.stdout ?? '');
  if (run.status !== 0 && script !== 'strava:subscription') throw new DeployError(`${script} ${command} failed (its message is above).`);
  if (run.status !== 0) {
    throw new DeployError(
      `strava:subscription ${command} failed. A 403 with "Inactive" means the Strava API application needs its owner's Strava subscription (docs/DEPLOY.md, "The Strava side").`,
    );
  }
  return run.stdout ?? '';
}

function main() {
  const { values } = parseArgs({ options: { outputs: { type: 'string' }, telegram: { type: 'boolean' } } });
  const env = subscriptionEnvironment(readOutputs({ from: values.outputs }));
  if (values.telegram) {
    subscription('set', env, 'telegram:webhook');
    return;
  }
  if (/^Subscription \d+/m.test(subscription('view', env))) {
    console.log('The application has a webhook subscription already; nothing to do (npm run strava:subscription -- delete removes it).');
    return;
  }
  subscription('create', env);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main();
  } catch (error) {
    exitOnError(error);
  }
}
