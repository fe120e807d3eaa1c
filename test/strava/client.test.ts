// The Strava client against the sandbox over HTTP: errors by kind, bounded retries, rate-limit figures remembered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSandbox, type Sandbox } from '../../dev/sandbox/server.js';
import { StravaClient } from '../../shared/strava/client.js';
import { StravaNotFoundError, StravaRateLimitError, StravaRequestError, StravaServerError, StravaUnauthorizedError } from '../../shared/strava/errors.js';
import type { RateLimitUsage } from '../../shared/strava/types.js';

let sandbox: Sandbox;
let token: string;
const seen: RateLimitUsage[] = [];
let client: StravaClient;

before(async () => {
  sandbox = await startSandbox({ port: 0, rateLimits: { overall: [30, 1000], read: [25, 500] } });
  const issued = sandbox.issueTokens(sandbox.demoAthleteId);
  token = issued.access_token;
  client = new StravaClient({
    apiBaseUrl: sandbox.apiBaseUrl,
    oauthBaseUrl: sandbox.oauthBaseUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    retryDelayMs: () => 1,
    onRateLimit: (usage) => seen.push(usage),
  });
});
after(() => sandbox.close());

test('reads the athlete and a page of activities with the token in the Authorization header', async () => {
  const athlete = await client.getAthlete(token);
  assert.equal(athlete.id, sandbox.demoAthleteId);
  const page = await client.listActivities(token, { page: 1, perPage: 5 });
  assert.equal(page.length, 5);
  assert.ok(page[0]!.start_date >= page[4]!.start_date, 'newest first');
});

test('remembers the rate-limit figures of every answer', () => {
  const last = client.lastRateLimit;
  assert.ok(last);
  assert.equal(last.overall.limit15, 30);
  assert.equal(last.overall.limitDaily, 1000);
  assert.equal(last.read?.limit15, 25);
  assert.ok(last.overall.usage15 >= 2);
  assert.equal(seen.at(-1), last);
});

test('401, 404 and other 4xx become distinct errors, never retried', async () => {
  const before = sandbox.counters.apiRequests;
  await assert.rejects(client.getAthlete('not-a-token'), StravaUnauthorizedError);
  await assert.rejects(client.getActivity(token, 1), StravaNotFoundError);
  assert.equal(sandbox.counters.apiRequests - before, 2);
  await assert.rejects(client.exchangeCode('no-such-code'), (error: unknown) => {
    assert.ok(error instanceof StravaRequestError);
    assert.equal(error.transient, false);
    return true;
  });
});

test('a refresh token that was rotated away is recognised as such', async () => {
  // Ten minutes left: Strava rotates both tokens, and the old refresh token dies at once.
  const expiring = sandbox.issueTokens(sandbox.createAthlete(), undefined, { expiresInSeconds: 600 });
  const rotated = await client.refreshToken(expiring.refresh_token);
  assert.notEqual(rotated.refresh_token, expiring.refresh_token);
  assert.notEqual(rotated.access_token, expiring.access_token);
  await assert.rejects(client.refreshToken(expiring.refresh_token), (error: unknown) => {
    assert.ok(error instanceof StravaRequestError);
    assert.equal(error.invalidRefreshToken, true);
    return true;
  });
});

test('5xx is retried a bounded number of times: two failures then success, three failures give up', async () => {
  const start = sandbox.counters.byRoute['GET /athlete'] ?? 0;
  sandbox.failNext({ method: 'GET', pathPrefix: '/athlete' }, 502, 2);
  const athlete = await client.getAthlete(token);
  assert.equal(athlete.id, sandbox.demoAthleteId);
  assert.equal((sandbox.counters.byRoute['GET /athlete'] ?? 0) - start, 3);

  sandbox.failNext({ method: 'GET', pathPrefix: '/athlete' }, 503, 3);
  await assert.rejects(client.getAthlete(token), (error: unknown) => {
    assert.ok(error instanceof StravaServerError);
    assert.equal(error.status, 503);
    assert.equal(error.transient, true);
    return true;
  });
  assert.equal((sandbox.counters.byRoute['GET /athlete'] ?? 0) - start, 6);
});

test('429 is its own error, carries the usage, and is not retried', async () => {
  let rateLimited: StravaRateLimitError | undefined;
  for (let i = 0; i < 40 && !rateLimited; i++) {
    try {
      await client.getAthlete(token);
    } catch (error) {
      if (error instanceof StravaRateLimitError) rateLimited = error;
      else throw error;
    }
  }
  assert.ok(rateLimited, 'the sandbox limit of 25 reads per 15 minutes was reached');
  assert.equal(rateLimited.status, 429);
  assert.equal(rateLimited.transient, true);
  assert.ok(rateLimited.usage && rateLimited.usage.read!.usage15 >= 25);
  const before = sandbox.counters.apiRequests;
  await assert.rejects(client.getAthlete(token), StravaRateLimitError);
  assert.equal(sandbox.counters.apiRequests - before, 1, 'one request, no retry');
});

test('Strava unreachable is a transient server error', async () => {
  const offline = new StravaClient({
    apiBaseUrl: 'http://127.0.0.1:9/api/v3',
    oauthBaseUrl: 'http://127.0.0.1:9/oauth',
    clientId: '1',
    clientSecret: 'x',
    retries: 0,
  });
  await assert.rejects(offline.getAthlete('t'), (error: unknown) => error instanceof StravaServerError && error.status === 0 && error.transient);
});
