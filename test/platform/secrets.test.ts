// Tests of loadSecrets from the environment and of secretManagerStore driving the real Secret Manager client against a local fake.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { SECRET_SPECS, SecretError, loadSecrets, secretManagerStore, type SecretName, type SecretStore } from '../../shared/platform/secrets.js';
import { crc32c, startFakeSecretManager, type FakeSecretManager } from '../fakes/secret-manager.js';

type ClientOptions = NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>;

const PROJECT = 'test-project';
const SERVICE = 'google.cloud.secretmanager.v1.SecretManagerService';

// The shipped config retries UNAVAILABLE with a 2 s first back-off; same retry codes, 1 ms back-off keeps tests quick.
const FAST_RETRIES: ClientOptions = {
  clientConfig: {
    interfaces: {
      [SERVICE]: {
        retry_params: {
          fast: {
            initial_retry_delay_millis: 1,
            retry_delay_multiplier: 1,
            max_retry_delay_millis: 1,
            initial_rpc_timeout_millis: 30_000,
            rpc_timeout_multiplier: 1,
            max_rpc_timeout_millis: 30_000,
            total_timeout_millis: 60_000,
          },
        },
        // When one read fails, loadSecrets rejects while the others may still be in flight; the test then closes the
        // fake, and those retry against a closed port every millisecond until the call's deadline (the method's
        // timeout, a minute by default), holding the file open and a core busy. Two seconds is ample for the retries
        // the tests ask for.
        methods: { AccessSecretVersion: { retry_params_name: 'fast', timeout_millis: 2_000 } },
      },
    },
  },
};

// A service that stays unavailable would otherwise be retried until the total timeout.
const NO_RETRIES: ClientOptions = {
  clientConfig: {
    interfaces: {
      [SERVICE]: { retry_codes: { none: [] }, methods: { AccessSecretVersion: { retry_codes_name: 'none' } } },
    },
  },
};

// A value with several lines, non-ASCII text and the trailing newline `gcloud secrets versions add --data-file` keeps.
const MULTI_LINE_KEY = '-----BEGIN KEY-----\nzA9+/ünïcødé 🔑 ключ\n-----END KEY-----\n';

const STORED: Record<string, string> = {
  'strava-client-secret': 'sm-strava-client-secret-4f1c',
  'session-secret': 'sm-session-secret-9b7e',
  'token-encryption-key': MULTI_LINE_KEY,
  'strava-verify-token': 'sm-verify-token-22aa',
  'webhook-path-secret': 'sm-webhook-path-secret-51bd',
  'openai-api-key': 'sm-openai-key-77d0',
  'telegram-bot-token': '123456:sm-telegram-token',
  'telegram-webhook-secret': 'sm-telegram-webhook-secret',
  'database-password': 'sm-database-password-e3e3',
};

const NAMES = Object.keys(SECRET_SPECS) as SecretName[];
const accessPath = (secretId: string): string => `/v1/projects/${PROJECT}/secrets/${secretId}/versions/latest:access`;
const count = (list: readonly string[], item: string): number => list.filter((x) => x === item).length;

/** Everything a log line could show about an error: message, cause chain, status details. */
const errorText = (error: unknown): string => inspect(error, { depth: 10 });

function assertMentionsNoValue(text: string, values: readonly string[]): void {
  for (const value of values) {
    // Each line too, so a multi-line value leaked in part is still caught.
    for (const piece of [value, ...value.split('\n')].map((p) => p.trim()).filter((p) => p.length >= 6)) {
      assert.ok(!text.includes(piece), `error text must not contain a secret value (found ${JSON.stringify(piece.slice(0, 4))}…)`);
    }
  }
}

