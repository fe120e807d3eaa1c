// The backfill CloudEvent function through the Functions Framework: a Pub/Sub push at the subscription's path imports the history.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getImportProgress, requestImport } from '../../shared/imports/store.js';
import { activityStats, seedAthlete, startWorld, TOKEN_TTL_SECONDS, type World } from '../harness.js';
import { useProductEnvironment } from '../helpers/environment.js';
import { type FunctionServer, serveFunction } from '../helpers/function-server.js';

let world: World;
let server: FunctionServer;
let url: string;

before(async () => {
  // The function's budget runs on the real clock; the sandbox's tokens are issued on it too.
  world = await startWorld({ now: () => new Date(), accessTokenTtlSeconds: TOKEN_TTL_SECONDS }, { movableClock: true });
  useProductEnvironment({ sandbox: world.sandbox, databaseUrl: world.db.url, encryptionKey: world.encryptionKey });
  await import('../../functions/index.js');
  server = await serveFunction('backfill');
  url = `${server.origin}/projects/test-project/topics/strava-backfill`;
});

after(async () => {
  await server.close();
  const { closeBackfillRuntime } = await import('../../functions/backfill.js');
  await closeBackfillRuntime();
  await world.close();
});

function push(data: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      subscription: 'projects/test-project/subscriptions/strava-backfill-to-backfill',
      message: { data: Buffer.from(JSON.stringify(data)).toString('base64'), messageId: '7', publishTime: new Date().toISOString(), attributes: {} },
    }),
  });
}

test("a pushed request imports the athlete's history and is acknowledged", async () => {
  const { athleteId } = await seedAthlete(world, { activities: 420 });
  await requestImport(world.db.pool, athleteId);
  const response = await push({ athleteId, reason: 'connect' });
  assert.ok(response.status < 300, `status ${response.status}`);
  assert.equal((await activityStats(world.db.pool, athleteId)).count, 420);
  assert.equal((await getImportProgress(world.db.pool, athleteId))?.status, 'done');
});

test('a malformed request is acknowledged, not retried', async () => {
  const response = await push({ hello: 'world' });
  assert.ok(response.status < 300, `status ${response.status}`);
});

test('a passing failure answers an error, so Pub/Sub redelivers', async (t) => {
  t.mock.method(console, 'error', () => {});
  const { athleteId } = await seedAthlete(world, { activities: 50 });
  await requestImport(world.db.pool, athleteId);
  world.sandbox.failNext({ method: 'GET', pathPrefix: '/athlete/activities' }, 503, 3);
  const failed = await push({ athleteId });
  assert.ok(failed.status >= 500, `status ${failed.status}`);
  const retried = await push({ athleteId });
  assert.ok(retried.status < 300);
  assert.equal((await activityStats(world.db.pool, athleteId)).count, 50);
});
