// The runtime of a service granted no token key (importArchive): it builds, and a token can be neither read nor written with it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../shared/platform/config.js';
import { assembleRuntime } from '../../shared/platform/runtime.js';
import { loadSecrets } from '../../shared/platform/secrets.js';
import { createLogger } from '../../shared/log.js';

const log = createLogger({ format: 'json', level: 'error', write: () => undefined });
const env = { STRAVA_CLIENT_ID: '1', DATABASE_URL: 'postgres://127.0.0.1:5432/unused', TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') };

/** A runtime around a pool that never connects: building one must not need the database. */
async function runtimeOf(reader: 'import-archive' | 'backfill') {
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL });
  const secrets = await loadSecrets({ env: { ...env, STRAVA_CLIENT_SECRET: 'secret' }, reader });
  return assembleRuntime(loadConfig(env), secrets, { pool, close: () => pool.end() }, { log });
}

test("importArchive's runtime is built without the token key, even when the environment holds one, and refuses to use tokens", async () => {
  const runtime = await runtimeOf('import-archive');
  try {
    assert.equal(runtime.secrets.tokenEncryptionKey, undefined);
    assert.equal(runtime.secrets.stravaClientSecret, undefined);
    assert.throws(() => runtime.cipher.encrypt('token', 'athlete:1:access'), /holds no TOKEN_ENCRYPTION_KEY/);
    assert.throws(() => runtime.cipher.decrypt(Buffer.alloc(40), 'athlete:1:access'), /holds no TOKEN_ENCRYPTION_KEY/);
  } finally {
    await runtime.close();
  }
});

test('a service that reads the key gets a working cipher', async () => {
  const runtime = await runtimeOf('backfill');
  try {
    const sealed = runtime.cipher.encrypt('token', 'athlete:1:access');
    assert.equal(runtime.cipher.decrypt(sealed, 'athlete:1:access'), 'token');
  } finally {
    await runtime.close();
  }
});
