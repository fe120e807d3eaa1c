// The update_tokens HTTP function through the Functions Framework: refuses strangers, runs the job, answers its summary.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedAthlete, startWorld, type World } from '../harness.js';
import { jobSummary } from '../harness.js';
import { processWebhookEvent } from '../../shared/events/index.js';
import { useProductEnvironment } from '../helpers/environment.js';
import { type FunctionServer, serveFunction } from '../helpers/function-server.js';
import { sandboxEvent } from '../helpers/sandbox-control.js';

const INVOKER = 'update-tokens-scheduler@example-project.iam.gserviceaccount.com';
let world: World;
let server: FunctionServer;
let url: string;

/** An OIDC-shaped token; the signature is the platform's to check, so a dummy one stands in. */
function jwt(payload: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

const schedulerToken = () => jwt({ email: INVOKER, email_verified: true, aud: 'https://update-tokens', exp: Math.floor(Date.now() / 1000) + 600 });

before(async () => {
  world = await startWorld();
  // The function reads its configuration from the environment on its first call, as it does when deployed.
  useProductEnvironment(
    { sandbox: world.sandbox, databaseUrl: world.db.url, encryptionKey: world.encryptionKey },
    { UPDATE_TOKENS_REQUIRE_AUTH: 'true', UPDATE_TOKENS_INVOKER: INVOKER },
  );
  await import('../../functions/index.js');
  server = await serveFunction('update_tokens');
  url = `${server.origin}/`;
});

after(async () => {
  await server.close();
  const { closeUpdateTokensRuntime } = await import('../../functions/update-tokens.js');
  await closeUpdateTokensRuntime();
  await world.close();
});

const call = (init: RequestInit = {}) => fetch(url, { method: 'POST', ...init });

test('a call without a bearer token is refused with 401, before anything else happens', async () => {
  const before = world.sandbox.counters.tokenRefreshes;
  assert.equal((await call()).status, 401);
  assert.equal((await call({ headers: { authorization: 'Bearer not-a-jwt' } })).status, 401);
  const expired = jwt({ email: INVOKER, exp: Math.floor(Date.now() / 1000) - 60 });
  assert.equal((await call({ headers: { authorization: `Bearer ${expired}` } })).status, 401);
  assert.equal(world.sandbox.counters.tokenRefreshes, before);
});

test('a token for another identity is refused with 403', async () => {
  const stranger = jwt({ email: 'someone@example.com', email_verified: true });
  assert.equal((await call({ headers: { authorization: `Bearer ${stranger}` } })).status, 403);
});

test("the scheduler's call runs the job and answers its summary as JSON", async () => {
  await seedAthlete(world, { expiresInSeconds: 30 * 60 });
  await seedAthlete(world, { expiresInSeconds: 30 * 60 });
  await seedAthlete(world, { expiresInSeconds: 6 * 3600 });
  const response = await call({ headers: { authorization: `Bearer ${schedulerToken()}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const summary = (await response.json()) as Record<string, unknown>;
  assert.deepEqual(
    { ...summary, durationMs: 0 },
    {
      ...jobSummary({ due: 2, refreshed: 2, unchanged: 0, failed: 0, disconnected: 0, skipped: 0 }, { importsResumed: 0, eventsRetried: 0 }),
      effortsSearched: 0,
    },
  );
  assert.equal(typeof summary.durationMs, 'number');

  // Cloud Run's own header for the identity token is read too.
  const again = await call({ headers: { 'x-serverless-authorization': `Bearer ${schedulerToken()}` } });
  assert.equal(again.status, 200);
  assert.equal(((await again.json()) as { due: number }).due, 0);
});

test('an event deferred while Strava paused the application is applied by the next scheduled call', async () => {
  const { athleteId } = await seedAthlete(world);
  const instance = world.instance();
  world.sandbox.setApplication({ status: 'inactive' });
  let event: Awaited<ReturnType<typeof sandboxEvent>>;
  try {
    event = await sandboxEvent(world.sandbox.url, 'POST', `/athletes/${athleteId}/activities`, {
      name: 'Paused ride',
      sport_type: 'Ride',
      distance: 20_000,
      moving_time: 3600,
      start_date: '2025-03-14T12:00:00Z',
    });
    assert.equal((await processWebhookEvent(instance, event)).status, 'deferred');
  } finally {
    world.sandbox.setApplication({ status: 'active' });
  }
  // The pause's retry time passes (moved in the database rather than waited for).
  await world.db.pool.query(`update webhook_events set retry_at = now() - interval '1 second' where status = 'deferred'`);
  const response = await call({ headers: { authorization: `Bearer ${schedulerToken()}` } });
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as { eventsRetried: number }).eventsRetried, 1);
  const { rows } = await world.db.pool.query('select name from activities where id = $1::bigint', [event.object_id]);
  assert.deepEqual(rows, [{ name: 'Paused ride' }]);
});

test('only POST runs the job', async () => {
  const response = await fetch(url, { method: 'GET', headers: { authorization: `Bearer ${schedulerToken()}` } });
  assert.equal(response.status, 405);
});
