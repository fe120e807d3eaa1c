// `npm start`: the whole product on a laptop — local Strava sandbox, embedded PostgreSQL, migrations, the app.
import { existsSync } from 'node:fs';
import { createApp } from '../app/app.js';
import { subscriptionCache } from '../app/routes/webhook.js';
import { closeServer, listen } from '../app/serve.js';
import { createArchiveStore } from '../shared/platform/archive-stores.js';
import { loadConfig } from '../shared/platform/config.js';
import { migrate } from '../shared/db/index.js';
import { fromRoot } from '../shared/paths.js';
import { createBus } from '../shared/platform/pubsub-bus.js';
import { createRuntime } from '../shared/platform/runtime.js';
import { createServices, subscribeHandlers } from '../shared/services.js';
import { describeStravaRefusal, ensureSubscription, webhookCallbackUrl } from '../shared/strava/index.js';
import { loadSecrets } from '../shared/platform/secrets.js';
import { ensureDevSecrets } from './secrets.js';
import { startSandbox, type Sandbox } from './sandbox/server.js';
import { type ChatWebhookStandIn, startChatWebhookStandIn } from './chat-webhooks/server.js';
import { startOpenAIStub, type OpenAIStub } from './openai-stub/server.js';
import { startTelegramStandIn, type TelegramStandIn } from './telegram/server.js';
import { startTokenTimer } from './token-timer.js';
import { telegramWebhookUrl } from '../shared/telegram/index.js';