describe('loadSecrets from the environment only', () => {
  const fullEnv = {
    STRAVA_CLIENT_SECRET: 'env-strava-secret',
    SESSION_SECRET: '  env-session-secret\n',
    TOKEN_ENCRYPTION_KEY: 'env-token-key',
  };

  test('reads trimmed values and leaves absent optional secrets undefined', async () => {
    const secrets = await loadSecrets({ env: fullEnv });
    assert.deepEqual(
      { ...secrets },
      {
        stravaClientSecret: 'env-strava-secret',
        sessionSecret: 'env-session-secret',
        tokenEncryptionKey: 'env-token-key',
        webhookVerifyToken: undefined,
        webhookPathSecret: undefined,
        openaiApiKey: undefined,
        telegramBotToken: undefined,
        telegramWebhookSecret: undefined,
        databasePassword: undefined,
      },
    );
    assert.ok(Object.isFrozen(secrets));
  });

  test('a missing required secret names its env var, secret id and purpose, and no value', async () => {
    const env = { STRAVA_CLIENT_SECRET: 'env-strava-secret', SESSION_SECRET: '   ' };
    const error = await loadSecrets({ env }).then(
      () => assert.fail('expected loadSecrets to reject'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SecretError);
    // Whitespace only counts as missing, so both SESSION_SECRET and TOKEN_ENCRYPTION_KEY are reported.
    for (const name of ['sessionSecret', 'tokenEncryptionKey'] as const) {
      const spec = SECRET_SPECS[name];
      assert.match(error.message, new RegExp(spec.env));
      assert.ok(error.message.includes(`"${spec.secretId}"`), error.message);
      assert.ok(error.message.includes(spec.purpose), error.message);
    }
    assert.ok(!error.message.includes('STRAVA_CLIENT_SECRET'), 'a present secret is not reported missing');
    assert.match(error.message, /in the environment:/);
    assert.doesNotMatch(error.message, /Secret Manager/);
    assertMentionsNoValue(errorText(error), ['env-strava-secret']);
  });

  test('`need` replaces the required set', async () => {
    const none = await loadSecrets({ env: {}, need: [] });
    assert.equal(none.sessionSecret, undefined);
    await assert.rejects(loadSecrets({ env: fullEnv, need: ['openaiApiKey'] }), (error: unknown) => {
      assert.ok(error instanceof SecretError);
      assert.match(error.message, /OPENAI_API_KEY \(secret "openai-api-key": enables AI notes\)/);
      assert.doesNotMatch(error.message, /SESSION_SECRET/);
      return true;
    });
  });
});

describe('the fake Secret Manager', () => {
  let fake: FakeSecretManager;
  before(async () => {
    fake = await startFakeSecretManager({ secrets: { one: 'v1' } });
  });
  after(() => fake.close());

  test('computes CRC-32C (RFC 3720 check value) and answers in the API shape', async () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    fake.setSecret('one', MULTI_LINE_KEY);
    const ok = await fetch(`${fake.url}/v1/projects/${PROJECT}/secrets/one/versions/latest:access`);
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { name: string; payload: { data: string; dataCrc32c: string } };
    assert.equal(body.name, `projects/${PROJECT}/secrets/one/versions/2`);
    const data = Buffer.from(body.payload.data, 'base64');
    assert.equal(data.toString('utf8'), MULTI_LINE_KEY);
    assert.equal(body.payload.dataCrc32c, String(crc32c(data)));

    const old = await fetch(`${fake.url}/v1/projects/${PROJECT}/secrets/one/versions/1:access`);
    assert.equal(Buffer.from(((await old.json()) as typeof body).payload.data, 'base64').toString(), 'v1');

    const missing = await fetch(`${fake.url}/v1/projects/${PROJECT}/secrets/nope/versions/latest:access`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), {
      error: { code: 404, message: `Secret [projects/${PROJECT}/secrets/nope] not found or has no versions.`, status: 'NOT_FOUND' },
    });

    const unknownRoute = await fetch(`${fake.url}/v1/projects/${PROJECT}/secrets/one`);
    assert.equal(unknownRoute.status, 501);
  });
});

