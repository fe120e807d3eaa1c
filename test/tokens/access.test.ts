// getAccessToken against real PostgreSQL and the Strava sandbox: one refresh per athlete however many ask, and every failure kind.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { upsertConnectedAthlete } from '../../shared/athletes/store.js';
import { StravaClient } from '../../shared/strava/client.js';
import { getAccessToken, ReconnectRequiredError, TokenRefreshError } from '../../shared/tokens/access.js';
import { loadTokens, saveTokens } from '../../shared/tokens/store.js';
import { athleteStatus, claimState, createInstance, linesWithSecrets, SCOPES, seedAthlete, startWorld, tokenWorks, type World } from '../harness.js';

let world: World;

before(async () => {
  world = await startWorld({ latencyMs: 20 });
});
after(() => world.close());

const HALF_HOUR = 30 * 60;
const SIX_HOURS = 6 * 3600;

test('50 concurrent requests in one instance for an expiring token make exactly one refresh, and all get the new token', async () => {
  const instance = world.instance();
  const { athleteId, accessToken: old } = await seedAthlete(world, { expiresInSeconds: HALF_HOUR });
  const before = world.sandbox.counters.tokenRefreshes;

  const tokens = await Promise.all(Array.from({ length: 50 }, () => getAccessToken(instance, athleteId)));

  assert.equal(world.sandbox.counters.tokenRefreshes - before, 1);
  assert.equal(new Set(tokens).size, 1);
  assert.notEqual(tokens[0], old, 'an hour or less left: Strava rotates');
  assert.ok(await tokenWorks(instance, tokens[0]!, athleteId));
  const stored = await loadTokens(world.db.pool, world.cipher, athleteId);
  assert.equal(stored?.accessToken, tokens[0]);
  assert.ok(stored!.expiresAt.getTime() > Date.now() + 5 * 3600_000);
  assert.equal((await claimState(world.db.pool, athleteId)).claimed, false, 'claim released');
  assert.deepEqual(linesWithSecrets(instance.logLines, [old, tokens[0]!]), []);
});

test('50 concurrent requests spread over five instances (own pools, no shared memory) make exactly one refresh', async () => {
  const instances = Array.from({ length: 5 }, () => world.instance({ poolMax: 4 }));
  const { athleteId, accessToken: old } = await seedAthlete(world, { expiresInSeconds: HALF_HOUR });
  const before = world.sandbox.counters.tokenRefreshes;

  const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => getAccessToken(instances[i % 5]!, athleteId)));

  assert.equal(world.sandbox.counters.tokenRefreshes - before, 1, 'the Postgres claim lets one instance refresh');
  assert.deepEqual(
    instances.flatMap((i) => i.traffic.refreshes.map((r) => r.status)),
    [200],
  );
  assert.equal(new Set(tokens).size, 1);
  assert.notEqual(tokens[0], old);
  assert.ok(await tokenWorks(instances[0]!, tokens[0]!, athleteId));
});

test('a token with more than an hour left is returned as stored, without asking Strava', async () => {
  const instance = world.instance();
  const { athleteId, accessToken } = await seedAthlete(world, { expiresInSeconds: SIX_HOURS });
  const before = world.sandbox.counters.tokenRefreshes;
  assert.equal(await getAccessToken(instance, athleteId), accessToken);
  assert.equal(world.sandbox.counters.tokenRefreshes, before);
});

test('a 429 on refresh marks nothing and, while the current token still lives, hands it out', async () => {
  const instance = world.instance();
  const { athleteId, accessToken } = await seedAthlete(world, { expiresInSeconds: HALF_HOUR });
  world.sandbox.failNext({ method: 'POST', pathPrefix: '/oauth/token' }, 429, 1);

  assert.equal(await getAccessToken(instance, athleteId), accessToken);
  assert.deepEqual(await athleteStatus(world.db.pool, athleteId), { status: 'connected', reason: null });
  assert.equal((await claimState(world.db.pool, athleteId)).claimed, false, 'claim released for the next try');

  // The next call refreshes for real.
  const fresh = await getAccessToken(instance, athleteId);
  assert.notEqual(fresh, accessToken);
  assert.ok(await tokenWorks(instance, fresh, athleteId));
});

