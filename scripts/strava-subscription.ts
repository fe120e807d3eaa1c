// `npm run strava:subscription -- view|create|delete`: the application's one Strava webhook subscription, for operators.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exitOnStartupError } from '../shared/platform/boot.js';
import { ConfigError } from '../shared/platform/config.js';
import { fromRoot } from '../shared/paths.js';
import { loadSecrets, secretManagerStore } from '../shared/platform/secrets.js';
import {
  ApiHostSelector,
  createSubscription,
  deleteSubscription,
  describeStravaRefusal,
  viewSubscription,
  webhookCallbackUrl,
  type SubscriptionClientOptions,
} from '../shared/strava/index.js';

const HELP = `Usage: npm run strava:subscription -- <view|create|delete> [--callback-url URL]

  view     shows the subscription (Strava allows one per application); "list" works too
  create   subscribes <PUBLIC_BASE_URL>/webhook[/<WEBHOOK_PATH_SECRET>] (or --callback-url); Strava first calls
           that URL to validate it, so the app must be running there with the same STRAVA_VERIFY_TOKEN
  delete   removes the subscription, e.g. before pointing it at a new domain

Reads STRAVA_CLIENT_ID, STRAVA_API_BASE_URL, PUBLIC_BASE_URL and the secrets STRAVA_CLIENT_SECRET,
STRAVA_VERIFY_TOKEN and WEBHOOK_PATH_SECRET from the environment (and .env), or from Secret Manager
when GOOGLE_CLOUD_PROJECT is set.`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'callback-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0] === 'list' ? 'view' : positionals[0];
  if (values.help || !command || !['view', 'create', 'delete'].includes(command)) {
    console.log(HELP);
    process.exit(values.help ? 0 : 2);
  }
  if (existsSync(fromRoot('.env'))) process.loadEnvFile(fromRoot('.env'));
  const env = process.env;
  const clientId = env.STRAVA_CLIENT_ID?.trim();
  if (!clientId) throw new ConfigError('STRAVA_CLIENT_ID is missing: the Client ID of your Strava API application.');
  const project = env.GOOGLE_CLOUD_PROJECT?.trim();
  const secrets = await loadSecrets({
    store: project ? await secretManagerStore(project) : undefined,
    only: ['stravaClientSecret', 'webhookVerifyToken', 'webhookPathSecret'],
    need: command === 'create' ? ['stravaClientSecret', 'webhookVerifyToken'] : ['stravaClientSecret'],
  });
  const configuredApiHost = env.STRAVA_API_BASE_URL?.trim();
  const options: SubscriptionClientOptions = {
    // STRAVA_API_BASE_URL when set, else Strava's host schedule (the API moves host on 2027-06-01), as the app chooses.
    apiBaseUrl: new ApiHostSelector(configuredApiHost ? { configured: configuredApiHost } : {}),
    clientId,
    clientSecret: secrets.stravaClientSecret!,
  };

  const existing = await viewSubscription(options);
  if (command === 'view') {
    // The callback URL can hold the path secret: show only its origin and path start.
    console.log(
      existing
        ? `Subscription ${existing.id}: ${redact(existing.callback_url, secrets.webhookPathSecret)} (created ${existing.created_at ?? '?'})`
        : 'No webhook subscription.',
    );
    return;
  }
  if (command === 'delete') {
    if (!existing) {
      console.log('No webhook subscription to delete.');
      return;
    }
    await deleteSubscription(options, existing.id);
    console.log(`Deleted subscription ${existing.id}.`);
    return;
  }
  if (existing) {
    console.error(`A subscription exists already (${existing.id}, ${redact(existing.callback_url, secrets.webhookPathSecret)}); delete it first.`);
    process.exit(1);
  }
  const publicBaseUrl = env.PUBLIC_BASE_URL?.trim();
  const callbackUrl = values['callback-url'] ?? (publicBaseUrl ? webhookCallbackUrl(publicBaseUrl, secrets.webhookPathSecret) : undefined);
  if (!callbackUrl) throw new ConfigError('PUBLIC_BASE_URL (or --callback-url) is missing: where Strava sends the events.');
  try {
    const { id } = await createSubscription(options, callbackUrl, secrets.webhookVerifyToken!);
    console.log(`Created subscription ${id} for ${redact(callbackUrl, secrets.webhookPathSecret)}.`);
  } catch (error) {
    console.error(`Strava refused the subscription: ${describeStravaRefusal(error)}`);
    console.error('Is the app running at that URL, reachable from the internet, with the same STRAVA_VERIFY_TOKEN?');
    process.exit(1);
  }
}

function redact(url: string, secret: string | undefined): string {
  return secret ? url.split(encodeURIComponent(secret)).join('[path secret]').split(secret).join('[path secret]') : url;
}

main().catch(exitOnStartupError);
