// End to end over real parts: sandbox push -> app's POST /webhook -> Pub/Sub emulator -> push to the Functions Framework running processStravaEvent -> PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PubSub } from '@google-cloud/pubsub';
import { upsertConnectedAthlete } from '../../shared/athletes/store.js';
import { createPubSubBus, type PubSubBus } from '../../shared/platform/pubsub-bus.js';
import { listDeadLetters, replayDeadLetters } from '../../shared/platform/replay.js';
import { ensureEventsTopology } from '../../shared/platform/topology.js';
import { createLogger } from '../../shared/log.js';
import { ensureSubscription } from '../../shared/strava/subscriptions.js';
import { createTokenCipher } from '../../shared/tokens/cipher.js';
import { saveTokens } from '../../shared/tokens/store.js';
import { type FunctionServer, serveFunction } from '../helpers/function-server.js';
import { startPubSubEmulator, startTcpProxy, type Emulator, type TcpProxy } from '../helpers/pubsub-emulator.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { productEnvironment } from '../helpers/environment.js';
import { until } from '../helpers/until.js';
import { sandboxControl } from '../helpers/sandbox-control.js';

const PROJECT = 'trainingroom-test';
const VERIFY_TOKEN = randomBytes(12).toString('hex');
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

describe('webhook events through Pub/Sub to the processor function', () => {
  let emulator: Emulator;
  let client: PubSub;
  let bus: PubSubBus;
  let stack: TestStack;
  let proxy: TcpProxy;
  let functionServer: FunctionServer | undefined;
  let closeFunctionRuntime: () => Promise<void>;
  let athleteId: number;
  const savedEnv = { ...process.env };

  const control = (method: string, path: string, body?: unknown) => sandboxControl(stack.sandbox.url, method, path, body);

  const activity = async (id: number) =>
    (await stack.db.pool.query<{ name: string; private: boolean }>('select name, private from activities where id = $1::bigint', [id])).rows[0];
  const eventStatus = async (id: number, aspect: string) =>
    (
      await stack.db.pool.query<{ status: string; attempts: number }>(
        `select status, attempts from webhook_events where object_id = $1::bigint and aspect_type = $2::text order by id desc limit 1`,
        [id, aspect],
      )
    ).rows[0];

  before(async () => {
    emulator = await startPubSubEmulator();
    client = new PubSub({ projectId: PROJECT, apiEndpoint: emulator.host, emulatorMode: true });
    const log = createLogger({ format: 'json', level: 'error', write: () => undefined });
    bus = await createPubSubBus({ projectId: PROJECT, log, emulatorHost: emulator.host });
    stack = await startTestStack({
      bus,
      sandbox: { webhooks: { retryDelayMs: () => 200 } },
      env: { STRAVA_VERIFY_TOKEN: VERIFY_TOKEN, TOKEN_ENCRYPTION_KEY: ENCRYPTION_KEY },
    });

    // The function reaches the same database through a proxy the test can cut.
    const dbUrl = new URL(stack.db.url);
    proxy = await startTcpProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
    dbUrl.hostname = '127.0.0.1';
    dbUrl.port = String(proxy.port);
    // What Terraform sets for the function, pointed at local parts; its runtime is built from this on the first event.
    delete process.env.GOOGLE_CLOUD_PROJECT;
    Object.assign(process.env, productEnvironment({ sandbox: stack.sandbox, databaseUrl: dbUrl.toString(), encryptionKey: ENCRYPTION_KEY }), {
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'error',
    });
    // The deployed entry point, registrations and all.
    await import('../../functions/index.js');
    ({ closeProcessStravaEventRuntime: closeFunctionRuntime } = await import('../../functions/process-strava-event.js'));
    functionServer = await serveFunction('processStravaEvent');
    const functionUrl = functionServer.origin;

    // Terraform's topology, with five delivery attempts and short backoff so the test does not wait minutes.
    await ensureEventsTopology(client, {
      projectId: PROJECT,
      processorUrl: functionUrl,
      maxDeliveryAttempts: 5,
      minimumBackoffSeconds: 1,
      maximumBackoffSeconds: 2,
    });

    athleteId = stack.sandbox.demoAthleteId;
    const issued = stack.sandbox.issueTokens(athleteId, ['read', 'activity:read_all']);
    await upsertConnectedAthlete(stack.db.pool, { id: athleteId, firstname: 'Demo', lastname: 'Athlete' }, ['read', 'activity:read_all']);
    await saveTokens(stack.db.pool, createTokenCipher(ENCRYPTION_KEY), athleteId, {
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      expiresAt: new Date(issued.expires_at * 1000),
    });
    // Through Strava's validation round trip against the running app.
    await ensureSubscription(stack.deps.stravaApplication, `${stack.baseUrl}/webhook`, VERIFY_TOKEN);
  });

  after(async () => {
    await stack?.sandbox.webhooksIdle().catch(() => undefined);
    await functionServer?.close();
    await closeFunctionRuntime?.();
    await stack?.close();
    await bus?.close();
    await client?.close();
    await proxy?.close();
    await emulator?.close();
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  });

  it('an activity recorded at Strava shows up in the database within seconds; edits and deletion follow', async () => {
    const { activity: created } = await control('POST', `/athletes/${athleteId}/activities`, {
      name: 'Pipeline Run',
      sport_type: 'Run',
      distance: 8000,
      moving_time: 2400,
      start_date: new Date(Date.now() - 3_600_000).toISOString(),
    });
    const id = created.id as number;
    assert.equal((await until('the create to be applied', () => activity(id)))?.name, 'Pipeline Run');

    await control('PUT', `/activities/${id}`, { name: 'Pipeline Run (renamed)', private: true });
    await until('the update to be applied', async () => (await activity(id))?.name === 'Pipeline Run (renamed)');
    assert.equal((await activity(id))?.private, true);

    await control('DELETE', `/activities/${id}`);
    await until('the delete to be applied', async () => (await activity(id)) === undefined);
    assert.equal((await eventStatus(id, 'delete'))?.status, 'processed');
  });

  it('an event the processor fails five times goes to the dead-letter topic, and a replay applies it', async () => {
    // Strava answers 503 to every fetch of this activity: each delivery throws, Pub/Sub redelivers with backoff.
    stack.sandbox.failNext({ method: 'GET', pathPrefix: '/activities' }, 503, 1000);
    const { activity: created } = await control('POST', `/athletes/${athleteId}/activities`, {
      name: 'Dead Letter Ride',
      sport_type: 'Ride',
      distance: 30_000,
      moving_time: 3600,
      start_date: new Date(Date.now() - 7_200_000).toISOString(),
    });
    const id = created.id as number;
    const letters = await until(
      'the message on the dead-letter topic',
      async () => {
        const found = await listDeadLetters(client, { idleMs: 1500 });
        return found.some((letter) => JSON.parse(letter.data).object_id === id) ? found : undefined;
      },
      60_000,
    );
    const letter = letters.find((l) => JSON.parse(l.data).object_id === id)!;
    assert.equal(letter.attributes.CloudPubSubDeadLetterSourceDeliveryCount, '5');
    assert.deepEqual(await eventStatus(id, 'create'), { status: 'retrying', attempts: 5 });
    assert.equal(await activity(id), undefined);

    // The operator fixes the cause and replays (npm run events:replay).
    stack.sandbox.failNext({ method: 'GET', pathPrefix: '/activities' }, 503, 0);
    const replayed = await until('the replay to find the dead letter', async () => {
      const done = await replayDeadLetters(client, { idleMs: 1500 });
      return done.length > 0 ? done : undefined;
    });
    assert.ok(replayed.some((l) => JSON.parse(l.data).object_id === id));
    assert.equal((await until('the replayed create to be applied', () => activity(id)))?.name, 'Dead Letter Ride');
    assert.equal((await eventStatus(id, 'create'))?.status, 'processed');
  });

  it('the database going away mid-run loses no event: Pub/Sub redelivers once it is back', async () => {
    proxy.cut();
    const ids: number[] = [];
    for (const name of ['Offline one', 'Offline two', 'Offline three']) {
      const { activity: created } = await control('POST', `/athletes/${athleteId}/activities`, {
        name,
        sport_type: 'Walk',
        distance: 2000,
        moving_time: 1500,
        start_date: new Date(Date.now() - 86_400_000).toISOString(),
      });
      ids.push(created.id as number);
    }
    // The receiver never needed the database: every push was answered 200 and published.
    await stack.sandbox.webhooksIdle();
    for (const id of ids) {
      const delivery = stack.sandbox.webhookDeliveries.find((d) => d.event.object_id === id && d.event.aspect_type === 'create');
      assert.equal(delivery?.delivered, true);
    }
    // The processor tried and failed while the database was unreachable.
    await until('a delivery to fail against the missing database', async () => proxy.refused > 0);
    for (const id of ids) assert.equal(await activity(id), undefined);

    proxy.restore();
    for (const id of ids) await until(`activity ${id} after the database came back`, () => activity(id));
    for (const id of ids) assert.equal((await eventStatus(id, 'create'))?.status, 'processed');
  });
});
