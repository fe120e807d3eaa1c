// Delivery end to end over real parts: an event published to strava-events -> the Pub/Sub emulator -> processStravaEvent
// (Functions Framework) -> PostgreSQL and a notice on activity-deliveries -> deliverActivities -> the Telegram and
// Slack stand-ins; a destination that keeps failing ends in the dead-letter topic, and a replay delivers it once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubSub } from '@google-cloud/pubsub';
import { type ChatWebhookStandIn, startChatWebhookStandIn } from '../../dev/chat-webhooks/server.js';
import { startSandbox, type Sandbox } from '../../dev/sandbox/server.js';
import { startTelegramStandIn, type TelegramStandIn } from '../../dev/telegram/server.js';
import { upsertConnectedAthlete } from '../../shared/athletes/index.js';
import { connectWebhook, enableTelegramDestination, webhookOrigins } from '../../shared/delivery/index.js';
import { createLogger } from '../../shared/log.js';
import { createPubSubBus, type PubSubBus } from '../../shared/platform/pubsub-bus.js';
import { listDeadLetters, replayDeadLetters } from '../../shared/platform/replay.js';
import { ensureEventsTopology } from '../../shared/platform/topology.js';
import { createStartCode, redeemStartCode } from '../../shared/telegram/index.js';
import { createTokenCipher, saveTokens } from '../../shared/tokens/index.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { useProductEnvironment } from '../helpers/environment.js';
import { startPubSubEmulator, type Emulator } from '../helpers/pubsub-emulator.js';
import { until } from '../helpers/until.js';

const PROJECT = 'trainingroom-delivery-test';
const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const DELIVERIES = 'activity-deliveries';