test('a 5xx on refresh of a token about to expire throws a transient error and marks nothing', async () => {
  const instance = world.instance();
  const { athleteId } = await seedAthlete(world, { expiresInSeconds: 30 });
  // The client retries a 5xx twice: fail all three attempts.
  world.sandbox.failNext({ method: 'POST', pathPrefix: '/oauth/token' }, 503, 3);

  await assert.rejects(getAccessToken(instance, athleteId), (error: unknown) => error instanceof TokenRefreshError && error.transient);
  assert.deepEqual(await athleteStatus(world.db.pool, athleteId), { status: 'connected', reason: null });
  assert.equal((await claimState(world.db.pool, athleteId)).claimed, false);
  assert.ok(await tokenWorks(instance, await getAccessToken(instance, athleteId), athleteId), 'recovers once Strava does');
});

test('an athlete who revoked access at Strava is marked disconnected, asked to reconnect, and not refreshed again', async () => {
  const instance = world.instance();
  const { athleteId, accessToken } = await seedAthlete(world, { expiresInSeconds: HALF_HOUR });
  await instance.strava.revoke(accessToken, 'access_token');
  const before = world.sandbox.counters.tokenRefreshes;

  await assert.rejects(getAccessToken(instance, athleteId), ReconnectRequiredError);
  assert.deepEqual(await athleteStatus(world.db.pool, athleteId), { status: 'disconnected', reason: 'refresh_token_rejected' });
  assert.equal(world.sandbox.counters.tokenRefreshes - before, 1);

  await assert.rejects(getAccessToken(instance, athleteId), ReconnectRequiredError);
  assert.equal(world.sandbox.counters.tokenRefreshes - before, 1, 'no further refresh attempts');

  // Reconnecting through OAuth stores a new grant's tokens and sets the athlete connected again (what connect does).
  const issued = world.sandbox.issueTokens(athleteId, SCOPES, { expiresInSeconds: SIX_HOURS });
  await upsertConnectedAthlete(world.db.pool, { id: athleteId, firstname: 'Test', lastname: 'Again' }, SCOPES);
  await saveTokens(world.db.pool, world.cipher, athleteId, {
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: new Date(issued.expires_at * 1000),
  });
  assert.equal(await getAccessToken(instance, athleteId), issued.access_token);
  assert.equal((await athleteStatus(world.db.pool, athleteId)).status, 'connected');
});

test('a 401 on refresh marks the athlete disconnected', async () => {
  const instance = world.instance();
  const { athleteId } = await seedAthlete(world, { expiresInSeconds: HALF_HOUR });
  world.sandbox.failNext({ method: 'POST', pathPrefix: '/oauth/token' }, 401, 1);
  await assert.rejects(getAccessToken(instance, athleteId), ReconnectRequiredError);
  assert.deepEqual(await athleteStatus(world.db.pool, athleteId), { status: 'disconnected', reason: 'strava_unauthorized' });
});

test('a 401 about our own client secret is our fault: nobody is marked disconnected', async () => {
  const good = world.instance();
  const misconfigured = await createInstance(world.sandbox, world.db.url, world.encryptionKey);
  const strava = new StravaClient({
    apiBaseUrl: world.sandbox.apiBaseUrl,
    oauthBaseUrl: world.sandbox.oauthBaseUrl,
    clientId: world.sandbox.clientId,
    clientSecret: 'not-the-secret',
  });
  const { athleteId } = await seedAthlete(world, { expiresInSeconds: 30 });
  try {
    await assert.rejects(getAccessToken({ ...misconfigured, strava }, athleteId), (error: unknown) => error instanceof TokenRefreshError && !error.transient);
    assert.deepEqual(await athleteStatus(world.db.pool, athleteId), { status: 'connected', reason: null });
    assert.ok(await tokenWorks(good, await getAccessToken(good, athleteId), athleteId), 'the refresh token was never spent');
  } finally {
    await misconfigured.close();
  }
});

test('unknown athletes and athletes without tokens must (re)connect', async () => {
  const instance = world.instance();
  await assert.rejects(
    getAccessToken(instance, 999_999_999),
    (error: unknown) => error instanceof ReconnectRequiredError && error.reason === 'unknown_athlete',
  );
  await upsertConnectedAthlete(world.db.pool, { id: 999_999_998, firstname: 'No', lastname: 'Tokens' }, SCOPES);
  await assert.rejects(getAccessToken(instance, 999_999_998), (error: unknown) => error instanceof ReconnectRequiredError && error.reason === 'no_tokens');
});
