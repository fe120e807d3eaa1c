// The configuration: defaults, fail-fast messages, production rules, immutability.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, KNOWN_ENV_VARS, loadConfig } from '../../shared/platform/config.js';

const base = { STRAVA_CLIENT_ID: '123' };

test('laptop defaults: port 8080, localhost URL, Strava URLs, embedded database, pretty logs', () => {
  const config = loadConfig(base);
  assert.equal(config.port, 8080);
  assert.equal(config.publicBaseUrl, 'http://localhost:8080');
  assert.equal(config.strava.apiBaseUrl, 'https://www.strava.com/api/v3');
  assert.equal(config.strava.oauthBaseUrl, 'https://www.strava.com/oauth');
  assert.equal(config.database.kind, 'embedded');
  assert.equal(config.log.format, 'pretty');
  assert.equal(config.production, false);
  assert.equal(config.secureCookies, false);
});

test('a missing Strava client id fails fast naming the variable and what it is for', () => {
  assert.throws(
    () => loadConfig({}),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^STRAVA_CLIENT_ID is missing: Client id of your Strava API application/);
      return true;
    },
  );
});

test('production needs a public URL and a real database, and turns on secure cookies and JSON logs', () => {
  assert.throws(() => loadConfig({ ...base, NODE_ENV: 'production', DATABASE_URL: 'postgres://x/y' }), /PUBLIC_BASE_URL is missing/);
  assert.throws(
    () => loadConfig({ ...base, NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://a.example' }),
    /DATABASE_URL or INSTANCE_CONNECTION_NAME is missing/,
  );
  const config = loadConfig({
    ...base,
    GAE_ENV: 'standard',
    PUBLIC_BASE_URL: 'https://a.example/',
    INSTANCE_CONNECTION_NAME: 'p:r:i',
    DATABASE_USER: 'app@p.iam',
  });
  assert.equal(config.production, true);
  assert.equal(config.publicBaseUrl, 'https://a.example');
  assert.deepEqual(config.database, { kind: 'cloud-sql', instanceConnectionName: 'p:r:i', user: 'app@p.iam', database: 'training' });
  assert.equal(config.secureCookies, true);
  assert.equal(config.log.format, 'json');
});

test('the Cloud SQL connector needs its IAM user', () => {
  assert.throws(() => loadConfig({ ...base, INSTANCE_CONNECTION_NAME: 'p:r:i' }), /DATABASE_USER is missing/);
});

test('DATABASE_URL wins over the connector', () => {
  const config = loadConfig({ ...base, DATABASE_URL: 'postgres://u@h/d', INSTANCE_CONNECTION_NAME: 'p:r:i' });
  assert.deepEqual(config.database, { kind: 'url', url: 'postgres://u@h/d' });
});

test('bad values are refused with the variable named', () => {
  assert.throws(() => loadConfig({ ...base, PORT: 'eighty' }), /PORT must be a port number/);
  assert.throws(() => loadConfig({ ...base, STRAVA_API_BASE_URL: 'ftp://x' }), /STRAVA_API_BASE_URL must be an http/);
  assert.throws(() => loadConfig({ ...base, PUBLIC_BASE_URL: 'not a url' }), /PUBLIC_BASE_URL is not a URL/);
  assert.throws(() => loadConfig({ ...base, ADMIN_ATHLETE_IDS: '1,abc' }), /ADMIN_ATHLETE_IDS/);
  assert.throws(() => loadConfig({ ...base, LOG_FORMAT: 'xml' }), /LOG_FORMAT/);
});

test('admin ids are parsed and the config is frozen all the way down', () => {
  const config = loadConfig({ ...base, ADMIN_ATHLETE_IDS: ' 5, 7 ' });
  assert.deepEqual(config.adminAthleteIds, [5, 7]);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.strava));
  assert.throws(() => {
    (config.strava as { clientId: string }).clientId = 'x';
  }, TypeError);
});

test('every variable the issue names is known and described', () => {
  for (const name of [
    'PORT',
    'PUBLIC_BASE_URL',
    'STRAVA_CLIENT_ID',
    'STRAVA_CLIENT_SECRET',
    'STRAVA_API_BASE_URL',
    'STRAVA_OAUTH_BASE_URL',
    'DATABASE_URL',
    'INSTANCE_CONNECTION_NAME',
    'SESSION_SECRET',
    'TOKEN_ENCRYPTION_KEY',
    'OPENAI_API_KEY',
    'OPENAI_BASE_URL',
    'GOOGLE_CLOUD_PROJECT',
  ]) {
    const spec = (KNOWN_ENV_VARS as Record<string, { purpose: string }>)[name];
    assert.ok(spec && spec.purpose.length > 10, `${name} is described`);
  }
});