describe('new activities through Pub/Sub to the delivery function', () => {
  let emulator: Emulator;
  let client: PubSub;
  let bus: PubSubBus;
  let sandbox: Sandbox;
  let db: TestDatabase;
  let hooks: ChatWebhookStandIn;
  let telegram: TelegramStandIn;
  const servers: Server[] = [];
  const closers: (() => Promise<void>)[] = [];
  const savedEnv = { ...process.env };
  let athleteId: number;
  let slack: string;
  const chatId = 910_001;

  async function serve(name: string): Promise<string> {
    const server = getTestServer(name);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function recordActivity(name: string): Promise<number> {
    const res = await fetch(`${sandbox.url}/sandbox/athletes/${athleteId}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, sport_type: 'Ride', distance: 30_000, moving_time: 3600, start_date: new Date(Date.now() - 7_200_000).toISOString() }),
    });
    const { activity, event } = (await res.json()) as { activity: { id: number }; event: Record<string, unknown> };
    // What the app's receiver publishes for Strava's push.
    await bus.publish('strava-events', { ...event, subscription_id: 1 });
    return activity.id;
  }

  const slackTexts = () => hooks.visible(slack).map((m) => m.text.split('\n')[0]);
  const telegramTitles = () => telegram.botMessages(chatId).map((m) => m.text.split('\n')[0]);

  before(async () => {
    emulator = await startPubSubEmulator();
    client = new PubSub({ projectId: PROJECT, apiEndpoint: emulator.host, emulatorMode: true });
    bus = await createPubSubBus({
      projectId: PROJECT,
      log: createLogger({ format: 'json', level: 'error', write: () => undefined }),
      emulatorHost: emulator.host,
    });
    sandbox = await startSandbox({ port: 0, rateLimits: { overall: [1e5, 1e5], read: [1e5, 1e5] } });
    db = await freshDatabase();
    hooks = await startChatWebhookStandIn({ port: 0 });
    telegram = await startTelegramStandIn({ port: 0 });

    // What Terraform sets for the functions, pointed at local parts; secrets in the environment, so Secret Manager is never asked.
    useProductEnvironment(
      { sandbox, databaseUrl: db.url, encryptionKey: ENCRYPTION_KEY },
      {
        GOOGLE_CLOUD_PROJECT: PROJECT,
        PUBSUB_EMULATOR_HOST: emulator.host,
        DATABASE_PASSWORD: 'unused-with-database-url',
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_BASE_URL: telegram.baseUrl,
        SLACK_WEBHOOK_BASE_URL: hooks.baseUrl,
        DISCORD_WEBHOOK_BASE_URL: hooks.baseUrl,
      },
    );
    await import('../../functions/index.js');
    const processor = await import('../../functions/process-strava-event.js');
    const deliverer = await import('../../functions/deliver-activities.js');
    closers.push(processor.closeProcessStravaEventRuntime, deliverer.closeDeliverActivitiesRuntime);
    const topologyTiming = { maxDeliveryAttempts: 5, minimumBackoffSeconds: 1, maximumBackoffSeconds: 2 };
    await ensureEventsTopology(client, { projectId: PROJECT, processorUrl: await serve('processStravaEvent'), ...topologyTiming });
    await ensureEventsTopology(client, { projectId: PROJECT, processorUrl: await serve('deliverActivities'), topic: DELIVERIES, ...topologyTiming });

    athleteId = sandbox.demoAthleteId;
    const issued = sandbox.issueTokens(athleteId, ['read', 'activity:read_all']);
    await upsertConnectedAthlete(db.pool, { id: athleteId, firstname: 'Demo', lastname: 'Athlete' }, ['read', 'activity:read_all']);
    const cipher = createTokenCipher(ENCRYPTION_KEY);
    await saveTokens(db.pool, cipher, athleteId, {
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      expiresAt: new Date(issued.expires_at * 1000),
    });
    // The athlete links Telegram and pastes a Slack webhook in settings.
    const code = await createStartCode(db.pool, athleteId);
    await telegram.userSays(chatId, `/start ${code}`);
    await redeemStartCode(db.pool, code, { chatId, title: 'demo' });
    await enableTelegramDestination(db.pool, athleteId);
    slack = hooks.createHook('slack');
    await connectWebhook({ pool: db.pool, cipher, origins: webhookOrigins({ slack: hooks.baseUrl }) }, athleteId, 'slack', slack, 'en');
  });

  after(async () => {
    for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const close of closers) await close().catch(() => undefined);
    await bus?.close();
    await client?.close();
    await emulator?.close();
    await hooks?.close();
    await telegram?.close();
    await sandbox?.close();
    await db?.close();
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  });

  it('a new activity reaches the Telegram chat and the Slack channel once each', async () => {
    await recordActivity('Pipeline Ride');
    await until('the Slack message', () => slackTexts().includes('*Pipeline Ride*'));
    await until('the Telegram message', () => telegramTitles().includes('<b>Pipeline Ride</b>'));
    // Pub/Sub's at-least-once delivery and the processor's own publish never double a message.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(slackTexts().filter((t) => t === '*Pipeline Ride*').length, 1);
    assert.equal(telegramTitles().filter((t) => t === '<b>Pipeline Ride</b>').length, 1);
  });

  it('a destination failing on every attempt ends in the dead-letter topic; the replay posts it once', async () => {
    hooks.failNext(slack, 1000, 503);
    await recordActivity('Dead Letter Ride');
    // The other destination is not held back by the failing one.
    await until('the Telegram message', () => telegramTitles().includes('<b>Dead Letter Ride</b>'));
    const letters = await until(
      'the notice on the dead-letter topic',
      async () => {
        const found = await listDeadLetters(client, { topic: DELIVERIES, idleMs: 1500 });
        return found.length > 0 ? found : undefined;
      },
      60_000,
    );
    assert.equal(letters[0]!.attributes.CloudPubSubDeadLetterSourceDeliveryCount, '5');
    assert.equal(JSON.parse(letters[0]!.data).change, 'created');
    assert.ok(!slackTexts().includes('*Dead Letter Ride*'));

    // The operator sees Slack is back and runs npm run events:replay -- --topic activity-deliveries.
    hooks.failNext(slack, 0, 503);
    const replayed = await until('the replay', async () => {
      const done = await replayDeadLetters(client, { topic: DELIVERIES, idleMs: 1500 });
      return done.length > 0 ? done : undefined;
    });
    assert.equal(replayed.length, 1);
    await until('the replayed Slack message', () => slackTexts().includes('*Dead Letter Ride*'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(slackTexts().filter((t) => t === '*Dead Letter Ride*').length, 1);
    assert.equal(telegramTitles().filter((t) => t === '<b>Dead Letter Ride</b>').length, 1);
  });
});
