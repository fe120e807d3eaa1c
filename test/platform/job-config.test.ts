// The update_tokens settings: defaults consistent with Strava's one-hour rule, fail-closed auth in production, clear errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../shared/platform/config.js';
import { checkInvoker } from '../../shared/platform/invoker.js';
import { loadUpdateTokensSettings } from '../../shared/platform/job-config.js';

test("defaults: every 30 minutes, refresh what expires within the interval plus Strava's hour, no auth off production", () => {
  const settings = loadUpdateTokensSettings({});
  assert.equal(settings.intervalMs, 30 * 60_000);
  assert.equal(settings.horizonMs, 90 * 60_000);
  assert.equal(settings.requireAuth, false);
  assert.equal(settings.concurrency, 10);
  assert.equal(settings.timeBudgetMs, 420_000);
  assert.ok(Object.isFrozen(settings));
});

test('in production the caller check is on unless switched off, and needs the invoker', () => {
  assert.throws(
    () => loadUpdateTokensSettings({ K_SERVICE: 'update-tokens' }),
    (error: unknown) => error instanceof ConfigError && /UPDATE_TOKENS_INVOKER/.test(error.message),
  );
  const on = loadUpdateTokensSettings({ K_SERVICE: 'update-tokens', UPDATE_TOKENS_INVOKER: 'sa@p.iam.gserviceaccount.com' });
  assert.equal(on.requireAuth, true);
  assert.equal(loadUpdateTokensSettings({ K_SERVICE: 'update-tokens', UPDATE_TOKENS_REQUIRE_AUTH: 'false' }).requireAuth, false);
});

test('bad numbers and flags are named', () => {
  assert.throws(() => loadUpdateTokensSettings({ UPDATE_TOKENS_CONCURRENCY: '0' }), /UPDATE_TOKENS_CONCURRENCY/);
  assert.throws(() => loadUpdateTokensSettings({ UPDATE_TOKENS_INTERVAL_MINUTES: 'half an hour' }), /UPDATE_TOKENS_INTERVAL_MINUTES/);
  assert.throws(() => loadUpdateTokensSettings({ UPDATE_TOKENS_REQUIRE_AUTH: 'yes please' }), /UPDATE_TOKENS_REQUIRE_AUTH/);
  assert.equal(loadUpdateTokensSettings({ UPDATE_TOKENS_INTERVAL_MINUTES: '15', UPDATE_TOKENS_MARGIN_MINUTES: '60' }).horizonMs, 75 * 60_000);
});

test('the invoker check reads the email of the bearer token and nothing else', () => {
  const token = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
  const headers = (values: Record<string, string>) => (name: string) => values[name];
  const expected = 'sa@p.iam.gserviceaccount.com';
  assert.deepEqual(checkInvoker(headers({ authorization: `Bearer ${token({ email: expected })}` }), expected), { ok: true, email: expected });
  assert.equal(checkInvoker(headers({ authorization: `Bearer ${token({ email: 'SA@P.iam.gserviceaccount.com' })}` }), expected).ok, true);
  assert.deepEqual(checkInvoker(headers({}), expected), { ok: false, status: 401, reason: 'missing bearer token' });
  assert.equal(checkInvoker(headers({ authorization: 'Basic abc' }), expected).ok, false);
  const unverified = checkInvoker(headers({ authorization: `Bearer ${token({ email: expected, email_verified: false })}` }), expected);
  assert.deepEqual(unverified.ok ? undefined : unverified.status, 403);
});