describe('secretManagerStore with the real client against the fake', () => {
  let fake: FakeSecretManager;
  let store: SecretStore;

  beforeEach(async () => {
    fake = await startFakeSecretManager({ secrets: STORED });
    store = await secretManagerStore(PROJECT, fake.clientOptions(FAST_RETRIES));
  });

  afterEach(async () => {
    // Whatever the test did, the client must have talked to the fake alone (no metadata server, no googleapis.com).
    assert.ok(fake.clientUrls.length > 0, 'the client sent no request through the fake transport');
    // (Counts may differ: when one read fails, loadSecrets rejects while the others can still be in flight.)
    for (const url of fake.clientUrls) assert.ok(url.startsWith(`${fake.url}/v1/`), url);
    await fake.close();
  });

  test('every secret comes back, multi-line UTF-8 included, each fetched once', async () => {
    const secrets = await loadSecrets({ env: {}, store });
    assert.deepEqual(
      { ...secrets },
      {
        stravaClientSecret: STORED['strava-client-secret'],
        sessionSecret: STORED['session-secret'],
        // The store trims, as for environment values: the trailing newline goes, inner lines stay.
        tokenEncryptionKey: MULTI_LINE_KEY.trim(),
        webhookVerifyToken: STORED['strava-verify-token'],
        webhookPathSecret: STORED['webhook-path-secret'],
        openaiApiKey: STORED['openai-api-key'],
        telegramBotToken: STORED['telegram-bot-token'],
        telegramWebhookSecret: STORED['telegram-webhook-secret'],
        databasePassword: STORED['database-password'],
      },
    );
    assert.deepEqual([...fake.requests].sort(), NAMES.map((name) => accessPath(SECRET_SPECS[name].secretId)).sort());
  });

  test('the environment wins and its secrets are not fetched', async () => {
    const secrets = await loadSecrets({
      env: { STRAVA_CLIENT_SECRET: 'env-strava-secret', OPENAI_API_KEY: 'env-openai-key' },
      store,
    });
    assert.equal(secrets.stravaClientSecret, 'env-strava-secret');
    assert.equal(secrets.openaiApiKey, 'env-openai-key');
    assert.equal(secrets.sessionSecret, STORED['session-secret']);
    assert.equal(count(fake.requests, accessPath('strava-client-secret')), 0);
    assert.equal(count(fake.requests, accessPath('openai-api-key')), 0);
    for (const id of ['session-secret', 'token-encryption-key', 'strava-verify-token', 'webhook-path-secret', 'telegram-bot-token', 'database-password']) {
      assert.equal(count(fake.requests, accessPath(id)), 1, id);
    }
    assert.equal(fake.requests.length, 7);
  });

  test('latest follows a newly added version', async () => {
    fake.setSecret('session-secret', 'rotated-session-secret');
    assert.equal(await store.fetch('session-secret'), 'rotated-session-secret');
  });

  test('NOT_FOUND reads as unset', async () => {
    assert.equal(await store.fetch('no-such-secret'), undefined);
    assert.deepEqual(fake.requests, [accessPath('no-such-secret')]);
  });

  test('a missing optional secret is undefined', async () => {
    const only = Object.fromEntries(Object.entries(STORED).filter(([id]) => id !== 'openai-api-key'));
    await fake.close();
    fake = await startFakeSecretManager({ secrets: only });
    store = await secretManagerStore(PROJECT, fake.clientOptions(FAST_RETRIES));
    const secrets = await loadSecrets({ env: {}, store });
    assert.equal(secrets.openaiApiKey, undefined);
    assert.equal(secrets.sessionSecret, STORED['session-secret']);
    assert.equal(count(fake.requests, accessPath('openai-api-key')), 1);
  });

  test('a missing required secret fails naming env var, secret id and purpose, and no value', async () => {
    const only = Object.fromEntries(Object.entries(STORED).filter(([id]) => id !== 'session-secret'));
    await fake.close();
    fake = await startFakeSecretManager({ secrets: only });
    store = await secretManagerStore(PROJECT, fake.clientOptions(FAST_RETRIES));
    const error = await loadSecrets({ env: {}, store }).then(
      () => assert.fail('expected loadSecrets to reject'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SecretError);
    const spec = SECRET_SPECS.sessionSecret;
    assert.ok(
      error.message.includes(`${spec.env} (secret "${spec.secretId}": ${spec.purpose})`),
      `message names SESSION_SECRET, its id and purpose: ${error.message}`,
    );
    assert.match(error.message, /the environment or Secret Manager/);
    assert.doesNotMatch(error.message, /STRAVA_CLIENT_SECRET|TOKEN_ENCRYPTION_KEY/);
    assertMentionsNoValue(errorText(error), Object.values(only));
  });

  test('PERMISSION_DENIED fails with a SecretError naming the secret and no value', async () => {
    fake.failWith('token-encryption-key', 403);
    const error = await loadSecrets({ env: {}, store }).then(
      () => assert.fail('expected loadSecrets to reject'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SecretError);
    assert.match(error.message, /token-encryption-key/);
    assert.equal((error.cause as { code?: unknown }).code, 7, 'the client reports PERMISSION_DENIED as gRPC code 7');
    // Not retried: PERMISSION_DENIED is not transient.
    assert.equal(count(fake.requests, accessPath('token-encryption-key')), 1);
    assertMentionsNoValue(errorText(error), Object.values(STORED));
  });

  test('UNAVAILABLE that persists fails with a SecretError naming the secret and no value', async () => {
    store = await secretManagerStore(PROJECT, fake.clientOptions(NO_RETRIES));
    fake.failWith('strava-client-secret', 503);
    await assert.rejects(store.fetch('strava-client-secret'), (error: unknown) => {
      assert.ok(error instanceof SecretError);
      assert.match(error.message, /strava-client-secret/);
      assert.equal((error.cause as { code?: unknown }).code, 14, 'the client reports UNAVAILABLE as gRPC code 14');
      assertMentionsNoValue(errorText(error), Object.values(STORED));
      return true;
    });
    assert.deepEqual(fake.requests, [accessPath('strava-client-secret')]);
  });

  test('a passing UNAVAILABLE is retried by the client', async () => {
    fake.failWith('strava-client-secret', 503, 1);
    assert.equal(await store.fetch('strava-client-secret'), STORED['strava-client-secret']);
    assert.deepEqual(fake.requests, [accessPath('strava-client-secret'), accessPath('strava-client-secret')]);
  });
});