// Cloud Scheduler calls update_tokens every 30 minutes in production; the laptop does the same on a timer.
const TOKEN_JOB_INTERVAL_MS = 30 * 60_000;

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

  // Slack and Discord cannot be reached from a laptop: a stand-in answers as they do, with a page of what was posted,
  // and a webhook of each ready to paste into settings.
  let chatHooks: ChatWebhookStandIn | undefined;
  if (!env.SLACK_WEBHOOK_BASE_URL && !env.DISCORD_WEBHOOK_BASE_URL) {
    chatHooks = await startChatWebhookStandIn({ port: Number(env.CHAT_WEBHOOKS_PORT || 8093) });
    env.SLACK_WEBHOOK_BASE_URL = chatHooks.baseUrl;
    env.DISCORD_WEBHOOK_BASE_URL = chatHooks.baseUrl;
    chatHooks.createHook('slack');
    chatHooks.createHook('discord');
  }

  // AI notes stay off unless configured; OPENAI_BASE_URL=stub serves them from the local stand-in instead.
  let openai: OpenAIStub | undefined;
  if (env.OPENAI_BASE_URL === 'stub') {
    openai = await startOpenAIStub();
    env.OPENAI_BASE_URL = openai.baseUrl;
    env.OPENAI_API_KEY ||= openai.apiKey;
  }

  // The Telegram bot talks to a local Bot API stand-in unless a real bot is configured; its chat page is the phone.
  let telegram: TelegramStandIn | undefined;
  if (!env.TELEGRAM_BOT_TOKEN) {
    telegram = await startTelegramStandIn({ port: Number(env.TELEGRAM_PORT || 8092), botUsername: 'TrainingRoomBot' });
    env.TELEGRAM_BOT_TOKEN = telegram.token;
    env.TELEGRAM_API_BASE_URL = telegram.baseUrl;
    env.TELEGRAM_LINK_BASE_URL = telegram.url;
    env.TELEGRAM_BOT_USERNAME = telegram.botUsername;
  }

  const config = loadConfig(env);
  const secrets = await loadSecrets({ env });
  const runtime = await createRuntime(config, secrets);
  const applied = await migrate(runtime.pool);
  if (applied.length > 0) runtime.log.info(`Applied migrations ${applied.join(', ')}`);

  // Webhook events, history imports and archive uploads go through the in-process bus to the handlers the functions
  // run, and a long import queues its next slice there too (or through Pub/Sub when GOOGLE_CLOUD_PROJECT is set, e.g.
  // with the emulator and processors of its own). A folder in .data/ stands in for the upload bucket, and its
  // "notification" goes through the same bus.
  const services = createServices(runtime, await createBus(config, { log: runtime.log }), { archiveStore: await createArchiveStore(config) });
  subscribeHandlers(services);
  // This machine only, unless HOST says otherwise: the laptop stack has a demo athlete and generated secrets.
  const { server, port } = await listen(createApp(services), config.port, config.host ?? '127.0.0.1');

  // Paused and stalled imports (history and archive) are resumed through the bus, as the deployed job publishes to their topics.
  const tokenTimer = startTokenTimer(services, TOKEN_JOB_INTERVAL_MS);

  // The sandbox pushes events to the app once subscribed, through the same validation round trip as Strava's.
  let liveUpdates = 'off (subscribe with npm run strava:subscription -- create)';
  if (sandbox) {
    const callbackUrl = webhookCallbackUrl(config.publicBaseUrl, secrets.webhookPathSecret);
    try {
      await ensureSubscription(services.stravaApplication, callbackUrl, secrets.webhookVerifyToken ?? '', { recreate: true }, runtime.pool);
      await subscriptionCache(services).invalidate();
      liveUpdates = `on: the sandbox pushes webhook events (try POST ${sandbox.url}/sandbox/athletes/${sandbox.demoAthleteId}/activities)`;
    } catch (error) {
      liveUpdates = `off: subscribing to the sandbox failed: ${describeStravaRefusal(error)}`;
    }
  }
  // The stand-in delivers updates to the app as Telegram does: to the secret path, with the secret header.
  let chat = 'off (set TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_USERNAME, then npm run telegram:webhook -- set)';
  if (telegram && services.telegram && secrets.telegramWebhookSecret) {
    const appUrl = `http://127.0.0.1:${port}`;
    await services.telegram.setWebhook({ url: telegramWebhookUrl(appUrl, secrets.telegramWebhookSecret), secretToken: secrets.telegramWebhookSecret });
    chat = `local Telegram stand-in, chat as the demo athlete at ${telegram.url}`;
  } else if (services.telegram) {
    chat = `@${config.telegram.botUsername ?? '?'} (manage its webhook with npm run telegram:webhook)`;
  }
  const url = config.publicBaseUrl;
  const database = config.database.kind === 'embedded' ? `embedded PostgreSQL in ${config.database.dataDir}` : 'PostgreSQL from DATABASE_URL';
  const strava = sandbox ? `local Strava sandbox at ${sandbox.url} (demo athlete ready)` : `Strava at ${config.strava.apiBaseUrl}`;
  process.stdout.write(
    `${[
      '',
      `  Training Room is running: ${url}`,
      `  · database: ${database}`,
      `  · strava:   ${strava}`,
      `  · AI notes: ${openai ? `local stand-in at ${openai.baseUrl}` : secrets.openaiApiKey ? `OpenAI-compatible API at ${config.openaiBaseUrl ?? 'https://api.openai.com/v1'}` : 'off (set OPENAI_API_KEY, or OPENAI_BASE_URL=stub for the local stand-in)'}`,
      `  · live updates: ${liveUpdates}`,
      `  · telegram: ${chat}`,
      `  · chat webhooks: ${chatHooks ? `Slack/Discord stand-in at ${chatHooks.baseUrl} (webhook URLs to paste, and what was posted)` : `Slack ${config.delivery.slackWebhookBaseUrl ?? 'https://hooks.slack.com'}, Discord ${config.delivery.discordWebhookBaseUrl ?? 'https://discord.com'}`}`,
      `  · app port: ${port}`,
      `  · Node.js:  ${process.version}`,
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n')}\n`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await closeServer(server);
    await tokenTimer.stop();
    await services.close();
    await sandbox?.close();
    await chatHooks?.close();
    await openai?.close();
    await telegram?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  const err = error as NodeJS.ErrnoException;
  if (err?.code === 'EADDRINUSE') {
    process.stderr.write(`Cannot start: a port is already in use (${err.message}). Set PORT, STRAVA_SANDBOX_PORT or TELEGRAM_PORT to free ones.\n`);
  } else {
    process.stderr.write(`Cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof Error && err.cause) process.stderr.write(`  cause: ${String((err.cause as Error).message ?? err.cause)}\n`);
  }
  process.exit(1);
});
